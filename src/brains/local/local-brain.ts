/**
 * The offline brain: the built-in understanding engine plus a slot-filling dialogue over the CRM tools. No model,
 * no network besides the CRM; state lives in the session so any instance can take the next turn.
 */
import type { Logger } from '../../core/logger.ts';
import type { Understander } from '../../core/understanding.ts';
import { crmTools } from '../../tools/crm-tools.ts';
import type { ToolRegistry } from '../../tools/registry.ts';
import type { Brain, BrainContext, BrainOutcome, BrainTurn } from '../brain.ts';
import { DialogueTurn } from './dialogue.ts';
import { readState } from './state.ts';
import type { TaskDefinition } from './task.ts';
import { CRM_TASKS } from './tasks/index.ts';

export interface LocalBrainOptions {
  understander: Understander;
  /** Default: the CRM tools. */
  tools?: ToolRegistry;
  /** Default: the CRM tasks (create lead, schedule visit, update status). */
  tasks?: readonly TaskDefinition[];
  logger?: Logger;
}

export class LocalBrain implements Brain {
  readonly #understander: Understander;
  readonly #tools: ToolRegistry;
  readonly #tasks: ReadonlyMap<string, TaskDefinition>;
  readonly #logger: Logger | undefined;

  constructor(options: LocalBrainOptions) {
    this.#understander = options.understander;
    this.#tools = options.tools ?? crmTools();
    const tasks = options.tasks ?? CRM_TASKS;
    for (const task of tasks) {
      if (!this.#tools.has(task.tool))
        throw new Error(`Task ${task.intent} needs tool ${task.tool}, not registered`);
    }
    this.#tasks = new Map(tasks.map((t) => [t.intent, t]));
    this.#logger = options.logger;
  }

  async respond(turn: BrainTurn, context: BrainContext): Promise<BrainOutcome> {
    const state = readState(turn.state);
    const understanding = this.#understander.understand(turn.text, {
      now: context.now,
      tz: context.timeZone,
    });
    const dialogue = new DialogueTurn(
      state,
      understanding,
      { tasks: this.#tasks, tools: this.#tools, logger: this.#logger },
      { ...context, turn: turn.turn },
    );
    const reply = await dialogue.run();
    return { reply, state: dialogue.state, wrote: dialogue.wrote };
  }
}
