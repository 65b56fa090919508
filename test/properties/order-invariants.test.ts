/**
 * The order-check invariants (order-invariants.ts) on generated charts and
 * generated draft orders, over the real HTTP path: one service listening on
 * loopback, one order-select or order-sign request per chart. Seeded:
 * ORDER_INVARIANT_SEED and ORDER_INVARIANT_RUNS override the defaults; a
 * failure prints the seed, the path and the choices.
 */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import fc from 'fast-check';
import { expectValidCdsResponse, makeTestApp } from '../support/cds';
import { orderRequestFor } from '../support/chart';
import { addDays, buildChart, choicesArbitrary } from './chart-generator';
import { draftOrdersFor, orderChoicesArbitrary, orderInvariantViolations } from './order-invariants';

const RUNS = Number(process.env.ORDER_INVARIANT_RUNS ?? 1000);
const SEED = Number(process.env.ORDER_INVARIANT_SEED ?? 20261129);
let server: Server;
let base: string;

beforeAll(async () => {
  const { app } = makeTestApp();
  server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/cds-services`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('order-check invariants on generated charts and orders', () => {
  it(`hold on ${RUNS} generated charts (seed ${SEED})`, async () => {
    const fired = new Set<string>();
    await fc.assert(
      fc.asyncProperty(choicesArbitrary, orderChoicesArbitrary, async (choices, order) => {
        const { chart, truth } = buildChart(choices);
        if (order.t315i && truth.relapsedAll) {
          chart.observation(['http://loinc.org', '69548-6', 'Genetic variant assessment'], addDays(truth.relapseDates[truth.relapseDates.length - 1], 2), {
            valueCodeableConcept: { text: 'ABL1 T315I detected' },
            component: [{ code: { coding: [{ system: 'http://loinc.org', code: '48018-6' }] }, valueCodeableConcept: { text: 'ABL1' } }],
          });
        }
        const t315iSeen = order.t315i && truth.relapsedAll && !truth.unavailable.has('observations');
        const body = orderRequestFor(chart, order.hook, draftOrdersFor(order, chart.patientId), { unavailable: [...truth.unavailable] });
        const res = await fetch(`${base}/relapsed-all-${order.hook}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        expect(res.status).toBe(200);
        const response = expectValidCdsResponse(await res.json());
        for (const c of response.cards) fired.add(c.source.topic?.code ?? '');
        const violations = orderInvariantViolations(truth, order, t315iSeen, response);
        if (violations.length > 0) throw new Error(`${violations.join('; ')}\nchoices: ${JSON.stringify(choices)}\norder: ${JSON.stringify(order)}`);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    // The generator reaches every kind of critical check.
    for (const code of ['order-lineage-mismatch', 'order-antigen-negative', 'order-below-label-age', 'order-car-t-label', 'order-tki-t315i'])
      expect(fired).toContain(code);
  }, 300_000);
});
