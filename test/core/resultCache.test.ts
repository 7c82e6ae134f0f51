// The result cache within CacheService's limits: hashed keys, 6 h, 100 KB, one call per batch.
import {
  decodeCachedResult,
  encodeCachedResult,
  MAX_CACHE_VALUE_BYTES,
  MAX_MEMOIZED_HASHES,
  memoizedHasher,
  NOT_FOUND_MAX_AGE_MS,
  encodePack,
  packKeyFor,
  PackedResultCache,
  RESULT_PACKS,
  RESULT_TTL_SECONDS,
  ResultCache,
  utf8Length,
} from '../../src/core/resultCache';
import type { Cache } from '../../src/core/ports';
import { countingHasher, FakeCache, FakeClock, nodeHasher, profileUrl, T0 } from './fakes';

const ada = { kind: 'profile_url' as const, normalized: profileUrl('ada') };
const bob = { kind: 'business_email' as const, normalized: 'bob@example.com' };

function setup(selectionKey = 'basic_profile') {
  const clock = new FakeClock();
  const store = new FakeCache(clock);
  return { clock, store, cache: new ResultCache(store, nodeHasher, selectionKey) };
}

test('round trip with one putAll and one getAll; not-found is cached too', () => {
  const { cache, store, clock } = setup();
  cache.putMany([
    { id: ada, result: { person: { basic_profile: { name: 'Ada' } }, fetchedAt: T0 } },
    { id: bob, result: { person: null, fetchedAt: T0 } },
  ]);
  expect(store.calls.putAll).toBe(1);
  const hits = cache.getMany([ada, bob, { kind: 'profile_url', normalized: profileUrl('nobody') }], clock.now());
  expect(store.calls.getAll).toBe(1);
  expect(hits.size).toBe(2);
  expect(hits.get('profile_url:' + ada.normalized)).toEqual({ person: { basic_profile: { name: 'Ada' } }, fetchedAt: T0 });
  expect(hits.get('business_email:bob@example.com')).toEqual({ person: null, fetchedAt: T0 });
});

test('keys are short hashes that hide the identifier and depend on kind and selection', () => {
  const a = setup('basic_profile').cache;
  const b = setup('basic_profile,experience').cache;
  const key = a.keyFor(ada);
  expect(key.length).toBeLessThanOrEqual(250);
  expect(key).not.toContain('ada');
  expect(key).toBe(a.keyFor({ ...ada }));
  expect(b.keyFor(ada)).not.toBe(key);
  expect(a.keyFor({ kind: 'business_email', normalized: ada.normalized })).not.toBe(key);
});

test('entries live 6 hours; not-found counts for an hour; maxAgeMs makes older entries missing', () => {
  const { cache, store, clock } = setup();
  cache.putMany([
    { id: ada, result: { person: { a: 1 }, fetchedAt: T0 } },
    { id: bob, result: { person: null, fetchedAt: T0 } },
  ]);
  expect(RESULT_TTL_SECONDS).toBe(21_600);
  clock.advance(NOT_FOUND_MAX_AGE_MS + 1);
  expect([...cache.getMany([ada, bob], clock.now()).keys()]).toEqual(['profile_url:' + ada.normalized]);
  expect(cache.getMany([ada], clock.now(), 30 * 60_000).size).toBe(0);
  clock.advance(6 * 3_600_000);
  expect(cache.getMany([ada], clock.now()).size).toBe(0);
  expect(store.entries.size).toBeLessThanOrEqual(1);
});

test('an oversized person is shrunk under 100 KB, long strings cut to a cell’s 50,000 characters', () => {
  const person = { basic_profile: { name: 'Ada', summary: 'é'.repeat(80_000) } };
  const encoded = encodeCachedResult({ person, fetchedAt: T0 }) as string;
  expect(utf8Length(encoded)).toBeLessThanOrEqual(MAX_CACHE_VALUE_BYTES);
  const decoded = decodeCachedResult(encoded);
  const summary = (decoded?.person as { basic_profile: { summary: string } }).basic_profile.summary;
  expect(summary.length).toBe(50_000);
  expect(summary.endsWith('…')).toBe(true);
});

test('several long strings are cut harder until the value fits', () => {
  const person = { texts: Array.from({ length: 8 }, () => 'x'.repeat(40_000)) };
  const decoded = decodeCachedResult(encodeCachedResult({ person, fetchedAt: T0 }));
  expect((decoded?.person as { texts: string[] }).texts.every((t) => t.length === 10_000)).toBe(true);
});

test('a value that cannot fit is skipped, the others are written, and nothing throws', () => {
  const { cache, store, clock } = setup();
  const unshrinkable = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 'v']));
  expect(encodeCachedResult({ person: unshrinkable, fetchedAt: T0 })).toBeNull();
  expect(cache.putMany([
    { id: ada, result: { person: unshrinkable, fetchedAt: T0 } },
    { id: bob, result: { person: { ok: true }, fetchedAt: T0 } },
  ])).toEqual({ written: 1, skipped: 1 });
  expect(cache.getMany([ada, bob], clock.now()).size).toBe(1);
  expect(store.calls.putAll).toBe(1);
});

test('a cache that throws costs hits, never the run', () => {
  const broken: Cache = {
    get: () => {
      throw new Error('Service invoked too many times');
    },
    getAll: () => {
      throw new Error('Service invoked too many times');
    },
    put: () => {
      throw new Error('Argument too large');
    },
    putAll: () => {
      throw new Error('Argument too large');
    },
    remove: () => undefined,
  };
  const cache = new ResultCache(broken, nodeHasher, 'x');
  expect(cache.getMany([ada], T0).size).toBe(0);
  expect(cache.putMany([{ id: ada, result: { person: { a: 1 }, fetchedAt: T0 } }])).toEqual({ written: 0, skipped: 1 });
});

test('foreign or corrupt values are ignored', () => {
  expect(decodeCachedResult('nope')).toBeNull();
  expect(decodeCachedResult('{"person":"Ada","fetchedAt":1}')).toBeNull();
  expect(decodeCachedResult('{"notFound":false,"fetchedAt":1}')).toBeNull();
  expect(decodeCachedResult('{"person":{"a":1}}')).toBeNull();
  expect(decodeCachedResult(null)).toBeNull();
});

test('utf8Length counts bytes as CacheService does', () => {
  for (const text of ['abc', 'é', '€', '😀', 'a😀é€', '\ud800']) expect(utf8Length(text)).toBe(Buffer.byteLength(text, 'utf8'));
});

test('each key is hashed once per hasher: reading, writing and reading again cost one digest per identifier', () => {
  const clock = new FakeClock();
  const store = new FakeCache(clock);
  const hasher = countingHasher();
  const ids = Array.from({ length: 30 }, (_, i) => ({ kind: 'profile_url' as const, normalized: profileUrl(i) }));
  const cache = new ResultCache(store, hasher, 'basic_profile');
  cache.getMany(ids, clock.now());
  cache.putMany(ids.map((id) => ({ id, result: { person: null, fetchedAt: T0 } })));
  // Another ResultCache over the same hasher (the next block of the same execution) shares the memo.
  expect(new ResultCache(store, hasher, 'basic_profile').getMany(ids, clock.now()).size).toBe(30);
  expect(hasher.calls).toBe(30);
  // The memo never changes a key: the same keys as an unmemoized hasher.
  expect(cache.keyFor(ids[0])).toBe(new ResultCache(store, { sha256Hex: (t) => nodeHasher.sha256Hex(t) }, 'basic_profile').keyFor(ids[0]));
  // Another selection is another text, hashed afresh.
  new ResultCache(store, hasher, 'basic_profile,experience').getMany(ids.slice(0, 5), clock.now());
  expect(hasher.calls).toBe(35);
});

test('the hash memo is one wrapper per hasher and stays bounded', () => {
  const hasher = countingHasher();
  const memo = memoizedHasher(hasher);
  expect(memoizedHasher(hasher)).toBe(memo);
  expect(memoizedHasher(memo)).toBe(memo);
  for (let i = 0; i <= MAX_MEMOIZED_HASHES; i++) memo.sha256Hex(`text ${i}`);
  expect(hasher.calls).toBe(MAX_MEMOIZED_HASHES + 1);
  // Full, it started afresh: the first text is hashed again, the last one is still remembered.
  memo.sha256Hex(`text ${MAX_MEMOIZED_HASHES}`);
  memo.sha256Hex('text 0');
  expect(hasher.calls).toBe(MAX_MEMOIZED_HASHES + 2);
});

describe('PackedResultCache: many results per cache item', () => {
  const person = (n: number) => ({ basic_profile: { name: `Person ${n}`, headline: 'x'.repeat(1500) } });
  const ids = (count: number) => Array.from({ length: count }, (_, n) => ({ kind: 'profile_url' as const, normalized: profileUrl(`p${n}`) }));

  function packed(selectionKey = 'basic_profile') {
    const clock = new FakeClock();
    const store = new FakeCache(clock);
    const view = new PackedResultCache(store, clock);
    return { clock, store, cache: new ResultCache(view, nodeHasher, selectionKey) };
  }

  test('5,000 results fit in at most RESULT_PACKS items, each under 100 KB, and all read back', () => {
    const { cache, store, clock } = packed();
    const all = ids(5_000);
    for (let i = 0; i < all.length; i += 25) {
      cache.putMany(all.slice(i, i + 25).map((id, k) => ({ id, result: { person: person(i + k), fetchedAt: T0 } })));
    }
    expect(store.keys('cd:r1:')).toHaveLength(0);
    const packs = store.keys('cd:pack1:');
    expect(packs.length).toBeLessThanOrEqual(RESULT_PACKS);
    expect(packs.length).toBeGreaterThan(RESULT_PACKS * 0.9);
    for (const key of packs) expect(utf8Length(store.peek(key)!)).toBeLessThanOrEqual(MAX_CACHE_VALUE_BYTES);
    const hits = cache.getMany(all, clock.now());
    expect(hits.size).toBe(5_000);
    expect(hits.get('profile_url:' + all[4_321].normalized)?.person).toEqual(person(4_321));
  });

  test('one row\'s lookup reads one pack (and its own entry, for results stored singly)', () => {
    const { cache, store, clock } = packed();
    cache.putMany(ids(100).map((id, n) => ({ id, result: { person: person(n), fetchedAt: T0 } })));
    store.calls.getAll = 0;
    const [id] = ids(1);
    const before = { ...store.calls };
    expect(cache.getMany([id], clock.now()).size).toBe(1);
    expect(store.calls.getAll - before.getAll).toBe(1);
    expect(packKeyFor(cache.keyFor(id))).toMatch(/^cd:pack1:\d+$/);
  });

  test('entries stay per identifier and selection: another selection misses', () => {
    const { cache, store, clock } = packed('basic_profile');
    const [id] = ids(1);
    cache.putMany([{ id, result: { person: person(1), fetchedAt: T0 } }]);
    const other = new ResultCache(new PackedResultCache(store, clock), nodeHasher, 'experience');
    expect(other.getMany([id], clock.now()).size).toBe(0);
  });

  test('still finds results stored one per item (sidebar job, range formulas)', () => {
    const clock = new FakeClock();
    const store = new FakeCache(clock);
    const [id] = ids(1);
    new ResultCache(store, nodeHasher, 'basic_profile').putMany([{ id, result: { person: person(7), fetchedAt: T0 } }]);
    const viaPacks = new ResultCache(new PackedResultCache(store, clock), nodeHasher, 'basic_profile');
    expect(viaPacks.getMany([id], clock.now()).get('profile_url:' + id.normalized)?.person).toEqual(person(7));
  });

  test('an entry expires with its own ttl although its pack is rewritten later', () => {
    const { store, clock } = packed();
    const view = new PackedResultCache(store, clock);
    const key = 'cd:r1:' + 'ab'.repeat(32);
    view.putAll({ [key]: '{"a":1}' }, 60);
    clock.sleep(30_000);
    view.putAll({ ['cd:r1:' + 'ab'.repeat(31) + 'cd']: '{"b":2}' }, 600);
    expect(view.get(key)).toBe('{"a":1}');
    clock.sleep(31_000);
    expect(view.get(key)).toBeNull();
    expect(view.get('cd:r1:' + 'ab'.repeat(31) + 'cd')).toBe('{"b":2}');
  });

  test('other keys (failure memos) pass through unpacked', () => {
    const { store, clock } = packed();
    const view = new PackedResultCache(store, clock);
    view.putAll({ 'cd:cf-fail:x': 'y' }, 60);
    expect(store.peek('cd:cf-fail:x')).toBe('y');
    expect(view.getAll(['cd:cf-fail:x'])).toEqual({ 'cd:cf-fail:x': 'y' });
  });

  test('a full pack drops its oldest entries to stay under 100 KB', () => {
    const entries: Record<string, [number, unknown]> = {};
    for (let n = 0; n < 100; n++) entries[`k${n}`] = [T0 + 1, { text: 'z'.repeat(2_000) }];
    const text = encodePack(entries);
    expect(utf8Length(text)).toBeLessThanOrEqual(MAX_CACHE_VALUE_BYTES);
    const kept = Object.keys((JSON.parse(text) as { e: object }).e);
    expect(kept.length).toBeGreaterThan(40);
    expect(kept).toContain('k99');
    expect(kept).not.toContain('k0');
  });
});
