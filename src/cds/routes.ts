/**
 * The CDS Hooks endpoints as express handlers: discovery, invocation and
 * feedback. Thin: invocation is `answerHookRequest` (the use case), feedback
 * is validated and handed to the store; errors go to the app's one error handler.
 */
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ClinicalSettings } from '../clinical/settings';
import { epochNow, today } from '../clock';
import type { Knowledge } from '../knowledge';
import { FeedbackSchema, type FeedbackRequest } from '../protocol/cds-hooks';
import { CdsError, operationOutcome } from '../protocol/operation-outcome';
import { zodIssues } from '../protocol/zod-issues';
import { boundBody, type BodyBounds } from '../http/hardening';
import { serviceFor } from './definition';
import type { Caller, FetcherFactory } from '../use-case/answer-hook-request';
import type { CardIds } from '../cards/card-id';
import type { RawAnswer, RawRequest } from '../use-case/answer-raw';

export interface CdsRouteDeps {
  knowledge: Knowledge;
  settings: ClinicalSettings;
  logger: Logger;
  /** The evaluation date (tests and the CLI pass one in; the service uses today). */
  clock?: () => string;
  /** FHIR server fallback for keys the client did not prefetch (issue #3). */
  fetcherFor?: FetcherFactory;
  /** Where feedback goes; resolves to how many items were new, once they are stored (the 200 acknowledges a write). */
  recordFeedback?: (serviceId: string, items: FeedbackRequest['feedback']) => Promise<number>;
  /** The deployment's card ids (for invocations answered in this thread). */
  cardIds: CardIds;
  /** Body limits: size (for the parsers), nesting depth and prefetch size (checked where the body is parsed). */
  limits: { bodyLimit: string; bounds: BodyBounds };
  /** Answers an invocation from its raw body: the answer worker threads in the service; in this thread when absent. */
  answer?: (request: RawRequest) => Promise<RawAnswer>;
  /** Told of every answered invocation, and of feedback received (metrics). */
  onAnswered?: (serviceId: string, answer: RawAnswer, seconds: number) => void;
  onFeedback?: (serviceId: string, items: number) => void;
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
  const answerDeps = { knowledge: deps.knowledge, settings: deps.settings, clock: deps.clock ?? today, fetcherFor: deps.fetcherFor, cardIds: deps.cardIds };

  router.get('/cds-services', (_req, res) => {
    res.json(discovery);
  });
  router.all('/cds-services', methodNotAllowed('GET'));

  // The body is read as text here and parsed where it is answered (a worker thread in the service): the request thread stays free.
  const jsonTypes = ['application/json', 'application/*+json'];
  const rawBody = express.text({ limit: deps.limits.bodyLimit, type: jsonTypes });
  // Answered in this thread only when no answer threads were given (tests, CDS_WORKERS=0): loaded then, so a
  // request thread that hands invocations to worker threads never loads the rules (FHIRPath, the card templates).
  const answer = deps.answer ?? (async (request: RawRequest) => (await import('../use-case/answer-raw')).answerRaw(request, answerDeps, deps.limits.bounds));
  router.post(`/cds-services/:id`, requireJson, rawBody, async (req: Request, res: Response, next: NextFunction) => {
    const receivedAt = epochNow();
    try {
      const service = serviceFor(services, String(req.params.id));
      const caller = res.locals.caller as { issuer: Caller } | undefined;
      const result = await answer({ serviceId: service.id, body: typeof req.body === 'string' ? req.body : '', caller: caller?.issuer, receivedAt });
      const { reason, ...fields } = result.log;
      if (result.status === 200) deps.logger.info({ serviceId: service.id, ...fields }, 'evaluated');
      else
        (result.status >= 500 ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger))(
          { status: result.status, method: req.method, path: req.path.slice(0, 200), reason },
          'request failed',
        );
      deps.onAnswered?.(service.id, result, (epochNow() - receivedAt) / 1000);
      res.status(result.status).type(result.contentType).send(result.body);
    } catch (err) {
      next(err);
    }
  });

  const jsonBody = express.json({ limit: deps.limits.bodyLimit, type: jsonTypes, strict: true });
  router.post(`/cds-services/:id/feedback`, requireJson, jsonBody, boundBody(deps.limits.bounds), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const service = serviceFor(services, String(req.params.id));
      const parsed = FeedbackSchema.safeParse(req.body);
      if (!parsed.success) throw new CdsError(400, 'invalid', `invalid feedback: ${zodIssues(parsed.error)}`);
      let stored = 0;
      try {
        stored = deps.recordFeedback ? await deps.recordFeedback(service.id, parsed.data.feedback) : 0;
      } catch (err) {
        // Not acknowledged: the client may send it again (duplicates are stored once).
        deps.logger.error({ reason: (err as Error)?.message?.slice(0, 200) }, 'feedback could not be stored');
        throw new CdsError(503, 'transient', 'feedback could not be stored now; send it again');
      }
      deps.logger.info({ items: parsed.data.feedback.length, stored }, 'feedback');
      deps.onFeedback?.(service.id, parsed.data.feedback.length);
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
