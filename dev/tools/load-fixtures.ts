/**
 * Load the fixture patients into a FHIR R4 server: each fixture file is a
 * transaction Bundle of PUT entries with fixed ids, POSTed to the server base.
 *
 *   npm run fixtures:load -- --server <base-url> [--token <bearer>] [--dir fixtures/patients] [--timeout 30000]
 *
 * The token may also come from FHIR_TOKEN (keeps it out of the process list).
 * It is sent as `Authorization: Bearer ...` and never printed.
 * Exit status: 0 all loaded, 1 some bundle failed, 2 usage error.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs as parseCommandLine } from 'node:util';
import { projectRoot } from '../../src/config';

export interface LoadFixturesOptions {
  /** FHIR base URL, e.g. http://127.0.0.1:8090/fhir (a trailing slash is ignored). */
  server: string;
  token?: string;
  /** Default `<project root>/fixtures/patients`. */
  dir?: string;
  /** Per request, default 30 000 ms. */
  timeoutMs?: number;
  /** One line per bundle; default stdout. */
  log?: (line: string) => void;
}

export interface FixtureLoadResult {
  file: string;
  ok: boolean;
  /** HTTP status, 0 when no response (network error, timeout, unreadable file). */
  status: number;
  entries: number;
  ms: number;
  error?: string;
}

type Json = Record<string, unknown>;

function redact(text: string, token: string | undefined): string {
  return token ? text.split(token).join('***') : text;
}

function outcomeText(body: unknown): string | undefined {
  const o = body as Json | undefined;
  if (o?.resourceType !== 'OperationOutcome' || !Array.isArray(o.issue)) return undefined;
  return (o.issue as Json[])
    .map((i) => ((i.details as Json | undefined)?.text as string | undefined) ?? (i.diagnostics as string | undefined) ?? String(i.code))
    .join('; ');
}

/** Entries of a transaction-response whose status is not 2xx. */
function failedEntries(body: unknown): string[] {
  const entries = ((body as Json | undefined)?.entry as Json[] | undefined) ?? [];
  const failed: string[] = [];
  entries.forEach((e, i) => {
    const r = e.response as Json | undefined;
    const status = String(r?.status ?? '');
    if (!/^2\d\d/.test(status)) failed.push(`entry ${i}: ${status || 'no status'}${outcomeText(r?.outcome) ? ` ${outcomeText(r?.outcome)}` : ''}`);
  });
  return failed;
}

function normalizeBase(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`--server must be an absolute http(s) URL, got "${server}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`--server must be http or https, got ${url.protocol}`);
  if (url.search || url.hash) throw new Error('--server must be the FHIR base URL, without query or fragment');
  return url.toString().replace(/\/+$/, '');
}

export function listFixtureFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`fixtures folder not found: ${dir}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (!files.length) throw new Error(`no .json files in ${dir}`);
  return files;
}

/** POST every fixture bundle as a transaction; one result (and one log line) per file, in file order. */
export async function loadFixtureBundles(opts: LoadFixturesOptions): Promise<FixtureLoadResult[]> {
  const base = normalizeBase(opts.server);
  const dir = resolve(opts.dir ?? join(projectRoot(), 'fixtures', 'patients'));
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const log = opts.log ?? ((line: string): void => void process.stdout.write(line + '\n'));
  const headers: Record<string, string> = { 'Content-Type': 'application/fhir+json', Accept: 'application/fhir+json' };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;

  const results: FixtureLoadResult[] = [];
  for (const file of listFixtureFiles(dir)) {
    const t0 = performance.now();
    const result: FixtureLoadResult = { file, ok: false, status: 0, entries: 0, ms: 0 };
    try {
      const text = readFileSync(join(dir, file), 'utf8');
      const bundle = JSON.parse(text) as Json;
      if (bundle.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
        throw new Error('not a transaction or batch Bundle');
      }
      result.entries = Array.isArray(bundle.entry) ? bundle.entry.length : 0;
      const res = await fetch(base, { method: 'POST', headers, body: text, signal: AbortSignal.timeout(timeoutMs) });
      result.status = res.status;
      const raw = await res.text();
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = undefined;
      }
      if (!res.ok) {
        throw new Error(outcomeText(body) ?? (raw.slice(0, 200) || res.statusText));
      }
      const failed = failedEntries(body);
      if (failed.length) throw new Error(`${failed.length} entries failed: ${failed.slice(0, 3).join('; ')}`);
      result.ok = true;
    } catch (err) {
      const e = err as Error;
      result.error = e.name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : e.name === 'SyntaxError' ? `invalid JSON: ${e.message}` : e.message;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      if (cause?.code || cause?.message) result.error += ` (${cause.code ?? cause.message})`;
      result.error = redact(result.error, opts.token);
    }
    result.ms = performance.now() - t0;
    const status = result.status ? String(result.status) : '---';
    log(result.ok ? `ok      ${status}  ${file}  (${result.entries} entries, ${result.ms.toFixed(0)} ms)` : `FAILED  ${status}  ${file}: ${result.error}`);
    results.push(result);
  }
  return results;
}

interface CliArgs {
  server: string;
  token?: string;
  dir?: string;
  timeoutMs?: number;
}

function usage(): string {
  return (
    'usage: npm run fixtures:load -- --server <fhir-base-url> [--token <bearer>] [--dir fixtures/patients] [--timeout <ms>]\n' +
    '       (the token may also be given in FHIR_TOKEN)\n'
  );
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): CliArgs {
  let values: { server?: string; token?: string; dir?: string; timeout?: string; help?: boolean };
  try {
    ({ values } = parseCommandLine({
      args: argv,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        dir: { type: 'string' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new Error(`unknown argument: ${(err as Error).message}`);
  }
  if (values.help) throw new Error('');
  for (const [name, value] of Object.entries(values)) if (value === '') throw new Error(`--${name} needs a value`);
  const out: Partial<CliArgs> = {};
  if (values.server) out.server = values.server;
  if (values.token) out.token = values.token;
  if (values.dir) out.dir = values.dir;
  if (values.timeout !== undefined) {
    const n = Number(values.timeout);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--timeout must be a positive integer (ms), got "${values.timeout}"`);
    out.timeoutMs = n;
  }
  if (!out.server) throw new Error('--server is required');
  if (!out.token && env.FHIR_TOKEN) out.token = env.FHIR_TOKEN;
  return out as CliArgs;
}

/** The command: returns the exit status. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (err) {
    const msg = (err as Error).message;
    process.stderr.write((msg ? `fixtures:load: ${msg}\n` : '') + usage());
    return 2;
  }
  let results: FixtureLoadResult[];
  try {
    results = await loadFixtureBundles(args);
  } catch (err) {
    process.stderr.write(`fixtures:load: ${redact((err as Error).message, args.token)}\n`);
    return 2;
  }
  const failed = results.filter((r) => !r.ok).length;
  process.stdout.write(failed ? `${failed} of ${results.length} bundles failed\n` : `${results.length} bundles loaded into ${normalizeBase(args.server)}\n`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`fixtures:load: ${(err as Error).message}\n`);
      process.exitCode = 1;
    },
  );
}
