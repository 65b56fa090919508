/**
 * Card feedback over HTTP into a real SQLite file: batches, duplicates
 * tolerated, the spec's required fields enforced, nothing identifying stored.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { FeedbackRow } from '../../src/feedback/store';
import { createLogger } from '../../src/logger';
import { startServer } from '../../src/server';
import { expectOperationOutcome, expectValidCdsResponse, fixtureRequest, knowledgeFor, makeTestApp } from '../support/cds';

const URL = '/cds-services/relapsed-all-patient-view';

function setup() {
  const file = join(mkdtempSync(join(tmpdir(), 'cds-fb-')), 'feedback.sqlite');
  const t = makeTestApp({ env: { CDS_FEEDBACK_DB: file } });
  const rows = (): FeedbackRow[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT * FROM feedback ORDER BY id').all() as FeedbackRow[];
    } finally {
      db.close();
    }
  };
  return { ...t, file, rows };
}

describe('feedback', () => {
  it('stores a batch of accepted and overridden outcomes for the cards the service gave, once each', async () => {
    const { app, rows, logs } = setup();
    const cards = expectValidCdsResponse((await request(app).post(URL).send(fixtureRequest('early-marrow-b-awaiting')).expect(200)).body).cards;
    const hsct = cards.find((c) => c.source.topic?.code === 'hsct-evaluation');
    const trial = cards.find((c) => c.source.topic?.code === 'clinical-trial');
    const batch = {
      feedback: [
        { card: hsct?.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: hsct?.suggestions?.[0].uuid }], outcomeTimestamp: '2026-11-28T14:00:00Z' },
        {
          card: trial?.uuid,
          outcome: 'overridden',
          overrideReason: {
            reason: { system: 'http://example.org/reasons', code: 'already-referred', display: 'Already referred' },
            userComment: 'seen by trials team',
          },
          outcomeTimestamp: '2026-11-28T14:01:00Z',
        },
      ],
    };
    await request(app).post(`${URL}/feedback`).send(batch).expect(200, {});
    await request(app).post(`${URL}/feedback`).send(batch).expect(200, {});
    const stored = rows();
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({ card_uuid: hsct?.uuid, outcome: 'accepted', accepted_suggestions: JSON.stringify([hsct?.suggestions?.[0].uuid]) });
    expect(stored[1]).toMatchObject({
      card_uuid: trial?.uuid,
      outcome: 'overridden',
      override_reason_code: 'already-referred',
      user_comment: 'seen by trials team',
    });
    expect(JSON.stringify(stored)).not.toContain('emb-pt');
    expect(logs.join('')).toContain('"stored":0');
  });

  it.each([
    ['accepted without acceptedSuggestions', { card: 'c1', outcome: 'accepted', outcomeTimestamp: '2026-11-28T14:00:00Z' }],
    ['an unknown outcome', { card: 'c1', outcome: 'maybe', outcomeTimestamp: '2026-11-28T14:00:00Z' }],
    ['a timestamp that is not RFC 3339', { card: 'c1', outcome: 'overridden', outcomeTimestamp: 'yesterday' }],
    ['no card', { outcome: 'overridden', outcomeTimestamp: '2026-11-28T14:00:00Z' }],
  ])('%s -> 400 and nothing stored', async (_name, item) => {
    const { app, rows } = setup();
    const res = await request(app)
      .post(`${URL}/feedback`)
      .send({ feedback: [item] })
      .expect(400);
    expectOperationOutcome(res.body);
    expect(rows).toThrow(/no such table|unable to open|SQLITE_CANTOPEN/);
  });

  it('an empty feedback list is a 400', async () => {
    const { app } = setup();
    expectOperationOutcome((await request(app).post(`${URL}/feedback`).send({ feedback: [] }).expect(400)).body);
  });

  it('the SQLite file is closed when the server stops (no WAL left behind)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cds-fb-')), 'feedback.sqlite');
    const { config, logs: _logs } = makeTestApp({ env: { CDS_FEEDBACK_DB: file } });
    const running = await startServer(
      { config: { ...config, port: 0, host: '127.0.0.1' }, logger: createLogger('silent'), knowledge: knowledgeFor(), settings: config.clinical },
      0,
      '127.0.0.1',
    );
    const res = await fetch(`${running.url}${URL}/feedback`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ feedback: [{ card: 'c1', outcome: 'overridden', outcomeTimestamp: '2026-11-28T14:00:00Z' }] }),
    });
    expect(res.status).toBe(200);
    expect(existsSync(`${file}-wal`)).toBe(true);
    await running.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});
