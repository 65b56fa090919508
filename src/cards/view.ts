/**
 * The values a card template may use: a typed view per card code (the fields
 * every card has, plus that card's own). Built from the recommendation and the
 * stratification; every patient-derived string is escaped by the renderer
 * (structure such as bold text lives in the templates, never in these values).
 *
 * `VIEW_FIELDS` describes the same views at run time; start-up checks every
 * template tag and every `when` / `unless` against it (cards/template-check.ts),
 * and the compiler checks that it lists exactly the fields of the types.
 */
import { dedupeEvidence } from '../clinical/evidence';
import { ordinal } from '../clinical/headline';
import type { AgentFit, CarTReason, HsctReason, Recommendation, RecommendationCode } from '../clinical/recommend';
import type { ClinicalSettings } from '../clinical/settings';
import type { AntigenStatus, MissingFact, Stratification } from '../clinical/stratify';
import type { DataDomain, Evidence, MrdResult, TherapyExposure } from '../clinical/types';

export interface EvidenceLine {
  label: string;
  value?: string;
  date?: string;
  reference: string;
}
export interface TherapyLine {
  name: string;
  date?: string;
  reference: string;
}
export interface AgentLine {
  targeted: boolean;
  why: string;
}

/** Fields every card's template (and the layout) may use. */
export interface CommonView {
  headline: string;
  timingAssumedMarrow: boolean;
  evidence: EvidenceLine[];
  hasCurrent: boolean;
  current: TherapyLine[];
  hasPrior: boolean;
  prior: TherapyLine[];
  hasUnavailable: boolean;
  unavailableText: string;
  notCheckedText: string;
}

/** Each card's own fields. */
export interface CardViews {
  'clinical-trial': {
    ageText: string;
    ageGroup: string;
    ageGroupLabel: string;
    awaiting: boolean;
    trialUnknown: boolean;
    earlyChildFirstRelapse: boolean;
    adultRelapse: boolean;
  };
  'reinduction-b-all': {
    blinatumomab: AgentLine;
    inotuzumab: AgentLine;
    phUnknown: boolean;
    aall1331: boolean;
    ukallR3: boolean;
    adultTrials: boolean;
  };
  'reinduction-t-all': { nelarabineOffLabel: boolean };
  'ph-positive-tki': {
    phText: string;
    child: boolean;
    switchTki: boolean;
    currentTkiText: string;
    tkiStarted: boolean;
    startedTkiText: string;
    tkiUnknown: boolean;
    t315i: boolean;
    abl1Resulted: boolean;
    abl1Unknown: boolean;
    abl1NotToOrder: boolean;
  };
  'antigen-testing': { cd19Text: string; cd22Text: string; missingAntigens: string; cd19Missing: boolean; cd22Missing: boolean };
  'cns-evaluation': { relapseDate?: string };
  'cns-directed-therapy': Record<string, never>;
  'mrd-assessment': { reinductionStart?: string; mrdUnquantified: boolean; latestMrdText: string };
  'hsct-evaluation': {
    months?: number;
    inSecondRemission: boolean;
    relapseOrdinalCap: string;
    hsctAfterPrior: boolean;
    hsctLaterRelapse: boolean;
    hsctEarly: boolean;
    hsctLateMrd: boolean;
    hsctTAllMarrow: boolean;
    hsctAdult: boolean;
    hsctOtherReasons: string;
    priorTransplantText: string;
    eorMrdKnown: boolean;
    eorMrdText: string;
    refractoryText: string;
    referralUnknown: boolean;
    hsctSinceUnknown: boolean;
    offerFirstTransplantReferral: boolean;
    offerSecondTransplantReferral: boolean;
    ukallR3: boolean;
  };
  'chemotherapy-alone-option': { lateBAll: boolean; tAllCns: boolean; lowLevelMrd: boolean; eorMrdText: string; latestMrdText: string };
  'car-t-evaluation': {
    carTReasonText: string;
    cd19Text: string;
    cd19Unknown: boolean;
    tisagenlecleucelEligible: boolean;
    tisaUsLabel: boolean;
    tisaEuOnly: boolean;
    adultProductsEligible: boolean;
    obecabtageneEuNote: boolean;
    ageUnknown: boolean;
    eliana: boolean;
  };
  'novel-therapy-options': {
    persistText: string;
    novel: { inotuzumab: boolean; blinatumomab: boolean; cd19Negative: boolean; nelarabine: boolean; nelarabineGiven: boolean };
    novelNone: boolean;
  };
  'data-gap': {
    missingText: string;
    conflicts: { description: string }[];
    missing: { item: string; why: string }[];
    lineageConflict: boolean;
    unplacedMrd: boolean;
    unplacedMrdText: string;
  };
}

export type CardView<C extends RecommendationCode = RecommendationCode> = CommonView & CardViews[C];

/** A field as a template sees it: a value, a list of objects (a section over items), or an object (dotted names). */
export type FieldSpec = 'value' | { items: readonly string[] } | { fields: readonly string[] };
type Specs<T> = { [K in keyof T]-?: FieldSpec };

const EVIDENCE_ITEM = { items: ['label', 'value', 'date', 'reference'] } as const;
const THERAPY_ITEM = { items: ['name', 'date', 'reference'] } as const;
const AGENT = { fields: ['targeted', 'why'] } as const;

/** The views at run time: exactly the fields of the types above (the compiler checks both ways). */
export const VIEW_FIELDS: { common: Specs<CommonView>; cards: { [C in RecommendationCode]: Specs<CardViews[C]> } } = {
  common: {
    headline: 'value',
    timingAssumedMarrow: 'value',
    evidence: EVIDENCE_ITEM,
    hasCurrent: 'value',
    current: THERAPY_ITEM,
    hasPrior: 'value',
    prior: THERAPY_ITEM,
    hasUnavailable: 'value',
    unavailableText: 'value',
    notCheckedText: 'value',
  },
  cards: {
    'clinical-trial': {
      ageText: 'value',
      ageGroup: 'value',
      ageGroupLabel: 'value',
      awaiting: 'value',
      trialUnknown: 'value',
      earlyChildFirstRelapse: 'value',
      adultRelapse: 'value',
    },
    'reinduction-b-all': { blinatumomab: AGENT, inotuzumab: AGENT, phUnknown: 'value', aall1331: 'value', ukallR3: 'value', adultTrials: 'value' },
    'reinduction-t-all': { nelarabineOffLabel: 'value' },
    'ph-positive-tki': {
      phText: 'value',
      child: 'value',
      switchTki: 'value',
      currentTkiText: 'value',
      tkiStarted: 'value',
      startedTkiText: 'value',
      tkiUnknown: 'value',
      t315i: 'value',
      abl1Resulted: 'value',
      abl1Unknown: 'value',
      abl1NotToOrder: 'value',
    },
    'antigen-testing': { cd19Text: 'value', cd22Text: 'value', missingAntigens: 'value', cd19Missing: 'value', cd22Missing: 'value' },
    'cns-evaluation': { relapseDate: 'value' },
    'cns-directed-therapy': {},
    'mrd-assessment': { reinductionStart: 'value', mrdUnquantified: 'value', latestMrdText: 'value' },
    'hsct-evaluation': {
      months: 'value',
      inSecondRemission: 'value',
      relapseOrdinalCap: 'value',
      hsctAfterPrior: 'value',
      hsctLaterRelapse: 'value',
      hsctEarly: 'value',
      hsctLateMrd: 'value',
      hsctTAllMarrow: 'value',
      hsctAdult: 'value',
      hsctOtherReasons: 'value',
      priorTransplantText: 'value',
      eorMrdKnown: 'value',
      eorMrdText: 'value',
      refractoryText: 'value',
      referralUnknown: 'value',
      hsctSinceUnknown: 'value',
      offerFirstTransplantReferral: 'value',
      offerSecondTransplantReferral: 'value',
      ukallR3: 'value',
    },
    'chemotherapy-alone-option': { lateBAll: 'value', tAllCns: 'value', lowLevelMrd: 'value', eorMrdText: 'value', latestMrdText: 'value' },
    'car-t-evaluation': {
      carTReasonText: 'value',
      cd19Text: 'value',
      cd19Unknown: 'value',
      tisagenlecleucelEligible: 'value',
      tisaUsLabel: 'value',
      tisaEuOnly: 'value',
      adultProductsEligible: 'value',
      obecabtageneEuNote: 'value',
      ageUnknown: 'value',
      eliana: 'value',
    },
    'novel-therapy-options': {
      persistText: 'value',
      novel: { fields: ['inotuzumab', 'blinatumomab', 'cd19Negative', 'nelarabine', 'nelarabineGiven'] },
      novelNone: 'value',
    },
    'data-gap': {
      missingText: 'value',
      conflicts: { items: ['description'] },
      missing: { items: ['item', 'why'] },
      lineageConflict: 'value',
      unplacedMrd: 'value',
      unplacedMrdText: 'value',
    },
  },
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

/** Why a missing fact matters; thresholds come from the settings. */
function missingWhy(item: MissingFact, s: ClinicalSettings): string {
  switch (item) {
    case 'diagnosis date':
      return 'early vs late relapse, the HSCT indication and the COG group are measured from it';
    case 'relapse date':
      return 'timing, the CD19/CD22 and CNS work-up and the start of reinduction are anchored on it';
    case 'lineage':
      return 'reinduction differs for B-ALL and T-ALL; no reinduction card until it is known';
    case 'site':
      return `the early threshold is ${s.earlyMarrowMonths} months for marrow and ${s.earlyExtramedullaryMonths} for isolated extramedullary relapse`;
  }
}

/** The reason in words; the late B-ALL reason says which fact it rests on (the MRD, or refractory marrow). */
function hsctReasonWords(reason: HsctReason, eorMrdKnown: boolean, s: ClinicalSettings): string {
  switch (reason) {
    case 'relapse-after-hsct':
      return 'relapse after a prior HSCT';
    case 'second-or-later-relapse':
      return 'second or later relapse';
    case 'early-relapse':
      return 'early relapse';
    case 'late-b-all-mrd-high':
      return eorMrdKnown ? `late B-ALL relapse with end-of-reinduction MRD >= ${s.hsctLateMrdPercent} %` : 'late B-ALL relapse refractory to reinduction';
    case 't-all-marrow-relapse':
      return 'T-ALL relapse involving the marrow';
    case 'adult-relapse':
      return 'relapse in an adult';
  }
}

interface Ctx {
  rec: Recommendation;
  st: Stratification;
  s: ClinicalSettings;
}

const child = ({ st }: Ctx): boolean => st.adult === false;
const firstRelapse = ({ st }: Ctx): boolean => st.reported.relapseNumber === 1;
const notChecked = ({ rec }: Ctx, d: DataDomain): boolean => (rec.flags.notChecked ?? []).includes(d);
const ukallR3 = (c: Ctx): boolean => child(c) && firstRelapse(c) && !c.st.reported.relapseAfterHsct;

/** Each card's own fields, built from the recommendation and the stratification. */
const CARD_VIEW_BUILDERS: { [C in RecommendationCode]: (c: Ctx) => CardViews[C] } = {
  'clinical-trial': (c) => {
    const age = c.st.ageYears;
    return {
      ageText: ageText(c.st),
      ageGroup: age === undefined || age < c.s.adultAge ? 'child' : age < c.s.olderAdultAge ? 'adult' : 'older',
      ageGroupLabel: age === undefined ? 'all ages' : age < c.s.adultAge ? 'children' : age < c.s.olderAdultAge ? 'adults' : 'older adults',
      awaiting: c.st.reported.phase === 'awaiting-reinduction',
      trialUnknown: notChecked(c, 'trial-enrolment'),
      // Trial figures only for the population each trial studied (clinical-logic.md, Sources).
      earlyChildFirstRelapse: child(c) && firstRelapse(c) && c.st.reported.timing === 'early',
      adultRelapse: c.st.adult === true,
    };
  },
  'reinduction-b-all': (c) => ({
    blinatumomab: fitView(c.rec.flags.blinatumomab ?? 'antigen-not-reassessed', c.st.cd19, 'CD19', c.st, c.s),
    inotuzumab: fitView(c.rec.flags.inotuzumab ?? 'antigen-not-reassessed', c.st.cd22, 'CD22', c.st, c.s),
    phUnknown: c.st.reported.ph === 'unknown',
    aall1331: child(c) && firstRelapse(c),
    ukallR3: ukallR3(c),
    adultTrials: c.st.adult === true,
  }),
  // Nelarabine is labelled for T-ALL after two or more regimens: at first relapse it is off-label.
  'reinduction-t-all': (c) => ({ nelarabineOffLabel: firstRelapse(c) }),
  'ph-positive-tki': (c) => {
    const { flags } = c.rec;
    const current = flags.currentTki ?? [];
    const started = flags.startedTki ?? [];
    return {
      phText:
        c.st.phEvidence
          .slice(0, 2)
          .map((e) => `${e.label}${e.value ? ` ${quote(e.value)}` : ''}${e.date ? `, ${e.date}` : ''}`)
          .join('; ') || 'recorded',
      child: child(c),
      switchTki: current.length > 0,
      currentTkiText: current.join(', '),
      tkiStarted: current.length === 0 && started.length > 0,
      startedTkiText: started.join(', '),
      tkiUnknown: notChecked(c, 'medications') && current.length === 0,
      t315i: flags.t315i ?? false,
      abl1Resulted: flags.abl1Resulted ?? false,
      abl1Unknown: notChecked(c, 'laboratory') && !flags.t315i,
      abl1NotToOrder: (flags.t315i ?? false) || (flags.abl1Resulted ?? false) || notChecked(c, 'laboratory'),
    };
  },
  'antigen-testing': ({ st }) => {
    const missing = [!st.cd19.atRelapse ? 'CD19' : undefined, !st.cd22.atRelapse ? 'CD22' : undefined].filter((x): x is string => x !== undefined);
    return {
      cd19Text: antigenText(st.cd19),
      cd22Text: antigenText(st.cd22),
      missingAntigens: missing.join(' and ') || 'CD19 and CD22',
      cd19Missing: !st.cd19.atRelapse,
      cd22Missing: !st.cd22.atRelapse,
    };
  },
  'cns-evaluation': ({ st }) => ({ relapseDate: st.relapseDate }),
  'cns-directed-therapy': () => ({}),
  'mrd-assessment': ({ st }) => ({
    reinductionStart: st.reinduction.startDate,
    mrdUnquantified: st.response.latestMrd !== undefined,
    latestMrdText: mrdText(st.response.latestMrd),
  }),
  'hsct-evaluation': (c) => {
    const reasons = c.rec.flags.hsctReasons ?? [];
    const primary = reasons[0];
    const eor = c.st.response.endOfReinductionMrd;
    const refractory = c.st.response.refractoryMarrow;
    return {
      months: c.st.reported.monthsFromDiagnosis,
      inSecondRemission: c.st.reported.phase === 'second-remission-mrd-negative' || c.st.reported.phase === 'second-remission-low-mrd',
      relapseOrdinalCap: ordinal(c.st.reported.relapseNumber).replace(/^./, (x) => x.toUpperCase()),
      hsctAfterPrior: primary === 'relapse-after-hsct',
      hsctLaterRelapse: primary === 'second-or-later-relapse',
      hsctEarly: primary === 'early-relapse',
      hsctLateMrd: primary === 'late-b-all-mrd-high',
      hsctTAllMarrow: primary === 't-all-marrow-relapse',
      hsctAdult: primary === 'adult-relapse',
      hsctOtherReasons: reasons
        .slice(1)
        .map((r) => hsctReasonWords(r, eor !== undefined, c.s))
        .join('; '),
      priorTransplantText: c.st.hsctBeforeRelapse.map((e) => e.date ?? 'undated').join(', ') || 'recorded',
      eorMrdKnown: eor !== undefined,
      eorMrdText: mrdText(eor),
      refractoryText: refractory ? `${refractory.evidence.value ?? ''}${refractory.date ? `, ${refractory.date}` : ''}` : '',
      referralUnknown: notChecked(c, 'referrals'),
      hsctSinceUnknown: notChecked(c, 'procedures'),
      offerFirstTransplantReferral: !notChecked(c, 'referrals') && primary !== 'relapse-after-hsct',
      offerSecondTransplantReferral: !notChecked(c, 'referrals') && primary === 'relapse-after-hsct',
      ukallR3: ukallR3(c),
    };
  },
  'chemotherapy-alone-option': ({ rec, st }) => ({
    lateBAll: rec.flags.chemoAloneReason === 'late-b-all',
    tAllCns: rec.flags.chemoAloneReason === 't-all-isolated-late-cns',
    lowLevelMrd: rec.flags.lowLevelMrd ?? false,
    eorMrdText: mrdText(st.response.endOfReinductionMrd),
    latestMrdText: mrdText(st.response.latestMrd),
  }),
  'car-t-evaluation': ({ rec, st, s }) => {
    const reasons: CarTReason[] = rec.flags.carTReasons ?? [];
    return {
      carTReasonText: reasons.join(', '),
      cd19Text: antigenText(st.cd19),
      cd19Unknown: rec.flags.cd19Unknown ?? false,
      tisagenlecleucelEligible: rec.flags.tisagenlecleucelEligible ?? false,
      // Which label a reason comes from: US (refractory, second or later relapse) or EU (relapse after transplant).
      tisaUsLabel: reasons.some((r) => r !== 'relapse after HSCT'),
      tisaEuOnly: reasons.length > 0 && reasons.every((r) => r === 'relapse after HSCT'),
      adultProductsEligible: rec.flags.adultProductsEligible ?? false,
      obecabtageneEuNote: st.ageYears === undefined || st.ageYears < s.obecabtageneEuMinAge,
      ageUnknown: rec.flags.ageUnknown ?? false,
      eliana: st.ageYears !== undefined && st.ageYears <= s.tisagenlecleucelMaxAge,
    };
  },
  'novel-therapy-options': ({ rec, st }) => {
    const novel = rec.flags.novel ?? { inotuzumab: false, blinatumomab: false, cd19Negative: false, nelarabine: false, nelarabineGiven: false };
    return { persistText: persistText(st), novel, novelNone: !novel.inotuzumab && !novel.blinatumomab && !novel.nelarabine };
  },
  'data-gap': (c) => ({
    missingText: [
      ...(c.st.dateConflicts.length > 0 ? ['dates conflict'] : []),
      ...c.st.missing,
      ...(c.rec.flags.unplacedMrd ? ['reinduction not recorded'] : []),
    ].join(', '),
    conflicts: c.st.dateConflicts.map((x) => ({ description: x.description })),
    missing: c.st.missing.map((item) => ({ item, why: missingWhy(item, c.s) })),
    lineageConflict: c.st.lineageConflict,
    unplacedMrd: c.rec.flags.unplacedMrd ?? false,
    unplacedMrdText: mrdText(c.st.response.unplacedMrd),
  }),
};

export function buildView(rec: Recommendation, st: Stratification, s: ClinicalSettings, headline: string): CardView {
  const common: CommonView = {
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
  };
  return { ...common, ...(CARD_VIEW_BUILDERS[rec.code] as (c: Ctx) => CardViews[RecommendationCode])({ rec, st, s }) };
}

/** Ages under 2 years in months. */
export function ageText(st: Stratification): string {
  if (st.ageYears === undefined || st.ageMonths === undefined) return 'age not recorded';
  if (st.ageMonths < 24) return `${st.ageMonths} months`;
  return `${st.ageYears} years`;
}

/** A targeted agent's line: targeted or not, and why, in words. */
function fitView(fit: AgentFit, antigen: AntigenStatus, name: 'CD19' | 'CD22', st: Stratification, s: ClinicalSettings): AgentLine {
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
      return { targeted: false, why: `${name} unknown (results unavailable)` };
    case 'refractory-current':
      return { targeted: false, why: `the relapse occurred on ${agent} (refractory)` };
    case 'below-label-age':
      return { targeted: false, why: `${name} positive, but the patient (${ageText(st)}) is outside its label (${label})` };
    case 'age-unknown':
      return { targeted: false, why: `${name} positive; age not recorded (label: ${label})` };
  }
}

export function evidenceLine(e: Evidence): EvidenceLine {
  return { label: e.label, value: e.value, date: e.date, reference: e.reference };
}

export function therapyLine(t: TherapyExposure): TherapyLine {
  return { name: t.name, date: t.date, reference: t.evidence.reference };
}

/**
 * A recorded value quoted in the advice (before **Data used**): hospital text can be long, so
 * it is cut to keep the card readable; the full value stays under **Data used**.
 */
export function quote(value: string | undefined, max = 24): string | undefined {
  if (value === undefined) return undefined;
  return value.length <= max ? value : `${value.slice(0, max - 1).trimEnd()}…`;
}

export function antigenText(a: AntigenStatus): string {
  if (a.atRelapse) {
    const value = quote(a.atRelapse.evidence.value);
    return `${a.atRelapse.positivity === 'unknown' ? 'could not be read' : a.atRelapse.positivity}${value ? `, ${value}` : ''}${a.atRelapse.date ? `, ${a.atRelapse.date}` : ''}`;
  }
  if (a.unavailable) return 'unknown (laboratory results unavailable)';
  if (a.older) return `not re-assessed since relapse (last: ${a.older.positivity}${a.older.date ? `, ${a.older.date}` : ''})`;
  return 'not assessed since relapse (no result)';
}

function mrdText(m: MrdResult | undefined): string {
  if (!m) return 'no result';
  return `${quote(m.evidence.value) ?? 'result'}${m.date ? `, ${m.date}` : ''}`;
}

function persistText(st: Stratification): string {
  const r = st.response;
  if (r.refractoryMarrow && (!r.latestMrd || (r.refractoryMarrow.date ?? '') >= (r.latestMrd.date ?? ''))) {
    return `marrow blasts ${quote(r.refractoryMarrow.evidence.value) ?? ''}${r.refractoryMarrow.date ? `, ${r.refractoryMarrow.date}` : ''}`;
  }
  return `MRD ${mrdText(r.latestMrd)}`;
}
