/**
 * Test support for the order hooks: the order fixtures (fixtures/orders/*.json:
 * a patient Bundle, the draft orders, the expected cards) as requests.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { requestFromBundle } from '../../src/cds/bundle-request';
import type { CdsResponse } from '../../src/protocol/cds-hooks';
import { FIXTURES, knowledgeFor, readJson } from './cds';

export interface ExpectedOrderCard {
  code: string;
  indicator: 'critical' | 'warning' | 'info';
  /** The order a per-order card is about (`MedicationRequest/<id>`). */
  order?: string;
}

export interface OrderScenario {
  description: string;
  hook: 'order-select' | 'order-sign';
  selections?: string[];
  patient: { resourceType: 'Bundle'; entry?: unknown };
  draftOrders: Record<string, unknown>;
  expected: ExpectedOrderCard[];
  /** What a card must / must not say (case-insensitive regular expressions; card '*' = every card). */
  checks?: { card: string; mustMatch?: string; mustNotMatch?: string }[];
}

export function orderScenarioNames(): string[] {
  return readdirSync(join(FIXTURES, 'orders'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

export function orderScenario(name: string): OrderScenario {
  return readJson<OrderScenario>(FIXTURES, 'orders', `${name}.json`);
}

/** The request an EHR that prefetches everything would send for the scenario. */
export function orderScenarioRequest(name: string, scenario = orderScenario(name)): Record<string, unknown> {
  const templates = knowledgeFor().service.prefetch;
  return requestFromBundle(scenario.patient, templates, name, { hook: scenario.hook, draftOrders: scenario.draftOrders, selections: scenario.selections });
}

export function serviceUrl(hook: 'order-select' | 'order-sign' | 'patient-view'): string {
  return `/cds-services/relapsed-all-${hook}`;
}

/** The order a per-order card is about, from its detail's "**Order:** name (`Type/id`)" line. */
export function cardOrder(detail: string | undefined): string | undefined {
  return /\*\*Order:\*\*[^\n]*\(`([A-Za-z]+\/[^`]+)`\)/.exec(detail ?? '')?.[1];
}

/** The cards as (code, indicator, order), sorted, for comparison with a scenario's expectation. */
export function orderCardSummary(body: CdsResponse): ExpectedOrderCard[] {
  return sortCards(
    body.cards.map((c) => {
      const order = cardOrder(c.detail);
      return { code: c.source.topic?.code ?? '(none)', indicator: c.indicator, ...(order ? { order } : {}) };
    }),
  );
}

export function sortCards(cards: ExpectedOrderCard[]): ExpectedOrderCard[] {
  const key = (c: ExpectedOrderCard): string => `${c.code}|${c.indicator}|${c.order ?? ''}`;
  return [...cards].sort((a, b) => key(a).localeCompare(key(b)));
}
