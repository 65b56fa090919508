/**
 * A listening HTTP server for the app, with the timeouts that keep slow or
 * stalled clients from holding it, and a graceful stop that finishes the
 * requests in flight.
 */
import type { Server } from 'node:http';
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
    const server = app.listen(port, host);
    server.once('error', reject);
    server.once('listening', () => {
      const actual = (server.address() as AddressInfo).port;
      server.requestTimeout = deps.config.requestTimeoutMs;
      server.headersTimeout = Math.min(deps.config.requestTimeoutMs, 60_000);
      server.keepAliveTimeout = 5_000;
      // Bodies that trickle in (slowloris) are cut by the request timeout; sockets that idle too.
      server.setTimeout(deps.config.requestTimeoutMs);
      const close = (): Promise<void> =>
        new Promise((done) => {
          ready = false;
          const force = setTimeout(() => {
            server.closeAllConnections();
            done();
          }, deps.config.shutdownGraceMs);
          force.unref();
          server.close(() => {
            clearTimeout(force);
            done();
          });
          server.closeIdleConnections();
        });
      resolve({ server, port: actual, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`, close });
    });
  });
}
