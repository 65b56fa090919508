/**
 * The express application: JSON parsing with limits, the CDS routes, and one
 * error handler that turns everything into an OperationOutcome with the right
 * status (no stack traces ever reach a client).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { operationOutcome } from './protocol/operation-outcome';
import { toErrorResponse } from './http/errors';
import { cdsRouter, type CdsRouteDeps } from './cds/routes';
import type { Config } from './config';
import { fetcherFactory } from './cds/fhir-access';
import { corsPolicy, securityHeaders } from './http/hardening';
import { requireTrustedCaller } from './auth/middleware';
import { JwtVerifier } from './auth/verifier';
import { FeedbackStore } from './feedback/store';
import { createMetrics } from './metrics';

/** Both callbacks, in order (either may be absent). */
function chain<A extends unknown[]>(a: ((...args: A) => void) | undefined, b: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    a?.(...args);
    b(...args);
  };
}

export interface AppDeps extends Omit<CdsRouteDeps, 'limits'> {
  config: Config;
  logger: Logger;
  /** False while shutting down (readiness probe). */
  isReady?: () => boolean;
  /** The JWT verifier (one per app: it holds the replay and key caches); built from config when absent. */
  verifier?: JwtVerifier;
  /** The answer threads (for the metrics), when the service uses them. */
  answerPool?: { size: number; inFlight(): number };
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
  const metrics = input.config.metrics ? createMetrics(input.answerPool) : undefined;
  if (metrics) {
    deps.onAnswered = chain(input.onAnswered, metrics.answered);
    deps.onFeedback = chain(input.onFeedback, metrics.feedback);
  }
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

  // Prometheus scrapes this: outside /cds-services, so the CDS callers' JWT is not asked for (CDS_METRICS=off removes it).
  if (metrics) {
    app.get('/metrics', (_req, res, next) => {
      metrics.registry.metrics().then((text) => res.type(metrics.registry.contentType).send(text), next);
    });
  }
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', (_req, res) => {
    const ready = deps.isReady?.() ?? true;
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'shutting-down' });
  });

  app.use(
    cdsRouter({
      ...deps,
      limits: { bodyLimit: deps.config.bodyLimit, bounds: { maxDepth: deps.config.maxJsonDepth, maxPrefetchResources: deps.config.maxPrefetchResources } },
    }),
  );

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
