/**
 * The request's resources, indexed once by type, each counted once (by type
 * and id) however many prefetch keys or pages it arrived under.
 */
export interface FhirResource {
  resourceType: string;
  id?: string;
  [key: string]: unknown;
}

export class PatientRecord {
  private readonly byType = new Map<string, FhirResource[]>();
  private readonly byRef = new Map<string, FhirResource>();

  constructor(resources: Iterable<FhirResource>) {
    for (const r of resources) this.add(r);
    // A stable order (by id), so the answer never depends on the order the client or server sent things in.
    for (const list of this.byType.values()) list.sort((a, b) => (a.id ?? '').localeCompare(b.id ?? '') || JSON.stringify(a).localeCompare(JSON.stringify(b)));
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

  ofType(type: string): readonly FhirResource[] {
    return this.byType.get(type) ?? [];
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

/** `Observation/123`, for evidence. */
export function referenceOf(r: FhirResource): string {
  return `${r.resourceType}/${r.id ?? '(no id)'}`;
}
