/**
 * `node eval/date-errors.ts [--data DIR]`: lists every date-resolution miss on the Duckling and Recognizers-Text
 * instants (text, reference instant, expected, got), for finding failure classes rather than single rows.
 */
import { resolveInstant } from '../src/understanding/entities/index.ts';
import * as data from './datasets.ts';
import { instantMatches } from './run.ts';

const i = process.argv.indexOf('--data');
const dir = i > 0 ? process.argv[i + 1]! : '/work/shared/evals/dev';
for (const [name, cases] of [
  ['duckling', data.ducklingInstants(dir)],
  ['recognizers', data.recognizersInstants(dir)],
  ['chrono', data.chronoInstants(dir)],
] as const) {
  for (const c of cases ?? []) {
    let got: string | null = null;
    try {
      got = resolveInstant(c.text, {
        now: c.now,
        tz: c.tz,
        dateOrder: process.argv.includes('--day-first') ? 'day-first' : (c.dateOrder ?? 'month-first'),
      });
    } catch (error) {
      got = `THROW ${String(error)}`;
    }
    if (!instantMatches(got, c.expected))
      console.log(
        `${name}\t${c.text}\tnow=${c.now.toISOString()} ${c.tz}\twant=${c.expected.join('|')}\tgot=${got}`,
      );
  }
}

// SLURP date/time slot disagreements: gold slot vs what the engine said.
const { createUnderstandingEngine } = await import('../src/understanding/engine.ts');
const engine = createUnderstandingEngine();
const ctx = { now: new Date('2025-10-01T10:00:00+05:30'), tz: 'Asia/Kolkata' };
for (const row of data.slurpInScope(dir)?.rows ?? []) {
  if (!row.annot_utt) continue;
  const gold = data.slurpSlots(row.annot_utt);
  const e = engine.understand(row.sentence, ctx).entities;
  const gd = gold.find((s) => s.type === 'date')?.value;
  const gt = gold.find((s) => s.type === 'time')?.value;
  const predDate =
    e.date ?? (e.datetime && (gd !== undefined || gt === undefined) ? e.datetime.slice(0, 10) : undefined);
  const predTime = e.datetime?.slice(11, 16);
  const goldDate = gd === undefined ? undefined : resolveInstant(gd, ctx)?.slice(0, 10);
  const goldTime = gt === undefined ? undefined : resolveInstant(gt, ctx)?.slice(11, 16);
  const dateBad =
    gd === undefined
      ? predDate !== undefined
      : predDate === undefined || (goldDate !== undefined && goldDate !== predDate);
  const timeBad =
    gt === undefined
      ? predTime !== undefined
      : predTime === undefined || (goldTime !== undefined && goldTime !== predTime);
  if (dateBad)
    console.log(
      `slurp-date\t${row.sentence}\tgold=${gd}→${goldDate}\tgot=${predDate} (${e.datetime ?? e.date})`,
    );
  if (timeBad)
    console.log(`slurp-time\t${row.sentence}\tgold=${gt}→${goldTime}\tgot=${predTime} (${e.datetime})`);
}
