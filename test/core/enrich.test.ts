// The engine's rules, each with numbers: requests per identifier type, the matched_on join,
// fan-out, cache, auth failures, 400 bisection, retries, pacing, deadlines, malformed answers.
import { DEFAULT_API_OPTIONS, ENDPOINT_PATHS } from '../../src/core/apiOptions';
import {
  enrichCells, forgetKeyVerdict, LIVE_EXTRA_CREDITS_PER_MATCH, nextRequestSlotAt, rateWindowKey, STOP_MESSAGES, worstCaseCredits, type EnrichOptions,
} from '../../src/core/enrich';
import { identifierKey } from '../../src/core/jobWorker';
import { dedupeIdentifiers } from '../../src/core/identifiers';
import { jobEngineFor } from '../../src/core/jobEngine';
import { AUTH_MEMO_SECONDS, KEY_WORKS_SECONDS, keyVerdictKey, parseKeyVerdict } from '../../src/core/keyVerdict';
import { apiKeyFingerprint, MESSAGES } from '../../src/core/crustdataClient';
import { seededRandom } from '../../src/core/retry';
import { ResultCache } from '../../src/core/resultCache';
import { selectionKey } from '../../src/core/catalog';
import { MATCH_INFO_KEY, matchInfoOf } from '../../src/core/matches';
import type { RowOutcome } from '../../src/core/types';
import { countingHasher, email, fakeWorld, nodeHasher, okServer, personFor, profileUrl, T0, type FakeReply, type FakeWorld, type LoggedRequest } from './fakes';

const selection = { fields: ['basic_profile'] };
const HOUR = 3_600_000;

function options(overrides: Partial<EnrichOptions> = {}): EnrichOptions {
  return { selection, deadline: T0 + HOUR, retry: { random: seededRandom(42) }, ...overrides };
}

function names(outcomes: RowOutcome[]): Array<string | null> {
  return outcomes.map((o) => (o.status === 'matched' ? ((o.person.basic_profile as { name: string }).name) : null));
}

const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => i + from);

describe('requests', () => {
  test('ceil(urls/25) + ceil(emails/25) requests, one identifier type each, the selection, the headers', () => {
    const world = fakeWorld();
    const cells = [...range(60).map(profileUrl), ...range(30).map(email)];
    const result = enrichCells(world.ctx, cells, options());

    expect(world.http.log).toHaveLength(3 + 2);
    expect(result.stats.requests).toBe(5);
    for (const request of world.http.log) {
      expect(request.identifiers.length).toBeLessThanOrEqual(25);
      expect(Object.keys(request.body).filter((k) => k === 'professional_network_profile_urls' || k === 'business_emails')).toHaveLength(1);
      expect(request.body.fields).toEqual(['basic_profile']);
      expect(request.body).not.toHaveProperty('force_fetch');
      expect(request.url).toBe('https://api.crustdata.com/person/enrich');
      expect(request.method).toBe('post');
      expect(request.headers.authorization).toBe('Bearer test-key-0123456789abcdef');
      expect(request.headers['x-api-version']).toBe('2025-11-01');
      expect(request.headers['content-type']).toBe('application/json');
    }
    expect(world.http.log.filter((r) => r.kind === 'profile_url').flatMap((r) => r.identifiers).sort()).toEqual(range(60).map(profileUrl).sort());
    expect(world.http.log.filter((r) => r.kind === 'business_email').flatMap((r) => r.identifiers).sort()).toEqual(range(30).map(email).sort());
    expect(names(result.outcomes)).toEqual(cells.map((id) => `Person ${id}`));
    // All five fit in the window: one fetchAll.
    expect(world.http.calls).toBe(1);
    expect(result.stats.creditsUsed).toBe(90);
  });

  test('force_fetch is sent when asked for', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [profileUrl(1)], options({ forceFetch: true }));
    expect(world.http.log[0].body.force_fetch).toBe(true);
  });

  test('results are joined on matched_on, not on position', () => {
    const world = fakeWorld({ server: okServer({ shuffle: true }) });
    const cells = range(25).map(profileUrl);
    const result = enrichCells(world.ctx, cells, options());
    expect(names(result.outcomes)).toEqual(cells.map((id) => `Person ${id}`));
  });

  test('duplicates are sent once and fanned out; blank and invalid rows are never sent', () => {
    const world = fakeWorld();
    const cells = [
      'https://www.linkedin.com/in/ada',
      '',
      'HTTPS://uk.linkedin.com/in/Ada/?utm_source=x',
      'not an identifier',
      'mailto:Ada@Example.com',
      'ada@example.com',
      null,
      'linkedin.com/in/ada/details/experience/',
    ];
    const result = enrichCells(world.ctx, cells, options());
    expect(world.http.log.map((r) => r.identifiers)).toEqual([['https://www.linkedin.com/in/ada'], ['ada@example.com']]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'blank', 'matched', 'invalid', 'matched', 'matched', 'blank', 'matched']);
    expect(names(result.outcomes)[7]).toBe('Person https://www.linkedin.com/in/ada');
    expect(result.outcomes[4]).toMatchObject({ identifier: 'ada@example.com' });
    // Fanned-out rows are separate objects: a caller editing one row cannot change another.
    expect(result.outcomes[0]).not.toBe(result.outcomes[2]);
  });

  test('a person with no match is not_found; an identifier missing from the answer fails alone', () => {
    const server = okServer({ notFound: new Set([profileUrl(2)]) });
    const world = fakeWorld({
      server: (request, now) => {
        const reply = server(request, now) as { body: string };
        const entries = (JSON.parse(reply.body) as Array<{ matched_on: string }>).filter((e) => e.matched_on !== profileUrl(3));
        return { ...reply, body: JSON.stringify(entries) };
      },
    });
    const result = enrichCells(world.ctx, range(5).map(profileUrl), options());
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'matched', 'not_found', 'failed', 'matched']);
    expect(result.outcomes[3]).toMatchObject({ code: 'malformed_response', message: MESSAGES.missingFromResponse });
  });

  test('the candidate with the highest confidence wins', () => {
    const world = fakeWorld({
      server: (request) => ({
        body: JSON.stringify([
          {
            matched_on: request.identifiers[0],
            matches: [
              { confidence_score: 0.4, person_data: { basic_profile: { name: 'Low' } } },
              { confidence_score: 0.9, person_data: { basic_profile: { name: 'High' } } },
              { confidence_score: null, person_data: null },
            ],
          },
        ]),
      }),
    });
    expect(names(enrichCells(world.ctx, [email(1)], options()).outcomes)).toEqual(['High']);
  });
});

describe('cache', () => {
  test('a second run answers from the cache and sends nothing, with one getAll', () => {
    const world = fakeWorld({ server: okServer({ notFound: new Set([profileUrl(4)]) }) });
    const cells = [...range(30).map(profileUrl), profileUrl(1), email(1)];
    const first = enrichCells(world.ctx, cells, options());
    expect(first.stats.cacheHits).toBe(0);
    const requestsAfterFirst = world.http.log.length;
    const getAllBefore = world.resultCache.calls.getAll;

    const second = enrichCells(world.ctx, cells, options());
    expect(world.http.log.length).toBe(requestsAfterFirst);
    expect(second.stats.requests).toBe(0);
    expect(second.stats.cacheHits).toBe(31);
    expect(world.resultCache.calls.getAll - getAllBefore).toBe(1);
    expect(second.outcomes.map((o) => o.status)).toEqual(first.outcomes.map((o) => o.status));
    expect(second.outcomes[4]).toMatchObject({ status: 'not_found', fromCache: true });
    expect(second.outcomes[0]).toMatchObject({ status: 'matched', fromCache: true });
    expect(names(second.outcomes)).toEqual(names(first.outcomes));
  });

  test('one putAll per burst, entries keyed by hash, and the key is never stored', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [...range(60).map(profileUrl), email(9)], options());
    expect(world.resultCache.calls.putAll).toBe(1);
    expect(world.resultCache.calls.put).toBe(0);
    const keys = world.resultCache.keys();
    expect(keys).toHaveLength(61);
    for (const key of keys) {
      expect(key.length).toBeLessThanOrEqual(250);
      expect(key).not.toContain('linkedin');
    }
    const everything = [...world.resultCache.entries.entries(), ...world.sharedCache.entries.entries()].map(([k, v]) => k + v.value).join('\n');
    expect(everything).not.toContain(world.ctx.apiKey as string);
  });

  test('each identifier is hashed once per execution: cache read, cache write, later calls and the estimate', () => {
    const world = fakeWorld();
    const hasher = countingHasher();
    world.ctx.hasher = hasher;
    const cells = [...range(60).map(profileUrl), profileUrl(1), ...range(10).map(email)];
    const first = enrichCells(world.ctx, cells, options());
    expect(first.stats.requests).toBe(4);
    // 70 cache keys (read before sending, written after) and the key's fingerprint.
    expect(hasher.calls).toBe(70 + 1);
    expect([...hasher.texts.values()].every((n) => n === 1)).toBe(true);
    // The next engine call of the same execution, and the job's estimate, hash nothing again.
    expect(enrichCells(world.ctx, cells, options()).stats.cacheHits).toBe(70);
    expect(jobEngineFor(world.ctx).cachedKeys(dedupeIdentifiers(cells).unique, selection).size).toBe(70);
    expect(hasher.calls).toBe(71);
  });

  test('a different selection is a different cache entry', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [profileUrl(1)], options());
    enrichCells(world.ctx, [profileUrl(1)], options({ selection: { fields: ['basic_profile', 'experience'] } }));
    expect(world.http.log).toHaveLength(2);
  });

  test('maxCacheAgeMs refetches older entries; fresher ones still count', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [profileUrl(1)], options());
    world.clock.advance(2 * HOUR);
    enrichCells(world.ctx, [profileUrl(2)], options({ deadline: world.clock.now() + HOUR }));
    const refresh = enrichCells(world.ctx, [profileUrl(1), profileUrl(2)], options({ deadline: world.clock.now() + HOUR, maxCacheAgeMs: HOUR }));
    expect(refresh.stats.cacheHits).toBe(1);
    expect(world.http.log.at(-1)?.identifiers).toEqual([profileUrl(1)]);
    expect(refresh.outcomes[0]).toMatchObject({ status: 'matched', fromCache: false, fetchedAt: world.clock.now() });
  });

  test('a 60,000-character summary does not break caching: it is cut to fit a cell and cached', () => {
    const huge = 'x'.repeat(150_000);
    const world = fakeWorld({
      server: (request) => ({
        body: JSON.stringify([{ matched_on: request.identifiers[0], matches: [{ person_data: { basic_profile: { name: 'Big', summary: huge } } }] }]),
      }),
    });
    const first = enrichCells(world.ctx, [profileUrl(1)], options());
    // The run itself returns the full data; flattening cuts it visibly for the cell.
    expect(((first.outcomes[0] as unknown as { person: { basic_profile: { summary: string } } }).person.basic_profile.summary).length).toBe(150_000);
    const second = enrichCells(world.ctx, [profileUrl(1)], options());
    expect(second.stats.cacheHits).toBe(1);
    const summary = (second.outcomes[0] as unknown as { person: { basic_profile: { summary: string } } }).person.basic_profile.summary;
    expect(summary.length).toBe(50_000);
    expect(summary.endsWith('…')).toBe(true);
  });

  test('a value that cannot be shrunk under 100 KB is not cached, and nothing throws', () => {
    const manyFields = Object.fromEntries(range(20_000).map((i) => [`k${i}`, 'v'.repeat(10)]));
    const world = fakeWorld({
      server: (request) => ({ body: JSON.stringify([{ matched_on: request.identifiers[0], matches: [{ person_data: manyFields }] }]) }),
    });
    expect(enrichCells(world.ctx, [profileUrl(1)], options()).outcomes[0].status).toBe('matched');
    expect(world.resultCache.keys()).toHaveLength(0);
    expect(enrichCells(world.ctx, [profileUrl(1)], options()).stats.requests).toBe(1);
  });
});

describe('authentication and permissions', () => {
  const reply401: FakeReply = { status: 401, body: JSON.stringify({ message: 'Invalid API key in request' }) };

  test('no key: every row fails with missing_api_key and nothing is sent', () => {
    const world = fakeWorld({ apiKey: null });
    const result = enrichCells(world.ctx, [profileUrl(1), '', 'junk', email(1)], options());
    expect(world.http.calls).toBe(0);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'blank', 'invalid', 'failed']);
    expect(result.outcomes[0]).toMatchObject({ code: 'missing_api_key' });
    expect(result.fatal?.code).toBe('missing_api_key');
  });

  test('401 stops the run at once, fails the remaining rows, and is remembered for 5 minutes', () => {
    const world = fakeWorld({ requestsPerMinute: 2, server: () => reply401 });
    const cells = range(100).map(profileUrl);
    const result = enrichCells(world.ctx, cells, options());
    // The key was seen working: its burst went out whole (two requests fitted the window); the
    // 401 stopped the other two batches from being sent.
    expect(world.http.log).toHaveLength(2);
    expect(world.clock.slept).toBe(0);
    expect(result.fatal).toEqual({ code: 'invalid_api_key', message: MESSAGES.invalidKey });
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === 'invalid_api_key')).toBe(true);
    expect(MESSAGES.invalidKey).toContain('Set API key');

    // Another execution (another cell) with the same key does not ask the API.
    const other = fakeWorld({ shared: world, server: () => reply401 });
    const again = enrichCells(other.ctx, [profileUrl(500)], options());
    expect(other.http.calls).toBe(0);
    expect(again.outcomes[0]).toMatchObject({ status: 'failed', code: 'invalid_api_key' });

    // A new key is not affected by the old key's memo.
    const newKey = fakeWorld({ shared: world, apiKey: 'another-key-999', server: okServer() });
    expect(enrichCells(newKey.ctx, [profileUrl(500)], options()).outcomes[0].status).toBe('matched');

    // After the memo expires the key is tried again.
    world.clock.advance(5 * 60_000 + 1);
    const later = fakeWorld({ shared: world, server: okServer() });
    expect(enrichCells(later.ctx, [profileUrl(500)], options({ deadline: world.clock.now() + HOUR })).outcomes[0].status).toBe('matched');
  });

  test('rows answered by the cache stay answered when the key is rejected', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [profileUrl(1)], options());
    const rejected = fakeWorld({ shared: world, server: () => reply401 });
    const result = enrichCells(rejected.ctx, [profileUrl(1), profileUrl(2)], options());
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'failed']);
  });

  test.each([
    [{ error: { type: 'insufficient_credits', message: 'Not enough credits' } }, 'insufficient_credits'],
    [{ error: { type: 'permission_error', message: 'Field certifications not allowed for this key' } }, 'permission_denied'],
    [{ message: 'Forbidden' }, 'permission_denied'],
  ])('403 %j stops with %s', (body, code) => {
    const world = fakeWorld({ server: () => ({ status: 403, body: JSON.stringify(body) }), requestsPerMinute: 1 });
    const result = enrichCells(world.ctx, [...range(30).map(profileUrl), email(1)], options());
    expect(world.http.log).toHaveLength(1);
    expect(result.fatal?.code).toBe(code);
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === code)).toBe(true);
  });
});

describe('a key not seen working lately sends one request first', () => {
  const reply401: FakeReply = { status: 401, body: JSON.stringify({ message: 'Invalid API key in request' }) };
  const fingerprintOf = (world: FakeWorld) => apiKeyFingerprint(nodeHasher, world.ctx.apiKey as string);
  const verdictOf = (world: FakeWorld, at = world.clock.now()) => parseKeyVerdict(world.sharedCache.peek(keyVerdictKey(fingerprintOf(world))), at);

  test('a revoked key costs one refused request, not a burst of 12', () => {
    const world = fakeWorld({ keySeenWorking: false, server: () => reply401 });
    const result = enrichCells(world.ctx, range(300).map(profileUrl), options());
    expect(world.http.log).toHaveLength(1);
    expect(result.fatal).toEqual({ code: 'invalid_api_key', message: MESSAGES.invalidKey });
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === 'invalid_api_key')).toBe(true);
    expect(verdictOf(world)).toEqual({ kind: 'refused', code: 'invalid_api_key' });
  });

  test('a key seen working sends its burst whole from the first request: no lone request, no wait', () => {
    const world = fakeWorld();
    const result = enrichCells(world.ctx, range(300).map(profileUrl), options());
    expect(world.http.bursts().map((burst) => burst.length)).toEqual([12]);
    expect(world.clock.now()).toBe(T0 + 1_000);
    expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
  });

  test('a working key not seen lately: one request, the rest once it is accepted; full bursts for 5 minutes after', () => {
    const world = fakeWorld({ keySeenWorking: false });
    enrichCells(world.ctx, range(300).map(profileUrl), options());
    const first = world.http.bursts();
    expect(first.map((burst) => burst.length)).toEqual([1, 11]);
    // The lone request holds the top rows; the rest leave the moment its answer is back.
    expect(first[0][0].identifiers[0]).toBe(profileUrl(0));
    expect(first[1][0].sentAt).toBe(T0 + 1_000);
    expect(verdictOf(world)).toEqual({ kind: 'works', until: T0 + 1_000 + KEY_WORKS_SECONDS * 1000 });

    // Another execution 4 minutes later: the key counts as working, its burst is whole.
    world.clock.advance(4 * 60_000);
    const later = fakeWorld({ shared: world });
    enrichCells(later.ctx, range(300, 1_000).map(profileUrl), options({ deadline: world.clock.now() + HOUR }));
    expect(world.http.bursts().slice(2).map((burst) => burst.length)).toEqual([12]);

    // The memo was written when the key was first accepted, not again 4 minutes later: it had
    // more than half its life left. 6 minutes on, it has run out: one request first again.
    world.clock.advance(6 * 60_000);
    expect(verdictOf(world).kind).toBe('unknown');
    enrichCells(later.ctx, range(300, 2_000).map(profileUrl), options({ deadline: world.clock.now() + HOUR }));
    expect(world.http.bursts().slice(3).map((burst) => burst.length)).toEqual([1, 11]);
  });

  test('a long run refreshes the memo once per half its life, not once per burst', () => {
    const world = fakeWorld({ keySeenWorking: false });
    const verdictKey = keyVerdictKey(fingerprintOf(world));
    const put = world.sharedCache.put.bind(world.sharedCache);
    const writes: number[] = [];
    world.sharedCache.put = (key, value, ttl) => {
      if (key === verdictKey) writes.push(world.clock.now());
      put(key, value, ttl);
    };
    // 100 requests at 15 a minute: the lone first request, then bursts at 1 s and every 61 s.
    enrichCells(world.ctx, range(100 * 25).map(profileUrl), options());
    expect(world.http.bursts().map((burst) => burst.length)).toEqual([1, 14, 15, 15, 15, 15, 15, 10]);
    // Written when the key was first accepted, then whenever less than half its life was left.
    const halfLife = (KEY_WORKS_SECONDS * 1000) / 2;
    expect(writes.length).toBe(3);
    expect(writes[0]).toBe(T0 + 1_000);
    for (let i = 1; i < writes.length; i++) expect(writes[i] - writes[i - 1]).toBeGreaterThanOrEqual(halfLife);
    expect(verdictOf(world).kind).toBe('works');
  });

  test('a key revoked within 5 minutes of a success costs at most one burst; then the memo stops every execution', () => {
    const world = fakeWorld({ server: () => reply401 });
    enrichCells(world.ctx, range(300).map(profileUrl), options());
    expect(world.http.log).toHaveLength(12);
    const other = fakeWorld({ shared: world });
    expect(enrichCells(other.ctx, range(300, 1_000).map(profileUrl), options()).fatal?.code).toBe('invalid_api_key');
    expect(world.http.log).toHaveLength(12);
  });

  test('a lone request that fails for another reason (5xx) leaves the next one alone too, until one is accepted', () => {
    const world = fakeWorld({ keySeenWorking: false });
    world.http.script.push({ status: 500, body: '{"error":{"message":"boom"}}' });
    const result = enrichCells(world.ctx, range(100).map(profileUrl), options());
    expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
    // The 500 alone; the next batch alone (accepted, 1 s); by then the first one's backoff (under
    // 1 s) is over: it goes with the other two.
    expect(world.http.bursts().map((burst) => burst.length)).toEqual([1, 1, 3]);
    expect(world.http.log[0].identifiers).toEqual(world.http.log[2].identifiers);
  });

  test('out of credits, the same: one request, remembered for a minute', () => {
    const world = fakeWorld({ keySeenWorking: false, server: () => ({ status: 403, body: JSON.stringify({ error: { type: 'insufficient_credits', message: 'Not enough credits' } }) }) });
    expect(enrichCells(world.ctx, range(300).map(profileUrl), options()).fatal?.code).toBe('insufficient_credits');
    expect(world.http.log).toHaveLength(1);
    expect(verdictOf(world)).toEqual({ kind: 'refused', code: 'insufficient_credits' });
    expect(verdictOf(world, world.clock.now() + 60_000 + 1).kind).toBe('unknown');
  });

  test("a refusal is kept for the cache's longest time, yet holds for 5 minutes; forgetting it sends one request next", () => {
    const world = fakeWorld({ server: () => reply401 });
    enrichCells(world.ctx, [profileUrl(1)], options());
    const key = keyVerdictKey(fingerprintOf(world));
    // Kept in the cache for its longest time (a full cache drops the soonest to expire first)...
    expect(world.sharedCache.entries.get(key)!.expiresAt).toBe(world.clock.now() + 21_600_000);
    // ...yet it holds for 5 minutes only.
    expect(verdictOf(world)).toEqual({ kind: 'refused', code: 'invalid_api_key' });
    expect(verdictOf(world, world.clock.now() + AUTH_MEMO_SECONDS * 1000 + 1).kind).toBe('unknown');

    // The user says it is fixed (Resume): the next run asks the API, starting with one request.
    forgetKeyVerdict(world.ctx);
    expect(world.sharedCache.peek(key)).toBeNull();
    const fixed = fakeWorld({ shared: world, server: okServer() });
    enrichCells(fixed.ctx, range(300, 1_000).map(profileUrl), options());
    expect(fixed.http.bursts().map((burst) => burst.length)).toEqual([1, 11]);
  });

  test("the verdict lives in the key's own cache, beside its rate window, never with the results", () => {
    const world = fakeWorld({ keySeenWorking: false });
    enrichCells(world.ctx, [profileUrl(1)], options());
    expect(world.sharedCache.keys('cd:auth:')).toEqual([keyVerdictKey(fingerprintOf(world))]);
    expect(world.sharedCache.keys('cd:rate:')).toEqual([rateWindowKey(fingerprintOf(world))]);
    expect(world.resultCache.keys('cd:auth:')).toEqual([]);
    expect(world.sharedCache.peek(keyVerdictKey(fingerprintOf(world)))).not.toContain(world.ctx.apiKey as string);
  });
});

describe('killed executions: an answer paid for is never bought again', () => {
  class Killed extends Error {}

  /**
   * An execution that can be killed at a chosen call: inside the n-th fetchAll (its answers
   * arrived and were charged, the script never sees them), or at the first lock taken after the
   * n-th fetchAll returned (the pacing's bookkeeping). From then on every call of a fake throws,
   * as every service does in Apps Script, until the next execution (`revive`).
   */
  function mortal(world: FakeWorld) {
    const kill = { inFetchAll: null as number | null, atLockAfterFetchAll: null as number | null };
    let dead = false;
    const die = (where: string): never => {
      dead = true;
      throw new Killed(`killed at ${where}`);
    };
    const alive = () => {
      if (dead) throw new Killed('the execution is over');
    };
    const fetchAll = world.http.fetchAll.bind(world.http);
    world.http.fetchAll = (requests) => {
      alive();
      const responses = fetchAll(requests);
      if (world.http.calls === kill.inFetchAll) die('fetchAll');
      return responses;
    };
    const tryLock = world.lock.tryLock.bind(world.lock);
    world.lock.tryLock = () => {
      alive();
      if (kill.atLockAfterFetchAll !== null && world.http.calls >= kill.atLockAfterFetchAll) die('the lock');
      return tryLock();
    };
    const sleep = world.clock.sleep.bind(world.clock);
    world.clock.sleep = (ms) => {
      alive();
      sleep(ms);
    };
    for (const cache of [world.resultCache, world.sharedCache]) {
      for (const method of ['get', 'getAll', 'put', 'putAll', 'remove'] as const) {
        const original = (cache[method] as (...args: unknown[]) => unknown).bind(cache);
        (cache as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
          alive();
          return original(...args);
        };
      }
    }
    return {
      kill,
      revive() {
        dead = false;
        kill.inFetchAll = kill.atLockAfterFetchAll = null;
      },
    };
  }

  const rateHeaders = () => ({ 'x-ratelimit-limit': '15', 'x-ratelimit-remaining': '10', 'x-ratelimit-reset': '60' });

  test('killed at the rate window bookkeeping after a burst: the re-run sends nothing for what that burst answered', () => {
    const world = fakeWorld({ server: okServer({ headers: rateHeaders }) });
    const execution = mortal(world);
    const cells = range(100).map(profileUrl);
    execution.kill.atLockAfterFetchAll = 1;
    expect(() => enrichCells(world.ctx, cells, options())).toThrow(Killed);
    expect(world.http.log).toHaveLength(4);

    execution.revive();
    const rerun = enrichCells(world.ctx, cells, options({ deadline: world.clock.now() + HOUR }));
    expect(world.http.log).toHaveLength(4);
    expect(rerun.stats.cacheHits).toBe(100);
    expect(names(rerun.outcomes)).toEqual(cells.map((id) => `Person ${id}`));
  });

  test("killed at a 429's hold on the key: the re-run sends only the refused batch", () => {
    const ok = okServer();
    let received = 0;
    const world = fakeWorld({ server: (request, now) => (received++ === 1 ? { status: 429, headers: { 'retry-after': '7' } } : ok(request, now)) });
    const execution = mortal(world);
    const cells = range(100).map(profileUrl);
    execution.kill.atLockAfterFetchAll = 1;
    expect(() => enrichCells(world.ctx, cells, options())).toThrow(Killed);
    const refused = world.http.log[1].identifiers;

    execution.revive();
    world.clock.advance(7_000);
    enrichCells(world.ctx, cells, options({ deadline: world.clock.now() + HOUR }));
    expect(world.http.log.slice(4).map((request) => request.identifiers)).toEqual([refused]);
  });

  test('killed while a burst is in flight: the re-run buys that burst again, and nothing of the bursts before', () => {
    const world = fakeWorld();
    const execution = mortal(world);
    const cells = range(16 * 25).map(profileUrl);
    execution.kill.inFetchAll = 2;
    expect(() => enrichCells(world.ctx, cells, options())).toThrow(Killed);
    expect(world.http.bursts().map((burst) => burst.length)).toEqual([15, 1]);
    const lost = world.http.bursts()[1].flatMap((request) => request.identifiers);

    execution.revive();
    enrichCells(world.ctx, cells, options({ deadline: world.clock.now() + HOUR }));
    expect(world.http.log.slice(16).flatMap((request) => request.identifiers)).toEqual(lost);
  });
});

describe('400: isolating the bad identifier', () => {
  function serverRejecting(bad: Set<string>) {
    const ok = okServer();
    return (request: LoggedRequest, now: number): FakeReply =>
      request.identifiers.some((id) => bad.has(id))
        ? { status: 400, body: JSON.stringify({ error: { type: 'invalid_request', message: 'Invalid profile URL in request', metadata: [] } }) }
        : ok(request, now);
  }

  test.each([0, 12, 24])('one bad identifier at position %i costs the other 24 nothing, in log2 steps', (position) => {
    const cells = range(25).map(profileUrl);
    const world = fakeWorld({ server: serverRejecting(new Set([cells[position]])) });
    const result = enrichCells(world.ctx, cells, options());

    expect(result.outcomes.filter((o) => o.status === 'matched')).toHaveLength(24);
    expect(result.outcomes[position]).toMatchObject({ status: 'failed', code: 'bad_identifier' });
    expect((result.outcomes[position] as { message: string }).message).toContain('Invalid profile URL in request');
    // 25 → 13 → 7 → 4 → 2 → 1 at most: one failed request per halving, plus the first.
    expect(result.stats.badRequests).toBeLessThanOrEqual(1 + Math.ceil(Math.log2(25)));
    expect(result.stats.badRequests).toBeGreaterThanOrEqual(1 + Math.floor(Math.log2(25)) - 1);
    // Every halving sends both halves.
    expect(result.stats.requests).toBe(1 + 2 * (result.stats.badRequests - 1));
    expect(world.http.log.filter((r) => r.identifiers.length === 1 && r.identifiers[0] === cells[position])).toHaveLength(1);
  });

  test('a refused field selection stops the run instead of splitting', () => {
    const world = fakeWorld({
      server: () => ({ status: 400, body: JSON.stringify({ error: { type: 'invalid_request', message: "Unsupported field: 'basic_profile.nope'" } }) }),
    });
    const result = enrichCells(world.ctx, range(50).map(profileUrl), options());
    expect(result.stats.requests).toBe(2);
    expect(result.fatal?.code).toBe('unknown_field');
    expect(result.outcomes.every((o) => o.status === 'failed' && o.code === 'unknown_field')).toBe(true);
  });

  test('when every single identifier is refused and nothing succeeds, the run stops', () => {
    const world = fakeWorld({ server: () => ({ status: 400, body: JSON.stringify({ error: { type: 'invalid_request', message: 'Bad request' } }) }) });
    const result = enrichCells(world.ctx, range(25).map(profileUrl), options());
    expect(result.fatal?.code).toBe('bad_request');
    // It stops within the second window's burst, long before each identifier was tried alone.
    expect(result.stats.requests).toBeLessThanOrEqual(2 * 15);
    expect(world.http.log.filter((r) => r.identifiers.length === 1).length).toBeLessThan(25);
    expect(world.http.calls).toBe(5);
    expect(result.outcomes.every((o) => o.status === 'failed')).toBe(true);
  });
});

describe('retries', () => {
  test('a 500 is retried after a backoff and then succeeds', () => {
    const world = fakeWorld();
    world.http.script.push({ status: 500, body: JSON.stringify({ error: { type: 'internal_error', message: 'boom' } }) });
    const result = enrichCells(world.ctx, [profileUrl(1)], options());
    expect(result.outcomes[0].status).toBe('matched');
    expect(result.stats).toMatchObject({ requests: 2, retries: 1, serverErrors: 1 });
    const [first, second] = world.http.log;
    // Equal jitter on a 1 s base: between 0.5 s and 1 s after the failure came back (1 s latency).
    expect(second.sentAt - first.sentAt - 1_000).toBeGreaterThanOrEqual(500);
    expect(second.sentAt - first.sentAt - 1_000).toBeLessThanOrEqual(1_000);
  });

  test('a 429 waits exactly its Retry-After, and holds back every batch of the key', () => {
    const world = fakeWorld();
    world.http.script.push({ status: 429, headers: { 'retry-after': '7' }, body: '{"error":{"type":"rate_limit_error","message":"slow down"}}' });
    const result = enrichCells(world.ctx, [...range(30).map(profileUrl)], options());
    expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
    expect(result.stats).toMatchObject({ rateLimited: 1, retries: 1, requests: 3 });
    const retry = world.http.log[2];
    expect(retry.sentAt).toBe(T0 + 1_000 + 7_000);

    // Another execution of the same key waits for it too. This one cannot wait (short deadline).
    world.http.script.push({ status: 429, headers: { 'retry-after': '20' } });
    const answeredAt = world.clock.now() + 1_000;
    const short = enrichCells(world.ctx, [profileUrl(100)], options({ deadline: world.clock.now() + 5_000, maxRequestMs: 2_000 }));
    expect(short.outcomes[0].status).toBe('pending');
    expect(short.resumeAt).toBe(answeredAt + 20_000);
    const other = fakeWorld({ shared: world, server: okServer() });
    enrichCells(other.ctx, [profileUrl(200)], options());
    expect(other.http.log[0].sentAt).toBe(answeredAt + 20_000);
  });

  test('a transport timeout fails the whole fetchAll: every batch in it is retried', () => {
    const world = fakeWorld();
    world.http.script.push({ transportError: 'Timeout', latencyMs: 60_000 });
    const result = enrichCells(world.ctx, range(50).map(profileUrl), options());
    expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
    expect(result.stats).toMatchObject({ requests: 4, retries: 2, transportErrors: 1 });
    expect(world.http.calls).toBe(2);
  });

  test('after maxAttempts failures the rows fail with the last error', () => {
    const world = fakeWorld({ server: () => ({ status: 503, body: 'unavailable' }) });
    const result = enrichCells(world.ctx, [profileUrl(1), profileUrl(1)], options({ retry: { maxAttempts: 4, random: () => 0.5 } }));
    expect(world.http.log).toHaveLength(4);
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'failed']);
    expect(result.outcomes[0]).toMatchObject({ code: 'server_error', message: MESSAGES.serverError });
    expect(result.fatal).toBeUndefined();
    // Backoffs of 0.75, 1.5 and 3 s between the four tries (random 0.5).
    const gaps = world.http.log.slice(1).map((r, i) => r.sentAt - world.http.log[i].sentAt - 1_000);
    expect(gaps).toEqual([750, 1_500, 3_000]);
  });

  test('a cut-off answer is sent again like a 5xx, with the same backoff, and then succeeds', () => {
    const world = fakeWorld();
    const whole = JSON.stringify([{ matched_on: profileUrl(1), matches: [{ confidence_score: 1, person_data: personFor(profileUrl(1)) }] }]);
    // The transfer broke off half way: a 200 whose JSON ends mid-object.
    world.http.script.push({ status: 200, body: whole.slice(0, Math.floor(whole.length / 2)) });
    const result = enrichCells(world.ctx, [profileUrl(1), profileUrl(1)], options({ retry: { random: () => 0.5 } }));
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'matched']);
    expect(result.stats).toMatchObject({ requests: 2, retries: 1, malformedResponses: 1 });
    expect(result.fatal).toBeUndefined();
    // The 5xx backoff: 0.75 s (random 0.5 on a 1 s base) after the broken answer came back.
    const [first, second] = world.http.log;
    expect(second.sentAt - first.sentAt - 1_000).toBe(750);
    expect(second.identifiers).toEqual([profileUrl(1)]);
  });

  test('an answer that stays broken fails only its batch, after maxAttempts, and the run goes on', () => {
    const ok = okServer();
    const world = fakeWorld({ server: (request, now) => (request.kind === 'business_email' ? { body: '<html>oops</html>' } : ok(request, now)) });
    const result = enrichCells(world.ctx, [profileUrl(1), email(1), profileUrl(2)], options({ retry: { maxAttempts: 4, random: () => 0.5 } }));
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'failed', 'matched']);
    expect(result.outcomes[1]).toMatchObject({ code: 'malformed_response' });
    expect((result.outcomes[1] as { message: string }).message).toBe(`${MESSAGES.malformedResponse} (Crustdata sent a response that is not JSON.)`);
    expect(world.http.log.filter((r) => r.kind === 'business_email')).toHaveLength(4);
    expect(result.stats.malformedResponses).toBe(4);
    expect(result.fatal).toBeUndefined();
  });

  test.each([['{"not":"an array"}'], ['[{"matched_on":"x","matches":{"a":1}}]'], ['']])('a broken envelope %s is retried, then fails the batch', (body) => {
    const world = fakeWorld({ server: () => ({ body }) });
    const result = enrichCells(world.ctx, [profileUrl(1)], options());
    expect(world.http.log).toHaveLength(5);
    expect(result.outcomes[0]).toMatchObject({ status: 'failed', code: 'malformed_response' });
    expect(result.fatal).toBeUndefined();
  });

  test('a broken answer whose retry would end past the deadline leaves the rows pending, not failed', () => {
    const world = fakeWorld({ server: () => ({ body: '[{"matched_on": ' }) });
    const result = enrichCells(world.ctx, [profileUrl(1)], options({ deadline: T0 + 20_000, maxRequestMs: 15_000, retry: { random: () => 0.99 } }));
    expect(world.clock.now()).toBeLessThanOrEqual(T0 + 20_000);
    expect(result.outcomes[0].status).toBe('pending');
    expect((result.outcomes[0] as { message: string }).message).toContain(MESSAGES.pendingAfterError);
  });
});

describe('pacing', () => {
  test('16 requests at 15/min: 15 in one fetchAll, the 16th one window later', () => {
    const world = fakeWorld();
    const result = enrichCells(world.ctx, range(16 * 25).map(profileUrl), options());
    const bursts = world.http.bursts();
    expect(bursts.map((b) => b.length)).toEqual([15, 1]);
    expect(bursts[1][0].sentAt - bursts[0][0].sentAt).toBe(61_000);
    expect(result.stats.rateLimited).toBe(0);
    expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
  });

  test('the limit is configurable per key plan', () => {
    const world = fakeWorld({ requestsPerMinute: 60 });
    enrichCells(world.ctx, range(40 * 25).map(profileUrl), options());
    expect(world.http.bursts().map((b) => b.length)).toEqual([40]);
  });

  test('two executions with the same key share one window through the shared cache', () => {
    const a = fakeWorld();
    const b = fakeWorld({ shared: a, server: okServer() });
    enrichCells(a.ctx, range(10 * 25).map(profileUrl), options());
    enrichCells(b.ctx, range(10 * 25, 1000).map(profileUrl), options());
    expect(b.http.bursts().map((x) => x.length)).toEqual([5, 5]);
    expect(b.http.log[5].sentAt).toBe(T0 + 61_000);
    // The window's state is under a hash of the key, not the key.
    const fingerprint = apiKeyFingerprint(nodeHasher, a.ctx.apiKey as string);
    expect(a.sharedCache.keys('cd:rate:')).toEqual([rateWindowKey(fingerprint)]);
    expect(rateWindowKey(fingerprint)).not.toContain(a.ctx.apiKey as string);
  });

  test('a server reporting 0 remaining (someone else on the key) is waited out until its reset', () => {
    const world = fakeWorld({
      server: okServer({ headers: () => ({ 'x-ratelimit-limit': '15', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' }) }),
    });
    enrichCells(world.ctx, range(2 * 25).map(profileUrl), options());
    const bursts = world.http.bursts();
    expect(bursts.map((b) => b.length)).toEqual([2]);
    enrichCells(world.ctx, [profileUrl(999)], options());
    // Reset is 30 s after the answer came back (1 s latency), not 61 s after the send.
    expect(world.http.log[2].sentAt).toBe(T0 + 1_000 + 30_000);
  });

  test('a long job of block-sized calls takes the lock as often per call late as early, at the limit\'s speed', () => {
    // Blocks of 50 rows (two requests each) one after another, as the bulk job calls the engine.
    const world = fakeWorld({ requestsPerMinute: 16, server: okServer({ latencyMs: 1_100, headers: () => ({ 'x-ratelimit-limit': '16' }) }) });
    const locksPerCall: number[] = [];
    for (let block = 0; block < 64; block++) {
      const before = world.lock.acquisitions;
      const result = enrichCells(world.ctx, range(50, block * 50).map(profileUrl), options({ deadline: world.clock.now() + HOUR }));
      expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
      locksPerCall.push(world.lock.acquisitions - before);
    }
    // One reservation and one note of the server's headers per call, whether it waited or not:
    // a window seen full is waited out without asking it again.
    expect(new Set(locksPerCall)).toEqual(new Set([2]));
    expect(world.http.bursts().every((burst) => burst.length === 2)).toBe(true);
    // 128 requests at 16 per 61 s window: the last pair leaves at the start of the 8th window.
    expect(world.http.log.at(-1)!.sentAt - T0).toBeLessThanOrEqual(7 * 61_000 + 8 * 2_200);
    const times = world.http.log.map((r) => r.sentAt);
    for (const t of times) expect(times.filter((u) => u > t - 61_000 && u <= t).length).toBeLessThanOrEqual(16);
  });

  test('waiting for the window, it waits until every ready batch has a slot, then sends them together', () => {
    const world = fakeWorld({ latencyMs: 2_000 });
    // Fill the window in three steps, 5 requests apart: 5 at 0 s, 5 at 2 s, 5 at 4 s.
    for (let step = 0; step < 3; step++) enrichCells(world.ctx, range(5 * 25, step * 1_000).map(profileUrl), options());
    const before = world.lock.acquisitions;
    enrichCells(world.ctx, range(8 * 25, 10_000).map(profileUrl), options());
    const bursts = world.http.bursts().slice(3);
    // Eight ready batches: not 5 at 61 s and 3 at 63 s, but all 8 once 8 slots are free.
    expect(bursts.map((b) => b.length)).toEqual([8]);
    expect(bursts[0][0].sentAt).toBe(T0 + 2_000 + 61_000);
    // One reservation for the eight (and none to find the window full: the engine had seen it).
    expect(world.lock.acquisitions - before).toBe(1);
  });

  test('sends within a window never exceed the limit, over a long job', () => {
    const world = fakeWorld({ latencyMs: 2_500 });
    enrichCells(world.ctx, range(100 * 25).map(profileUrl), options({ deadline: T0 + 10 * HOUR }));
    const times = world.http.log.map((r) => r.sentAt);
    for (const t of times) expect(times.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(15);
    // 100 requests: 7 full windows, the last burst at 6 × 61 s.
    expect(times.at(-1)! - T0).toBe(6 * 61_000);
  });
});

describe('deadline', () => {
  test('a 30 s custom function sends what fits and leaves the rest pending, sending nothing it cannot finish', () => {
    const world = fakeWorld();
    const a = enrichCells(world.ctx, range(15 * 25).map(profileUrl), options());
    expect(a.stats.requests).toBe(15);
    const start = world.clock.now();
    const cells = range(3 * 25, 5000).map(profileUrl);
    const result = enrichCells(world.ctx, cells, options({ deadline: start + 30_000, maxRequestMs: 15_000 }));
    expect(result.stats.requests).toBe(0);
    expect(world.clock.now()).toBe(start);
    expect(result.outcomes.every((o) => o.status === 'pending')).toBe(true);
    expect((result.outcomes[0] as { message: string }).message).toBe(MESSAGES.pending);
    expect(result.resumeAt).toBe(T0 + 61_000);
  });

  test('within the deadline it waits for a slot; past it, the rest stays pending', () => {
    const world = fakeWorld({ requestsPerMinute: 2 });
    const result = enrichCells(world.ctx, range(6 * 25).map(profileUrl), options({ deadline: T0 + 140_000, maxRequestMs: 20_000 }));
    // Bursts at 0 and 61 s; one at 122 s could not finish by 140 s, given 20 s per request.
    expect(world.http.bursts().map((b) => b.map((r) => r.sentAt - T0)[0])).toEqual([0, 61_000]);
    expect(result.outcomes.filter((o) => o.status === 'matched')).toHaveLength(100);
    expect(result.outcomes.filter((o) => o.status === 'pending')).toHaveLength(50);
    expect(world.clock.now()).toBeLessThanOrEqual(T0 + 140_000);
    // The pending rows are the later ones.
    expect(result.outcomes.slice(100).every((o) => o.status === 'pending')).toBe(true);
  });

  test('a backoff that would end past the deadline leaves the batch pending with the last error', () => {
    const world = fakeWorld({ server: () => ({ status: 502, body: '' }) });
    const result = enrichCells(world.ctx, [profileUrl(1)], options({ deadline: T0 + 20_000, maxRequestMs: 15_000, retry: { random: () => 0.99 } }));
    expect(world.http.log.length).toBeGreaterThanOrEqual(1);
    expect(world.clock.now()).toBeLessThanOrEqual(T0 + 20_000);
    expect(result.outcomes[0].status).toBe('pending');
    expect((result.outcomes[0] as { message: string }).message).toBe(`${MESSAGES.pendingAfterError} (${MESSAGES.serverError})`);
  });

  test('with the default 60 s request budget nothing starts inside a 30 s deadline', () => {
    const world = fakeWorld();
    const result = enrichCells(world.ctx, [profileUrl(1)], options({ deadline: T0 + 30_000 }));
    expect(world.http.calls).toBe(0);
    expect(result.outcomes[0].status).toBe('pending');
  });
});

describe("the job's estimate (jobEngineFor(ctx).cachedKeys)", () => {
  test('counts what the cache answers with one getAll and no request', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, range(10).map(profileUrl), options());
    const calls = world.http.calls;
    const getAll = world.resultCache.calls.getAll;
    const { unique } = dedupeIdentifiers([...range(60).map(profileUrl), profileUrl(3), '', 'junk', ...range(26).map(email)]);
    const cached = jobEngineFor(world.ctx).cachedKeys(unique, selection);
    expect([...cached].sort()).toEqual(range(10).map((n) => identifierKey({ kind: 'profile_url', normalized: profileUrl(n) })).sort());
    expect(world.http.calls).toBe(calls);
    expect(world.resultCache.calls.getAll - getAll).toBe(1);
    // Another selection is another cache entry.
    expect(jobEngineFor(world.ctx).cachedKeys(unique, { fields: ['basic_profile', 'experience'] }).size).toBe(0);
  });

  test('reads what the engine wrote, as ResultCache does', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [profileUrl(1)], options());
    const cache = new ResultCache(world.resultCache, nodeHasher, selectionKey(selection));
    const hit = cache.getMany([{ kind: 'profile_url', normalized: profileUrl(1) }], world.clock.now());
    expect([...hit.values()][0].person).toEqual({
      ...personFor(profileUrl(1)),
      [MATCH_INFO_KEY]: { confidenceScore: 1, matchType: 'professional_network_profile_url', candidateCount: 1, runnerUpScore: null, ambiguous: false, source: 'cached' },
    });
    expect(jobEngineFor(world.ctx).cachedKeys(dedupeIdentifiers([profileUrl(1), profileUrl(2)]).unique, selection).size).toBe(1);
  });
});

describe('rate-limit answers inside a formula\'s budget', () => {
  // A custom function's engine call: 25 s from its start, no request later than 12 s before that.
  const formula = () => options({ deadline: T0 + 25_000, maxRequestMs: 12_000 });
  const rateLimited = (headers: Record<string, string>): FakeReply => ({
    status: 429,
    headers: { 'x-ratelimit-limit': '15', ...headers },
    body: '{"error":{"type":"rate_limit_error","message":"Rate limit exceeded."}}',
  });

  test('a 429 whose Retry-After says 5 s is sent again 5 s later, and the formula gets its rows', () => {
    const world = fakeWorld();
    // What the mock API sends with an injected 429: Retry-After, 0 remaining, reset in as many seconds.
    world.http.script.push(rateLimited({ 'retry-after': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '5' }));
    const result = enrichCells(world.ctx, [profileUrl(1)], formula());
    expect(result.outcomes[0].status).toBe('matched');
    const [first, retry] = world.http.log;
    expect(retry.sentAt).toBe(first.sentAt + 1_000 + 5_000);
  });

  test('a 429\'s Retry-After wins over a later rate-limit reset in the same answer', () => {
    const world = fakeWorld();
    world.http.script.push(rateLimited({ 'retry-after': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '60' }));
    const result = enrichCells(world.ctx, [profileUrl(1)], formula());
    expect(result.outcomes[0].status).toBe('matched');
    const [first, retry] = world.http.log;
    expect(retry.sentAt).toBe(first.sentAt + 1_000 + 5_000);
  });

  test('a 429 saying 0 remaining with reset 0 (the window is open again) is retried after a backoff, not a minute', () => {
    const world = fakeWorld();
    world.http.script.push(rateLimited({ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' }));
    const result = enrichCells(world.ctx, [profileUrl(1)], formula());
    expect(result.outcomes[0].status).toBe('matched');
    const [first, retry] = world.http.log;
    // The first retry's backoff: 0.5 to 1 s after the answer came back (1 s latency).
    expect(retry.sentAt - first.sentAt).toBeLessThanOrEqual(2_000);
  });

  test('an answer saying 0 remaining with reset 0 blocks no later request', () => {
    const ok = okServer();
    const world = fakeWorld({
      server: (request, now) => ({ ...ok(request, now), headers: { 'x-ratelimit-limit': '15', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' } }),
    });
    enrichCells(world.ctx, [profileUrl(1)], formula());
    const second = enrichCells(world.ctx, [profileUrl(2)], options({ deadline: world.clock.now() + 25_000, maxRequestMs: 12_000 }));
    expect(second.outcomes[0].status).toBe('matched');
    expect(world.http.log[1].sentAt - world.http.log[0].sentAt).toBeLessThan(5_000);
  });
});

describe('nextRequestSlotAt', () => {
  test('now while the window has room; when it is full, the time its oldest send frees a slot', () => {
    const world = fakeWorld({ requestsPerMinute: 15 });
    expect(nextRequestSlotAt(world.ctx)).toBe(world.clock.now());
    const sentAt = world.clock.now();
    // 15 batches of 25 fill the window of 15 requests a minute.
    enrichCells(world.ctx, range(15 * 25).map(profileUrl), options());
    expect(world.http.log).toHaveLength(15);
    const next = nextRequestSlotAt(world.ctx);
    expect(next).toBeGreaterThanOrEqual(sentAt + 60_000);
    expect(next).toBeLessThan(sentAt + 70_000);
    world.clock.sleep(next - world.clock.now());
    expect(nextRequestSlotAt(world.ctx)).toBe(world.clock.now());
  });
});

// ---- API options: what reaches which request, the live second pass, ambiguity, the caps ----

const LIVE_URL_END = ENDPOINT_PATHS.live;
const isLive = (request: LoggedRequest) => request.url.endsWith(LIVE_URL_END);

/**
 * The cached endpoint answers like okServer with `cachedMisses` not found; the live endpoint finds
 * everyone but `liveMisses` and charges 3 per profile found (its own rule, seen only in the header).
 */
function liveServer(cachedMisses: Set<string>, liveMisses = new Set<string>()): (request: LoggedRequest, now: number) => FakeReply {
  const cached = okServer({ notFound: cachedMisses });
  const live = okServer({ notFound: liveMisses });
  return (request, now) => {
    if (!isLive(request)) return cached(request, now);
    const reply = live(request, now) as { headers: Record<string, string> };
    const found = request.identifiers.filter((id) => !liveMisses.has(id)).length;
    return { ...reply, headers: { ...reply.headers, 'x-credits-used': String(3 * found) } };
  };
}

describe('API options in the request body', () => {
  test('min_similarity_score goes with email batches only; force_fetch and enrich_realtime with every request', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [profileUrl(1), email(1), email(2)], options({ api: { minScore: 0.8, live: false, forceFetch: true, enrichRealtime: true } }));
    const byKind = new Map(world.http.log.map((request) => [request.kind, request.body]));
    expect(byKind.get('business_email')).toMatchObject({ min_similarity_score: 0.8, force_fetch: true, enrich_realtime: true });
    expect(byKind.get('profile_url')).toMatchObject({ force_fetch: true, enrich_realtime: true });
    expect(byKind.get('profile_url')).not.toHaveProperty('min_similarity_score');
    expect(world.http.log.some(isLive)).toBe(false);
  });

  test('default options add nothing to the body, and the forceFetch alias still sends force_fetch', () => {
    const world = fakeWorld();
    enrichCells(world.ctx, [email(1)], options());
    expect(Object.keys(world.http.log[0].body).sort()).toEqual(['business_emails', 'fields']);
    enrichCells(world.ctx, [email(2)], options({ forceFetch: true }));
    expect(world.http.log[1].body).toMatchObject({ force_fetch: true });
  });
});

describe('the live second pass', () => {
  const cells = [profileUrl(1), profileUrl(2), email(3), profileUrl(4)];
  const misses = new Set([profileUrl(2), email(3), profileUrl(4)]);

  test('without live, a row not found stays not found and nothing goes to the live endpoint', () => {
    const world = fakeWorld({ server: liveServer(misses) });
    const result = enrichCells(world.ctx, cells, options());
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'not_found', 'not_found', 'not_found']);
    expect(world.http.log.some(isLive)).toBe(false);
    expect(result.stats).toMatchObject({ liveRequests: 0, liveCreditsUsed: 0 });
  });

  test('with live, only the rows not found go to the live endpoint, one request per identifier type, counted apart', () => {
    const world = fakeWorld({ server: liveServer(misses, new Set([profileUrl(4)])) });
    const result = enrichCells(world.ctx, cells, options({ api: { ...DEFAULT_API_OPTIONS, live: true } }));
    const liveRequests = world.http.log.filter(isLive);
    expect(liveRequests.map((r) => r.identifiers).sort()).toEqual([[profileUrl(2), profileUrl(4)], [email(3)]]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['matched', 'matched', 'matched', 'not_found']);
    expect(matchInfoOf((result.outcomes[1] as { person: Record<string, unknown> }).person)?.source).toBe('live');
    expect(matchInfoOf((result.outcomes[0] as { person: Record<string, unknown> }).person)?.source).toBe('cached');
    // Cached pass: 1 found (1 credit); live pass: 2 found at 3 each.
    expect(result.stats).toMatchObject({ requests: 4, liveRequests: 2, creditsUsed: 7, liveCreditsUsed: 6 });
  });

  test('each option set has its own cache: a live answer is never returned without live, and back', () => {
    const world = fakeWorld({ server: liveServer(misses) });
    enrichCells(world.ctx, cells, options({ api: { ...DEFAULT_API_OPTIONS, live: true } }));
    const sent = world.http.log.length;
    // Without live: the cached endpoint's own answers, kept by the live run, nothing sent.
    const plain = enrichCells(world.ctx, cells, options());
    expect(plain.outcomes.map((o) => o.status)).toEqual(['matched', 'not_found', 'not_found', 'not_found']);
    // With live again: the live answers, nothing sent.
    const again = enrichCells(world.ctx, cells, options({ api: { ...DEFAULT_API_OPTIONS, live: true } }));
    expect(again.outcomes.map((o) => o.status)).toEqual(['matched', 'matched', 'matched', 'matched']);
    expect(world.http.log.length).toBe(sent);
    // Another min score is another answer: sent again.
    enrichCells(world.ctx, [email(3)], options({ api: { ...DEFAULT_API_OPTIONS, minScore: 0.5 } }));
    expect(world.http.log.length).toBe(sent + 1);
  });

  test('a call that runs out of time between the passes leaves those rows pending; the next goes straight to the live endpoint', () => {
    const world = fakeWorld({ server: liveServer(misses), latencyMs: 9_000 });
    const live = { ...DEFAULT_API_OPTIONS, live: true };
    const first = enrichCells(world.ctx, cells, options({ api: live, deadline: T0 + 20_000, maxRequestMs: 12_000 }));
    expect(first.outcomes.map((o) => o.status)).toEqual(['matched', 'pending', 'pending', 'pending']);
    expect(world.http.log.some(isLive)).toBe(false);
    const before = world.http.log.length;
    const second = enrichCells(world.ctx, cells, options({ api: live }));
    expect(world.http.log.slice(before).every(isLive)).toBe(true);
    expect(second.outcomes.map((o) => o.status)).toEqual(['matched', 'matched', 'matched', 'matched']);
  });

  test('live batches hold at most liveBatchSize identifiers', () => {
    const many = range(12).map(profileUrl);
    const world = fakeWorld({ server: liveServer(new Set(many)) });
    enrichCells(world.ctx, many, options({ api: { ...DEFAULT_API_OPTIONS, live: true }, liveBatchSize: 5 }));
    expect(world.http.log.filter(isLive).map((r) => r.identifiers.length)).toEqual([5, 5, 2]);
  });
});

describe('ambiguous matches', () => {
  const close = (request: LoggedRequest) => ({
    status: 200,
    headers: { 'x-credits-used': String(request.identifiers.length) },
    body: JSON.stringify(
      request.identifiers.map((identifier) => ({
        matched_on: identifier,
        match_type: 'business_email',
        matches:
          identifier === email(1)
            ? [
                { confidence_score: 0.81, person_data: { basic_profile: { name: 'Runner-up' } } },
                { confidence_score: 0.83, person_data: { basic_profile: { name: 'Best' } } },
              ]
            : [{ confidence_score: 0.9, person_data: { basic_profile: { name: 'Clear' } } }],
      })),
    ),
  });

  test('take the best (default) writes the best; leave for review fails only that row with a readable status, from the cache too', () => {
    const world = fakeWorld({ server: close });
    const best = enrichCells(world.ctx, [email(1), email(2)], options());
    expect(names(best.outcomes)).toEqual(['Best', 'Clear']);
    const review = enrichCells(world.ctx, [email(1), email(2)], options({ ambiguity: 'leave_for_review' }));
    expect(world.http.log).toHaveLength(1);
    expect(review.outcomes[0]).toMatchObject({ status: 'failed', code: 'ambiguous_match' });
    expect((review.outcomes[0] as { message: string }).message).toMatch(/^Ambiguous: 2 people match with close scores \(0\.83 and 0\.81\)/);
    expect(names(review.outcomes)).toEqual([null, 'Clear']);
  });
});

/** What liveServer charged for one request (the fake's rule: 1 a profile found cached, 3 live). */
function okCredits(request: LoggedRequest): number {
  const found = request.identifiers.filter((id) => isLive(request) || !liveServerMisses.has(id)).length;
  return isLive(request) ? 3 * found : found;
}
let liveServerMisses = new Set<string>();

describe('credit budget and UrlFetch calls left', () => {
  test('worst case: the selection\'s top price per identifier, plus the live surcharge', () => {
    expect(worstCaseCredits({ fields: ['basic_profile'] }, 25, 'cached')).toBe(25);
    expect(worstCaseCredits({ fields: ['basic_profile', 'contact'] }, 10, 'cached')).toBe(60);
    expect(worstCaseCredits({ fields: ['basic_profile'] }, 10, 'live')).toBe(10 * (1 + LIVE_EXTRA_CREDITS_PER_MATCH));
  });

  test('nothing is sent that could pass the budget: a batch is cut to what it can pay for, then the call stops', () => {
    const world = fakeWorld();
    const result = enrichCells(world.ctx, range(60).map(profileUrl), options({ creditBudget: 30 }));
    expect(world.http.log.map((r) => r.identifiers.length)).toEqual([25, 5]);
    expect(result.stats.creditsUsed).toBe(30);
    expect(result.stoppedBy).toBe('credit_cap');
    expect(result.outcomes.filter((o) => o.status === 'matched')).toHaveLength(30);
    expect(result.outcomes[30]).toMatchObject({ status: 'pending', message: STOP_MESSAGES.credit_cap });
  });

  test('rows found cost less than the worst case: what is left of the budget keeps going', () => {
    const cells = range(50).map(profileUrl);
    const world = fakeWorld({ server: okServer({ notFound: new Set(cells.filter((_, i) => i % 2 === 0)) }) });
    const result = enrichCells(world.ctx, cells, options({ creditBudget: 30 }));
    // 25 sent (worst 25) cost 12 or 13; the next 17 or 18 fit whole within what is left.
    expect(result.stats.creditsUsed).toBeLessThanOrEqual(30);
    expect(world.http.log[0].identifiers).toHaveLength(25);
    expect(world.http.log.reduce((n, r) => n + r.identifiers.length, 0)).toBeGreaterThan(25);
  });

  test.each([0, 1, 7, 26, 49, 73])('the budget is never exceeded, at its worst case, with live and priced fields (budget %i)', (budget) => {
    const cells = [...range(40).map(profileUrl), ...range(20).map(email)];
    liveServerMisses = new Set(cells.filter((_, i) => i % 3 === 0));
    const world = fakeWorld({ server: liveServer(liveServerMisses) });
    const result = enrichCells(world.ctx, cells, options({ creditBudget: budget, selection: { fields: ['basic_profile', 'contact'] }, api: { ...DEFAULT_API_OPTIONS, live: true } }));
    expect(result.stats.creditsUsed).toBeLessThanOrEqual(budget);
    // Every burst's worst case fitted what was left when it went.
    let spent = 0;
    for (let call = 0; call < world.http.calls; call++) {
      const burst = world.http.log.filter((request) => request.call === call);
      const worst = burst.reduce((n, r) => n + worstCaseCredits({ fields: ['basic_profile', 'contact'] }, r.identifiers.length, isLive(r) ? 'live' : 'cached'), 0);
      expect(spent + worst).toBeLessThanOrEqual(budget);
      spent += burst.reduce((n, r) => n + okCredits(r), 0);
    }
    expect(spent).toBe(result.stats.creditsUsed);
    if (budget < 6) expect(world.http.log).toHaveLength(0);
    expect(result.stoppedBy).toBe('credit_cap');
  });

  test('no more requests than the UrlFetch calls left; the rest is pending with a message saying why', () => {
    const world = fakeWorld();
    const result = enrichCells(world.ctx, range(100).map(profileUrl), options({ fetchCallsLeft: 3 }));
    expect(world.http.log).toHaveLength(3);
    expect(result.stoppedBy).toBe('fetch_quota');
    expect(result.outcomes[99]).toMatchObject({ status: 'pending', message: STOP_MESSAGES.fetch_quota });
    expect(result.outcomes.filter((o) => o.status === 'matched')).toHaveLength(75);
  });

  test('a call that finishes within its caps says nothing about them', () => {
    const world = fakeWorld();
    const result = enrichCells(world.ctx, range(10).map(profileUrl), options({ creditBudget: 10, fetchCallsLeft: 1 }));
    expect(result.stoppedBy).toBeUndefined();
    expect(result.outcomes.every((o) => o.status === 'matched')).toBe(true);
  });
});
