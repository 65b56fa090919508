/**
 * Property-based fuzzing of request bodies: whatever a client sends, the
 * service never answers 5xx, never crashes, and always answers a
 * schema-valid body (a CDS Hooks response, or an OperationOutcome).
 * Seeded (FUZZ_SEED, FUZZ_RUNS): a failure prints the seed and path to replay.
 */
import fc from 'fast-check';
import request from 'supertest';
import { expectOperationOutcome, expectValidCdsResponse, fixtureNames, fixtureRequest, makeTestApp } from '../support/cds';
import { orderScenarioNames, orderScenarioRequest, serviceUrl } from '../support/orders';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);

const { app } = makeTestApp();
const URL = '/cds-services/relapsed-all-patient-view';

async function check(body: string, url = URL): Promise<void> {
  const res = await request(app).post(url).set('Content-Type', 'application/json').send(body);
  expect(res.status).toBeLessThan(500);
  if (res.status === 200) expectValidCdsResponse(res.body);
  else expectOperationOutcome(res.body);
}

/** A path into a JSON value, and a function replacing what is there. */
function mutate(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || typeof value !== 'object' || value === null) return replacement;
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[path[0] % keys.length];
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value) ? [...value] : { ...(value as Record<string, unknown>) };
  (copy as Record<string, unknown>)[key] = mutate((value as Record<string, unknown>)[key], path.slice(1), replacement);
  return copy;
}

describe('fuzzed request bodies', () => {
  it('arbitrary JSON never gets a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ maxDepth: 6 }), (b) => check(b)),
      { numRuns: 150, seed: SEED },
    );
  });

  it('valid requests with one value replaced anywhere never get a 5xx', async () => {
    const names = fixtureNames();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.array(fc.nat(), { minLength: 1, maxLength: 9 }),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined), fc.string({ unit: 'grapheme' })),
        async (name, path, replacement) => check(JSON.stringify(mutate(fixtureRequest(name), path, replacement)) ?? 'null'),
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), seed: SEED },
    );
  });

  it('order-select / order-sign requests with one value replaced anywhere, or in the draft orders, never get a 5xx', async () => {
    const names = orderScenarioNames();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined), fc.string({ unit: 'grapheme' })),
        async (name, inDrafts, path, replacement) => {
          const req = orderScenarioRequest(name) as { hook: 'order-select' | 'order-sign'; context: Record<string, unknown> };
          const mutated = inDrafts
            ? { ...req, context: { ...req.context, draftOrders: mutate(req.context.draftOrders, path, replacement) } }
            : mutate(req, path, replacement);
          await check(JSON.stringify(mutated) ?? 'null', serviceUrl(req.hook));
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 300), seed: SEED },
    );
  });

  it('random bytes never get a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), (b) => check(b)),
      { numRuns: 100, seed: SEED },
    );
  });
});
