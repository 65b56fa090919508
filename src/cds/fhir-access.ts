/**
 * Which FHIR servers the service may call, and the fetcher for a request.
 * A `fhirServer` off the allowlist is refused without any network call.
 */
import type { Logger } from 'pino';
import { createFhirFetcher, type FetchSettings } from './fhir-fetch';
import type { FhirFallback } from './prefetch';
import type { CdsRequest } from '../protocol/cds-hooks';

import { isLoopbackHostname } from '../http/loopback';

/**
 * True when `fhirServer` is allowed: it starts with one of the allowlist's base
 * URLs (compared by origin and path prefix); `'loopback'` allows loopback only;
 * an empty list allows nothing.
 */
export function isAllowedFhirServer(fhirServer: string, allowlist: readonly string[] | 'loopback'): boolean {
  let url: URL;
  try {
    url = new URL(fhirServer);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username || url.password) return false;
  if (allowlist === 'loopback') return isLoopbackHostname(url.hostname);
  return allowlist.some((entry) => {
    try {
      const allowed = new URL(entry);
      const path = allowed.pathname.replace(/\/+$/, '');
      return allowed.origin === url.origin && (url.pathname === path || url.pathname.startsWith(`${path}/`) || path === '');
    } catch {
      return false;
    }
  });
}

export interface FhirAccessOptions {
  settings: FetchSettings;
  logger: Logger;
  /** Allowed FHIR server base URLs when the caller's issuer names none (auth off); empty = loopback only. */
  allowlist?: readonly string[];
  /** Production: plain http only to loopback. */
  requireHttps?: boolean;
}

/**
 * The fetcher for missing prefetch keys of this request, or one that refuses
 * (no fhirServer / not allowed). Called when the invocation starts gathering
 * data: the fetcher's deadline starts then.
 */
export function fetcherFactory(options: FhirAccessOptions) {
  const configured: readonly string[] | 'loopback' = options.allowlist && options.allowlist.length > 0 ? options.allowlist : 'loopback';
  /**
   * `issuerServers`: the calling issuer's list (auth required; empty = none allowed), or undefined (auth off).
   * `startedAt`: when the invocation arrived (`epochNow()`), if it waited before gathering; the deadline runs from it.
   */
  return (request: CdsRequest, templates: Record<string, string>, issuerServers?: readonly string[], startedAt?: number): FhirFallback | undefined => {
    const server = request.fhirServer;
    if (!server) return undefined;
    const url = new URL(server);
    const insecure = options.requireHttps === true && url.protocol === 'http:' && !isLoopbackHostname(url.hostname);
    if (insecure || !isAllowedFhirServer(server, issuerServers ?? configured)) {
      options.logger.warn({ fhirServerHost: safeHost(server) }, 'fhirServer not on the allowlist; not called');
      const refused = "the FHIR server is not on this service's allowlist";
      return {
        fetchMissing: async (keys) => Object.fromEntries(keys.map((k) => [k, { error: refused }])),
        followPages: async () => {
          throw new Error(refused);
        },
        readMedications: async () => ({ resources: [], unavailable: refused }),
      };
    }
    return createFhirFetcher({
      fhirServer: server,
      accessToken: request.fhirAuthorization?.access_token,
      context: request.context,
      templates,
      settings: options.settings,
      logger: options.logger,
      ...(startedAt !== undefined ? { startedAt } : {}),
    });
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid)';
  }
}
