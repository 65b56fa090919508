/**
 * The CDS Hooks endpoints: discovery, invocation and feedback for the
 * relapsed-ALL patient-view service.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ClinicalSettings } from '../clinical/settings';
import { evaluate, toResponse, today } from '../engine';
import type { Knowledge } from '../knowledge';
import { hashIdentifier } from '../logger';
import { ESSENTIAL_PREFETCH_KEYS } from './definition';
import { CdsError, operationOutcome } from './errors';
import { describeKey, resolvePrefetch, unavailableResourceTypes, type FhirFallback } from './prefetch';
import { CdsRequestSchema, FeedbackSchema, type CdsRequest, type FeedbackRequest } from './schemas';

export interface CdsRouteDeps {
  knowledge: Knowledge;
  settings: ClinicalSettings;
  logger: Logger;
  /** The evaluation date (tests and the CLI pass one in; the service uses today). */
  clock?: () => string;
  /** FHIR server fallback for keys the client did not prefetch (issue #3). */
  fetcherFor?: (request: CdsRequest, templates: Record<string, string>, allowlist?: readonly string[]) => FhirFallback | undefined;
  /** Where feedback goes; returns how many items were new. */
  recordFeedback?: (serviceId: string, items: FeedbackRequest['feedback']) => number;
}

export function cdsRouter(deps: CdsRouteDeps): Router {
  const router = Router();
  const { service } = deps.knowledge;
  const discovery = {
    services: [
      {
        hook: service.hook,
        id: service.id,
        title: service.title,
        description: service.description,
        prefetch: service.prefetch,
        ...(service.usageRequirements ? { usageRequirements: service.usageRequirements } : {}),
      },
    ],
  };

  router.get('/cds-services', (_req, res) => {
    res.json(discovery);
  });
  router.all('/cds-services', methodNotAllowed('GET'));

  router.post(`/cds-services/:id`, requireJson, async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (req.params.id !== service.id) throw new CdsError(404, 'not-found', `no CDS service with id "${String(req.params.id).slice(0, 100)}"`);
      const request = parseRequest(req.body);
      const log = deps.logger.child({ hookInstance: request.hookInstance.slice(0, 64), patientRef: hashIdentifier(request.context.patientId) });
      const templates = service.prefetch;
      // With a verified caller, only its issuer's FHIR servers may be called; with auth off, the configured allowlist.
      const caller = res.locals.caller as { issuer: { fhirServers?: string[] } } | undefined;
      const issuerServers = caller ? (caller.issuer.fhirServers ?? []) : undefined;
      const resolved = await resolvePrefetch(Object.keys(templates), request.prefetch, deps.fetcherFor?.(request, templates, issuerServers));
      const essentialMissing = ESSENTIAL_PREFETCH_KEYS.filter((k) => resolved.keys[k] === 'missing' || resolved.keys[k] === 'failed');
      if (essentialMissing.length > 0) {
        const reasons = resolved.unavailable.filter((u) => (essentialMissing as readonly string[]).includes(u.key));
        log.warn({ keys: resolved.keys }, 'essential data unavailable');
        throw new CdsError(
          412,
          'incomplete',
          `cannot decide whether the patient has relapsed ALL: ${reasons.map((u) => `${describeKey(u.key)} (${u.key}): ${u.reason}`).join('; ')}`,
        );
      }
      const unavailableData = resolved.unavailable.map((u) => `${describeKey(u.key)} (${u.reason})`);
      const result = evaluate(
        {
          patientId: request.context.patientId,
          resources: resolved.resources,
          evaluationDate: (deps.clock ?? today)(),
          unavailableData,
          unavailableResourceTypes: unavailableResourceTypes(resolved, templates),
        },
        deps.knowledge,
        deps.settings,
      );
      log.info({ keys: resolved.keys, resources: resolved.resources.length, cards: result.recommendations.map((r) => r.code) }, 'evaluated');
      res.json(toResponse(result));
    } catch (err) {
      next(err);
    }
  });

  router.post(`/cds-services/:id/feedback`, requireJson, (req: Request, res: Response, next: NextFunction) => {
    try {
      if (req.params.id !== service.id) throw new CdsError(404, 'not-found', `no CDS service with id "${String(req.params.id).slice(0, 100)}"`);
      const parsed = FeedbackSchema.safeParse(req.body);
      if (!parsed.success) throw new CdsError(400, 'invalid', `invalid feedback: ${issuesText(parsed.error.issues)}`);
      const stored = deps.recordFeedback ? deps.recordFeedback(service.id, parsed.data.feedback) : 0;
      deps.logger.info({ items: parsed.data.feedback.length, stored }, 'feedback');
      res.status(200).json({});
    } catch (err) {
      next(err);
    }
  });

  router.all('/cds-services/:id', methodNotAllowed('POST'));
  router.all('/cds-services/:id/feedback', methodNotAllowed('POST'));
  return router;
}

/** Validate a request body with zod; the message names the fields but never echoes their content. */
export function parseRequest(body: unknown): CdsRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CdsError(400, 'structure', 'the request body must be a JSON object');
  const parsed = CdsRequestSchema.safeParse(body);
  if (!parsed.success) throw new CdsError(400, 'invalid', `invalid CDS Hooks request: ${issuesText(parsed.error.issues)}`);
  if (parsed.data.fhirAuthorization && !parsed.data.fhirServer)
    throw new CdsError(400, 'invalid', 'invalid CDS Hooks request: fhirServer is required with fhirAuthorization');
  return parsed.data;
}

function issuesText(issues: { path: PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`)
    .join('; ');
}

function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (!req.is(['application/json', 'application/*+json'])) {
    next(new CdsError(415, 'not-supported', 'the request body must be application/json'));
    return;
  }
  next();
}

function methodNotAllowed(allowed: string) {
  return (req: Request, res: Response): void => {
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    res
      .set('Allow', `${allowed}, OPTIONS`)
      .status(405)
      .type('application/fhir+json')
      .json(operationOutcome('not-supported', `method ${req.method} is not allowed here; use ${allowed}`));
  };
}
