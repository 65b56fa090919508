/**
 * What drug a medication record or a draft order is about, read the same way
 * for both (so "the same drug" means the same thing when an order is checked
 * against the therapy the relapse happened on): codes from
 * `medicationCodeableConcept` or the referenced Medication (contained,
 * bundled, or in the record) with its ingredients, matched through the value
 * sets; the route; and the drug's identity for the 14-day gap rule.
 */
import type * as R4 from 'fhir/r4';
import { CAR_T_PRODUCTS, TKI_DRUGS, type AgentClass, type CarTProduct, type TkiDrug } from '../clinical/types';
import type { Coding, Terminology, ValueSetId } from '../terminology/valuesets';
import { codings, paths, strings } from './paths';

export type MedicationRecord = R4.MedicationRequest | R4.MedicationAdministration | R4.MedicationStatement;

/** Finds the Medication a `Medication/id` reference names (the record, or the draft orders and then the record). */
export type MedicationLookup = (reference: string) => R4.Medication | undefined;

/** medicationCodeableConcept, or the contained / bundled Medication's code and ingredients. */
export function medicationCodings(med: MedicationRecord, lookup: MedicationLookup): Coding[] {
  const direct = codings(paths.medicationCodings(med));
  const medication = referencedMedication(med, lookup);
  return medication ? [...direct, ...codings(paths.medicationIngredientCodings(medication))] : direct;
}

function referencedMedication(med: MedicationRecord, lookup: MedicationLookup): R4.Medication | undefined {
  const ref = strings(paths.medicationReference(med))[0];
  if (!ref) return undefined;
  if (ref.startsWith('#')) {
    const contained: unknown = med.contained;
    if (!Array.isArray(contained)) return undefined;
    return (contained as unknown[]).find(
      (c): c is R4.Medication =>
        typeof c === 'object' && c !== null && (c as R4.Medication).resourceType === 'Medication' && `#${(c as R4.Medication).id}` === ref,
    );
  }
  return lookup(ref);
}

/** The drug's name as recorded: the concept's text or display, else the referenced Medication's. */
export function medicationName(med: MedicationRecord, lookup: MedicationLookup): string | undefined {
  const direct = strings(paths.medicationCodeText(med))[0];
  if (direct) return direct;
  const m = referencedMedication(med, lookup);
  if (m) return strings(paths.codeText(m))[0];
  const display = (med as { medicationReference?: { display?: unknown } }).medicationReference?.display;
  return typeof display === 'string' && display.length > 0 ? display : undefined;
}

const AGENT_ORDER: [ValueSetId | readonly ValueSetId[], AgentClass][] = [
  [['car-t', ...CAR_T_PRODUCTS], 'car-t'],
  ['blinatumomab', 'blinatumomab'],
  ['inotuzumab', 'inotuzumab'],
  ['nelarabine', 'nelarabine'],
  ['ponatinib', 'ponatinib'],
  [['tki', ...TKI_DRUGS], 'tki'],
  ['reinduction-agents', 'other-reinduction'],
];

export function agentClass(cs: readonly Coding[], t: Terminology): AgentClass | undefined {
  return AGENT_ORDER.find(([sets]) => (typeof sets === 'string' ? [sets] : sets).some((vs) => t.any(vs, cs)))?.[1];
}

/** A reinduction agent: the reinduction-agents value set, and every code of the blinatumomab, inotuzumab and nelarabine sets (their products too). */
export function isReinductionDrug(cs: readonly Coding[], t: Terminology): boolean {
  return (['reinduction-agents', 'blinatumomab', 'inotuzumab', 'nelarabine'] as const).some((vs) => t.any(vs, cs));
}

export function tkiDrug(cs: readonly Coding[], t: Terminology): TkiDrug | undefined {
  return TKI_DRUGS.find((d) => t.any(d, cs));
}

export function carTProduct(cs: readonly Coding[], t: Terminology): CarTProduct | undefined {
  return CAR_T_PRODUCTS.find((p) => t.any(p, cs));
}

/** The same drug (ingredient) whatever product or record it comes from. */
export function agentKeyOf(agent: AgentClass, cs: readonly Coding[], t: Terminology, name: string): string {
  if (agent === 'tki') {
    const drug = tkiDrug(cs, t);
    if (drug) return `tki:${drug}`;
  }
  if (agent !== 'other-reinduction' && agent !== 'tki') return agent;
  const member = cs.find((c) => t.has(agent === 'tki' ? 'tki' : 'reinduction-agents', c));
  return member ? `${agent}:${member.system}|${member.code}` : `${agent}:${name.toLowerCase()}`;
}

/** Route text that names the CSF: "intrathecal", "intraventricular", "Ommaya" (any case) or "IT" as a whole word. */
const INTRATHECAL_WORDS = /\b(intra-?thecal|intra-?ventricular|intracerebroventricular|ommaya)\b/i;
const IT_ABBREVIATION = /(^|[^A-Za-z])IT([^A-Za-z]|$)/;

/** 'intrathecal' when the route (coded or text, or the drug's own name) says so; 'systemic' when another route is coded; else unknown. */
export function routeOf(med: MedicationRecord, name: string, t: Terminology): 'intrathecal' | 'systemic' | undefined {
  const routeCodings = codings(paths.routeCodings(med));
  if (t.any('intrathecal-route', routeCodings)) return 'intrathecal';
  const texts = strings(paths.routeText(med));
  if (texts.some((x) => INTRATHECAL_WORDS.test(x) || IT_ABBREVIATION.test(x))) return 'intrathecal';
  if (strings(paths.dosageText(med)).some((x) => INTRATHECAL_WORDS.test(x) || IT_ABBREVIATION.test(x))) return 'intrathecal';
  if (INTRATHECAL_WORDS.test(name)) return 'intrathecal';
  if (routeCodings.length > 0 || texts.length > 0) return 'systemic';
  return undefined;
}
