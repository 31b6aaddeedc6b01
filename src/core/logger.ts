import { pino } from 'pino';

export type Logger = pino.Logger;

export interface LoggerOptions {
  level: string;
  /** `pretty` prints human-readable lines (and the seed's multi-line blocks as they are); `json` one object a line. */
  format: 'pretty' | 'json';
  /** Where lines go; default stdout. Tests pass a stream to read what was logged. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions): Logger {
  if (options.format === 'json' || options.destination) {
    return pino(
      { level: options.level, base: undefined },
      (options.destination ?? process.stdout) as pino.DestinationStream,
    );
  }
  return pino({
    level: options.level,
    base: undefined,
    transport: {
      target: 'pino-pretty',
      options: { colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l', singleLine: false },
    },
  });
}

/** A logger that drops everything: for tests and embedded use. */
export const silentLogger: Logger = pino({ level: 'silent' });
