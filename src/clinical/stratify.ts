/**
 * Stratification of the current relapse (clinical-logic.md section 3).
 *
 * Pure: facts + evaluation date + settings in, a Stratification out. Each
 * part keeps the evidence that decided it, so the cards can cite it.
 */
import { addDays, daysBetween, earliest, latest, monthsBetween, yearsBetween } from './dates';
import { assessRelapse, type RelapseAssessment } from './relapse';
import type { ClinicalSettings } from './settings';
import type {
  Evidence,
  ExtramedullarySite,
  IsoDate,
  Lineage,
  MrdResult,
  PatientFacts,
  PhStatus,
  Positivity,
  QualitativeResult,
  SiteKind,
  TherapyExposure,
} from './types';

export type Timing = 'early' | 'late' | 'unknown';
export type SiteCategory = 'isolated-marrow' | 'combined' | 'isolated-extramedullary' | 'unknown';
export type Phase = 'awaiting-reinduction' | 'response-pending' | 'second-remission-mrd-negative' | 'persistent-disease' | 'post-hsct';
export type CnsStatus = 'involved' | 'not-involved' | 'not-evaluated';
export type CogRiskGroup = 'high' | 'intermediate' | 'low' | 'unknown';
export type MrdStatus = 'negative' | 'positive' | 'unknown';

/** The structured stratification returned in the response extension (field names fixed by issue #2). */
export interface StratificationSummary {
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
}

export interface Reinduction {
  started: boolean;
  startDate?: IsoDate;
  agents: TherapyExposure[];
}

/** Everything the recommendation rules read, with the evidence behind it. */
export interface Stratification {
  summary: StratificationSummary;
  relapse: RelapseAssessment;
  relapseDate?: IsoDate;
  ageYears?: number;
  /** Site unknown: timing used the marrow threshold (to be stated on the card). */
  timingAssumedMarrow: boolean;
  /** BFM: "very early" (< 18 months from diagnosis) when dated; later groups need the end of front-line therapy. */
  bfmVeryEarly?: boolean;
  lineageConflict: boolean;
  lineageEvidence: Evidence[];
  phEvidence: Evidence[];
  cd19: AntigenStatus;
  cd22: AntigenStatus;
  reinduction: Reinduction;
  /** The MRD result after reinduction that decided the phase. */
  mrdAfterReinduction?: MrdResult;
  mrdStatus: MrdStatus;
  /** Refractory marrow (blasts >= threshold > N days after reinduction) when that decided the phase. */
  refractoryMarrow?: Evidence;
  cnsEvidence: Evidence[];
  hsctBeforeRelapse: Evidence[];
  hsctAfterRelapse: Evidence[];
  hsctReferralOpen: Evidence[];
  onTrial: Evidence[];
  priorExposure: TherapyExposure[];
  t315i: Evidence[];
  /** Facts that decide the plan but are missing: "diagnosis date", "relapse date", "lineage", "site". */
  missing: ('diagnosis date' | 'relapse date' | 'lineage' | 'site')[];
  unavailableData: string[];
}

export function stratify(facts: PatientFacts, evaluationDate: IsoDate, s: ClinicalSettings): Stratification | undefined {
  const relapse = assessRelapse(facts, s);
  if (!relapse.isRelapsedAll) return undefined;
  const relapseDate = relapse.current?.date;
  const sites = relapse.current?.sites ?? [];

  const site = siteCategory(sites);
  const extramedullarySites = (['cns', 'testicular', 'other'] as const).filter((x) => sites.includes(x));
  const timing = relapseTiming(relapse.diagnosisDate, relapseDate, site, s);
  const lineage = findLineage(facts);
  const ph = findPh(facts);
  const cd19 = antigenStatus(facts.cd19, relapseDate, s);
  const cd22 = antigenStatus(facts.cd22, relapseDate, s);
  const reinduction = findReinduction(facts.therapies, relapseDate);
  // An undated transplant in the record is history: counted as before the relapse. With the relapse
  // date unknown, a transplant in the record with a relapse still open came before it.
  const hsctBefore = relapseDate ? facts.hsct.filter((h) => h.date === undefined || h.date < relapseDate) : facts.hsct;
  const hsctAfter = relapseDate ? facts.hsct.filter((h) => h.date !== undefined && h.date >= relapseDate) : [];
  const relapseAfterHsct = relapse.postTransplantRelapseRecord || hsctBefore.length > 0;
  // MRD after reinduction: dated after its start (or after the relapse date when no start is known).
  const mrdAnchor = reinduction.startDate ?? relapseDate;
  const mrdAfter = mrdAnchor ? latest(facts.mrd.filter((m) => m.date !== undefined && m.date > mrdAnchor)) : undefined;
  const response = responseToReinduction(facts, reinduction, mrdAfter, s);
  const phase: Phase = hsctAfter.length > 0 ? 'post-hsct' : response.phase;
  const cns = cnsStatus(facts, sites, relapseDate, s);
  const cogRiskGroup = cogRisk(timing.timing, lineage.lineage, response.mrd, s);

  const missing: Stratification['missing'] = [];
  if (!relapse.diagnosisDate) missing.push('diagnosis date');
  if (!relapseDate) missing.push('relapse date');
  if (lineage.lineage === 'unknown') missing.push('lineage');
  if (site === 'unknown') missing.push('site');

  const summary: StratificationSummary = {
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

  return {
    summary,
    relapse,
    relapseDate,
    ageYears: facts.birthDate ? yearsBetween(facts.birthDate, evaluationDate) : undefined,
    timingAssumedMarrow: timing.assumedMarrow,
    bfmVeryEarly: timing.months !== undefined ? timing.months < s.bfmVeryEarlyMonths : undefined,
    lineageConflict: lineage.conflict,
    lineageEvidence: lineage.evidence,
    phEvidence: ph.evidence,
    cd19,
    cd22,
    reinduction,
    mrdAfterReinduction: response.mrd,
    mrdStatus: response.mrd ? mrdStatus(response.mrd, s.mrdNegativePercent) : 'unknown',
    refractoryMarrow: response.refractory,
    cnsEvidence: cns.evidence,
    hsctBeforeRelapse: hsctBefore.map((h) => h.evidence),
    hsctAfterRelapse: hsctAfter.map((h) => h.evidence),
    hsctReferralOpen: facts.hsctReferrals,
    onTrial: facts.trialEnrolments,
    priorExposure: facts.therapies.filter((t) => t.agent !== 'other-reinduction'),
    t315i: facts.t315i,
    missing,
    unavailableData: facts.unavailableData,
  };
}

/**
 * Marrow + extramedullary = combined; marrow alone = isolated marrow; an
 * extramedullary site with marrow blasts below threshold, or with no marrow
 * involvement recorded, = isolated extramedullary.
 */
export function siteCategory(sites: readonly SiteKind[]): SiteCategory {
  const marrow = sites.includes('marrow');
  const extramedullary = sites.some((x) => x !== 'marrow');
  if (marrow && extramedullary) return 'combined';
  if (marrow) return 'isolated-marrow';
  if (extramedullary) return 'isolated-extramedullary';
  return 'unknown';
}

/** The article's rule: months from initial diagnosis to relapse against the site's threshold. */
export function relapseTiming(
  diagnosisDate: IsoDate | undefined,
  relapseDate: IsoDate | undefined,
  site: SiteCategory,
  s: ClinicalSettings,
): { timing: Timing; months?: number; assumedMarrow: boolean } {
  if (!diagnosisDate || !relapseDate) return { timing: 'unknown', assumedMarrow: false };
  const months = monthsBetween(diagnosisDate, relapseDate);
  const threshold = site === 'isolated-extramedullary' ? s.earlyExtramedullaryMonths : s.earlyMarrowMonths;
  return { timing: months < threshold ? 'early' : 'late', months, assumedMarrow: site === 'unknown' };
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
 * disease). Otherwise the latest readable result decides.
 */
export function findPh(facts: PatientFacts): { ph: PhStatus; evidence: Evidence[] } {
  const morphology = facts.allConditions.filter((c) => c.phPositiveMorphology);
  if (morphology.length > 0) return { ph: 'positive', evidence: morphology.map((c) => c.evidence) };
  const readable = facts.bcrAbl1.filter((r) => r.positivity !== 'unknown');
  const positive = latest(readable.filter((r) => r.positivity === 'positive')) ?? readable.find((r) => r.positivity === 'positive');
  if (positive) return { ph: 'positive', evidence: [positive.evidence] };
  const last = latest(readable) ?? readable[0];
  if (!last) return { ph: 'unknown', evidence: facts.bcrAbl1.map((r) => r.evidence) };
  return { ph: last.positivity, evidence: [last.evidence] };
}

/** CD19 / CD22 at relapse: the latest result dated on/after relapse date minus the window. */
export function antigenStatus(results: QualitativeResult[], relapseDate: IsoDate | undefined, s: ClinicalSettings): AntigenStatus {
  const since = relapseDate ? addDays(relapseDate, -s.relapseWindowDays) : undefined;
  const recent = since ? results.filter((r) => r.date !== undefined && r.date >= since) : [];
  const atRelapse = latest(recent);
  const older = latest(results.filter((r) => !recent.includes(r)));
  return { atRelapse, older, status: atRelapse ? atRelapse.positivity : 'unknown' };
}

/**
 * Reinduction: reinduction agents dated on/after the relapse date. When the
 * relapse date is unknown, only therapy still ongoing counts (front-line
 * chemotherapy in the history must not pass for reinduction).
 */
export function findReinduction(therapies: TherapyExposure[], relapseDate: IsoDate | undefined): Reinduction {
  const agents = therapies.filter((t) => t.isReinductionAgent && (relapseDate ? t.date !== undefined && t.date >= relapseDate : t.ongoing));
  const first = earliest(agents);
  return { started: agents.length > 0, startDate: first?.date, agents };
}

/** MRD below / at-or-above a threshold; unknown when the result cannot say. */
export function mrdStatus(m: MrdResult, thresholdPercent: number): MrdStatus {
  if (m.unreadable) return 'unknown';
  if (m.percent !== undefined) {
    if (m.comparator === '<' || m.comparator === '<=') return m.percent <= thresholdPercent ? 'negative' : 'unknown';
    if (m.comparator === '>' || m.comparator === '>=') return m.percent >= thresholdPercent ? 'positive' : 'unknown';
    return m.percent < thresholdPercent ? 'negative' : 'positive';
  }
  if (m.coded === 'negative') return 'negative';
  // "Detected" without a number is positive at the MRD-negativity threshold only.
  if (m.coded === 'positive') return thresholdPercent <= 0.01 ? 'positive' : 'unknown';
  return 'unknown';
}

/** Phase before HSCT: the latest response assessment after reinduction started. */
function responseToReinduction(
  facts: PatientFacts,
  reinduction: Reinduction,
  mrd: MrdResult | undefined,
  s: ClinicalSettings,
): { phase: Phase; mrd?: MrdResult; refractory?: Evidence } {
  if (!reinduction.started) return { phase: 'awaiting-reinduction', mrd };
  // Reinduction is going on but its start is not dated: its response cannot be placed.
  if (!reinduction.startDate) return { phase: 'response-pending' };
  const start = reinduction.startDate;
  const refractory = latest(
    facts.marrowBlasts.filter(
      (m) => m.date !== undefined && m.percent !== undefined && m.percent >= s.marrowBlastRelapsePercent && daysBetween(start, m.date) > s.refractoryAfterDays,
    ),
  );
  if (refractory && (!mrd || (refractory.date as IsoDate) >= (mrd.date as IsoDate))) {
    return { phase: 'persistent-disease', mrd, refractory: refractory.evidence };
  }
  if (!mrd) return { phase: 'response-pending' };
  const status = mrdStatus(mrd, s.mrdNegativePercent);
  if (status === 'negative') return { phase: 'second-remission-mrd-negative', mrd };
  if (status === 'positive') return { phase: 'persistent-disease', mrd };
  return { phase: 'response-pending', mrd };
}

/** CNS: involved (CNS site or CSF blasts), not involved (LP / CSF result since relapse), else not evaluated. */
export function cnsStatus(
  facts: PatientFacts,
  sites: readonly SiteKind[],
  relapseDate: IsoDate | undefined,
  s: ClinicalSettings,
): { status: CnsStatus; evidence: Evidence[] } {
  const since = relapseDate ? addDays(relapseDate, -s.relapseWindowDays) : undefined;
  const after = <T extends { date?: IsoDate }>(xs: T[]): T[] => (since ? xs.filter((x) => x.date !== undefined && x.date >= since) : []);
  const csfBlasts = after(facts.csfBlasts);
  const positive = csfBlasts.filter((c) => c.positivity === 'positive');
  if (sites.includes('cns') || positive.length > 0) return { status: 'involved', evidence: positive.map((c) => c.evidence) };
  const workUp = [...after(facts.lumbarPunctures), ...csfBlasts, ...after(facts.csfWbc)].map((x) => x.evidence);
  if (workUp.length > 0) return { status: 'not-involved', evidence: workUp };
  return { status: 'not-evaluated', evidence: [] };
}

/** COG: high = early marrow, early isolated extramedullary or any T-ALL relapse; late: by end-of-reinduction MRD. */
export function cogRisk(timing: Timing, lineage: Lineage, mrd: MrdResult | undefined, s: ClinicalSettings): CogRiskGroup {
  if (lineage === 'T' || timing === 'early') return 'high';
  if (timing !== 'late' || !mrd) return 'unknown';
  const status = mrdStatus(mrd, s.cogMrdPercent);
  if (status === 'positive') return 'intermediate';
  if (status === 'negative') return 'low';
  return 'unknown';
}
