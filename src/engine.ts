/**
 * One evaluation: FHIR resources -> PatientFacts -> Stratification ->
 * Recommendation[] -> cards. No I/O; the evaluation date is an argument.
 */
import type { Card } from './cds/schemas';
import { renderCards } from './cards/render';
import { recommend, type Recommendation } from './clinical/recommend';
import type { ClinicalSettings } from './clinical/settings';
import { stratify, type Stratification, type StratificationSummary } from './clinical/stratify';
import type { IsoDate } from './clinical/types';
import type { Knowledge } from './knowledge';
import { buildPatientFacts } from './patient/facts';
import type { FhirResource } from './patient/records';

/** Key of the structured stratification in the response's `extension`. */
export const STRATIFICATION_EXTENSION = 'relapsed-all-cds.stratification';

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

/** The CDS Hooks response body: cards, plus the stratification extension when relapsed ALL was found. */
export function toResponse(e: Evaluation): { cards: Card[]; extension?: Record<string, StratificationSummary> } {
  return e.stratification ? { cards: e.cards, extension: { [STRATIFICATION_EXTENSION]: e.stratification.summary } } : { cards: e.cards };
}

/** Today's date in UTC as YYYY-MM-DD. */
export function today(now: Date = new Date()): IsoDate {
  return now.toISOString().slice(0, 10);
}
