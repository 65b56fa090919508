import type { IsoDate } from './types';

/** Whole calendar months from `from` to `to` (floor), e.g. 2020-01-15 -> 2023-01-14 is 35. */
export function monthsBetween(from: IsoDate, to: IsoDate): number {
  const [fy, fm, fd] = parts(from);
  const [ty, tm, td] = parts(to);
  let months = (ty - fy) * 12 + (tm - fm);
  if (td < fd) months -= 1;
  return months;
}

/** Whole years from `from` to `to` (floor): an age. */
export function yearsBetween(from: IsoDate, to: IsoDate): number {
  return Math.floor(monthsBetween(from, to) / 12);
}

/** `date` plus `days` (negative to go back). */
export function addDays(date: IsoDate, days: number): IsoDate {
  // Pure and called for every dated fact with a handful of offsets: remembered (bounded).
  const key = `${date}|${days}`;
  const known = ADD_DAYS.get(key);
  if (known !== undefined) return known;
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  const out = d.toISOString().slice(0, 10);
  if (ADD_DAYS.size >= 10_000) ADD_DAYS.clear();
  ADD_DAYS.set(key, out);
  return out;
}
const ADD_DAYS = new Map<string, IsoDate>();

/** `date` plus whole calendar months. */
export function addMonths(date: IsoDate, months: number): IsoDate {
  const [y, m, d] = parts(date);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const lastDay = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${String(ny).padStart(4, '0')}-${String(nm).padStart(2, '0')}-${String(Math.min(d, lastDay)).padStart(2, '0')}`;
}

/** Days from `from` to `to`. */
export function daysBetween(from: IsoDate, to: IsoDate): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

export function isOnOrAfter(date: IsoDate, anchor: IsoDate): boolean {
  return date >= anchor;
}

/** Latest item by date (undated items never win). */
export function latest<T extends { date?: IsoDate }>(items: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (item.date === undefined) continue;
    if (best === undefined || item.date > (best.date as IsoDate)) best = item;
  }
  return best;
}

/** Earliest item by date (undated items never win). */
export function earliest<T extends { date?: IsoDate }>(items: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (item.date === undefined) continue;
    if (best === undefined || item.date < (best.date as IsoDate)) best = item;
  }
  return best;
}

function parts(date: IsoDate): [number, number, number] {
  const [y, m, d] = date.split('-').map(Number);
  return [y, m, d];
}
