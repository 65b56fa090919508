/**
 * A feedback item as both stores keep it: the reason as its system and code
 * (the display is the catalog's), a comment as its length in characters
 * (never its text), and the outcome's UTC day for reports by date.
 */
import type { FeedbackItem } from './store';

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
