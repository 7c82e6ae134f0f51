// The enrichment engine: cells in, one outcome per cell out, at the rate limit's speed.
// Cache first; the rest in batches of 25 per identifier type, sent in bursts the shared rate
// window allows, retried inside the caller's deadline, joined back on matched_on.
import { selectionKey } from './catalog';
import {
  apiKeyFingerprint,
  buildEnrichRequest,
  creditsUsed,
  DEFAULT_API_BASE_URL,
  interpretResponse,
  looseMatchKey,
  MAX_IDENTIFIERS_PER_REQUEST,
  requestCount,
  MESSAGES,
  readRateHeaders,
  type EnrichVerdict,
} from './crustdataClient';
import type { ErrorCode } from './errors';
import { dedupeIdentifiers, type UniqueIdentifier } from './identifiers';
import type { Cache, Clock, Hasher, Http, HttpResponse, Lock } from './ports';
import { HttpTransportError } from './ports';
import { RateWindow, type ServerRateInfo } from './rateWindow';
import { memoizedHasher, refKey, ResultCache, type CachedResult, type IdentifierRef } from './resultCache';
import { DEFAULT_RETRY_POLICY, retryAt, type RetryPolicy } from './retry';
import type { EnrichMatch, EnrichResultEntry } from './schemas';
import type { ClassifiedIdentifier, EnrichStats, FieldSelection, IdentifierKind, PersonData, RowOutcome } from './types';

export interface EnrichContext {
  http: Http;
  clock: Clock;
  hasher: Hasher;
  /** Person results per normalized identifier + selection (document cache in Apps Script). */
  resultCache: Cache;
  /**
   * State shared by every execution using the same key: rate window, auth-failure memo. It lives
   * with whoever the key belongs to (a user's own key: user cache; a key shared with the
   * spreadsheet: document cache), never in the script cache every user of the add-on shares.
   */
  sharedCache: Cache;
  /** Guards the rate window: the lock of the key's owner (user lock, or document lock), never the script lock. */
  lock: Lock;
  apiKey: string | null;
  /** Default https://api.crustdata.com */
  apiBaseUrl: string;
  /** The key's plan limit; default 15. */
  requestsPerMinute: number;
}

/** UrlFetchApp gives up on a request after about 60 s. */
export const DEFAULT_MAX_REQUEST_MS = 60_000;

export interface EnrichOptions {
  selection: FieldSelection;
  /** Absolute clock time (ms): no request starts that could not finish by then. */
  deadline: number;
  /** Refresh: cached results older than this are fetched again. */
  maxCacheAgeMs?: number;
  /** Send force_fetch: true. */
  forceFetch?: boolean;
  /**
   * The longest one burst may take; nothing is sent after `deadline - maxRequestMs`. Default
   * 60 s (UrlFetch's own timeout). A custom function (30 s in all) passes less, e.g. 15 s.
   */
  maxRequestMs?: number;
  /** Overrides for the retry layer (attempts, backoff, seeded jitter in tests). */
  retry?: Partial<RetryPolicy>;
  /** Extra release delay of the rate window's slots (default 1 s); see rateWindow.ts. */
  windowMarginMs?: number;
}

export interface EngineStats extends EnrichStats {
  /** 400 answers (each one split its batch, or isolated a bad identifier). */
  badRequests: number;
  /** 5xx answers received. */
  serverErrors: number;
  /** 200 answers whose body was broken (cut off, not JSON, wrong envelope); each was sent again. */
  malformedResponses: number;
  /** fetchAll calls that failed in transport (timeout, DNS); every request in them counts as sent. */
  transportErrors: number;
  /** Bursts sent: one fetchAll each. */
  bursts: number;
  /** Time spent sleeping for the rate window or a backoff. */
  waitedMs: number;
}

export interface EnrichResult {
  outcomes: RowOutcome[];
  stats: EngineStats;
  /** Set when the run stopped for a reason that stops every run with this key (401, 403, no key). */
  fatal?: { code: ErrorCode; message: string };
  /** Rows are pending: the earliest time another run could send something. */
  resumeAt?: number;
}

/** Where the engine keeps what it shares with other executions using the key (its owner's cache). */
export function rateWindowKey(fingerprint: string): string {
  return `cd:rate:${fingerprint}`;
}
export function authMemoKey(fingerprint: string): string {
  return `cd:auth:${fingerprint}`;
}
/** A rejected key is remembered this long so a column of formulas does not each ask the API. */
export const AUTH_MEMO_SECONDS = 300;
const CREDITS_MEMO_SECONDS = 60;

type Resolution =
  | { status: 'matched'; person: PersonData; fetchedAt: number; fromCache: boolean }
  | { status: 'not_found'; fetchedAt: number; fromCache: boolean }
  | { status: 'failed'; code: ErrorCode; message: string }
  | { status: 'pending'; message: string };

interface Batch {
  kind: IdentifierKind;
  identifiers: string[];
  /** Failed sends so far (a split batch starts afresh: its halves are new requests). */
  failures: number;
  notBefore: number;
  /** The first row it serves, so the rows at the top of a column are fetched first. */
  firstRow: number;
  lastError?: { code: ErrorCode; message: string };
}

export function emptyStats(): EngineStats {
  return {
    requests: 0,
    retries: 0,
    rateLimited: 0,
    cacheHits: 0,
    creditsUsed: 0,
    badRequests: 0,
    serverErrors: 0,
    malformedResponses: 0,
    transportErrors: 0,
    bursts: 0,
    waitedMs: 0,
  };
}

/** One outcome per input cell, in order. Never throws for anything the API or the cache does. */
export function enrichCells(ctx: EnrichContext, cells: unknown[], options: EnrichOptions): EnrichResult {
  const stats = emptyStats();
  const { classified, unique } = dedupeIdentifiers(cells);
  const resolutions = new Map<string, Resolution>();
  const finish = (extra: Partial<EnrichResult> = {}): EnrichResult => ({
    outcomes: buildOutcomes(classified, unique, resolutions),
    stats,
    ...extra,
  });
  if (!unique.length) return finish();

  if (!ctx.apiKey) {
    // Cached results need no key, but a missing key is worth saying on every other row.
    const cache = new ResultCache(ctx.resultCache, ctx.hasher, selectionKey(options.selection));
    resolveFromCache(cache, unique, resolutions, stats, ctx.clock.now(), options.maxCacheAgeMs);
    failUnresolved(unique, resolutions, 'missing_api_key', MESSAGES.missingKey);
    return finish({ fatal: { code: 'missing_api_key', message: MESSAGES.missingKey } });
  }

  const run = new EnrichRun(ctx, options, stats, resolutions);
  run.resolveFromCache(unique);
  const toFetch = unique.filter((id) => !resolutions.has(refKey(id)));
  if (toFetch.length) run.fetch(toFetch);
  return finish(run.summary());
}

/**
 * When this key's shared rate window lets the next request start: now if a slot is free. One
 * cache read, no lock, nothing reserved; a caller uses it to skip work that could only end pending.
 */
export function nextRequestSlotAt(ctx: EnrichContext): number {
  const now = ctx.clock.now();
  if (!ctx.apiKey) return now;
  const peek = rateWindowOf(ctx, apiKeyFingerprint(memoizedHasher(ctx.hasher), ctx.apiKey)).peek();
  return peek.granted > 0 ? now : Math.max(now, peek.nextSlotAt);
}

/** The key's shared rate window, as every engine call sees it. */
function rateWindowOf(ctx: EnrichContext, fingerprint: string, marginMs?: number): RateWindow {
  return new RateWindow({
    cache: ctx.sharedCache,
    lock: ctx.lock,
    clock: ctx.clock,
    stateKey: rateWindowKey(fingerprint),
    limit: ctx.requestsPerMinute > 0 ? ctx.requestsPerMinute : 15,
    marginMs,
  });
}

/** One call of the engine with its mutable state; enrichCells is its only user. */
class EnrichRun {
  private readonly cache: ResultCache;
  private readonly window: RateWindow;
  private readonly fingerprint: string;
  private readonly retryPolicy: RetryPolicy;
  private readonly latestStart: number;
  private fatal?: { code: ErrorCode; message: string };
  private resumeAt?: number;
  private successes = 0;
  private isolatedBadIdentifiers = 0;

  constructor(
    private readonly ctx: EnrichContext,
    private readonly options: EnrichOptions,
    private readonly stats: EngineStats,
    private readonly resolutions: Map<string, Resolution>,
  ) {
    const apiKey = ctx.apiKey as string;
    this.fingerprint = apiKeyFingerprint(memoizedHasher(ctx.hasher), apiKey);
    this.cache = new ResultCache(ctx.resultCache, ctx.hasher, selectionKey(options.selection));
    this.window = rateWindowOf(ctx, this.fingerprint, options.windowMarginMs);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.latestStart = options.deadline - (options.maxRequestMs ?? DEFAULT_MAX_REQUEST_MS);
  }

  summary(): Partial<EnrichResult> {
    const out: Partial<EnrichResult> = {};
    if (this.fatal) out.fatal = this.fatal;
    if (this.resumeAt != null && [...this.resolutions.values()].some((r) => r.status === 'pending')) out.resumeAt = this.resumeAt;
    return out;
  }

  resolveFromCache(unique: UniqueIdentifier[]): void {
    resolveFromCache(this.cache, unique, this.resolutions, this.stats, this.ctx.clock.now(), this.options.maxCacheAgeMs);
  }

  fetch(ids: UniqueIdentifier[]): void {
    const memo = this.readAuthMemo();
    if (memo) {
      this.stop(memo.code, memo.message, ids);
      return;
    }
    const queue = planBatches(ids, this.ctx.clock.now());
    const clock = this.ctx.clock;
    while (queue.length && !this.fatal) {
      const now = clock.now();
      if (now > this.latestStart) break;
      const ready = queue.filter((batch) => batch.notBefore <= now);
      if (!ready.length) {
        const next = Math.min(...queue.map((batch) => batch.notBefore));
        if (!this.waitUntil(next)) break;
        continue;
      }
      // A window this execution already saw full is waited out without asking it again: each
      // failed reservation is a lock, and a long job would pay one per block.
      const forecast = this.window.forecast(ready.length);
      if (forecast && forecast.available === 0) {
        if (!this.waitForSlots(forecast)) break;
        continue;
      }
      const reservation = this.window.reserve(ready.length);
      if (reservation.granted === 0) {
        if (!this.waitForSlots(reservation)) break;
        continue;
      }
      const burst = ready.slice(0, reservation.granted);
      for (const batch of burst) queue.splice(queue.indexOf(batch), 1);
      const requeue = this.send(burst, now);
      // Halves of a split batch and retries go first: they hold the oldest rows.
      queue.unshift(...requeue);
      queue.sort((a, b) => a.firstRow - b.firstRow);
    }
    for (const batch of queue) {
      for (const identifier of batch.identifiers) {
        const key = refKey({ kind: batch.kind, normalized: identifier });
        if (this.resolutions.has(key)) continue;
        this.resolutions.set(
          key,
          this.fatal
            ? { status: 'failed', code: this.fatal.code, message: this.fatal.message }
            : { status: 'pending', message: batch.lastError ? `${MESSAGES.pendingAfterError} (${batch.lastError.message})` : MESSAGES.pending },
        );
      }
    }
  }

  /**
   * One wait for the window: until slots for every ready batch are free (then one reservation
   * takes them all), or, if that is past the last start, until the next single slot.
   */
  private waitForSlots(when: { nextSlotAt: number; enoughAt: number }): boolean {
    return this.waitUntil(when.enoughAt <= this.latestStart ? when.enoughAt : when.nextSlotAt);
  }

  /** Sleeps until `time` if a request could still start then; otherwise notes it for resumeAt. */
  private waitUntil(time: number): boolean {
    const clock = this.ctx.clock;
    if (time > this.latestStart) {
      this.resumeAt = time;
      return false;
    }
    const ms = Math.max(1, time - clock.now());
    clock.sleep(ms);
    this.stats.waitedMs += ms;
    return true;
  }

  /** Sends one burst in one fetchAll; returns the batches to send again. */
  private send(burst: Batch[], sentAt: number): Batch[] {
    const { ctx, options } = this;
    const requests = burst.map((batch) =>
      buildEnrichRequest(ctx.apiBaseUrl || DEFAULT_API_BASE_URL, ctx.apiKey as string, {
        kind: batch.kind,
        identifiers: batch.identifiers,
        fields: options.selection.fields,
        forceFetch: options.forceFetch,
      }),
    );
    this.stats.requests += requests.length;
    this.stats.bursts++;
    this.stats.retries += burst.filter((batch) => batch.failures > 0).length;
    let responses: HttpResponse[];
    try {
      responses = ctx.http.fetchAll(requests);
    } catch (error) {
      // One timed-out request fails the whole fetchAll: every batch in it is sent again.
      this.stats.transportErrors++;
      const message = error instanceof HttpTransportError ? MESSAGES.timeout : `${MESSAGES.timeout} (${String(error)})`;
      // They failed together: one backoff keeps them together in the next fetchAll.
      const failures = Math.max(...burst.map((batch) => batch.failures)) + 1;
      const together = retryAt(ctx.clock.now(), failures, this.retryPolicy);
      return burst.flatMap((batch) => this.retryLater(batch, 'timeout', message, together));
    }
    const now = ctx.clock.now();
    const requeue: Batch[] = [];
    const toCache: Array<{ id: IdentifierRef; result: CachedResult }> = [];
    const rateInfos: ServerRateInfo[] = [];
    burst.forEach((batch, i) => {
      const response = responses[i] ?? { status: 0, headers: {}, body: '' };
      this.stats.creditsUsed += creditsUsed(response.headers);
      const { rate, verdict } = readAnswer(response, now);
      rateInfos.push(rate);
      requeue.push(...this.apply(batch, verdict, now, toCache));
    });
    this.observeRate(rateInfos, sentAt);
    if (toCache.length) this.cache.putMany(toCache);
    return requeue;
  }

  private apply(batch: Batch, verdict: EnrichVerdict, now: number, toCache: Array<{ id: IdentifierRef; result: CachedResult }>): Batch[] {
    switch (verdict.kind) {
      case 'ok': {
        this.successes++;
        const joined = joinOnMatchedOn(batch.identifiers, verdict.entries);
        batch.identifiers.forEach((identifier, i) => {
          const id = { kind: batch.kind, normalized: identifier };
          const entry = joined[i];
          if (!entry) {
            this.resolve(id, { status: 'failed', code: 'malformed_response', message: MESSAGES.missingFromResponse });
            return;
          }
          const person = bestMatch(entry.matches);
          const result: CachedResult = { person, fetchedAt: now };
          this.resolve(id, person ? { status: 'matched', person, fetchedAt: now, fromCache: false } : { status: 'not_found', fetchedAt: now, fromCache: false });
          toCache.push({ id, result });
        });
        return [];
      }
      case 'not_found':
        this.successes++;
        for (const identifier of batch.identifiers) {
          const id = { kind: batch.kind, normalized: identifier };
          this.resolve(id, { status: 'not_found', fetchedAt: now, fromCache: false });
          toCache.push({ id, result: { person: null, fetchedAt: now } });
        }
        return [];
      case 'malformed':
        // Mostly a transfer cut off half way: the same request usually comes back whole. A
        // persistently broken envelope still ends, after maxAttempts, as this batch's failure.
        this.stats.malformedResponses++;
        return this.retryLater(batch, 'malformed_response', `${MESSAGES.malformedResponse} (${verdict.message})`, null);
      case 'bad_request':
        return this.splitOrFail(batch, verdict.message, verdict.fieldProblem);
      case 'fatal':
        if (verdict.code === 'invalid_api_key') writeAuthMemo(this.ctx, this.fingerprint, verdict.code, AUTH_MEMO_SECONDS);
        if (verdict.code === 'insufficient_credits') writeAuthMemo(this.ctx, this.fingerprint, verdict.code, CREDITS_MEMO_SECONDS);
        this.fatal = { code: verdict.code, message: verdict.message };
        this.failBatch(batch, verdict.code, verdict.message);
        return [];
      case 'retry':
        if (verdict.code === 'rate_limited') {
          this.stats.rateLimited++;
          // A 429 speaks for the key, not the batch: every execution holds off until then.
          const until = verdict.retryAt ?? retryAt(now, batch.failures + 1, this.retryPolicy);
          this.window.blockUntil(until);
          return this.retryLater(batch, verdict.code, verdict.message, until);
        }
        if (verdict.code === 'server_error') this.stats.serverErrors++;
        return this.retryLater(batch, verdict.code, verdict.message, verdict.retryAt);
      case 'failed':
        this.failBatch(batch, verdict.code, verdict.message);
        return [];
    }
  }

  private retryLater(batch: Batch, code: ErrorCode, message: string, serverRetryAt: number | null): Batch[] {
    batch.failures++;
    batch.lastError = { code, message };
    if (batch.failures >= this.retryPolicy.maxAttempts) {
      this.failBatch(batch, code, message);
      return [];
    }
    batch.notBefore = retryAt(this.ctx.clock.now(), batch.failures, this.retryPolicy, serverRetryAt);
    return [batch];
  }

  /**
   * A 400 names no culprit: halve the batch until the refused identifier is alone, so it costs
   * its 24 neighbours two extra requests per halving instead of their data. If single
   * identifiers keep failing while nothing has succeeded, the problem is the request itself.
   */
  private splitOrFail(batch: Batch, message: string, fieldProblem: boolean): Batch[] {
    this.stats.badRequests++;
    if (fieldProblem) {
      this.fatal = { code: 'unknown_field', message: `Crustdata refused the field selection: ${message}` };
      this.failBatch(batch, 'unknown_field', this.fatal.message);
      return [];
    }
    if (batch.identifiers.length === 1) {
      this.isolatedBadIdentifiers++;
      this.failBatch(batch, 'bad_identifier', `Crustdata refused this identifier: ${message}`);
      if (this.isolatedBadIdentifiers >= 3 && this.successes === 0) {
        this.fatal = { code: 'bad_request', message: `Crustdata refuses every request: ${message}` };
      }
      return [];
    }
    const middle = Math.ceil(batch.identifiers.length / 2);
    const now = this.ctx.clock.now();
    return [batch.identifiers.slice(0, middle), batch.identifiers.slice(middle)].map((identifiers) => ({
      kind: batch.kind,
      identifiers,
      failures: 0,
      notBefore: now,
      firstRow: batch.firstRow,
    }));
  }

  private failBatch(batch: Batch, code: ErrorCode, message: string): void {
    for (const identifier of batch.identifiers) this.resolve({ kind: batch.kind, normalized: identifier }, { status: 'failed', code, message });
  }

  private resolve(id: IdentifierRef, resolution: Resolution): void {
    this.resolutions.set(refKey(id), resolution);
  }

  private stop(code: ErrorCode, message: string, ids: IdentifierRef[]): void {
    this.fatal = { code, message };
    for (const id of ids) if (!this.resolutions.has(refKey(id))) this.resolve(id, { status: 'failed', code, message });
  }

  /** The tightest word of the burst: the lowest remaining is the count after all of it. */
  private observeRate(infos: ServerRateInfo[], sentAt: number): void {
    const withRemaining = infos.filter((info) => info.remaining != null);
    const limit = infos.find((info) => info.limit != null)?.limit;
    if (!withRemaining.length && limit == null) return;
    const tightest = withRemaining.sort((a, b) => (a.remaining as number) - (b.remaining as number))[0];
    this.window.observe({ limit, remaining: tightest?.remaining, resetAt: tightest?.resetAt }, sentAt);
  }

  private readAuthMemo(): { code: ErrorCode; message: string } | null {
    let raw: string | null = null;
    try {
      raw = this.ctx.sharedCache.get(authMemoKey(this.fingerprint));
    } catch {
      return null;
    }
    const memo = readMemoValue(raw, this.ctx.clock.now());
    if (memo === 'invalid_api_key') return { code: 'invalid_api_key', message: MESSAGES.invalidKey };
    if (memo === 'insufficient_credits') return { code: 'insufficient_credits', message: MESSAGES.insufficientCredits };
    return null;
  }
}

/**
 * An answer's verdict and rate-limit headers. A 429's Retry-After is the server's word on when to
 * come back: a later reset in the same answer must not hold the key's window shut past it.
 */
function readAnswer(response: HttpResponse, now: number): { rate: ServerRateInfo; verdict: EnrichVerdict } {
  const rate = readRateHeaders(response.headers, now);
  const verdict = interpretResponse(response, now);
  if (verdict.kind === 'retry' && verdict.code === 'rate_limited' && verdict.retryAt != null && (rate.resetAt == null || rate.resetAt > verdict.retryAt)) {
    rate.resetAt = verdict.retryAt;
  }
  return { rate, verdict };
}

/**
 * The memo's own expiry is in its value and the entry is kept for the longest time the cache
 * allows: a full cache "stores the 900 items farthest from expiration"
 * (https://developers.google.com/apps-script/reference/cache/cache), so a 5-minute entry beside
 * 6-hour results would be the first to go.
 */
const MEMO_ENTRY_TTL_SECONDS = 21_600;

function writeAuthMemo(ctx: EnrichContext, fingerprint: string, code: ErrorCode | null, ttlSeconds: number): void {
  try {
    if (code) ctx.sharedCache.put(authMemoKey(fingerprint), JSON.stringify({ code, until: ctx.clock.now() + ttlSeconds * 1000 }), MEMO_ENTRY_TTL_SECONDS);
    else ctx.sharedCache.remove(authMemoKey(fingerprint));
  } catch {
    // Without the memo the next execution asks the API once more; nothing else is lost.
  }
}

/** The memo's code while it holds, else null (expired, unreadable or absent). */
export function readMemoValue(raw: string | null, now: number): string | null {
  if (!raw) return null;
  try {
    const memo = JSON.parse(raw) as { code?: unknown; until?: unknown };
    return typeof memo.code === 'string' && typeof memo.until === 'number' && memo.until > now ? memo.code : null;
  } catch {
    return null;
  }
}

function resolveFromCache(
  cache: ResultCache,
  unique: UniqueIdentifier[],
  resolutions: Map<string, Resolution>,
  stats: EngineStats,
  now: number,
  maxCacheAgeMs?: number,
): void {
  const hits = cache.getMany(unique, now, maxCacheAgeMs);
  for (const [key, hit] of hits) {
    stats.cacheHits++;
    resolutions.set(
      key,
      hit.person ? { status: 'matched', person: hit.person, fetchedAt: hit.fetchedAt, fromCache: true } : { status: 'not_found', fetchedAt: hit.fetchedAt, fromCache: true },
    );
  }
}

function failUnresolved(unique: UniqueIdentifier[], resolutions: Map<string, Resolution>, code: ErrorCode, message: string): void {
  for (const id of unique) if (!resolutions.has(refKey(id))) resolutions.set(refKey(id), { status: 'failed', code, message });
}

/** Batches of at most 25 of one identifier type, in the order their rows appear. */
export function planBatches(ids: UniqueIdentifier[], now: number): Batch[] {
  const batches: Batch[] = [];
  const open: Partial<Record<IdentifierKind, Batch>> = {};
  for (const id of ids) {
    let batch = open[id.kind];
    if (!batch || batch.identifiers.length >= MAX_IDENTIFIERS_PER_REQUEST) {
      batch = { kind: id.kind, identifiers: [], failures: 0, notBefore: now, firstRow: Math.min(...id.rows) };
      open[id.kind] = batch;
      batches.push(batch);
    }
    batch.identifiers.push(id.normalized);
  }
  return batches;
}

/**
 * For each identifier sent, the response entry whose matched_on echoes it: exactly, else after
 * folding case and trailing slashes. Never by position; a missing entry is undefined.
 */
export function joinOnMatchedOn(sent: string[], entries: EnrichResultEntry[]): Array<EnrichResultEntry | undefined> {
  const exact = new Map<string, EnrichResultEntry>();
  const loose = new Map<string, EnrichResultEntry>();
  for (const entry of entries) {
    if (typeof entry.matched_on !== 'string') continue;
    if (!exact.has(entry.matched_on)) exact.set(entry.matched_on, entry);
    const key = looseMatchKey(entry.matched_on);
    if (!loose.has(key)) loose.set(key, entry);
  }
  return sent.map((identifier) => exact.get(identifier) ?? loose.get(looseMatchKey(identifier)));
}

/** The candidate with the highest confidence (the first on a tie); null when none has data. */
export function bestMatch(matches: EnrichResultEntry['matches']): PersonData | null {
  let best: { score: number; person: PersonData } | null = null;
  for (const match of matches ?? []) {
    const person = (match as EnrichMatch | null)?.person_data;
    if (!person) continue;
    const raw = (match as EnrichMatch).confidence_score;
    const score = typeof raw === 'number' && Number.isFinite(raw) ? raw : 0;
    if (!best || score > best.score) best = { score, person };
  }
  return best ? best.person : null;
}

function buildOutcomes(
  classified: ClassifiedIdentifier[],
  unique: UniqueIdentifier[],
  resolutions: Map<string, Resolution>,
): RowOutcome[] {
  const outcomes: RowOutcome[] = classified.map((cell) =>
    cell.kind === 'blank' ? { status: 'blank' } : cell.kind === 'invalid' ? { status: 'invalid', message: cell.message } : { status: 'pending', identifier: cell.normalized, message: MESSAGES.pending },
  );
  for (const id of unique) {
    const resolution = resolutions.get(refKey(id)) ?? { status: 'pending', message: MESSAGES.pending };
    for (const row of id.rows) outcomes[row] = { ...resolution, identifier: id.normalized } as RowOutcome;
  }
  return outcomes;
}

// ---- Test connection (sidebar) ----------------------------------------------------------

/** A profile from the API reference: preview requests need one identifier, and cost 0 credits. */
export const PREVIEW_PROFILE_URL = 'https://www.linkedin.com/in/abhilashchowdhary';

export interface ConnectionCheck {
  ok: boolean;
  code?: ErrorCode;
  message: string;
  rateLimitPerMinute: number | null;
  remaining: number | null;
}

/**
 * One `preview: true` request (0 credits) through the shared rate window: does the key work,
 * and what limit does the API report. Waits at most `maxWaitMs` for a slot.
 */
/**
 * Forgets what the last answer said about the key (rejected, out of credits): the user says it
 * is fixed (Resume after adding credits), so the next request asks Crustdata again instead of
 * failing from the memo for up to a minute.
 */
export function forgetKeyVerdict(ctx: EnrichContext): void {
  if (!ctx.apiKey) return;
  writeAuthMemo(ctx, apiKeyFingerprint(memoizedHasher(ctx.hasher), ctx.apiKey), null, 0);
}

export function previewRequest(ctx: EnrichContext, options: { maxWaitMs?: number } = {}): ConnectionCheck {
  const result = (ok: boolean, message: string, code?: ErrorCode, rate: ServerRateInfo = {}): ConnectionCheck => ({
    ok,
    message,
    ...(code ? { code } : {}),
    rateLimitPerMinute: rate.limit ?? null,
    remaining: rate.remaining ?? null,
  });
  if (!ctx.apiKey) return result(false, MESSAGES.missingKey, 'missing_api_key');
  const fingerprint = apiKeyFingerprint(memoizedHasher(ctx.hasher), ctx.apiKey);
  const window = new RateWindow({
    cache: ctx.sharedCache,
    lock: ctx.lock,
    clock: ctx.clock,
    stateKey: rateWindowKey(fingerprint),
    limit: ctx.requestsPerMinute > 0 ? ctx.requestsPerMinute : 15,
  });
  const giveUpAt = ctx.clock.now() + (options.maxWaitMs ?? 20_000);
  let reservation = window.reserve(1);
  while (reservation.granted === 0) {
    if (reservation.nextSlotAt > giveUpAt) {
      const seconds = Math.ceil((reservation.nextSlotAt - ctx.clock.now()) / 1000);
      return result(false, `The rate limit for this key is in use by a running enrichment. Try again in ${seconds} s.`, 'rate_limited');
    }
    ctx.clock.sleep(Math.max(1, reservation.nextSlotAt - ctx.clock.now()));
    reservation = window.reserve(1);
  }
  const sentAt = ctx.clock.now();
  const request = buildEnrichRequest(ctx.apiBaseUrl || DEFAULT_API_BASE_URL, ctx.apiKey, {
    kind: 'profile_url',
    identifiers: [PREVIEW_PROFILE_URL],
    fields: [],
    preview: true,
  });
  let response: HttpResponse;
  try {
    response = ctx.http.fetchAll([request])[0];
  } catch {
    return result(false, 'Crustdata did not answer in time. Check your connection and try again.', 'timeout');
  }
  const now = ctx.clock.now();
  const { rate, verdict } = readAnswer(response, now);
  window.observe(rate, sentAt);
  const limitText = rate.limit != null ? ` Rate limit: ${rate.limit} requests per minute${rate.remaining != null ? `, ${rate.remaining} left now` : ''}.` : '';
  switch (verdict.kind) {
    case 'ok':
    case 'malformed':
    case 'not_found':
      writeAuthMemo(ctx, fingerprint, null, 0);
      return result(true, `Connected: Crustdata accepted the key.${limitText}`, undefined, rate);
    case 'fatal':
      if (verdict.code === 'invalid_api_key') writeAuthMemo(ctx, fingerprint, verdict.code, AUTH_MEMO_SECONDS);
      return result(false, verdict.message, verdict.code, rate);
    case 'retry':
      if (verdict.code === 'rate_limited') {
        if (verdict.retryAt) window.blockUntil(verdict.retryAt);
        return result(true, `Crustdata accepted the key, but its rate limit is used up right now.${limitText}`, 'rate_limited', rate);
      }
      return result(false, verdict.message, verdict.code, rate);
    case 'bad_request':
    case 'failed':
      return result(false, verdict.message, verdict.kind === 'bad_request' ? 'bad_request' : verdict.code, rate);
  }
}

// ---- Estimate (sidebar) -------------------------------------------------------------------

export interface EnrichmentPlan {
  rows: number;
  blank: number;
  invalid: number;
  /** Unique valid identifiers. */
  unique: number;
  profileUrls: number;
  emails: number;
  /** Unique identifiers the cache answers. */
  cached: number;
  toFetch: number;
  toFetchProfileUrls: number;
  toFetchEmails: number;
  /** Requests without retries: ceil(URLs to fetch / 25) + ceil(emails to fetch / 25). */
  requests: number;
}

/** What enrichCells would send for these cells, from one cache getAll and no HTTP. */
export function planEnrichment(
  ctx: Pick<EnrichContext, 'resultCache' | 'hasher' | 'clock'>,
  cells: unknown[],
  selection: FieldSelection,
  options: { maxCacheAgeMs?: number } = {},
): EnrichmentPlan {
  const { classified, unique } = dedupeIdentifiers(cells);
  const cache = new ResultCache(ctx.resultCache, ctx.hasher, selectionKey(selection));
  const hits = cache.getMany(unique, ctx.clock.now(), options.maxCacheAgeMs);
  const missing = unique.filter((id) => !hits.has(refKey(id)));
  const toFetchProfileUrls = missing.filter((id) => id.kind === 'profile_url').length;
  const toFetchEmails = missing.length - toFetchProfileUrls;
  return {
    rows: cells.length,
    blank: classified.filter((cell) => cell.kind === 'blank').length,
    invalid: classified.filter((cell) => cell.kind === 'invalid').length,
    unique: unique.length,
    profileUrls: unique.filter((id) => id.kind === 'profile_url').length,
    emails: unique.filter((id) => id.kind === 'business_email').length,
    cached: hits.size,
    toFetch: missing.length,
    toFetchProfileUrls,
    toFetchEmails,
    requests: requestCount(toFetchProfileUrls, toFetchEmails),
  };
}
