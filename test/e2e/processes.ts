/**
 * End-to-end support: start the compiled CDS service (`dist/src/index.js`,
 * as `npm start` and the Docker image run it) and the compiled local FHIR
 * server (`dist-dev/dev/fhir-server/main.js`, what `npm run fhir:dev` runs)
 * as separate processes on loopback, and stop them afterwards.
 *
 * The builds are made by the jest global setup (test/global-setup.ts).
 *
 * - Start-up waits on readiness, not on a fixed time: the process's ready
 *   line, then its health endpoint answering 200, within a generous
 *   deadline (a loaded 2-core machine can be slow; a broken start still fails
 *   fast because the process exits).
 * - Whatever was started is stopped: a start that fails kills its process
 *   before rejecting, every process is recorded so `stopAll()` (in each
 *   file's afterAll) stops it even when a beforeAll threw half-way, and each
 *   child exits by itself if this test process dies (its stdin closes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/cds';

/** The compiled entry points the e2e tests run. */
export const SERVICE_ENTRY = join(ROOT, 'dist', 'src', 'index.js');
export const FHIR_DEV_ENTRY = join(ROOT, 'dist-dev', 'dev', 'fhir-server', 'main.js');
export const LOAD_FIXTURES_ENTRY = join(ROOT, 'dist-dev', 'dev', 'tools', 'load-fixtures.js');
/** Preloaded into every child: exit when this process goes away. */
const EXIT_WITH_PARENT = join(__dirname, 'exit-with-parent.js');

/** How long a process may take to become ready; generous on purpose (see above). */
export const START_DEADLINE_MS = 120_000;
/** beforeAll timeout for files that start processes: room for several starts. */
export const START_HOOK_TIMEOUT_MS = 3 * START_DEADLINE_MS;
/** How long a stopped process may take to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 15_000;

export interface Started {
  child: ChildProcess;
  /** What the process printed so far, stdout and stderr (for failure messages). */
  output: () => string;
  /** Resolves with the exit code once the process has exited and its output is fully read. */
  closed: Promise<number | null>;
}

const running = new Set<Started>();

export function requireBuild(entry: string): string {
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: the jest global setup builds it (npm test), or run npm run build and npm run build:dev`);
  }
  return entry;
}

async function waitForHttp200(url: string, deadline: number, p: Started, what: string): Promise<void> {
  for (;;) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`${what} exited before ${url} answered:\n${p.output()}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.max(1_000, Math.min(10_000, deadline - Date.now()))) });
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet, or too slow to answer: try again until the deadline
    }
    if (Date.now() >= deadline) throw new Error(`${what}: ${url} did not answer 200 within ${START_DEADLINE_MS} ms:\n${p.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Spawn `node <entry> [args]`, wait until `ready` matches its output and
 * `healthPath(match)` answers 200. On any failure the process is killed
 * (and waited for) before the promise rejects.
 */
export async function startProcess(
  entry: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  health: (match: RegExpMatchArray) => string,
  deadlineMs = START_DEADLINE_MS,
): Promise<Started & { match: RegExpMatchArray }> {
  const what = entry.slice(ROOT.length + 1);
  const child = spawn(process.execPath, ['--require', EXIT_WITH_PARENT, requireBuild(entry)], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  const closed = new Promise<number | null>((resolve) => {
    child.once('close', (code) => {
      running.delete(started);
      child.stdin?.destroy();
      resolve(code);
    });
  });
  const started: Started = { child, output: () => out, closed };
  running.add(started);

  const deadline = Date.now() + deadlineMs;
  let onData: (d: Buffer) => void = () => undefined;
  try {
    const match = await new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} printed no ready line within ${deadlineMs} ms:\n${out}`)), deadlineMs);
      onData = (d: Buffer): void => {
        out += String(d);
        const m = ready.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`${what} could not be started: ${err.message}`));
      });
      void closed.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited with ${code} before it was ready:\n${out}`));
      });
    });
    // Keep collecting output after the ready line (tests read it).
    child.stdout?.off('data', onData);
    child.stderr?.off('data', onData);
    child.stdout?.on('data', (d: Buffer) => void (out += String(d)));
    child.stderr?.on('data', (d: Buffer) => void (out += String(d)));
    await waitForHttp200(health(match), deadline, started, what);
    return { ...started, match };
  } catch (err) {
    await kill(started);
    throw err;
  }
}

async function kill(p: Started): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.closed;
}

/** SIGTERM, then SIGKILL if it has not exited after a grace period; resolves once it has exited. */
export async function stopProcess(p: Started | undefined): Promise<void> {
  if (!p) return;
  if (p.child.exitCode === null && p.child.signalCode === null) {
    const force = setTimeout(() => p.child.kill('SIGKILL'), STOP_GRACE_MS);
    p.child.kill('SIGTERM');
    await p.closed;
    clearTimeout(force);
  } else {
    await p.closed;
  }
}

/** Stop every process this file started that is still running (for afterAll). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => stopProcess(p)));
}

/** The local FHIR server (`npm run fhir:dev`, compiled); resolves with its base URL. */
export async function startFhirServer(env: NodeJS.ProcessEnv = {}): Promise<Started & { baseUrl: string }> {
  const started = await startProcess(
    FHIR_DEV_ENTRY,
    { FHIR_DEV_PORT: '0', FHIR_DEV_QUIET: '1', ...env },
    /FHIR R4 dev server \(Medplum, in memory\): (http:\/\/127\.0\.0\.1:\d+\/fhir)/,
    (m) => `${m[1]}/metadata`,
  );
  return { ...started, baseUrl: started.match[1] };
}

/** The CDS service (compiled; auth off, loopback FHIR servers allowed); resolves with its base URL. */
export async function startCdsService(env: NodeJS.ProcessEnv = {}): Promise<Started & { baseUrl: string }> {
  const started = await startProcess(
    SERVICE_ENTRY,
    { PORT: '0', HOST: '127.0.0.1', CDS_AUTH: 'off', NODE_ENV: 'development', CDS_VALUESET_DIR: '', LOG_LEVEL: 'info', ...env },
    /"port":(\d+)/,
    (m) => `http://127.0.0.1:${m[1]}/health/ready`,
  );
  return { ...started, baseUrl: `http://127.0.0.1:${started.match[1]}` };
}

/** The hung FHIR server (test/e2e/hung-server.js): accepts, reads, never finishes an answer. */
export const HUNG_SERVER_ENTRY = join(__dirname, 'hung-server.js');

export type HungMode = 'silent' | 'headers' | 'trickle';

export interface HungServerStats {
  /** Requests read since the last reset. */
  requests: number;
  /** TCP connections accepted since the last reset. */
  connections: number;
  /** Sockets open now. */
  openSockets: number;
  /** Requests by resource type (the first path segment after /fhir/). */
  byType: Record<string, number>;
  mode: HungMode;
}

export interface HungServer extends Started {
  /** The FHIR base URL to give as `fhirServer`. */
  baseUrl: string;
  /** Zero the counts, drop every open socket, switch mode. */
  reset(mode: HungMode): Promise<void>;
  stats(): Promise<HungServerStats>;
}

/**
 * A FHIR server that never finishes an answer (`silent`: never answers;
 * `headers`: headers only; `trickle`: a body that never ends), in its own
 * process on loopback; its control port counts what it saw.
 */
export async function startHungFhirServer(mode: HungMode = 'silent', trickleMs = 200): Promise<HungServer> {
  const started = await startProcess(
    HUNG_SERVER_ENTRY,
    { HUNG_MODE: mode, HUNG_TRICKLE_MS: String(trickleMs) },
    /hung FHIR server: (http:\/\/127\.0\.0\.1:\d+\/fhir) control (http:\/\/127\.0\.0\.1:\d+)/,
    (m) => `${m[2]}/health`,
  );
  const control = started.match[2];
  return {
    ...started,
    baseUrl: started.match[1],
    reset: async (next) => {
      const res = await fetch(`${control}/reset?mode=${next}`, { method: 'POST' });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`the hung FHIR server refused mode ${next} (HTTP ${res.status})`);
    },
    stats: async () => (await (await fetch(`${control}/stats`)).json()) as HungServerStats,
  };
}
