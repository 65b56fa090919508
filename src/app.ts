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
import { cardIdKeyOf, type Config } from './config';
import { CardIds } from './cards/card-id';
import { fetcherFactory } from './cds/fhir-access';
import { corsPolicy, securityHeaders } from './http/hardening';
import { requireTrustedCaller } from './auth/middleware';
import { JwtVerifier } from './auth/verifier';
import { openCardStore } from './feedback/open-store';
import { IssuanceRecorder } from './feedback/issuance';
import { isPostgresUrl, type CardStore } from './feedback/store';
import { createMetrics } from './metrics';

/** Both callbacks, in order (either may be absent). */
function chain<A extends unknown[]>(a: ((...args: A) => void) | undefined, b: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    a?.(...args);
    b(...args);
  };
}

export interface AppDeps extends Omit<CdsRouteDeps, 'limits' | 'cardIds'> {
  config: Config;
  logger: Logger;
  /** False while shutting down (readiness probe). */
  isReady?: () => boolean;
  /** The JWT verifier (one per app: it holds the replay and key caches); built from config when absent. */
  verifier?: JwtVerifier;
  /** The answer threads (for the metrics), when the service uses them. */
  answerPool?: { size: number; inFlight(): number };
  /** The deployment's card ids; from config (CDS_CARD_ID_KEY, or the development key file) when absent. */
  cardIds?: CardIds;
}

export function createApp(input: AppDeps): express.Express {
  const lazy = lazyCardStore(input.config.feedbackDb, input.logger);
  const store = lazy.get;
  // Replicas sharing PostgreSQL share the jti replay cache through it, and are ready only while it can be opened.
  const sharedStore = isPostgresUrl(input.config.feedbackDb);
  const issuance = new IssuanceRecorder(store, { logger: input.logger });
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
    recordFeedback: input.recordFeedback ?? (async (serviceId, items) => (await store()).recordFeedback(serviceId, items)),
    onAnswered: chain(input.onAnswered, (serviceId, answer) => issuance.add(serviceId, answer.log.cards ?? [], answer.log.cardUuids ?? [])),
  };
  const metrics = input.config.metrics ? createMetrics(input.answerPool) : undefined;
  if (metrics) {
    deps.onAnswered = chain(deps.onAnswered, metrics.answered);
    deps.onFeedback = chain(input.onFeedback, metrics.feedback);
  }
  const app = express();
  // Resources to release when the server stops (server.ts calls it after the last request).
  // Bounded: a hung database cannot hold the shutdown past the platform's grace period.
  app.locals.release = async (): Promise<void> => {
    await withTimeout(issuance.close(), STORE_CLOSE_TIMEOUT_MS).catch((err: unknown) =>
      input.logger.error({ reason: (err as Error)?.message }, 'cards issued: the last counts were not written at shutdown'),
    );
    await withTimeout(lazy.close(), STORE_CLOSE_TIMEOUT_MS).catch(() => undefined);
  };
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(securityHeaders());
  app.use(corsPolicy(deps.config.corsOrigins));
  // Trust before parsing: an unauthenticated caller's body is never read.
  const auth = deps.config.auth;
  if (auth.mode === 'required') {
    const sharedReplay = sharedStore
      ? async (iss: string, jti: string, forgetAfterMs: number): Promise<boolean> => {
          const s = await store();
          return s.claimJti ? s.claimJti(iss, jti, forgetAfterMs) : false;
        }
      : undefined;
    const verifier =
      deps.verifier ?? new JwtVerifier({ issuers: auth.issuers, publicUrl: auth.publicUrl, skewSeconds: auth.skewSeconds, logger: deps.logger, sharedReplay });
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
  // Ready: not shutting down, and (replicas sharing PostgreSQL) the shared store reachable: without it a replica
  // refuses every authenticated call (the jti check fails closed), so the load balancer should not send it any.
  app.get('/health/ready', (_req, res, next) => {
    if (!(deps.isReady?.() ?? true)) {
      res.status(503).json({ status: 'shutting-down' });
      return;
    }
    if (!sharedStore) {
      res.status(200).json({ status: 'ready' });
      return;
    }
    withTimeout(store(), STORE_READY_TIMEOUT_MS)
      .then(
        () => res.status(200).json({ status: 'ready' }),
        () => res.status(503).json({ status: 'store-unavailable' }),
      )
      .catch(next);
  });

  app.use(
    cdsRouter({
      ...deps,
      cardIds: deps.cardIds ?? new CardIds(cardIdKeyOf(deps.config)),
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

/** How long /health/ready waits for the shared store, and shutdown for the last writes. */
const STORE_READY_TIMEOUT_MS = 2_000;
const STORE_CLOSE_TIMEOUT_MS = 5_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

interface LazyStore {
  get: () => Promise<CardStore>;
  close: () => Promise<void>;
}

/**
 * The card store from config.feedbackDb, opened on first use (a service that
 * issues no card and gets no feedback writes no file); a failed open (the
 * database not reachable yet) is tried again on the next use. Closed on shutdown.
 */
function lazyCardStore(location: string, logger: Logger): LazyStore {
  let opening: Promise<CardStore> | undefined;
  return {
    get: () => {
      const o =
        opening ??
        openCardStore(location, { logger }).catch((err: unknown) => {
          opening = undefined;
          throw err;
        });
      opening = o;
      return o;
    },
    close: async () => {
      const o = opening;
      opening = undefined;
      if (o) await (await o.catch(() => undefined))?.close();
    },
  };
}
