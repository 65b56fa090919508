/**
 * The express application: JSON parsing with limits, the CDS routes, and one
 * error handler that turns everything into an OperationOutcome with the right
 * status (no stack traces ever reach a client).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { CdsError, operationOutcome } from './protocol/operation-outcome';
import { cdsRouter, type CdsRouteDeps } from './cds/routes';
import type { Config } from './config';
import { fetcherFactory } from './cds/fhir-access';
import { boundBody, corsPolicy, securityHeaders } from './http/hardening';
import { requireTrustedCaller } from './auth/middleware';
import { JwtVerifier } from './auth/verifier';
import { FeedbackStore } from './feedback/store';

export interface AppDeps extends CdsRouteDeps {
  config: Config;
  logger: Logger;
  /** False while shutting down (readiness probe). */
  isReady?: () => boolean;
  /** The JWT verifier (one per app: it holds the replay and key caches); built from config when absent. */
  verifier?: JwtVerifier;
}

export function createApp(input: AppDeps): express.Express {
  const feedback = input.recordFeedback ? undefined : lazyFeedbackStore(input.config.feedbackDb);
  const deps: AppDeps = {
    ...input,
    fetcherFor:
      input.fetcherFor ??
      fetcherFactory({
        settings: input.config.fetch,
        logger: input.logger,
        allowlist: input.config.fhirServerAllowlist,
        requireHttps: input.config.production,
      }),
    recordFeedback: input.recordFeedback ?? feedback?.record,
  };
  const app = express();
  // Resources to release when the server stops (server.ts calls it after the last request).
  app.locals.release = (): void => feedback?.close();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(securityHeaders());
  app.use(corsPolicy(deps.config.corsOrigins));
  // Trust before parsing: an unauthenticated caller's body is never read.
  const auth = deps.config.auth;
  if (auth.mode === 'required') {
    const verifier = deps.verifier ?? new JwtVerifier({ issuers: auth.issuers, publicUrl: auth.publicUrl, skewSeconds: auth.skewSeconds, logger: deps.logger });
    app.use('/cds-services', requireTrustedCaller(verifier, deps.logger));
  }
  app.use(express.json({ limit: deps.config.bodyLimit, type: ['application/json', 'application/*+json'], strict: true }));
  app.use(boundBody({ maxDepth: deps.config.maxJsonDepth, maxPrefetchResources: deps.config.maxPrefetchResources }));

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', (_req, res) => {
    const ready = deps.isReady?.() ?? true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'shutting-down' });
  });

  app.use(cdsRouter(deps));

  app.use((req: Request, res: Response) => {
    res
      .status(404)
      .type('application/fhir+json')
      .json(operationOutcome('not-found', `nothing at ${req.method} ${req.path.slice(0, 200)}`));
  });

  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body, reason } = toErrorResponse(err);
    const log = status >= 500 ? deps.logger.error.bind(deps.logger) : deps.logger.warn.bind(deps.logger);
    log({ status, method: req.method, path: req.path.slice(0, 200), reason }, 'request failed');
    if (res.headersSent) return;
    res.status(status).type('application/fhir+json').json(body);
  });
  return app;
}

/** The SQLite feedback store, opened on the first feedback (so a service that gets none writes no file), closed on shutdown. */
function lazyFeedbackStore(file: string): { record: NonNullable<AppDeps['recordFeedback']>; close: () => void } {
  let store: FeedbackStore | undefined;
  return {
    record: (serviceId, items) => {
      store ??= new FeedbackStore(file);
      return store.record(serviceId, items);
    },
    close: () => {
      store?.close();
      store = undefined;
    },
  };
}

/** Map any thrown value to a status and an OperationOutcome; internal detail only in `reason`. */
export function toErrorResponse(err: unknown): { status: number; body: ReturnType<typeof operationOutcome>; reason: string } {
  if (err instanceof CdsError) {
    return { status: err.status, body: operationOutcome(err.code, err.message), reason: err.internalReason ?? err.message };
  }
  const e = err as { type?: string; status?: number; message?: string } | undefined;
  switch (e?.type) {
    case 'entity.parse.failed':
      return { status: 400, body: operationOutcome('structure', 'the request body is not valid JSON'), reason: 'JSON parse failed' };
    case 'entity.too.large':
      return { status: 413, body: operationOutcome('too-costly', 'the request body is too large'), reason: 'body too large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, body: operationOutcome('not-supported', 'unsupported content encoding or charset'), reason: e.type };
    case 'request.aborted':
      return { status: 400, body: operationOutcome('incomplete', 'the request was aborted'), reason: 'aborted' };
    case 'request.size.invalid':
      return { status: 400, body: operationOutcome('structure', 'the request body length does not match Content-Length'), reason: e.type };
    default:
      break;
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, body: operationOutcome('invalid', 'the request could not be processed'), reason: e.message ?? 'client error' };
  }
  return { status: 500, body: operationOutcome('exception', 'internal error'), reason: (err as Error)?.stack ?? String(err) };
}
