/**
 * Prefetch resolution (cds-hooks.md): per key, present -> use; null -> no
 * data; OperationOutcome (alone or in a Bundle) -> the client failed, do not
 * retry, carry on without it; absent (or no prefetch at all) -> fetch it from
 * the FHIR server when a fetcher is given. Resources are flattened out of
 * Bundles and counted once by the PatientRecord.
 */
import type { FhirResource } from '../patient/records';
import { nextLink } from './bundle-links';
import { templateResourceType } from './templates';
import { CdsError } from '../protocol/operation-outcome';
import { unresolvedMedicationReferences } from './medication-references';

export type KeyState = 'prefetched' | 'null' | 'fetched' | 'failed' | 'missing';

export interface ResolvedData {
  resources: FhirResource[];
  /** Per prefetch key: how its data was obtained. */
  keys: Record<string, KeyState>;
  /** Keys whose data could not be obtained, with a reason, for the cards. */
  unavailable: { key: string; reason: string }[];
}

/** What reading the referenced Medications gave: those read, and why some could not be (for the cards). */
export interface MedicationReadResult {
  resources: FhirResource[];
  /** Set when some references could not be read (beyond the limit, failed, not found). */
  unavailable?: string;
}

/** The FHIR server fallback: fetch missing keys, and follow a paginated prefetch Bundle's next links. */
export interface FhirFallback {
  fetchMissing(keys: string[]): Promise<Record<string, { resources: FhirResource[] } | { error: string }>>;
  /** All resources of the pages from `nextUrl` on. */
  followPages(nextUrl: string): Promise<FhirResource[]>;
  /** Read `Medication/<id>` resources in a bounded number of batched searches (what cannot be read is left out, and said). */
  readMedications(references: string[]): Promise<MedicationReadResult>;
  /** The gathering is over: end whatever is still open (requests, connections). */
  close?(): void;
}

/** Not a prefetch key: where unread referenced Medications are reported among the unavailable data. */
export const REFERENCED_MEDICATIONS = 'referencedMedications';

/** Human words for the cards: which data a key holds. */
export const KEY_DESCRIPTIONS: Record<string, string> = {
  patient: 'patient demographics',
  conditions: 'conditions (diagnoses)',
  observations: 'laboratory results (marrow blasts, MRD, CD19/CD22, BCR-ABL1, CSF)',
  procedures: 'procedures (HSCT, CAR-T, lumbar puncture)',
  medicationRequests: 'medication orders',
  medicationAdministrations: 'medication administrations',
  medicationStatements: 'medication statements',
  serviceRequests: 'referrals (HSCT)',
  researchSubjects: 'research study enrolment',
  [REFERENCED_MEDICATIONS]: 'referenced medications',
};

/** The resource type behind an unavailable entry that is not a prefetch key. */
const PSEUDO_KEY_TYPES: Record<string, string> = { [REFERENCED_MEDICATIONS]: 'Medication' };

/** The resource types of the keys whose data could not be obtained. */
export function unavailableResourceTypes(resolved: ResolvedData, templates: Record<string, string>): string[] {
  return [...new Set(resolved.unavailable.map((u) => templateResourceType(templates[u.key] ?? PSEUDO_KEY_TYPES[u.key] ?? u.key)))];
}

export function describeKey(key: string): string {
  return KEY_DESCRIPTIONS[key] ?? key;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A prefetch value's resources. Returns `failed` with a reason when the client
 * put an OperationOutcome where the data should be.
 */
export function readPrefetchValue(value: unknown): { resources: FhirResource[]; next?: string } | { failed: string } {
  if (!isObject(value) || typeof value.resourceType !== 'string') throw new CdsError(400, 'invalid', 'a prefetch value is not a FHIR resource');
  if (value.resourceType === 'OperationOutcome') return { failed: outcomeText(value) };
  if (value.resourceType !== 'Bundle') return { resources: [value as FhirResource] };
  const entries = value.entry;
  if (entries === undefined) return { resources: [] };
  if (!Array.isArray(entries)) throw new CdsError(400, 'invalid', 'a prefetch Bundle has an entry that is not an array');
  const resources: FhirResource[] = [];
  let failure: string | undefined;
  for (const entry of entries) {
    if (!isObject(entry)) throw new CdsError(400, 'invalid', 'a prefetch Bundle entry is not an object');
    const r = entry.resource;
    if (r === undefined) continue;
    if (!isObject(r) || typeof r.resourceType !== 'string')
      throw new CdsError(400, 'invalid', 'a prefetch Bundle entry holds something that is not a FHIR resource');
    // An OperationOutcome in a searchset is a warning (search mode "outcome") unless it is all there is.
    if (r.resourceType === 'OperationOutcome') {
      failure = outcomeText(r);
      continue;
    }
    resources.push(r as FhirResource);
  }
  if (failure !== undefined && resources.length === 0 && hasErrorIssue(entries)) return { failed: failure };
  const next = nextLink(value);
  return next ? { resources, next } : { resources };
}

function hasErrorIssue(entries: unknown[]): boolean {
  return entries.some((e) => {
    const r = isObject(e) ? e.resource : undefined;
    return (
      isObject(r) &&
      r.resourceType === 'OperationOutcome' &&
      Array.isArray(r.issue) &&
      r.issue.some((i) => isObject(i) && (i.severity === 'error' || i.severity === 'fatal'))
    );
  });
}

function outcomeText(oo: Record<string, unknown>): string {
  const issues = Array.isArray(oo.issue) ? oo.issue : [];
  const first = issues.find(isObject);
  const text =
    first &&
    (typeof first.diagnostics === 'string'
      ? first.diagnostics
      : isObject(first.details) && typeof first.details.text === 'string'
        ? first.details.text
        : undefined);
  return `the EHR reported an error${text ? `: ${String(text).slice(0, 200)}` : ''}`;
}

/**
 * Resolve every key of the service's prefetch templates. Keys the service did
 * not ask for are ignored entirely: only its own queries say what the data is
 * (a Condition under an invented key must not change the cards).
 *
 * Everything read from the FHIR server is bounded by the fallback (its
 * deadline, request and byte limits); the fallback is closed when this ends.
 */
export async function resolvePrefetch(
  templateKeys: readonly string[],
  prefetch: Record<string, unknown> | undefined,
  fallback?: FhirFallback,
): Promise<ResolvedData> {
  try {
    return await gather(templateKeys, prefetch, fallback);
  } finally {
    fallback?.close?.();
  }
}

async function gather(templateKeys: readonly string[], prefetch: Record<string, unknown> | undefined, fallback?: FhirFallback): Promise<ResolvedData> {
  const resources: FhirResource[] = [];
  const keys: Record<string, KeyState> = {};
  const unavailable: ResolvedData['unavailable'] = [];
  const missing: string[] = [];
  const paginated: { key: string; next: string }[] = [];
  for (const key of templateKeys) {
    const value = prefetch?.[key];
    if (value === undefined) {
      missing.push(key);
      continue;
    }
    if (value === null) {
      keys[key] = 'null';
      continue;
    }
    const read = readPrefetchValue(value);
    if ('failed' in read) {
      keys[key] = 'failed';
      unavailable.push({ key, reason: read.failed });
      continue;
    }
    keys[key] = 'prefetched';
    resources.push(...read.resources);
    if (read.next) paginated.push({ key, next: read.next });
  }
  // The client paginated: follow its next links (same FHIR server), alongside the missing keys.
  const followed = Promise.all(
    paginated.map(async ({ key, next }) => {
      if (!fallback) {
        unavailable.push({ key, reason: 'only the first page was prefetched and there is no FHIR server to read the rest from' });
        return;
      }
      try {
        resources.push(...(await fallback.followPages(next)));
      } catch (err) {
        unavailable.push({ key, reason: `later pages could not be read: ${(err as Error).message}` });
      }
    }),
  );
  if (missing.length > 0) {
    if (fallback) {
      const fetched = await fallback.fetchMissing(missing);
      for (const key of missing) {
        const result = fetched[key];
        if (result && 'resources' in result) {
          keys[key] = 'fetched';
          resources.push(...result.resources);
        } else {
          keys[key] = 'failed';
          unavailable.push({ key, reason: result?.error ?? 'not fetched' });
        }
      }
    } else {
      for (const key of missing) {
        keys[key] = 'missing';
        unavailable.push({ key, reason: 'not prefetched and no FHIR server to fetch it from' });
      }
    }
  }
  await followed;
  // Medications referenced by orders / administrations / statements but not sent (prefetch templates
  // cannot _include them) are read in one more step: a few batched searches, under the same deadline.
  const medicationRefs = unresolvedMedicationReferences(resources);
  if (fallback && medicationRefs.length > 0) {
    const medications = await fallback.readMedications(medicationRefs);
    resources.push(...medications.resources);
    if (medications.unavailable) unavailable.push({ key: REFERENCED_MEDICATIONS, reason: medications.unavailable });
  }
  return { resources, keys, unavailable };
}
