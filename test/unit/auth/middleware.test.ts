/**
 * requireTrustedCaller over HTTP (supertest, tiny express app): one bare 401
 * for every failure, the reason in the log, the token never in the log.
 */
import express from 'express';
import nock from 'nock';
import request from 'supertest';
import { requireTrustedCaller, UNAUTHORIZED_BODY } from '../../../src/auth/middleware';
import type { TrustedIssuer } from '../../../src/auth/issuers';
import {
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
  type CapturedLog,
  type TestKey,
} from './helpers';

const ISS = 'https://ehr.example.org';
const EXPECTED_BODY = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'error', code: 'login', diagnostics: 'authentication failed' }],
};

let key: TestKey;
let impostor: TestKey;
let sandboxKey: TestKey;

beforeAll(async () => {
  key = await makeKey('ES384', 'ehr-1');
  impostor = await makeKey('ES384', 'ehr-1');
  sandboxKey = await makeKey('ES384', 'sandbox-1');
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function issuers(): TrustedIssuer[] {
  return [
    { iss: ISS, jwks: jwksOf(key) },
    { iss: SANDBOX_ISS, jkuAllowlist: [SANDBOX_JKU] },
  ];
}

function makeApp(log: CapturedLog, sharedReplay?: (iss: string, jti: string, forgetAfterMs: number) => Promise<boolean>) {
  const verifier = makeVerifier(issuers(), { logger: log.logger, ...(sharedReplay ? { sharedReplay } : {}) });
  const app = express();
  app.use(express.json());
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.use('/cds-services', requireTrustedCaller(verifier, log.logger));
  app.get('/cds-services', (_req, res) => {
    res.json({ services: [], caller: res.locals.caller?.iss });
  });
  app.post('/cds-services/:id', (_req, res) => {
    res.json({ cards: [], caller: res.locals.caller?.iss, tenant: res.locals.caller?.tenant });
  });
  return app;
}

describe('requireTrustedCaller', () => {
  test('a valid token passes; the caller is in res.locals (aud is the full URL called, query ignored)', async () => {
    const log = captureLog();
    const app = makeApp(log);
    const token = await signToken(key, ISS, { claims: { tenant: 't-1' } });
    const res = await request(app).post(`${SERVICE_PATH}?debug=1`).set('Authorization', bearer(token)).send({});
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ cards: [], caller: ISS, tenant: 't-1' });

    const discovery = await signToken(key, ISS, { claims: { aud: `${PUBLIC_URL}/cds-services` } });
    const d = await request(app).get('/cds-services').set('Authorization', bearer(discovery));
    expect(d.status).toBe(200);
    expect(d.body.caller).toBe(ISS);
    expect(log.text()).not.toContain(token);
    expect(log.text()).not.toContain(discovery);
  });

  test('the Sandbox (ES384, allowlisted jku) passes', async () => {
    nock('https://sandbox.cds-hooks.org').get('/.well-known/jwks.json').reply(200, jwksOf(sandboxKey));
    const app = makeApp(captureLog());
    const token = await signToken(sandboxKey, SANDBOX_ISS, { header: { jku: SANDBOX_JKU } });
    const res = await request(app).post(SERVICE_PATH).set('Authorization', bearer(token)).send({});
    expect(res.status).toBe(200);
    expect(res.body.caller).toBe(SANDBOX_ISS);
  });

  test('every failure gets the same bare 401; the reason is logged at warn, the token never', async () => {
    const log = captureLog();
    const app = makeApp(log);
    const now = nowSeconds();
    const replayed = await signToken(key, ISS);
    await request(app).post(SERVICE_PATH).set('Authorization', bearer(replayed)).send({}).expect(200);

    const cases: { name: string; authorization?: string; reason: string }[] = [
      { name: 'no token', reason: 'no Authorization header' },
      { name: 'malformed', authorization: 'Bearer not-a-jwt', reason: 'token is not a compact JWS' },
      { name: 'alg none', authorization: bearer(unsignedToken(ISS)), reason: 'alg none not allowed' },
      { name: 'HS256 with the public key', authorization: bearer(await hmacWithPublicKey(key, ISS)), reason: 'HMAC alg HS256 not allowed' },
      { name: 'wrong key', authorization: bearer(await signToken(impostor, ISS)), reason: 'signature invalid' },
      { name: 'unknown issuer', authorization: bearer(await signToken(key, 'https://nobody.example')), reason: 'unknown issuer' },
      { name: 'wrong aud', authorization: bearer(await signToken(key, ISS, { claims: { aud: PUBLIC_URL } })), reason: 'aud mismatch' },
      { name: 'expired', authorization: bearer(await signToken(key, ISS, { claims: { iat: now - 600, exp: now - 300 } })), reason: 'expired' },
      { name: 'missing jti', authorization: bearer(await signToken(key, ISS, { claims: { jti: undefined } })), reason: 'jti missing' },
      { name: 'replayed', authorization: bearer(replayed), reason: 'jti replayed' },
    ];

    const tokens: string[] = [];
    let firstHeaders: Record<string, string> | undefined;
    for (const c of cases) {
      let req = request(app).post(SERVICE_PATH).send({ hook: 'patient-view' });
      if (c.authorization !== undefined) {
        req = req.set('Authorization', c.authorization);
        tokens.push(c.authorization.replace(/^Bearer /, ''));
      }
      const res = await req;
      expect({ name: c.name, status: res.status }).toEqual({ name: c.name, status: 401 });
      expect(res.body).toEqual(EXPECTED_BODY);
      expect(res.text).toBe(JSON.stringify(EXPECTED_BODY));
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.headers['content-type']).toMatch(/^application\/fhir\+json/);
      const headers = { type: String(res.headers['content-type']), length: String(res.headers['content-length']) };
      firstHeaders ??= headers;
      expect(headers).toEqual(firstHeaders);
    }
    expect(UNAUTHORIZED_BODY).toEqual(EXPECTED_BODY);

    const warnings = log.lines().filter((l) => l.msg === 'authentication failed');
    expect(warnings.map((w) => w.reason)).toEqual(cases.map((c) => c.reason));
    for (const w of warnings) {
      expect(w.level).toBe(40); // pino warn
      expect(w.path).toBe(SERVICE_PATH);
    }
    const text = log.text();
    for (const t of tokens) {
      expect(text).not.toContain(t);
      const signature = t.split('.')[2];
      if (signature) expect(text).not.toContain(signature);
    }
    expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/); // no compact JWT of any kind
  });

  test('routes outside the guarded mount and CORS preflights need no token', async () => {
    const app = makeApp(captureLog());
    await request(app).get('/health/live').expect(200);
    const res = await request(app).options(SERVICE_PATH);
    expect(res.status).not.toBe(401);
  });
});

describe('the shared jti replay cache (replicas sharing PostgreSQL)', () => {
  test('a jti another replica has seen is refused with the bare 401; the cache is asked with the jti and when to forget it', async () => {
    const log = captureLog();
    const asked: [string, string, number][] = [];
    const app = makeApp(log, async (iss, jti, forgetAfterMs) => {
      asked.push([iss, jti, forgetAfterMs]);
      return true;
    });
    const exp = nowSeconds() + 300;
    const token = await signToken(key, ISS, { claims: { jti: 'seen-elsewhere', exp } });
    const res = await request(app).post(SERVICE_PATH).set('Authorization', bearer(token)).send({});
    expect(res.status).toBe(401);
    expect(res.body).toEqual(EXPECTED_BODY);
    // Remembered until exp + the clock skew (60 s by default).
    expect(asked).toEqual([[ISS, 'seen-elsewhere', (exp + 60) * 1000]]);
    expect(log.text()).toContain('jti replayed (seen by another replica)');
    expect(log.text()).not.toContain(token);
  });

  test('a new jti passes once the shared cache says so', async () => {
    const app = makeApp(captureLog(), async () => false);
    const res = await request(app)
      .post(SERVICE_PATH)
      .set('Authorization', bearer(await signToken(key, ISS)))
      .send({});
    expect(res.status).toBe(200);
  });

  test('when the shared cache cannot answer, the call is refused with a 503 OperationOutcome (fail closed), never let through', async () => {
    const log = captureLog();
    const app = makeApp(log, async () => {
      throw new Error('connect ECONNREFUSED 10.0.0.5:5432');
    });
    const token = await signToken(key, ISS);
    const res = await request(app).post(SERVICE_PATH).set('Authorization', bearer(token)).send({});
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('1');
    expect(res.body).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'transient', diagnostics: 'the service cannot check this call now; retry' }],
    });
    expect(log.text()).toContain('shared jti replay cache unavailable');
    expect(log.text()).not.toContain(token);
  });
});
