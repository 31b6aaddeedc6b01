import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../../src/core/logger.ts';
import { SendMessageInput } from '../../../src/core/messages.ts';
import { fixedClock } from '../../../src/core/time.ts';
import { OutboxSender } from '../../../src/integrations/messaging/outbox-sender.ts';
import type { Database } from '../../../src/store/database.ts';
import { OutboxRepository } from '../../../src/store/outbox.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

for (const target of databaseTargets()) {
  describe(`outbox sender (${target.name})`, () => {
    let database: Database;
    let outbox: OutboxSender;
    let orgId: string;
    const lines: string[] = [];

    before(async () => {
      database = await target.open();
      const stream = new PassThrough();
      stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
      outbox = new OutboxSender({
        db: database.db,
        logger: createLogger({ level: 'info', format: 'json', destination: stream }),
        clock: fixedClock('2025-09-19T09:00:00+05:30'),
      });
      orgId = (await createTestOrg(database.db)).id;
    });
    after(() => database.close());

    it('queues the message, shows it as a block and marks it sent', async () => {
      const input = SendMessageInput.parse({ channel: 'whatsapp', to: '98765 43210', body: "I'll be late" });
      const sent = await outbox.senderFor(orgId).send(input);
      assert.equal(sent.status, 'SENT');
      const row = await new OutboxRepository(database.db).findById(orgId, sent.message_id);
      assert.equal(row?.recipient, '+919876543210');
      assert.equal(row?.status, 'SENT');
      assert.ok(row?.sent_at instanceof Date);
      await new Promise((r) => setImmediate(r));
      const logged = lines.map((l) => JSON.parse(l) as { event?: string; msg: string });
      const block = logged.find((l) => l.event === 'outbox.message_sent')!;
      assert.match(block.msg, /^={60}\n✉️ MESSAGE SENT \(WHATSAPP\)\n={60}\n/);
      assert.match(block.msg, /\nTo {9}: \+919876543210\n/);
      assert.match(block.msg, /\nMessage {4}: I'll be late\n/);
    });

    it('a retried send under the same key queues nothing new', async () => {
      const input = SendMessageInput.parse({ channel: 'email', to: 'John@Example.com', body: 'notes' });
      const a = await outbox.send(orgId, input, { idempotencyKey: 'k1' });
      const b = await outbox.send(orgId, input, { idempotencyKey: 'k1' });
      assert.equal(b.message_id, a.message_id);
      const rows = await new OutboxRepository(database.db).list(orgId);
      assert.equal(rows.filter((r) => r.recipient === 'john@example.com').length, 1);
    });
  });
}

describe('SendMessageInput', () => {
  const check = (channel: string, to: string) => SendMessageInput.safeParse({ channel, to, body: 'hi' });
  it('accepts an address of the channel, normalised', () => {
    assert.equal(check('sms', '+44 7911 123456').data?.to, '+447911123456');
    assert.equal(check('telegram', '@rohan_s').data?.to, '@rohan_s');
    assert.equal(check('telegram', '-1001234567').data?.to, '-1001234567');
    assert.equal(check('slack', '#sales').data?.to, '#sales');
    assert.equal(check('slack', 'U0123ABCD').data?.to, 'U0123ABCD');
  });
  it('refuses an address of another kind, naming `to`', () => {
    for (const [channel, to] of [
      ['email', 'priya'],
      ['whatsapp', 'priya@example.com'],
      ['sms', '12345'],
      ['telegram', 'Priya'],
      ['slack', 'sales team'],
    ] as const) {
      const r = check(channel, to);
      assert.equal(r.success, false, `${channel} ${to}`);
      assert.deepEqual(r.error?.issues[0]?.path, ['to']);
    }
  });
});
