/**
 * Value sets: FHIR ValueSet JSON files (hooks/valuesets/, plus a site's own
 * files in CDS_VALUESET_DIR) loaded once into a lookup keyed by `system|code`.
 * A broken file stops start-up with a message that names it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { zodIssues } from '../protocol/zod-issues';

/** The value sets the rules match on (terminology.md). A local file must name one of these. */
export const VALUE_SET_IDS = [
  'all-diagnosis',
  'all-relapse',
  'all-relapse-post-transplant',
  'all-remission',
  'b-all',
  't-all',
  'ph-positive-morphology',
  'bcr-abl1',
  'abl1-mutation',
  'genetic-variant-assessment',
  'cd19-blasts',
  'cd22-blasts',
  'immunophenotype-report',
  'mrd',
  'marrow-blasts',
  'csf-blasts',
  'csf-wbc',
  'cancer-disease-status',
  'cancer-disease-status-worsened',
  'cancer-disease-status-remission',
  'cancer-disease-status-values',
  'hsct',
  'hsct-referral',
  'clinical-trial-referral',
  'car-t',
  'lumbar-puncture',
  'intrathecal-chemotherapy-procedure',
  'intrathecal-route',
  'intrathecal-agents',
  'reinduction-agents',
  'blinatumomab',
  'inotuzumab',
  'nelarabine',
  'tki',
  'imatinib',
  'dasatinib',
  'nilotinib',
  'bosutinib',
  'ponatinib',
  'tisagenlecleucel',
  'brexucabtagene',
  'obecabtagene',
  'bone-marrow-site',
  'cns-site',
  'testis-site',
  'result-positive',
  'result-negative',
] as const;
export type ValueSetId = (typeof VALUE_SET_IDS)[number];

export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';

const Concepts = z.array(z.object({ code: z.string().min(1), display: z.string().optional() })).min(1);

/** A ValueSet with explicit concepts in `compose.include` and/or an `expansion.contains` list. */
const ValueSetFile = z
  .object({
    resourceType: z.literal('ValueSet'),
    id: z.string().min(1),
    url: z.string().optional(),
    compose: z.object({ include: z.array(z.object({ system: z.string().min(1), concept: Concepts })).min(1) }).optional(),
    expansion: z.object({ contains: z.array(z.object({ system: z.string().min(1), code: z.string().min(1) })).min(1) }).optional(),
  })
  .refine((v) => v.compose !== undefined || v.expansion !== undefined, { message: 'needs compose.include with explicit concepts or expansion.contains' });

export interface Coding {
  system?: string;
  code?: string;
}

/** Membership test for codings against the loaded value sets. */
export class Terminology {
  private readonly members = new Map<ValueSetId, Set<string>>();
  private readonly includes = new Map<ValueSetId, { system: string; code: string }[]>();
  private readonly unions = new Map<string, Set<string>>();

  constructor() {
    for (const id of VALUE_SET_IDS) {
      this.members.set(id, new Set());
      this.includes.set(id, []);
    }
  }

  /** Add a value set's concepts (built-in or local). */
  add(id: ValueSetId, include: { system: string; code: string }[]): void {
    const set = this.members.get(id) as Set<string>;
    for (const c of include) {
      set.add(key(c.system, c.code));
      this.includes.get(id)?.push(c);
    }
  }

  has(id: ValueSetId, coding: Coding | undefined): boolean {
    if (!coding?.system || !coding.code) return false;
    return (this.members.get(id) as Set<string>).has(key(coding.system, coding.code));
  }

  /** True when any coding is a member. */
  any(id: ValueSetId, codings: readonly Coding[] | undefined): boolean {
    return codings !== undefined && codings.some((c) => this.has(id, c));
  }

  /** A membership test for the union of several value sets (one lookup per coding, whatever the number of sets). */
  matcher(ids: readonly ValueSetId[]): (codings: readonly Coding[]) => boolean {
    const cacheKey = ids.join(',');
    let union = this.unions.get(cacheKey);
    if (!union) {
      union = new Set(ids.flatMap((id) => [...(this.members.get(id) as Set<string>)]));
      this.unions.set(cacheKey, union);
    }
    const members = union;
    return (codings) => codings.some((c) => typeof c.system === 'string' && typeof c.code === 'string' && members.has(key(c.system, c.code)));
  }

  /** The concepts of a value set (for prefetch code filters). */
  concepts(id: ValueSetId): readonly { system: string; code: string }[] {
    return this.includes.get(id) ?? [];
  }

  size(id: ValueSetId): number {
    return (this.members.get(id) as Set<string>).size;
  }
}

/** ICD-10-CM is matched with or without the dot. */
function key(system: string, code: string): string {
  return `${system}|${system === ICD10CM ? code.replace('.', '').toUpperCase() : code}`;
}

export class TerminologyError extends Error {}

/**
 * Load the built-in folder (every ValueSet file must be one of VALUE_SET_IDS and
 * every id must be present), then the optional local folder (files add concepts).
 */
export function loadTerminology(builtInDir: string, localDir?: string): Terminology {
  const t = new Terminology();
  const seen = new Set<string>();
  for (const [file, vs] of readValueSets(builtInDir)) {
    t.add(knownId(vs.id, file), flatten(vs));
    seen.add(vs.id);
  }
  const absent = VALUE_SET_IDS.filter((id) => !seen.has(id));
  if (absent.length > 0) throw new TerminologyError(`value sets missing from ${builtInDir}: ${absent.join(', ')}`);
  if (localDir) {
    const files = readValueSets(localDir);
    if (files.length === 0) throw new TerminologyError(`CDS_VALUESET_DIR ${localDir} holds no ValueSet JSON file`);
    for (const [file, vs] of files) t.add(knownId(vs.id, file), flatten(vs));
  }
  return t;
}

function readValueSets(dir: string): [string, z.infer<typeof ValueSetFile>][] {
  let names: string[];
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  } catch (err) {
    throw new TerminologyError(`cannot read value set folder ${dir}: ${(err as Error).message}`);
  }
  const out: [string, z.infer<typeof ValueSetFile>][] = [];
  for (const name of names) {
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new TerminologyError(`${file} is not valid JSON: ${(err as Error).message}`);
    }
    // CodeSystem files (the project's local codes) sit beside the value sets as documentation.
    if (typeof json === 'object' && json !== null && (json as { resourceType?: unknown }).resourceType === 'CodeSystem') continue;
    const parsed = ValueSetFile.safeParse(json);
    if (!parsed.success) {
      throw new TerminologyError(`${file} is not a usable FHIR ValueSet (compose.include with explicit concepts): ${zodIssues(parsed.error)}`);
    }
    out.push([file, parsed.data]);
  }
  return out;
}

function knownId(id: string, file: string): ValueSetId {
  if (!(VALUE_SET_IDS as readonly string[]).includes(id)) {
    throw new TerminologyError(`${file}: ValueSet id "${id}" is not one of the service's value sets (${VALUE_SET_IDS.join(', ')})`);
  }
  return id as ValueSetId;
}

function flatten(vs: z.infer<typeof ValueSetFile>): { system: string; code: string }[] {
  return [
    ...(vs.compose?.include ?? []).flatMap((inc) => inc.concept.map((c) => ({ system: inc.system, code: c.code }))),
    ...(vs.expansion?.contains ?? []).map((c) => ({ system: c.system, code: c.code })),
  ];
}
