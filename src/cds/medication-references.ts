import type { FhirResource } from '../patient/records';

/** `Medication/<id>` references that the resources point at but do not hold. */
export function unresolvedMedicationReferences(resources: FhirResource[]): string[] {
  const present = new Set(resources.filter((r) => r.resourceType === 'Medication').map((r) => `Medication/${r.id}`));
  const wanted = new Set<string>();
  for (const r of resources) {
    const ref = (r.medicationReference as { reference?: unknown } | undefined)?.reference;
    if (typeof ref === 'string' && /^Medication\/[A-Za-z0-9\-.]{1,64}$/.test(ref) && !present.has(ref)) wanted.add(ref);
  }
  return [...wanted];
}
