/**
 * clinical-logic.md section 3: stratification (timing, phase, COG group).
 */
import { DEFAULT_CLINICAL_SETTINGS } from '../../../src/clinical/settings';
import { relapseTiming, siteCategory } from '../../../src/clinical/stratify';
import type { PatientFacts, SiteKind } from '../../../src/clinical/types';
import { S, card, codes, dated, diagnosis, makeFacts, marrow, mrd, relapseRecord, strat, therapy, typicalFacts } from '../builders';

const DX = '2020-01-15';

/** B-ALL diagnosed DX, remission marrow, relapse record on `relapse` with `sites` (marrow blasts added when marrow). */
function relapseAt(relapse: string, sites: SiteKind[] = ['marrow'], extra: Partial<PatientFacts> = {}): PatientFacts {
  return makeFacts({
    birthDate: '2012-05-01',
    allConditions: [
      diagnosis(DX, 'B'),
      relapseRecord(
        relapse,
        sites.filter((x) => x !== 'marrow'),
      ),
    ],
    marrowBlasts: [marrow('2020-02-12', 1), ...(sites.includes('marrow') ? [marrow(relapse, 40)] : [])],
    lumbarPunctures: [dated('Lumbar puncture', relapse)],
    ...extra,
  });
}

describe('section 3: timing, marrow involved (early < 36 months from diagnosis)', () => {
  it('35 months (2020-01-15 -> 2023-01-14): early', () => {
    const st = strat(relapseAt('2023-01-14'), '2023-02-01');
    expect(st.reported.timing).toBe('early');
    expect(st.reported.monthsFromDiagnosis).toBe(35);
    expect(st.reported.site).toBe('isolated-marrow');
  });

  it('36 months (2020-01-15 -> 2023-01-15): late', () => {
    const st = strat(relapseAt('2023-01-15'), '2023-02-01');
    expect(st.reported.timing).toBe('late');
    expect(st.reported.monthsFromDiagnosis).toBe(36);
  });

  it('a combined relapse uses the marrow threshold: 20 months combined is early', () => {
    const st = strat(relapseAt('2021-09-15', ['marrow', 'testicular']));
    expect(st.reported.site).toBe('combined');
    expect(st.reported.timing).toBe('early');
  });

  it('a combined relapse at 30 months is still early (not the 18-month extramedullary threshold)', () => {
    const st = strat(relapseAt('2022-07-15', ['marrow', 'cns']), '2022-08-01');
    expect(st.reported.monthsFromDiagnosis).toBe(30);
    expect(st.reported.timing).toBe('early');
  });

  it('the threshold is a setting', () => {
    const st = strat(relapseAt('2022-07-15'), '2022-08-01', { ...DEFAULT_CLINICAL_SETTINGS, earlyMarrowMonths: 24 });
    expect(st.reported.timing).toBe('late');
  });
});

describe('section 3: timing, isolated extramedullary (early < 18 months)', () => {
  it('17 months (2020-01-15 -> 2021-07-14): early', () => {
    const st = strat(relapseAt('2021-07-14', ['cns']), '2021-08-01');
    expect(st.reported.site).toBe('isolated-extramedullary');
    expect(st.reported.monthsFromDiagnosis).toBe(17);
    expect(st.reported.timing).toBe('early');
  });

  it('18 months (2020-01-15 -> 2021-07-15): late', () => {
    const st = strat(relapseAt('2021-07-15', ['testicular']), '2021-08-01');
    expect(st.reported.monthsFromDiagnosis).toBe(18);
    expect(st.reported.timing).toBe('late');
  });

  it('relapseTiming at the boundaries', () => {
    expect(relapseTiming(DX, '2021-07-14', 'isolated-extramedullary', [], S).timing).toBe('early');
    expect(relapseTiming(DX, '2021-07-15', 'isolated-extramedullary', [], S).timing).toBe('late');
    expect(relapseTiming(DX, '2023-01-14', 'isolated-marrow', [], S).timing).toBe('early');
    expect(relapseTiming(DX, '2023-01-15', 'combined', [], S).timing).toBe('late');
  });
});

describe('section 3: timing, site unknown uses the marrow threshold and says so', () => {
  it('30 months, site unknown: early (marrow threshold), assumption flagged', () => {
    const st = strat(relapseAt('2022-07-15', []), '2022-08-01');
    expect(st.reported.site).toBe('unknown');
    expect(st.reported.timing).toBe('early');
    expect(st.timingAssumedMarrow).toBe(true);
  });

  it('36 months, site unknown: late', () => {
    expect(relapseTiming(DX, '2023-01-15', 'unknown', [], S)).toEqual({ timing: 'late', months: 36, assumedMarrow: true });
  });

  it('a known site makes no assumption', () => {
    expect(strat(relapseAt('2021-09-15')).timingAssumedMarrow).toBe(false);
  });
});

describe('section 3: timing unknown when a date is missing', () => {
  it('no diagnosis date: timing unknown, data-gap asks for the diagnosis date', () => {
    const f = makeFacts({ allConditions: [relapseRecord('2021-09-15')], marrowBlasts: [marrow('2021-09-15', 40)] });
    const st = strat(f);
    expect(st.reported.timing).toBe('unknown');
    expect(st.reported.monthsFromDiagnosis).toBeUndefined();
    expect(st.missing).toContain('diagnosis date');
    expect(codes(f)).toContain('data-gap');
  });

  it('no relapse date: timing unknown, data-gap asks for the relapse date', () => {
    const f = makeFacts({ allConditions: [diagnosis(DX, 'B'), relapseRecord(undefined)] });
    const st = strat(f);
    expect(st.reported.timing).toBe('unknown');
    expect(st.missing).toContain('relapse date');
  });

  it('relapseTiming with either date missing', () => {
    expect(relapseTiming(undefined, '2021-09-15', 'isolated-marrow', [], S).timing).toBe('unknown');
    expect(relapseTiming(DX, undefined, 'isolated-marrow', [], S).timing).toBe('unknown');
  });
});

describe('section 3: BFM "very early" is reported beside the article timing', () => {
  it('17 months: very early; 18 months: not', () => {
    expect(strat(relapseAt('2021-07-14'), '2021-08-01').bfmVeryEarly).toBe(true);
    expect(strat(relapseAt('2021-07-15'), '2021-08-01').bfmVeryEarly).toBe(false);
  });
});

describe('section 3: site category', () => {
  it.each<[SiteKind[], string]>([
    [['marrow'], 'isolated-marrow'],
    [['marrow', 'cns'], 'combined'],
    [['marrow', 'testicular'], 'combined'],
    [['cns'], 'isolated-extramedullary'],
    [['testicular', 'cns'], 'isolated-extramedullary'],
    [['other'], 'isolated-extramedullary'],
    [[], 'unknown'],
  ])('%j -> %s', (sites, expected) => {
    expect(siteCategory(sites)).toBe(expected);
  });
});

describe('section 3: phase of care for the current relapse', () => {
  const R = '2021-09-15';
  it('awaiting-reinduction: no reinduction agent since the relapse', () => {
    expect(strat(relapseAt(R)).reported.phase).toBe('awaiting-reinduction');
  });

  it('response-pending: reinduction started, no MRD since', () => {
    const st = strat(relapseAt(R, ['marrow'], { therapies: [therapy('blinatumomab', '2021-09-20')] }));
    expect(st.reported.phase).toBe('response-pending');
    expect(st.reinduction.startDate).toBe('2021-09-20');
  });

  it('the earliest reinduction agent since relapse is the start', () => {
    const st = strat(relapseAt(R, ['marrow'], { therapies: [therapy('other-reinduction', '2021-09-25'), therapy('blinatumomab', '2021-09-18')] }));
    expect(st.reinduction.startDate).toBe('2021-09-18');
  });

  it('second-remission-mrd-negative: MRD 0.005 % after reinduction', () => {
    const st = strat(relapseAt(R, ['marrow'], { therapies: [therapy('blinatumomab', '2021-09-20')], mrd: [mrd('2021-10-20', 0.005)] }), '2021-11-01');
    expect(st.reported.phase).toBe('second-remission-mrd-negative');
    expect(st.response.latestMrd?.percent).toBe(0.005);
  });

  it('second-remission-low-mrd: MRD 0.01 % after reinduction (negative is < 0.01 %, persistent is >= 0.1 %)', () => {
    const st = strat(relapseAt(R, ['marrow'], { therapies: [therapy('blinatumomab', '2021-09-20')], mrd: [mrd('2021-10-20', 0.01)] }), '2021-11-01');
    expect(st.reported.phase).toBe('second-remission-low-mrd');
    expect(st.response.endOfReinductionMrd?.percent).toBe(0.01);
  });

  it('persistent-disease: MRD 0.1 % after reinduction', () => {
    const st = strat(relapseAt(R, ['marrow'], { therapies: [therapy('blinatumomab', '2021-09-20')], mrd: [mrd('2021-10-20', 0.1)] }), '2021-11-01');
    expect(st.reported.phase).toBe('persistent-disease');
  });

  it('persistent-disease (refractory): marrow blasts >= 5 % 22 days after reinduction started', () => {
    const st = strat(
      relapseAt(R, ['marrow'], {
        therapies: [therapy('other-reinduction', '2021-09-20')],
        marrowBlasts: [marrow('2020-02-12', 1), marrow(R, 40), marrow('2021-10-12', 25)],
      }),
      '2021-10-20',
    );
    expect(st.reported.phase).toBe('persistent-disease');
    expect(st.response.refractoryMarrow?.date).toBe('2021-10-12');
  });

  it('marrow blasts >= 5 % exactly 21 days after reinduction started are not yet refractory', () => {
    const st = strat(
      relapseAt(R, ['marrow'], {
        therapies: [therapy('other-reinduction', '2021-09-20')],
        marrowBlasts: [marrow('2020-02-12', 1), marrow(R, 40), marrow('2021-10-11', 25)],
      }),
      '2021-10-20',
    );
    expect(st.reported.phase).toBe('response-pending');
    expect(st.response.refractoryMarrow).toBeUndefined();
  });

  it('marrow blasts < 5 % after reinduction are not refractory', () => {
    const st = strat(
      relapseAt(R, ['marrow'], {
        therapies: [therapy('other-reinduction', '2021-09-20')],
        marrowBlasts: [marrow('2020-02-12', 1), marrow(R, 40), marrow('2021-10-20', 3)],
      }),
      '2021-10-25',
    );
    expect(st.reported.phase).toBe('response-pending');
  });

  it('an unreadable MRD after reinduction: MRD status unknown, response still pending, MRD card cites it', () => {
    const f = relapseAt(R, ['marrow'], { therapies: [therapy('blinatumomab', '2021-09-20')], mrd: [mrd('2021-10-20', undefined, { unreadable: true })] });
    const st = strat(f, '2021-11-01');
    expect(st.response.endOfReinductionMrd?.unreadable).toBe(true);
    expect(st.reported.phase).toBe('response-pending');
    expect(card(f, 'mrd-assessment', '2021-11-01')?.evidence.map((e) => e.label)).toContain('MRD');
  });

  it('post-hsct: an HSCT after the current relapse, whatever the MRD', () => {
    const st = strat(
      relapseAt(R, ['marrow'], { therapies: [therapy('blinatumomab', '2021-09-20')], mrd: [mrd('2021-10-20', 0.005)], hsct: [dated('HSCT', '2021-12-10')] }),
      '2022-01-10',
    );
    expect(st.reported.phase).toBe('post-hsct');
    expect(st.hsctAfterRelapse).toHaveLength(1);
  });

  it('an HSCT before the relapse does not make the phase post-hsct; the relapse is after HSCT', () => {
    const st = strat(relapseAt(R, ['marrow'], { hsct: [dated('HSCT', '2020-08-01')] }));
    expect(st.reported.phase).toBe('awaiting-reinduction');
    expect(st.reported.relapseAfterHsct).toBe(true);
  });
});

describe('section 3: COG risk group (reported beside the timing)', () => {
  const late = '2021-09-15';
  const lateFacts = (extra: Partial<PatientFacts> = {}) =>
    makeFacts({
      allConditions: [diagnosis('2017-01-15', 'B'), relapseRecord(late)],
      marrowBlasts: [marrow('2017-02-15', 1), marrow(late, 40)],
      ...extra,
    });

  it('high: early marrow relapse', () => {
    expect(strat(relapseAt('2021-09-15')).reported.cogRiskGroup).toBe('high');
  });

  it('high: early isolated extramedullary relapse', () => {
    expect(strat(relapseAt('2021-03-15', ['cns']), '2021-04-01').reported.cogRiskGroup).toBe('high');
  });

  it('high: any T-ALL relapse, even late', () => {
    const f = makeFacts({ allConditions: [diagnosis('2017-01-15', 'T'), relapseRecord(late)], marrowBlasts: [marrow('2017-02-15', 1), marrow(late, 40)] });
    const st = strat(f);
    expect(st.reported.timing).toBe('late');
    expect(st.reported.cogRiskGroup).toBe('high');
  });

  it('intermediate: late B-ALL relapse with end-of-reinduction MRD >= 0.1 %', () => {
    const st = strat(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.1)] }), '2021-11-01');
    expect(st.reported.timing).toBe('late');
    expect(st.reported.cogRiskGroup).toBe('intermediate');
  });

  it('low: late B-ALL relapse with end-of-reinduction MRD < 0.1 %', () => {
    const st = strat(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.09)] }), '2021-11-01');
    expect(st.reported.cogRiskGroup).toBe('low');
  });

  it('unknown: late B-ALL relapse with no MRD yet', () => {
    expect(strat(lateFacts()).reported.cogRiskGroup).toBe('unknown');
  });

  it('unknown: B-ALL with timing unknown', () => {
    const f = makeFacts({ allConditions: [relapseRecord('2021-09-15'), diagnosis(undefined, 'B')], marrowBlasts: [marrow('2021-09-15', 40)] });
    expect(strat(f).reported.cogRiskGroup).toBe('unknown');
  });
});

describe('section 3: the stratification returned with every response', () => {
  it('has every field for the typical case', () => {
    expect(strat(typicalFacts()).reported).toEqual({
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
    });
  });
});
