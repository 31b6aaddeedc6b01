/**
 * Which way round a numeric date is read when the organisation has not said: the United States writes 5/10 for
 * May 10, India (our default) and most of the world for 5 October. A date whose order is plain from its numbers
 * (13/4, 4/13) reads the same either way.
 */
import type { UnderstandingContext } from '../../../core/understanding.ts';
import type { DateOrder } from './parsers.ts';

const US_ZONE =
  /^(?:US\/|America\/(?:New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Juneau|Sitka|Yakutat|Nome|Metlakatla|Adak|Boise|Detroit|Menominee|Indiana\/|Kentucky\/|North_Dakota\/|Louisville|Indianapolis|Fort_Wayne|Knox_IN|Shiprock|Atka)|Pacific\/Honolulu$|(?:EST5EDT|CST6CDT|MST7MDT|PST8PDT)$)/;

export function dateOrderOf(ctx: UnderstandingContext): DateOrder {
  if (ctx.dateOrder) return ctx.dateOrder;
  return US_ZONE.test(ctx.tz) ? 'month-first' : 'day-first';
}
