/**
 * A small builder of FHIR R4 charts coded the way hospitals code them (raw
 * systems and codes, no project types), and of the CDS Hooks request an EHR
 * would send for one: every prefetch key filled, or an OperationOutcome for a
 * query that failed.
 */
import { failedQueryOutcome, prefetchFor } from '../../dev/tools/fixture-requests';
import type { FhirResource } from '../../src/patient/records';
import { knowledgeFor } from './cds';

export { CPT, ICD10CM, ICDO3, LOCAL, LOINC, RXNORM, SCT, UCUM } from './systems';
import { LOCAL, LOINC, RXNORM, SCT, UCUM } from './systems';

export const RX = {
  blinatumomab: '1597258',
  inotuzumab: '1942950',
  nelarabine: '274771',
  cytarabine: '3041',
  mitoxantrone: '7005',
  imatinib: '282388',
  dasatinib: '475342',
  ponatinib: '1364347',
  methotrexate: '6851',
} as const;

export type Coding = [system: string, code: string, display?: string];

/** The chart under construction: resources with ids unique inside it. */
export class Chart {
  readonly resources: FhirResource[] = [];
  private n = 0;

  constructor(
    readonly patientId: string,
    birthDate?: string,
  ) {
    this.resources.push({ resourceType: 'Patient', id: patientId, ...(birthDate ? { birthDate } : {}) });
  }

  private add(type: string, body: Record<string, unknown>): string {
    this.n += 1;
    const id = `${this.patientId}-${type.toLowerCase().slice(0, 6)}-${this.n}`;
    const subjectKey = type === 'ResearchSubject' ? 'individual' : 'subject';
    this.resources.push({ resourceType: type, id, [subjectKey]: { reference: `Patient/${this.patientId}` }, ...body });
    return `${type}/${id}`;
  }

  condition(code: Coding, onset?: string, extra: Record<string, unknown> = {}): string {
    return this.add('Condition', {
      clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
      code: { coding: [concept(code)] },
      ...(onset ? { onsetDateTime: onset } : {}),
      ...extra,
    });
  }

  observation(code: Coding, date: string, value: Record<string, unknown>): string {
    return this.add('Observation', { status: 'final', code: { coding: [concept(code)] }, effectiveDateTime: date, ...value });
  }

  marrowBlasts(date: string, percent: number): string {
    return this.observation([LOINC, '11150-0', 'Blasts/100 leukocytes in Bone marrow'], date, { valueQuantity: percentQuantity(percent) });
  }

  mrd(date: string, percent: number): string {
    return this.observation([LOCAL, 'mrd-flow', 'MRD by flow cytometry'], date, { valueQuantity: percentQuantity(percent) });
  }

  antigen(antigen: 'CD19' | 'CD22', date: string, percent: number): string {
    return this.observation([LOCAL, antigen === 'CD19' ? 'cd19-blasts' : 'cd22-blasts'], date, { valueQuantity: percentQuantity(percent) });
  }

  bcrAbl1(date: string, positive: boolean): string {
    return this.observation([LOINC, '21822-2', 'BCR-ABL1 fusion'], date, {
      valueCodeableConcept: { coding: [positive ? [SCT, '10828004', 'Positive'] : [SCT, '260385009', 'Negative']].map((c) => concept(c as Coding)) },
    });
  }

  csfBlasts(date: string, present: boolean): string {
    return this.observation([LOINC, '26447-3', 'CSF blasts'], date, { interpretation: [{ coding: [{ code: present ? 'POS' : 'NEG' }] }] });
  }

  procedure(code: Coding, date: string): string {
    return this.add('Procedure', { status: 'completed', code: { coding: [concept(code)] }, performedDateTime: date });
  }

  /** A dose given (MedicationAdministration), with the route coded, as text, or not recorded. */
  administration(rxnorm: string, name: string, date: string, route?: { coded?: Coding; text?: string }): string {
    return this.add('MedicationAdministration', {
      status: 'completed',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display: name }], text: name },
      effectiveDateTime: date,
      ...(route ? { dosage: { route: { ...(route.coded ? { coding: [concept(route.coded)] } : {}), ...(route.text ? { text: route.text } : {}) } } } : {}),
    });
  }

  /** An order (MedicationRequest), e.g. a monthly TKI refill. */
  order(rxnorm: string, name: string, authoredOn: string, status = 'active', extra: Record<string, unknown> = {}): string {
    return this.add('MedicationRequest', {
      status,
      intent: 'order',
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display: name }], text: name },
      authoredOn,
      ...extra,
    });
  }

  statement(rxnorm: string, name: string, start: string, end?: string, status = 'active'): string {
    return this.add('MedicationStatement', {
      status,
      medicationCodeableConcept: { coding: [{ system: RXNORM, code: rxnorm, display: name }], text: name },
      effectivePeriod: { start, ...(end ? { end } : {}) },
    });
  }

  hsctReferral(status = 'active'): string {
    return this.add('ServiceRequest', { status, intent: 'order', code: { coding: [{ system: LOCAL, code: 'hsct-referral' }] } });
  }

  onTrial(): string {
    return this.add('ResearchSubject', { status: 'on-study-intervention', study: { display: 'A relapsed ALL study' } });
  }
}

export function concept([system, code, display]: Coding): Record<string, string> {
  return { system, code, ...(display ? { display } : {}) };
}

export function percentQuantity(value: number): Record<string, unknown> {
  return { value, unit: '%', system: UCUM, code: '%' };
}

/** The CDS Hooks request for a chart, every key prefetched; `unavailable` keys carry a failed query's OperationOutcome. */
export function requestFor(chart: Chart, unavailable: readonly string[] = []): Record<string, unknown> {
  const prefetch = prefetchFor(chart.resources, knowledgeFor().service.prefetch);
  for (const key of unavailable) prefetch[key] = failedQueryOutcome(key);
  return {
    hook: 'patient-view',
    hookInstance: '0b1f7c1e-3c1a-4c55-9d49-6a2c2b4f8e01',
    context: { userId: 'Practitioner/test-oncologist', patientId: chart.patientId },
    prefetch,
  };
}

/** The prefetch keys that may fail without the service answering 412. */
export const OPTIONAL_KEYS = [
  'observations',
  'procedures',
  'medicationRequests',
  'medicationAdministrations',
  'medicationStatements',
  'serviceRequests',
  'researchSubjects',
] as const;
