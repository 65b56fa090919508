/**
 * `npm run fhir:dev`: a local FHIR R4 server (Medplum, in memory) with every
 * fixture patient loaded, for development and demos with the CDS Hooks
 * Sandbox. Data lives in memory and is gone when the process stops.
 *
 *   FHIR_DEV_PORT   port (default 8090)
 *   FHIR_DEV_HOST   interface (default 127.0.0.1; 0.0.0.0 inside a container)
 *   FHIR_DEV_QUIET  set to 1 to not log every request
 *   FHIR_DEV_PAGE_SIZE  default search page size (default 20; 2 to exercise paging)
 *   FHIR_DEV_FIXTURES   set to 0 to start empty (then load with npm run fixtures:load)
 *   CDS_URL         the CDS service the banner's example curl calls (default http://localhost:$PORT, PORT 3000)
 */
import { startFhirDevServer, type FhirDevServer } from './server';

/** Where the banner's example curl sends the CDS request: CDS_URL, else the service's default port (or PORT). */
const CDS_BASE = process.env.CDS_URL ?? `http://localhost:${process.env.PORT ?? '3000'}`;
const SERVICE_ID = 'relapsed-all-patient-view';

function parsePort(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 8090;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    process.stderr.write(`fhir:dev: FHIR_DEV_PORT must be an integer 0-65535, got "${raw}"\n`);
    process.exit(2);
  }
  return n;
}

function banner(server: FhirDevServer): string {
  const base = server.baseUrl;
  const patients = server.fixtures.flatMap((f) => f.patients.map((p) => ({ ...p, file: f.file })));
  const idWidth = Math.max(4, ...patients.map((p) => p.id.length));
  const nameWidth = Math.max(4, ...patients.map((p) => p.name.length));
  const example = patients[0]?.id ?? '<patient-id>';
  const resources = server.fixtures.reduce((n, f) => n + f.entries, 0);
  const lines = [
    '',
    `FHIR R4 dev server (Medplum, in memory): ${base}`,
    `  definitions ${server.timings.definitionsMs.toFixed(0)} ms; ${server.fixtures.length} fixture bundles, ${resources} resources, loaded in ${server.timings.fixturesMs.toFixed(0)} ms`,
    `  capability statement: ${base}/metadata`,
    '',
    `Fixture patients (${patients.length}):`,
    ...patients.map((p) => `  ${p.id.padEnd(idWidth)}  ${p.name.padEnd(nameWidth)}  ${p.file}`),
    '',
    'Point the CDS service at it: start the service (npm start) and send a request with',
    `"fhirServer": "${base}" and no prefetch; the service fetches what it needs from here:`,
    `  curl -s -X POST ${CDS_BASE}/cds-services/${SERVICE_ID} -H 'Content-Type: application/json' \\`,
    `    -d '{"hook":"patient-view","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","fhirServer":"${base}",` +
      `"context":{"userId":"Practitioner/dev","patientId":"${example}"}}'`,
    '  (if the service restricts which FHIR servers it calls, allow this base URL.)',
    '',
    'CDS Hooks Sandbox (in a browser on this machine; both servers must be reachable from it):',
    `  https://sandbox.cds-hooks.org/?fhirServiceUrl=${base}&patientId=${example}&serviceDiscoveryURL=${CDS_BASE}/cds-services`,
    '  change patientId for another scenario; the Sandbox keeps its settings in local storage.',
    '',
    'Reload a fixture into any FHIR server: npm run fixtures:load -- --server <base-url>',
    'Stop with Ctrl-C.',
    '',
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const port = parsePort(process.env.FHIR_DEV_PORT);
  const host = process.env.FHIR_DEV_HOST || '127.0.0.1';
  const quiet = process.env.FHIR_DEV_QUIET === '1';
  const log = (msg: string): void => {
    if (quiet && / -> /.test(msg)) return;
    process.stdout.write(`[fhir-dev] ${msg}\n`);
  };

  let server: FhirDevServer;
  try {
    const pageSize = process.env.FHIR_DEV_PAGE_SIZE ? Number(process.env.FHIR_DEV_PAGE_SIZE) : undefined;
    server = await startFhirDevServer({
      port,
      host,
      loadFixtures: process.env.FHIR_DEV_FIXTURES !== '0',
      logger: log,
      ...(pageSize && Number.isInteger(pageSize) && pageSize > 0 ? { defaultPageSize: pageSize } : {}),
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${port} is in use (set FHIR_DEV_PORT)` : e.message;
    process.stderr.write(`fhir:dev: cannot start: ${why}\n`);
    process.exit(1);
  }
  process.stdout.write(banner(server) + '\n');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`[fhir-dev] ${signal}: stopping\n`);
    setTimeout(() => process.exit(0), 5_000).unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

void main();
