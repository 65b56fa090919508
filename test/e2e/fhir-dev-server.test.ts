/**
 * The local FHIR R4 dev server (Medplum in memory behind express), over real
 * HTTP with global fetch: what the CDS service and the CDS Hooks Sandbox rely
 * on (reads, patient-scoped and code-filtered searches, paging, POST _search,
 * transactions, CORS), and the fixtures:load tool against a second instance.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultFixturesDir, startFhirDevServer, type FhirDevServer } from '../../dev/fhir-server/server';
import { loadFixtureBundles, main as loadFixturesMain, parseArgs } from '../../dev/tools/load-fixtures';

interface Coding {
  system?: string;
  code?: string;
}
interface Res {
  resourceType: string;
  id: string;
  subject?: { reference?: string };
  individual?: { reference?: string };
  code?: { coding?: Coding[] };
  [key: string]: unknown;
}
interface BundleJson {
  resourceType: string;
  type?: string;
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { fullUrl?: string; resource?: Res; response?: { status?: string } }[];
}

const FIXTURES = defaultFixturesDir();
const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort();
const bundles: Record<string, BundleJson> = Object.fromEntries(FILES.map((f) => [f, JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as BundleJson]));
const allResources: Res[] = Object.values(bundles).flatMap((b) => (b.entry ?? []).map((e) => e.resource as Res));
const patientIds = allResources.filter((r) => r.resourceType === 'Patient').map((r) => r.id);

/** What a patient-scoped search should find, computed from the fixture files. */
function expectedIds(type: string, patientId: string, code?: (c: Coding) => boolean): string[] {
  return allResources
    .filter((r) => r.resourceType === type)
    .filter((r) => (r.subject ?? r.individual)?.reference === `Patient/${patientId}`)
    .filter((r) => !code || (r.code?.coding ?? []).some(code))
    .map((r) => r.id)
    .sort();
}

const ids = (b: BundleJson): string[] => (b.entry ?? []).map((e) => e.resource?.id as string).sort();

let server: FhirDevServer;

async function get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: BundleJson & Res }> {
  const res = await fetch(path.startsWith('http') ? path : `${server.baseUrl}/${path}`, init);
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

beforeAll(async () => {
  server = await startFhirDevServer({ port: 0, loadFixtures: true });
}, 120_000);

afterAll(async () => {
  await server?.close();
});

describe('FHIR dev server: start-up', () => {
  it('listens on a random port under /fhir with every fixture bundle loaded', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}/fhir`);
    expect(server.fixtures.map((f) => f.file)).toEqual(FILES);
    expect(server.fixtures.flatMap((f) => f.patients.map((p) => p.id)).sort()).toEqual([...patientIds].sort());
  });

  it('serves a static CapabilityStatement at /metadata', async () => {
    const r = await get('metadata');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(r.body.resourceType).toBe('CapabilityStatement');
    expect(r.body.fhirVersion).toBe('4.0.1');
  });
});

describe('FHIR dev server: read and search', () => {
  it('reads a fixture Patient', async () => {
    const r = await get('Patient/emb-pt');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    expect(r.headers.get('access-control-allow-origin')).toBe('*');
    expect(r.body).toMatchObject({ resourceType: 'Patient', id: 'emb-pt', name: [{ family: 'Early-Marrow' }] });
    expect((await get('Patient/no-such-patient')).status).toBe(404);
  });

  it("Condition?patient=<id> returns that patient's Conditions only (bare id and Patient/<id>)", async () => {
    const want = expectedIds('Condition', 'emb-pt');
    expect(want.length).toBeGreaterThan(0);
    const bare = await get('Condition?patient=emb-pt');
    expect(bare.status).toBe(200);
    expect(bare.body).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: want.length });
    expect(ids(bare.body)).toEqual(want);
    for (const e of bare.body.entry ?? []) {
      expect(e.resource?.subject?.reference).toBe('Patient/emb-pt');
      expect(e.fullUrl).toBe(`${server.baseUrl}/Condition/${e.resource?.id}`);
    }
    expect(ids((await get('Condition?patient=Patient/emb-pt')).body)).toEqual(want);
    expect(ids((await get(`Condition?patient=${encodeURIComponent(`${server.baseUrl}/Patient/emb-pt`)}`)).body)).toEqual(want);
  });

  it('every patient-scoped search the service uses matches the fixture files exactly', async () => {
    const types = [
      'Condition',
      'Observation',
      'Procedure',
      'MedicationRequest',
      'MedicationAdministration',
      'MedicationStatement',
      'ServiceRequest',
      'ResearchSubject',
    ];
    for (const pid of patientIds) {
      const results = await Promise.all(types.map((t) => get(`${t}?patient=${pid}&_count=100`)));
      results.forEach((r, i) => {
        expect(r.status).toBe(200);
        expect({ pid, type: types[i], ids: ids(r.body) }).toEqual({ pid, type: types[i], ids: expectedIds(types[i], pid) });
      });
    }
  });

  it('Observation?patient=<id>&code=system|code filters by code (and by a list of codes)', async () => {
    const marrow = (c: Coding): boolean => c.system === 'http://loinc.org' && c.code === '11150-0';
    const want = expectedIds('Observation', 'emb-pt', marrow);
    const all = expectedIds('Observation', 'emb-pt');
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(all.length);
    const r = await get(`Observation?patient=emb-pt&code=${encodeURIComponent('http://loinc.org|11150-0')}`);
    expect(r.status).toBe(200);
    expect(ids(r.body)).toEqual(want);
    // Unencoded `|` as clients often send it.
    expect(ids((await get('Observation?patient=emb-pt&code=http://loinc.org|11150-0')).body)).toEqual(want);

    const either = (c: Coding): boolean => marrow(c) || (c.system === 'http://loinc.org' && c.code === '97509-4');
    const list = await get('Observation?patient=abp-pt&code=http://loinc.org|11150-0,http://loinc.org|97509-4');
    expect(ids(list.body)).toEqual(expectedIds('Observation', 'abp-pt', either));
    expect(ids((await get('Observation?patient=emb-pt&code=http://loinc.org|no-such-code')).body)).toEqual([]);
  });

  it('_count=2 pages with absolute next links that can be followed to collect everything', async () => {
    const want = expectedIds('Observation', 'cdn-pt');
    expect(want.length).toBeGreaterThan(4);
    let url: string | undefined = `${server.baseUrl}/Observation?patient=cdn-pt&_count=2`;
    const seen: string[] = [];
    let pages = 0;
    while (url) {
      const page = await get(url);
      expect(page.status).toBe(200);
      expect(page.body.total).toBe(want.length);
      expect((page.body.entry ?? []).length).toBeLessThanOrEqual(2);
      seen.push(...(page.body.entry ?? []).map((e) => e.resource?.id as string));
      const next = page.body.link?.find((l) => l.relation === 'next')?.url;
      if (next) expect(next.startsWith(`${server.baseUrl}/Observation?`)).toBe(true);
      url = next;
      pages++;
      expect(pages).toBeLessThanOrEqual(want.length);
    }
    expect(pages).toBe(Math.ceil(want.length / 2));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(want);
  });

  it('POST Observation/_search with a form body (as the CDS Hooks Sandbox sends) answers like GET', async () => {
    const form = new URLSearchParams({ patient: 'emb-pt', code: 'http://loinc.org|11150-0' });
    const r = await get('Observation/_search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('searchset');
    expect(ids(r.body)).toEqual(expectedIds('Observation', 'emb-pt', (c) => c.code === '11150-0'));
    const all = await get('Observation/_search', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'patient=emb-pt',
    });
    expect(ids(all.body)).toEqual(expectedIds('Observation', 'emb-pt'));
  });

  it('refuses search parameters the in-memory matcher cannot evaluate instead of matching nothing', async () => {
    for (const q of [
      'Observation?no-such-param=1',
      'Observation?value-quantity=gt5',
      'Observation?code:in=http://example.org/vs',
      'Observation?_include=Observation:patient',
      'Observation?_count=abc',
    ]) {
      const r = await get(q);
      expect({ q, status: r.status }).toEqual({ q, status: 400 });
      expect(r.body.resourceType).toBe('OperationOutcome');
    }
    expect((await get('NoSuchType?patient=emb-pt')).status).toBe(404);
  });
});

describe('FHIR dev server: writes', () => {
  it('creates, updates and deletes with PUT / DELETE, and runs transaction Bundles POSTed to the base', async () => {
    const tx = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'tx-pt', name: [{ family: 'Transaction' }] }, request: { method: 'PUT', url: 'Patient/tx-pt' } },
        {
          resource: { resourceType: 'Condition', id: 'tx-cond', subject: { reference: 'Patient/tx-pt' }, code: { text: 'x' } },
          request: { method: 'PUT', url: 'Condition/tx-cond' },
        },
      ],
    };
    const r = await get('', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(tx) });
    expect(r.status).toBe(200);
    expect(r.body.type).toBe('transaction-response');
    expect(r.body.entry?.map((e) => e.response?.status)).toEqual(['200', '200']);
    expect(ids((await get('Condition?patient=tx-pt')).body)).toEqual(['tx-cond']);

    const put = await get('Patient/put-pt', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'put-pt', gender: 'other' }),
    });
    expect(put.status).toBe(201);
    const again = await get('Patient/put-pt', {
      method: 'PUT',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: JSON.stringify({ resourceType: 'Patient', id: 'put-pt', gender: 'female' }),
    });
    expect(again.status).toBe(200);
    expect((await get('Patient/put-pt')).body.gender).toBe('female');
    expect((await get('Patient/put-pt', { method: 'DELETE' })).status).toBe(200);
    expect((await get('Patient/put-pt')).status).toBe(404);

    const bad = await get('', { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: '{not json' });
    expect(bad.status).toBe(400);
    expect(bad.body.resourceType).toBe('OperationOutcome');
  });
});

describe('FHIR dev server: browsers and request log', () => {
  it('answers CORS preflights with 204 and allows Authorization and Content-Type', async () => {
    const res = await fetch(`${server.baseUrl}/Observation/_search`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://sandbox.cds-hooks.org',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
    expect(allowed).toContain('authorization');
    expect(allowed).toContain('content-type');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('records every request with its start and end time; delayed requests sent together overlap', async () => {
    const slow = await startFhirDevServer({ delayMs: 80 });
    try {
      await Promise.all(
        ['Condition', 'Observation', 'Procedure', 'MedicationRequest'].map((t) => fetch(`${slow.baseUrl}/${t}?patient=emb-pt`).then((r) => r.text())),
      );
      const recs = slow.requests.filter((r) => r.method === 'GET');
      expect(recs).toHaveLength(4);
      for (const r of recs) {
        expect(r.url).toMatch(/^\/fhir\/\w+\?patient=emb-pt$/);
        expect(r.status).toBe(200);
        expect(r.end).toBeGreaterThanOrEqual(r.start + 70);
      }
      // All four were in flight at the same moment.
      expect(Math.max(...recs.map((r) => r.start))).toBeLessThan(Math.min(...recs.map((r) => r.end)));
    } finally {
      await slow.close();
    }
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((r) => Number.isFinite(r.start) && r.end >= r.start)).toBe(true);
  });
});

describe('fixtures:load tool', () => {
  const TOKEN = 'dev-token-do-not-print-1234';

  it('loads every fixture bundle into an empty server as transactions, with the bearer token, never printing it', async () => {
    const empty = await startFhirDevServer({ requireBearer: TOKEN });
    try {
      expect((await fetch(`${empty.baseUrl}/Patient/emb-pt`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(404);
      const lines: string[] = [];
      const results = await loadFixtureBundles({ server: `${empty.baseUrl}/`, token: TOKEN, timeoutMs: 10_000, log: (l) => lines.push(l) });
      expect(results.map((r) => r.file)).toEqual(FILES);
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(lines).toHaveLength(FILES.length);
      expect(lines.join('\n')).not.toContain(TOKEN);
      expect(lines[0]).toMatch(/^ok\s+200\s+\S+\.json/);
      const posts = empty.requests.filter((r) => r.method === 'POST');
      expect(posts).toHaveLength(FILES.length);
      expect(posts.every((r) => r.url === '/fhir' && r.status === 200)).toBe(true);

      const read = await fetch(`${empty.baseUrl}/Condition?patient=emb-pt`, { headers: { Authorization: `Bearer ${TOKEN}` } });
      expect(ids((await read.json()) as BundleJson)).toEqual(expectedIds('Condition', 'emb-pt'));
      // Without the token the test server refuses, so the tool really sent it.
      expect((await fetch(`${empty.baseUrl}/Patient/emb-pt`)).status).toBe(401);
    } finally {
      await empty.close();
    }
  });

  it('reports each failing bundle and the command exits non-zero', async () => {
    const empty = await startFhirDevServer({});
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-load-'));
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      writeFileSync(join(dir, 'a-good.json'), readFileSync(join(FIXTURES, FILES[0]), 'utf8'));
      writeFileSync(join(dir, 'b-not-a-bundle.json'), JSON.stringify({ resourceType: 'Patient', id: 'x' }));
      writeFileSync(
        join(dir, 'c-rejected.json'),
        JSON.stringify({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [{ resource: { resourceType: 'Patient', id: 'one' }, request: { method: 'PUT', url: 'Patient/another' } }],
        }),
      );
      writeFileSync(join(dir, 'd-broken.json'), '{');
      const results = await loadFixtureBundles({ server: empty.baseUrl, dir, log: () => undefined });
      expect(results.map((r) => [r.file, r.ok])).toEqual([
        ['a-good.json', true],
        ['b-not-a-bundle.json', false],
        ['c-rejected.json', false],
        ['d-broken.json', false],
      ]);
      expect(results[2].status).toBe(400);

      const code = await loadFixturesMain(['--server', empty.baseUrl, '--dir', dir, '--token', TOKEN]);
      expect(code).toBe(1);
      expect(out.join('')).toMatch(/FAILED\s+400\s+c-rejected\.json/);
      expect(out.join('')).not.toContain(TOKEN);

      const closed = await startFhirDevServer({});
      await closed.close();
      const unreachable = await loadFixtureBundles({ server: closed.baseUrl, dir, timeoutMs: 2_000, log: () => undefined });
      expect(unreachable.map((r) => r.ok)).toEqual([false, false, false, false]);
      expect(unreachable[0].error).toMatch(/ECONNREFUSED/);
    } finally {
      spy.mockRestore();
      rmSync(dir, { recursive: true, force: true });
      await empty.close();
    }
  });

  it('parses its command line', () => {
    expect(parseArgs(['--server', 'http://h/fhir', '--dir', 'x', '--timeout', '500'], {})).toEqual({ server: 'http://h/fhir', dir: 'x', timeoutMs: 500 });
    expect(parseArgs(['--server=http://h/fhir'], { FHIR_TOKEN: 't' })).toEqual({ server: 'http://h/fhir', token: 't' });
    expect(() => parseArgs([], {})).toThrow('--server is required');
    expect(() => parseArgs(['--server', 'http://h', '--bogus'], {})).toThrow('unknown argument');
  });
});
