/**
 * A Rooman server with a Twilio account configured (ROOMAN_PUBLIC_URL https://rooman.test: what Twilio would call and
 * sign), and the requests Twilio makes to it: signed form webhooks, and signed media streams (the fake client).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import twilio from 'twilio';
import { loadConfig } from '../../../src/core/config.ts';
import { createLogger } from '../../../src/core/logger.ts';
import { buildRooman, type Rooman } from '../../../src/server.ts';
import { sid, TwilioMediaClient } from '../../fakes/twilio-media-client.ts';

export const PUBLIC_URL = 'https://rooman.test';
export const AUTH_TOKEN = 'test-auth-token-0123456789abcdef';
export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export interface PhoneServer {
  rooman: Rooman;
  base: string;
  lines: LogLine[];
  close(): Promise<void>;
  /** A form POST as Twilio sends it, signed over the public URL unless told otherwise. */
  post(
    pathAndQuery: string,
    form: Record<string, string>,
    sign?: { token?: string; url?: string; signature?: string | null },
  ): Promise<Response>;
  /** The voice webhook of a new inbound call; returns the stream parameters of the TwiML it answered. */
  answer(
    form?: Partial<Record<string, string>>,
  ): Promise<{ callSid: string; twiml: string; parameters: Record<string, string> }>;
  /** A fake Twilio media stream for the parameters. */
  stream(
    parameters: Record<string, string>,
    options?: { callSid?: string; signature?: string | null },
  ): TwilioMediaClient;
}

export async function startPhoneServer(
  options: { modelsDir?: string; env?: Record<string, string> } = {},
): Promise<PhoneServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'rooman-twilio-'));
  const lines: LogLine[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line.trim()) lines.push(JSON.parse(line));
  });
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    ROOMAN_DATA_DIR: dataDir,
    ROOMAN_MODELS_DIR: options.modelsDir ?? join(dataDir, 'models'),
    LOG_LEVEL: 'info',
    ROOMAN_LOG_FORMAT: 'json',
    ROOMAN_PUBLIC_URL: PUBLIC_URL,
    TWILIO_ACCOUNT_SID: ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: AUTH_TOKEN,
    TWILIO_PHONE_NUMBER: '+14155550199',
    ...options.env,
  });
  const rooman = await buildRooman(config, {
    logger: createLogger({ level: 'info', format: 'json', destination: stream }),
  });
  await rooman.app.listen({ port: 0, host: '127.0.0.1' });
  const port = (rooman.app.server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;

  const post: PhoneServer['post'] = (pathAndQuery, form, sign = {}) => {
    const signature =
      sign.signature !== undefined
        ? sign.signature
        : twilio.getExpectedTwilioSignature(
            sign.token ?? AUTH_TOKEN,
            sign.url ?? `${PUBLIC_URL}${pathAndQuery}`,
            form,
          );
    return fetch(`${base}${pathAndQuery}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(signature === null ? {} : { 'x-twilio-signature': signature }),
      },
      body: new URLSearchParams(form).toString(),
    });
  };

  return {
    rooman,
    base,
    lines,
    post,
    async answer(form = {}) {
      const callSid = form.CallSid ?? sid('CA');
      const response = await post('/twilio/voice', {
        CallSid: callSid,
        AccountSid: ACCOUNT_SID,
        From: '+14155550100',
        To: '+14155550199',
        CallStatus: 'ringing',
        Direction: 'inbound',
        ApiVersion: '2010-04-01',
        ...(form as Record<string, string>),
      });
      const twiml = await response.text();
      if (response.status !== 200) throw new Error(`voice webhook answered ${response.status}: ${twiml}`);
      const parameters: Record<string, string> = {};
      for (const m of twiml.matchAll(/<Parameter name="([^"]+)" value="([^"]*)"\/>/g))
        parameters[m[1]!] = m[2]!;
      return { callSid, twiml, parameters };
    },
    stream(parameters, streamOptions = {}) {
      return new TwilioMediaClient({
        url: `ws://127.0.0.1:${port}/twilio/media`,
        signedUrl: `${PUBLIC_URL.replace(/^http/, 'ws')}/twilio/media`,
        authToken: AUTH_TOKEN,
        accountSid: ACCOUNT_SID,
        parameters,
        ...(streamOptions.callSid ? { callSid: streamOptions.callSid } : {}),
        ...(streamOptions.signature !== undefined ? { signature: streamOptions.signature } : {}),
      });
    },
    async close() {
      await rooman.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The HTTP status a WebSocket upgrade gets (101 when accepted). */
export function upgradeStatus(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      // A fresh connection each time: a refused upgrade must not hand its socket to the next request.
      agent: false,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        ...headers,
      },
    });
    req.on('upgrade', (_res, socket) => {
      socket.destroy();
      resolve(101);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}
