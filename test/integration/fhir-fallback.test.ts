/**
 * The FHIR server fallback's failure modes, with the FHIR server played by
 * nock: the status code, the OperationOutcome, what the cards say, and that
 * no token appears in the logs. (The happy path end to end runs against a
 * real local FHIR server in test/e2e.)
 */
import { gzipSync } from 'node:zlib';
import nock from 'nock';
import request from 'supertest';
import { bundleResources, prefetchFor } from '../../dev/tools/fixture-requests';
import {
  MAX_FETCHED_BYTES,
  MAX_MEDICATION_REQUESTS,
  MEDICATION_BATCH_SIZE,
  createFhirFetcher,
  epochNow,
  maxRequestsPerInvocation,
} from '../../src/cds/fhir-fetch';
import { createLogger } from '../../src/logger';
import { templateResourceType } from '../../src/cds/templates';
import { cardCodes, expectOperationOutcome, expectValidCdsResponse, expected, fixtureBundle, fixtureRequest, knowledgeFor, makeTestApp } from '../support/cds';
import { RELAPSE, base, requestFor } from '../support/chart';

const SERVER = 'http://fhir.test';
const BASE = `${SERVER}/fhir`;
const TOKEN = 'tok-SECRET-0123456789abcdef';
const URL = '/cds-services/relapsed-all-patient-view';
const NAME = 'early-marrow-b-awaiting';
const templates = knowledgeFor().service.prefetch;

function app(env: NodeJS.ProcessEnv = {}) {
  return makeTestApp({ env: { CDS_FHIR_SERVER_ALLOWLIST: BASE, CDS_FETCH_TIMEOUT_MS: '300', CDS_FETCH_DEADLINE_MS: '800', ...env } });
}

/** The request an EHR sends with `fhirServer` and a token, keeping only the given prefetch keys. */
function requestWith(keep: string[], name = NAME): Record<string, unknown> {
  const req = fixtureRequest(name);
  const prefetch = req.prefetch as Record<string, unknown>;
  const kept = Object.fromEntries(Object.entries(prefetch).filter(([k]) => keep.includes(k)));
  return {
    ...req,
    fhirServer: BASE,
    fhirAuthorization: { access_token: TOKEN, token_type: 'Bearer', expires_in: 300, scope: 'patient/*.read', subject: 'cds-service' },
    ...(keep.length > 0 ? { prefetch: kept } : { prefetch: undefined }),
  };
}

/** What the FHIR server holds for a fixture, per key (a resource, or a searchset Bundle). */
function serverData(name = NAME): Record<string, unknown> {
  const data = prefetchFor(bundleResources(fixtureBundle(name)), templates);
  for (const [key, value] of Object.entries(data)) {
    if (value === null) data[key] = templates[key].includes('?') ? { resourceType: 'Bundle', type: 'searchset', total: 0 } : null;
  }
  return data;
}

function pathOf(key: string, patientId: string): string {
  const type = templateResourceType(templates[key]);
  return templates[key].includes('?') ? `/fhir/${type}` : `/fhir/${type}/${patientId}`;
}

/** Serve every key except `except` from nock, checking the bearer token. */
function serveAll(except: string[] = [], name = NAME): nock.Scope {
  const patientId = (fixtureRequest(name).context as { patientId: string }).patientId;
  const data = serverData(name);
  const scope = nock(SERVER, { reqheaders: { authorization: `Bearer ${TOKEN}`, accept: 'application/fhir+json' } });
  for (const key of Object.keys(templates)) {
    if (except.includes(key)) continue;
    scope
      .get(pathOf(key, patientId))
      .query(true)
      .reply(200, data[key] as nock.Body, { 'Content-Type': 'application/fhir+json' });
  }
  return scope;
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe('FHIR server fallback', () => {
  it('fetches every key when nothing is prefetched, with the bearer token, and gives the same cards', async () => {
    const t = app();
    const scope = serveAll();
    const res = await request(t.app).post(URL).send(requestWith([])).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(cardCodes(body)).toEqual(expected[NAME].cards);
    expect(body.extension?.['relapsed-all-cds.stratification']).toEqual(expected[NAME].stratification);
    expect(scope.isDone()).toBe(true);
    expect(t.logs.join('')).not.toContain(TOKEN);
  });

  it('fetches only the keys the client left out', async () => {
    const t = app();
    const scope = serveAll(['patient', 'conditions']);
    const res = await request(t.app)
      .post(URL)
      .send(requestWith(['patient', 'conditions']))
      .expect(200);
    expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(expected[NAME].cards);
    expect(scope.isDone()).toBe(true);
  });

  it('follows next links of a paginated search', async () => {
    const t = app();
    const conditions = serverData().conditions as { entry: unknown[] };
    const scope = serveAll(['conditions']);
    scope
      .get('/fhir/Condition')
      .query((q) => q.page === undefined)
      .reply(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: conditions.entry.slice(0, 1),
        link: [{ relation: 'next', url: `${BASE}/Condition?patient=x&page=2` }],
      })
      .get('/fhir/Condition')
      .query({ patient: 'x', page: '2' })
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: conditions.entry.slice(1) });
    const res = await request(t.app).post(URL).send(requestWith([])).expect(200);
    expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(expected[NAME].cards);
    expect(scope.isDone()).toBe(true);
  });

  it('does not follow a next link to another host', async () => {
    const t = app();
    const conditions = serverData().conditions as { entry: unknown[] };
    serveAll(['conditions'])
      .get('/fhir/Condition')
      .query(true)
      .reply(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: conditions.entry,
        link: [{ relation: 'next', url: 'http://elsewhere.test/fhir/Condition?page=2' }],
      });
    const elsewhere = nock('http://elsewhere.test').get(/.*/).reply(200, {});
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0].diagnostics).toMatch(/pointed away from the FHIR server/);
    expect(elsewhere.isDone()).toBe(false);
  });

  it('uses an OperationOutcome in prefetch as "unavailable" without refetching, and says so on the cards', async () => {
    const t = app();
    const req = requestWith(Object.keys(templates));
    (req.prefetch as Record<string, unknown>).observations = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', diagnostics: 'lab system offline' }],
    };
    const observationSearch = nock(SERVER).get('/fhir/Observation').query(true).reply(200, {});
    const res = await request(t.app).post(URL).send(req).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(observationSearch.isDone()).toBe(false);
    for (const card of body.cards) expect(card.detail).toContain('**Unavailable data:** laboratory results');
    expect(body.cards[0].detail).toContain('lab system offline');
  });

  it('degrades when optional data fails: the cards say which data was missing', async () => {
    const t = app();
    const patientId = (fixtureRequest(NAME).context as { patientId: string }).patientId;
    serveAll(['medicationRequests']).get(pathOf('medicationRequests', patientId)).query(true).reply(500, 'oops');
    const res = await request(t.app).post(URL).send(requestWith([])).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(body.cards[0].detail).toMatch(/\*\*Unavailable data:\*\* medication orders \(the FHIR server answered HTTP 500/);
  });

  const failures: [string, (s: nock.Interceptor) => nock.Scope, RegExp][] = [
    ['times out', (i) => i.delay(1_000).reply(200, { resourceType: 'Patient', id: 'emb-pt' }), /timed out|deadline/],
    ['answers 401', (i) => i.reply(401, { resourceType: 'OperationOutcome' }), /refused access \(HTTP 401\)/],
    ['answers 403', (i) => i.reply(403, 'forbidden'), /refused access \(HTTP 403\)/],
    ['answers 404 on Patient', (i) => i.reply(404, { resourceType: 'OperationOutcome', issue: [] }), /Patient not found on the FHIR server \(HTTP 404\)/],
    ['answers 500', (i) => i.reply(500, { resourceType: 'OperationOutcome', issue: [] }), /HTTP 500/],
    ['answers garbage', (i) => i.reply(200, '<html>login</html>', { 'Content-Type': 'text/html' }), /not JSON/],
    ['answers the wrong resource type', (i) => i.reply(200, { resourceType: 'Observation', id: 'o1' }), /did not return a Patient/],
  ];

  it.each(failures)('412 when the FHIR server %s for essential data, with no token in the logs', async (_name, reply, message) => {
    const t = app();
    serveAll(['patient']);
    reply(nock(SERVER).get('/fhir/Patient/emb-pt').query(true));
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0].diagnostics).toMatch(/cannot decide whether the patient has relapsed ALL/);
    expect(res.body.issue[0].diagnostics).toMatch(message);
    expect(t.logs.join('')).not.toContain(TOKEN);
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });

  it('412 when a slow second page passes the overall deadline', async () => {
    const t = app({ CDS_FETCH_TIMEOUT_MS: '1500', CDS_FETCH_DEADLINE_MS: '500' });
    const conditions = serverData().conditions as { entry: unknown[] };
    serveAll(['conditions'])
      .get('/fhir/Condition')
      .query((q) => q.page === undefined)
      .reply(200, {
        resourceType: 'Bundle',
        type: 'searchset',
        entry: conditions.entry.slice(0, 1),
        link: [{ relation: 'next', url: `${BASE}/Condition?page=2` }],
      })
      .get('/fhir/Condition')
      .query({ page: '2' })
      .delay(2_000)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', entry: conditions.entry.slice(1) });
    const started = Date.now();
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0].diagnostics).toMatch(/conditions.*did not answer within the overall deadline/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('follows no redirect (to another host or at all): 412, and the other host is never called', async () => {
    const t = app();
    serveAll(['patient']);
    nock(SERVER).get('/fhir/Patient/emb-pt').query(true).reply(302, '', { Location: 'http://elsewhere.test/fhir/Patient/emb-pt' });
    const elsewhere = nock('http://elsewhere.test').get(/.*/).reply(200, { resourceType: 'Patient', id: 'emb-pt' });
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expect(res.body.issue[0].diagnostics).toMatch(/redirected \(HTTP 302\); redirects are not followed/);
    expect(elsewhere.isDone()).toBe(false);
    expect(t.logs.join('')).not.toContain(TOKEN);
  });

  it('stops after the configured number of pages', async () => {
    const t = app({ CDS_FETCH_MAX_PAGES: '2' });
    serveAll(['conditions'])
      .get('/fhir/Condition')
      .times(3)
      .query(true)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: `${BASE}/Condition?page=more` }] });
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expect(res.body.issue[0].diagnostics).toMatch(/more than 2 pages/);
  });

  it('412 without any network call when there is no fhirServer and the Condition key is missing', async () => {
    const t = app();
    const req = requestWith(['patient']);
    delete req.fhirServer;
    delete req.fhirAuthorization;
    const res = await request(t.app).post(URL).send(req).expect(412);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0].diagnostics).toMatch(/conditions.*no FHIR server/);
  });

  it('412 without any network call when the fhirServer is not on the allowlist', async () => {
    const t = makeTestApp();
    const anyCall = nock(SERVER).get(/.*/).reply(200, {});
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expect(res.body.issue[0].diagnostics).toMatch(/not on this service's allowlist/);
    expect(anyCall.isDone()).toBe(false);
  });
});

/** Every request nock saw (a catch-all that answers through `answer`), to count them. */
function recordAll(answer: (url: URL) => [number, nock.Body]): URL[] {
  const seen: URL[] = [];
  nock(SERVER)
    .persist()
    .get(/.*/)
    .reply((uri) => {
      const url = new globalThis.URL(uri, SERVER);
      seen.push(url);
      const [status, body] = answer(url);
      return [status, body, { 'Content-Type': 'application/fhir+json' }];
    });
  return seen;
}

function searchset(resources: unknown[], next?: string): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    entry: resources.map((resource) => ({ resource })),
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
  };
}

/** MedicationRequests of `emb-pt`, each pointing at its own Medication (`med-<from>` ... `med-<from + n - 1>`). */
function ordersReferencing(from: number, n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({
    resourceType: 'MedicationRequest',
    id: `mr-${from + i}`,
    status: 'completed',
    intent: 'order',
    subject: { reference: 'Patient/emb-pt' },
    authoredOn: '2020-01-01',
    medicationReference: { reference: `Medication/med-${from + i}` },
  }));
}

/** The Medications a `Medication?_id=...` search asks for (what a FHIR server holds for every id). */
function medicationsFor(url: URL): Record<string, unknown>[] {
  return (url.searchParams.get('_id') ?? '')
    .split(',')
    .filter(Boolean)
    .map((id) => ({ resourceType: 'Medication', id, code: { text: `drug ${id}` } }));
}

const medicationSearches = (seen: URL[]): URL[] =>
  seen.filter(
    (u) =>
      u.pathname.startsWith('/fhir/Medication') &&
      !u.pathname.startsWith('/fhir/MedicationRequest') &&
      !u.pathname.startsWith('/fhir/MedicationAdministration') &&
      !u.pathname.startsWith('/fhir/MedicationStatement'),
  );

describe('bounded: how many requests one invocation makes', () => {
  const keyCount = Object.keys(templates).length;

  it('reads 3 000 referenced Medications in at most 4 batched _id searches; the rest is reported as unavailable data', async () => {
    const t = app();
    const req = requestWith(Object.keys(templates));
    (req.prefetch as Record<string, unknown>).medicationRequests = searchset(ordersReferencing(0, 3_000));
    const seen = recordAll((url) => [200, searchset(medicationsFor(url))]);
    const res = await request(t.app).post(URL).send(req).expect(200);
    const body = expectValidCdsResponse(res.body);

    // Only Medication searches: no key was missing, and never one GET per Medication.
    expect(seen.length).toBeLessThanOrEqual(MAX_MEDICATION_REQUESTS);
    expect(seen).toHaveLength(MAX_MEDICATION_REQUESTS);
    for (const url of seen) {
      expect(url.pathname).toBe('/fhir/Medication');
      const ids = (url.searchParams.get('_id') ?? '').split(',');
      expect(ids.length).toBeGreaterThan(1);
      expect(ids.length).toBeLessThanOrEqual(MEDICATION_BATCH_SIZE);
    }
    const read = MEDICATION_BATCH_SIZE * MAX_MEDICATION_REQUESTS;
    expect(new Set(seen.flatMap((u) => (u.searchParams.get('_id') ?? '').split(','))).size).toBe(read);
    for (const card of body.cards)
      expect(card.detail).toContain(
        `referenced medications (${3_000 - read} of 3000 could not be read: ${3_000 - read} beyond the limit of ${read} read per invocation)`,
      );
    expect(t.logs.join('')).not.toContain(TOKEN);
  });

  it('follows the pages of a Medication search within the same cap', async () => {
    const t = app();
    const req = requestWith(Object.keys(templates));
    (req.prefetch as Record<string, unknown>).medicationRequests = searchset(ordersReferencing(0, 120));
    // A server that ignores _count and pages by 25.
    const seen = recordAll((url) => {
      const all = medicationsFor(url);
      const page = Number(url.searchParams.get('page') ?? '0');
      const next = (page + 1) * 25 < all.length ? `${BASE}/Medication?_id=${url.searchParams.get('_id')}&page=${page + 1}` : undefined;
      return [200, searchset(all.slice(page * 25, (page + 1) * 25), next)];
    });
    const res = await request(t.app).post(URL).send(req).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(medicationSearches(seen)).toHaveLength(MAX_MEDICATION_REQUESTS);
    expect(seen).toHaveLength(MAX_MEDICATION_REQUESTS);
    // 120 ids in batches of 50, 50, 20 need 2 + 2 + 1 pages: one more than the cap.
    expect(body.cards[0].detail).toMatch(
      /referenced medications \(\d+ of 120 could not be read: the Medication searches had more pages than the limit of 4 requests\)/,
    );
  });

  it(`makes at most (prefetch keys × CDS_FETCH_MAX_PAGES + ${MAX_MEDICATION_REQUESTS}) requests, whatever the server sends`, async () => {
    const maxPages = 3;
    const t = app({ CDS_FETCH_MAX_PAGES: String(maxPages) });
    const seen = recordAll((url) => {
      const type = url.pathname.split('/')[2];
      const page = Number(url.searchParams.get('page') ?? '1');
      if (url.pathname === '/fhir/Patient/emb-pt') return [200, { resourceType: 'Patient', id: 'emb-pt' }];
      if (type === 'Medication') return [200, searchset(medicationsFor(url))];
      // Orders: 3 pages of 1 000 orders, each naming its own Medication; every other search: endless pages.
      if (type === 'MedicationRequest')
        return [200, searchset(ordersReferencing(page * 1_000, 1_000), page < maxPages ? `${BASE}/MedicationRequest?page=${page + 1}` : undefined)];
      return [200, searchset([], `${BASE}/${type}?patient=emb-pt&page=${page + 1}`)];
    });
    await request(t.app).post(URL).send(requestWith([]));
    const bound = maxRequestsPerInvocation(keyCount, maxPages);
    expect(bound).toBe(keyCount * maxPages + MAX_MEDICATION_REQUESTS);
    expect(seen.length).toBeLessThanOrEqual(bound);
    const medication = medicationSearches(seen);
    expect(medication).toHaveLength(MAX_MEDICATION_REQUESTS);
    for (const url of medication) expect(url.searchParams.get('_id')?.split(',').length).toBe(MEDICATION_BATCH_SIZE);
    expect(seen.filter((u) => /^\/fhir\/Medication\/./.test(u.pathname))).toHaveLength(0);
  });
});

describe('prefetch keys the service did not ask for', () => {
  it('are ignored entirely: a Condition under an invented key does not change the cards', async () => {
    const t = makeTestApp();
    const cardsOf = async (req: Record<string, unknown>): Promise<string[]> =>
      cardCodes(expectValidCdsResponse((await request(t.app).post(URL).send(req).expect(200)).body));

    const chart = base();
    const plain = requestFor(chart);
    const without = await cardsOf(plain);
    // The same Condition where the service asked for conditions does change them (a second relapse) ...
    const withEarlierRelapse = base();
    withEarlierRelapse.condition(RELAPSE, '2024-09-01');
    const earlierRelapse = withEarlierRelapse.resources.find((r) => r.resourceType === 'Condition' && r.onsetDateTime === '2024-09-01');
    expect(await cardsOf(requestFor(withEarlierRelapse))).not.toEqual(without);
    expect(await cardsOf(requestFor(withEarlierRelapse))).toContain('car-t-evaluation');

    // ... but under a key of the client's own, it is not read at all.
    const invented = { ...plain, prefetch: { ...(plain.prefetch as Record<string, unknown>), extraConditions: searchset([earlierRelapse]) } };
    expect(await cardsOf(invented)).toEqual(without);
    expect(await cardsOf(invented)).not.toContain('car-t-evaluation');
  });
});

describe('bounded: time and bytes', () => {
  const fetcher = (deadlineMs: number, startedAt?: number) =>
    createFhirFetcher({
      fhirServer: BASE,
      context: { patientId: 'emb-pt' },
      templates,
      settings: { timeoutMs: 5_000, deadlineMs, maxPages: 20 },
      logger: createLogger('silent'),
      ...(startedAt !== undefined ? { startedAt } : {}),
    });

  it('the deadline runs from when the invocation starts gathering (the fetcher is made), not from its first request', async () => {
    const anyCall = nock(SERVER).get(/.*/).reply(200, { resourceType: 'Patient', id: 'emb-pt' });
    const f = fetcher(100);
    await new Promise((r) => setTimeout(r, 150));
    const result = await f.fetchMissing(['patient']);
    f.close?.();
    expect(result.patient).toEqual({ error: 'the FHIR server did not answer within the overall deadline' });
    expect(anyCall.isDone()).toBe(false);
  });

  it('or from an earlier start when the invocation waited before gathering', async () => {
    const anyCall = nock(SERVER).get(/.*/).reply(200, { resourceType: 'Patient', id: 'emb-pt' });
    const f = fetcher(1_000, epochNow() - 1_001);
    const result = await f.fetchMissing(['patient']);
    f.close?.();
    expect(result.patient).toEqual({ error: 'the FHIR server did not answer within the overall deadline' });
    expect(anyCall.isDone()).toBe(false);
  });

  it('covers the body too: headers in time and a body that never ends still fail at the deadline', async () => {
    // Headers at once; the body only after 2 s (nock's delayBody), long after the 300 ms deadline.
    nock(SERVER).get('/fhir/Patient/emb-pt').delayBody(2_000).reply(200, { resourceType: 'Patient', id: 'emb-pt' });
    const f = fetcher(300);
    const started = Date.now();
    const result = await f.fetchMissing(['patient']);
    f.close?.();
    expect(result.patient).toEqual({ error: 'the FHIR server did not answer within the overall deadline' });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reads a gzip answer', async () => {
    const t = app();
    const patientId = (fixtureRequest(NAME).context as { patientId: string }).patientId;
    const scope = serveAll(['patient']);
    nock(SERVER)
      .get(`/fhir/Patient/${patientId}`)
      .reply(200, gzipSync(JSON.stringify(serverData().patient)), { 'Content-Type': 'application/fhir+json', 'Content-Encoding': 'gzip' });
    const res = await request(t.app).post(URL).send(requestWith([])).expect(200);
    expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(expected[NAME].cards);
    expect(scope.isDone()).toBe(true);
  });

  it(`stops reading past ${MAX_FETCHED_BYTES / 1024 / 1024} MB per invocation, before parsing`, async () => {
    const t = app({ CDS_FETCH_TIMEOUT_MS: '5000', CDS_FETCH_DEADLINE_MS: '8000' });
    serveAll(['patient']);
    const huge = `{"resourceType":"Patient","id":"emb-pt","text":{"div":"${'x'.repeat(MAX_FETCHED_BYTES)}"}}`;
    nock(SERVER).get('/fhir/Patient/emb-pt').reply(200, huge, { 'Content-Type': 'application/fhir+json' });
    const res = await request(t.app).post(URL).send(requestWith([])).expect(412);
    expect(res.body.issue[0].diagnostics).toMatch(/patient.*sent more than 32 MB for this invocation; stopped/);
  });
});
