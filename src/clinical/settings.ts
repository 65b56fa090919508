/**
 * Thresholds of the clinical rules (clinical-logic.md). Every one is a
 * setting with the default shown; `config.ts` reads overrides from the
 * environment.
 */
export interface ClinicalSettings {
  /** Marrow (isolated or combined) relapse is early below this many months from diagnosis. */
  earlyMarrowMonths: number;
  /** Isolated extramedullary relapse is early below this many months from diagnosis. */
  earlyExtramedullaryMonths: number;
  /** BFM "very early": below this many months from diagnosis. */
  bfmVeryEarlyMonths: number;
  /** Marrow blasts at or above this percent are relapse / refractory disease. */
  marrowBlastRelapsePercent: number;
  /** MRD below this percent is MRD-negative (1e-4 = 0.01 %). */
  mrdNegativePercent: number;
  /** COG risk split for late relapse: end-of-reinduction MRD at or above this percent is intermediate. */
  cogMrdPercent: number;
  /** A surface antigen is positive when at least this percent of blasts express it. */
  antigenPositivePercent: number;
  /** Relapse dates more than this many days apart are distinct relapses. */
  distinctRelapseDays: number;
  /** Events within this many days of the relapse date locate it (sites, antigen re-assessment, CNS work-up). */
  relapseWindowDays: number;
  /** Without a documented remission, relapse evidence counts only this many months after diagnosis. */
  diagnosisGraceMonths: number;
  /** Marrow blasts >= threshold more than this many days after reinduction started = refractory. */
  refractoryAfterDays: number;
  /** Tisagenlecleucel label: up to this age (years). */
  tisagenlecleucelMaxAge: number;
  /** Adult CAR-T products (brexucabtagene, obecabtagene): from this age (years). */
  adultCarTMinAge: number;
}

export const DEFAULT_CLINICAL_SETTINGS: Readonly<ClinicalSettings> = Object.freeze({
  earlyMarrowMonths: 36,
  earlyExtramedullaryMonths: 18,
  bfmVeryEarlyMonths: 18,
  marrowBlastRelapsePercent: 5,
  mrdNegativePercent: 0.01,
  cogMrdPercent: 0.1,
  antigenPositivePercent: 20,
  distinctRelapseDays: 90,
  relapseWindowDays: 30,
  diagnosisGraceMonths: 3,
  refractoryAfterDays: 21,
  tisagenlecleucelMaxAge: 25,
  adultCarTMinAge: 18,
});
