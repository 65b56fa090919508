/**
 * One evaluation: FHIR resources -> PatientFacts -> Stratification ->
 * Recommendation[] -> cards (patient-view), or -> OrderFinding[] -> cards for
 * the draft orders (order-select / order-sign): one stratification for both.
 * No I/O; the evaluation date is an argument. Shaping the CDS Hooks response
 * is the use case's job (use-case/).
 */
import type { Card } from './protocol/cds-hooks';
import { renderCards } from './cards/render';
import { recommend, type Recommendation } from './clinical/recommend';
import type { ClinicalSettings } from './clinical/settings';
import { stratify, type Stratification } from './clinical/stratify';
import type { IsoDate } from './clinical/types';
import type { Knowledge } from './knowledge';
import { renderOrderCards } from './cards/order-render';
import { checkOrders, type OrderFinding } from './clinical/order-checks';
import { readDraftOrders, type DraftOrders } from './patient/draft-orders';
import { buildPatientFacts } from './patient/facts';
import { PatientRecord, type FhirResource } from './patient/records';
import type { DraftOrdersBundle } from './protocol/cds-hooks';
import type { CardIds } from './cards/card-id';

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

/** `ids`: the deployment's card ids (cards/card-id.ts: keyed, so a card id cannot be traced back to the patient). */
export function evaluate(input: EvaluationInput, knowledge: Knowledge, settings: ClinicalSettings, ids: CardIds): Evaluation {
  const { stratification } = stratifyRecord(input, knowledge, settings);
  if (!stratification) return { recommendations: [], cards: [] };
  const recommendations = recommend(stratification, settings);
  const cards = renderCards(recommendations, stratification, knowledge.catalog, { patientId: input.patientId, settings, ids });
  return { stratification, recommendations, cards };
}

export interface OrderEvaluation {
  stratification?: Stratification;
  findings: OrderFinding[];
  cards: Card[];
}

export interface OrderInput {
  draftOrders?: DraftOrdersBundle;
  /** order-select: the selected orders; undefined for order-sign (every draft is checked). */
  selections?: readonly string[];
  /** The drafts as already read from draftOrders alone; read again only when one names a Medication the record may hold. */
  read?: DraftOrders;
}

/** The draft orders checked against the patient's stratification (no relapsed ALL: no cards). */
export function evaluateOrders(input: EvaluationInput, orders: OrderInput, knowledge: Knowledge, settings: ClinicalSettings, ids: CardIds): OrderEvaluation {
  const { record, stratification } = stratifyRecord(input, knowledge, settings);
  if (!stratification) return { findings: [], cards: [] };
  const drafts =
    orders.read && !orders.read.unresolvedMedication
      ? orders.read
      : readDraftOrders(orders.draftOrders, knowledge.terminology, { selections: orders.selections, recordMedication: (ref) => record.medication(ref) });
  const findings = checkOrders(stratification, drafts.orders, settings);
  const ponatinib = knowledge.terminology.concepts('ponatinib')[0];
  const cards = renderOrderCards(findings, stratification, knowledge.orderCatalog, {
    patientId: input.patientId,
    settings,
    ids,
    drafts: drafts.resources,
    localCodeSystem: knowledge.catalog.localCodeSystem,
    ponatinib,
  });
  return { stratification, findings, cards };
}

function stratifyRecord(input: EvaluationInput, knowledge: Knowledge, settings: ClinicalSettings): { record: PatientRecord; stratification?: Stratification } {
  const record = new PatientRecord(input.resources);
  const facts = buildPatientFacts(record, knowledge.terminology, {
    antigenPositivePercent: settings.antigenPositivePercent,
    patientId: input.patientId,
    unavailableData: input.unavailableData,
    unavailableResourceTypes: input.unavailableResourceTypes,
  });
  return { record, stratification: stratify(facts, input.evaluationDate, settings) };
}
