import { rmSync, writeFileSync } from 'node:fs';
import { tempDir } from '../../support/temp';
import { join } from 'node:path';
import { exportJWK, generateKeyPair } from 'jose';
import { isLoopbackHostname, loadTrustedIssuers, parseTrustedIssuers, TrustedIssuersError } from '../../../src/auth/issuers';
import { EPIC_ISS, EPIC_JWKS_URI, SANDBOX_ISS, SANDBOX_JKU, jwksOf, makeKey } from './helpers';

let dir: string;
beforeAll(() => {
  dir = tempDir('trusted-issuers-');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeJson(name: string, value: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  return file;
}

function problem(json: unknown): string {
  try {
    parseTrustedIssuers(json, 'issuers.json');
  } catch (err) {
    expect(err).toBeInstanceOf(TrustedIssuersError);
    return (err as Error).message;
  }
  throw new Error('expected the file to be refused');
}

describe('trusted issuers file', () => {
  test('loads the Sandbox (jku allowlist), an Epic-style issuer (jwksUri) and inline keys', async () => {
    const key = await makeKey('ES384', 'inline-1');
    const file = writeJson('ok.json', [
      { iss: SANDBOX_ISS, jkuAllowlist: [SANDBOX_JKU] },
      { iss: EPIC_ISS, jwksUri: EPIC_JWKS_URI, fhirServers: ['https://ehr.example-hospital.org/api/FHIR/R4'] },
      { iss: 'https://ehr.example.org', jwks: jwksOf(key), jwksUri: 'http://127.0.0.1:8080/jwks' },
    ]);
    const issuers = loadTrustedIssuers(file);
    expect(issuers.map((i) => i.iss)).toEqual([SANDBOX_ISS, EPIC_ISS, 'https://ehr.example.org']);
    expect(issuers[0]).toEqual({ iss: SANDBOX_ISS, jkuAllowlist: [SANDBOX_JKU] });
    expect(issuers[1].fhirServers).toEqual(['https://ehr.example-hospital.org/api/FHIR/R4']);
    expect(issuers[2].jwks!.keys[0].kid).toBe('inline-1');
    expect(issuers[2].jwks!.keys[0].x).toBe(key.publicJwk.x); // JWK members kept
  });

  test('an unreadable or non-JSON file names the file', () => {
    expect(() => loadTrustedIssuers(join(dir, 'missing.json'))).toThrow(/trusted issuers file .*missing\.json: cannot be read \(ENOENT\)/);
    const bad = writeJson('bad.json', '[{"iss": ');
    expect(() => loadTrustedIssuers(bad)).toThrow(/trusted issuers file .*bad\.json: not valid JSON/);
  });

  test('a validation problem names the file and the entry', () => {
    const file = writeJson('nokeys.json', [{ iss: SANDBOX_ISS, jkuAllowlist: [SANDBOX_JKU] }, { iss: 'https://x.example' }]);
    expect(() => loadTrustedIssuers(file)).toThrow(/nokeys\.json: \[1\]: issuer "https:\/\/x\.example" has no key source/);
  });

  test('each issuer needs jwks, jwksUri or a non-empty jkuAllowlist', () => {
    expect(problem([{ iss: 'a', jkuAllowlist: [] }])).toMatch(/\[0\]: issuer "a" has no key source/);
    expect(problem([{ iss: 'a', fhirServers: ['https://f.example'] }])).toMatch(/no key source/);
  });

  test('shape errors', () => {
    expect(problem({ iss: 'a' })).toMatch(/issuers\.json: .*array/);
    expect(problem([])).toMatch(/lists no issuers/);
    expect(problem([{ jwksUri: 'https://k.example/jwks' }])).toMatch(/\[0\]\.iss/);
    expect(problem([{ iss: '', jwksUri: 'https://k.example/jwks' }])).toMatch(/\[0\]\.iss: iss must not be empty/);
    expect(problem([{ iss: ' a', jwksUri: 'https://k.example/jwks' }])).toMatch(/leading or trailing spaces/);
    expect(problem([{ iss: 'a', jwks_uri: 'https://k.example/jwks' }])).toMatch(/jwks_uri/); // a typo is not silently ignored
    expect(
      problem([
        { iss: 'a', jwksUri: 'https://k.example/jwks' },
        { iss: 'a', jwksUri: 'https://k.example/jwks' },
      ]),
    ).toMatch(/\[1\]\.iss: duplicate issuer "a"/);
  });

  test('key-set URLs are https, or http only on loopback', () => {
    expect(problem([{ iss: 'a', jwksUri: 'http://keys.example.org/jwks' }])).toMatch(/\[0\]\.jwksUri: must use https \(http only for loopback\)/);
    expect(problem([{ iss: 'a', jkuAllowlist: ['http://keys.example.org/jwks'] }])).toMatch(/\[0\]\.jkuAllowlist\[0\]: must use https/);
    expect(problem([{ iss: 'a', jwksUri: 'keys.example.org/jwks' }])).toMatch(/not an absolute URL/);
    expect(problem([{ iss: 'a', jwksUri: 'ftp://keys.example.org/jwks' }])).toMatch(/must use https/);
    expect(problem([{ iss: 'a', jwksUri: 'https://u:p@keys.example.org/jwks' }])).toMatch(/credentials/);
    for (const ok of ['http://localhost:9000/jwks', 'http://127.0.0.1/jwks', 'http://[::1]:8080/jwks', 'https://k.example/jwks']) {
      expect(parseTrustedIssuers([{ iss: 'a', jwksUri: ok }], 't')).toHaveLength(1);
    }
    expect(isLoopbackHostname('127.1.2.3')).toBe(true);
    expect(isLoopbackHostname('127.0.0.1.evil.example')).toBe(false);
    expect(isLoopbackHostname('localhost.evil.example')).toBe(false);
  });

  test('fhirServers must be http(s) URLs', () => {
    expect(problem([{ iss: 'a', jwksUri: 'https://k.example/jwks', fhirServers: ['not a url'] }])).toMatch(/\[0\]\.fhirServers\[0\]: not an absolute URL/);
    expect(problem([{ iss: 'a', jwksUri: 'https://k.example/jwks', fhirServers: ['file:///etc/passwd'] }])).toMatch(/must be an http\(s\) URL/);
  });

  test('inline keys: public EC/RSA keys with a kid only (no private or HMAC keys)', async () => {
    const { privateKey } = await generateKeyPair('ES384', { extractable: true });
    const privateJwk = { ...(await exportJWK(privateKey)), kid: 'p' };
    expect(problem([{ iss: 'a', jwks: { keys: [privateJwk] } }])).toMatch(/\[0\]\.jwks\.keys\[0\]\.d: private key material/);
    expect(problem([{ iss: 'a', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'h' }] } }])).toMatch(/kty must be "EC" or "RSA"/);
    const key = await makeKey('RS384');
    const { kid: _kid, ...noKid } = key.publicJwk;
    expect(problem([{ iss: 'a', jwks: { keys: [noKid] } }])).toMatch(/\[0\]\.jwks\.keys\[0\]\.kid/);
    expect(problem([{ iss: 'a', jwks: { keys: [] } }])).toMatch(/jwks\.keys must not be empty/);
    expect(problem([{ iss: 'a', jwks: [key.publicJwk] }])).toMatch(/\[0\]\.jwks/);
  });
});
