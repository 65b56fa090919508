/**
 * GET /metrics (issue #10): Prometheus text from the request thread, after real
 * invocations: duration histograms by service and status, cards by code,
 * prefetch-key states, FHIR fetch outcomes, event-loop lag; outside the CDS
 * callers' authentication; off with CDS_METRICS=off; never a patient id.
 * (CI also runs `promtool check metrics` on a live service's output: .ci/run.)
 */
import { tempDir } from '../support/temp';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { expectOperationOutcome, fixtureRequest, makeTestApp } from '../support/cds';
import { failedQueryOutcome } from '../../dev/tools/fixture-requests';
import { jwksOf, makeKey } from '../unit/auth/helpers';

describe('GET /metrics', () => {
  it('counts invocations, cards, prefetch-key states and fetch outcomes, in Prometheus text', async () => {
    const { app } = makeTestApp();
    const req = fixtureRequest('early-marrow-b-awaiting');
    await request(app).post('/cds-services/relapsed-all-patient-view').send(req).expect(200);
    const withFailedKey = { ...req, prefetch: { ...(req.prefetch as Record<string, unknown>), procedures: failedQueryOutcome('procedures') } };
    await request(app).post('/cds-services/relapsed-all-patient-view').send(withFailedKey).expect(200);
    await request(app).post('/cds-services/relapsed-all-order-sign').send({ hook: 'order-sign' }).expect(400);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    expect(text).toContain('# TYPE relapsed_all_cds_invocation_duration_seconds histogram');
    expect(text).toMatch(/relapsed_all_cds_invocation_duration_seconds_count\{service="relapsed-all-patient-view",status="200"\} 2/);
    expect(text).toMatch(/relapsed_all_cds_invocation_duration_seconds_count\{service="relapsed-all-order-sign",status="400"\} 1/);
    expect(text).toMatch(/relapsed_all_cds_cards_total\{service="relapsed-all-patient-view",code="hsct-evaluation"\} 2/);
    expect(text).toMatch(/relapsed_all_cds_prefetch_keys_total\{service="relapsed-all-patient-view",key="procedures",state="failed"\} 1/);
    expect(text).toMatch(/relapsed_all_cds_prefetch_keys_total\{service="relapsed-all-patient-view",key="conditions",state="prefetched"\} 2/);
    expect(text).toMatch(/relapsed_all_cds_fhir_fetch_total\{service="relapsed-all-patient-view",outcome="failed"\} 1/);
    expect(text).toMatch(/relapsed_all_cds_event_loop_lag_seconds\{stat="p99"\} [0-9.e-]+/);
    expect(text).toMatch(/relapsed_all_cds_resident_memory_bytes \d+/);
    // Every sample line is `name{labels} value`; no patient id anywhere.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_:][a-z0-9_:]*(\{[^}]*\})? [-+0-9.eE]+|NaN|[+-]Inf$/);
    const patientId = (req.context as { patientId: string }).patientId;
    expect(text).not.toContain(patientId);
  });

  it("is outside the CDS callers' authentication, and off with CDS_METRICS=off", async () => {
    const dir = tempDir('metrics-auth-');
    const issuers = join(dir, 'trusted-issuers.json');
    writeFileSync(issuers, JSON.stringify([{ iss: 'https://ehr.example.org', jwks: jwksOf(await makeKey('ES384')) }]));
    const { app } = makeTestApp({ env: { CDS_AUTH: 'required', CDS_TRUSTED_ISSUERS_FILE: issuers, CDS_PUBLIC_URL: 'https://cds.example.org' } });
    await request(app).get('/metrics').expect(200);
    await request(app).get('/cds-services').expect(401);
    const off = makeTestApp({ env: { CDS_METRICS: 'off' } });
    const res = await request(off.app).get('/metrics').expect(404);
    expectOperationOutcome(res.body);
  });
});
