import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoomanError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { OutboxSender } from '../../src/integrations/messaging/outbox-sender.ts';
import type { Database } from '../../src/store/database.ts';
import { OutboxRepository } from '../../src/store/outbox.ts';
import { messageTools } from '../../src/tools/message-tools.ts';
import type { ToolContext } from '../../src/tools/tool.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

for (const target of databaseTargets()) {
  describe(`sendMessage tool (${target.name})`, () => {
    let database: Database;
    let ctx: ToolContext;
    let orgId: string;
    const tools = messageTools();

    before(async () => {
      database = await target.open();
      orgId = (await createTestOrg(database.db)).id;
      const clock = fixedClock('2025-09-19T09:00:00+05:30');
      const crm = new BuiltinCrm({
        db: database.db,
        kind: database.kind,
        logger: silentLogger,
        dataDir: '/nonexistent',
        csvLogs: false,
        clock,
      });
      ctx = {
        crm: crm.gatewayFor(orgId),
        messages: new OutboxSender({ db: database.db, logger: silentLogger, clock }).senderFor(orgId),
        now: clock.now(),
        timeZone: 'Asia/Kolkata',
      };
    });
    after(() => database.close());

    it('declares channel, to, body and subject', () => {
      const [d] = tools.declarations();
      const p = d!.parameters as { required: string[]; properties: Record<string, { enum?: string[] }> };
      assert.deepEqual(p.required.sort(), ['body', 'channel', 'to']);
      assert.deepEqual(p.properties.channel?.enum, ['email', 'whatsapp', 'telegram', 'sms', 'slack']);
    });

    it('sends to the outbox with the address normalised', async () => {
      const r = await tools.invoke(
        'sendMessage',
        { channel: 'sms', to: '9876543210', body: 'running late' },
        ctx,
      );
      assert.equal(r.output.status, 'SENT');
      assert.equal(r.output.to, '+919876543210');
      const row = await new OutboxRepository(database.db).findById(orgId, String(r.output.message_id));
      assert.equal(row?.body, 'running late');
      assert.equal(row?.channel, 'sms');
    });

    it('an address that does not fit the channel is a VALIDATION_ERROR on `to`, and nothing is queued', async () => {
      const outbox = new OutboxRepository(database.db);
      const before = (await outbox.list(orgId)).length;
      for (const args of [
        { channel: 'email', to: 'john at example', body: 'x' },
        { channel: 'whatsapp', to: 'Priya', body: 'x' },
        { channel: 'telegram', to: 'Rohan', body: 'x' },
      ]) {
        await assert.rejects(
          tools.invoke('sendMessage', args, ctx),
          (e: unknown) => e instanceof RoomanError && e.type === 'VALIDATION_ERROR' && e.field === 'to',
        );
      }
      await assert.rejects(
        tools.invoke('sendMessage', { channel: 'email', to: 'a@b.co', body: '  ' }, ctx),
        (e: unknown) => e instanceof RoomanError && e.field === 'body',
      );
      assert.equal((await outbox.list(orgId)).length, before);
    });
  });
}
