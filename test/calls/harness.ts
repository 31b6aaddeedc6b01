/**
 * An outbound-calling server for tests: the real routes, repositories and dialler on a migrated test database,
 * listening on loopback, talking to the fake Twilio REST API, which posts its signed callbacks back to it. The
 * clock is a variable the test moves; the dialler runs only when the test calls `tick()`.
 */

import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type OutboundCalling, startOutboundCalling } from '../../src/calls/wiring.ts';
import { silentLogger } from '../../src/core/logger.ts';
import type { Clock } from '../../src/core/time.ts';
import { createHttpApp } from '../../src/http/app.ts';
import { createOrgResolver } from '../../src/http/org.ts';
import type { Database } from '../../src/store/database.ts';
import { type Organisation, OrganisationRepository } from '../../src/store/organisations.ts';
import { TranscriptRepository } from '../../src/store/transcripts.ts';
import { type FakeTwilioOptions, FakeTwilioRestServer } from '../fakes/twilio-rest-server.ts';
import { createTestOrg } from '../helpers/db.ts';

export const FROM = '+14155550100';

export class MovableClock implements Clock {
  #at: number;
  constructor(at: string | Date) {
    this.#at = new Date(at).getTime();
  }
  now(): Date {
    return new Date(this.#at);
  }
  set(at: string | Date): void {
    this.#at = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.#at += ms;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

export interface Harness {
  app: FastifyInstance;
  url: string;
  org: Organisation;
  fake: FakeTwilioRestServer;
  clock: MovableClock;
  calling: OutboundCalling;
  tick(): ReturnType<OutboundCalling['dispatcher']['tick']>;
  /** Ticks until `done` holds (the fake's calls progress in real time between ticks). */
  tickUntil(done: () => Promise<boolean> | boolean, what: string, timeoutMs?: number): Promise<void>;
  api(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
    // biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON read field by field in assertions
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startHarness(options: {
  database: Database;
  fake?: FakeTwilioRestServer;
  fakeOptions?: FakeTwilioOptions;
  clock?: MovableClock;
  orgTimeZone?: string;
  org?: Organisation;
  instanceId?: string;
  /** More routes on the same server (the web page) before it listens. */
  beforeListen?: (
    app: FastifyInstance,
    ctx: { calling: OutboundCalling; fake: FakeTwilioRestServer; url: string; org: Organisation },
  ) => void | Promise<void>;
}): Promise<Harness> {
  const db = options.database.db;
  const ownFake = !options.fake;
  const fake =
    options.fake ?? (await FakeTwilioRestServer.start({ onTwimlFailure: 'stay', ...options.fakeOptions }));
  const clock = options.clock ?? new MovableClock('2026-03-10T15:00:00Z');
  const org = options.org ?? (await createTestOrg(db, options.orgTimeZone ?? 'America/New_York'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const app = createHttpApp({ logger: silentLogger, bodyLimit: 5_000_000 });
  const calling = startOutboundCalling(app, {
    config: {
      twilio: {
        accountSid: fake.accountSid,
        authToken: fake.authToken,
        phoneNumber: FROM,
        apiBaseUrl: fake.url,
      },
      publicUrl: url,
      timeZone: 'Asia/Kolkata',
    },
    db,
    resolveOrg: createOrgResolver({ db, anonymousOrgId: org.id }),
    transcripts: new TranscriptRepository(db),
    orgs: new OrganisationRepository(db),
    logger: silentLogger,
    clock,
    autoDial: false,
  });
  await options.beforeListen?.(app, { calling, fake, url, org });
  await app.listen({ port, host: '127.0.0.1' });
  const tick = () => calling.dispatcher.tick();
  return {
    app,
    url,
    org,
    fake,
    clock,
    calling,
    tick,
    async tickUntil(done, what, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        await tick();
        if (await done()) return;
        if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async api(method, path, body, headers = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          ...(body === undefined
            ? {}
            : { 'content-type': typeof body === 'string' ? 'text/csv' : 'application/json' }),
          ...headers,
        },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await app.close();
      await calling.stop();
      if (ownFake) await fake.close();
    },
  };
}
