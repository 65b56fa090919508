/**
 * The fetch for several missing keys happens in parallel: observed at the real
 * local FHIR server, the service's requests overlap in time. The FHIR server
 * runs in this process (to read its request log) with a fixed latency; the
 * CDS service is a separate process.
 */
import { startFhirDevServer, type FhirDevServer } from '../../dev/fhir-server/server';
import { expectValidCdsResponse, expected, fixtureRequest, knowledgeFor } from '../support/cds';
import { START_HOOK_TIMEOUT_MS, startCdsService, stopAll, type Started } from './processes';

const LATENCY_MS = 300;
let fhir: FhirDevServer;
let cds: (Started & { baseUrl: string }) | undefined;

beforeAll(async () => {
  fhir = await startFhirDevServer({ port: 0, loadFixtures: true, delayMs: LATENCY_MS });
  cds = await startCdsService({ CDS_FETCH_TIMEOUT_MS: '3000', CDS_FETCH_DEADLINE_MS: '6000' });
}, START_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await stopAll();
  await fhir?.close();
});

it('fetches all missing keys at once: the requests overlap at the FHIR server', async () => {
  const { prefetch: _none, ...request } = fixtureRequest('early-marrow-b-awaiting');
  fhir.requests.length = 0;
  const res = await fetch(`${cds?.baseUrl}/cds-services/relapsed-all-patient-view`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...request, fhirServer: fhir.baseUrl }),
  });
  expect(res.status).toBe(200);
  const body = expectValidCdsResponse(await res.json());
  expect(body.cards.map((c) => c.source.topic?.code)).toEqual(expected['early-marrow-b-awaiting'].cards);

  const keys = Object.keys(knowledgeFor().service.prefetch);
  const seen = fhir.requests.filter((r) => r.method === 'GET');
  expect(seen).toHaveLength(keys.length);
  // Every request started before any of them finished: one round trip deep, not one after another.
  const lastStart = Math.max(...seen.map((r) => r.start));
  const firstEnd = Math.min(...seen.map((r) => r.end));
  expect(lastStart).toBeLessThan(firstEnd);
});
