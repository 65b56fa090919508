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

/** Log lines held while stdout does not drain (a stalled or vanished log reader); beyond this, lines are dropped. */
const MAX_BUFFERED_LOG_BYTES = 8 * 1024 * 1024;

/**
 * Standard output, written asynchronously: a log reader that stops reading (a
 * full pipe) or goes away (EPIPE) must never block or crash the service, so
 * writes are buffered up to a bound and then dropped, and write errors are
 * swallowed. `flushLogs` writes out what is buffered at shutdown.
 */
function stdoutDestination(): DestinationStream & { flushSync?: () => void } {
  const dest = pino.destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_LOG_BYTES });
  dest.on('error', () => undefined);
  return dest;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'relapsed-all-cds' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? stdoutDestination(),
  );
}

/** Write out buffered log lines, giving up after `timeoutMs` (a stalled reader must not hold the exit). */
export function flushLogs(logger: Logger, timeoutMs = 1000): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    try {
      logger.flush(() => {
        clearTimeout(timer);
        resolve();
      });
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export type { Logger };
