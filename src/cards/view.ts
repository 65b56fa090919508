/**
 * The values a card template may use. Built from the recommendation and the
 * stratification; every patient-derived string is escaped by the renderer
 * (structure such as bold text lives in the templates, never in these values).
 */
import type { AgentFit, CarTReason, HsctReason, Recommendation } from '../clinical/recommend';
import type { ClinicalSettings } from '../clinical/settings';
import type { AntigenStatus, MissingFact, Stratification } from '../clinical/stratify';
import { dedupeEvidence } from '../clinical/evidence';
import { ordinal } from '../clinical/headline';
import type { DataDomain, Evidence, MrdResult, TherapyExposure } from '../clinical/types';

export type CardView = Record<string, unknown>;

const MISSING_WHY: Record<MissingFact, string> = {
  'diagnosis date': 'early vs late relapse, the HSCT indication and the COG group are measured from it',
  'relapse date': 'timing, the CD19/CD22 and CNS work-up and the start of reinduction are anchored on it',
  lineage: 'reinduction differs for B-ALL and T-ALL; no reinduction card until it is known',
  site: 'the early threshold is 36 months for marrow and 18 for isolated extramedullary relapse',
};

/** What could not be checked, per kind of unavailable data. */
const NOT_CHECKED: Record<DataDomain, string> = {
  demographics: 'age',
  diagnoses: 'diagnoses',
  laboratory: 'laboratory results (MRD, CD19/CD22, BCR-ABL1, ABL1, CSF)',
  procedures: 'transplants, CAR-T and lumbar punctures',
  medications: 'current therapy and reinduction',
  referrals: 'an open HSCT referral',
  'trial-enrolment': 'trial enrolment',
};

/** The reason in words; the late B-ALL reason says which fact it rests on (the MRD, or refractory marrow). */
function hsctReasonWords(reason: HsctReason, eorMrdKnown: boolean): string {
  switch (reason) {
    case 'relapse-after-hsct':
      return 'relapse after a prior HSCT';
    case 'second-or-later-relapse':
      return 'second or later relapse';
    case 'early-relapse':
      return 'early relapse';
    case 'late-b-all-mrd-high':
      return eorMrdKnown ? 'late B-ALL relapse with end-of-reinduction MRD >= 0.1 %' : 'late B-ALL relapse refractory to reinduction';
    case 't-all-marrow-relapse':
      return 'T-ALL relapse involving the marrow';
    case 'adult-relapse':
      return 'relapse in an adult';
  }
}

export function buildView(rec: Recommendation, st: Stratification, s: ClinicalSettings, headline: string): CardView {
  const { reported } = st;
  const flags = rec.flags;
  const child = st.adult === false;
  const hsctReasons = flags.hsctReasons ?? [];
  const primaryHsct = hsctReasons[0];
  const eor = st.response.endOfReinductionMrd;
  const latestMrd = st.response.latestMrd;
  const notChecked = flags.notChecked ?? [];
  const carTReasons = flags.carTReasons ?? [];
  const missingAntigens = [!st.cd19.atRelapse ? 'CD19' : undefined, !st.cd22.atRelapse ? 'CD22' : undefined].filter(Boolean) as string[];
  const firstRelapse = reported.relapseNumber === 1;
  return {
    headline,
    timingAssumedMarrow: st.timingAssumedMarrow,
    evidence: dedupeEvidence(rec.evidence).map(evidenceLine),
    hasCurrent: rec.currentTherapy.length > 0,
    current: rec.currentTherapy.map(therapyLine),
    hasPrior: rec.priorExposure.length > 0,
    prior: rec.priorExposure.map(therapyLine),
    hasUnavailable: st.unavailableData.length > 0,
    unavailableText: st.unavailableData.join('; '),
    notCheckedText: st.unavailable.map((d) => NOT_CHECKED[d]).join(', '),
    relapseDate: st.relapseDate,
    months: reported.monthsFromDiagnosis,
    awaiting: reported.phase === 'awaiting-reinduction',
    ageText: ageText(st),
    ageGroup: st.ageYears === undefined ? 'child' : st.ageYears < 18 ? 'child' : st.ageYears < 65 ? 'adult' : 'older',
    ageGroupLabel: st.ageYears === undefined ? 'all ages' : st.ageYears < 18 ? 'children' : st.ageYears < 65 ? 'adults' : 'older adults',
    child,
    adult: st.adult === true,
    // Trial figures only for the population each trial studied (clinical-logic.md, Sources).
    earlyChildFirstRelapse: child && firstRelapse && reported.timing === 'early',
    adultRelapse: st.adult === true,
    aall1331: child && firstRelapse,
    ukallR3: child && firstRelapse && !reported.relapseAfterHsct,
    adultTrials: st.adult === true,
    eliana: st.ageYears !== undefined && st.ageYears <= s.tisagenlecleucelMaxAge,
    phPositive: reported.ph === 'positive',
    phUnknown: reported.ph === 'unknown',
    phText: st.phEvidence.map((e) => `${e.label}${e.value ? ` ${e.value}` : ''}${e.date ? `, ${e.date}` : ''}`).join('; ') || 'recorded',
    cd19Text: antigenText(st.cd19),
    cd22Text: antigenText(st.cd22),
    missingAntigens: missingAntigens.join(' and ') || 'CD19 and CD22',
    cd19Missing: !st.cd19.atRelapse,
    cd22Missing: !st.cd22.atRelapse,
    blinatumomab: flags.blinatumomab ? fitView(flags.blinatumomab, st.cd19, 'CD19', st, s) : undefined,
    inotuzumab: flags.inotuzumab ? fitView(flags.inotuzumab, st.cd22, 'CD22', st, s) : undefined,
    // Nelarabine is labelled for T-ALL after two or more regimens: at first relapse it is off-label.
    nelarabineOffLabel: firstRelapse,
    switchTki: (flags.currentTki ?? []).length > 0,
    currentTkiText: (flags.currentTki ?? []).join(', '),
    tkiStarted: (flags.currentTki ?? []).length === 0 && (flags.startedTki ?? []).length > 0,
    startedTkiText: (flags.startedTki ?? []).join(', '),
    tkiUnknown: notChecked.includes('medications') && (flags.currentTki ?? []).length === 0,
    t315i: flags.t315i ?? false,
    abl1Resulted: flags.abl1Resulted ?? false,
    abl1Unknown: notChecked.includes('laboratory') && !flags.t315i,
    abl1NotToOrder: (flags.t315i ?? false) || (flags.abl1Resulted ?? false) || notChecked.includes('laboratory'),
    reinductionStart: st.reinduction.startDate,
    mrdUnquantified: latestMrd !== undefined,
    latestMrdText: mrdText(latestMrd),
    eorMrdText: mrdText(eor),
    eorMrdKnown: eor !== undefined,
    refractoryText: st.response.refractoryMarrow
      ? `${st.response.refractoryMarrow.evidence.value ?? ''}${st.response.refractoryMarrow.date ? `, ${st.response.refractoryMarrow.date}` : ''}`
      : '',
    persistText: persistText(st),
    inSecondRemission: reported.phase === 'second-remission-mrd-negative' || reported.phase === 'second-remission-low-mrd',
    relapseOrdinal: ordinal(reported.relapseNumber),
    relapseOrdinalCap: ordinal(reported.relapseNumber).replace(/^./, (c) => c.toUpperCase()),
    hsctAfterPrior: primaryHsct === 'relapse-after-hsct',
    hsctLaterRelapse: primaryHsct === 'second-or-later-relapse',
    hsctEarly: primaryHsct === 'early-relapse',
    hsctLateMrd: primaryHsct === 'late-b-all-mrd-high',
    hsctTAllMarrow: primaryHsct === 't-all-marrow-relapse',
    hsctAdult: primaryHsct === 'adult-relapse',
    hsctOtherReasons: hsctReasons
      .slice(1)
      .map((r) => hsctReasonWords(r, eor !== undefined))
      .join('; '),
    priorTransplantText: st.hsctBeforeRelapse.map((e) => e.date ?? 'undated').join(', ') || 'recorded',
    referralUnknown: notChecked.includes('referrals'),
    offerFirstTransplantReferral: !notChecked.includes('referrals') && primaryHsct !== 'relapse-after-hsct',
    offerSecondTransplantReferral: !notChecked.includes('referrals') && primaryHsct === 'relapse-after-hsct',
    hsctSinceUnknown: notChecked.includes('procedures'),
    lateBAll: flags.chemoAloneReason === 'late-b-all',
    tAllCns: flags.chemoAloneReason === 't-all-isolated-late-cns',
    lowLevelMrd: flags.lowLevelMrd ?? false,
    tisagenlecleucelEligible: flags.tisagenlecleucelEligible ?? false,
    tisaUsLabel: carTReasons.some((r) => r !== 'relapse after HSCT'),
    tisaEuOnly: carTReasons.length > 0 && carTReasons.every((r) => r === 'relapse after HSCT'),
    adultProductsEligible: flags.adultProductsEligible ?? false,
    obecabtageneEuNote: st.ageYears === undefined || st.ageYears < s.obecabtageneEuMinAge,
    ageUnknown: flags.ageUnknown ?? false,
    cd19Unknown: flags.cd19Unknown ?? false,
    carTReasonText: carTReasons.map((r: CarTReason) => r).join(', '),
    novel: flags.novel,
    novelNone: flags.novel ? !flags.novel.inotuzumab && !flags.novel.blinatumomab && !flags.novel.nelarabine : false,
    trialUnknown: notChecked.includes('trial-enrolment'),
    missing: st.missing.map((item) => ({ item, why: MISSING_WHY[item] })),
    missingText: [...(st.dateConflicts.length > 0 ? ['dates conflict'] : []), ...st.missing, ...(flags.unplacedMrd ? ['reinduction not recorded'] : [])].join(
      ', ',
    ),
    conflicts: st.dateConflicts.map((c) => ({ description: c.description })),
    lineageConflict: st.lineageConflict,
    unplacedMrd: flags.unplacedMrd ?? false,
    unplacedMrdText: mrdText(st.response.unplacedMrd),
    medsUnknown: notChecked.includes('medications'),
  };
}

/** Ages under 2 years in months. */
function ageText(st: Stratification): string {
  if (st.ageYears === undefined || st.ageMonths === undefined) return 'age not recorded';
  if (st.ageMonths < 24) return `${st.ageMonths} months`;
  return `${st.ageYears} years`;
}

/** A targeted agent's line: targeted or not, and why, in words. */
function fitView(fit: AgentFit, antigen: AntigenStatus, name: 'CD19' | 'CD22', st: Stratification, s: ClinicalSettings): { targeted: boolean; why: string } {
  const agent = name === 'CD19' ? 'blinatumomab' : 'inotuzumab';
  const label = name === 'CD19' ? `from ${s.blinatumomabMinAgeMonths} month of age` : `from ${s.inotuzumabMinAgeYears} year of age`;
  switch (fit) {
    case 'antigen-positive':
      return { targeted: true, why: `${name} positive at relapse (${antigenText(antigen)})` };
    case 'antigen-negative':
      return { targeted: false, why: `${name} negative at relapse (${antigenText(antigen)})` };
    case 'antigen-not-reassessed':
      return { targeted: false, why: `${name} ${antigenText(antigen)}` };
    case 'antigen-unreadable':
      return { targeted: false, why: `${name} result could not be read (${antigenText(antigen)})` };
    case 'antigen-unavailable':
      return { targeted: false, why: `${name} unknown: laboratory results unavailable` };
    case 'refractory-current':
      return { targeted: false, why: `the relapse occurred on ${agent} (refractory)` };
    case 'below-label-age':
      return { targeted: false, why: `${name} positive, but the patient (${ageText(st)}) is outside its label (${label})` };
    case 'age-unknown':
      return { targeted: false, why: `${name} positive; age not recorded (label: ${label})` };
  }
}

function evidenceLine(e: Evidence): { label: string; value?: string; date?: string; reference: string } {
  return { label: e.label, value: e.value, date: e.date, reference: e.reference };
}

function therapyLine(t: TherapyExposure): { name: string; date?: string; reference: string } {
  return { name: t.name, date: t.date, reference: t.evidence.reference };
}

export function antigenText(a: AntigenStatus): string {
  if (a.atRelapse)
    return `${a.atRelapse.positivity === 'unknown' ? 'could not be read' : a.atRelapse.positivity}${a.atRelapse.evidence.value ? `, ${a.atRelapse.evidence.value}` : ''}${a.atRelapse.date ? `, ${a.atRelapse.date}` : ''}`;
  if (a.unavailable) return 'unknown (laboratory results unavailable)';
  if (a.older) return `not re-assessed since relapse (last: ${a.older.positivity}${a.older.date ? `, ${a.older.date}` : ''})`;
  return 'not assessed since relapse (no result)';
}

function mrdText(m: MrdResult | undefined): string {
  if (!m) return 'no result';
  return `${m.evidence.value ?? 'result'}${m.date ? `, ${m.date}` : ''}`;
}

function persistText(st: Stratification): string {
  const r = st.response;
  if (r.refractoryMarrow && (!r.latestMrd || (r.refractoryMarrow.date ?? '') >= (r.latestMrd.date ?? ''))) {
    return `marrow blasts ${r.refractoryMarrow.evidence.value ?? ''}${r.refractoryMarrow.date ? `, ${r.refractoryMarrow.date}` : ''}`;
  }
  return `MRD ${mrdText(r.latestMrd)}`;
}
