/**
 * "Send a WhatsApp to … tomorrow at 9 saying …" through the local brain: the time said becomes the message's
 * `send_at`, the reply says when it will go, and the message waits in the queue until then; a time inside the
 * message itself ("see you at 5") schedules nothing; a message the provider refuses is reported as not sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrainReply } from '../../../src/brains/brain.ts';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { MESSAGE_TASKS } from '../../../src/brains/local/tasks/index.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { BuiltinCrm } from '../../../src/crm/builtin-crm.ts';
import { TelegramClient } from '../../../src/integrations/messaging/telegram.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { messageTools } from '../../../src/tools/message-tools.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';
import { FakeTelegramApi } from '../../fakes/telegram-bot-api.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

for (const target of databaseTargets()) {
  describe(`scheduled messages said to the local brain (${target.name})`, () => {
    let h: Harness;
    let crm: BuiltinCrm;
    let telegram: FakeTelegramApi;
    let turn = 0;
    const brain = new LocalBrain({
      understander: createUnderstandingEngine(),
      tools: messageTools(crmTools()),
      tasks: MESSAGE_TASKS,
    });
    const say = async (text: string): Promise<BrainReply> => {
      turn++;
      const out = await brain.respond(
        { sessionId: `s${turn}`, turn: 1, text, state: undefined },
        {
          crm: crm.gatewayFor(h.orgId),
          messages: h.sender.senderFor(h.orgId),
          now: h.clock.now(),
          timeZone: 'Asia/Kolkata',
          idempotencyKey: `s${turn}:1`,
        },
      );
      return out.reply;
    };

    before(async () => {
      telegram = await new FakeTelegramApi('9:voice', { unknownChats: ['@ghost_chat'] }).start();
      h = await openHarness(target, {
        telegram: new TelegramClient({ botToken: '9:voice', apiBaseUrl: telegram.url }),
      });
      crm = new BuiltinCrm({
        db: h.database.db,
        kind: h.database.kind,
        logger: silentLogger,
        dataDir: '/nonexistent',
        csvLogs: false,
        clock: h.clock,
      });
    });
    after(async () => {
      await crm.close();
      await h.close();
      await telegram.close();
    });

    it('"tomorrow at 9" is when it goes: queued with send_at, the reply says so, sent at that time', async () => {
      const r = await say('send a whatsapp to 9876543210 tomorrow at 9 saying the site visit is confirmed');
      assert.equal(
        r.reply,
        'Done. Your WhatsApp message to +919876543210 will go out Saturday the twentieth of September at nine AM: "the site visit is confirmed".',
      );
      const [row] = await h.outbox.list(h.orgId, 1);
      assert.equal(row?.status, 'QUEUED');
      assert.equal(row?.send_at?.toISOString(), '2025-09-20T03:30:00.000Z');
      h.clock.advance(24 * 3600_000);
      const [sent] = await h.sender.dispatcher.runOnce();
      assert.equal(sent?.id, row?.id);
      assert.equal(sent?.status, 'SENT');
    });

    it('a time inside the message is not a time to send at', async () => {
      const r = await say('send an sms to 9876543210 saying see you at 5');
      assert.match(r.reply, /^Done\. I've sent your SMS message/);
      const [row] = await h.outbox.list(h.orgId, 1);
      assert.equal(row?.send_at, null);
      assert.equal(row?.status, 'SENT');
    });

    it('a message the provider refuses is not reported as sent: the speaker hears why', async () => {
      const r = await say('send a telegram to @ghost_chat saying hello there');
      assert.equal(
        r.reply,
        "I couldn't send your Telegram message to @ghost_chat: Telegram refused the message (HTTP 400): Bad Request: chat not found.",
      );
      const ok = await say('send a telegram to @rooman_team saying hello there');
      assert.equal(ok.reply, 'Done. I\'ve sent your Telegram message to @rooman_team: "hello there".');
      assert.deepEqual(
        telegram.sent.map((m) => [m.chat_id, m.text]),
        [['@rooman_team', 'hello there']],
      );
    });
  });
}
