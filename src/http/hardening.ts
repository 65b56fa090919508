/**
 * Hygiene for every response and every request body: security headers, CORS
 * for browser clients (the CDS Hooks Sandbox, EHR web views), and bounds on
 * JSON nesting and prefetch size so no body can exhaust memory or the stack.
 */
import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { CdsError } from '../protocol/operation-outcome';

export function securityHeaders(): RequestHandler {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.set({
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'Cache-Control': 'no-store',
      'Strict-Transport-Security': 'max-age=31536000',
    });
    next();
  };
}

/** CORS: the configured origins (default `*`, without credentials); preflight answered 204. */
export function corsPolicy(origins: readonly string[]): RequestHandler {
  const any = origins.length === 0 || origins.includes('*');
  return cors({
    origin: any ? '*' : [...origins],
    credentials: false,
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Accept', 'X-Requested-With'],
    maxAge: 600,
    optionsSuccessStatus: 204,
  });
}

/**
 * Depth of a parsed JSON value, walked iteratively (no recursion to overflow);
 * stops early once `limit` is passed.
 */
export function jsonDepthExceeds(value: unknown, limit: number): boolean {
  // Two parallel stacks and for-in (no tuple or Object.values allocation per node): this walks every node of a large chart.
  const values: unknown[] = [value];
  const depths: number[] = [1];
  while (values.length > 0) {
    const v = values.pop() as Record<string, unknown> | unknown[];
    const depth = depths.pop() as number;
    if (depth > limit) return true;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const child = v[i];
        if (typeof child === 'object' && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const k in v) {
        const child = v[k];
        if (typeof child === 'object' && child !== null) {
          values.push(child);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** Count of FHIR resources in the prefetch (Bundle entries and single resources). */
export function prefetchResourceCount(prefetch: unknown): number {
  if (typeof prefetch !== 'object' || prefetch === null) return 0;
  let n = 0;
  for (const v of Object.values(prefetch)) {
    if (typeof v !== 'object' || v === null) continue;
    const entry = (v as { entry?: unknown }).entry;
    n += Array.isArray(entry) ? entry.length : 1;
  }
  return n;
}

export interface BodyBounds {
  maxDepth: number;
  maxPrefetchResources: number;
}

/** The bound a parsed body breaks (400 too deep, 413 too many prefetched resources), or undefined. */
export function bodyBoundsError(body: unknown, bounds: BodyBounds): CdsError | undefined {
  if (body === undefined || body === null || typeof body !== 'object') return undefined;
  if (jsonDepthExceeds(body, bounds.maxDepth)) return new CdsError(400, 'too-costly', `the request body is nested deeper than ${bounds.maxDepth} levels`);
  const count = prefetchResourceCount((body as { prefetch?: unknown }).prefetch);
  if (count > bounds.maxPrefetchResources)
    return new CdsError(413, 'too-costly', `the prefetch holds ${count} resources; at most ${bounds.maxPrefetchResources} are read`);
  return undefined;
}

/** The bounds as express middleware, for bodies parsed by express (feedback). */
export function boundBody(bounds: BodyBounds): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    next(bodyBoundsError(req.body, bounds));
  };
}
