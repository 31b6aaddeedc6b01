/**
 * Drives a brain turn by turn as the bot service does: the state is round-tripped through JSON between turns, and
 * each turn's idempotency key is `<session>:<turn>`.
 */
import type { Brain, BrainContext, BrainReply } from '../../../src/brains/brain.ts';
import type { CrmGateway } from '../../../src/core/crm.ts';

export class Talk {
  readonly sessionId = `s${Math.random().toString(36).slice(2, 8)}`;
  state: unknown;
  turn = 0;
  wrote = false;
  readonly #brain: Brain;
  readonly #context: Omit<BrainContext, 'idempotencyKey'>;

  constructor(brain: Brain, crm: CrmGateway, now: Date, extra: Partial<BrainContext> = {}) {
    this.#brain = brain;
    this.#context = { crm, now, timeZone: 'Asia/Kolkata', ...extra };
  }

  async say(text: string): Promise<BrainReply> {
    this.turn++;
    const outcome = await this.#brain.respond(
      { sessionId: this.sessionId, turn: this.turn, text, state: this.state },
      { ...this.#context, idempotencyKey: `${this.sessionId}:${this.turn}` },
    );
    this.state = JSON.parse(JSON.stringify(outcome.state));
    this.wrote = outcome.wrote;
    return outcome.reply;
  }
}
