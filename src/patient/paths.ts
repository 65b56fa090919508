/**
 * The FHIRPath expressions the patient model reads, compiled once (R4 model)
 * at start-up. Each returns a list; helpers below pick what the rules need.
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Coding } from 'fhir/r4';

export const MCODE_HISTOLOGY_URL = 'http://hl7.org/fhir/us/mcode/StructureDefinition/mcode-histology-morphology-behavior';

type Compiled = (resource: unknown) => unknown[];

/**
 * A compiled expression. The request's resources are untrusted JSON: where a
 * field does not have the shape R4 gives it (an array where a dateTime belongs,
 * so `effective as dateTime` throws in fhirpath.js), that field cannot be read
 * and yields nothing, the same as a field that is absent; the request goes on.
 */
function compile(expression: string): Compiled {
  const fn = fhirpath.compile(expression, r4);
  return (resource: unknown) => {
    let result: unknown;
    try {
      result = fn(resource, {});
    } catch {
      return [];
    }
    return Array.isArray(result) ? (result as unknown[]) : [result];
  };
}

export const paths = {
  codings: compile('code.coding'),
  histologyCodings: compile(`extension.where(url = '${MCODE_HISTOLOGY_URL}').value.coding`),
  clinicalStatus: compile('clinicalStatus.coding.code'),
  verificationStatus: compile('verificationStatus.coding.code'),
  status: compile('status'),
  conditionOnset: compile('(onset as dateTime) | (onset as Period).start'),
  recordedDate: compile('recordedDate'),
  bodySiteCodings: compile('bodySite.coding'),
  observationDate: compile('(effective as dateTime) | (effective as Period).start | (effective as instant)'),
  issued: compile('issued'),
  value: compile('value'),
  interpretationCodes: compile('interpretation.coding.code'),
  componentCodings: compile('component.code.coding | component.value.coding'),
  componentText: compile(
    'component.value.ofType(string) | component.value.ofType(CodeableConcept).text | component.value.ofType(CodeableConcept).coding.display',
  ),
  focusReferences: compile('focus.reference'),
  procedureDate: compile('(performed as dateTime) | (performed as Period).start'),
  medicationCodings: compile('(medication as CodeableConcept).coding'),
  medicationReference: compile('(medication as Reference).reference'),
  medicationCodeText: compile('(medication as CodeableConcept).text | (medication as CodeableConcept).coding.display'),
  requestDate: compile('dosageInstruction.timing.repeat.bounds.ofType(Period).start | authoredOn'),
  administrationDate: compile('(effective as dateTime) | (effective as Period).start'),
  statementDate: compile('(effective as dateTime) | (effective as Period).start | dateAsserted'),
  /** The last day a medication record covers, when it says. */
  requestEndDate: compile('dosageInstruction.timing.repeat.bounds.ofType(Period).end'),
  effectiveEndDate: compile('(effective as Period).end'),
  /** Route of a dose: MedicationRequest.dosageInstruction, MedicationStatement.dosage, MedicationAdministration.dosage. */
  routeCodings: compile('dosageInstruction.route.coding | dosage.route.coding'),
  routeText: compile('dosageInstruction.route.text | dosageInstruction.route.coding.display | dosage.route.text | dosage.route.coding.display'),
  dosageText: compile('dosageInstruction.text | dosage.text'),
  medicationIngredientCodings: compile('code.coding | ingredient.item.ofType(CodeableConcept).coding'),
  serviceRequestCodings: compile('code.coding'),
  birthDate: compile('birthDate'),
  codeText: compile('code.text | code.coding.display'),
  patientReferences: compile('subject.reference | patient.reference | individual.reference'),
};

export function strings(values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}

export function codings(values: unknown[]): Coding[] {
  return values.filter((v): v is Coding => typeof v === 'object' && v !== null);
}

/** A FHIR date / dateTime / instant as `YYYY-MM-DD` (partial dates padded with 01); undefined if not a date. */
export function toIsoDate(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?/.exec(value);
  if (!m) return undefined;
  const [, y, mo = '01', d = '01'] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return `${y}-${mo}-${d}`;
}

/** The first value that is a date. */
export function firstDate(...lists: unknown[][]): string | undefined {
  for (const list of lists) {
    for (const v of list) {
      const d = toIsoDate(v);
      if (d) return d;
    }
  }
  return undefined;
}
