/**
 * Hostile input over a real listening server: truncated and deeply nested
 * JSON, huge strings, wrong types in every field, thousands of prefetch
 * entries, non-FHIR prefetch, unicode and control characters, and a
 * slowloris body. Afterwards the process still answers correctly.
 */
import { tempDir } from '../support/temp';
import { join } from 'node:path';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startServer, type RunningServer } from '../../src/server';
import { cardCodes, expectOperationOutcome, expectValidCdsResponse, fixtureRequest, knowledgeFor, EVALUATION_DATE } from '../support/cds';

const URL = '/cds-services/relapsed-all-patient-view';
let running: RunningServer;

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    CDS_REQUEST_TIMEOUT_MS: '1500',
    CDS_MAX_PREFETCH_RESOURCES: '12000',
    CDS_BODY_LIMIT: '5mb',
    CDS_CARD_ID_KEY: process.env.CDS_CARD_ID_KEY,
    CDS_FEEDBACK_DB: join(tempDir('cds-hostile-'), 'feedback.sqlite'),
  });
  const logger = createLogger('silent', new Writable({ write: (_c, _e, cb) => cb() }));
  running = await startServer({ config, logger, knowledge: knowledgeFor(), settings: config.clinical, clock: () => EVALUATION_DATE }, 0, '127.0.0.1');
});
afterAll(async () => running.close());

const valid = (): Record<string, unknown> => fixtureRequest('early-marrow-b-awaiting');

async function stillServesCorrectly(): Promise<void> {
  const res = await request(running.url).post(URL).send(valid()).expect(200);
  expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(['clinical-trial', 'reinduction-b-all', 'hsct-evaluation']);
}

describe('hostile input', () => {
  it('truncated JSON -> 400', async () => {
    const text = JSON.stringify(valid());
    const res = await request(running.url)
      .post(URL)
      .set('Content-Type', 'application/json')
      .send(text.slice(0, text.length / 2))
      .expect(400);
    expectOperationOutcome(res.body);
    await stillServesCorrectly();
  });

  it('deeply nested JSON (100 000 levels) -> 400, no stack overflow', async () => {
    const deep = `{"hook":"patient-view","extension":{"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const res = await request(running.url).post(URL).set('Content-Type', 'application/json').send(deep);
    expect(res.status).toBe(400);
    expectOperationOutcome(res.body);
    await stillServesCorrectly();
  });

  it('moderately nested JSON past the depth bound -> 400 naming the bound', async () => {
    const res = await request(running.url)
      .post(URL)
      .send({ ...valid(), extension: { deep: JSON.parse(`${'['.repeat(200)}${']'.repeat(200)}`) } })
      .expect(400);
    expect(res.body.issue[0].diagnostics).toMatch(/nested deeper than 64 levels/);
  });

  it('huge strings are refused, not echoed', async () => {
    const huge = 'A'.repeat(3_000_000);
    const res = await request(running.url)
      .post(URL)
      .send({ ...valid(), hookInstance: huge })
      .expect(400);
    expectOperationOutcome(res.body);
    expect(JSON.stringify(res.body).length).toBeLessThan(2_000);
    await stillServesCorrectly();
  });

  const wrongTypes: [string, unknown][] = [
    ['hook', 42],
    ['hookInstance', { a: 1 }],
    ['context', []],
    ['context', 'Patient/1'],
    ['prefetch', 'everything'],
    ['prefetch', [1, 2, 3]],
    ['fhirServer', 5],
    ['fhirServer', 'not a url'],
    ['fhirAuthorization', 'Bearer x'],
    ['extension', []],
  ];
  it.each(wrongTypes)('wrong type in %s -> 400', async (field, value) => {
    const res = await request(running.url)
      .post(URL)
      .send({ ...valid(), [field]: value })
      .expect(400);
    expectOperationOutcome(res.body);
  });

  it('wrong types inside context -> 400', async () => {
    for (const context of [
      { userId: 1, patientId: 'p' },
      { userId: 'u', patientId: 7 },
      { userId: 'u', patientId: 'bad id with spaces' },
      { userId: 'u', patientId: '' },
    ]) {
      const res = await request(running.url)
        .post(URL)
        .send({ ...valid(), context })
        .expect(400);
      expectOperationOutcome(res.body);
    }
  });

  it('non-FHIR prefetch values -> 400', async () => {
    for (const value of [1, 'x', true, [], { resourceType: 5 }, { resourceType: 'lowercase' }, { resourceType: 'Bundle', entry: [1] }]) {
      const res = await request(running.url)
        .post(URL)
        .send({ ...valid(), prefetch: { conditions: value } })
        .expect(400);
      expectOperationOutcome(res.body);
    }
  });

  it('a prefetch with thousands of entries is read and answered', async () => {
    const req = valid();
    const prefetch = req.prefetch as Record<string, { entry: unknown[] }>;
    const noise = Array.from({ length: 10_000 }, (_, i) => ({
      resource: {
        resourceType: 'Observation',
        id: `noise-${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
        valueQuantity: { value: 12, unit: 'g/dL' },
      },
    }));
    prefetch.observations.entry.push(...noise);
    const res = await request(running.url).post(URL).send(req).expect(200);
    expect(cardCodes(expectValidCdsResponse(res.body))).toEqual(['clinical-trial', 'reinduction-b-all', 'hsct-evaluation']);
  });

  it('a field of the wrong shape inside a resource (found by the fuzzer) is unreadable, not a 500', async () => {
    const req = fixtureRequest('adult-b-persistent-cart');
    const prefetch = req.prefetch as Record<string, { entry: { resource: Record<string, unknown> }[] }>;
    const target = prefetch.observations.entry[0].resource;
    for (const bad of [[0, null], { nested: true }, 42]) {
      target.effectiveDateTime = bad;
      const res = await request(running.url).post(URL).send(req).expect(200);
      expect(cardCodes(expectValidCdsResponse(res.body))).toContain('clinical-trial');
    }
    await stillServesCorrectly();
  });

  it('a prefetch over the resource bound -> 413', async () => {
    const req = valid();
    (req.prefetch as Record<string, unknown>).extra = { resourceType: 'Bundle', entry: Array.from({ length: 12_001 }, () => ({})) };
    const res = await request(running.url).post(URL).send(req).expect(413);
    expectOperationOutcome(res.body);
  });

  it('unicode, control characters and markup in patient data are escaped in the cards', async () => {
    const req = valid();
    const conditions = (req.prefetch as Record<string, { entry: { resource: { code: { text?: string } } }[] }>).conditions;
    conditions.entry[0].resource.code.text = 'ALL \u0000\u0007 <script>alert(1)</script> **bold** [x](javascript:evil) 白血病 🩸 \u202e';
    const res = await request(running.url).post(URL).send(req).expect(200);
    const body = expectValidCdsResponse(res.body);
    const detail = body.cards.map((c) => c.detail).join('\n');
    expect(detail).not.toContain('<script>');
    expect(detail).toContain('&lt;script&gt;');
    expect(detail).not.toMatch(/(?<!\\)\]\(javascript:/);
    expect(detail).toContain('\\[x\\](javascript:evil)');
    expect(detail).not.toMatch(/[\u0000\u0007]/);
    expect(detail).toContain('白血病');
    await stillServesCorrectly();
  });

  it('a slowloris body is cut off by the request timeout, and the server keeps serving', async () => {
    const { port } = running;
    const closed = await new Promise<{ ms: number; response: string }>((resolve) => {
      const started = Date.now();
      const socket = connect(port, '127.0.0.1');
      let response = '';
      socket.on('data', (d) => (response += String(d)));
      socket.write(`POST ${URL} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"hook":`);
      const drip = setInterval(() => socket.write(' '), 200);
      const finish = (): void => {
        clearInterval(drip);
        resolve({ ms: Date.now() - started, response });
      };
      socket.on('close', finish);
      socket.on('error', finish);
      setTimeout(() => socket.destroy(), 8_000);
    });
    expect(closed.ms).toBeLessThan(6_000);
    expect(closed.response === '' || /^HTTP\/1\.1 (408|400)/.test(closed.response)).toBe(true);
    await stillServesCorrectly();
  });
});
