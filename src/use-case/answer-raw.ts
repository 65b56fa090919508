/**
 * One invocation from the raw request body to the response text: parse the
 * JSON, apply the body bounds (nesting depth, prefetch size), answer through
 * the use case, and shape success or error alike (status, body, what the log
 * line says). The same function runs in the request thread (tests, a single
 * process) and in the answer worker threads (the service), so both give the
 * same answer; everything in and out is plain data (a worker's message).
 */
import type { KeyState } from '../cds/prefetch';
import { toErrorResponse } from '../http/errors';
import { bodyBoundsError, type BodyBounds } from '../http/hardening';
import { hashIdentifier } from '../logger';
import { CdsError } from '../protocol/operation-outcome';
import { answerHookRequest, type AnswerDeps, type Caller } from './answer-hook-request';

export interface RawRequest {
  serviceId: string;
  /** The request body as received (JSON text). */
  body: string;
  /** The verified caller (auth on), or undefined (auth off). */
  caller?: Caller;
  /** When the request reached the service (epoch ms, `epochNow()`): the FHIR fetch deadline runs from it, waiting included. */
  receivedAt?: number;
}

export interface RawAnswer {
  status: number;
  /** The response body, JSON text: a CDS Hooks response, or an OperationOutcome. */
  body: string;
  contentType: 'application/json' | 'application/fhir+json';
  /** For the log line and the metrics. */
  log: {
    hookInstance?: string;
    patientRef?: string;
    keys?: Record<string, KeyState>;
    resources?: number;
    cards?: string[];
    /** The uuids of those cards, in the same order (issuance counts; keyed hashes, no patient data). */
    cardUuids?: string[];
    notes?: string[];
    /** Why an error answer was given (internal detail: logged, never sent). */
    reason?: string;
  };
}

export async function answerRaw(request: RawRequest, deps: AnswerDeps, bounds: BodyBounds): Promise<RawAnswer> {
  let parsed: unknown;
  try {
    try {
      parsed = JSON.parse(request.body);
    } catch {
      throw new CdsError(400, 'structure', 'the request body is not valid JSON');
    }
    const tooCostly = bodyBoundsError(parsed, bounds);
    if (tooCostly) throw tooCostly;
    const answer = await answerHookRequest(parsed, deps, request.caller, request.serviceId, request.receivedAt);
    const body = parsed as { hookInstance?: unknown; context?: { patientId?: unknown } };
    return {
      status: 200,
      body: JSON.stringify(answer.response),
      contentType: 'application/json',
      log: {
        hookInstance: String(body.hookInstance).slice(0, 64),
        patientRef: hashIdentifier(String(body.context?.patientId)),
        keys: answer.keys,
        resources: answer.resourceCount,
        cards: answer.codes,
        cardUuids: answer.response.cards.map((c) => c.uuid ?? ''),
        ...(answer.notes.length > 0 ? { notes: answer.notes } : {}),
      },
    };
  } catch (err) {
    const { status, body, reason } = toErrorResponse(err);
    return { status, body: JSON.stringify(body), contentType: 'application/fhir+json', log: { reason } };
  }
}
