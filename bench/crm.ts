/**
 * CRM create throughput: POST /crm/leads over loopback HTTP into the built-in CRM on embedded PGlite (a fresh data
 * dir in the temp folder), driven by autocannon with a unique phone per request. The server runs in this process
 * (one core); autocannon runs in a child process (in a worker thread it reports raw histograms instead of
 * results). After each run the rows are counted: every 2xx must be exactly one row, no phone twice.
 *
 * Three runs: an HTTP baseline (a route that parses the body and answers, no CRM: the ceiling the load generator
 * and Fastify allow on this machine), then the CRM with CSV logs and terminal blocks off, then on. Wall-clock
 * requests/s depends on what else the machine runs, so each run also reports the server's CPU time per request;
 * `requests_per_server_cpu_s` (1 s ÷ that) is what one core takes when the server has it to itself.
 * Target: ≥ 2,000 creates/s.
 *
 *   node_modules/.bin/node bench/crm.ts      prints the JSON result
 */
import { fork } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createLogger } from '../src/core/logger.ts';
import { BuiltinCrm } from '../src/crm/builtin-crm.ts';
import { createHttpApp } from '../src/http/app.ts';
import { createOrgResolver } from '../src/http/org.ts';
import { registerCrmRoutes } from '../src/http/routes/crm.ts';
import { type Database, openDatabase } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { ensureDefaultOrganisation } from '../src/store/organisations.ts';
import type { BenchContext } from './run.ts';

const TARGET_CREATES_PER_S = 2000;
const LOAD_FLAG = '--crm-load-job=';

export interface CrmBenchOptions {
  /** Requests per measured run. */
  requests?: number;
  warmup?: number;
  connections?: number;
}

interface LoadJob {
  url: string;
  amount: number;
  connections: number;
  /** Phones are numbered from here, so no two requests of the whole bench share one. */
  firstPhone: number;
}

interface LoadResult {
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  durationS: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

interface AutocannonResult {
  start: Date;
  finish: Date;
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latency: { p50: number; p90: number; p99: number; max: number };
}

type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/** The load process's side: fire `amount` creates and report what came back. */
async function runLoad(job: LoadJob): Promise<LoadResult> {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  let next = job.firstPhone;
  const result = await autocannon({
    url: job.url,
    connections: job.connections,
    amount: job.amount,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          const n = next++;
          // 98 followed by eight digits: valid Indian mobile numbers, a different one for every request.
          const phone = `98${String(n).padStart(8, '0')}`;
          return {
            ...request,
            body: JSON.stringify({ name: `Bench Lead ${n}`, phone, city: 'Gurgaon', source: 'Bench' }),
          };
        },
      },
    ],
  });
  const { p50, p90, p99, max } = result.latency;
  return {
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: (new Date(result.finish).getTime() - new Date(result.start).getTime()) / 1000,
    latency: { p50, p90, p99, max },
  };
}

function loadInChild(job: LoadJob): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [`${LOAD_FLAG}${JSON.stringify(job)}`], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    let result: LoadResult | undefined;
    child.once('message', (message) => {
      result = message as LoadResult;
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      result ? resolve(result) : reject(new Error(`load process exited with ${code}`)),
    );
  });
}

interface RunReport {
  requests_per_s: number;
  latency_ms: { p50: number; p90: number; p99: number; max: number };
  /** CPU time (user + system, all threads) the server process spent per request. */
  server_cpu_us_per_request: number;
  /** 1 s ÷ the CPU time per request: what one core would take. */
  requests_per_server_cpu_s: number;
  ok: number;
  non_2xx: number;
  errors: number;
}

/** Serves `app` on loopback, warms it up, then measures one run; CPU time is counted from its first request. */
async function drive(
  app: FastifyInstance,
  path: string,
  options: Required<CrmBenchOptions>,
  firstPhone: number,
): Promise<RunReport & { okIncludingWarmup: number }> {
  let from: NodeJS.CpuUsage | undefined;
  let watching = false;
  app.addHook('onRequest', async () => {
    if (watching && !from) from = process.cpuUsage();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}${path}`;
  const job = { url, connections: options.connections };
  const warm = await loadInChild({ ...job, amount: options.warmup, firstPhone });
  watching = true;
  const run = await loadInChild({
    ...job,
    amount: options.requests,
    firstPhone: firstPhone + options.warmup,
  });
  const cpu = process.cpuUsage(from);
  const cpuPerRequest = (cpu.user + cpu.system) / Math.max(1, run.ok);
  return {
    requests_per_s: Math.round(run.ok / run.durationS),
    latency_ms: run.latency,
    server_cpu_us_per_request: Math.round(cpuPerRequest),
    requests_per_server_cpu_s: Math.round(1_000_000 / cpuPerRequest),
    ok: run.ok,
    non_2xx: run.non2xx + warm.non2xx,
    errors: run.errors + warm.errors + run.timeouts + warm.timeouts,
    okIncludingWarmup: warm.ok + run.ok,
  };
}

async function baseline(options: Required<CrmBenchOptions>): Promise<RunReport> {
  const app = createHttpApp({
    logger: createLogger({ level: 'warn', format: 'json', destination: createWriteStream('/dev/null') }),
    bodyLimit: 1_048_576,
  });
  app.post('/baseline', async (_request, reply) => reply.status(201).send({ lead_id: 'x', status: 'NEW' }));
  try {
    const { okIncludingWarmup: _, ...report } = await drive(app, '/baseline', options, 0);
    return report;
  } finally {
    await app.close();
  }
}

async function crmRun(
  database: Database,
  dataDir: string,
  csvLogs: boolean,
  options: Required<CrmBenchOptions>,
  firstPhone: number,
): Promise<RunReport & { rows_written: number; rows_match_2xx: boolean }> {
  const { db } = database;
  const org = await ensureDefaultOrganisation(db, 'Asia/Kolkata');
  await sql`delete from leads`.execute(db);
  // With CSV logs on, the terminal blocks are formatted and logged too, as `rooman crm` does; to a file here.
  const logger = createLogger({
    level: csvLogs ? 'info' : 'warn',
    format: 'json',
    destination: createWriteStream(csvLogs ? join(dataDir, 'bench.log') : '/dev/null'),
  });
  const crm = new BuiltinCrm({ db, kind: database.kind, logger, dataDir, csvLogs });
  const app = createHttpApp({ logger, bodyLimit: 1_048_576 });
  registerCrmRoutes(app, { crm, resolveOrg: createOrgResolver({ db, anonymousOrgId: org.id }) });
  try {
    const { okIncludingWarmup, ...report } = await drive(app, '/crm/leads', options, firstPhone);
    await crm.close();
    const { rows } = await sql<{ n: number; phones: number }>`
      select count(*)::int as n, count(distinct phone)::int as phones from leads`.execute(db);
    const written = rows[0]!;
    return {
      ...report,
      rows_written: written.n,
      rows_match_2xx: written.n === okIncludingWarmup && written.phones === okIncludingWarmup,
    };
  } finally {
    await app.close();
    await crm.close();
  }
}

export async function benchCrm(
  context: Partial<BenchContext> = {},
  options: CrmBenchOptions = {},
): Promise<Record<string, unknown>> {
  const log = context.log ?? (() => {});
  const opts: Required<CrmBenchOptions> = {
    requests: options.requests ?? 20_000,
    warmup: options.warmup ?? 2_000,
    connections: options.connections ?? 50,
  };
  const result: Record<string, unknown> = {
    setup: {
      database: 'embedded PGlite, fresh data dir',
      server: 'Fastify in this process; autocannon in a child process',
      connections: opts.connections,
      requests_per_run: opts.requests,
      warmup_requests: opts.warmup,
    },
    target_creates_per_s: TARGET_CREATES_PER_S,
  };
  log('HTTP baseline (no CRM)…');
  result.http_baseline = await baseline(opts);
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-bench-crm-'));
  try {
    const started = performance.now();
    const database = await openDatabase({ dataDir });
    await migrateToLatest(database.db);
    result.first_open_ms = Math.round(performance.now() - started);
    try {
      for (const [key, csvLogs, firstPhone] of [
        ['csv_off', false, 0],
        ['csv_on', true, 10_000_000],
      ] as const) {
        if (context.signal?.aborted) break;
        log(`${key}: ${opts.requests} creates over ${opts.connections} connections…`);
        const run = await crmRun(database, dataDir, csvLogs, opts, firstPhone);
        log(
          `${key}: ${run.requests_per_s} creates/s, ${run.requests_per_server_cpu_s} per server CPU-second`,
        );
        result[key] = run;
      }
    } finally {
      await database.close();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  const off = result.csv_off as RunReport | undefined;
  const on = result.csv_on as RunReport | undefined;
  // Judged on one core's worth of server CPU: wall-clock rates also measure the neighbours.
  result.meets_target = Boolean(
    off &&
      on &&
      off.requests_per_server_cpu_s >= TARGET_CREATES_PER_S &&
      on.requests_per_server_cpu_s >= TARGET_CREATES_PER_S,
  );
  return result;
}

const loadJob = process.argv.find((a) => a.startsWith(LOAD_FLAG));
if (loadJob) {
  process.send!(await runLoad(JSON.parse(loadJob.slice(LOAD_FLAG.length)) as LoadJob));
  process.disconnect();
} else if (import.meta.main) {
  const result = await benchCrm({ log: (m) => process.stderr.write(`crm: ${m}\n`) });
  console.log(JSON.stringify(result, null, 2));
}
