/**
 * FHIR server fallback for prefetch keys the client did not satisfy.
 *
 * All missing keys are fetched at once (one round trip deep), each request
 * with its own timeout and all of them under one overall deadline. A search
 * Bundle's `next` links are followed (same server only, at most `maxPages`
 * pages). Responses must be FHIR JSON of the expected type. The bearer token
 * is used for these requests only: never logged, never kept.
 */
import type { Logger } from 'pino';
import type { FhirResource } from '../patient/records';
import type { FhirFallback } from './prefetch';
import { nextLink } from './bundle-links';
import { templateResourceType } from './templates';

export interface FetchSettings {
  timeoutMs: number;
  deadlineMs: number;
  maxPages: number;
}

export interface FhirFetchOptions {
  fhirServer: string;
  /** From fhirAuthorization.access_token; sent as `Authorization: Bearer`. */
  accessToken?: string;
  context: Record<string, unknown>;
  templates: Record<string, string>;
  settings: FetchSettings;
  logger: Logger;
  fetchImpl?: typeof fetch;
}

type KeyResult = { resources: FhirResource[] } | { error: string };

class FetchFailure extends Error {}

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
  const doFetch = options.fetchImpl ?? fetch;

  // One overall deadline for everything this request fetches, from its first fetch.
  let deadlineSignal: AbortSignal | undefined;
  const deadline = (): AbortSignal => (deadlineSignal ??= AbortSignal.timeout(options.settings.deadlineMs));
  const describe = (err: unknown): string => (deadline().aborted ? 'the FHIR server did not answer within the overall deadline' : (err as Error).message);

  return {
    followPages: async (nextUrl: string) => {
      try {
        return await searchAllPages(new URL(nextUrl, `${base}/`).toString(), 'paginated');
      } catch (err) {
        throw new FetchFailure(describe(err));
      }
    },
    fetchMissing,
    readMedications: async (refs: string[]) => {
      const medications = await Promise.all(refs.map((ref) => readOne(`${base}/${ref}`, 'Medication').catch(() => undefined)));
      const found = medications.filter((m): m is FhirResource => m !== undefined);
      if (found.length < refs.length) options.logger.warn({ missing: refs.length - found.length }, 'referenced Medication not fetched');
      return found;
    },
  };

  async function fetchMissing(keys: string[]): Promise<Record<string, KeyResult>> {
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
          const reason = describe(err);
          options.logger.warn({ key, reason }, 'FHIR fetch failed');
          return [key, { error: reason }];
        }
      }),
    );
    return Object.fromEntries(results);
  }

  async function get(url: string): Promise<{ status: number; body: unknown }> {
    if (new URL(url).origin !== origin) throw new FetchFailure('a link pointed away from the FHIR server; not followed');
    const signal = AbortSignal.any([deadline(), AbortSignal.timeout(options.settings.timeoutMs)]);
    const headers: Record<string, string> = { Accept: 'application/fhir+json' };
    if (options.accessToken) headers.Authorization = `Bearer ${options.accessToken}`;
    let res: Response;
    try {
      res = await doFetch(url, { headers, signal, redirect: 'manual' });
    } catch (err) {
      if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw new FetchFailure('the FHIR server timed out');
      throw new FetchFailure('the FHIR server could not be reached');
    }
    let text: string;
    try {
      text = await res.text();
    } catch {
      throw new FetchFailure('the FHIR server timed out');
    }
    if (res.status === 401 || res.status === 403) throw new FetchFailure(`the FHIR server refused access (HTTP ${res.status})`);
    if (res.status >= 300 && res.status < 400) throw new FetchFailure(`the FHIR server redirected (HTTP ${res.status}); redirects are not followed`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new FetchFailure(`the FHIR server answered HTTP ${res.status} with something that is not JSON`);
    }
    return { status: res.status, body };
  }

  async function readOne(url: string, type: string): Promise<FhirResource> {
    const { status, body } = await get(url);
    if (status === 404 || status === 410) throw new FetchFailure(`${type} not found on the FHIR server (HTTP ${status})`);
    if (status >= 400) throw new FetchFailure(`the FHIR server answered HTTP ${status}`);
    if (!isResource(body, type)) throw new FetchFailure(`the FHIR server did not return a ${type}`);
    return body;
  }

  async function searchAllPages(firstUrl: string, type: string): Promise<FhirResource[]> {
    const resources: FhirResource[] = [];
    let url: string | undefined = firstUrl;
    for (let page = 0; url !== undefined; page++) {
      if (page >= options.settings.maxPages) {
        throw new FetchFailure(`the search had more than ${options.settings.maxPages} pages; stopped`);
      }
      const { status, body } = await get(url);
      if (status >= 400) throw new FetchFailure(`the FHIR server answered HTTP ${status}${isResource(body, 'OperationOutcome') ? ' (OperationOutcome)' : ''}`);
      if (!isResource(body, 'Bundle')) throw new FetchFailure(`the FHIR server did not return a Bundle for a ${type} search`);
      const entries = Array.isArray(body.entry) ? body.entry : [];
      for (const entry of entries) {
        const r = (entry as { resource?: unknown }).resource;
        if (isResource(r)) {
          if (r.resourceType === 'OperationOutcome') continue;
          resources.push(r);
        }
      }
      const next = nextLink(body);
      url = next ? new URL(next, `${base}/`).toString() : undefined;
    }
    return resources;
  }
}

function isResource(v: unknown, type?: string): v is FhirResource {
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { resourceType?: unknown }).resourceType === 'string' &&
    (type === undefined || (v as { resourceType: string }).resourceType === type)
  );
}
