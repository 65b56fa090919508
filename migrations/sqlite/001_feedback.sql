-- Card feedback as the first release stored it (kept as written: databases from then start here).
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
