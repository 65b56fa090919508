/**
 * A feedback item as both stores keep it: the reason as its system and code
 * (the display is the catalog's), a comment as its length in characters
 * (never its text), and the outcome's UTC day for reports by date.
 */
import type { FeedbackItem, StoredFeedback } from './store';

export interface FeedbackRow {
  serviceId: string;
  cardUuid: string;
  outcome: 'accepted' | 'overridden';
  /** JSON array of the suggestion ids taken, or null. */
  acceptedSuggestions: string | null;
  reasonSystem: string | null;
  reasonCode: string | null;
  commentLength: number | null;
  outcomeTimestamp: string;
  outcomeDay: string;
  receivedAt: string;
}

/** The UTC day (`YYYY-MM-DD`) of an ISO 8601 timestamp with an offset (validated upstream). */
export function utcDay(timestamp: string): string {
  const t = Date.parse(timestamp);
  return Number.isNaN(t) ? timestamp.slice(0, 10) : new Date(t).toISOString().slice(0, 10);
}

export function feedbackRow(serviceId: string, item: FeedbackItem, receivedAt: string): FeedbackRow {
  const reason = item.overrideReason?.reason;
  const comment = item.overrideReason?.userComment;
  return {
    serviceId,
    cardUuid: item.card,
    outcome: item.outcome,
    acceptedSuggestions: item.acceptedSuggestions ? JSON.stringify(item.acceptedSuggestions.map((s) => s.id)) : null,
    reasonSystem: reason?.system ?? null,
    reasonCode: reason?.code ?? null,
    // Characters (code points), not UTF-16 units.
    commentLength: comment === undefined ? null : [...comment].length,
    outcomeTimestamp: item.outcomeTimestamp,
    outcomeDay: utcDay(item.outcomeTimestamp),
    receivedAt,
  };
}

/** A feedback row as both stores select it (joined with its card code). */
export interface SelectedFeedback {
  service_id: string;
  card_uuid: string;
  code: string | null;
  outcome: 'accepted' | 'overridden';
  accepted_suggestions: string | null;
  override_reason_system: string | null;
  override_reason_code: string | null;
  comment_length: number | null;
  outcome_timestamp: string;
  received_at: string;
}

export function toStored(r: SelectedFeedback): StoredFeedback {
  return {
    serviceId: r.service_id,
    cardUuid: r.card_uuid,
    code: r.code,
    outcome: r.outcome,
    acceptedSuggestions: r.accepted_suggestions ? (JSON.parse(r.accepted_suggestions) as string[]) : [],
    reasonSystem: r.override_reason_system,
    reasonCode: r.override_reason_code,
    commentLength: r.comment_length,
    outcomeTimestamp: r.outcome_timestamp,
    receivedAt: r.received_at,
  };
}
