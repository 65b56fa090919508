/**
 * `context.draftOrders` (order-select / order-sign) -> DraftOrder[]: what each
 * draft orders, read the same way as the patient's medication records
 * (patient/medication.ts), so an order and the therapy the relapse happened
 * on are "the same drug" by the same rule.
 *
 * Real clients send a Bundle with no `type`, drafts without `intent`, and a
 * draft with no medication until one is picked: all accepted. Entries of
 * other types are ignored and said so (a note for the log), never a 400.
 */
import type * as R4 from 'fhir/r4';
import type { DraftOrder } from '../clinical/order-checks';
import type { DraftOrdersBundle } from '../protocol/cds-hooks';
import type { Terminology } from '../terminology/valuesets';
import { agentClass, agentKeyOf, carTProduct, medicationCodings, medicationName, routeOf, tkiDrug, type MedicationLookup } from './medication';
import { codings, paths, strings } from './paths';
import type { FhirResource } from './records';

/** Statuses of a draft that mean it is not being ordered. */
const WITHDRAWN = new Set(['entered-in-error', 'cancelled', 'revoked', 'completed', 'stopped']);

export interface DraftOrders {
  orders: DraftOrder[];
  /** The drafts as sent, by reference (a suggestion that updates a draft starts from it). */
  resources: ReadonlyMap<string, FhirResource>;
  /** What was ignored, in words (for the log). */
  notes: string[];
  /** A checked draft names a Medication the draft orders do not hold: the patient's record may (read it before deciding). */
  unresolvedMedication: boolean;
}

export interface DraftOrderOptions {
  /** order-select: the references the user selected; undefined: every draft is checked (order-sign). */
  selections?: readonly string[];
  /** Medications outside the draft orders (the patient's record), once it has been read. */
  recordMedication?: MedicationLookup;
}

export function readDraftOrders(bundle: DraftOrdersBundle | undefined, t: Terminology, options: DraftOrderOptions = {}): DraftOrders {
  const notes: string[] = [];
  const entries = bundle?.entry ?? [];
  const drafts: FhirResource[] = [];
  const medications = new Map<string, R4.Medication>();
  entries.forEach((entry, i) => {
    const r = entry.resource;
    if (!r) return notes.push(`draftOrders entry ${i} has no resource: ignored`);
    if (r.resourceType === 'Medication') {
      if (typeof r.id === 'string') medications.set(`Medication/${r.id}`, r as unknown as R4.Medication);
      if (typeof entry.fullUrl === 'string') medications.set(entry.fullUrl, r as unknown as R4.Medication);
      return;
    }
    if (r.resourceType !== 'MedicationRequest' && r.resourceType !== 'ServiceRequest') {
      return notes.push(`draftOrders entry ${i} is a ${r.resourceType}: not checked`);
    }
    if (typeof r.status === 'string' && WITHDRAWN.has(r.status)) return notes.push(`draftOrders entry ${i} has status ${r.status}: not checked`);
    drafts.push(r);
  });

  const lookup: MedicationLookup = (ref) => {
    const m = /(Medication\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(ref);
    return medications.get(ref) ?? (m ? medications.get(m[1]) : undefined) ?? options.recordMedication?.(ref);
  };
  const referenceOf = (r: FhirResource): string => `${r.resourceType}/${typeof r.id === 'string' ? r.id : '(no id)'}`;
  const selected = options.selections;
  // order-select names the new orders; when none of them is among the drafts, every draft is checked (never passed unseen).
  const matches = selected ? drafts.filter((r) => selected.includes(referenceOf(r))) : drafts;
  if (selected && matches.length === 0 && drafts.length > 0) notes.push('no selection names a draft order: every draft is checked');
  const checked = new Set(matches.length > 0 ? matches : drafts);

  let unresolvedMedication = false;
  const orders = drafts.map((r): DraftOrder => {
    const reference = referenceOf(r);
    const base = { reference, checked: checked.has(r), route: 'systemic' as const };
    if (r.resourceType === 'ServiceRequest') {
      const sr = r as unknown as R4.ServiceRequest;
      const cs = codings(paths.serviceRequestCodings(sr));
      const name = strings(paths.codeText(sr))[0] ?? 'service request';
      const kind = t.any('hsct-referral', cs) ? 'hsct-referral' : t.any('lumbar-puncture', cs) ? 'lumbar-puncture' : 'other';
      return { ...base, name, kind, evidence: { label: kind === 'hsct-referral' ? 'HSCT referral (draft order)' : 'Draft order', value: name, reference } };
    }
    const med = r as unknown as R4.MedicationRequest;
    const cs = medicationCodings(med, lookup);
    const agent = agentClass(cs, t);
    if (!agent && checked.has(r) && strings(paths.medicationReference(med)).some((ref) => !ref.startsWith('#') && !lookup(ref))) unresolvedMedication = true;
    const name = medicationName(med, lookup) ?? agent ?? 'no medication chosen';
    const evidence = { label: 'Draft order', value: name, reference };
    if (!agent) return { ...base, name, kind: 'other', evidence };
    return {
      ...base,
      name,
      kind: 'agent',
      agent,
      agentKey: agentKeyOf(agent, cs, t, name),
      tki: tkiDrug(cs, t),
      carT: carTProduct(cs, t),
      route: routeOf(med, name, t) === 'intrathecal' ? 'intrathecal' : 'systemic',
      evidence,
    };
  });
  return { orders, resources: new Map(drafts.map((r) => [referenceOf(r), r])), notes, unresolvedMedication };
}
