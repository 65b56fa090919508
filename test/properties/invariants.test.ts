/**
 * The clinical invariants (clinical-invariants.ts) on generated charts, over
 * the real HTTP path: one service listening on loopback, one request per chart.
 * Seeded and reproducible: INVARIANT_SEED and INVARIANT_RUNS override the
 * defaults; a failure prints the seed, the path and the chart's choices.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { expectValidCdsResponse, makeTestApp } from '../support/cds';
import { requestFor } from '../support/chart';
import { buildChart, choicesArbitrary } from './chart-generator';
import { clinicalInvariantViolations } from './clinical-invariants';

const RUNS = Number(process.env.INVARIANT_RUNS ?? 2000);
const SEED = Number(process.env.INVARIANT_SEED ?? 20261128);
let server: Server;
let url: string;

beforeAll(async () => {
  const { app } = makeTestApp();
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cds-services/relapsed-all-patient-view`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('clinical invariants on generated charts', () => {
  it(`hold on ${RUNS} generated charts (seed ${SEED})`, async () => {
    let relapsed = 0;
    await fc.assert(
      fc.asyncProperty(choicesArbitrary, async (choices) => {
        const { chart, truth } = buildChart(choices);
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(requestFor(chart, [...truth.unavailable])),
        });
        expect(res.status).toBe(200);
        const body = expectValidCdsResponse(await res.json());
        if (truth.relapsedAll) relapsed += 1;
        const violations = clinicalInvariantViolations(truth, body);
        if (violations.length > 0) throw new Error(`${violations.join('; ')}\nchoices: ${JSON.stringify(choices)}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The generator reaches the population the invariants are about.
    expect(relapsed).toBeGreaterThan(RUNS / 2);
  }, 300_000);
});
