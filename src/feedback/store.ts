/**
 * Card feedback, kept in a SQLite file (better-sqlite3). Stores what the
 * clinician did with a card (accepted / overridden, which suggestions, the
 * override reason), never a patient identifier or a token. Duplicates (a
 * client resending a batch) are stored once.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface FeedbackItem {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: { system?: string; code: string; display?: string }; userComment?: string };
  outcomeTimestamp: string;
}

export interface FeedbackRow {
  service_id: string;
  card_uuid: string;
  outcome: string;
  accepted_suggestions: string | null;
  override_reason_system: string | null;
  override_reason_code: string | null;
  override_reason_display: string | null;
  user_comment: string | null;
  outcome_timestamp: string;
  received_at: string;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS feedback (
  id INTEGER PRIMARY KEY,
  service_id TEXT NOT NULL,
  card_uuid TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  accepted_suggestions TEXT,
  override_reason_system TEXT,
  override_reason_code TEXT,
  override_reason_display TEXT,
  user_comment TEXT,
  outcome_timestamp TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (service_id, card_uuid, outcome, outcome_timestamp)
);
CREATE INDEX IF NOT EXISTS feedback_card ON feedback (card_uuid);
`;

export class FeedbackStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly insertMany: (serviceId: string, items: FeedbackItem[], receivedAt: string) => number;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 2000');
    this.db.exec(SCHEMA);
    this.insert = this.db.prepare(
      `INSERT OR IGNORE INTO feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason_system, override_reason_code,
        override_reason_display, user_comment, outcome_timestamp, received_at)
       VALUES (@serviceId, @card, @outcome, @accepted, @reasonSystem, @reasonCode, @reasonDisplay, @comment, @timestamp, @receivedAt)`,
    );
    this.insertMany = this.db.transaction((serviceId: string, items: FeedbackItem[], receivedAt: string) => {
      let n = 0;
      for (const item of items) {
        const reason = item.overrideReason?.reason;
        n += this.insert.run({
          serviceId,
          card: item.card,
          outcome: item.outcome,
          accepted: item.acceptedSuggestions ? JSON.stringify(item.acceptedSuggestions.map((s) => s.id)) : null,
          reasonSystem: reason?.system ?? null,
          reasonCode: reason?.code ?? null,
          reasonDisplay: reason?.display ?? null,
          comment: item.overrideReason?.userComment ?? null,
          timestamp: item.outcomeTimestamp,
          receivedAt,
        }).changes;
      }
      return n;
    });
  }

  /** Store a batch (in one transaction); returns how many were new. */
  record(serviceId: string, items: FeedbackItem[], receivedAt = new Date().toISOString()): number {
    return this.insertMany(serviceId, items, receivedAt);
  }

  close(): void {
    this.db.close();
  }
}
