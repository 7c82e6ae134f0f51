// The engine the custom function's unit tests run over: a cache per identifier, ceil(n/25)
// requests per type, the real engine's deadline rule and fatal codes. Its observable rules are
// checked against the real engine's by test/core/engineContract.test.ts.
import type { EnrichContext, EnrichOptions, EnrichResult } from '../../src/core/enrich';
import { DEFAULT_MAX_REQUEST_MS, emptyStats } from '../../src/core/enrich';
import { FATAL_CODES, type ErrorCode } from '../../src/core/errors';
import { classifyIdentifier } from '../../src/core/identifiers';
import type { PersonData, RowOutcome } from '../../src/core/types';
import { FakeCache, nodeHasher } from './fakes';

export function person(name: string): PersonData {
  return { basic_profile: { name, headline: `Headline of ${name}` } };
}

export interface FakeCellEngineOptions {
  notFound?: Set<string>;
  /** Requests fail with this code (every one, or the first `failTimes`). */
  fail?: { code: ErrorCode; message: string };
  failTimes?: number;
  /** No request is sent after this many. */
  maxRequests?: number;
  /** CacheService keeps about 1,000 items and drops the oldest tenth when full. */
  capacity?: number;
  /** Virtual time one burst of requests takes. */
  msPerRequest?: number;
}

export function fakeEngine(options: FakeCellEngineOptions = {}) {
  const cache = new Map<string, PersonData | null>();
  const log: { kind: string; identifiers: string[] }[] = [];
  const calls: { cells: number; deadline: number; options: EnrichOptions }[] = [];
  let now = 0;
  const clock = {
    now: () => now,
    sleep: (ms: number) => {
      now += ms;
    },
  };
  const resultCache = new FakeCache(clock);
  const ctx = { clock, apiKey: 'sk_test_secret_key', hasher: nodeHasher, resultCache } as unknown as EnrichContext;
  let failuresLeft = options.failTimes ?? Infinity;
  const enrich = (_ctx: EnrichContext, cells: unknown[], opts: EnrichOptions): EnrichResult => {
    calls.push({ cells: cells.length, deadline: opts.deadline, options: opts });
    const classified = cells.map(classifyIdentifier);
    const missing = new Map<string, string[]>();
    for (const id of classified) {
      if (id.kind !== 'profile_url' && id.kind !== 'business_email') continue;
      if (cache.has(id.normalized)) continue;
      const list = missing.get(id.kind) ?? [];
      if (!list.includes(id.normalized)) list.push(id.normalized);
      missing.set(id.kind, list);
    }
    let requests = 0;
    const failedIds = new Set<string>();
    let fatal: EnrichResult['fatal'];
    // The real engine's rules: every request of a call goes out in one burst (one fetchAll, as
    // long as its slowest answer), and no burst starts that could not finish by the deadline.
    const latestStart = opts.deadline - (opts.maxRequestMs ?? DEFAULT_MAX_REQUEST_MS);
    if (missing.size && clock.now() <= latestStart) {
      for (const [kind, list] of missing) {
        for (let i = 0; i < list.length; i += 25) {
          if (options.maxRequests !== undefined && log.length >= options.maxRequests) break;
          const batch = list.slice(i, i + 25);
          log.push({ kind, identifiers: batch });
          requests++;
          const failing = options.fail && failuresLeft-- > 0;
          for (const id of batch) {
            if (failing) failedIds.add(id);
            else cache.set(id, options.notFound?.has(id) ? null : person(`Person ${id}`));
          }
          // A fatal answer stops the run: every identifier not answered fails with it.
          if (failing && FATAL_CODES.has(options.fail!.code)) fatal = options.fail;
          if (options.capacity && cache.size > options.capacity) {
            for (const key of [...cache.keys()].slice(0, Math.ceil(options.capacity / 10))) cache.delete(key);
          }
        }
      }
      if (requests) now += options.msPerRequest ?? 1500;
    }
    const outcomes = classified.map((id): RowOutcome => {
      if (id.kind === 'blank') return { status: 'blank' };
      if (id.kind === 'invalid') return { status: 'invalid', message: id.message };
      if (failedIds.has(id.normalized)) return { status: 'failed', identifier: id.normalized, ...options.fail! };
      if (!cache.has(id.normalized)) {
        return fatal ? { status: 'failed', identifier: id.normalized, ...fatal } : { status: 'pending', identifier: id.normalized, message: 'later' };
      }
      const found = cache.get(id.normalized);
      return found
        ? { status: 'matched', identifier: id.normalized, person: found, fetchedAt: 0, fromCache: true }
        : { status: 'not_found', identifier: id.normalized, fetchedAt: 0, fromCache: true };
    });
    return { outcomes, stats: { ...emptyStats(), requests }, ...(fatal ? { fatal } : {}) };
  };
  return { ctx, enrich, log, calls, clock, cache, resultCache };
}
