/**
 * What a channel (browser WebSocket, phone line, CLI) uses of a call, whatever kind of brain answers it: the
 * cascade VoiceSession (VAD → STT → text brain → TTS) or a speech-to-speech RealtimeSession (Gemini Live). Both
 * emit the same events (src/session/events.ts), so a channel is written once.
 */
import type { SessionState, VoiceSessionEventName, VoiceSessionEvents } from './events.ts';

export interface CallSession {
  readonly id: string;
  readonly orgId: string;
  readonly state: SessionState;
  /** Opens the call (transcript, model connection); safe to call again once started. */
  start(): Promise<void>;
  /** Caller audio: 16 kHz mono PCM16, as bytes (any length, even odd) or samples. */
  pushAudio(audio: Uint8Array | Int16Array): void;
  /** A typed turn. */
  sendText(text: string): Promise<void>;
  /** The channel's playback report: ms of the agent's current utterance played since the last `clear`. */
  markPlayed(ms: number): void;
  /** Ends the call and settles its transcript; safe to call many times. */
  end(reason?: string): Promise<void>;
  on<E extends VoiceSessionEventName>(
    event: E,
    listener: (payload: VoiceSessionEvents[E]) => void,
  ): () => void;
}

/** Everything a call needs from the product, handed to whichever kind of session is built for it. */
export interface CallContext {
  orgId: string;
  sessionId: string;
  channel: string;
  timeZone: string;
}
