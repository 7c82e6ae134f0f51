// The result cache within CacheService's limits: hashed keys, 6 h, 100 KB, one call per batch.
import {
  decodeCachedResult,
  encodeCachedResult,
  MAX_CACHE_VALUE_BYTES,
  MAX_MEMOIZED_HASHES,
  memoizedHasher,
  NOT_FOUND_MAX_AGE_MS,
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
