/**
 * The use case: answer one CDS Hooks request. Every door calls this (the
 * patient-view and order-select / order-sign routes, the command-line
 * evaluator), so they cannot disagree on the same request:
 *
 *   validate -> (order hooks: no ALL-directed agent ordered -> no cards, no
 *   data read) -> gather the data (prefetch, else the caller's FHIR server) ->
 *   412 when the essential data is unobtainable -> evaluate (the chart, or
 *   the draft orders against the same stratification) -> CDS response.
 *
 * Express and the CLI are thin adapters around it.
 */
import type { CardIds } from '../cards/card-id';
import { ESSENTIAL_PREFETCH_KEYS, serviceFor } from '../cds/definition';
import { describeKey, resolvePrefetch, unavailableResourceTypes, type FhirFallback, type KeyState } from '../cds/prefetch';
import type { ClinicalSettings } from '../clinical/settings';
import type { IsoDate } from '../clinical/types';
import { hasCheckableOrder } from '../clinical/order-checks';
import type { Stratification } from '../clinical/stratify';
import { evaluate, evaluateOrders } from '../engine';
import { readDraftOrders, type DraftOrders } from '../patient/draft-orders';
import type { Knowledge } from '../knowledge';
import { CdsRequestSchema, type Card, type CdsRequest, type CdsResponse } from '../protocol/cds-hooks';
import { CdsError } from '../protocol/operation-outcome';
import { zodIssues } from '../protocol/zod-issues';

/** Key of the structured stratification in the response's `extension`. */
export const STRATIFICATION_EXTENSION = 'relapsed-all-cds.stratification';

/** Builds the FHIR server fallback for a request (allowlist applied), or undefined when there is none. */
export type FetcherFactory = (
  request: CdsRequest,
  templates: Record<string, string>,
  allowedServers?: readonly string[],
  /** When the request reached the service (epoch ms): the fetch deadline runs from it. */
  startedAt?: number,
) => FhirFallback | undefined;

export interface AnswerDeps {
  knowledge: Knowledge;
  settings: ClinicalSettings;
  /** The evaluation date (tests and the CLI may fix it). */
  clock: () => IsoDate;
  /** FHIR server fallback for keys the client did not prefetch; none = prefetch only. */
  fetcherFor?: FetcherFactory;
  /** The deployment's card ids (keyed by CDS_CARD_ID_KEY). */
  cardIds: CardIds;
}

/** Who is calling: a verified issuer names the FHIR servers it may send (auth required); undefined = auth off. */
export interface Caller {
  fhirServers?: readonly string[];
}

export interface HookAnswer {
  response: CdsResponse;
  /** For the log: how each prefetch key's data was obtained (none when nothing had to be read), and how much data there was. */
  keys: Record<string, KeyState>;
  resourceCount: number;
  stratification?: Stratification;
  /** The catalog codes of the cards, in order (for the log). */
  codes: string[];
  /** What was ignored in the request (draft order entries of other types), in words, for the log. */
  notes: string[];
}

/** Validate a request body; the message names the fields but never echoes their content. */
export function parseHookRequest(body: unknown): CdsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CdsError(400, 'structure', 'the request body must be a JSON object');
  const parsed = CdsRequestSchema.safeParse(body);
  if (!parsed.success) throw new CdsError(400, 'invalid', `invalid CDS Hooks request: ${zodIssues(parsed.error)}`);
  if (parsed.data.fhirAuthorization && !parsed.data.fhirServer)
    throw new CdsError(400, 'invalid', 'invalid CDS Hooks request: fhirServer is required with fhirAuthorization');
  return parsed.data;
}

/**
 * Answer one request for one service (`serviceId`; the patient-view service
 * when not given). The request's hook must be the service's hook.
 */
export async function answerHookRequest(body: unknown, deps: AnswerDeps, caller?: Caller, serviceId?: string, receivedAt?: number): Promise<HookAnswer> {
  const request = parseHookRequest(body);
  const service = serviceFor(deps.knowledge.services, serviceId ?? deps.knowledge.service.id);
  if (request.hook !== service.hook)
    throw new CdsError(400, 'invalid', `invalid CDS Hooks request: service ${service.id} answers the ${service.hook} hook, not ${request.hook}`);
  const isOrderHook = service.hook !== 'patient-view';
  const { draftOrders, selections } = request.context;
  const orderSelections = service.hook === 'order-select' ? selections : undefined;
  let drafts: DraftOrders | undefined;
  if (isOrderHook) {
    if (!draftOrders) throw new CdsError(400, 'required', `invalid CDS Hooks request: context.draftOrders is required for ${service.hook}`);
    // Nothing this service checks was ordered: no cards, and no patient data read (cheaper than a patient-view).
    drafts = readDraftOrders(draftOrders, deps.knowledge.terminology, { selections: orderSelections });
    if (!hasCheckableOrder(drafts.orders) && !drafts.unresolvedMedication)
      return { response: { cards: [] }, keys: {}, resourceCount: 0, codes: [], notes: drafts.notes };
  }
  const notes = drafts?.notes ?? [];

  const templates = service.prefetch;
  // With a verified caller, only its issuer's FHIR servers may be called; with auth off, the configured allowlist.
  const allowed = caller ? (caller.fhirServers ?? []) : undefined;
  const resolved = await resolvePrefetch(Object.keys(templates), request.prefetch, deps.fetcherFor?.(request, templates, allowed, receivedAt));

  const essentialMissing = ESSENTIAL_PREFETCH_KEYS.filter((k) => resolved.keys[k] === 'missing' || resolved.keys[k] === 'failed');
  if (essentialMissing.length > 0) {
    const reasons = resolved.unavailable.filter((u) => (essentialMissing as readonly string[]).includes(u.key));
    throw new CdsError(
      412,
      'incomplete',
      `cannot decide whether the patient has relapsed ALL: ${reasons.map((u) => `${describeKey(u.key)} (${u.key}): ${u.reason}`).join('; ')}`,
    );
  }

  const input = {
    patientId: request.context.patientId,
    resources: resolved.resources,
    evaluationDate: deps.clock(),
    unavailableData: resolved.unavailable.map((u) => `${describeKey(u.key)} (${u.reason})`),
    unavailableResourceTypes: unavailableResourceTypes(resolved, templates),
  };
  const answer = (stratification: Stratification | undefined, cards: Card[], codes: string[]): HookAnswer => ({
    response: toCdsResponse(stratification, cards),
    keys: resolved.keys,
    resourceCount: resolved.resources.length,
    ...(stratification ? { stratification } : {}),
    codes,
    notes,
  });
  if (isOrderHook) {
    const e = evaluateOrders(input, { draftOrders, selections: orderSelections, read: drafts }, deps.knowledge, deps.settings, deps.cardIds);
    return answer(
      e.stratification,
      e.cards,
      e.findings.map((f) => f.code),
    );
  }
  const e = evaluate(input, deps.knowledge, deps.settings, deps.cardIds);
  return answer(
    e.stratification,
    e.cards,
    e.recommendations.map((r) => r.code),
  );
}

/** The CDS Hooks response body: cards, plus the stratification extension when relapsed ALL was found. */
export function toCdsResponse(stratification: Stratification | undefined, cards: Card[]): CdsResponse {
  return stratification ? { cards, extension: { [STRATIFICATION_EXTENSION]: stratification.reported } } : { cards };
}
