/**
 * Override reasons (issue #11): one coded vocabulary, each card and order
 * check offering a small list from it, checked at start-up.
 */
import { tempDir } from '../../support/temp';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadKnowledge } from '../../../src/knowledge';
import { RECOMMENDATION_CODES } from '../../../src/clinical/recommend';
import { ORDER_CHECK_CODES } from '../../../src/clinical/order-checks';
import { ROOT } from '../builders';

function hooksCopy(): string {
  const dir = tempDir('hooks-');
  cpSync(join(ROOT, 'hooks'), dir, { recursive: true });
  return dir;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a hand edit of a JSON file of known shape
type Json = any;

function editJson(file: string, change: (json: Json) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8'));
  change(json);
  writeFileSync(file, JSON.stringify(json));
}

describe('override reasons', () => {
  const k = loadKnowledge(join(ROOT, 'hooks'));

  it('every card and every order check offers 3 to 5 reasons from the one vocabulary', () => {
    const vocabulary = new Set(k.overrideReasons.all().map((r) => r.code));
    const lists = [
      ...RECOMMENDATION_CODES.map((c) => k.catalog.cards[c].overrideReasons),
      ...ORDER_CHECK_CODES.map((c) => k.orderCatalog.checks[c].overrideReasons),
    ];
    for (const list of lists) {
      expect(list.length).toBeGreaterThanOrEqual(3);
      expect(list.length).toBeLessThanOrEqual(5);
      for (const r of list) {
        expect(vocabulary.has(r.code)).toBe(true);
        expect(r.system).toBe('https://relapsed-all-cds.org/fhir/CodeSystem/override-reason');
        expect(r.display.length).toBeGreaterThan(0);
      }
    }
  });

  it('a card naming a reason the vocabulary lacks stops the load, naming the card', () => {
    const dir = hooksCopy();
    editJson(join(dir, 'cards', 'catalog.json'), (j) => {
      j.cards['hsct-evaluation'].overrideReasons = ['arranged-elsewhere', 'not-a-reason'];
    });
    expect(() => loadKnowledge(dir)).toThrow(/card "hsct-evaluation": unknown override reason "not-a-reason"/);
  });

  it('an order check without reasons stops the load', () => {
    const dir = hooksCopy();
    editJson(join(dir, 'order-checks', 'catalog.json'), (j) => {
      j.checks['order-tki-t315i'].overrideReasons = [];
    });
    expect(() => loadKnowledge(dir)).toThrow(/order-tki-t315i/);
  });

  it('a reason listed twice in the vocabulary stops the load', () => {
    const dir = hooksCopy();
    editJson(join(dir, 'override-reasons.json'), (j) => {
      j.reasons.push({ code: 'other', display: 'again' });
    });
    expect(() => loadKnowledge(dir)).toThrow(/"other" is listed twice/);
  });
});
