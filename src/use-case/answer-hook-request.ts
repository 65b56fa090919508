/**
 * The use case: answer one CDS Hooks request. Every door calls this (the
 * patient-view route, the command-line evaluator, and the order hooks next),
 * so they cannot disagree on the same request:
 *
 *   validate -> gather the data (prefetch, else the caller's FHIR server) ->
 *   412 when the essential data is unobtainable -> evaluate -> CDS response.
 *
 * Express and the CLI are thin adapters around it.
 */
import { ESSENTIAL_PREFETCH_KEYS } from '../cds/definition';
import { describeKey, resolvePrefetch, unavailableResourceTypes, type FhirFallback, type KeyState } from '../cds/prefetch';
import type { ClinicalSettings } from '../clinical/settings';
import type { IsoDate } from '../clinical/types';
import { evaluate, type Evaluation } from '../engine';
import type { Knowledge } from '../knowledge';
import { CdsRequestSchema, type CdsRequest, type CdsResponse } from '../protocol/cds-hooks';
import { CdsError } from '../protocol/operation-outcome';
import { zodIssues } from '../protocol/zod-issues';

/** Key of the structured stratification in the response's `extension`. */
export const STRATIFICATION_EXTENSION = 'relapsed-all-cds.stratification';

/** Builds the FHIR server fallback for a request (allowlist applied), or undefined when there is none. */
export type FetcherFactory = (request: CdsRequest, templates: Record<string, string>, allowedServers?: readonly string[]) => FhirFallback | undefined;

export interface AnswerDeps {
  knowledge: Knowledge;
  settings: ClinicalSettings;
  /** The evaluation date (tests and the CLI may fix it). */
  clock: () => IsoDate;
  /** FHIR server fallback for keys the client did not prefetch; none = prefetch only. */
  fetcherFor?: FetcherFactory;
}

/** Who is calling: a verified issuer names the FHIR servers it may send (auth required); undefined = auth off. */
export interface Caller {
  fhirServers?: readonly string[];
}

export interface HookAnswer {
  response: CdsResponse;
  /** For the log: how each prefetch key's data was obtained, and how much data there was. */
  keys: Record<string, KeyState>;
  resourceCount: number;
  evaluation: Evaluation;
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

export async function answerHookRequest(body: unknown, deps: AnswerDeps, caller?: Caller): Promise<HookAnswer> {
  const request = parseHookRequest(body);
  const templates = deps.knowledge.service.prefetch;
  // With a verified caller, only its issuer's FHIR servers may be called; with auth off, the configured allowlist.
  const allowed = caller ? (caller.fhirServers ?? []) : undefined;
  const resolved = await resolvePrefetch(Object.keys(templates), request.prefetch, deps.fetcherFor?.(request, templates, allowed));

  const essentialMissing = ESSENTIAL_PREFETCH_KEYS.filter((k) => resolved.keys[k] === 'missing' || resolved.keys[k] === 'failed');
  if (essentialMissing.length > 0) {
    const reasons = resolved.unavailable.filter((u) => (essentialMissing as readonly string[]).includes(u.key));
    throw new CdsError(
      412,
      'incomplete',
      `cannot decide whether the patient has relapsed ALL: ${reasons.map((u) => `${describeKey(u.key)} (${u.key}): ${u.reason}`).join('; ')}`,
    );
  }

  const evaluation = evaluate(
    {
      patientId: request.context.patientId,
      resources: resolved.resources,
      evaluationDate: deps.clock(),
      unavailableData: resolved.unavailable.map((u) => `${describeKey(u.key)} (${u.reason})`),
      unavailableResourceTypes: unavailableResourceTypes(resolved, templates),
    },
    deps.knowledge,
    deps.settings,
  );
  return { response: toCdsResponse(evaluation), keys: resolved.keys, resourceCount: resolved.resources.length, evaluation };
}

/** The CDS Hooks response body: cards, plus the stratification extension when relapsed ALL was found. */
export function toCdsResponse(e: Evaluation): CdsResponse {
  return e.stratification ? { cards: e.cards, extension: { [STRATIFICATION_EXTENSION]: e.stratification.reported } } : { cards: e.cards };
}
