/**
 * Card feedback over HTTP into a real SQLite file: batches, duplicates
 * tolerated, the spec's required fields enforced, nothing identifying stored
 * (a comment is kept as its length); cards issued counted per day and code.
 */
import { tempDir } from '../support/temp';
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { SqliteCardStore } from '../../src/feedback/sqlite-store';
import { createLogger } from '../../src/logger';
import { startServer } from '../../src/server';
import { expectOperationOutcome, expectValidCdsResponse, fixtureRequest, knowledgeFor, makeTestApp } from '../support/cds';

const URL = '/cds-services/relapsed-all-patient-view';

function setup() {
  const file = join(tempDir('cds-fb-'), 'feedback.sqlite');
  const t = makeTestApp({ env: { CDS_FEEDBACK_DB: file } });
  const rows = (): Record<string, unknown>[] => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT * FROM feedback ORDER BY id').all() as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };
  return { ...t, file, rows };
}

describe('feedback', () => {
  it('stores a batch of accepted and overridden outcomes for the cards the service gave, once each; a comment only as its length', async () => {
    const { app, rows, logs, file } = setup();
    const cards = expectValidCdsResponse((await request(app).post(URL).send(fixtureRequest('early-marrow-b-awaiting')).expect(200)).body).cards;
    const hsct = cards.find((c) => c.source.topic?.code === 'hsct-evaluation');
    const trial = cards.find((c) => c.source.topic?.code === 'clinical-trial');
    // The reason the clinician picks is one the card offered.
    const offered = trial?.overrideReasons?.find((r) => r.code === 'arranged-elsewhere');
    expect(offered).toEqual({
      system: 'https://relapsed-all-cds.org/fhir/CodeSystem/override-reason',
      code: 'arranged-elsewhere',
      display: 'Already arranged or done elsewhere',
    });
    const comment = 'seen by trials team at St Elsewhere 🏥';
    const batch = {
      feedback: [
        { card: hsct?.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: hsct?.suggestions?.[0].uuid }], outcomeTimestamp: '2026-11-28T14:00:00Z' },
        { card: trial?.uuid, outcome: 'overridden', overrideReason: { reason: offered, userComment: comment }, outcomeTimestamp: '2026-11-28T14:01:00Z' },
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
      override_reason_system: offered?.system,
      override_reason_code: 'arranged-elsewhere',
      comment_length: [...comment].length,
      outcome_day: '2026-11-28',
    });
    expect(Object.keys(stored[1])).not.toContain('user_comment');
    // Nothing identifying anywhere in the database files: not the comment, not the patient id.
    const dir = join(file, '..');
    const bytes = readdirSync(dir)
      .map((f) => readFileSync(join(dir, f)).toString('latin1'))
      .join('');
    expect(bytes).not.toContain('trials team');
    expect(bytes).not.toContain('emb-pt');
    expect(logs.join('')).toContain('"stored":0');
    expect(logs.join('')).not.toContain('trials team');
  });

  it('cards issued are counted per day and card code, and feedback is read per card code', async () => {
    const { app, file } = setup();
    const first = expectValidCdsResponse((await request(app).post(URL).send(fixtureRequest('early-marrow-b-awaiting')).expect(200)).body).cards;
    await request(app).post(URL).send(fixtureRequest('early-marrow-b-awaiting')).expect(200);
    const hsct = first.find((c) => c.source.topic?.code === 'hsct-evaluation');
    await request(app)
      .post(`${URL}/feedback`)
      .send({
        feedback: [
          { card: hsct?.uuid, outcome: 'accepted', acceptedSuggestions: [{ id: hsct?.suggestions?.[0].uuid }], outcomeTimestamp: '2026-11-28T14:00:00Z' },
        ],
      })
      .expect(200);
    // Counts are written in batches (and on shutdown): the app's release writes them.
    await (app.locals.release as () => Promise<void>)();
    const store = new SqliteCardStore(file);
    try {
      const data = await store.reportData();
      const today = new Date().toISOString().slice(0, 10);
      expect(data.issued).toEqual(
        ['clinical-trial', 'hsct-evaluation', 'reinduction-b-all'].map((code) => ({ day: today, serviceId: 'relapsed-all-patient-view', code, count: 2 })),
      );
      expect(data.feedback).toHaveLength(1);
      expect(data.feedback[0]).toMatchObject({ code: 'hsct-evaluation', outcome: 'accepted', acceptedSuggestions: [hsct?.suggestions?.[0].uuid] });
    } finally {
      await store.close();
    }
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

  it('feedback the store could not write is not acknowledged: 503 with an OperationOutcome, so the client sends it again', async () => {
    const { app, logs } = makeTestApp({
      deps: {
        recordFeedback: async () => {
          throw new Error('connection terminated unexpectedly');
        },
      },
    });
    const res = await request(app)
      .post(`${URL}/feedback`)
      .send({ feedback: [{ card: 'c1', outcome: 'overridden', outcomeTimestamp: '2026-11-28T14:00:00Z' }] })
      .expect(503);
    expectOperationOutcome(res.body);
    expect(res.body.issue[0]).toMatchObject({ code: 'transient', diagnostics: 'feedback could not be stored now; send it again' });
    expect(logs.join('')).toContain('feedback could not be stored');
  });

  it('a replica whose shared PostgreSQL cannot be reached is not ready (503), and its log holds no password', async () => {
    // Port 1 on loopback: nothing listens, every connection is refused (the store retries, then gives up).
    const { app, logs } = makeTestApp({ env: { CDS_FEEDBACK_DB: 'postgres://cds:s3cret-pw@127.0.0.1:1/cds' } });
    const res = await request(app).get('/health/ready').expect(503);
    expect(res.body).toEqual({ status: 'store-unavailable' });
    expect(logs.join('')).not.toContain('s3cret-pw');
  });

  it('an empty feedback list is a 400', async () => {
    const { app } = setup();
    expectOperationOutcome((await request(app).post(`${URL}/feedback`).send({ feedback: [] }).expect(400)).body);
  });

  it('the SQLite file is closed when the server stops (no WAL left behind)', async () => {
    const file = join(tempDir('cds-fb-'), 'feedback.sqlite');
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
