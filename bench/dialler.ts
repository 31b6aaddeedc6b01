/**
 * The outbound dialler against the fake Twilio REST API on loopback: how long a 1000-row CSV campaign takes to be
 * accepted, and how fast one dispatcher works through a campaign (calls placed per second, tick time) while the
 * concurrency limit holds. Database: in-memory PGlite (PostgreSQL when TEST_DATABASE_URL is set).
 */

import { startHarness } from '../test/calls/harness.ts';
import { databaseTargets } from '../test/helpers/db.ts';
import type { BenchContext } from './run.ts';

const CSV_ROWS = 1000;
const CAMPAIGN_ROWS = 300;
const CONCURRENCY = 30;

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

export async function benchDialler(context: BenchContext): Promise<Record<string, unknown>> {
  const target = databaseTargets().at(-1) as ReturnType<typeof databaseTargets>[number];
  const database = await target.open();
  const h = await startHarness({
    database,
    fakeOptions: { defaultScript: { outcome: 'completed', talkMs: 50 } },
  });
  try {
    const csv = [
      'phone,name',
      ...Array.from({ length: CSV_ROWS }, (_, i) => `+1415556${String(i).padStart(4, '0')},Lead ${i}`),
    ].join('\n');
    let started = performance.now();
    const created = await h.api('POST', '/api/campaigns?concurrency=1&window=00:00-23:59', csv);
    const csvMs = performance.now() - started;
    if (created.status !== 201) throw new Error(`campaign refused: ${JSON.stringify(created.body)}`);
    await h.api('POST', `/api/campaigns/${created.body.id}/cancel`);
    context.log(`${CSV_ROWS}-row CSV accepted in ${csvMs.toFixed(0)} ms`);

    const numbers = Array.from({ length: CAMPAIGN_ROWS }, (_, i) => `+1415557${String(i).padStart(4, '0')}`);
    const campaign = await h.api('POST', '/api/campaigns', {
      concurrency: CONCURRENCY,
      window: { start: '00:00', end: '23:59' },
      targets: numbers.map((to) => ({ to })),
    });
    const id = campaign.body.id as string;
    const ticks: number[] = [];
    started = performance.now();
    for (;;) {
      if (context.signal.aborted) break;
      const t = performance.now();
      await h.tick();
      ticks.push(performance.now() - t);
      const progress = (await h.api('GET', `/api/campaigns/${id}`)).body;
      if (progress.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    ticks.sort((a, b) => a - b);
    context.log(`${CAMPAIGN_ROWS} calls in ${seconds.toFixed(1)} s`);
    return {
      database: target.name,
      csv_rows: CSV_ROWS,
      csv_campaign_accept_ms: Math.round(csvMs),
      campaign_rows: CAMPAIGN_ROWS,
      concurrency_limit: CONCURRENCY,
      talk_ms_per_call: 50,
      campaign_seconds: Number(seconds.toFixed(2)),
      calls_per_second: Number((CAMPAIGN_ROWS / seconds).toFixed(1)),
      max_concurrent_at_twilio: h.fake.maxConcurrent,
      tick_ms: {
        p50: Number(percentile(ticks, 50).toFixed(1)),
        p95: Number(percentile(ticks, 95).toFixed(1)),
      },
    };
  } finally {
    await h.close();
    await database.close();
  }
}
