/**
 * Rules settled after the unit-test review: each case here failed before its fix.
 */
import { buildPatientFacts } from '../../../src/patient/facts';
import { readLineage, textPositivity } from '../../../src/patient/results';
import {
  B_ALL,
  C91_02,
  LOINC,
  RELAPSE,
  T_ALL,
  bcrAbl1,
  codes,
  diagnosis,
  diseaseStatus,
  dated,
  factsFrom,
  fhirCondition,
  fhirObservation,
  fhirPatient,
  makeFacts,
  marrow,
  mrd,
  relapseRecord,
  strat,
  terminology,
  therapy,
  typicalFacts,
} from '../builders';

describe('lineage: conflicting B and T codes on one Condition', () => {
  const resources = [
    fhirPatient('2012-05-01'),
    fhirCondition('c1', { codes: [B_ALL, T_ALL], onsetDateTime: '2018-01-15' }),
    fhirCondition('c2', { codes: [C91_02], onsetDateTime: '2023-06-01' }),
  ];
  it('is unknown and flagged as a conflict (the data-gap card says so)', () => {
    const s = strat(factsFrom(resources), '2023-07-01');
    expect(s.reported.lineage).toBe('unknown');
    expect(s.lineageConflict).toBe(true);
  });
  it('is not overridden by an immunophenotype report', () => {
    const report = fhirObservation('o1', [LOINC, '101119-6'], { date: '2023-06-02', valueString: 'B-cell precursor ALL' });
    const s = strat(factsFrom([...resources, report]), '2023-07-01');
    expect(s.reported.lineage).toBe('unknown');
    expect(s.lineageConflict).toBe(true);
  });
});

describe('MRD well after the relapse with no reinduction recorded (revised design: never decides)', () => {
  const facts = makeFacts({
    birthDate: '2010-01-01',
    allConditions: [diagnosis('2018-01-15', 'B'), relapseRecord('2023-06-01')],
    marrowBlasts: [marrow('2018-02-12', 1), marrow('2023-06-01', 40)],
    mrd: [mrd('2023-08-01', 0.5)],
    lumbarPunctures: [dated('Lumbar puncture', '2023-06-02')],
  });
  it('decides neither the COG group nor HSCT; the data-gap card says reinduction is not recorded', () => {
    const s = strat(facts, '2023-09-01');
    expect(s.reported.timing).toBe('late');
    expect(s.reported.phase).toBe('awaiting-reinduction');
    expect(s.reported.cogRiskGroup).toBe('unknown');
    expect(s.response.unplacedMrd?.percent).toBe(0.5);
    expect(codes(facts, '2023-09-01')).not.toContain('hsct-evaluation');
    expect(codes(facts, '2023-09-01')).toContain('data-gap');
  });
});

describe('text results that negate', () => {
  it.each(['None detected', 'Not positive', 'No blasts seen', 'no evidence of blasts'])('"%s" is negative', (text) => {
    expect(textPositivity(text).positivity).toBe('negative');
  });
  it.each(['Detected', 'Positive', 'Blasts present'])('"%s" is positive', (text) => {
    expect(textPositivity(text).positivity).toBe('positive');
  });
  it('an MRD "None detected" after reinduction is MRD-negative second remission', () => {
    const s = strat(
      typicalFacts({
        therapies: [therapy('blinatumomab', '2021-09-20')],
        mrd: [mrd('2021-10-20', undefined, { coded: 'negative', unreadable: false })],
      }),
      '2021-11-01',
    );
    expect(s.reported.phase).toBe('second-remission-mrd-negative');
  });
});

describe('an MRD result documents remission (design page, section 2)', () => {
  it('a coded "detected" MRD is a remission marker, so later relapse evidence counts', () => {
    const facts = makeFacts({
      allConditions: [diagnosis(undefined, 'B', { clinicalStatusRelapse: true })],
      mrd: [mrd('2020-02-12', undefined, { coded: 'positive', unreadable: false })],
      diseaseStatus: [diseaseStatus('2020-03-20', 'worsened')],
    });
    expect(strat(facts, '2020-04-01').relapseDate).toBe('2020-03-20');
  });
});

describe('a remission documented only after the relapse does not undo it', () => {
  it('relapse evidence more than 3 months after diagnosis counts even when the first remission on record is later', () => {
    const facts = makeFacts({
      allConditions: [diagnosis('2020-01-15', 'B')],
      diseaseStatus: [diseaseStatus('2021-09-15', 'worsened')],
      marrowBlasts: [marrow('2021-09-15', 40)],
      therapies: [therapy('blinatumomab', '2021-09-20')],
      mrd: [mrd('2021-10-20', 0.001)],
      lumbarPunctures: [dated('Lumbar puncture', '2021-09-16')],
    });
    const s = strat(facts, '2021-11-01');
    expect(s.relapseDate).toBe('2021-09-15');
    expect(s.reported).toMatchObject({ timing: 'early', phase: 'second-remission-mrd-negative', cns: 'not-involved' });
    expect(codes(facts, '2021-11-01')).toContain('hsct-evaluation');
  });
});

describe('Ph status', () => {
  it('an unreadable latest BCR-ABL1 result does not hide an earlier positive', () => {
    const s = strat(typicalFacts({ bcrAbl1: [bcrAbl1('2021-09-16', 'positive'), bcrAbl1('2021-10-01', 'unknown')] }));
    expect(s.reported.ph).toBe('positive');
  });
  it('only unreadable results: unknown', () => {
    expect(strat(typicalFacts({ bcrAbl1: [bcrAbl1('2021-09-16', 'unknown')] })).reported.ph).toBe('unknown');
  });
});

describe('reinduction going on without a start date (relapse date unknown)', () => {
  it('is response-pending, not awaiting reinduction, and no reinduction card fires', () => {
    const facts = makeFacts({
      allConditions: [diagnosis('2020-01-15', 'B', { clinicalStatusRelapse: true })],
      therapies: [therapy('blinatumomab', undefined, { ongoing: true })],
    });
    const s = strat(facts, '2021-11-01');
    expect(s.reported.phase).toBe('response-pending');
    expect(codes(facts, '2021-11-01')).not.toContain('reinduction-b-all');
    expect(codes(facts, '2021-11-01')).toContain('mrd-assessment');
  });
});

describe('late B-ALL refractory marrow without an MRD result', () => {
  it('gets the HSCT evaluation (refractory disease is above any MRD threshold)', () => {
    const facts = typicalFacts({
      allConditions: [diagnosis('2016-01-15', 'B'), relapseRecord(RELAPSE)],
      therapies: [therapy('inotuzumab', '2021-09-20')],
      marrowBlasts: [marrow('2016-02-12', 0.5), marrow(RELAPSE, 40), marrow('2021-10-25', 30)],
    });
    const s = strat(facts, '2021-11-01');
    expect(s.reported).toMatchObject({ timing: 'late', phase: 'persistent-disease' });
    expect(codes(facts, '2021-11-01')).toContain('hsct-evaluation');
  });
});

describe('an undated transplant in the record', () => {
  it('counts as before the relapse (relapse after HSCT)', () => {
    const s = strat(typicalFacts({ hsct: [dated('HSCT', undefined)] }));
    expect(s.reported.relapseAfterHsct).toBe(true);
    expect(s.reported.phase).toBe('awaiting-reinduction');
  });
});

describe('resources about another patient', () => {
  it('are ignored when the patient in context is known', () => {
    const other = {
      ...fhirCondition('x1', { codes: [C91_02], onsetDateTime: '2021-09-15' }),
      subject: { reference: 'http://ehr.example/fhir/Patient/someone-else' },
    };
    const mine = fhirCondition('c1', { codes: [B_ALL], onsetDateTime: '2020-01-15' });
    const facts = buildPatientFacts([fhirPatient('2012-05-01'), mine, other], terminology(), { antigenPositivePercent: 20, patientId: 'p1' });
    expect(facts.allConditions.map((c) => c.evidence.reference)).toEqual(['Condition/c1']);
    const unfiltered = buildPatientFacts([fhirPatient('2012-05-01'), mine, other], terminology(), { antigenPositivePercent: 20 });
    expect(unfiltered.allConditions).toHaveLength(2);
  });
});

describe('immunophenotype text', () => {
  it.each([
    ['B-cell precursor ALL', 'B'],
    ['T-ALL, cortical', 'T'],
    ['precursor B lymphoblastic', 'B'],
    ['tall cell variant', undefined],
    ['ball-shaped nuclei', undefined],
  ])('"%s" -> %s', (text, lineage) => {
    const obs = fhirObservation('o', [LOINC, '101119-6'], { valueString: text });
    expect(readLineage(obs, terminology())).toBe(lineage);
  });
});

describe('a Condition coded only with the SNOMED relapse extension concept', () => {
  it('is an ALL relapse record (all-relapse codes are ALL by definition)', () => {
    const resources = [
      fhirPatient('2012-05-01'),
      fhirCondition('c1', { codes: [B_ALL], onsetDateTime: '2020-01-15' }),
      fhirCondition('c2', { codes: [['http://snomed.info/sct', '12301000132103']], onsetDateTime: '2021-09-15' }),
    ];
    const s = strat(factsFrom(resources), '2021-10-01');
    expect(s.relapseDate).toBe('2021-09-15');
    expect(s.reported).toMatchObject({ timing: 'early', monthsFromDiagnosis: 20 });
  });
});
