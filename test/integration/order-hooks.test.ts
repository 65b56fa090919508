/**
 * Issue #9: the order-select and order-sign services over HTTP. What a real
 * client sends (the CDS Hooks Sandbox's Rx View / Rx Sign: a draftOrders
 * Bundle with no type, a draft with no intent and no medication until one is
 * picked, product-level RxNorm codes), every check firing and not firing,
 * the suggestions that fix the order, unavailable data said and never passed
 * as safe, malformed draft orders answered with a 400 OperationOutcome, and
 * an order for nothing this service checks answered without reading the chart.
 * Evaluation date: 2026-11-28 (test/support/cds.ts).
 */
import nock from 'nock';
import request from 'supertest';
import type { Card, CdsResponse } from '../../src/protocol/cds-hooks';
import { expectOperationOutcome, expectValidCdsResponse, makeTestApp } from '../support/cds';
import {
  Chart,
  LOCAL,
  LP,
  RX,
  RXNORM,
  SCT,
  base,
  draftMedicationRequest,
  draftOrdersBundle,
  orderRequestFor,
  requestFor,
  type BaseOptions,
  type Coding,
  type DraftCoding,
} from '../support/chart';
import { cardOrder, serviceUrl } from '../support/orders';

const { app, logs } = makeTestApp();

const DRUG: Record<string, Coding> = {
  blinatumomab: [RXNORM, RX.blinatumomab, 'blinatumomab'],
  blincytoSbd: [RXNORM, '1597267', 'blinatumomab 0.035 MG Injection [Blincyto]'],
  inotuzumab: [RXNORM, '1942954', 'inotuzumab ozogamicin 0.9 MG Injection'],
  nelarabine: [RXNORM, RX.nelarabine, 'nelarabine'],
  imatinibGleevec: [RXNORM, '576514', 'imatinib 400 MG [Gleevec]'],
  dasatinibSprycel: [RXNORM, '799830', 'dasatinib 100 MG Oral Tablet [Sprycel]'],
  ponatinibIclusig: [RXNORM, '1364354', 'ponatinib 15 MG [Iclusig]'],
  tisagenlecleucel: [LOCAL, 'tisagenlecleucel', 'tisagenlecleucel (Kymriah)'],
  brexucabtagene: [RXNORM, '2387352', 'brexucabtagene autoleucel (Tecartus)'],
  cytarabine: [RXNORM, RX.cytarabine, 'cytarabine'],
  ondansetron: [RXNORM, '26225', 'ondansetron'],
};
const ABL1_T315I = (chart: Chart): string =>
  chart.observation(['http://loinc.org', '69548-6', 'Genetic variant assessment'], '2025-06-03', {
    valueCodeableConcept: { text: 'ABL1 p.Thr315Ile (T315I) detected' },
    component: [
      {
        code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] },
        valueCodeableConcept: { coding: [{ system: 'http://www.genenames.org/geneId', code: 'HGNC:76', display: 'ABL1' }] },
      },
    ],
  });

interface OrderAnswer {
  body: CdsResponse;
  /** `code@order` per card (order left out for order-set cards). */
  cards: string[];
  card: (code: string) => Card | undefined;
  text: (code: string) => string;
}

async function sign(chart: Chart, drugs: (Coding | undefined)[], options: { how?: DraftCoding; unavailable?: string[] } = {}): Promise<OrderAnswer> {
  const drafts = drugs.map((d, i) => draftMedicationRequest(`draft-${i + 1}`, chart.patientId, d, options.how));
  return post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(...drafts), { unavailable: options.unavailable }));
}

async function post(hook: 'order-select' | 'order-sign', body: Record<string, unknown>): Promise<OrderAnswer> {
  const res = await request(app).post(serviceUrl(hook)).send(body).expect(200);
  const parsed = expectValidCdsResponse(res.body);
  const card = (code: string): Card | undefined => parsed.cards.find((c) => c.source.topic?.code === code);
  return {
    body: parsed,
    cards: parsed.cards.map((c) => [c.source.topic?.code, cardOrder(c.detail)].filter(Boolean).join('@')),
    card,
    text: (code) => {
      const c = card(code);
      return c ? `${c.summary}\n${c.detail ?? ''}` : '';
    },
  };
}

const chartWith = (o: BaseOptions & { t315i?: boolean } = {}): Chart => {
  const chart = base({ id: 'ord', ...o });
  if (o.t315i) ABL1_T315I(chart);
  return chart;
};

describe('what the CDS Hooks Sandbox sends', () => {
  const sandboxDraft = (medication?: Coding): Record<string, unknown> => ({
    resourceType: 'Bundle',
    entry: [
      {
        resource: {
          resourceType: 'MedicationRequest',
          id: 'request-123',
          status: 'draft',
          subject: { reference: 'Patient/ord' },
          authoredOn: '2026-11-28',
          ...(medication
            ? {
                // As the Sandbox really sends it once a drug is chosen (2026-11-29 trial), `category` an object where R4 has an array.
                medicationCodeableConcept: { text: medication[2], coding: [{ display: medication[2], system: medication[0], code: medication[1] }] },
                dosageInstruction: [
                  {
                    timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd' } },
                    doseAndRate: [{ doseQuantity: { value: 1, system: 'http://unitsofmeasure.org', code: '{pill}' } }],
                  },
                ],
                dispenseRequest: { expectedSupplyDuration: { value: 30, unit: 'days', system: 'http://unitsofmeasure.org', code: 'd' } },
                intent: 'order',
                category: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/medicationrequest-category', code: 'community' }] },
              }
            : {}),
        },
      },
    ],
  });

  it('a draft with no medication picked yet (no intent, no type on the Bundle): no cards, never a 400', async () => {
    for (const hook of ['order-select', 'order-sign'] as const) {
      const a = await post(hook, orderRequestFor(chartWith(), hook, sandboxDraft(), { selections: ['MedicationRequest/request-123'] }));
      expect(a.body).toEqual({ cards: [] });
    }
  });

  it('Rx View, imatinib 400 MG [Gleevec] with T315I: critical; ponatinib offered as an update the Sandbox can apply; the draft can be removed', async () => {
    const chart = chartWith({ ph: true, t315i: true });
    const a = await post(
      'order-select',
      orderRequestFor(chart, 'order-select', sandboxDraft(DRUG.imatinibGleevec), { selections: ['MedicationRequest/request-123'] }),
    );
    expect(a.cards).toEqual(['order-tki-t315i@MedicationRequest/request-123']);
    const card = a.card('order-tki-t315i') as Card;
    expect(card.indicator).toBe('critical');
    expect(card.summary).toMatch(/^imatinib ordered with ABL1 T315I reported/);
    expect(card.detail).toMatch(/\*\*Ponatinib\*\* is the TKI with T315I activity \(labelled for adults: in a child it is off-label/);
    expect(card.detail).toMatch(/ABL1 T315I mutation: T315I reported \(2025-06-03\), `Observation\/ord-observ-\d+`/);
    expect(card.source.label).toMatch(/^ICLUSIG \(ponatinib\) US prescribing information/);
    expect(card.selectionBehavior).toBe('at-most-one');
    const [update, remove] = card.suggestions ?? [];
    expect(update.label).toBe('Order ponatinib instead of imatinib');
    expect(update.isRecommended).toBe(true);
    const action = update.actions?.[0];
    expect(action?.type).toBe('update');
    const resource = action?.resource as Record<string, unknown> & { medicationCodeableConcept: { text: string; coding: { code: string; system: string }[] } };
    // What the Sandbox reads to swap the drug in place: text and coding[0].code.
    expect(resource.medicationCodeableConcept.text).toBe('ponatinib');
    expect(resource.medicationCodeableConcept.coding[0]).toMatchObject({ system: RXNORM, code: '1364347' });
    expect(resource).toMatchObject({ resourceType: 'MedicationRequest', id: 'request-123', status: 'draft', subject: { reference: 'Patient/ord' } });
    // The imatinib dose and supply are not carried over: the dose belongs to the protocol. The rest of the draft is kept as sent.
    expect(resource.dosageInstruction).toBeUndefined();
    expect(resource.dispenseRequest).toBeUndefined();
    expect(resource).toMatchObject({ intent: 'order', category: { coding: [{ code: 'community' }] } });
    expect(remove.label).toBe('Remove the imatinib order');
    expect(remove.isRecommended).toBe(false);
    expect(remove.actions).toEqual([
      { type: 'delete', description: 'Remove the imatinib order (MedicationRequest/request-123)', resourceId: 'MedicationRequest/request-123' },
    ]);
    expect(card.overrideReasons?.map((r) => r.display)).toEqual([
      'Patient is on a clinical trial protocol that covers this',
      'Data in the chart is outdated or incomplete',
      'Benefit outweighs the risk for this patient (reason documented)',
      'Other reason (see comment)',
    ]);
  });

  it('taking the suggestion (ponatinib 1364347 in the draft) answers with no T315I card', async () => {
    const chart = chartWith({ ph: true, t315i: true });
    const a = await post('order-select', orderRequestFor(chart, 'order-select', sandboxDraft([RXNORM, '1364347', 'ponatinib']), {}));
    expect(a.cards).toEqual([]);
  });

  it.each([
    ['dasatinib 100 MG Oral Tablet [Sprycel]', DRUG.dasatinibSprycel, 'dasatinib'],
    ['imatinib 400 MG [Gleevec]', DRUG.imatinibGleevec, 'imatinib'],
    ['imatinib 400 MG Oral Tablet [Gleevec] (what its search offers)', [RXNORM, '404589', 'imatinib 400 MG Oral Tablet [Gleevec]'] as Coding, 'imatinib'],
  ])('Rx Sign, %s with T315I: critical', async (_n, drug, name) => {
    const a = await post('order-sign', orderRequestFor(chartWith({ ph: true, t315i: true }), 'order-sign', sandboxDraft(drug)));
    expect(a.card('order-tki-t315i')?.summary).toMatch(new RegExp(`^${name} ordered with ABL1 T315I`));
  });

  it.each<[string, Coding]>([
    ['ponatinib 15 MG [Iclusig]', DRUG.ponatinibIclusig],
    ['ponatinib 15 MG Oral Tablet [Iclusig] (what its search offers)', [RXNORM, '1364358', 'ponatinib 15 MG Oral Tablet [Iclusig]']],
  ])('%s with T315I in a Ph-positive relapse: no card, and the order is recognised as a TKI', async (_name, drug) => {
    const a = await post('order-sign', orderRequestFor(chartWith({ ph: true, t315i: true }), 'order-sign', sandboxDraft(drug)));
    expect(a.cards).toEqual([]);
    // The same draft for a Ph-negative relapse: the TKI is recognised (a warning), so "no card" above is not a failure to read it.
    const phNegative = await post('order-sign', orderRequestFor(chartWith(), 'order-sign', sandboxDraft(drug)));
    expect(phNegative.cards).toEqual(['order-tki-ph-negative@MedicationRequest/request-123']);
  });
});

describe('each check fires, and stays silent when the order fits', () => {
  it('blinatumomab: CD19 negative at relapse is critical (removal recommended); CD19 positive is silent', async () => {
    const neg = await sign(chartWith({ cd19: 3 }), [DRUG.blincytoSbd]);
    expect(neg.cards).toEqual(['order-antigen-negative@MedicationRequest/draft-1']);
    expect(neg.text('order-antigen-negative')).toMatch(/\*\*CD19 is negative\*\* on the blasts at relapse \(negative, 3 %/);
    expect(neg.card('order-antigen-negative')?.suggestions?.[0]).toMatchObject({ label: 'Remove the blinatumomab order', isRecommended: true });
    expect(neg.card('order-antigen-negative')?.source.label).toMatch(/^BLINCYTO \(blinatumomab\) US prescribing information/);
    expect((await sign(chartWith(), [DRUG.blincytoSbd])).cards).toEqual([]);
  });

  it('blinatumomab with CD19 only from before the relapse: a warning to confirm CD19, with the flow cytometry order offered', async () => {
    const chart = base({ id: 'ord', cd19: 95 });
    // Move the CD19 result to long before the relapse.
    const cd19 = chart.resources.find((r) => r.resourceType === 'Observation' && JSON.stringify(r).includes('cd19-blasts')) as Record<string, unknown>;
    cd19.effectiveDateTime = '2022-01-12';
    const a = await sign(chart, [DRUG.blinatumomab]);
    expect(a.cards).toEqual(['order-antigen-not-assessed@MedicationRequest/draft-1']);
    const card = a.card('order-antigen-not-assessed') as Card;
    expect(card.indicator).toBe('warning');
    expect(card.detail).toMatch(/CD19 on the blasts: not re-assessed since relapse \(last: positive, 2022-01-12\)/);
    const create = card.suggestions?.[0].actions?.[0];
    expect(create?.type).toBe('create');
    expect(create?.resource).toMatchObject({
      resourceType: 'ServiceRequest',
      status: 'draft',
      intent: 'proposal',
      code: { coding: [{ code: 'cd19-blasts' }] },
    });
  });

  it('inotuzumab: CD22 negative is critical; under 1 year is critical (label); an open HSCT referral warns of veno-occlusive disease', async () => {
    expect((await sign(chartWith({ cd22: 5 }), [DRUG.inotuzumab])).cards).toEqual(['order-antigen-negative@MedicationRequest/draft-1']);
    const infant = await sign(chartWith({ birth: '2026-01-20', diagnosis: '2026-03-01', relapse: '2026-10-01' }), [DRUG.inotuzumab, DRUG.blinatumomab]);
    expect(infant.cards).toEqual(['order-below-label-age@MedicationRequest/draft-1']);
    expect(infant.text('order-below-label-age')).toMatch(/\*\*inotuzumab ozogamicin\*\* is labelled from 1 year of age; the patient is \*\*10 months\*\*/);
    const referral = chartWith();
    referral.hsctReferral('active');
    const vod = await sign(referral, [DRUG.inotuzumab]);
    expect(vod.cards).toEqual(['order-inotuzumab-hsct@MedicationRequest/draft-1']);
    expect(vod.text('order-inotuzumab-hsct')).toMatch(/hepatic veno-occlusive disease/);
    expect(vod.text('order-inotuzumab-hsct')).toMatch(/\*\*2 cycles\*\*/);
    expect(vod.card('order-inotuzumab-hsct')?.source.label).toMatch(/^BESPONSA .* boxed warning/);
    expect((await sign(chartWith(), [DRUG.inotuzumab])).cards).toEqual([]);
  });

  it('an HSCT referral among the draft orders counts as HSCT planned', async () => {
    const chart = chartWith();
    const referral = {
      request: {
        resourceType: 'ServiceRequest',
        id: 'draft-referral',
        status: 'draft',
        intent: 'order',
        subject: { reference: 'Patient/ord' },
        code: { coding: [{ system: LOCAL, code: 'hsct-referral' }], text: 'Referral to transplant team' },
      },
    };
    const a = await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(draftMedicationRequest('d1', 'ord', DRUG.inotuzumab), referral)));
    expect(a.cards).toEqual(['order-inotuzumab-hsct@MedicationRequest/d1']);
    expect(a.text('order-inotuzumab-hsct')).toMatch(/an HSCT referral is among these orders/);
    expect(a.text('order-inotuzumab-hsct')).toMatch(/HSCT referral \(draft order\): Referral to transplant team, `ServiceRequest\/draft-referral`/);
  });

  it('lineage: CD19/CD22-directed agents for T-ALL and nelarabine for B-ALL are critical; nelarabine for T-ALL is silent', async () => {
    const t = await sign(chartWith({ lineage: 'T' }), [DRUG.blinatumomab, DRUG.inotuzumab, DRUG.nelarabine, DRUG.tisagenlecleucel]);
    expect(t.cards).toEqual([
      'order-lineage-mismatch@MedicationRequest/draft-1',
      'order-lineage-mismatch@MedicationRequest/draft-2',
      'order-lineage-mismatch@MedicationRequest/draft-4',
    ]);
    expect(t.text('order-lineage-mismatch')).toMatch(/\*\*blinatumomab\*\* is for B-cell precursor ALL; this relapse is \*\*T-ALL\*\*/);
    const b = await sign(chartWith(), [DRUG.nelarabine]);
    expect(b.cards).toEqual(['order-lineage-mismatch@MedicationRequest/draft-1']);
    expect(b.card('order-lineage-mismatch')?.source.label).toMatch(/^ARRANON \(nelarabine\)/);
  });

  it('an agent the relapse happened on, ordered again: warning (refractory), citing the therapy at relapse', async () => {
    const chart = chartWith();
    chart.administration(RX.blinatumomab, 'blinatumomab 28 mcg/day', '2025-05-25');
    const a = await sign(chart, [DRUG.blincytoSbd]);
    expect(a.cards).toEqual(['order-refractory-agent@MedicationRequest/draft-1']);
    expect(a.text('order-refractory-agent')).toMatch(/The relapse happened on \*\*blinatumomab 28 mcg\/day \(from 2025-05-25\)\*\*/);
    expect(a.card('order-refractory-agent')?.detail).toMatch(/\*\*Current therapy at relapse\*\*/);
  });

  it('a TKI the relapse happened on (ingredient in the record, product on the order) is the same drug: refractory, "switch"', async () => {
    const chart = chartWith({ ph: true });
    chart.order(RX.dasatinib, 'dasatinib', '2025-03-01', 'active');
    const a = await sign(chart, [DRUG.dasatinibSprycel]);
    expect(a.cards).toEqual(['order-refractory-agent@MedicationRequest/draft-1']);
    expect(a.text('order-refractory-agent')).toMatch(/a failing TKI: \*\*switch\*\* TKI/);
  });

  it('a TKI for a Ph-negative relapse: warning; Ph unknown: said as not checked', async () => {
    expect((await sign(chartWith(), [DRUG.imatinibGleevec])).cards).toEqual(['order-tki-ph-negative@MedicationRequest/draft-1']);
    const unknownPh = chartWith();
    unknownPh.resources.splice(
      unknownPh.resources.findIndex((r) => JSON.stringify(r).includes('21822-2')),
      1,
    );
    const a = await sign(unknownPh, [DRUG.imatinibGleevec]);
    expect(a.cards).toEqual(['order-not-checked']);
    expect(a.text('order-not-checked')).toMatch(/- imatinib: Philadelphia status not checked \(no BCR-ABL1 result is recorded\)/);
  });

  it('CAR-T products outside their label age are critical; tisagenlecleucel at 15 with CD19 positive is silent', async () => {
    const adult = await sign(chartWith({ birth: '1995-05-01' }), [DRUG.tisagenlecleucel]);
    expect(adult.cards).toEqual(['order-car-t-label@MedicationRequest/draft-1']);
    expect(adult.text('order-car-t-label')).toMatch(/labelled for patients up to 25 years; the patient is \*\*31 years\*\*/);
    expect(adult.text('order-car-t-label')).toMatch(/Brexucabtagene autoleucel and obecabtagene autoleucel are the CAR-T products labelled for adults/);
    const child = await sign(chartWith({ birth: '2014-02-01' }), [DRUG.brexucabtagene]);
    expect(child.cards).toEqual(['order-car-t-label@MedicationRequest/draft-1']);
    expect(child.text('order-car-t-label')).toMatch(/Tisagenlecleucel is the CAR-T product labelled for patients up to 25 years/);
    expect((await sign(chartWith({ birth: '2011-07-01' }), [DRUG.tisagenlecleucel])).cards).toEqual([]);
  });

  it('systemic reinduction with no CNS evaluation since relapse: one info card for the order set; a lumbar puncture among the drafts silences it', async () => {
    const chart = chartWith({ cnsWorkUp: false });
    const a = await sign(chart, [DRUG.cytarabine, DRUG.blinatumomab]);
    expect(a.cards).toEqual(['order-cns-not-evaluated']);
    expect(a.card('order-cns-not-evaluated')?.detail).toMatch(
      /- Draft order: cytarabine, `MedicationRequest\/draft-1`\n- Draft order: blinatumomab, `MedicationRequest\/draft-2`/,
    );
    const lp = {
      request: {
        resourceType: 'ServiceRequest',
        id: 'lp',
        status: 'draft',
        subject: { reference: 'Patient/ord' },
        code: { coding: [{ system: LP[0], code: LP[1] }] },
      },
    };
    const withLp = await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(draftMedicationRequest('c', 'ord', DRUG.cytarabine), lp)));
    expect(withLp.cards).toEqual([]);
    // Intrathecal cytarabine is CNS-directed therapy, not systemic reinduction.
    const it = draftMedicationRequest('it', 'ord', DRUG.cytarabine, 'concept', {
      dosageInstruction: [{ route: { coding: [{ system: SCT, code: '72607000' }] } }],
    });
    expect((await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(it)))).cards).toEqual([]);
  });

  it('Ph-positive relapse, reinduction orders without a TKI: info; with dasatinib in the set: silent', async () => {
    const chart = chartWith({ ph: true });
    expect((await sign(chart, [DRUG.cytarabine])).cards).toEqual(['order-ph-positive-no-tki']);
    expect((await sign(chart, [DRUG.cytarabine, DRUG.dasatinibSprycel])).cards).toEqual([]);
  });

  it.each(['concept', 'contained', 'bundled'] as const)('the drug is read from a %s medication alike', async (how) => {
    expect((await sign(chartWith({ cd19: 3 }), [DRUG.blincytoSbd], { how })).cards).toEqual(['order-antigen-negative@MedicationRequest/draft-1']);
  });
});

describe("a draft naming a Medication that only the patient's record holds", () => {
  it('is read from the record before deciding (the chart is read even though the draft alone names no agent)', async () => {
    const chart = chartWith({ cd19: 3 });
    chart.resources.push({ resourceType: 'Medication', id: 'med-blincyto', code: { coding: [{ system: RXNORM, code: '1597267' }], text: 'Blincyto 35 mcg' } });
    chart.order(RX.cytarabine, 'cytarabine', '2022-02-01', 'completed', { medicationReference: { reference: 'Medication/med-blincyto' } });
    const draft = { request: { resourceType: 'MedicationRequest', id: 'd1', status: 'draft', medicationReference: { reference: 'Medication/med-blincyto' } } };
    const a = await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(draft)));
    expect(a.cards).toEqual(['order-antigen-negative@MedicationRequest/d1']);
    expect(a.text('order-antigen-negative')).toMatch(/\*\*Order:\*\* Blincyto 35 mcg/);
  });
});

describe('order-select checks the selected orders; order-sign checks every draft', () => {
  it('only the selected draft is checked at order-select', async () => {
    const chart = chartWith({ cd19: 3 });
    const drafts = draftOrdersBundle(draftMedicationRequest('nel', 'ord', DRUG.nelarabine), draftMedicationRequest('blin', 'ord', DRUG.blinatumomab));
    const select = await post('order-select', orderRequestFor(chart, 'order-select', drafts, { selections: ['MedicationRequest/nel'] }));
    expect(select.cards).toEqual(['order-lineage-mismatch@MedicationRequest/nel']);
    const signAll = await post('order-sign', orderRequestFor(chart, 'order-sign', drafts));
    expect(signAll.cards).toEqual(['order-lineage-mismatch@MedicationRequest/nel', 'order-antigen-negative@MedicationRequest/blin']);
  });

  it('selections that name no draft: every draft is checked (never passed unseen)', async () => {
    const chart = chartWith({ cd19: 3 });
    const drafts = draftOrdersBundle(draftMedicationRequest('blin', 'ord', DRUG.blinatumomab));
    const a = await post('order-select', orderRequestFor(chart, 'order-select', drafts, { selections: ['MedicationRequest/other'] }));
    expect(a.cards).toEqual(['order-antigen-negative@MedicationRequest/blin']);
  });
});

describe('unavailable data: said, never passed as safe, never blocked on a guess', () => {
  it('laboratory results unavailable: blinatumomab gets a warning that CD19 could not be checked (no test ordered); imatinib: T315I and Ph not checked', async () => {
    const a = await sign(chartWith({ ph: true }), [DRUG.blinatumomab, DRUG.imatinibGleevec], { unavailable: ['observations'] });
    expect(a.cards).toEqual(['order-antigen-not-assessed@MedicationRequest/draft-1', 'order-not-checked']);
    expect(a.text('order-antigen-not-assessed')).toMatch(/whether CD19 is positive at relapse \*\*could not be checked\*\*/);
    expect(a.card('order-antigen-not-assessed')?.suggestions).toBeUndefined();
    expect(a.text('order-not-checked')).toMatch(/- imatinib: T315I not checked \(laboratory results were unavailable\)/);
    expect(a.text('order-not-checked')).toMatch(/- imatinib: Philadelphia status not checked \(laboratory results were unavailable\)/);
    expect(a.text('order-not-checked')).toMatch(/_Unavailable: .*observations/i);
    expect(a.body.cards.every((c) => c.indicator !== 'critical')).toBe(true);
  });

  it('medications and referrals unavailable: the refractory check and the HSCT plans are said as not checked', async () => {
    const a = await sign(chartWith(), [DRUG.inotuzumab], { unavailable: ['medicationRequests', 'serviceRequests'] });
    expect(a.cards).toEqual(['order-not-checked']);
    expect(a.text('order-not-checked')).toMatch(/inotuzumab ozogamicin: therapy at relapse not checked \(medication records were unavailable\)/);
    expect(a.text('order-not-checked')).toMatch(/inotuzumab ozogamicin: HSCT plans not checked \(referrals were unavailable\)/);
  });

  it('CNS status unknown (procedures unavailable, no CSF result): reinduction orders say the CNS evaluation was not checked', async () => {
    const a = await sign(chartWith({ cnsWorkUp: false }), [DRUG.cytarabine], { unavailable: ['procedures'] });
    expect(a.cards).toEqual(['order-not-checked']);
    expect(a.text('order-not-checked')).toMatch(/- the reinduction orders: CNS evaluation not checked/);
  });

  it('no birth date: the label age is said as not checked', async () => {
    const chart = chartWith();
    delete chart.resources[0].birthDate;
    const a = await sign(chart, [DRUG.inotuzumab]);
    expect(a.cards).toEqual(['order-not-checked']);
    expect(a.text('order-not-checked')).toMatch(/label age not checked \(the birth date is not recorded\)/);
  });
});

describe('no cards, and no chart read, when nothing this service checks is ordered', () => {
  afterEach(() => nock.cleanAll());

  it('an ondansetron order with no prefetch and an unreachable FHIR server: no cards, and no FHIR call', async () => {
    const scope = nock('https://fhir.unused.example').get(/.*/).reply(500);
    const body = {
      hook: 'order-sign',
      hookInstance: 'b0f4c9c2-8f0e-4b8e-9a0d-2a6e5f3c1d77',
      fhirServer: 'https://fhir.unused.example/r4',
      context: { userId: 'Practitioner/x', patientId: 'ord', draftOrders: draftOrdersBundle(draftMedicationRequest('o', 'ord', DRUG.ondansetron)) },
    };
    const res = await request(app).post(serviceUrl('order-sign')).send(body).expect(200);
    expect(res.body).toEqual({ cards: [] });
    expect(scope.isDone()).toBe(false);
  });

  it('a patient without relapsed ALL (first remission) ordering blinatumomab: no cards', async () => {
    const chart = new Chart('rem', '2015-01-01');
    chart.condition([SCT, '277571004'], '2024-01-01');
    chart.condition([...(['http://hl7.org/fhir/sid/icd-10-cm', 'C91.01'] as Coding)], '2024-02-15');
    const a = await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(draftMedicationRequest('b', 'rem', DRUG.blinatumomab))));
    expect(a.body).toEqual({ cards: [] });
  });
});

describe('bad order requests get a 400 OperationOutcome, never a 5xx', () => {
  const good = (): Record<string, unknown> =>
    orderRequestFor(chartWith(), 'order-sign', draftOrdersBundle(draftMedicationRequest('b', 'ord', DRUG.blinatumomab)));

  it.each<[string, (b: Record<string, unknown>) => void, RegExp]>([
    ['a patient-view request sent to the order-sign service', (b) => (b.hook = 'patient-view'), /answers the order-sign hook, not patient-view/],
    ['an order-select request sent to order-sign', (b) => (b.hook = 'order-select'), /answers the order-sign hook/],
    ['no draftOrders', (b) => delete (b.context as Record<string, unknown>).draftOrders, /context\.draftOrders is required/],
    ['draftOrders that is not a Bundle', (b) => ((b.context as Record<string, unknown>).draftOrders = { resourceType: 'MedicationRequest' }), /draftOrders/],
    [
      'draftOrders entries that are not objects',
      (b) => ((b.context as Record<string, unknown>).draftOrders = { resourceType: 'Bundle', entry: [1, 'x'] }),
      /draftOrders/,
    ],
    [
      'an entry resource without a resourceType',
      (b) => ((b.context as Record<string, unknown>).draftOrders = { resourceType: 'Bundle', entry: [{ resource: { id: 'x' } }] }),
      /draftOrders/,
    ],
    ['selections that are not strings', (b) => ((b.context as Record<string, unknown>).selections = [42]), /selections/],
  ])('%s', async (_name, mutate, message) => {
    const body = good();
    mutate(body);
    const res = await request(app).post(serviceUrl('order-sign')).send(body).expect(400);
    expectOperationOutcome(res.body);
    expect(JSON.stringify(res.body)).toMatch(message);
  });

  it('fields of the wrong shape (found by the fuzz test) are unreadable, never a 500: contained / dosageInstruction as objects, in drafts and in the record', async () => {
    const chart = chartWith({ ph: true, t315i: true });
    chart.order(RX.imatinib, 'imatinib', '2024-01-10', 'completed', { contained: { resourceType: 'Medication' }, dosageInstruction: { text: 'daily' } });
    const draft = draftMedicationRequest('d1', 'ord', DRUG.imatinibGleevec, 'concept', { contained: {}, dosageInstruction: { timing: 'daily' } });
    const odd = draftMedicationRequest('d2', 'ord', undefined, 'concept', { contained: { id: 'x' }, medicationReference: { reference: '#x' } });
    const a = await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(draft, odd)));
    expect(a.cards).toEqual(['order-tki-t315i@MedicationRequest/d1']);
  });

  it('the update offered is the client\'s draft without its empty values (a response never carries null, "", [] or {})', async () => {
    const chart = chartWith({ ph: true, t315i: true });
    const draft = draftMedicationRequest('d1', 'ord', DRUG.imatinibGleevec, 'concept', {
      status: '',
      note: [],
      category: {},
      reasonCode: [{ text: 'relapse' }, null],
    });
    const a = await post('order-sign', orderRequestFor(chart, 'order-sign', draftOrdersBundle(draft)));
    const resource = a.card('order-tki-t315i')?.suggestions?.[0].actions?.[0].resource;
    expect(resource).toEqual({
      resourceType: 'MedicationRequest',
      id: 'd1',
      subject: { reference: 'Patient/ord' },
      reasonCode: [{ text: 'relapse' }],
      medicationCodeableConcept: { text: 'ponatinib', coding: [{ system: RXNORM, code: '1364347', display: 'ponatinib' }] },
    });
  });

  it('entries of other types are ignored with a note in the log, and the order is still checked', async () => {
    const body = orderRequestFor(chartWith({ cd19: 3 }), 'order-sign', {
      resourceType: 'Bundle',
      entry: [
        { resource: { resourceType: 'NutritionOrder', id: 'n1' } },
        { fullUrl: 'urn:x' },
        ...(draftOrdersBundle(draftMedicationRequest('b', 'ord', DRUG.blinatumomab)).entry as unknown[]),
      ],
    });
    logs.length = 0;
    const a = await post('order-sign', body);
    expect(a.cards).toEqual(['order-antigen-negative@MedicationRequest/b']);
    const line = logs.map((l) => JSON.parse(l) as { msg?: string; notes?: string[] }).find((l) => l.msg === 'evaluated');
    expect(line?.notes).toEqual(['draftOrders entry 0 is a NutritionOrder: not checked', 'draftOrders entry 1 has no resource: ignored']);
  });

  it('feedback on an order card is accepted at the order service', async () => {
    const res = await request(app)
      .post('/cds-services/relapsed-all-order-sign/feedback')
      .send({
        feedback: [
          {
            card: '3f8b0c3e-1c7a-5d55-9e7d-2b0f5f1a9c11',
            outcome: 'overridden',
            overrideReason: { reason: { system: 'https://relapsed-all-cds.org/fhir/CodeSystem/override-reason', code: 'trial-protocol' } },
            outcomeTimestamp: '2026-11-28T10:00:00Z',
          },
        ],
      })
      .expect(200);
    expect(res.body).toEqual({});
  });
});

describe('the same request through patient-view and an order service reads the same stratification', () => {
  it('order cards head with the patient-view headline', async () => {
    const chart = chartWith({ cd19: 3 });
    const pv = expectValidCdsResponse((await request(app).post(serviceUrl('patient-view')).send(requestFor(chart)).expect(200)).body);
    const order = await sign(chart, [DRUG.blinatumomab]);
    expect(order.body.extension).toEqual(pv.extension);
    const headline = (pv.cards[0].detail ?? '').split('\n')[0];
    expect(order.card('order-antigen-negative')?.detail?.split('\n')[0]).toBe(headline);
  });
});
