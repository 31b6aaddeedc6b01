/**
 * `rooman crm [--port 8001] [--host H]`: the built-in CRM's HTTP API alone (plus GET /healthz), a drop-in for the
 * seed's mock CRM server: same port, same routes, same banner, same CSV files, with the data in the database.
 * Serves until SIGINT/SIGTERM (or `signal`), then finishes pending writes and flushes the CSV logs.
 */
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import { buildRooman } from '../../server.ts';

export interface CrmCommandDeps {
  config: Config;
  logger: Logger;
  /** Where the banner goes; default stdout. */
  output?: NodeJS.WritableStream;
  /** Stops the server when aborted; default: SIGINT or SIGTERM. */
  signal?: AbortSignal;
  /** Called once the server listens (tests learn the port here when given --port 0). */
  onListening?: (info: { url: string; port: number }) => void;
}

export const DEFAULT_CRM_PORT = 8001;

const USAGE = `Usage: rooman crm [--port N] [--host H]

Serves the CRM API of seed 003 alone: POST /crm/leads, POST /crm/visits, POST /crm/leads/{id}/status,
GET /crm/leads[/{id}[/history]], GET /crm/visits, GET /healthz.
  --port N   port to listen on (default ${DEFAULT_CRM_PORT})
  --host H   address to listen on (default HOST, else 0.0.0.0)
`;

const RULE = '='.repeat(60);

/** The seed's start-up banner, with where the data goes. */
export function crmBanner(info: {
  url: string;
  database: string;
  csv: { leads: string; visits: string; updates: string } | null;
}): string {
  const row = (label: string, value: string) => `  ${label.padEnd(13)}: ${value}`;
  return [
    RULE,
    '  🚀 MOCK CRM SERVER STARTING',
    RULE,
    row('Server URL', info.url),
    row('Health', `${info.url}/healthz`),
    row('Database', info.database),
    ...(info.csv
      ? [
          row('Leads CSV', info.csv.leads),
          row('Visits CSV', info.csv.visits),
          row('Updates CSV', info.csv.updates),
        ]
      : [row('CSV logs', 'off (ROOMAN_CSV_LOGS=off)')]),
    RULE,
    '',
  ].join('\n');
}

function parseFlags(
  argv: readonly string[],
  defaultHost: string,
): { port: number; host: string } | string | null {
  let port = DEFAULT_CRM_PORT;
  let host = defaultHost;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const value = () => (eq > 0 ? arg.slice(eq + 1) : argv[++i]);
    if (name === '--help' || name === '-h') return null;
    if (name === '--port') {
      const v = value();
      if (v === undefined || !/^\d{1,5}$/.test(v) || Number(v) > 65535) {
        return `--port needs a port number (got ${v ?? 'nothing'})`;
      }
      port = Number(v);
    } else if (name === '--host') {
      const v = value();
      if (!v) return '--host needs an address';
      host = v;
    } else return `unknown option ${arg}`;
  }
  return { port, host };
}

/** Runs the server until stopped; resolves to the process exit code. */
export async function runCrmCommand(argv: string[], deps: CrmCommandDeps): Promise<number> {
  const output = deps.output ?? process.stdout;
  const flags = parseFlags(argv, deps.config.host);
  if (flags === null) {
    output.write(USAGE);
    return 0;
  }
  if (typeof flags === 'string') {
    output.write(`rooman crm: ${flags}\n\n${USAGE}`);
    return 2;
  }

  const rooman = await buildRooman(deps.config, { logger: deps.logger, only: 'crm' });
  try {
    // Keys older than a day are never answered again; a start is a good moment to forget them.
    await rooman.crm.purgeExpiredIdempotencyKeys();
    const csv = await rooman.crm.openCsvLogs(rooman.defaultOrg.id);
    try {
      await rooman.app.listen({ port: flags.port, host: flags.host });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      output.write(
        code === 'EADDRINUSE'
          ? `rooman crm: port ${flags.port} is already in use; choose another with --port\n`
          : `rooman crm: cannot listen on ${flags.host}:${flags.port}: ${(error as Error).message}\n`,
      );
      return 1;
    }
    const address = rooman.app.server.address();
    const port = typeof address === 'object' && address ? address.port : flags.port;
    const shownHost = flags.host === '0.0.0.0' || flags.host === '::' ? 'localhost' : flags.host;
    const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
    output.write(crmBanner({ url, database: rooman.database.describe, csv }));
    deps.onListening?.({ url, port });
    await stopped(deps.signal);
    return 0;
  } finally {
    await rooman.close();
  }
}

function stopped(signal: AbortSignal | undefined): Promise<void> {
  if (signal) {
    return signal.aborted
      ? Promise.resolve()
      : new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  }
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
