/** The model brain's pure parts: speakable replies, history trimming, tool arguments as contract entities. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ModelMessage, providerSchema } from '../../../src/brains/model/chat-model.ts';
import { speakable } from '../../../src/brains/model/speakable.ts';
import { readState, trimHistory } from '../../../src/brains/model/state.ts';
import { entitiesOfArgs, isReadOnlyTool } from '../../../src/brains/model/tool-results.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';

const NOW = new Date('2025-10-04T10:00:00+05:30');

describe('speakable', () => {
  it('says ids, times, dates and phone numbers the way the contract wants, and drops markdown', () => {
    assert.equal(
      speakable(
        '**Done.** Lead a1b2c3d4-e5f6-4890-abcd-ef1234567890 for +44 20 7946 0958, visit at 2025-10-05T15:00:00+05:30, call 9876543210.',
        'Asia/Kolkata',
        NOW,
      ),
      'Done. Lead A one B two, C three D four for plus four four two, zero seven nine, four six zero, nine five eight, visit at Sunday the fifth of October at three PM, call nine eight seven six five, four three two one zero.',
    );
    assert.equal(
      speakable('- Meeting on 2025-10-06\n- 10 people, 2025', 'Asia/Kolkata', NOW),
      'Meeting on Monday the sixth of October\n10 people, 2025',
    );
  });

  it('leaves a reply that already follows the rules unchanged', () => {
    const text =
      'Shall I add Rohan Sharma from Pune, phone nine eight seven six five, four three two one zero?';
    assert.equal(speakable(text, 'Asia/Kolkata', NOW), text);
  });
});

describe('trimHistory', () => {
  const exchange = (i: number): ModelMessage[] => [
    { role: 'user', text: `q${i}` },
    {
      role: 'assistant',
      text: '',
      calls: [{ id: `c${i}`, name: 'findLeads', args: { query: 'x'.repeat(50) } }],
    },
    { role: 'tool', results: [{ id: `c${i}`, name: 'findLeads', output: { total: 0 } }] },
    { role: 'assistant', text: `a${i}`, calls: [] },
  ];
  const history = [0, 1, 2].flatMap(exchange);

  it('keeps whole exchanges from the newest back, by count and by size', () => {
    assert.deepEqual(trimHistory(history, { maxMessages: 8, maxChars: 1e6 }), history.slice(4));
    const oneExchange = JSON.stringify(history.slice(8)).length;
    assert.deepEqual(
      trimHistory(history, { maxMessages: 100, maxChars: oneExchange + 10 }),
      history.slice(8),
    );
    assert.deepEqual(trimHistory(history, { maxMessages: 100, maxChars: 1e6 }), history);
  });

  it('keeps the newest exchange even when it alone is over the limits', () => {
    assert.deepEqual(trimHistory(history, { maxMessages: 2, maxChars: 10 }), history.slice(8));
  });
});

describe('model brain state and entities', () => {
  it('starts a fresh conversation from a state it does not know (another brain, an old shape)', () => {
    assert.deepEqual(readState({ pending: { intent: 'LEAD_CREATE' } }), { v: 1, history: [], entities: {} });
    assert.deepEqual(readState(undefined).history, []);
  });

  it('maps tool arguments to contract entities', () => {
    assert.deepEqual(entitiesOfArgs({ name: 'Rohan', phone: '+919876543210', city: 'Pune', source: 'Web' }), {
      person: 'Rohan',
      phone: '+919876543210',
      city: 'Pune',
      source: 'Web',
    });
    assert.deepEqual(
      entitiesOfArgs({ lead_id: 'abc', visit_time: '2025-10-05T15:00:00+05:30', notes: 'gate 2' }),
      {
        lead_ref: 'abc',
        datetime: '2025-10-05T15:00:00+05:30',
        notes: 'gate 2',
      },
    );
    assert.deepEqual(entitiesOfArgs({ channel: 'email', to: 'a@b.co', message: 'hi', limit: 5 }), {
      channel: 'email',
      email: 'a@b.co',
      message: 'hi',
    });
    assert.deepEqual(entitiesOfArgs('not json'), {});
  });

  it('tells lookups from changes by name', () => {
    assert.deepEqual(
      ['findLeads', 'listMeetings', 'getWeather', 'createLead', 'sendMessage', 'finder'].map(isReadOnlyTool),
      [true, true, true, false, false, false],
    );
  });
});

describe('providerSchema', () => {
  it('drops the $schema marker and patterns that a format already says, keeping everything else', () => {
    const [, scheduleVisit] = crmTools().declarations();
    const schema = providerSchema(scheduleVisit!.parameters) as {
      $schema?: string;
      properties: Record<string, Record<string, unknown>>;
      required: string[];
    };
    assert.equal(schema.$schema, undefined);
    assert.deepEqual(schema.properties.lead_id, { type: 'string', format: 'uuid' });
    assert.deepEqual(schema.required, ['lead_id', 'visit_time']);
    assert.equal(scheduleVisit!.parameters.$schema, 'https://json-schema.org/draft/2020-12/schema');
    const listMeetings = providerSchema({
      type: 'object',
      properties: { date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } },
    }) as { properties: { date: { pattern?: string } } };
    assert.equal(listMeetings.properties.date.pattern, '^\\d{4}-\\d{2}-\\d{2}$');
  });
});
