/**
 * `GET /healthz`: what a load balancer or an operator asks before sending traffic. 200 while the database answers,
 * 503 ("degraded") when it does not, so a broken instance is taken out of rotation instead of failing requests.
 */
import type { FastifyInstance } from 'fastify';

export interface HealthOptions {
  /** Resolves when the database answers a trivial query; rejects (or hangs) when it does not. */
  checkDatabase: () => Promise<void>;
  version: string;
  /** A check slower than this counts as failed: a hung database must not hang the probe too. */
  timeoutMs?: number;
  /** For tests: the clock uptime is measured on. */
  now?: () => number;
}

export interface HealthBody {
  status: 'ok' | 'degraded';
  database: string;
  version: string;
  uptime_s: number;
}

export function registerHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 2000;
  const startedAt = now();

  app.get('/healthz', async (_request, reply) => {
    const database = await probe(options.checkDatabase, timeoutMs);
    const body: HealthBody = {
      status: database === 'ok' ? 'ok' : 'degraded',
      database,
      version: options.version,
      uptime_s: Math.max(0, Math.floor((now() - startedAt) / 1000)),
    };
    return reply
      .status(body.status === 'ok' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send(body);
  });
}

async function probe(check: () => Promise<void>, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch (error) {
    return `error: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}
