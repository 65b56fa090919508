/**
 * Test support for auth: real key pairs (jose generateKeyPair), real signed
 * tokens, hand-built hostile tokens, and a logger writing to a captured buffer.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type KeyLike } from 'jose';
import type { TrustedIssuer } from '../../../src/auth/issuers';
import { JwtVerifier, type JwtVerifierOptions } from '../../../src/auth/verifier';
import { createLogger, type Logger } from '../../../src/logger';

export const PUBLIC_URL = 'https://cds.example.org';
export const SERVICE_PATH = '/cds-services/relapsed-all-patient-view';
export const AUD = `${PUBLIC_URL}${SERVICE_PATH}`;
export const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
export const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';
/** An Epic-style client (RS384, keys at a per-organisation JWKS URL); the names are placeholders. */
export const EPIC_ISS = 'https://ehr.example-hospital.org/interconnect-fhir-oauth';
export const EPIC_JWKS_URI = 'https://ehr.example-hospital.org/interconnect-fhir-oauth/jwks/cds-hooks.json';

export interface TestKey {
  alg: 'ES384' | 'RS384';
  kid: string;
  privateKey: KeyLike;
  publicKey: KeyLike;
  publicJwk: JWK;
}

export async function makeKey(alg: 'ES384' | 'RS384', kid: string = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

export function jwksOf(...keys: TestKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface TokenOptions {
  /** Claims merged over the defaults; a claim set to undefined is left out. */
  claims?: Record<string, unknown>;
  /** Header members merged over { alg, kid, typ: 'JWT' }; undefined removes one. */
  header?: Record<string, unknown>;
}

function defaultClaims(iss: string): Record<string, unknown> {
  const now = nowSeconds();
  return { iss, aud: AUD, exp: now + 300, iat: now, jti: randomUUID() };
}

function strip(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}

/** A real token signed with `key`. */
export async function signToken(key: TestKey, iss: string, options: TokenOptions = {}): Promise<string> {
  const claims = strip({ ...defaultClaims(iss), ...options.claims });
  const header = strip({ alg: key.alg, kid: key.kid, typ: 'JWT', ...options.header });
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** An unsigned `alg: none` token, built by hand (jose refuses to make one through SignJWT). */
export function unsignedToken(iss: string, header: Record<string, unknown> = { alg: 'none', typ: 'JWT' }): string {
  return `${b64(header)}.${b64(defaultClaims(iss))}.`;
}

/** The classic key-confusion forgery: HS256 "signed" with the issuer's public key PEM as the HMAC secret. */
export async function hmacWithPublicKey(key: TestKey, iss: string): Promise<string> {
  const pem = await exportSPKI(key.publicKey);
  const input = `${b64({ alg: 'HS256', kid: key.kid, typ: 'JWT' })}.${b64(defaultClaims(iss))}`;
  const signature = createHmac('sha256', pem).update(input).digest('base64url');
  return `${input}.${signature}`;
}

export interface CapturedLog {
  logger: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
}

export function captureLog(level = 'debug'): CapturedLog {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = createLogger(level, stream);
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export function makeVerifier(issuers: TrustedIssuer[], options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return new JwtVerifier({ issuers, publicUrl: PUBLIC_URL, logger: options.logger ?? captureLog().logger, ...options });
}

export const bearer = (token: string): string => `Bearer ${token}`;
