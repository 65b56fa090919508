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
import { CPT, ICD10CM, LOCAL, LOINC, RXNORM, SCT, UCUM } from './systems';

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

/** How a draft order names its drug: a coded concept, a contained Medication, or a Medication in the draftOrders Bundle. */
export type DraftCoding = 'concept' | 'contained' | 'bundled';

/** A draft MedicationRequest as an EHR sends it in `context.draftOrders` (status draft, often no intent). */
export function draftMedicationRequest(
  id: string,
  patientId: string,
  drug: Coding | undefined,
  how: DraftCoding = 'concept',
  extra: Record<string, unknown> = {},
): { request: FhirResource; medication?: FhirResource } {
  const request: FhirResource = { resourceType: 'MedicationRequest', id, status: 'draft', subject: { reference: `Patient/${patientId}` }, ...extra };
  if (!drug) return { request };
  const code = { coding: [concept(drug)], ...(drug[2] ? { text: drug[2] } : {}) };
  if (how === 'concept') return { request: { ...request, medicationCodeableConcept: code } };
  const medication: FhirResource = { resourceType: 'Medication', id: `${id}-med`, code };
  if (how === 'contained') return { request: { ...request, contained: [medication], medicationReference: { reference: `#${id}-med` } } };
  return { request: { ...request, medicationReference: { reference: `Medication/${id}-med` } }, medication };
}

/** A draftOrders Bundle as the CDS Hooks Sandbox sends it: no `type`, entries with a resource each. */
export function draftOrdersBundle(...drafts: { request: FhirResource; medication?: FhirResource }[]): Record<string, unknown> {
  return { resourceType: 'Bundle', entry: drafts.flatMap((d) => [d.request, ...(d.medication ? [d.medication] : [])]).map((resource) => ({ resource })) };
}

/** The order-select / order-sign request for a chart and its draft orders (every key prefetched unless `unavailable`). */
export function orderRequestFor(
  chart: Chart,
  hook: 'order-select' | 'order-sign',
  draftOrders: Record<string, unknown>,
  options: { unavailable?: readonly string[]; selections?: string[] } = {},
): Record<string, unknown> {
  const base = requestFor(chart, options.unavailable ?? []);
  const context: Record<string, unknown> = { ...(base.context as Record<string, unknown>), draftOrders };
  if (hook === 'order-select') {
    const entries = (draftOrders.entry as { resource: FhirResource }[] | undefined) ?? [];
    context.selections =
      options.selections ?? entries.filter((e) => e.resource.resourceType === 'MedicationRequest').map((e) => `MedicationRequest/${String(e.resource.id)}`);
  }
  return { ...base, hook, hookInstance: '5d3a7c2e-8f4b-4e1a-9c6d-2b7e1f0a9d33', context };
}

export const B_ALL: [string, string, string] = [SCT, '277571004', 'B-cell acute lymphoblastic leukemia'];
export const T_ALL: [string, string, string] = [SCT, '277575008', 'T-cell acute lymphoblastic leukemia'];
export const RELAPSE: [string, string, string] = [ICD10CM, 'C91.02', 'Acute lymphoblastic leukemia, in relapse'];
export const IV: [string, string, string] = [SCT, '47625008', 'Intravenous route'];
export const INTRATHECAL: [string, string, string] = [SCT, '72607000', 'Intrathecal route'];
export const HSCT: [string, string, string] = [SCT, '234336002', 'Hemopoietic stem cell transplant'];
export const LP: [string, string, string] = [CPT, '62270', 'Spinal puncture, lumbar, diagnostic'];

export interface BaseOptions {
  id?: string;
  birth?: string;
  diagnosis?: string;
  relapse?: string;
  lineage?: 'B' | 'T';
  cd19?: number;
  cd22?: number;
  /** CNS work-up at relapse (LP + negative CSF). */
  cnsWorkUp?: boolean;
  ph?: boolean;
}

/**
 * A child (born 2016-03-10) with B-ALL diagnosed 2022-01-10, remission 2022-02-10,
 * isolated marrow relapse 2025-06-02 (40 months: late), CD19 95 %, CD22 80 %,
 * BCR-ABL1 negative, LP with negative CSF. No therapy since the relapse.
 */
export function base(o: BaseOptions = {}): Chart {
  const relapse = o.relapse ?? '2025-06-02';
  const chart = new Chart(o.id ?? 'pt', o.birth ?? '2016-03-10');
  chart.condition(o.lineage === 'T' ? T_ALL : B_ALL, o.diagnosis ?? '2022-01-10');
  chart.marrowBlasts('2022-02-10', 1);
  chart.condition(RELAPSE, relapse);
  chart.marrowBlasts(relapse, 60);
  if (o.lineage !== 'T') {
    chart.antigen('CD19', relapse, o.cd19 ?? 95);
    chart.antigen('CD22', relapse, o.cd22 ?? 80);
  }
  chart.bcrAbl1('2022-01-12', o.ph ?? false);
  if (o.cnsWorkUp !== false) {
    chart.procedure(LP, relapse);
    chart.csfBlasts(relapse, false);
  }
  return chart;
}
