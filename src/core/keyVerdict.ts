// What the last answer said about an API key, shared by every execution using it: refused (401,
// out of credits) or seen working. One entry per key in the key's own cache, beside its rate
// window (EnrichContext.sharedCache: the user cache for a user's own key, the document cache for
// the key shared with the spreadsheet, as the formulas use it), so the newest word replaces the
// last: a key accepted after it was refused (credits added) is trusted again, and the other way round.
import type { ErrorCode } from './errors';
import type { Cache } from './ports';

export function keyVerdictKey(fingerprint: string): string {
  return `cd:auth:${fingerprint}`;
}

/** A rejected key is remembered this long so a column of formulas does not each ask the API. */
export const AUTH_MEMO_SECONDS = 300;
/** Out of credits: credits may be added any minute, so this is asked again sooner. */
export const CREDITS_MEMO_SECONDS = 60;
/**
 * How long an accepted answer vouches for the key. A key seen working within this time sends
 * full bursts; any other sends one request first and the rest of its burst only once that is
 * accepted, so a revoked key costs one refused request instead of a burst (up to the plan's
 * per-minute limit). Five minutes, as long as a refusal is remembered: a running job's slices
 * (seconds apart), its blocks, and a column's recalculations (a minute apart) stay inside it and
 * never wait for a lone first request, while an hourly Keep fresh run, or a job resumed after a
 * break, starts with one. What it leaves: a key revoked within 5 minutes of a success can still
 * cost one burst.
 */
export const KEY_WORKS_SECONDS = 300;

/** The refusals worth remembering: no request with the key can succeed until the user acts. */
export type KeyRefusal = Extract<ErrorCode, 'invalid_api_key' | 'insufficient_credits'>;

export type KeyVerdict = { kind: 'refused'; code: KeyRefusal } | { kind: 'works'; until: number } | { kind: 'unknown' };

/**
 * The entry's own expiry is in its value and the entry is kept for the longest time the cache
 * allows: a full cache "stores the 900 items farthest from expiration"
 * (https://developers.google.com/apps-script/reference/cache/cache), so a 5-minute entry beside
 * 6-hour results would be the first to go.
 */
const ENTRY_TTL_SECONDS = 21_600;

/** The verdict while it holds; 'unknown' when expired, unreadable, absent, or the cache fails. */
export function readKeyVerdict(cache: Cache, fingerprint: string, now: number): KeyVerdict {
  let raw: string | null;
  try {
    raw = cache.get(keyVerdictKey(fingerprint));
  } catch {
    return { kind: 'unknown' };
  }
  return parseKeyVerdict(raw, now);
}

export function parseKeyVerdict(raw: string | null, now: number): KeyVerdict {
  if (!raw) return { kind: 'unknown' };
  let memo: { code?: unknown; works?: unknown; until?: unknown };
  try {
    memo = JSON.parse(raw) as typeof memo;
  } catch {
    return { kind: 'unknown' };
  }
  if (!memo || typeof memo.until !== 'number' || memo.until <= now) return { kind: 'unknown' };
  if (memo.works === true) return { kind: 'works', until: memo.until };
  if (memo.code === 'invalid_api_key' || memo.code === 'insufficient_credits') return { kind: 'refused', code: memo.code };
  return { kind: 'unknown' };
}

export function rememberKeyRefused(cache: Cache, fingerprint: string, code: KeyRefusal, seconds: number, now: number): void {
  write(cache, fingerprint, { code, until: now + seconds * 1000 });
}

/** Returns until when the key now counts as working. */
export function rememberKeyWorks(cache: Cache, fingerprint: string, now: number): number {
  const until = now + KEY_WORKS_SECONDS * 1000;
  write(cache, fingerprint, { works: true, until });
  return until;
}

/** The user says the problem is fixed: the next request asks the API, alone, as for a new key. */
export function forgetKeyVerdictIn(cache: Cache, fingerprint: string): void {
  try {
    cache.remove(keyVerdictKey(fingerprint));
  } catch {
    // Then the memo runs out by itself, in a minute (credits) or five (a refused key).
  }
}

function write(cache: Cache, fingerprint: string, value: object): void {
  try {
    cache.put(keyVerdictKey(fingerprint), JSON.stringify(value), ENTRY_TTL_SECONDS);
  } catch {
    // Without the memo the next execution asks the API once more; nothing else is lost.
  }
}
