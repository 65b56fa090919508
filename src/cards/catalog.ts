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

const CardTemplate = z.object({
  display: z.string().min(1),
  summary: z.string().min(1),
  source: z.string().min(1),
  links: z.array(z.object({ label: z.string().min(1), url: z.string().url() })),
  suggestions: z.array(SuggestionTemplate).optional(),
});

const CatalogFile = z.object({
  system: z.string().url(),
  localCodeSystem: z.string().url(),
  sources: z.record(z.string(), z.object({ label: z.string().min(1), url: z.string().url() })),
  cards: z.record(z.string(), CardTemplate),
});

export type SuggestionTemplate = z.infer<typeof SuggestionTemplate>;
export interface CardDefinition extends z.infer<typeof CardTemplate> {
  code: RecommendationCode;
  body: string;
  sourceLabel: string;
  sourceUrl: string;
}

export interface CardCatalog {
  system: string;
  localCodeSystem: string;
  layout: string;
  cards: Record<RecommendationCode, CardDefinition>;
}

export class CatalogError extends Error {}

export function loadCatalog(dir: string): CardCatalog {
  const file = join(dir, 'catalog.json');
  let parsed: z.infer<typeof CatalogFile>;
  try {
    const result = CatalogFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!result.success) throw new Error(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
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
    const body = readTemplate(join(dir, `${code}.md`));
    for (const t of [def.summary, ...def.links.map((l) => l.label + l.url)]) parseTemplate(t, `${file} (${code})`);
    cards[code] = { ...def, code, body, sourceLabel: source.label, sourceUrl: source.url };
  }
  const unknown = Object.keys(parsed.cards).filter((c) => !(RECOMMENDATION_CODES as readonly string[]).includes(c));
  if (unknown.length > 0) throw new CatalogError(`${file}: unknown recommendation codes ${unknown.join(', ')}`);
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
