/**
 * A FHIR server that never finishes an answer, for the end-to-end deadline
 * test: it accepts every TCP connection and reads every request, then, by mode,
 *
 * - `silent`:  never answers at all;
 * - `headers`: sends `200` and FHIR JSON headers, then never sends the body;
 * - `trickle`: sends headers and the start of a Bundle, then one byte every
 *   `TRICKLE_MS` ms, forever (a body that never ends, but never goes quiet).
 *
 * It counts what it sees. A second port (the control port) answers at once:
 * `GET /health` (200), `GET /stats` (JSON: requests, connections, open
 * sockets, requests by path prefix), `POST /reset?mode=<mode>` (zero the
 * counts, switch mode, drop every open socket).
 *
 * Start-up prints one line: `hung FHIR server: http://127.0.0.1:<p>/fhir control http://127.0.0.1:<c>`.
 * Plain JavaScript on purpose (no build step); run by test/e2e/processes.ts.
 */
'use strict';
const http = require('node:http');

const TRICKLE_MS = Number(process.env.HUNG_TRICKLE_MS || 200);
const MODES = new Set(['silent', 'headers', 'trickle']);
let mode = MODES.has(process.env.HUNG_MODE) ? process.env.HUNG_MODE : 'silent';

const stats = { requests: 0, connections: 0, byType: {} };
const sockets = new Set();
const timers = new Set();

const hung = http.createServer((req, res) => {
  stats.requests += 1;
  const type = (req.url || '').replace(/^\/fhir\//, '').split(/[/?]/)[0] || '(root)';
  stats.byType[type] = (stats.byType[type] || 0) + 1;
  if (mode === 'silent') return;
  res.writeHead(200, { 'Content-Type': 'application/fhir+json' });
  res.flushHeaders();
  if (mode === 'headers') return;
  res.write('{"resourceType":"Bundle","type":"searchset","entry":[');
  const timer = setInterval(() => res.write(' '), TRICKLE_MS);
  timers.add(timer);
  const stop = () => {
    clearInterval(timer);
    timers.delete(timer);
  };
  res.on('close', stop);
  req.socket.on('close', stop);
});
// Nothing of the server's own times out: only the client may give up.
hung.requestTimeout = 0;
hung.headersTimeout = 0;
hung.keepAliveTimeout = 60_000;
hung.timeout = 0;
hung.maxHeadersCount = 0;
hung.on('connection', (socket) => {
  stats.connections += 1;
  sockets.add(socket);
  socket.on('close', () => sockets.delete(socket));
});

function dropAll() {
  for (const t of timers) clearInterval(t);
  timers.clear();
  for (const s of sockets) s.destroy();
}

const control = http.createServer((req, res) => {
  const url = new URL(req.url || '/', 'http://control');
  const send = (status, body) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  if (req.method === 'GET' && url.pathname === '/health') return send(200, { status: 'ok', mode });
  if (req.method === 'GET' && url.pathname === '/stats') return send(200, { ...stats, openSockets: sockets.size, mode });
  if (req.method === 'POST' && url.pathname === '/reset') {
    const next = url.searchParams.get('mode');
    if (next !== null && !MODES.has(next)) return send(400, { error: `unknown mode ${next}` });
    if (next !== null) mode = next;
    dropAll();
    stats.requests = 0;
    stats.connections = 0;
    stats.byType = {};
    return send(200, { mode });
  }
  return send(404, { error: 'not found' });
});

hung.listen(0, '127.0.0.1', () => {
  control.listen(0, '127.0.0.1', () => {
    process.stdout.write(`hung FHIR server: http://127.0.0.1:${hung.address().port}/fhir control http://127.0.0.1:${control.address().port}\n`);
  });
});

process.on('SIGTERM', () => {
  dropAll();
  hung.close();
  control.close();
  process.exit(0);
});
