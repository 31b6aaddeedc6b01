import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BrainReply } from '../../../src/brains/brain.ts';
import { LocalBrain } from '../../../src/brains/local/local-brain.ts';
import { speakClock } from '../../../src/brains/local/speech.ts';
import { MEETING_TASKS } from '../../../src/brains/local/tasks/index.ts';
import { chooseMeeting } from '../../../src/brains/local/tasks/meeting-find.ts';
import { recurrenceWords, whenWords } from '../../../src/brains/local/tasks/meeting-speech.ts';
import { silentLogger } from '../../../src/core/logger.ts';
import { fixedClock } from '../../../src/core/time.ts';
import type { Understanding } from '../../../src/core/understanding.ts';
import { BuiltinCrm } from '../../../src/crm/builtin-crm.ts';
import { BuiltinCalendar } from '../../../src/integrations/calendar/builtin-calendar.ts';
import type { Database } from '../../../src/store/database.ts';
import { crmTools } from '../../../src/tools/crm-tools.ts';
import { meetingTools } from '../../../src/tools/meeting-tools.ts';
import { createUnderstandingEngine } from '../../../src/understanding/engine.ts';
import { createTestOrg, databaseTargets } from '../../helpers/db.ts';

const NOW = new Date('2025-09-19T09:00:00+05:30');
const TZ = 'Asia/Kolkata';

describe('meeting speech', () => {
  it('says clock times and days in words', () => {
    assert.equal(speakClock(10, 0), 'ten AM');
    assert.equal(speakClock(15, 30), 'three thirty PM');
    assert.equal(speakClock(9, 5), 'nine oh five AM');
    assert.equal(speakClock(12, 0), 'noon');
    assert.equal(speakClock(23, 45), 'eleven forty-five PM');
    assert.equal(
      whenWords('2025-09-20T10:00:00+05:30', NOW, TZ),
      'tomorrow, Saturday the twentieth, at ten AM',
    );
    assert.equal(whenWords('2025-09-19T18:00:00+05:30', NOW, TZ), 'today at six PM');
    assert.equal(
      whenWords('2025-09-19T23:30:00Z', NOW, TZ),
      'tomorrow, Saturday the twentieth, at five AM',
      'a UTC instant is spoken on its day in the org zone',
    );
    assert.equal(
      whenWords('2026-01-05T10:00:00+05:30', NOW, TZ),
      'Monday the fifth of January 2026 at ten AM',
    );
  });
  it('says recurrences', () => {
    assert.equal(recurrenceWords('FREQ=WEEKLY;BYDAY=MO'), 'every Monday');
    assert.equal(recurrenceWords('FREQ=WEEKLY;BYDAY=MO,WE'), 'every Monday and Wednesday');
    assert.equal(recurrenceWords('FREQ=DAILY'), 'every day');
  });
});

describe('choosing between meetings', () => {
  const choices = [
    { meeting_id: 'a', title: 'design review', start: '2025-09-20T10:00:00+05:30', end: '' },
    { meeting_id: 'b', title: 'team sync', start: '2025-09-20T15:00:00+05:30', end: '' },
    { meeting_id: 'c', title: 'sales review', start: '2025-09-20T17:00:00+05:30', end: '' },
  ];
  const u = (text: string, entities: Understanding['entities'] = {}): Understanding => ({
    text,
    intent: 'UNKNOWN',
    confidence: 0.5,
    entities,
  });
  const pick = (text: string, entities?: Understanding['entities']) =>
    chooseMeeting(u(text, entities), choices, TZ)?.meeting_id;

  it('by title, time, position or a word only one has', () => {
    assert.equal(pick('the design review'), 'a');
    assert.equal(pick('the one at 3', { datetime: '2025-09-19T15:00:00+05:30' }), 'b');
    // "at 3" read as 3 AM still means the 3 PM meeting on a 12-hour clock.
    assert.equal(pick('at 3', { datetime: '2025-09-20T03:00:00+05:30' }), 'b');
    assert.equal(pick('the second'), 'b');
    assert.equal(pick('the last one'), 'c');
    assert.equal(pick('the sales one'), 'c');
  });
  it('never guesses', () => {
    assert.equal(pick('the review'), undefined, 'two reviews');
    assert.equal(pick('whichever'), undefined);
    assert.equal(pick('at 4', { datetime: '2025-09-20T16:00:00+05:30' }), undefined);
  });
});

for (const target of databaseTargets()) {
  describe(`meeting tasks in the local brain (${target.name})`, () => {
    let database: Database;
    let respond: (text: string) => Promise<BrainReply>;

    before(async () => {
      database = await target.open();
      const org = await createTestOrg(database.db);
      const clock = fixedClock(NOW);
      const crm = new BuiltinCrm({
        db: database.db,
        kind: database.kind,
        logger: silentLogger,
        dataDir: '/nonexistent',
        csvLogs: false,
        clock,
      });
      const calendar = new BuiltinCalendar({ db: database.db, logger: silentLogger, clock, blocks: false });
      const brain = new LocalBrain({
        understander: createUnderstandingEngine(),
        tools: meetingTools(crmTools()),
        tasks: MEETING_TASKS,
      });
      let state: unknown;
      let turn = 0;
      respond = async (text) => {
        turn++;
        const out = await brain.respond(
          { sessionId: 's', turn, text, state },
          {
            crm: crm.gatewayFor(org.id),
            calendar: calendar.calendarFor(org.id),
            now: NOW,
            timeZone: TZ,
            idempotencyKey: `k${turn}`,
          },
        );
        state = JSON.parse(JSON.stringify(out.state));
        return out.reply;
      };
    });
    after(() => database.close());

    it('books a recurring meeting with attendees, reported in entities and reply', async () => {
      const r = await respond('book a meeting with Priya every Monday at 10');
      assert.equal(
        r.reply,
        'Your meeting with Priya is set for Monday the twenty-second of September at ten AM. It repeats every Monday.',
      );
      assert.deepEqual(r.entities.attendees, ['Priya']);
      assert.equal(r.entities.recurrence, 'FREQ=WEEKLY;BYDAY=MO');
      assert.equal((r.result as { title: string }).title, 'Meeting with Priya');
    });

    it('a move to a time already past is asked again', async () => {
      await respond('schedule a design review today at 5 PM');
      const r = await respond('move the design review to today at 8 AM');
      assert.equal(r.awaiting, 'start');
      assert.equal(r.reply, 'When should I move the design review to?');
      const ok = await respond('6 PM');
      assert.equal(ok.reply, "Done. I've moved the design review to today at six PM.");
    });

    it('a meeting that is not there is said so', async () => {
      const r = await respond('cancel the board meeting tomorrow');
      assert.equal(r.error?.type, 'CRM_ERROR');
      assert.match(r.reply, /^I couldn't find a board meeting tomorrow on your calendar\.$/);
      assert.equal(r.awaiting, undefined);
    });

    it('a query with no day lists what is coming up', async () => {
      const r = await respond('what meetings do I have?');
      assert.equal(r.intent, 'MEETING_QUERY');
      assert.match(r.reply, /^You have two meetings coming up: /);
    });
  });
}
