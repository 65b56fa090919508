import { DEFAULT_REPLAY_CACHE_SIZE, ReplayCache } from '../../../src/auth/replay-cache';

function clock(startMs = 1_700_000_000_000) {
  let now = startMs;
  return {
    now: () => now,
    advance: (seconds: number) => {
      now += seconds * 1000;
    },
    seconds: () => Math.floor(now / 1000),
  };
}

describe('ReplayCache', () => {
  test('records a jti and answers true the second time', () => {
    const c = clock();
    const cache = new ReplayCache({ now: c.now });
    expect(cache.seen('iss-a', 'j1', c.seconds() + 300)).toBe(false);
    expect(cache.seen('iss-a', 'j1', c.seconds() + 300)).toBe(true);
    expect(cache.seen('iss-a', 'j2', c.seconds() + 300)).toBe(false);
  });

  test('keyed by issuer and jti together (no collision through separators)', () => {
    const c = clock();
    const cache = new ReplayCache({ now: c.now });
    const exp = c.seconds() + 300;
    expect(cache.seen('iss-a', 'j1', exp)).toBe(false);
    expect(cache.seen('iss-b', 'j1', exp)).toBe(false);
    expect(cache.seen('a|b', 'c', exp)).toBe(false);
    expect(cache.seen('a', 'b|c', exp)).toBe(false);
  });

  test('kept until exp + skew, then forgotten', () => {
    const c = clock();
    const cache = new ReplayCache({ now: c.now, skewSeconds: 60 });
    const exp = c.seconds() + 300;
    cache.seen('iss', 'j', exp);
    c.advance(300 + 59);
    expect(cache.seen('iss', 'j', exp)).toBe(true);
    c.advance(2);
    expect(cache.seen('iss', 'j', exp)).toBe(false); // forgotten (such a token is refused as expired anyway)
    const later = c.seconds() + 300;
    expect(cache.seen('iss', 'j', later)).toBe(false);
    expect(cache.seen('iss', 'j', later)).toBe(true);
  });

  test('defaults to 10 000 entries', () => {
    expect(DEFAULT_REPLAY_CACHE_SIZE).toBe(10_000);
    const c = clock();
    const cache = new ReplayCache({ now: c.now });
    for (let i = 0; i < 10_050; i++) cache.seen('iss', `j${i}`, c.seconds() + 300);
    expect(cache.size).toBe(10_000);
  });

  test('bounded: when full, expired entries go first', () => {
    const c = clock();
    const cache = new ReplayCache({ now: c.now, maxEntries: 3, skewSeconds: 0 });
    cache.seen('iss', 'long-1', c.seconds() + 1000);
    cache.seen('iss', 'short', c.seconds() + 10);
    cache.seen('iss', 'long-2', c.seconds() + 1000);
    c.advance(20); // 'short' has expired
    expect(cache.seen('iss', 'new', c.seconds() + 1000)).toBe(false);
    expect(cache.size).toBe(3);
    // The oldest live entry survived because the expired one made room.
    expect(cache.seen('iss', 'long-1', c.seconds() + 1000)).toBe(true);
    expect(cache.seen('iss', 'long-2', c.seconds() + 1000)).toBe(true);
    expect(cache.seen('iss', 'new', c.seconds() + 1000)).toBe(true);
  });

  test('bounded: when full of live entries, the oldest goes', () => {
    const c = clock();
    const cache = new ReplayCache({ now: c.now, maxEntries: 3 });
    for (const j of ['a', 'b', 'c', 'd']) cache.seen('iss', j, c.seconds() + 300);
    expect(cache.size).toBe(3);
    expect(cache.seen('iss', 'd', c.seconds() + 300)).toBe(true);
    expect(cache.seen('iss', 'c', c.seconds() + 300)).toBe(true);
    expect(cache.seen('iss', 'b', c.seconds() + 300)).toBe(true);
    expect(cache.seen('iss', 'a', c.seconds() + 300)).toBe(false); // evicted, so new again
    expect(cache.size).toBe(3);
  });

  test('refuses a nonsensical bound', () => {
    expect(() => new ReplayCache({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => new ReplayCache({ maxEntries: 1.5 })).toThrow(RangeError);
  });
});
