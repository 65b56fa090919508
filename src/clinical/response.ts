/**
 * Response to reinduction (clinical-logic.md sections 1, 3 and 4): the two MRD
 * facts and the phase of care.
 *
 * - **End-of-reinduction MRD**: the first MRD at least `endOfReinductionDays`
 *   after reinduction started. It decides the COG group, HSCT for late B-ALL
 *   and the chemotherapy-alone option.
 * - **Latest MRD**: the latest MRD after reinduction started. It decides the
 *   phase, once an end-of-reinduction MRD exists.
 * - With no reinduction recorded an MRD after the relapse never decides: within
 *   `mrdAtRelapseDays` of the relapse it is MRD at relapse (staging); later it
 *   cannot be placed (a data-gap card says so).
 *
 * Pure: no FHIR, no clock.
 */
import { addDays, daysBetween, latest } from './dates';
import type { ClinicalSettings } from './settings';
import type { Reinduction } from './therapy';
import type { Evidence, IsoDate, MarrowBlastResult, MrdResult } from './types';

/** MRD level against the two thresholds: < 0.01 %, 0.01 to < 0.1 %, >= 0.1 %, or not decidable. */
export type MrdLevel = 'negative' | 'low' | 'high' | 'unknown';

export type Phase =
  'awaiting-reinduction' | 'response-pending' | 'second-remission-mrd-negative' | 'second-remission-low-mrd' | 'persistent-disease' | 'post-hsct' | 'unknown';

/**
 * The level an MRD result proves. A bound ("< 0.05 %") proves only what it
 * bounds: below 0.1 % but not below 0.01 % reads as low-level (never as
 * negative); "detected" without a number proves no level.
 */
export function mrdLevel(m: MrdResult, s: ClinicalSettings): MrdLevel {
  if (m.unreadable) return 'unknown';
  const neg = s.mrdNegativePercent;
  const high = s.persistentMrdPercent;
  if (m.percent !== undefined) {
    const p = m.percent;
    switch (m.comparator) {
      case '<':
        return p <= neg ? 'negative' : p <= high ? 'low' : 'unknown';
      case '<=':
        return p < neg ? 'negative' : p < high ? 'low' : 'unknown';
      case '>':
      case '>=':
        return p >= high ? 'high' : 'unknown';
      default:
        return p < neg ? 'negative' : p < high ? 'low' : 'high';
    }
  }
  if (m.coded === 'negative') return 'negative';
  return 'unknown';
}

/** Below / at-or-above a decision threshold (HSCT, COG), or not decidable from this result. */
export function mrdAtOrAbove(m: MrdResult, thresholdPercent: number): boolean | undefined {
  if (m.unreadable) return undefined;
  if (m.percent !== undefined) {
    const p = m.percent;
    if (m.comparator === '<') return p <= thresholdPercent ? false : undefined;
    if (m.comparator === '<=') return p < thresholdPercent ? false : undefined;
    if (m.comparator === '>' || m.comparator === '>=') return p >= thresholdPercent ? true : undefined;
    return p >= thresholdPercent;
  }
  if (m.coded === 'negative') return false;
  return undefined;
}

export interface ResponseAssessment {
  phase: Exclude<Phase, 'post-hsct'>;
  /** First MRD >= `endOfReinductionDays` after reinduction started. */
  endOfReinductionMrd?: MrdResult;
  /** Latest MRD after reinduction started, when an end-of-reinduction MRD exists (it decides the phase). */
  latestMrd?: MrdResult;
  /** Marrow blasts >= threshold more than `refractoryAfterDays` after reinduction started, when that decided the phase. */
  refractoryMarrow?: MarrowBlastResult;
  /** MRD drawn at the relapse work-up (no reinduction before it): staging data, never a decision. */
  mrdAtRelapse: MrdResult[];
  /** MRD well after the relapse with no reinduction recorded: it cannot be placed (data gap). */
  unplacedMrd?: MrdResult;
}

export interface ResponseInput {
  relapseDate?: IsoDate;
  reinduction: Reinduction;
  mrd: readonly MrdResult[];
  marrowBlasts: readonly MarrowBlastResult[];
  /** Laboratory results could not be read: an absent MRD is unknown, not "pending". */
  laboratoryUnavailable: boolean;
  /** Medication data could not be read: an absent reinduction is unknown, not "awaiting". */
  medicationsUnavailable: boolean;
}

export function assessResponse(input: ResponseInput, s: ClinicalSettings): ResponseAssessment {
  const { relapseDate, reinduction } = input;
  const start = reinduction.startDate;
  const afterRelapse = relapseDate ? input.mrd.filter((m) => m.date !== undefined && m.date >= relapseDate) : [];
  const beforeStart = start ? afterRelapse.filter((m) => (m.date as IsoDate) <= start) : afterRelapse;
  const stagingLimit = relapseDate ? addDays(relapseDate, s.mrdAtRelapseDays) : undefined;
  const mrdAtRelapse = stagingLimit ? beforeStart.filter((m) => (m.date as IsoDate) <= stagingLimit) : [];

  if (!reinduction.started) {
    // With medication data unreadable (or a route-less dose), "no reinduction recorded" is not known: nothing is unplaced.
    if (input.medicationsUnavailable || reinduction.undetermined === true) return { phase: 'unknown', mrdAtRelapse };
    const unplacedMrd = stagingLimit ? latest(afterRelapse.filter((m) => (m.date as IsoDate) > stagingLimit)) : undefined;
    return { phase: 'awaiting-reinduction', mrdAtRelapse, unplacedMrd };
  }
  // Reinduction is going on but its start is not dated: its response cannot be placed.
  if (start === undefined) return { phase: input.laboratoryUnavailable ? 'unknown' : 'response-pending', mrdAtRelapse };

  const eorFrom = addDays(start, s.endOfReinductionDays);
  const afterStart = input.mrd.filter((m) => m.date !== undefined && m.date > start);
  const eorCandidates = afterStart.filter((m) => (m.date as IsoDate) >= eorFrom).sort((a, b) => ((a.date as IsoDate) < (b.date as IsoDate) ? -1 : 1));
  const endOfReinductionMrd = eorCandidates.find((m) => !m.unreadable) ?? eorCandidates[0];
  const readableLatest = latest(afterStart.filter((m) => !m.unreadable));
  const latestMrd = endOfReinductionMrd
    ? readableLatest && (readableLatest.date as IsoDate) >= (endOfReinductionMrd.date as IsoDate)
      ? readableLatest
      : endOfReinductionMrd
    : undefined;

  const refractory = latest(
    input.marrowBlasts.filter(
      (m) => m.date !== undefined && m.percent !== undefined && m.percent >= s.marrowBlastRelapsePercent && daysBetween(start, m.date) > s.refractoryAfterDays,
    ),
  );
  const base = { endOfReinductionMrd, latestMrd, mrdAtRelapse };
  if (refractory && (!latestMrd || (refractory.date as IsoDate) >= (latestMrd.date as IsoDate))) {
    return { ...base, phase: 'persistent-disease', refractoryMarrow: refractory };
  }
  if (input.laboratoryUnavailable) return { ...base, phase: 'unknown' };
  if (!latestMrd) return { ...base, phase: 'response-pending' };
  const level = mrdLevel(latestMrd, s);
  const phase =
    level === 'negative'
      ? 'second-remission-mrd-negative'
      : level === 'low'
        ? 'second-remission-low-mrd'
        : level === 'high'
          ? 'persistent-disease'
          : 'response-pending';
  return { ...base, phase };
}

/**
 * End-of-reinduction MRD at or above a threshold: the MRD result, else refractory
 * marrow at the end of reinduction (blasts >= 5 % are above any MRD threshold).
 */
export function endOfReinductionAtOrAbove(r: ResponseAssessment, thresholdPercent: number): boolean | undefined {
  if (r.endOfReinductionMrd) return mrdAtOrAbove(r.endOfReinductionMrd, thresholdPercent);
  if (r.refractoryMarrow) return true;
  return undefined;
}

/** The evidence that decided the response (for the cards). */
export function responseEvidence(r: ResponseAssessment): Evidence[] {
  const out: Evidence[] = [];
  if (r.endOfReinductionMrd) out.push(r.endOfReinductionMrd.evidence);
  if (r.latestMrd && r.latestMrd !== r.endOfReinductionMrd) out.push(r.latestMrd.evidence);
  if (r.refractoryMarrow) out.push(r.refractoryMarrow.evidence);
  return out;
}
