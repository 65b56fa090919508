/**
 * Any thrown value as a status and an OperationOutcome body; internal detail
 * (a stack, a parser's message) only in `reason`, for the log, never for the
 * client. Used by the app's error handler and by the answering code (in the
 * request thread or a worker thread), so an error looks the same from both.
 */
import { CdsError, operationOutcome } from '../protocol/operation-outcome';

export function toErrorResponse(err: unknown): { status: number; body: ReturnType<typeof operationOutcome>; reason: string } {
  if (err instanceof CdsError) {
    return { status: err.status, body: operationOutcome(err.code, err.message), reason: err.internalReason ?? err.message };
  }
  const e = err as { type?: string; status?: number; message?: string } | undefined;
  switch (e?.type) {
    case 'entity.parse.failed':
      return { status: 400, body: operationOutcome('structure', 'the request body is not valid JSON'), reason: 'JSON parse failed' };
    case 'entity.too.large':
      return { status: 413, body: operationOutcome('too-costly', 'the request body is too large'), reason: 'body too large' };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, body: operationOutcome('not-supported', 'unsupported content encoding or charset'), reason: e.type };
    case 'request.aborted':
      return { status: 400, body: operationOutcome('incomplete', 'the request was aborted'), reason: 'aborted' };
    case 'request.size.invalid':
      return { status: 400, body: operationOutcome('structure', 'the request body length does not match Content-Length'), reason: e.type };
    default:
      break;
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return { status: e.status, body: operationOutcome('invalid', 'the request could not be processed'), reason: e.message ?? 'client error' };
  }
  return { status: 500, body: operationOutcome('exception', 'internal error'), reason: (err as Error)?.stack ?? String(err) };
}
