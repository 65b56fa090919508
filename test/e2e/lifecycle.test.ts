/**
 * The service process: health probes, and a graceful stop on SIGTERM that
 * finishes the request in flight (a slow FHIR server keeps it busy) before
 * the process exits 0.
 */
import { startFhirDevServer, type FhirDevServer } from '../../dev/fhir-server/server';
import { expectValidCdsResponse, expected, fixtureRequest } from '../support/cds';
import { START_HOOK_TIMEOUT_MS, startCdsService, stopAll, type Started } from './processes';

let fhir: FhirDevServer;
let cds: (Started & { baseUrl: string }) | undefined;

beforeAll(async () => {
  fhir = await startFhirDevServer({ port: 0, loadFixtures: true, delayMs: 1_000 });
  cds = await startCdsService({ CDS_FETCH_TIMEOUT_MS: '5000', CDS_FETCH_DEADLINE_MS: '8000' });
}, START_HOOK_TIMEOUT_MS);
afterAll(async () => {
  await stopAll();
  await fhir?.close();
});

it('answers the health probes', async () => {
  const live = await fetch(`${cds?.baseUrl}/health/live`);
  expect(live.status).toBe(200);
  expect(await live.json()).toEqual({ status: 'live' });
  const ready = await fetch(`${cds?.baseUrl}/health/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toEqual({ status: 'ready' });
});

it('on SIGTERM finishes the request in flight, then exits 0', async () => {
  const { prefetch: _none, ...request } = fixtureRequest('early-marrow-b-awaiting');
  const inFlight = fetch(`${cds?.baseUrl}/cds-services/relapsed-all-patient-view`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...request, fhirServer: fhir.baseUrl }),
  });
  // Wait until the service is fetching from the (slow) FHIR server, then ask it to stop.
  while (fhir.requests.length === 0) await new Promise((r) => setTimeout(r, 20));
  cds?.child.kill('SIGTERM');
  const res = await inFlight;
  expect(res.status).toBe(200);
  const body = expectValidCdsResponse(await res.json());
  expect(body.cards.map((c) => c.source.topic?.code)).toEqual(expected['early-marrow-b-awaiting'].cards);
  expect(await cds?.closed).toBe(0);
  expect(cds?.output()).toContain('shutting down: finishing requests in flight');
});
