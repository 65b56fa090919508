/**
 * The CDS Hooks request an EHR that prefetches everything would send for a
 * FHIR Bundle of one patient's record: each prefetch key of the service
 * definition filled with a searchset Bundle of that resource type (`null` when
 * the search found nothing), Medications referenced by medication records
 * included. Used by the command-line evaluator and the fixture tools.
 */
import { uuidV5 } from '../cards/uuid';
import type { FhirResource } from '../patient/records';
import { templateResourceType } from './templates';

/** The resources of a Bundle's entries. */
export function bundleResources(bundle: { entry?: unknown }): FhirResource[] {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as { resource?: unknown }[]) : [];
  return entries
    .map((e) => e?.resource)
    .filter((r): r is FhirResource => typeof r === 'object' && r !== null && typeof (r as FhirResource).resourceType === 'string');
}

/** Prefetch values for the service's templates, from one patient's resources. */
export function prefetchFor(resources: FhirResource[], templates: Record<string, string>): Record<string, unknown> {
  const prefetch: Record<string, unknown> = {};
  const medications = resources.filter((r) => r.resourceType === 'Medication');
  for (const [key, template] of Object.entries(templates)) {
    const type = templateResourceType(template);
    if (!template.includes('?')) {
      prefetch[key] = resources.find((r) => r.resourceType === type) ?? null;
      continue;
    }
    const matches = resources.filter((r) => r.resourceType === type);
    if (matches.length === 0) {
      prefetch[key] = null;
      continue;
    }
    const included = type.startsWith('Medication') ? medications.filter((m) => matches.some((r) => JSON.stringify(r).includes(`Medication/${m.id}`))) : [];
    prefetch[key] = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: matches.length,
      entry: [
        ...matches.map((resource) => ({ fullUrl: `urn:fixture:${resource.resourceType}/${resource.id}`, resource, search: { mode: 'match' } })),
        ...included.map((resource) => ({ fullUrl: `urn:fixture:Medication/${resource.id}`, resource, search: { mode: 'include' } })),
      ],
    };
  }
  return prefetch;
}

/** Draft orders for an order-select / order-sign request. */
export interface OrderContext {
  hook: 'order-select' | 'order-sign';
  draftOrders: unknown;
  selections?: string[];
}

/** The request for a Bundle (patient-view, or an order hook with its draft orders); `name` makes the hookInstance stable. */
export function requestFromBundle(
  bundle: { entry?: unknown },
  templates: Record<string, string>,
  name = 'bundle',
  orders?: OrderContext,
): Record<string, unknown> {
  const resources = bundleResources(bundle);
  const patient = resources.find((r) => r.resourceType === 'Patient');
  const context: Record<string, unknown> = { userId: 'Practitioner/fixture-oncologist', patientId: patient?.id ?? 'unknown' };
  if (orders) {
    context.draftOrders = orders.draftOrders;
    if (orders.hook === 'order-select') context.selections = orders.selections ?? draftReferences(orders.draftOrders);
  }
  return {
    hook: orders?.hook ?? 'patient-view',
    hookInstance: uuidV5(orders ? `fixture-request|${name}|${orders.hook}` : `fixture-request|${name}`),
    context,
    prefetch: prefetchFor(resources, templates),
  };
}

/** Every MedicationRequest / ServiceRequest in a draft-orders Bundle, as `Type/id`. */
function draftReferences(draftOrders: unknown): string[] {
  return bundleResources(draftOrders as { entry?: unknown })
    .filter((r) => r.resourceType === 'MedicationRequest' || r.resourceType === 'ServiceRequest')
    .map((r) => `${r.resourceType}/${String(r.id)}`);
}
