/**
 * What every channel test needs: a migrated database with an organisation, an OutboxSender whose only client is the
 * channel under test, a clock the test moves (so retry times are reached without waiting), short timeouts, and
 * pinned jitter.
 */

import { silentLogger } from '../../../src/core/logger.ts';
import { SendMessageInput } from '../../../src/core/messages.ts';
import type { Clock } from '../../../src/core/time.ts';
import type { ChannelClients } from '../../../src/integrations/messaging/channel.ts';
import { OutboxSender } from '../../../src/integrations/messaging/outbox-sender.ts';
import type { Database } from '../../../src/store/database.ts';
import { type OutboxMessageRow, OutboxRepository } from '../../../src/store/outbox.ts';
import { createTestOrg, type DatabaseTarget } from '../../helpers/db.ts';

/** A clock that stays put until moved. */
export class ManualClock implements Clock {
  #at: number;
  constructor(at: string) {
    this.#at = Date.parse(at);
  }
  now(): Date {
    return new Date(this.#at);
  }
  advance(ms: number): void {
    this.#at += ms;
  }
}

export const TEST_POLICY = {
  attemptTimeoutMs: 2500,
  baseDelayMs: 10_000,
  maxDelayMs: 60_000,
  maxAttempts: 4,
};

export interface Harness {
  database: Database;
  orgId: string;
  clock: ManualClock;
  sender: OutboxSender;
  outbox: OutboxRepository;
  send(input: Record<string, unknown>): ReturnType<OutboxSender['send']>;
  row(id: string): Promise<OutboxMessageRow>;
  close(): Promise<void>;
}

export async function openHarness(target: DatabaseTarget, channels: ChannelClients): Promise<Harness> {
  const database = await target.open();
  const orgId = (await createTestOrg(database.db)).id;
  const clock = new ManualClock('2025-09-19T09:00:00+05:30');
  const sender = new OutboxSender({
    db: database.db,
    logger: silentLogger,
    clock,
    channels,
    policy: TEST_POLICY,
    random: () => 0.5,
    immediateWaitMs: 3000,
  });
  const outbox = new OutboxRepository(database.db);
  return {
    database,
    orgId,
    clock,
    sender,
    outbox,
    send: (input) => sender.send(orgId, SendMessageInput.parse(input)),
    row: async (id) => {
      const row = await outbox.findById(orgId, id);
      if (!row) throw new Error(`no message ${id}`);
      return row;
    },
    close: async () => {
      await sender.dispatcher.settle();
      await database.close();
    },
  };
}
