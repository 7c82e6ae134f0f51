// The decision on one batch's answer, every verdict and every branch, without an engine: what
// the rows get, when the batch goes again, what the key and the run are told.
import { BAD_IDENTIFIERS_BEFORE_STOPPING, bestMatch, decideBatch, joinOnMatchedOn, type RunSoFar, type SentBatch } from '../../src/core/batchDecision';
import { interpretResponse, MESSAGES, type EnrichVerdict } from '../../src/core/crustdataClient';
import { AUTH_MEMO_SECONDS, CREDITS_MEMO_SECONDS } from '../../src/core/keyVerdict';
import { MATCH_INFO_KEY, matchInfoOf } from '../../src/core/matches';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../../src/core/retry';

const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const url = (n: number) => `https://www.linkedin.com/in/person-${n}`;

/** random 0.5 on a 1 s base: the first retry waits 750 ms, the second 1.5 s, the third 3 s. */
function policy(overrides: Partial<RetryPolicy> = {}): RetryPolicy & { draws: number } {
  const counted = {
    ...DEFAULT_RETRY_POLICY,
    draws: 0,
    random: () => {
      counted.draws++;
      return 0.5;
    },
    ...overrides,
  };
  return counted;
}

function batch(count: number, failures = 0): SentBatch {
  return Object.freeze({ kind: 'profile_url' as const, identifiers: Object.freeze(Array.from({ length: count }, (_, i) => url(i))) as string[], failures });
}

const run = (overrides: Partial<RunSoFar> = {}): RunSoFar => ({ now: NOW, successes: 0, isolatedBadIdentifiers: 0, ...overrides });
const entry = (identifier: string, name: string | null, score = 1) => ({
  matched_on: identifier,
  matches: name === null ? [] : [{ confidence_score: score, person_data: { basic_profile: { name } } }],
});

describe('accept', () => {
  test('200: each identifier gets its own entry, joined on matched_on; one left out of the answer is missing', () => {
    const answer: EnrichVerdict = { kind: 'ok', entries: [entry(url(2), null), entry(url(0).toUpperCase() + '/', 'Zero'), entry('https://www.linkedin.com/in/someone-else', 'Other')] };
    expect(decideBatch(answer, batch(3), policy(), run())).toEqual({
      kind: 'accept',
      rows: [
        { identifier: url(0), person: { basic_profile: { name: 'Zero' }, [MATCH_INFO_KEY]: expect.objectContaining({ confidenceScore: 1, candidateCount: 1, source: 'cached' }) } },
        { identifier: url(1), missing: true },
        { identifier: url(2), person: null },
      ],
    });
  });

  test('200 for emails: the best candidate, with its score, the match type, the candidate count and the runner-up in the person record', () => {
    const mail = 'ann@acme.example';
    const answer: EnrichVerdict = {
      kind: 'ok',
      entries: [
        {
          matched_on: mail,
          match_type: 'business_email',
          matches: [
            { confidence_score: 0.62, person_data: { basic_profile: { name: 'Colleague' } } },
            { confidence_score: 0.91, person_data: { basic_profile: { name: 'Ann' } } },
            { confidence_score: 0.9, person_data: { basic_profile: { name: 'Namesake' } } },
          ],
        },
      ],
    };
    const sent: SentBatch = { kind: 'business_email', identifiers: [mail], failures: 0 };
    const decision = decideBatch(answer, sent, policy(), run());
    expect(decision.kind).toBe('accept');
    const [row] = (decision as { rows: Array<{ person: Record<string, unknown> }> }).rows;
    expect((row.person.basic_profile as { name: string }).name).toBe('Ann');
    expect(matchInfoOf(row.person)).toEqual({ confidenceScore: 0.91, matchType: 'business_email', candidateCount: 3, runnerUpScore: 0.9, ambiguous: true, source: 'cached' });
  });

  test('a batch sent to the live endpoint marks its matches as found live', () => {
    const decision = decideBatch({ kind: 'ok', entries: [entry(url(0), 'Zero')] }, { ...batch(1), endpoint: 'live' }, policy(), run());
    const [row] = (decision as { rows: Array<{ person: Record<string, unknown> }> }).rows;
    expect(matchInfoOf(row.person)?.source).toBe('live');
  });

  test('404: every identifier is answered "no match"', () => {
    expect(decideBatch({ kind: 'not_found' }, batch(2), policy(), run())).toEqual({
      kind: 'accept',
      rows: [
        { identifier: url(0), person: null },
        { identifier: url(1), person: null },
      ],
    });
  });
});

describe('retry-later or fail-rows', () => {
  test('a 5xx goes again after the backoff, counted as a server error', () => {
    const p = policy();
    const decision = decideBatch({ kind: 'retry', code: 'server_error', message: MESSAGES.serverError, retryAt: null }, batch(25), p, run());
    expect(decision).toEqual({ kind: 'retry-later', problem: { code: 'server_error', message: MESSAGES.serverError }, failures: 1, at: NOW + 750, tally: 'serverErrors' });
    expect(p.draws).toBe(1);
  });

  test("a 5xx with Retry-After goes again at the server's time, drawing no jitter", () => {
    const p = policy();
    const decision = decideBatch({ kind: 'retry', code: 'server_error', message: 'x', retryAt: NOW + 9_000 }, batch(1, 2), p, run());
    expect(decision).toMatchObject({ kind: 'retry-later', failures: 3, at: NOW + 9_000 });
    expect(p.draws).toBe(0);
  });

  test('the backoff doubles with the failures so far', () => {
    const at = (failures: number) => (decideBatch({ kind: 'retry', code: 'timeout', message: 'x', retryAt: null }, batch(1, failures), policy(), run()) as { at: number }).at - NOW;
    expect([0, 1, 2].map(at)).toEqual([750, 1_500, 3_000]);
  });

  test('on the last attempt the rows fail with the last error, and no jitter is drawn', () => {
    const p = policy({ maxAttempts: 4 });
    expect(decideBatch({ kind: 'retry', code: 'server_error', message: MESSAGES.serverError, retryAt: null }, batch(2, 3), p, run())).toEqual({
      kind: 'fail-rows',
      problem: { code: 'server_error', message: MESSAGES.serverError },
      tally: 'serverErrors',
    });
    expect(p.draws).toBe(0);
  });

  test('a 408 or a fetchAll lost in transport (retry verdict "timeout") is retried, counted as nothing else', () => {
    const decision = decideBatch({ kind: 'retry', code: 'timeout', message: MESSAGES.timeout, retryAt: NOW + 4_000 }, batch(3), policy(), run());
    expect(decision).toEqual({ kind: 'retry-later', problem: { code: 'timeout', message: MESSAGES.timeout }, failures: 1, at: NOW + 4_000 });
  });

  test('a cut-off answer is retried like a 5xx, its message saying what broke, then fails the batch', () => {
    const answer: EnrichVerdict = { kind: 'malformed', message: 'cut off' };
    const message = `${MESSAGES.malformedResponse} (cut off)`;
    expect(decideBatch(answer, batch(1), policy(), run())).toEqual({ kind: 'retry-later', problem: { code: 'malformed_response', message }, failures: 1, at: NOW + 750, tally: 'malformedResponses' });
    expect(decideBatch(answer, batch(1, 4), policy(), run())).toEqual({ kind: 'fail-rows', problem: { code: 'malformed_response', message }, tally: 'malformedResponses' });
  });

  test("a 429 holds the whole key until the server's time, and the batch goes again then", () => {
    const p = policy();
    const decision = decideBatch({ kind: 'retry', code: 'rate_limited', message: MESSAGES.rateLimited, retryAt: NOW + 7_000 }, batch(25), p, run());
    expect(decision).toEqual({
      kind: 'retry-later',
      problem: { code: 'rate_limited', message: MESSAGES.rateLimited },
      failures: 1,
      at: NOW + 7_000,
      blockKeyUntil: NOW + 7_000,
      tally: 'rateLimited',
    });
    expect(p.draws).toBe(0);
  });

  test('a 429 without a time holds the key for the backoff, drawn once for both', () => {
    const p = policy();
    const decision = decideBatch({ kind: 'retry', code: 'rate_limited', message: MESSAGES.rateLimited, retryAt: null }, batch(25, 1), p, run());
    expect(decision).toMatchObject({ kind: 'retry-later', failures: 2, at: NOW + 1_500, blockKeyUntil: NOW + 1_500 });
    expect(p.draws).toBe(1);
  });

  test('a 429 on the last attempt fails the rows and still holds the key', () => {
    const decision = decideBatch({ kind: 'retry', code: 'rate_limited', message: MESSAGES.rateLimited, retryAt: NOW + 7_000 }, batch(1, 4), policy(), run());
    expect(decision).toEqual({ kind: 'fail-rows', problem: { code: 'rate_limited', message: MESSAGES.rateLimited }, blockKeyUntil: NOW + 7_000, tally: 'rateLimited' });
  });

  test('any other status fails the rows at once, the run goes on', () => {
    expect(decideBatch({ kind: 'failed', code: 'bad_request', message: 'Crustdata answered HTTP 418.' }, batch(3), policy(), run())).toEqual({
      kind: 'fail-rows',
      problem: { code: 'bad_request', message: 'Crustdata answered HTTP 418.' },
    });
  });
});

describe('400: split, isolate, or stop', () => {
  const refused = (fieldProblem = false): EnrichVerdict => ({ kind: 'bad_request', message: 'Invalid profile URL in request', fieldProblem });

  test.each([
    [25, 13, 12],
    [13, 7, 6],
    [2, 1, 1],
  ])('a refused batch of %i is split into %i and %i, in order', (size, first, second) => {
    const decision = decideBatch(refused(), batch(size, 3), policy(), run());
    expect(decision).toMatchObject({ kind: 'split', tally: 'badRequests' });
    const halves = (decision as { halves: string[][] }).halves;
    expect(halves.map((half) => half.length)).toEqual([first, second]);
    expect(halves.flat()).toEqual(batch(size).identifiers);
  });

  test('a single refused identifier fails alone, and says so', () => {
    expect(decideBatch(refused(), batch(1), policy(), run({ isolatedBadIdentifiers: 1 }))).toEqual({
      kind: 'fail-rows',
      problem: { code: 'bad_identifier', message: 'Crustdata refused this identifier: Invalid profile URL in request' },
      isolatedBadIdentifier: true,
      tally: 'badRequests',
    });
  });

  test(`with nothing accepted yet, refused single identifier number ${BAD_IDENTIFIERS_BEFORE_STOPPING} stops the run: the request itself is refused`, () => {
    expect(decideBatch(refused(), batch(1), policy(), run({ isolatedBadIdentifiers: BAD_IDENTIFIERS_BEFORE_STOPPING - 1 }))).toEqual({
      kind: 'fatal',
      problem: { code: 'bad_identifier', message: 'Crustdata refused this identifier: Invalid profile URL in request' },
      stopRun: { code: 'bad_request', message: 'Crustdata refuses every request: Invalid profile URL in request' },
      tally: 'badRequests',
    });
    // After one accepted answer, refused identifiers are just bad rows.
    expect(decideBatch(refused(), batch(1), policy(), run({ isolatedBadIdentifiers: 10, successes: 1 }))).toMatchObject({ kind: 'fail-rows', isolatedBadIdentifier: true });
  });

  test('a refused field selection stops the run instead of splitting', () => {
    const problem = { code: 'unknown_field', message: 'Crustdata refused the field selection: Invalid profile URL in request' };
    expect(decideBatch(refused(true), batch(25), policy(), run())).toEqual({ kind: 'fatal', problem, stopRun: problem, tally: 'badRequests' });
  });
});

describe('fatal', () => {
  test.each([
    ['invalid_api_key' as const, MESSAGES.invalidKey, { code: 'invalid_api_key', seconds: AUTH_MEMO_SECONDS }],
    ['insufficient_credits' as const, MESSAGES.insufficientCredits, { code: 'insufficient_credits', seconds: CREDITS_MEMO_SECONDS }],
    ['permission_denied' as const, MESSAGES.permissionDenied, undefined],
  ])('%s stops the run; a refused key or no credits is remembered for every execution with the key', (code, message, remember) => {
    const decision = decideBatch({ kind: 'fatal', code, message }, batch(25), policy(), run());
    expect(decision).toEqual({ kind: 'fatal', problem: { code, message }, stopRun: { code, message }, ...(remember ? { rememberRefusal: remember } : {}) });
  });
});

test('every HTTP status lands where it should: sent again unchanged only for 429, 408 and 5xx', () => {
  const kindFor = (status: number, size = 2) =>
    decideBatch(interpretResponse({ status, headers: {}, body: status === 200 ? '[]' : '{"error":{"message":"no"}}' }, NOW), batch(size), policy(), run()).kind;
  expect([429, 408, 500, 502, 503, 504].map((status) => kindFor(status))).toEqual(Array(6).fill('retry-later'));
  expect([400, 422].map((status) => kindFor(status))).toEqual(['split', 'split']);
  expect([401, 403].map((status) => kindFor(status))).toEqual(['fatal', 'fatal']);
  expect([200, 404].map((status) => kindFor(status))).toEqual(['accept', 'accept']);
  expect([409, 418, 425].map((status) => kindFor(status))).toEqual(['fail-rows', 'fail-rows', 'fail-rows']);
});

test('the decision leaves the batch as it was sent', () => {
  const sent = batch(4, 1);
  const copy = JSON.parse(JSON.stringify(sent));
  for (const answer of [
    { kind: 'retry', code: 'server_error', message: 'x', retryAt: null },
    { kind: 'bad_request', message: 'x', fieldProblem: false },
    { kind: 'ok', entries: [] },
  ] as EnrichVerdict[]) {
    decideBatch(answer, sent, policy(), run());
  }
  expect(sent).toEqual(copy);
});

describe('joinOnMatchedOn and bestMatch', () => {
  test('exact match first, then case and trailing slashes folded; never by position', () => {
    const entries = [entry('https://www.linkedin.com/in/Ada/', 'Loose'), entry('https://www.linkedin.com/in/bob', 'Bob')];
    const joined = joinOnMatchedOn(['https://www.linkedin.com/in/bob', 'https://www.linkedin.com/in/ada', 'https://www.linkedin.com/in/carl'], entries);
    expect(joined.map((e) => e?.matched_on)).toEqual(['https://www.linkedin.com/in/bob', 'https://www.linkedin.com/in/Ada/', undefined]);
  });

  test('the highest confidence wins, the first on a tie; no person data is no match', () => {
    const person = (name: string) => ({ basic_profile: { name } });
    expect(bestMatch([{ confidence_score: 0.4, person_data: person('Low') }, { confidence_score: 0.9, person_data: person('High') }, { confidence_score: 0.9, person_data: person('Tie') }])).toEqual(person('High'));
    expect(bestMatch([{ confidence_score: 1, person_data: null }])).toBeNull();
    expect(bestMatch(undefined)).toBeNull();
  });
});
