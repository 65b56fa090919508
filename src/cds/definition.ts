/**
 * The service definitions (hooks/relapsed-all-*.json: patient-view,
 * order-select, order-sign) as published at discovery. Prefetch templates may name value sets as
 * `{{valueset:a,b}}`; they are expanded at start-up into `system|code` token
 * lists from the loaded value sets, so a site's local codes (CDS_VALUESET_DIR)
 * are prefetched too.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { VALUE_SET_IDS, type Terminology, type ValueSetId } from '../terminology/valuesets';
import { HOOKS } from '../protocol/cds-hooks';
import { CdsError } from '../protocol/operation-outcome';
import { zodIssues } from '../protocol/zod-issues';

export const ServiceDefinitionFile = z
  .object({
    hook: z.enum(HOOKS),
    id: z.string().regex(/^[a-z0-9-]+$/),
    title: z.string().min(1),
    description: z.string().min(1),
    usageRequirements: z.string().min(1).optional(),
    prefetch: z.record(z.string().regex(/^[A-Za-z0-9]+$/), z.string().min(1)),
  })
  .strict();

export type ServiceDefinition = z.infer<typeof ServiceDefinitionFile>;

/** Prefetch keys without which the service cannot decide whether the patient has relapsed ALL. */
export const ESSENTIAL_PREFETCH_KEYS = ['patient', 'conditions'] as const;

export class DefinitionError extends Error {}

/** The services, in discovery order: one file each in hooks/. */
export const SERVICE_FILES = ['relapsed-all-patient-view.json', 'relapsed-all-order-select.json', 'relapsed-all-order-sign.json'] as const;

export function loadServiceDefinition(file: string, terminology: Terminology): ServiceDefinition {
  let parsed: ServiceDefinition;
  try {
    const result = ServiceDefinitionFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!result.success) throw new Error(zodIssues(result.error));
    parsed = result.data;
  } catch (err) {
    throw new DefinitionError(`${file}: ${(err as Error).message}`);
  }
  for (const key of ESSENTIAL_PREFETCH_KEYS) {
    if (!parsed.prefetch[key]) throw new DefinitionError(`${file}: prefetch key "${key}" is required`);
  }
  const prefetch: Record<string, string> = {};
  for (const [key, template] of Object.entries(parsed.prefetch)) {
    prefetch[key] = template.replace(/\{\{valueset:([a-z0-9,-]+)\}\}/g, (_m, ids: string) => expandValueSets(ids.split(','), terminology, file));
  }
  return { ...parsed, prefetch };
}

function expandValueSets(ids: string[], t: Terminology, file: string): string {
  const tokens = new Set<string>();
  for (const id of ids) {
    if (!(VALUE_SET_IDS as readonly string[]).includes(id)) throw new DefinitionError(`${file}: unknown value set "${id}" in a prefetch template`);
    for (const c of t.concepts(id as ValueSetId)) tokens.add(`${c.system}|${c.code}`);
  }
  return [...tokens].join(',');
}

/** The service with this id; 404 when there is none. */
export function serviceFor(services: readonly ServiceDefinition[], id: string): ServiceDefinition {
  const found = services.find((s) => s.id === id);
  if (!found) throw new CdsError(404, 'not-found', `no CDS service with id "${id.slice(0, 100)}"`);
  return found;
}
