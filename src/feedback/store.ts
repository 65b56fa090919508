/**
 * The card store (issue #11): what clinicians did with the cards (feedback),
 * how many cards were issued (per day and card code), and which card code each
 * issued card uuid stands for, so a committee can read acceptance as a rate.
 * Never a patient identifier, a token or a comment's text: card uuids are
 * keyed hashes (cards/card-id.ts), comments are kept as their length.
 *
 * One interface, two stores: SQLite (the embedded default, one process) and
 * PostgreSQL (`CDS_FEEDBACK_DB=postgres://…`: replicas share it, and it holds
 * the shared jti replay cache). test/integration/store-contract.test.ts runs
 * the same suite against both.
 */

/** One feedback item as the CDS Hooks client sends it (validated by FeedbackSchema). */
export interface FeedbackItem {
  card: string;
  outcome: 'accepted' | 'overridden';
  acceptedSuggestions?: { id: string }[];
  overrideReason?: { reason?: { system?: string; code: string; display?: string }; userComment?: string };
  outcomeTimestamp: string;
}

/** Cards of one code issued by one service on one day (UTC, `YYYY-MM-DD`). */
export interface Issuance {
  day: string;
  serviceId: string;
  code: string;
  count: number;
}

/** An issued card: its uuid and the card code it stands for (no patient data). */
export interface IssuedCard {
  uuid: string;
  serviceId: string;
  code: string;
  /** The first day it was issued (UTC, `YYYY-MM-DD`). */
  day: string;
}

/** A feedback item as stored. */
export interface StoredFeedback {
  serviceId: string;
  cardUuid: string;
  /** The card code, when the uuid is one this store saw issued; null otherwise. */
  code: string | null;
  outcome: 'accepted' | 'overridden';
  /** Ids of the suggestions taken (empty when none). */
  acceptedSuggestions: string[];
  reasonSystem: string | null;
  reasonCode: string | null;
  /** Length of the clinician's comment in characters (its text is never kept); null when none. */
  commentLength: number | null;
  /** As the client sent it (ISO 8601). */
  outcomeTimestamp: string;
  /** When this service stored it (ISO 8601, UTC). */
  receivedAt: string;
}

/** Inclusive UTC days, `YYYY-MM-DD`; open ends when absent. */
export interface DayRange {
  since?: string;
  until?: string;
}

/** What the committee report reads: issuance counts by day, and feedback whose outcome day is in the range. */
export interface ReportData {
  issued: Issuance[];
  feedback: StoredFeedback[];
}

export interface CardStore {
  readonly kind: 'sqlite' | 'postgres';
  /** Store a batch in one transaction; a resent item (same service, card, outcome and timestamp) is stored once. Returns how many were new. */
  recordFeedback(serviceId: string, items: FeedbackItem[], receivedAt?: string): Promise<number>;
  /** Add issuance counts, and remember the card code of each uuid (first day kept). */
  recordIssued(counts: Issuance[], cards: IssuedCard[]): Promise<void>;
  /** Issuance counts with day in the range, and feedback whose outcome day (UTC) is in the range; ordered by day, then service and code. */
  reportData(range?: DayRange): Promise<ReportData>;
  /**
   * The shared jti replay cache (PostgreSQL only: replicas share it). Records
   * (issuer, jti) until `forgetAfterMs` (epoch ms) if absent or expired, and
   * answers whether it was already recorded and still live.
   */
  claimJti?(issuer: string, jti: string, forgetAfterMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** A `postgres://` or `postgresql://` URL names the shared PostgreSQL store; anything else is a SQLite file path. */
export function isPostgresUrl(location: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(location);
}
