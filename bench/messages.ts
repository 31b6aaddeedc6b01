/**
 * Messages: how fast the queue moves. Sends N messages for now through the OutboxSender (insert + claim + a real
 * HTTP call to the fake Telegram Bot API + SENT), then schedules N, lets them fall due and drains them with two
 * dispatchers running rounds together (the multi-instance path: FOR UPDATE SKIP LOCKED claims). Reports the latency
 * of a send-now (p50/p95/p99) and the drain throughput; every message must arrive exactly once.
 */
import { silentLogger } from '../src/core/logger.ts';
import { SendMessageInput } from '../src/core/messages.ts';
import { OutboxSender } from '../src/integrations/messaging/outbox-sender.ts';
import { TelegramClient } from '../src/integrations/messaging/telegram.ts';
import { MessageDispatcher } from '../src/jobs/message-dispatcher.ts';
import { FakeTelegramApi } from '../test/fakes/telegram-bot-api.ts';
import { createTestOrg, databaseTargets } from '../test/helpers/db.ts';
import { ManualClock } from '../test/integrations/messaging/harness.ts';
import type { BenchContext } from './run.ts';

const TOKEN = '1:bench';
const N = 200;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (x: number) => Math.round(x * 100) / 100;

export async function benchMessages(context: BenchContext): Promise<Record<string, unknown>> {
  const api = await new FakeTelegramApi(TOKEN).start();
  const results: Record<string, unknown> = { messages: N };
  try {
    for (const target of databaseTargets()) {
      context.log(`${target.name}: opening`);
      const database = await target.open();
      try {
        const orgId = (await createTestOrg(database.db)).id;
        const clock = new ManualClock('2025-09-19T09:00:00+05:30');
        const channels = { telegram: new TelegramClient({ botToken: TOKEN, apiBaseUrl: api.url }) };
        const sender = new OutboxSender({ db: database.db, logger: silentLogger, clock, channels });
        const latencies: number[] = [];
        for (let i = 0; i < N; i++) {
          const input = SendMessageInput.parse({ channel: 'telegram', to: '123456789', body: `now ${i}` });
          const t0 = performance.now();
          const sent = await sender.send(orgId, input);
          latencies.push(performance.now() - t0);
          if (sent.status !== 'SENT') throw new Error(`message ${i} is ${sent.status}`);
        }
        latencies.sort((a, b) => a - b);

        context.log(`${target.name}: scheduling ${N}, draining with two dispatchers`);
        const at = new Date(clock.now().getTime() + 60_000).toISOString();
        for (let i = 0; i < N; i++) {
          await sender.send(
            orgId,
            SendMessageInput.parse({ channel: 'telegram', to: '123456789', body: `later ${i}`, send_at: at }),
          );
        }
        clock.advance(60_000);
        const dispatchers = [0, 1].map(
          () =>
            new MessageDispatcher({
              db: database.db,
              logger: silentLogger,
              clock,
              channels,
              policy: { batchSize: 20 },
            }),
        );
        const t0 = performance.now();
        let drained = 0;
        for (;;) {
          const rounds = await Promise.all(dispatchers.map((d) => d.runOnce()));
          const n = rounds.reduce((sum, r) => sum + r.length, 0);
          if (n === 0) break;
          drained += n;
        }
        const drainMs = performance.now() - t0;
        for (const prefix of ['now', 'later']) {
          for (let i = 0; i < N; i++) {
            const count = api.sent.filter((m) => m.text === `${prefix} ${i}`).length;
            if (count !== 1) throw new Error(`"${prefix} ${i}" arrived ${count} times`);
          }
        }
        api.sent.length = 0;
        results[target.name] = {
          send_now_ms: {
            p50: round(percentile(latencies, 0.5)),
            p95: round(percentile(latencies, 0.95)),
            p99: round(percentile(latencies, 0.99)),
          },
          drained,
          drain_messages_per_s: Math.round((drained / drainMs) * 1000),
        };
      } finally {
        await database.close();
      }
    }
  } finally {
    await api.close();
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchMessages({
    log: (m) => process.stderr.write(`${m}\n`),
    signal: new AbortController().signal,
  });
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
}
