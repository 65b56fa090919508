/**
 * Test support: nginx (Debian package; .ci/run installs it) in front of
 * several replicas, from a configuration written into a fresh temporary
 * folder, listening on 127.0.0.1 on a free port, as one foreground process
 * of this test's (killed with it if the test process dies), stopped and
 * removed by `stop()`. It needs no root: no privileged port, every path in
 * the temporary folder.
 *
 * A replica that is down is skipped (nginx passes a request to the next one
 * when it cannot connect). A POST already sent to a replica that then dies is
 * not resent by the proxy: its token's jti is spent (the shared replay cache
 * may already hold it), so the client gets a 502 and sends it again with a new
 * token; feedback is idempotent in the store, so a resent item is kept once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './postgres';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

export interface StartedNginx {
  url: string;
  stop(): Promise<void>;
}

export async function startNginx(upstreams: string[]): Promise<StartedNginx> {
  if (!NGINX) throw new Error('nginx not found (/usr/sbin/nginx): install the Debian package nginx (apt-get install nginx), as .ci/run does');
  const dir = mkdtempSync(join(tmpdir(), 'nginx-'));
  for (const sub of ['logs', 'tmp']) mkdirSync(join(dir, sub));
  const port = await freePort();
  const servers = upstreams.map((u) => `    server ${new URL(u).host} max_fails=1 fail_timeout=30s;`).join('\n');
  const conf = `
# One process, this test's child: no master and workers to outlive it.
master_process off;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  client_max_body_size 6m;
  upstream cds {
${servers}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://cds;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_connect_timeout 2s;
      proxy_read_timeout 30s;
      # A replica that cannot be reached: the next one (a POST already sent is not resent: see above).
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  // setpriv --pdeathsig: nginx is killed if this test process dies without stopping it.
  const child: ChildProcess = spawn('setpriv', ['--pdeathsig', 'KILL', NGINX, '-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => void (output += String(d)));
  child.stderr?.on('data', (d: Buffer) => void (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGQUIT');
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`nginx exited at start: ${output}`);
    }
    try {
      const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not proxy /health/live within 30 s: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop };
}
