/** A date or time said in an utterance, resolved to wall-clock values in the business time zone. */
import type { DateTime } from 'luxon';

/** How precisely a mention names a moment: "tomorrow" is a day, "at 3" an hour, "3:30" a minute. */
export type Grain = 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';

export interface TimeMention {
  /** The words that said it, and where they start in the text searched. */
  text: string;
  index: number;
  start: DateTime;
  grain: Grain;
  /** A time of day was said (or implied by "morning", "in two hours"); otherwise only a day is meant. */
  hasTime: boolean;
  /** A day was said ("tomorrow", "Friday", "the 5th"), not just a time that falls on today or tomorrow. */
  daySaid: boolean;
  end?: DateTime;
  endHasTime?: boolean;
  /**
   * For an offset from now in days or more ("in 7 days", "a week ago"): the exact instant said, now moved by the
   * offset. The entities take the day (`start`); resolveInstant reports this instant.
   */
  instant?: DateTime;
}

export const TIME_GRAINS: ReadonlySet<Grain> = new Set(['second', 'minute', 'hour']);
