/**
 * What the clinician reads on the cards, per scenario: the right products for
 * the patient's age, targeted agents only when the antigen is positive, the
 * indicator, and the data-gap card naming what is missing.
 */
import request from 'supertest';
import type { Card } from '../../src/protocol/cds-hooks';
import { expectValidCdsResponse, fixtureRequest, makeTestApp } from '../support/cds';

const { app } = makeTestApp();

async function cardsOf(name: string): Promise<Record<string, Card>> {
  const res = await request(app).post('/cds-services/relapsed-all-patient-view').send(fixtureRequest(name)).expect(200);
  return Object.fromEntries(expectValidCdsResponse(res.body).cards.map((c) => [c.source.topic?.code as string, c]));
}

describe('card content', () => {
  it('CAR-T for a 42-year-old names the adult products, not tisagenlecleucel', async () => {
    const detail = (await cardsOf('adult-b-persistent-cart'))['car-t-evaluation'].detail ?? '';
    expect(detail).toMatch(/\*\*Brexucabtagene\*\* or \*\*obecabtagene autoleucel\*\*/);
    expect(detail).not.toMatch(/Tisagenlecleucel/);
    expect(detail).toContain('persistent disease');
  });

  it('CAR-T for a 7-year-old in second relapse names tisagenlecleucel and not the adult products', async () => {
    const detail = (await cardsOf('second-relapse-child-tisa'))['car-t-evaluation'].detail ?? '';
    expect(detail).toMatch(/\*\*Tisagenlecleucel\*\* \(up to 25 years\): US label: refractory, or second or later relapse/);
    expect(detail).not.toMatch(/Brexucabtagene/);
    expect(detail).toContain('second or later relapse');
  });

  it('B-ALL reinduction lists blinatumomab and inotuzumab as targeted when CD19 / CD22 are positive at relapse', async () => {
    const detail = (await cardsOf('early-marrow-b-awaiting'))['reinduction-b-all'].detail ?? '';
    expect(detail).toMatch(/\*\*Blinatumomab\*\* \(CD19\): \*\*targeted option\*\*, CD19 positive at relapse/);
    expect(detail).toMatch(/\*\*Inotuzumab ozogamicin\*\* \(CD22\): \*\*targeted option\*\*, CD22 positive at relapse/);
    // A 7-year-old in first relapse: the paediatric trial is quoted after the data, the adult trials are not.
    expect(detail.split('**Data used**')[1]).toContain('COG AALL1331');
    expect(detail).not.toMatch(/TOWER|INO-VATE/);
  });

  it('a CD19-negative relapse: blinatumomab is not listed as targeted and there is no CAR-T card', async () => {
    const cards = await cardsOf('cd19-negative-second-relapse');
    expect(cards['reinduction-b-all'].detail).toMatch(/\*\*Blinatumomab\*\* \(CD19\): not targeted: CD19 negative at relapse/);
    expect(cards['car-t-evaluation']).toBeUndefined();
  });

  it('T-ALL reinduction offers nelarabine and says blinatumomab and inotuzumab are not options', async () => {
    const detail = (await cardsOf('t-all-early-marrow-awaiting'))['reinduction-t-all'].detail ?? '';
    expect(detail).toContain('**Nelarabine-containing regimen**');
    expect(detail).toContain('off-label at first relapse');
    expect(detail).toContain('Blinatumomab and inotuzumab target B-cell antigens: not options in T-ALL.');
  });

  it('an early relapse in MRD-negative second remission gets a critical HSCT card with the MRD result', async () => {
    const card = (await cardsOf('early-combined-cns-b-cr2'))['hsct-evaluation'];
    expect(card.indicator).toBe('critical');
    expect(card.detail?.split('\n')[0]).toContain('in MRD-negative second remission');
    // Values are escaped for Markdown / HTML renderers: '<' arrives as &lt;.
    expect(card.detail).toMatch(/- MRD: &lt; 0\.0001 % \(2026-09-14\)/);
    expect(card.detail).not.toContain('not after remission');
    // One piece of advice lives on one card: the CNS boost belongs to the CNS card.
    expect(card.detail).not.toMatch(/boost/i);
    expect((await cardsOf('early-combined-cns-b-cr2'))['cns-directed-therapy'].detail).toMatch(/CNS boost radiation/);
    expect(card.suggestions?.[0].actions?.[0].resource).toMatchObject({ code: { coding: [{ code: 'hsct-referral' }] } });
  });

  it('the data-gap card names each missing fact and why it matters', async () => {
    const detail = (await cardsOf('missing-relapse-date'))['data-gap'].detail ?? '';
    expect(detail).toContain('**relapse date** not recorded');
    expect(detail).toContain('**site** not recorded');
    expect(detail).not.toContain('**lineage**');
  });

  it('Ph-positive: a TKI started with reinduction is named, imatinib stopped weeks before is prior exposure, ABL1 testing proposed', async () => {
    const card = (await cardsOf('ph-positive-icdo-9812'))['ph-positive-tki'];
    expect(card.detail).toContain('ponatinib started after the relapse (no TKI was current at relapse)');
    expect(card.detail).not.toMatch(/\*\*switch\*\*/);
    expect(card.detail?.split('**Prior exposure**')[1]).toContain('imatinib');
    expect(card.suggestions?.map((s) => s.label)).toEqual(['Order ABL1 kinase-domain mutation analysis']);
  });

  it("the trial card links to a recruiting-trial search for the patient's age group", async () => {
    const adult = (await cardsOf('adult-b-persistent-cart'))['clinical-trial'];
    expect(adult.links?.[0].url).toContain('aggFilters=ages:adult,status:rec');
    const child = (await cardsOf('second-relapse-child-tisa'))['clinical-trial'];
    expect(child.links?.[0].url).toContain('aggFilters=ages:child,status:rec');
  });
});
