/** `rooman chat` fed lines on a pipe, talking to the real bot (engine, dialogue, built-in CRM, sessions). */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { BotService } from '../../src/channels/text/bot-service.ts';
import { runChatCommand } from '../../src/cli/commands/chat.ts';
import { fixedClock } from '../../src/core/time.ts';
import type { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import type { Database } from '../../src/store/database.ts';
import { realBot } from '../channels/text/real-bot.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

describe('rooman chat', () => {
  let database: Database;
  let bot: BotService;
  let crm: BuiltinCrm;
  let orgId: string;

  before(async () => {
    database = await databaseTargets()[0]!.open();
    orgId = (await createTestOrg(database.db)).id;
    ({ bot, crm } = realBot(database, fixedClock('2025-10-04T10:00:00+05:30')));
  });
  after(async () => {
    await crm.close();
    await database.close();
  });

  async function chat(lines: string[], argv: string[] = []) {
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const code = await runChatCommand(argv, {
      bot,
      orgId,
      input: Readable.from(lines.map((l) => `${l}\n`)),
      output,
      crmLabel: 'built-in',
    });
    return { code, text };
  }

  it('prints the banner, answers piped lines in one session, and quits on q', async () => {
    const { code, text } = await chat([
      'Add a new lead Priya Nair',
      'nine eight seven six five four three two one zero',
      '',
      'pune',
      'q',
      'this line is never read',
    ]);
    assert.equal(code, 0);
    assert.match(text, /CRM Functions Available:\n {2}1\. createLead\(name, phone, city, source\)/);
    assert.match(
      text,
      /3\. updateLeadStatus\(lead_id, status, notes\)\n {5}- Update lead status \(NEW\|IN_PROGRESS\|FOLLOW_UP\|WON\|LOST\)/,
    );
    assert.match(text, /Example Voice Commands:/);
    assert.match(text, /Type 'q' to quit/);
    assert.match(text, /CRM Server: built-in/);
    assert.match(text, /message > Add a new lead Priya Nair\n\nbot > What's Priya Nair's phone number\?\n/);
    assert.match(text, /bot > Which city is Priya Nair in\?/);
    assert.match(
      text,
      /bot > Done\. I've added Priya Nair from Pune, phone nine eight seven six five, four three two one zero\./,
    );
    assert.match(text, /"function": "createLead"/);
    assert.ok(!text.includes('this line is never read'));
    assert.match(text, /Goodbye!\n$/);
    const leads = await crm.listLeads(orgId, { q: 'Priya Nair' });
    assert.equal(leads.items.length, 1);

    // Every turn's JSON carries the same session id.
    const ids = [...text.matchAll(/"session_id": "([^"]+)"/g)].map((m) => m[1]);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 1);
  });

  it('ends at the end of input without q, and continues a given session', async () => {
    const first = await chat(['Add a new lead Meera Pillai'], ['--quiet']);
    assert.ok(!first.text.includes('CRM Functions Available'));
    const sessionId = /"session_id": "([^"]+)"/.exec(first.text)?.[1];
    assert.ok(sessionId);
    const second = await chat(['9876543210'], ['--quiet', '--session', sessionId]);
    assert.match(second.text, /bot > Which city is Meera Pillai in\?/);
    assert.equal(second.code, 0);
  });

  it('prints a refused message as an error and keeps going', async () => {
    const { text } = await chat(['x'.repeat(4001), 'hello', 'q'], ['--quiet']);
    assert.match(
      text,
      /error > \{"error":\{"type":"VALIDATION_ERROR","details":"transcript: must be at most 4000 characters"/,
    );
    assert.match(text, /bot > Hello! I can add a new lead/);
  });

  it('refuses unknown options with usage', async () => {
    const { code, text } = await chat([], ['--bogus']);
    assert.equal(code, 2);
    assert.match(text, /unknown option --bogus/);
    assert.match(text, /Usage: rooman chat/);
  });
});
