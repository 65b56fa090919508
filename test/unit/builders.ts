/**
 * Builders for the unit tests: PatientFacts (the clinical model) and small FHIR
 * R4 resources (for the patient/ extraction tests). No fixture files, no clock.
 */
import { join } from 'node:path';
import { projectRoot } from '../../src/config';
import { recommend, type Recommendation, type RecommendationCode } from '../../src/clinical/recommend';
import { DEFAULT_CLINICAL_SETTINGS, type ClinicalSettings } from '../../src/clinical/settings';
import { stratify, type Stratification } from '../../src/clinical/stratify';
import type {
  AgentClass,
  AllConditionFinding,
  DatedEvent,
  DiseaseStatusFinding,
  DiseaseStatusValue,
  Evidence,
  IsoDate,
  MarrowBlastResult,
  MrdResult,
  PatientFacts,
  Positivity,
  QualitativeResult,
  SiteKind,
  TherapyExposure,
} from '../../src/clinical/types';
import { emptyPatientFacts } from '../../src/clinical/types';
import { buildPatientFacts } from '../../src/patient/facts';
import type { FhirResource } from '../../src/patient/records';
import { loadTerminology, type Terminology } from '../../src/terminology/valuesets';

export const ROOT = projectRoot();
export const S: Readonly<ClinicalSettings> = DEFAULT_CLINICAL_SETTINGS;

let cachedTerminology: Terminology | undefined;
/** The shipped value sets (hooks/valuesets), loaded once per test file. */
export function terminology(): Terminology {
  cachedTerminology ??= loadTerminology(join(ROOT, 'hooks/valuesets'));
  return cachedTerminology;
}

// ---------------------------------------------------------------------------
// PatientFacts builders
// ---------------------------------------------------------------------------

let seq = 0;
function nextId(): number {
  seq += 1;
  return seq;
}

export function ev(reference: string, label: string, date?: IsoDate, value?: string): Evidence {
  return { reference, label, ...(date ? { date } : {}), ...(value ? { value } : {}) };
}

export function emptyFacts(): PatientFacts {
  return emptyPatientFacts();
}

export function makeFacts(parts: Partial<PatientFacts>): PatientFacts {
  return { ...emptyFacts(), ...parts };
}

/** An ALL Condition finding; defaults to a plain (non-relapse) diagnosis record. */
export function allCondition(o: Partial<AllConditionFinding> = {}): AllConditionFinding {
  const id = nextId();
  return {
    isRelapseRecord: false,
    isPostTransplantRelapseRecord: false,
    isRemissionRecord: false,
    clinicalStatusRelapse: false,
    phPositiveMorphology: false,
    sites: [],
    evidence: ev(`Condition/c${id}`, o.isRelapseRecord ? 'Relapse recorded' : 'ALL diagnosis', o.date),
    ...o,
  };
}

export function diagnosis(date: IsoDate | undefined, lineage?: 'B' | 'T', extra: Partial<AllConditionFinding> = {}): AllConditionFinding {
  return allCondition({ date, ...(lineage ? { lineage } : {}), ...extra });
}

export function relapseRecord(date: IsoDate | undefined, sites: SiteKind[] = [], extra: Partial<AllConditionFinding> = {}): AllConditionFinding {
  return allCondition({ isRelapseRecord: true, date, sites, ...extra });
}

export function remissionRecord(date: IsoDate): AllConditionFinding {
  return allCondition({ isRemissionRecord: true, date });
}

export function marrow(date: IsoDate | undefined, percent: number | undefined): MarrowBlastResult {
  return { date, percent, evidence: ev(`Observation/bm${nextId()}`, 'Marrow blasts', date, percent === undefined ? 'could not be read' : `${percent} %`) };
}

export function mrd(date: IsoDate, percent?: number, extra: Partial<MrdResult> = {}): MrdResult {
  return { date, percent, unreadable: false, evidence: ev(`Observation/mrd${nextId()}`, 'MRD', date), ...extra };
}

export function qual(label: string, date: IsoDate | undefined, positivity: Positivity, percent?: number): QualitativeResult {
  return { date, positivity, percent, evidence: ev(`Observation/q${nextId()}`, label, date, positivity) };
}

export const cd19 = (date: IsoDate | undefined, positivity: Positivity): QualitativeResult => qual('CD19 on blasts', date, positivity);
export const cd22 = (date: IsoDate | undefined, positivity: Positivity): QualitativeResult => qual('CD22 on blasts', date, positivity);
export const csfBlasts = (date: IsoDate, positivity: Positivity): QualitativeResult => qual('CSF blasts', date, positivity);
export const bcrAbl1 = (date: IsoDate | undefined, positivity: Positivity): QualitativeResult => qual('BCR-ABL1', date, positivity);

export function dated(label: string, date: IsoDate | undefined, type = 'Procedure'): DatedEvent {
  return { date, evidence: ev(`${type}/e${nextId()}`, label, date) };
}

export function diseaseStatus(date: IsoDate | undefined, status: DiseaseStatusValue, sites: SiteKind[] = []): DiseaseStatusFinding {
  return { date, status, sites, evidence: ev(`Observation/ds${nextId()}`, 'Cancer disease status', date, status) };
}

export function therapy(agent: AgentClass, date: IsoDate | undefined, extra: Partial<TherapyExposure> = {}): TherapyExposure {
  return {
    agent,
    agentKey: agent,
    name: agent,
    date,
    ongoing: true,
    route: 'systemic',
    isReinductionAgent: agent !== 'car-t' && agent !== 'tki' && agent !== 'ponatinib',
    evidence: ev(`MedicationRequest/m${nextId()}`, agent, date),
    ...extra,
  };
}

/**
 * A typical case: B-ALL diagnosed 2020-01-15, first isolated marrow relapse
 * recorded 2021-09-15 (20 months), marrow blasts 40 %, CD19+ and CD22+ and
 * BCR-ABL1 negative at relapse, lumbar puncture done, born 2012-05-01,
 * no reinduction yet. Evaluated on EVAL_DATE.
 */
export const DX = '2020-01-15';
export const RELAPSE = '2021-09-15';
export const EVAL_DATE = '2021-10-01';
export function typicalFacts(overrides: Partial<PatientFacts> = {}): PatientFacts {
  return makeFacts({
    birthDate: '2012-05-01',
    allConditions: [diagnosis(DX, 'B'), relapseRecord(RELAPSE)],
    marrowBlasts: [marrow('2020-01-14', 85), marrow('2020-02-12', 0.5), marrow(RELAPSE, 40)],
    cd19: [cd19('2021-09-16', 'positive')],
    cd22: [cd22('2021-09-16', 'positive')],
    bcrAbl1: [bcrAbl1('2021-09-16', 'negative')],
    lumbarPunctures: [dated('Lumbar puncture', '2021-09-17')],
    ...overrides,
  });
}

export function strat(facts: PatientFacts, evaluationDate: IsoDate = EVAL_DATE, s: ClinicalSettings = S): Stratification {
  const st = stratify(facts, evaluationDate, s);
  if (!st) throw new Error('expected relapsed ALL (stratify returned undefined)');
  return st;
}

export function recs(facts: PatientFacts, evaluationDate: IsoDate = EVAL_DATE, s: ClinicalSettings = S): Recommendation[] {
  const st = stratify(facts, evaluationDate, s);
  return st ? recommend(st, s) : [];
}

export function codes(facts: PatientFacts, evaluationDate: IsoDate = EVAL_DATE): RecommendationCode[] {
  return recs(facts, evaluationDate).map((r) => r.code);
}

export function card(facts: PatientFacts, code: RecommendationCode, evaluationDate: IsoDate = EVAL_DATE): Recommendation | undefined {
  return recs(facts, evaluationDate).find((r) => r.code === code);
}

// ---------------------------------------------------------------------------
// FHIR R4 resource builders
// ---------------------------------------------------------------------------

export { CPT, ICD10CM, ICDO3, LOCAL, LOINC, RXNORM, SCT, UCUM } from '../support/systems';
import { ICD10CM, RXNORM, SCT, UCUM } from '../support/systems';
export const CONDITION_CLINICAL = 'http://terminology.hl7.org/CodeSystem/condition-clinical';
export const CONDITION_VER = 'http://terminology.hl7.org/CodeSystem/condition-ver-status';
export const OBS_INTERP = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
export const MCODE_HISTOLOGY = 'http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior';

export type Code = [system: string, code: string];

export function cc(...codes: Code[]): { coding: { system: string; code: string }[] } {
  return { coding: codes.map(([system, code]) => ({ system, code })) };
}

export function fhirPatient(birthDate?: string, id = 'p1'): FhirResource {
  return { resourceType: 'Patient', id, ...(birthDate ? { birthDate } : {}) };
}

export interface ConditionOptions {
  codes?: Code[];
  histology?: Code;
  onsetDateTime?: string;
  onsetPeriodStart?: string;
  recordedDate?: string;
  clinicalStatus?: string;
  verificationStatus?: string;
  bodySite?: Code[];
  text?: string;
}

export function fhirCondition(id: string, o: ConditionOptions): FhirResource {
  return {
    resourceType: 'Condition',
    id,
    ...(o.clinicalStatus ? { clinicalStatus: cc([CONDITION_CLINICAL, o.clinicalStatus]) } : {}),
    ...(o.verificationStatus ? { verificationStatus: cc([CONDITION_VER, o.verificationStatus]) } : {}),
    ...(o.histology ? { extension: [{ url: MCODE_HISTOLOGY, valueCodeableConcept: cc(o.histology) }] } : {}),
    ...(o.codes ? { code: { ...cc(...o.codes), ...(o.text ? { text: o.text } : {}) } } : {}),
    ...(o.bodySite ? { bodySite: o.bodySite.map((b) => cc(b)) } : {}),
    ...(o.onsetDateTime ? { onsetDateTime: o.onsetDateTime } : {}),
    ...(o.onsetPeriodStart ? { onsetPeriod: { start: o.onsetPeriodStart } } : {}),
    ...(o.recordedDate ? { recordedDate: o.recordedDate } : {}),
    subject: { reference: 'Patient/p1' },
  };
}

export interface ObservationOptions {
  date?: string;
  status?: string;
  valueQuantity?: { value: number; unit?: string; code?: string; system?: string; comparator?: '<' | '<=' | '>' | '>=' };
  valueString?: string;
  valueCodeableConcept?: { coding?: { system: string; code: string; display?: string }[]; text?: string };
  valueBoolean?: boolean;
  interpretation?: string[];
  focus?: string[];
  bodySite?: Code;
  component?: unknown[];
  codeText?: string;
}

export function fhirObservation(id: string, code: Code | Code[], o: ObservationOptions = {}): FhirResource {
  const codeList: Code[] = Array.isArray(code[0]) ? (code as Code[]) : [code as Code];
  return {
    resourceType: 'Observation',
    id,
    status: o.status ?? 'final',
    code: { ...cc(...codeList), ...(o.codeText ? { text: o.codeText } : {}) },
    subject: { reference: 'Patient/p1' },
    ...(o.date ? { effectiveDateTime: o.date } : {}),
    ...(o.valueQuantity ? { valueQuantity: o.valueQuantity } : {}),
    ...(o.valueString !== undefined ? { valueString: o.valueString } : {}),
    ...(o.valueCodeableConcept ? { valueCodeableConcept: o.valueCodeableConcept } : {}),
    ...(o.valueBoolean !== undefined ? { valueBoolean: o.valueBoolean } : {}),
    ...(o.interpretation ? { interpretation: o.interpretation.map((c) => cc([OBS_INTERP, c])) } : {}),
    ...(o.focus ? { focus: o.focus.map((reference) => ({ reference })) } : {}),
    ...(o.bodySite ? { bodySite: cc(o.bodySite) } : {}),
    ...(o.component ? { component: o.component } : {}),
  };
}

/** A UCUM percent quantity. */
export function pct(value: number, comparator?: '<' | '<=' | '>' | '>='): NonNullable<ObservationOptions['valueQuantity']> {
  return { value, unit: '%', system: UCUM, code: '%', ...(comparator ? { comparator } : {}) };
}

export function fhirProcedure(id: string, code: Code, performedDateTime?: string, status = 'completed'): FhirResource {
  return {
    resourceType: 'Procedure',
    id,
    status,
    code: cc(code),
    subject: { reference: 'Patient/p1' },
    ...(performedDateTime ? { performedDateTime } : {}),
  };
}

export interface MedicationOptions {
  rxnorm?: string;
  medicationReference?: string;
  contained?: FhirResource[];
  status?: string;
  authoredOn?: string;
  text?: string;
}

export function fhirMedicationRequest(id: string, o: MedicationOptions): FhirResource {
  return {
    resourceType: 'MedicationRequest',
    id,
    status: o.status ?? 'active',
    intent: 'order',
    subject: { reference: 'Patient/p1' },
    ...(o.rxnorm ? { medicationCodeableConcept: { ...cc([RXNORM, o.rxnorm]), ...(o.text ? { text: o.text } : {}) } } : {}),
    ...(o.medicationReference ? { medicationReference: { reference: o.medicationReference } } : {}),
    ...(o.contained ? { contained: o.contained } : {}),
    ...(o.authoredOn ? { authoredOn: o.authoredOn } : {}),
  };
}

export function fhirMedication(id: string, o: { code?: Code; ingredient?: Code; text?: string }): FhirResource {
  return {
    resourceType: 'Medication',
    id,
    ...(o.code ? { code: { ...cc(o.code), ...(o.text ? { text: o.text } : {}) } } : {}),
    ...(o.ingredient ? { ingredient: [{ itemCodeableConcept: cc(o.ingredient) }] } : {}),
  };
}

export function fhirServiceRequest(id: string, code: Code, status: string, authoredOn = '2021-09-20'): FhirResource {
  return { resourceType: 'ServiceRequest', id, status, intent: 'order', code: cc(code), subject: { reference: 'Patient/p1' }, authoredOn };
}

export function fhirResearchSubject(id: string, status: string): FhirResource {
  return { resourceType: 'ResearchSubject', id, status, study: { reference: 'ResearchStudy/s1' }, individual: { reference: 'Patient/p1' } };
}

export function factsFrom(resources: FhirResource[], antigenPositivePercent = S.antigenPositivePercent): PatientFacts {
  return buildPatientFacts(resources, terminology(), { antigenPositivePercent });
}

/** ALL diagnosis Condition (SNOMED B-ALL unless codes are given). */
export const B_ALL: Code = [SCT, '277571004'];
export const T_ALL: Code = [SCT, '277575008'];
export const ALL_NOS: Code = [SCT, '91857003'];
export const C91_02: Code = [ICD10CM, 'C91.02'];
export const C91_01: Code = [ICD10CM, 'C91.01'];
