import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GmailClient } from '../../../src/integrations/messaging/gmail.ts';
import { SmtpClient } from '../../../src/integrations/messaging/smtp.ts';
import { FakeGmailApi } from '../../fakes/gmail-api.ts';
import { FakeSmtpServer } from '../../fakes/smtp-server.ts';
import { databaseTargets } from '../../helpers/db.ts';
import { type Harness, openHarness } from './harness.ts';

const FROM = 'Rooman Assistant <assistant@rooman.example>';

for (const target of databaseTargets()) {
  describe(`e-mail by SMTP (${target.name})`, () => {
    let smtp: FakeSmtpServer;
    let h: Harness;

    before(async () => {
      smtp = await new FakeSmtpServer({ user: 'mailer', pass: 's3cret' }).start();
      h = await openHarness(target, {
        email: new SmtpClient({ url: smtp.url('mailer', 's3cret'), from: FROM, timeoutMs: 2000 }),
      });
    });
    after(async () => {
      await h.close();
      await smtp.close();
    });

    it('delivers to a real SMTP server: envelope, From, To, Subject, text and a Message-ID from the outbox id', async () => {
      const sent = await h.send({
        channel: 'email',
        to: 'Priya@Example.com',
        subject: 'Your visit on Friday — confirmed',
        body: 'Hi Priya,\nSee you at 3 PM on Friday at Green Acres.\n— Rooman',
      });
      assert.equal(sent.status, 'SENT');
      assert.equal(smtp.received.length, 1);
      const mail = smtp.received[0]!;
      assert.equal(mail.envelopeFrom, 'assistant@rooman.example');
      assert.deepEqual(mail.envelopeTo, ['priya@example.com']);
      assert.equal(mail.headers.from, 'Rooman Assistant <assistant@rooman.example>');
      assert.equal(mail.headers.to, 'priya@example.com');
      assert.equal(mail.headers.subject, 'Your visit on Friday — confirmed');
      assert.equal(mail.text, 'Hi Priya,\nSee you at 3 PM on Friday at Green Acres.\n— Rooman');
      assert.equal(mail.headers['message-id'], `<${sent.message_id}@rooman.example>`);
      const row = await h.row(sent.message_id);
      assert.equal(row.provider, 'smtp');
      assert.equal(row.provider_message_id, `<${sent.message_id}@rooman.example>`);
    });

    it('a 451 and a server that never answers DATA leave it queued; it arrives once, same Message-ID', async () => {
      smtp.fail('tempfail', 'hang');
      const attemptsBefore = smtp.attempts;
      const sent = await h.send({
        channel: 'email',
        to: 'rahul@example.com',
        subject: 'Retry',
        body: 'Once only',
      });
      assert.equal(sent.status, 'QUEUED');
      assert.match((await h.row(sent.message_id)).last_error ?? '', /Try again later/);
      for (let i = 0; i < 3; i++) {
        h.clock.advance(60_000);
        await h.sender.dispatcher.runOnce();
      }
      const row = await h.row(sent.message_id);
      assert.equal(row.status, 'SENT');
      assert.equal(row.attempts, 3);
      assert.equal(smtp.attempts - attemptsBefore, 3);
      const arrived = smtp.received.filter((m) => m.headers.subject === 'Retry');
      assert.equal(arrived.length, 1);
      assert.equal(arrived[0]!.headers['message-id'], `<${sent.message_id}@rooman.example>`);
    });

    it('a 550 refusal is FAILED at once with the server’s words', async () => {
      smtp.fail('reject');
      const sent = await h.send({ channel: 'email', to: 'nobody@example.com', body: 'x' });
      assert.equal(sent.status, 'FAILED');
      assert.match(
        (await h.row(sent.message_id)).last_error ?? '',
        /refused the message.*Mailbox unavailable/,
      );
    });

    it('wrong credentials are a broken connection (535), not retried', async () => {
      const wrong = new SmtpClient({ url: smtp.url('mailer', 'wrong'), from: FROM, timeoutMs: 2000 });
      await assert.rejects(
        wrong.send(
          { id: 'x', orgId: h.orgId, channel: 'email', to: 'a@example.com', subject: null, body: 'x' },
          AbortSignal.timeout(3000),
        ),
        (e: Error & { authBroken?: boolean; retriable?: boolean }) =>
          e.authBroken === true && e.retriable === false,
      );
    });
  });

  describe(`e-mail by the Gmail API (${target.name})`, () => {
    let gmail: FakeGmailApi;
    let h: Harness;
    const broken: { orgId: string; reason: string }[] = [];
    let token = 'ya29.valid-token';

    before(async () => {
      gmail = await new FakeGmailApi(['ya29.valid-token']).start();
      h = await openHarness(target, {
        email: new GmailClient({
          accessToken: async () => token,
          markBroken: async (orgId, reason) => {
            broken.push({ orgId, reason });
          },
          reconnectHint: 'reconnect Google on the web page (Connect Google)',
          apiBaseUrl: gmail.url,
        }),
      });
    });
    after(async () => {
      await h.close();
      await gmail.close();
    });

    it('sends a raw RFC 822 message with the org’s access token', async () => {
      const sent = await h.send({
        channel: 'email',
        to: 'priya@example.com',
        subject: 'Meeting confirmed',
        body: 'Design review, Tuesday 3 PM.',
      });
      assert.equal(sent.status, 'SENT');
      assert.equal(gmail.sent.length, 1);
      const mail = gmail.sent[0]!;
      assert.equal(mail.token, 'ya29.valid-token');
      assert.equal(mail.headers.to, 'priya@example.com');
      assert.equal(mail.headers.subject, 'Meeting confirmed');
      assert.equal(mail.text, 'Design review, Tuesday 3 PM.');
      assert.equal((await h.row(sent.message_id)).provider_message_id, mail.id);
    });

    it('a 503 is retried and sent once', async () => {
      gmail.fail({ kind: 'status', status: 503, body: { error: { code: 503, message: 'Backend Error' } } });
      const sent = await h.send({ channel: 'email', to: 'rahul@example.com', subject: 'again', body: 'b' });
      assert.equal(sent.status, 'QUEUED');
      h.clock.advance(60_000);
      await h.sender.dispatcher.runOnce();
      assert.equal((await h.row(sent.message_id)).status, 'SENT');
      assert.equal(gmail.sent.filter((m) => m.headers.subject === 'again').length, 1);
    });

    it('a revoked token (401) marks the connection broken and the message says how to reconnect', async () => {
      token = 'ya29.revoked';
      const sent = await h.send({ channel: 'email', to: 'priya@example.com', subject: 's', body: 'b' });
      assert.equal(sent.status, 'FAILED');
      const row = await h.row(sent.message_id);
      assert.match(row.last_error ?? '', /Gmail connection is broken/);
      assert.match(row.last_error ?? '', /reconnect Google on the web page/);
      assert.deepEqual(
        broken.map((b) => b.orgId),
        [h.orgId],
      );
      assert.match(broken[0]!.reason, /invalid authentication credentials/);
    });
  });
}
