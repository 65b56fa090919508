/**
 * The patient model: what the record says, in clinical terms, with the
 * evidence (resource reference, date, value) behind each finding.
 *
 * Produced by `patient/` (the only code that knows FHIR shapes) and read by
 * the pure rules in `clinical/`. No FHIR JSON crosses this line.
 */

/** A calendar date, `YYYY-MM-DD`. Partial FHIR dates are padded (2024-03 -> 2024-03-01). */
export type IsoDate = string;

/** Where a finding came from, so a card can cite it. */
export interface Evidence {
  /** What the finding is, e.g. "Marrow blasts", "MRD after reinduction". */
  label: string;
  /** The value as a clinician would read it, e.g. "42 %", "positive", "could not be read". */
  value?: string;
  /** Clinically relevant date of the finding. */
  date?: IsoDate;
  /** FHIR reference, e.g. `Observation/123`. */
  reference: string;
}

export type Positivity = 'positive' | 'negative' | 'unknown';
export type Lineage = 'B' | 'T' | 'unknown';
export type PhStatus = 'positive' | 'negative' | 'unknown';
export type SiteKind = 'marrow' | 'cns' | 'testicular' | 'other';
export type ExtramedullarySite = 'cns' | 'testicular' | 'other';

/** An ALL Condition (diagnosis or relapse record). */
export interface AllConditionFinding {
  /** Coded with an `all-relapse` code (C91.02, relapse in transplant marrow, ...). */
  isRelapseRecord: boolean;
  /** Coded "relapse in transplant marrow": the relapse followed an HSCT by definition. */
  isPostTransplantRelapseRecord: boolean;
  /** Coded in `all-remission` (C91.01, ALL in remission). */
  isRemissionRecord: boolean;
  /** clinicalStatus is relapse or recurrence. */
  clinicalStatusRelapse: boolean;
  /** Onset (onsetDateTime / onsetPeriod.start), else recordedDate. */
  date?: IsoDate;
  /** Lineage implied by the codes of this record (B-ALL / T-ALL codes), if any; 'conflict' when it has both. */
  lineage?: 'B' | 'T' | 'conflict';
  /** ICD-O-3 9812/3 (B-ALL with BCR-ABL1). */
  phPositiveMorphology: boolean;
  /** Body sites recorded on the condition. */
  sites: SiteKind[];
  evidence: Evidence;
}

/** A laboratory or assessment result read as positive / negative. */
export interface QualitativeResult {
  date?: IsoDate;
  positivity: Positivity;
  /** Percent of blasts, when given as a quantity. */
  percent?: number;
  evidence: Evidence;
}

/** Marrow blasts (percent). `percent` undefined when the result could not be read. */
export interface MarrowBlastResult {
  date?: IsoDate;
  percent?: number;
  evidence: Evidence;
}

/**
 * MRD normalised to percent. `comparator` '<' means "below `percent`".
 * Coded results ("not detected", "detected") have no percent.
 */
export interface MrdResult {
  date?: IsoDate;
  percent?: number;
  comparator?: '<' | '<=' | '>' | '>=';
  /** Coded / text reading when there is no number. */
  coded?: Positivity;
  /** True when the result could not be read at all. */
  unreadable: boolean;
  evidence: Evidence;
}

export type DiseaseStatusValue = 'worsened' | 'remission' | 'other';

/** mCODE CancerDiseaseStatus about the ALL condition. */
export interface DiseaseStatusFinding {
  date?: IsoDate;
  status: DiseaseStatusValue;
  sites: SiteKind[];
  evidence: Evidence;
}

export type AgentClass = 'blinatumomab' | 'inotuzumab' | 'nelarabine' | 'tki' | 'ponatinib' | 'other-reinduction' | 'car-t';

/** The BCR-ABL1 TKIs the rules tell apart (T315I: only ponatinib has activity). Each is a value set of the same id. */
export const TKI_DRUGS = ['imatinib', 'dasatinib', 'nilotinib', 'bosutinib', 'ponatinib'] as const;
export type TkiDrug = (typeof TKI_DRUGS)[number];
/** The CD19-directed CAR-T products and their label ages. Each is a value set of the same id. */
export const CAR_T_PRODUCTS = ['tisagenlecleucel', 'brexucabtagene', 'obecabtagene'] as const;
export type CarTProduct = (typeof CAR_T_PRODUCTS)[number];

/**
 * How a dose was given: intrathecal / intraventricular doses are CNS-directed
 * therapy, never reinduction. 'unknown': no route recorded for an agent also
 * given intrathecally, and the procedures that would tell (CPT 96450) could not be read.
 */
export type Route = 'systemic' | 'intrathecal' | 'unknown';

/** A medication (request, administration, statement) or CAR-T procedure. */
export interface TherapyExposure {
  agent: AgentClass;
  /** The drug itself (same ingredient = same key), for the gap rule: "a new start of that agent". */
  agentKey: string;
  /** Display name as recorded. */
  name: string;
  /** Start / authored / effective date. */
  date?: IsoDate;
  /** Last day covered, when the record says (period end, supply duration). */
  endDate?: IsoDate;
  /** Still going (active, on-hold, in-progress). */
  ongoing: boolean;
  route: Route;
  /** Code in `reinduction-agents`, status active/completed/on-hold (route and timing are judged by the rules). */
  isReinductionAgent: boolean;
  evidence: Evidence;
}

/**
 * Kinds of data the service may have been unable to read (a prefetch key or a
 * fetch that failed). Facts read from unavailable data are unknown, never absent.
 */
export type DataDomain = 'demographics' | 'diagnoses' | 'laboratory' | 'procedures' | 'medications' | 'referrals' | 'trial-enrolment';

export interface DatedEvent {
  date?: IsoDate;
  evidence: Evidence;
}

/** A record with nothing in it (the start of extraction). */
export function emptyPatientFacts(): PatientFacts {
  return {
    allConditions: [],
    immunophenotypeLineage: [],
    bcrAbl1: [],
    abl1Mutation: [],
    t315i: [],
    cd19: [],
    cd22: [],
    marrowBlasts: [],
    mrd: [],
    csfBlasts: [],
    csfWbc: [],
    lumbarPunctures: [],
    diseaseStatus: [],
    therapies: [],
    hsct: [],
    hsctReferrals: [],
    trialEnrolments: [],
    unavailable: [],
    unavailableData: [],
  };
}

/** Everything the rules need, read once from the record. */
export interface PatientFacts {
  birthDate?: IsoDate;
  /** The Patient resource the birth date came from. */
  birthEvidence?: Evidence;
  allConditions: AllConditionFinding[];
  /** Lineage from immunophenotype reports (LOINC 101119-6) when the condition codes say nothing. */
  immunophenotypeLineage: { lineage: 'B' | 'T'; date?: IsoDate; evidence: Evidence }[];
  bcrAbl1: QualitativeResult[];
  abl1Mutation: QualitativeResult[];
  /** True when an ABL1 result reports T315I. */
  t315i: Evidence[];
  cd19: QualitativeResult[];
  cd22: QualitativeResult[];
  marrowBlasts: MarrowBlastResult[];
  mrd: MrdResult[];
  csfBlasts: QualitativeResult[];
  csfWbc: DatedEvent[];
  lumbarPunctures: DatedEvent[];
  diseaseStatus: DiseaseStatusFinding[];
  therapies: TherapyExposure[];
  hsct: DatedEvent[];
  hsctReferrals: Evidence[];
  trialEnrolments: Evidence[];
  /** Kinds of data that could not be read: every fact from them is unknown (unavailable), never absent. */
  unavailable: DataDomain[];
  /** Data the service could not obtain, in words (e.g. a prefetch key that failed). Shown on every card. */
  unavailableData: string[];
}
