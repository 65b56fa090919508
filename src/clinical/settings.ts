/**
 * Thresholds of the clinical rules (clinical-logic.md). Every one is a
 * setting with the default shown; `config.ts` reads overrides from the
 * environment (CDS_<SETTING_IN_SNAKE_CASE>).
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
  /** Latest MRD at or above this percent is persistent disease (1e-3 = 0.1 %: ALL-REZ BFM 2002, COG AALL1331, blinatumomab's MRD label). */
  persistentMrdPercent: number;
  /** COG risk split for late relapse: end-of-reinduction MRD at or above this percent is intermediate. */
  cogMrdPercent: number;
  /** Late B-ALL first relapse: end-of-reinduction MRD at or above this percent leads to HSCT (Eckert JCO 2013; AALL1331). */
  hsctLateMrdPercent: number;
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
  /** The end-of-reinduction MRD is the first MRD at least this many days after reinduction started. */
  endOfReinductionDays: number;
  /** With no reinduction recorded, an MRD within this many days of the relapse is MRD at relapse (staging). */
  mrdAtRelapseDays: number;
  /** A reinduction agent starts reinduction only after this many days without it. */
  reinductionGapDays: number;
  /** Agents given in this many days before the relapse are current therapy at relapse (the disease relapsed on them). */
  currentTherapyDays: number;
  /** Age (years) at the relapse from which the patient is an adult. */
  adultAge: number;
  /** Trial search age groups (ClinicalTrials.gov): older adult from this age (years). */
  olderAdultAge: number;
  /** Inotuzumab ozogamicin label: from this age (years). */
  inotuzumabMinAgeYears: number;
  /** Blinatumomab label: from this age (months). */
  blinatumomabMinAgeMonths: number;
  /** Tisagenlecleucel label: up to this age (years). */
  tisagenlecleucelMaxAge: number;
  /** Adult CAR-T products (brexucabtagene, obecabtagene; US label): from this age (years). */
  adultCarTMinAge: number;
  /** Obecabtagene autoleucel, EU label: from this age (years). */
  obecabtageneEuMinAge: number;
}

export const DEFAULT_CLINICAL_SETTINGS: Readonly<ClinicalSettings> = Object.freeze({
  earlyMarrowMonths: 36,
  earlyExtramedullaryMonths: 18,
  bfmVeryEarlyMonths: 18,
  marrowBlastRelapsePercent: 5,
  mrdNegativePercent: 0.01,
  persistentMrdPercent: 0.1,
  cogMrdPercent: 0.1,
  hsctLateMrdPercent: 0.1,
  antigenPositivePercent: 20,
  distinctRelapseDays: 90,
  relapseWindowDays: 30,
  diagnosisGraceMonths: 3,
  refractoryAfterDays: 21,
  endOfReinductionDays: 21,
  mrdAtRelapseDays: 21,
  reinductionGapDays: 14,
  currentTherapyDays: 14,
  adultAge: 18,
  olderAdultAge: 65,
  inotuzumabMinAgeYears: 1,
  blinatumomabMinAgeMonths: 1,
  tisagenlecleucelMaxAge: 25,
  adultCarTMinAge: 18,
  obecabtageneEuMinAge: 26,
});
