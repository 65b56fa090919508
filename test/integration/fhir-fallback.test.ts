/**
 * The FHIR server fallback's failure modes, with the FHIR server played by
 * nock: the status code, the OperationOutcome, what the cards say, and that
 * no token appears in the logs. (The happy path end to end runs against a
 * real local FHIR server in test/e2e.)
 */
import nock from 'nock';
import request from 'supertest';
import { bundleResources, prefetchFor } from '../../dev/tools/fixture-requests';
import { templateResourceType } from '../../src/cds/templates';
import { cardCodes, expectOperationOutcome, expectValidCdsResponse, expected, fixtureBundle, fixtureRequest, knowledgeFor, makeTestApp } from '../support/cds';

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
