/**
 * Test support: a throw-away PostgreSQL server (the Debian package's
 * binaries, /usr/lib/postgresql/<highest version>/bin; .ci/run installs them)
 * in a fresh temporary folder, listening on 127.0.0.1 on a free port.
 *
 * - PostgreSQL refuses to run as root: when the tests do, initdb and the
 *   server run as the `postgres` system user (or `nobody`), through setpriv
 *   (which execs, so the spawned process is the server itself).
 * - Start-up waits until the server accepts an authenticated connection,
 *   within a generous deadline (a loaded 2-core machine is slow); a server
 *   that exits fails the start at once, with its log.
 * - Nothing is left behind: `stop()` (call it in afterAll) ends the server
 *   (immediate shutdown, SIGKILL if it lingers) and removes the folder; a
 *   start that fails does the same before rejecting; and a watchdog process
 *   does it if this process dies without stopping it (its stdin is a pipe
 *   from this process: end of file means this process is gone).
 * - The superuser has a random password (host connections use SCRAM), so
 *   the URLs carry one, as real deployments' do.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';

const run = promisify(execFile);

/** How long initdb, or the server's start, may take. */
export const POSTGRES_START_DEADLINE_MS = 60_000;
/** How long the server may take to exit after an immediate shutdown before SIGKILL. */
const STOP_GRACE_MS = 10_000;
const ROOT_DIR = '/usr/lib/postgresql';

export interface StartedPostgres {
  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  url: string;
  /** Create an empty database; resolves with its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stop the server and remove its folder (idempotent). */
  stop(): Promise<void>;
}

/** The bin folder of the highest PostgreSQL version installed; throws a clear message when there is none. */
export function postgresBinDir(): string {
  const versions = existsSync(ROOT_DIR)
    ? readdirSync(ROOT_DIR)
        .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(ROOT_DIR, v, 'bin', 'postgres')) && existsSync(join(ROOT_DIR, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new Error(
      `PostgreSQL server binaries not found (${ROOT_DIR}/<version>/bin/postgres and initdb): install the Debian package postgresql (apt-get install postgresql), as .ci/run does`,
    );
  }
  return join(ROOT_DIR, versions[0], 'bin');
}

interface RunAs {
  uid: number;
  gid: number;
  /** The command prefix that runs a program as that user (empty: as this process). */
  prefix: string[];
}

async function runAs(): Promise<RunAs> {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) return { uid, gid: process.getgid?.() ?? -1, prefix: [] };
  for (const user of ['postgres', 'nobody']) {
    try {
      const u = Number((await run('id', ['-u', user])).stdout.trim());
      const g = Number((await run('id', ['-g', user])).stdout.trim());
      if (Number.isInteger(u) && Number.isInteger(g) && u !== 0) {
        return { uid: u, gid: g, prefix: ['setpriv', `--reuid=${u}`, `--regid=${g}`, '--clear-groups', '--'] };
      }
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, and neither the postgres nor the nobody user exists to run PostgreSQL as');
}

/** A TCP port on 127.0.0.1 that nothing listens on (just now). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function tail(file: string, max = 4_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.length > max ? `…${text.slice(-max)}` : text;
  } catch {
    return '(no log)';
  }
}

function urlFor(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function canConnect(url: string): Promise<true | Error> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Every server this process started and has not stopped yet: stopped on exit too (synchronously, best effort). */
const live = new Set<{ child: ChildProcess; dir: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    // Immediate shutdown (the server ends its backends); the watchdog, whose stdin closes as this
    // process exits, waits for it (SIGKILL if it lingers) and removes the folder.
    for (const s of live) {
      try {
        s.child.kill('SIGQUIT');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * A watchdog: `sh` reading its stdin (a pipe from this process) to end of file, which comes when this
 * process closes it (stop) or dies; then it ends the server (SIGQUIT: immediate shutdown, which also
 * ends its backends; SIGKILL if it lingers) and removes the folder. stop() kills the watchdog first.
 */
function startWatchdog(serverPid: number, dir: string): ChildProcess {
  const script = [
    'cat >/dev/null 2>&1',
    'kill -QUIT "$1" 2>/dev/null',
    'i=0; while kill -0 "$1" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done',
    'kill -KILL "$1" 2>/dev/null',
    'rm -rf "$2"',
  ].join('; ');
  const watchdog = spawn('/bin/sh', ['-c', script, 'postgres-watchdog', String(serverPid), dir], { stdio: ['pipe', 'ignore', 'ignore'] });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  watchdog.unref();
  // The pipe must not keep this process alive either.
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return watchdog;
}

export async function startPostgres(): Promise<StartedPostgres> {
  const bin = postgresBinDir();
  const user = await runAs();
  const dir = mkdtempSync(join(tmpdir(), 'cds-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const password = randomBytes(12).toString('hex');
  let child: ChildProcess | undefined;
  let watchdog: ChildProcess | undefined;
  let entry: { child: ChildProcess; dir: string } | undefined;
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      if (watchdog && watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
      watchdog?.stdin?.destroy();
      if (child) {
        const c = child;
        if (c.exitCode === null && c.signalCode === null) {
          const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
          c.kill('SIGQUIT');
          const force = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
          await exited;
          clearTimeout(force);
        }
      }
      if (entry) live.delete(entry);
      rmSync(dir, { recursive: true, force: true });
    })());

  try {
    if (user.prefix.length > 0) chownSync(dir, user.uid, user.gid);
    const pwfile = join(dir, 'pwfile');
    writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
    if (user.prefix.length > 0) chownSync(pwfile, user.uid, user.gid);
    const cmd = (program: string, args: string[]): [string, string[]] =>
      user.prefix.length > 0 ? [user.prefix[0], [...user.prefix.slice(1), join(bin, program), ...args]] : [join(bin, program), args];

    const [initProgram, initArgs] = cmd('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      `--pwfile=${pwfile}`,
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    try {
      await run(initProgram, initArgs, { cwd: dir, timeout: POSTGRES_START_DEADLINE_MS, env: { ...process.env, LC_ALL: 'C' } });
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      throw new Error(`initdb failed: ${e.message}\n${e.stderr ?? ''}`);
    }
    rmSync(pwfile, { force: true });

    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      const log = openSync(logFile, 'a');
      const [program, args] = cmd('postgres', [
        '-D',
        data,
        '-k',
        dir,
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'shared_buffers=32MB',
        '-c',
        'max_connections=120',
      ]);
      const started = spawn(program, args, { cwd: dir, stdio: ['ignore', log, log], env: { ...process.env, LC_ALL: 'C' } });
      closeSync(log);
      child = started;
      started.on('error', () => undefined);
      installExitHook();
      entry = { child: started, dir };
      live.add(entry);
      if (started.pid !== undefined) watchdog = startWatchdog(started.pid, dir);

      const url = urlFor(password, port, 'postgres');
      const deadline = Date.now() + POSTGRES_START_DEADLINE_MS;
      let last: Error | undefined;
      for (;;) {
        if (started.exitCode !== null || started.signalCode !== null) break;
        const ok = await canConnect(url);
        if (ok === true) {
          return {
            url,
            stop,
            createDatabase: async (name: string) => {
              await createDatabase(url, name);
              return urlFor(password, port, name);
            },
          };
        }
        last = ok;
        if (Date.now() >= deadline) {
          throw new Error(`PostgreSQL did not accept connections within ${POSTGRES_START_DEADLINE_MS} ms (${last.message}):\n${tail(logFile)}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      // It exited: the port may have been taken meanwhile; try another once or twice.
      const output = tail(logFile);
      if (watchdog && watchdog.exitCode === null) watchdog.kill('SIGKILL');
      watchdog?.stdin?.destroy();
      live.delete(entry);
      if (attempt >= 3 || !/could not (bind|create listen)|Address already in use/i.test(output)) {
        throw new Error(`PostgreSQL exited during start-up (${String(started.exitCode ?? started.signalCode)}):\n${output}`);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Create an empty database on the server at `serverUrl` (any database of it); resolves with the new database's URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${JSON.stringify(name)}: use lower case letters, digits and _`);
  const client = new Client({ connectionString: serverUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
