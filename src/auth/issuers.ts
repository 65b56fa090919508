/**
 * The trusted-issuers file: which CDS clients may call this service and where
 * their public keys come from. Validated with zod at start-up; a broken file
 * stops the service with a message naming the file and the problem.
 *
 * [
 *   { "iss": "https://sandbox.cds-hooks.org",
 *     "jkuAllowlist": ["https://sandbox.cds-hooks.org/.well-known/jwks.json"] },
 *   { "iss": "https://fhir.example-hospital.org/...", "jwksUri": "https://.../jwks",
 *     "fhirServers": ["https://fhir.example-hospital.org/api/FHIR/R4"] }
 * ]
 *
 * Each issuer needs at least one key source: `jwks` (inline public keys),
 * `jwksUri` (fetched and cached), or a non-empty `jkuAllowlist` (a token's
 * `jku` header is fetched only when it is exactly one of these URLs).
 */
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { z } from 'zod';
import { isLoopbackHostname } from '../http/loopback';
import { zodIssues } from '../protocol/zod-issues';

export interface TrustedIssuer {
  /** The `iss` claim, compared exactly. */
  iss: string;
  /** Inline public keys (a JWK Set). */
  jwks?: { keys: JWK[] };
  /** The issuer's published JWK Set (https, or http on loopback only). */
  jwksUri?: string;
  /** `jku` header values this service will fetch for this issuer (exact match). */
  jkuAllowlist?: string[];
  /** FHIR server base URLs this service may call for requests from this issuer. */
  fhirServers?: string[];
}

export class TrustedIssuersError extends Error {}

export { isLoopbackHostname };

/** The value as an absolute URL, or an issue added to `ctx`. */
function absoluteUrl(value: string, ctx: z.RefinementCtx): URL | undefined {
  try {
    return new URL(value);
  } catch {
    ctx.addIssue({ code: 'custom', message: `not an absolute URL: ${JSON.stringify(value)}` });
    return undefined;
  }
}

/** A key-set URL: absolute, https (http only on loopback), no credentials, no fragment. */
const keySetUrl = z.string().superRefine((value, ctx) => {
  const url = absoluteUrl(value, ctx);
  if (!url) return;
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHostname(url.hostname))) {
    ctx.addIssue({ code: 'custom', message: `must use https (http only for loopback): ${value}` });
  }
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
  if (url.hash) ctx.addIssue({ code: 'custom', message: 'must not contain a fragment' });
});

const fhirServerUrl = z.string().superRefine((value, ctx) => {
  const url = absoluteUrl(value, ctx);
  if (!url) return;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: `must be an http(s) URL: ${value}` });
  if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials' });
});

/** JWK members that only private or symmetric keys carry. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const PublicJwkSchema = z
  .looseObject({
    kty: z.enum(['EC', 'RSA'], { message: 'kty must be "EC" or "RSA" (HMAC and other key types are not trusted)' }),
    kid: z.string().min(1, 'kid is required (CDS Hooks tokens name their key by kid)'),
    alg: z.string().optional(),
    use: z.string().optional(),
  })
  .superRefine((jwk, ctx) => {
    for (const member of PRIVATE_MEMBERS) {
      if (member in jwk) {
        ctx.addIssue({ code: 'custom', path: [member], message: 'private key material must not be in the trusted-issuers file (public keys only)' });
      }
    }
  });

const IssuerSchema = z
  .strictObject({
    iss: z
      .string()
      .min(1, 'iss must not be empty')
      .refine((s) => s.trim() === s, 'iss must not have leading or trailing spaces'),
    jwks: z.strictObject({ keys: z.array(PublicJwkSchema).min(1, 'jwks.keys must not be empty') }).optional(),
    jwksUri: keySetUrl.optional(),
    jkuAllowlist: z.array(keySetUrl).optional(),
    fhirServers: z.array(fhirServerUrl).optional(),
  })
  .superRefine((issuer, ctx) => {
    if (!issuer.jwks && !issuer.jwksUri && !(issuer.jkuAllowlist && issuer.jkuAllowlist.length > 0)) {
      ctx.addIssue({ code: 'custom', message: `issuer ${JSON.stringify(issuer.iss)} has no key source: give jwks, jwksUri or a non-empty jkuAllowlist` });
    }
  });

const IssuersSchema = z
  .array(IssuerSchema, { message: 'must be a JSON array of issuers' })
  .min(1, 'lists no issuers')
  .superRefine((issuers, ctx) => {
    const seen = new Set<string>();
    issuers.forEach((issuer, i) => {
      if (seen.has(issuer.iss)) ctx.addIssue({ code: 'custom', path: [i, 'iss'], message: `duplicate issuer ${JSON.stringify(issuer.iss)}` });
      seen.add(issuer.iss);
    });
  });

/** Validate already-parsed JSON; `source` names the file (or other origin) in error messages. */
export function parseTrustedIssuers(json: unknown, source: string): TrustedIssuer[] {
  const parsed = IssuersSchema.safeParse(json);
  if (!parsed.success) {
    const problems = zodIssues(parsed.error);
    throw new TrustedIssuersError(`trusted issuers file ${source}: ${problems}`);
  }
  return parsed.data.map((issuer) => {
    const out: TrustedIssuer = { iss: issuer.iss };
    if (issuer.jwks) out.jwks = { keys: issuer.jwks.keys };
    if (issuer.jwksUri) out.jwksUri = issuer.jwksUri;
    if (issuer.jkuAllowlist && issuer.jkuAllowlist.length > 0) out.jkuAllowlist = [...issuer.jkuAllowlist];
    if (issuer.fhirServers && issuer.fhirServers.length > 0) out.fhirServers = [...issuer.fhirServers];
    return out;
  });
}

/** Read and validate the trusted-issuers JSON file; throws TrustedIssuersError naming the file. */
export function loadTrustedIssuers(file: string): TrustedIssuer[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TrustedIssuersError(`trusted issuers file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TrustedIssuersError(`trusted issuers file ${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseTrustedIssuers(json, file);
}
