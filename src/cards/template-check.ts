/**
 * Start-up check of the card knowledge: every Mustache tag in a card's
 * templates (layout, detail, evidence, summary, link label and URL) and every
 * `when` / `unless` flag must name a field of that card's view (cards/view.ts)
 * or a clinical setting. A typo such as `{{#cnsInvolvd}}` would otherwise load
 * and silently show or hide text.
 */
import Mustache from 'mustache';
import type { RecommendationCode } from '../clinical/recommend';
import { VIEW_FIELDS, type FieldSpec } from './view';

interface Scope {
  fields: ReadonlyMap<string, FieldSpec>;
  parent?: Scope;
}

type Token = [type: string, value: string, start: number, end: number, children?: Token[]];

function lookup(scope: Scope | undefined, name: string): FieldSpec | undefined {
  for (let s = scope; s; s = s.parent) {
    const spec = s.fields.get(name);
    if (spec !== undefined) return spec;
  }
  return undefined;
}

function scopeOf(entries: Iterable<[string, FieldSpec]>, parent?: Scope): Scope {
  return { fields: new Map(entries), parent };
}

/** Unknown names in one template, in the given scope. */
export function unknownTemplateNames(template: string, scope: Scope): string[] {
  const problems: string[] = [];
  const walk = (tokens: Token[], s: Scope): void => {
    for (const token of tokens) {
      const [type, name, , , children] = token;
      if (type !== 'name' && type !== '&' && type !== '#' && type !== '^') continue;
      if (name === '.') continue;
      const [head, ...rest] = name.split('.');
      const spec = lookup(s, head);
      if (spec === undefined) {
        problems.push(name);
        continue;
      }
      if (rest.length > 0 && !(typeof spec === 'object' && 'fields' in spec && rest.length === 1 && spec.fields.includes(rest[0]))) {
        problems.push(name);
        continue;
      }
      if (!children) continue;
      const inner =
        type === '#' && typeof spec === 'object' && 'items' in spec
          ? scopeOf(
              spec.items.map((f) => [f, 'value']),
              s,
            )
          : s;
      walk(children, inner);
    }
  };
  walk(Mustache.parse(template) as unknown as Token[], scope);
  return problems;
}

/** Unknown names in a template whose view has `fields`, with the clinical settings as the outer scope. */
export function unknownNamesIn(template: string, fields: Record<string, FieldSpec>, settingNames: readonly string[]): string[] {
  const settings = scopeOf(settingNames.map((n): [string, FieldSpec] => [n, 'value']));
  return unknownTemplateNames(template, scopeOf(Object.entries(fields), settings));
}

export interface CardTemplates {
  layout: string;
  cards: Record<
    RecommendationCode,
    {
      body: string;
      evidence: string;
      summary: string;
      links: { label: string; url: string; when?: string }[];
      suggestions?: { key: string; when?: string; unless?: string }[];
    }
  >;
}

/** Every problem found, as "where: what" lines; empty when the knowledge fits the views. */
export function checkCardTemplates(templates: CardTemplates, settingNames: readonly string[]): string[] {
  const problems: string[] = [];
  const settings = scopeOf(settingNames.map((n): [string, FieldSpec] => [n, 'value']));
  const common = scopeOf(Object.entries<FieldSpec>(VIEW_FIELDS.common), settings);
  for (const name of unknownTemplateNames(templates.layout, common)) problems.push(`_layout.md: {{${name}}} is not a field of the card view`);
  for (const [code, card] of Object.entries(templates.cards) as [RecommendationCode, CardTemplates['cards'][RecommendationCode]][]) {
    const own = VIEW_FIELDS.cards[code] as Record<string, FieldSpec>;
    const scope = scopeOf(Object.entries(own), common);
    const check = (where: string, text: string): void => {
      for (const name of unknownTemplateNames(text, scope)) problems.push(`${where}: {{${name}}} is not a field of the ${code} view`);
    };
    check(`${code}.md`, card.body);
    check(`${code}.md (evidence)`, card.evidence);
    check(`catalog.json ${code}.summary`, card.summary);
    for (const link of card.links) {
      check(`catalog.json ${code} link "${link.label}"`, `${link.label} ${link.url}`);
      if (link.when !== undefined && lookup(scope, link.when) !== 'value')
        problems.push(`catalog.json ${code} link "${link.label}": when "${link.when}" is not a flag of the ${code} view`);
    }
    for (const s of card.suggestions ?? []) {
      for (const [what, flag] of [
        ['when', s.when],
        ['unless', s.unless],
      ] as const) {
        if (flag !== undefined && lookup(scope, flag) !== 'value')
          problems.push(`catalog.json ${code} suggestion "${s.key}": ${what} "${flag}" is not a flag of the ${code} view`);
      }
    }
  }
  return problems;
}
