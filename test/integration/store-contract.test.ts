/**
 * The card store contract (src/feedback/store.ts): one suite, run against
 * both stores, SQLite (a temporary file) and PostgreSQL (a throw-away server,
 * test/support/postgres.ts, one for the whole file, a fresh database per
 * test). Each store is opened as the service opens it (openCardStore).
 * Then what only PostgreSQL does: the shared jti replay cache, replicas
 * migrating together, a lost connection retried. And the SQLite upgrade from
 * a database of the first release (001 only).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import pino from 'pino';
import { readMigrations } from '../../src/feedback/migrations';
import { openCardStore } from '../../src/feedback/open-store';
import { openPostgresStore } from '../../src/feedback/postgres-store';
import { SqliteCardStore } from '../../src/feedback/sqlite-store';
import type { CardStore, FeedbackItem, Issuance, IssuedCard, StoredFeedback } from '../../src/feedback/store';
import { freePort, postgresBinDir, startPostgres, type StartedPostgres } from '../support/postgres';

const run = promisify(execFile);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One kind of store, as the contract sees it. */
interface Backend {
  kind: 'sqlite' | 'postgres';
  /** A new, empty database: its location (a file path or a URL). */
  fresh(): Promise<string>;
  /** Rows of a SELECT run on the database directly (not through the store). */
  select(location: string, sql: string): Promise<Record<string, unknown>[]>;
  /** Everything the database holds, as text (schema and every table's rows). */
  dump(location: string): Promise<string>;
  /** The migration versions recorded as applied. */
  appliedVersions(location: string): Promise<number[]>;
}

// ---------------------------------------------------------------------------------------------------
// The servers and folders this file uses, and every store it opens (closed after each test).

let pg: StartedPostgres | undefined;
const sqliteDir = mkdtempSync(join(tmpdir(), 'cds-store-contract-'));
let databases = 0;
const opened: CardStore[] = [];

function server(): StartedPostgres {
  if (!pg) throw new Error('the PostgreSQL server did not start (see beforeAll)');
  return pg;
}

async function open(location: string): Promise<CardStore> {
  const store = await openCardStore(location);
  opened.push(store);
  return store;
}

function track<T extends CardStore>(store: T): T {
  opened.push(store);
  return store;
}

beforeAll(async () => {
  pg = await startPostgres();
}, 180_000);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close().catch(() => undefined)));
});

afterAll(async () => {
  await pg?.stop();
  rmSync(sqliteDir, { recursive: true, force: true });
}, 60_000);

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, application_name: 'store-contract-test' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function sqliteRead<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

const sqlite: Backend = {
  kind: 'sqlite',
  fresh: async () => join(sqliteDir, `store-${++databases}`, 'cards.sqlite'),
  select: async (file, sql) => sqliteRead(file, (db) => db.prepare(sql).all() as Record<string, unknown>[]),
  dump: async (file) => {
    const tables = sqliteRead(file, (db) => {
      const names = db.prepare(`SELECT name, sql FROM sqlite_master ORDER BY name`).all() as { name: string; sql: string | null }[];
      return names.map((t) => ({
        ...t,
        rows: t.sql?.startsWith('CREATE TABLE') ? db.prepare(`SELECT * FROM "${t.name}"`).all() : [],
      }));
    });
    // And the files' bytes (the write-ahead log too): a text kept anywhere would show.
    const raw = [file, `${file}-wal`]
      .filter((f) => existsSync(f))
      .map((f) => readFileSync(f).toString('utf8'))
      .join('\n');
    return `${JSON.stringify(tables)}\n${raw}`;
  },
  appliedVersions: async (file) => {
    const version = sqliteRead(file, (db) => db.pragma('user_version', { simple: true }) as number);
    return Array.from({ length: version }, (_, i) => i + 1);
  },
};

const postgres: Backend = {
  kind: 'postgres',
  fresh: async () => server().createDatabase(`contract_${process.pid}_${++databases}`),
  select: async (url, sql) => withClient(url, async (c) => (await c.query(sql)).rows as Record<string, unknown>[]),
  dump: async (url) => {
    // pg_dump: the schema and every row, as PostgreSQL holds them.
    const { stdout } = await run(join(postgresBinDir(), 'pg_dump'), ['--no-owner', `--dbname=${url}`], { maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  },
  appliedVersions: async (url) =>
    withClient(url, async (c) => (await c.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version')).rows.map((r) => r.version)),
};

// ---------------------------------------------------------------------------------------------------
// Test data.

const SVC = 'relapsed-all-patient-view';
const RECEIVED = '2026-03-10T09:00:00.000Z';
/** 18 characters (code points), 19 UTF-16 units: the emoji is one character. */
const COMMENT = 'Zyxwvut 🙂 déclined';
const DISPLAY = 'Display-text-qwerty';

function issuance(day: string, code: string, count: number, serviceId = SVC): Issuance {
  return { day, serviceId, code, count };
}

function card(uuid: string, code: string, day: string, serviceId = SVC): IssuedCard {
  return { uuid, serviceId, code, day };
}

function accepted(cardUuid: string, outcomeTimestamp: string): FeedbackItem {
  return { card: cardUuid, outcome: 'accepted', outcomeTimestamp };
}

function stored(partial: Partial<StoredFeedback> & Pick<StoredFeedback, 'cardUuid' | 'outcomeTimestamp'>): StoredFeedback {
  return {
    serviceId: SVC,
    code: null,
    outcome: 'accepted',
    acceptedSuggestions: [],
    reasonSystem: null,
    reasonCode: null,
    commentLength: null,
    receivedAt: RECEIVED,
    ...partial,
  };
}

// ---------------------------------------------------------------------------------------------------
// The contract.

function storeContract(backend: Backend): void {
  describe(`CardStore contract: ${backend.kind}`, () => {
    it('opens as its kind', async () => {
      const store = await open(await backend.fresh());
      expect(store.kind).toBe(backend.kind);
    });

    it('stores feedback with every field; a comment only as its length in characters, a reason as system and code', async () => {
      const location = await backend.fresh();
      const store = await open(location);
      await store.recordIssued([], [card('u-1', 'hsct-evaluation', '2026-03-01'), card('u-2', 'mrd-followup', '2026-03-01')]);
      const items: FeedbackItem[] = [
        { card: 'u-1', outcome: 'accepted', acceptedSuggestions: [{ id: 's-1' }, { id: 's-2' }], outcomeTimestamp: '2026-03-01T10:00:00Z' },
        {
          card: 'u-2',
          outcome: 'overridden',
          overrideReason: { reason: { system: 'https://example.org/reasons', code: 'patient-declined', display: DISPLAY }, userComment: COMMENT },
          outcomeTimestamp: '2026-03-01T11:00:00.123+02:00',
        },
        { card: 'u-unknown', outcome: 'overridden', overrideReason: { reason: { code: 'other' } }, outcomeTimestamp: '2026-03-01T12:00:00Z' },
        { card: 'u-1', outcome: 'overridden', overrideReason: { userComment: '' }, outcomeTimestamp: '2026-03-01T13:00:00Z' },
      ];
      expect(await store.recordFeedback(SVC, items, RECEIVED)).toBe(4);

      expect(COMMENT.length).toBe(19);
      const { feedback } = await store.reportData();
      // One day and service: by code (unknown first), then in the order stored.
      expect(feedback).toEqual([
        stored({ cardUuid: 'u-unknown', outcome: 'overridden', reasonCode: 'other', outcomeTimestamp: '2026-03-01T12:00:00Z' }),
        stored({ cardUuid: 'u-1', code: 'hsct-evaluation', acceptedSuggestions: ['s-1', 's-2'], outcomeTimestamp: '2026-03-01T10:00:00Z' }),
        stored({ cardUuid: 'u-1', code: 'hsct-evaluation', outcome: 'overridden', commentLength: 0, outcomeTimestamp: '2026-03-01T13:00:00Z' }),
        stored({
          cardUuid: 'u-2',
          code: 'mrd-followup',
          outcome: 'overridden',
          reasonSystem: 'https://example.org/reasons',
          reasonCode: 'patient-declined',
          commentLength: 18,
          outcomeTimestamp: '2026-03-01T11:00:00.123+02:00',
        }),
      ]);

      // Neither the comment's text nor the display is anywhere in the database.
      const dump = await backend.dump(location);
      expect(dump).toContain('patient-declined');
      for (const secret of ['Zyxwvut', 'déclined', DISPLAY]) expect(dump).not.toContain(secret);
      // The columns are those of the upgraded SQLite schema.
      const columns = Object.keys((await backend.select(location, 'SELECT * FROM feedback'))[0]).sort();
      expect(columns).toEqual(
        [
          'id',
          'service_id',
          'card_uuid',
          'outcome',
          'accepted_suggestions',
          'override_reason_system',
          'override_reason_code',
          'comment_length',
          'outcome_timestamp',
          'outcome_day',
          'received_at',
        ].sort(),
      );
    });

    it('stores a resent item once (same service, card, outcome and timestamp; the first kept) and answers how many were new', async () => {
      const store = await open(await backend.fresh());
      const a = accepted('u-a', '2026-03-02T08:00:00Z');
      const b: FeedbackItem = { card: 'u-b', outcome: 'overridden', outcomeTimestamp: '2026-03-02T08:00:00Z' };
      expect(await store.recordFeedback(SVC, [a, b], RECEIVED)).toBe(2);
      expect(await store.recordFeedback(SVC, [a, b], '2026-03-10T10:00:00.000Z')).toBe(0);
      // The same key with other content is still the same item: the first is kept.
      expect(await store.recordFeedback(SVC, [{ ...b, overrideReason: { reason: { code: 'changed' } } }])).toBe(0);
      const otherOutcome: FeedbackItem = { ...a, outcome: 'overridden' };
      const otherTime = accepted('u-a', '2026-03-02T08:00:01Z');
      // Old and new in one batch, and a key twice in one batch.
      expect(await store.recordFeedback(SVC, [b, otherOutcome, otherOutcome, otherTime], RECEIVED)).toBe(2);
      expect(await store.recordFeedback('another-service', [a], RECEIVED)).toBe(1);
      expect(await store.recordFeedback(SVC, [])).toBe(0);

      const { feedback } = await store.reportData();
      expect(feedback).toEqual([
        stored({ serviceId: 'another-service', cardUuid: 'u-a', outcomeTimestamp: '2026-03-02T08:00:00Z' }),
        stored({ cardUuid: 'u-a', outcomeTimestamp: '2026-03-02T08:00:00Z' }),
        stored({ cardUuid: 'u-b', outcome: 'overridden', outcomeTimestamp: '2026-03-02T08:00:00Z' }),
        stored({ cardUuid: 'u-a', outcome: 'overridden', outcomeTimestamp: '2026-03-02T08:00:00Z' }),
        stored({ cardUuid: 'u-a', outcomeTimestamp: '2026-03-02T08:00:01Z' }),
      ]);
    });

    it('stores a batch in one transaction: all or nothing', async () => {
      const location = await backend.fresh();
      const store = await open(location);
      const good = accepted('u-good', '2026-03-02T08:00:00Z');
      // A value neither driver can write, after one both can: SQLite has inserted the first row when the
      // second fails. (Not an invalid outcome: SQLite's INSERT OR IGNORE skips a CHECK failure silently.)
      const bad = { card: ['not', 'a string'], outcome: 'accepted', outcomeTimestamp: '2026-03-02T09:00:00Z' } as unknown as FeedbackItem;
      // (Called in an async function: the SQLite store throws synchronously.)
      // (rejects with an error: checked by its message, since better-sqlite3's errors come from the realm of the
      // first test file that loaded the native addon, so `toThrow` would not see them as Errors in a later file.)
      await expect((async () => store.recordFeedback(SVC, [good, bad], RECEIVED))()).rejects.toHaveProperty('message', expect.any(String));
      expect((await store.reportData()).feedback).toEqual([]);
      expect(await store.recordFeedback(SVC, [good], RECEIVED)).toBe(1);

      // Issuance too: a count that cannot be stored leaves nothing of its call.
      await expect(
        (async () => store.recordIssued([issuance('2026-03-02', 'a', 1), issuance('2026-03-02', 'b', -1)], [card('u-good', 'a', '2026-03-02')]))(),
      ).rejects.toHaveProperty('message', expect.stringMatching(/check|constraint|violates/i));
      expect(await store.reportData()).toEqual({ issued: [], feedback: [stored({ cardUuid: 'u-good', outcomeTimestamp: '2026-03-02T08:00:00Z' })] });
      expect(await backend.select(location, 'SELECT uuid FROM issued_card')).toEqual([]);
    });

    it('reads the card code from the issued cards when the feedback is read (null for a uuid never issued)', async () => {
      const store = await open(await backend.fresh());
      await store.recordFeedback(SVC, [accepted('u-late', '2026-03-02T08:00:00Z'), accepted('u-never', '2026-03-02T09:00:00Z')], RECEIVED);
      expect((await store.reportData()).feedback.map((f) => f.code)).toEqual([null, null]);
      await store.recordIssued([issuance('2026-03-02', 'clinical-trial', 1)], [card('u-late', 'clinical-trial', '2026-03-02')]);
      expect((await store.reportData()).feedback.map((f) => [f.cardUuid, f.code])).toEqual([
        ['u-never', null],
        ['u-late', 'clinical-trial'],
      ]);
    });

    it('filters by UTC day of the outcome, both ends inclusive; issuance by its day', async () => {
      const store = await open(await backend.fresh());
      const f1 = accepted('u-1', '2026-03-01T23:30:00-05:00'); // 2026-03-02 in UTC
      const f2 = accepted('u-2', '2026-03-02T00:30:00+01:00'); // 2026-03-01
      const f3 = accepted('u-3', '2026-03-03T00:00:00Z'); // 2026-03-03
      const f4 = accepted('u-4', '2026-02-28T23:59:59.999Z'); // 2026-02-28
      await store.recordFeedback(SVC, [f1, f2, f3, f4], RECEIVED);
      await store.recordIssued([issuance('2026-03-03', 'a', 3), issuance('2026-03-01', 'a', 1), issuance('2026-03-02', 'a', 2)], []);
      const cards = async (since?: string, until?: string): Promise<string[]> => (await store.reportData({ since, until })).feedback.map((f) => f.cardUuid);
      const days = async (since?: string, until?: string): Promise<string[]> => (await store.reportData({ since, until })).issued.map((i) => i.day);

      expect(await cards('2026-03-02', '2026-03-02')).toEqual(['u-1']);
      expect(await cards('2026-03-01', '2026-03-02')).toEqual(['u-2', 'u-1']);
      expect(await cards('2026-03-03')).toEqual(['u-3']);
      expect(await cards(undefined, '2026-03-01')).toEqual(['u-4', 'u-2']);
      expect(await cards()).toEqual(['u-4', 'u-2', 'u-1', 'u-3']);
      expect(await cards('2026-03-04')).toEqual([]);
      expect(await days('2026-03-02', '2026-03-02')).toEqual(['2026-03-02']);
      expect(await days('2026-03-02')).toEqual(['2026-03-02', '2026-03-03']);
      expect(await days(undefined, '2026-03-02')).toEqual(['2026-03-01', '2026-03-02']);
      expect(await days()).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
      // The timestamp comes back as sent.
      expect((await store.reportData({ since: '2026-03-02', until: '2026-03-02' })).feedback[0].outcomeTimestamp).toBe('2026-03-01T23:30:00-05:00');
    });

    it('adds issuance counts up, across calls and within one', async () => {
      const store = await open(await backend.fresh());
      await store.recordIssued([issuance('2026-03-01', 'a', 2)], []);
      await store.recordIssued([issuance('2026-03-01', 'a', 3), issuance('2026-03-01', 'b', 1), issuance('2026-03-01', 'a', 1)], []);
      await store.recordIssued([], []);
      await store.recordIssued([issuance('2026-03-01', 'a', 4, 'other-service')], []);
      expect((await store.reportData()).issued).toEqual([
        issuance('2026-03-01', 'a', 4, 'other-service'),
        issuance('2026-03-01', 'a', 6),
        issuance('2026-03-01', 'b', 1),
      ]);
    });

    it('keeps the earliest day an issued card was first issued', async () => {
      const location = await backend.fresh();
      const store = await open(location);
      await store.recordIssued([], [card('u1', 'a', '2026-03-05')]);
      await store.recordIssued([], [card('u1', 'a', '2026-03-02'), card('u2', 'b', '2026-03-09'), card('u2', 'b', '2026-03-04')]);
      await store.recordIssued([], [card('u1', 'a', '2026-03-09')]);
      expect(await backend.select(location, 'SELECT uuid, service_id, code, first_day FROM issued_card ORDER BY uuid')).toEqual([
        { uuid: 'u1', service_id: SVC, code: 'a', first_day: '2026-03-02' },
        { uuid: 'u2', service_id: SVC, code: 'b', first_day: '2026-03-04' },
      ]);
    });

    it('orders issuance by day, service and code, and feedback by outcome day, service, code (unknown first) and arrival (byte order)', async () => {
      const store = await open(await backend.fresh());
      await store.recordIssued(
        [
          issuance('2026-03-02', 'alpha', 1, 'b-svc'),
          issuance('2026-03-02', 'Zeta', 2, 'b-svc'),
          issuance('2026-03-01', 'alpha', 3, 'b-svc'),
          issuance('2026-03-02', 'alpha', 4, 'B-svc'),
          issuance('2026-03-02', 'alpha', 5, 'a-svc'),
          issuance('2026-03-02', 'éclair', 6, 'a-svc'),
        ],
        [card('u-alpha', 'alpha', '2026-03-01'), card('u-Zeta', 'Zeta', '2026-03-01'), card('u-eclair', 'éclair', '2026-03-01')],
      );
      expect((await store.reportData()).issued.map((i) => `${i.day} ${i.serviceId} ${i.code} ${i.count}`)).toEqual([
        '2026-03-01 b-svc alpha 3',
        '2026-03-02 B-svc alpha 4',
        '2026-03-02 a-svc alpha 5',
        '2026-03-02 a-svc éclair 6',
        '2026-03-02 b-svc Zeta 2',
        '2026-03-02 b-svc alpha 1',
      ]);

      await store.recordFeedback('b-svc', [accepted('u-alpha', '2026-03-02T10:00:00Z'), accepted('u-none', '2026-03-02T11:00:00Z')], RECEIVED);
      await store.recordFeedback(
        'a-svc',
        [accepted('u-eclair', '2026-03-02T09:00:00Z'), accepted('u-alpha', '2026-03-02T12:00:00Z'), accepted('u-Zeta', '2026-03-02T08:00:00Z')],
        RECEIVED,
      );
      await store.recordFeedback('B-svc', [accepted('u-alpha', '2026-03-03T07:00:00Z'), accepted('u-alpha', '2026-03-02T07:00:00Z')], RECEIVED);
      await store.recordFeedback('a-svc', [accepted('u-none', '2026-03-02T13:00:00Z'), accepted('u-Zeta', '2026-03-01T23:00:00Z')], RECEIVED);
      await store.recordFeedback('a-svc', [accepted('u-alpha', '2026-03-02T06:00:00Z')], RECEIVED);
      expect((await store.reportData()).feedback.map((f) => `${f.outcomeTimestamp} ${f.serviceId} ${f.code ?? '-'}`)).toEqual([
        '2026-03-01T23:00:00Z a-svc Zeta',
        '2026-03-02T07:00:00Z B-svc alpha',
        '2026-03-02T13:00:00Z a-svc -',
        '2026-03-02T08:00:00Z a-svc Zeta',
        '2026-03-02T12:00:00Z a-svc alpha',
        '2026-03-02T06:00:00Z a-svc alpha',
        '2026-03-02T09:00:00Z a-svc éclair',
        '2026-03-02T11:00:00Z b-svc -',
        '2026-03-02T10:00:00Z b-svc alpha',
        '2026-03-03T07:00:00Z B-svc alpha',
      ]);
    });

    it('two stores on one database (replicas): counts add up and a batch sent to both is stored once', async () => {
      const location = await backend.fresh();
      const first = await open(location);
      const second = await open(location);
      const keys = ['a', 'b', 'c', 'd', 'e'].map((code) => issuance('2026-03-01', code, 1));
      const cards = keys.map((k) => card(`u-${k.code}`, k.code, '2026-03-01'));
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first.recordIssued(keys, cards) : second.recordIssued([...keys].reverse(), [...cards].reverse()))),
      );
      expect((await first.reportData()).issued.map((i) => i.count)).toEqual([20, 20, 20, 20, 20]);
      const batch = keys.map((k, i) => accepted(`u-${k.code}`, `2026-03-01T0${i}:00:00Z`));
      const news = await Promise.all([first.recordFeedback(SVC, batch, RECEIVED), second.recordFeedback(SVC, [...batch].reverse(), RECEIVED)]);
      expect(news[0] + news[1]).toBe(5);
      expect((await second.reportData()).feedback).toHaveLength(5);
    });

    it('keeps its data when reopened, and runs each migration once', async () => {
      const location = await backend.fresh();
      const migrations = readMigrations(backend.kind).map((m) => m.version);
      const first = await open(location);
      await first.recordFeedback(SVC, [accepted('u-1', '2026-03-01T10:00:00Z')], RECEIVED);
      await first.recordIssued([issuance('2026-03-01', 'a', 1)], [card('u-1', 'a', '2026-03-01')]);
      const before = await first.reportData();
      await first.close();
      for (let i = 0; i < 2; i++) {
        const again = await open(location);
        expect(await again.reportData()).toEqual(before);
        await again.close();
      }
      expect(before.feedback).toEqual([stored({ cardUuid: 'u-1', code: 'a', outcomeTimestamp: '2026-03-01T10:00:00Z' })]);
      expect(await backend.appliedVersions(location)).toEqual(migrations);
    });
  });
}

storeContract(sqlite);
storeContract(postgres);

// ---------------------------------------------------------------------------------------------------
// PostgreSQL only.

function captureLogs(): { logger: pino.Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
  return { logger, lines };
}

async function waitFor(what: string, check: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

function claim(store: CardStore, issuer: string, jti: string, forgetAfterMs: number): Promise<boolean> {
  if (!store.claimJti) throw new Error(`the ${store.kind} store has no claimJti`);
  return store.claimJti(issuer, jti, forgetAfterMs);
}

describe('PostgreSQL store', () => {
  const ISS = 'https://issuer.example.org';

  it('claims a jti once while it lives: new, replay, another issuer, expired then new again', async () => {
    const store = await open(await postgres.fresh());
    const later = Date.now() + 60_000;
    expect(await claim(store, ISS, 'jti-1', later)).toBe(false);
    expect(await claim(store, ISS, 'jti-1', later)).toBe(true);
    expect(await claim(store, ISS, 'jti-1', later + 60_000)).toBe(true);
    expect(await claim(store, 'https://other.example.org', 'jti-1', later)).toBe(false);
    expect(await claim(store, ISS, 'jti-2', later)).toBe(false);
    // Recorded already expired: the next claim is new again, and the one after a replay.
    expect(await claim(store, ISS, 'jti-past', Date.now() - 1_000)).toBe(false);
    expect(await claim(store, ISS, 'jti-past', later)).toBe(false);
    expect(await claim(store, ISS, 'jti-past', later)).toBe(true);
    // Expiring while we wait (a window wide enough for a loaded machine).
    const soon = Date.now() + 1_500;
    expect(await claim(store, ISS, 'jti-soon', soon)).toBe(false);
    expect(await claim(store, ISS, 'jti-soon', soon)).toBe(true);
    await sleep(Math.max(0, soon - Date.now()) + 300);
    expect(await claim(store, ISS, 'jti-soon', later)).toBe(false);
    expect(await claim(store, ISS, 'jti-soon', later)).toBe(true);
  });

  it('two replicas claiming the same jtis at once: exactly one gets "new" for each', async () => {
    const url = await postgres.fresh();
    const [a, b] = await Promise.all([open(url), open(url)]);
    const jtis = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    const forgetAfter = Date.now() + 60_000;
    const answers = await Promise.all(
      jtis.map(async (jti, i) => {
        const pair = i % 2 === 0 ? [a, b] : [b, a];
        return Promise.all(pair.map((s) => claim(s, ISS, jti, forgetAfter)));
      }),
    );
    for (const pair of answers) expect([...pair].sort()).toEqual([false, true]);
  });

  it('purges expired jtis and old write ids now and then', async () => {
    const url = await postgres.fresh();
    await (await open(url)).close();
    await withClient(url, (c) =>
      c.query(`INSERT INTO applied_write (id, applied_at) VALUES ('00000000-0000-4000-8000-000000000001', now() - interval '2 hours')`),
    );
    const store = await open(url);
    expect(await claim(store, ISS, 'old', Date.now() - 1_000)).toBe(false);
    expect(await claim(store, ISS, 'live', Date.now() + 60_000)).toBe(false);
    await store.recordFeedback(SVC, [accepted('u-1', '2026-03-01T10:00:00Z')], RECEIVED);
    await store.close(); // waits for a purge under way
    expect(await postgres.select(url, 'SELECT jti FROM jti_seen ORDER BY jti')).toEqual([{ jti: 'live' }]);
    const writes = await postgres.select(url, `SELECT id FROM applied_write WHERE id = '00000000-0000-4000-8000-000000000001'`);
    expect(writes).toEqual([]);
  });

  it('replicas opening a fresh database together migrate it once, without error', async () => {
    const url = await postgres.fresh();
    const stores = await Promise.all([open(url), open(url), open(url)]);
    expect(stores.map((s) => s.kind)).toEqual(['postgres', 'postgres', 'postgres']);
    expect(await postgres.select(url, 'SELECT version, name FROM schema_migrations ORDER BY version')).toEqual(
      readMigrations('postgres').map((m) => ({ version: m.version, name: m.name })),
    );
    expect(await stores[2].recordFeedback(SVC, [accepted('u-1', '2026-03-01T10:00:00Z')], RECEIVED)).toBe(1);
  });

  it('retries a query whose connection was lost (idle or mid-query), and never logs the password', async () => {
    const url = await postgres.fresh();
    const password = decodeURIComponent(new URL(url).password);
    expect(password.length).toBeGreaterThan(8);
    const { logger, lines } = captureLogs();
    const store = track(await openPostgresStore(url, { logger, poolSize: 2 }));
    const ours = `application_name = 'relapsed-all-cds' AND datname = current_database()`;

    await withClient(url, async (admin) => {
      // Idle: the pool's connections are cut; the next write finds its way.
      const idle = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${ours}`);
      expect(idle.rowCount).toBeGreaterThan(0);
      expect(await store.recordFeedback(SVC, [accepted('u-1', '2026-03-01T10:00:00Z')], RECEIVED)).toBe(1);

      // Mid-query: the write waits on a lock when its connection is cut; it is retried and goes through once.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE feedback IN ACCESS EXCLUSIVE MODE');
      const pending = store.recordFeedback(SVC, [accepted('u-2', '2026-03-01T11:00:00Z'), accepted('u-1', '2026-03-01T10:00:00Z')], RECEIVED);
      await waitFor(
        'the write to wait on the lock',
        async () => ((await admin.query(`SELECT pid FROM pg_stat_activity WHERE ${ours} AND wait_event_type = 'Lock'`)).rowCount ?? 0) > 0,
      );
      const cut = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE ${ours} AND wait_event_type = 'Lock'`);
      expect(cut.rowCount).toBe(1);
      await sleep(100);
      await admin.query('ROLLBACK');
      expect(await pending).toBe(1);
    });

    expect((await store.reportData()).feedback.map((f) => f.cardUuid)).toEqual(['u-1', 'u-2']);
    const retried = lines.map((l) => JSON.parse(l) as { msg: string; op?: string; err?: { code?: string } }).filter((l) => /retrying/.test(l.msg));
    expect(retried).toContainEqual(expect.objectContaining({ op: 'recordFeedback', err: expect.objectContaining({ code: '57P01' }) }));
    expect(lines.join('\n')).not.toContain(password);
  });

  it('a write that fails for another reason is not retried', async () => {
    const { logger, lines } = captureLogs();
    const store = track(await openPostgresStore(await postgres.fresh(), { logger }));
    const bad = { card: 'u-bad', outcome: 'rejected', outcomeTimestamp: '2026-03-02T08:00:00Z' } as unknown as FeedbackItem;
    await expect(store.recordFeedback(SVC, [bad])).rejects.toMatchObject({ code: '23514' });
    expect(lines.filter((l) => l.includes('retrying'))).toEqual([]);
  });

  it('a database that cannot be reached fails the open after the retries, without the password', async () => {
    const port = await freePort();
    const { logger, lines } = captureLogs();
    const started = Date.now();
    const error = await openPostgresStore(`postgres://cds:Sup3rSecretPw@127.0.0.1:${port}/cards`, { logger, retries: 2 }).then(
      () => new Error('opened'),
      (err: unknown) => err as Error,
    );
    expect(error.message).toMatch(/could not open PostgreSQL at postgres:\/\/cds:\*\*\*@127\.0\.0\.1:\d+\/cards: .*ECONNREFUSED/);
    expect(error.message).not.toContain('Sup3rSecretPw');
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
    expect(lines.join('\n')).not.toContain('Sup3rSecretPw');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });
});

// ---------------------------------------------------------------------------------------------------
// openCardStore loads pg only for a PostgreSQL URL (a process of its own: jest's module registry is not Node's).

describe('openCardStore', () => {
  it('opens a SQLite file without loading pg, and loads pg for a postgres:// URL', async () => {
    const port = await freePort();
    // The sources compiled as the build compiles them (CommonJS: a dynamic import() is a deferred require).
    const script = `
      const ts = require('typescript');
      const fs = require('node:fs');
      require.extensions['.ts'] = (m, filename) => {
        const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
        m._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: options, fileName: filename }).outputText, filename);
      };
      const pgLoaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/pg/'));
      const { openCardStore } = require('./src/feedback/open-store.ts');
      (async () => {
        const store = await openCardStore(process.argv[1]);
        const sqlite = { kind: store.kind, pg: pgLoaded() };
        await store.close();
        const refused = await openCardStore('postgresql://cds:pw@127.0.0.1:' + process.argv[2] + '/cards').then(() => 'opened', (e) => e.message);
        console.log(JSON.stringify({ sqlite, postgres: { pg: pgLoaded(), refused } }));
      })();`;
    const file = join(sqliteDir, 'open-store', 'cards.sqlite');
    const { stdout } = await run(process.execPath, ['-e', script, file, String(port)], { cwd: join(__dirname, '..', '..'), timeout: 60_000 });
    const answer = JSON.parse(stdout);
    expect(answer.sqlite).toEqual({ kind: 'sqlite', pg: false });
    expect(answer.postgres.pg).toBe(true);
    expect(answer.postgres.refused).toMatch(/could not open PostgreSQL at postgresql:\/\/cds:\*\*\*@127\.0\.0\.1:\d+\/cards: .*ECONNREFUSED/);
  });
});

// ---------------------------------------------------------------------------------------------------
// SQLite: a database of the first release (001 only) is upgraded.

describe('SQLite store upgrade', () => {
  it('upgrades a database of the first release: the comment becomes its length, the display and the text are dropped', async () => {
    const dir = join(sqliteDir, 'release-1');
    const file = join(dir, 'feedback.sqlite');
    // Created as the first release did.
    mkdirSync(dir, { recursive: true });
    const db = new Database(file);
    db.exec(readMigrations('sqlite')[0].sql);
    db.pragma('user_version = 1');
    db.prepare(
      `INSERT INTO feedback (service_id, card_uuid, outcome, override_reason_system, override_reason_code, override_reason_display, user_comment,
         outcome_timestamp, received_at) VALUES (?, ?, 'overridden', ?, ?, ?, 'abc', ?, ?)`,
    ).run(SVC, 'u-old', 'https://example.org/reasons', 'other', 'An old display', '2026-03-01T23:30:00-05:00', RECEIVED);
    db.close();

    const store = track(new SqliteCardStore(file));
    const columns = (await sqlite.select(file, `SELECT name FROM pragma_table_info('feedback')`)).map((c) => c.name);
    expect(columns).toContain('comment_length');
    expect(columns).not.toContain('user_comment');
    expect(columns).not.toContain('override_reason_display');
    expect(await sqlite.select(file, 'SELECT comment_length, outcome_day FROM feedback')).toEqual([{ comment_length: 3, outcome_day: '2026-03-02' }]);
    expect(await sqlite.appliedVersions(file)).toEqual(readMigrations('sqlite').map((m) => m.version));
    expect((await store.reportData({ since: '2026-03-02', until: '2026-03-02' })).feedback).toEqual([
      stored({
        cardUuid: 'u-old',
        outcome: 'overridden',
        reasonSystem: 'https://example.org/reasons',
        reasonCode: 'other',
        commentLength: 3,
        outcomeTimestamp: '2026-03-01T23:30:00-05:00',
      }),
    ]);
    const tables = await sqlite.select(file, `SELECT sql FROM sqlite_master WHERE name = 'feedback'`);
    expect(JSON.stringify(tables)).not.toMatch(/user_comment|override_reason_display/);
  });
});
