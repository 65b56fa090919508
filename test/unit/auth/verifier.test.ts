/**
 * JwtVerifier with real tokens: keys generated here with jose, JWK Sets served
 * by nock (https) or by a local http server on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import nock from 'nock';
import type { TrustedIssuer } from '../../../src/auth/issuers';
import { AuthError, type JwtVerifier } from '../../../src/auth/verifier';
import {
  AUD,
  EPIC_ISS,
  EPIC_JWKS_URI,
  PUBLIC_URL,
  SANDBOX_ISS,
  SANDBOX_JKU,
  SERVICE_PATH,
  bearer,
  captureLog,
  hmacWithPublicKey,
  jwksOf,
  makeKey,
  makeVerifier,
  nowSeconds,
  signToken,
  unsignedToken,
  type TestKey,
} from './helpers';

const LOCAL_ISS = 'https://ehr.inline-keys.example.org';
const EVIL_JKU = 'https://attacker.example.net/jwks.json';

let es: TestKey; // ES384, inline in the trusted-issuers list
let rs: TestKey; // RS384, Epic style, served at a jwksUri
let impostor: TestKey; // ES384 with es's kid but a different key pair
let attacker: TestKey;

beforeAll(async () => {
  es = await makeKey('ES384', 'inline-es384');
  rs = await makeKey('RS384', 'epic-rs384-2024');
  impostor = await makeKey('ES384', 'inline-es384');
  attacker = await makeKey('ES384', 'attacker-1');
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

/** Requests nock saw but had no interceptor for (the network is disabled, so none escaped). */
const unmatched: string[] = [];
beforeAll(() => {
  nock.emitter.on('no match', (req: { hostname?: string; path?: string; options?: { hostname?: string; path?: string } }) => {
    unmatched.push(`${req.hostname ?? req.options?.hostname ?? '?'}${req.path ?? req.options?.path ?? ''}`);
  });
});
beforeEach(() => {
  unmatched.length = 0;
});

function issuers(): TrustedIssuer[] {
  return [
    { iss: LOCAL_ISS, jwks: jwksOf(es), jkuAllowlist: [SANDBOX_JKU] },
    { iss: EPIC_ISS, jwksUri: EPIC_JWKS_URI },
    { iss: SANDBOX_ISS, jkuAllowlist: [SANDBOX_JKU] },
  ];
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(AuthError);
    return (err as AuthError).reason;
  }
  throw new Error('expected verification to fail');
}

/** Serve a JWK Set with nock, counting fetches; `sets` is read at request time so tests can rotate keys. */
function serveJwks(url: string, sets: { current: { keys: unknown[] } }, counter: { n: number }): nock.Scope {
  const u = new URL(url);
  return nock(u.origin)
    .get(u.pathname)
    .times(20)
    .reply(() => {
      counter.n += 1;
      return [200, sets.current, { 'Content-Type': 'application/json' }];
    });
}

describe('JwtVerifier: accepted tokens', () => {
  test('a valid ES384 token from an issuer with inline keys', async () => {
    const v = makeVerifier(issuers());
    const token = await signToken(es, LOCAL_ISS);
    const caller = await v.verify(bearer(token), SERVICE_PATH);
    expect(caller.iss).toBe(LOCAL_ISS);
    expect(caller.issuer.iss).toBe(LOCAL_ISS);
    expect(typeof caller.jti).toBe('string');
    expect(caller).not.toHaveProperty('tenant');
  });

  test('a valid RS384 token, Epic style (keys at a jwksUri, tenant claim)', async () => {
    const counter = { n: 0 };
    serveJwks(EPIC_JWKS_URI, { current: jwksOf(rs) }, counter);
    const v = makeVerifier(issuers());
    const token = await signToken(rs, EPIC_ISS, { claims: { tenant: 'org-530005' } });
    const caller = await v.verify(bearer(token), SERVICE_PATH);
    expect(caller).toMatchObject({ iss: EPIC_ISS, tenant: 'org-530005' });
    expect(counter.n).toBe(1);
  });

  test('"bearer" is case-insensitive; sub is not required', async () => {
    const v = makeVerifier(issuers());
    const token = await signToken(es, LOCAL_ISS, { claims: { sub: undefined } });
    await expect(v.verify(`bearer ${token}`, SERVICE_PATH)).resolves.toMatchObject({ iss: LOCAL_ISS });
  });

  test('aud as an array containing the URL called', async () => {
    const v = makeVerifier(issuers());
    const token = await signToken(es, LOCAL_ISS, { claims: { aud: ['https://other.example.org/x', AUD] } });
    await expect(v.verify(bearer(token), SERVICE_PATH)).resolves.toMatchObject({ iss: LOCAL_ISS });
  });

  test('a trailing slash on the public URL is normalised; the query string is ignored', async () => {
    const v = makeVerifier(issuers(), { publicUrl: `${PUBLIC_URL}/` });
    expect(v.audienceFor(`${SERVICE_PATH}?x=1`)).toBe(AUD);
    const token = await signToken(es, LOCAL_ISS);
    await expect(v.verify(bearer(token), `${SERVICE_PATH}?x=1`)).resolves.toMatchObject({ iss: LOCAL_ISS });
  });

  test('exp just past and nbf just ahead are accepted within the skew', async () => {
    const v = makeVerifier(issuers(), { skewSeconds: 60 });
    const now = nowSeconds();
    const token = await signToken(es, LOCAL_ISS, { claims: { exp: now - 30, iat: now - 200, nbf: now + 30 } });
    await expect(v.verify(bearer(token), SERVICE_PATH)).resolves.toMatchObject({ iss: LOCAL_ISS });
  });
});

describe('JwtVerifier: refused tokens (each with its reason)', () => {
  let v: JwtVerifier;
  beforeEach(() => {
    v = makeVerifier(issuers());
  });

  test('no token', async () => {
    expect(await reasonOf(v.verify(undefined, SERVICE_PATH))).toBe('no Authorization header');
    expect(await reasonOf(v.verify('', SERVICE_PATH))).toBe('no Authorization header');
  });

  test('malformed Authorization or token', async () => {
    const token = await signToken(es, LOCAL_ISS);
    expect(await reasonOf(v.verify(token, SERVICE_PATH))).toBe('Authorization is not "Bearer <token>"');
    expect(await reasonOf(v.verify('Bearer', SERVICE_PATH))).toBe('Authorization is not "Bearer <token>"');
    expect(await reasonOf(v.verify(`Basic ${token}`, SERVICE_PATH))).toBe('Authorization is not "Bearer <token>"');
    expect(await reasonOf(v.verify(`Bearer ${token} extra`, SERVICE_PATH))).toBe('Authorization is not "Bearer <token>"');
    expect(await reasonOf(v.verify('Bearer a.b', SERVICE_PATH))).toBe('token is not a compact JWS');
    expect(await reasonOf(v.verify('Bearer a.b.c.d.e', SERVICE_PATH))).toBe('token is not a compact JWS');
    expect(await reasonOf(v.verify('Bearer not!base64.x.y', SERVICE_PATH))).toBe('token is not a compact JWS');
    expect(await reasonOf(v.verify('Bearer abc.def.ghi', SERVICE_PATH))).toBe('malformed token header');
    expect(await reasonOf(v.verify(`Bearer ${'a'.repeat(20_000)}.b.c`, SERVICE_PATH))).toBe('token too long');
    const [h, , s] = token.split('.');
    expect(await reasonOf(v.verify(`Bearer ${h}.bm90IGpzb24.${s}`, SERVICE_PATH))).toBe('malformed token payload');
  });

  test('alg none (hand-built unsigned token)', async () => {
    expect(await reasonOf(v.verify(bearer(unsignedToken(LOCAL_ISS)), SERVICE_PATH))).toBe('alg none not allowed');
    expect(await reasonOf(v.verify(bearer(unsignedToken(LOCAL_ISS, { alg: 'NONE', typ: 'JWT', kid: es.kid })), SERVICE_PATH))).toBe('alg none not allowed');
  });

  test('HS256 "signed" with the public key bytes as the HMAC secret', async () => {
    const token = await hmacWithPublicKey(es, LOCAL_ISS);
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('HMAC alg HS256 not allowed');
  });

  test('other algorithms off the list (EdDSA, ES256K)', async () => {
    for (const alg of ['EdDSA', 'ES256K']) {
      const token = unsignedToken(LOCAL_ISS, { alg, typ: 'JWT', kid: es.kid }) + 'c2ln';
      expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe(`alg ${alg} not allowed`);
    }
  });

  test('signed by the wrong key (same kid)', async () => {
    const token = await signToken(impostor, LOCAL_ISS);
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('signature invalid');
  });

  test('a tampered payload', async () => {
    const token = await signToken(es, LOCAL_ISS);
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, tenant: 'someone-else' })).toString('base64url');
    expect(await reasonOf(v.verify(bearer(`${h}.${forged}.${s}`), SERVICE_PATH))).toBe('signature invalid');
  });

  test('unknown issuer', async () => {
    const token = await signToken(es, 'https://unknown.example.org');
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('unknown issuer');
  });

  test('a key of one trusted issuer does not sign for another', async () => {
    const counter = { n: 0 };
    serveJwks(EPIC_JWKS_URI, { current: jwksOf(rs) }, counter);
    const token = await signToken(es, EPIC_ISS); // es belongs to LOCAL_ISS
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('no key matches kid');
  });

  test('wrong aud: another path, the bare base URL, another host', async () => {
    for (const aud of [`${PUBLIC_URL}/cds-services`, PUBLIC_URL, `${PUBLIC_URL}/`, `https://evil.example.org${SERVICE_PATH}`, [PUBLIC_URL]]) {
      const token = await signToken(es, LOCAL_ISS, { claims: { aud } });
      expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('aud mismatch');
    }
    const noAud = await signToken(es, LOCAL_ISS, { claims: { aud: undefined } });
    expect(await reasonOf(v.verify(bearer(noAud), SERVICE_PATH))).toBe('aud missing');
  });

  test('expired', async () => {
    const now = nowSeconds();
    const token = await signToken(es, LOCAL_ISS, { claims: { iat: now - 400, exp: now - 100 } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('expired');
  });

  test('not yet valid (nbf beyond the skew)', async () => {
    const token = await signToken(es, LOCAL_ISS, { claims: { nbf: nowSeconds() + 600 } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('not yet valid (nbf)');
  });

  test('iat in the future (beyond the skew)', async () => {
    const now = nowSeconds();
    const token = await signToken(es, LOCAL_ISS, { claims: { iat: now + 600, exp: now + 900 } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('iat in the future');
  });

  test('required claims: jti, exp, iat; jti non-empty', async () => {
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti: undefined } })), SERVICE_PATH))).toBe('jti missing');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti: '' } })), SERVICE_PATH))).toBe('jti missing or empty');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti: 42 } })), SERVICE_PATH))).toBe('jti missing or empty');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { exp: undefined } })), SERVICE_PATH))).toBe('exp missing');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { iat: undefined } })), SERVICE_PATH))).toBe('iat missing');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { exp: 'soon' } })), SERVICE_PATH))).toBe('exp is not a number');
  });

  test('a lifetime (exp - iat) beyond the sanity bound', async () => {
    const now = nowSeconds();
    const token = await signToken(es, LOCAL_ISS, { claims: { iat: now, exp: now + 7200 } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('token lifetime (exp - iat) exceeds maximum');
  });

  test('kid and typ: JWT are required in the header', async () => {
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { header: { kid: undefined } })), SERVICE_PATH))).toBe(
      'kid missing from token header',
    );
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { header: { typ: 'at+jwt' } })), SERVICE_PATH))).toBe('typ must be JWT');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { header: { typ: undefined } })), SERVICE_PATH))).toBe('typ must be JWT');
  });
});

describe('JwtVerifier: jti replay', () => {
  test('the same token twice: the second is refused', async () => {
    const v = makeVerifier(issuers());
    const token = await signToken(es, LOCAL_ISS);
    await v.verify(bearer(token), SERVICE_PATH);
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('jti replayed');
  });

  test('a new token reusing a jti is refused; the same jti from another issuer is not a replay', async () => {
    const counter = { n: 0 };
    serveJwks(EPIC_JWKS_URI, { current: jwksOf(rs) }, counter);
    const v = makeVerifier(issuers());
    const jti = randomUUID();
    await v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti } })), SERVICE_PATH);
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti, iat: nowSeconds() - 1 } })), SERVICE_PATH))).toBe('jti replayed');
    await expect(v.verify(bearer(await signToken(rs, EPIC_ISS, { claims: { jti } })), SERVICE_PATH)).resolves.toMatchObject({ jti });
  });

  test('a forged or refused token does not burn its jti', async () => {
    const v = makeVerifier(issuers());
    const jti = randomUUID();
    expect(await reasonOf(v.verify(bearer(await signToken(impostor, LOCAL_ISS, { claims: { jti } })), SERVICE_PATH))).toBe('signature invalid');
    expect(await reasonOf(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti, aud: PUBLIC_URL } })), SERVICE_PATH))).toBe('aud mismatch');
    await expect(v.verify(bearer(await signToken(es, LOCAL_ISS, { claims: { jti } })), SERVICE_PATH)).resolves.toMatchObject({ jti });
  });

  test("the verifier's replay cache is bounded (replayCacheSize)", async () => {
    const v = makeVerifier(issuers(), { replayCacheSize: 2 });
    const tokens = await Promise.all([1, 2, 3].map(() => signToken(es, LOCAL_ISS)));
    for (const t of tokens) await v.verify(bearer(t), SERVICE_PATH);
    // The newest two are remembered; the oldest was evicted to stay within the bound.
    expect(await reasonOf(v.verify(bearer(tokens[2]), SERVICE_PATH))).toBe('jti replayed');
    expect(await reasonOf(v.verify(bearer(tokens[1]), SERVICE_PATH))).toBe('jti replayed');
  });
});

describe('JwtVerifier: jku', () => {
  test("a jku off the allowlist is never fetched; the issuer's configured keys decide", async () => {
    const evil = new URL(EVIL_JKU);
    const evilScope = nock(evil.origin).get(evil.pathname).reply(200, jwksOf(attacker));
    const v = makeVerifier(issuers());

    // Signed by the issuer's real key, pointing at a foreign jku: accepted with the configured key.
    await expect(v.verify(bearer(await signToken(es, LOCAL_ISS, { header: { jku: EVIL_JKU } })), SERVICE_PATH)).resolves.toMatchObject({
      iss: LOCAL_ISS,
    });
    // Signed by the attacker's key, its jku pointing at the attacker's set: refused.
    expect(await reasonOf(v.verify(bearer(await signToken(attacker, LOCAL_ISS, { header: { jku: EVIL_JKU } })), SERVICE_PATH))).toBe('no key matches kid');
    // With the impostor's key under the real kid: refused on the signature.
    expect(await reasonOf(v.verify(bearer(await signToken(impostor, LOCAL_ISS, { header: { jku: EVIL_JKU } })), SERVICE_PATH))).toBe('signature invalid');
    expect(evilScope.isDone()).toBe(false);
    expect(unmatched).toEqual([]);
  });

  test('a jku off the allowlist, issuer without configured keys: refused, nothing fetched', async () => {
    const evil = new URL(EVIL_JKU);
    const evilScope = nock(evil.origin).get(evil.pathname).reply(200, jwksOf(attacker));
    const v = makeVerifier(issuers());
    const token = await signToken(attacker, SANDBOX_ISS, { header: { jku: EVIL_JKU } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('jku not on allowlist and no configured keys');
    // A near miss of the allowlisted URL is off the allowlist too (exact match only).
    const nearMiss = await signToken(attacker, SANDBOX_ISS, { header: { jku: `${SANDBOX_JKU}?x=1` } });
    expect(await reasonOf(v.verify(bearer(nearMiss), SERVICE_PATH))).toBe('jku not on allowlist and no configured keys');
    const noJku = await signToken(attacker, SANDBOX_ISS);
    expect(await reasonOf(v.verify(bearer(noJku), SERVICE_PATH))).toBe('no jku and no configured keys for this issuer');
    expect(evilScope.isDone()).toBe(false);
    expect(unmatched).toEqual([]);
  });

  test('a jku allowlisted for another issuer is not used for this one', async () => {
    const other: TrustedIssuer[] = [
      { iss: SANDBOX_ISS, jkuAllowlist: [SANDBOX_JKU] },
      { iss: 'https://other.example.org', jkuAllowlist: ['https://other.example.org/jwks.json'] },
    ];
    const counter = { n: 0 };
    serveJwks(SANDBOX_JKU, { current: jwksOf(attacker) }, counter);
    const v = makeVerifier(other);
    const token = await signToken(attacker, 'https://other.example.org', { header: { jku: SANDBOX_JKU } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('jku not on allowlist and no configured keys');
    expect(counter.n).toBe(0);
  });

  test('the Sandbox: a jku on the allowlist is fetched once and cached (two tokens, same kid)', async () => {
    const sandboxKey = await makeKey('ES384', 'sandbox-es384');
    const counter = { n: 0 };
    serveJwks(SANDBOX_JKU, { current: jwksOf(sandboxKey) }, counter);
    const v = makeVerifier(issuers());
    for (let i = 0; i < 2; i++) {
      const token = await signToken(sandboxKey, SANDBOX_ISS, { header: { jku: SANDBOX_JKU } });
      await expect(v.verify(bearer(token), SERVICE_PATH)).resolves.toMatchObject({ iss: SANDBOX_ISS });
    }
    expect(counter.n).toBe(1);
  });

  test('an allowlisted jku on loopback http, served by a real local server', async () => {
    const key = await makeKey('RS384', 'local-rs');
    let fetches = 0;
    const server: Server = createServer((req, res) => {
      fetches += 1;
      if (req.url === '/jwks.json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(key)));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const jku = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const v = makeVerifier([{ iss: 'https://local.example', jkuAllowlist: [jku] }]);
      for (let i = 0; i < 3; i++) {
        const token = await signToken(key, 'https://local.example', { header: { jku } });
        await expect(v.verify(bearer(token), SERVICE_PATH)).resolves.toMatchObject({ iss: 'https://local.example' });
      }
      expect(fetches).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a JWK Set that does not answer in time: refused (timeout)', async () => {
    const key = await makeKey('ES384', 'slow');
    const sockets = new Set<import('node:net').Socket>();
    const server: Server = createServer(() => {
      /* never answers */
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const jku = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
      const v = makeVerifier([{ iss: 'https://slow.example', jkuAllowlist: [jku] }], { jwksFetchTimeoutMs: 150 });
      const started = Date.now();
      const token = await signToken(key, 'https://slow.example', { header: { jku } });
      expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('jwks fetch timed out');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('a JWK Set answering an error status: refused', async () => {
    nock('https://sandbox.cds-hooks.org').get('/.well-known/jwks.json').reply(503, 'down');
    const v = makeVerifier(issuers());
    const token = await signToken(es, SANDBOX_ISS, { header: { jku: SANDBOX_JKU } });
    expect(await reasonOf(v.verify(bearer(token), SERVICE_PATH))).toBe('jwks fetch failed');
  });

  test("an allowlisted jku that is unreachable falls back to the issuer's inline keys", async () => {
    nock('https://sandbox.cds-hooks.org').get('/.well-known/jwks.json').reply(500);
    const v = makeVerifier(issuers());
    const token = await signToken(es, LOCAL_ISS, { header: { jku: SANDBOX_JKU } });
    await expect(v.verify(bearer(token), SERVICE_PATH)).resolves.toMatchObject({ iss: LOCAL_ISS });
  });
});

describe('JwtVerifier: jwksUri key rotation', () => {
  test('an unknown kid refetches the set (after the cooldown) and the new key verifies', async () => {
    const next = await makeKey('RS384', 'epic-rs384-2025');
    const sets = { current: jwksOf(rs) };
    const counter = { n: 0 };
    serveJwks(EPIC_JWKS_URI, sets, counter);
    const v = makeVerifier(issuers(), { jwksCooldownMs: 0 });
    await v.verify(bearer(await signToken(rs, EPIC_ISS)), SERVICE_PATH);
    await v.verify(bearer(await signToken(rs, EPIC_ISS)), SERVICE_PATH);
    expect(counter.n).toBe(1);
    sets.current = jwksOf(rs, next); // the EHR publishes its new key, then signs with it
    await expect(v.verify(bearer(await signToken(next, EPIC_ISS)), SERVICE_PATH)).resolves.toMatchObject({ iss: EPIC_ISS });
    expect(counter.n).toBe(2);
    await v.verify(bearer(await signToken(next, EPIC_ISS)), SERVICE_PATH);
    expect(counter.n).toBe(2);
  });

  test('within the cooldown an unknown kid does not refetch (no fetch storm from junk kids)', async () => {
    const sets = { current: jwksOf(rs) };
    const counter = { n: 0 };
    serveJwks(EPIC_JWKS_URI, sets, counter);
    const v = makeVerifier(issuers()); // default cooldown 30 s
    await v.verify(bearer(await signToken(rs, EPIC_ISS)), SERVICE_PATH);
    for (let i = 0; i < 5; i++) {
      const junk = await makeKey('RS384', `junk-${i}`);
      expect(await reasonOf(v.verify(bearer(await signToken(junk, EPIC_ISS)), SERVICE_PATH))).toBe('no key matches kid');
    }
    expect(counter.n).toBe(1);
  });
});

describe('JwtVerifier with an injected fetch', () => {
  function fakeFetch(sets: { current: unknown }, calls: string[], delayMs = 0): typeof fetch {
    return async (input: string | URL | Request, init?: RequestInit) => {
      calls.push(String(input));
      if (delayMs > 0) {
        await new Promise((resolve, reject) => {
          const t = setTimeout(resolve, delayMs);
          init?.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            reject(init.signal?.reason);
          });
        });
      }
      return new Response(JSON.stringify(sets.current), { status: 200, headers: { 'content-type': 'application/json' } });
    };
  }

  test('fetches the jwksUri with it, caches, and refetches on rotation', async () => {
    const next = await makeKey('RS384', 'epic-next');
    const sets = { current: jwksOf(rs) };
    const calls: string[] = [];
    const v = makeVerifier(issuers(), { fetchImpl: fakeFetch(sets, calls), jwksCooldownMs: 0 });
    await v.verify(bearer(await signToken(rs, EPIC_ISS)), SERVICE_PATH);
    await v.verify(bearer(await signToken(rs, EPIC_ISS)), SERVICE_PATH);
    expect(calls).toEqual([EPIC_JWKS_URI]);
    sets.current = jwksOf(rs, next);
    await v.verify(bearer(await signToken(next, EPIC_ISS)), SERVICE_PATH);
    expect(calls).toEqual([EPIC_JWKS_URI, EPIC_JWKS_URI]);
  });

  test('never calls it for a jku off the allowlist; times out slow sets', async () => {
    const calls: string[] = [];
    const v = makeVerifier(issuers(), { fetchImpl: fakeFetch({ current: jwksOf(rs) }, calls, 2000), jwksFetchTimeoutMs: 100 });
    expect(await reasonOf(v.verify(bearer(await signToken(attacker, SANDBOX_ISS, { header: { jku: EVIL_JKU } })), SERVICE_PATH))).toBe(
      'jku not on allowlist and no configured keys',
    );
    expect(calls).toEqual([]);
    expect(await reasonOf(v.verify(bearer(await signToken(rs, EPIC_ISS)), SERVICE_PATH))).toBe('jwks fetch timed out');
    expect(calls).toEqual([EPIC_JWKS_URI]);
  });
});

describe('JwtVerifier construction', () => {
  test('refuses a public URL that is not an absolute http(s) URL', () => {
    expect(() => makeVerifier(issuers(), { publicUrl: 'cds.example.org' })).toThrow(/public URL/);
    expect(() => makeVerifier(issuers(), { publicUrl: 'https://cds.example.org/?a=1' })).toThrow(/public URL/);
  });

  test('logs nothing secret when a jku is ignored', async () => {
    const log = captureLog('debug');
    const v = makeVerifier(issuers(), { logger: log.logger });
    const token = await signToken(es, LOCAL_ISS, { header: { jku: EVIL_JKU } });
    await v.verify(bearer(token), SERVICE_PATH);
    expect(log.text()).toContain('jku not on the issuer');
    expect(log.text()).not.toContain(token.split('.')[2]);
  });
});

describe('several public URLs (CDS_PUBLIC_URL as a list)', () => {
  it('accepts a token whose aud names the service under any of them, and only those', () => {
    const v = makeVerifier(issuers(), { publicUrl: ['http://localhost:3000', 'http://127.0.0.1:3000/'] });
    expect(v.audiencesFor('/cds-services/x?y=1')).toEqual(['http://localhost:3000/cds-services/x', 'http://127.0.0.1:3000/cds-services/x']);
    expect(v.audienceFor('/cds-services/x')).toBe('http://localhost:3000/cds-services/x');
  });

  it('verifies real tokens addressed to either name; another host is refused', async () => {
    const v = makeVerifier(issuers(), { publicUrl: ['http://localhost:3000', 'http://127.0.0.1:3000'] });
    for (const host of ['http://localhost:3000', 'http://127.0.0.1:3000']) {
      const token = await signToken(es, LOCAL_ISS, { claims: { aud: `${host}${SERVICE_PATH}` } });
      await expect(v.verify(bearer(token), SERVICE_PATH)).resolves.toMatchObject({ iss: LOCAL_ISS });
    }
    const other = await signToken(es, LOCAL_ISS, { claims: { aud: `http://10.0.0.5:3000${SERVICE_PATH}` } });
    await expect(v.verify(bearer(other), SERVICE_PATH)).rejects.toThrow(/aud mismatch/);
  });
});
