/**
 * The CDS Hooks endpoints as express handlers: discovery, invocation and
 * feedback. Thin: invocation is `answerHookRequest` (the use case), feedback
 * is validated and handed to the store; errors go to the app's one error handler.
 */
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ClinicalSettings } from '../clinical/settings';
import { today } from '../engine';
import type { Knowledge } from '../knowledge';
import { hashIdentifier } from '../logger';
import { FeedbackSchema, type FeedbackRequest } from '../protocol/cds-hooks';
import { CdsError, operationOutcome } from '../protocol/operation-outcome';
import { zodIssues } from '../protocol/zod-issues';
import { answerHookRequest, serviceFor, type Caller, type FetcherFactory } from '../use-case/answer-hook-request';

export interface CdsRouteDeps {
  knowledge: Knowledge;
  settings: ClinicalSettings;
  logger: Logger;
  /** The evaluation date (tests and the CLI pass one in; the service uses today). */
  clock?: () => string;
  /** FHIR server fallback for keys the client did not prefetch (issue #3). */
  fetcherFor?: FetcherFactory;
  /** Where feedback goes; returns how many items were new. */
  recordFeedback?: (serviceId: string, items: FeedbackRequest['feedback']) => number;
}

export function cdsRouter(deps: CdsRouteDeps): Router {
  const router = Router();
  const { services } = deps.knowledge;
  const discovery = {
    services: services.map((service) => ({
      hook: service.hook,
      id: service.id,
      title: service.title,
      description: service.description,
      prefetch: service.prefetch,
      ...(service.usageRequirements ? { usageRequirements: service.usageRequirements } : {}),
    })),
  };
  const answerDeps = { knowledge: deps.knowledge, settings: deps.settings, clock: deps.clock ?? today, fetcherFor: deps.fetcherFor };

  router.get('/cds-services', (_req, res) => {
    res.json(discovery);
  });
  router.all('/cds-services', methodNotAllowed('GET'));

  router.post(`/cds-services/:id`, requireJson, async (req: Request, res: Response, next: NextFunction) => {
    try {
      const service = serviceFor(services, String(req.params.id));
      const caller = res.locals.caller as { issuer: Caller } | undefined;
      const answer = await answerHookRequest(req.body, answerDeps, caller?.issuer, service.id);
      const body = req.body as { hookInstance?: unknown; context?: { patientId?: unknown } };
      deps.logger.info(
        {
          service: service.id,
          hookInstance: String(body.hookInstance).slice(0, 64),
          patientRef: hashIdentifier(String(body.context?.patientId)),
          keys: answer.keys,
          resources: answer.resourceCount,
          cards: answer.codes,
          ...(answer.notes.length > 0 ? { notes: answer.notes } : {}),
        },
        'evaluated',
      );
      res.json(answer.response);
    } catch (err) {
      next(err);
    }
  });

  router.post(`/cds-services/:id/feedback`, requireJson, (req: Request, res: Response, next: NextFunction) => {
    try {
      const service = serviceFor(services, String(req.params.id));
      const parsed = FeedbackSchema.safeParse(req.body);
      if (!parsed.success) throw new CdsError(400, 'invalid', `invalid feedback: ${zodIssues(parsed.error)}`);
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
