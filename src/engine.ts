/**
 * One evaluation: FHIR resources -> PatientFacts -> Stratification ->
 * Recommendation[] -> cards. No I/O; the evaluation date is an argument.
 * Shaping the CDS Hooks response is the use case's job (use-case/).
 */
import type { Card } from './protocol/cds-hooks';
import { renderCards } from './cards/render';
import { recommend, type Recommendation } from './clinical/recommend';
import type { ClinicalSettings } from './clinical/settings';
import { stratify, type Stratification } from './clinical/stratify';
import type { IsoDate } from './clinical/types';
import type { Knowledge } from './knowledge';
import { buildPatientFacts } from './patient/facts';
import type { FhirResource } from './patient/records';

export interface Evaluation {
  stratification?: Stratification;
  recommendations: Recommendation[];
  cards: Card[];
}

export interface EvaluationInput {
  patientId: string;
  resources: Iterable<FhirResource>;
  evaluationDate: IsoDate;
  /** Data that could not be obtained, named for the cards. */
  unavailableData?: string[];
  /** Resource types whose data could not be obtained: facts from them are unknown, never absent. */
  unavailableResourceTypes?: string[];
}

export function evaluate(input: EvaluationInput, knowledge: Knowledge, settings: ClinicalSettings): Evaluation {
  const facts = buildPatientFacts(input.resources, knowledge.terminology, {
    antigenPositivePercent: settings.antigenPositivePercent,
    patientId: input.patientId,
    unavailableData: input.unavailableData,
    unavailableResourceTypes: input.unavailableResourceTypes,
  });
  const stratification = stratify(facts, input.evaluationDate, settings);
  if (!stratification) return { recommendations: [], cards: [] };
  const recommendations = recommend(stratification, settings);
  const cards = renderCards(recommendations, stratification, knowledge.catalog, { patientId: input.patientId, settings });
  return { stratification, recommendations, cards };
}

/** Today's date in UTC as YYYY-MM-DD. */
export function today(now: Date = new Date()): IsoDate {
  return now.toISOString().slice(0, 10);
}
