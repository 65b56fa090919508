/**
 * End-to-end support: start the real local FHIR server (`npm run fhir:dev`)
 * and the CDS service (`npm start`) as separate processes on loopback, and
 * stop them afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../support/cds';

export interface Started {
  child: ChildProcess;
  /** What the process printed (for failure messages). */
  output: () => string;
}

/** Spawn `node --import tsx <script>` and resolve once `ready` matches its output. */
export function startProcess(script: string, env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 20_000): Promise<Started & { match: RegExpMatchArray }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} did not start within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += String(d);
      const match = ready.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, output: () => out, match });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}:\n${out}`));
    });
  });
}

export async function stopProcess(p: Started | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const force = setTimeout(() => p.child.kill('SIGKILL'), 5_000);
    p.child.removeAllListeners('exit');
    p.child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    p.child.kill('SIGTERM');
  });
}

/** The local FHIR server; resolves with its base URL. */
export async function startFhirServer(env: NodeJS.ProcessEnv = {}): Promise<Started & { baseUrl: string }> {
  const started = await startProcess(
    'src/fhir-dev/main.ts',
    { FHIR_DEV_PORT: '0', FHIR_DEV_QUIET: '1', ...env },
    /FHIR R4 dev server \(Medplum, in memory\): (http:\/\/127\.0\.0\.1:\d+\/fhir)/,
  );
  return { ...started, baseUrl: started.match[1] };
}

/** The CDS service (auth off, loopback FHIR servers allowed); resolves with its base URL. */
export async function startCdsService(env: NodeJS.ProcessEnv = {}): Promise<Started & { baseUrl: string }> {
  const started = await startProcess(
    'src/index.ts',
    { PORT: '0', HOST: '127.0.0.1', CDS_AUTH: 'off', NODE_ENV: 'development', CDS_VALUESET_DIR: '', LOG_LEVEL: 'info', ...env },
    /"port":(\d+)/,
  );
  return { ...started, baseUrl: `http://127.0.0.1:${started.match[1]}` };
}
