/**
 * clinical-logic.md section 2: relapse detection and dating.
 */
import { assessRelapse, remissionDates } from '../../../src/clinical/relapse';
import { stratify } from '../../../src/clinical/stratify';
import type { PatientFacts } from '../../../src/clinical/types';
import {
  C91_02,
  S,
  allCondition,
  codes,
  csfBlasts,
  diagnosis,
  diseaseStatus,
  factsFrom,
  fhirCondition,
  makeFacts,
  marrow,
  mrd,
  relapseRecord,
  remissionRecord,
  strat,
  B_ALL,
} from '../builders';

const DX = '2020-01-15';
const CR1 = '2020-02-12';
const assess = (f: PatientFacts) => assessRelapse(f, S);

describe('section 2, route 1: a Condition coded all-relapse', () => {
  it('C91.02 puts the patient in the relapsed population and its onset dates the relapse', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis(DX, 'B'), relapseRecord('2021-09-15')] }));
    expect(r.isRelapsedAll).toBe(true);
    expect(r.current?.date).toBe('2021-09-15');
    expect(r.relapseNumber).toBe(1);
    expect(r.populationEvidence.map((e) => e.label)).toEqual(['Relapse recorded']);
  });

  it('a relapse record with only a recordedDate is dated by it', () => {
    const f = factsFrom([fhirCondition('dx', { codes: [B_ALL], onsetDateTime: DX }), fhirCondition('rel', { codes: [C91_02], recordedDate: '2021-09-20' })]);
    expect(assess(f).current?.date).toBe('2021-09-20');
  });

  it('dates the relapse even without a documented remission and within 3 months of diagnosis (a record is not gated)', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis(DX, 'B'), relapseRecord('2020-03-01')] }));
    expect(r.current?.date).toBe('2020-03-01');
  });

  it('an undated relapse record: relapsed, relapse date unknown, data-gap asks for it', () => {
    const f = makeFacts({ allConditions: [diagnosis(DX, 'B'), relapseRecord(undefined)] });
    const st = strat(f);
    expect(st.relapse.isRelapsedAll).toBe(true);
    expect(st.relapseDate).toBeUndefined();
    expect(st.missing).toContain('relapse date');
    expect(codes(f)).toContain('data-gap');
  });
});

describe('section 2, route 2: an ALL Condition with clinicalStatus relapse / recurrence', () => {
  const relapsing = () => diagnosis(DX, 'B', { clinicalStatusRelapse: true });

  it('is in the population, dated by the relapse evidence (marrow blasts >= 5 % after remission)', () => {
    const r = assess(makeFacts({ allConditions: [relapsing()], marrowBlasts: [marrow(CR1, 1), marrow('2021-09-15', 40)] }));
    expect(r.isRelapsedAll).toBe(true);
    expect(r.current?.date).toBe('2021-09-15');
    expect(r.current?.sites).toEqual(['marrow']);
  });

  it('is dated by CSF blasts present after remission', () => {
    const r = assess(makeFacts({ allConditions: [relapsing()], marrowBlasts: [marrow(CR1, 1)], csfBlasts: [csfBlasts('2021-06-01', 'positive')] }));
    expect(r.current?.date).toBe('2021-06-01');
    expect(r.current?.sites).toEqual(['cns']);
  });

  it('with no relapse evidence the relapse date is unknown (and said to be missing)', () => {
    const st = strat(makeFacts({ allConditions: [relapsing()], marrowBlasts: [marrow(CR1, 1)] }));
    expect(st.relapse.isRelapsedAll).toBe(true);
    expect(st.relapseDate).toBeUndefined();
    expect(st.reported.timing).toBe('unknown');
    expect(st.missing).toEqual(expect.arrayContaining(['relapse date']));
  });
});

describe('section 2, route 3: CancerDiseaseStatus "worsened" alone', () => {
  it('puts the patient in the population and dates the relapse', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis(DX, 'B')], diseaseStatus: [diseaseStatus('2021-09-15', 'worsened')] }));
    expect(r.isRelapsedAll).toBe(true);
    expect(r.current?.date).toBe('2021-09-15');
  });

  it('"improved" / remission statuses do not', () => {
    const r = assess(
      makeFacts({ allConditions: [diagnosis(DX, 'B')], diseaseStatus: [diseaseStatus('2021-09-15', 'other'), diseaseStatus('2020-03-01', 'remission')] }),
    );
    expect(r.isRelapsedAll).toBe(false);
  });

  it('"worsened" without an ALL diagnosis is not relapsed ALL', () => {
    expect(assess(makeFacts({ diseaseStatus: [diseaseStatus('2021-09-15', 'worsened')] })).isRelapsedAll).toBe(false);
  });
});

describe('section 2: relapse evidence alone does not enter the population', () => {
  it('marrow blasts >= 5 % long after remission, with no relapse record / status: not relapsed, no cards', () => {
    const f = makeFacts({ allConditions: [diagnosis(DX, 'B')], marrowBlasts: [marrow(CR1, 1), marrow('2021-09-15', 60)] });
    expect(assess(f).isRelapsedAll).toBe(false);
    expect(stratify(f, '2021-10-01', S)).toBeUndefined();
    expect(codes(f)).toEqual([]);
  });

  it('CSF blasts present alone: not relapsed', () => {
    const f = makeFacts({ allConditions: [diagnosis(DX, 'B')], marrowBlasts: [marrow(CR1, 1)], csfBlasts: [csfBlasts('2021-09-15', 'positive')] });
    expect(assess(f).isRelapsedAll).toBe(false);
  });

  it('ALL in first remission (a C91.01 record): no cards', () => {
    expect(codes(makeFacts({ allConditions: [diagnosis(DX, 'B'), remissionRecord(CR1)], marrowBlasts: [marrow(CR1, 0.2)] }))).toEqual([]);
  });

  it('no ALL at all: no cards', () => {
    expect(codes(makeFacts({ marrowBlasts: [marrow('2021-09-15', 60)] }))).toEqual([]);
  });
});

describe('section 2: only evidence after the first documented remission counts', () => {
  const relapsing = () => diagnosis(DX, 'B', { clinicalStatusRelapse: true });

  it('marrow blasts before the first remission (the diagnostic marrow) do not date a relapse', () => {
    const r = assess(makeFacts({ allConditions: [relapsing()], marrowBlasts: [marrow('2020-01-14', 90), marrow(CR1, 1)] }));
    expect(r.current?.date).toBeUndefined();
  });

  it('marrow blasts after the first remission count, even within 3 months of diagnosis', () => {
    const r = assess(makeFacts({ allConditions: [relapsing()], marrowBlasts: [marrow('2020-01-14', 90), marrow(CR1, 1), marrow('2020-03-20', 30)] }));
    expect(r.current?.date).toBe('2020-03-20');
  });

  it.each([
    ['marrow blasts < 5 %', makeFacts({ marrowBlasts: [marrow('2020-02-20', 4.9)] })],
    ['a C91.01 remission record', makeFacts({ allConditions: [remissionRecord('2020-02-20')] })],
    ['a remission disease status', makeFacts({ diseaseStatus: [diseaseStatus('2020-02-20', 'remission')] })],
    ['an MRD result', makeFacts({ mrd: [mrd('2020-02-20', 0.001)] })],
  ])('%s documents the remission', (_label, f) => {
    expect(remissionDates(f, S)).toEqual(['2020-02-20']);
  });

  it('marrow blasts of exactly 5 % are relapse-level, not remission', () => {
    expect(remissionDates(makeFacts({ marrowBlasts: [marrow('2020-02-20', 5)] }), S)).toEqual([]);
  });

  it('a "worsened" status before the first remission does not date a relapse', () => {
    const r = assess(
      makeFacts({ allConditions: [diagnosis(DX, 'B')], marrowBlasts: [marrow('2020-03-01', 1)], diseaseStatus: [diseaseStatus('2020-02-10', 'worsened')] }),
    );
    expect(r.isRelapsedAll).toBe(true);
    expect(r.current?.date).toBeUndefined();
  });
});

describe('section 2: with no remission documented, only evidence > 3 months after diagnosis counts', () => {
  const relapsing = () => diagnosis(DX, 'B', { clinicalStatusRelapse: true });
  const dateWith = (blastDate: string) => assess(makeFacts({ allConditions: [relapsing()], marrowBlasts: [marrow(blastDate, 50)] })).current?.date;

  it('blasts 2 months after diagnosis: not a relapse (the blasts of the initial diagnosis)', () => {
    expect(dateWith('2020-03-15')).toBeUndefined();
  });

  it('blasts exactly 3 months after diagnosis: not yet', () => {
    expect(dateWith('2020-04-15')).toBeUndefined();
  });

  it('blasts 3 months and a day after diagnosis: a relapse', () => {
    expect(dateWith('2020-04-16')).toBe('2020-04-16');
  });
});

describe('section 2: distinct relapses are more than 90 days apart; the latest is current', () => {
  it('two relapse records two years apart: second relapse, the later one is current', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis('2017-01-10', 'B'), relapseRecord('2019-06-01'), relapseRecord('2021-09-15')] }));
    expect(r.relapseNumber).toBe(2);
    expect(r.episodes.map((e) => e.date)).toEqual(['2019-06-01', '2021-09-15']);
    expect(r.current?.date).toBe('2021-09-15');
  });

  it('records exactly 90 days apart are one relapse, dated by the earliest', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis('2017-01-10', 'B'), relapseRecord('2021-01-01'), relapseRecord('2021-04-01')] }));
    expect(r.relapseNumber).toBe(1);
    expect(r.current?.date).toBe('2021-01-01');
  });

  it('records 91 days apart are two relapses', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis('2017-01-10', 'B'), relapseRecord('2021-01-01'), relapseRecord('2021-04-02')] }));
    expect(r.relapseNumber).toBe(2);
    expect(r.current?.date).toBe('2021-04-02');
  });

  it('the earliest evidence of a cluster dates the relapse (marrow before the record)', () => {
    const r = assess(makeFacts({ allConditions: [diagnosis(DX, 'B'), relapseRecord('2021-09-20')], marrowBlasts: [marrow(CR1, 1), marrow('2021-09-10', 45)] }));
    expect(r.relapseNumber).toBe(1);
    expect(r.current?.date).toBe('2021-09-10');
    expect(r.current?.evidence.map((e) => e.label)).toEqual(expect.arrayContaining(['Marrow blasts', 'Relapse recorded']));
  });

  it('a second relapse after a documented second remission is counted from laboratory evidence', () => {
    const r = assess(
      makeFacts({
        allConditions: [diagnosis('2017-01-10', 'B'), relapseRecord('2019-06-01')],
        marrowBlasts: [marrow('2017-02-10', 0.5), marrow('2019-06-01', 50), marrow('2019-08-01', 0.1), marrow('2021-09-15', 35)],
      }),
    );
    expect(r.relapseNumber).toBe(2);
    expect(r.current?.date).toBe('2021-09-15');
    expect(r.current?.sites).toEqual(['marrow']);
  });
});

describe('section 2: site of the current relapse (events within 30 days of its date)', () => {
  const rel = '2021-09-15';
  const site = (f: PatientFacts) => strat(f).reported.site;
  const withRecord = (sites: PatientFacts['allConditions'][number]['sites'], extra: Partial<PatientFacts> = {}) =>
    makeFacts({
      ...extra,
      allConditions: [diagnosis(DX, 'B'), relapseRecord(rel, sites)],
      marrowBlasts: [marrow(CR1, 1), ...(extra.marrowBlasts ?? [])],
    });

  it('marrow blasts >= 5 % within the window: isolated marrow', () => {
    const f = withRecord([], { marrowBlasts: [marrow('2021-10-15', 40)] });
    expect(site(f)).toBe('isolated-marrow');
  });

  it('bone marrow body site (SNOMED 14016003) on the relapse record: marrow involved', () => {
    expect(site(withRecord(['marrow']))).toBe('isolated-marrow');
  });

  it('marrow blasts 31 days after the relapse date do not locate it: site unknown', () => {
    const f = withRecord([], { marrowBlasts: [marrow('2021-10-16', 40)] });
    const st = strat(f);
    expect(st.reported.site).toBe('unknown');
    expect(st.missing).toContain('site');
  });

  it('marrow + CNS: combined, with the extramedullary site named', () => {
    const st = strat(withRecord(['cns'], { marrowBlasts: [marrow(rel, 30)] }));
    expect(st.reported.site).toBe('combined');
    expect(st.reported.extramedullarySites).toEqual(['cns']);
    expect(st.reported.cns).toBe('involved');
  });

  it('marrow + CSF blasts present within the window: combined', () => {
    expect(site(withRecord([], { marrowBlasts: [marrow(rel, 30)], csfBlasts: [csfBlasts('2021-09-20', 'positive')] }))).toBe('combined');
  });

  it('testis body site with marrow blasts < 5 %: isolated extramedullary (testicular)', () => {
    const st = strat(withRecord(['testicular'], { marrowBlasts: [marrow('2021-09-16', 2)] }));
    expect(st.reported.site).toBe('isolated-extramedullary');
    expect(st.reported.extramedullarySites).toEqual(['testicular']);
  });

  it('an explicit CNS site with no marrow result recorded: isolated extramedullary (CNS)', () => {
    const st = strat(withRecord(['cns']));
    expect(st.reported.site).toBe('isolated-extramedullary');
    expect(st.reported.extramedullarySites).toEqual(['cns']);
  });

  it('another extramedullary body site: isolated extramedullary (other)', () => {
    const st = strat(withRecord(['other']));
    expect(st.reported.site).toBe('isolated-extramedullary');
    expect(st.reported.extramedullarySites).toEqual(['other']);
  });

  it('nothing locates the relapse: site unknown, asked for', () => {
    const f = withRecord([]);
    expect(site(f)).toBe('unknown');
    expect(codes(f)).toContain('data-gap');
  });

  it('a site on a "worsened" disease status within the window counts', () => {
    const f = makeFacts({
      allConditions: [diagnosis(DX, 'B')],
      marrowBlasts: [marrow(CR1, 1)],
      diseaseStatus: [diseaseStatus(rel, 'worsened', ['testicular'])],
    });
    expect(site(f)).toBe('isolated-extramedullary');
  });

  it('the site of an earlier relapse record does not locate the current relapse', () => {
    const f = makeFacts({
      allConditions: [diagnosis('2017-01-10', 'B'), relapseRecord('2019-06-01', ['cns']), relapseRecord(rel, [])],
      marrowBlasts: [marrow('2017-02-10', 1), marrow(rel, 50)],
    });
    const st = strat(f);
    expect(st.reported.relapseNumber).toBe(2);
    expect(st.reported.site).toBe('isolated-marrow');
  });

  it('an ALL condition that is not a relapse record does not add its site', () => {
    const f = makeFacts({
      allConditions: [allCondition({ date: DX, lineage: 'B', sites: ['testicular'] }), relapseRecord(rel, [])],
      marrowBlasts: [marrow(rel, 50)],
    });
    expect(site(f)).toBe('isolated-marrow');
  });
});
