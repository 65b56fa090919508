/**
 * The card catalog (clinical-logic.md section 5): which recommendations fire
 * for a stratified relapse, and the facts each one's wording switches on.
 * Pure: stratification + settings in, ordered recommendations out. Wording
 * lives in hooks/cards/; this file decides.
 *
 * Two rules hold everywhere:
 * - a card fires on what the data shows; a card that would fire on the
 *   *absence* of something fires only when the data that would show it was read
 *   (unavailable is unknown, never absent);
 * - a stated reason is true of the data (no "early relapse" when the dates
 *   conflict, no "MRD after reinduction" from an MRD drawn before it).
 */
import { endOfReinductionAtOrAbove, responseEvidence } from './response';
import type { ClinicalSettings } from './settings';
import type { AntigenStatus, Stratification } from './stratify';
import type { AgentClass, DataDomain, Evidence, TherapyExposure } from './types';

/** The catalog codes, in table order (the order of cards within an indicator). */
export const RECOMMENDATION_CODES = [
  'clinical-trial',
  'reinduction-b-all',
  'reinduction-t-all',
  'ph-positive-tki',
  'antigen-testing',
  'cns-evaluation',
  'cns-directed-therapy',
  'mrd-assessment',
  'hsct-evaluation',
  'chemotherapy-alone-option',
  'car-t-evaluation',
  'novel-therapy-options',
  'data-gap',
] as const;
export type RecommendationCode = (typeof RECOMMENDATION_CODES)[number];

export type Indicator = 'critical' | 'warning' | 'info';
const INDICATOR_RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };

/** Why a targeted agent is, or is not, listed as targeted. */
export type AgentFit =
  | 'antigen-positive'
  | 'antigen-negative'
  | 'antigen-not-reassessed'
  | 'antigen-unreadable'
  | 'antigen-unavailable'
  | 'refractory-current'
  | 'below-label-age'
  | 'age-unknown';

/** Why HSCT evaluation fired, most specific first (the card states the first; all are true of the data). */
export type HsctReason = 'relapse-after-hsct' | 'second-or-later-relapse' | 'early-relapse' | 'late-b-all-mrd-high' | 't-all-marrow-relapse' | 'adult-relapse';
export type CarTReason = 'persistent disease' | 'second or later relapse' | 'relapse after HSCT';

/** Facts a card's wording switches on (all optional; per catalog code). */
export interface RecommendationFlags {
  /** reinduction-b-all, novel-therapy-options: label and antigen fit of the targeted agents. */
  blinatumomab?: AgentFit;
  inotuzumab?: AgentFit;
  /** ph-positive-tki: TKIs the disease relapsed on (switch, not add), and TKIs newly started since the relapse. */
  currentTki?: string[];
  startedTki?: string[];
  t315i?: boolean;
  abl1Resulted?: boolean;
  /** hsct-evaluation: why it fired. */
  hsctReasons?: HsctReason[];
  /** chemotherapy-alone-option: which branch, and low-level MRD. */
  chemoAloneReason?: 'late-b-all' | 't-all-isolated-late-cns';
  lowLevelMrd?: boolean;
  /** car-t-evaluation: label fit by age, and what made the patient a candidate. */
  tisagenlecleucelEligible?: boolean;
  adultProductsEligible?: boolean;
  ageUnknown?: boolean;
  cd19Unknown?: boolean;
  carTReasons?: CarTReason[];
  /** novel-therapy-options: what fits this patient. */
  novel?: { inotuzumab: boolean; blinatumomab: boolean; cd19Negative: boolean; nelarabine: boolean; nelarabineGiven: boolean };
  /** data-gap: reinduction not recorded though an MRD was drawn well after the relapse. */
  unplacedMrd?: boolean;
  /** Data this card could not check (it was unavailable); the card says so and orders nothing that may exist. */
  notChecked?: DataDomain[];
}

export interface Recommendation {
  code: RecommendationCode;
  indicator: Indicator;
  /** The data this recommendation used (value, date, reference). */
  evidence: Evidence[];
  flags: RecommendationFlags;
  /** Therapies already given that bear on this recommendation (before the current therapy). */
  priorExposure: TherapyExposure[];
  /** Therapies the disease relapsed on, that bear on this recommendation. */
  currentTherapy: TherapyExposure[];
}

export function recommend(st: Stratification, s: ClinicalSettings): Recommendation[] {
  const out: Recommendation[] = [];
  const { reported } = st;
  const add = (code: RecommendationCode, indicator: Indicator, evidence: Evidence[], flags: RecommendationFlags = {}, agents: AgentClass[] = []): void => {
    const priorExposure = st.priorExposure.filter((t) => agents.includes(t.agent));
    const currentTherapy = st.currentAtRelapse.filter((t) => agents.includes(t.agent));
    out.push({ code, indicator, evidence, flags, priorExposure, currentTherapy });
  };
  const unavailable = (d: DataDomain): boolean => st.unavailable.includes(d);
  const notChecked = (...ds: DataDomain[]): DataDomain[] | undefined => {
    const missing = ds.filter(unavailable);
    return missing.length > 0 ? missing : undefined;
  };
  const isB = reported.lineage === 'B';
  const isT = reported.lineage === 'T';
  const awaiting = reported.phase === 'awaiting-reinduction';
  const relapseEvidence = st.relapse.current?.evidence ?? st.relapse.populationEvidence;
  const mrdEvidence = responseEvidence(st.response);

  if (st.onTrial.length === 0) add('clinical-trial', 'warning', relapseEvidence, { notChecked: notChecked('trial-enrolment') });

  if (isB && awaiting) {
    add(
      'reinduction-b-all',
      'warning',
      [...st.lineageEvidence, ...antigenEvidence(st), ...st.phEvidence],
      { blinatumomab: agentFit(st, st.cd19, 'blinatumomab', s), inotuzumab: agentFit(st, st.cd22, 'inotuzumab', s) },
      ['blinatumomab', 'inotuzumab', 'car-t'],
    );
  }
  if (isT && awaiting) add('reinduction-t-all', 'warning', st.lineageEvidence, {}, ['nelarabine']);

  if (reported.ph === 'positive') {
    const isTki = (t: TherapyExposure): boolean => t.agent === 'tki' || t.agent === 'ponatinib';
    const currentTki = [...new Set(st.currentAtRelapse.filter(isTki).map((t) => t.name))];
    const startedTki = [...new Set(st.therapy.startedSinceRelapse.filter(isTki).map((t) => t.name))];
    add(
      'ph-positive-tki',
      'warning',
      [...st.phEvidence, ...st.t315i],
      { currentTki, startedTki, t315i: st.t315i.length > 0, abl1Resulted: st.abl1Resulted, notChecked: notChecked('laboratory', 'medications') },
      ['tki', 'ponatinib'],
    );
  }

  // Fires on results *not* found since relapse: only when laboratory results were read.
  if (isB && !unavailable('laboratory') && (!st.cd19.atRelapse || !st.cd22.atRelapse)) add('antigen-testing', 'info', antigenEvidence(st));

  if (reported.cns === 'not-evaluated') add('cns-evaluation', 'warning', relapseEvidence);
  if (reported.cns === 'involved') add('cns-directed-therapy', 'info', st.cnsEvidence.length > 0 ? st.cnsEvidence : relapseEvidence);

  if (reported.phase === 'response-pending') add('mrd-assessment', 'warning', [...st.reinduction.agents.map((a) => a.evidence), ...mrdEvidence]);

  const hsctReasons = hsctIndications(st, s);
  if (hsctReasons.length > 0 && st.hsctReferralOpen.length === 0 && reported.phase !== 'post-hsct') {
    const inSecondRemission = reported.phase === 'second-remission-mrd-negative' || reported.phase === 'second-remission-low-mrd';
    const critical = hsctReasons.includes('early-relapse') && inSecondRemission;
    add('hsct-evaluation', critical ? 'critical' : 'warning', [...relapseEvidence, ...mrdEvidence, ...st.hsctBeforeRelapse], {
      hsctReasons,
      notChecked: notChecked('referrals', 'procedures'),
    });
  }

  const chemoAlone = chemotherapyAloneOption(st, s);
  if (chemoAlone) add('chemotherapy-alone-option', 'info', [...relapseEvidence, ...mrdEvidence], chemoAlone);

  const carTReasons: CarTReason[] = [];
  if (reported.phase === 'persistent-disease') carTReasons.push('persistent disease');
  if (reported.relapseNumber >= 2) carTReasons.push('second or later relapse');
  if (reported.relapseAfterHsct) carTReasons.push('relapse after HSCT');
  if (isB && st.cd19.status !== 'negative' && carTReasons.length > 0) {
    add(
      'car-t-evaluation',
      'warning',
      [...antigenResultEvidence(st.cd19), ...mrdEvidence, ...st.hsctBeforeRelapse],
      {
        tisagenlecleucelEligible: st.ageYears === undefined || st.ageYears <= s.tisagenlecleucelMaxAge,
        adultProductsEligible: st.ageYears === undefined || st.ageYears >= s.adultCarTMinAge,
        ageUnknown: st.ageYears === undefined,
        cd19Unknown: st.cd19.status === 'unknown',
        carTReasons,
      },
      ['car-t', 'blinatumomab'],
    );
  }

  if (reported.phase === 'persistent-disease') {
    const given = (agent: AgentClass): boolean => [...st.priorExposure, ...st.currentAtRelapse, ...st.reinduction.agents].some((t) => t.agent === agent);
    const blinatumomab = isB ? agentFit(st, st.cd19, 'blinatumomab', s) : undefined;
    const inotuzumab = isB ? agentFit(st, st.cd22, 'inotuzumab', s) : undefined;
    add(
      'novel-therapy-options',
      'warning',
      [...antigenEvidence(st), ...mrdEvidence],
      {
        blinatumomab,
        inotuzumab,
        novel: {
          inotuzumab: isB && inotuzumab === 'antigen-positive' && !given('inotuzumab'),
          blinatumomab: isB && blinatumomab === 'antigen-positive' && !given('blinatumomab'),
          cd19Negative: isB && st.cd19.status === 'negative',
          nelarabine: isT && !given('nelarabine'),
          nelarabineGiven: isT && given('nelarabine'),
        },
      },
      ['blinatumomab', 'inotuzumab', 'nelarabine', 'car-t'],
    );
  }

  const unplacedMrd = st.response.unplacedMrd !== undefined;
  if (st.missing.length > 0 || st.dateConflicts.length > 0 || unplacedMrd) {
    add(
      'data-gap',
      'info',
      [
        ...(st.relapse.diagnosisEvidence ? [st.relapse.diagnosisEvidence] : []),
        ...st.dateConflicts.flatMap((c) => c.evidence),
        ...relapseEvidence,
        ...(st.response.unplacedMrd ? [st.response.unplacedMrd.evidence] : []),
      ],
      { unplacedMrd },
    );
  }

  return sortRecommendations(out);
}

/**
 * HSCT evaluation (catalog row): first relapse early (any lineage); first relapse
 * late B-ALL with end-of-reinduction MRD >= 0.1 %; T-ALL marrow relapse; second or
 * later relapse; relapse after a prior HSCT; any relapse in an adult. Early / late
 * decide only for the first relapse, and never when the dates conflict.
 */
export function hsctIndications(st: Stratification, s: ClinicalSettings): HsctReason[] {
  const { reported } = st;
  const first = reported.relapseNumber === 1;
  const reasons: HsctReason[] = [];
  if (reported.relapseAfterHsct) reasons.push('relapse-after-hsct');
  if (!first) reasons.push('second-or-later-relapse');
  if (first && reported.timing === 'early') reasons.push('early-relapse');
  if (first && reported.timing === 'late' && reported.lineage === 'B' && endOfReinductionAtOrAbove(st.response, s.hsctLateMrdPercent) === true)
    reasons.push('late-b-all-mrd-high');
  if (reported.lineage === 'T' && (reported.site === 'isolated-marrow' || reported.site === 'combined')) reasons.push('t-all-marrow-relapse');
  if (st.adult === true) reasons.push('adult-relapse');
  return reasons;
}

/**
 * Chemotherapy alone (catalog row): first relapse, not an adult, and either late
 * B-ALL in second remission with end-of-reinduction MRD < 0.1 %, or a late isolated
 * CNS relapse of T-ALL in MRD-negative second remission. Not after a prior HSCT
 * (that relapse is an HSCT indication of its own).
 */
function chemotherapyAloneOption(st: Stratification, s: ClinicalSettings): RecommendationFlags | undefined {
  const { reported } = st;
  if (reported.relapseNumber !== 1 || st.adult !== false || reported.relapseAfterHsct || reported.timing !== 'late') return undefined;
  const inSecondRemission = reported.phase === 'second-remission-mrd-negative' || reported.phase === 'second-remission-low-mrd';
  if (reported.lineage === 'B' && inSecondRemission && endOfReinductionAtOrAbove(st.response, s.hsctLateMrdPercent) === false) {
    return { chemoAloneReason: 'late-b-all', lowLevelMrd: reported.phase === 'second-remission-low-mrd' };
  }
  const isolatedCns = reported.site === 'isolated-extramedullary' && (reported.extramedullarySites ?? []).join() === 'cns';
  if (reported.lineage === 'T' && isolatedCns && reported.phase === 'second-remission-mrd-negative') return { chemoAloneReason: 't-all-isolated-late-cns' };
  return undefined;
}

/**
 * A targeted agent is listed as targeted only when its antigen is positive at
 * relapse, the patient is inside its label (inotuzumab from 1 year, blinatumomab
 * from 1 month) and the disease did not relapse on it.
 */
function agentFit(st: Stratification, antigen: AntigenStatus, agent: 'blinatumomab' | 'inotuzumab', s: ClinicalSettings): AgentFit {
  if (st.currentAtRelapse.some((t) => t.agent === agent)) return 'refractory-current';
  if (!antigen.atRelapse) return antigen.unavailable ? 'antigen-unavailable' : 'antigen-not-reassessed';
  if (antigen.status === 'negative') return 'antigen-negative';
  if (antigen.status === 'unknown') return 'antigen-unreadable';
  if (st.ageMonths === undefined) return 'age-unknown';
  const minMonths = agent === 'inotuzumab' ? s.inotuzumabMinAgeYears * 12 : s.blinatumomabMinAgeMonths;
  if (st.ageMonths < minMonths) return 'below-label-age';
  return 'antigen-positive';
}

export function sortRecommendations(recs: Recommendation[]): Recommendation[] {
  return [...recs].sort(
    (a, b) => INDICATOR_RANK[a.indicator] - INDICATOR_RANK[b.indicator] || RECOMMENDATION_CODES.indexOf(a.code) - RECOMMENDATION_CODES.indexOf(b.code),
  );
}

function antigenEvidence(st: Stratification): Evidence[] {
  return [...antigenResultEvidence(st.cd19), ...antigenResultEvidence(st.cd22)];
}

/** The antigen result a card cites: the one at relapse, else the older one (shown as not re-assessed). */
function antigenResultEvidence(a: AntigenStatus): Evidence[] {
  const result = a.atRelapse ?? a.older;
  return result ? [result.evidence] : [];
}
