/**
 * A listening HTTP server for the app, with the timeouts that keep slow or
 * stalled clients from holding it, and a graceful stop that finishes the
 * requests in flight.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type AppDeps } from './app';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stop accepting, finish requests in flight (up to the grace period), then resolve. */
  close(): Promise<void>;
}

export function startServer(deps: Omit<AppDeps, 'isReady'>, port = deps.config.port, host = deps.config.host): Promise<RunningServer> {
  let ready = true;
  const app = createApp({ ...deps, isReady: () => ready });
  return new Promise((resolve, reject) => {
    const timeout = deps.config.requestTimeoutMs;
    // Bodies that trickle in (slowloris) are cut by the request timeout, checked every
    // second (Node's default check interval is 30 s); sockets that idle are cut too.
    const server = createServer(
      { requestTimeout: timeout, headersTimeout: Math.min(timeout, 60_000), connectionsCheckingInterval: Math.min(1_000, timeout), keepAliveTimeout: 5_000 },
      app,
    );
    server.setTimeout(timeout);
    server.once('error', reject);
    server.listen(port, host);
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port;
      const close = (): Promise<void> =>
        new Promise((done) => {
          ready = false;
          const release = app.locals.release as (() => Promise<void>) | undefined;
          let released = false;
          const finish = (): void => {
            if (released) return;
            released = true;
            // Stores written, connections closed (a failure is logged by the store, never thrown here).
            void (release?.() ?? Promise.resolve()).catch(() => undefined).then(done);
          };
          const force = setTimeout(() => {
            server.closeAllConnections();
            finish();
          }, deps.config.shutdownGraceMs);
          force.unref();
          server.close(() => {
            clearTimeout(force);
            finish();
          });
          server.closeIdleConnections();
        });
      resolve({ server, port: actual, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`, close });
    });
  });
}
