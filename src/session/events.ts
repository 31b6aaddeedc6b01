/**
 * What a voice session tells the world. Channels turn these into wire messages, the transcript recorder and tests
 * subscribe to them; nothing here knows a transport or a vendor.
 */
import type { VadEvent } from '../audio/vad.ts';
import type { ModelUsage } from '../brains/brain.ts';

export type SessionState = 'listening' | 'thinking' | 'speaking';

export interface TurnMetrics {
  turn: number;
  source: 'speech' | 'text';
  /** End of the caller's speech → first agent audio out (the latency the caller feels); null for typed turns. */
  speechEndToFirstAudioMs: number | null;
  /** Silence the endpointer waited for before calling the turn over. */
  endpointSilenceMs: number | null;
  /** Time to get the final transcript once the turn was over (the recogniser's look-ahead and final decode). */
  sttFinalMs: number | null;
  /** The brain's whole turn: understanding, dialogue and tools. */
  brainMs: number;
  /** Of which tool calls (CRM and the like). */
  toolMs: number;
  /** Synthesis start → first chunk of the reply; null without a synthesizer. */
  ttsFirstChunkMs: number | null;
  filler: boolean;
}

export interface VoiceSessionEvents {
  state: { state: SessionState };
  /** Caller voice activity, as the VAD decided it (stream times in ms). */
  vad: { event: VadEvent };
  'user.partial': { text: string };
  'user.final': { turn: number; text: string; source: 'speech' | 'text' };
  'agent.text': { turn: number; text: string };
  /** PCM16 at the synthesizer's rate; the channel resamples. `kind` tells a filler from the reply. */
  'agent.audio': {
    turn: number;
    kind: 'reply' | 'filler';
    samples: Int16Array;
    sampleRate: number;
    sentenceIndex: number;
    /** Where this chunk starts in the audio of its utterance. */
    offsetMs: number;
  };
  /** Drop every queued agent sample now: the caller started talking (playback may resume, see `agent.resumed`). */
  clear: { turn: number };
  'agent.resumed': { turn: number; fromMs: number };
  'agent.interrupted': { turn: number; text: string; playedText: string; playedMs: number; totalMs: number };
  'tool.started': { turn: number; name: string; args: unknown };
  'tool.result': { turn: number; name: string; result?: unknown; error?: string; ms: number };
  filler: { turn: number; text: string };
  'turn.metrics': TurnMetrics;
  /** Tokens the model calls of a turn used, one entry per provider and model (never sent for the local brain). */
  'model.usage': { turn: number; usage: ModelUsage[] };
  error: { error: Error; where: string };
  ended: { reason: string };
}

export type VoiceSessionEventName = keyof VoiceSessionEvents;
type Listener<E extends VoiceSessionEventName> = (payload: VoiceSessionEvents[E]) => void;

/** A small typed emitter: a throwing listener is reported as an `error` event, never breaks the call. */
export class SessionEvents {
  readonly #listeners = new Map<VoiceSessionEventName, Set<(payload: never) => void>>();

  on<E extends VoiceSessionEventName>(event: E, listener: Listener<E>): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (payload: never) => void);
    return () => {
      set.delete(listener as (payload: never) => void);
    };
  }

  emit<E extends VoiceSessionEventName>(event: E, payload: VoiceSessionEvents[E]): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as Listener<E>)(payload);
      } catch (error) {
        if (event !== 'error') this.emit('error', { error: error as Error, where: `listener of ${event}` });
      }
    }
  }
}
