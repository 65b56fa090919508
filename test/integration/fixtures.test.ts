/**
 * Every fixture scenario over HTTP: the expected card codes (in order) and
 * stratification, a schema-valid response, and cards a clinician can check.
 */
import request from 'supertest';
import { describeStratification } from '../../src/clinical/headline';
import { STRATIFICATION_EXTENSION } from '../../src/use-case/answer-hook-request';
import { failedQueryOutcome, prefetchFor, bundleResources } from '../../dev/tools/fixture-requests';
import {
  LOCAL_VALUESETS,
  cardCodes,
  expectValidCdsResponse,
  expected,
  fixtureBundle,
  fixtureNames,
  fixtureRequest,
  knowledgeFor,
  makeTestApp,
} from '../support/cds';

const plain = makeTestApp();
const withLocalCodes = makeTestApp({ valueSetDir: LOCAL_VALUESETS });
const URL = '/cds-services/relapsed-all-patient-view';

/** The `Type/id` references listed under **Data used**. */
function dataUsedReferences(detail: string): string[] {
  const section = detail.split('**Data used**')[1] ?? '';
  return [...section.matchAll(/`([A-Za-z]+\/[^`]+)`/g)].map((m) => m[1]);
}

describe('fixture scenarios over HTTP', () => {
  it('every fixture bundle has an expectation and a request', () => {
    expect(fixtureNames().length).toBeGreaterThanOrEqual(15);
    for (const name of fixtureNames()) {
      expect(expected[name]).toBeDefined();
      expect(fixtureRequest(name).hook).toBe('patient-view');
    }
  });

  it('fixtures/requests match the bundles (npm run fixtures:requests)', () => {
    const templates = knowledgeFor().service.prefetch;
    for (const name of fixtureNames()) {
      const prefetch = prefetchFor(bundleResources(fixtureBundle(name)), templates);
      // Keys the scenario declares unavailable carry what an EHR sends for a failed query.
      for (const key of expected[name].unavailable ?? []) prefetch[key] = failedQueryOutcome(key);
      expect(fixtureRequest(name).prefetch).toEqual(JSON.parse(JSON.stringify(prefetch)));
    }
  });

  describe.each(fixtureNames())('%s', (name) => {
    const scenario = expected[name];
    const { app } = scenario?.valuesetDir ? withLocalCodes : plain;

    it(`returns the expected cards and stratification`, async () => {
      const res = await request(app).post(URL).send(fixtureRequest(name)).expect(200);
      const body = expectValidCdsResponse(res.body);
      expect(cardCodes(body)).toEqual(scenario.cards);
      if (scenario.stratification === null) {
        expect(body).toEqual({ cards: [] });
      } else {
        expect(body.extension?.[STRATIFICATION_EXTENSION]).toEqual(scenario.stratification);
      }
    });

    if (scenario?.stratification) {
      it('cards show the stratification, the data used (resources of this chart), the guideline once, and stable uuids', async () => {
        const req = fixtureRequest(name);
        const first = expectValidCdsResponse((await request(app).post(URL).send(req).expect(200)).body);
        const second = expectValidCdsResponse((await request(app).post(URL).send(req).expect(200)).body);
        const patientId = (req.context as { patientId: string }).patientId;
        const inChart = new Set(bundleResources(fixtureBundle(name) as never).map((r) => `${r.resourceType}/${r.id}`));
        expect(second.cards.map((c) => c.uuid)).toEqual(first.cards.map((c) => c.uuid));
        expect(new Set(first.cards.map((c) => c.uuid)).size).toBe(first.cards.length);
        for (const card of first.cards) {
          const detail = card.detail ?? '';
          expect(card.source.topic?.system).toBe('https://relapsed-all-cds.org/fhir/CodeSystem/recommendation');
          // The guideline is named once, in source; a source URL is also a link labelled with the same document.
          expect(detail).not.toContain(card.source.label);
          expect(detail).not.toMatch(/\*\*Guideline/);
          if (card.source.url) expect(card.links?.some((l) => l.type === 'absolute' && l.url === card.source.url)).toBe(true);
          expect(detail).toContain('**Data used**');
          expect(detail.split('\n')[0]).toBe(`**${describeStratification(first.extension?.[STRATIFICATION_EXTENSION] as never)}**`);
          // Readable at chart open: at most 600 characters before **Data used**.
          expect({ code: card.source.topic?.code, chars: detail.split('**Data used**')[0].length <= 600 }).toEqual({
            code: card.source.topic?.code,
            chars: true,
          });
          // Every "Data used" reference is a resource of this chart.
          for (const ref of dataUsedReferences(detail)) expect([ref, inChart.has(ref)]).toEqual([ref, true]);
          for (const s of card.suggestions ?? []) {
            expect(card.selectionBehavior).toBeDefined();
            for (const action of s.actions ?? []) {
              expect(action.resource).toMatchObject({
                resourceType: 'ServiceRequest',
                status: 'draft',
                intent: 'proposal',
                subject: { reference: `Patient/${patientId}` },
              });
            }
          }
        }
      });
    }

    if (scenario?.checks?.length) {
      it('card text: what the scenario says each card must and must not say', async () => {
        const body = expectValidCdsResponse((await request(app).post(URL).send(fixtureRequest(name)).expect(200)).body);
        for (const check of scenario.checks ?? []) {
          const cards = body.cards.filter((c) => check.card === '*' || c.source.topic?.code === check.card);
          const texts = cards.map((c) => `${c.summary}\n${c.detail ?? ''}`);
          if (check.mustMatch)
            expect({ check, matched: texts.some((t) => new RegExp(check.mustMatch as string, 'i').test(t)) }).toEqual({ check, matched: true });
          if (check.mustNotMatch) {
            for (const t of texts) expect({ check, found: new RegExp(check.mustNotMatch, 'i').exec(t)?.[0] }).toEqual({ check, found: undefined });
          }
        }
      });
    }
  });
});

describe('hospital-local codes', () => {
  it('without CDS_VALUESET_DIR the hospital MRD and CD19 results are not recognised', async () => {
    const res = await request(plain.app).post(URL).send(fixtureRequest('hospital-local-codes')).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(cardCodes(body)).toEqual(['clinical-trial', 'mrd-assessment', 'antigen-testing']);
  });

  it('with CDS_VALUESET_DIR the same request reads MRD and CD19 and the cards cite those results', async () => {
    const res = await request(withLocalCodes.app).post(URL).send(fixtureRequest('hospital-local-codes')).expect(200);
    const body = expectValidCdsResponse(res.body);
    expect(cardCodes(body)).toEqual(['clinical-trial', 'hsct-evaluation', 'car-t-evaluation', 'novel-therapy-options']);
    const carT = body.cards.find((c) => c.source.topic?.code === 'car-t-evaluation');
    expect(carT?.detail).toMatch(/- CD19 on blasts: .*Observation\//);
    expect(carT?.detail).toMatch(/- MRD: .*Observation\//);
  });
});
