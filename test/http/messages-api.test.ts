/**
 * The messages API over HTTP (app.inject) with everything real: the org resolver (API keys), the OutboxSender with a
 * Telegram client talking to the fake Bot API (other channels go to the outbox), the dispatcher, and the database.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { silentLogger } from '../../src/core/logger.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import { registerMessageRoutes } from '../../src/http/routes/messages.ts';
import { OutboxSender } from '../../src/integrations/messaging/outbox-sender.ts';
import { TelegramClient } from '../../src/integrations/messaging/telegram.ts';
import { spokenTime } from '../../src/messages/templates.ts';
import type { Database } from '../../src/store/database.ts';
import { ApiKeyRepository } from '../../src/store/organisations.ts';
import { FakeTelegramApi } from '../fakes/telegram-bot-api.ts';
import { createTestOrg, type DatabaseTarget, databaseTargets } from '../helpers/db.ts';
import { ManualClock, TEST_POLICY } from '../integrations/messaging/harness.ts';

const TOKEN = '77:api-test';

for (const target of databaseTargets()) describe(`messages API (${target.name})`, () => suite(target));

function suite(target: DatabaseTarget) {
  let database: Database;
  let app: FastifyInstance;
  let api: FakeTelegramApi;
  let sender: OutboxSender;
  let openOrg: string;
  let keyedOrg: string;
  let apiKey: string;
  const clock = new ManualClock('2025-09-19T09:00:00+05:30');
  const unknownChats: number[] = [-100777777];
  const auth = () => ({ authorization: `Bearer ${apiKey}` });
  const post = (payload: unknown, headers: Record<string, string> = auth()) =>
    app.inject({ method: 'POST', url: '/api/messages', payload: payload as object, headers });
  const counts = async () =>
    (await app.inject({ method: 'GET', url: '/api/messages?limit=200', headers: auth() })).json()
      .total as number;

  before(async () => {
    api = await new FakeTelegramApi(TOKEN, { unknownChats }).start();
    database = await target.open();
    openOrg = (await createTestOrg(database.db)).id;
    keyedOrg = (await createTestOrg(database.db, 'Europe/London')).id;
    apiKey = await new ApiKeyRepository(database.db).create(keyedOrg, 'test');
    sender = new OutboxSender({
      db: database.db,
      logger: silentLogger,
      clock,
      blocks: false,
      channels: { telegram: new TelegramClient({ botToken: TOKEN, apiBaseUrl: api.url }) },
      policy: TEST_POLICY,
    });
    app = createHttpApp({ logger: silentLogger, bodyLimit: 1_048_576 });
    registerMessageRoutes(app, {
      db: database.db,
      sender,
      clock,
      resolveOrg: createOrgResolver({ db: database.db, anonymousOrgId: openOrg }),
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await sender.dispatcher.settle();
    await database.close();
    await api.close();
  });

  it('POST sends now: 201 with the message as stored, SENT, the provider and its id', async () => {
    const res = await post({ channel: 'telegram', to: '123456789', body: 'Hello from the API' });
    assert.equal(res.statusCode, 201);
    const m = res.json();
    assert.equal(m.status, 'SENT');
    assert.equal(m.channel, 'telegram');
    assert.equal(m.to, '123456789');
    assert.equal(m.provider, 'telegram');
    assert.equal(m.provider_message_id, String(api.sent.at(-1)!.message_id));
    assert.equal(m.attempts, 1);
    assert.equal(m.scheduled, false);
    assert.equal(m.created_at, '2025-09-19T04:30:00+01:00', 'times in the organisation’s zone');
    const one = await app.inject({ method: 'GET', url: `/api/messages/${m.id}`, headers: auth() });
    assert.deepEqual(one.json(), m);
  });

  it('a channel with no account configured is delivered to the outbox', async () => {
    const m = (await post({ channel: 'whatsapp', to: '+91 98765 43210', body: 'outbox please' })).json();
    assert.equal(m.status, 'SENT');
    assert.equal(m.provider, 'outbox');
    assert.equal(m.to, '+919876543210');
  });

  it('refuses bad addresses, phones, chat ids, past times and unknown fields with 400 naming the field; nothing is queued', async () => {
    const before = await counts();
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ channel: 'email', to: 'priya@', body: 'x' }, 'to', /is not an e-mail address for email/],
      [{ channel: 'sms', to: '12345', body: 'x' }, 'to', /is not a phone number for sms/],
      [{ channel: 'whatsapp', to: 'priya@example.com', body: 'x' }, 'to', /is not a phone number/],
      [{ channel: 'telegram', to: 'priya', body: 'x' }, 'to', /Telegram @username or chat id/],
      [{ channel: 'slack', to: 'sales team', body: 'x' }, 'to', /Slack #channel/],
      [{ channel: 'fax', to: '1', body: 'x' }, 'channel', /./],
      [{ channel: 'sms', to: '+919876543210', body: '   ' }, 'body', /must not be empty/],
      [
        { channel: 'sms', to: '+919876543210', body: 'x', send_at: '2025-09-18T09:00:00+05:30' },
        'send_at',
        /in the past/,
      ],
      [{ channel: 'sms', to: '+919876543210', body: 'x', send_at: 'tomorrow at 9' }, 'send_at', /ISO-8601/],
      [
        { channel: 'sms', to: '+919876543210', body: 'x', send_at: '2025-09-20T09:00:00' },
        'send_at',
        /offset/,
      ],
      [{ channel: 'sms', to: '+919876543210', body: 'x', colour: 'red' }, 'colour', /unknown field/],
      [{ channel: 'sms', to: '+919876543210' }, 'body', /either body or template/],
    ];
    for (const [payload, field, message] of cases) {
      const res = await post(payload);
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
      const { error } = res.json();
      assert.equal(error.type, 'VALIDATION_ERROR');
      assert.equal(error.field, field, JSON.stringify(payload));
      assert.match(JSON.stringify(error.issues ?? error.details), message, JSON.stringify(payload));
    }
    assert.equal(await counts(), before);
  });

  it('schedules at send_at: QUEUED with the time, listed as scheduled, sent by the dispatcher at that time', async () => {
    const res = await post({
      channel: 'telegram',
      to: '@rooman_team',
      body: 'at nine',
      send_at: '2025-09-20T09:00:00+05:30',
    });
    assert.equal(res.statusCode, 201);
    const m = res.json();
    assert.equal(m.status, 'QUEUED');
    assert.equal(m.scheduled, true);
    assert.equal(m.send_at, '2025-09-20T04:30:00+01:00');
    assert.equal(m.next_attempt_at, m.send_at);
    const list = (
      await app.inject({ method: 'GET', url: '/api/messages?scheduled=true&status=QUEUED', headers: auth() })
    ).json();
    assert.deepEqual(
      list.messages.map((x: { id: string }) => x.id),
      [m.id],
    );
    clock.advance(24 * 3600_000);
    await sender.dispatcher.runOnce();
    const after = (await app.inject({ method: 'GET', url: `/api/messages/${m.id}`, headers: auth() })).json();
    assert.equal(after.status, 'SENT');
    assert.equal(api.sent.filter((x) => x.text === 'at nine').length, 1);
  });

  it('cancel withdraws a scheduled message (never sent); a sent one is 409, an unknown id 404', async () => {
    const send_at = new Date(clock.now().getTime() + 3600_000).toISOString();
    const m = (await post({ channel: 'telegram', to: '@rooman_team', body: 'cancel me', send_at })).json();
    const cancel = await app.inject({ method: 'POST', url: `/api/messages/${m.id}/cancel`, headers: auth() });
    assert.equal(cancel.statusCode, 200);
    assert.equal(cancel.json().status, 'CANCELLED');
    clock.advance(2 * 3600_000);
    await sender.dispatcher.runOnce();
    assert.equal(api.sent.filter((x) => x.text === 'cancel me').length, 0);
    const again = await app.inject({ method: 'POST', url: `/api/messages/${m.id}/cancel`, headers: auth() });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.details, /is CANCELLED/);
    const missing = await app.inject({
      method: 'POST',
      url: '/api/messages/00000000-0000-4000-8000-000000000000/cancel',
      headers: auth(),
    });
    assert.equal(missing.statusCode, 404);
  });

  it('a refused message is FAILED with the reason; retry queues it again once the cause is fixed, and it is sent', async () => {
    const m = (await post({ channel: 'telegram', to: '-100777777', body: 'to the new group' })).json();
    assert.equal(m.status, 'FAILED');
    assert.match(m.last_error, /chat not found/);
    const early = await app.inject({ method: 'POST', url: `/api/messages/${m.id}/cancel`, headers: auth() });
    assert.equal(early.statusCode, 409);
    unknownChats.length = 0; // the bot was added to the group
    const retry = await app.inject({ method: 'POST', url: `/api/messages/${m.id}/retry`, headers: auth() });
    assert.equal(retry.statusCode, 200);
    assert.equal(retry.json().status, 'QUEUED');
    assert.equal(retry.json().attempts, 0);
    await sender.dispatcher.runOnce();
    const after = (await app.inject({ method: 'GET', url: `/api/messages/${m.id}`, headers: auth() })).json();
    assert.equal(after.status, 'SENT');
    assert.equal(after.last_error, null);
    assert.equal(api.sent.filter((x) => x.text === 'to the new group').length, 1);
    const again = await app.inject({ method: 'POST', url: `/api/messages/${m.id}/retry`, headers: auth() });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.details, /is SENT; only a failed message can be retried/);
  });

  it('renders a template with its variables in the organisation’s zone; a missing variable is a 400 naming it', async () => {
    const res = await post({
      channel: 'email',
      to: 'priya@example.com',
      template: {
        name: 'visit_reminder',
        variables: { name: 'Priya', visit_time: '2025-09-21T15:00:00+05:30', address: 'Green Acres, Pune' },
      },
    });
    assert.equal(res.statusCode, 201);
    const m = res.json();
    assert.equal(
      m.subject,
      `Reminder: your site visit on ${spokenTime('2025-09-21T15:00:00+05:30', 'Europe/London')}`,
    );
    assert.equal(m.subject, 'Reminder: your site visit on Sunday, 21 September 2025 at 10:30 AM');
    assert.match(
      m.body,
      /^Hi Priya, a reminder of your site visit on Sunday, 21 September 2025 at 10:30 AM at Green Acres, Pune\./,
    );
    const bad = await post({
      channel: 'email',
      to: 'priya@example.com',
      template: { name: 'meeting_confirmation', variables: { name: 'Priya', start: 'Tuesday' } },
    });
    assert.equal(bad.statusCode, 400);
    const fields = bad
      .json()
      .error.issues.map((i: { field: string }) => i.field)
      .sort();
    assert.deepEqual(fields, ['template.variables.start', 'template.variables.title']);
    const chat = (
      await post({
        channel: 'telegram',
        to: '@rooman_team',
        template: { name: 'lead_thank_you', variables: { name: 'Rohan', company: 'Green Acres' } },
      })
    ).json();
    assert.equal(chat.subject, null, 'a chat message carries the body alone');
    assert.equal(
      api.sent.at(-1)?.text,
      'Hi Rohan, thank you for your interest in Green Acres. Our team will be in touch shortly to help you with the next steps.',
    );
    const unknown = await post({ channel: 'email', to: 'a@example.com', template: { name: 'birthday' } });
    assert.equal(unknown.json().error.field, 'template.name');
    const templates = (await app.inject({ method: 'GET', url: '/api/message-templates' })).json().templates;
    assert.deepEqual(
      templates.map((t: { name: string }) => t.name),
      ['meeting_confirmation', 'visit_reminder', 'lead_thank_you'],
    );
  });

  it('lists with filters and paging, org-scoped; an Idempotency-Key replays the first message', async () => {
    const first = await post(
      { channel: 'slack', to: '#sales', body: 'once' },
      { ...auth(), 'idempotency-key': 'k-1' },
    );
    const second = await post(
      { channel: 'slack', to: '#sales', body: 'once' },
      { ...auth(), 'idempotency-key': 'k-1' },
    );
    assert.equal(second.json().id, first.json().id);
    const conflict = await post(
      { channel: 'slack', to: '#sales', body: 'other' },
      { ...auth(), 'idempotency-key': 'k-1' },
    );
    assert.equal(conflict.statusCode, 409);
    const slack = (
      await app.inject({ method: 'GET', url: '/api/messages?channel=slack', headers: auth() })
    ).json();
    assert.equal(slack.total, 1);
    const page = (
      await app.inject({ method: 'GET', url: '/api/messages?limit=2&offset=1', headers: auth() })
    ).json();
    assert.equal(page.messages.length, 2);
    assert.equal(page.limit, 2);
    // The open (keyless) organisation sees none of the keyed one's messages.
    const open = (await app.inject({ method: 'GET', url: '/api/messages' })).json();
    assert.equal(open.total, 0);
    const hidden = await app.inject({ method: 'GET', url: `/api/messages/${first.json().id}` });
    assert.equal(hidden.statusCode, 404);
    const badFilter = await app.inject({ method: 'GET', url: '/api/messages?status=LOST', headers: auth() });
    assert.equal(badFilter.statusCode, 400);
    assert.equal(badFilter.json().error.field, 'status');
    const badKey = await app.inject({
      method: 'GET',
      url: '/api/messages',
      headers: { authorization: 'Bearer nope' },
    });
    assert.equal(badKey.statusCode, 401);
  });
}
