/**
 * The protocol edges over HTTP: discovery, the Sandbox's real request, and
 * every malformed request getting the right 4xx with an OperationOutcome
 * while the process keeps serving.
 */
import request from 'supertest';
import { join } from 'node:path';
import { DiscoverySchema } from '../../src/protocol/cds-hooks';
import { LOCAL_VALUESETS, ROOT, cardCodes, expectOperationOutcome, expectValidCdsResponse, fixtureRequest, makeTestApp, readJson } from '../support/cds';

const URL = '/cds-services/relapsed-all-patient-view';
const { app, logs } = makeTestApp();

describe('discovery', () => {
  it('publishes the patient-view, order-select and order-sign services, each with narrow prefetch templates', async () => {
    const res = await request(app).get('/cds-services').expect(200);
    const body = DiscoverySchema.parse(res.body);
    expect(body.services.map((s) => [s.id, s.hook])).toEqual([
      ['relapsed-all-patient-view', 'patient-view'],
      ['relapsed-all-order-select', 'order-select'],
      ['relapsed-all-order-sign', 'order-sign'],
    ]);
    for (const orderService of body.services.slice(1)) {
      expect(orderService.title).toBeTruthy();
      expect(orderService.usageRequirements).toMatch(/CDS_VALUESET_DIR/);
      expect(orderService.prefetch).toEqual(body.services[0].prefetch);
    }
    const [service] = body.services;
    expect(service.title).toBeTruthy();
    expect(service.usageRequirements).toMatch(/CDS_VALUESET_DIR/);
    expect(Object.keys(service.prefetch ?? {}).sort()).toEqual(
      [
        'conditions',
        'medicationAdministrations',
        'medicationRequests',
        'medicationStatements',
        'observations',
        'patient',
        'procedures',
        'researchSubjects',
        'serviceRequests',
      ].sort(),
    );
    expect(service.prefetch?.patient).toBe('Patient/{{context.patientId}}');
    expect(service.prefetch?.observations).toMatch(/^Observation\?patient=\{\{context\.patientId\}\}&code=/);
    expect(service.prefetch?.observations).toContain('http://loinc.org|11150-0');
    expect(service.prefetch?.observations).toContain('https://relapsed-all-cds.org/fhir/CodeSystem/local|mrd-flow');
    expect(service.prefetch?.procedures).toContain('http://snomed.info/sct|234336002');
    for (const template of Object.values(service.prefetch ?? {})) expect(template).not.toMatch(/\{\{valueset:/);
  });

  it("adds a site's local codes (CDS_VALUESET_DIR) to the prefetch code filter", async () => {
    const local = makeTestApp({ valueSetDir: LOCAL_VALUESETS });
    const res = await request(local.app).get('/cds-services').expect(200);
    expect(res.body.services[0].prefetch.observations).toContain('http://hospital.example.org/lab|MRDFLOW');
  });
});

describe('invocation with real client requests', () => {
  it("answers the CDS Hooks Sandbox's recorded request (partial prefetch, no token) with valid cards", async () => {
    const sandbox = readJson(join(ROOT, 'test', 'data', 'sandbox-request-example.json'));
    delete sandbox.fhirServer; // no FHIR server here: the missing keys degrade the cards
    const res = await request(app).post(URL).send(sandbox).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(cardCodes(body)).toContain('clinical-trial');
    expect(cardCodes(body)).toContain('data-gap');
    expect(body.cards[0].detail).toContain('**Unavailable data:** laboratory results');
  });

  it('accepts application/fhir+json and counts a resource sent under two of its keys once', async () => {
    const req = fixtureRequest('early-marrow-b-awaiting');
    const prefetch = req.prefetch as Record<string, { entry?: unknown[] }>;
    // A client that answers a query more broadly than asked: the Conditions again under the Observation key.
    prefetch.observations = { ...prefetch.observations, entry: [...(prefetch.observations.entry ?? []), ...(prefetch.conditions.entry ?? [])] };
    const res = await request(app).post(URL).set('Content-Type', 'application/fhir+json').send(JSON.stringify(req)).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(cardCodes(body)).toEqual(['clinical-trial', 'reinduction-b-all', 'hsct-evaluation']);
    expect(body.extension?.['relapsed-all-cds.stratification']).toMatchObject({ relapseNumber: 1 });
  });
});

describe('bad requests get a clear 4xx with an OperationOutcome, and the process keeps serving', () => {
  const valid = (): Record<string, unknown> => fixtureRequest('early-marrow-b-awaiting');

  const cases: [string, () => request.Test, number, RegExp][] = [
    ['malformed JSON', () => request(app).post(URL).set('Content-Type', 'application/json').send('{"hook": "patient-view",'), 400, /not valid JSON/],
    ['a JSON array body', () => request(app).post(URL).send([1, 2]), 400, /JSON object/],
    [
      'a wrong hook name',
      () =>
        request(app)
          .post(URL)
          .send({ ...valid(), hook: 'order-sign' }),
      400,
      /hook/,
    ],
    [
      'a missing patientId',
      () =>
        request(app)
          .post(URL)
          .send({ ...valid(), context: { userId: 'Practitioner/1' } }),
      400,
      /context\.patientId/,
    ],
    [
      'a missing hookInstance',
      () =>
        request(app)
          .post(URL)
          .send({ ...valid(), hookInstance: undefined }),
      400,
      /hookInstance/,
    ],
    [
      'a prefetch value that is not FHIR',
      () =>
        request(app)
          .post(URL)
          .send({ ...valid(), prefetch: { conditions: { foo: 1 } } }),
      400,
      /prefetch/,
    ],
    [
      'a prefetch Bundle whose entry is not an array',
      () =>
        request(app)
          .post(URL)
          .send({ ...valid(), prefetch: { patient: null, conditions: { resourceType: 'Bundle', entry: 'x' } } }),
      400,
      /Bundle/,
    ],
    [
      'fhirAuthorization without fhirServer',
      () =>
        request(app)
          .post(URL)
          .send({ ...valid(), fhirAuthorization: { access_token: 'secret-token-123', token_type: 'Bearer' } }),
      400,
      /fhirServer/,
    ],
    ['an unknown service id', () => request(app).post('/cds-services/no-such-service').send(valid()), 404, /no CDS service/],
    ['a wrong method on the service', () => request(app).get(URL), 405, /not allowed/],
    ['a wrong method on discovery', () => request(app).delete('/cds-services'), 405, /not allowed/],
    ['a non-JSON content type', () => request(app).post(URL).set('Content-Type', 'text/plain').send('hello'), 415, /application\/json/],
    ['an unknown path', () => request(app).get('/nothing-here'), 404, /nothing at/],
  ];

  it.each(cases)('%s', async (_name, send, status, message) => {
    const res = await send().expect(status);
    expect(res.headers['content-type']).toMatch(/application\/fhir\+json/);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0].diagnostics).toMatch(message);
    // Still serving.
    const ok = await request(app).post(URL).send(valid()).expect(200);
    expectValidCdsResponse(ok.body);
  });

  it('a body over the size limit gets 413', async () => {
    const small = makeTestApp({ env: { CDS_BODY_LIMIT: '10kb' } });
    const big = { ...valid(), extension: { padding: 'x'.repeat(20_000) } };
    const res = await request(small.app).post(URL).send(big).expect(413);
    expectOperationOutcome(res.body);
  });

  it('never logs the access token or the patient id', async () => {
    await request(app)
      .post(URL)
      .send({ ...valid(), fhirAuthorization: { access_token: 'secret-token-123', token_type: 'Bearer' } });
    await request(app).post(URL).send(valid()).expect(200);
    const all = logs.join('');
    expect(all).toContain('"msg":"evaluated"');
    expect(all).not.toContain('secret-token-123');
    expect(all).not.toContain('"emb-pt"');
  });
});
