/**
 * A remote JWK Set fetched with a `fetch` implementation, for when the caller
 * injects one (jose 5's createRemoteJWKSet uses node:http and cannot take a
 * fetch). Same behaviour as jose's: fetched on first use, cached for
 * `cacheMaxAgeMs`, refetched when no key matches the token's `kid` (at most
 * once per `cooldownMs`), concurrent loads shared. Redirects are refused and
 * the whole fetch is bounded by `timeoutMs`.
 */
import { createLocalJWKSet, errors, type JWTVerifyGetKey } from 'jose';

export interface FetchJwksOptions {
  fetchImpl: typeof fetch;
  timeoutMs: number;
  cooldownMs: number;
  cacheMaxAgeMs: number;
  /** Largest JWK Set body accepted (default 1 MiB). */
  maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;

export function createFetchJwks(url: string, options: FetchJwksOptions): JWTVerifyGetKey {
  let local: ReturnType<typeof createLocalJWKSet> | undefined;
  let loadedAt: number | undefined;
  let pending: Promise<void> | undefined;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;

  const coolingDown = (): boolean => loadedAt !== undefined && Date.now() < loadedAt + options.cooldownMs;
  const fresh = (): boolean => loadedAt !== undefined && Date.now() < loadedAt + options.cacheMaxAgeMs;

  const load = async (): Promise<void> => {
    let response: Response;
    try {
      response = await options.fetchImpl(url, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new errors.JWKSTimeout();
      throw err;
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw new errors.JOSEError(`Expected 200 OK from the JSON Web Key Set HTTP response, got ${response.status}`);
    }
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw new errors.JOSEError('JSON Web Key Set HTTP response too large');
    }
    let text: string;
    try {
      text = await response.text();
    } catch (err) {
      const name = (err as Error)?.name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new errors.JWKSTimeout();
      throw err;
    }
    if (text.length > maxBytes) throw new errors.JOSEError('JSON Web Key Set HTTP response too large');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new errors.JOSEError('Failed to parse the JSON Web Key Set HTTP response as JSON');
    }
    local = createLocalJWKSet(json as Parameters<typeof createLocalJWKSet>[0]);
    loadedAt = Date.now();
  };

  const reload = (): Promise<void> => {
    pending ??= load().finally(() => {
      pending = undefined;
    });
    return pending;
  };

  return async (header, token) => {
    if (!local || !fresh()) await reload();
    try {
      return await local!(header, token);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey && !coolingDown()) {
        await reload();
        return local!(header, token);
      }
      throw err;
    }
  };
}
