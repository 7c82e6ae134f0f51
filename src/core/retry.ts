// The second layer of the throttling (pacing is the first, in rateWindow.ts): how long to wait
// before re-sending a request that failed in a way worth retrying (429, 5xx, transport timeout).

export interface RetryPolicy {
  /** Sends per request, the first included; after that the rows fail with the last error. */
  maxAttempts: number;
  /** Backoff before the first retry; doubles with each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** [0, 1); injectable so tests replay the same jitter. */
  random: () => number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 32_000,
  random: Math.random,
};

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, half random, so
 * parallel executions that failed together do not retry together, and the wait never collapses to 0.
 * `retry` is 1 for the first retry.
 */
export function backoffDelayMs(retry: number, policy: RetryPolicy): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.round(step / 2 + policy.random() * (step / 2));
}

/**
 * The wait before a retry: the server's word (Retry-After, or the rate-limit reset) when it gave
 * one, else the backoff. Returns an absolute time.
 */
export function retryAt(now: number, retry: number, policy: RetryPolicy, serverRetryAt?: number | null): number {
  if (serverRetryAt != null && serverRetryAt > now) return serverRetryAt;
  return now + backoffDelayMs(retry, policy);
}

/**
 * Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns an absolute
 * time in ms, or null when absent or unreadable.
 */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value == null) return null;
  const text = value.trim();
  if (text === '') return null;
  if (/^\d+(\.\d+)?$/.test(text)) return now + Math.ceil(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isFinite(date) ? Math.max(now, date) : null;
}

/** A small seeded generator (mulberry32) for reproducible jitter in tests and benchmarks. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
