/**
 * OrderFinding[] -> CDS Hooks cards: the Markdown detail from
 * hooks/order-checks/, the stratification headline, the order and the data
 * used, the label or guideline followed, suggestions that fix the order
 * (delete the draft; update it to the safe alternative; order the missing
 * test) and the coded override reasons.
 *
 * The alternative is offered as an `update` of the draft whose
 * MedicationRequest carries `medicationCodeableConcept.text` and
 * `coding[0].code` (how the CDS Hooks Sandbox swaps the drug in place), with
 * no dose: the dose belongs to the protocol.
 */
import Mustache from 'mustache';
import { describeStratification } from '../clinical/headline';
import type { DraftOrder, OrderFinding } from '../clinical/order-checks';
import type { ClinicalSettings } from '../clinical/settings';
import type { Stratification } from '../clinical/stratify';
import type { Card, Link, Suggestion } from '../protocol/cds-hooks';
import type { LabelledDrug, OrderCatalog } from './order-catalog';
import { buildOrderView, type OrderCardView } from './order-view';
import { draftServiceRequest, plain, renderDetail, renderSummary, templateContext } from './render';
import { uuidV5 } from './uuid';
import type { CardIds } from './card-id';

export interface OrderRenderContext {
  patientId: string;
  settings: ClinicalSettings;
  /** Card ids: keyed (the deployment's secret). */
  ids: CardIds;
  /** The drafts as sent, by reference (an update starts from the draft). */
  drafts: ReadonlyMap<string, Record<string, unknown>>;
  /** The project's local CodeSystem (codes of the tests a suggestion orders). */
  localCodeSystem: string;
  /** The medication concept the ponatinib alternative orders (the ingredient: no strength, no dose). */
  ponatinib: { system: string; code: string };
}

export function renderOrderCards(findings: OrderFinding[], st: Stratification, catalog: OrderCatalog, ctx: OrderRenderContext): Card[] {
  const headline = describeStratification(st.reported);
  return findings.map((f) => renderOrderCard(f, st, catalog, ctx, headline));
}

function renderOrderCard(f: OrderFinding, st: Stratification, catalog: OrderCatalog, ctx: OrderRenderContext, headline: string): Card {
  const def = catalog.checks[f.code];
  const view = buildOrderView(f, st, ctx.settings, headline);
  const context = templateContext(view, ctx.settings);
  const cardUuid = ctx.ids.id(
    `order-card|${ctx.patientId}|${f.code}|${f.order?.reference ?? 'orders'}|${f.order?.agentKey ?? ''}|${st.relapseDate ?? 'undated'}`,
  );
  const detail = renderDetail(catalog.layout, context, { body: def.body });
  const summary = renderSummary(def.summary, context);
  const drug = f.order ? labelledDrug(f.order) : undefined;
  const source = def.source ?? (drug ? catalog.labels[drug] : undefined) ?? catalog.article;

  const links: Link[] = [];
  const drugLink = f.order ? catalog.drugLinks[f.order.tki ?? f.order.carT ?? f.order.agent ?? ''] : undefined;
  if (drugLink) links.push({ label: drugLink.label, url: drugLink.url, type: 'absolute' });
  if (source.url) links.push({ label: source.label, url: source.url, type: 'absolute' });

  const suggestions = suggestionsFor(f, view, catalog, ctx, cardUuid, context);
  const card: Card = {
    uuid: cardUuid,
    summary,
    indicator: f.indicator,
    detail,
    source: { label: source.label, ...(source.url ? { url: source.url } : {}), topic: { system: catalog.system, code: f.code, display: def.display } },
  };
  if (links.length > 0) card.links = links;
  if (suggestions.length > 0) {
    card.suggestions = suggestions;
    card.selectionBehavior = 'at-most-one';
  }
  // Why a clinician may dismiss it (coded: feedback tells the committee why).
  card.overrideReasons = def.overrideReasons.map((r) => ({ ...r }));
  return card;
}

/** The label a card about this order cites. */
function labelledDrug(o: DraftOrder): LabelledDrug | undefined {
  if (o.carT) return o.carT;
  if (o.agent === 'blinatumomab' || o.agent === 'inotuzumab' || o.agent === 'nelarabine' || o.agent === 'car-t' || o.agent === 'ponatinib') return o.agent;
  return undefined;
}

function suggestionsFor(
  f: OrderFinding,
  view: OrderCardView,
  catalog: OrderCatalog,
  ctx: OrderRenderContext,
  cardUuid: string,
  context: Mustache.Context,
): Suggestion[] {
  const out: Suggestion[] = [];
  const label = (template: string): string => plain(Mustache.render(template, context, {}, { escape: String }));
  const order = f.order;
  const draft = order ? ctx.drafts.get(order.reference) : undefined;
  const hasId = draft !== undefined && typeof draft.id === 'string';

  if (f.alternative === 'ponatinib' && order && hasId) {
    // The client's own draft, minus the old drug and dose, and minus empty values (a response never carries null, "", [] or {}).
    const { medicationReference: _ref, dosageInstruction: _dose, dispenseRequest: _dispense, ...rest } = withoutEmptyValues(draft) as Record<string, unknown>;
    const text = label(catalog.suggestions.alternative);
    out.push({
      label: text,
      uuid: uuidV5(`suggestion|${cardUuid}|alternative`),
      isRecommended: true,
      actions: [
        {
          type: 'update',
          description: `${text}: ${order.reference} now orders ponatinib; set the dose per protocol`,
          resource: {
            ...rest,
            medicationCodeableConcept: { text: 'ponatinib', coding: [{ system: ctx.ponatinib.system, code: ctx.ponatinib.code, display: 'ponatinib' }] },
          },
        },
      ],
    });
  }
  if (f.removable && order && hasId) {
    const text = label(catalog.suggestions.remove);
    out.push({
      label: text,
      uuid: uuidV5(`suggestion|${cardUuid}|remove`),
      isRecommended: f.indicator === 'critical' && f.alternative === undefined,
      actions: [{ type: 'delete', description: `${text} (${order.reference})`, resourceId: order.reference }],
    });
  }
  if (f.code === 'order-antigen-not-assessed' && !view.antigenUnavailable && f.flags.antigen) {
    const text = label(catalog.suggestions.antigenTest);
    const code = f.flags.antigen === 'CD19' ? 'cd19-blasts' : 'cd22-blasts';
    out.push({
      label: text,
      uuid: uuidV5(`suggestion|${cardUuid}|antigen-test`),
      isRecommended: true,
      actions: [
        {
          type: 'create',
          description: text,
          resource: draftServiceRequest(
            ctx.patientId,
            { system: ctx.localCodeSystem, code, text },
            `Relapsed acute lymphoblastic leukemia: ${view.drug} ordered (CDS order check ${f.code})`,
          ),
        },
      ],
    });
  }
  return out;
}

/** A copy of a JSON value with every null, "", [] and {} left out (recursively); undefined when nothing is left. */
export function withoutEmptyValues(value: unknown): unknown {
  if (value === null || value === '') return undefined;
  if (Array.isArray(value)) {
    const items = value.map(withoutEmptyValues).filter((v) => v !== undefined);
    return items.length > 0 ? items : undefined;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => [k, withoutEmptyValues(v)] as const)
      .filter(([, v]) => v !== undefined);
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }
  return value;
}
