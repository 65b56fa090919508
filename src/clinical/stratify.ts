/**
 * Stratification of the current relapse (clinical-logic.md section 3).
 *
 * Pure: facts + evaluation date + settings in, a Stratification out. Each
 * part keeps the evidence that decided it, so the cards can cite it. Facts
 * read from data that could not be obtained are unknown, never absent.
 */
import { addDays, latest, monthsBetween, yearsBetween } from './dates';
import { assessRelapse, type RelapseAssessment } from './relapse';
import { assessResponse, endOfReinductionAtOrAbove, type Phase, type ResponseAssessment } from './response';
import type { ClinicalSettings } from './settings';
import { therapyHistory, type Reinduction, type TherapyHistory } from './therapy';
import { findDateConflicts, relapseTiming, siteCategory, type DateConflict, type SiteCategory, type Timing } from './timing';
import type {
  DataDomain,
  Evidence,
  ExtramedullarySite,
  IsoDate,
  Lineage,
  PatientFacts,
  PhStatus,
  Positivity,
  QualitativeResult,
  SiteKind,
  TherapyExposure,
} from './types';

export { relapseTiming, siteCategory } from './timing';
export type { DateConflict, SiteCategory, Timing } from './timing';
export type { Phase } from './response';
export type { Reinduction } from './therapy';

export type CnsStatus = 'involved' | 'not-involved' | 'not-evaluated' | 'unknown';
export type CogRiskGroup = 'high' | 'intermediate' | 'low' | 'unknown';

/** The structured stratification returned in the response extension (field names fixed by issue #2). */
export interface ReportedStratification {
  timing: Timing;
  monthsFromDiagnosis?: number;
  site: SiteCategory;
  extramedullarySites?: ExtramedullarySite[];
  lineage: Lineage;
  ph: PhStatus;
  relapseNumber: number;
  phase: Phase;
  relapseAfterHsct: boolean;
  cns: CnsStatus;
  cogRiskGroup: CogRiskGroup;
}

export interface AntigenStatus {
  /** Latest result dated on/after relapse date minus the window; undefined = not re-assessed since relapse. */
  atRelapse?: QualitativeResult;
  /** Latest older result, shown as "not re-assessed since relapse". */
  older?: QualitativeResult;
  status: Positivity;
  /** Laboratory results could not be read: not re-assessed is unknown, not absent. */
  unavailable: boolean;
}

/** Facts that decide the plan but are missing (data-gap card). */
export type MissingFact = 'diagnosis date' | 'relapse date' | 'lineage' | 'site';

/** Everything the recommendation rules read, with the evidence behind it. */
export interface Stratification {
  /** What the response reports (the stratification extension). */
  reported: ReportedStratification;
  relapse: RelapseAssessment;
  relapseDate?: IsoDate;
  /** Age today (years; months for infants). */
  ageYears?: number;
  ageMonths?: number;
  /** Adult (age >= adultAge at the relapse); undefined when age is unknown. */
  adult?: boolean;
  /** The Patient resource the ages come from. */
  birthEvidence?: Evidence;
  /** Site unknown: timing used the marrow threshold (to be stated on the card). */
  timingAssumedMarrow: boolean;
  /** BFM: "very early" (< 18 months from diagnosis) when dated; later groups need the end of front-line therapy. */
  bfmVeryEarly?: boolean;
  /** Dates that contradict each other: timing is unknown and the data-gap card names them. */
  dateConflicts: DateConflict[];
  lineageConflict: boolean;
  lineageEvidence: Evidence[];
  phEvidence: Evidence[];
  cd19: AntigenStatus;
  cd22: AntigenStatus;
  therapy: TherapyHistory;
  reinduction: Reinduction;
  response: ResponseAssessment;
  cnsEvidence: Evidence[];
  hsctBeforeRelapse: Evidence[];
  hsctAfterRelapse: Evidence[];
  hsctReferralOpen: Evidence[];
  onTrial: Evidence[];
  /** Targeted agents, TKIs, CAR-T and nelarabine given before the current therapy. */
  priorExposure: TherapyExposure[];
  /** Given in the days before the relapse: the disease relapsed on them. */
  currentAtRelapse: TherapyExposure[];
  t315i: Evidence[];
  /** An ABL1 kinase-domain mutation result since the relapse work-up. */
  abl1Resulted: boolean;
  missing: MissingFact[];
  unavailable: DataDomain[];
  unavailableData: string[];
}

export function stratify(facts: PatientFacts, evaluationDate: IsoDate, s: ClinicalSettings): Stratification | undefined {
  const relapse = assessRelapse(facts, s, evaluationDate);
  if (!relapse.isRelapsedAll) return undefined;
  const unavailable = new Set(facts.unavailable);
  const labsUnavailable = unavailable.has('laboratory');
  const relapseDate = relapse.current?.date;
  const sites = relapse.current?.sites ?? [];

  const site = siteCategory(sites);
  const extramedullarySites = (['cns', 'testicular', 'other'] as const).filter((x) => sites.includes(x));
  const dateConflicts = findDateConflicts({
    birth: { date: facts.birthDate, evidence: facts.birthEvidence },
    diagnosis: { date: relapse.diagnosisDate, evidence: relapse.diagnosisEvidence },
    relapse: { date: relapseDate, evidence: relapseDatingEvidence(relapse) },
    evaluationDate,
  });
  const timing = relapseTiming(relapse.diagnosisDate, relapseDate, site, dateConflicts, s);
  const lineage = findLineage(facts);
  const ph = findPh(facts);
  const cd19 = antigenStatus(facts.cd19, relapseDate, labsUnavailable, s);
  const cd22 = antigenStatus(facts.cd22, relapseDate, labsUnavailable, s);
  const therapy = therapyHistory(facts.therapies, relapseDate, s);
  // An undated transplant in the record is history: counted as before the relapse. With the relapse
  // date unknown, a transplant in the record with a relapse still open came before it.
  const hsctBefore = relapseDate ? facts.hsct.filter((h) => h.date === undefined || h.date < relapseDate) : facts.hsct;
  const hsctAfter = relapseDate ? facts.hsct.filter((h) => h.date !== undefined && h.date >= relapseDate) : [];
  const relapseAfterHsct = relapse.postTransplantRelapseRecord || hsctBefore.length > 0;
  const response = assessResponse(
    {
      relapseDate,
      reinduction: therapy.reinduction,
      mrd: facts.mrd,
      marrowBlasts: facts.marrowBlasts,
      laboratoryUnavailable: labsUnavailable,
      medicationsUnavailable: unavailable.has('medications'),
    },
    s,
  );
  const phase: Phase = hsctAfter.length > 0 ? 'post-hsct' : response.phase;
  const cns = cnsStatus(facts, sites, relapseDate, unavailable, s);
  const age = ages(facts.birthDate, relapseDate, evaluationDate, dateConflicts, s);
  const cogRiskGroup = cogRisk(timing.timing, lineage.lineage, relapse.relapseNumber, response, s);

  const missing: MissingFact[] = [];
  if (!relapse.diagnosisDate) missing.push('diagnosis date');
  if (!relapseDate) missing.push('relapse date');
  if (lineage.lineage === 'unknown') missing.push('lineage');
  if (site === 'unknown') missing.push('site');

  const reported: ReportedStratification = {
    timing: timing.timing,
    ...(timing.months !== undefined ? { monthsFromDiagnosis: timing.months } : {}),
    site,
    ...(extramedullarySites.length > 0 ? { extramedullarySites } : {}),
    lineage: lineage.lineage,
    ph: ph.ph,
    relapseNumber: relapse.relapseNumber,
    phase,
    relapseAfterHsct,
    cns: cns.status,
    cogRiskGroup,
  };

  const abl1Since = relapseDate ? addDays(relapseDate, -s.relapseWindowDays) : undefined;
  return {
    reported,
    relapse,
    relapseDate,
    ...age,
    ...(age.ageYears !== undefined && facts.birthEvidence ? { birthEvidence: facts.birthEvidence } : {}),
    timingAssumedMarrow: timing.assumedMarrow,
    bfmVeryEarly: timing.months !== undefined ? timing.months < s.bfmVeryEarlyMonths : undefined,
    dateConflicts,
    lineageConflict: lineage.conflict,
    lineageEvidence: lineage.evidence,
    phEvidence: ph.evidence,
    cd19,
    cd22,
    therapy,
    reinduction: therapy.reinduction,
    response,
    cnsEvidence: cns.evidence,
    hsctBeforeRelapse: hsctBefore.map((h) => h.evidence),
    hsctAfterRelapse: hsctAfter.map((h) => h.evidence),
    hsctReferralOpen: facts.hsctReferrals,
    onTrial: facts.trialEnrolments,
    priorExposure: therapy.priorExposure,
    currentAtRelapse: therapy.currentAtRelapse,
    t315i: facts.t315i,
    abl1Resulted: abl1Since !== undefined && facts.abl1Mutation.some((r) => r.date !== undefined && r.date >= abl1Since),
    missing,
    unavailable: [...unavailable].sort(),
    unavailableData: facts.unavailableData,
  };
}

/** The evidence that dated the current relapse (its earliest event). */
function relapseDatingEvidence(relapse: RelapseAssessment): Evidence | undefined {
  const episode = relapse.episodes[relapse.episodes.length - 1];
  if (!episode) return undefined;
  return episode.evidence.find((e) => e.date === episode.date) ?? episode.evidence[0];
}

/** Age today and at the relapse; unknown when the birth date conflicts with the evaluation date. */
function ages(
  birthDate: IsoDate | undefined,
  relapseDate: IsoDate | undefined,
  evaluationDate: IsoDate,
  conflicts: readonly DateConflict[],
  s: ClinicalSettings,
): Pick<Stratification, 'ageYears' | 'ageMonths' | 'adult'> {
  if (!birthDate || birthDate > evaluationDate) return {};
  const ageMonths = monthsBetween(birthDate, evaluationDate);
  // Adult at the relapse; when the relapse date is unusable, the age today decides.
  const relapseUsable = relapseDate !== undefined && conflicts.length === 0 && relapseDate >= birthDate;
  const ageAtRelapse = yearsBetween(birthDate, relapseUsable ? relapseDate : evaluationDate);
  return { ageYears: yearsBetween(birthDate, evaluationDate), ageMonths, adult: ageAtRelapse >= s.adultAge };
}

/** B / T from the condition codes; else an immunophenotype result; conflicting evidence is unknown. */
export function findLineage(facts: PatientFacts): { lineage: Lineage; conflict: boolean; evidence: Evidence[] } {
  const coded = facts.allConditions.filter((c) => c.lineage !== undefined);
  const pick = (items: { lineage?: 'B' | 'T' | 'conflict'; evidence: Evidence }[]): { lineage: Lineage; conflict: boolean; evidence: Evidence[] } => {
    const kinds = new Set(items.map((i) => i.lineage));
    const evidence = items.map((i) => i.evidence);
    if (kinds.size > 1 || kinds.has('conflict')) return { lineage: 'unknown', conflict: true, evidence };
    return { lineage: [...kinds][0] as 'B' | 'T', conflict: false, evidence };
  };
  if (coded.length > 0) return pick(coded);
  if (facts.immunophenotypeLineage.length > 0) return pick(facts.immunophenotypeLineage);
  return { lineage: 'unknown', conflict: false, evidence: [] };
}

/**
 * ICD-O-3 9812/3 = positive; else BCR-ABL1 results. Philadelphia status is a
 * property of the leukemia: once a result is positive it stays positive (a
 * later negative result in remission is a molecular response, not Ph-negative
 * disease). Negative: tested and never positive.
 */
export function findPh(facts: PatientFacts): { ph: PhStatus; evidence: Evidence[] } {
  const morphology = facts.allConditions.filter((c) => c.phPositiveMorphology);
  if (morphology.length > 0) return { ph: 'positive', evidence: morphology.map((c) => c.evidence) };
  const readable = facts.bcrAbl1.filter((r) => r.positivity !== 'unknown');
  const positive = latest(readable.filter((r) => r.positivity === 'positive')) ?? readable.find((r) => r.positivity === 'positive');
  if (positive) return { ph: 'positive', evidence: [positive.evidence] };
  const last = latest(readable) ?? readable[0];
  if (!last || facts.unavailable.includes('laboratory')) return { ph: 'unknown', evidence: facts.bcrAbl1.map((r) => r.evidence) };
  return { ph: 'negative', evidence: [last.evidence] };
}

/** CD19 / CD22 at relapse: the latest result dated on/after relapse date minus the window. */
export function antigenStatus(results: QualitativeResult[], relapseDate: IsoDate | undefined, unavailable: boolean, s: ClinicalSettings): AntigenStatus {
  const since = relapseDate ? addDays(relapseDate, -s.relapseWindowDays) : undefined;
  const recent = since ? results.filter((r) => r.date !== undefined && r.date >= since) : [];
  const atRelapse = latest(recent);
  const older = latest(results.filter((r) => !recent.includes(r)));
  return { atRelapse, older, status: atRelapse ? atRelapse.positivity : 'unknown', unavailable };
}

/**
 * CNS: involved (CNS site or CSF blasts), not involved (LP / CSF result since
 * relapse), not evaluated; unknown when the data that would show it (laboratory
 * results, or procedures with no CSF result seen) could not be read.
 */
export function cnsStatus(
  facts: PatientFacts,
  sites: readonly SiteKind[],
  relapseDate: IsoDate | undefined,
  unavailable: ReadonlySet<DataDomain>,
  s: ClinicalSettings,
): { status: CnsStatus; evidence: Evidence[] } {
  const since = relapseDate ? addDays(relapseDate, -s.relapseWindowDays) : undefined;
  const after = <T extends { date?: IsoDate }>(xs: T[]): T[] => (since ? xs.filter((x) => x.date !== undefined && x.date >= since) : []);
  const csfBlasts = after(facts.csfBlasts);
  const positive = csfBlasts.filter((c) => c.positivity === 'positive');
  if (sites.includes('cns') || positive.length > 0) return { status: 'involved', evidence: positive.map((c) => c.evidence) };
  if (unavailable.has('laboratory')) return { status: 'unknown', evidence: [] };
  const csfResults = [...csfBlasts, ...after(facts.csfWbc)].map((x) => x.evidence);
  const workUp = [...after(facts.lumbarPunctures).map((x) => x.evidence), ...csfResults];
  if (workUp.length > 0) return { status: 'not-involved', evidence: workUp };
  if (unavailable.has('procedures')) return { status: 'unknown', evidence: [] };
  return { status: 'not-evaluated', evidence: [] };
}

/**
 * COG: high = early marrow, early isolated extramedullary (first relapse) or any
 * T-ALL relapse; late first relapse: by the END-OF-REINDUCTION MRD (>= 0.1 %
 * intermediate, < 0.1 % low), never the latest.
 */
export function cogRisk(timing: Timing, lineage: Lineage, relapseNumber: number, response: ResponseAssessment, s: ClinicalSettings): CogRiskGroup {
  if (lineage === 'T') return 'high';
  if (relapseNumber !== 1) return 'unknown';
  if (timing === 'early') return 'high';
  if (timing !== 'late') return 'unknown';
  const high = endOfReinductionAtOrAbove(response, s.cogMrdPercent);
  return high === true ? 'intermediate' : high === false ? 'low' : 'unknown';
}
