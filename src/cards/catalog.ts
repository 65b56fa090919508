/**
 * The card catalog as data (hooks/cards/): summary and links per
 * recommendation code, suggestion templates, Markdown detail templates. Loaded
 * and validated once at start-up; a broken file stops the service.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { RECOMMENDATION_CODES, type RecommendationCode } from '../clinical/recommend';
import { DEFAULT_CLINICAL_SETTINGS } from '../clinical/settings';
import { checkCardTemplates } from './template-check';
import type { OverrideReason, OverrideReasons } from './override-reasons';
import { zodIssues } from '../protocol/zod-issues';

const SuggestionTemplate = z.object({
  key: z.string().min(1),
  label: z.string().min(1),
  isRecommended: z.boolean().optional(),
  /** A code of the project's local CodeSystem for the draft ServiceRequest. */
  code: z.string().min(1),
  text: z.string().min(1),
  /** Offered only when this view flag is true / false. */
  when: z.string().optional(),
  unless: z.string().optional(),
});

const LinkTemplate = z.object({
  /** Names exactly the document the URL opens. */
  label: z.string().min(1),
  url: z.string().url(),
  /** Shown only when this view flag is true (e.g. a trial cited only for the population it studied). */
  when: z.string().optional(),
});

const CardTemplate = z.object({
  display: z.string().min(1),
  summary: z.string().min(1),
  source: z.string().min(1),
  links: z.array(LinkTemplate),
  /** Keys of the catalog's trial / publication links that this card may show. */
  trialLinks: z.array(z.string().min(1)).optional(),
  suggestions: z.array(SuggestionTemplate).optional(),
  /** Codes of hooks/override-reasons.json this card offers when dismissed. */
  overrideReasons: z.array(z.string().min(1)).min(1),
});

const CatalogFile = z.object({
  system: z.string().url(),
  localCodeSystem: z.string().url(),
  /** Guidelines a card follows: the label names the document; the URL (when it has a public one) opens it. */
  sources: z.record(z.string(), z.object({ label: z.string().min(1), url: z.string().url().optional() })),
  links: z.record(z.string(), LinkTemplate).default({}),
  cards: z.record(z.string(), CardTemplate),
});

/** In a card's Markdown file, what follows this line is the evidence section (after **Data used**). */
export const EVIDENCE_MARKER = '<!-- evidence -->';

export type SuggestionTemplate = z.infer<typeof SuggestionTemplate>;
export type LinkTemplate = z.infer<typeof LinkTemplate>;
export interface CardDefinition extends Omit<z.infer<typeof CardTemplate>, 'trialLinks' | 'overrideReasons'> {
  code: RecommendationCode;
  /** The detail before **Data used**. */
  body: string;
  /** Evidence quoted after **Data used** (trial figures for the patient's own group). */
  evidence: string;
  sourceLabel: string;
  sourceUrl?: string;
  overrideReasons: OverrideReason[];
}

export interface CardCatalog {
  system: string;
  localCodeSystem: string;
  layout: string;
  cards: Record<RecommendationCode, CardDefinition>;
}

export class CatalogError extends Error {}

export function loadCatalog(dir: string, reasons: OverrideReasons): CardCatalog {
  const file = join(dir, 'catalog.json');
  let parsed: z.infer<typeof CatalogFile>;
  try {
    const result = CatalogFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!result.success) throw new Error(zodIssues(result.error));
    parsed = result.data;
  } catch (err) {
    throw new CatalogError(`${file}: ${(err as Error).message}`);
  }
  const layout = readTemplate(join(dir, '_layout.md'));
  const cards = {} as Record<RecommendationCode, CardDefinition>;
  for (const code of RECOMMENDATION_CODES) {
    const def = parsed.cards[code];
    if (!def) throw new CatalogError(`${file}: no card for recommendation code "${code}"`);
    const source = parsed.sources[def.source];
    if (!source) throw new CatalogError(`${file}: card "${code}" names unknown source "${def.source}"`);
    const [body, evidence = ''] = readTemplate(join(dir, `${code}.md`)).split(EVIDENCE_MARKER);
    const trialLinks = (def.trialLinks ?? []).map((key) => {
      const link = parsed.links[key];
      if (!link) throw new CatalogError(`${file}: card "${code}" names unknown link "${key}"`);
      return link;
    });
    const links = [...def.links, ...trialLinks];
    for (const t of [def.summary, ...links.map((l) => l.label + l.url)]) parseTemplate(t, `${file} (${code})`);
    let overrideReasons: OverrideReason[];
    try {
      overrideReasons = reasons.resolve(def.overrideReasons, `card "${code}"`);
    } catch (err) {
      throw new CatalogError(`${file}: ${(err as Error).message}`);
    }
    const { trialLinks: _keys, overrideReasons: _codes, ...rest } = def;
    cards[code] = { ...rest, links, code, body, evidence, sourceLabel: source.label, ...(source.url ? { sourceUrl: source.url } : {}), overrideReasons };
  }
  const unknown = Object.keys(parsed.cards).filter((c) => !(RECOMMENDATION_CODES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new CatalogError(`${file}: unknown recommendation codes ${unknown.join(', ')}`);
  const problems = checkCardTemplates({ layout, cards }, Object.keys(DEFAULT_CLINICAL_SETTINGS));
  if (problems.length > 0) throw new CatalogError(`${dir}: templates name fields their card view does not have:\n  ${problems.join('\n  ')}`);
  return { system: parsed.system, localCodeSystem: parsed.localCodeSystem, layout, cards };
}

function readTemplate(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CatalogError(`cannot read card template ${file}: ${(err as Error).message}`);
  }
  parseTemplate(text, file);
  return text;
}

function parseTemplate(text: string, where: string): void {
  try {
    Mustache.parse(text);
  } catch (err) {
    throw new CatalogError(`${where}: template error: ${(err as Error).message}`);
  }
}
