/**
 * The values a card template may use. Built from the recommendation and the
 * stratification; every patient-derived string is escaped by the renderer.
 */
import type { Recommendation } from '../clinical/recommend';
import type { ClinicalSettings } from '../clinical/settings';
import type { AntigenStatus, Stratification } from '../clinical/stratify';
import type { Evidence, MrdResult } from '../clinical/types';

export type CardView = Record<string, unknown>;

const MISSING_WHY: Record<Stratification['missing'][number], string> = {
  'diagnosis date':
    'early vs late relapse is measured from the initial diagnosis date; without it the timing, the HSCT indication and the COG risk group cannot be set',
  'relapse date': 'timing, the CD19/CD22 and CNS work-up window, and the start of reinduction are all anchored on the relapse date',
  lineage: 'reinduction differs for B-ALL (blinatumomab, inotuzumab) and T-ALL (nelarabine); no reinduction card is given until lineage is known',
  site: 'the early-relapse threshold is 36 months for marrow and 18 months for isolated extramedullary relapse, and CNS or testicular sites change therapy',
};

export function buildView(rec: Recommendation, st: Stratification, s: ClinicalSettings, headline: string, sourceLabel: string): CardView {
  const { summary } = st;
  const age = st.ageYears;
  const flags = rec.flags;
  const missingAntigens = [!st.cd19.atRelapse ? 'CD19' : undefined, !st.cd22.atRelapse ? 'CD22' : undefined].filter(Boolean) as string[];
  const carTReasonText = (flags.carTReasons ?? []).join(', ');
  return {
    ...s,
    headline,
    sourceLabel,
    timingAssumedMarrow: st.timingAssumedMarrow,
    evidence: dedupe(rec.evidence).map(evidenceLine),
    hasPrior: rec.priorExposure.length > 0,
    prior: rec.priorExposure.map((p) => ({ name: p.name, date: p.date, reference: p.evidence.reference })),
    hasUnavailable: st.unavailableData.length > 0,
    unavailableText: st.unavailableData.join('; '),
    relapseDate: st.relapseDate,
    months: summary.monthsFromDiagnosis,
    early: summary.timing === 'early',
    ageText: age === undefined ? 'age not recorded' : `${age} years`,
    ageGroup: age === undefined ? 'child' : age < 18 ? 'child' : age < 65 ? 'adult' : 'older',
    ageGroupLabel: age === undefined ? 'all ages' : age < 18 ? 'children' : age < 65 ? 'adults' : 'older adults',
    adult: age !== undefined && age >= 18,
    // AALL1331 enrolled children and young adults (1-30 years) at first relapse.
    aall1331: age !== undefined && age >= 1 && age <= 30 && summary.relapseNumber === 1,
    eliana: age !== undefined && age <= s.tisagenlecleucelMaxAge,
    phPositive: summary.ph === 'positive',
    phUnknown: summary.ph === 'unknown',
    phText: st.phEvidence.map((e) => `${e.label}${e.value ? ` ${e.value}` : ''}${e.date ? `, ${e.date}` : ''}`).join('; ') || 'recorded',
    cd19Text: antigenText(st.cd19),
    cd22Text: antigenText(st.cd22),
    cd19Missing: !st.cd19.atRelapse,
    cd22Missing: !st.cd22.atRelapse,
    missingAntigens: missingAntigens.join(' and ') || 'CD19 and CD22',
    reinductionStart: st.reinduction.startDate,
    mrdText: mrdText(st.mrdAfterReinduction),
    mrdUnreadable: st.mrdAfterReinduction?.unreadable ?? false,
    inCr2: summary.phase === 'second-remission-mrd-negative',
    cnsInvolved: summary.cns === 'involved',
    earlyRelapse: flags.hsctReason === 'early-relapse',
    lateMrdPositive: flags.hsctReason === 'late-b-all-mrd-positive',
    tAllMarrow: flags.hsctReason === 't-all-marrow-relapse',
    lateBAll: flags.chemoAloneReason === 'late-b-all',
    tAllCns: flags.chemoAloneReason === 't-all-isolated-late-cns',
    blinatumomabTargeted: flags.blinatumomabTargeted ?? false,
    inotuzumabTargeted: flags.inotuzumabTargeted ?? false,
    t315i: flags.t315i ?? false,
    tisagenlecleucelEligible: flags.tisagenlecleucelEligible ?? false,
    adultProductsEligible: flags.adultProductsEligible ?? false,
    ageUnknown: flags.ageUnknown ?? false,
    cd19Unknown: flags.cd19Unknown ?? false,
    carTReasonText,
    missing: st.missing.map((item) => ({ item, why: MISSING_WHY[item] })),
    missingText: st.missing.join(', '),
    lineageConflict: st.lineageConflict,
  };
}

function evidenceLine(e: Evidence): { label: string; value?: string; date?: string; reference: string } {
  return { label: e.label, value: e.value, date: e.date, reference: e.reference };
}

function dedupe(items: Evidence[]): Evidence[] {
  const seen = new Set<string>();
  return items.filter((e) => {
    const key = `${e.reference}|${e.label}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function antigenText(a: AntigenStatus): string {
  if (a.atRelapse)
    return `${a.atRelapse.positivity === 'unknown' ? 'result could not be read' : a.atRelapse.positivity} (${a.atRelapse.evidence.value ?? ''}${a.atRelapse.date ? `, ${a.atRelapse.date}` : ''})`;
  if (a.older) return `not re-assessed since relapse (last: ${a.older.positivity}${a.older.date ? `, ${a.older.date}` : ''})`;
  return 'not assessed (no result)';
}

function mrdText(m: MrdResult | undefined): string {
  if (!m) return 'no result';
  return `${m.evidence.value ?? 'result'}${m.date ? `, ${m.date}` : ''}`;
}
