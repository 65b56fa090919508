/**
 * The committee report (issue #11): what clinicians did with each card, as a
 * plain data model. Pure: the caller reads the store and the catalogs and
 * passes the generation time; nothing here reads a file or the clock.
 *
 * Per card code and service: cards issued (the sum of the daily counts),
 * feedback accepted and overridden (overrides by coded reason), suggestions
 * taken, and the acceptance rate accepted / issued with its 95 % Wilson score
 * interval; the same per ISO week (Monday to Sunday, UTC). Feedback on a card
 * uuid the store never saw issued has its own line ("card not recognised").
 *
 * Days: a card counts on the UTC day it was issued, feedback on the UTC day of
 * its outcome timestamp. The data is filtered by the range here as well as in
 * the store, so the model never holds anything outside it.
 *
 * Nothing identifying is read or kept: only codes, counts and reason codes
 * (the store keeps no patient identifier and no comment text).
 */
import { utcDay } from '../feedback/rows';
import type { ReportData } from '../feedback/store';
import { wilsonInterval } from './wilson';

/** Display names the report shows beside the codes; a code without one is shown as itself. */
export interface ReportLabels {
  /** Card code → display (patient-view cards and order checks). */
  cards: Record<string, string>;
  /** Service id → the name the report shows (e.g. its hook), in the order the report lists services; unknown services follow, by id. */
  services?: Record<string, string>;
  /** The override-reason code system and its displays, in the order the report lists reasons. */
  reasons: { system: string; displays: Record<string, string> };
}

/** Inclusive UTC days, `YYYY-MM-DD`; open ends when absent. */
export interface ReportRange {
  since?: string;
  until?: string;
}

/** An acceptance rate: null (with its interval) when nothing was issued. */
export interface Rate {
  /** Accepted (capped at issued) / issued, 0..1. */
  rate: number | null;
  /** The 95 % Wilson score interval. */
  low: number | null;
  high: number | null;
}

/** A reason column: reasons of the override-reason system by code, others as system|code, none as `(none)`. */
export interface ReasonColumn {
  key: string;
  system: string | null;
  code: string | null;
  display: string;
}

export interface ReasonCount {
  key: string;
  display: string;
  count: number;
}

export interface WeekFigures extends Rate {
  /** ISO week, e.g. `2025-W01`. */
  week: string;
  /** Its Monday (UTC, `YYYY-MM-DD`). */
  start: string;
  issued: number;
  accepted: number;
  /** The numerator of the rate: accepted, capped at issued. */
  acceptedInRate: number;
}

interface Counts {
  issued: number;
  accepted: number;
  overridden: number;
  /** Suggestion ids taken, over all feedback items. */
  suggestionsTaken: number;
  /** Non-zero counts only, in the order of Report.reasons. */
  overriddenByReason: ReasonCount[];
}

export interface CardLine extends Counts, Rate {
  serviceId: string;
  /** The service's name from the labels (its id when it has none). */
  serviceTitle: string;
  code: string;
  display: string;
  /** The numerator of the rate: accepted, capped at issued. */
  acceptedInRate: number;
  /** More cards accepted than issued in the range (the rate counts at most the issued ones; see the footnotes). */
  exceedsIssued: boolean;
  /** Every week of Report.weeks, in order. */
  weeks: WeekFigures[];
}

/** Feedback on card uuids the store never saw issued: no code, so no rate. */
export interface UnrecognisedLine {
  accepted: number;
  overridden: number;
  suggestionsTaken: number;
  overriddenByReason: ReasonCount[];
}

export interface TotalsLine extends Counts, Rate {
  /** The sum of the cards' capped numerators (feedback on unrecognised cards is not in it). */
  acceptedInRate: number;
  weeks: WeekFigures[];
}

export interface Report {
  title: string;
  /** ISO 8601, as passed in. */
  generatedAt: string;
  range: { since: string | null; until: string | null };
  confidenceLevel: 0.95;
  intervalMethod: 'Wilson score';
  /** Every ISO week from the first to the last with data in the range (empty weeks between included). */
  weeks: { week: string; start: string }[];
  /** Known reasons (all, in the labels' order), then other reasons seen, then `(none)` if seen. */
  reasons: ReasonColumn[];
  /** One line per service and card code with issued cards or feedback in the range. */
  cards: CardLine[];
  unrecognised: UnrecognisedLine;
  totals: TotalsLine;
  footnotes: string[];
}

export const REPORT_TITLE = 'Relapsed ALL CDS: card acceptance report';
export const NO_REASON_KEY = '(none)';
const DAY_MS = 86_400_000;

/** The ISO week (Monday start, UTC) of a `YYYY-MM-DD` day: `{ week: 'YYYY-Www', start: Monday }`. */
export function isoWeek(day: string): { week: string; start: string } {
  const [y, m, d] = day.split('-').map(Number);
  const t = Date.UTC(y, m - 1, d);
  const monday = t - ((new Date(t).getUTCDay() + 6) % 7) * DAY_MS;
  // The week belongs to the year of its Thursday; week 1 holds the year's first Thursday.
  const thursday = new Date(monday + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const n = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY_MS / 7) + 1;
  return { week: `${year}-W${String(n).padStart(2, '0')}`, start: new Date(monday).toISOString().slice(0, 10) };
}

export function rateOf(acceptedInRate: number, issued: number): Rate {
  const interval = wilsonInterval(acceptedInRate, issued);
  return interval ? { rate: acceptedInRate / issued, low: interval.low, high: interval.high } : { rate: null, low: null, high: null };
}

interface Acc {
  issued: number;
  accepted: number;
  overridden: number;
  suggestionsTaken: number;
  reasons: Map<string, number>;
  /** Week start → issued, accepted. */
  weeks: Map<string, { issued: number; accepted: number }>;
}

const newAcc = (): Acc => ({ issued: 0, accepted: 0, overridden: 0, suggestionsTaken: 0, reasons: new Map(), weeks: new Map() });

function weekOf(acc: Acc, start: string): { issued: number; accepted: number } {
  let w = acc.weeks.get(start);
  if (!w) acc.weeks.set(start, (w = { issued: 0, accepted: 0 }));
  return w;
}

export function buildReport(data: ReportData, labels: ReportLabels, range: ReportRange, generatedAt: string): Report {
  const inRange = (day: string) => (range.since === undefined || day >= range.since) && (range.until === undefined || day <= range.until);
  const reasonSystem = labels.reasons.system;
  const reasonColumns = new Map<string, ReasonColumn>();
  for (const [code, display] of Object.entries(labels.reasons.displays)) reasonColumns.set(code, { key: code, system: reasonSystem, code, display });
  const seenReasons = new Map<string, ReasonColumn>();

  const lines = new Map<string, { serviceId: string; code: string; acc: Acc }>();
  const line = (serviceId: string, code: string): Acc => {
    const key = JSON.stringify([serviceId, code]);
    let l = lines.get(key);
    if (!l) lines.set(key, (l = { serviceId, code, acc: newAcc() }));
    return l.acc;
  };
  const unrecognised = newAcc();
  const weekStarts = new Map<string, string>();
  const week = (day: string): string => {
    const w = isoWeek(day);
    weekStarts.set(w.start, w.week);
    return w.start;
  };

  for (const i of data.issued) {
    if (!inRange(i.day)) continue;
    const acc = line(i.serviceId, i.code);
    acc.issued += i.count;
    weekOf(acc, week(i.day)).issued += i.count;
  }
  for (const f of data.feedback) {
    const day = utcDay(f.outcomeTimestamp);
    if (!inRange(day)) continue;
    const acc = f.code === null ? unrecognised : line(f.serviceId, f.code);
    const w = weekOf(acc, week(day));
    acc.suggestionsTaken += f.acceptedSuggestions.length;
    if (f.outcome === 'accepted') {
      acc.accepted++;
      w.accepted++;
      continue;
    }
    acc.overridden++;
    const reason = reasonColumn(f.reasonSystem, f.reasonCode, reasonSystem, labels.reasons.displays);
    if (!reasonColumns.has(reason.key)) seenReasons.set(reason.key, reason);
    acc.reasons.set(reason.key, (acc.reasons.get(reason.key) ?? 0) + 1);
  }

  const reasons = [
    ...reasonColumns.values(),
    ...[...seenReasons.values()].filter((r) => r.key !== NO_REASON_KEY).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)),
    ...(seenReasons.has(NO_REASON_KEY) ? [seenReasons.get(NO_REASON_KEY)!] : []),
  ];
  const reasonCounts = (counts: Map<string, number>): ReasonCount[] =>
    reasons.filter((r) => (counts.get(r.key) ?? 0) > 0).map((r) => ({ key: r.key, display: r.display, count: counts.get(r.key)! }));

  const weeks = allWeeks([...weekStarts.keys()]).map((start) => ({ week: weekStarts.get(start) ?? isoWeek(start).week, start }));
  const weekFigures = (acc: Acc): WeekFigures[] =>
    weeks.map(({ week, start }) => {
      const { issued, accepted } = acc.weeks.get(start) ?? { issued: 0, accepted: 0 };
      const acceptedInRate = Math.min(accepted, issued);
      return { week, start, issued, accepted, acceptedInRate, ...rateOf(acceptedInRate, issued) };
    });

  const services = labels.services ?? {};
  const serviceOrder = Object.keys(services);
  const serviceRank = (id: string) => (serviceOrder.includes(id) ? serviceOrder.indexOf(id) : serviceOrder.length);
  const cards: CardLine[] = [...lines.values()]
    .map(({ serviceId, code, acc }): CardLine => {
      const acceptedInRate = Math.min(acc.accepted, acc.issued);
      return {
        serviceId,
        serviceTitle: services[serviceId] ?? serviceId,
        code,
        display: labels.cards[code] ?? code,
        issued: acc.issued,
        accepted: acc.accepted,
        overridden: acc.overridden,
        suggestionsTaken: acc.suggestionsTaken,
        overriddenByReason: reasonCounts(acc.reasons),
        acceptedInRate,
        exceedsIssued: acc.accepted > acc.issued,
        ...rateOf(acceptedInRate, acc.issued),
        weeks: weekFigures(acc),
      };
    })
    .sort(
      (a, b) =>
        serviceRank(a.serviceId) - serviceRank(b.serviceId) ||
        compare(a.serviceId, b.serviceId) ||
        a.display.localeCompare(b.display, 'en') ||
        compare(a.code, b.code),
    );

  const totalReasons = new Map<string, number>();
  for (const acc of [...[...lines.values()].map((l) => l.acc), unrecognised]) {
    for (const [k, n] of acc.reasons) totalReasons.set(k, (totalReasons.get(k) ?? 0) + n);
  }
  const sum = (f: (c: CardLine) => number) => cards.reduce((n, c) => n + f(c), 0);
  const totalIssued = sum((c) => c.issued);
  const totalInRate = sum((c) => c.acceptedInRate);
  const totals: TotalsLine = {
    issued: totalIssued,
    accepted: sum((c) => c.accepted) + unrecognised.accepted,
    overridden: sum((c) => c.overridden) + unrecognised.overridden,
    suggestionsTaken: sum((c) => c.suggestionsTaken) + unrecognised.suggestionsTaken,
    overriddenByReason: reasonCounts(totalReasons),
    acceptedInRate: totalInRate,
    ...rateOf(totalInRate, totalIssued),
    weeks: weeks.map(({ week, start }, i) => {
      const issued = cards.reduce((n, c) => n + c.weeks[i].issued, 0);
      const acceptedInRate = cards.reduce((n, c) => n + c.weeks[i].acceptedInRate, 0);
      return { week, start, issued, accepted: cards.reduce((n, c) => n + c.weeks[i].accepted, 0), acceptedInRate, ...rateOf(acceptedInRate, issued) };
    }),
  };

  return {
    title: REPORT_TITLE,
    generatedAt,
    range: { since: range.since ?? null, until: range.until ?? null },
    confidenceLevel: 0.95,
    intervalMethod: 'Wilson score',
    weeks,
    reasons,
    cards,
    unrecognised: {
      accepted: unrecognised.accepted,
      overridden: unrecognised.overridden,
      suggestionsTaken: unrecognised.suggestionsTaken,
      overriddenByReason: reasonCounts(unrecognised.reasons),
    },
    totals,
    footnotes: footnotes(cards, totals, unrecognised),
  };
}

function reasonColumn(system: string | null, code: string | null, knownSystem: string, displays: Record<string, string>): ReasonColumn {
  if (code === null) return { key: NO_REASON_KEY, system: null, code: null, display: 'No reason given' };
  // A code without a system is read as one of ours (FHIR leaves it ambiguous; ours is the only system offered).
  if (system === null || system === knownSystem) {
    return { key: code, system: knownSystem, code, display: Object.hasOwn(displays, code) ? displays[code] : code };
  }
  return { key: `${system}|${code}`, system, code, display: `${code} (${system})` };
}

/** Every Monday from the first to the last of `starts` (Mondays, `YYYY-MM-DD`). */
function allWeeks(starts: string[]): string[] {
  if (starts.length === 0) return [];
  const sorted = [...starts].sort();
  const out: string[] = [];
  const last = Date.parse(`${sorted[sorted.length - 1]}T00:00:00Z`);
  for (let t = Date.parse(`${sorted[0]}T00:00:00Z`); t <= last; t += 7 * DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function footnotes(cards: CardLine[], totals: TotalsLine, unrecognised: Acc): string[] {
  const notes = [
    'Acceptance rate = accepted / issued, with its 95 % Wilson score interval; "–" where no card was issued. ' +
      'A card counts on the UTC day it was issued, feedback on the UTC day of its outcome; weeks are ISO weeks (Monday to Sunday, UTC).',
  ];
  const over = cards.filter((c) => c.exceedsIssued);
  if (over.length > 0) {
    notes.push(
      `More cards were accepted than issued in the range for ${over
        .map((c) => `${c.display} [${c.code}, ${c.serviceId}] (${c.accepted} accepted, ${c.issued} issued)`)
        .join('; ')}: the rate counts at most the cards issued (accepted is capped at issued). ` +
        'Feedback can refer to a card issued before the start of the range.',
    );
  }
  if (cards.some((c) => c.weeks.some((w) => w.accepted > w.issued))) {
    notes.push('In some weeks more cards were accepted than issued that week (feedback given in a later week); the weekly rate caps accepted at issued.');
  }
  const n = unrecognised.accepted + unrecognised.overridden;
  if (n > 0) {
    notes.push(
      `${plural(n, 'feedback item refers', 'feedback items refer')} to a card this service never recorded as issued ("card not recognised"): ` +
        'counted in the totals, but in no card’s figures and not in any rate.',
    );
  }
  if (totals.accepted > totals.acceptedInRate && totals.issued > 0) {
    notes.push(`The overall rate counts ${totals.acceptedInRate} of the ${totals.accepted} accepted (see above).`);
  }
  return notes;
}
