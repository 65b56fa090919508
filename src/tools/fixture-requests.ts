/**
 * Builds the complete CDS Hooks request for a fixture patient Bundle, the way
 * an EHR that prefetches everything would send it: each prefetch key of the
 * service definition filled with a searchset Bundle of that resource type
 * (`null` when the search found nothing), referenced Medications included.
 *
 *   npm run fixtures:requests      (rewrites fixtures/requests/*.json)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uuidV5 } from '../cards/uuid';
import { templateResourceType } from '../cds/templates';
import type { FhirResource } from '../patient/records';

export interface FixtureBundle {
  resourceType: 'Bundle';
  entry?: { resource?: FhirResource }[];
}

export function bundleResources(bundle: FixtureBundle): FhirResource[] {
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is FhirResource => r !== undefined);
}

export function patientIdOf(resources: FhirResource[]): string {
  const patient = resources.find((r) => r.resourceType === 'Patient');
  if (!patient?.id) throw new Error('fixture bundle has no Patient with an id');
  return patient.id;
}

/** Prefetch values for the service's templates, from a fixture's resources. */
export function prefetchFor(resources: FhirResource[], templates: Record<string, string>): Record<string, unknown> {
  const prefetch: Record<string, unknown> = {};
  const medications = resources.filter((r) => r.resourceType === 'Medication');
  for (const [key, template] of Object.entries(templates)) {
    const type = templateResourceType(template);
    if (!template.includes('?')) {
      prefetch[key] = resources.find((r) => r.resourceType === type) ?? null;
      continue;
    }
    const matches = resources.filter((r) => r.resourceType === type);
    if (matches.length === 0) {
      prefetch[key] = null;
      continue;
    }
    const included = type.startsWith('Medication') ? medications.filter((m) => matches.some((r) => JSON.stringify(r).includes(`Medication/${m.id}`))) : [];
    prefetch[key] = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: [
        ...matches.map((resource) => ({ fullUrl: `urn:fixture:${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
        ...included.map((resource) => ({ fullUrl: `urn:fixture:Medication/${resource.id}`, resource, search: { mode: 'include' } })),
      ],
    };
  }
  return prefetch;
}

/** What an EHR puts in a prefetch key whose query failed (the fixture's `unavailable` keys). */
export function failedQueryOutcome(key: string): Record<string, unknown> {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'timeout', diagnostics: `the ${key} query timed out` }],
  };
}

export function fixtureRequest(
  name: string,
  bundle: FixtureBundle,
  templates: Record<string, string>,
  unavailable: readonly string[] = [],
): Record<string, unknown> {
  const resources = bundleResources(bundle);
  const prefetch = prefetchFor(resources, templates);
  for (const key of unavailable) prefetch[key] = failedQueryOutcome(key);
  return {
    hook: 'patient-view',
    hookInstance: uuidV5(`fixture-request|${name}`),
    context: { userId: 'Practitioner/fixture-oncologist', patientId: patientIdOf(resources) },
    prefetch,
  };
}

function main(): void {
  // Imported lazily so the module stays usable from tests without the whole knowledge load.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('../config') as typeof import('../config');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadKnowledge } = require('../knowledge') as typeof import('../knowledge');
  const config = loadConfig();
  const { service } = loadKnowledge(config.hooksDir);
  const root = join(config.hooksDir, '..', 'fixtures');
  const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Record<string, { unavailable?: string[] }>;
  const names = readdirSync(join(root, 'patients'))
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of names) {
    const name = file.replace(/\.json$/, '');
    const bundle = JSON.parse(readFileSync(join(root, 'patients', file), 'utf8')) as FixtureBundle;
    writeFileSync(join(root, 'requests', file), `${JSON.stringify(fixtureRequest(name, bundle, service.prefetch, expected[name]?.unavailable), null, 2)}\n`);
  }
  process.stdout.write(`wrote ${names.length} requests to ${join(root, 'requests')}\n`);
}

if (require.main === module) main();
