import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RoomanError } from '../../src/core/errors.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { fixedClock } from '../../src/core/time.ts';
import { BuiltinCrm } from '../../src/crm/builtin-crm.ts';
import { BuiltinCalendar } from '../../src/integrations/calendar/builtin-calendar.ts';
import type { Database } from '../../src/store/database.ts';
import { MeetingRepository } from '../../src/store/meetings.ts';
import { meetingTools } from '../../src/tools/meeting-tools.ts';
import type { ToolContext } from '../../src/tools/tool.ts';
import { createTestOrg, databaseTargets } from '../helpers/db.ts';

const NOW = '2025-09-19T09:00:00+05:30';
const isValidation = (field: string) => (e: unknown) =>
  e instanceof RoomanError && e.type === 'VALIDATION_ERROR' && e.field === field;

for (const target of databaseTargets()) {
  describe(`meeting tools (${target.name})`, () => {
    let database: Database;
    let ctx: ToolContext;
    let orgId: string;
    const tools = meetingTools();

    before(async () => {
      database = await target.open();
      orgId = (await createTestOrg(database.db)).id;
      const clock = fixedClock(NOW);
      const crm = new BuiltinCrm({
        db: database.db,
        kind: database.kind,
        logger: silentLogger,
        dataDir: '/nonexistent',
        csvLogs: false,
        clock,
      });
      ctx = {
        crm: crm.gatewayFor(orgId),
        calendar: new BuiltinCalendar({ db: database.db, logger: silentLogger, clock }).calendarFor(orgId),
        now: new Date(NOW),
        timeZone: 'Asia/Kolkata',
      };
    });
    after(() => database.close());

    it('declares the four tools from their schemas', () => {
      const d = tools.declarations();
      assert.deepEqual(
        d.map((t) => t.name),
        ['scheduleMeeting', 'rescheduleMeeting', 'cancelMeeting', 'listMeetings'],
      );
      const schedule = d[0]!.parameters as { required: string[]; additionalProperties: boolean };
      assert.deepEqual(schedule.required, ['start']);
      assert.equal(schedule.additionalProperties, false);
      assert.deepEqual((d[2]!.parameters as { required: string[] }).required, ['meeting_id']);
    });

    it('schedules with the default length, reports a conflict, lists, moves and cancels', async () => {
      const review = await tools.invoke(
        'scheduleMeeting',
        {
          title: 'design review',
          start: '2025-09-20T15:00:00+05:30',
          attendees: ['Priya', 'rahul@example.com'],
        },
        ctx,
      );
      assert.equal(review.output.end, '2025-09-20T15:30:00+05:30');
      assert.deepEqual(review.output.conflicts, []);
      const sync = await tools.invoke(
        'scheduleMeeting',
        { title: 'team sync', start: '2025-09-20T15:15:00+05:30', duration_minutes: 60 },
        ctx,
      );
      assert.deepEqual(
        (sync.output.conflicts as { title: string }[]).map((c) => c.title),
        ['design review'],
      );
      const day = await tools.invoke('listMeetings', { date: '2025-09-20' }, ctx);
      assert.equal(day.output.total, 2);
      const byTitle = await tools.invoke('listMeetings', { title: 'review' }, ctx);
      assert.deepEqual(
        (byTitle.output.meetings as { title: string }[]).map((m) => m.title),
        ['design review'],
      );
      const moved = await tools.invoke(
        'rescheduleMeeting',
        { meeting_id: sync.output.meeting_id, start: '2025-09-20T17:00:00+05:30' },
        ctx,
      );
      assert.equal(moved.output.end, '2025-09-20T18:00:00+05:30', 'keeps its hour');
      assert.deepEqual(moved.output.conflicts, []);
      const cancelled = await tools.invoke('cancelMeeting', { meeting_id: review.output.meeting_id }, ctx);
      assert.equal(cancelled.output.status, 'CANCELLED');
      assert.equal((await tools.invoke('listMeetings', { date: '2025-09-20' }, ctx)).output.total, 1);
    });

    it('refuses bad input naming the field, before writing anything', async () => {
      const repo = new MeetingRepository(database.db);
      const before = await repo.count(orgId);
      await assert.rejects(
        tools.invoke('scheduleMeeting', { title: 'x', start: '2025-09-18T10:00:00+05:30' }, ctx),
        isValidation('start'),
      );
      await assert.rejects(
        tools.invoke('scheduleMeeting', { start: 'tomorrow' }, ctx),
        isValidation('start'),
      );
      await assert.rejects(
        tools.invoke('scheduleMeeting', { start: '2025-09-21T10:00:00+05:30', attendees: ['bad@'] }, ctx),
        isValidation('attendees.0'),
      );
      await assert.rejects(
        tools.invoke(
          'scheduleMeeting',
          { start: '2025-09-21T10:00:00+05:30', end: '2025-09-21T09:00:00+05:30' },
          ctx,
        ),
        isValidation('end'),
      );
      await assert.rejects(
        tools.invoke('scheduleMeeting', { start: '2025-09-21T10:00:00+05:30', recurrence: 'weekly' }, ctx),
        isValidation('recurrence'),
      );
      await assert.rejects(
        tools.invoke('cancelMeeting', { meeting_id: 'abc' }, ctx),
        isValidation('meeting_id'),
      );
      assert.equal(await repo.count(orgId), before);
      await assert.rejects(
        tools.invoke('cancelMeeting', { meeting_id: '00000000-0000-4000-8000-000000000000' }, ctx),
        (e: unknown) => e instanceof RoomanError && e.type === 'NOT_FOUND',
      );
    });
  });
}
