/**
 * clinical-logic.md section 1: facts read from the record (FHIR R4 -> PatientFacts),
 * checked through what the rules then see (stratification fields, card codes).
 */
import { recommend } from '../../../src/clinical/recommend';
import { assessRelapse, findDiagnosis } from '../../../src/clinical/relapse';
import { stratify } from '../../../src/clinical/stratify';
import type { PatientFacts } from '../../../src/clinical/types';
import type { FhirResource } from '../../../src/patient/records';
import {
  ALL_NOS,
  B_ALL,
  C91_01,
  C91_02,
  CPT,
  ICD10CM,
  ICDO3,
  LOCAL,
  LOINC,
  RXNORM,
  S,
  SCT,
  T_ALL,
  cc,
  factsFrom,
  fhirCondition,
  fhirMedication,
  fhirMedicationRequest,
  fhirObservation,
  fhirPatient,
  fhirProcedure,
  fhirResearchSubject,
  fhirServiceRequest,
  pct,
} from '../builders';

const EVAL = '2021-11-01';
const RELAPSE = '2021-09-15';

/** B-ALL diagnosed 2020-01-15, remission marrow 2020-02-12, relapse C91.02 on 2021-09-15 with 40 % marrow blasts. */
function base(...extra: FhirResource[]): FhirResource[] {
  return [
    fhirPatient('2012-05-01'),
    fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
    fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
    fhirObservation('bm0', [LOINC, '11150-0'], { date: '2020-02-12', valueQuantity: pct(1) }),
    fhirObservation('bm1', [LOINC, '11150-0'], { date: RELAPSE, valueQuantity: pct(40) }),
    ...extra,
  ];
}

function st(resources: FhirResource[], evaluationDate = EVAL) {
  const s = stratify(factsFrom(resources), evaluationDate, S);
  if (!s) throw new Error('expected relapsed ALL');
  return s;
}

function cardCodes(resources: FhirResource[], evaluationDate = EVAL): string[] {
  const s = stratify(factsFrom(resources), evaluationDate, S);
  return s ? recommend(s, S).map((r) => r.code) : [];
}

const med = (id: string, rxnorm: string, authoredOn: string, status = 'active') => fhirMedicationRequest(id, { rxnorm, authoredOn, status });
const BLINATUMOMAB = '1597258';
const INOTUZUMAB = '1942950';

describe('section 1: hasAll (any Condition coded in all-diagnosis)', () => {
  it('a Condition coded SNOMED 91857003 is ALL', () => {
    const f = factsFrom([fhirCondition('c1', { codes: [ALL_NOS], onsetDateTime: '2020-01-15' })]);
    expect(assessRelapse(f, S).hasAll).toBe(true);
  });

  it('a Condition coded ICD-10-CM C91.00 is ALL', () => {
    const f = factsFrom([fhirCondition('c1', { codes: [[ICD10CM, 'C91.00']], onsetDateTime: '2020-01-15' })]);
    expect(assessRelapse(f, S).hasAll).toBe(true);
  });

  it('a Condition whose only ALL code is the mCODE histology-morphology extension is ALL (and its lineage is read)', () => {
    const f = factsFrom([fhirCondition('c1', { codes: [[SCT, '363346000']], histology: [ICDO3, '9837/3'], onsetDateTime: '2020-01-15' })]);
    expect(assessRelapse(f, S).hasAll).toBe(true);
    expect(f.allConditions[0].lineage).toBe('T');
  });

  it('a Condition that is not ALL (AML, SNOMED 91861009) is not', () => {
    const f = factsFrom([fhirCondition('c1', { codes: [[SCT, '91861009']], onsetDateTime: '2020-01-15' })]);
    expect(assessRelapse(f, S).hasAll).toBe(false);
  });

  it('an extension with another URL does not count as histology', () => {
    const c = fhirCondition('c1', { codes: [[SCT, '363346000']], onsetDateTime: '2020-01-15' });
    c.extension = [{ url: 'http://example.org/other', valueCodeableConcept: cc([ICDO3, '9811/3']) }];
    expect(assessRelapse(factsFrom([c]), S).hasAll).toBe(false);
  });
});

describe('section 1: diagnosisDate (earliest onset over non-relapse ALL Conditions)', () => {
  it('takes the earliest of onsetDateTime, onsetPeriod.start and recordedDate across records', () => {
    const f = factsFrom([
      fhirCondition('a', { codes: [B_ALL], onsetDateTime: '2020-03-01T10:00:00Z' }),
      fhirCondition('b', { codes: [ALL_NOS], onsetPeriodStart: '2020-02-10' }),
      fhirCondition('c', { codes: [[ICD10CM, 'C91.00']], recordedDate: '2020-02-20' }),
    ]);
    expect(findDiagnosis(f).date).toBe('2020-02-10');
    expect(findDiagnosis(f).evidence?.reference).toBe('Condition/b');
  });

  it('recordedDate dates a record with no onset', () => {
    const f = factsFrom([
      fhirCondition('c', { codes: [ALL_NOS], recordedDate: '2019-12-05' }),
      fhirCondition('a', { codes: [B_ALL], onsetDateTime: '2020-03-01' }),
    ]);
    expect(findDiagnosis(f).date).toBe('2019-12-05');
  });

  it('onset wins over recordedDate on the same record', () => {
    const f = factsFrom([fhirCondition('a', { codes: [B_ALL], onsetDateTime: '2020-05-01', recordedDate: '2020-01-01' })]);
    expect(findDiagnosis(f).date).toBe('2020-05-01');
  });

  it('a partial onset (year-month) is padded to the first of the month', () => {
    const f = factsFrom([fhirCondition('a', { codes: [B_ALL], onsetDateTime: '2020-03' })]);
    expect(findDiagnosis(f).date).toBe('2020-03-01');
  });

  it('relapse records (C91.02) do not date the diagnosis even when earlier', () => {
    const f = factsFrom([
      fhirCondition('r', { codes: [C91_02], onsetDateTime: '2019-06-01' }),
      fhirCondition('a', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
    ]);
    expect(findDiagnosis(f).date).toBe('2020-01-15');
  });

  it('is unknown when only relapse records exist, and the data-gap card asks for it', () => {
    const resources = [fhirPatient('2012-05-01'), fhirCondition('r', { codes: [C91_02], onsetDateTime: RELAPSE })];
    const s = st(resources);
    expect(s.relapse.diagnosisDate).toBeUndefined();
    expect(s.reported.timing).toBe('unknown');
    expect(s.missing).toContain('diagnosis date');
    expect(cardCodes(resources)).toContain('data-gap');
  });
});

describe('section 1: lineage B / T / unknown', () => {
  it('B from a b-all code (SNOMED 277571004)', () => {
    expect(st(base()).reported.lineage).toBe('B');
  });

  it('B from an ICD-O-3 B code (9836/3)', () => {
    const s = st([
      fhirCondition('dx', { codes: [[ICDO3, '9836/3']], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
    ]);
    expect(s.reported.lineage).toBe('B');
  });

  it('T from SNOMED 277575008', () => {
    const s = st([fhirCondition('dx', { codes: [T_ALL], onsetDateTime: '2020-01-15' }), fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE })]);
    expect(s.reported.lineage).toBe('T');
  });

  it('T from ICD-O-3 9837/3', () => {
    const s = st([
      fhirCondition('dx', { codes: [[ICDO3, '9837/3']], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
    ]);
    expect(s.reported.lineage).toBe('T');
  });

  it('ICD-O-3 9835/3 (precursor lymphoblastic, NOS) says nothing about lineage: unknown, reported missing', () => {
    const s = st([
      fhirCondition('dx', { codes: [[ICDO3, '9835/3']], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
    ]);
    expect(s.reported.lineage).toBe('unknown');
    expect(s.lineageConflict).toBe(false);
    expect(s.missing).toContain('lineage');
  });

  it('a B-ALL record and a T-ALL record conflict: unknown, and the conflict is flagged', () => {
    const s = st([
      fhirCondition('dx1', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
      fhirCondition('dx2', { codes: [T_ALL], onsetDateTime: '2020-01-20' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
    ]);
    expect(s.reported.lineage).toBe('unknown');
    expect(s.lineageConflict).toBe(true);
    expect(s.lineageEvidence.map((e) => e.reference).sort()).toEqual(['Condition/dx1', 'Condition/dx2']);
  });

  it('falls back to an immunophenotype report (LOINC 101119-6) coded T-ALL', () => {
    const s = st([
      fhirCondition('dx', { codes: [ALL_NOS], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
      fhirObservation('ip', [LOINC, '101119-6'], { date: '2020-01-16', valueCodeableConcept: { coding: [{ system: SCT, code: '277575008' }] } }),
    ]);
    expect(s.reported.lineage).toBe('T');
    expect(s.lineageEvidence.map((e) => e.reference)).toEqual(['Observation/ip']);
  });

  it('falls back to an immunophenotype report whose text says B-cell precursor', () => {
    const s = st([
      fhirCondition('dx', { codes: [ALL_NOS], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
      fhirObservation('ip', [LOINC, '101119-6'], { date: '2020-01-16', valueString: 'B-cell precursor ALL, CD10+ CD19+' }),
    ]);
    expect(s.reported.lineage).toBe('B');
  });

  it('two immunophenotype reports that disagree: unknown, conflict flagged', () => {
    const s = st([
      fhirCondition('dx', { codes: [ALL_NOS], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
      fhirObservation('ip1', [LOINC, '101119-6'], { date: '2020-01-16', valueString: 'B-lineage' }),
      fhirObservation('ip2', [LOINC, '101119-6'], { date: '2021-09-16', valueString: 'T-lineage' }),
    ]);
    expect(s.reported.lineage).toBe('unknown');
    expect(s.lineageConflict).toBe(true);
  });

  it('no lineage evidence at all: unknown, not a conflict', () => {
    const s = st([fhirCondition('dx', { codes: [ALL_NOS], onsetDateTime: '2020-01-15' }), fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE })]);
    expect(s.reported.lineage).toBe('unknown');
    expect(s.lineageConflict).toBe(false);
  });
});

describe('section 1: Ph status', () => {
  const bcr = (id: string, date: string, code: string) =>
    fhirObservation(id, [LOINC, '21821-4'], { date, valueCodeableConcept: { coding: [{ system: SCT, code }] } });
  const POSITIVE = '10828004';
  const NEGATIVE = '260385009';

  it('ICD-O-3 9812/3 (on the mCODE histology extension) is Ph positive, whatever a later BCR-ABL1 says', () => {
    const s = st([
      fhirCondition('dx', { codes: [ALL_NOS], histology: [ICDO3, '9812/3'], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
      bcr('b1', '2021-09-16', NEGATIVE),
    ]);
    expect(s.reported.ph).toBe('positive');
    expect(s.reported.lineage).toBe('B');
    expect(s.phEvidence.map((e) => e.reference)).toEqual(['Condition/dx']);
  });

  it('ICD-O-3 9812/3 as Condition.code is Ph positive', () => {
    const s = st([
      fhirCondition('dx', { codes: [[ICDO3, '9812/3']], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE }),
    ]);
    expect(s.reported.ph).toBe('positive');
  });

  it('a positive BCR-ABL1 result keeps Ph positive: a later negative in remission is a molecular response (README choice)', () => {
    const s = st(base(bcr('b1', '2020-01-16', POSITIVE), bcr('b2', '2021-09-16', NEGATIVE)));
    expect(s.reported.ph).toBe('positive');
    expect(s.phEvidence.map((e) => e.reference)).toEqual(['Observation/b1']);
  });

  it('with only negative results, the latest readable one decides', () => {
    const s = st(base(bcr('b1', '2020-01-16', NEGATIVE), bcr('b2', '2021-09-16', NEGATIVE)));
    expect(s.reported.ph).toBe('negative');
    expect(s.phEvidence.map((e) => e.reference)).toEqual(['Observation/b2']);
  });

  it('else the latest BCR-ABL1 result decides: positive after an older negative', () => {
    const s = st(base(bcr('b1', '2020-01-16', NEGATIVE), bcr('b2', '2021-09-16', POSITIVE)));
    expect(s.reported.ph).toBe('positive');
    expect(cardCodes(base(bcr('b1', '2020-01-16', NEGATIVE), bcr('b2', '2021-09-16', POSITIVE)))).toContain('ph-positive-tki');
  });

  it('no BCR-ABL1 result and no 9812/3: unknown', () => {
    expect(st(base()).reported.ph).toBe('unknown');
  });
});

describe('section 1: CD19 / CD22 at relapse (on/after relapse date minus 30 days)', () => {
  const cd19 = (id: string, date: string, value: number) => fhirObservation(id, [LOCAL, 'cd19-blasts'], { date, valueQuantity: pct(value) });
  const cd22 = (id: string, date: string, value: number) => fhirObservation(id, [LOINC, '51124-6'], { date, valueQuantity: pct(value) });

  it('a result exactly 30 days before the relapse counts as at relapse', () => {
    const s = st(base(cd19('a', '2021-08-16', 90), cd22('b', '2021-08-16', 5)));
    expect(s.cd19.status).toBe('positive');
    expect(s.cd19.atRelapse?.evidence.reference).toBe('Observation/a');
    expect(s.cd22.status).toBe('negative');
  });

  it('a result 31 days before the relapse is "not re-assessed since relapse": status unknown, antigen testing asked for', () => {
    const resources = base(cd19('a', '2021-08-15', 90), cd22('b', '2021-09-20', 80));
    const s = st(resources);
    expect(s.cd19.atRelapse).toBeUndefined();
    expect(s.cd19.older?.evidence.reference).toBe('Observation/a');
    expect(s.cd19.status).toBe('unknown');
    expect(s.cd22.status).toBe('positive');
    expect(cardCodes(resources)).toContain('antigen-testing');
  });

  it('the latest result since relapse wins', () => {
    const s = st(base(cd19('a', '2021-09-16', 90), cd19('b', '2021-10-20', 2)));
    expect(s.cd19.status).toBe('negative');
    expect(s.cd19.atRelapse?.evidence.reference).toBe('Observation/b');
  });

  it('LOINC B-cell counts (8116-6) are not CD19 on blasts', () => {
    const s = st(base(fhirObservation('x', [LOINC, '8116-6'], { date: '2021-09-16', valueQuantity: pct(90) })));
    expect(s.cd19.atRelapse).toBeUndefined();
    expect(s.cd19.older).toBeUndefined();
  });
});

describe('section 1: MRD after reinduction', () => {
  const mrdObs = (id: string, date: string, value: number) => fhirObservation(id, [LOCAL, 'mrd-flow'], { date, valueQuantity: pct(value) });

  it('the latest MRD dated after reinduction started decides the phase', () => {
    const s = st(base(med('r1', BLINATUMOMAB, '2021-09-20'), mrdObs('m1', '2021-10-10', 0.5), mrdObs('m2', '2021-10-20', 0.005)));
    expect(s.reinduction.startDate).toBe('2021-09-20');
    // m1 (day 20) is not yet the end of reinduction; m2 (day 30) is, and it is also the latest.
    expect(s.response.endOfReinductionMrd?.evidence.reference).toBe('Observation/m2');
    expect(s.response.latestMrd?.percent).toBe(0.005);
    expect(s.reported.phase).toBe('second-remission-mrd-negative');
  });

  it('an MRD dated before reinduction started is not a response', () => {
    const s = st(base(med('r1', BLINATUMOMAB, '2021-09-20'), mrdObs('m1', '2021-09-18', 0.001)));
    expect(s.response.latestMrd).toBeUndefined();
    expect(s.response.mrdAtRelapse.map((m) => m.evidence.reference)).toEqual(['Observation/m1']);
    expect(s.reported.phase).toBe('response-pending');
  });
});

describe('section 1: CNS evaluated / involved', () => {
  it('a lumbar puncture (SNOMED 277762005) since relapse minus 30 days: evaluated, not involved', () => {
    const resources = base(fhirProcedure('lp', [SCT, '277762005'], '2021-09-17'));
    expect(st(resources).reported.cns).toBe('not-involved');
    expect(cardCodes(resources)).not.toContain('cns-evaluation');
  });

  it('intrathecal chemotherapy with spinal puncture (CPT 96450) counts as a lumbar puncture', () => {
    expect(st(base(fhirProcedure('lp', [CPT, '96450'], '2021-09-17'))).reported.cns).toBe('not-involved');
  });

  it('a CSF white cell count (LOINC 806-0) counts as CSF evaluation', () => {
    expect(st(base(fhirObservation('w', [LOINC, '806-0'], { date: '2021-09-17', valueQuantity: { value: 2, unit: '/uL' } }))).reported.cns).toBe(
      'not-involved',
    );
  });

  it('blood WBC (LOINC 26464-8) is not a CSF result', () => {
    expect(st(base(fhirObservation('w', [LOINC, '26464-8'], { date: '2021-09-17', valueQuantity: { value: 2, unit: '10*9/L' } }))).reported.cns).toBe(
      'not-evaluated',
    );
  });

  it('CSF blasts present (LOINC 26447-3): involved, CNS-directed therapy card', () => {
    const resources = base(fhirObservation('csf', [LOINC, '26447-3'], { date: '2021-09-17', valueString: 'Blasts present' }));
    const s = st(resources);
    expect(s.reported.cns).toBe('involved');
    expect(s.cnsEvidence.map((e) => e.reference)).toEqual(['Observation/csf']);
    expect(cardCodes(resources)).toContain('cns-directed-therapy');
  });

  it('CSF blasts negative: evaluated, not involved', () => {
    expect(st(base(fhirObservation('csf', [LOINC, '26447-3'], { date: '2021-09-17', valueString: 'Negative' }))).reported.cns).toBe('not-involved');
  });

  it('a CNS site on the relapse record: involved', () => {
    const s = st([
      fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE, bodySite: [[SCT, '21483005']] }),
    ]);
    expect(s.reported.cns).toBe('involved');
  });

  it('a lumbar puncture older than relapse minus 30 days does not count: not evaluated, CNS evaluation asked for', () => {
    const resources = base(fhirProcedure('lp', [SCT, '277762005'], '2021-08-15'));
    expect(st(resources).reported.cns).toBe('not-evaluated');
    expect(cardCodes(resources)).toContain('cns-evaluation');
  });
});

describe('section 1: reinduction (agent dated on/after relapse, status active / completed / on-hold)', () => {
  it.each(['active', 'completed', 'on-hold'])('a %s MedicationRequest on the relapse date starts reinduction', (status) => {
    const s = st(base(med('r1', INOTUZUMAB, RELAPSE, status)));
    expect(s.reinduction.started).toBe(true);
    expect(s.reinduction.startDate).toBe(RELAPSE);
    expect(s.reported.phase).toBe('response-pending');
  });

  it.each(['cancelled', 'draft', 'entered-in-error', 'stopped'])('a %s MedicationRequest does not start reinduction', (status) => {
    const s = st(base(med('r1', INOTUZUMAB, '2021-09-20', status)));
    expect(s.reinduction.started).toBe(false);
    expect(s.reported.phase).toBe('awaiting-reinduction');
  });

  it('a reinduction agent dated before the relapse (front-line therapy) does not count', () => {
    const s = st(base(med('r1', '3041', '2020-02-01', 'completed')));
    expect(s.reinduction.started).toBe(false);
    expect(s.reported.phase).toBe('awaiting-reinduction');
  });

  it('a MedicationAdministration and a MedicationStatement count too', () => {
    const admin: FhirResource = {
      resourceType: 'MedicationAdministration',
      id: 'ma',
      status: 'completed',
      medicationCodeableConcept: cc([RXNORM, '7005']),
      subject: { reference: 'Patient/p1' },
      effectiveDateTime: '2021-09-21',
    };
    const stmt: FhirResource = {
      resourceType: 'MedicationStatement',
      id: 'ms',
      status: 'active',
      medicationCodeableConcept: cc([RXNORM, '44151']),
      subject: { reference: 'Patient/p1' },
      effectivePeriod: { start: '2021-09-19' },
    };
    expect(st(base(admin)).reinduction.startDate).toBe('2021-09-21');
    expect(st(base(stmt)).reinduction.startDate).toBe('2021-09-19');
  });

  it('a drug outside reinduction-agents is not reinduction', () => {
    const s = st(base(med('r1', '161', '2021-09-20')));
    expect(s.reinduction.started).toBe(false);
  });

  it('medicationReference to a contained Medication is resolved', () => {
    const resources = base(
      fhirMedicationRequest('r1', {
        medicationReference: '#blin',
        contained: [fhirMedication('blin', { code: [RXNORM, '1597262'], text: 'Blincyto' })],
        authoredOn: '2021-09-20',
      }),
    );
    const f = factsFrom(resources);
    expect(f.therapies.map((x) => [x.agent, x.name])).toEqual([['blinatumomab', 'Blincyto']]);
    expect(st(resources).reinduction.started).toBe(true);
  });

  it('medicationReference to a Medication in the bundle is resolved (by its ingredient)', () => {
    const resources = base(
      fhirMedication('ino', { code: [RXNORM, '999999'], ingredient: [RXNORM, INOTUZUMAB], text: 'Besponsa' }),
      fhirMedicationRequest('r1', { medicationReference: 'Medication/ino', authoredOn: '2021-09-20' }),
    );
    const f = factsFrom(resources);
    expect(f.therapies.map((x) => x.agent)).toEqual(['inotuzumab']);
    expect(st(resources).reinduction.agents.map((a) => a.evidence.reference)).toEqual(['MedicationRequest/r1']);
  });

  it('a medicationReference that does not resolve gives no therapy', () => {
    const f = factsFrom(base(fhirMedicationRequest('r1', { medicationReference: 'Medication/missing', authoredOn: '2021-09-20' })));
    expect(f.therapies).toEqual([]);
  });

  it('prior exposure (any time, with dates) keeps blinatumomab given in front-line therapy', () => {
    const s = st(base(med('old', BLINATUMOMAB, '2020-03-01', 'completed')));
    expect(s.priorExposure.map((p) => [p.agent, p.date])).toEqual([['blinatumomab', '2020-03-01']]);
  });
});

describe('section 1: HSCT before / after the current relapse', () => {
  it('an HSCT before the relapse makes it a relapse after HSCT', () => {
    const s = st(base(fhirProcedure('tx', [SCT, '234336002'], '2021-01-10')));
    expect(s.reported.relapseAfterHsct).toBe(true);
    expect(s.hsctBeforeRelapse.map((e) => e.reference)).toEqual(['Procedure/tx']);
    expect(s.hsctAfterRelapse).toEqual([]);
  });

  it('an HSCT after the relapse (CPT 38240) puts the patient post-HSCT', () => {
    const s = st(base(fhirProcedure('tx', [CPT, '38240'], '2021-12-01')), '2022-01-10');
    expect(s.reported.phase).toBe('post-hsct');
    expect(s.reported.relapseAfterHsct).toBe(false);
    expect(s.hsctAfterRelapse.map((e) => e.reference)).toEqual(['Procedure/tx']);
  });

  it('an HSCT procedure that was not done is ignored', () => {
    const s = st(base(fhirProcedure('tx', [SCT, '234336002'], '2021-01-10', 'not-done')));
    expect(s.reported.relapseAfterHsct).toBe(false);
  });

  it('"relapse in transplant marrow" (SNOMED 234522008) is a relapse after HSCT by definition', () => {
    const s = st([
      fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [[SCT, '234522008']], onsetDateTime: RELAPSE }),
    ]);
    expect(s.reported.relapseAfterHsct).toBe(true);
  });
});

describe('section 1: hsctReferralOpen (suppresses a new HSCT suggestion)', () => {
  const referral = (status: string) => fhirServiceRequest('sr', [LOCAL, 'hsct-referral'], status);

  it.each(['active', 'draft', 'on-hold'])('a %s HSCT referral is open: no hsct-evaluation card', (status) => {
    const resources = base(referral(status));
    expect(st(resources).hsctReferralOpen.map((e) => e.reference)).toEqual(['ServiceRequest/sr']);
    expect(cardCodes(resources)).not.toContain('hsct-evaluation');
  });

  it.each(['completed', 'revoked', 'entered-in-error'])('a %s HSCT referral is not open: hsct-evaluation still fires', (status) => {
    const resources = base(referral(status));
    expect(st(resources).hsctReferralOpen).toEqual([]);
    expect(cardCodes(resources)).toContain('hsct-evaluation');
  });

  it('a Condition "awaiting transplantation of bone marrow" (SNOMED 698303004) counts as referred', () => {
    const resources = base(fhirCondition('await', { codes: [[SCT, '698303004']], recordedDate: '2021-09-25', clinicalStatus: 'active' }));
    expect(st(resources).hsctReferralOpen.map((e) => e.reference)).toEqual(['Condition/await']);
    expect(cardCodes(resources)).not.toContain('hsct-evaluation');
  });

  it('a resolved "awaiting transplantation" Condition does not', () => {
    const resources = base(fhirCondition('await', { codes: [[SCT, '698303004']], recordedDate: '2021-09-25', clinicalStatus: 'resolved' }));
    expect(st(resources).hsctReferralOpen).toEqual([]);
  });
});

describe('section 1: onTrial (ResearchSubject in the active family)', () => {
  it.each(['on-study', 'on-study-intervention', 'on-study-observation', 'screening', 'eligible', 'pending-on-study'])(
    'status %s: on trial, no clinical-trial card',
    (status) => {
      const resources = base(fhirResearchSubject('rs', status));
      expect(st(resources).onTrial.map((e) => e.reference)).toEqual(['ResearchSubject/rs']);
      expect(cardCodes(resources)).not.toContain('clinical-trial');
    },
  );

  it.each(['off-study', 'withdrawn', 'ineligible', 'not-registered'])('status %s: not on trial, clinical-trial card fires', (status) => {
    const resources = base(fhirResearchSubject('rs', status));
    expect(st(resources).onTrial).toEqual([]);
    expect(cardCodes(resources)).toContain('clinical-trial');
  });
});

describe('section 1: entered-in-error / refuted / cancelled resources are ignored', () => {
  it('a refuted ALL Condition is not ALL', () => {
    const f = factsFrom([fhirCondition('c1', { codes: [B_ALL], onsetDateTime: '2020-01-15', verificationStatus: 'refuted' })]);
    expect(assessRelapse(f, S).hasAll).toBe(false);
  });

  it('an entered-in-error relapse record does not make a relapse: no cards', () => {
    const resources = [
      fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
      fhirCondition('rel', { codes: [C91_02], onsetDateTime: RELAPSE, verificationStatus: 'entered-in-error' }),
    ];
    expect(stratify(factsFrom(resources), EVAL, S)).toBeUndefined();
    expect(cardCodes(resources)).toEqual([]);
  });

  it('an entered-in-error diagnosis Condition does not date the diagnosis', () => {
    const f = factsFrom([
      fhirCondition('bad', { codes: [B_ALL], onsetDateTime: '2018-01-01', verificationStatus: 'entered-in-error' }),
      fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
    ]);
    expect(findDiagnosis(f).date).toBe('2020-01-15');
  });

  it.each(['entered-in-error', 'cancelled'])('a %s Observation is not read', (status) => {
    const f = factsFrom([fhirObservation('bm', [LOINC, '11150-0'], { date: RELAPSE, valueQuantity: pct(40), status })]);
    expect(f.marrowBlasts).toEqual([]);
  });

  it('an entered-in-error MRD does not count as a response', () => {
    const s = st(
      base(
        med('r1', BLINATUMOMAB, '2021-09-20'),
        fhirObservation('m1', [LOCAL, 'mrd-flow'], { date: '2021-10-20', valueQuantity: pct(0.001), status: 'entered-in-error' }),
      ),
    );
    expect(s.reported.phase).toBe('response-pending');
  });

  it('an entered-in-error HSCT procedure is ignored', () => {
    const s = st(base(fhirProcedure('tx', [SCT, '234336002'], '2021-01-10', 'entered-in-error')));
    expect(s.reported.relapseAfterHsct).toBe(false);
  });
});

describe('section 1 / terminology: ICD-10-CM with and without the dot', () => {
  it.each(['C91.02', 'C9102'])('%s is a relapse record', (code) => {
    const f: PatientFacts = factsFrom([fhirCondition('rel', { codes: [[ICD10CM, code]], onsetDateTime: RELAPSE })]);
    expect(f.allConditions[0].isRelapseRecord).toBe(true);
    expect(f.allConditions[0].date).toBe(RELAPSE);
  });

  it.each(['C91.01', 'C9101'])('%s is a remission record', (code) => {
    const f = factsFrom([fhirCondition('rem', { codes: [[ICD10CM, code]], onsetDateTime: '2020-03-01' })]);
    expect(f.allConditions[0].isRemissionRecord).toBe(true);
    expect(f.allConditions[0].isRelapseRecord).toBe(false);
  });

  it('a C91.01 remission record alone is ALL in first remission: no cards', () => {
    expect(
      cardCodes([fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }), fhirCondition('rem', { codes: [C91_01], onsetDateTime: '2020-03-01' })]),
    ).toEqual([]);
  });
});

describe('section 1: age from birthDate against the evaluation date', () => {
  it('age is in completed years on the evaluation date', () => {
    expect(st(base(), '2021-04-30').ageYears).toBe(8);
    expect(st(base(), '2021-05-01').ageYears).toBe(9);
  });

  it('no birthDate: age unknown', () => {
    const resources = base().filter((r) => r.resourceType !== 'Patient');
    expect(st(resources).ageYears).toBeUndefined();
  });
});

describe('section 2 (FHIR): CancerDiseaseStatus "worsened" about the ALL condition', () => {
  const status = (focus?: string[]) =>
    fhirObservation('cds', [LOINC, '97509-4'], {
      date: '2021-09-15',
      valueCodeableConcept: { coding: [{ system: SCT, code: '271299001' }] },
      ...(focus ? { focus } : {}),
    });

  it('a "worsened" status focused on the ALL Condition puts the patient in the relapsed population', () => {
    const s = st([fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }), status(['Condition/dx'])]);
    expect(s.relapse.isRelapsedAll).toBe(true);
    expect(s.relapseDate).toBe('2021-09-15');
  });

  it('a "worsened" status about another condition is not about the ALL', () => {
    const resources = [
      fhirCondition('dx', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
      fhirCondition('other', { codes: [[SCT, '254637007']] }),
      status(['Condition/other']),
    ];
    expect(stratify(factsFrom(resources), EVAL, S)).toBeUndefined();
  });
});
