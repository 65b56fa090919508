/**
 * The fetch deadline is a real deadline (issue #10): against a FHIR server
 * that never finishes an answer, 50 invocations sent at once, with nothing
 * prefetched, each answer within CDS_FETCH_DEADLINE_MS + 250 ms of its own
 * send, and the server sees a bounded number of requests and no socket left
 * open afterwards.
 *
 * Both are real processes: the compiled CDS service (test/e2e/processes.ts)
 * and a tiny hung server (test/e2e/hung-server.js) that accepts every
 * connection and reads every request, then never answers (`silent`), sends
 * headers only (`headers`), or sends a body one byte at a time, forever
 * (`trickle`); its control port counts what it saw.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { maxRequestsPerInvocation } from '../../src/cds/fhir-fetch';
import { expectOperationOutcome, fixtureRequest, knowledgeFor } from '../support/cds';
import { START_HOOK_TIMEOUT_MS, startCdsService, startHungFhirServer, stopAll, type HungMode, type HungServer, type Started } from './processes';

const DEADLINE_MS = 1_000;
/** Longer than the deadline: the overall deadline, not the per-request timeout, must end the wait. */
const TIMEOUT_MS = 2_000;
/** The requirement: an answer within the deadline plus this, measured from each request's own send. */
const SLACK_MS = 250;
const CONCURRENT = 50;
const MAX_PAGES = 20;
const URL_PATH = '/cds-services/relapsed-all-patient-view';
const KEYS = Object.keys(knowledgeFor().service.prefetch).length;

let hung: HungServer | undefined;
let cds: (Started & { baseUrl: string }) | undefined;
/** The client's own connection pool, so its sockets are closed when the file ends. */
const agent = new http.Agent({ keepAlive: true });

beforeAll(async () => {
  hung = await startHungFhirServer('silent');
  cds = await startCdsService({
    CDS_FETCH_DEADLINE_MS: String(DEADLINE_MS),
    CDS_FETCH_TIMEOUT_MS: String(TIMEOUT_MS),
    CDS_FETCH_MAX_PAGES: String(MAX_PAGES),
  });
}, START_HOOK_TIMEOUT_MS);
afterAll(async () => {
  agent.destroy();
  await stopAll();
});

interface Timed {
  status: number;
  body: string;
  /** From this request's send to the last byte of its answer. */
  ms: number;
}

/** POST one invocation with node:http (little client-side overhead), timing it from its own send. */
function invoke(body: string): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const sent = performance.now();
    const req = http.request(
      `${cds?.baseUrl}${URL_PATH}`,
      { method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - sent }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Nothing prefetched: every key must come from the (hung) FHIR server. */
function requestBody(): string {
  const { prefetch: _none, ...request } = fixtureRequest('early-marrow-b-awaiting');
  return JSON.stringify({ ...request, fhirServer: hung?.baseUrl });
}

async function waitForNoOpenSockets(server: HungServer, withinMs: number): Promise<number> {
  const until = Date.now() + withinMs;
  for (;;) {
    const { openSockets } = await server.stats();
    if (openSockets === 0 || Date.now() >= until) return openSockets;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const modes: [HungMode, string][] = [
  ['silent', 'accepts and never answers'],
  ['headers', 'answers headers but never finishes the body'],
  ['trickle', 'trickles its body one byte at a time, forever'],
];

it.each(modes)(
  `${CONCURRENT} concurrent invocations, nothing prefetched, against a hung FHIR server (%s: it %s): each answered within the deadline + ${SLACK_MS} ms, with a bounded number of requests`,
  async (mode) => {
    const server = hung as HungServer;
    await server.reset(mode);
    const body = requestBody();

    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => invoke(body)));

    const latencies = answers.map((a) => a.ms).sort((a, b) => a - b);
    const max = latencies[latencies.length - 1];
    const stats = await server.stats();
    process.stderr.write(
      `hung FHIR server (${mode}): ${CONCURRENT} invocations, latency min ${latencies[0].toFixed(0)} / median ${latencies[CONCURRENT >> 1].toFixed(0)} / max ${max.toFixed(0)} ms ` +
        `(deadline ${DEADLINE_MS} ms, max over it ${(max - DEADLINE_MS).toFixed(0)} ms); requests at the server ${stats.requests}, connections ${stats.connections}\n`,
    );

    for (const a of answers) {
      expect([200, 412]).toContain(a.status);
      if (a.status === 412) {
        const outcome = JSON.parse(a.body) as { issue: { diagnostics?: string }[] };
        expectOperationOutcome(outcome);
        expect(outcome.issue[0].diagnostics).toMatch(/cannot decide whether the patient has relapsed ALL/);
        expect(outcome.issue[0].diagnostics).toMatch(/did not answer within the overall deadline/);
      }
    }
    // Every answer within the deadline + 250 ms of its own send.
    expect(max).toBeLessThanOrEqual(DEADLINE_MS + SLACK_MS);

    // Bounded: at most the per-invocation bound each; here one request per key (nothing answered, so no pages, no Medications).
    expect(stats.requests).toBeLessThanOrEqual(CONCURRENT * maxRequestsPerInvocation(KEYS, MAX_PAGES));
    expect(stats.requests).toBeLessThanOrEqual(CONCURRENT * KEYS);
    expect(stats.requests).toBeGreaterThan(0);
    // No connection is left open to the hung server once the invocations have answered.
    expect(await waitForNoOpenSockets(server, 3_000)).toBe(0);
  },
);
