/**
 * The order-check catalog as data (hooks/order-checks/): per check code its
 * summary, Markdown detail and source; the drugs' label sources and links;
 * the suggestion labels; the coded override reasons. Loaded and validated
 * once at start-up (every template tag must be a field of the order card
 * view); a broken file stops the service.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Mustache from 'mustache';
import { z } from 'zod';
import { ORDER_CHECK_CODES, type OrderCheckCode } from '../clinical/order-checks';
import { DEFAULT_CLINICAL_SETTINGS } from '../clinical/settings';
import { zodIssues } from '../protocol/zod-issues';
import { unknownNamesIn } from './template-check';
import { ORDER_VIEW_FIELDS } from './order-view';
import type { OverrideReason, OverrideReasons } from './override-reasons';

/** The drugs whose label a card may cite as "the ordered drug's label". */
export const LABELLED_DRUGS = ['blinatumomab', 'inotuzumab', 'nelarabine', 'car-t', 'tisagenlecleucel', 'brexucabtagene', 'obecabtagene', 'ponatinib'] as const;
export type LabelledDrug = (typeof LABELLED_DRUGS)[number];

const Source = z.object({ label: z.string().min(1), url: z.string().url().optional() }).strict();
const Link = z.object({ label: z.string().min(1), url: z.string().url() }).strict();

const CheckTemplate = z
  .object({
    display: z.string().min(1),
    summary: z.string().min(1),
    /** A key of `sources`, or "ordered-drug-label": the label of the drug the order is for. */
    source: z.string().min(1),
    /** Codes of hooks/override-reasons.json this card offers when dismissed. */
    overrideReasons: z.array(z.string().min(1)).min(1),
  })
  .strict();

const OrderCatalogFile = z
  .object({
    system: z.string().url(),
    suggestions: z.object({ remove: z.string().min(1), alternative: z.string().min(1), antigenTest: z.string().min(1) }).strict(),
    sources: z.record(z.string(), Source),
    /** Per drug: where its current label can be read (a link on the card). */
    drugLinks: z.record(z.string(), Link),
    checks: z.record(z.string(), CheckTemplate),
  })
  .strict();

export interface OrderCheckDefinition {
  code: OrderCheckCode;
  display: string;
  summary: string;
  body: string;
  /** A fixed source, or undefined when the card cites the ordered drug's label. */
  source?: z.infer<typeof Source>;
  overrideReasons: OverrideReason[];
}

export interface OrderCatalog {
  system: string;
  suggestions: z.infer<typeof OrderCatalogFile>['suggestions'];
  labels: Record<LabelledDrug, z.infer<typeof Source>>;
  /** The clinical source (the seed article): cited when no label applies. */
  article: z.infer<typeof Source>;
  drugLinks: Record<string, z.infer<typeof Link>>;
  layout: string;
  checks: Record<OrderCheckCode, OrderCheckDefinition>;
}

export class OrderCatalogError extends Error {}

export function loadOrderCatalog(dir: string, reasons: OverrideReasons): OrderCatalog {
  const file = join(dir, 'catalog.json');
  let parsed: z.infer<typeof OrderCatalogFile>;
  try {
    const result = OrderCatalogFile.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    if (!result.success) throw new Error(zodIssues(result.error));
    parsed = result.data;
  } catch (err) {
    throw new OrderCatalogError(`${file}: ${(err as Error).message}`);
  }
  const labels = {} as Record<LabelledDrug, z.infer<typeof Source>>;
  for (const drug of LABELLED_DRUGS) {
    const source = parsed.sources[`label-${drug}`];
    if (!source) throw new OrderCatalogError(`${file}: sources needs "label-${drug}" (cited when ${drug} is ordered)`);
    labels[drug] = source;
  }
  const article = parsed.sources.article;
  if (!article) throw new OrderCatalogError(`${file}: sources needs "article"`);
  const problems: string[] = [];
  const settingNames = Object.keys(DEFAULT_CLINICAL_SETTINGS);
  const check = (where: string, text: string): void => {
    try {
      for (const name of unknownNamesIn(text, ORDER_VIEW_FIELDS, settingNames)) problems.push(`${where}: {{${name}}} is not a field of the order card view`);
    } catch (err) {
      problems.push(`${where}: template error: ${(err as Error).message}`);
    }
  };
  const layout = read(join(dir, '_layout.md'));
  check('_layout.md', layout);
  for (const [key, text] of Object.entries(parsed.suggestions)) check(`catalog.json suggestions.${key}`, text);
  const checks = {} as Record<OrderCheckCode, OrderCheckDefinition>;
  for (const code of ORDER_CHECK_CODES) {
    const def = parsed.checks[code];
    if (!def) throw new OrderCatalogError(`${file}: no entry for order check "${code}"`);
    const source = def.source === 'ordered-drug-label' ? undefined : parsed.sources[def.source];
    if (def.source !== 'ordered-drug-label' && !source) throw new OrderCatalogError(`${file}: check "${code}" names unknown source "${def.source}"`);
    const body = read(join(dir, `${code}.md`));
    check(`${code}.md`, body);
    check(`catalog.json ${code}.summary`, def.summary);
    let overrideReasons: OverrideReason[] = [];
    try {
      overrideReasons = reasons.resolve(def.overrideReasons, `check "${code}"`);
    } catch (err) {
      problems.push(`catalog.json: ${(err as Error).message}`);
    }
    checks[code] = { code, display: def.display, summary: def.summary, body, ...(source ? { source } : {}), overrideReasons };
  }
  const unknown = Object.keys(parsed.checks).filter((c) => !(ORDER_CHECK_CODES as readonly string[]).includes(c));
  if (unknown.length > 0) problems.push(`catalog.json: unknown order check codes ${unknown.join(', ')}`);
  if (problems.length > 0) throw new OrderCatalogError(`${dir}:\n  ${problems.join('\n  ')}`);
  return {
    system: parsed.system,
    suggestions: parsed.suggestions,
    labels,
    article,
    drugLinks: parsed.drugLinks,
    layout,
    checks,
  };
}

function read(file: string): string {
  try {
    const text = readFileSync(file, 'utf8');
    Mustache.parse(text);
    return text;
  } catch (err) {
    throw new OrderCatalogError(`${file}: ${(err as Error).message}`);
  }
}
