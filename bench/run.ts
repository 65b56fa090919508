/**
 * Benchmark: `npm run bench` (issue #10). Starts the compiled service (`dist/`,
 * built by `prebench`; production mode, logging at info as deployed) and a
 * parse-only express app given the same bodies (bench/parse-only-server.js:
 * the floor any JSON CDS service pays), each as a child process on loopback,
 * and loads them with autocannon (10 connections, BENCH_ROUNDS x
 * BENCH_SECONDS, median). Every figure is a ratio against a baseline measured
 * in the same run, so machines can be compared; absolute numbers are printed
 * beside them. The last line is for programs:
 *
 *   bench: typical=R.RR 10k=R.RR scaling=S.S cores=C.CC health=H.H rss=NNN
 *
 * typical / 10k: our throughput over the parse-only app's on the same body;
 * scaling: our per-request cost with 10 000 extra Observations over 1 000;
 * cores: throughput with every core (the default: answer threads beside the
 * request thread) over one thread (CDS_WORKERS=0); health: /health/live p99
 * while saturated over idle; rss: peak resident MiB of the service process
 * (all its threads) in the typical scenario.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import autocannon from 'autocannon';
import { CardIds } from '../src/cards/card-id';
import { requestFromBundle } from '../src/cds/bundle-request';
import { DEFAULT_CLINICAL_SETTINGS } from '../src/clinical/settings';
import { evaluate } from '../src/engine';
import { loadKnowledge } from '../src/knowledge';
import type { FhirResource } from '../src/patient/records';

const ROOT = join(__dirname, '..');
/** A throw-away card id key for the services this bench starts (production mode requires one). */
const BENCH_KEY = randomBytes(32).toString('hex');
const BENCH_CARD_IDS = new CardIds(Buffer.from(BENCH_KEY, 'hex'));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;
const PORT = Number(process.env.BENCH_PORT ?? 3917);
const PATIENT_VIEW = '/cds-services/relapsed-all-patient-view';
const ORDER_SIGN = '/cds-services/relapsed-all-order-sign';

function fixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(ROOT, 'fixtures', 'requests', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

/** A fixture request padded with `n` unrelated Observations (a big real-world chart). */
function padded(name: string, n: number): Record<string, unknown> {
  const req = fixture(name);
  const prefetch = req.prefetch as Record<string, { entry?: unknown[] } | null>;
  const obs = (prefetch.observations ?? { resourceType: 'Bundle', type: 'searchset', entry: [] }) as { entry: unknown[] };
  obs.entry = [...(obs.entry ?? [])];
  const patient = (req.context as { patientId: string }).patientId;
  for (let i = 0; i < n; i++) {
    obs.entry.push({
      resource: {
        resourceType: 'Observation',
        id: `pad-${i}`,
        status: 'final',
        subject: { reference: `Patient/${patient}` },
        code: { coding: [{ system: 'http://loinc.org', code: '718-7', display: 'Hemoglobin' }] },
        effectiveDateTime: '2026-01-01',
        valueQuantity: { value: 12, unit: 'g/dL', system: 'http://unitsofmeasure.org', code: 'g/dL' },
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

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

async function once(port: number, path: string, body: unknown, connections: number, seconds: number): Promise<Load> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: body === undefined ? 'GET' : 'POST',
    connections,
    duration: seconds,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.non2xx };
}

/** BENCH_ROUNDS runs; the median by throughput. */
async function measure(port: number, path: string, body: unknown): Promise<Load> {
  const runs: Load[] = [];
  for (let i = 0; i < ROUNDS; i++) runs.push(await once(port, path, body, CONNECTIONS, SECONDS));
  runs.sort((a, b) => a.rps - b.rps);
  const median = runs[Math.floor(runs.length / 2)];
  return { ...median, errors: runs.reduce((n, r) => n + r.errors, 0) };
}

interface Started {
  child: ChildProcess;
  port: number;
}

async function start(kind: 'ours' | 'parse-only', port: number, env: Record<string, string> = {}): Promise<Started> {
  const entry = kind === 'ours' ? join(ROOT, 'dist', 'src', 'index.js') : join(ROOT, 'bench', 'parse-only-server.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run npm run build`);
  // As npm start and the image run it (a small young generation: see README, Benchmark).
  const child = spawn(process.execPath, kind === 'ours' ? ['--max-semi-space-size=1', '--max-old-space-size=1024', entry] : [entry], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'production',
      CDS_AUTH: 'off',
      CDS_ALLOW_INSECURE: 'true',
      LOG_LEVEL: 'info',
      CDS_VALUESET_DIR: '',
      CDS_CARD_ID_KEY: BENCH_KEY,
      // Feedback and issuance counts in a throw-away file.
      CDS_FEEDBACK_DB: join(tmpdir(), `relapsed-all-bench-${process.pid}.sqlite`),
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health/live`)).ok) return { child, port };
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${kind} did not start`);
}

async function stop(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  if (s.child.exitCode === null) s.child.kill('SIGKILL');
}

/** The process and its children (cluster workers). */
function processTree(pid: number): number[] {
  const out = [pid];
  try {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const c of children ? children.split(/\s+/).map(Number) : []) out.push(...processTree(c));
  } catch {
    /* gone */
  }
  return out;
}

/** Peak resident set (VmHWM) per process of the tree, MiB. */
function peakRss(pid: number): number[] {
  return processTree(pid).map((p) => {
    try {
      return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  });
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
    for (let i = 0; i < 10; i++) evaluate(input, knowledge, DEFAULT_CLINICAL_SETTINGS, BENCH_CARD_IDS); // warm-up (JIT)
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < runs; i++) evaluate(input, knowledge, DEFAULT_CLINICAL_SETTINGS, BENCH_CARD_IDS);
    out.push({ n, ms: Number(process.hrtime.bigint() - t0) / 1e6 / runs });
  }
  return out;
}

const row = (title: string, ratio: string, detail: string): void => console.log(`${title.padEnd(58)} ${ratio.padStart(8)}   ${detail}`);
const fmt = (l: Load): string => `${l.rps.toFixed(1)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms${l.errors ? `, ${l.errors} ERRORS` : ''}`;

async function main(): Promise<void> {
  const typical = fixture('early-marrow-b-awaiting');
  const k1 = padded('early-marrow-b-awaiting', 1_000);
  const k10 = padded('early-marrow-b-awaiting', 10_000);
  console.log(`Load: ${CONNECTIONS} connections, ${ROUNDS} x ${SECONDS} s per figure (median), loopback, compiled build, production mode.\n`);

  // The floor: parse-only, the same bodies.
  const floor = await start('parse-only', PORT + 1);
  const base = {
    typical: await measure(floor.port, PATIENT_VIEW, typical),
    k1: await measure(floor.port, PATIENT_VIEW, k1),
    k10: await measure(floor.port, PATIENT_VIEW, k10),
  };
  await stop(floor);

  // One thread: invocations answered in the request thread (CDS_WORKERS=0).
  const single = await start('ours', PORT + 2, { CDS_WORKERS: '0' });
  const oneWorker = await measure(single.port, PATIENT_VIEW, typical);
  await stop(single);

  // The service as deployed (every core).
  const ours = await start('ours', PORT);
  let errors = 0;
  try {
    const pid = ours.child.pid as number;
    const idleHealth = await once(ours.port, '/health/live', undefined, 1, Math.max(3, Math.round(SECONDS / 2)));
    const t = await measure(ours.port, PATIENT_VIEW, typical);
    const rss = peakRss(pid);
    // /health/live while the service is saturated with the typical request.
    const [loadedHealth] = await Promise.all([
      once(ours.port, '/health/live', undefined, 1, SECONDS),
      once(ours.port, PATIENT_VIEW, typical, CONNECTIONS, SECONDS),
    ]);
    const m1 = await measure(ours.port, PATIENT_VIEW, k1);
    const m10 = await measure(ours.port, PATIENT_VIEW, k10);
    const orderChecked = await measure(ours.port, ORDER_SIGN, orderRequest('ox-t315i-dasatinib-flagida-lp'));
    const orderNone = await measure(ours.port, ORDER_SIGN, orderRequest('ox-t315i-dasatinib-flagida-lp', ONDANSETRON_ONLY));
    const samePatient = await measure(ours.port, PATIENT_VIEW, {
      ...orderRequest('ox-t315i-dasatinib-flagida-lp'),
      hook: 'patient-view',
      context: { userId: 'Practitioner/bench', patientId: 'ox9-pt' },
    });
    errors = [base.typical, base.k1, base.k10, oneWorker, t, m1, m10, orderChecked, orderNone, samePatient].reduce((n, l) => n + l.errors, 0);

    const ratio = (a: Load, b: Load): number => a.rps / b.rps;
    console.log('scenario'.padEnd(58), '   ratio   (ours; the baseline)');
    row('typical chart (3 cards) vs parse-only', ratio(t, base.typical).toFixed(3), `${fmt(t)}; ${fmt(base.typical)}`);
    row('+ 1 000 unrelated Observations vs parse-only', ratio(m1, base.k1).toFixed(3), `${fmt(m1)}; ${fmt(base.k1)}`);
    row('+ 10 000 unrelated Observations vs parse-only', ratio(m10, base.k10).toFixed(3), `${fmt(m10)}; ${fmt(base.k10)}`);
    const scale = m1.rps / m10.rps;
    row('per-request cost, 10 000 / 1 000 extra Observations', scale.toFixed(1), '(linear: <= 11)');
    const cores = ratio(t, oneWorker);
    row('every core vs one thread (typical)', cores.toFixed(2), `${fmt(t)}; ${fmt(oneWorker)}`);
    const health = loadedHealth.p99 / Math.max(idleHealth.p99, 1);
    row('/health/live p99, saturated vs idle', health.toFixed(1), `p99 ${loadedHealth.p99} ms loaded; ${idleHealth.p99} ms idle`);
    row('order-sign, a checked order vs patient-view, same patient', ratio(orderChecked, samePatient).toFixed(2), `${fmt(orderChecked)}; ${fmt(samePatient)}`);
    row('order-sign, nothing to check vs patient-view, same patient', ratio(orderNone, samePatient).toFixed(2), `${fmt(orderNone)}; ${fmt(samePatient)}`);
    const peak = Math.max(...rss);
    console.log(`\nPeak RSS, typical scenario: ${rss.map((r) => r.toFixed(0)).join(' + ')} MiB (${rss.length} processes; largest ${peak.toFixed(0)} MiB)`);
    const inProcess = scaling();
    console.log('In-process evaluation time by prefetch size (ratio to 100 resources):');
    for (const s of inProcess)
      console.log(`  ${String(s.n).padStart(6)} resources: ratio ${(s.ms / inProcess[0].ms).toFixed(1).padStart(6)}  (${s.ms.toFixed(2)} ms)`);
    if (errors > 0) console.error(`\n${errors} failed requests during the benchmark`);
    console.log(
      `bench: typical=${ratio(t, base.typical).toFixed(2)} 10k=${ratio(m10, base.k10).toFixed(2)} scaling=${scale.toFixed(1)} cores=${cores.toFixed(2)} health=${health.toFixed(1)} rss=${peak.toFixed(0)}`,
    );
  } finally {
    await stop(ours);
  }
  if (errors > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
