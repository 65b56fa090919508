/**
 * Trust over HTTP through the real app (CDS_AUTH=required): real ES384 and
 * RS384 tokens, every failure a bare 401 with nothing else happening (no
 * evaluation, no FHIR call, no key fetch), per-issuer FHIR server allowlists,
 * CORS preflight, and the start-up rules of the modes.
 */
import { tempDir } from '../support/temp';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import nock from 'nock';
import request from 'supertest';
import { UNAUTHORIZED_BODY } from '../../src/auth/middleware';
import { loadConfig } from '../../src/config';
import { cardCodes, expectValidCdsResponse, fixtureRequest, makeTestApp } from '../support/cds';
import { hmacWithPublicKey, jwksOf, makeKey, nowSeconds, signToken, unsignedToken, type TestKey } from '../unit/auth/helpers';

const PUBLIC_URL = 'https://cds.example.org';
const PATH = '/cds-services/relapsed-all-patient-view';
const SANDBOX_ISS = 'https://sandbox.cds-hooks.org';
const SANDBOX_JKU = 'https://sandbox.cds-hooks.org/.well-known/jwks.json';
const EPIC_ISS = 'https://ehr.example-hospital.org/interconnect-fhir-oauth';
const EPIC_FHIR = 'https://ehr.example-hospital.org/api/FHIR/R4';

let es: TestKey;
let rs: TestKey;
let stranger: TestKey;
let issuersFile: string;

beforeAll(async () => {
  es = await makeKey('ES384');
  rs = await makeKey('RS384');
  stranger = await makeKey('ES384', es.kid);
  const dir = tempDir('cds-auth-');
  issuersFile = join(dir, 'trusted-issuers.json');
  writeFileSync(
    issuersFile,
    JSON.stringify([
      { iss: SANDBOX_ISS, jwks: jwksOf(es), jkuAllowlist: [SANDBOX_JKU] },
      { iss: EPIC_ISS, jwks: jwksOf(rs), fhirServers: [EPIC_FHIR] },
    ]),
  );
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
});
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

function secured() {
  return makeTestApp({ env: { CDS_AUTH: 'required', CDS_TRUSTED_ISSUERS_FILE: issuersFile, CDS_PUBLIC_URL: PUBLIC_URL } });
}

const claimsFor = (path = PATH) => ({ aud: `${PUBLIC_URL}${path}` });

describe('valid tokens are accepted', () => {
  it('ES384 (CDS Hooks Sandbox style: its jku is on the allowlist and is fetched) on discovery, invocation and feedback', async () => {
    const { app } = secured();
    const jkuFetch = nock('https://sandbox.cds-hooks.org').get('/.well-known/jwks.json').reply(200, jwksOf(es));
    const discovery = await signToken(es, SANDBOX_ISS, { claims: claimsFor('/cds-services'), header: { jku: SANDBOX_JKU } });
    await request(app).get('/cds-services').set('Authorization', `Bearer ${discovery}`).expect(200);
    const invoke = await signToken(es, SANDBOX_ISS, { claims: claimsFor() });
    const res = await request(app).post(PATH).set('Authorization', `Bearer ${invoke}`).send(fixtureRequest('early-marrow-b-awaiting')).expect(200);
    expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(['clinical-trial', 'reinduction-b-all', 'hsct-evaluation']);
    const feedback = await signToken(es, SANDBOX_ISS, { claims: claimsFor(`${PATH}/feedback`) });
    await request(app)
      .post(`${PATH}/feedback`)
      .set('Authorization', `Bearer ${feedback}`)
      .send({ feedback: [{ card: res.body.cards[0].uuid, outcome: 'overridden', outcomeTimestamp: '2026-11-28T12:00:00Z' }] })
      .expect(200);
    expect(jkuFetch.isDone()).toBe(true);
  });

  it('RS384 (Epic style) with an aud array', async () => {
    const { app } = secured();
    const token = await signToken(rs, EPIC_ISS, { claims: { aud: ['https://other.example', `${PUBLIC_URL}${PATH}`] } });
    await request(app).post(PATH).set('Authorization', `Bearer ${token}`).send(fixtureRequest('no-all-aml')).expect(200, { cards: [] });
  });
});

describe('every failure is a bare 401 and nothing else happens', () => {
  const now = nowSeconds;
  const failures: [string, () => Promise<string | undefined>][] = [
    ['no token', async () => undefined],
    ['a malformed token', async () => 'Bearer not.a.jwt'],
    ['a Basic header', async () => 'Basic dXNlcjpwYXNz'],
    ['alg none', async () => `Bearer ${unsignedToken(SANDBOX_ISS)}`],
    ['HS256 signed with the public key', async () => `Bearer ${await hmacWithPublicKey(es, SANDBOX_ISS)}`],
    ['the wrong key (same kid)', async () => `Bearer ${await signToken(stranger, SANDBOX_ISS, { claims: claimsFor() })}`],
    ['an unknown issuer', async () => `Bearer ${await signToken(es, 'https://evil.example', { claims: claimsFor() })}`],
    ['a wrong aud', async () => `Bearer ${await signToken(es, SANDBOX_ISS, { claims: { aud: `${PUBLIC_URL}/cds-services/other` } })}`],
    ['an expired token', async () => `Bearer ${await signToken(es, SANDBOX_ISS, { claims: { ...claimsFor(), iat: now() - 900, exp: now() - 600 } })}`],
    ['a token not yet valid', async () => `Bearer ${await signToken(es, SANDBOX_ISS, { claims: { ...claimsFor(), nbf: now() + 600 } })}`],
    ['a future iat', async () => `Bearer ${await signToken(es, SANDBOX_ISS, { claims: { ...claimsFor(), iat: now() + 600, exp: now() + 900 } })}`],
    ['no jti', async () => `Bearer ${await signToken(es, SANDBOX_ISS, { claims: { ...claimsFor(), jti: undefined } })}`],
  ];

  it.each(failures)('%s', async (_name, authorization) => {
    const { app, logs } = secured();
    const fhir = nock('https://ehr.example-hospital.org').get(/.*/).reply(200, {});
    const header = await authorization();
    const req = request(app).post(PATH);
    if (header) req.set('Authorization', header);
    const res = await req.send({ ...fixtureRequest('early-marrow-b-awaiting'), prefetch: undefined, fhirServer: EPIC_FHIR });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(fhir.isDone()).toBe(false);
    const log = logs.join('');
    expect(log).not.toContain('"msg":"evaluated"');
    expect(log).toMatch(/"level":40/);
    if (header?.startsWith('Bearer ') && header.length > 20) expect(log).not.toContain(header.slice(7));
  });

  it('a replayed jti', async () => {
    const { app, logs } = secured();
    const token = await signToken(es, SANDBOX_ISS, { claims: claimsFor() });
    await request(app).post(PATH).set('Authorization', `Bearer ${token}`).send(fixtureRequest('no-all-aml')).expect(200);
    const res = await request(app).post(PATH).set('Authorization', `Bearer ${token}`).send(fixtureRequest('no-all-aml')).expect(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
    expect(logs.join('').match(/"msg":"evaluated"/g)).toHaveLength(1);
  });

  it('a jku off the allowlist is never fetched (and the configured keys decide)', async () => {
    const { app } = secured();
    const evil = nock('https://evil.example').get(/.*/).reply(200, jwksOf(stranger));
    const forged = await signToken(stranger, SANDBOX_ISS, { claims: claimsFor(), header: { jku: 'https://evil.example/jwks.json' } });
    await request(app).post(PATH).set('Authorization', `Bearer ${forged}`).send(fixtureRequest('no-all-aml')).expect(401);
    expect(evil.isDone()).toBe(false);
    // A genuine token with the same off-list jku still passes on the configured keys, still without a fetch.
    const genuine = await signToken(es, SANDBOX_ISS, { claims: claimsFor(), header: { jku: 'https://evil.example/jwks.json' } });
    await request(app).post(PATH).set('Authorization', `Bearer ${genuine}`).send(fixtureRequest('no-all-aml')).expect(200);
    expect(evil.isDone()).toBe(false);
  });
});

describe("the outbound allowlist follows the caller's issuer", () => {
  it("calls the FHIR server on the issuer's fhirServers list", async () => {
    const { app } = secured();
    const req = fixtureRequest('early-marrow-b-awaiting');
    const prefetch = req.prefetch as Record<string, unknown>;
    delete prefetch.researchSubjects;
    const search = nock('https://ehr.example-hospital.org')
      .get('/api/FHIR/R4/ResearchSubject')
      .query(true)
      .reply(200, { resourceType: 'Bundle', type: 'searchset', total: 0 });
    const token = await signToken(rs, EPIC_ISS, { claims: claimsFor() });
    const res = await request(app)
      .post(PATH)
      .set('Authorization', `Bearer ${token}`)
      .send({ ...req, fhirServer: EPIC_FHIR, fhirAuthorization: { access_token: 'at-123', token_type: 'Bearer' } })
      .expect(200);
    expect(search.isDone()).toBe(true);
    expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(['clinical-trial', 'reinduction-b-all', 'hsct-evaluation']);
  });

  it('refuses (412, no network call) a FHIR server that is not on the issuer list, even on loopback', async () => {
    const { app } = secured();
    const any = nock('https://ehr.example-hospital.org').get(/.*/).reply(200, {});
    const token = await signToken(es, SANDBOX_ISS, { claims: claimsFor() });
    const res = await request(app)
      .post(PATH)
      .set('Authorization', `Bearer ${token}`)
      .send({ ...fixtureRequest('early-marrow-b-awaiting'), prefetch: undefined, fhirServer: EPIC_FHIR })
      .expect(412);
    expect(res.body.issue[0].diagnostics).toMatch(/not on this service's allowlist/);
    expect(any.isDone()).toBe(false);
    const loopback = await signToken(es, SANDBOX_ISS, { claims: claimsFor() });
    await request(app)
      .post(PATH)
      .set('Authorization', `Bearer ${loopback}`)
      .send({ ...fixtureRequest('early-marrow-b-awaiting'), prefetch: undefined, fhirServer: 'http://127.0.0.1:9/fhir' })
      .expect(412);
  });
});

describe('CORS for browser clients', () => {
  it('answers a preflight with 204 and the allowed headers, without a token', async () => {
    const { app } = secured();
    const res = await request(app)
      .options(PATH)
      .set('Origin', 'https://sandbox.cds-hooks.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type')
      .expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(res.headers['access-control-allow-headers']).toMatch(/Content-Type/);
    expect(res.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('honours a configured origin list', async () => {
    const { app } = makeTestApp({ env: { CDS_CORS_ORIGINS: 'https://ehr.example.org' } });
    const res = await request(app).options('/cds-services').set('Origin', 'https://ehr.example.org').set('Access-Control-Request-Method', 'GET').expect(204);
    expect(res.headers['access-control-allow-origin']).toBe('https://ehr.example.org');
  });

  it('sets security headers and no x-powered-by', async () => {
    const { app } = makeTestApp();
    const res = await request(app).get('/cds-services').expect(200);
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cache-control']).toBe('no-store');
  });
});

describe('modes at start-up', () => {
  it('CDS_AUTH=off is allowed in development, with a warning', () => {
    const config = loadConfig({ CDS_AUTH: 'off' });
    expect(config.auth.mode).toBe('off');
    expect(config.warnings.join(' ')).toMatch(/CDS_AUTH=off/);
  });
  it('production refuses CDS_AUTH=off unless CDS_ALLOW_INSECURE=true', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CDS_AUTH: 'off', CDS_CARD_ID_KEY: process.env.CDS_CARD_ID_KEY })).toThrow(/CDS_ALLOW_INSECURE/);
    expect(loadConfig({ NODE_ENV: 'production', CDS_AUTH: 'off', CDS_ALLOW_INSECURE: 'true', CDS_CARD_ID_KEY: process.env.CDS_CARD_ID_KEY }).auth.mode).toBe(
      'off',
    );
  });
  it('production defaults to required, and required refuses to start without a trusted issuer', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', CDS_CARD_ID_KEY: process.env.CDS_CARD_ID_KEY })).toThrow(/no trusted issuer/);
    expect(() => loadConfig({ CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL })).toThrow(/CDS_TRUSTED_ISSUERS_FILE/);
    const empty = join(tempDir('cds-auth-'), 'none.json');
    writeFileSync(empty, '[]');
    expect(() => loadConfig({ CDS_AUTH: 'required', CDS_PUBLIC_URL: PUBLIC_URL, CDS_TRUSTED_ISSUERS_FILE: empty })).toThrow(/CDS_TRUSTED_ISSUERS_FILE/);
  });
  it('required with issuers and a public URL starts', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      CDS_TRUSTED_ISSUERS_FILE: issuersFile,
      CDS_PUBLIC_URL: PUBLIC_URL,
      CDS_CARD_ID_KEY: process.env.CDS_CARD_ID_KEY,
    });
    expect(config.auth.mode).toBe('required');
  });
  it('production refuses to start without the card id key, or with a short one, and never echoes it', () => {
    const base = { NODE_ENV: 'production', CDS_TRUSTED_ISSUERS_FILE: issuersFile, CDS_PUBLIC_URL: PUBLIC_URL };
    expect(() => loadConfig(base)).toThrow(/CDS_CARD_ID_KEY is required in production/);
    let message = '';
    try {
      loadConfig({ ...base, CDS_CARD_ID_KEY: 'abcdef0123' });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/CDS_CARD_ID_KEY must be at least 32 bytes/);
    expect(message).not.toContain('abcdef0123');
  });
});
