import type { TaskDefinition } from '../task.ts';
import { leadCreateTask } from './lead-create.ts';
import { leadUpdateTask } from './lead-update.ts';
import { visitScheduleTask } from './visit-schedule.ts';

/** The CRM tasks of seed 003, in the order they are offered. */
export const CRM_TASKS: readonly TaskDefinition[] = [leadCreateTask, visitScheduleTask, leadUpdateTask];
