// The retry layer: backoff with jitter, the server's Retry-After, what is worth retrying.
import { backoffDelayMs, DEFAULT_RETRY_POLICY, parseRetryAfter, retryAt, seededRandom } from '../../src/core/retry';

const policy = (random: () => number) => ({ ...DEFAULT_RETRY_POLICY, random });

test('backoff doubles per retry, within [half, full] of the step, capped', () => {
  expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy(() => 0)))).toEqual([500, 1_000, 2_000, 4_000]);
  expect([1, 2, 3, 4].map((n) => backoffDelayMs(n, policy(() => 0.999999)))).toEqual([1_000, 2_000, 4_000, 8_000]);
  expect(backoffDelayMs(20, policy(() => 0.999999))).toBe(32_000);
  const random = seededRandom(1);
  for (let retry = 1; retry <= 6; retry++) {
    const step = Math.min(32_000, 1_000 * 2 ** (retry - 1));
    const delay = backoffDelayMs(retry, policy(random));
    expect(delay).toBeGreaterThanOrEqual(step / 2);
    expect(delay).toBeLessThanOrEqual(step);
  }
});

test('jitter spreads executions that failed together', () => {
  const delays = [1, 2, 3, 4, 5].map((seed) => backoffDelayMs(3, policy(seededRandom(seed))));
  expect(new Set(delays).size).toBe(5);
});

test('the server’s retry time wins over the backoff when it is later than now', () => {
  expect(retryAt(1_000, 1, policy(() => 0), 9_000)).toBe(9_000);
  expect(retryAt(1_000, 1, policy(() => 0), 500)).toBe(1_500);
  expect(retryAt(1_000, 1, policy(() => 0), null)).toBe(1_500);
});

test('Retry-After in seconds or as an HTTP date', () => {
  const now = Date.UTC(2026, 0, 1, 12, 0, 0);
  expect(parseRetryAfter('7', now)).toBe(now + 7_000);
  expect(parseRetryAfter('0.5', now)).toBe(now + 500);
  expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(now + 30_000);
  expect(parseRetryAfter('Thu, 01 Jan 2026 11:00:00 GMT', now)).toBe(now);
  expect(parseRetryAfter(undefined, now)).toBeNull();
  expect(parseRetryAfter('soon', now)).toBeNull();
  expect(parseRetryAfter('', now)).toBeNull();
});

test('seededRandom replays the same sequence in [0, 1)', () => {
  const a = seededRandom(99);
  const b = seededRandom(99);
  const xs = Array.from({ length: 100 }, () => a());
  expect(Array.from({ length: 100 }, () => b())).toEqual(xs);
  expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  expect(new Set(xs).size).toBe(100);
});
