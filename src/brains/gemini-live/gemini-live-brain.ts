/**
 * Gemini Live as Rooman's speech-to-speech brain: one GoogleGenAI client per process, one resilient link per call.
 * `baseUrl` points the SDK elsewhere (tests: the fake server in test/fakes/gemini-live-server.ts).
 */
import { GoogleGenAI } from '@google/genai';
import type {
  RealtimeBrain,
  RealtimeCall,
  RealtimeHandlers,
  RealtimeLink,
} from '../../session/realtime-brain.ts';
import { GeminiLiveLink, type LinkOptions } from './live-link.ts';
import { DEFAULT_LIVE_MODEL, DEFAULT_VOICE } from './setup.ts';

export interface GeminiLiveOptions {
  apiKey: string;
  /** Default: the current native-audio model (DEFAULT_LIVE_MODEL). */
  model?: string;
  /** A prebuilt voice name (default Zephyr, as the seed). */
  voice?: string;
  /** Another endpoint than Google's (a proxy, or the fake in tests): `http(s)://host[:port][/path]`. */
  baseUrl?: string;
  /** Pinned: SDK 3.x would otherwise use `v1`, which the Live endpoint is not known to serve (protocols.md §1.1). */
  apiVersion?: string;
  languageCode?: string;
  connectTimeoutMs?: number;
  reconnectDelaysMs?: number[];
  maxBufferedAudioMs?: number;
  compressionTriggerTokens?: number;
  compressionTargetTokens?: number;
  nonBlockingTools?: ReadonlySet<string>;
  /** Told how long each server message took to handle (the bench's outbound bridge latency). */
  timeMessage?: (ms: number) => void;
}

export class GeminiLiveBrain implements RealtimeBrain {
  readonly #ai: GoogleGenAI;
  readonly #link: LinkOptions;
  /** The links of calls now open, for the bench and tests (reconnect timings). */
  readonly links = new Set<GeminiLiveLink>();

  constructor(options: GeminiLiveOptions) {
    const apiVersion = options.apiVersion ?? 'v1beta';
    this.#ai = new GoogleGenAI({
      apiKey: options.apiKey,
      apiVersion,
      httpOptions: { apiVersion, ...(options.baseUrl ? { baseUrl: options.baseUrl } : {}) },
    });
    this.#link = {
      model: options.model ?? DEFAULT_LIVE_MODEL,
      voice: options.voice ?? DEFAULT_VOICE,
      ...(options.languageCode ? { languageCode: options.languageCode } : {}),
      // ~25 audio tokens a second: 32k tokens is ~20 minutes of talk, compressed back to half by a sliding window.
      compressionTriggerTokens: options.compressionTriggerTokens ?? 32_000,
      compressionTargetTokens: options.compressionTargetTokens ?? 16_000,
      ...(options.nonBlockingTools ? { nonBlocking: options.nonBlockingTools } : {}),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      reconnectDelaysMs: options.reconnectDelaysMs ?? [0, 250, 1000, 2000],
      maxBufferedAudioMs: options.maxBufferedAudioMs ?? 15_000,
      ...(options.timeMessage ? { timeMessage: options.timeMessage } : {}),
    };
  }

  get name(): string {
    return `gemini-live:${this.#link.model}`;
  }

  get model(): string {
    return this.#link.model;
  }

  async open(call: RealtimeCall, handlers: RealtimeHandlers): Promise<RealtimeLink> {
    const link = new GeminiLiveLink(this.#ai, call, handlers, this.#link, () => this.links.delete(link));
    await link.connect();
    this.links.add(link);
    return link;
  }
}
