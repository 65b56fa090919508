/**
 * Order checks (order-select / order-sign): a draft order for an ALL-directed
 * agent, checked against the same stratification the chart-open cards use.
 * Pure: stratification + draft orders + settings in, findings out.
 *
 * Three outcomes per check: it fires (the card says why, with the data), it
 * passes (silent), or the data to decide is unavailable or missing (the
 * `order-not-checked` card names what could not be checked: an order is
 * never passed silently as safe, and nothing is blocked on a guess).
 */
import type { Indicator } from './recommend';
import type { ClinicalSettings } from './settings';
import type { AntigenStatus, Stratification } from './stratify';
import type { AgentClass, CarTProduct, Evidence, TherapyExposure, TkiDrug } from './types';

/** The order-check catalog codes, in table order (the order of cards within an indicator). */
export const ORDER_CHECK_CODES = [
  'order-lineage-mismatch',
  'order-antigen-negative',
  'order-below-label-age',
  'order-car-t-label',
  'order-tki-t315i',
  'order-antigen-not-assessed',
  'order-refractory-agent',
  'order-inotuzumab-hsct',
  'order-tki-ph-negative',
  'order-cns-not-evaluated',
  'order-ph-positive-no-tki',
  'order-not-checked',
] as const;
export type OrderCheckCode = (typeof ORDER_CHECK_CODES)[number];

/** A draft order as the rules see it (read from `context.draftOrders` by patient/draft-orders.ts). */
export interface DraftOrder {
  /** `MedicationRequest/request-123`: what a suggestion deletes or updates. */
  reference: string;
  /** The drug or service as ordered (display text). */
  name: string;
  /** What the order is: an ALL-directed agent, an HSCT referral, a lumbar puncture, or something else. */
  kind: 'agent' | 'hsct-referral' | 'lumbar-puncture' | 'other';
  agent?: AgentClass;
  /** The same drug as a therapy record (14-day gap rule): refractory when it matches current therapy at relapse. */
  agentKey?: string;
  tki?: TkiDrug;
  carT?: CarTProduct;
  /** Intrathecal / intraventricular orders are CNS-directed therapy, never systemic reinduction. */
  route: 'systemic' | 'intrathecal';
  /** Checked in this call (order-sign: every draft; order-select: the selected ones). */
  checked: boolean;
  evidence: Evidence;
}

/** What could not be checked for an order, and why. */
export interface UncheckedItem {
  order?: DraftOrder;
  check: 'lineage' | 'label age' | 'T315I' | 'Philadelphia status' | 'therapy at relapse' | 'HSCT plans' | 'CNS evaluation' | 'current TKI';
  why: string;
}

export type Antigen = 'CD19' | 'CD22';

/** Facts a card's wording switches on (per code). */
export interface OrderFlags {
  lineage?: 'B' | 'T';
  antigen?: Antigen;
  /** order-antigen-not-assessed: why there is no usable result. */
  antigenProblem?: 'not-reassessed' | 'unreadable' | 'unavailable';
  /** order-below-label-age / order-car-t-label: the label's limit. */
  labelLimit?: 'inotuzumab-min' | 'blinatumomab-min' | 'tisagenlecleucel-max' | 'adult-product-min';
  /** order-tki-t315i: the patient is a child (ponatinib is labelled for adults). */
  child?: boolean;
  /** order-inotuzumab-hsct: the HSCT referral is among the draft orders (not only in the record). */
  referralInDraft?: boolean;
  unchecked?: UncheckedItem[];
}

export interface OrderFinding {
  code: OrderCheckCode;
  indicator: Indicator;
  /** The order a per-order check is about; undefined for the order-set checks. */
  order?: DraftOrder;
  /** The orders an order-set check is about. */
  orders: DraftOrder[];
  evidence: Evidence[];
  flags: OrderFlags;
  /** Therapy the relapse happened on (order-refractory-agent). */
  currentTherapy: TherapyExposure[];
  /** A safe change exists: replace the drug (T315I: ponatinib). */
  alternative?: 'ponatinib';
  /** The draft may be removed (delete suggestion); recommended on critical findings without an alternative. */
  removable: boolean;
}

const RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };
const CD19_DIRECTED: readonly AgentClass[] = ['blinatumomab', 'car-t'];
const B_LINEAGE_ONLY: readonly AgentClass[] = ['blinatumomab', 'inotuzumab', 'car-t'];
const SYSTEMIC_REINDUCTION: readonly AgentClass[] = ['blinatumomab', 'inotuzumab', 'nelarabine', 'other-reinduction'];

export function isSystemicReinduction(o: DraftOrder): boolean {
  return o.kind === 'agent' && o.agent !== undefined && SYSTEMIC_REINDUCTION.includes(o.agent) && o.route === 'systemic';
}

function isTki(agent: AgentClass | undefined): boolean {
  return agent === 'tki' || agent === 'ponatinib';
}

/** True when some checked order is an agent these checks are about (otherwise the answer is no cards, without reading the chart). */
export function hasCheckableOrder(orders: readonly DraftOrder[]): boolean {
  return orders.some((o) => o.checked && o.kind === 'agent');
}

export function checkOrders(st: Stratification, orders: readonly DraftOrder[], s: ClinicalSettings): OrderFinding[] {
  const out: OrderFinding[] = [];
  const unchecked: UncheckedItem[] = [];
  const unavailable = (d: Stratification['unavailable'][number]): boolean => st.unavailable.includes(d);
  const lineage = st.reported.lineage;
  const add = (
    f: Omit<OrderFinding, 'orders' | 'currentTherapy' | 'removable'> & Partial<Pick<OrderFinding, 'orders' | 'currentTherapy' | 'removable'>>,
  ): void => {
    out.push({ orders: [], currentTherapy: [], removable: false, ...f });
  };

  for (const order of orders.filter((o) => o.checked && o.kind === 'agent' && o.agent !== undefined)) {
    const agent = order.agent as AgentClass;
    const perOrder = (code: OrderCheckCode, indicator: Indicator, evidence: Evidence[], flags: OrderFlags = {}, extra: Partial<OrderFinding> = {}): void =>
      add({ code, indicator, order, evidence, flags, removable: indicator === 'critical', ...extra });

    // Lineage: CD19 / CD22-directed agents are for B-cell precursor ALL; nelarabine for T-ALL.
    const wrongLineage = (lineage === 'T' && B_LINEAGE_ONLY.includes(agent)) || (lineage === 'B' && agent === 'nelarabine');
    if (wrongLineage) perOrder('order-lineage-mismatch', 'critical', st.lineageEvidence, { lineage: lineage });
    else if (lineage === 'unknown' && (B_LINEAGE_ONLY.includes(agent) || agent === 'nelarabine'))
      unchecked.push({ order, check: 'lineage', why: st.lineageConflict ? 'the record gives both B and T lineage' : 'lineage is not recorded' });

    // Target antigen at relapse (B-ALL, or lineage unknown).
    if (!wrongLineage && lineage !== 'T') {
      if (CD19_DIRECTED.includes(agent)) antigenCheck(perOrder, st.cd19, 'CD19');
      if (agent === 'inotuzumab') antigenCheck(perOrder, st.cd22, 'CD22');
    }

    // Label age.
    const minMonths = agent === 'inotuzumab' ? s.inotuzumabMinAgeYears * 12 : agent === 'blinatumomab' ? s.blinatumomabMinAgeMonths : undefined;
    if (minMonths !== undefined && !wrongLineage) {
      if (st.ageMonths === undefined) unchecked.push({ order, check: 'label age', why: 'the birth date is not recorded' });
      else if (st.ageMonths < minMonths)
        perOrder('order-below-label-age', 'critical', birthEvidence(st), { labelLimit: agent === 'inotuzumab' ? 'inotuzumab-min' : 'blinatumomab-min' });
    }
    if (agent === 'car-t' && order.carT !== undefined && !wrongLineage) {
      if (st.ageYears === undefined) unchecked.push({ order, check: 'label age', why: 'the birth date is not recorded' });
      else if (order.carT === 'tisagenlecleucel' && st.ageYears > s.tisagenlecleucelMaxAge)
        perOrder('order-car-t-label', 'critical', birthEvidence(st), { labelLimit: 'tisagenlecleucel-max' });
      else if (order.carT !== 'tisagenlecleucel' && st.ageYears < s.adultCarTMinAge)
        perOrder('order-car-t-label', 'critical', birthEvidence(st), { labelLimit: 'adult-product-min' });
    }

    // TKIs: T315I (only ponatinib has activity), and Philadelphia status.
    if (isTki(agent)) {
      if (agent === 'tki') {
        if (st.t315i.length > 0)
          perOrder(
            'order-tki-t315i',
            'critical',
            st.t315i,
            { child: st.adult === false || (st.ageYears !== undefined && st.ageYears < s.adultAge) },
            { alternative: 'ponatinib' },
          );
        else if (unavailable('laboratory')) unchecked.push({ order, check: 'T315I', why: 'laboratory results were unavailable' });
      }
      if (st.reported.ph === 'negative') perOrder('order-tki-ph-negative', 'warning', st.phEvidence, {}, { removable: true });
      else if (st.reported.ph === 'unknown')
        unchecked.push({
          order,
          check: 'Philadelphia status',
          why: unavailable('laboratory') ? 'laboratory results were unavailable' : 'no BCR-ABL1 result is recorded',
        });
    }

    // The drug the relapse happened on (current therapy at relapse): refractory.
    if (order.route === 'systemic') {
      const current = st.currentAtRelapse.filter((t) => t.agentKey === order.agentKey);
      if (current.length > 0) perOrder('order-refractory-agent', 'warning', [], {}, { currentTherapy: current, removable: true });
      else if (unavailable('medications')) unchecked.push({ order, check: 'therapy at relapse', why: 'medication records were unavailable' });
    }

    // Inotuzumab with HSCT planned: hepatic veno-occlusive disease.
    if (agent === 'inotuzumab' && !wrongLineage) {
      const draftReferrals = orders.filter((o) => o.kind === 'hsct-referral');
      if (st.hsctReferralOpen.length > 0 || draftReferrals.length > 0)
        perOrder('order-inotuzumab-hsct', 'warning', [...st.hsctReferralOpen, ...draftReferrals.map((o) => o.evidence)], {
          referralInDraft: draftReferrals.length > 0,
        });
      else if (unavailable('referrals')) unchecked.push({ order, check: 'HSCT plans', why: 'referrals were unavailable' });
    }
  }

  // Order-set checks: triggered by a checked systemic reinduction order, judged on all the drafts.
  const reinduction = orders.filter((o) => o.checked && isSystemicReinduction(o));
  if (reinduction.length > 0) {
    const lumbarPunctureOrdered = orders.some((o) => o.kind === 'lumbar-puncture');
    if (st.reported.cns === 'not-evaluated' && !lumbarPunctureOrdered) {
      add({ code: 'order-cns-not-evaluated', indicator: 'info', orders: reinduction, evidence: st.relapse.current?.evidence ?? [], flags: {} });
    } else if (st.reported.cns === 'unknown' && !lumbarPunctureOrdered) {
      unchecked.push({ check: 'CNS evaluation', why: 'lumbar punctures or CSF results were unavailable' });
    }
    if (st.reported.ph === 'positive' && !orders.some((o) => isTki(o.agent))) {
      const ongoing = [...st.currentAtRelapse, ...st.therapy.startedSinceRelapse].filter((t) => isTki(t.agent) && t.ongoing);
      if (ongoing.length === 0 && !unavailable('medications'))
        add({ code: 'order-ph-positive-no-tki', indicator: 'info', orders: reinduction, evidence: st.phEvidence, flags: {} });
      else if (ongoing.length === 0) unchecked.push({ check: 'current TKI', why: 'medication records were unavailable' });
    }
  }

  if (unchecked.length > 0) add({ code: 'order-not-checked', indicator: 'info', evidence: [], flags: { unchecked }, orders: uniqueOrders(unchecked) });
  return sortFindings(out, orders);

  function antigenCheck(
    perOrder: (code: OrderCheckCode, indicator: Indicator, evidence: Evidence[], flags?: OrderFlags) => void,
    a: AntigenStatus,
    antigen: Antigen,
  ): void {
    const result = a.atRelapse ?? a.older;
    const evidence = result ? [result.evidence] : [];
    if (a.atRelapse && a.status === 'negative') perOrder('order-antigen-negative', 'critical', evidence, { antigen });
    else if (!a.atRelapse)
      perOrder('order-antigen-not-assessed', 'warning', evidence, { antigen, antigenProblem: a.unavailable ? 'unavailable' : 'not-reassessed' });
    else if (a.status === 'unknown') perOrder('order-antigen-not-assessed', 'warning', evidence, { antigen, antigenProblem: 'unreadable' });
  }
}

function birthEvidence(st: Stratification): Evidence[] {
  return st.birthEvidence ? [st.birthEvidence] : [];
}

function uniqueOrders(items: readonly UncheckedItem[]): DraftOrder[] {
  return [...new Set(items.flatMap((i) => (i.order ? [i.order] : [])))];
}

/** Critical, warning, info; then the catalog order; then the order's place among the drafts. */
export function sortFindings(findings: OrderFinding[], orders: readonly DraftOrder[]): OrderFinding[] {
  const position = (f: OrderFinding): number => (f.order ? orders.indexOf(f.order) : -1);
  return [...findings].sort(
    (a, b) => RANK[a.indicator] - RANK[b.indicator] || ORDER_CHECK_CODES.indexOf(a.code) - ORDER_CHECK_CODES.indexOf(b.code) || position(a) - position(b),
  );
}
