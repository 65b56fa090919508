/**
 * The command-line evaluator, run as a user would (a child process).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT, expectValidCdsResponse } from '../support/cds';

function evaluateCli(...args: string[]): string {
  return execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(ROOT, 'src', 'cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, CDS_VALUESET_DIR: '' },
  });
}

describe('npm run evaluate', () => {
  it('prints the stratification and the cards as a clinician reads them', () => {
    const out = evaluateCli(join(ROOT, 'fixtures', 'patients', 'early-marrow-b-awaiting.json'), '--now', '2026-11-28');
    expect(out).toContain('Early (20 months) isolated marrow relapse of Ph-negative B-ALL, first relapse, awaiting reinduction');
    expect(out).toMatch(/timing\s+early/);
    expect(out).toMatch(/\[WARNING\] Early relapse: refer for allogeneic HSCT/);
    expect(out).toContain('-> suggestion: Refer to the transplant team');
  });

  it('--json prints the CDS Hooks response, also from a complete CDS request', () => {
    const out = evaluateCli(join(ROOT, 'fixtures', 'requests', 't-all-late-cns-cr2-chemo.json'), '--now', '2026-11-28', '--json');
    const body = expectValidCdsResponse(JSON.parse(out));
    expect(body.cards.map((c) => c.source.topic?.code)).toEqual(['clinical-trial', 'cns-directed-therapy', 'chemotherapy-alone-option']);
  });

  it('says so for a patient without relapsed ALL', () => {
    expect(evaluateCli(join(ROOT, 'fixtures', 'patients', 'first-remission-no-cards.json'))).toContain('No relapsed ALL found: no cards.');
  });

  it('refuses a bad date with a usage message', () => {
    expect(() => evaluateCli('x.json', '--now', 'yesterday')).toThrow(/--now takes a date/);
  });
});
