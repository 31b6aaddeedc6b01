/**
 * Voice activity detection behind one interface, so the session can swap the cheap energy detector for Silero (or
 * run both) without caring which one it has.
 *
 * Times are milliseconds of stream time: samples fed so far ÷ sample rate, starting at 0 for the first sample.
 * `detectedAtMs` is the stream time at which the detector decided, always ≥ the boundary it reports (the difference
 * is the detector's latency: minimum speech/silence durations, model look-ahead).
 */

export interface SpeechStartEvent {
  type: 'speech-start';
  /** Where speech began (backdated to the first speech frame of the run that triggered it). */
  startMs: number;
  detectedAtMs: number;
  /** Speech probability the detector had for the triggering run, 0…1; null when the engine does not expose one. */
  probability: number | null;
}

export interface SpeechEndEvent {
  type: 'speech-end';
  startMs: number;
  /** Where the last speech ended. */
  endMs: number;
  detectedAtMs: number;
  /** Mean speech probability over the segment, 0…1; null when the engine does not expose one. */
  probability: number | null;
}

export type VadEvent = SpeechStartEvent | SpeechEndEvent;

export interface VoiceActivityDetector {
  /** The rate of the PCM16 frames `push` takes. */
  readonly sampleRate: number;
  /** Whether the detector is inside a speech segment right now. */
  readonly speaking: boolean;
  /** Feeds mono PCM16 of any length; returns the events it decided, in order (usually none). */
  push(frame: Int16Array): readonly VadEvent[];
  /** End of the stream: ends an open speech segment at the last sample. */
  flush(): readonly VadEvent[];
  /** Forgets everything; the next sample is stream time 0 again. */
  reset(): void;
  /** Frees native resources, if any. */
  close(): void;
}

/** Shared empty result, so the common "nothing happened" frame allocates nothing. */
export const NO_EVENTS: readonly VadEvent[] = Object.freeze([]);

/** Appends to a lazily created event list (most frames produce none, and then nothing is allocated). */
export function withEvent(events: VadEvent[] | null, event: VadEvent): VadEvent[] {
  if (!events) return [event];
  events.push(event);
  return events;
}
