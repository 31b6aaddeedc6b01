/** RealtimeHandlers that write down what a link reports, in order, and let a test wait for a report. */
import type { RealtimeHandlers, RealtimeToolCall } from '../../../src/session/realtime-brain.ts';

export type Report =
  | { kind: 'audio'; samples: number; sampleRate: number }
  | { kind: 'input'; text: string }
  | { kind: 'output'; text: string }
  | { kind: 'interrupted' }
  | { kind: 'turnComplete' }
  | { kind: 'toolCalls'; calls: RealtimeToolCall[] }
  | { kind: 'toolCancelled'; ids: string[] }
  | { kind: 'reconnecting'; why: string }
  | { kind: 'reconnected'; ms: number; resumed: boolean }
  | { kind: 'failed'; error: Error };

export class Recorder {
  readonly reports: Report[] = [];
  readonly #waiters = new Set<() => void>();

  readonly handlers: RealtimeHandlers = {
    audio: (samples, sampleRate) => this.#push({ kind: 'audio', samples: samples.length, sampleRate }),
    inputTranscript: (text) => this.#push({ kind: 'input', text }),
    outputTranscript: (text) => this.#push({ kind: 'output', text }),
    interrupted: () => this.#push({ kind: 'interrupted' }),
    turnComplete: () => this.#push({ kind: 'turnComplete' }),
    toolCalls: (calls) => this.#push({ kind: 'toolCalls', calls }),
    toolCancelled: (ids) => this.#push({ kind: 'toolCancelled', ids }),
    reconnecting: (why) => this.#push({ kind: 'reconnecting', why }),
    reconnected: (info) => this.#push({ kind: 'reconnected', ...info }),
    failed: (error) => this.#push({ kind: 'failed', error }),
  };

  #push(report: Report): void {
    this.reports.push(report);
    for (const w of [...this.#waiters]) w();
  }

  of<K extends Report['kind']>(kind: K): Array<Extract<Report, { kind: K }>> {
    return this.reports.filter((r): r is Extract<Report, { kind: K }> => r.kind === kind);
  }

  until(kind: Report['kind'], count = 1, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (this.of(kind).length >= count) {
          this.#waiters.delete(test);
          clearTimeout(timer);
          resolve();
        }
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(test);
        reject(new Error(`timed out waiting for ${count} × ${kind}; got ${this.reports.map((r) => r.kind)}`));
      }, timeoutMs);
      this.#waiters.add(test);
      test();
    });
  }
}

/** `ms` of 16 kHz PCM16 (a quiet tone) as bytes, the way a channel hands caller audio on. */
export function callerAudio(ms: number): Uint8Array<ArrayBuffer> {
  const n = (16_000 * ms) / 1000;
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = Math.round(3000 * Math.sin((2 * Math.PI * 300 * i) / 16_000));
  return new Uint8Array(samples.buffer);
}
