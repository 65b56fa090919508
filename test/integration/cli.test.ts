/**
 * The command-line evaluator: the same use case as the HTTP service, so the
 * two cannot disagree on the same request. Run in-process (fast), and once as
 * a user would, as a child process.
 */
import { tempDir } from '../support/temp';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { runEvaluate } from '../../src/cli';
import { ROOT, expectValidCdsResponse, fixtureRequest, makeTestApp } from '../support/cds';
import { orderScenario, orderScenarioRequest, serviceUrl } from '../support/orders';

async function evaluate(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runEvaluate(args, { out: (t) => (out += t), err: (t) => (err += t), env: { ...process.env, CDS_VALUESET_DIR: '' } });
  return { code, out, err };
}

describe('npm run evaluate', () => {
  it('prints the stratification and the cards as a clinician reads them', async () => {
    const { code, out } = await evaluate(join(ROOT, 'fixtures', 'patients', 'early-marrow-b-awaiting.json'), '--now', '2026-11-28');
    expect(code).toBe(0);
    expect(out).toContain('Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, awaiting reinduction');
    expect(out).toMatch(/timing\s+early/);
    expect(out).toMatch(/\[WARNING\] Early relapse: refer for allogeneic HSCT/);
    expect(out).toContain('-> suggestion: Refer to the transplant team');
  });

  it('--json prints the CDS Hooks response, also from a complete CDS request', async () => {
    const { out } = await evaluate(join(ROOT, 'fixtures', 'requests', 't-all-late-cns-cr2-chemo.json'), '--now', '2026-11-28', '--json');
    const body = expectValidCdsResponse(JSON.parse(out));
    expect(body.cards.map((c) => c.source.topic?.code)).toEqual(['clinical-trial', 'cns-directed-therapy', 'chemotherapy-alone-option']);
  });

  it('gives exactly the HTTP service answer for the same request (one use case)', async () => {
    const { app } = makeTestApp();
    for (const name of ['cdt-unavailable-obs-proc', 'hx-third-relapse-post-hsct', 'early-combined-cns-b-cr2']) {
      const http = await request(app).post('/cds-services/relapsed-all-patient-view').send(fixtureRequest(name)).expect(200);
      const { out } = await evaluate(join(ROOT, 'fixtures', 'requests', `${name}.json`), '--now', '2026-11-28', '--json');
      expect(JSON.parse(out)).toEqual(http.body);
    }
  });

  it('applies the same 412 rule as the service when essential data is missing', async () => {
    const req = fixtureRequest('early-marrow-b-awaiting');
    const { conditions: _dropped, ...prefetch } = req.prefetch as Record<string, unknown>;
    const file = join(tempDir('cli-412-'), 'request.json');
    writeFileSync(file, JSON.stringify({ ...req, prefetch }));
    const { code, err } = await evaluate(file, '--now', '2026-11-28');
    expect(code).toBe(3);
    expect(err).toMatch(/412 cannot decide whether the patient has relapsed ALL: conditions \(diagnoses\) \(conditions\)/);
  });

  it('says so for a patient without relapsed ALL', async () => {
    expect((await evaluate(join(ROOT, 'fixtures', 'patients', 'first-remission-no-cards.json'))).out).toContain('No relapsed ALL found: no cards.');
  });

  it('refuses a bad date, an unknown option and a missing file with a usage message', async () => {
    expect(await evaluate('x.json', '--now', 'yesterday')).toMatchObject({ code: 2, err: expect.stringMatching(/--now takes a date/) });
    expect(await evaluate('x.json', '--nope')).toMatchObject({ code: 2, err: expect.stringMatching(/usage:/) });
    expect(await evaluate()).toMatchObject({ code: 2, err: expect.stringMatching(/one bundle or request file is required/) });
  });

  describe('--orders: the order checks for a patient Bundle and a draft-orders file', () => {
    const scenario = orderScenario('ox-t315i-dasatinib-flagida-lp');
    const dir = tempDir('cli-orders-');
    const patient = join(dir, 'patient.json');
    const orders = join(dir, 'draft-orders.json');
    writeFileSync(patient, JSON.stringify(scenario.patient));
    writeFileSync(orders, JSON.stringify(scenario.draftOrders));

    it('prints the order cards with their suggestions (order-sign by default)', async () => {
      const { code, out } = await evaluate(patient, '--orders', orders, '--now', '2026-11-28');
      expect(code).toBe(0);
      expect(out).toMatch(/\[CRITICAL\] dasatinib ordered with ABL1 T315I reported: no T315I activity; switch to ponatinib\s+\(order-tki-t315i\)/);
      expect(out).toContain('-> suggestion: Order ponatinib instead of dasatinib');
      expect(out).toContain('-> suggestion: Remove the dasatinib order');
    });

    it('--json gives exactly the order-sign service answer; --hook order-select with --select checks only the selection', async () => {
      const { app } = makeTestApp();
      const http = await request(app).post(serviceUrl('order-sign')).send(orderScenarioRequest('ox-t315i-dasatinib-flagida-lp', scenario)).expect(200);
      const { out } = await evaluate(patient, '--orders', orders, '--now', '2026-11-28', '--json');
      expect(JSON.parse(out)).toEqual(http.body);
      const selected = await evaluate(
        patient,
        '--orders',
        orders,
        '--hook',
        'order-select',
        '--select',
        'MedicationRequest/ox9-draft-ida',
        '--json',
        '--now',
        '2026-11-28',
      );
      expect(expectValidCdsResponse(JSON.parse(selected.out)).cards).toEqual([]);
    });

    it('an order for nothing it checks: says so', async () => {
      const none = join(dir, 'none.json');
      writeFileSync(
        none,
        JSON.stringify({ resourceType: 'Bundle', entry: [{ resource: { resourceType: 'MedicationRequest', id: 'request-123', status: 'draft' } }] }),
      );
      const { code, out } = await evaluate(patient, '--orders', none, '--now', '2026-11-28');
      expect(code).toBe(0);
      expect(out).toContain('No order for an ALL-directed agent to check: no cards.');
    });

    it('refuses --hook or --select without --orders, and an unknown hook', async () => {
      expect((await evaluate(patient, '--hook', 'order-sign')).code).toBe(2);
      expect((await evaluate(patient, '--orders', orders, '--hook', 'patient-view')).err).toMatch(/--hook is order-sign or order-select/);
      expect((await evaluate(patient, '--orders', orders, '--select', 'MedicationRequest/x')).err).toMatch(/--select needs --hook order-select/);
    });
  });

  it('runs as a command (child process)', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'cli.ts'), join(ROOT, 'fixtures', 'patients', 'no-all-aml.json')], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CDS_VALUESET_DIR: '' },
    });
    expect(out).toContain('No relapsed ALL found: no cards.');
  });
});
