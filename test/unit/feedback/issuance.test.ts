/**
 * Cards issued are counted in memory and written in batches: the counts add
 * up per day, service and code, an idle recorder writes nothing, and a write
 * that fails keeps its counts for the next one (merged with what came since).
 */
import { join } from 'node:path';
import { IssuanceRecorder } from '../../../src/feedback/issuance';
import { SqliteCardStore } from '../../../src/feedback/sqlite-store';
import type { CardStore } from '../../../src/feedback/store';
import { tempDir } from '../../support/temp';

const DAY = Date.parse('2026-11-28T10:00:00Z');
const SVC = 'relapsed-all-patient-view';

describe('IssuanceRecorder', () => {
  let store: SqliteCardStore;
  beforeEach(() => {
    store = new SqliteCardStore(join(tempDir('issuance-'), 'cards.sqlite'));
  });
  afterEach(() => store.close());

  it('adds the counts per day, service and code, and remembers each uuid once', async () => {
    const recorder = new IssuanceRecorder(async () => store, { now: () => DAY, flushMs: 60_000 });
    recorder.add(SVC, ['clinical-trial', 'hsct-evaluation'], ['u1', 'u2']);
    recorder.add(SVC, ['clinical-trial'], ['u1']);
    recorder.add(SVC, [], []);
    await recorder.close();
    expect((await store.reportData()).issued).toEqual([
      { day: '2026-11-28', serviceId: SVC, code: 'clinical-trial', count: 2 },
      { day: '2026-11-28', serviceId: SVC, code: 'hsct-evaluation', count: 1 },
    ]);
    // Each uuid maps to its card code: feedback on it is read per code.
    await store.recordFeedback(SVC, [
      { card: 'u1', outcome: 'overridden', outcomeTimestamp: '2026-11-28T11:00:00Z' },
      { card: 'u2', outcome: 'overridden', outcomeTimestamp: '2026-11-28T11:00:00Z' },
    ]);
    expect((await store.reportData()).feedback.map((f) => [f.cardUuid, f.code])).toEqual([
      ['u1', 'clinical-trial'],
      ['u2', 'hsct-evaluation'],
    ]);
  });

  it('a failed write keeps its counts for the next write, merged with those counted since', async () => {
    let failures = 1;
    const flaky = {
      recordIssued: async (...args: Parameters<CardStore['recordIssued']>) => {
        if (failures-- > 0) throw new Error('connection terminated');
        return store.recordIssued(...args);
      },
    } as unknown as CardStore;
    const recorder = new IssuanceRecorder(async () => flaky, { now: () => DAY, flushMs: 60_000 });
    recorder.add(SVC, ['clinical-trial'], ['u1']);
    await recorder.flush();
    expect((await store.reportData()).issued).toEqual([]);
    recorder.add(SVC, ['clinical-trial'], ['u1']);
    await recorder.close();
    expect((await store.reportData()).issued).toEqual([{ day: '2026-11-28', serviceId: SVC, code: 'clinical-trial', count: 2 }]);
  });

  it('an idle recorder asks for no store', async () => {
    let asked = 0;
    const recorder = new IssuanceRecorder(async () => {
      asked += 1;
      return store;
    });
    await recorder.close();
    expect(asked).toBe(0);
  });
});
