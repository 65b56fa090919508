/**
 * The committee report end to end (issue #11): known data in a SQLite card
 * store on a temp file, the report CLI run as a child process (`tsx
 * src/report/cli.ts`, what `npm run report` runs), and the HTML page opened in
 * headless Chromium (playwright-core; the system's /usr/bin/chromium, never a
 * downloaded browser): the charts draw what the table says, the table says
 * what the store holds (worked out here from the data put in, not by the
 * report's code), and the page asks for nothing from the network. The CSV and
 * JSON outputs are checked against the same data.
 *
 * A full-page screenshot is left in the temp folder (its path is printed) for
 * a person to look at.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SqliteCardStore } from '../../src/feedback/sqlite-store';
import type { FeedbackItem, Issuance, IssuedCard } from '../../src/feedback/store';
import { ROOT } from '../support/cds';

const CHROMIUM = '/usr/bin/chromium';
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
const CLI = join(ROOT, 'src', 'report', 'cli.ts');
const REASON_SYSTEM = 'https://relapsed-all-cds.org/fhir/CodeSystem/override-reason';
const PV = 'relapsed-all-patient-view';
const SIGN = 'relapsed-all-order-sign';
const SELECT = 'relapsed-all-order-select';
const COMMENT = 'Spoke with Mrs Example-Patient: declined';
const NBSP = '\u00a0';

// ---- the data put in --------------------------------------------------------

interface Given {
  outcome: 'accepted' | 'overridden';
  /** ISO timestamp of the outcome. */
  at: string;
  suggestions?: string[];
  reason?: string;
}
interface GivenCard {
  serviceId: string;
  code: string;
  issued: Record<string, number>;
  feedback: Given[];
}

const acc = (at: string, suggestions?: string[]): Given => ({ outcome: 'accepted', at, ...(suggestions ? { suggestions } : {}) });
const over = (at: string, reason?: string): Given => ({ outcome: 'overridden', at, ...(reason ? { reason } : {}) });

/** Over three ISO weeks: 2025-W10 (3–9 March), W11 (10–16 March), W12 (17–23 March). */
const CARDS: GivenCard[] = [
  {
    serviceId: PV,
    code: 'hsct-evaluation',
    issued: { '2025-03-03': 10, '2025-03-12': 6, '2025-03-18': 4 },
    feedback: [
      acc('2025-03-03T10:00:00Z', ['hsct-referral']),
      acc('2025-03-04T10:00:00Z'),
      acc('2025-03-05T10:00:00Z', ['hsct-referral']),
      acc('2025-03-12T10:00:00Z'),
      acc('2025-03-13T10:00:00Z'),
      acc('2025-03-18T10:00:00Z', ['hsct-referral', 'hla-typing']),
      acc('2025-03-19T10:00:00Z'),
      over('2025-03-06T10:00:00Z', 'trial-protocol'),
      over('2025-03-14T10:00:00Z', 'trial-protocol'),
      over('2025-03-20T10:00:00Z', 'patient-declined'),
    ],
  },
  {
    serviceId: PV,
    code: 'clinical-trial',
    issued: { '2025-03-04': 5, '2025-03-11': 3 },
    feedback: [
      acc('2025-03-04T09:00:00Z', ['trial-screening-referral']),
      acc('2025-03-05T09:00:00Z', ['trial-screening-referral']),
      acc('2025-03-06T09:00:00Z'),
      acc('2025-03-11T09:00:00Z'),
      acc('2025-03-12T09:00:00Z'),
      acc('2025-03-13T09:00:00Z'),
      over('2025-03-14T09:00:00Z', 'other'),
    ],
  },
  {
    serviceId: PV,
    code: 'mrd-assessment',
    issued: { '2025-03-05': 5 },
    feedback: [over('2025-03-07T09:00:00Z', 'arranged-elsewhere'), over('2025-03-08T09:00:00Z', 'arranged-elsewhere')],
  },
  {
    // more accepted (4) than issued (3): the rate counts 3 of 3
    serviceId: SIGN,
    code: 'order-tki-t315i',
    issued: { '2025-03-06': 2, '2025-03-17': 1 },
    feedback: [acc('2025-03-06T12:00:00Z'), acc('2025-03-07T12:00:00Z'), acc('2025-03-17T12:00:00Z'), acc('2025-03-18T12:00:00Z')],
  },
  {
    // issued before the data's weeks (a uuid known, no count in range): no rate, no bar
    serviceId: SELECT,
    code: 'order-antigen-negative',
    issued: {},
    feedback: [over('2025-03-10T12:00:00Z', 'benefit-outweighs-risk')],
  },
];
/** Feedback on card uuids the store never saw issued. */
const UNKNOWN: Given[] = [acc('2025-03-05T15:00:00Z'), over('2025-03-12T15:00:00Z', 'trial-protocol')];

// ---- what the report must say, worked out from the data above ---------------

/** The Wilson score interval, in its closed quadratic form (not the report's centre ± half form). */
function wilson(x: number, n: number): [number, number] {
  const z = 1.959963984540054;
  const root = z * Math.sqrt(z * z + (4 * x * (n - x)) / n);
  return [(2 * x + z * z - root) / (2 * (n + z * z)), (2 * x + z * z + root) / (2 * (n + z * z))];
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const expected = CARDS.map((c) => {
  const issued = sum(Object.values(c.issued));
  const accepted = c.feedback.filter((f) => f.outcome === 'accepted').length;
  const inRate = Math.min(accepted, issued);
  const reasons: Record<string, number> = {};
  for (const f of c.feedback) if (f.outcome === 'overridden') reasons[f.reason!] = (reasons[f.reason!] ?? 0) + 1;
  return {
    ...c,
    issuedTotal: issued,
    accepted,
    overridden: c.feedback.length - accepted,
    suggestions: sum(c.feedback.map((f) => f.suggestions?.length ?? 0)),
    reasons,
    rate: issued > 0 ? inRate / issued : null,
    interval: issued > 0 ? wilson(inRate, issued) : null,
  };
});
const cardCatalog = JSON.parse(readFileSync(join(ROOT, 'hooks', 'cards', 'catalog.json'), 'utf8')) as { cards: Record<string, { display: string }> };
const orderCatalog = JSON.parse(readFileSync(join(ROOT, 'hooks', 'order-checks', 'catalog.json'), 'utf8')) as { checks: Record<string, { display: string }> };
const displayOf = (code: string) => cardCatalog.cards[code]?.display ?? orderCatalog.checks[code]?.display ?? code;
const pct = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}${NBSP}%`);

// ---- putting it in, running the CLI ------------------------------------------

let dir: string;
let dbFile: string;
let browser: Browser | undefined;
let uuidSeq = 0;
const uuid = () => `00000000-0000-5000-8000-${String(++uuidSeq).padStart(12, '0')}`;
const allUuids: string[] = [];

async function seed(file: string): Promise<void> {
  const store = new SqliteCardStore(file);
  try {
    const counts: Issuance[] = [];
    const cards: IssuedCard[] = [];
    const feedback = new Map<string, FeedbackItem[]>();
    const give = (serviceId: string, card: string, g: Given) => {
      const item: FeedbackItem = {
        card,
        outcome: g.outcome,
        outcomeTimestamp: g.at,
        ...(g.suggestions ? { acceptedSuggestions: g.suggestions.map((id) => ({ id })) } : {}),
        ...(g.reason ? { overrideReason: { reason: { system: REASON_SYSTEM, code: g.reason }, userComment: COMMENT } } : {}),
      };
      feedback.set(serviceId, [...(feedback.get(serviceId) ?? []), item]);
    };
    for (const c of CARDS) {
      for (const [day, count] of Object.entries(c.issued)) counts.push({ day, serviceId: c.serviceId, code: c.code, count });
      for (const g of c.feedback) {
        const id = uuid();
        allUuids.push(id);
        cards.push({ uuid: id, serviceId: c.serviceId, code: c.code, day: Object.keys(c.issued)[0] ?? '2025-02-03' });
        give(c.serviceId, id, g);
      }
    }
    for (const g of UNKNOWN) {
      const id = uuid();
      allUuids.push(id);
      give(PV, id, g);
    }
    await store.recordIssued(counts, cards);
    for (const [serviceId, items] of feedback) await store.recordFeedback(serviceId, items, '2025-03-25T00:00:00.000Z');
  } finally {
    await store.close();
  }
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[]): Promise<Run> {
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDS_')));
  return new Promise((resolve) => {
    execFile(
      TSX,
      [CLI, ...args],
      { cwd: ROOT, env: { ...env, NODE_ENV: 'test', CDS_FEEDBACK_DB: dbFile }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** RFC 4180 records (CRLF-terminated; quoted fields with doubled quotes). */
function parseCsv(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  const field = /("(?:[^"]|"")*"|[^,\r\n"]*)(,|\r\n)/gy;
  const rows: string[][] = [];
  let row: string[] = [];
  for (let m = field.exec(text); m; m = field.exec(text)) {
    row.push(m[1].startsWith('"') ? m[1].slice(1, -1).replace(/""/g, '"') : m[1]);
    if (m[2] === '\r\n') {
      rows.push(row);
      row = [];
    }
    if (field.lastIndex === text.length) break;
  }
  expect(field.lastIndex).toBe(text.length);
  return rows;
}

let html: Run;
let htmlFile: string;
let csv: Run;
let json: Run;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'report-e2e-'));
  dbFile = join(dir, 'feedback.sqlite');
  htmlFile = join(dir, 'report.html');
  await seed(dbFile);
  html = await runCli(['--format', 'html', '--out', htmlFile]);
  csv = await runCli(['--format', 'csv']);
  json = await runCli(['--format', 'json']);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  // The temp folder stays when REPORT_KEEP is set (to look at the screenshot); removed otherwise.
  if (dir && !process.env.REPORT_KEEP) rmSync(dir, { recursive: true, force: true });
});

// ---- the checks ---------------------------------------------------------------

describe('npm run report', () => {
  it('writes the HTML file and says so on stderr', () => {
    expect(html.stderr).toMatch(/^report: wrote .*report\.html \(html, 5 card code lines\)\n$/);
    expect(html.code).toBe(0);
    expect(existsSync(htmlFile)).toBe(true);
  });

  it('never writes a patient identifier, a comment or a card uuid', () => {
    for (const text of [readFileSync(htmlFile, 'utf8'), csv.stdout, json.stdout]) {
      expect(text).not.toContain('Example-Patient');
      for (const id of allUuids) expect(text).not.toContain(id);
    }
  });

  it('bad arguments: one line on stderr, exit 2, no stack trace', async () => {
    for (const args of [['--format', 'pdf'], ['--since', '2025-13-01'], ['--since', '2025-03-10', '--until', '2025-03-01'], ['--nope'], ['extra']]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^report: /);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  }, 120_000);

  it('JSON: the report model, with the figures the store holds', () => {
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.range).toEqual({ since: null, until: null });
    expect(report.weeks.map((w: { week: string }) => w.week)).toEqual(['2025-W10', '2025-W11', '2025-W12']);
    expect(report.cards).toHaveLength(expected.length);
    for (const e of expected) {
      const line = report.cards.find((c: { serviceId: string; code: string }) => c.serviceId === e.serviceId && c.code === e.code);
      expect(line).toMatchObject({
        display: displayOf(e.code),
        issued: e.issuedTotal,
        accepted: e.accepted,
        overridden: e.overridden,
        suggestionsTaken: e.suggestions,
      });
      expect(Object.fromEntries(line.overriddenByReason.map((r: { key: string; count: number }) => [r.key, r.count]))).toEqual(e.reasons);
      if (e.rate === null) expect(line.rate).toBeNull();
      else {
        expect(line.rate).toBeCloseTo(e.rate, 10);
        expect(line.low).toBeCloseTo(e.interval![0], 10);
        expect(line.high).toBeCloseTo(e.interval![1], 10);
      }
    }
    expect(report.unrecognised).toMatchObject({ accepted: 1, overridden: 1 });
    expect(report.totals.issued).toBe(sum(expected.map((e) => e.issuedTotal)));
    expect(report.totals.accepted).toBe(sum(expected.map((e) => e.accepted)) + 1);
  });

  it('CSV: one row per card code with its reason counts, and a weekly section', () => {
    expect(csv.code).toBe(0);
    const [header, ...rows] = parseCsv(csv.stdout);
    const col = (name: string) => header.indexOf(name);
    for (const e of expected) {
      const row = rows.find((r) => r[0] === 'card' && r[col('service')] === e.serviceId && r[col('code')] === e.code)!;
      expect(row[col('display')]).toBe(displayOf(e.code));
      expect(Number(row[col('issued')])).toBe(e.issuedTotal);
      expect(Number(row[col('accepted')])).toBe(e.accepted);
      expect(Number(row[col('overridden')])).toBe(e.overridden);
      expect(Number(row[col('suggestions_taken')])).toBe(e.suggestions);
      expect(row[col('acceptance_rate')]).toBe(e.rate === null ? '' : e.rate.toFixed(4));
      expect(row[col('rate_low_95')]).toBe(e.interval ? e.interval[0].toFixed(4) : '');
      expect(row[col('accepted_exceeds_issued')]).toBe(e.accepted > e.issuedTotal ? 'yes' : 'no');
      for (const [reason, n] of Object.entries(e.reasons)) {
        const c = header.findIndex((h) => h.endsWith(`[${reason}]`));
        expect(c).toBeGreaterThan(0);
        expect(Number(row[c])).toBe(n);
      }
    }
    const weekRows = rows.filter((r) => r[0] === 'week' && r[col('code')] === 'hsct-evaluation');
    expect(weekRows.map((r) => [r[col('week')], r[col('issued')], r[col('accepted')]])).toEqual([
      ['2025-W10', '10', '3'],
      ['2025-W11', '6', '2'],
      ['2025-W12', '4', '2'],
    ]);
  });

  it('CSV with --since and --until: only that range', async () => {
    const run = await runCli(['--format', 'csv', '--since', '2025-03-10', '--until', '2025-03-16']);
    expect(run.code).toBe(0);
    const [header, ...rows] = parseCsv(run.stdout);
    const col = (name: string) => header.indexOf(name);
    const hsct = rows.find((r) => r[0] === 'card' && r[col('code')] === 'hsct-evaluation')!;
    // 10–16 March: issued 6 (12 March), accepted 2 (12 and 13 March), overridden 1 (14 March)
    expect([hsct[col('issued')], hsct[col('accepted')], hsct[col('overridden')]]).toEqual(['6', '2', '1']);
    expect(rows.filter((r) => r[0] === 'week').every((r) => r[col('week')] === '2025-W11')).toBe(true);
    // the MRD assessment card had nothing that week
    expect(rows.some((r) => r[col('code')] === 'mrd-assessment')).toBe(false);
  }, 60_000);
});

/** The rendered box of an element (run in the page). */
const rectOf = (el: { getBoundingClientRect(): { x: number; y: number; width: number; height: number } }) => {
  const r = el.getBoundingClientRect();
  return { x: r.x, y: r.y, width: r.width, height: r.height };
};

/** Record every request a page makes, and refuse all but `allowed`. */
async function watch(page: Page, allowed: string): Promise<{ requests: string[]; refused: string[] }> {
  const seen = { requests: [] as string[], refused: [] as string[] };
  page.on('request', (r) => seen.requests.push(r.url()));
  await page.route('**/*', async (route) => {
    if (route.request().url() === allowed) return route.continue();
    seen.refused.push(route.request().url());
    return route.abort();
  });
  return seen;
}

describe('the HTML report in Chromium', () => {
  let page: Page;
  let seen: { requests: string[]; refused: string[] };
  let fileUrl: string;

  beforeAll(async () => {
    fileUrl = pathToFileURL(htmlFile).href;
    const context = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    seen = await watch(page, fileUrl);
    await page.goto(fileUrl, { waitUntil: 'load' });
  }, 60_000);

  it('asks for nothing but the file itself', async () => {
    expect(seen.refused).toEqual([]);
    expect(seen.requests).toEqual([fileUrl]);
    // ... and the watch does see what a page asks for (a page with an external image, as a control)
    const control = await page.context().newPage();
    const controlSeen = await watch(control, 'about:blank');
    await control.setContent('<img src="http://192.0.2.1/chart.png" alt="">', { waitUntil: 'load' });
    await control.close();
    expect(controlSeen.refused).toEqual(['http://192.0.2.1/chart.png']);
  });

  it('has a title, the date range and the generation time', async () => {
    expect(await page.title()).toBe('Relapsed ALL CDS: card acceptance report');
    expect(await page.locator('h1').textContent()).toBe('Relapsed ALL CDS: card acceptance report');
    expect(await page.locator('.range').textContent()).toBe('all dates on record');
    expect(await page.locator('time').getAttribute('datetime')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('every chart is drawn, sized, and described (role img, title, desc)', async () => {
    const svgs = page.locator('svg');
    expect(await svgs.count()).toBe(2);
    for (const svg of await svgs.all()) {
      const box = await svg.boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
      expect(await svg.getAttribute('role')).toBe('img');
      expect((await svg.locator('title').first().textContent())!.length).toBeGreaterThan(5);
      expect((await svg.locator('desc').textContent())!.length).toBeGreaterThan(20);
    }
  });

  it('the rate chart: one bar per card code issued, widths proportional to the rates, error bars from low to high', async () => {
    const withIssued = expected.filter((e) => e.issuedTotal > 0);
    const bars = page.locator('svg.rate-chart rect.rate-bar');
    expect(await bars.count()).toBe(withIssued.length);
    const plot = (await page.locator('svg.rate-chart rect.plot-area').boundingBox())!;
    for (const e of withIssued) {
      const bar = page.locator(`svg.rate-chart rect.rate-bar[data-service="${e.serviceId}"][data-code="${e.code}"]`);
      expect(Number(await bar.getAttribute('data-rate'))).toBeCloseTo(e.rate!, 10);
      const box = await bar.evaluate(rectOf);
      expect(box.x).toBeCloseTo(plot.x, 0);
      expect(Math.abs(box.width - e.rate! * plot.width)).toBeLessThan(1);
      expect(box.height).toBeGreaterThan(5);
      const ci = page.locator(`svg.rate-chart g.bar-row[data-service="${e.serviceId}"][data-code="${e.code}"] rect.ci`);
      expect(Number(await ci.getAttribute('data-low'))).toBeCloseTo(e.interval![0], 10);
      expect(Number(await ci.getAttribute('data-high'))).toBeCloseTo(e.interval![1], 10);
      const ciBox = (await ci.boundingBox())!;
      expect(Math.abs(ciBox.x - (plot.x + e.interval![0] * plot.width))).toBeLessThan(1);
      expect(Math.abs(ciBox.x + ciBox.width - (plot.x + e.interval![1] * plot.width))).toBeLessThan(1);
    }
    // bars with bigger rates are wider
    const widths = await bars.evaluateAll((els) => els.map((el) => [Number(el.getAttribute('data-rate')), el.getBoundingClientRect().width]));
    const sorted = [...widths].sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i][1]).toBeGreaterThanOrEqual(sorted[i - 1][1]);
  });

  it('the trend chart: one pair of bars per ISO week, heights proportional to issued and accepted', async () => {
    const weeks: Record<string, { issued: number; accepted: number }> = {
      // issued: 10 + 5 + 5 + 2 = 22 in W10; 6 + 3 = 9 in W11; 4 + 1 = 5 in W12
      // accepted (recognised cards): 3 + 3 + 0 + 2 = 8 in W10; 2 + 3 = 5 in W11; 2 + 2 = 4 in W12
      '2025-W10': { issued: 22, accepted: 8 },
      '2025-W11': { issued: 9, accepted: 5 },
      '2025-W12': { issued: 5, accepted: 4 },
    };
    const groups = page.locator('svg.trend-chart g.week');
    expect(await groups.count()).toBe(3);
    const plot = (await page.locator('svg.trend-chart rect.plot-area').boundingBox())!;
    const max = Number(await page.locator('svg.trend-chart rect.plot-area').getAttribute('data-max'));
    expect(max).toBeGreaterThanOrEqual(22);
    for (const [week, w] of Object.entries(weeks)) {
      const g = page.locator(`svg.trend-chart g.week[data-week="${week}"]`);
      expect(Number(await g.getAttribute('data-issued'))).toBe(w.issued);
      expect(Number(await g.getAttribute('data-accepted'))).toBe(w.accepted);
      const issued = await g.locator('rect.issued').evaluate(rectOf);
      const accepted = await g.locator('rect.accepted').evaluate(rectOf);
      expect(Math.abs(issued.height - (w.issued / max) * plot.height)).toBeLessThan(1);
      expect(Math.abs(accepted.height - (w.accepted / max) * plot.height)).toBeLessThan(1);
      // standing on the axis
      expect(Math.abs(issued.y + issued.height - (plot.y + plot.height))).toBeLessThan(1);
    }
  });

  it('the table says what the store holds', async () => {
    for (const e of expected) {
      const row = page.locator(`table.summary tr[data-service="${e.serviceId}"][data-code="${e.code}"]`);
      expect(await row.count()).toBe(1);
      const cell = async (cls: string) => (await row.locator(`td.${cls}`).textContent())!;
      expect(await row.locator('th.card').textContent()).toBe(`${displayOf(e.code)} ${e.code}`);
      expect(await cell('issued')).toBe(String(e.issuedTotal));
      expect(parseInt(await cell('accepted'), 10)).toBe(e.accepted);
      expect(await cell('overridden')).toBe(String(e.overridden));
      expect(await cell('suggestions')).toBe(String(e.suggestions));
      expect(await cell('rate')).toBe(pct(e.rate));
      expect(await cell('interval')).toBe(e.interval ? `${(e.interval[0] * 100).toFixed(1)}–${(e.interval[1] * 100).toFixed(1)}${NBSP}%` : '–');
      if (e.accepted > e.issuedTotal) expect(await cell('accepted')).toContain('†');
    }
    const unknown = page.locator('table.summary tr[data-line="not-recognised"]');
    expect(await unknown.locator('th').textContent()).toBe('Card not recognised');
    expect(await unknown.locator('td.accepted').textContent()).toBe('1');
    expect(await unknown.locator('td.overridden').textContent()).toBe('1');
    const total = page.locator('table.summary tr[data-line="total"]');
    const issued = sum(expected.map((e) => e.issuedTotal));
    const inRate = sum(expected.map((e) => Math.min(e.accepted, e.issuedTotal)));
    expect(await total.locator('td.issued').textContent()).toBe(String(issued));
    expect(await total.locator('td.accepted').textContent()).toBe(String(sum(expected.map((e) => e.accepted)) + 1));
    expect(await total.locator('td.rate').textContent()).toBe(pct(inRate / issued));
    // the notes explain the capped card
    expect(await page.locator('#notes').textContent()).toContain(`${displayOf('order-tki-t315i')} [order-tki-t315i, ${SIGN}] (4 accepted, 3 issued)`);
  });

  it('shows the reasons with their displays', async () => {
    const reasons = JSON.parse(readFileSync(join(ROOT, 'hooks', 'override-reasons.json'), 'utf8')) as { reasons: { code: string; display: string }[] };
    const display = (code: string) => reasons.reasons.find((r) => r.code === code)?.display ?? code;
    // per card: the card's own table
    const hsct = page.locator(`section.card-detail[data-service="${PV}"][data-code="hsct-evaluation"] table.card-reasons tbody tr`);
    expect(await hsct.evaluateAll((rows) => rows.map((r) => [...r.children].map((c) => c.textContent)))).toEqual([
      [display('trial-protocol'), 'trial-protocol', '2'],
      [display('patient-declined'), 'patient-declined', '1'],
    ]);
    // all cards: trial-protocol 2 (HSCT evaluation) + 1 (not recognised), in the file's order
    const all: Record<string, number> = { 'trial-protocol': 1 };
    for (const e of expected) for (const [code, n] of Object.entries(e.reasons)) all[code] = (all[code] ?? 0) + n;
    const order = reasons.reasons.map((r) => r.code).filter((code) => code in all);
    const rows = page.locator('table.reasons-total tbody tr');
    expect(
      await rows.evaluateAll((trs) =>
        trs.map((r) => [r.getAttribute('data-reason'), r.querySelector('th')!.textContent, r.querySelector('td.count')!.textContent]),
      ),
    ).toEqual(order.map((code) => [code, display(code), String(all[code])]));
  });

  it('reads well (a screenshot for a person to look at)', async () => {
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG');
    process.stdout.write(`report screenshot: ${shot}\n`);
  });
});
