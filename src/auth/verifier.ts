/**
 * Verifies the CDS client's `Authorization: Bearer <JWT>` (CDS Hooks 2.0,
 * "Trusting CDS Clients"):
 *
 * - header: `alg` asymmetric only (never `none`, never HMAC), `kid` and
 *   `typ: JWT` present;
 * - `iss` on the trusted-issuers list; keys only from that issuer: its inline
 *   `jwks`, its `jwksUri`, or the token's `jku` when that URL is exactly on the
 *   issuer's `jkuAllowlist` (any other `jku` is ignored, never fetched);
 * - signature (jose `jwtVerify`, algorithms pinned);
 * - `aud` (string or array) contains the exact URL called: public base URL + path;
 * - `exp`, `iat` (not in the future), `nbf` if present, with clock skew;
 *   `exp - iat` within a sanity bound;
 * - `jti` present, and not seen before for this issuer while the token lives.
 *
 * Every failure is an AuthError whose `reason` is for the log only; the client
 * gets a bare 401 (see middleware.ts). The token itself is never logged.
 */
import {
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type ProtectedHeaderParameters,
} from 'jose';
import type { Logger } from 'pino';
import { createFetchJwks } from './fetch-jwks';
import type { TrustedIssuer } from './issuers';
import { ReplayCache } from './replay-cache';

/** Asymmetric JWS algorithms accepted (CDS Hooks recommends ES384 and RS384). */
export const ALLOWED_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;
const ALLOWED_ALG_SET: ReadonlySet<string> = new Set(ALLOWED_ALGORITHMS);

/** Longest compact JWT accepted (an Authorization header is small; this bounds decoding work). */
export const MAX_TOKEN_LENGTH = 16 * 1024;
/** Longest `jti` accepted (UUIDs are 36; this bounds the replay cache's memory). */
export const MAX_JTI_LENGTH = 256;

/** The shared replay cache could not be asked: the call is refused with a 503 (never let a possible replay through). */
export class ReplayCheckUnavailable extends Error {
  override readonly name = 'ReplayCheckUnavailable';
}

export class AuthError extends Error {
  override readonly name = 'AuthError';
  constructor(
    /** Why verification failed: for the log, never for the client. */
    readonly reason: string,
    /** Unverified context for the log (never the token). */
    readonly context: { iss?: string; kid?: string } = {},
  ) {
    super(`authentication failed: ${reason}`);
  }
}

export interface VerifiedCaller {
  iss: string;
  jti: string;
  issuer: TrustedIssuer;
  tenant?: string;
}

export interface JwtVerifierOptions {
  issuers: TrustedIssuer[];
  /**
   * The service's public base URL(s), e.g. https://cds.example.org (the `aud` is
   * this + the path called). Several when clients reach it under several names
   * (http://localhost:3000 and http://127.0.0.1:3000); a token matching any is accepted.
   */
  publicUrl: string | readonly string[];
  /** Clock tolerance for exp / iat / nbf, and extra time a jti is remembered (default 60). */
  skewSeconds?: number;
  /** Largest accepted `exp - iat`, and oldest accepted `iat` (default 3600; Infinity disables). */
  maxTokenLifetimeSeconds?: number;
  /** Replay cache bound (default 10 000). */
  replayCacheSize?: number;
  /**
   * The replay cache replicas share (PostgreSQL: CardStore.claimJti): records
   * (iss, jti) until `forgetAfterMs` and answers whether it was already there.
   * Asked after this process's own cache, so a token replayed to any replica is
   * refused. When it cannot answer, the call is refused with a 503 (fail closed).
   */
  sharedReplay?: (iss: string, jti: string, forgetAfterMs: number) => Promise<boolean>;
  /** Time limit for one JWK Set fetch (default 3000). */
  jwksFetchTimeoutMs?: number;
  /** Minimum time between two fetches of one JWK Set on an unknown kid (default 30 000). */
  jwksCooldownMs?: number;
  /** How long a fetched JWK Set is used before it is fetched again (default 600 000). */
  jwksCacheMaxAgeMs?: number;
  logger: Logger;
  /**
   * When given, JWK Sets are fetched with it (bounded by AbortSignal.timeout);
   * otherwise jose's createRemoteJWKSet (node:http/https) is used.
   */
  fetchImpl?: typeof fetch;
}

/** `publicUrl` without trailing slashes; throws on anything but an absolute http(s) URL without query or fragment. */
export function normalisePublicUrl(publicUrl: string): string {
  let url: URL;
  try {
    url = new URL(publicUrl);
  } catch {
    throw new Error(`public URL is not an absolute URL: ${JSON.stringify(publicUrl)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`public URL must be http(s): ${publicUrl}`);
  if (url.search || url.hash || url.username || url.password) {
    throw new Error(`public URL must not have a query, fragment or credentials: ${publicUrl}`);
  }
  return publicUrl.replace(/\/+$/, '');
}

export class JwtVerifier {
  private readonly issuers = new Map<string, TrustedIssuer>();
  private readonly localSets = new Map<string, JWTVerifyGetKey>();
  /** One remote set per URL (only configured jwksUri and allowlisted jku URLs ever get here). */
  private readonly remoteSets = new Map<string, JWTVerifyGetKey>();
  private readonly replay: ReplayCache;
  private readonly sharedReplay?: JwtVerifierOptions['sharedReplay'];
  private readonly baseUrls: string[];
  private readonly skew: number;
  private readonly maxLifetime: number;
  private readonly fetchTimeoutMs: number;
  private readonly cooldownMs: number;
  private readonly cacheMaxAgeMs: number;
  private readonly logger: Logger;
  private readonly fetchImpl?: typeof fetch;

  constructor(options: JwtVerifierOptions) {
    this.baseUrls = (typeof options.publicUrl === 'string' ? [options.publicUrl] : [...options.publicUrl]).map(normalisePublicUrl);
    if (this.baseUrls.length === 0) throw new Error('public URL missing');
    this.skew = options.skewSeconds ?? 60;
    this.maxLifetime = options.maxTokenLifetimeSeconds ?? 3600;
    if (!(this.skew >= 0)) throw new RangeError('skewSeconds must be >= 0');
    if (!(this.maxLifetime > 0)) throw new RangeError('maxTokenLifetimeSeconds must be > 0');
    this.fetchTimeoutMs = options.jwksFetchTimeoutMs ?? 3000;
    this.cooldownMs = options.jwksCooldownMs ?? 30_000;
    this.cacheMaxAgeMs = options.jwksCacheMaxAgeMs ?? 600_000;
    this.logger = options.logger;
    this.fetchImpl = options.fetchImpl;
    this.replay = new ReplayCache({ maxEntries: options.replayCacheSize, skewSeconds: this.skew });
    this.sharedReplay = options.sharedReplay;
    for (const issuer of options.issuers) {
      if (this.issuers.has(issuer.iss)) throw new Error(`duplicate trusted issuer ${issuer.iss}`);
      this.issuers.set(issuer.iss, issuer);
      if (issuer.jwks) this.localSets.set(issuer.iss, createLocalJWKSet(issuer.jwks));
    }
  }

  /** The exact `aud` expected for a call to `path` (query string ignored), under the first public URL. */
  audienceFor(path: string): string {
    return this.audiencesFor(path)[0];
  }

  /** Every `aud` accepted for a call to `path`: one per public URL. */
  audiencesFor(path: string): string[] {
    const bare = path.split('?')[0] ?? '';
    return this.baseUrls.map((base) => base + (bare.startsWith('/') ? bare : `/${bare}`));
  }

  async verify(authorization: string | undefined, path: string): Promise<VerifiedCaller> {
    const token = bearerToken(authorization);

    let header: ProtectedHeaderParameters;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new AuthError('malformed token header');
    }
    const kid = typeof header.kid === 'string' ? header.kid.slice(0, 200) : undefined;
    checkAlg(header.alg, kid);
    if (typeof header.kid !== 'string' || header.kid === '') throw new AuthError('kid missing from token header');
    if (typeof header.typ !== 'string' || header.typ.toLowerCase().replace(/^application\//, '') !== 'jwt') {
      throw new AuthError('typ must be JWT', { kid });
    }

    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new AuthError('malformed token payload', { kid });
    }
    if (typeof claims.iss !== 'string' || claims.iss === '') throw new AuthError('iss missing', { kid });
    const iss = claims.iss;
    const context = { iss: iss.slice(0, 200), kid };
    const issuer = this.issuers.get(iss);
    if (!issuer) throw new AuthError('unknown issuer', context);

    const getKey = this.keyResolver(issuer, header, context);
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, {
        algorithms: [...ALLOWED_ALGORITHMS],
        issuer: iss,
        audience: this.audiencesFor(path),
        clockTolerance: this.skew,
        requiredClaims: ['exp', 'iat', 'jti'],
        maxTokenAge: this.maxLifetime,
        typ: 'JWT',
      }));
    } catch (err) {
      throw toAuthError(err, context);
    }

    const { jti, exp, iat } = payload as { jti: unknown; exp: number; iat: number };
    if (typeof jti !== 'string' || jti === '') throw new AuthError('jti missing or empty', context);
    if (jti.length > MAX_JTI_LENGTH) throw new AuthError('jti too long', context);
    if (exp - iat > this.maxLifetime) throw new AuthError('token lifetime (exp - iat) exceeds maximum', context);
    if (this.replay.seen(iss, jti, exp)) throw new AuthError('jti replayed', context);
    if (this.sharedReplay) {
      let replayed: boolean;
      try {
        replayed = await this.sharedReplay(iss, jti, (exp + this.skew) * 1000);
      } catch (err) {
        throw new ReplayCheckUnavailable((err as Error)?.message ?? String(err));
      }
      if (replayed) throw new AuthError('jti replayed (seen by another replica)', context);
    }

    const caller: VerifiedCaller = { iss, jti, issuer };
    if (typeof payload.tenant === 'string' && payload.tenant !== '') caller.tenant = payload.tenant;
    return caller;
  }

  /** The keys this issuer may sign with, tried in order: allowlisted jku, inline jwks, jwksUri. */
  private keyResolver(issuer: TrustedIssuer, header: ProtectedHeaderParameters, context: { iss?: string; kid?: string }): JWTVerifyGetKey {
    const sources: JWTVerifyGetKey[] = [];
    const jku = typeof header.jku === 'string' ? header.jku : undefined;
    const jkuAllowed = jku !== undefined && (issuer.jkuAllowlist ?? []).includes(jku);
    if (jku !== undefined && jkuAllowed) sources.push(this.remoteSet(jku));
    const local = this.localSets.get(issuer.iss);
    if (local) sources.push(local);
    if (issuer.jwksUri && issuer.jwksUri !== (jkuAllowed ? jku : undefined)) sources.push(this.remoteSet(issuer.jwksUri));

    if (jku !== undefined && !jkuAllowed) {
      this.logger.debug({ iss: context.iss, jkuHost: hostOf(jku) }, "jku not on the issuer's allowlist: ignored (not fetched)");
      if (sources.length === 0) throw new AuthError('jku not on allowlist and no configured keys', context);
    }
    if (sources.length === 0) throw new AuthError('no jku and no configured keys for this issuer', context);
    if (sources.length === 1) return sources[0];

    return async (protectedHeader, token) => {
      let failure: unknown;
      for (const source of sources) {
        try {
          return await source(protectedHeader, token);
        } catch (err) {
          // Prefer a real failure (fetch, timeout) over "no matching key" when reporting.
          if (failure === undefined || (failure instanceof errors.JWKSNoMatchingKey && !(err instanceof errors.JWKSNoMatchingKey))) {
            failure = err;
          }
        }
      }
      throw failure;
    };
  }

  private remoteSet(url: string): JWTVerifyGetKey {
    let set = this.remoteSets.get(url);
    if (!set) {
      // One path in production and in tests: a total deadline (jose's own remote set only bounds idle time) and no redirects.
      set = createFetchJwks(url, {
        fetchImpl: this.fetchImpl ?? fetch,
        timeoutMs: this.fetchTimeoutMs,
        cooldownMs: this.cooldownMs,
        cacheMaxAgeMs: this.cacheMaxAgeMs,
      });
      this.remoteSets.set(url, set);
      this.logger.info({ jwksHost: hostOf(url) }, 'JWK Set source registered');
    }
    return set;
  }
}

function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined || authorization === '') throw new AuthError('no Authorization header');
  const match = /^Bearer +([^\s]+) *$/i.exec(authorization);
  if (!match) throw new AuthError('Authorization is not "Bearer <token>"');
  const token = match[1];
  if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('token too long');
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw new AuthError('token is not a compact JWS');
  return token;
}

function checkAlg(alg: unknown, kid: string | undefined): void {
  if (typeof alg !== 'string' || alg === '') throw new AuthError('alg missing from token header', { kid });
  if (alg.toLowerCase() === 'none') throw new AuthError('alg none not allowed', { kid });
  if (/^HS/i.test(alg)) throw new AuthError(`HMAC alg ${alg.slice(0, 20)} not allowed`, { kid });
  if (!ALLOWED_ALG_SET.has(alg)) throw new AuthError(`alg ${alg.slice(0, 20)} not allowed`, { kid });
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid)';
  }
}

/** Map a jose (or fetch) error to an AuthError with a specific reason. */
function toAuthError(err: unknown, context: { iss?: string; kid?: string }): AuthError {
  if (err instanceof AuthError) return err;
  const reason = (r: string): AuthError => new AuthError(r, context);
  if (err instanceof errors.JWTExpired) return reason(err.claim === 'iat' ? 'token too old (iat)' : 'expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason: why } = err;
    if (why === 'missing') return reason(`${claim} missing`);
    if (why === 'invalid') return reason(`${claim} is not a number`);
    switch (claim) {
      case 'aud':
        return reason('aud mismatch');
      case 'iss':
        return reason('iss mismatch');
      case 'nbf':
        return reason('not yet valid (nbf)');
      case 'iat':
        return reason('iat in the future');
      case 'typ':
        return reason('typ must be JWT');
      default:
        return reason(`claim ${claim} invalid`);
    }
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return reason('alg not allowed');
  if (err instanceof errors.JWSSignatureVerificationFailed) return reason('signature invalid');
  if (err instanceof errors.JWKSNoMatchingKey) return reason('no key matches kid');
  if (err instanceof errors.JWKSMultipleMatchingKeys) return reason('several keys match kid');
  if (err instanceof errors.JWKSTimeout) return reason('jwks fetch timed out');
  if (err instanceof errors.JWKSInvalid) return reason('jwks invalid');
  if (err instanceof errors.JWKInvalid) return reason('jwk invalid');
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return reason('malformed token');
  if (err instanceof errors.JOSENotSupported) return reason('key or alg not supported');
  if (err instanceof errors.JOSEError) return reason('jwks fetch failed');
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return reason(code ? `jwks fetch failed (${String(code).slice(0, 40)})` : 'jwks fetch failed');
}
