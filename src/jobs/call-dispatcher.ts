/**
 * Runs the outbound dialler (src/calls/dispatcher.ts) on every instance: a tick every `intervalMs` and one soon
 * after `poke()` (a call just ended, a campaign was created), never two at once in one process. Failures are
 * logged and the next tick tries again. The timer is unref'd: the dialler never keeps a process alive.
 */

import type { CallDispatcher } from '../calls/dispatcher.ts';
import type { Logger } from '../core/logger.ts';

export interface CallDispatcherJob {
  /** Asks for a tick as soon as the current one (if any) is done. */
  poke(): void;
  /** Stops the timer and waits for a tick in progress. */
  stop(): Promise<void>;
}

export function startCallDispatcher(options: {
  dispatcher: CallDispatcher;
  logger: Logger;
  /** Default 2 s: how late a scheduled call may start, at worst. */
  intervalMs?: number;
}): CallDispatcherJob {
  const { dispatcher, logger } = options;
  let running: Promise<void> = Promise.resolve();
  let queued = false;
  let stopped = false;
  const run = () => {
    if (queued || stopped) return;
    queued = true;
    running = running.then(async () => {
      queued = false;
      if (stopped) return;
      try {
        const report = await dispatcher.tick();
        if (report.placed + report.failed + report.settled > 0) logger.debug(report, 'dialler tick');
      } catch (err) {
        logger.error({ err }, 'dialler: tick failed');
      }
    });
  };
  const timer = setInterval(run, options.intervalMs ?? 2000);
  timer.unref();
  run();
  return {
    poke: run,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
