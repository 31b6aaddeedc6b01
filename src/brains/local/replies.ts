/** The fixed things the local brain says, kept together so the wording stays consistent and short. */
import { listInWords } from './speech.ts';
import type { TaskDefinition } from './task.ts';

export const capabilities = (tasks: readonly TaskDefinition[]) =>
  `I can ${listInWords(tasks.map((t) => t.capability))}.`;

/** A few examples, not all: a spoken answer that lists eight sentences is one nobody listens to the end of. */
const examples = (tasks: readonly TaskDefinition[], count: number) =>
  tasks
    .slice(0, count)
    .map((t) => `"${t.example}"`)
    .join(', or ');

export const help = (tasks: readonly TaskDefinition[]) =>
  `${capabilities(tasks)} For example: ${examples(tasks, 3)}.`;

export const greeting = (tasks: readonly TaskDefinition[]) =>
  `Hello! ${capabilities(tasks)} What would you like to do?`;

export const notUnderstood = (tasks: readonly TaskDefinition[]) =>
  `Sorry, I didn't understand that. ${capabilities(tasks)} For example: ${examples(tasks, 1)}.`;

export const notYet = (tasks: readonly TaskDefinition[]) => `I can't do that yet. ${capabilities(tasks)}`;

export const GOODBYE = 'Goodbye!';
export const NOTHING_TO_CONFIRM = "There's nothing waiting for a yes or no.";
export const DROPPED = "Okay, I've dropped that.";
export const SAY_YES_OR_NO = 'Please say yes or no.';
export const CRM_DOWN = 'The CRM is not answering, please try again in a moment. Say yes to try again.';
export const CRM_REFUSED = 'Sorry, the CRM could not do that.';
