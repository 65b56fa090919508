/**
 * FHIR resources -> PatientFacts (clinical-logic.md section 1). The only code
 * that knows FHIR resource shapes: it reads them with compiled FHIRPath and
 * matches codes through the value sets. Every fact keeps its evidence.
 */
import { emptyPatientFacts } from '../clinical/types';
import { addDays } from '../clinical/dates';
import type {
  AllConditionFinding,
  DataDomain,
  DatedEvent,
  DiseaseStatusFinding,
  Evidence,
  MrdResult,
  PatientFacts,
  QualitativeResult,
  SiteKind,
  TherapyExposure,
} from '../clinical/types';
import type { Coding, Terminology, ValueSetId } from '../terminology/valuesets';
import { codings, firstDate, paths, strings, toIsoDate } from './paths';
import type * as R4 from 'fhir/r4';
import { agentClass, agentKeyOf, isReinductionDrug, medicationCodings, medicationName, routeOf, type MedicationRecord } from './medication';
import { codeCodings, patientReferences, verificationCodes } from './prefilter';
import { PatientRecord, referenceOf, type FhirResource, type R4Resources, type ReadType } from './records';
import { readAntigen, readDetection, readLineage, readMarrowBlasts, readMrd, readPositivity, reportsT315I } from './results';

type AnyResource = R4Resources[ReadType];

const IGNORED_VERIFICATION = new Set(['refuted', 'entered-in-error']);
const IGNORED_STATUS = new Set(['entered-in-error', 'cancelled', 'not-done', 'registered', 'preparation', 'not-taken', 'revoked']);
const RELAPSE_CLINICAL_STATUS = new Set(['relapse', 'recurrence']);
/** Medication statuses that count as given (reinduction). */
const GIVEN_STATUS = new Set(['active', 'completed', 'on-hold', 'in-progress']);
/** Statuses that count as prior exposure (stopped still exposed the patient). */
const EXPOSED_STATUS = new Set([...GIVEN_STATUS, 'stopped']);
const ONGOING_STATUS = new Set(['active', 'on-hold', 'in-progress']);
const OPEN_REFERRAL_STATUS = new Set(['active', 'draft', 'on-hold']);
/** ResearchSubject statuses meaning the patient is in (or being enrolled on) a study. */
const ON_TRIAL_STATUS = new Set(['screening', 'eligible', 'pending-on-study', 'on-study', 'on-study-intervention', 'on-study-observation']);
const ABL1_GENE = /\bABL1\b|HGNC:76\b/i;

export interface ExtractionOptions {
  antigenPositivePercent: number;
  /** The patient in context: resources about another patient are ignored (never trust the client's filtering). */
  patientId?: string;
  /** Data the service could not obtain (shown on the cards). */
  unavailableData?: string[];
  /** FHIR resource types whose data could not be read: facts from them are unknown, never absent. */
  unavailableResourceTypes?: string[];
}

/** Which kind of patient data each resource type holds (clinical-logic.md: unavailable is unknown). */
const DOMAIN_OF_TYPE: Record<string, DataDomain> = {
  Patient: 'demographics',
  Condition: 'diagnoses',
  Observation: 'laboratory',
  Procedure: 'procedures',
  MedicationRequest: 'medications',
  MedicationAdministration: 'medications',
  MedicationStatement: 'medications',
  Medication: 'medications',
  ServiceRequest: 'referrals',
  ResearchSubject: 'trial-enrolment',
};

export function unavailableDomains(resourceTypes: readonly string[]): DataDomain[] {
  const out = new Set<DataDomain>();
  for (const type of resourceTypes) {
    const domain = DOMAIN_OF_TYPE[type];
    if (domain) out.add(domain);
  }
  return [...out].sort();
}

export function buildPatientFacts(resources: Iterable<FhirResource> | PatientRecord, t: Terminology, options: ExtractionOptions): PatientFacts {
  const record = resources instanceof PatientRecord ? resources : new PatientRecord(resources);
  // Structural pre-filters first (type, code, subject); FHIRPath only for the resources that can matter.
  const live = <T extends ReadType>(type: T, relevant: (r: R4Resources[T]) => boolean = () => true): R4Resources[T][] =>
    record.ofType(type, (r) => relevant(r) && aboutPatient(r, options.patientId) && isLive(r));

  const patient = live('Patient').find((p) => options.patientId === undefined || p.id === options.patientId);
  const conditions = live('Condition');
  const allConditions = conditions.map((c) => readAllCondition(c, t)).filter((c): c is AllConditionFinding => c !== undefined);
  const allConditionRefs = new Set(allConditions.map((c) => c.evidence.reference));

  const facts: PatientFacts = {
    ...emptyPatientFacts(),
    birthDate: patient ? toIsoDate(paths.birthDate(patient)[0]) : undefined,
    birthEvidence: patient ? evidence(patient, 'Birth date', toIsoDate(paths.birthDate(patient)[0])) : undefined,
    allConditions,
    unavailable: unavailableDomains(options.unavailableResourceTypes ?? []),
    unavailableData: [...(options.unavailableData ?? [])],
  };

  // Observations are most of a chart: only those coded in a value set the rules read go on to FHIRPath.
  const observationCode = t.matcher(OBSERVATION_SETS);
  for (const obs of live('Observation', (o) => observationCode(codeCodings(o))))
    readObservation(obs, t, options.antigenPositivePercent, allConditionRefs, facts);

  // Days on which chemotherapy was delivered into the CSF (CPT 96450 and the like): read before the medications.
  const intrathecalDays = new Set<string>();
  for (const proc of live('Procedure')) {
    const cs = codings(paths.codings(proc));
    const date = firstDate(paths.procedureDate(proc));
    if (date && t.any('intrathecal-chemotherapy-procedure', cs)) intrathecalDays.add(date);
    if (t.any('hsct', cs)) facts.hsct.push(event(proc, 'Haematopoietic stem cell transplant', date));
    if (t.any('lumbar-puncture', cs)) facts.lumbarPunctures.push(event(proc, 'Lumbar puncture', date));
    if (t.any('car-t', cs)) {
      facts.therapies.push({
        agent: 'car-t',
        name: text(proc) ?? 'CAR T-cell therapy',
        date,
        agentKey: 'car-t',
        ongoing: false,
        route: 'systemic',
        isReinductionAgent: false,
        evidence: evidence(proc, 'CAR T-cell therapy', date, text(proc)),
      });
    }
  }

  for (const type of ['MedicationRequest', 'MedicationAdministration', 'MedicationStatement'] as const) {
    for (const med of live(type)) {
      const therapy = readTherapy(med, type, record, t, intrathecalDays, facts.unavailable.includes('procedures'));
      if (therapy) facts.therapies.push(therapy);
    }
  }

  for (const sr of live('ServiceRequest')) {
    const status = strings(paths.status(sr))[0] ?? '';
    if (OPEN_REFERRAL_STATUS.has(status) && t.any('hsct-referral', codings(paths.serviceRequestCodings(sr)))) {
      facts.hsctReferrals.push(evidence(sr, 'HSCT referral', firstDate([sr.authoredOn]), status));
    }
  }
  // "Awaiting transplantation of bone marrow" recorded as a Condition also counts as referred.
  for (const c of conditions) {
    const clinical = strings(paths.clinicalStatus(c));
    const active = clinical.length === 0 || clinical.some((s) => s === 'active' || s === 'recurrence' || s === 'relapse');
    if (active && t.any('hsct-referral', codings(paths.codings(c)))) facts.hsctReferrals.push(evidence(c, 'Awaiting transplantation', conditionDate(c)));
  }

  for (const rs of live('ResearchSubject')) {
    const status = strings(paths.status(rs))[0] ?? '';
    if (ON_TRIAL_STATUS.has(status)) facts.trialEnrolments.push(evidence(rs, 'Research study enrolment', firstDate([rs.period?.start]), status));
  }

  return facts;
}

/** False when the resource names another Patient as its subject (`Patient/<other>`, relative or absolute). */
function aboutPatient(r: AnyResource, patientId: string | undefined): boolean {
  if (patientId === undefined || r.resourceType === 'Patient' || r.resourceType === 'Medication') return true;
  for (const ref of patientReferences(r)) {
    const m = /(?:^|\/)Patient\/([^/]+?)(?:\/_history\/.*)?$/.exec(ref);
    if (m && m[1] !== patientId) return false;
  }
  return true;
}

/** Not entered-in-error, cancelled, refuted, not done. */
function isLive(r: AnyResource): boolean {
  if (verificationCodes(r).some((s) => IGNORED_VERIFICATION.has(s))) return false;
  const status = 'status' in r ? r.status : undefined;
  return !(typeof status === 'string' && IGNORED_STATUS.has(status));
}

function allCodings(c: R4.Condition): Coding[] {
  return [...codings(paths.codings(c)), ...codings(paths.histologyCodings(c))];
}

function conditionDate(c: R4.Condition): string | undefined {
  return firstDate(paths.conditionOnset(c)) ?? firstDate(paths.recordedDate(c));
}

function readAllCondition(c: R4.Condition, t: Terminology): AllConditionFinding | undefined {
  const cs = allCodings(c);
  // An ALL Condition: a diagnosis code, or a relapse / remission code (which are ALL by definition).
  if (!t.any('all-diagnosis', cs) && !t.any('all-relapse', cs) && !t.any('all-remission', cs)) return undefined;
  const b = t.any('b-all', cs);
  const tl = t.any('t-all', cs);
  const clinical = strings(paths.clinicalStatus(c));
  const isRelapseRecord = t.any('all-relapse', cs);
  const date = conditionDate(c);
  const label = isRelapseRecord ? 'Relapse recorded' : t.any('all-remission', cs) ? 'ALL in remission recorded' : 'ALL diagnosis';
  return {
    isRelapseRecord,
    isPostTransplantRelapseRecord: t.any('all-relapse-post-transplant', cs),
    isRemissionRecord: t.any('all-remission', cs),
    clinicalStatusRelapse: clinical.some((s) => RELAPSE_CLINICAL_STATUS.has(s)),
    date,
    lineage: b && tl ? 'conflict' : b ? 'B' : tl ? 'T' : undefined,
    phPositiveMorphology: t.any('ph-positive-morphology', cs),
    sites: bodySites(c, t),
    evidence: evidence(
      c,
      label,
      date,
      [text(c), clinical.length ? `clinical status ${clinical.join(', ')}` : undefined].filter(Boolean).join('; ') || undefined,
    ),
  };
}

function bodySites(r: R4.Condition | R4.Observation, t: Terminology): SiteKind[] {
  const sites = new Set<SiteKind>();
  for (const coding of codings(paths.bodySiteCodings(r))) {
    if (t.has('bone-marrow-site', coding)) sites.add('marrow');
    else if (t.has('cns-site', coding)) sites.add('cns');
    else if (t.has('testis-site', coding)) sites.add('testicular');
    else if (coding.code) sites.add('other');
  }
  return [...sites];
}

/** Value sets an Observation can belong to; anything else is skipped after one code lookup. */
const OBSERVATION_SETS: ValueSetId[] = [
  'marrow-blasts',
  'mrd',
  'cd19-blasts',
  'cd22-blasts',
  'bcr-abl1',
  'abl1-mutation',
  'csf-blasts',
  'csf-wbc',
  'immunophenotype-report',
  'cancer-disease-status',
];

function readObservation(obs: R4.Observation, t: Terminology, antigenPercent: number, allConditionRefs: Set<string>, facts: PatientFacts): void {
  const cs = codings(paths.codings(obs));
  if (!t.matcher(OBSERVATION_SETS)(cs)) return;
  const date = firstDate(paths.observationDate(obs)) ?? firstDate(paths.issued(obs));
  const qualitative = (label: string, read: { positivity: QualitativeResult['positivity']; percent?: number; display: string }): QualitativeResult => ({
    date,
    positivity: read.positivity,
    percent: read.percent,
    evidence: evidence(obs, label, date, read.display),
  });

  if (t.any('marrow-blasts', cs)) {
    const r = readMarrowBlasts(obs);
    facts.marrowBlasts.push({ date, percent: r.percent, evidence: evidence(obs, 'Marrow blasts', date, r.display) });
  }
  if (t.any('mrd', cs)) {
    const r = readMrd(obs, t);
    const mrd: MrdResult = {
      date,
      percent: r.percent,
      comparator: r.comparator,
      coded: r.coded,
      unreadable: r.unreadable,
      evidence: evidence(obs, 'MRD', date, r.display),
    };
    facts.mrd.push(mrd);
  }
  if (t.any('cd19-blasts', cs)) facts.cd19.push(qualitative('CD19 on blasts', readAntigen(obs, t, antigenPercent)));
  if (t.any('cd22-blasts', cs)) facts.cd22.push(qualitative('CD22 on blasts', readAntigen(obs, t, antigenPercent)));
  if (t.any('bcr-abl1', cs)) facts.bcrAbl1.push(qualitative('BCR-ABL1', readDetection(obs, t)));
  if (t.any('abl1-mutation', cs) && isAbl1Study(obs, cs, t)) {
    const r = readPositivity(obs, t);
    facts.abl1Mutation.push(qualitative('ABL1 kinase-domain mutation', r));
    if (reportsT315I(obs)) facts.t315i.push(evidence(obs, 'ABL1 T315I mutation', date, 'T315I reported'));
  }
  if (t.any('csf-blasts', cs)) facts.csfBlasts.push(qualitative('CSF blasts', readDetection(obs, t)));
  if (t.any('csf-wbc', cs)) facts.csfWbc.push(event(obs, 'CSF white cell count', date, valueDisplay(obs)));
  if (t.any('immunophenotype-report', cs)) {
    const lineage = readLineage(obs, t);
    if (lineage) facts.immunophenotypeLineage.push({ lineage, date, evidence: evidence(obs, 'Immunophenotype', date, `${lineage}-lineage`) });
  }
  if (t.any('cancer-disease-status', cs)) {
    const focus = strings(paths.focusReferences(obs));
    // mCODE requires focus on the cancer condition; a status with no focus is taken as about the ALL.
    const aboutAll = focus.length === 0 || focus.some((f) => [...allConditionRefs].some((ref) => f === ref || f.endsWith(`/${ref}`)));
    if (aboutAll) facts.diseaseStatus.push(readDiseaseStatus(obs, t, date));
  }
}

/** A generic variant assessment (LOINC 69548-6) counts only when the gene studied is ABL1. */
function isAbl1Study(obs: R4.Observation, cs: Coding[], t: Terminology): boolean {
  const generic = t.any('genetic-variant-assessment', cs);
  const local = cs.some((c) => t.has('abl1-mutation', c) && !t.has('genetic-variant-assessment', c));
  if (local || !generic) return true;
  const components = [...strings(paths.componentText(obs)), ...codings(paths.componentCodings(obs)).map((c) => `${c.code ?? ''} ${c.display ?? ''}`)];
  return components.some((s) => ABL1_GENE.test(s)) || ABL1_GENE.test(strings(paths.codeText(obs)).join(' '));
}

function readDiseaseStatus(obs: R4.Observation, t: Terminology, date: string | undefined): DiseaseStatusFinding {
  const v = obs.valueCodeableConcept;
  const cs = v?.coding ?? [];
  const status = t.any('cancer-disease-status-worsened', cs) ? 'worsened' : t.any('cancer-disease-status-remission', cs) ? 'remission' : 'other';
  return {
    date,
    status,
    sites: bodySites(obs, t),
    evidence: evidence(obs, 'Cancer disease status', date, v?.text ?? cs[0]?.display ?? status),
  };
}

function readTherapy(
  med: MedicationRecord,
  type: 'MedicationRequest' | 'MedicationAdministration' | 'MedicationStatement',
  record: PatientRecord,
  t: Terminology,
  intrathecalDays: ReadonlySet<string>,
  proceduresUnavailable: boolean,
): TherapyExposure | undefined {
  const status = typeof med.status === 'string' ? med.status : 'unknown';
  if (!EXPOSED_STATUS.has(status)) return undefined;
  const lookup = (ref: string): R4.Medication | undefined => record.medication(ref);
  const cs = medicationCodings(med, lookup);
  const agent = agentClass(cs, t);
  if (!agent) return undefined;
  const date =
    type === 'MedicationRequest'
      ? firstDate(paths.requestDate(med))
      : type === 'MedicationAdministration'
        ? firstDate(paths.administrationDate(med))
        : firstDate(paths.statementDate(med));
  const name = medicationName(med, lookup) ?? agent;
  const route = routeOf(med, name, t);
  // A cytarabine / methotrexate dose with no route on the day of an intrathecal-chemotherapy procedure was the intrathecal dose.
  const itCapable = t.any('intrathecal-agents', cs);
  const intrathecal = route === 'intrathecal' || (route === undefined && date !== undefined && intrathecalDays.has(date) && itCapable);
  // With procedures unreadable, a route-less cytarabine / methotrexate dose may have been the intrathecal one.
  const routeUnknown = !intrathecal && route === undefined && itCapable && proceduresUnavailable;
  return {
    agent,
    agentKey: agentKeyOf(agent, cs, t, name),
    name,
    date,
    endDate: endDateOf(med, date),
    ongoing: ONGOING_STATUS.has(status),
    route: intrathecal ? 'intrathecal' : routeUnknown ? 'unknown' : 'systemic',
    isReinductionAgent: GIVEN_STATUS.has(status) && isReinductionDrug(cs, t),
    evidence: evidence(med, name, date, [status, intrathecal ? 'intrathecal' : undefined].filter(Boolean).join(', ')),
  };
}

const DURATION_DAYS: Record<string, number> = { d: 1, wk: 7, mo: 30, a: 365 };

/** Last day covered: a period end, else start + a duration (bounds or expected supply). */
function endDateOf(med: MedicationRecord, start: string | undefined): string | undefined {
  const end = firstDate(med.resourceType === 'MedicationRequest' ? paths.requestEndDate(med) : paths.effectiveEndDate(med));
  if (end) return end;
  if (med.resourceType !== 'MedicationRequest' || !start) return undefined;
  const dosage: unknown = med.dosageInstruction;
  const instructions = Array.isArray(dosage) ? (dosage as (R4.Dosage | null)[]) : [];
  const durations = [...instructions.map((d) => d?.timing?.repeat?.boundsDuration), med.dispenseRequest?.expectedSupplyDuration];
  for (const d of durations) {
    const per = d ? (DURATION_DAYS[d.code ?? d.unit ?? ''] ?? (d.unit && /^day/i.test(d.unit) ? 1 : undefined)) : undefined;
    if (d && typeof d.value === 'number' && per !== undefined && d.value > 0) return addDays(start, Math.round(d.value * per) - 1);
  }
  return undefined;
}

function text(r: AnyResource): string | undefined {
  return strings(paths.codeText(r))[0];
}

function valueDisplay(obs: R4.Observation): string | undefined {
  if (typeof obs.valueString === 'string') return obs.valueString;
  const q = obs.valueQuantity;
  if (q && typeof q.value === 'number') return `${q.value}${q.unit ? ` ${q.unit}` : ''}`;
  return undefined;
}

function evidence(r: { resourceType: string; id?: string }, label: string, date?: string, value?: string): Evidence {
  return { label, reference: referenceOf(r), ...(date ? { date } : {}), ...(value ? { value } : {}) };
}

function event(r: { resourceType: string; id?: string }, label: string, date?: string, value?: string): DatedEvent {
  return { date, evidence: evidence(r, label, date, value) };
}
