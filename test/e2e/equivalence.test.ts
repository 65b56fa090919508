/**
 * Same answer every way (issue #3): for every fixture, the cards and the
 * stratification are identical whether the data came fully prefetched, partly
 * prefetched, not prefetched at all (fetched from the real local FHIR server),
 * or paginated in pages of 2 (by the server, and by a client that prefetched
 * first pages only). The FHIR server and the CDS service run as separate
 * processes on loopback; one server is loaded with `npm run fixtures:load`.
 * The order fixtures (issue #9) get the same cards from order-select /
 * order-sign prefetched, partly fetched and fetched.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ROOT, expectValidCdsResponse, expected, fixtureNames, fixtureRequest, knowledgeFor } from '../support/cds';
import { orderCardSummary, orderScenario, orderScenarioNames, orderScenarioRequest, serviceUrl, sortCards } from '../support/orders';
import { LOAD_FIXTURES_ENTRY, START_HOOK_TIMEOUT_MS, requireBuild, startCdsService, startFhirServer, stopAll, stopProcess, type Started } from './processes';

const execFileAsync = promisify(execFile);
const SERVICE = '/cds-services/relapsed-all-patient-view';
let fhir: (Started & { baseUrl: string }) | undefined;
let fhirPaged: (Started & { baseUrl: string }) | undefined;
let cds: (Started & { baseUrl: string }) | undefined;

beforeAll(async () => {
  [fhir, fhirPaged, cds] = await Promise.all([startFhirServer(), startFhirServer({ FHIR_DEV_PAGE_SIZE: '2', FHIR_DEV_FIXTURES: '0' }), startCdsService()]);
  // The paged server starts empty: load the fixtures onto it the way a newcomer would.
  await execFileAsync(process.execPath, [requireBuild(LOAD_FIXTURES_ENTRY), '--server', fhirPaged.baseUrl], { cwd: ROOT, timeout: START_HOOK_TIMEOUT_MS });
}, START_HOOK_TIMEOUT_MS);

afterAll(stopAll);

async function invoke(body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${cds?.baseUrl}${SERVICE}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/**
 * The request with only the `keep` keys prefetched. Keys the scenario declares
 * unavailable stay as the client sent them (an OperationOutcome: the query
 * failed, so the service must not refetch it) on every path.
 */
function withPrefetch(name: string, keep: string[] | 'none', fhirServer?: string): Record<string, unknown> {
  const req = fixtureRequest(name);
  const prefetch = req.prefetch as Record<string, unknown>;
  const { prefetch: _dropped, ...rest } = req;
  const out: Record<string, unknown> = { ...rest, ...(fhirServer ? { fhirServer } : {}) };
  const kept = [...(keep === 'none' ? [] : keep), ...(expected[name].unavailable ?? [])];
  if (kept.length > 0) out.prefetch = Object.fromEntries(Object.entries(prefetch).filter(([k]) => kept.includes(k)));
  return out;
}

/** What a paginating client prefetches: the first page (of 2) of each search, with its next link. */
async function firstPages(name: string, base: string): Promise<Record<string, unknown>> {
  const patientId = (fixtureRequest(name).context as { patientId: string }).patientId;
  const prefetch: Record<string, unknown> = {};
  for (const [key, template] of Object.entries(knowledgeFor().service.prefetch)) {
    const path = template.replace('{{context.patientId}}', patientId).replace(/\|/g, '%7C');
    const res = await fetch(`${base}/${path}`, { headers: { Accept: 'application/fhir+json' } });
    expect(res.status).toBe(200);
    prefetch[key] = await res.json();
  }
  return prefetch;
}

describe('the same cards and stratification however the data arrives', () => {
  it('the processes are up and the paged server holds the fixtures', async () => {
    const res = await fetch(`${fhirPaged?.baseUrl}/Patient?_count=100`);
    const bundle = (await res.json()) as { entry?: unknown[] };
    expect(bundle.entry?.length).toBe(fixtureNames().length);
  });

  describe.each(fixtureNames().filter((n) => !expected[n].valuesetDir))('%s', (name) => {
    it('fully prefetched = partly prefetched = fetched = paginated by 2', async () => {
      const full = await invoke(fixtureRequest(name));
      expect(full.status).toBe(200);
      const body = expectValidCdsResponse(full.json);
      expect(body.cards.map((c) => c.source.topic?.code)).toEqual(expected[name].cards);

      const partly = await invoke(withPrefetch(name, ['patient', 'conditions'], fhir?.baseUrl));
      const fetched = await invoke(withPrefetch(name, 'none', fhir?.baseUrl));
      const pagedByServer = await invoke(withPrefetch(name, 'none', fhirPaged?.baseUrl));
      const failed = (withPrefetch(name, 'none').prefetch ?? {}) as Record<string, unknown>;
      const pagedByClient = await invoke({
        ...withPrefetch(name, 'none', fhirPaged?.baseUrl),
        prefetch: { ...(await firstPages(name, fhirPaged?.baseUrl as string)), ...failed },
      });

      for (const [mode, other] of Object.entries({ partly, fetched, pagedByServer, pagedByClient })) {
        expect({ mode, status: other.status }).toEqual({ mode, status: 200 });
        expectValidCdsResponse(other.json);
        expect({ mode, response: other.json }).toEqual({ mode, response: full.json });
      }
    });
  });

  it(
    'a site with local codes (CDS_VALUESET_DIR) gets the same answer fetched as prefetched',
    async () => {
      const local = await startCdsService({ CDS_VALUESET_DIR: join(ROOT, 'fixtures', 'local-valuesets') });
      try {
        const call = async (body: unknown) =>
          (await fetch(`${local.baseUrl}${SERVICE}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })).json();
        const full = await call(fixtureRequest('hospital-local-codes'));
        const fetched = await call(withPrefetch('hospital-local-codes', 'none', fhir?.baseUrl));
        expect((full as { cards: { source: { topic: { code: string } } }[] }).cards.map((c) => c.source.topic.code)).toEqual(
          expected['hospital-local-codes'].cards,
        );
        expect(fetched).toEqual(full);
      } finally {
        await stopProcess(local);
      }
    },
    START_HOOK_TIMEOUT_MS,
  );

  describe('order-select / order-sign: prefetched = partly fetched = fetched', () => {
    beforeAll(async () => {
      // The order fixtures' patients, loaded onto the first server as the transaction Bundles they are.
      for (const name of orderScenarioNames()) {
        const res = await fetch(fhir?.baseUrl as string, {
          method: 'POST',
          headers: { 'Content-Type': 'application/fhir+json' },
          body: JSON.stringify(orderScenario(name).patient),
        });
        expect(res.status).toBe(200);
      }
    }, START_HOOK_TIMEOUT_MS);

    it.each(orderScenarioNames())('%s', async (name) => {
      const scenario = orderScenario(name);
      const full = orderScenarioRequest(name, scenario);
      const { prefetch, ...rest } = full as { prefetch: Record<string, unknown> };
      const call = async (body: unknown): Promise<unknown> => {
        const res = await fetch(`${cds?.baseUrl}${serviceUrl(scenario.hook)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
        return res.json();
      };
      const prefetched = await call(full);
      expect(orderCardSummary(expectValidCdsResponse(prefetched))).toEqual(sortCards(scenario.expected));
      const partly = await call({ ...rest, fhirServer: fhir?.baseUrl, prefetch: { patient: prefetch.patient, conditions: prefetch.conditions } });
      const fetched = await call({ ...rest, fhirServer: fhir?.baseUrl });
      expect(partly).toEqual(prefetched);
      expect(fetched).toEqual(prefetched);
    });
  });
});
