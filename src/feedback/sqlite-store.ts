/**
 * The card store in a SQLite file (better-sqlite3): the embedded default, for
 * one process. Migrations are the files in migrations/sqlite, applied in
 * order, each in a transaction, counted in `PRAGMA user_version`.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { readMigrations } from './migrations';
import { feedbackRow, toStored, type FeedbackRow, type SelectedFeedback } from './rows';
import type { CardStore, DayRange, FeedbackItem, Issuance, IssuedCard, ReportData } from './store';

export class SqliteCardStore implements CardStore {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly insertFeedback: (rows: FeedbackRow[]) => number;
  private readonly addIssued: (counts: Issuance[], cards: IssuedCard[]) => void;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 2000');
    this.migrate();
    const insert = this.db.prepare(
      `INSERT INTO feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason_system, override_reason_code,
        comment_length, outcome_timestamp, outcome_day, received_at)
       VALUES (@serviceId, @cardUuid, @outcome, @acceptedSuggestions, @reasonSystem, @reasonCode, @commentLength, @outcomeTimestamp, @outcomeDay, @receivedAt)
       ON CONFLICT (service_id, card_uuid, outcome, outcome_timestamp) DO NOTHING`,
    );
    this.insertFeedback = this.db.transaction((rows: FeedbackRow[]) => rows.reduce((n, row) => n + insert.run(row).changes, 0));
    const count = this.db.prepare(
      `INSERT INTO card_issuance (day, service_id, code, count) VALUES (@day, @serviceId, @code, @count)
       ON CONFLICT (day, service_id, code) DO UPDATE SET count = count + excluded.count`,
    );
    const card = this.db.prepare(
      `INSERT INTO issued_card (uuid, service_id, code, first_day) VALUES (@uuid, @serviceId, @code, @day)
       ON CONFLICT (uuid) DO UPDATE SET first_day = min(first_day, excluded.first_day)`,
    );
    this.addIssued = this.db.transaction((counts: Issuance[], cards: IssuedCard[]) => {
      for (const c of counts) count.run(c);
      for (const c of cards) card.run(c);
    });
  }

  private migrate(): void {
    const applied = this.db.pragma('user_version', { simple: true }) as number;
    for (const m of readMigrations('sqlite')) {
      if (m.version <= applied) continue;
      this.db.transaction(() => {
        this.db.exec(m.sql);
        this.db.pragma(`user_version = ${m.version}`);
      })();
    }
  }

  // async: a failure is a rejected promise, as from the PostgreSQL store (never a synchronous throw).
  async recordFeedback(serviceId: string, items: FeedbackItem[], receivedAt = new Date().toISOString()): Promise<number> {
    return this.insertFeedback(items.map((item) => feedbackRow(serviceId, item, receivedAt)));
  }

  async recordIssued(counts: Issuance[], cards: IssuedCard[]): Promise<void> {
    this.addIssued(counts, cards);
  }

  async reportData(range: DayRange = {}): Promise<ReportData> {
    const since = range.since ?? '0000-01-01';
    const until = range.until ?? '9999-12-31';
    const issued = this.db
      .prepare(
        `SELECT day, service_id AS serviceId, code, count FROM card_issuance
         WHERE day >= ? AND day <= ? ORDER BY day, service_id, code`,
      )
      .all(since, until) as Issuance[];
    const rows = this.db
      .prepare(
        `SELECT f.service_id, f.card_uuid, c.code, f.outcome, f.accepted_suggestions, f.override_reason_system, f.override_reason_code,
           f.comment_length, f.outcome_timestamp, f.received_at
         FROM feedback f LEFT JOIN issued_card c ON c.uuid = f.card_uuid
         WHERE f.outcome_day >= ? AND f.outcome_day <= ? ORDER BY f.outcome_day, f.service_id, c.code, f.id`,
      )
      .all(since, until) as SelectedFeedback[];
    return { issued, feedback: rows.map(toStored) };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
