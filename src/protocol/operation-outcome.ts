/**
 * Errors a client can cause, each with its HTTP status and a FHIR
 * OperationOutcome body. Nothing else (no stack, no internals) reaches a client.
 */
export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'not-found'
  | 'not-supported'
  | 'too-costly'
  | 'security'
  | 'login'
  | 'exception'
  | 'timeout'
  | 'transient'
  | 'incomplete'
  | 'processing';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  issue: { severity: 'fatal' | 'error' | 'warning' | 'information'; code: IssueCode; diagnostics: string }[];
}

export class CdsError extends Error {
  constructor(
    readonly status: number,
    readonly code: IssueCode,
    message: string,
    /** Logged, never sent to the client. */
    readonly internalReason?: string,
  ) {
    super(message);
  }
}

export function operationOutcome(code: IssueCode, diagnostics: string, severity: 'fatal' | 'error' | 'warning' = 'error'): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}
