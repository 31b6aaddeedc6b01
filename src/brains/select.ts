/**
 * The brain that answers typed turns (`/bot/handle`, `rooman chat`) and call turns, chosen by ROOMAN_BRAIN: the
 * built-in engine (`local`, offline), Gemini text (`gemini`), or any OpenAI-compatible endpoint (`openai`). With
 * `gemini-live` calls are spoken to Gemini Live directly; typed turns still need a text brain, and get Gemini text
 * with the same key. Every brain offers the same tools from one registry.
 */
import type { Config } from '../core/config.ts';
import type { Logger } from '../core/logger.ts';
import type { Understander } from '../core/understanding.ts';
import type { ToolRegistry } from '../tools/registry.ts';
import type { Brain } from './brain.ts';
import { GeminiModel } from './gemini/gemini-model.ts';
import { sdkBaseUrl } from './gemini-live/call-brain.ts';
import { LocalBrain } from './local/local-brain.ts';
import type { TaskDefinition } from './local/task.ts';
import type { ChatModel } from './model/chat-model.ts';
import { ModelBrain } from './model/model-brain.ts';
import { OpenAiModel } from './openai/openai-model.ts';

export interface TextBrainDeps {
  tools: ToolRegistry;
  /** The built-in engine: the local brain itself, and the intent of model turns that call no tool. */
  understander: Understander;
  /** The local brain's tasks (default: the CRM tasks). */
  tasks?: readonly TaskDefinition[];
  logger?: Logger;
  /** The per-organisation model-call budget (language-model brains only; the built-in engine costs nothing). */
  allowModelCall?: (orgId: string) => Promise<boolean>;
}

export function createTextBrain(
  config: Pick<Config, 'brain' | 'gemini' | 'openai'>,
  deps: TextBrainDeps,
): Brain {
  const model = chatModelOf(config);
  if (!model)
    return new LocalBrain({
      understander: deps.understander,
      tools: deps.tools,
      ...(deps.tasks ? { tasks: deps.tasks } : {}),
      ...(deps.logger ? { logger: deps.logger } : {}),
    });
  deps.logger?.info({ brain: config.brain, model: model.label }, 'text brain: a language model');
  return new ModelBrain({
    model,
    tools: deps.tools,
    understander: deps.understander,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.allowModelCall ? { allowModelCall: deps.allowModelCall } : {}),
  });
}

/** The language model ROOMAN_BRAIN names, or undefined for the built-in engine. */
export function chatModelOf(config: Pick<Config, 'brain' | 'gemini' | 'openai'>): ChatModel | undefined {
  switch (config.brain) {
    case 'local':
      return undefined;
    case 'gemini':
    case 'gemini-live': {
      // loadConfig guarantees the key for these two; the check keeps a hand-made config honest.
      if (!config.gemini) throw new Error(`ROOMAN_BRAIN=${config.brain} needs GEMINI_API_KEY`);
      const { apiKey, model, baseUrl } = config.gemini;
      // GEMINI_BASE_URL may be given as ws(s):// for Live; REST takes the http(s) form of the same address.
      const rest = baseUrl === undefined ? undefined : sdkBaseUrl(baseUrl);
      return new GeminiModel({ apiKey, model, ...(rest ? { baseUrl: rest } : {}) });
    }
    case 'openai': {
      if (!config.openai) throw new Error('ROOMAN_BRAIN=openai needs OPENAI_BASE_URL and OPENAI_MODEL');
      const { baseUrl, apiKey, model } = config.openai;
      return new OpenAiModel({ baseUrl, model, ...(apiKey ? { apiKey } : {}) });
    }
  }
}
