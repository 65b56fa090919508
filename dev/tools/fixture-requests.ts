/**
 * Builds the complete CDS Hooks request for a fixture patient Bundle, the way
 * an EHR that prefetches everything would send it (src/cds/bundle-request.ts,
 * the same code the command-line evaluator uses). A scenario's `unavailable`
 * keys (fixtures/expected.json) carry the OperationOutcome an EHR sends for a
 * failed query.
 *
 *   npm run fixtures:requests      (rewrites fixtures/requests/*.json)
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleResources, prefetchFor, requestFromBundle } from '../../src/cds/bundle-request';
import { loadConfig } from '../../src/config';
import { loadKnowledge } from '../../src/knowledge';

export { bundleResources, prefetchFor };

/** What an EHR puts in a prefetch key whose query failed. */
export function failedQueryOutcome(key: string): Record<string, unknown> {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'timeout', diagnostics: `the ${key} query timed out` }],
  };
}

export function fixtureRequest(
  name: string,
  bundle: { entry?: unknown },
  templates: Record<string, string>,
  unavailable: readonly string[] = [],
): Record<string, unknown> {
  const request = requestFromBundle(bundle, templates, name);
  const prefetch = request.prefetch as Record<string, unknown>;
  for (const key of unavailable) prefetch[key] = failedQueryOutcome(key);
  return request;
}

function main(): void {
  const config = loadConfig();
  const { service } = loadKnowledge(config.hooksDir);
  const root = join(config.hooksDir, '..', 'fixtures');
  const expected = JSON.parse(readFileSync(join(root, 'expected.json'), 'utf8')) as Record<string, { unavailable?: string[] }>;
  const names = readdirSync(join(root, 'patients'))
    .filter((f) => f.endsWith('.json'))
    .sort();
  for (const file of names) {
    const name = file.replace(/\.json$/, '');
    const bundle = JSON.parse(readFileSync(join(root, 'patients', file), 'utf8')) as { entry?: unknown };
    writeFileSync(join(root, 'requests', file), `${JSON.stringify(fixtureRequest(name, bundle, service.prefetch, expected[name]?.unavailable), null, 2)}\n`);
  }
  process.stdout.write(`wrote ${names.length} requests to ${join(root, 'requests')}\n`);
}

if (require.main === module) main();
