/**
 * The knowledge in hooks/ (service definition, value sets, card catalog),
 * loaded and validated once at start-up.
 */
import { join } from 'node:path';
import { loadCatalog, type CardCatalog } from './cards/catalog';
import { loadServiceDefinition, type ServiceDefinition } from './cds/definition';
import { loadTerminology, type Terminology } from './terminology/valuesets';

export interface Knowledge {
  terminology: Terminology;
  catalog: CardCatalog;
  service: ServiceDefinition;
}

export function loadKnowledge(hooksDir: string, valueSetDir?: string): Knowledge {
  const terminology = loadTerminology(join(hooksDir, 'valuesets'), valueSetDir);
  return {
    terminology,
    catalog: loadCatalog(join(hooksDir, 'cards')),
    service: loadServiceDefinition(join(hooksDir, 'relapsed-all-patient-view.json'), terminology),
  };
}
