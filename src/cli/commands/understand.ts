/**
 * `rooman understand [--now ISO] [--tz TZ]`: reads one utterance a line on stdin and writes one JSON line per
 * utterance, `{text, intent, confidence, entities}` (the `Understanding` schema of src/core/understanding.ts). This
 * is the stable contract the engine is evaluated through. Blank lines are skipped; bad flags exit with code 2.
 */
import { createInterface } from 'node:readline';
import { isValidTimeZone, parseIsoWithOffset } from '../../core/time.ts';
import { type Understander, Understanding } from '../../core/understanding.ts';
import { createUnderstandingEngine } from '../../understanding/engine.ts';

export interface UnderstandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** The business time zone (ROOMAN_TZ) used when --tz is not given. */
  defaultTz: string;
  /** The engine to use; the built-in one by default. */
  understander?: Understander;
}

const USAGE = `Usage: rooman understand [--now ISO] [--tz TZ] [--date-order day-first|month-first]

Reads one utterance a line on stdin; writes one JSON line per utterance:
  {"text": …, "intent": …, "confidence": …, "entities": {…}}
  --now ISO   the reference instant for relative times, with an offset (e.g. 2025-10-04T10:00:00+05:30);
              default: the current time, read for each line
  --tz TZ     IANA time zone to resolve and write times in (default: ROOMAN_TZ, else Asia/Kolkata)
  --date-order day-first|month-first
              how to read 5/3 (default: month-first in US zones, else day-first, as in India)
`;

interface Options {
  now?: Date;
  tz?: string;
  dateOrder?: 'day-first' | 'month-first';
  help?: boolean;
}

function parseFlags(argv: readonly string[]): Options | string {
  const out: Options = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const value = () => inline ?? argv[++i];
    if (name === '--help' || name === '-h') out.help = true;
    else if (name === '--now') {
      const v = value();
      const at = v === undefined ? null : parseIsoWithOffset(v);
      if (!at)
        return `--now needs an ISO-8601 date-time with an offset, e.g. 2025-10-04T10:00:00+05:30 (got ${v ?? 'nothing'})`;
      out.now = at;
    } else if (name === '--tz') {
      const v = value();
      if (!v || !isValidTimeZone(v))
        return `--tz needs an IANA time zone such as Asia/Kolkata (got ${v ?? 'nothing'})`;
      out.tz = v;
    } else if (name === '--date-order') {
      const v = value();
      if (v !== 'day-first' && v !== 'month-first')
        return `--date-order needs day-first or month-first (got ${v ?? 'nothing'})`;
      out.dateOrder = v;
    } else return `unknown option ${arg}`;
  }
  return out;
}

/** Runs the command to the end of input; resolves to the exit code. */
export async function runUnderstandCommand(argv: string[], io: UnderstandIo): Promise<number> {
  const flags = parseFlags(argv);
  if (typeof flags === 'string') {
    io.stderr.write(`rooman understand: ${flags}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const tz = flags.tz ?? io.defaultTz;
  if (!isValidTimeZone(tz)) {
    io.stderr.write(`rooman understand: the default time zone ${tz} is not valid; pass --tz\n`);
    return 2;
  }
  const engine = io.understander ?? createUnderstandingEngine();
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY, terminal: false });
  let code = 0;
  for await (const raw of lines) {
    const text = raw.trim();
    if (text === '') continue;
    const result = Understanding.safeParse(
      engine.understand(text, {
        now: flags.now ?? new Date(),
        tz,
        ...(flags.dateOrder ? { dateOrder: flags.dateOrder } : {}),
      }),
    );
    if (!result.success) {
      // An engine bug, not bad input: say so, keep going, and fail at the end.
      io.stderr.write(
        `rooman understand: invalid result for ${JSON.stringify(text)}: ${result.error.message}\n`,
      );
      code = 1;
      continue;
    }
    if (!io.stdout.write(`${JSON.stringify(result.data)}\n`)) {
      await new Promise((resolve) => io.stdout.once('drain', resolve));
    }
  }
  return code;
}

if (import.meta.main) {
  process.exitCode = await runUnderstandCommand(process.argv.slice(2), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    defaultTz: process.env.ROOMAN_TZ || 'Asia/Kolkata',
  });
}
