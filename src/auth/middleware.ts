/**
 * Express middleware: only trusted CDS clients pass. On success the verified
 * caller is in `res.locals.caller`; on any failure the answer is the same bare
 * 401 (no reason, so a prober learns nothing) and the reason goes to the log
 * at warn level. The token and the Authorization header are never logged.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { operationOutcome } from '../protocol/operation-outcome';
import { AuthError, ReplayCheckUnavailable, type JwtVerifier, type VerifiedCaller } from './verifier';

declare global {
  namespace Express {
    interface Locals {
      /** Set by requireTrustedCaller once the caller's JWT is verified. */
      caller?: VerifiedCaller;
    }
  }
}

/** The one body sent for every authentication failure. */
export const UNAUTHORIZED_BODY = operationOutcome('login', 'authentication failed');

export function requireTrustedCaller(verifier: JwtVerifier, logger: Logger): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    // CORS preflights carry no credentials; the cors middleware answers them.
    if (req.method === 'OPTIONS') {
      next();
      return;
    }
    const path = (req.originalUrl || req.url).split('?')[0] ?? '/';
    let caller: VerifiedCaller;
    try {
      caller = await verifier.verify(req.headers.authorization, path);
    } catch (err) {
      if (err instanceof ReplayCheckUnavailable) {
        logger.error({ reason: 'shared jti replay cache unavailable', detail: err.message.slice(0, 200), path: path.slice(0, 200) }, 'call refused');
        res
          .status(503)
          .set('Retry-After', '1')
          .type('application/fhir+json')
          .json(operationOutcome('transient', 'the service cannot check this call now; retry'));
        return;
      }
      const reason = err instanceof AuthError ? err.reason : 'verification error';
      const context = err instanceof AuthError ? err.context : {};
      logger.warn(
        {
          reason,
          claimedIss: context.iss,
          kid: context.kid,
          method: req.method,
          path: path.slice(0, 200),
          ...(err instanceof AuthError ? {} : { errName: (err as Error)?.name }),
        },
        'authentication failed',
      );
      res.status(401).set('WWW-Authenticate', 'Bearer').type('application/fhir+json').json(UNAUTHORIZED_BODY);
      return;
    }
    res.locals.caller = caller;
    logger.debug({ iss: caller.iss, tenant: caller.tenant, path: path.slice(0, 200) }, 'caller authenticated');
    next();
  };
}
