// The shared sliding window: slots per key across executions, release times, the server's word.
import { DEFAULT_LOCK_TIMEOUT_MS, RateWindow, type RateWindowOptions } from '../../src/core/rateWindow';
import type { Cache } from '../../src/core/ports';
import { FakeCache, FakeClock, FakeLock, T0 } from './fakes';

function setup(overrides: Partial<RateWindowOptions> = {}) {
  const clock = new FakeClock();
  const cache = new FakeCache(clock);
  const lock = new FakeLock();
  const make = (more: Partial<RateWindowOptions> = {}) =>
    new RateWindow({ cache, lock, clock, stateKey: 'cd:rate:abc', limit: 15, ...overrides, ...more });
  return { clock, cache, lock, window: make(), make };
}

test('grants up to the limit, then names the time the oldest send ages out (plus the margin)', () => {
  const { window, clock } = setup();
  expect(window.reserve(10)).toEqual({ granted: 10, nextSlotAt: T0, enoughAt: T0 });
  clock.advance(5_000);
  expect(window.reserve(10)).toEqual({ granted: 5, nextSlotAt: T0 + 5_000, enoughAt: T0 + 5_000 });
  expect(window.reserve(1)).toEqual({ granted: 0, nextSlotAt: T0 + 61_000, enoughAt: T0 + 61_000 });
  clock.advance(56_000);
  // The 10 from T0 are free; the 5 from T0+5 s are not.
  expect(window.reserve(15)).toEqual({ granted: 10, nextSlotAt: T0 + 61_000, enoughAt: T0 + 61_000 });
  expect(window.reserve(1).nextSlotAt).toBe(T0 + 66_000);
});

test('every reservation takes the lock and releases it', () => {
  const { window, lock } = setup();
  window.reserve(3);
  window.reserve(3);
  expect(lock.acquisitions).toBe(2);
  expect(lock.held).toBe(false);
});

test('a busy lock is waited for briefly, then the caller is told to try again a second later', () => {
  const { cache, clock } = setup();
  const waits: number[] = [];
  // Held by another execution of the key's owner (their user lock, or the spreadsheet's document lock).
  const busy = { tryLock: (ms: number) => (waits.push(ms), false), releaseLock: () => undefined };
  const window = new RateWindow({ cache, lock: busy, clock, stateKey: 'cd:rate:abc', limit: 15 });
  expect(window.reserve(3)).toEqual({ granted: 0, nextSlotAt: T0 + 1_000, enoughAt: T0 + 1_000 });
  expect(waits).toEqual([DEFAULT_LOCK_TIMEOUT_MS]);
  expect(DEFAULT_LOCK_TIMEOUT_MS).toBeLessThanOrEqual(2_000);
});

test('two windows on the same cache and key share the slots; another key has its own', () => {
  const { make } = setup();
  const a = make();
  const b = make();
  const otherKey = make({ stateKey: 'cd:rate:other' });
  expect(a.reserve(12).granted).toBe(12);
  expect(b.reserve(12).granted).toBe(3);
  expect(otherKey.reserve(12).granted).toBe(12);
});

test('a busy lock grants nothing and suggests trying again in a second', () => {
  const { window, lock, clock } = setup();
  lock.failNext = 1;
  expect(window.reserve(5)).toEqual({ granted: 0, nextSlotAt: clock.now() + 1_000, enoughAt: clock.now() + 1_000 });
  expect(window.reserve(5).granted).toBe(5);
});

test('blockUntil (Retry-After) stops every reservation until then', () => {
  const { window, make, clock } = setup();
  window.blockUntil(T0 + 7_000);
  expect(make().reserve(1)).toEqual({ granted: 0, nextSlotAt: T0 + 7_000, enoughAt: T0 + 7_000 });
  clock.advance(7_000);
  expect(window.reserve(1).granted).toBe(1);
});

test('a 0 remaining our own sends explain changes nothing: they age out on our side', () => {
  const { window, clock } = setup();
  window.reserve(15);
  clock.advance(1_000);
  window.observe({ limit: 15, remaining: 0, resetAt: clock.now() + 60_000 }, T0);
  expect(window.reserve(1).nextSlotAt).toBe(T0 + 61_000);
});

test('usage the server reports beyond ours holds its slots until the server resets', () => {
  const { window, clock } = setup();
  window.reserve(3);
  clock.advance(1_000);
  // 15 - 5 remaining = 10 used, we sent 3: someone else used 7 on this key.
  window.observe({ limit: 15, remaining: 5, resetAt: T0 + 40_000 }, T0);
  expect(window.reserve(15).granted).toBe(5);
  expect(window.reserve(1).nextSlotAt).toBe(T0 + 40_000);
  clock.advance(40_000);
  // The other tool's slots are back; ours (8 since T0) hold until T0 + 61 s.
  expect(window.reserve(15).granted).toBe(7);
});

test('0 remaining with foreign usage blocks until the reset even if our sends age out first', () => {
  const { window, clock } = setup();
  window.reserve(1);
  clock.advance(500);
  window.observe({ limit: 15, remaining: 0, resetAt: T0 + 90_000 }, T0);
  clock.advance(65_000);
  expect(window.reserve(1)).toEqual({ granted: 0, nextSlotAt: T0 + 90_000, enoughAt: T0 + 90_000 });
});

test('0 remaining with a reset of 0 (the server\'s window is open again) holds no slots and blocks nothing', () => {
  const { window, clock } = setup();
  window.reserve(1);
  clock.advance(1_000);
  window.observe({ limit: 15, remaining: 0, resetAt: clock.now() }, T0);
  expect(window.reserve(14).granted).toBe(14);
});

test('without a reset, foreign usage holds its slots as long as our own window would', () => {
  const { window, clock } = setup();
  window.reserve(1);
  clock.advance(1_000);
  window.observe({ limit: 15, remaining: 0 }, T0);
  expect(window.reserve(1)).toMatchObject({ granted: 0, nextSlotAt: T0 + 61_000 });
});

test('a lower limit reported by the server wins over the configured one', () => {
  const { window, clock } = setup({ limit: 60 });
  window.reserve(1);
  window.observe({ limit: 10, remaining: 9 }, T0);
  clock.advance(1);
  expect(window.reserve(60).granted).toBe(9);
});

test('the shared state stays small, and its aged-out sends count for nothing', () => {
  const { window, cache, clock } = setup({ limit: 6000 });
  for (let i = 0; i < 300; i++) {
    window.reserve(20);
    clock.advance(200);
  }
  const raw = cache.peek('cd:rate:abc') as string;
  expect(raw.length).toBeLessThan(10_000);
  expect(JSON.parse(raw).sends.length).toBe(300);
  // The entry is kept for the cache's longest time (a full cache drops the soonest to expire
  // first), but a minute later none of its sends counts any more.
  clock.advance(3 * 61_000);
  expect(cache.peek('cd:rate:abc')).not.toBeNull();
  expect(window.reserve(6000).granted).toBe(6000);
  expect(JSON.parse(cache.peek('cd:rate:abc') as string).sends).toHaveLength(1);
});

test('an unreadable state counts as empty', () => {
  const { window, cache } = setup();
  cache.put('cd:rate:abc', '{not json', 60);
  expect(window.reserve(4).granted).toBe(4);
  cache.put('cd:rate:abc', JSON.stringify({ sends: [['x', 2], [T0, 'y']] }), 60);
  expect(window.reserve(15).granted).toBe(15);
});

test('peek reads without reserving', () => {
  const { window } = setup();
  window.reserve(10);
  expect(window.peek().granted).toBe(5);
  expect(window.peek().granted).toBe(5);
});

test('enoughAt: when as many slots as wanted (at most the limit) are free together', () => {
  const { window, clock } = setup();
  window.reserve(5);
  clock.advance(10_000);
  window.reserve(5);
  clock.advance(10_000);
  window.reserve(5);
  // Full. One slot frees with the first five (T0 + 61 s); six need the second five too.
  expect(window.reserve(6)).toMatchObject({ granted: 0, nextSlotAt: T0 + 61_000, enoughAt: T0 + 71_000 });
  expect(window.reserve(5).enoughAt).toBe(T0 + 61_000);
  // More than the limit can never be free together: the limit's worth is what is waited for.
  expect(window.reserve(40).enoughAt).toBe(T0 + 81_000);
});

test('enoughAt respects a Retry-After block and the slots others hold until the server resets', () => {
  const { window, clock } = setup();
  window.reserve(15);
  window.blockUntil(T0 + 90_000);
  expect(window.reserve(2)).toMatchObject({ granted: 0, nextSlotAt: T0 + 90_000, enoughAt: T0 + 90_000 });
  clock.advance(90_000);
  window.reserve(1);
  clock.advance(1_000);
  // Someone else used 9: 6 are ours until their reset at +40 s, so 8 at once means after it.
  window.observe({ limit: 15, remaining: 5, resetAt: clock.now() + 40_000 }, T0 + 90_000);
  expect(window.reserve(8)).toMatchObject({ granted: 5 });
  expect(window.reserve(8)).toMatchObject({ granted: 0, enoughAt: clock.now() + 40_000 });
});

describe('forecast: the window as this execution last saw it, without a cache call or a lock', () => {
  test('nothing seen yet: no forecast', () => {
    const { window, cache, lock } = setup();
    expect(window.forecast(2)).toBeNull();
    expect(cache.calls.get + lock.acquisitions).toBe(0);
  });

  test('after a reservation: what is free, aged on the clock, with no call at all', () => {
    const { window, cache, lock, clock } = setup();
    window.reserve(15);
    const calls = cache.calls.get + cache.calls.put + lock.acquisitions;
    expect(window.forecast(2)).toEqual({ available: 0, nextSlotAt: T0 + 61_000, enoughAt: T0 + 61_000 });
    clock.advance(61_000);
    expect(window.forecast(2)).toEqual({ available: 15, nextSlotAt: T0 + 61_000, enoughAt: T0 + 61_000 });
    expect(cache.calls.get + cache.calls.put + lock.acquisitions).toBe(calls);
  });

  test('another RateWindow over the same cache and key (the next engine call) sees it too', () => {
    const { window, make, clock } = setup();
    window.reserve(12);
    clock.advance(1_000);
    expect(make().forecast(5)).toMatchObject({ available: 3, enoughAt: T0 + 61_000 });
    expect(make({ stateKey: 'cd:rate:other' }).forecast(5)).toBeNull();
  });

  test('another execution\'s sends are not in it: the reservation finds them and says when to come back', () => {
    const { cache, lock, clock } = setup();
    // Two executions: their own cache objects over the same script cache, so their own memory.
    const view = (): Cache => ({
      get: (key) => cache.get(key),
      getAll: (keys) => cache.getAll(keys),
      put: (key, value, ttl) => cache.put(key, value, ttl),
      putAll: (values, ttl) => cache.putAll(values, ttl),
      remove: (key) => cache.remove(key),
    });
    const options = { lock, clock, stateKey: 'cd:rate:abc', limit: 15 };
    const mine = new RateWindow({ ...options, cache: view() });
    const theirs = new RateWindow({ ...options, cache: view() });
    mine.reserve(10);
    expect(theirs.forecast(1)).toBeNull();
    clock.advance(2_000);
    expect(theirs.reserve(5).granted).toBe(5);
    // Slots the forecast shows busy are busy; the five it shows free were taken meanwhile.
    expect(mine.forecast(5)).toMatchObject({ available: 5 });
    expect(mine.reserve(5)).toEqual({ granted: 0, nextSlotAt: T0 + 61_000, enoughAt: T0 + 61_000 });
    expect(mine.forecast(11)).toMatchObject({ available: 0, enoughAt: T0 + 63_000 });
  });

  test('a block and the server\'s word are remembered like sends', () => {
    const { window, clock } = setup();
    window.reserve(1);
    window.blockUntil(T0 + 20_000);
    expect(window.forecast(1)).toMatchObject({ available: 0, nextSlotAt: T0 + 20_000 });
    clock.advance(20_000);
    window.observe({ limit: 10, remaining: 9 }, T0);
    expect(window.forecast(15)).toMatchObject({ available: 9, enoughAt: T0 + 61_000 });
  });
});
