// The engine over the mock Crustdata API, in-process on a fake clock, for tests that check the
// engine against the mock's own request log.
import type { EnrichContext } from '../../src/core/enrich';
import type { Fault } from '../../dev/mock-api/handler';
import { BENCH_KEY, RecordedApi, transportHttp } from '../../bench/world';
import { FakeCache, FakeClock, FakeLock, nodeHasher } from '../core/fakes';

/**
 * The engine over the mock through UrlFetchApp's fetchAll (bench/world.ts): every request of a
 * call reaches the mock at the same instant, the call lasts as long as its slowest answer, one
 * answer past 60 s fails it all, and what each answer really delivered is recorded. The key is
 * fresh: nobody has seen it working, so its first request goes alone.
 */
export function engineOverMock(perMinute: number, faultsAt: Map<number, Fault> = new Map()) {
  const clock = new FakeClock();
  const http = new RecordedApi({ requestsPerMinute: perMinute, faultsAt });
  const ctx: EnrichContext = {
    http: transportHttp(http.transport, clock),
    clock,
    hasher: nodeHasher,
    resultCache: new FakeCache(clock),
    sharedCache: new FakeCache(clock),
    lock: new FakeLock(),
    apiKey: BENCH_KEY,
    apiBaseUrl: 'https://api.crustdata.com',
    requestsPerMinute: perMinute,
  };
  return { clock, http, api: http.api, ctx };
}
