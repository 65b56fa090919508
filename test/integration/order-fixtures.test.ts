/**
 * The order fixtures over HTTP (fixtures/orders/): each scenario's draft
 * orders sent to its order service, with the expected cards (code, indicator,
 * the order each is about), a schema-valid response, and cards a clinician
 * can act on (the order named, the data used, a source, override reasons on
 * the cards about one order, a delete suggestion on the critical ones).
 */
import request from 'supertest';
import { STRATIFICATION_EXTENSION } from '../../src/use-case/answer-hook-request';
import { expectValidCdsResponse, knowledgeFor, makeTestApp } from '../support/cds';

const ORDER_CATALOG = knowledgeFor().orderCatalog;
import { cardOrder, orderCardSummary, orderScenario, orderScenarioNames, orderScenarioRequest, serviceUrl, sortCards } from '../support/orders';

const { app } = makeTestApp();

describe('order fixtures over HTTP', () => {
  it('there are order fixtures for both hooks', () => {
    const hooks = new Set(orderScenarioNames().map((n) => orderScenario(n).hook));
    expect(orderScenarioNames().length).toBeGreaterThanOrEqual(16);
    expect([...hooks].sort()).toEqual(['order-select', 'order-sign']);
  });

  describe.each(orderScenarioNames())('%s', (name) => {
    const scenario = orderScenario(name);

    it('returns the expected cards', async () => {
      const res = await request(app).post(serviceUrl(scenario.hook)).send(orderScenarioRequest(name, scenario)).expect(200);
      const body = expectValidCdsResponse(res.body);
      expect(orderCardSummary(body)).toEqual(sortCards(scenario.expected));
      if (scenario.expected.length === 0 && !body.extension) expect(body).toEqual({ cards: [] });
      for (const check of scenario.checks ?? []) {
        const cards = body.cards.filter((c) => check.card === '*' || c.source.topic?.code === check.card);
        expect(cards.length).toBeGreaterThan(0);
        for (const card of cards) {
          const text = `${card.summary}\n${card.detail ?? ''}`;
          if (check.mustMatch) expect(text).toMatch(new RegExp(check.mustMatch, 'i'));
          if (check.mustNotMatch) expect(text).not.toMatch(new RegExp(check.mustNotMatch, 'i'));
        }
      }
    });

    if (scenario.expected.length > 0) {
      it('cards name the order and the data used, cite a source, and can be acted on', async () => {
        const req = orderScenarioRequest(name, scenario);
        const body = expectValidCdsResponse((await request(app).post(serviceUrl(scenario.hook)).send(req).expect(200)).body);
        const again = expectValidCdsResponse((await request(app).post(serviceUrl(scenario.hook)).send(req).expect(200)).body);
        expect(again.cards.map((c) => c.uuid)).toEqual(body.cards.map((c) => c.uuid));
        expect(body.extension?.[STRATIFICATION_EXTENSION]).toBeDefined();
        for (const card of body.cards) {
          expect(card.source.topic?.system).toBe('https://relapsed-all-cds.org/fhir/CodeSystem/order-check');
          expect(card.source.label.length).toBeGreaterThan(10);
          expect(card.detail).toContain('**Data used**');
          const order = cardOrder(card.detail);
          const expectation = scenario.expected.find((e) => e.code === card.source.topic?.code && e.order === order);
          expect(expectation).toBeDefined();
          if (expectation?.order) {
            expect(card.detail).toContain(`- Draft order: `);
            // The reasons the catalog lists for this check, in its order.
            const check = card.source.topic?.code as keyof typeof ORDER_CATALOG.checks;
            expect(card.overrideReasons?.map((r) => r.code)).toEqual(ORDER_CATALOG.checks[check].overrideReasons.map((r) => r.code));
          }
          if (card.indicator === 'critical') {
            const deletes = (card.suggestions ?? []).flatMap((s) => s.actions ?? []).filter((a) => a.type === 'delete');
            expect(deletes.map((a) => a.resourceId)).toEqual([expectation?.order]);
          }
        }
      });
    }
  });
});
