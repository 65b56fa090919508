/**
 * The report as one CSV file (RFC 4180: comma-separated, CRLF line ends,
 * fields with a comma, quote, CR or LF quoted, quotes doubled; a header row).
 *
 * One file, sections told apart by the first column, `section`, so a
 * spreadsheet filter or `grep` picks one out and every row has the same
 * columns (cells that do not apply to a section are empty):
 *
 *   card            one row per service and card code
 *   not-recognised  feedback on card uuids the store never saw issued (one row)
 *   total           the totals (counts include not-recognised; its rate does not)
 *   week            one row per card code and ISO week (issued, accepted, rate)
 *   week-total      one row per ISO week, all cards
 *
 * Columns: section, service, code, display, week, week_start, issued,
 * accepted, accepted_in_rate (accepted capped at issued), overridden,
 * suggestions_taken, acceptance_rate, rate_low_95, rate_high_95 (fractions
 * 0..1, four decimals; empty where no card was issued), accepted_exceeds_issued
 * (yes/no), then one column per override reason, `overridden: <display>
 * [<key>]` (card, not-recognised and total rows; the key is the reason code,
 * `system|code` for a code of another system, `(none)` for no reason given).
 *
 * Text cells that a spreadsheet would read as a formula (starting with = + -
 * @ tab or CR; a reason code comes from the EHR) get a leading apostrophe.
 */
import type { Rate, Report, WeekFigures } from './build';

const FIXED = [
  'section',
  'service',
  'code',
  'display',
  'week',
  'week_start',
  'issued',
  'accepted',
  'accepted_in_rate',
  'overridden',
  'suggestions_taken',
  'acceptance_rate',
  'rate_low_95',
  'rate_high_95',
  'accepted_exceeds_issued',
] as const;

type Cell = string | number | null;
type Row = Partial<Record<(typeof FIXED)[number], Cell>> & { reasons?: Record<string, number> };

/** One RFC 4180 field. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  let s = typeof value === 'number' ? String(value) : value;
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const fraction = (x: number | null): string | null => (x === null ? null : x.toFixed(4));
const rateCells = (r: Rate): Row => ({ acceptance_rate: fraction(r.rate), rate_low_95: fraction(r.low), rate_high_95: fraction(r.high) });
const weekCells = (w: WeekFigures): Row => ({
  week: w.week,
  week_start: w.start,
  issued: w.issued,
  accepted: w.accepted,
  accepted_in_rate: w.acceptedInRate,
  ...rateCells(w),
  accepted_exceeds_issued: w.accepted > w.issued ? 'yes' : 'no',
});
const reasonMap = (counts: { key: string; count: number }[]) => Object.fromEntries(counts.map((r) => [r.key, r.count]));

export function renderCsv(report: Report): string {
  const rows: Row[] = [];
  for (const c of report.cards) {
    rows.push({
      section: 'card',
      service: c.serviceId,
      code: c.code,
      display: c.display,
      issued: c.issued,
      accepted: c.accepted,
      accepted_in_rate: c.acceptedInRate,
      overridden: c.overridden,
      suggestions_taken: c.suggestionsTaken,
      ...rateCells(c),
      accepted_exceeds_issued: c.exceedsIssued ? 'yes' : 'no',
      reasons: reasonMap(c.overriddenByReason),
    });
  }
  const u = report.unrecognised;
  rows.push({
    section: 'not-recognised',
    display: 'card not recognised',
    accepted: u.accepted,
    overridden: u.overridden,
    suggestions_taken: u.suggestionsTaken,
    reasons: reasonMap(u.overriddenByReason),
  });
  const t = report.totals;
  rows.push({
    section: 'total',
    display: 'all cards',
    issued: t.issued,
    accepted: t.accepted,
    accepted_in_rate: t.acceptedInRate,
    overridden: t.overridden,
    suggestions_taken: t.suggestionsTaken,
    ...rateCells(t),
    accepted_exceeds_issued: t.accepted > t.issued ? 'yes' : 'no',
    reasons: reasonMap(t.overriddenByReason),
  });
  for (const c of report.cards) {
    for (const w of c.weeks) rows.push({ section: 'week', service: c.serviceId, code: c.code, display: c.display, ...weekCells(w) });
  }
  for (const w of t.weeks) rows.push({ section: 'week-total', display: 'all cards', ...weekCells(w) });

  const header = [...FIXED, ...report.reasons.map((r) => `overridden: ${r.display} [${r.key}]`)];
  const lines = [header.map(csvField).join(',')];
  const withReasons = new Set(['card', 'not-recognised', 'total']);
  for (const row of rows) {
    const fixed = FIXED.map((k) => csvField(row[k] ?? null));
    const reasons = report.reasons.map((r) => (withReasons.has(row.section as string) ? String(row.reasons?.[r.key] ?? 0) : ''));
    lines.push([...fixed, ...reasons].join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}
