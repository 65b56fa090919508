/**
 * Generated charts for the clinical invariants: FHIR resources coded as
 * hospitals code them, built from a few clinical choices (fast-check picks
 * them), together with the ground truth those choices imply. The truth is
 * computed from the choices here, never by the service.
 *
 * Dates are relative to the evaluation date of the tests (2026-11-28).
 */
import fc from 'fast-check';
import { CPT, Chart, ICD10CM, OPTIONAL_KEYS, RX, SCT, type Coding } from '../support/chart';

export const EVALUATION_DATE = '2026-11-28';

export type Lineage = 'B' | 'T' | 'conflict' | 'unspecified';
export type Antigen = 'positive' | 'negative' | 'none' | 'old-positive';
export type Therapy =
  | 'none'
  | 'systemic'
  | 'intrathecal-coded'
  | 'intrathecal-text'
  | 'intrathecal-96450'
  | 'tki-continued'
  | 'blinatumomab-continued'
  | 'intrathecal-then-systemic';
export type DateShape = 'consistent' | 'relapse-before-diagnosis' | 'diagnosis-in-future' | 'relapse-in-future' | 'diagnosis-before-birth';

export interface Choices {
  kind: 'relapsed' | 'first-remission' | 'no-all';
  lineage: Lineage;
  ageMonths: number;
  relapseDaysAgo: number;
  monthsFromDiagnosis: number;
  dates: DateShape;
  secondRelapse: boolean;
  site: 'marrow' | 'cns' | 'testis' | 'combined';
  cd19: Antigen;
  cd22: Antigen;
  ph: 'positive' | 'negative' | 'none';
  therapy: Therapy;
  mrd: { day: number; percent: number }[];
  refractoryMarrow: boolean;
  hsct: 'none' | 'before' | 'after';
  referralOpen: boolean;
  onTrial: boolean;
  unavailable: (typeof OPTIONAL_KEYS)[number][];
}

/** What the chart says, as a clinician would read it, and what the service could see. */
export interface Truth {
  choices: Choices;
  relapsedAll: boolean;
  lineage: Lineage;
  ageYears: number;
  ageMonths: number;
  birthDate: string;
  diagnosisDate: string;
  relapseDates: string[];
  datesConflict: boolean;
  /** Antigen positive at relapse AND visible (laboratory results available). */
  cd19PositiveSeen: boolean;
  cd19NegativeSeen: boolean;
  cd22PositiveSeen: boolean;
  cd22NegativeSeen: boolean;
  /** First systemic, newly started reinduction dose the service could see. */
  reinductionStartSeen?: string;
  /** MRD dates the service could see. */
  mrdDatesSeen: string[];
  hsctAfterRelapse: boolean;
  unavailable: Set<string>;
  /** `Type/id` of every resource in the request. */
  references: Set<string>;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString().slice(0, 10);
}

const LINEAGE_CODES: Record<Exclude<Lineage, 'conflict'>, Coding> = {
  B: [SCT, '277571004', 'B-cell acute lymphoblastic leukemia'],
  T: [SCT, '277575008', 'T-cell acute lymphoblastic leukemia'],
  unspecified: [ICD10CM, 'C91.00', 'Acute lymphoblastic leukemia not having achieved remission'],
};
const RELAPSE: Coding = [ICD10CM, 'C91.02', 'Acute lymphoblastic leukemia, in relapse'];
const IV: Coding = [SCT, '47625008', 'Intravenous route'];
const INTRATHECAL: Coding = [SCT, '72607000', 'Intrathecal route'];

export const choicesArbitrary: fc.Arbitrary<Choices> = fc.record({
  kind: fc.constantFrom<Choices['kind']>(
    'relapsed',
    'relapsed',
    'relapsed',
    'relapsed',
    'relapsed',
    'relapsed',
    'relapsed',
    'relapsed',
    'first-remission',
    'no-all',
  ),
  lineage: fc.constantFrom<Lineage>('B', 'B', 'B', 'B', 'T', 'T', 'conflict', 'unspecified'),
  // 8 months to 60 years, with the label edges (1 year, 18, 25) represented.
  ageMonths: fc.constantFrom(8, 11, 13, 30, 84, 204, 218, 300, 311, 420, 720),
  relapseDaysAgo: fc.constantFrom(40, 75, 150, 400),
  monthsFromDiagnosis: fc.constantFrom(4, 14, 20, 30, 40, 70),
  dates: fc.constantFrom<DateShape>(
    'consistent',
    'consistent',
    'consistent',
    'consistent',
    'relapse-before-diagnosis',
    'diagnosis-in-future',
    'relapse-in-future',
    'diagnosis-before-birth',
  ),
  secondRelapse: fc.boolean(),
  site: fc.constantFrom<Choices['site']>('marrow', 'marrow', 'cns', 'testis', 'combined'),
  cd19: fc.constantFrom<Antigen>('positive', 'positive', 'negative', 'none', 'old-positive'),
  cd22: fc.constantFrom<Antigen>('positive', 'positive', 'negative', 'none', 'old-positive'),
  ph: fc.constantFrom<Choices['ph']>('negative', 'negative', 'positive', 'none'),
  therapy: fc.constantFrom<Therapy>(
    'none',
    'systemic',
    'systemic',
    'intrathecal-coded',
    'intrathecal-text',
    'intrathecal-96450',
    'tki-continued',
    'blinatumomab-continued',
    'intrathecal-then-systemic',
  ),
  mrd: fc.array(fc.record({ day: fc.constantFrom(0, 10, 30, 45), percent: fc.constantFrom(0.004, 0.05, 0.5) }), { maxLength: 2 }),
  refractoryMarrow: fc.boolean(),
  hsct: fc.constantFrom<Choices['hsct']>('none', 'none', 'before', 'after'),
  referralOpen: fc.boolean(),
  onTrial: fc.boolean(),
  unavailable: fc.oneof(fc.constant<Choices['unavailable']>([]), fc.constant<Choices['unavailable']>([]), fc.subarray([...OPTIONAL_KEYS], { maxLength: 3 })),
});

let serial = 0;

/** The chart (FHIR resources), the keys that fail, and the truth. */
export function buildChart(c: Choices): { chart: Chart; truth: Truth } {
  serial += 1;
  const birthDate = addMonths(EVALUATION_DATE, -c.ageMonths);
  const chart = new Chart(`gen${serial}`, birthDate);
  let relapse = addDays(EVALUATION_DATE, -c.relapseDaysAgo);
  let diagnosis = addMonths(relapse, -c.monthsFromDiagnosis);
  if (c.dates === 'relapse-before-diagnosis') diagnosis = addDays(relapse, 20);
  if (c.dates === 'diagnosis-in-future') diagnosis = addDays(EVALUATION_DATE, 30);
  if (c.dates === 'relapse-in-future') relapse = addDays(EVALUATION_DATE, 25);
  if (c.dates === 'diagnosis-before-birth') diagnosis = addMonths(birthDate, -2);

  const unavailable = new Set<string>(c.kind === 'relapsed' ? c.unavailable : []);
  const truthBase = {
    choices: c,
    lineage: c.lineage,
    ageYears: Math.floor(c.ageMonths / 12),
    ageMonths: c.ageMonths,
    birthDate,
    diagnosisDate: diagnosis,
    unavailable,
  };

  if (c.kind === 'no-all') {
    chart.condition([SCT, '91861009', 'Acute myeloid leukemia'], diagnosis);
    chart.condition([ICD10CM, 'C92.02', 'Acute myeloblastic leukemia, in relapse'], relapse);
    chart.marrowBlasts(relapse, 40);
    return { chart, truth: { ...truthBase, relapsedAll: false, relapseDates: [], datesConflict: false, ...unseen(), references: refs(chart) } };
  }

  // The diagnosis (lineage coded as chosen) and the first remission.
  if (c.lineage === 'conflict') {
    chart.condition(LINEAGE_CODES.B, diagnosis);
    chart.condition(LINEAGE_CODES.T, diagnosis);
  } else chart.condition(LINEAGE_CODES[c.lineage], diagnosis);
  chart.marrowBlasts(addDays(diagnosis, 30), 1);
  if (c.ph === 'positive') chart.bcrAbl1(addDays(diagnosis, 2), true);
  if (c.ph === 'negative') chart.bcrAbl1(addDays(diagnosis, 2), false);

  if (c.kind === 'first-remission') {
    chart.condition([ICD10CM, 'C91.01', 'Acute lymphoblastic leukemia, in remission'], addDays(diagnosis, 35));
    return { chart, truth: { ...truthBase, relapsedAll: false, relapseDates: [], datesConflict: false, ...unseen(), references: refs(chart) } };
  }

  const relapseDates: string[] = [];
  if (c.secondRelapse) {
    const first = addMonths(relapse, -18);
    chart.condition(RELAPSE, first);
    chart.marrowBlasts(first, 45);
    chart.marrowBlasts(addDays(first, 45), 0.5);
    relapseDates.push(first);
  }
  relapseDates.push(relapse);

  // The current relapse and its site.
  const bodySite =
    c.site === 'cns' ? [SCT, '21483005', 'Central nervous system structure'] : c.site === 'testis' ? [SCT, '40689003', 'Testis structure'] : undefined;
  chart.condition(RELAPSE, relapse, bodySite ? { bodySite: [{ coding: [{ system: bodySite[0], code: bodySite[1], display: bodySite[2] }] }] } : {});
  chart.marrowBlasts(relapse, c.site === 'marrow' || c.site === 'combined' ? 60 : 1);
  if (c.site === 'cns' || c.site === 'combined') chart.csfBlasts(relapse, true);
  else chart.procedure([CPT, '62270', 'Spinal puncture, lumbar, diagnostic'], addDays(relapse, 1));

  const antigen = (name: 'CD19' | 'CD22', a: Antigen): void => {
    if (a === 'positive') chart.antigen(name, relapse, 90);
    if (a === 'negative') chart.antigen(name, relapse, 2);
    if (a === 'old-positive') chart.antigen(name, addDays(relapse, -200), 90);
  };
  antigen('CD19', c.cd19);
  antigen('CD22', c.cd22);

  // Therapy around the relapse.
  let reinductionStart: string | undefined;
  const itDay = addDays(relapse, 1);
  switch (c.therapy) {
    case 'systemic':
      chart.administration(RX.mitoxantrone, 'mitoxantrone', addDays(relapse, 3), { coded: IV });
      reinductionStart = addDays(relapse, 3);
      break;
    case 'intrathecal-coded':
      chart.administration(RX.cytarabine, 'cytarabine', itDay, { coded: INTRATHECAL });
      break;
    case 'intrathecal-text':
      chart.administration(RX.cytarabine, 'cytarabine 70 mg', itDay, { text: 'IT' });
      break;
    case 'intrathecal-96450':
      chart.procedure([CPT, '96450', 'Chemotherapy administration into CNS'], itDay);
      chart.administration(RX.cytarabine, 'cytarabine', itDay);
      break;
    case 'tki-continued':
      chart.order(RX.imatinib, 'imatinib', addDays(relapse, -10), 'completed');
      chart.order(RX.imatinib, 'imatinib', addDays(relapse, 18), 'active');
      break;
    case 'blinatumomab-continued':
      chart.administration(RX.blinatumomab, 'blinatumomab', addDays(relapse, -7), { coded: IV });
      chart.administration(RX.blinatumomab, 'blinatumomab', addDays(relapse, 4), { coded: IV });
      break;
    case 'intrathecal-then-systemic':
      chart.administration(RX.cytarabine, 'cytarabine', itDay, { text: 'intrathecal' });
      chart.administration(RX.cytarabine, 'cytarabine', addDays(relapse, 5), { coded: IV });
      reinductionStart = addDays(relapse, 5);
      break;
    default:
      break;
  }
  for (const m of c.mrd) chart.mrd(addDays(relapse, m.day), m.percent);
  if (c.refractoryMarrow && reinductionStart) chart.marrowBlasts(addDays(reinductionStart, 32), 25);
  const transplant: Coding = [SCT, '234336002', 'Hemopoietic stem cell transplant'];
  if (c.hsct === 'before') chart.procedure(transplant, addMonths(relapse, -12));
  if (c.hsct === 'after') chart.procedure(transplant, addDays(relapse, 35));
  if (c.referralOpen) chart.hsctReferral('active');
  if (c.onTrial) chart.onTrial();

  const labsSeen = !unavailable.has('observations');
  const seenPositive = (a: Antigen): boolean => labsSeen && a === 'positive';
  const datesConflict = relapse < diagnosis || diagnosis > EVALUATION_DATE || relapse > EVALUATION_DATE || diagnosis < birthDate || birthDate > EVALUATION_DATE;
  return {
    chart,
    truth: {
      ...truthBase,
      relapsedAll: true,
      relapseDates,
      datesConflict,
      cd19PositiveSeen: seenPositive(c.cd19),
      cd19NegativeSeen: labsSeen && c.cd19 === 'negative',
      cd22PositiveSeen: seenPositive(c.cd22),
      cd22NegativeSeen: labsSeen && c.cd22 === 'negative',
      reinductionStartSeen: unavailable.has('medicationAdministrations') ? undefined : reinductionStart,
      mrdDatesSeen: labsSeen ? c.mrd.map((m) => addDays(relapse, m.day)) : [],
      hsctAfterRelapse: c.hsct === 'after',
      references: refs(chart),
    },
  };
}

function unseen(): Pick<Truth, 'cd19PositiveSeen' | 'cd19NegativeSeen' | 'cd22PositiveSeen' | 'cd22NegativeSeen' | 'mrdDatesSeen' | 'hsctAfterRelapse'> {
  return { cd19PositiveSeen: false, cd19NegativeSeen: false, cd22PositiveSeen: false, cd22NegativeSeen: false, mrdDatesSeen: [], hsctAfterRelapse: false };
}

function refs(chart: Chart): Set<string> {
  return new Set(chart.resources.map((r) => `${r.resourceType}/${r.id}`));
}
