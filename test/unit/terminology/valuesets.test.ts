/**
 * terminology.md: value sets loaded once, keyed by system|code; a site's folder
 * adds its own codes; a broken file stops start-up with a message naming it.
 */
import { tempDir } from '../../support/temp';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildPatientFacts } from '../../../src/patient/facts';
import { loadTerminology, TerminologyError, VALUE_SET_IDS, type Terminology } from '../../../src/terminology/valuesets';
import { ICD10CM, LOCAL, LOINC, ROOT, SCT, factsFrom, fhirObservation, pct, terminology } from '../builders';

const BUILT_IN = join(ROOT, 'hooks/valuesets');
let tmp: string;

beforeAll(() => {
  tmp = tempDir('valuesets-test-');
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

/** A fresh folder under the test's temporary directory holding the given files. */
function folder(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  for (const [file, content] of Object.entries(files)) writeFileSync(join(dir, file), content);
  return dir;
}

function valueSet(id: string, system: string, ...codes: string[]): string {
  return JSON.stringify({ resourceType: 'ValueSet', id, compose: { include: [{ system, concept: codes.map((code) => ({ code })) }] } });
}

/** The error thrown by `fn`, which must be a TerminologyError. */
function terminologyError(fn: () => unknown): TerminologyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TerminologyError);
    return err as TerminologyError;
  }
  throw new Error('expected a TerminologyError');
}

describe('terminology: the shipped value sets', () => {
  const t: Terminology = terminology();

  it('every value set the rules use is present and non-empty', () => {
    for (const id of VALUE_SET_IDS) expect([id, t.size(id) > 0]).toEqual([id, true]);
  });

  it('ICD-10-CM codes match with or without the dot', () => {
    expect(t.has('all-relapse', { system: ICD10CM, code: 'C91.02' })).toBe(true);
    expect(t.has('all-relapse', { system: ICD10CM, code: 'C9102' })).toBe(true);
    expect(t.has('all-remission', { system: ICD10CM, code: 'C9101' })).toBe(true);
  });

  it('systems are compared exactly', () => {
    expect(t.has('all-relapse', { system: 'http://hl7.org/fhir/sid/icd-10', code: 'C91.02' })).toBe(false);
    expect(t.has('t-all', { system: SCT, code: '277575008' })).toBe(true);
    expect(t.has('t-all', { system: 'http://snomed.info/sct/', code: '277575008' })).toBe(false);
  });

  it('a CodeableConcept matches when any coding is a member', () => {
    expect(
      t.any('b-all', [
        { system: SCT, code: '91857003' },
        { system: SCT, code: '277571004' },
      ]),
    ).toBe(true);
    expect(t.any('b-all', [{ system: SCT, code: '91857003' }])).toBe(false);
  });

  it('blood WBC (26464-8) is not a CSF WBC; B-cell counts (8116-6, 8117-4) are not CD19 on blasts', () => {
    expect(t.has('csf-wbc', { system: LOINC, code: '26464-8' })).toBe(false);
    expect(t.has('csf-wbc', { system: LOINC, code: '26465-5' })).toBe(true);
    expect(t.has('cd19-blasts', { system: LOINC, code: '8116-6' })).toBe(false);
    expect(t.has('cd19-blasts', { system: LOINC, code: '8117-4' })).toBe(false);
  });

  it('a coding without system or code never matches', () => {
    expect(t.has('mrd', { code: 'mrd-flow' })).toBe(false);
    expect(t.has('mrd', { system: LOCAL })).toBe(false);
  });
});

describe('terminology: a local folder adds codes to a built-in value set', () => {
  const LAB = 'http://lab.example.org/codes';

  it('the lab code becomes a member beside the built-in codes', () => {
    const local = folder('local-ok', { 'site-mrd.json': valueSet('mrd', LAB, 'MRD-FLOW-8C') });
    const t = loadTerminology(BUILT_IN, local);
    expect(t.has('mrd', { system: LAB, code: 'MRD-FLOW-8C' })).toBe(true);
    expect(t.has('mrd', { system: LOCAL, code: 'mrd-flow' })).toBe(true);
    expect(t.has('mrd', { system: LAB, code: 'OTHER' })).toBe(false);
    expect(t.concepts('mrd')).toEqual(expect.arrayContaining([{ system: LAB, code: 'MRD-FLOW-8C' }]));
  });

  it('an Observation coded with the lab code is then read as MRD', () => {
    const local = folder('local-mrd', { 'site-mrd.json': valueSet('mrd', LAB, 'MRD-FLOW-8C') });
    const t = loadTerminology(BUILT_IN, local);
    const obs = fhirObservation('m1', [LAB, 'MRD-FLOW-8C'], { date: '2021-10-20', valueQuantity: pct(0.005) });
    expect(buildPatientFacts([obs], t, { antigenPositivePercent: 20 }).mrd.map((m) => m.percent)).toEqual([0.005]);
    expect(factsFrom([obs]).mrd).toEqual([]);
  });

  it('a local CodeSystem file beside the value sets is skipped', () => {
    const local = folder('local-cs', {
      'a-codesystem.json': JSON.stringify({ resourceType: 'CodeSystem', id: 'lab', concept: [{ code: 'X' }] }),
      'site-cd19.json': valueSet('cd19-blasts', LAB, 'CD19B'),
    });
    expect(loadTerminology(BUILT_IN, local).has('cd19-blasts', { system: LAB, code: 'CD19B' })).toBe(true);
  });
});

describe('terminology: broken files stop start-up with a message naming the file', () => {
  it('an unknown value set id', () => {
    const local = folder('bad-id', { 'mystery.json': valueSet('not-a-value-set', 'http://lab.example.org', 'X') });
    const err = terminologyError(() => loadTerminology(BUILT_IN, local));
    expect(err.message).toContain(join(local, 'mystery.json'));
    expect(err.message).toContain('"not-a-value-set"');
  });

  it('a file that is not JSON', () => {
    const local = folder('bad-json', { 'broken.json': '{ "resourceType": "ValueSet", ' });
    const err = terminologyError(() => loadTerminology(BUILT_IN, local));
    expect(err.message).toContain(join(local, 'broken.json'));
    expect(err.message).toContain('is not valid JSON');
  });

  it('a ValueSet without explicit concepts', () => {
    const local = folder('bad-shape', {
      'no-concepts.json': JSON.stringify({ resourceType: 'ValueSet', id: 'mrd', compose: { include: [{ system: 'http://lab.example.org', filter: [] }] } }),
    });
    const err = terminologyError(() => loadTerminology(BUILT_IN, local));
    expect(err.message).toContain(join(local, 'no-concepts.json'));
    expect(err.message).toContain('is not a usable FHIR ValueSet');
  });

  it('a local folder with no ValueSet file', () => {
    const local = folder('empty', { 'README.txt': 'nothing here' });
    const err = terminologyError(() => loadTerminology(BUILT_IN, local));
    expect(err.message).toContain(local);
  });

  it('a local folder that does not exist', () => {
    const missing = join(tmp, 'does-not-exist');
    const err = terminologyError(() => loadTerminology(BUILT_IN, missing));
    expect(err.message).toContain(missing);
  });

  it('a built-in folder missing a value set names the missing id', () => {
    const dir = join(tmp, 'builtin-partial');
    mkdirSync(dir);
    for (const name of readdirSync(BUILT_IN)) if (name !== 'mrd.json') copyFileSync(join(BUILT_IN, name), join(dir, name));
    const err = terminologyError(() => loadTerminology(dir));
    expect(err.message).toBe(`value sets missing from ${dir}: mrd`);
  });
});
