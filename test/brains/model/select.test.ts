/** createTextBrain: ROOMAN_BRAIN picks the brain; each model brain is built from its settings. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { ModelBrain } from '../../../src/brains/model/model-brain.ts';
import { chatModelOf, createTextBrain } from '../../../src/brains/select.ts';
import { loadConfig } from '../../../src/core/config.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';

const deps = { tools: crmTools(), understander: createUnderstandingEngine() };

describe('createTextBrain', () => {
  it('builds the brain ROOMAN_BRAIN names', () => {
    assert.ok(createTextBrain(loadConfig({}), deps) instanceof LocalBrain);
    const openai = loadConfig({
      ROOMAN_BRAIN: 'openai',
      OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1',
      OPENAI_MODEL: 'qwen2.5:7b',
    });
    assert.ok(createTextBrain(openai, deps) instanceof ModelBrain);
    assert.equal(chatModelOf(openai)?.label, 'openai:qwen2.5:7b');
    const gemini = loadConfig({ ROOMAN_BRAIN: 'gemini', GEMINI_API_KEY: 'k' });
    assert.ok(createTextBrain(gemini, deps) instanceof ModelBrain);
    assert.equal(chatModelOf(gemini)?.label, 'gemini:gemini-2.5-flash');
    // Calls go to Gemini Live; typed turns need a text model, and get Gemini text with the same key.
    const live = loadConfig({
      ROOMAN_BRAIN: 'gemini-live',
      GEMINI_API_KEY: 'k',
      GEMINI_BASE_URL: 'ws://127.0.0.1:9',
    });
    assert.equal(chatModelOf(live)?.label, 'gemini:gemini-2.5-flash');
  });
});
