/**
 * Cheap structural pre-filters, run before any FHIRPath: which resources can
 * matter at all. Facts are still read with FHIRPath (paths.ts); these only
 * skip resources that FHIRPath would find nothing in (a code in none of the
 * value sets read for that type; a subject that is another patient). Each
 * reads the same fields the FHIRPath expression reads, and accepts what
 * FHIRPath accepts (a single object where R4 has a list), so a resource that
 * passes FHIRPath always passes the pre-filter.
 */
import type { Coding } from '../terminology/valuesets';

type Json = Record<string, unknown>;

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Json)[name] : undefined;
}

/** `code.coding`, read structurally (as `paths.codings` reads it). */
export function codeCodings(resource: unknown): Coding[] {
  const out: Coding[] = [];
  for (const code of asList(field(resource, 'code'))) {
    for (const c of asList(field(code, 'coding'))) if (typeof c === 'object' && c !== null) out.push(c);
  }
  return out;
}

/** `subject.reference | patient.reference | individual.reference`, read structurally. */
export function patientReferences(resource: unknown): string[] {
  const out: string[] = [];
  for (const name of ['subject', 'patient', 'individual']) {
    for (const ref of asList(field(resource, name))) {
      for (const r of asList(field(ref, 'reference'))) if (typeof r === 'string') out.push(r);
    }
  }
  return out;
}

/** `verificationStatus.coding.code`, read structurally. */
export function verificationCodes(resource: unknown): string[] {
  const out: string[] = [];
  for (const status of asList(field(resource, 'verificationStatus'))) {
    for (const c of asList(field(status, 'coding'))) for (const code of asList(field(c, 'code'))) if (typeof code === 'string') out.push(code);
  }
  return out;
}
