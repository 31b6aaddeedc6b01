/**
 * The speech-to-speech kind of brain (Gemini Live): it hears the caller's audio itself, decides when a turn ends,
 * transcribes both sides, proposes tool calls and speaks. The RealtimeSession drives one through this contract;
 * vendors live behind it (src/brains/gemini-live/), and keep the link alive (reconnects) on their side.
 */
import type { CallInfo, ModelUsage } from '../brains/brain.ts';
import type { ToolDeclaration } from '../tools/registry.ts';

export interface RealtimeCall {
  sessionId: string;
  orgId: string;
  /** IANA zone of the organisation: the model speaks and writes times in it. */
  timeZone: string;
  now: Date;
  tools: ToolDeclaration[];
  /** Who the call is with and why (the line's numbers, an outbound call's context): goes into the instruction. */
  call?: CallInfo;
  /** The model opens the call with these words, before the caller speaks. */
  greeting?: string;
}

export interface RealtimeToolCall {
  id: string;
  name: string;
  args: Record<string, unknown>;
}

export interface RealtimeToolResult {
  id: string;
  name: string;
  /** `{output}` for a result, `{error:{type,details,field?,issues?}}` for a failure the model must handle. */
  response: Record<string, unknown>;
}

/** What the model side reports, in the order it happens. */
export interface RealtimeHandlers {
  /** Agent speech: PCM16 mono at `sampleRate`. */
  audio(samples: Int16Array, sampleRate: number): void;
  /** A fragment of what the caller said (fragments concatenate). */
  inputTranscript(text: string): void;
  /** A fragment of what the agent says. */
  outputTranscript(text: string): void;
  /** The caller spoke over the agent: its queued audio must go now. */
  interrupted(): void;
  turnComplete(): void;
  /** Tokens one model response used, as the vendor reported them (before the `turnComplete` of its turn). */
  usage?(usage: ModelUsage): void;
  toolCalls(calls: RealtimeToolCall[]): void;
  toolCancelled(ids: string[]): void;
  /** The link dropped (or was told to go) and is being re-established; caller audio is kept meanwhile. */
  reconnecting(why: string): void;
  /** Back; `resumed` false means a new model session (the model lost the conversation so far). */
  reconnected(info: { ms: number; resumed: boolean }): void;
  /** The link is gone for good (not after `close()`). */
  failed(error: Error): void;
}

export interface RealtimeLink {
  /** Caller audio, 16 kHz PCM16LE, an even number of bytes. */
  sendAudio(pcm: Uint8Array): void;
  /** A typed turn. */
  sendText(text: string): void;
  sendToolResult(result: RealtimeToolResult): void;
  close(): Promise<void>;
}

export interface RealtimeBrain {
  /** Human-readable, for logs: `gemini-live:<model>`. */
  readonly name: string;
  /** Opens the model side of one call; rejects when it cannot (connect timeout, bad key, unknown model). */
  open(call: RealtimeCall, handlers: RealtimeHandlers): Promise<RealtimeLink>;
}
