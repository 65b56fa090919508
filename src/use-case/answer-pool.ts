/**
 * The answer worker threads: every core answers invocations while the
 * request thread stays free for I/O, health probes and metrics (a saturated
 * service still answers /health/live at once). Each invocation goes to the
 * least busy thread as its raw body (a string copy; the JSON is parsed in
 * the worker), and comes back as response text. A thread that dies fails
 * its invocations in flight with a 500 and is replaced.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { operationOutcome } from '../protocol/operation-outcome';
import type { RawAnswer, RawRequest } from './answer-raw';

/**
 * Heap limits of an answer thread (MiB). A small young generation, and an old
 * generation capped well above any request's needs (a 5 MB body, 20 000
 * resources): V8 grows a heap by a factor that falls with its cap (about 4x the
 * live data uncapped, 1.5x at 512 MiB), so the cap is what keeps the resident
 * memory low under load (measured: bench, rss). The request thread gets the same
 * through `--max-semi-space-size=1 --max-old-space-size=1024` (npm start, the
 * image). A thread that still runs out of memory dies alone: its invocations get
 * a 500 and another thread starts.
 */
const THREAD_HEAP_LIMITS = { maxYoungGenerationSizeMb: 3, maxOldGenerationSizeMb: 512 };

export interface AnswerPool {
  answer(request: RawRequest): Promise<RawAnswer>;
  /** The threads (for the metrics). */
  size: number;
  /** Invocations sent to a thread and not answered yet. */
  inFlight(): number;
  /** Resolves once every thread is ready (knowledge loaded), or rejects when one cannot start. */
  ready: Promise<void>;
  /** Stop the threads (after the server has finished its requests). */
  close(): Promise<void>;
}

interface Slot {
  worker: Worker;
  pending: Map<number, (a: RawAnswer) => void>;
}

/** The compiled worker next to this file; from TypeScript (npm run dev), a small script that registers tsx first. */
function workerEntry(): { source: string; eval: boolean } {
  const js = join(__dirname, 'answer-worker.js');
  if (existsSync(js)) return { source: js, eval: false };
  const ts = join(__dirname, 'answer-worker.ts');
  return { source: `require('tsx/cjs'); require(${JSON.stringify(ts)});`, eval: true };
}

/** `workerFile`: another worker script speaking the same messages (tests use one that can die on demand). */
export function createAnswerPool(size: number, logger: Logger, workerFile?: string): AnswerPool {
  const entry = workerFile ? { source: workerFile, eval: false } : workerEntry();
  const slots: Slot[] = [];
  let nextId = 1;
  let closing = false;
  const readies: Promise<void>[] = [];

  const failed = (reason: string): RawAnswer => ({
    status: 500,
    body: JSON.stringify(operationOutcome('exception', 'internal error')),
    contentType: 'application/fhir+json',
    log: { reason },
  });

  const spawnSlot = (index: number): Promise<void> => {
    const worker = new Worker(entry.source, { eval: entry.eval, env: process.env, resourceLimits: THREAD_HEAP_LIMITS });
    const slot: Slot = { worker, pending: new Map() };
    slots[index] = slot;
    let started = false;
    const ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; id?: number; answer?: RawAnswer }) => {
        if (m.ready) {
          started = true;
          resolve();
          return;
        }
        const done = m.id !== undefined ? slot.pending.get(m.id) : undefined;
        if (done && m.answer) {
          slot.pending.delete(m.id as number);
          done(m.answer);
        }
      });
      worker.on('error', (err) => {
        logger.error({ thread: index, reason: err.message }, 'answer thread failed');
        if (!started) reject(err);
      });
      worker.on('exit', (code) => {
        for (const done of slot.pending.values()) done(failed(`answer thread ${index} exited with ${code}`));
        slot.pending.clear();
        if (!started) reject(new Error(`answer thread ${index} exited with ${code} before it was ready`));
        else if (!closing) {
          logger.error({ thread: index, code }, 'answer thread exited: starting another');
          void spawnSlot(index).catch(() => undefined);
        }
      });
    });
    return ready;
  };

  for (let i = 0; i < size; i++) readies.push(spawnSlot(i));
  const ready = Promise.all(readies).then(() => undefined);
  // An unobserved start failure must not crash the process before the caller awaits `ready`.
  ready.catch(() => undefined);

  return {
    size,
    ready,
    inFlight: () => slots.reduce((n, s) => n + s.pending.size, 0),
    answer(request) {
      // The least busy thread (ties: the first).
      let slot = slots[0];
      for (const s of slots) if (s.pending.size < slot.pending.size) slot = s;
      const id = nextId++;
      return new Promise<RawAnswer>((resolve) => {
        slot.pending.set(id, resolve);
        slot.worker.postMessage({ id, request });
      });
    },
    async close() {
      closing = true;
      await Promise.all(slots.map((s) => s.worker.terminate()));
    },
  };
}
