-- Issue #11: a comment is kept as its length only (its text may name the patient), the reason as its
-- code (the display comes from the catalog); cards issued are counted per day and card code, and each
-- issued card uuid (a keyed hash) maps to its card code, so feedback can be read per code.
ALTER TABLE feedback ADD COLUMN comment_length INTEGER;
UPDATE feedback SET comment_length = length(user_comment) WHERE user_comment IS NOT NULL;
ALTER TABLE feedback DROP COLUMN user_comment;
ALTER TABLE feedback DROP COLUMN override_reason_display;
-- The outcome's UTC day, for reports by date range (SQLite's date() reads the offset).
ALTER TABLE feedback ADD COLUMN outcome_day TEXT;
UPDATE feedback SET outcome_day = date(outcome_timestamp);
CREATE INDEX feedback_outcome_day ON feedback (outcome_day);

CREATE TABLE issued_card (
  uuid TEXT PRIMARY KEY,
  service_id TEXT NOT NULL,
  code TEXT NOT NULL,
  first_day TEXT NOT NULL
);

CREATE TABLE card_issuance (
  day TEXT NOT NULL,
  service_id TEXT NOT NULL,
  code TEXT NOT NULL,
  count INTEGER NOT NULL CHECK (count >= 0),
  PRIMARY KEY (day, service_id, code)
);
