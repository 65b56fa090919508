/**
 * Structured logs (pino). The FHIR access token, the JWT and any
 * Authorization header are never logged; patient ids appear only as a salted
 * hash (`patientRef`), enough to correlate log lines, not to identify anyone.
 */
import { createHash, randomBytes } from 'node:crypto';
import pino, { type DestinationStream, type Logger } from 'pino';

const SALT = randomBytes(16);

export function hashIdentifier(value: string): string {
  return createHash('sha256').update(SALT).update(value).digest('hex').slice(0, 16);
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'headers.authorization',
  'authorization',
  'fhirAuthorization',
  '*.fhirAuthorization',
  'access_token',
  '*.access_token',
  'token',
  '*.token',
  'patientId',
  '*.patientId',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'relapsed-all-cds' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
