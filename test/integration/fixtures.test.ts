/**
 * Every fixture scenario over HTTP: the expected card codes (in order) and
 * stratification, a schema-valid response, and cards a clinician can check.
 */
import request from 'supertest';
import { describeStratification } from '../../src/clinical/summary';
import { STRATIFICATION_EXTENSION } from '../../src/engine';
import { prefetchFor, bundleResources } from '../../src/tools/fixture-requests';
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
      const resources = bundleResources(fixtureBundle(name) as never);
      expect(fixtureRequest(name).prefetch).toEqual(JSON.parse(JSON.stringify(prefetchFor(resources, templates))));
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
      it('cards show the stratification, the data used, the guideline, and stable uuids', async () => {
        const req = fixtureRequest(name);
        const first = expectValidCdsResponse((await request(app).post(URL).send(req).expect(200)).body);
        const second = expectValidCdsResponse((await request(app).post(URL).send(req).expect(200)).body);
        const patientId = (req.context as { patientId: string }).patientId;
        expect(second.cards.map((c) => c.uuid)).toEqual(first.cards.map((c) => c.uuid));
        expect(new Set(first.cards.map((c) => c.uuid)).size).toBe(first.cards.length);
        for (const card of first.cards) {
          expect(card.source.topic?.system).toBe('https://relapsed-all-cds.org/fhir/CodeSystem/recommendation');
          expect(card.source.url).toMatch(/^https:\/\//);
          expect(card.detail).toContain('**Data used**');
          expect(card.detail).toContain(`**Guideline:** ${card.source.label}`);
          expect(card.detail?.split('\n')[0]).toBe(`**${describeStratification(first.extension?.[STRATIFICATION_EXTENSION] as never)}**`);
          expect(card.links?.some((l) => l.type === 'absolute' && l.url === card.source.url)).toBe(true);
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
    expect(cardCodes(body)).toEqual(['clinical-trial', 'hsct-evaluation', 'car-t-evaluation']);
    const carT = body.cards.find((c) => c.source.topic?.code === 'car-t-evaluation');
    expect(carT?.detail).toMatch(/- CD19 on blasts: .*Observation\//);
    expect(carT?.detail).toMatch(/- MRD: .*Observation\//);
  });
});
