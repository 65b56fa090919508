/**
 * Cards issued, counted per UTC day, service and card code, and each card
 * uuid's code (issue #11: acceptance as a rate, accepted / issued). Counted in
 * memory as invocations are answered and written to the store in batches
 * (`flushMs` after the first count not yet written, and on shutdown), so an
 * invocation never waits for the database, and an idle service holds no timer. A failed write keeps the counts for the next one; a crash loses at
 * most one interval's counts (feedback itself is written before it is
 * acknowledged).
 */
import type { Logger } from 'pino';
import type { CardStore, Issuance, IssuedCard } from './store';

export interface IssuanceOptions {
  /** Milliseconds between writes (default 2000). */
  flushMs?: number;
  logger?: Logger;
  /** Clock, epoch ms (tests). */
  now?: () => number;
  /** Distinct card uuids held before a write is forced (default 10 000): bounds memory when writes are slow. */
  maxPending?: number;
}

export class IssuanceRecorder {
  private counts = new Map<string, Issuance>();
  private cards = new Map<string, IssuedCard>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private writing: Promise<void> = Promise.resolve();
  private readonly now: () => number;
  private readonly maxPending: number;

  constructor(
    private readonly store: () => Promise<CardStore>,
    private readonly options: IssuanceOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxPending = options.maxPending ?? 10_000;
  }

  /** A write `flushMs` from now, unless one is already due. */
  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.options.flushMs ?? 2000);
    this.timer.unref();
  }

  /** One answered invocation's cards: `codes[i]` is the code of the card whose uuid is `uuids[i]`. */
  add(serviceId: string, codes: readonly string[], uuids: readonly string[]): void {
    if (codes.length === 0) return;
    const day = new Date(this.now()).toISOString().slice(0, 10);
    codes.forEach((code, i) => {
      const key = `${day}|${serviceId}|${code}`;
      const c = this.counts.get(key);
      if (c) c.count += 1;
      else this.counts.set(key, { day, serviceId, code, count: 1 });
      const uuid = uuids[i];
      if (uuid && !this.cards.has(uuid)) this.cards.set(uuid, { uuid, serviceId, code, day });
    });
    if (this.cards.size >= this.maxPending) void this.flush();
    else this.schedule();
  }

  /** Write what was counted since the last write (one write at a time). */
  flush(): Promise<void> {
    this.writing = this.writing.then(() => this.writeOnce());
    return this.writing;
  }

  private async writeOnce(): Promise<void> {
    if (this.counts.size === 0 && this.cards.size === 0) return;
    const counts = this.counts;
    const cards = this.cards;
    this.counts = new Map();
    this.cards = new Map();
    try {
      await (await this.store()).recordIssued([...counts.values()], [...cards.values()]);
    } catch (err) {
      // Kept for the next write: merged with whatever was counted meanwhile.
      for (const [key, c] of counts) {
        const now = this.counts.get(key);
        if (now) now.count += c.count;
        else this.counts.set(key, c);
      }
      for (const [uuid, c] of cards) if (!this.cards.has(uuid)) this.cards.set(uuid, c);
      this.options.logger?.error({ reason: (err as Error)?.message?.slice(0, 200) }, 'cards issued: could not write the counts; kept for the next write');
      this.schedule();
    }
  }

  /** Stop the timer and write what is left. */
  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
