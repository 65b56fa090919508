/**
 * The answer threads (issue #10): invocations go to a thread and come back;
 * a thread that dies fails its invocations in flight with a 500
 * OperationOutcome (never a hang) and is replaced, so the next invocation is
 * answered; close() stops them. The real worker is exercised end to end by
 * the e2e tests (the compiled service runs with answer threads); here a
 * stand-in thread that can die on demand speaks the same messages.
 */
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../src/logger';
import { createAnswerPool } from '../../src/use-case/answer-pool';
import { expectOperationOutcome } from '../support/cds';

const DYING_WORKER = join(__dirname, '..', 'data', 'dying-answer-worker.js');

it('a thread that dies fails its invocation with a 500 and is replaced', async () => {
  const lines: string[] = [];
  const logger = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  const pool = createAnswerPool(1, logger, DYING_WORKER);
  try {
    await pool.ready;
    const first = await pool.answer({ serviceId: 's', body: '{}' });
    expect(first.status).toBe(200);
    const firstThread = (JSON.parse(first.body) as { thread: number }).thread;

    const died = await pool.answer({ serviceId: 's', body: 'die' });
    expect(died.status).toBe(500);
    expectOperationOutcome(JSON.parse(died.body));
    expect(died.log.reason).toMatch(/answer thread 0 exited with 1/);

    // The replacement answers (it may still be starting: the invocation waits for it, never fails).
    let next = await pool.answer({ serviceId: 's', body: '{}' });
    for (let i = 0; i < 50 && next.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      next = await pool.answer({ serviceId: 's', body: '{}' });
    }
    expect(next.status).toBe(200);
    expect((JSON.parse(next.body) as { thread: number }).thread).not.toBe(firstThread);
    expect(lines.join('')).toMatch(/answer thread exited: starting another/);
    expect(pool.inFlight()).toBe(0);
  } finally {
    await pool.close();
  }
});
