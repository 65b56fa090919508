/**
 * Card ids (issue #11): stable for one patient, card code and relapse date
 * under one key, different under another, and not the old name-based UUID
 * that a brute force over candidate patient ids could trace back.
 */
import { tempDir } from '../../support/temp';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CardIds, developmentCardIdKey, parseCardIdKey } from '../../../src/cards/card-id';
import { uuidV5 } from '../../../src/cards/uuid';
import { evaluate } from '../../../src/engine';
import { DEFAULT_CLINICAL_SETTINGS } from '../../../src/clinical/settings';
import { knowledgeFor, fixtureRequest, EVALUATION_DATE } from '../../support/cds';
import type { FhirResource } from '../../../src/patient/records';

const KEY_A = Buffer.alloc(32, 0xa1);
const KEY_B = Buffer.alloc(32, 0xb2);

function cardsOf(ids: CardIds) {
  const req = fixtureRequest('early-marrow-b-awaiting') as {
    context: { patientId: string };
    prefetch: Record<string, { entry?: { resource: FhirResource }[] } & FhirResource>;
  };
  const resources: FhirResource[] = [];
  for (const v of Object.values(req.prefetch)) {
    if (v?.resourceType === 'Bundle') resources.push(...(v.entry ?? []).map((e) => e.resource));
    else if (v) resources.push(v);
  }
  const input = { patientId: req.context.patientId, resources, evaluationDate: EVALUATION_DATE };
  return { patientId: req.context.patientId, evaluation: evaluate(input, knowledgeFor(), DEFAULT_CLINICAL_SETTINGS, ids) };
}

describe('card ids', () => {
  it('are RFC 9562 version-8 UUIDs, the same for the same name and key', () => {
    const ids = new CardIds(KEY_A);
    const id = ids.id('card|p1|hsct-evaluation|2026-01-02');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(z.uuid().safeParse(id).success).toBe(true);
    expect(new CardIds(Buffer.from(KEY_A)).id('card|p1|hsct-evaluation|2026-01-02')).toBe(id);
    expect(ids.id('card|p2|hsct-evaluation|2026-01-02')).not.toBe(id);
  });

  it('a chart answered twice keeps its card ids; another deployment key gives other ids', () => {
    const a1 = cardsOf(new CardIds(KEY_A)).evaluation.cards.map((c) => c.uuid);
    const a2 = cardsOf(new CardIds(KEY_A)).evaluation.cards.map((c) => c.uuid);
    const b = cardsOf(new CardIds(KEY_B)).evaluation.cards.map((c) => c.uuid);
    expect(a1).toEqual(a2);
    expect(a1).toHaveLength(3);
    for (const id of b) expect(a1).not.toContain(id);
  });

  it('cannot be traced back without the key: the name-based UUID of the patient, code and relapse date no longer matches', () => {
    const { patientId, evaluation } = cardsOf(new CardIds(KEY_A));
    const relapse = evaluation.stratification?.relapseDate ?? 'undated';
    for (const card of evaluation.cards) {
      const code = card.source.topic?.code as string;
      // What the first release derived (and what a brute force over candidate patient ids recovered).
      expect(card.uuid).not.toBe(uuidV5(`card|${patientId}|${code}|${relapse}`));
      // With the key, the service (and only it) derives the same id again.
      expect(card.uuid).toBe(new CardIds(KEY_A).id(`card|${patientId}|${code}|${relapse}`));
    }
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new CardIds(Buffer.alloc(16))).toThrow(RangeError);
  });
});

describe('CDS_CARD_ID_KEY', () => {
  it('is read as 64+ hex digits or base64 of 32+ bytes', () => {
    expect(parseCardIdKey('ab'.repeat(32))).toEqual(Buffer.alloc(32, 0xab));
    expect(parseCardIdKey(Buffer.alloc(48, 7).toString('base64'))).toEqual(Buffer.alloc(48, 7));
  });
  it('a short key is refused without repeating it', () => {
    let message = '';
    try {
      parseCardIdKey('s3cr3t-but-short');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/at least 32 bytes/);
    expect(message).not.toContain('s3cr3t');
  });
});

describe('the development key file', () => {
  it('is made on first start (mode 0600) and read afterwards', () => {
    const file = join(tempDir('card-key-'), 'data', 'card-id.key');
    const first = developmentCardIdKey(file);
    expect(first).toHaveLength(32);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.toString('hex'));
    expect(developmentCardIdKey(file)).toEqual(first);
  });
});
