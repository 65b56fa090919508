/**
 * clinical-logic.md section 3: the one-line summary that heads each card's detail.
 */
import { describeStratification, ordinal } from '../../../src/clinical/headline';
import type { ReportedStratification } from '../../../src/clinical/stratify';
import { bcrAbl1, diagnosis, dated, makeFacts, marrow, relapseRecord, strat, therapy, typicalFacts, mrd } from '../builders';

const base: ReportedStratification = {
  timing: 'early',
  monthsFromDiagnosis: 20,
  site: 'isolated-marrow',
  lineage: 'B',
  ph: 'negative',
  relapseNumber: 1,
  phase: 'awaiting-reinduction',
  relapseAfterHsct: false,
  cns: 'not-involved',
  cogRiskGroup: 'high',
};
const line = (o: Partial<ReportedStratification>) => describeStratification({ ...base, ...o });

describe('summary: the headline of the typical case (clinical-logic.md section 3 example)', () => {
  it('from the record to the headline', () => {
    expect(describeStratification(strat(typicalFacts()).reported)).toBe(
      'Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, awaiting reinduction',
    );
  });

  it('from the summary fields', () => {
    expect(line({})).toBe('Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, awaiting reinduction');
  });
});

describe('summary: wording of each part', () => {
  it('late combined CNS relapse of Ph-positive B-ALL, second relapse, after prior HSCT', () => {
    expect(
      line({
        timing: 'late',
        monthsFromDiagnosis: 48,
        site: 'combined',
        extramedullarySites: ['cns'],
        ph: 'positive',
        relapseNumber: 2,
        relapseAfterHsct: true,
      }),
    ).toBe('Late (48 months) combined marrow + CNS relapse after prior HSCT of Ph-positive B-ALL, second relapse, awaiting reinduction');
  });

  it('isolated extramedullary names its sites', () => {
    expect(line({ timing: 'late', monthsFromDiagnosis: 30, site: 'isolated-extramedullary', extramedullarySites: ['testicular'] })).toBe(
      'Late (30 months) isolated extramedullary (testicular) relapse of Ph-negative B-ALL, first relapse, awaiting reinduction',
    );
  });

  it('unknown timing and site are said, not guessed', () => {
    expect(line({ timing: 'unknown', monthsFromDiagnosis: undefined, site: 'unknown' })).toBe(
      'Relapse (timing unknown, site unknown) of Ph-negative B-ALL, first relapse, awaiting reinduction',
    );
  });

  it('unknown lineage and Ph status are said', () => {
    expect(line({ lineage: 'unknown', ph: 'unknown' })).toBe(
      'Early (20 months) isolated marrow relapse of ALL (lineage unknown, Ph status unknown), first relapse, awaiting reinduction',
    );
    expect(line({ lineage: 'T', ph: 'unknown' })).toBe(
      'Early (20 months) isolated marrow relapse of T-ALL (Ph status unknown), first relapse, awaiting reinduction',
    );
  });

  it.each([
    ['response-pending', 'reinduction started, response (MRD) pending'],
    ['second-remission-mrd-negative', 'in MRD-negative second remission'],
    ['persistent-disease', 'persistent disease after reinduction'],
    ['post-hsct', 'after HSCT for this relapse'],
  ] as const)('phase %s reads "%s"', (phase, words) => {
    expect(line({ phase })).toBe(`Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, ${words}`);
  });

  it('relapse ordinals', () => {
    expect([1, 2, 3, 4, 5, 6].map(ordinal)).toEqual(['first', 'second', 'third', 'fourth', 'fifth', '6th']);
  });
});

describe('summary: a second case end to end', () => {
  it('late Ph-positive B-ALL in MRD-negative second remission', () => {
    const f = makeFacts({
      allConditions: [diagnosis('2017-01-15', 'B'), relapseRecord('2021-09-15')],
      marrowBlasts: [marrow('2017-02-15', 1), marrow('2021-09-15', 40)],
      bcrAbl1: [bcrAbl1('2021-09-16', 'positive')],
      therapies: [therapy('tki', '2021-09-20'), therapy('other-reinduction', '2021-09-20')],
      mrd: [mrd('2021-10-20', 0.001)],
      lumbarPunctures: [dated('Lumbar puncture', '2021-09-17')],
    });
    expect(describeStratification(strat(f, '2021-11-01').reported)).toBe(
      'Late (56 months) isolated marrow relapse of Ph-positive B-ALL, first relapse, in MRD-negative second remission',
    );
  });
});
