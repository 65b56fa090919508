/**
 * The values an order-check template may use: one view for every order
 * check (the finding, the order, the stratification), with `ORDER_VIEW_FIELDS`
 * describing it at run time so start-up can check every template tag.
 * Patient-derived strings are escaped by the renderer.
 */
import { dedupeEvidence } from '../clinical/evidence';
import type { DraftOrder, OrderFinding } from '../clinical/order-checks';
import type { ClinicalSettings } from '../clinical/settings';
import type { Stratification } from '../clinical/stratify';
import type { FieldSpec } from './view';
import { ageText, antigenText, evidenceLine, quote, therapyLine, type EvidenceLine, type TherapyLine } from './view';

export interface OrderCardView {
  headline: string;
  /** A per-order card: the order it is about. */
  hasOrder: boolean;
  orderName: string;
  orderReference: string;
  /** An order-set card: the orders that triggered it. */
  orders: { name: string; reference: string }[];
  /** The drug as the rules name it (not the hospital's product text). */
  drug: string;
  isTki: boolean;
  antigen: string;
  antigenText: string;
  antigenNotReassessed: boolean;
  antigenUnreadable: boolean;
  antigenUnavailable: boolean;
  forTAll: boolean;
  forBAll: boolean;
  ageText: string;
  labelText: string;
  suggestTisagenlecleucel: boolean;
  suggestAdultProducts: boolean;
  child: boolean;
  referralInDraft: boolean;
  phText: string;
  currentText: string;
  unchecked: { orderName: string; check: string; why: string }[];
  evidence: EvidenceLine[];
  hasCurrent: boolean;
  current: TherapyLine[];
  hasUnavailable: boolean;
  unavailableText: string;
}

type Specs<T> = { [K in keyof T]-?: FieldSpec };

/** The view at run time: exactly the fields of OrderCardView (the compiler checks both ways). */
export const ORDER_VIEW_FIELDS: Specs<OrderCardView> = {
  headline: 'value',
  hasOrder: 'value',
  orderName: 'value',
  orderReference: 'value',
  orders: { items: ['name', 'reference'] },
  drug: 'value',
  isTki: 'value',
  antigen: 'value',
  antigenText: 'value',
  antigenNotReassessed: 'value',
  antigenUnreadable: 'value',
  antigenUnavailable: 'value',
  forTAll: 'value',
  forBAll: 'value',
  ageText: 'value',
  labelText: 'value',
  suggestTisagenlecleucel: 'value',
  suggestAdultProducts: 'value',
  child: 'value',
  referralInDraft: 'value',
  phText: 'value',
  currentText: 'value',
  unchecked: { items: ['orderName', 'check', 'why'] },
  evidence: { items: ['label', 'value', 'date', 'reference'] },
  hasCurrent: 'value',
  current: { items: ['name', 'date', 'reference'] },
  hasUnavailable: 'value',
  unavailableText: 'value',
};

const PRODUCT_NAMES = { tisagenlecleucel: 'tisagenlecleucel', brexucabtagene: 'brexucabtagene autoleucel', obecabtagene: 'obecabtagene autoleucel' } as const;

/** The drug's name as the card says it: the rules' name for the agent, else the order's own text (quoted). */
export function drugName(order: DraftOrder | undefined): string {
  if (!order) return 'the orders';
  if (order.carT) return PRODUCT_NAMES[order.carT];
  if (order.tki) return order.tki;
  switch (order.agent) {
    case 'blinatumomab':
      return 'blinatumomab';
    case 'inotuzumab':
      return 'inotuzumab ozogamicin';
    case 'nelarabine':
      return 'nelarabine';
    case 'car-t':
      return 'CAR-T product';
    default:
      return quote(order.name, 40) ?? 'the ordered drug';
  }
}

export function buildOrderView(f: OrderFinding, st: Stratification, s: ClinicalSettings, headline: string): OrderCardView {
  const antigen = f.flags.antigen === 'CD22' ? st.cd22 : st.cd19;
  const carTAgeFits = st.ageYears !== undefined && st.cd19.status !== 'negative';
  return {
    headline,
    hasOrder: f.order !== undefined,
    orderName: f.order?.name ?? '',
    orderReference: f.order?.reference ?? '',
    orders: f.orders.filter((o) => o !== f.order).map((o) => ({ name: o.name, reference: o.reference })),
    drug: drugName(f.order),
    isTki: f.order?.agent === 'tki' || f.order?.agent === 'ponatinib',
    antigen: f.flags.antigen ?? '',
    antigenText: f.flags.antigen ? antigenText(antigen) : '',
    antigenNotReassessed: f.flags.antigenProblem === 'not-reassessed',
    antigenUnreadable: f.flags.antigenProblem === 'unreadable',
    antigenUnavailable: f.flags.antigenProblem === 'unavailable',
    forTAll: f.flags.lineage === 'T',
    forBAll: f.flags.lineage === 'B',
    ageText: ageText(st),
    labelText: labelText(f, s),
    suggestTisagenlecleucel: f.flags.labelLimit === 'adult-product-min' && carTAgeFits && (st.ageYears as number) <= s.tisagenlecleucelMaxAge,
    suggestAdultProducts: f.flags.labelLimit === 'tisagenlecleucel-max' && carTAgeFits && (st.ageYears as number) >= s.adultCarTMinAge,
    child: f.flags.child ?? false,
    referralInDraft: f.flags.referralInDraft ?? false,
    phText: st.phEvidence.map((e) => `${e.label}${e.value ? ` ${quote(e.value)}` : ''}${e.date ? `, ${e.date}` : ''}`).join('; ') || 'no result',
    currentText: f.currentTherapy.map((t) => `${quote(t.name, 40)}${t.date ? ` (from ${t.date})` : ''}`).join(', '),
    unchecked: (f.flags.unchecked ?? []).map((u) => ({ orderName: u.order ? drugName(u.order) : 'the reinduction orders', check: u.check, why: u.why })),
    evidence: dedupeEvidence(f.evidence).map(evidenceLine),
    hasCurrent: f.currentTherapy.length > 0,
    current: f.currentTherapy.map(therapyLine),
    hasUnavailable: st.unavailableData.length > 0,
    unavailableText: st.unavailableData.join('; '),
  };
}

function labelText(f: OrderFinding, s: ClinicalSettings): string {
  switch (f.flags.labelLimit) {
    case 'inotuzumab-min':
      return `${s.inotuzumabMinAgeYears} year of age`;
    case 'blinatumomab-min':
      return `${s.blinatumomabMinAgeMonths} month of age`;
    case 'tisagenlecleucel-max':
      return `patients up to ${s.tisagenlecleucelMaxAge} years`;
    case 'adult-product-min':
      return `adults (${s.adultCarTMinAge} years and over)`;
    default:
      return '';
  }
}
