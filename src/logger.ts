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

/** Log bytes held while stdout does not drain (a stalled or vanished log reader); beyond this, lines are dropped. */
const MAX_BUFFERED_LOG_BYTES = 8 * 1024 * 1024;

/**
 * Standard output as the log destination, never blocking: Node writes a pipe
 * without blocking the event loop and queues what the reader has not taken
 * yet; past the bound, lines are dropped, and write errors (EPIPE: the reader
 * went away) are ignored. (pino's own destination writes from libuv's thread
 * pool; a write stuck on a full pipe there also blocks the process's exit.)
 */
function stdoutDestination(): DestinationStream {
  process.stdout.on('error', () => undefined);
  return {
    write(line: string): void {
      if (process.stdout.writableLength > MAX_BUFFERED_LOG_BYTES) return;
      try {
        process.stdout.write(line);
      } catch {
        // A closed stdout: logging stops, the service does not.
      }
    },
  };
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

/** Before exiting: let queued log lines reach stdout, giving up after `timeoutMs` (a stalled reader must not hold the exit). */
export function flushLogs(timeoutMs = 1000): Promise<void> {
  return new Promise<void>((resolve) => {
    if (process.stdout.writableLength === 0) {
      resolve();
      return;
    }
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    process.stdout.once('drain', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

export type { Logger };
