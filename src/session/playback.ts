/**
 * One utterance of the agent (a reply or a filler) as the caller hears it: the audio synthesized so far, how much
 * was sent to the channel, and how much was played. "Played" is what the channel reported (`markPlayed`), or, with
 * no report, real-time playback from the moment the first chunk went out (never beyond what was sent).
 */
import type { SynthesisChunk } from '../speech/synthesizer.ts';

/** How long past the assumed end of playback a channel's missing "played" report is waited for. */
const STALE_REPORT_GRACE_MS = 2000;

interface StoredChunk {
  samples: Int16Array;
  sampleRate: number;
  sentenceIndex: number;
  offsetMs: number;
  durationMs: number;
}

export class Playback {
  readonly kind: 'reply' | 'filler';
  readonly turn: number;
  readonly text: string;
  /** Transcript entry of this utterance. */
  readonly seq: number;
  readonly abort = new AbortController();
  readonly sentences: string[] = [];
  readonly chunks: StoredChunk[] = [];
  totalMs = 0;
  sentMs = 0;
  synthesisDone = false;
  held = false;
  settled = false;
  #reportedMs: number | null = null;
  /** Wall time at which audio position `#clockBaseMs` was (or will be) playing; null before anything was sent. */
  #clockStart: number | null = null;
  #clockBaseMs = 0;
  #frozenMs = 0;

  constructor(kind: 'reply' | 'filler', turn: number, text: string, seq: number) {
    this.kind = kind;
    this.turn = turn;
    this.text = text;
    this.seq = seq;
  }

  add(chunk: SynthesisChunk): StoredChunk {
    const durationMs = (chunk.samples.length * 1000) / chunk.sampleRate;
    const stored = {
      samples: chunk.samples,
      sampleRate: chunk.sampleRate,
      sentenceIndex: chunk.sentenceIndex,
      offsetMs: this.totalMs,
      durationMs,
    };
    this.sentences[chunk.sentenceIndex] = chunk.sentence;
    this.chunks.push(stored);
    this.totalMs += durationMs;
    return stored;
  }

  /** A chunk went to the channel at wall time `now`; playback starts no earlier than `startsAt` (queued audio). */
  sent(chunk: StoredChunk, now: number, startsAt: number): void {
    if (this.#clockStart === null) {
      this.#clockStart = Math.max(now, startsAt);
      this.#clockBaseMs = chunk.offsetMs;
    }
    this.sentMs = chunk.offsetMs + chunk.durationMs;
  }

  markPlayed(ms: number): void {
    this.#reportedMs = Math.max(this.#reportedMs ?? 0, Math.min(ms, this.totalMs));
  }

  playedMs(now: number): number {
    if (this.held || this.settled) return this.#frozenMs;
    if (this.#reportedMs !== null) return this.#reportedMs;
    if (this.#clockStart === null) return 0;
    return Math.max(0, Math.min(this.sentMs, this.#clockBaseMs + (now - this.#clockStart)));
  }

  /** Wall time at which everything sent so far will have played (assumed clock). */
  expectedEnd(now: number): number {
    if (this.#clockStart === null) return now;
    return this.#clockStart + (this.sentMs - this.#clockBaseMs);
  }

  finished(now: number): boolean {
    if (!this.synthesisDone) return false;
    if (this.playedMs(now) >= this.totalMs - 1) return true;
    // A channel whose reports stopped short (a lost last report) must not keep the agent "speaking" forever:
    // once the clock says the audio ended well ago, it ended.
    if (this.#reportedMs === null || this.held || this.#clockStart === null) return false;
    return this.#clockBaseMs + (now - this.#clockStart) >= this.totalMs + STALE_REPORT_GRACE_MS;
  }

  /** Stops the clock where the caller's ears are; the channel drops what it had queued. */
  hold(now: number): void {
    this.#frozenMs = this.playedMs(now);
    this.held = true;
    this.sentMs = this.#frozenMs;
  }

  /** Restarts from where playback stopped: returns the chunks (sliced) to send again. */
  resume(now: number): StoredChunk[] {
    this.held = false;
    const from = this.#frozenMs;
    this.#reportedMs = this.#reportedMs === null ? null : from;
    this.#clockStart = null;
    this.sentMs = from;
    const out: StoredChunk[] = [];
    for (const c of this.chunks) {
      if (c.offsetMs + c.durationMs <= from) continue;
      if (c.offsetMs >= from) out.push(c);
      else {
        const skip = Math.floor(((from - c.offsetMs) * c.sampleRate) / 1000);
        out.push({
          ...c,
          samples: c.samples.subarray(skip),
          offsetMs: from,
          durationMs: c.durationMs - (skip * 1000) / c.sampleRate,
        });
      }
    }
    void now;
    return out;
  }

  settle(now: number): number {
    const played = this.playedMs(now);
    this.#frozenMs = played;
    this.settled = true;
    return played;
  }

  /**
   * The words the caller heard: whole sentences whose audio played, then the share of the next sentence's words
   * in proportion to how much of its audio played.
   */
  playedText(playedMs: number): string {
    if (playedMs >= this.totalMs - 1 && this.synthesisDone) return this.text;
    const spans = new Map<number, { start: number; end: number }>();
    for (const c of this.chunks) {
      const span = spans.get(c.sentenceIndex);
      if (!span) spans.set(c.sentenceIndex, { start: c.offsetMs, end: c.offsetMs + c.durationMs });
      else span.end = c.offsetMs + c.durationMs;
    }
    const parts: string[] = [];
    for (const [index, span] of [...spans.entries()].sort((a, b) => a[0] - b[0])) {
      const sentence = this.sentences[index] ?? '';
      if (playedMs >= span.end) parts.push(sentence);
      else {
        if (playedMs > span.start) {
          const share = (playedMs - span.start) / (span.end - span.start);
          const words = sentence.split(/\s+/);
          const heard = words.slice(0, Math.floor(words.length * share));
          if (heard.length) parts.push(heard.join(' '));
        }
        break;
      }
    }
    return parts.join(' ');
  }
}
