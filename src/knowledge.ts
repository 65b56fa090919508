/**
 * The knowledge in hooks/ (service definition, value sets, card catalog),
 * loaded and validated once at start-up.
 */
import { join } from 'node:path';
import { loadCatalog, type CardCatalog } from './cards/catalog';
import { loadOrderCatalog, type OrderCatalog } from './cards/order-catalog';
import { OverrideReasons } from './cards/override-reasons';
import { DefinitionError, loadServiceDefinition, SERVICE_FILES, type ServiceDefinition } from './cds/definition';
import { loadTerminology, type Terminology } from './terminology/valuesets';

export interface Knowledge {
  terminology: Terminology;
  catalog: CardCatalog;
  /** The order checks' wording, sources and override reasons (hooks/order-checks/). */
  orderCatalog: OrderCatalog;
  /** Every service, in discovery order (patient-view, order-select, order-sign). */
  services: readonly ServiceDefinition[];
  /** The patient-view service (the chart-open cards). */
  service: ServiceDefinition;
  /** Why a clinician may dismiss a card (hooks/override-reasons.json). */
  overrideReasons: OverrideReasons;
}

export function loadKnowledge(hooksDir: string, valueSetDir?: string): Knowledge {
  const terminology = loadTerminology(join(hooksDir, 'valuesets'), valueSetDir);
  const services = SERVICE_FILES.map((f) => loadServiceDefinition(join(hooksDir, f), terminology));
  const hooks = services.map((s) => s.hook);
  if (new Set(hooks).size !== hooks.length || new Set(services.map((s) => s.id)).size !== services.length)
    throw new DefinitionError(`${hooksDir}: each service needs its own hook and id (${services.map((s) => `${s.id}: ${s.hook}`).join(', ')})`);
  const service = services.find((s) => s.hook === 'patient-view');
  if (!service) throw new DefinitionError(`${hooksDir}: no patient-view service`);
  const overrideReasons = OverrideReasons.load(join(hooksDir, 'override-reasons.json'));
  return {
    terminology,
    catalog: loadCatalog(join(hooksDir, 'cards'), overrideReasons),
    orderCatalog: loadOrderCatalog(join(hooksDir, 'order-checks'), overrideReasons),
    services,
    service,
    overrideReasons,
  };
}
