-- The shared jti replay cache: (issuer, jti) of each verified token, kept until forget_after (epoch ms,
-- the token's exp plus the clock skew), so that replicas reject a token replayed to any of them.
-- claim_id is drawn by the replica for each claim: a claim retried after a lost connection finds its own
-- row and is not taken for a replay. Expired rows are purged now and then.
CREATE TABLE jti_seen (
  issuer TEXT COLLATE "C" NOT NULL,
  jti TEXT COLLATE "C" NOT NULL,
  forget_after BIGINT NOT NULL,
  claim_id UUID NOT NULL,
  PRIMARY KEY (issuer, jti)
);
CREATE INDEX jti_seen_forget_after ON jti_seen (forget_after);
