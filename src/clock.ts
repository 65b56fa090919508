/**
 * The one place the service reads the wall clock: today's date (UTC) is the
 * evaluation date of a live request (the rules take it as an argument), and
 * the epoch time deadlines are measured from.
 */
import type { IsoDate } from './clinical/types';

/** Today's date in UTC as YYYY-MM-DD. */
export function today(now: Date = new Date()): IsoDate {
  return now.toISOString().slice(0, 10);
}

/** Milliseconds since the epoch, comparable between threads (each thread's performance clock plus its own origin). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
