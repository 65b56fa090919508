/**
 * The card catalog (clinical-logic.md section 5): which recommendations fire
 * for a stratified relapse. Pure: stratification + settings in, ordered
 * recommendations out. Wording lives in hooks/cards/; this file decides.
 */
import type { ClinicalSettings } from './settings';
import type { AntigenStatus, Stratification } from './stratify';
import type { Evidence, TherapyExposure } from './types';

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
  'data-gap',
] as const;
export type RecommendationCode = (typeof RECOMMENDATION_CODES)[number];

export type Indicator = 'critical' | 'warning' | 'info';
const INDICATOR_RANK: Record<Indicator, number> = { critical: 0, warning: 1, info: 2 };

/** Facts a card's wording switches on (all optional; per catalog code). */
export interface RecommendationFlags {
  /** reinduction-b-all: blinatumomab listed as targeted (CD19 positive at relapse). */
  blinatumomabTargeted?: boolean;
  /** reinduction-b-all: inotuzumab listed as targeted (CD22 positive at relapse). */
  inotuzumabTargeted?: boolean;
  /** ph-positive-tki: T315I reported. */
  t315i?: boolean;
  /** hsct-evaluation: why it fired. */
  hsctReason?: 'early-relapse' | 'late-b-all-mrd-positive' | 't-all-marrow-relapse';
  /** car-t-evaluation: label fit by age. */
  tisagenlecleucelEligible?: boolean;
  adultProductsEligible?: boolean;
  ageUnknown?: boolean;
  cd19Unknown?: boolean;
  /** car-t-evaluation: what made the patient a candidate. */
  carTReasons?: ('persistent disease' | 'second or later relapse' | 'relapse after HSCT')[];
  /** chemotherapy-alone-option: which branch. */
  chemoAloneReason?: 'late-b-all' | 't-all-isolated-late-cns';
}

export interface Recommendation {
  code: RecommendationCode;
  indicator: Indicator;
  /** The data this recommendation used (value, date, reference). */
  evidence: Evidence[];
  flags: RecommendationFlags;
  /** Therapies already given that bear on this recommendation. */
  priorExposure: TherapyExposure[];
}

export function recommend(st: Stratification, s: ClinicalSettings): Recommendation[] {
  const out: Recommendation[] = [];
  const { summary } = st;
  const add = (
    code: RecommendationCode,
    indicator: Indicator,
    evidence: Evidence[],
    flags: RecommendationFlags = {},
    priorExposure: TherapyExposure[] = [],
  ): void => {
    out.push({ code, indicator, evidence, flags, priorExposure });
  };
  const isB = summary.lineage === 'B';
  const isT = summary.lineage === 'T';
  const awaiting = summary.phase === 'awaiting-reinduction';
  const relapseEvidence = st.relapse.current?.evidence ?? st.relapse.populationEvidence;
  const mrdEvidence = st.mrdAfterReinduction ? [st.mrdAfterReinduction.evidence] : [];
  const exposureTo = (...agents: TherapyExposure['agent'][]): TherapyExposure[] => st.priorExposure.filter((t) => agents.includes(t.agent));

  if (st.onTrial.length === 0) add('clinical-trial', 'warning', relapseEvidence);

  if (isB && awaiting) {
    add(
      'reinduction-b-all',
      'warning',
      [...st.lineageEvidence, ...antigenEvidence(st), ...st.phEvidence],
      { blinatumomabTargeted: st.cd19.status === 'positive', inotuzumabTargeted: st.cd22.status === 'positive' },
      exposureTo('blinatumomab', 'inotuzumab', 'car-t'),
    );
  }
  if (isT && awaiting) add('reinduction-t-all', 'warning', st.lineageEvidence, {}, exposureTo('nelarabine'));

  if (summary.ph === 'positive')
    add('ph-positive-tki', 'warning', [...st.phEvidence, ...st.t315i], { t315i: st.t315i.length > 0 }, exposureTo('tki', 'ponatinib'));

  if (isB && (!st.cd19.atRelapse || !st.cd22.atRelapse)) add('antigen-testing', 'info', antigenEvidence(st));

  if (summary.cns === 'not-evaluated') add('cns-evaluation', 'warning', relapseEvidence);
  if (summary.cns === 'involved') add('cns-directed-therapy', 'info', st.cnsEvidence.length > 0 ? st.cnsEvidence : relapseEvidence);

  if (summary.phase === 'response-pending') add('mrd-assessment', 'warning', [...st.reinduction.agents.map((a) => a.evidence), ...mrdEvidence]);

  const hsctReason = hsctIndication(st);
  if (hsctReason && st.hsctReferralOpen.length === 0 && summary.phase !== 'post-hsct') {
    const critical = summary.timing === 'early' && summary.phase === 'second-remission-mrd-negative';
    add('hsct-evaluation', critical ? 'critical' : 'warning', [...relapseEvidence, ...mrdEvidence, ...st.hsctBeforeRelapse], { hsctReason });
  }

  if (summary.phase === 'second-remission-mrd-negative') {
    const lateB = summary.timing === 'late' && isB;
    const tIsolatedLateCns = isT && summary.timing === 'late' && summary.site === 'isolated-extramedullary' && sameSites(summary.extramedullarySites, ['cns']);
    if (lateB || tIsolatedLateCns) {
      add('chemotherapy-alone-option', 'info', [...relapseEvidence, ...mrdEvidence], { chemoAloneReason: lateB ? 'late-b-all' : 't-all-isolated-late-cns' });
    }
  }

  const carTReasons: RecommendationFlags['carTReasons'] = [];
  if (summary.phase === 'persistent-disease') carTReasons.push('persistent disease');
  if (summary.relapseNumber >= 2) carTReasons.push('second or later relapse');
  if (summary.relapseAfterHsct) carTReasons.push('relapse after HSCT');
  if (isB && st.cd19.status !== 'negative' && carTReasons.length > 0) {
    add(
      'car-t-evaluation',
      'warning',
      [...antigenResultEvidence(st.cd19), ...mrdEvidence, ...(st.refractoryMarrow ? [st.refractoryMarrow] : []), ...st.hsctBeforeRelapse],
      {
        tisagenlecleucelEligible: st.ageYears === undefined || st.ageYears <= s.tisagenlecleucelMaxAge,
        adultProductsEligible: st.ageYears === undefined || st.ageYears >= s.adultCarTMinAge,
        ageUnknown: st.ageYears === undefined,
        cd19Unknown: st.cd19.status === 'unknown',
        carTReasons,
      },
      exposureTo('car-t', 'blinatumomab'),
    );
  }

  if (st.missing.length > 0) add('data-gap', 'info', [...(st.relapse.diagnosisEvidence ? [st.relapse.diagnosisEvidence] : []), ...relapseEvidence]);

  return sortRecommendations(out);
}

/** Early relapse (any lineage), late B-ALL relapse with MRD >= 0.01 % after reinduction, or T-ALL marrow relapse. */
export function hsctIndication(st: Stratification): RecommendationFlags['hsctReason'] | undefined {
  const { summary } = st;
  if (summary.timing === 'early') return 'early-relapse';
  // Refractory marrow (persistent disease) is above any MRD threshold.
  if (summary.timing === 'late' && summary.lineage === 'B' && (st.mrdStatus === 'positive' || summary.phase === 'persistent-disease'))
    return 'late-b-all-mrd-positive';
  if (summary.lineage === 'T' && (summary.site === 'isolated-marrow' || summary.site === 'combined')) return 't-all-marrow-relapse';
  return undefined;
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

function sameSites(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return (a ?? []).length === b.length && b.every((x) => (a ?? []).includes(x));
}
