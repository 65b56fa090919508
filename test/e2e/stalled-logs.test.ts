/**
 * A log reader that stops reading must never stall the service: with its
 * stdout pipe full (nobody reads it), the compiled service keeps answering and
 * still stops on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { expectValidCdsResponse, fixtureRequest } from '../support/cds';
import { requireBuild, SERVICE_ENTRY, START_DEADLINE_MS } from './processes';

let child: ChildProcess | undefined;

afterAll(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
      .once('error', reject)
      .listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
  });
}

async function waitReady(base: string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  for (;;) {
    const ok = await fetch(`${base}/health/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error('the service did not become ready');
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('the service with a stalled log reader', () => {
  it('keeps answering with its stdout pipe full, and stops on SIGTERM', async () => {
    const port = await freePort();
    child = spawn(process.execPath, [requireBuild(SERVICE_ENTRY)], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', CDS_AUTH: 'off', NODE_ENV: 'development', CDS_VALUESET_DIR: '', LOG_LEVEL: 'debug' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    // Never read stdout: the pipe fills after about 64 KiB of log lines.
    child.stdout?.pause();
    const base = `http://127.0.0.1:${port}`;
    await waitReady(base);
    const body = JSON.stringify(fixtureRequest('early-marrow-b-awaiting'));
    for (let i = 0; i < 300; i++) {
      const res = await fetch(`${base}/cds-services/relapsed-all-patient-view`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(res.status).toBe(200);
      expectValidCdsResponse(await res.json());
    }
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 180_000);
});
