/**
 * The committee report (issue #11): what clinicians did with the cards, per
 * card code, from the card store the service writes (CDS_FEEDBACK_DB: a
 * SQLite file or a postgres:// URL).
 *
 *   npm run report -- [--format html|csv|json] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out FILE]
 *
 * Days are UTC and inclusive; without --since / --until the range is open at
 * that end. html (the default) is one self-contained page; csv is one file
 * with a `section` column (see csv.ts); json is the report model (build.ts).
 * Written to stdout, or to FILE with --out.
 *
 * Exit codes: 0 written; 2 bad arguments or configuration; 1 the store or a
 * file could not be read or written. Every error is one line on stderr.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVICE_FILES } from '../cds/definition';
import { cardStoreLocation, hooksDirOf } from '../config';
import { openCardStore } from '../feedback/open-store';
import { isPostgresUrl } from '../feedback/store';
import { buildReport, type ReportLabels, type ReportRange } from './build';
import { renderCsv } from './csv';
import { renderHtml } from './html';

const USAGE = 'usage: npm run report -- [--format html|csv|json] [--since YYYY-MM-DD] [--until YYYY-MM-DD] [--out FILE]';
const FORMATS = ['html', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];
/** The override-reason system when hooks/override-reasons.json is missing (reasons are then shown by code). */
export const OVERRIDE_REASON_SYSTEM = 'https://relapsed-all-cds.org/fhir/CodeSystem/override-reason';

export interface ReportIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
  /** The generation time (default: now). */
  now?: () => Date;
}

interface Args {
  format: Format;
  range: ReportRange;
  out?: string;
}

class UsageError extends Error {}

/** A real calendar day `YYYY-MM-DD`. */
export function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const t = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(t) && new Date(t).toISOString().slice(0, 10) === value;
}

export function parseReportArgs(argv: string[]): Args | 'help' {
  let values: { format?: string; since?: string; until?: string; out?: string; help?: boolean };
  try {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: false,
      strict: true,
      options: {
        format: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    values = parsed.values;
  } catch (err) {
    // node's messages can run on with advice about '--'; the first sentence says what is wrong.
    throw new UsageError(firstLine((err as Error).message).replace(/\. To specify a positional argument.*$/, ''));
  }
  if (values.help) return 'help';
  const format = values.format ?? 'html';
  if (!(FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format is html, csv or json, not "${format}"`);
  for (const name of ['since', 'until'] as const) {
    const v = values[name];
    if (v !== undefined && !isDay(v)) throw new UsageError(`--${name} takes a day YYYY-MM-DD (UTC), not "${v}"`);
  }
  if (values.since !== undefined && values.until !== undefined && values.since > values.until) {
    throw new UsageError(`--since ${values.since} is after --until ${values.until}`);
  }
  if (values.out === '') throw new UsageError('--out needs a file name');
  return {
    format: format as Format,
    range: { ...(values.since !== undefined ? { since: values.since } : {}), ...(values.until !== undefined ? { until: values.until } : {}) },
    ...(values.out !== undefined ? { out: values.out } : {}),
  };
}

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8')) as unknown;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ code: { display } }` → code → display (entries without a string display are left out). */
function displays(entries: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(entries)) return out;
  for (const [code, def] of Object.entries(entries)) {
    if (isRecord(def) && typeof def.display === 'string') out[code] = def.display;
  }
  return out;
}

/**
 * The displays from the hooks folder: card codes from hooks/cards/catalog.json
 * (`cards`) and hooks/order-checks/catalog.json (`checks`), services by their
 * hook (from the service definitions), override reasons from hooks/override-reasons.json.
 * A missing file leaves its codes shown as themselves; an unreadable one is an error.
 */
export function loadLabels(hooksDir: string): ReportLabels {
  const optional = (file: string): unknown => (existsSync(file) ? readJson(file) : undefined);
  const cardCatalog = optional(join(hooksDir, 'cards', 'catalog.json'));
  const orderCatalog = optional(join(hooksDir, 'order-checks', 'catalog.json'));
  const services: Record<string, string> = {};
  for (const name of SERVICE_FILES) {
    const def = optional(join(hooksDir, name));
    // Named by its hook (patient-view, order-select, order-sign): the titles are sentences, too long for a table column.
    if (isRecord(def) && typeof def.id === 'string') services[def.id] = typeof def.hook === 'string' ? def.hook : def.id;
  }
  const reasonsFile = optional(join(hooksDir, 'override-reasons.json'));
  const reasonDisplays: Record<string, string> = {};
  let system = OVERRIDE_REASON_SYSTEM;
  if (isRecord(reasonsFile)) {
    if (typeof reasonsFile.system === 'string') system = reasonsFile.system;
    if (Array.isArray(reasonsFile.reasons)) {
      for (const r of reasonsFile.reasons as unknown[]) {
        if (isRecord(r) && typeof r.code === 'string') reasonDisplays[r.code] = typeof r.display === 'string' ? r.display : r.code;
      }
    }
  }
  return {
    cards: { ...(isRecord(orderCatalog) ? displays(orderCatalog.checks) : {}), ...(isRecord(cardCatalog) ? displays(cardCatalog.cards) : {}) },
    services,
    reasons: { system, displays: reasonDisplays },
  };
}

function firstLine(message: string): string {
  return (message.split('\n').find((l) => l.trim() !== '') ?? message).trim();
}

/** Run the report; returns the exit code. Never throws. */
export async function runReport(argv: string[], io: ReportIo): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseReportArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`report: ${err.message} (${USAGE})\n`);
    return 2;
  }
  if (args === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  // Only the two settings the report needs: it runs beside a production service without the service's secrets.
  const env = io.env ?? process.env;
  try {
    const labels = loadLabels(hooksDirOf(env));
    const location = cardStoreLocation(env);
    // Opening a SQLite path creates the file: a report on a store that does not exist is a mistake (a wrong path), not an empty report.
    if (!isPostgresUrl(location) && location !== ':memory:' && !existsSync(location)) {
      io.err(`report: no card store at ${location} (set CDS_FEEDBACK_DB)\n`);
      return 1;
    }
    const store = await openCardStore(location);
    let data;
    try {
      data = await store.reportData(args.range);
    } finally {
      await store.close();
    }
    const report = buildReport(data, labels, args.range, (io.now ?? (() => new Date()))().toISOString());
    const text = args.format === 'html' ? renderHtml(report) : args.format === 'csv' ? renderCsv(report) : `${JSON.stringify(report, null, 2)}\n`;
    if (args.out === undefined) {
      io.out(text);
    } else {
      writeFileSync(args.out, text);
      io.err(`report: wrote ${args.out} (${args.format}, ${report.cards.length} card code lines)\n`);
    }
    return 0;
  } catch (err) {
    io.err(`report: ${firstLine(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

if (require.main === module) {
  runReport(process.argv.slice(2), { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`report: ${firstLine(err instanceof Error ? err.message : String(err))}\n`);
      process.exitCode = 1;
    },
  );
}
