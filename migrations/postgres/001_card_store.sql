-- The card store in PostgreSQL (issue #11): the same data as migrations/sqlite once upgraded (001 + 002).
-- A comment is kept as its length only (its text may name the patient), the override reason as its system
-- and code (the display comes from the catalog), the outcome's UTC day for reports by date range. Cards
-- issued are counted per day and card code, and each issued card uuid (a keyed hash) maps to its card code.
-- Timestamps and days are TEXT, exactly as the service wrote them (no time zone conversion on the way back).
-- Text that is ordered or compared uses the "C" collation (byte order): what SQLite's BINARY collation
-- does, whatever locale the database was created with.
CREATE TABLE feedback (
  id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  service_id TEXT COLLATE "C" NOT NULL,
  card_uuid TEXT COLLATE "C" NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'overridden')),
  -- JSON array of the suggestion ids taken, or NULL.
  accepted_suggestions TEXT,
  override_reason_system TEXT,
  override_reason_code TEXT,
  -- Characters (code points) of the clinician's comment; NULL when none. Never its text.
  comment_length INTEGER,
  outcome_timestamp TEXT COLLATE "C" NOT NULL,
  outcome_day TEXT COLLATE "C" NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (service_id, card_uuid, outcome, outcome_timestamp)
);
CREATE INDEX feedback_card ON feedback (card_uuid);
CREATE INDEX feedback_outcome_day ON feedback (outcome_day);

CREATE TABLE issued_card (
  uuid TEXT COLLATE "C" PRIMARY KEY,
  service_id TEXT COLLATE "C" NOT NULL,
  code TEXT COLLATE "C" NOT NULL,
  first_day TEXT COLLATE "C" NOT NULL
);

CREATE TABLE card_issuance (
  day TEXT COLLATE "C" NOT NULL,
  service_id TEXT COLLATE "C" NOT NULL,
  code TEXT COLLATE "C" NOT NULL,
  count BIGINT NOT NULL CHECK (count >= 0),
  PRIMARY KEY (day, service_id, code)
);

-- One row per write (a feedback batch, an issuance batch), keyed by an id the service draws for it, so
-- that a write retried after its connection was lost at COMMIT is applied once (counts are added, not
-- set) and answers as the first attempt did. Rows older than an hour are purged now and then.
CREATE TABLE applied_write (
  id UUID PRIMARY KEY,
  result INTEGER NOT NULL DEFAULT 0,
  applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX applied_write_applied_at ON applied_write (applied_at);
