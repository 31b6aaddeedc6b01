/**
 * `rooman <command>`: the command-line entry point and the process's composition root. It reads the environment
 * once, validates it, and hands the parsed configuration to everything else. Commands are imported when run, so
 * `rooman --help` does not load the database, the speech engines or the intent model.
 */
import { resolve } from 'node:path';
import { type Config, ConfigError, loadConfig } from '../core/config.ts';
import { createLogger, type Logger } from '../core/logger.ts';
import { VERSION } from '../version.ts';
import { readEnvironment } from './environment.ts';

const USAGE = `rooman ${VERSION} — an open-source real-time voice agent platform

Usage: rooman <command> [options]

Commands:
  start                 run the server: bot API, CRM API, web page (PORT, default 8000)
  crm [--port 8001]     run the CRM service alone, as the seed's separate CRM server
  chat                  talk to the bot at the terminal ('q' quits)
  understand [--now ISO] [--tz TZ]
                        one utterance a line on stdin → one JSON line a line on stdout
  models list | pull NAME
                        list the speech models, or download one (checksum, progress)
  mcp [--org KEY]       Rooman's tools as an MCP server on stdin/stdout (--org: an API key, or default)
  help, --help          this text
  version, --version    the version

Configuration comes from the environment and a .env file: see README.md.
`;

function loggerFor(config: Config): Logger {
  return createLogger({
    level: config.logLevel,
    format: config.logFormat ?? (process.stdout.isTTY ? 'pretty' : 'json'),
  });
}

/** Stops cleanly on Ctrl-C or a termination signal: pending writes finish, logs flush, the database closes. */
function onShutdown(close: () => Promise<void>, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down');
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

function banner(config: Config, url: string, describeDb: string, crmLabel: string): string {
  const rule = '='.repeat(60);
  const localUrl = url.replace('0.0.0.0', 'localhost');
  return [
    rule,
    `  Rooman ${VERSION} is running`,
    rule,
    `  Web page     : ${localUrl}/  (calls and chat)`,
    `  Dashboard    : ${localUrl}/dashboard · /calls · /outbox · /calendar`,
    `  Bot API      : POST ${localUrl}/bot/handle`,
    `  CRM API      : ${localUrl}/crm/leads · /crm/visits`,
    `  MCP          : POST ${localUrl}/mcp`,
    `  Brain        : ${config.brain}`,
    `  Phone        : ${config.twilio && config.publicUrl ? `${config.publicUrl}/twilio/voice` : 'off (set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, ROOMAN_PUBLIC_URL)'}`,
    `  Health       : ${localUrl}/healthz`,
    `  Database     : ${describeDb}`,
    `  CRM          : ${crmLabel}`,
    `  Data dir     : ${resolve(config.dataDir)} (CSV logs${config.csvLogs ? '' : ' off'})`,
    `  Time zone    : ${config.timeZone}`,
    rule,
    '',
  ].join('\n');
}

async function start(config: Config): Promise<number> {
  const logger = loggerFor(config);
  const { buildRooman } = await import('../server.ts');
  const rooman = await buildRooman(config, { logger });
  onShutdown(rooman.close, logger);
  const url = await rooman.app.listen({ port: config.port, host: config.host });
  process.stdout.write(banner(config, url, rooman.database.describe, rooman.crmLabel));
  return new Promise<number>(() => {}); // runs until a signal stops it
}

async function chat(config: Config, args: string[]): Promise<number> {
  // The chat screen is for a person: log lines would interleave with the conversation, so only warnings show.
  const logger = createLogger({
    level: config.logLevel === 'info' ? 'warn' : config.logLevel,
    format: 'pretty',
  });
  const [{ buildRooman }, { runChatCommand }] = await Promise.all([
    import('../server.ts'),
    import('./commands/chat.ts'),
  ]);
  const rooman = await buildRooman(config, { logger });
  try {
    return await runChatCommand(args, {
      bot: rooman.bot,
      orgId: rooman.defaultOrg.id,
      input: process.stdin,
      output: process.stdout,
      crmLabel: rooman.crmLabel,
    });
  } finally {
    await rooman.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command = 'help', ...args] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'version' || command === '--version' || command === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  try {
    const env = readEnvironment();
    switch (command) {
      case 'start':
        return await start(loadConfig(env));
      case 'crm': {
        const config = loadConfig(env);
        const { runCrmCommand } = await import('./commands/crm.ts');
        return await runCrmCommand(args, { config, logger: loggerFor(config) });
      }
      case 'models': {
        const config = loadConfig(env);
        const { runModelsCommand } = await import('./commands/models.ts');
        return await runModelsCommand(args, {
          stdout: process.stdout,
          stderr: process.stderr,
          modelsDir: config.modelsDir,
          baseUrl: config.modelsBaseUrl,
        });
      }
      case 'mcp': {
        const config = loadConfig(env);
        const { runMcpCommand } = await import('./commands/mcp.ts');
        const stopSignal = new Promise((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        return await runMcpCommand(args, {
          config,
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          stopSignal,
        });
      }
      case 'chat':
        return await chat(loadConfig(env), args);
      case 'understand': {
        const config = loadConfig(env);
        const { runUnderstandCommand } = await import('./commands/understand.ts');
        return await runUnderstandCommand(args, {
          stdin: process.stdin,
          stdout: process.stdout,
          stderr: process.stderr,
          defaultTz: config.timeZone,
        });
      }
      default:
        process.stderr.write(`rooman: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rooman: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

/** Runs the CLI as this process: its exit code becomes the process's (the published bin calls this too). */
export function runAsProcess(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(
        `rooman: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      process.exit(1);
    },
  );
}

if (import.meta.main) runAsProcess(process.argv.slice(2));
