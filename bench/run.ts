/**
 * Benchmark: `npm run bench`. Starts the compiled service (`dist/`, built by
 * the `prebench` script; what `npm start` and the image run) in a child
 * process on loopback and loads it with autocannon (bounded in time and
 * connections). Every figure is printed as a ratio against a baseline measured
 * in the same run (GET /health/live on the same server), so machines can be
 * compared; absolute numbers are printed beside them for context.
 *
 * Also measures in-process evaluation scaling with prefetch size (ratio to the
 * smallest) and the service's memory (RSS) before and after the load.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { requestFromBundle } from '../src/cds/bundle-request';
import { DEFAULT_CLINICAL_SETTINGS } from '../src/clinical/settings';
import { evaluate } from '../src/engine';
import { loadKnowledge } from '../src/knowledge';
import type { FhirResource } from '../src/patient/records';

const ROOT = join(__dirname, '..');
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 10;
const PORT = Number(process.env.BENCH_PORT ?? 3917);
const BASE = `http://127.0.0.1:${PORT}`;

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'fixtures', 'requests', `${name}.json`), 'utf8'));
}

/** A fixture request padded with `n` unrelated Observations (a big real-world chart). */
function padded(name: string, n: number): Record<string, unknown> {
  const req = fixture(name);
  const prefetch = req.prefetch as Record<string, { entry?: unknown[] } | null>;
  const obs = (prefetch.observations ?? { resourceType: 'Bundle', type: 'searchset', entry: [] }) as { entry: unknown[] };
  obs.entry = [...(obs.entry ?? [])];
  for (let i = 0; i < n; i++) {
    obs.entry.push({
      resource: {
        resourceType: 'Observation',
        id: `pad-${i}`,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '718-7' }] },
        effectiveDateTime: '2026-01-01',
        valueQuantity: { value: 12, unit: 'g/dL' },
      },
    });
  }
  prefetch.observations = obs;
  return req;
}

/** An order fixture's request (fixtures/orders/), or the same patient with other draft orders. */
function orderRequest(name: string, draftOrders?: unknown): Record<string, unknown> {
  const scenario = JSON.parse(readFileSync(join(ROOT, 'fixtures', 'orders', `${name}.json`), 'utf8')) as {
    hook: 'order-sign' | 'order-select';
    patient: { entry?: unknown };
    draftOrders: unknown;
  };
  const templates = loadKnowledge(join(ROOT, 'hooks')).service.prefetch;
  return requestFromBundle(scenario.patient, templates, name, { hook: scenario.hook, draftOrders: draftOrders ?? scenario.draftOrders });
}

const ONDANSETRON_ONLY = {
  resourceType: 'Bundle',
  entry: [
    {
      resource: {
        resourceType: 'MedicationRequest',
        id: 'request-123',
        status: 'draft',
        medicationCodeableConcept: { text: 'ondansetron 4 MG', coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: '26225' }] },
      },
    },
  ],
};

async function load(
  title: string,
  opts: { path: string; method?: 'GET' | 'POST'; body?: unknown },
): Promise<{ title: string; rps: number; p50: number; p99: number; errors: number }> {
  const result = await autocannon({
    url: `${BASE}${opts.path}`,
    method: opts.method ?? 'GET',
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: opts.body ? { 'content-type': 'application/json' } : {},
    body: opts.body ? JSON.stringify(opts.body) : undefined,
  });
  return { title, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

async function rssOf(child: ChildProcess): Promise<number> {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

async function waitUp(): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${BASE}/health/live`)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('service did not start');
}

function scaling(): { n: number; ms: number }[] {
  const knowledge = loadKnowledge(join(ROOT, 'hooks'));
  const out: { n: number; ms: number }[] = [];
  for (const n of [100, 1_000, 10_000]) {
    const req = padded('adult-b-persistent-cart', n);
    const resources: FhirResource[] = [];
    for (const v of Object.values(req.prefetch as Record<string, unknown>)) {
      if (!v) continue;
      const b = v as { resourceType: string; entry?: { resource: FhirResource }[] };
      if (b.resourceType === 'Bundle') resources.push(...(b.entry ?? []).map((e) => e.resource));
      else resources.push(v as FhirResource);
    }
    const patientId = (req.context as { patientId: string }).patientId;
    const input = { patientId, resources, evaluationDate: '2026-11-28' };
    const runs = n >= 10_000 ? 20 : 100;
    for (let i = 0; i < 10; i++) evaluate(input, knowledge, DEFAULT_CLINICAL_SETTINGS); // warm-up (JIT)
    const start = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) evaluate(input, knowledge, DEFAULT_CLINICAL_SETTINGS);
    out.push({ n, ms: Number(process.hrtime.bigint() - start) / 1e6 / runs });
  }
  return out;
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'index.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(PORT), HOST: '127.0.0.1', LOG_LEVEL: 'silent', CDS_VALUESET_DIR: '' },
    stdio: 'inherit',
  });
  try {
    await waitUp();
    const rssStart = await rssOf(child);
    const rows = [
      await load('baseline: GET /health/live', { path: '/health/live' }),
      await load('GET /cds-services (discovery)', { path: '/cds-services' }),
      await load('POST invocation, early marrow B-ALL (3 cards)', {
        path: '/cds-services/relapsed-all-patient-view',
        method: 'POST',
        body: fixture('early-marrow-b-awaiting'),
      }),
      await load('POST invocation, no ALL (empty cards)', { path: '/cds-services/relapsed-all-patient-view', method: 'POST', body: fixture('no-all-aml') }),
      await load('POST order-sign, T315I + FLAG-IDA set (1 critical)', {
        path: '/cds-services/relapsed-all-order-sign',
        method: 'POST',
        body: orderRequest('ox-t315i-dasatinib-flagida-lp'),
      }),
      await load('POST patient-view, the same patient', {
        path: '/cds-services/relapsed-all-patient-view',
        method: 'POST',
        body: { ...orderRequest('ox-t315i-dasatinib-flagida-lp'), hook: 'patient-view', context: { userId: 'Practitioner/bench', patientId: 'ox9-pt' } },
      }),
      await load('POST order-sign, same patient, ondansetron only', {
        path: '/cds-services/relapsed-all-order-sign',
        method: 'POST',
        body: orderRequest('ox-t315i-dasatinib-flagida-lp', ONDANSETRON_ONLY),
      }),
      await load('POST invocation, 1 000 extra Observations', {
        path: '/cds-services/relapsed-all-patient-view',
        method: 'POST',
        body: padded('adult-b-persistent-cart', 1_000),
      }),
    ];
    const rssEnd = await rssOf(child);
    const [base] = rows;
    console.log(`\nLoad: ${CONNECTIONS} connections, ${DURATION_S} s each, loopback. Ratios are against the baseline of this run.\n`);
    console.log('scenario'.padEnd(54), 'req/s ratio', '  p99 ratio', '  (req/s, p50 ms, p99 ms, errors)');
    for (const r of rows) {
      console.log(
        r.title.padEnd(54),
        (r.rps / base.rps).toFixed(3).padStart(11),
        (r.p99 / Math.max(base.p99, 1)).toFixed(2).padStart(11),
        `  (${r.rps.toFixed(0)}, ${r.p50}, ${r.p99}, ${r.errors})`,
      );
    }
    console.log(`\nService memory: RSS ${rssStart.toFixed(0)} MiB at start -> ${rssEnd.toFixed(0)} MiB after load (ratio ${(rssEnd / rssStart).toFixed(2)})`);
    const scale = scaling();
    console.log('\nIn-process evaluation time by prefetch size (ratio to 100 resources):');
    for (const s of scale) console.log(`  ${String(s.n).padStart(6)} resources: ratio ${(s.ms / scale[0].ms).toFixed(1).padStart(6)}  (${s.ms.toFixed(2)} ms)`);
    const errors = rows.reduce((n, r) => n + r.errors, 0);
    if (errors > 0) {
      console.error(`\n${errors} failed requests during the benchmark`);
      process.exitCode = 1;
    }
  } finally {
    child.kill('SIGTERM');
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
