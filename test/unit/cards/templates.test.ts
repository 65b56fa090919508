/**
 * Card knowledge is checked at start-up: a template tag or a `when` / `unless`
 * naming a field its card's view does not have stops the load, with a message
 * naming the file and the field. Tested on broken copies of hooks/cards.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CatalogError, loadCatalog as loadWithReasons } from '../../../src/cards/catalog';
import { OverrideReasons } from '../../../src/cards/override-reasons';
import { ROOT } from '../builders';

const reasons = OverrideReasons.load(join(ROOT, 'hooks', 'override-reasons.json'));
const loadCatalog = (d: string) => loadWithReasons(d, reasons);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cards-'));
  cpSync(join(ROOT, 'hooks', 'cards'), dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function edit(file: string, change: (text: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

function loadError(): string {
  try {
    loadCatalog(dir);
  } catch (err) {
    expect(err).toBeInstanceOf(CatalogError);
    return (err as Error).message;
  }
  throw new Error('the broken catalog loaded');
}

describe('card templates are checked against their views at start-up', () => {
  it('the shipped knowledge loads', () => {
    expect(() => loadCatalog(join(ROOT, 'hooks', 'cards'))).not.toThrow();
  });

  it('a misspelt section in a card template', () => {
    edit('cns-directed-therapy.md', (t) => `{{#cnsInvolvd}}x{{/cnsInvolvd}}\n${t}`);
    expect(loadError()).toMatch(/cns-directed-therapy\.md: \{\{cnsInvolvd\}\} is not a field of the cns-directed-therapy view/);
  });

  it("another card's field (the HSCT reason on the CAR-T card)", () => {
    edit('car-t-evaluation.md', (t) => `${t}\n{{#hsctEarly}}early{{/hsctEarly}}`);
    expect(loadError()).toMatch(/car-t-evaluation\.md \(evidence\): \{\{hsctEarly\}\} is not a field of the car-t-evaluation view/);
  });

  it('a misspelt unless on a suggestion, and a misspelt when on a link', () => {
    edit('catalog.json', (t) => t.replace('"unless": "abl1NotToOrder"', '"unless": "t315iTypo"').replace('"when": "eliana"', '"when": "elianna"'));
    const message = loadError();
    expect(message).toMatch(/ph-positive-tki suggestion "abl1-mutation-test": unless "t315iTypo" is not a flag/);
    expect(message).toMatch(/car-t-evaluation link "ELIANA[^"]*": when "elianna" is not a flag/);
  });

  it('a wrong nested field, in a summary and in the layout', () => {
    edit('catalog.json', (t) =>
      t.replace(
        '{{#blinatumomab.targeted}}blinatumomab (CD19+), {{/blinatumomab.targeted}}',
        '{{#blinatumomab.targetted}}blinatumomab (CD19+), {{/blinatumomab.targetted}}',
      ),
    );
    edit('_layout.md', (t) => t.replace('{{label}}', '{{lable}}'));
    const message = loadError();
    expect(message).toMatch(/reinduction-b-all\.summary: \{\{blinatumomab\.targetted\}\}/);
    expect(message).toMatch(/_layout\.md: \{\{lable\}\}/);
  });

  it('settings may be quoted in any template', () => {
    edit('cns-evaluation.md', (t) => `${t}\nWindow {{relapseWindowDays}} days.`);
    expect(() => loadCatalog(dir)).not.toThrow();
  });
});
