/**
 * Recommendation[] -> CDS Hooks cards: the Markdown detail from
 * hooks/cards/, the stratification headline, evidence lines (value, date,
 * reference), the guideline source, links, and draft ServiceRequest
 * suggestions with stable uuids.
 */
import Mustache from 'mustache';
import type { Recommendation } from '../clinical/recommend';
import type { ClinicalSettings } from '../clinical/settings';
import type { Stratification } from '../clinical/stratify';
import { describeStratification } from '../clinical/headline';
import type { Card, Link, Suggestion } from '../protocol/cds-hooks';
import type { CardCatalog, SuggestionTemplate } from './catalog';
import { escapeMarkdown } from './markdown';
import { uuidV5 } from './uuid';
import type { CardIds } from './card-id';
import { buildView, type CardView } from './view';

export interface RenderContext {
  patientId: string;
  settings: ClinicalSettings;
  /** Card ids: keyed (the deployment's secret), stable per patient, card code and relapse date. */
  ids: CardIds;
}

export const SUMMARY_MAX = 139;

export function renderCards(recs: Recommendation[], st: Stratification, catalog: CardCatalog, ctx: RenderContext): Card[] {
  const headline = describeStratification(st.reported);
  return recs.map((rec) => renderCard(rec, st, catalog, ctx, headline));
}

function renderCard(rec: Recommendation, st: Stratification, catalog: CardCatalog, ctx: RenderContext, headline: string): Card {
  const def = catalog.cards[rec.code];
  const view = buildView(rec, st, ctx.settings, headline);
  const context = templateContext(view, ctx.settings);
  const cardUuid = ctx.ids.id(`card|${ctx.patientId}|${rec.code}|${st.relapseDate ?? 'undated'}`);

  const detail = renderDetail(catalog.layout, context, { body: def.body, evidence: def.evidence });
  const summary = renderSummary(def.summary, context);

  const links: Link[] = def.links
    .filter((l) => l.when === undefined || flag(view, l.when))
    .map((l) => ({
      label: plain(Mustache.render(l.label, context, {}, { escape: String })),
      url: Mustache.render(l.url, context, {}, { escape: encodeURIComponent }),
      type: 'absolute' as const,
    }));
  if (def.sourceUrl) links.push({ label: def.sourceLabel, url: def.sourceUrl, type: 'absolute' as const });

  const suggestions = (def.suggestions ?? [])
    .filter((s) => offered(s, view))
    .map((s) => suggestion(s, cardUuid, ctx.patientId, catalog.localCodeSystem, rec.code));

  const card: Card = {
    uuid: cardUuid,
    summary,
    indicator: rec.indicator,
    detail,
    source: {
      label: def.sourceLabel,
      ...(def.sourceUrl ? { url: def.sourceUrl } : {}),
      topic: { system: catalog.system, code: rec.code, display: def.display },
    },
  };
  if (links.length > 0) card.links = links;
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = suggestions.length === 1 ? 'at-most-one' : 'any';
  }
  // Why a clinician may dismiss it (coded: feedback tells the committee why).
  card.overrideReasons = def.overrideReasons.map((r) => ({ ...r }));
  return card;
}

function offered(s: SuggestionTemplate, view: CardView): boolean {
  if (s.when !== undefined && !flag(view, s.when)) return false;
  if (s.unless !== undefined && flag(view, s.unless)) return false;
  return true;
}

/** A `when` / `unless` flag of the card's view (start-up checked that the card's view has it). */
function flag(view: CardView, name: string): boolean {
  return Boolean((view as unknown as Record<string, unknown>)[name]);
}

/** A draft ServiceRequest proposal: the clinician reviews and signs it in the EHR. */
function suggestion(s: SuggestionTemplate, cardUuid: string, patientId: string, localSystem: string, code: string): Suggestion {
  return {
    label: s.label,
    uuid: uuidV5(`suggestion|${cardUuid}|${s.key}`),
    ...(s.isRecommended !== undefined ? { isRecommended: s.isRecommended } : {}),
    actions: [
      {
        type: 'create',
        description: s.label,
        resource: draftServiceRequest(
          patientId,
          { system: localSystem, code: s.code, text: s.text },
          `Relapsed acute lymphoblastic leukemia (CDS recommendation: ${code})`,
        ),
      },
    ],
  };
}

/** What every suggestion that orders something creates: a draft proposal for the patient (chart-open and order cards alike). */
export function draftServiceRequest(patientId: string, what: { system: string; code: string; text: string }, reason: string): Record<string, unknown> {
  return {
    resourceType: 'ServiceRequest',
    status: 'draft',
    intent: 'proposal',
    subject: { reference: `Patient/${patientId}` },
    code: { coding: [{ system: what.system, code: what.code, display: what.text }], text: what.text },
    reasonCode: [{ text: reason }],
  };
}

/** Templates see the card's view, then the clinical settings (thresholds quoted in the text). */
export function templateContext(view: object, settings: ClinicalSettings): Mustache.Context {
  return new Mustache.Context(view, new Mustache.Context(settings));
}

/** A card's Markdown detail: patient-derived values escaped, runs of blank lines closed up. */
export function renderDetail(layout: string, context: Mustache.Context, partials: Record<string, string>): string {
  return Mustache.render(layout, context, partials, { escape: escapeMarkdown })
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** A card's summary: plain text, at most SUMMARY_MAX characters. */
export function renderSummary(template: string, context: Mustache.Context): string {
  return truncate(plain(Mustache.render(template, context, {}, { escape: String })), SUMMARY_MAX);
}

/** Summaries are plain text. */
export function plain(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[,;:]\s*$/, '')
    .trim();
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}
