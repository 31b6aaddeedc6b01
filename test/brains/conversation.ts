/**
 * Test helpers for dialogue tests: a scripted understander (for tests about the dialogue's own logic, where the
 * engine's accuracy is not the subject) and a conversation driver that round-trips the state through JSON each
 * turn, as the session store does.
 */
import type { Brain, BrainReply } from '../../src/brains/brain.ts';
import type { CrmGateway } from '../../src/core/crm.ts';
import type { Entities, Intent, Understander, Understanding } from '../../src/core/understanding.ts';

export interface Scripted {
  intent: Intent;
  entities?: Entities;
  confidence?: number;
}

/** Understands exactly the sentences it was given; anything else is UNKNOWN with no entities. */
export function scriptedUnderstander(script: Record<string, Scripted>): Understander {
  return {
    understand(text): Understanding {
      const s = script[text];
      return {
        text,
        intent: s?.intent ?? 'UNKNOWN',
        confidence: s?.confidence ?? 0.9,
        entities: s?.entities ?? {},
      };
    },
  };
}

export class Conversation {
  state: unknown;
  turn = 0;
  readonly replies: BrainReply[] = [];
  wrote = false;
  readonly #brain: Brain;
  readonly #crm: CrmGateway;
  readonly #now: Date;
  readonly #sessionId: string;

  constructor(brain: Brain, crm: CrmGateway, now: Date, sessionId = 'test-session') {
    this.#brain = brain;
    this.#crm = crm;
    this.#now = now;
    this.#sessionId = sessionId;
  }

  async say(text: string): Promise<BrainReply> {
    this.turn++;
    const outcome = await this.#brain.respond(
      { sessionId: this.#sessionId, turn: this.turn, text, state: this.state },
      {
        crm: this.#crm,
        now: this.#now,
        timeZone: 'Asia/Kolkata',
        idempotencyKey: `${this.#sessionId}:${this.turn}`,
      },
    );
    this.state = JSON.parse(JSON.stringify(outcome.state));
    this.wrote = outcome.wrote;
    this.replies.push(outcome.reply);
    return outcome.reply;
  }
}
