/**
 * Download progress on stderr: a bar redrawn in place at a terminal; plain lines every 10 % otherwise (CI logs,
 * pipes), so a log shows the download advancing without thousands of carriage returns.
 */

export interface ProgressSink {
  start(label: string, totalBytes: number | undefined, alreadyBytes: number): void;
  advance(bytes: number): void;
  done(): void;
}

export interface ProgressOptions {
  write: (text: string) => void;
  isTTY: boolean;
  now?: () => number;
}

const MB = 1_000_000;
const fmt = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

export function createProgress({
  write,
  isTTY,
  now = () => performance.now(),
}: ProgressOptions): ProgressSink {
  let label = '';
  let total: number | undefined;
  let received = 0;
  let startBytes = 0;
  let startedAt = 0;
  let lastDraw = 0;
  let lastDecile = -1;

  const rate = () => {
    const seconds = (now() - startedAt) / 1000;
    return seconds > 0 ? (received - startBytes) / seconds : 0;
  };
  const line = () => {
    const pct = total ? Math.min(100, (received / total) * 100) : undefined;
    const amount = total ? `${fmt(received)} / ${fmt(total)}` : fmt(received);
    return `${label} ${pct === undefined ? '' : `${pct.toFixed(0).padStart(3)}% `}${amount} ${fmt(rate())}/s`;
  };
  const draw = (final: boolean) => {
    if (isTTY) {
      const width = 24;
      const filled = total ? Math.round((Math.min(received, total) / total) * width) : 0;
      const bar = total ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : '';
      write(`\r${bar}${line()}\u001b[K${final ? '\n' : ''}`);
      return;
    }
    const decile = total ? Math.floor((received / total) * 10) : Math.floor(received / (10 * MB));
    if (final || decile > lastDecile) {
      lastDecile = decile;
      write(`${line()}\n`);
    }
  };

  return {
    start(name, totalBytes, alreadyBytes) {
      label = name;
      total = totalBytes;
      received = alreadyBytes;
      startBytes = alreadyBytes;
      startedAt = now();
      lastDecile = -1;
      if (alreadyBytes > 0) write(`resuming ${name} at ${fmt(alreadyBytes)}\n`);
      draw(false);
    },
    advance(bytes) {
      received += bytes;
      const t = now();
      if (!isTTY || t - lastDraw >= 100) {
        lastDraw = t;
        draw(false);
      }
    },
    done() {
      draw(true);
    },
  };
}

/** For callers that want no output (library use, benchmarks). */
export const silentProgress: ProgressSink = { start() {}, advance() {}, done() {} };
