import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { slurpSlots, zoneForOffset } from '../../eval/datasets.ts';
import { instantMatches, runEval } from '../../eval/run.ts';
import type { Entities, Intent, Understander } from '../../src/core/understanding.ts';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));
const PHONES = join(FIXTURES, 'phones.jsonl');

/** A scripted understander: known answers for the fixture utterances, UNKNOWN for anything else. */
function scripted(answers: Record<string, [Intent, Entities?]>): Understander {
  return {
    understand(text) {
      const [intent, entities] = answers[text] ?? ['UNKNOWN', {}];
      return { text, intent, confidence: 0.9, entities: entities ?? {} };
    },
  };
}

const ANSWERS: Record<string, [Intent, Entities?]> = {
  'set up a meeting with anita on friday at four pm': [
    'MEETING_SCHEDULE',
    { person: 'Anita', attendees: ['Anita'], datetime: '2025-10-03T16:00:00+05:30' },
  ],
  'what is on my calendar tomorrow': ['MEETING_QUERY', { date: '2025-10-02', person: 'Mom' }],
  'delete my dentist appointment': ['MEETING_QUERY'],
  'send an email to ravi saying the invoice is ready': ['MESSAGE_SEND', { person: 'Ravi' }],
  'switch off the kitchen light': ['MEETING_QUERY'],
  'Could you check my calendar for Thursday?': ['MEETING_QUERY'],
  'Great, please add a new event to my calendar.': ['MEETING_SCHEDULE'],
  'Nice, I want to schedule a visit to that flat on Sunday.': ['VISIT_SCHEDULE'],
  'Reach me at +91 98450 12345 today.': ['UNKNOWN', { phone: '+919845012345' }],
  'my number is nine eight seven six five four three two one zero': ['UNKNOWN', { phone: '+919876543210' }],
};

describe('npm run eval harness', () => {
  it('maps and counts intents, out-of-scope, slots and phones the way acceptance does', async () => {
    const report = await runEval({
      dataDir: FIXTURES,
      phoneCases: PHONES,
      ownSplit: false,
      engine: scripted(ANSWERS),
    });
    const byName = Object.fromEntries(report.intents.map((r) => [r.name, r]));

    // SLURP: email_query is not scored; 3 of the 4 scored rows are right.
    assert.equal(byName['SLURP calendar+email']?.n, 4);
    assert.equal(byName['SLURP calendar+email']?.accuracy, 0.75);
    assert.deepEqual(byName['SLURP calendar+email']?.confusions, { 'MEETING_CANCEL->MEETING_QUERY': 1 });
    assert.equal(byName['SLURP other scenarios (OOS)']?.accuracy, 0.5);
    // SGD: only the turn that first asks for each intent counts; FindApartment and NONE are not mapped.
    assert.equal(byName['SGD Calendar first turns']?.n, 2);
    assert.equal(byName['SGD Calendar first turns']?.accuracy, 1);
    assert.equal(byName['SGD ScheduleVisit first turns']?.n, 1);
    assert.equal(byName['CLINC150 oos']?.n, 2);
    assert.equal(byName['CLINC150 non-relevant intents']?.n, 1);

    // Out of scope on SLURP: one of two OOS rows caught, no in-scope row called UNKNOWN.
    assert.deepEqual(report.oos.SLURP, { precision: 1, recall: 0.5, f1: 0.6667, support: 2 });

    // Slots: the date, the time and both people found; "Mom" was not said.
    assert.equal(report.slots?.dates.f1, 1);
    assert.equal(report.slots?.times.f1, 1);
    assert.deepEqual(report.slots?.people, { precision: 0.6667, recall: 1, f1: 0.8, support: 2 });

    assert.deepEqual(report.phones, {
      'Recognizers-Text India rows': { n: 1, accuracy: 1 },
      'Rooman spoken/written Indian': { n: 2, accuracy: 1 },
    });
    // Instants only: Duckling's interval and Recognizers' two-range sentence are left out.
    assert.equal(report.dates['Duckling instants']?.n, 2);
    assert.equal(report.dates['Recognizers-Text instants']?.n, 2);
    assert.equal(report.crashes.length, 0);
    // Every target-set answer said 0.9; 9 of the 11 were right.
    assert.deepEqual(report.calibration, { ece: 0.0818, n: 11, meanConfidence: 0.9, accuracy: 0.8182 });
    const slurpTarget = report.targets.find((t) => t.what.startsWith('SLURP calendar'));
    assert.deepEqual(slurpTarget, {
      what: 'SLURP calendar+email accuracy',
      value: 0.75,
      target: 0.95,
      met: false,
    });
  });

  it('records an engine that throws instead of stopping', async () => {
    const throwing: Understander = {
      understand() {
        throw new Error('boom');
      },
    };
    const report = await runEval({
      dataDir: FIXTURES,
      phoneCases: PHONES,
      ownSplit: false,
      engine: throwing,
    });
    assert.ok(report.crashes.length > 0);
    assert.equal(report.crashes[0]?.error, 'boom');
  });

  it('runs from the command line on a data folder and writes the JSON report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rooman-eval-'));
    try {
      const out = join(dir, 'latest.json');
      const run = spawnSync(process.execPath, ['eval/run.ts', '--data', FIXTURES, '--out', out], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        encoding: 'utf8',
        timeout: 60_000,
      });
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, /SLURP calendar\+email\s+4/);
      assert.match(run.stdout, /Rooman own test split/);
      assert.match(run.stderr, /eval: intents: SLURP/);
      const report = JSON.parse(readFileSync(out, 'utf8'));
      assert.ok(report.intents.every((r: { accuracy: number }) => r.accuracy >= 0 && r.accuracy <= 1));
      const own = report.intents.find((r: { name: string }) => r.name === 'Rooman own test split');
      assert.ok(own.n > 100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses unknown options', () => {
    const run = spawnSync(process.execPath, ['eval/run.ts', '--frobnicate'], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      encoding: 'utf8',
    });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /unknown option --frobnicate/);
  });
});

describe('eval helpers', () => {
  it('reads SLURP slot annotations', () => {
    assert.deepEqual(slurpSlots('wake me at [time : five am] [date : tomorrow]'), [
      { type: 'time', value: 'five am' },
      { type: 'date', value: 'tomorrow' },
    ]);
  });

  it('compares resolved instants at the precision expected', () => {
    assert.ok(instantMatches('2013-02-15T00:00:00', ['2013-02-15']));
    assert.ok(instantMatches('2016-11-07T19:00:00', ['T19:00:00']));
    assert.ok(instantMatches('2019-03-29T11:00:00', ['2018-03-29T11:00:00', '2019-03-29T11:00:00']));
    assert.ok(!instantMatches('2013-02-12T15:30:00', ['2013-02-12T15:00']));
    assert.ok(!instantMatches(null, ['2013-02-15']));
  });

  it('names a fixed-offset zone the IANA way', () => {
    assert.equal(zoneForOffset('-02:00'), 'Etc/GMT+2');
    assert.equal(zoneForOffset('+05:00'), 'Etc/GMT-5');
    assert.equal(zoneForOffset('+00:00'), 'UTC');
  });
});
