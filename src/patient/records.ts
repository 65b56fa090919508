/**
 * The request's resources, indexed once by type, each counted once (by type
 * and id) however many prefetch keys or pages it arrived under.
 */
import type * as R4 from 'fhir/r4';

/** A resource as it arrives: JSON with a resourceType (nothing else is trusted). */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

/** The R4 resource types the patient model reads (@types/fhir). */
export interface R4Resources {
  Patient: R4.Patient;
  Condition: R4.Condition;
  Observation: R4.Observation;
  Procedure: R4.Procedure;
  MedicationRequest: R4.MedicationRequest;
  MedicationAdministration: R4.MedicationAdministration;
  MedicationStatement: R4.MedicationStatement;
  Medication: R4.Medication;
  ServiceRequest: R4.ServiceRequest;
  ResearchSubject: R4.ResearchSubject;
}
export type ReadType = keyof R4Resources;

export class PatientRecord {
  private readonly byType = new Map<string, FhirResource[]>();
  private readonly byRef = new Map<string, FhirResource>();

  constructor(resources: Iterable<FhirResource>) {
    for (const r of resources) this.add(r);
  }

  private add(r: FhirResource): void {
    if (r.id !== undefined) {
      const ref = `${r.resourceType}/${r.id}`;
      if (this.byRef.has(ref)) return;
      this.byRef.set(ref, r);
    }
    const list = this.byType.get(r.resourceType);
    if (list) list.push(r);
    else this.byType.set(r.resourceType, [r]);
  }

  /**
   * The resources of one R4 type that `keep` accepts (all of them without it),
   * typed as R4 says they are shaped, in a stable order (by id) so the answer
   * never depends on the order the client or server sent things in. Filtered
   * before sorting: a chart of 10 000 Observations the rules never read costs
   * one pass, not a sort. The client's JSON is not validated here: every reader
   * goes through FHIRPath or optional chaining and ignores values that are not
   * what R4 says.
   */
  ofType<T extends ReadType>(type: T, keep?: (r: R4Resources[T]) => boolean): R4Resources[T][] {
    const all = (this.byType.get(type) ?? []) as unknown as R4Resources[T][];
    const chosen = keep ? all.filter(keep) : all.slice();
    return chosen.sort(byIdThenContent as unknown as (a: R4Resources[T], b: R4Resources[T]) => number);
  }

  /** The Medication a `medicationReference` names (`Medication/id`, or a full URL ending in it). */
  medication(reference: string): R4.Medication | undefined {
    const found = this.resolve(reference);
    return found?.resourceType === 'Medication' ? (found as unknown as R4.Medication) : undefined;
  }

  /** Resolve `Type/id` (or a full URL ending in it). */
  resolve(reference: string): FhirResource | undefined {
    const direct = this.byRef.get(reference);
    if (direct) return direct;
    const m = /([A-Za-z]+\/[A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
    return m ? this.byRef.get(m[1]) : undefined;
  }

  get size(): number {
    let n = 0;
    for (const list of this.byType.values()) n += list.length;
    return n;
  }
}

/** A total order that does not depend on arrival order: by id (code-unit order), then by content when ids tie. */
function byIdThenContent(a: FhirResource, b: FhirResource): number {
  const x = typeof a.id === 'string' ? a.id : '';
  const y = typeof b.id === 'string' ? b.id : '';
  if (x !== y) return x < y ? -1 : 1;
  const ja = JSON.stringify(a);
  const jb = JSON.stringify(b);
  return ja === jb ? 0 : ja < jb ? -1 : 1;
}

/** `Observation/123`, for evidence. */
export function referenceOf(r: { resourceType: string; id?: string }): string {
  return `${r.resourceType}/${r.id ?? '(no id)'}`;
}
