/**
 * Timing of the current relapse (clinical-logic.md section 3): months from the
 * initial diagnosis against the site's threshold, and the date checks that
 * come first. Dates that contradict each other are never computed with: a
 * relapse before the diagnosis, a diagnosis or relapse after the evaluation
 * date, a diagnosis (or relapse) before birth. Timing is then unknown and the
 * conflict is named with both resources.
 *
 * Pure: the evaluation date is an argument.
 */
import { monthsBetween } from './dates';
import type { ClinicalSettings } from './settings';
import type { Evidence, IsoDate } from './types';

export type Timing = 'early' | 'late' | 'unknown';
export type SiteCategory = 'isolated-marrow' | 'combined' | 'isolated-extramedullary' | 'unknown';

export interface DateConflict {
  /** What contradicts what, in words, e.g. "the relapse (2024-01-05) is dated before the diagnosis (2024-03-01)". */
  description: string;
  evidence: Evidence[];
}

export interface DatedFact {
  date?: IsoDate;
  evidence?: Evidence;
}

export interface TimingDates {
  birth: DatedFact;
  diagnosis: DatedFact;
  relapse: DatedFact;
  evaluationDate: IsoDate;
}

/** Every pair of dates that cannot both be true. */
export function findDateConflicts(d: TimingDates): DateConflict[] {
  const out: DateConflict[] = [];
  const ev = (...facts: DatedFact[]): Evidence[] => facts.map((f) => f.evidence).filter((e): e is Evidence => e !== undefined);
  const { birth, diagnosis, relapse, evaluationDate } = d;
  if (relapse.date && diagnosis.date && relapse.date < diagnosis.date)
    out.push({ description: `the relapse (${relapse.date}) is dated before the diagnosis (${diagnosis.date})`, evidence: ev(relapse, diagnosis) });
  if (diagnosis.date && diagnosis.date > evaluationDate)
    out.push({ description: `the diagnosis (${diagnosis.date}) is dated after today (${evaluationDate})`, evidence: ev(diagnosis) });
  if (relapse.date && relapse.date > evaluationDate)
    out.push({ description: `the relapse (${relapse.date}) is dated after today (${evaluationDate})`, evidence: ev(relapse) });
  if (birth.date && birth.date > evaluationDate)
    out.push({ description: `the birth date (${birth.date}) is after today (${evaluationDate})`, evidence: ev(birth) });
  if (birth.date && diagnosis.date && diagnosis.date < birth.date)
    out.push({ description: `the diagnosis (${diagnosis.date}) is dated before birth (${birth.date})`, evidence: ev(diagnosis, birth) });
  if (birth.date && relapse.date && relapse.date < birth.date && !(diagnosis.date && diagnosis.date < birth.date))
    out.push({ description: `the relapse (${relapse.date}) is dated before birth (${birth.date})`, evidence: ev(relapse, birth) });
  return out;
}

/**
 * Marrow + extramedullary = combined; marrow alone = isolated marrow; an
 * extramedullary site with marrow blasts below threshold, or with no marrow
 * involvement recorded, = isolated extramedullary.
 */
export function siteCategory(sites: readonly string[]): SiteCategory {
  const marrow = sites.includes('marrow');
  const extramedullary = sites.some((x) => x !== 'marrow');
  if (marrow && extramedullary) return 'combined';
  if (marrow) return 'isolated-marrow';
  if (extramedullary) return 'isolated-extramedullary';
  return 'unknown';
}

/** The article's rule: months from initial diagnosis to relapse against the site's threshold; unknown when dates are missing or conflict. */
export function relapseTiming(
  diagnosisDate: IsoDate | undefined,
  relapseDate: IsoDate | undefined,
  site: SiteCategory,
  conflicts: readonly DateConflict[],
  s: ClinicalSettings,
): { timing: Timing; months?: number; assumedMarrow: boolean } {
  if (!diagnosisDate || !relapseDate || conflicts.length > 0) return { timing: 'unknown', assumedMarrow: false };
  const months = monthsBetween(diagnosisDate, relapseDate);
  const threshold = site === 'isolated-extramedullary' ? s.earlyExtramedullaryMonths : s.earlyMarrowMonths;
  return { timing: months < threshold ? 'early' : 'late', months, assumedMarrow: site === 'unknown' };
}
