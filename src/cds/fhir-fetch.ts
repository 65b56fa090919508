/**
 * FHIR server fallback for prefetch keys the client did not satisfy.
 *
 * Bounded against any FHIR server, whatever it sends or fails to send:
 *
 * - Time: one overall deadline (`deadlineMs`) starts when the fetcher is made,
 *   i.e. when the invocation starts gathering data. Every request gets one
 *   timer, `min(timeoutMs, time left before the deadline)`, which covers the
 *   whole exchange (connect, headers, every byte of the body); when it fires
 *   the request and its socket are destroyed. No request outlives the
 *   deadline, so neither does the gathering.
 * - Requests: at most `maxPages` per prefetch key (searches follow `next`
 *   links, same server only) plus `MAX_MEDICATION_REQUESTS` searches
 *   `Medication?_id=a,b,...` (`MEDICATION_BATCH_SIZE` ids each) for the
 *   referenced Medications: `maxRequestsPerInvocation()`, enforced by a
 *   counter as well.
 * - Bytes: at most `MAX_FETCHED_BYTES` (decompressed) per invocation, so a
 *   huge or endless body is cut before it is parsed.
 * - Sockets: each invocation has its own connection pool (keep-alive between
 *   its own pages), destroyed by `close()` when the gathering ends.
 *
 * Plain `node:http` / `node:https` rather than `fetch`: destroying a request
 * closes its socket at once (a `fetch` abort did not always reach undici, and
 * left sockets open to a server that never answered), and each request costs
 * far less event-loop time when many invocations fetch at once.
 *
 * Responses must be FHIR JSON of the expected type; redirects are not
 * followed. The bearer token is used for these requests only: never logged,
 * never kept.
 */
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { Logger } from 'pino';
import { epochNow } from '../clock';
import type { FhirResource } from '../patient/records';
import type { FhirFallback, MedicationReadResult } from './prefetch';
import { nextLink } from './bundle-links';
import { templateResourceType } from './templates';

export interface FetchSettings {
  /** Per request (connect, headers and body). */
  timeoutMs: number;
  /** For everything one invocation fetches, from the start of its gathering. */
  deadlineMs: number;
  /** Per prefetch key: pages of one search. */
  maxPages: number;
}

/** Ids per `Medication?_id=...` search. */
export const MEDICATION_BATCH_SIZE = 50;
/** Medication searches (pages included) per invocation: at most 200 referenced Medications are read. */
export const MAX_MEDICATION_REQUESTS = 4;
/** Decompressed bytes one invocation may read from the FHIR server (every response together). */
export const MAX_FETCHED_BYTES = 32 * 1024 * 1024;

/**
 * The most HTTP requests one invocation can make: `maxPages` per prefetch
 * key (fetched, or the later pages of a paginated prefetch) plus the
 * Medication searches. With the defaults: 9 × 20 + 4 = 184.
 */
export function maxRequestsPerInvocation(prefetchKeyCount: number, maxPages: number): number {
  return prefetchKeyCount * maxPages + MAX_MEDICATION_REQUESTS;
}

export interface FhirFetchOptions {
  fhirServer: string;
  /** From fhirAuthorization.access_token; sent as `Authorization: Bearer`. */
  accessToken?: string;
  context: Record<string, unknown>;
  templates: Record<string, string>;
  settings: FetchSettings;
  logger: Logger;
  /**
   * When the invocation started (`epochNow()` of the thread that received it),
   * when that was before the fetcher is made (e.g. a request queued for an
   * answer thread); the deadline runs from here. Default: now.
   */
  startedAt?: number;
}

/** Milliseconds since the epoch, sub-millisecond and monotonic within a thread; comparable between threads. */
export { epochNow };

type KeyResult = { resources: FhirResource[] } | { error: string };

class FetchFailure extends Error {}

/** A failure to report, not a bug to trace: no stack (hundreds can happen at once when a server hangs). */
function failure(message: string): FetchFailure {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new FetchFailure(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const DEADLINE_PASSED = 'the FHIR server did not answer within the overall deadline';
const TIMED_OUT = 'the FHIR server timed out';

/** Fill `{{context.x}}` tokens; undefined when a token cannot be filled. */
export function fillTemplate(template: string, context: Record<string, unknown>): string | undefined {
  let ok = true;
  const filled = template.replace(/\{\{\s*context\.([A-Za-z]+)\s*\}\}/g, (_m, name: string) => {
    const v = context[name];
    if (typeof v !== 'string' || v.length === 0) {
      ok = false;
      return '';
    }
    return encodeQueryValue(v);
  });
  if (/\{\{.*\}\}/.test(filled)) return undefined;
  return ok ? filled : undefined;
}

/** Percent-encode a query value, keeping the characters FHIR search syntax relies on. */
function encodeQueryValue(v: string): string {
  // Most values (ids, long code lists) need nothing: one scan instead of five.
  if (/^[A-Za-z0-9\-._~,|:/]*$/.test(v)) return v;
  return encodeURIComponent(v).replace(/%2C/gi, ',').replace(/%7C/gi, '|').replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** Encode each query parameter value of a relative FHIR query. */
export function encodeQuery(relative: string): string {
  const [path, query] = relative.split('?', 2);
  if (query === undefined) return path;
  const params = query.split('&').map((pair) => {
    const i = pair.indexOf('=');
    if (i < 0) return encodeQueryValue(pair);
    return `${pair.slice(0, i)}=${encodeQueryValue(decodeSafely(pair.slice(i + 1)))}`;
  });
  return `${path}?${params.join('&')}`;
}

function decodeSafely(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export function createFhirFetcher(options: FhirFetchOptions): FhirFallback {
  const base = options.fhirServer.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const { timeoutMs, maxPages } = options.settings;
  // The deadline clock starts when the invocation started gathering data (the fetcher is made then), or earlier when told.
  const now = epochNow();
  const deadlineAt = Math.min(options.startedAt ?? now, now) + options.settings.deadlineMs;
  const maxRequests = maxRequestsPerInvocation(Object.keys(options.templates).length, maxPages);
  let requestsMade = 0;
  let bytesRead = 0;
  let agent: http.Agent | undefined;
  let closed = false;
  /** How to fail each request in flight (close() ends them all). */
  const inflight = new Set<(err: FetchFailure) => void>();

  return {
    followPages: async (nextUrl: string) => searchAllPages(new URL(nextUrl, `${base}/`).toString(), 'paginated'),
    fetchMissing,
    readMedications,
    close: () => {
      closed = true;
      for (const fail of [...inflight]) fail(failure(DEADLINE_PASSED));
      agent?.destroy();
    },
  };

  async function fetchMissing(keys: string[]): Promise<Record<string, KeyResult>> {
    const failed: Record<string, string> = {};
    const results = await Promise.all(
      keys.map(async (key): Promise<[string, KeyResult]> => {
        const template = options.templates[key];
        const filled = template ? fillTemplate(template, options.context) : undefined;
        if (!filled) return [key, { error: 'the query template could not be filled from the context' }];
        const type = templateResourceType(template);
        const isSearch = filled.includes('?');
        const url = `${base}/${encodeQuery(filled)}`;
        try {
          const resources = isSearch ? await searchAllPages(url, type) : [await readOne(url, type)];
          return [key, { resources }];
        } catch (err) {
          const reason = (err as Error).message;
          failed[key] = reason;
          return [key, { error: reason }];
        }
      }),
    );
    // One line for all the keys that failed (a hung server fails them all at once).
    if (Object.keys(failed).length > 0) options.logger.warn({ failed }, 'FHIR fetch failed');
    return Object.fromEntries(results);
  }

  /**
   * Read `Medication/<id>` references in batched searches (`Medication?_id=a,b,c`),
   * at most `MAX_MEDICATION_REQUESTS` requests, pages included; what could not
   * be read is counted, with the reasons, for the cards.
   */
  async function readMedications(references: string[]): Promise<MedicationReadResult> {
    const ids = [...new Set(references.filter((r) => r.startsWith('Medication/')).map((r) => r.slice('Medication/'.length)))];
    const cap = MEDICATION_BATCH_SIZE * MAX_MEDICATION_REQUESTS;
    const wanted = new Set(ids.slice(0, cap));
    const batches: string[][] = [];
    for (let i = 0; i < Math.min(ids.length, cap); i += MEDICATION_BATCH_SIZE) batches.push(ids.slice(i, i + MEDICATION_BATCH_SIZE));
    let budget = MAX_MEDICATION_REQUESTS;
    const found = new Map<string, FhirResource>();
    const failures = new Set<string>();
    await Promise.all(
      batches.map(async (batch) => {
        let url: string | undefined = `${base}/Medication?_id=${batch.join(',')}&_count=${MEDICATION_BATCH_SIZE}`;
        try {
          while (url !== undefined) {
            if (budget <= 0) throw failure(`the Medication searches had more pages than the limit of ${MAX_MEDICATION_REQUESTS} requests`);
            budget -= 1;
            const page = await searchPage(url, 'Medication');
            for (const r of page.resources) if (r.resourceType === 'Medication' && typeof r.id === 'string' && wanted.has(r.id)) found.set(r.id, r);
            url = page.next;
          }
        } catch (err) {
          failures.add((err as Error).message);
        }
      }),
    );
    const missing = ids.length - found.size;
    if (missing === 0) return { resources: [...found.values()] };
    const why: string[] = [];
    if (ids.length > wanted.size) why.push(`${ids.length - wanted.size} beyond the limit of ${cap} read per invocation`);
    why.push(...failures);
    if (failures.size === 0 && found.size < wanted.size) why.push(`${wanted.size - found.size} not found on the FHIR server`);
    const unavailable = `${missing} of ${ids.length} could not be read: ${why.join('; ')}`;
    options.logger.warn({ missing, referenced: ids.length, requests: MAX_MEDICATION_REQUESTS - budget }, 'referenced Medication not fetched');
    return { resources: [...found.values()], unavailable };
  }

  function agentFor(protocol: string): http.Agent {
    // One pool per invocation (one FHIR server, so one protocol): its own pages reuse connections, close() ends them all.
    agent ??= protocol === 'https:' ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    return agent;
  }

  function get(url: string): Promise<{ status: number; body: unknown }> {
    const target = new URL(url);
    if (target.origin !== origin) return Promise.reject(failure('a link pointed away from the FHIR server; not followed'));
    const left = deadlineAt - epochNow();
    if (closed || left <= 0) return Promise.reject(failure(DEADLINE_PASSED));
    if (requestsMade >= maxRequests) return Promise.reject(failure(`the limit of ${maxRequests} FHIR requests per invocation was reached; stopped`));
    requestsMade += 1;
    const headers: Record<string, string> = { Accept: 'application/fhir+json', 'Accept-Encoding': 'gzip' };
    if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
    const lib = target.protocol === 'https:' ? https : http;

    return new Promise((resolve, reject) => {
      let settled = false;
      let req: http.ClientRequest;
      try {
        req = lib.request(target, { method: 'GET', headers, agent: agentFor(target.protocol) });
      } catch {
        // e.g. a token with characters a header cannot carry (Node's message names no value).
        reject(failure('the request to the FHIR server could not be made'));
        return;
      }
      // One timer covers the whole exchange: connect, headers, every byte of the body.
      const timer = setTimeout(() => fail(failure(left <= timeoutMs ? DEADLINE_PASSED : TIMED_OUT)), Math.min(timeoutMs, left));
      const finish = (): boolean => {
        if (settled) return false;
        settled = true;
        clearTimeout(timer);
        inflight.delete(fail);
        return true;
      };
      const fail = (err: FetchFailure): void => {
        if (!finish()) return;
        req.destroy();
        reject(err);
      };
      inflight.add(fail);
      req.on('error', () => fail(failure(closed ? DEADLINE_PASSED : 'the FHIR server could not be reached')));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', () => fail(failure('the FHIR server broke off its answer')));
        if (status === 401 || status === 403) return fail(failure(`the FHIR server refused access (HTTP ${status})`));
        if (status >= 300 && status < 400) return fail(failure(`the FHIR server redirected (HTTP ${status}); redirects are not followed`));
        const body = decoded(res);
        if (body === undefined) return fail(failure(`the FHIR server answered HTTP ${status} with an encoding it was not asked for`));
        const chunks: Buffer[] = [];
        body.on('data', (chunk: Buffer) => {
          if (settled) return;
          bytesRead += chunk.length;
          if (bytesRead > MAX_FETCHED_BYTES) fail(failure(`the FHIR server sent more than ${MAX_FETCHED_BYTES / 1024 / 1024} MB for this invocation; stopped`));
          else chunks.push(chunk);
        });
        body.on('error', () => fail(failure('the FHIR server broke off its answer')));
        res.on('close', () => {
          if (!res.complete) fail(failure('the FHIR server broke off its answer'));
        });
        body.on('end', () => {
          if (settled) return;
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            return fail(failure(`the FHIR server answered HTTP ${status} with something that is not JSON`));
          }
          if (finish()) resolve({ status, body: parsed });
        });
      });
      req.end();
    });
  }

  async function readOne(url: string, type: string): Promise<FhirResource> {
    const { status, body } = await get(url);
    if (status === 404 || status === 410) throw failure(`${type} not found on the FHIR server (HTTP ${status})`);
    if (status >= 400) throw failure(`the FHIR server answered HTTP ${status}`);
    if (!isResource(body, type)) throw failure(`the FHIR server did not return a ${type}`);
    return body;
  }

  async function searchPage(url: string, type: string): Promise<{ resources: FhirResource[]; next?: string }> {
    const { status, body } = await get(url);
    if (status >= 400) throw failure(`the FHIR server answered HTTP ${status}${isResource(body, 'OperationOutcome') ? ' (OperationOutcome)' : ''}`);
    if (!isResource(body, 'Bundle')) throw failure(`the FHIR server did not return a Bundle for a ${type} search`);
    const resources: FhirResource[] = [];
    const entries = Array.isArray(body.entry) ? body.entry : [];
    for (const entry of entries) {
      const r = (entry as { resource?: unknown } | null)?.resource;
      if (isResource(r) && r.resourceType !== 'OperationOutcome') resources.push(r);
    }
    const next = nextLink(body);
    return { resources, ...(next ? { next: new URL(next, `${base}/`).toString() } : {}) };
  }

  async function searchAllPages(firstUrl: string, type: string): Promise<FhirResource[]> {
    const resources: FhirResource[] = [];
    let url: string | undefined = firstUrl;
    for (let page = 0; url !== undefined; page++) {
      if (page >= maxPages) throw failure(`the search had more than ${maxPages} pages; stopped`);
      const result: { resources: FhirResource[]; next?: string } = await searchPage(url, type);
      resources.push(...result.resources);
      url = result.next;
    }
    return resources;
  }
}

/** The body as it was sent: gunzipped when the server used gzip; undefined for any other encoding (only gzip is asked for). */
function decoded(res: http.IncomingMessage): Readable | undefined {
  const encoding = String(res.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return res;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') return undefined;
  const gunzip = zlib.createGunzip();
  res.on('error', (err) => gunzip.destroy(err));
  return res.pipe(gunzip);
}

function isResource(v: unknown, type?: string): v is FhirResource {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { resourceType?: unknown }).resourceType === 'string' &&
    (type === undefined || (v as { resourceType: string }).resourceType === type)
  );
}
