/** Code systems and URLs the test charts are coded with (one list for the unit builders and the chart builder). */
export const SCT = 'http://snomed.info/sct';
export const ICD10CM = 'http://hl7.org/fhir/sid/icd-10-cm';
export const ICDO3 = 'http://terminology.hl7.org/CodeSystem/icd-o-3';
export const LOINC = 'http://loinc.org';
export const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
export const CPT = 'http://www.ama-assn.org/go/cpt';
export const LOCAL = 'https://relapsed-all-cds.org/fhir/CodeSystem/local';
export const UCUM = 'http://unitsofmeasure.org';
