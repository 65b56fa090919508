/**
 * clinical-logic.md section 5: the card catalog (which recommendation fires, with
 * which indicator, in which order).
 */
import { RECOMMENDATION_CODES, sortRecommendations, type Recommendation } from '../../../src/clinical/recommend';
import { stratify } from '../../../src/clinical/stratify';
import type { PatientFacts } from '../../../src/clinical/types';
import {
  EVAL_DATE,
  RELAPSE,
  S,
  bcrAbl1,
  card,
  cd19,
  cd22,
  codes,
  csfBlasts,
  dated,
  diagnosis,
  ev,
  makeFacts,
  marrow,
  mrd,
  recs,
  relapseRecord,
  remissionRecord,
  therapy,
  typicalFacts,
} from '../builders';

/** Typical early B-ALL relapse after reinduction with an MRD result on 2021-10-20. */
const afterReinduction = (mrdPercent: number, extra: Partial<PatientFacts> = {}) =>
  typicalFacts({ therapies: [therapy('blinatumomab', '2021-09-20')], mrd: [mrd('2021-10-20', mrdPercent)], ...extra });
const AFTER = '2021-11-01';

/** Late (56 months) first relapse, B-ALL unless told; isolated marrow unless sites / marrow are given. */
const LATE_DX = '2017-01-15';
function lateFacts(extra: Partial<PatientFacts> = {}, lineage: 'B' | 'T' = 'B', sites: PatientFacts['allConditions'][number]['sites'] = []): PatientFacts {
  return typicalFacts({
    allConditions: [diagnosis(LATE_DX, lineage), relapseRecord(RELAPSE, sites)],
    marrowBlasts: [marrow('2017-02-15', 1), ...(sites.length ? [marrow(RELAPSE, 1)] : [marrow(RELAPSE, 40)])],
    ...extra,
  });
}

describe('section 5: no cards without relapsed ALL', () => {
  it('no ALL in the record: no cards', () => {
    expect(recs(makeFacts({}))).toEqual([]);
  });

  it('ALL in first remission: no cards', () => {
    expect(
      recs(makeFacts({ allConditions: [diagnosis('2020-01-15', 'B'), remissionRecord('2020-02-20')], marrowBlasts: [marrow('2020-02-20', 0.1)] })),
    ).toEqual([]);
  });

  it('the typical relapse gets cards', () => {
    expect(codes(typicalFacts())).toEqual(['clinical-trial', 'reinduction-b-all', 'hsct-evaluation']);
  });
});

describe('section 5: clinical-trial', () => {
  it('fires for relapsed ALL not on a trial, as a warning citing the relapse', () => {
    const r = card(typicalFacts(), 'clinical-trial');
    expect(r?.indicator).toBe('warning');
    expect(r?.evidence.map((e) => e.label)).toEqual(expect.arrayContaining(['Relapse recorded', 'Marrow blasts']));
  });

  it('is suppressed when the patient is on a trial', () => {
    expect(codes(typicalFacts({ trialEnrolments: [ev('ResearchSubject/rs', 'Research study enrolment')] }))).not.toContain('clinical-trial');
  });
});

describe('section 5: reinduction-b-all', () => {
  it('fires for B-ALL awaiting reinduction (warning)', () => {
    expect(card(typicalFacts(), 'reinduction-b-all')?.indicator).toBe('warning');
  });

  it('lists blinatumomab and inotuzumab as targeted only when CD19 / CD22 are positive at relapse', () => {
    expect(card(typicalFacts(), 'reinduction-b-all')?.flags).toEqual({ blinatumomab: 'antigen-positive', inotuzumab: 'antigen-positive' });
    expect(card(typicalFacts({ cd19: [cd19('2021-09-16', 'negative')], cd22: [cd22('2021-09-16', 'positive')] }), 'reinduction-b-all')?.flags).toEqual({
      blinatumomab: 'antigen-negative',
      inotuzumab: 'antigen-positive',
    });
  });

  it('an antigen positive only before the relapse window is not listed as targeted', () => {
    const f = typicalFacts({ cd19: [cd19('2020-01-14', 'positive')], cd22: [cd22('2020-01-14', 'positive')] });
    expect(card(f, 'reinduction-b-all')?.flags).toEqual({ blinatumomab: 'antigen-not-reassessed', inotuzumab: 'antigen-not-reassessed' });
  });

  it('shows prior exposure to blinatumomab / inotuzumab / CAR-T', () => {
    const f = typicalFacts({
      therapies: [therapy('blinatumomab', '2020-03-01', { ongoing: false }), therapy('other-reinduction', '2020-02-01', { ongoing: false })],
    });
    expect(card(f, 'reinduction-b-all')?.priorExposure.map((p) => [p.agent, p.date])).toEqual([['blinatumomab', '2020-03-01']]);
  });

  it('is suppressed once reinduction has started', () => {
    expect(codes(typicalFacts({ therapies: [therapy('blinatumomab', '2021-09-20')] }))).not.toContain('reinduction-b-all');
  });

  it('is not given to T-ALL or to unknown lineage', () => {
    expect(codes(typicalFacts({ allConditions: [diagnosis('2020-01-15', 'T'), relapseRecord(RELAPSE)] }))).not.toContain('reinduction-b-all');
    expect(codes(typicalFacts({ allConditions: [diagnosis('2020-01-15'), relapseRecord(RELAPSE)] }))).not.toContain('reinduction-b-all');
  });
});

describe('section 5: reinduction-t-all', () => {
  const tFacts = (extra: Partial<PatientFacts> = {}) => typicalFacts({ allConditions: [diagnosis('2020-01-15', 'T'), relapseRecord(RELAPSE)], ...extra });

  it('fires for T-ALL awaiting reinduction (warning), never with the B-ALL antibodies', () => {
    const all = codes(tFacts());
    expect(all).toContain('reinduction-t-all');
    expect(all).not.toContain('reinduction-b-all');
    expect(card(tFacts(), 'reinduction-t-all')?.indicator).toBe('warning');
    expect(card(tFacts(), 'reinduction-t-all')?.flags).toEqual({});
  });

  it('shows prior nelarabine, not blinatumomab', () => {
    const f = tFacts({ therapies: [therapy('nelarabine', '2020-05-01', { ongoing: false }), therapy('blinatumomab', '2020-06-01', { ongoing: false })] });
    expect(card(f, 'reinduction-t-all')?.priorExposure.map((p) => p.agent)).toEqual(['nelarabine']);
  });

  it('is suppressed once reinduction has started', () => {
    expect(codes(tFacts({ therapies: [therapy('nelarabine', '2021-09-20')] }))).not.toContain('reinduction-t-all');
  });
});

describe('section 5: ph-positive-tki', () => {
  it('fires for Ph-positive relapsed ALL (warning), citing the BCR-ABL1 result', () => {
    const r = card(typicalFacts({ bcrAbl1: [bcrAbl1('2021-09-16', 'positive')] }), 'ph-positive-tki');
    expect(r?.indicator).toBe('warning');
    expect(r?.flags).toMatchObject({ t315i: false, currentTki: [], startedTki: [] });
    expect(r?.evidence.map((e) => e.label)).toEqual(['BCR-ABL1']);
  });

  it('flags T315I (ponatinib) when reported', () => {
    const f = typicalFacts({ bcrAbl1: [bcrAbl1('2021-09-16', 'positive')], t315i: [ev('Observation/abl', 'ABL1 T315I mutation', '2021-09-20')] });
    expect(card(f, 'ph-positive-tki')?.flags).toMatchObject({ t315i: true });
  });

  it('shows prior TKI exposure', () => {
    const f = typicalFacts({ bcrAbl1: [bcrAbl1('2021-09-16', 'positive')], therapies: [therapy('tki', '2020-02-01', { ongoing: false })] });
    expect(card(f, 'ph-positive-tki')?.priorExposure.map((p) => p.agent)).toEqual(['tki']);
  });

  it.each(['negative', 'unknown'] as const)('is suppressed when Ph is %s', (p) => {
    expect(codes(typicalFacts({ bcrAbl1: p === 'unknown' ? [] : [bcrAbl1('2021-09-16', p)] }))).not.toContain('ph-positive-tki');
  });
});

describe('section 5: antigen-testing', () => {
  it('fires (info) for B-ALL with CD22 not assessed since relapse', () => {
    const r = card(typicalFacts({ cd22: [] }), 'antigen-testing');
    expect(r?.indicator).toBe('info');
    expect(r?.evidence.map((e) => e.label)).toEqual(['CD19 on blasts']);
  });

  it('fires when CD19 was last assessed before the relapse window, citing that older result', () => {
    const r = card(typicalFacts({ cd19: [cd19('2020-01-14', 'positive')] }), 'antigen-testing');
    expect(r?.evidence.map((e) => [e.label, e.date])).toEqual(expect.arrayContaining([['CD19 on blasts', '2020-01-14']]));
  });

  it('is suppressed when both CD19 and CD22 were assessed since relapse (even when negative)', () => {
    expect(codes(typicalFacts({ cd19: [cd19('2021-09-16', 'negative')] }))).not.toContain('antigen-testing');
  });

  it('is not given to T-ALL', () => {
    expect(codes(typicalFacts({ allConditions: [diagnosis('2020-01-15', 'T'), relapseRecord(RELAPSE)], cd19: [], cd22: [] }))).not.toContain('antigen-testing');
  });
});

describe('section 5: cns-evaluation', () => {
  it('fires (warning) when CNS was not evaluated since relapse', () => {
    expect(card(typicalFacts({ lumbarPunctures: [] }), 'cns-evaluation')?.indicator).toBe('warning');
  });

  it('is suppressed by a lumbar puncture since relapse minus 30 days', () => {
    expect(codes(typicalFacts())).not.toContain('cns-evaluation');
  });

  it('is suppressed by a CSF white cell count since relapse', () => {
    expect(codes(typicalFacts({ lumbarPunctures: [], csfWbc: [dated('CSF white cell count', '2021-09-17', 'Observation')] }))).not.toContain('cns-evaluation');
  });

  it('is suppressed by a CNS site recorded on the relapse (then CNS-directed therapy is given instead)', () => {
    const all = codes(typicalFacts({ lumbarPunctures: [], allConditions: [diagnosis('2020-01-15', 'B'), relapseRecord(RELAPSE, ['cns'])] }));
    expect(all).not.toContain('cns-evaluation');
    expect(all).toContain('cns-directed-therapy');
  });
});

describe('section 5: cns-directed-therapy', () => {
  it('fires (info) when CSF blasts are present, citing the CSF result', () => {
    const r = card(typicalFacts({ csfBlasts: [csfBlasts('2021-09-17', 'positive')] }), 'cns-directed-therapy');
    expect(r?.indicator).toBe('info');
    expect(r?.evidence.map((e) => [e.label, e.date])).toEqual([['CSF blasts', '2021-09-17']]);
  });

  it('is suppressed when CNS is not involved', () => {
    expect(codes(typicalFacts({ csfBlasts: [csfBlasts('2021-09-17', 'negative')] }))).not.toContain('cns-directed-therapy');
  });
});

describe('section 5: mrd-assessment', () => {
  it('fires (warning) when reinduction started and no MRD since, citing the reinduction agent', () => {
    const r = card(typicalFacts({ therapies: [therapy('blinatumomab', '2021-09-20')] }), 'mrd-assessment');
    expect(r?.indicator).toBe('warning');
    expect(r?.evidence.map((e) => [e.label, e.date])).toEqual([['blinatumomab', '2021-09-20']]);
  });

  it('is suppressed before reinduction and once MRD is known', () => {
    expect(codes(typicalFacts())).not.toContain('mrd-assessment');
    expect(codes(afterReinduction(0.001), AFTER)).not.toContain('mrd-assessment');
    expect(codes(afterReinduction(2), AFTER)).not.toContain('mrd-assessment');
  });
});

describe('section 5: hsct-evaluation', () => {
  it('early relapse in MRD-negative second remission: critical', () => {
    const r = card(afterReinduction(0.005), 'hsct-evaluation', AFTER);
    expect(r?.indicator).toBe('critical');
    expect(r?.flags.hsctReasons).toEqual(['early-relapse']);
    expect(r?.evidence.map((e) => e.label)).toContain('MRD');
  });

  it('early relapse awaiting reinduction: warning (start the donor search now)', () => {
    const r = card(typicalFacts(), 'hsct-evaluation');
    expect(r?.indicator).toBe('warning');
    expect(r?.flags.hsctReasons).toEqual(['early-relapse']);
  });

  it('early relapse with persistent disease: warning', () => {
    expect(card(afterReinduction(0.5), 'hsct-evaluation', AFTER)?.indicator).toBe('warning');
  });

  it('early isolated extramedullary relapse (any lineage): warning', () => {
    const f = typicalFacts({ allConditions: [diagnosis('2020-01-15', 'T'), relapseRecord('2021-03-15', ['cns'])], marrowBlasts: [marrow('2020-02-12', 1)] });
    expect(card(f, 'hsct-evaluation', '2021-04-01')?.flags.hsctReasons).toEqual(['early-relapse']);
  });

  it('late B-ALL relapse with end-of-reinduction MRD >= 0.1 %: warning', () => {
    const f = lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.1)] });
    const r = card(f, 'hsct-evaluation', AFTER);
    expect(r?.indicator).toBe('warning');
    expect(r?.flags.hsctReasons).toEqual(['late-b-all-mrd-high']);
  });

  it('late B-ALL relapse with end-of-reinduction MRD 0.01 to < 0.1 % (low-level): no HSCT card (revised design)', () => {
    for (const value of [0.01, 0.05, 0.099]) {
      expect(codes(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', value)] }), AFTER)).not.toContain(
        'hsct-evaluation',
      );
    }
  });

  it('late B-ALL relapse with MRD < 0.01 %: no HSCT card', () => {
    expect(codes(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.005)] }), AFTER)).not.toContain(
      'hsct-evaluation',
    );
  });

  it('the END-OF-REINDUCTION MRD decides, not the latest: 0.5 % at day 30 then 0.005 % later still gets the HSCT card', () => {
    const f = lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.5), mrd('2021-10-28', 0.005)] });
    expect(card(f, 'hsct-evaluation', AFTER)?.flags.hsctReasons).toEqual(['late-b-all-mrd-high']);
  });

  it('late B-ALL relapse awaiting reinduction (MRD not known): no HSCT card yet', () => {
    expect(codes(lateFacts())).not.toContain('hsct-evaluation');
  });

  it('late T-ALL marrow relapse: warning', () => {
    const r = card(lateFacts({}, 'T'), 'hsct-evaluation');
    expect(r?.indicator).toBe('warning');
    expect(r?.flags.hsctReasons).toEqual(['t-all-marrow-relapse']);
  });

  it('late T-ALL isolated CNS relapse: no HSCT card', () => {
    expect(codes(lateFacts({}, 'T', ['cns']))).not.toContain('hsct-evaluation');
  });

  it('suppressed when an HSCT referral is open', () => {
    expect(codes(afterReinduction(0.005, { hsctReferrals: [ev('ServiceRequest/sr', 'HSCT referral')] }), AFTER)).not.toContain('hsct-evaluation');
  });

  it('suppressed when HSCT was done after this relapse', () => {
    expect(codes(afterReinduction(0.005, { hsct: [dated('HSCT', '2021-12-10')] }), '2022-01-10')).not.toContain('hsct-evaluation');
  });

  it('cites a transplant before this relapse', () => {
    const r = card(typicalFacts({ hsct: [dated('Haematopoietic stem cell transplant', '2021-01-10')] }), 'hsct-evaluation');
    expect(r?.evidence.map((e) => e.label)).toContain('Haematopoietic stem cell transplant');
  });
});

describe('section 5: chemotherapy-alone-option', () => {
  const cr2 = { therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.005)] };

  it('fires (info) for a late B-ALL relapse in MRD-negative second remission', () => {
    const r = card(lateFacts(cr2), 'chemotherapy-alone-option', AFTER);
    expect(r?.indicator).toBe('info');
    expect(r?.flags).toEqual({ chemoAloneReason: 'late-b-all', lowLevelMrd: false });
  });

  it('fires for a late B-ALL isolated extramedullary relapse in MRD-negative CR2', () => {
    expect(card(lateFacts(cr2, 'B', ['testicular']), 'chemotherapy-alone-option', AFTER)?.flags).toEqual({
      chemoAloneReason: 'late-b-all',
      lowLevelMrd: false,
    });
  });

  it('fires (info) for a T-ALL isolated late CNS relapse in MRD-negative second remission', () => {
    const r = card(lateFacts(cr2, 'T', ['cns']), 'chemotherapy-alone-option', AFTER);
    expect(r?.indicator).toBe('info');
    expect(r?.flags).toEqual({ chemoAloneReason: 't-all-isolated-late-cns' });
  });

  it('not for a late B-ALL relapse before MRD is known', () => {
    expect(codes(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')] }), AFTER)).not.toContain('chemotherapy-alone-option');
  });

  it('for a late B-ALL relapse with low-level MRD (0.02 %): fires, saying the MRD is low-level (revised design)', () => {
    const r = card(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.02)] }), 'chemotherapy-alone-option', AFTER);
    expect(r?.flags).toEqual({ chemoAloneReason: 'late-b-all', lowLevelMrd: true });
  });

  it('not for a late B-ALL relapse with end-of-reinduction MRD >= 0.1 %', () => {
    expect(codes(lateFacts({ therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.2)] }), AFTER)).not.toContain(
      'chemotherapy-alone-option',
    );
  });

  it('never for an adult (any relapse leads to HSCT evaluation)', () => {
    const adult = lateFacts({ birthDate: '1990-01-01', therapies: [therapy('other-reinduction', '2021-09-20')], mrd: [mrd('2021-10-20', 0.005)] });
    expect(codes(adult, AFTER)).not.toContain('chemotherapy-alone-option');
    expect(card(adult, 'hsct-evaluation', AFTER)?.flags.hsctReasons).toEqual(['adult-relapse']);
  });

  it('not for an early relapse in MRD-negative CR2', () => {
    expect(codes(afterReinduction(0.005), AFTER)).not.toContain('chemotherapy-alone-option');
  });

  it('not for a late T-ALL marrow relapse', () => {
    expect(codes(lateFacts(cr2, 'T'), AFTER)).not.toContain('chemotherapy-alone-option');
  });

  it('not for a late T-ALL isolated testicular relapse, nor CNS + testicular', () => {
    expect(codes(lateFacts(cr2, 'T', ['testicular']), AFTER)).not.toContain('chemotherapy-alone-option');
    expect(codes(lateFacts(cr2, 'T', ['cns', 'testicular']), AFTER)).not.toContain('chemotherapy-alone-option');
  });
});

describe('section 5: car-t-evaluation', () => {
  const persistent = (extra: Partial<PatientFacts> = {}) => afterReinduction(0.5, extra);

  it('fires (warning) for CD19+ B-ALL with persistent disease', () => {
    const r = card(persistent(), 'car-t-evaluation', AFTER);
    expect(r?.indicator).toBe('warning');
    expect(r?.flags.carTReasons).toEqual(['persistent disease']);
    expect(r?.flags.cd19Unknown).toBe(false);
  });

  it('fires for a second relapse', () => {
    const f = typicalFacts({ allConditions: [diagnosis('2016-01-15', 'B'), relapseRecord('2018-03-01'), relapseRecord(RELAPSE)] });
    expect(card(f, 'car-t-evaluation')?.flags.carTReasons).toEqual(['second or later relapse']);
  });

  it('fires for a relapse after HSCT, citing the transplant', () => {
    const r = card(typicalFacts({ hsct: [dated('Haematopoietic stem cell transplant', '2021-01-10')] }), 'car-t-evaluation');
    expect(r?.flags.carTReasons).toEqual(['relapse after HSCT']);
    expect(r?.evidence.map((e) => e.label)).toContain('Haematopoietic stem cell transplant');
  });

  it('fires with CD19 unknown (not re-assessed), saying so', () => {
    const r = card(persistent({ cd19: [] }), 'car-t-evaluation', AFTER);
    expect(r?.flags.cd19Unknown).toBe(true);
  });

  it('is suppressed when CD19 is negative at relapse', () => {
    expect(codes(persistent({ cd19: [cd19('2021-09-16', 'negative')] }), AFTER)).not.toContain('car-t-evaluation');
  });

  it('is not given for a first relapse responding to reinduction', () => {
    expect(codes(afterReinduction(0.005), AFTER)).not.toContain('car-t-evaluation');
    expect(codes(typicalFacts())).not.toContain('car-t-evaluation');
  });

  it('is not given to T-ALL', () => {
    expect(codes(persistent({ allConditions: [diagnosis('2020-01-15', 'T'), relapseRecord(RELAPSE)] }), AFTER)).not.toContain('car-t-evaluation');
  });

  it('shows prior CAR-T and blinatumomab exposure; blinatumomab given as this reinduction is not "prior"', () => {
    expect(card(persistent(), 'car-t-evaluation', AFTER)?.priorExposure).toEqual([]);
    const earlier = persistent({ therapies: [therapy('blinatumomab', '2020-03-01', { ongoing: false }), therapy('blinatumomab', '2021-09-20')] });
    expect(card(earlier, 'car-t-evaluation', AFTER)?.priorExposure.map((p) => [p.agent, p.date])).toEqual([['blinatumomab', '2020-03-01']]);
  });

  // Ages on 2021-11-01.
  it.each([
    ['1996-11-01', 25, true, true],
    ['1996-10-31', 25, true, true],
    ['1995-11-01', 26, false, true],
    ['2003-11-01', 18, true, true],
    ['2003-11-02', 17, true, false],
    ['2012-05-01', 9, true, false],
    ['1960-01-01', 61, false, true],
  ])('born %s (age %i): tisagenlecleucel %s, adult products %s', (birthDate, age, tisa, adult) => {
    const f = persistent({ birthDate });
    const st = stratify(f, AFTER, S);
    expect(st?.ageYears).toBe(age);
    const r = card(f, 'car-t-evaluation', AFTER);
    expect(r?.flags.tisagenlecleucelEligible).toBe(tisa);
    expect(r?.flags.adultProductsEligible).toBe(adult);
    expect(r?.flags.ageUnknown).toBe(false);
  });

  it('age unknown: both product groups shown, and the age gap flagged', () => {
    const r = card(persistent({ birthDate: undefined }), 'car-t-evaluation', AFTER);
    expect(r?.flags).toMatchObject({ ageUnknown: true, tisagenlecleucelEligible: true, adultProductsEligible: true });
  });
});

describe('section 5: data-gap', () => {
  const gap = (f: PatientFacts) => card(f, 'data-gap');

  it('no gap in the typical case: no data-gap card', () => {
    expect(gap(typicalFacts())).toBeUndefined();
  });

  it('missing diagnosis date (info)', () => {
    const f = typicalFacts({ allConditions: [diagnosis(undefined, 'B'), relapseRecord(RELAPSE)] });
    expect(gap(f)?.indicator).toBe('info');
    expect(stratify(f, EVAL_DATE, S)?.missing).toEqual(['diagnosis date']);
  });

  it('missing relapse date', () => {
    const f = typicalFacts({ allConditions: [diagnosis('2020-01-15', 'B'), relapseRecord(undefined)], marrowBlasts: [marrow('2020-02-12', 1)] });
    expect(gap(f)).toBeDefined();
    expect(stratify(f, EVAL_DATE, S)?.missing).toEqual(['relapse date', 'site']);
  });

  it('missing lineage', () => {
    const f = typicalFacts({ allConditions: [diagnosis('2020-01-15'), relapseRecord(RELAPSE)] });
    expect(gap(f)).toBeDefined();
    expect(stratify(f, EVAL_DATE, S)?.missing).toEqual(['lineage']);
  });

  it('missing site', () => {
    const f = typicalFacts({ marrowBlasts: [marrow('2020-02-12', 1)] });
    expect(gap(f)).toBeDefined();
    expect(stratify(f, EVAL_DATE, S)?.missing).toEqual(['site']);
  });

  it('cites the diagnosis record', () => {
    const f = typicalFacts({ allConditions: [diagnosis('2020-01-15'), relapseRecord(RELAPSE)] });
    expect(gap(f)?.evidence.map((e) => e.label)).toContain('ALL diagnosis');
  });
});

describe('section 5: card order (critical, warning, info; then table order)', () => {
  it('an early Ph+ B-ALL relapse in MRD-negative CR2 with CNS involvement and CD22 not re-assessed', () => {
    const f = afterReinduction(0.005, {
      bcrAbl1: [bcrAbl1('2021-09-16', 'positive')],
      cd22: [],
      csfBlasts: [csfBlasts('2021-09-17', 'positive')],
    });
    expect(recs(f, AFTER).map((r) => [r.code, r.indicator])).toEqual([
      ['hsct-evaluation', 'critical'],
      ['clinical-trial', 'warning'],
      ['ph-positive-tki', 'warning'],
      ['antigen-testing', 'info'],
      ['cns-directed-therapy', 'info'],
    ]);
  });

  it('warnings in table order, info after them', () => {
    const f = typicalFacts({ lumbarPunctures: [], cd22: [], allConditions: [diagnosis(undefined, 'B'), relapseRecord(RELAPSE)] });
    expect(codes(f)).toEqual(['clinical-trial', 'reinduction-b-all', 'cns-evaluation', 'antigen-testing', 'data-gap']);
  });

  it('sortRecommendations orders any input by indicator then catalog order', () => {
    const r = (code: Recommendation['code'], indicator: Recommendation['indicator']): Recommendation => ({
      code,
      indicator,
      evidence: [],
      flags: {},
      priorExposure: [],
      currentTherapy: [],
    });
    const sorted = sortRecommendations([
      r('data-gap', 'info'),
      r('car-t-evaluation', 'warning'),
      r('antigen-testing', 'info'),
      r('hsct-evaluation', 'critical'),
      r('clinical-trial', 'warning'),
    ]);
    expect(sorted.map((x) => x.code)).toEqual(['hsct-evaluation', 'clinical-trial', 'car-t-evaluation', 'antigen-testing', 'data-gap']);
  });

  it('the catalog order is the table order of clinical-logic.md', () => {
    expect(RECOMMENDATION_CODES).toEqual([
      'clinical-trial',
      'reinduction-b-all',
      'reinduction-t-all',
      'ph-positive-tki',
      'antigen-testing',
      'cns-evaluation',
      'cns-directed-therapy',
      'mrd-assessment',
      'hsct-evaluation',
      'chemotherapy-alone-option',
      'car-t-evaluation',
      'novel-therapy-options',
      'data-gap',
    ]);
  });
});
