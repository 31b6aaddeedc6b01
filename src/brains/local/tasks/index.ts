import type { TaskDefinition } from '../task.ts';
import { leadCreateTask } from './lead-create.ts';
import { leadUpdateTask } from './lead-update.ts';
import { meetingCancelTask } from './meeting-cancel.ts';
import { meetingQueryTask } from './meeting-query.ts';
import { meetingRescheduleTask } from './meeting-reschedule.ts';
import { meetingScheduleTask } from './meeting-schedule.ts';
import { messageSendTask } from './message-send.ts';
import { visitScheduleTask } from './visit-schedule.ts';

/** The CRM tasks of seed 003, in the order they are offered. */
export const CRM_TASKS: readonly TaskDefinition[] = [leadCreateTask, visitScheduleTask, leadUpdateTask];

/** The meeting tasks (schedule, reschedule, cancel, query): they need the meeting tools and a calendar. */
export const MEETING_TASKS: readonly TaskDefinition[] = [
  meetingScheduleTask,
  meetingRescheduleTask,
  meetingCancelTask,
  meetingQueryTask,
];

/** Sending messages: needs the sendMessage tool and a message channel. */
export const MESSAGE_TASKS: readonly TaskDefinition[] = [messageSendTask];

/** Everything the local brain can do when the product has a calendar and an outbox. */
export const ALL_TASKS: readonly TaskDefinition[] = [...CRM_TASKS, ...MEETING_TASKS, ...MESSAGE_TASKS];
