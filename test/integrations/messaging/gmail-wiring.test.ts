/**
 * E-mail by Gmail in the assembled server (buildRooman): Google connected through the fake Google OAuth with the
 * gmail.send scope, ROOMAN_EMAIL_VIA=gmail, the Gmail API pointed at the fake. A message goes out as the connected
 * account; once the user revokes access, the next one fails with how to reconnect and the connection shows BROKEN.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/core/config.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { openDatabase } from '../../../src/store/database.ts';
import { FakeGmailApi } from '../../fakes/gmail-api.ts';
import { FakeGoogleApi } from '../../fakes/google-api-server.ts';
import { pgliteTemplate } from '../../helpers/db.ts';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

describe('Gmail in the assembled server', () => {
  let dataDir: string;
  let google: FakeGoogleApi;
  let gmail: FakeGmailApi;
  let rooman: Rooman;
  let base: string;
  let revoked = false;

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rooman-gmail-'));
    await (await openDatabase({ dataDir, pgliteTemplate: await pgliteTemplate() })).close();
    google = await new FakeGoogleApi({ clientId: 'cid', clientSecret: 'csecret' }).start();
    // Google accepts the access tokens it issued until the user revokes access.
    gmail = await new FakeGmailApi((token) => token.startsWith('ya29.') && !revoked).start();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      ROOMAN_DATA_DIR: dataDir,
      ROOMAN_CSV_LOGS: 'off',
      ROOMAN_STT: 'none',
      ROOMAN_TTS: 'none',
      ROOMAN_PUBLIC_URL: base,
      GOOGLE_CLIENT_ID: 'cid',
      GOOGLE_CLIENT_SECRET: 'csecret',
      GOOGLE_OAUTH_BASE_URL: google.baseUrl,
      GOOGLE_API_BASE_URL: google.baseUrl,
      ROOMAN_EMAIL_VIA: 'gmail',
      ROOMAN_EMAIL_FROM: 'Priya Sales <priya@example.com>',
      GMAIL_API_BASE_URL: gmail.url,
    });
    rooman = await buildRooman(config, { logger: silentLogger });
    await rooman.app.listen({ port, host: '127.0.0.1' });
  });
  after(async () => {
    await rooman?.close();
    await gmail.close();
    await google.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json() };
  };

  it('sends as the connected account; after a revoke the message fails with the reconnect link and the connection is BROKEN', async () => {
    const start = await fetch(`${base}/oauth/google/start?scopes=calendar,gmail.send`, {
      redirect: 'manual',
    });
    const consent = await fetch(String(start.headers.get('location')), { redirect: 'manual' });
    await fetch(String(consent.headers.get('location')), { redirect: 'manual' });
    assert.equal((await api('GET', '/api/google/status')).body.status, 'CONNECTED');

    const sent = await api('POST', '/api/messages', {
      channel: 'email',
      to: 'rahul@example.com',
      subject: 'Your quote',
      body: 'Attached is the quote we discussed.',
    });
    assert.equal(sent.status, 201, JSON.stringify(sent.body));
    assert.equal(sent.body.status, 'SENT');
    assert.equal(sent.body.provider, 'gmail');
    assert.equal(gmail.sent.length, 1);
    const mail = gmail.sent[0]!;
    assert.match(mail.token, /^ya29\./);
    assert.equal(mail.headers.from, 'Priya Sales <priya@example.com>');
    assert.equal(mail.headers.to, 'rahul@example.com');
    assert.equal(mail.headers.subject, 'Your quote');
    assert.equal(mail.text, 'Attached is the quote we discussed.');
    assert.equal(sent.body.provider_message_id, mail.id);

    google.revokeAll();
    revoked = true;
    const refused = await api('POST', '/api/messages', {
      channel: 'email',
      to: 'rahul@example.com',
      body: 'again',
    });
    assert.equal(refused.body.status, 'FAILED');
    assert.match(refused.body.last_error, /Gmail connection is broken/);
    assert.match(refused.body.last_error, new RegExp(`reconnect Google at ${base}/google\\.html`));
    const status = (await api('GET', '/api/google/status')).body;
    assert.equal(status.status, 'BROKEN');
    assert.equal(gmail.sent.length, 1);
  });
});
