/**
 * Test support: build the real app (real knowledge from hooks/, real
 * logger writing to a captured stream), load fixtures, and check every
 * response against the CDS Hooks response schema.
 */
import { tempDir } from './temp';
import { openApps } from './open-apps';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app';
import { CdsResponseSchema, type CdsResponse } from '../../src/protocol/cds-hooks';
import { loadConfig, projectRoot, type Config } from '../../src/config';
import { loadKnowledge, type Knowledge } from '../../src/knowledge';
import { createLogger } from '../../src/logger';
import type { CdsRouteDeps } from '../../src/cds/routes';

export const ROOT = projectRoot();
export const FIXTURES = join(ROOT, 'fixtures');
export const LOCAL_VALUESETS = join(FIXTURES, 'local-valuesets');
/** Fixture expectations are fixed for this evaluation date (ages stay clear of label thresholds for years). */
export const EVALUATION_DATE = '2026-11-28';

export interface ExpectedScenario {
  description: string;
  valuesetDir?: string;
  /** Prefetch keys whose query failed (the request carries an OperationOutcome for them). */
  unavailable?: string[];
  stratification: Record<string, unknown> | null;
  cards: string[];
  /** What a card ('*' = every card) must / must not say (case-insensitive regular expressions). */
  checks?: { card: string; mustMatch?: string; mustNotMatch?: string }[];
}

export const expected: Record<string, ExpectedScenario> = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

export function fixtureNames(): string[] {
  return readdirSync(join(FIXTURES, 'patients'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.replace(/\.json$/, ''))
    .sort();
}

export function readJson<T = Record<string, unknown>>(...parts: string[]): T {
  return JSON.parse(readFileSync(join(...parts), 'utf8')) as T;
}

export function fixtureRequest(name: string): Record<string, unknown> {
  return readJson(FIXTURES, 'requests', `${name}.json`);
}

export function fixtureBundle(name: string): Record<string, unknown> {
  return readJson(FIXTURES, 'patients', `${name}.json`);
}

const knowledgeCache = new Map<string, Knowledge>();
export function knowledgeFor(valueSetDir?: string): Knowledge {
  const key = valueSetDir ?? '';
  let k = knowledgeCache.get(key);
  if (!k) {
    k = loadKnowledge(join(ROOT, 'hooks'), valueSetDir);
    knowledgeCache.set(key, k);
  }
  return k;
}

export interface TestApp {
  app: ReturnType<typeof createApp>;
  logs: string[];
  config: Config;
}

export function makeTestApp(options: { valueSetDir?: string; env?: NodeJS.ProcessEnv; deps?: Partial<CdsRouteDeps> } = {}): TestApp {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const config = loadConfig({
    LOG_LEVEL: 'debug',
    CDS_FEEDBACK_DB: join(tempDir('cds-feedback-'), 'feedback.sqlite'),
    CDS_CARD_ID_KEY: process.env.CDS_CARD_ID_KEY,
    ...(options.env ?? {}),
  });
  const logger = createLogger('debug', sink);
  const app = createApp({
    config,
    logger,
    knowledge: knowledgeFor(options.valueSetDir),
    settings: config.clinical,
    clock: () => EVALUATION_DATE,
    ...(options.deps ?? {}),
  });
  openApps.add(app.locals.release as () => Promise<void>);
  return { app, logs, config };
}

export const OVERRIDE_REASON_SYSTEM = 'https://relapsed-all-cds.org/fhir/CodeSystem/override-reason';

/** Validate a response body with the CDS Hooks schema; fails the test with the issues. */
export function expectValidCdsResponse(body: unknown): CdsResponse {
  const parsed = CdsResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`response is not a valid CDS Hooks response: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  // Issue #11: every card lets the clinician say why it was dismissed, in the service's coded vocabulary.
  for (const card of parsed.data.cards) {
    if (!card.overrideReasons || card.overrideReasons.some((r) => r.system !== OVERRIDE_REASON_SYSTEM))
      throw new Error(`card "${card.summary}" carries no overrideReasons of ${OVERRIDE_REASON_SYSTEM}`);
  }
  return parsed.data;
}

/** An error body is a bare FHIR OperationOutcome that leaks no stack trace. */
export function expectOperationOutcome(body: unknown): void {
  const oo = body as { resourceType?: string; issue?: { severity?: string; code?: string; diagnostics?: string }[] };
  expect(oo.resourceType).toBe('OperationOutcome');
  expect(Array.isArray(oo.issue) && oo.issue.length).toBeGreaterThan(0);
  for (const issue of oo.issue ?? []) {
    expect(['fatal', 'error', 'warning', 'information']).toContain(issue.severity);
    expect(typeof issue.code).toBe('string');
  }
  expect(JSON.stringify(body)).not.toMatch(/\bat \S+ \(|\.ts:\d+|node_modules|Error:/);
}

export function cardCodes(body: { cards: { source: { topic?: { code: string } } }[] }): string[] {
  return body.cards.map((c) => c.source.topic?.code ?? '(none)');
}
