/**
 * clinical-logic.md section 4: reading results.
 */
import { readAntigen, readDetection, readMarrowBlasts, readMrd, readPositivity, textPositivity } from '../../../src/patient/results';
import { mrdLevel } from '../../../src/clinical/response';
import type { MrdResult } from '../../../src/clinical/types';
import { LOCAL, LOINC, S, SCT, UCUM, fhirObservation, pct, terminology, type ObservationOptions } from '../builders';

const t = terminology();
const obs = (o: ObservationOptions) => fhirObservation('o1', [LOINC, '21821-4'], o);
const positivity = (o: ObservationOptions) => readPositivity(obs(o), t).positivity;

describe('section 4: positive / negative from the interpretation', () => {
  it.each([
    ['POS', 'positive'],
    ['DET', 'positive'],
    ['NEG', 'negative'],
    ['ND', 'negative'],
  ])('interpretation %s reads as %s', (code, expected) => {
    expect(positivity({ interpretation: [code] })).toBe(expected);
  });

  it('shows the interpretation code in the displayed value', () => {
    expect(readPositivity(obs({ interpretation: ['NEG'] }), t).display).toBe('negative (NEG)');
  });

  it.each(['H', 'L', 'HH', 'LL', 'N', 'A'])('interpretation %s alone is not positivity: unknown', (code) => {
    expect(positivity({ interpretation: [code] })).toBe('unknown');
  });

  it('H beside a value that says "negative" is read from the value, not the flag', () => {
    expect(positivity({ interpretation: ['H'], valueString: 'Negative' })).toBe('negative');
  });

  it('L beside a value that says "detected" is read from the value', () => {
    expect(positivity({ interpretation: ['L'], valueString: 'Detected' })).toBe('positive');
  });
});

describe('section 4: positive / negative from a coded value', () => {
  it.each([
    ['10828004', 'positive'],
    ['260373001', 'positive'],
    ['260385009', 'negative'],
    ['260415000', 'negative'],
  ])('SNOMED %s reads as %s', (code, expected) => {
    expect(positivity({ valueCodeableConcept: { coding: [{ system: SCT, code }] } })).toBe(expected);
  });

  it('an unrelated code without text is unknown and says it could not be read', () => {
    const r = readPositivity(obs({ valueCodeableConcept: { coding: [{ system: SCT, code: '123456' }] } }), t);
    expect(r.positivity).toBe('unknown');
    expect(r.display).toBe('could not be read');
  });

  it('a SNOMED code in the wrong system is not matched', () => {
    expect(positivity({ valueCodeableConcept: { coding: [{ system: LOINC, code: '10828004' }] } })).toBe('unknown');
  });

  it('an uncoded concept is read from its text', () => {
    expect(positivity({ valueCodeableConcept: { text: 'Not detected' } })).toBe('negative');
  });
});

describe('section 4: positive / negative from a string value', () => {
  it.each([
    ['Positive', 'positive'],
    ['DETECTED', 'positive'],
    ['Blasts present', 'positive'],
    ['Negative', 'negative'],
    ['not detected', 'negative'],
    ['Undetectable', 'negative'],
    ['Absent', 'negative'],
    ['No blasts seen', 'negative'],
  ])('"%s" reads as %s', (text, expected) => {
    expect(positivity({ valueString: text })).toBe(expected);
  });

  it('a string that says neither is unknown and quotes the text', () => {
    const r = readPositivity(obs({ valueString: 'see report' }), t);
    expect(r.positivity).toBe('unknown');
    expect(r.display).toBe('could not be read ("see report")');
  });

  it('the displayed value is the text as written', () => {
    expect(textPositivity('Not detected').display).toBe('Not detected');
  });

  it('a boolean value reads directly', () => {
    expect(positivity({ valueBoolean: true })).toBe('positive');
    expect(positivity({ valueBoolean: false })).toBe('negative');
  });

  it('no value and no interpretation is unknown', () => {
    expect(positivity({})).toBe('unknown');
  });
});

describe('section 4: antigen percent of blasts (positive when >= 20 %)', () => {
  const antigen = (o: ObservationOptions) => readAntigen(fhirObservation('a1', [LOCAL, 'cd19-blasts'], o), t, S.antigenPositivePercent);

  it('20 % is positive (boundary)', () => {
    const r = antigen({ valueQuantity: pct(20) });
    expect(r.positivity).toBe('positive');
    expect(r.percent).toBe(20);
    expect(r.display).toBe('20 % of blasts');
  });

  it('19.9 % is negative', () => {
    expect(antigen({ valueQuantity: pct(19.9) }).positivity).toBe('negative');
  });

  it('95 % is positive', () => {
    expect(antigen({ valueQuantity: pct(95) }).positivity).toBe('positive');
  });

  it('the threshold is the setting, not a literal', () => {
    const r = readAntigen(fhirObservation('a1', [LOCAL, 'cd19-blasts'], { valueQuantity: pct(20) }), t, 30);
    expect(r.positivity).toBe('negative');
  });

  it('"< 1 %" is negative', () => {
    expect(antigen({ valueQuantity: pct(1, '<') }).positivity).toBe('negative');
  });

  it('a count in another unit cannot be read as percent of blasts: unknown, naming the unit', () => {
    const r = antigen({ valueQuantity: { value: 350, unit: 'cells/uL', system: UCUM, code: '/uL' } });
    expect(r.positivity).toBe('unknown');
    expect(r.display).toBe('could not be read (unit "cells/uL")');
  });

  it('a qualitative antigen result is read as positive / negative', () => {
    expect(antigen({ valueCodeableConcept: { coding: [{ system: SCT, code: '260385009' }] } }).positivity).toBe('negative');
    expect(antigen({ interpretation: ['POS'] }).positivity).toBe('positive');
  });
});

describe('section 4: detection tests (BCR-ABL1, CSF blasts)', () => {
  const detect = (o: ObservationOptions) => readDetection(obs(o), t).positivity;
  it('a transcript ratio above zero is detected', () => {
    expect(detect({ valueQuantity: pct(0.5) })).toBe('positive');
  });
  it('zero or "<" is not detected', () => {
    expect(detect({ valueQuantity: pct(0) })).toBe('negative');
    expect(detect({ valueQuantity: pct(0.001, '<') })).toBe('negative');
  });
  it('a coded result is read as positive / negative', () => {
    expect(detect({ valueCodeableConcept: { coding: [{ system: SCT, code: '260415000' }] } })).toBe('negative');
  });
});

describe('section 4: marrow blasts', () => {
  const blasts = (o: ObservationOptions) => readMarrowBlasts(fhirObservation('b1', [LOINC, '11150-0'], o));
  it('reads a percent quantity', () => {
    expect(blasts({ valueQuantity: pct(42) })).toEqual({ percent: 42, display: '42 %' });
  });
  it('reads "< 5 %" as below 5 %', () => {
    expect(blasts({ valueQuantity: pct(5, '<') })).toEqual({ percent: 5, display: '< 5 %' });
  });
  it('a non-percent unit is not read', () => {
    const r = blasts({ valueQuantity: { value: 3, unit: 'x10*9/L', system: UCUM, code: '10*9/L' } });
    expect(r.percent).toBeUndefined();
    expect(r.display).toBe('could not be read (3 x10*9/L)');
  });
  it('a text value is not read', () => {
    expect(blasts({ valueString: 'many' })).toEqual({ display: 'could not be read' });
  });
});

describe('section 4: MRD normalised to percent', () => {
  const read = (o: ObservationOptions) => readMrd(fhirObservation('m1', [LOCAL, 'mrd-flow'], o), t);
  const status = (o: ObservationOptions): string => {
    const r = read(o);
    const m: MrdResult = { ...r, evidence: { reference: 'Observation/m1', label: 'MRD' } };
    return mrdLevel(m, S);
  };

  it('UCUM % is percent', () => {
    const r = read({ valueQuantity: pct(0.05) });
    expect(r.percent).toBe(0.05);
    expect(r.unreadable).toBe(false);
    expect(r.display).toBe('0.05 %');
  });

  it('unit "1" (a fraction) is multiplied by 100', () => {
    const r = read({ valueQuantity: { value: 0.0005, unit: '1', system: UCUM, code: '1' } });
    expect(r.percent).toBeCloseTo(0.05, 10);
    expect(r.display).toBe('0.05 %');
  });

  it('a fraction of 5e-5 (0.005 %) is MRD-negative', () => {
    expect(status({ valueQuantity: { value: 0.00005, unit: '1', system: UCUM, code: '1' } })).toBe('negative');
  });

  it('MRD-negative is < 0.01 %, low-level 0.01 to < 0.1 %, high from 0.1 %', () => {
    expect(status({ valueQuantity: pct(0.0099) })).toBe('negative');
    expect(status({ valueQuantity: pct(0.01) })).toBe('low');
    expect(status({ valueQuantity: pct(0.099) })).toBe('low');
    expect(status({ valueQuantity: pct(0.1) })).toBe('high');
    expect(status({ valueQuantity: pct(1.2) })).toBe('high');
  });

  it('a comparator "<" with a value under the threshold is negative', () => {
    const r = read({ valueQuantity: pct(0.001, '<') });
    expect(r.comparator).toBe('<');
    expect(r.display).toBe('< 0.001 %');
    expect(status({ valueQuantity: pct(0.001, '<') })).toBe('negative');
  });

  it('a comparator "<" bounds the level: "< 0.1 %" is below 0.1 % but not proven negative (low); "< 0.5 %" cannot say', () => {
    expect(status({ valueQuantity: pct(0.1, '<') })).toBe('low');
    expect(status({ valueQuantity: pct(0.5, '<') })).toBe('unknown');
  });

  it('"not detected" (coded or text) is negative', () => {
    expect(read({ valueCodeableConcept: { coding: [{ system: SCT, code: '260415000' }] } }).coded).toBe('negative');
    expect(status({ valueString: 'Not detected' })).toBe('negative');
  });

  it('an unreadable unit is unknown and says which result could not be read', () => {
    const r = read({ valueQuantity: { value: 12, unit: 'cells/uL', system: UCUM, code: '/uL' } });
    expect(r.unreadable).toBe(true);
    expect(r.percent).toBeUndefined();
    expect(r.display).toBe('could not be read (12 cells/uL: not % or a fraction)');
    expect(status({ valueQuantity: { value: 12, unit: 'cells/uL', system: UCUM, code: '/uL' } })).toBe('unknown');
  });

  it('a quantity without a unit is unknown, never a guess', () => {
    expect(read({ valueQuantity: { value: 0.02 } }).unreadable).toBe(true);
  });

  it('a "%" code from a non-UCUM system is not read as percent', () => {
    expect(read({ valueQuantity: { value: 0.02, unit: '%', system: 'http://example.org/units', code: '%' } }).unreadable).toBe(true);
  });

  it('text that says neither is unknown', () => {
    const r = read({ valueString: 'pending review' });
    expect(r.unreadable).toBe(true);
    expect(status({ valueString: 'pending review' })).toBe('unknown');
  });
});
