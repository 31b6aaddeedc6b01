/** What a Gemini Live session is opened with, for every tool the product has, and the small parsers of the link. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { callBrief } from '../../../src/brains/call-brief.ts';
import { sdkBaseUrl } from '../../../src/brains/gemini-live/call-brain.ts';
import { closeCodeOf, durationMs } from '../../../src/brains/gemini-live/live-link.ts';
import {
  functionDeclarations,
  liveConnectConfig,
  openingTurn,
  schedulingFor,
  systemInstruction,
  toolBehavior,
} from '../../../src/brains/gemini-live/setup.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { meetingTools } from '../../../src/tools/meeting-tools.ts';
import { messageTools } from '../../../src/tools/message-tools.ts';

const tools = messageTools(meetingTools(crmTools())).declarations();
const model = 'gemini-2.5-flash-native-audio-preview-12-2025';

describe('Gemini Live setup', () => {
  it('declares every product tool from its zod schema, with a name Gemini accepts and no $schema key', () => {
    const declarations = functionDeclarations(tools, model);
    assert.equal(declarations.length, tools.length);
    for (const d of declarations) {
      assert.match(d.name ?? '', /^[A-Za-z0-9_.:-]{1,128}$/);
      const schema = d.parametersJsonSchema as Record<string, unknown>;
      assert.equal(schema.type, 'object');
      assert.equal('$schema' in schema, false);
      assert.equal(d.parameters, undefined, 'parameters and parametersJsonSchema are exclusive');
    }
    const behaviors = Object.fromEntries(declarations.map((d) => [d.name, d.behavior]));
    assert.equal(behaviors.sendMessage, 'NON_BLOCKING');
    assert.equal(behaviors.scheduleMeeting, 'NON_BLOCKING');
    assert.equal(behaviors.listMeetings, 'BLOCKING');
  });

  it('answers of non-blocking calls: errors interrupt, results wait for the model to be idle', () => {
    assert.equal(schedulingFor({ output: { lead_id: 'x' } }), 'WHEN_IDLE');
    assert.equal(schedulingFor({ error: { type: 'VALIDATION_ERROR' } }), 'INTERRUPT');
    assert.equal(toolBehavior('gemini-3.1-flash-live-preview', 'createLead'), 'BLOCKING');
    assert.equal(toolBehavior(model, 'createLead'), 'NON_BLOCKING');
  });

  it('the instruction gives the zone and its time now, in the offset the tools want', () => {
    const text = systemInstruction({ timeZone: 'America/New_York', now: new Date('2026-07-01T16:00:00Z') });
    assert.match(text, /America\/New_York; it is now 2026-07-01T12:00:00-04:00/);
    const config = liveConnectConfig(
      { sessionId: 's', orgId: 'o', timeZone: 'UTC', now: new Date(0), tools: [] },
      { model, voice: 'Kore', compressionTriggerTokens: 1000, compressionTargetTokens: 500 },
      'handle-1',
    );
    assert.deepEqual(config.sessionResumption, { handle: 'handle-1' });
    assert.equal(config.tools, undefined, 'no tools, no empty declaration list');
    assert.deepEqual(config.contextWindowCompression, {
      triggerTokens: '1000',
      slidingWindow: { targetTokens: '500' },
    });
  });

  it('reads durations, close codes and base URLs as the SDK and the server write them', () => {
    assert.equal(durationMs('50s'), 50_000);
    assert.equal(durationMs('1.5s'), 1500);
    assert.equal(durationMs('soon'), null);
    assert.equal(
      closeCodeOf(new Error('Live connection closed before setup completed (code 1008): x')),
      1008,
    );
    assert.equal(closeCodeOf(new Error('timeout')), null);
    assert.equal(sdkBaseUrl('ws://127.0.0.1:9'), 'http://127.0.0.1:9');
    assert.equal(sdkBaseUrl('wss://proxy.example/gemini'), 'https://proxy.example/gemini');
    assert.equal(
      sdkBaseUrl('https://generativelanguage.googleapis.com'),
      'https://generativelanguage.googleapis.com',
    );
  });

  it('an inbound caller and the greeting: the instruction says who calls and what to open with; one opening turn', () => {
    const now = new Date('2025-10-04T10:00:00Z');
    const greeting = 'Skyline Homes, how can I help?';
    const text = systemInstruction({
      timeZone: 'Asia/Kolkata',
      now,
      call: { channel: 'twilio', direction: 'inbound', from: '+919812345678', greeting },
      greeting,
    });
    assert.match(text, /This is a phone call to you from \+919812345678 \(the caller's number\)\./);
    assert.ok(text.includes(`open the call with exactly these words: "${greeting}"`));
    // Not yet said when the model is set up: it is asked to say it.
    assert.doesNotMatch(text, /You opened the call by saying/);
    assert.deepEqual(openingTurn({ greeting }), {
      turns: [
        {
          role: 'user',
          parts: [{ text: `(The call has just connected.) Greet the caller now with: "${greeting}"` }],
        },
      ],
      turnComplete: true,
    });
    assert.equal(openingTurn({}), null);
    // Without a call, the instruction is the product's rules only.
    assert.doesNotMatch(systemInstruction({ timeZone: 'Asia/Kolkata', now }), /phone call|open the call/);
  });

  it('a large context is capped: each value at 300 characters, the whole at 2 000', () => {
    const context: Record<string, unknown> = { notes: 'x'.repeat(1000), empty: '', nothing: null };
    for (let i = 0; i < 20; i++) context[`field_${i}`] = 'y'.repeat(200);
    const lines = callBrief({ channel: 'twilio', direction: 'outbound', to: '+919876543210', context });
    assert.equal(
      lines[0],
      'This is a phone call you placed to +919876543210: you called them, so say who you are and why you call.',
    );
    const fields = lines.filter((l) => l.startsWith('- '));
    assert.equal(fields[0], `- notes: ${'x'.repeat(300)}…`);
    assert.ok(fields.join('').length <= 2000);
    assert.ok(fields.length < 21, 'the context was cut');
    assert.ok(!fields.some((l) => l.startsWith('- empty') || l.startsWith('- nothing')));
  });
});
