// The engine against the mock Crustdata API in-process, on the virtual clock: a 2,000-row job
// with duplicates, invalid rows and injected 5xx, 429, cut-off and hung requests, checked request by
// request against the mock's own log (the engine's promise: every request accounted for).
import { parseFieldSelection } from '../../src/core/catalog';
import { enrichCells, type EnrichResult } from '../../src/core/enrich';
import { MAX_IDENTIFIERS_PER_REQUEST } from '../../src/core/crustdataClient';
import { dedupeIdentifiers } from '../../src/core/identifiers';
import { seededRandom } from '../../src/core/retry';
import type { MockCrustdataApi, Fault } from '../../dev/mock-api/handler';
import { mixedJob } from '../../bench/jobs';
import type { RecordedApi } from '../../bench/world';
import { engineOverMock } from '../helpers/engineOverMock';
import { FakeClock, T0 } from './fakes';

interface JobRun {
  api: MockCrustdataApi;
  http: RecordedApi;
  clock: FakeClock;
  result: EnrichResult;
  durationMs: number;
  urls: number;
  emails: number;
}

function runJob(cells: unknown[], perMinute: number, faultsAt: Map<number, Fault>): JobRun {
  const { clock, http, api, ctx } = engineOverMock(perMinute, faultsAt);
  const { unique } = dedupeIdentifiers(cells);
  const result = enrichCells(ctx, cells, {
    selection: parseFieldSelection('basic_profile, experience'),
    deadline: T0 + 6 * 3_600_000,
    retry: { random: seededRandom(3) },
  });
  return {
    api,
    http,
    clock,
    result,
    durationMs: clock.now() - T0,
    urls: unique.filter((id) => id.kind === 'profile_url').length,
    emails: unique.filter((id) => id.kind === 'business_email').length,
  };
}

function checkJob(cells: unknown[], run: JobRun, perMinute: number): { base: number; forced: number; floorMs: number } {
  const { api, http, result } = run;
  const log = api.requestLog();
  const { classified, unique } = dedupeIdentifiers(cells);

  // Every row has its outcome; every valid identifier matched, each delivered exactly once.
  expect(result.outcomes).toHaveLength(cells.length);
  classified.forEach((cell, row) => {
    const outcome = result.outcomes[row];
    if (cell.kind === 'blank' || cell.kind === 'invalid') expect(outcome.status).toBe(cell.kind);
    else expect(outcome).toMatchObject({ status: 'matched', identifier: cell.normalized });
  });
  expect(http.delivered.size).toBe(unique.length);
  expect([...http.delivered.values()].every((n) => n === 1)).toBe(true);

  // Requests: one per 25 of each type, plus exactly the retries the faults forced.
  const base = Math.ceil(run.urls / MAX_IDENTIFIERS_PER_REQUEST) + Math.ceil(run.emails / MAX_IDENTIFIERS_PER_REQUEST);
  const forced = http.deliveredFailures + http.lostToTimeouts;
  expect(log.length).toBe(base + forced);
  expect(result.stats.requests).toBe(log.length);
  expect(result.stats.retries).toBe(forced);

  // No 400 caused by the engine, no 429 the headers could have avoided (only injected ones).
  expect(log.filter((e) => e.status === 400)).toHaveLength(0);
  expect(log.filter((e) => e.status === 429 && e.fault !== '429')).toHaveLength(0);
  expect(result.stats.rateLimited).toBeLessThanOrEqual(log.filter((e) => e.fault === '429').length);
  // Credits as the engine saw them; a hung fetchAll's answers (charged by the API) never arrive.
  expect(result.stats.creditsUsed).toBe(http.deliveredCredits);
  expect(result.stats.creditsUsed).toBeGreaterThan(0);

  // Never more than the limit in any 60 s of the mock's own clock.
  const counted = log.filter((e) => e.counted).map((e) => e.atMs);
  for (const t of counted) expect(counted.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(perMinute);

  return { base, forced, floorMs: Math.ceil(log.length / perMinute) * 60_000 };
}

describe('a 2,000-row job against the mock API', () => {
  const cells = mixedJob(2_000, 11);
  // Faults at fixed places in the request stream: two 5xx, an HTML 502, a 429 with Retry-After,
  // two 200s cut off half way, and one hung request (past UrlFetch's 60 s) that takes its whole
  // fetchAll down with it.
  const faults = new Map<number, Fault>([
    [3, { type: '500' }],
    [9, { type: 'malformed' }],
    [17, { type: '429', retryAfterSeconds: 5 }],
    [20, { type: '502' }],
    [33, { type: 'slow' }],
    [41, { type: '503' }],
    [47, { type: 'malformed' }],
  ]);

  test('at 15/min: every valid identifier enriched once, only forced retries, within 5% of the floor', () => {
    const run = runJob(cells, 15, faults);
    const { base, forced, floorMs } = checkJob(cells, run, 15);
    expect(run.urls + run.emails).toBeGreaterThan(1_200);
    expect(base).toBe(52);
    // The hung request's fetchAll held a full burst: all of it is sent again.
    expect(run.http.lostToTimeouts).toBeGreaterThan(1);
    expect(run.http.deliveredFailures).toBeGreaterThanOrEqual(5);
    expect(run.result.stats.rateLimited).toBe(1);
    // A cut-off answer costs its batch one more request, not its rows.
    expect(run.http.deliveredMalformed).toBe(2);
    expect(run.result.stats.malformedResponses).toBe(2);
    expect(forced).toBe(run.http.deliveredFailures + run.http.lostToTimeouts);
    // The limit allows ceil(requests / 15) windows; the run may not take 5% longer than that.
    expect(run.durationMs).toBeLessThanOrEqual(floorMs * 1.05);
    // And the window is used fully: no more windows than the requests need, plus the hung minute.
    const tightFloor = (Math.ceil(run.api.requestLog().length / 15) - 1) * 60_000;
    expect(run.durationMs).toBeLessThanOrEqual(tightFloor * 1.05 + 60_000);
  });

  test('at 15/min without faults: exactly ceil(URLs/25) + ceil(emails/25) requests, in the fastest the limit allows', () => {
    const run = runJob(cells, 15, new Map());
    const { base, forced } = checkJob(cells, run, 15);
    expect(forced).toBe(0);
    expect(run.api.requestLog()).toHaveLength(base);
    // 52 requests at 15/min: bursts at 0, 1, 2 and 3 minutes (plus the window margin), then one answer.
    const tightFloorMs = (Math.ceil(base / 15) - 1) * 60_000;
    expect(run.durationMs).toBeLessThanOrEqual(tightFloorMs * 1.05);
    // The key has not been seen working: its first request goes alone, the other 14 of the
    // first window follow once it is accepted.
    expect(run.result.stats.bursts).toBe(5);
    expect(run.api.requestLog().filter((e) => e.atMs < T0 + 60_000).map((e) => e.atMs - T0)).toEqual([0, ...Array(14).fill(run.api.requestLog()[1].atMs - T0)]);
  });

  test('at 60/min: one lone first request (a key not seen working lately), then one burst for the rest of the job', () => {
    const run = runJob(cells, 60, new Map());
    const { base } = checkJob(cells, run, 60);
    expect(run.result.stats.bursts).toBe(2);
    expect(run.http.batches).toBe(2);
    expect(run.api.requestLog()).toHaveLength(base);
    expect(run.api.requestLog().filter((e) => e.atMs === T0)).toHaveLength(1);
  });
});

test('a second job over the same column costs no request while the cache holds', () => {
  const cells = mixedJob(300, 5);
  const { clock, api, ctx } = engineOverMock(15);
  const selection = parseFieldSelection('basic_profile');
  enrichCells(ctx, cells, { selection, deadline: T0 + 3_600_000 });
  const sent = api.requestLog().length;
  const again = enrichCells(ctx, cells, { selection, deadline: clock.now() + 3_600_000 });
  expect(api.requestLog()).toHaveLength(sent);
  expect(again.outcomes.filter((o) => o.status === 'matched').every((o) => o.status === 'matched' && o.fromCache)).toBe(true);
});
