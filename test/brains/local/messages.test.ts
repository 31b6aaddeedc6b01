import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrainReply } from '../../../src/brains/brain.ts';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { MESSAGE_TASKS } from '../../../src/brains/local/tasks/index.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { BuiltinCrm } from '../../../src/crm/builtin-crm.ts';
import { OutboxSender } from '../../../src/integrations/messaging/outbox-sender.ts';
import type { Database } from '../../../src/store/database.ts';
import { OutboxRepository } from '../../../src/store/outbox.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { messageTools } from '../../../src/tools/message-tools.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const NOW = new Date('2025-09-19T09:00:00+05:30');

for (const target of databaseTargets()) {
  describe(`message task in the local brain (${target.name})`, () => {
    let database: Database;
    let orgId: string;
    let crm: BuiltinCrm;
    let session = 0;
    let conversation: () => (text: string) => Promise<BrainReply>;

    before(async () => {
      database = await target.open();
      orgId = (await createTestOrg(database.db)).id;
      const clock = fixedClock(NOW);
      crm = new BuiltinCrm({
        db: database.db,
        kind: database.kind,
        logger: silentLogger,
        dataDir: '/nonexistent',
        csvLogs: false,
        clock,
      });
      const outbox = new OutboxSender({ db: database.db, logger: silentLogger, clock, blocks: false });
      const brain = new LocalBrain({
        understander: createUnderstandingEngine(),
        tools: messageTools(crmTools()),
        tasks: MESSAGE_TASKS,
      });
      conversation = () => {
        let state: unknown;
        let turn = 0;
        const id = `m${session++}`;
        return async (text) => {
          turn++;
          const out = await brain.respond(
            { sessionId: id, turn, text, state },
            {
              crm: crm.gatewayFor(orgId),
              messages: outbox.senderFor(orgId),
              now: NOW,
              timeZone: 'Asia/Kolkata',
              idempotencyKey: `${id}:${turn}`,
            },
          );
          state = JSON.parse(JSON.stringify(out.state));
          return out.reply;
        };
      };
    });
    after(() => database.close());

    it('a @handle goes by Telegram, as said', async () => {
      const say = conversation();
      const r = await say('send a telegram to @rohan_s saying hi');
      assert.equal(r.reply, `Done. I've sent your Telegram message to @rohan_s: "hi".`);
      assert.equal(r.entities.channel, 'telegram');
      assert.equal(r.entities.message, 'hi');
    });

    it('two leads of that name are asked about; the answer picks the number', async () => {
      await crm.createLead(orgId, { name: 'Amit Shah', phone: '9876500001', city: 'Pune' });
      await crm.createLead(orgId, { name: 'Amit Verma', phone: '9876500002', city: 'Delhi' });
      const say = conversation();
      const ask = await say('send an sms to Amit saying see you at 5');
      assert.equal(ask.awaiting, 'recipient_choice');
      assert.match(ask.reply, /^I have 2 contacts called Amit: .*Which one do you mean\?$/);
      const done = await say('the one from Delhi');
      assert.equal(done.reply, `Done. I've sent your SMS message to Amit Verma: "see you at 5".`);
      const row = (await new OutboxRepository(database.db).list(orgId)).find((r) => r.channel === 'sms');
      assert.equal(row?.recipient, '+919876500002');
      assert.equal(row?.body, 'see you at 5');
    });

    it('a name alone for Slack is not an address: the handle is asked for', async () => {
      const say = conversation();
      const r = await say('send a slack message to Priya saying standup moved');
      assert.equal(r.awaiting, 'to');
      assert.equal(r.reply, "What's Priya's Slack handle or channel?");
      const done = await say('#standup');
      assert.equal(done.reply, `Done. I've sent your Slack message to Priya: "standup moved".`);
    });
  });
}
