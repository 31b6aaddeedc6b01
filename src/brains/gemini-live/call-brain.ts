/**
 * Which brain answers calls, from the configuration: with ROOMAN_BRAIN=gemini-live calls are speech-to-speech
 * on Gemini Live (the tools are the registry's, the model-call budget is per organisation in the database);
 * otherwise undefined, and calls run the cascade (VAD → STT → the text brain → TTS). The server calls this once.
 */
import type { Kysely } from 'kysely';
import type { Config } from '../../core/config.ts';
import type { Logger } from '../../core/logger.ts';
import type { Clock } from '../../core/time.ts';
import type { RealtimeCalls } from '../../session/voice-sessions.ts';
import { modelCallLimiter, RateLimitRepository } from '../../store/rate-limits.ts';
import type { Schema } from '../../store/schema.ts';
import type { ToolRegistry } from '../../tools/registry.ts';
import { GeminiLiveBrain } from './gemini-live-brain.ts';

export interface CallBrainDeps {
  db: Kysely<Schema>;
  tools: ToolRegistry;
  clock: Clock;
  logger: Logger;
}

export function chooseCallBrain(config: Config, deps: CallBrainDeps): RealtimeCalls | undefined {
  if (config.brain !== 'gemini-live' || !config.gemini) return undefined;
  const { apiKey, liveModel, voice, baseUrl } = config.gemini;
  const brain = new GeminiLiveBrain({
    apiKey,
    model: liveModel,
    voice,
    ...(baseUrl ? { baseUrl: sdkBaseUrl(baseUrl) } : {}),
  });
  deps.logger.info({ brain: brain.name, voice }, 'calls are speech-to-speech on Gemini Live');
  return {
    brain,
    tools: deps.tools,
    limiter: modelCallLimiter(
      new RateLimitRepository(deps.db),
      // A call opened, then each caller turn, is one model call; counted per organisation across instances.
      { limit: config.modelCallsPerMinute, windowMs: 60_000 },
      deps.clock,
    ),
  };
}

/** The SDK derives the socket's scheme from the base URL's (`http:` → ws, anything else → wss): give it http(s). */
export function sdkBaseUrl(url: string): string {
  return url.replace(/^ws:/i, 'http:').replace(/^wss:/i, 'https:');
}
