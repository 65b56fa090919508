/**
 * The committee report (issue #11): known data in, figures worked out by hand
 * here (the arithmetic is in the comments), out of buildReport, the Wilson
 * interval, the CSV and the HTML.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, isoWeek, type ReportLabels } from '../../../src/report/build';
import { loadLabels, parseReportArgs } from '../../../src/report/cli';
import { csvField, renderCsv } from '../../../src/report/csv';
import { esc, renderHtml } from '../../../src/report/html';
import { wilsonInterval, Z_95 } from '../../../src/report/wilson';
import type { Issuance, ReportData, StoredFeedback } from '../../../src/feedback/store';

const REASONS = 'https://relapsed-all-cds.org/fhir/CodeSystem/override-reason';
const PV = 'relapsed-all-patient-view';
const SIGN = 'relapsed-all-order-sign';
const TRICKY = 'TKI without "T315I", activity';

const labels: ReportLabels = {
  cards: { 'hsct-evaluation': 'HSCT evaluation', 'mrd-assessment': 'MRD assessment', 'order-tki-t315i': TRICKY },
  services: { [PV]: 'Patient view', [SIGN]: 'Order sign' },
  reasons: { system: REASONS, displays: { 'trial-protocol': 'On a trial protocol', 'patient-declined': 'Patient declined', other: 'Other' } },
};

let uuid = 0;
function fb(
  serviceId: string,
  code: string | null,
  outcome: 'accepted' | 'overridden',
  outcomeTimestamp: string,
  opts: { suggestions?: string[]; reason?: [string | null, string | null] } = {},
): StoredFeedback {
  uuid++;
  return {
    serviceId,
    cardUuid: `00000000-0000-5000-8000-${String(uuid).padStart(12, '0')}`,
    code,
    outcome,
    acceptedSuggestions: opts.suggestions ?? [],
    reasonSystem: opts.reason?.[0] ?? null,
    reasonCode: opts.reason?.[1] ?? null,
    commentLength: outcome === 'overridden' ? 12 : null,
    outcomeTimestamp,
    receivedAt: outcomeTimestamp,
  };
}
const iss = (day: string, serviceId: string, code: string, count: number): Issuance => ({ day, serviceId, code, count });

/**
 * The range: 2020-12-21 (Monday of 2020-W52) to 2021-01-10 (Sunday of 2021-W01),
 * across the year boundary: 2020 has 53 ISO weeks (a leap year that began on a
 * Wednesday), 2020-W53 being 2020-12-28 to 2021-01-03.
 */
const RANGE = { since: '2020-12-21', until: '2021-01-10' };

const data: ReportData = {
  issued: [
    iss('2020-12-20', PV, 'hsct-evaluation', 100), // the day before the range: left out
    iss('2020-12-22', PV, 'hsct-evaluation', 5), // W52
    iss('2020-12-29', SIGN, 'order-tki-t315i', 4), // W53
    iss('2020-12-31', PV, 'hsct-evaluation', 6), // W53
    iss('2021-01-03', PV, 'hsct-evaluation', 3), // W53 (a Sunday)
    iss('2021-01-05', PV, 'hsct-evaluation', 6), // 2021-W01
    iss('2021-01-11', SIGN, 'order-tki-t315i', 50), // the day after: left out
  ],
  feedback: [
    // HSCT evaluation: 7 accepted (W52 2, W53 2, W01 3), 5 suggestions taken (1 + 2 + 1 + 1)
    fb(PV, 'hsct-evaluation', 'accepted', '2020-12-22T10:00:00Z', { suggestions: ['s1'] }),
    fb(PV, 'hsct-evaluation', 'accepted', '2020-12-23T10:00:00Z'),
    fb(PV, 'hsct-evaluation', 'accepted', '2020-12-30T10:00:00Z', { suggestions: ['s1', 's2'] }),
    fb(PV, 'hsct-evaluation', 'accepted', '2021-01-01T10:00:00Z', { suggestions: ['s1'] }),
    // 23:30 at UTC-2 on Sunday 3 January is 01:30 UTC on Monday 4 January: 2021-W01, not 2020-W53
    fb(PV, 'hsct-evaluation', 'accepted', '2021-01-03T23:30:00-02:00', { suggestions: ['s1'] }),
    fb(PV, 'hsct-evaluation', 'accepted', '2021-01-06T08:00:00Z'),
    fb(PV, 'hsct-evaluation', 'accepted', '2021-01-10T23:59:59Z'),
    // ... 5 overridden: trial-protocol 3 (one without a system: read as ours), patient-declined 1, no reason 1
    fb(PV, 'hsct-evaluation', 'overridden', '2020-12-24T09:00:00Z', { reason: [REASONS, 'trial-protocol'] }),
    fb(PV, 'hsct-evaluation', 'overridden', '2020-12-31T09:00:00Z', { reason: [null, 'trial-protocol'] }),
    fb(PV, 'hsct-evaluation', 'overridden', '2021-01-02T09:00:00Z', { reason: [REASONS, 'trial-protocol'] }),
    fb(PV, 'hsct-evaluation', 'overridden', '2021-01-07T09:00:00Z', { reason: [REASONS, 'patient-declined'] }),
    fb(PV, 'hsct-evaluation', 'overridden', '2021-01-08T09:00:00Z'),
    // ... and two outside the range: 00:30 at UTC+1 on 21 December is 20 December UTC; 11 January
    fb(PV, 'hsct-evaluation', 'accepted', '2020-12-21T00:30:00+01:00'),
    fb(PV, 'hsct-evaluation', 'overridden', '2021-01-11T00:00:00Z', { reason: [REASONS, 'other'] }),
    // TKI check: 5 accepted (W53 3, W01 2) against 4 issued; 1 overridden with another system's code
    fb(SIGN, 'order-tki-t315i', 'accepted', '2020-12-29T12:00:00Z'),
    fb(SIGN, 'order-tki-t315i', 'accepted', '2020-12-30T12:00:00Z'),
    fb(SIGN, 'order-tki-t315i', 'accepted', '2020-12-31T12:00:00Z'),
    fb(SIGN, 'order-tki-t315i', 'accepted', '2021-01-04T12:00:00Z'),
    fb(SIGN, 'order-tki-t315i', 'accepted', '2021-01-05T12:00:00Z'),
    fb(SIGN, 'order-tki-t315i', 'overridden', '2021-01-05T13:00:00Z', { reason: ['http://example.org/reasons', 'local-1'] }),
    // MRD assessment: issued before the range (no issuance in it), overridden once in it
    fb(PV, 'mrd-assessment', 'overridden', '2021-01-09T12:00:00Z', { reason: [REASONS, 'other'] }),
    // Card uuids the store never saw issued: 2 accepted (1 suggestion), 1 overridden
    fb(PV, null, 'accepted', '2020-12-22T12:00:00Z'),
    fb(PV, null, 'accepted', '2021-01-02T12:00:00Z', { suggestions: ['x'] }),
    fb(SIGN, null, 'overridden', '2021-01-03T12:00:00Z', { reason: [REASONS, 'trial-protocol'] }),
  ],
};

const GENERATED = '2021-01-15T08:30:00.000Z';
const report = buildReport(data, labels, RANGE, GENERATED);
const card = (code: string) => {
  const c = report.cards.find((x) => x.code === code);
  if (!c) throw new Error(`no line for ${code}`);
  return c;
};

describe('wilsonInterval', () => {
  it('7 of 20, worked by hand', () => {
    // n = 20, p = 0.35, z = 1.959964, z² = 3.841459
    // denominator = 1 + z²/n = 1 + 0.192073 = 1.192073
    // centre = (p + z²/2n) / denominator = (0.35 + 0.096036) / 1.192073 = 0.374169
    // half = z / denominator · √(p(1−p)/n + z²/4n²) = 1.644164 · √(0.011375 + 0.002401) = 1.644164 · 0.117371 = 0.192977
    // low = 0.374169 − 0.192977 = 0.181192; high = 0.374169 + 0.192977 = 0.567146
    const ci = wilsonInterval(7, 20)!;
    expect(ci.low).toBeCloseTo(0.181192, 5);
    expect(ci.high).toBeCloseTo(0.567146, 5);
  });

  it('all and none: the bound at the end is exact, the other is n/(n + z²) from it', () => {
    // 4 of 4: centre ± half = (1 + z²/8 ± z²/8) / (1 + z²/4) → low = 4 / (4 + 3.841459) = 0.510109, high = 1
    expect(wilsonInterval(4, 4)).toEqual({ low: expect.closeTo(0.510109, 5), high: 1 });
    // 0 of 10: low = 0, high = z² / (10 + z²) = 3.841459 / 13.841459 = 0.277533
    expect(wilsonInterval(0, 10)).toEqual({ low: 0, high: expect.closeTo(0.277533, 5) });
  });

  it('is undefined with no trials, and refuses impossible counts', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(1.5, 4)).toThrow(RangeError);
    expect(Z_95).toBeCloseTo(1.959964, 6);
  });
});

describe('isoWeek', () => {
  it.each([
    ['2020-12-21', '2020-W52', '2020-12-21'],
    ['2020-12-28', '2020-W53', '2020-12-28'],
    ['2021-01-03', '2020-W53', '2020-12-28'], // a Sunday in January, still the last week of 2020
    ['2021-01-04', '2021-W01', '2021-01-04'],
    ['2019-12-30', '2020-W01', '2019-12-30'], // a Monday in December, already the first week of 2020
    ['2024-12-31', '2025-W01', '2024-12-30'],
    ['2027-01-01', '2026-W53', '2026-12-28'], // 2026 starts on a Thursday: 53 weeks
    ['2021-06-15', '2021-W24', '2021-06-14'],
  ])('%s is in %s (Monday %s)', (day, week, start) => {
    expect(isoWeek(day)).toEqual({ week, start });
  });
});

describe('buildReport', () => {
  it('lists each service and card code with data in the range, services in the labels order, then by display', () => {
    expect(report.cards.map((c) => [c.serviceId, c.code])).toEqual([
      [PV, 'hsct-evaluation'],
      [PV, 'mrd-assessment'],
      [SIGN, 'order-tki-t315i'],
    ]);
    expect(report.cards.map((c) => c.display)).toEqual(['HSCT evaluation', 'MRD assessment', TRICKY]);
    expect(card('hsct-evaluation').serviceTitle).toBe('Patient view');
    expect(report.range).toEqual({ since: '2020-12-21', until: '2021-01-10' });
    expect(report.generatedAt).toBe(GENERATED);
  });

  it('HSCT evaluation: 20 issued, 7 accepted, 5 overridden by reason, 5 suggestions, 35 % (18.1–56.7 %)', () => {
    const c = card('hsct-evaluation');
    // issued 5 + 6 + 3 + 6 = 20 (the 100 of 20 December is outside the range)
    expect(c.issued).toBe(20);
    expect(c.accepted).toBe(7);
    expect(c.acceptedInRate).toBe(7);
    expect(c.exceedsIssued).toBe(false);
    expect(c.overridden).toBe(5);
    expect(c.suggestionsTaken).toBe(5);
    expect(c.overriddenByReason).toEqual([
      { key: 'trial-protocol', display: 'On a trial protocol', count: 3 },
      { key: 'patient-declined', display: 'Patient declined', count: 1 },
      { key: '(none)', display: 'No reason given', count: 1 },
    ]);
    // 7 / 20 = 0.35; the interval as worked out above
    expect(c.rate).toBe(0.35);
    expect(c.low).toBeCloseTo(0.181192, 5);
    expect(c.high).toBeCloseTo(0.567146, 5);
  });

  it('accepted above issued is capped at issued for the rate, and a footnote says so', () => {
    const c = card('order-tki-t315i');
    expect(c.issued).toBe(4);
    expect(c.accepted).toBe(5);
    expect(c.acceptedInRate).toBe(4);
    expect(c.exceedsIssued).toBe(true);
    // 4 / 4 = 1; low = 4 / (4 + z²) = 0.510109
    expect(c.rate).toBe(1);
    expect(c.low).toBeCloseTo(0.510109, 5);
    expect(c.high).toBe(1);
    expect(c.overriddenByReason).toEqual([{ key: 'http://example.org/reasons|local-1', display: 'local-1 (http://example.org/reasons)', count: 1 }]);
    expect(report.footnotes.join('\n')).toContain(`${TRICKY} [order-tki-t315i, ${SIGN}] (5 accepted, 4 issued)`);
    expect(report.footnotes.join('\n')).toMatch(/weekly rate caps accepted at issued/);
  });

  it('the rate is undefined when nothing was issued', () => {
    const c = card('mrd-assessment');
    expect(c).toMatchObject({ issued: 0, accepted: 0, overridden: 1, acceptedInRate: 0, rate: null, low: null, high: null, exceedsIssued: false });
    expect(c.overriddenByReason).toEqual([{ key: 'other', display: 'Other', count: 1 }]);
  });

  it('feedback on unknown card uuids is a line of its own', () => {
    expect(report.unrecognised).toEqual({
      accepted: 2,
      overridden: 1,
      suggestionsTaken: 1,
      overriddenByReason: [{ key: 'trial-protocol', display: 'On a trial protocol', count: 1 }],
    });
    expect(report.footnotes.join('\n')).toMatch(/^3 feedback items refer to a card this service never recorded as issued/m);
  });

  it('totals: counts sum every line, the rate sums the capped numerators', () => {
    const t = report.totals;
    expect(t.issued).toBe(24); // 20 + 0 + 4
    expect(t.accepted).toBe(14); // 7 + 0 + 5 + 2 not recognised
    expect(t.overridden).toBe(8); // 5 + 1 + 1 + 1 not recognised
    expect(t.suggestionsTaken).toBe(6); // 5 + 0 + 0 + 1
    expect(t.acceptedInRate).toBe(11); // 7 + 0 + min(5, 4)
    // 11 / 24 = 0.458333; z² = 3.841459, denominator = 1 + 3.841459/24 = 1.160061
    // centre = (0.458333 + 0.080030) / 1.160061 = 0.464082
    // half = 1.689536 · √(0.458333 · 0.541667 / 24 + 3.841459 / 2304) = 1.689536 · √(0.010344 + 0.001667) = 1.689536 · 0.109598 = 0.185169
    // low = 0.278913, high = 0.649251
    expect(t.rate).toBeCloseTo(0.458333, 6);
    expect(t.low).toBeCloseTo(0.278913, 5);
    expect(t.high).toBeCloseTo(0.649251, 5);
    expect(t.overriddenByReason.map((r) => [r.key, r.count])).toEqual([
      ['trial-protocol', 4], // 3 + 1 not recognised
      ['patient-declined', 1],
      ['other', 1],
      ['http://example.org/reasons|local-1', 1],
      ['(none)', 1],
    ]);
    expect(report.footnotes.join('\n')).toContain('The overall rate counts 11 of the 14 accepted');
  });

  it('reason columns: every known reason in the labels order, then others seen, then none', () => {
    expect(report.reasons.map((r) => r.key)).toEqual(['trial-protocol', 'patient-declined', 'other', 'http://example.org/reasons|local-1', '(none)']);
  });

  it('weekly buckets across the year boundary (ISO weeks, Monday start, UTC)', () => {
    expect(report.weeks).toEqual([
      { week: '2020-W52', start: '2020-12-21' },
      { week: '2020-W53', start: '2020-12-28' },
      { week: '2021-W01', start: '2021-01-04' },
    ]);
    const hsct = card('hsct-evaluation').weeks;
    // W52: 5 issued, 2 accepted → 2/5 = 0.4; W53: 6 + 3 = 9 issued, 2 accepted; W01: 6 issued, 3 accepted (incl. the UTC-2 one)
    expect(hsct.map((w) => [w.week, w.issued, w.accepted, w.rate])).toEqual([
      ['2020-W52', 5, 2, 0.4],
      ['2020-W53', 9, 2, 2 / 9],
      ['2021-W01', 6, 3, 0.5],
    ]);
    // 2 of 5: denominator = 1 + z²/5 = 1.768292; centre = (0.4 + 0.384146) / 1.768292 = 0.443448
    // half = 1.108394 · √(0.048 + 0.038415) = 1.108394 · 0.293964 = 0.325827 → 0.117621–0.769276
    expect(hsct[0].low).toBeCloseTo(0.117621, 5);
    expect(hsct[0].high).toBeCloseTo(0.769276, 5);
    const tki = card('order-tki-t315i').weeks;
    // W53: 4 issued, 3 accepted; W01: none issued, 2 accepted → capped at 0, no rate
    expect(tki.map((w) => [w.week, w.issued, w.accepted, w.acceptedInRate, w.rate])).toEqual([
      ['2020-W52', 0, 0, 0, null],
      ['2020-W53', 4, 3, 3, 0.75],
      ['2021-W01', 0, 2, 0, null],
    ]);
    // All cards: W52 5 issued, 2 accepted; W53 9 + 4 = 13 issued, 2 + 3 = 5 accepted; W01 6 issued, 3 + 2 = 5 accepted, 3 + 0 in the rate
    expect(report.totals.weeks.map((w) => [w.week, w.issued, w.accepted, w.acceptedInRate, w.rate])).toEqual([
      ['2020-W52', 5, 2, 2, 0.4],
      ['2020-W53', 13, 5, 5, 5 / 13],
      ['2021-W01', 6, 5, 3, 0.5],
    ]);
  });

  it('filters by the range itself, and fills empty weeks between', () => {
    const narrow = buildReport(data, labels, { since: '2021-01-04', until: '2021-01-10' }, GENERATED);
    expect(narrow.weeks.map((w) => w.week)).toEqual(['2021-W01']);
    expect(narrow.cards.map((c) => [c.code, c.issued, c.accepted, c.overridden])).toEqual([
      ['hsct-evaluation', 6, 3, 2], // 7 and 8 January overrides
      ['mrd-assessment', 0, 0, 1],
      ['order-tki-t315i', 0, 2, 1],
    ]);
    const open = buildReport(data, labels, {}, GENERATED);
    expect(open.range).toEqual({ since: null, until: null });
    // + the 100 issued on 20 December and its accepted 20 December (UTC) feedback; + the 50 of 11 January
    expect(card('hsct-evaluation').issued + 100).toBe(open.cards.find((c) => c.code === 'hsct-evaluation')!.issued);
    expect(open.cards.find((c) => c.code === 'order-tki-t315i')!.issued).toBe(54);
    expect(open.weeks.map((w) => w.week)).toEqual(['2020-W51', '2020-W52', '2020-W53', '2021-W01', '2021-W02']);
    const gap = buildReport(
      { issued: [iss('2021-01-05', PV, 'hsct-evaluation', 1), iss('2021-01-26', PV, 'hsct-evaluation', 1)], feedback: [] },
      labels,
      {},
      GENERATED,
    );
    expect(gap.cards[0].weeks.map((w) => [w.week, w.issued])).toEqual([
      ['2021-W01', 1],
      ['2021-W02', 0],
      ['2021-W03', 0],
      ['2021-W04', 1],
    ]);
  });

  it('an empty store gives an empty report, not an error', () => {
    const empty = buildReport({ issued: [], feedback: [] }, labels, RANGE, GENERATED);
    expect(empty.cards).toEqual([]);
    expect(empty.weeks).toEqual([]);
    expect(empty.totals).toMatchObject({ issued: 0, accepted: 0, rate: null, low: null, high: null });
    expect(renderHtml(empty)).toContain('No card was issued in this range');
    expect(renderCsv(empty).split('\r\n').filter(Boolean)).toHaveLength(3); // header, not-recognised, total
  });

  it('a code without a display is shown as itself', () => {
    const r = buildReport({ issued: [iss('2021-01-05', PV, 'new-card', 2)], feedback: [] }, labels, {}, GENERATED);
    expect(r.cards[0]).toMatchObject({ code: 'new-card', display: 'new-card' });
  });

  it('holds no card uuid, timestamp or comment length: only codes, counts and reasons', () => {
    const json = JSON.stringify(report);
    for (const f of data.feedback) expect(json).not.toContain(f.cardUuid);
    expect(json).not.toMatch(/T\d\d:\d\d:\d\d(?!\.000Z)/); // the only time is the generation time
    expect(json).not.toMatch(/comment/i);
  });
});

/** An RFC 4180 reader, for the test: quoted fields, doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) throw new Error('the CSV does not end with CRLF');
  return rows;
}

describe('renderCsv', () => {
  const text = renderCsv(report);
  const [header, ...rows] = parseCsv(text);
  const get = (row: string[], col: string) => row[header.indexOf(col)];

  it('quotes a display with a comma and a quote (RFC 4180) and ends every record with CRLF', () => {
    expect(text).toContain(',"TKI without ""T315I"", activity",');
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
    const tki = rows.find((r) => r[0] === 'card' && get(r, 'code') === 'order-tki-t315i')!;
    expect(get(tki, 'display')).toBe(TRICKY);
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });

  it('has the fixed columns, then one per reason', () => {
    expect(header).toEqual([
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
      'overridden: On a trial protocol [trial-protocol]',
      'overridden: Patient declined [patient-declined]',
      'overridden: Other [other]',
      'overridden: local-1 (http://example.org/reasons) [http://example.org/reasons|local-1]',
      'overridden: No reason given [(none)]',
    ]);
  });

  it('sections: card lines, not recognised, total, weeks per card, weeks overall', () => {
    expect(rows.map((r) => r[0])).toEqual([
      'card',
      'card',
      'card',
      'not-recognised',
      'total',
      ...Array<string>(9).fill('week'), // 3 cards × 3 weeks
      'week-total',
      'week-total',
      'week-total',
    ]);
    const hsct = rows.find((r) => r[0] === 'card' && get(r, 'code') === 'hsct-evaluation')!;
    expect(hsct.slice(0, 15)).toEqual([
      'card',
      PV,
      'hsct-evaluation',
      'HSCT evaluation',
      '',
      '',
      '20',
      '7',
      '7',
      '5',
      '5',
      '0.3500',
      '0.1812', // 0.181192
      '0.5671', // 0.567146
      'no',
    ]);
    expect(hsct.slice(15)).toEqual(['3', '1', '0', '0', '1']);
    const mrd = rows.find((r) => r[0] === 'card' && get(r, 'code') === 'mrd-assessment')!;
    expect([get(mrd, 'acceptance_rate'), get(mrd, 'rate_low_95'), get(mrd, 'rate_high_95')]).toEqual(['', '', '']);
    const unknown = rows.find((r) => r[0] === 'not-recognised')!;
    expect([get(unknown, 'display'), get(unknown, 'issued'), get(unknown, 'accepted'), get(unknown, 'overridden')]).toEqual([
      'card not recognised',
      '',
      '2',
      '1',
    ]);
    const total = rows.find((r) => r[0] === 'total')!;
    expect([get(total, 'issued'), get(total, 'accepted'), get(total, 'accepted_in_rate'), get(total, 'acceptance_rate')]).toEqual(['24', '14', '11', '0.4583']);
    const w = rows.find((r) => r[0] === 'week' && get(r, 'code') === 'hsct-evaluation' && get(r, 'week') === '2021-W01')!;
    expect([get(w, 'week_start'), get(w, 'issued'), get(w, 'accepted'), get(w, 'acceptance_rate')]).toEqual(['2021-01-04', '6', '3', '0.5000']);
    expect(w.slice(15)).toEqual(['', '', '', '', '']);
    const wt = rows.filter((r) => r[0] === 'week-total').map((r) => [get(r, 'week'), get(r, 'issued'), get(r, 'accepted')]);
    expect(wt).toEqual([
      ['2020-W52', '5', '2'],
      ['2020-W53', '13', '5'],
      ['2021-W01', '6', '5'],
    ]);
  });

  it('fields a spreadsheet would take for a formula are defused', () => {
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('plain')).toBe('plain');
    expect(csvField(12)).toBe('12');
    expect(csvField(null)).toBe('');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
  });
});

describe('renderHtml', () => {
  it('escapes every string from the store and the catalogs', () => {
    const evil = '<img src=x onerror=alert(1)> & "quoted" \'single\'';
    const r = buildReport(
      {
        issued: [iss('2021-01-05', '<svc>', '<b>code</b>', 3)],
        feedback: [fb('<svc>', '<b>code</b>', 'overridden', '2021-01-05T10:00:00Z', { reason: [REASONS, '<i>why</i>'] })],
      },
      { ...labels, cards: { '<b>code</b>': evil } },
      {},
      GENERATED,
    );
    const html = renderHtml(r);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html).not.toContain('<i>');
    expect(html).not.toContain('<svc>');
    expect(html).toContain(esc(evil));
    expect(esc(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });

  it('is self-contained: no script, no external reference', () => {
    const html = renderHtml(report);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\ssrc\s*=/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.match(/href="([^"]*)"/g)?.every((h) => h === 'href="#notes"')).toBe(true);
    expect(html).toContain("default-src 'none'");
  });

  it('draws one rate bar per card code with cards issued, carrying its figures', () => {
    const html = renderHtml(report);
    const bars = [...html.matchAll(/<rect class="rate-bar"[^>]*data-code="([^"]*)"[^>]*data-rate="([^"]*)" data-low="([^"]*)" data-high="([^"]*)"/g)];
    expect(bars.map((b) => b[1])).toEqual(['hsct-evaluation', 'order-tki-t315i']); // MRD assessment: none issued, no bar
    expect(Number(bars[0][2])).toBe(0.35);
    expect(Number(bars[0][3])).toBeCloseTo(0.181192, 5);
    expect(Number(bars[1][4])).toBe(1);
    expect([...html.matchAll(/<g class="week" data-week="([^"]*)"/g)].map((m) => m[1])).toEqual(['2020-W52', '2020-W53', '2021-W01']);
    expect(html).toContain('35.0\u00a0%');
    expect(html).toContain('18.1–56.7\u00a0%');
    expect(html).toContain('from 2020-12-21 to 2021-01-10');
    expect(html).toContain('2021-01-15 08:30 UTC');
  });
});

describe('the CLI arguments and labels', () => {
  it('parses the options, with html and an open range by default', () => {
    expect(parseReportArgs([])).toEqual({ format: 'html', range: {} });
    expect(parseReportArgs(['--format', 'csv', '--since', '2024-02-29', '--until', '2024-03-31', '--out', 'r.csv'])).toEqual({
      format: 'csv',
      range: { since: '2024-02-29', until: '2024-03-31' },
      out: 'r.csv',
    });
    expect(parseReportArgs(['--help'])).toBe('help');
  });

  it.each([
    [['--format', 'pdf'], /--format is html, csv or json/],
    [['--since', '2023-02-29'], /--since takes a day YYYY-MM-DD/], // not a leap year
    [['--until', '1 March'], /--until takes a day/],
    [['--since', '2024-03-02', '--until', '2024-03-01'], /is after --until/],
    [['--what'], /Unknown option '--what'$/],
    [['report.html'], /Unexpected argument/],
    [['--since'], /argument missing/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseReportArgs(argv)).toThrow(message);
  });

  it('reads the displays from the hooks folder; without override-reasons.json reasons show as their codes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-labels-'));
    try {
      mkdirSync(join(dir, 'cards'));
      mkdirSync(join(dir, 'order-checks'));
      writeFileSync(join(dir, 'cards', 'catalog.json'), JSON.stringify({ cards: { 'hsct-evaluation': { display: 'HSCT evaluation' } } }));
      writeFileSync(join(dir, 'order-checks', 'catalog.json'), JSON.stringify({ checks: { 'order-tki-t315i': { display: 'TKI without T315I activity' } } }));
      writeFileSync(join(dir, 'relapsed-all-order-sign.json'), JSON.stringify({ id: SIGN, hook: 'order-sign', title: 'A long title' }));
      const l = loadLabels(dir);
      expect(l).toEqual({
        cards: { 'hsct-evaluation': 'HSCT evaluation', 'order-tki-t315i': 'TKI without T315I activity' },
        services: { [SIGN]: 'order-sign' },
        reasons: { system: REASONS, displays: {} },
      });
      const r = buildReport(
        { issued: [], feedback: [fb(SIGN, 'order-tki-t315i', 'overridden', '2021-01-05T10:00:00Z', { reason: [REASONS, 'trial-protocol'] })] },
        l,
        {},
        GENERATED,
      );
      expect(r.cards[0].overriddenByReason).toEqual([{ key: 'trial-protocol', display: 'trial-protocol', count: 1 }]);
      writeFileSync(join(dir, 'override-reasons.json'), JSON.stringify({ system: REASONS, reasons: [{ code: 'trial-protocol', display: 'On a trial' }] }));
      expect(loadLabels(dir).reasons).toEqual({ system: REASONS, displays: { 'trial-protocol': 'On a trial' } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
