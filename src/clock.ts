/**
 * The one place the service reads the wall clock: today's date (UTC) is the
 * evaluation date of a live request. The rules take it as an argument.
 */
import type { IsoDate } from './clinical/types';

/** Today's date in UTC as YYYY-MM-DD. */
export function today(now: Date = new Date()): IsoDate {
  return now.toISOString().slice(0, 10);
}
