/**
 * In-memory `jti` replay cache. Each (iss, jti) is kept until its token's
 * `exp` plus the clock skew (a token is still accepted that long), and the
 * cache is bounded: when full it drops expired entries first, then the
 * oldest. One process only: behind several replicas each keeps its own set.
 *
 * Only tokens whose signature and claims have been verified are recorded, so
 * a forged token cannot push out real entries or block a real `jti`.
 */
export interface ReplayCacheOptions {
  /** Maximum entries kept (default 10 000). */
  maxEntries?: number;
  /** Seconds added to `exp` before an entry is forgotten (default 60). */
  skewSeconds?: number;
  /** Clock in milliseconds (tests). */
  now?: () => number;
}

export const DEFAULT_REPLAY_CACHE_SIZE = 10_000;

export class ReplayCache {
  /** key -> forget-after (ms). Map keeps insertion order: first = oldest. */
  private readonly entries = new Map<string, number>();
  private readonly maxEntries: number;
  private readonly skewMs: number;
  private readonly now: () => number;
  /** No entry expires before this (ms); lets a full cache skip useless sweeps. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  constructor(options: ReplayCacheOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_REPLAY_CACHE_SIZE;
    if (!Number.isInteger(max) || max < 1) throw new RangeError('replay cache maxEntries must be a positive integer');
    this.maxEntries = max;
    this.skewMs = Math.max(0, options.skewSeconds ?? 60) * 1000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Record (iss, jti) until `exp` (seconds since the epoch) + skew, and
   * answer whether it was already recorded and still live.
   */
  seen(iss: string, jti: string, exp: number): boolean {
    const key = `${iss.length}:${iss}|${jti}`;
    const now = this.now();
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      if (existing > now) return true;
      this.entries.delete(key);
    }
    if (this.entries.size >= this.maxEntries) this.makeRoom(now);
    const forgetAfter = exp * 1000 + this.skewMs;
    this.entries.set(key, forgetAfter);
    if (forgetAfter < this.earliestExpiry) this.earliestExpiry = forgetAfter;
    return false;
  }

  private makeRoom(now: number): void {
    if (this.earliestExpiry <= now) {
      let earliest = Number.POSITIVE_INFINITY;
      for (const [key, forgetAfter] of this.entries) {
        if (forgetAfter <= now) this.entries.delete(key);
        else if (forgetAfter < earliest) earliest = forgetAfter;
      }
      this.earliestExpiry = earliest;
    }
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
