/**
 * The order-check invariants (issue #9), stated from the chart's truth, never
 * from the service's own reading:
 *
 * 1. A patient without relapsed ALL gets no cards, whatever is ordered.
 * 2. The critical cards about an order are exactly its label / antigen /
 *    lineage / T315I violations: none for an order that fits its label and
 *    the patient's antigens, and every violation always fires.
 * 3. Unavailable data never passes an order silently: a CD19 / CD22-directed
 *    order with laboratory results unavailable gets a card about the order;
 *    a first- or second-generation TKI gets the not-checked card.
 * 4. A critical card can be acted on: it removes that draft (delete on its
 *    id) and carries the coded override reasons.
 */
import fc from 'fast-check';
import type { CdsResponse } from '../../src/protocol/cds-hooks';
import { LOCAL, RXNORM, draftMedicationRequest, draftOrdersBundle, type Coding, type DraftCoding } from '../support/chart';
import { cardOrder } from '../support/orders';
import type { Truth } from './chart-generator';

export const ORDERED_DRUGS = [
  'blinatumomab',
  'inotuzumab',
  'nelarabine',
  'imatinib',
  'dasatinib',
  'ponatinib',
  'tisagenlecleucel',
  'brexucabtagene',
  'obecabtagene',
  'cytarabine',
  'ondansetron',
] as const;
export type OrderedDrug = (typeof ORDERED_DRUGS)[number];

/** Ingredient and product codes, as EHRs send them (RxNorm; tisagenlecleucel has only a local code). */
const CODES: Record<OrderedDrug, [ingredient: Coding, product: Coding]> = {
  blinatumomab: [
    [RXNORM, '1597258', 'blinatumomab'],
    [RXNORM, '1597267', 'blinatumomab 0.035 MG Injection [Blincyto]'],
  ],
  inotuzumab: [
    [RXNORM, '1942950', 'inotuzumab ozogamicin'],
    [RXNORM, '1942959', 'inotuzumab ozogamicin 0.9 MG Injection [Besponsa]'],
  ],
  nelarabine: [
    [RXNORM, '274771', 'nelarabine'],
    [RXNORM, '616366', 'nelarabine [Arranon]'],
  ],
  imatinib: [
    [RXNORM, '282388', 'imatinib'],
    [RXNORM, '576514', 'imatinib 400 MG [Gleevec]'],
  ],
  dasatinib: [
    [RXNORM, '475342', 'dasatinib'],
    [RXNORM, '799830', 'dasatinib 100 MG Oral Tablet [Sprycel]'],
  ],
  ponatinib: [
    [RXNORM, '1364347', 'ponatinib'],
    [RXNORM, '1364354', 'ponatinib 15 MG [Iclusig]'],
  ],
  tisagenlecleucel: [
    [LOCAL, 'tisagenlecleucel', 'tisagenlecleucel'],
    [LOCAL, 'tisagenlecleucel', 'Kymriah'],
  ],
  brexucabtagene: [
    [RXNORM, '2387347', 'brexucabtagene autoleucel'],
    [RXNORM, '2387352', 'Tecartus'],
  ],
  obecabtagene: [
    [RXNORM, '2700168', 'obecabtagene autoleucel'],
    [RXNORM, '2700175', 'Aucatzyl'],
  ],
  cytarabine: [
    [RXNORM, '3041', 'cytarabine'],
    [RXNORM, '3041', 'cytarabine 100 mg/m2 IV'],
  ],
  ondansetron: [
    [RXNORM, '26225', 'ondansetron'],
    [RXNORM, '26225', 'ondansetron 4 MG'],
  ],
};

export interface OrderChoices {
  drug: OrderedDrug;
  product: boolean;
  coding: DraftCoding;
  hook: 'order-select' | 'order-sign';
  /** ABL1 T315I reported in the chart. */
  t315i: boolean;
  /** An unrelated draft beside it (ondansetron). */
  noise: boolean;
}

export const orderChoicesArbitrary: fc.Arbitrary<OrderChoices> = fc.record({
  drug: fc.constantFrom(...ORDERED_DRUGS),
  product: fc.boolean(),
  coding: fc.constantFrom<DraftCoding>('concept', 'contained', 'bundled'),
  hook: fc.constantFrom<OrderChoices['hook']>('order-select', 'order-sign'),
  t315i: fc.boolean(),
  noise: fc.boolean(),
});

export const ORDER_ID = 'draft-main';
export const ORDER_REF = `MedicationRequest/${ORDER_ID}`;

export function draftOrdersFor(o: OrderChoices, patientId: string): Record<string, unknown> {
  const main = draftMedicationRequest(ORDER_ID, patientId, CODES[o.drug][o.product ? 1 : 0], o.coding);
  const noise = o.noise ? [draftMedicationRequest('draft-noise', patientId, CODES.ondansetron[0])] : [];
  return draftOrdersBundle(main, ...noise);
}

const CD19_DIRECTED: readonly OrderedDrug[] = ['blinatumomab', 'tisagenlecleucel', 'brexucabtagene', 'obecabtagene'];

/** The critical cards the order must get, as `code@order`, from the chart's truth. */
export function expectedCriticals(truth: Truth, o: OrderChoices, t315iSeen: boolean): string[] {
  if (!truth.relapsedAll) return [];
  const out: string[] = [];
  const t = truth.lineage === 'T';
  const b = truth.lineage === 'B';
  const d = o.drug;
  if (((CD19_DIRECTED.includes(d) || d === 'inotuzumab') && t) || (d === 'nelarabine' && b)) out.push('order-lineage-mismatch');
  if (!t && CD19_DIRECTED.includes(d) && truth.cd19NegativeSeen) out.push('order-antigen-negative');
  if (!t && d === 'inotuzumab' && truth.cd22NegativeSeen) out.push('order-antigen-negative');
  if (!t && d === 'inotuzumab' && truth.ageMonths < 12) out.push('order-below-label-age');
  if (!t && ((d === 'tisagenlecleucel' && truth.ageYears > 25) || ((d === 'brexucabtagene' || d === 'obecabtagene') && truth.ageYears < 18)))
    out.push('order-car-t-label');
  if ((d === 'imatinib' || d === 'dasatinib') && t315iSeen) out.push('order-tki-t315i');
  return out.map((code) => `${code}@${ORDER_REF}`).sort();
}

export function orderInvariantViolations(truth: Truth, o: OrderChoices, t315iSeen: boolean, body: CdsResponse): string[] {
  const problems: string[] = [];
  if (!truth.relapsedAll) {
    if (body.cards.length > 0) problems.push(`no relapsed ALL, yet ${body.cards.length} card(s)`);
    return problems;
  }
  const about = (c: CdsResponse['cards'][number]): string | undefined => cardOrder(c.detail);
  const criticals = body.cards
    .filter((c) => c.indicator === 'critical')
    .map((c) => `${c.source.topic?.code}@${about(c)}`)
    .sort();
  const expected = expectedCriticals(truth, o, t315iSeen);
  if (JSON.stringify(criticals) !== JSON.stringify(expected))
    problems.push(`critical cards ${JSON.stringify(criticals)}, expected ${JSON.stringify(expected)}`);
  if (body.cards.some((c) => about(c) === 'MedicationRequest/draft-noise')) problems.push('a card about the unrelated (ondansetron) draft');

  const labsUnavailable = truth.unavailable.has('observations');
  const aboutOrder = body.cards.filter((c) => about(c) === ORDER_REF);
  if (labsUnavailable && truth.lineage !== 'T' && (CD19_DIRECTED.includes(o.drug) || o.drug === 'inotuzumab') && aboutOrder.length === 0)
    problems.push('laboratory results unavailable, yet no card about the CD19/CD22-directed order');
  if (labsUnavailable && (o.drug === 'imatinib' || o.drug === 'dasatinib') && !body.cards.some((c) => c.source.topic?.code === 'order-not-checked'))
    problems.push('laboratory results unavailable, yet the TKI passed without a not-checked card');

  for (const card of body.cards.filter((c) => c.indicator === 'critical')) {
    const deletes = (card.suggestions ?? []).flatMap((s) => s.actions ?? []).filter((a) => a.type === 'delete');
    if (deletes.length !== 1 || deletes[0].resourceId !== ORDER_REF) problems.push(`critical ${card.source.topic?.code} does not remove ${ORDER_REF}`);
    if (!card.overrideReasons?.some((r) => r.code === 'trial-protocol')) problems.push(`critical ${card.source.topic?.code} has no override reasons`);
  }
  return problems;
}
