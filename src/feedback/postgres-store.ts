/**
 * The card store in PostgreSQL (`CDS_FEEDBACK_DB=postgres://…`): several
 * replicas share it, and it holds the shared jti replay cache. It behaves as
 * the SQLite store does (test/integration/store-contract.test.ts runs the
 * same suite against both).
 *
 * - Migrations (migrations/postgres) are applied at open, in one transaction
 *   under an advisory lock, so replicas starting together migrate once; each
 *   applied version is a row of `schema_migrations`.
 * - Writes are batched (one statement per table, from arrays) and rows are
 *   written in key order where replicas may touch the same rows, so two
 *   replicas cannot deadlock each other.
 * - A statement or transaction that fails because the connection was lost
 *   (or on a deadlock) is retried with a short backoff; other errors are
 *   thrown at once. Each write carries an id drawn once per call and recorded
 *   in `applied_write` in the same transaction, so a write whose COMMIT went
 *   through but whose answer was lost is not applied twice on retry (issuance
 *   counts are added) and answers as the first attempt did; a jti claim
 *   carries one too, so its retry is not taken for a replay.
 * - The connection string's password is never logged.
 */
import { randomUUID } from 'node:crypto';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { readMigrations } from './migrations';
import { feedbackRow, toStored, type SelectedFeedback } from './rows';
import type { CardStore, DayRange, FeedbackItem, Issuance, IssuedCard, ReportData } from './store';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  logger?: Logger;
  /** Retries of a query that lost its connection (default 3; 0: none). */
  retries?: number;
}

export const DEFAULT_POOL_SIZE = 10;
const DEFAULT_RETRIES = 3;
/** Wait before each retry; the last one repeats. */
const BACKOFF_MS = [50, 200, 500];
/** Held while migrating (pg_advisory_xact_lock): one replica migrates, the others wait and find it done. */
const MIGRATION_LOCK = 7_241_011_001;
/** How often expired jti rows and old write ids are purged (by whichever replica writes). */
const PURGE_INTERVAL_MS = 60_000;
/** Rows deleted per purge and table at most (a bigger backlog: the next purge comes sooner). */
const PURGE_BATCH = 10_000;
/** Epoch milliseconds by the database's clock (one clock for all replicas; stable in a statement, so indexes serve). */
const NOW_MS = '(extract(epoch from now()) * 1000)::bigint';

/** Node's socket errors and PostgreSQL's connection-class and shutdown SQLSTATEs; deadlock and serialization failures. */
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P01', // admin_shutdown (pg_terminate_backend, a server stopping)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, shutting down)
  '40P01', // deadlock_detected: the transaction was rolled back
  '40001', // serialization_failure
]);

/** The code and message of an error; not by `instanceof Error`: Node's socket errors may come from another realm (jest's sandbox). */
function errorParts(err: unknown): { code?: string; message: string } {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const { code, message } = err as { code?: unknown; message?: unknown };
  return { ...(typeof code === 'string' ? { code } : {}), message: typeof message === 'string' ? message : '(an error without a message)' };
}

export function isRetryableError(err: unknown): boolean {
  const { code, message } = errorParts(err);
  if (code !== undefined && (RETRYABLE_CODES.has(code) || code.startsWith('08'))) return true;
  return /Connection terminated|connection error|not queryable|Client was closed/i.test(message);
}

/** The connection string with its password (userinfo or `password=` parameter) replaced, for logs and errors. */
export function redactConnectionString(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) {
      if (/pass|secret|key/i.test(key)) u.searchParams.set(key, '***');
    }
    return u.toString();
  } catch {
    return '(unparsable connection string)';
  }
}

function passwordsOf(url: string): string[] {
  try {
    const u = new URL(url);
    const found = [u.password, decodeURIComponent(u.password)];
    for (const [key, value] of u.searchParams) if (/pass|secret|key/i.test(key)) found.push(value);
    return found.filter((p) => p.length > 0);
  } catch {
    return [];
  }
}

function scrub(text: string, secrets: string[]): string {
  return secrets.reduce((t, secret) => t.split(secret).join('***'), text);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Byte order of the UTF-8 encodings: the "C" collation's order, and SQLite's BINARY. */
function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

class PostgresCardStore implements CardStore {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;
  private readonly logger: Logger | undefined;
  private readonly retries: number;
  private readonly secrets: string[];
  private readonly where: string;
  private closed = false;
  private closing: Promise<void> | undefined;
  private nextPurgeAt = 0;
  private purging: Promise<void> | undefined;

  constructor(url: string, options: PostgresStoreOptions) {
    this.logger = options.logger;
    this.retries = Math.max(0, Math.floor(options.retries ?? DEFAULT_RETRIES));
    this.secrets = passwordsOf(url);
    this.where = redactConnectionString(url);
    this.pool = new Pool({
      connectionString: url,
      max: options.poolSize ?? DEFAULT_POOL_SIZE,
      application_name: 'relapsed-all-cds',
      connectionTimeoutMillis: 10_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
    });
    // An idle connection that fails (the server restarted, a backend was terminated) is dropped by the
    // pool, which then emits 'error': without a listener that would end the process.
    this.pool.on('error', (err) => this.logger?.warn({ err: this.describe(err), db: this.where }, 'card store: an idle PostgreSQL connection failed'));
  }

  /** An error as logged: its code and message, any password in it replaced. */
  private describe(err: unknown): { code?: string; message: string } {
    const { code, message } = errorParts(err);
    return { ...(code !== undefined ? { code } : {}), message: scrub(message, this.secrets) };
  }

  /** Run `fn`, again after a short wait when it failed for a lost connection (or a deadlock); other errors at once. */
  private async withRetry<T>(op: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= this.retries || this.closed || !isRetryableError(err)) throw err;
        const delayMs = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
        this.logger?.warn({ op, attempt: attempt + 1, delayMs, err: this.describe(err), db: this.where }, 'card store: PostgreSQL query failed, retrying');
        await sleep(delayMs);
      }
    }
  }

  /** One transaction on one pooled connection; a connection that failed is discarded, not returned to the pool. */
  private async transaction<T>(fn: (client: PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
    const client = await this.pool.connect();
    // While checked out the pool does not listen: a connection failing between two queries would
    // otherwise emit an unhandled 'error'.
    let broken: Error | undefined;
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    try {
      await client.query(begin);
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      if (!broken) {
        try {
          await client.query('ROLLBACK');
        } catch (rollbackError) {
          broken = rollbackError instanceof Error ? rollbackError : new Error(errorParts(rollbackError).message);
        }
      }
      throw err;
    } finally {
      client.off('error', onError);
      client.release(broken ?? false);
    }
  }

  /**
   * A write applied once: its id is recorded first (waiting for an earlier attempt still in flight);
   * when an earlier attempt committed, its result is answered and nothing is written again.
   */
  private write(op: string, fn: (client: PoolClient) => Promise<number>): Promise<number> {
    const id = randomUUID();
    const result = this.withRetry(op, () =>
      this.transaction(async (client) => {
        const fresh = await client.query('INSERT INTO applied_write (id) VALUES ($1) ON CONFLICT (id) DO NOTHING', [id]);
        if (fresh.rowCount === 0) {
          const earlier = await client.query<{ result: number }>('SELECT result FROM applied_write WHERE id = $1', [id]);
          return earlier.rows[0]?.result ?? 0;
        }
        const n = await fn(client);
        if (n !== 0) await client.query('UPDATE applied_write SET result = $2 WHERE id = $1', [id, n]);
        return n;
      }),
    );
    this.maybePurge();
    return result;
  }

  async migrate(): Promise<void> {
    const migrations = readMigrations('postgres');
    const applied = await this.withRetry('migrate', () =>
      this.transaction(async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(
          `CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
           )`,
        );
        const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
        const ran: string[] = [];
        for (const m of migrations) {
          if (done.has(m.version)) continue;
          await client.query(m.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
          ran.push(`${m.version}_${m.name}`);
        }
        return ran;
      }),
    );
    if (applied.length > 0) this.logger?.info({ db: this.where, migrations: applied }, 'card store: PostgreSQL migrations applied');
  }

  async recordFeedback(serviceId: string, items: FeedbackItem[], receivedAt = new Date().toISOString()): Promise<number> {
    if (items.length === 0) return 0;
    const rows = items.map((item) => feedbackRow(serviceId, item, receivedAt));
    // In the batch's order (the ids keep insertion order, as SQLite's do); a key seen twice is stored once.
    return this.write('recordFeedback', async (client) => {
      const res = await client.query(
        `INSERT INTO feedback (service_id, card_uuid, outcome, accepted_suggestions, override_reason_system, override_reason_code,
           comment_length, outcome_timestamp, outcome_day, received_at)
         SELECT $1, t.card_uuid, t.outcome, t.accepted_suggestions, t.reason_system, t.reason_code, t.comment_length, t.outcome_timestamp,
           t.outcome_day, $2
         FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[]) WITH ORDINALITY
           AS t(card_uuid, outcome, accepted_suggestions, reason_system, reason_code, comment_length, outcome_timestamp, outcome_day, n)
         ORDER BY t.n
         ON CONFLICT (service_id, card_uuid, outcome, outcome_timestamp) DO NOTHING`,
        [
          serviceId,
          receivedAt,
          rows.map((r) => r.cardUuid),
          rows.map((r) => r.outcome),
          rows.map((r) => r.acceptedSuggestions),
          rows.map((r) => r.reasonSystem),
          rows.map((r) => r.reasonCode),
          rows.map((r) => r.commentLength),
          rows.map((r) => r.outcomeTimestamp),
          rows.map((r) => r.outcomeDay),
        ],
      );
      return res.rowCount ?? 0;
    });
  }

  async recordIssued(counts: Issuance[], cards: IssuedCard[]): Promise<void> {
    // One row per key (an upsert cannot touch a row twice in one statement): counts of a key added, a
    // uuid's service and code from its first mention and its earliest day, as SQLite's row-by-row
    // upserts leave them. In key order, so replicas writing the same keys lock them in the same order.
    const summed = new Map<string, Issuance>();
    for (const c of counts) {
      const key = JSON.stringify([c.day, c.serviceId, c.code]);
      const seen = summed.get(key);
      if (seen) seen.count += c.count;
      else summed.set(key, { ...c });
    }
    const issuance = [...summed.values()].sort((a, b) => compareUtf8(a.day, b.day) || compareUtf8(a.serviceId, b.serviceId) || compareUtf8(a.code, b.code));
    const firsts = new Map<string, IssuedCard>();
    for (const c of cards) {
      const seen = firsts.get(c.uuid);
      if (!seen) firsts.set(c.uuid, { ...c });
      else if (compareUtf8(c.day, seen.day) < 0) seen.day = c.day;
    }
    const issued = [...firsts.values()].sort((a, b) => compareUtf8(a.uuid, b.uuid));
    if (issuance.length === 0 && issued.length === 0) return;

    await this.write('recordIssued', async (client) => {
      if (issuance.length > 0) {
        await client.query(
          `INSERT INTO card_issuance (day, service_id, code, count)
           SELECT t.day, t.service_id, t.code, t.count
           FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS t(day, service_id, code, count, n)
           ORDER BY t.n
           ON CONFLICT (day, service_id, code) DO UPDATE SET count = card_issuance.count + EXCLUDED.count`,
          [issuance.map((c) => c.day), issuance.map((c) => c.serviceId), issuance.map((c) => c.code), issuance.map((c) => c.count)],
        );
      }
      if (issued.length > 0) {
        await client.query(
          `INSERT INTO issued_card (uuid, service_id, code, first_day)
           SELECT t.uuid, t.service_id, t.code, t.first_day
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(uuid, service_id, code, first_day, n)
           ORDER BY t.n
           ON CONFLICT (uuid) DO UPDATE SET first_day = EXCLUDED.first_day WHERE EXCLUDED.first_day < issued_card.first_day`,
          [issued.map((c) => c.uuid), issued.map((c) => c.serviceId), issued.map((c) => c.code), issued.map((c) => c.day)],
        );
      }
      return 0;
    });
  }

  async reportData(range: DayRange = {}): Promise<ReportData> {
    const since = range.since ?? '0000-01-01';
    const until = range.until ?? '9999-12-31';
    // Both reads from one snapshot.
    return this.withRetry('reportData', () =>
      this.transaction(async (client) => {
        const issued = await client.query<{ day: string; service_id: string; code: string; count: string }>(
          `SELECT day, service_id, code, count FROM card_issuance
           WHERE day >= $1 AND day <= $2 ORDER BY day, service_id, code`,
          [since, until],
        );
        const feedback = await client.query<SelectedFeedback>(
          `SELECT f.service_id, f.card_uuid, c.code, f.outcome, f.accepted_suggestions, f.override_reason_system, f.override_reason_code,
             f.comment_length, f.outcome_timestamp, f.received_at
           FROM feedback f LEFT JOIN issued_card c ON c.uuid = f.card_uuid
           WHERE f.outcome_day >= $1 AND f.outcome_day <= $2
           ORDER BY f.outcome_day, f.service_id, c.code NULLS FIRST, f.id`,
          [since, until],
        );
        return {
          // count is a bigint, which pg reads as a string.
          issued: issued.rows.map((r) => ({ day: r.day, serviceId: r.service_id, code: r.code, count: Number(r.count) })),
          feedback: feedback.rows.map(toStored),
        };
      }, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    );
  }

  async claimJti(issuer: string, jti: string, forgetAfterMs: number): Promise<boolean> {
    if (!Number.isFinite(forgetAfterMs)) throw new RangeError('forgetAfterMs must be a finite number of milliseconds');
    const claimId = randomUUID();
    // Inserted if absent, taken over if expired (or if it is this very claim, retried): a row comes
    // back when the claim is new. Two replicas racing on one jti: the second waits for the first's
    // row and finds it live.
    const res = await this.withRetry('claimJti', () =>
      this.query(
        `INSERT INTO jti_seen (issuer, jti, forget_after, claim_id) VALUES ($1, $2, $3, $4)
         ON CONFLICT (issuer, jti) DO UPDATE SET forget_after = EXCLUDED.forget_after, claim_id = EXCLUDED.claim_id
           WHERE jti_seen.forget_after <= ${NOW_MS} OR jti_seen.claim_id = EXCLUDED.claim_id
         RETURNING 1 AS claimed`,
        [issuer, jti, Math.ceil(forgetAfterMs), claimId],
      ),
    );
    this.maybePurge();
    return res.rowCount === 0;
  }

  private query<R extends QueryResultRow>(sql: string, values: unknown[]): Promise<{ rows: R[]; rowCount: number | null }> {
    return this.pool.query<R>(sql, values);
  }

  /** Now and then (by this replica's writes): drop expired jti rows and write ids older than an hour, a bounded batch each. */
  private maybePurge(): void {
    const now = Date.now();
    if (this.closed || this.purging || now < this.nextPurgeAt) return;
    this.nextPurgeAt = now + PURGE_INTERVAL_MS;
    this.purging = this.purge()
      .catch((err: unknown) => this.logger?.warn({ err: this.describe(err), db: this.where }, 'card store: purge failed (tried again later)'))
      .finally(() => {
        this.purging = undefined;
      });
  }

  private async purge(): Promise<void> {
    const jti = await this.pool.query(`DELETE FROM jti_seen WHERE ctid IN (SELECT ctid FROM jti_seen WHERE forget_after < ${NOW_MS} LIMIT ${PURGE_BATCH})`);
    const writes = await this.pool.query(
      `DELETE FROM applied_write WHERE ctid IN
         (SELECT ctid FROM applied_write WHERE applied_at < now() - interval '1 hour' LIMIT ${PURGE_BATCH})`,
    );
    // A backlog: come back soon rather than delete it all at once.
    if ((jti.rowCount ?? 0) >= PURGE_BATCH || (writes.rowCount ?? 0) >= PURGE_BATCH) this.nextPurgeAt = Date.now() + 1_000;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.purging;
      await this.pool.end();
    })();
    return this.closing;
  }
}

/**
 * Open the PostgreSQL card store at `url` (`postgres://user:password@host:port/db`), applying the
 * migrations first. Rejects (without the password in the message) when the database cannot be
 * reached or migrated, after the retries.
 */
export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<CardStore> {
  const store = new PostgresCardStore(url, options);
  try {
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    const { code, message } = errorParts(err);
    throw new Error(
      `card store: could not open PostgreSQL at ${redactConnectionString(url)}: ${scrub(message, passwordsOf(url))}${code !== undefined ? ` (${code})` : ''}`,
    );
  }
  options.logger?.info({ db: redactConnectionString(url), poolSize: options.poolSize ?? DEFAULT_POOL_SIZE }, 'card store: PostgreSQL');
  return store;
}
