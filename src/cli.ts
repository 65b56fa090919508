/**
 * Command-line evaluator: print the stratification and the cards for a FHIR
 * Bundle (or a complete CDS Hooks request) as a clinician would read them.
 *
 *   npm run evaluate -- <bundle.json> [--now YYYY-MM-DD] [--json]
 */
import { readFileSync } from 'node:fs';
import { loadConfig } from './config';
import { resolvePrefetch, unavailableResourceTypes } from './cds/prefetch';
import { evaluate, toResponse, today } from './engine';
import { loadKnowledge } from './knowledge';
import { describeStratification } from './clinical/summary';
import type { FhirResource } from './patient/records';

interface Args {
  file: string;
  now: string;
  json: boolean;
}

function parseArgs(argv: string[]): Args {
  let file: string | undefined;
  let now = today();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--json') json = true;
    else if (a === '--now') {
      now = argv[++i] ?? '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(now)) usage('--now takes a date YYYY-MM-DD');
    } else if (a === '--help' || a === '-h') usage();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else file = a;
  }
  if (!file) usage('a bundle file is required');
  return { file, now, json };
}

function usage(problem?: string): never {
  if (problem) process.stderr.write(`evaluate: ${problem}\n`);
  process.stderr.write('usage: npm run evaluate -- <bundle.json | cds-request.json> [--now YYYY-MM-DD] [--json]\n');
  process.exit(2);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  const knowledge = loadKnowledge(config.hooksDir, config.valueSetDir);
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(readFileSync(args.file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    process.stderr.write(`evaluate: cannot read ${args.file}: ${(err as Error).message}\n`);
    process.exit(2);
  }
  let resources: FhirResource[];
  let unavailable: string[] = [];
  let unavailableTypes: string[] = [];
  let patientId: string | undefined;
  if (typeof input.hook === 'string') {
    const resolved = await resolvePrefetch(Object.keys(knowledge.service.prefetch), input.prefetch as Record<string, unknown> | undefined);
    resources = resolved.resources;
    unavailable = resolved.unavailable.map((u) => `${u.key}: ${u.reason}`);
    unavailableTypes = unavailableResourceTypes(resolved, knowledge.service.prefetch);
    patientId = (input.context as { patientId?: string } | undefined)?.patientId;
  } else if (input.resourceType === 'Bundle') {
    resources = ((input.entry as { resource?: FhirResource }[] | undefined) ?? []).map((e) => e.resource).filter((r): r is FhirResource => r !== undefined);
  } else {
    process.stderr.write('evaluate: the file is neither a FHIR Bundle nor a CDS Hooks request\n');
    process.exit(2);
  }
  patientId ??= resources.find((r) => r.resourceType === 'Patient')?.id ?? 'unknown';
  const result = evaluate(
    { patientId, resources, evaluationDate: args.now, unavailableData: unavailable, unavailableResourceTypes: unavailableTypes },
    knowledge,
    config.clinical,
  );

  if (args.json) {
    process.stdout.write(`${JSON.stringify(toResponse(result), null, 2)}\n`);
    return;
  }
  const out: string[] = [];
  out.push(`Evaluated ${args.file} as of ${args.now}`);
  if (!result.stratification) {
    out.push('No relapsed ALL found: no cards.');
  } else {
    const s = result.stratification.summary;
    out.push('', describeStratification(s), '');
    for (const [k, v] of Object.entries(s)) out.push(`  ${k.padEnd(22)} ${Array.isArray(v) ? v.join(', ') : String(v)}`);
    out.push('', `${result.cards.length} card(s):`);
    for (const card of result.cards) {
      out.push('', `[${card.indicator.toUpperCase()}] ${card.summary}   (${card.source.topic?.code})`);
      out.push(...(card.detail ?? '').split('\n').map((l) => `    ${l}`));
      for (const sug of card.suggestions ?? []) out.push(`    -> suggestion: ${sug.label}`);
      for (const link of card.links ?? []) out.push(`    -> link: ${link.label} <${link.url}>`);
    }
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`evaluate: ${(err as Error).message}\n`);
  process.exit(1);
});
