// The enrichment engine: cells in, one outcome per cell out, at the rate limit's speed.
// Cache first; the rest in batches of 25 per identifier type, sent in bursts the shared rate
// window allows (rateWindow.ts), each answer decided on by batchDecision.ts (accept, retry after
// retry.ts's backoff, split, fail), retried inside the caller's deadline, joined on matched_on.
import { selectionKey } from './catalog';
import { decideBatch, type BatchDecision, type SentBatch } from './batchDecision';
import {
  apiKeyFingerprint,
  buildEnrichRequest,
  creditsUsed,
  DEFAULT_API_BASE_URL,
  interpretResponse,
  MAX_IDENTIFIERS_PER_REQUEST,
  MESSAGES,
  readRateHeaders,
  type EnrichVerdict,
} from './crustdataClient';
import type { ErrorCode } from './errors';
import { dedupeIdentifiers, type UniqueIdentifier } from './identifiers';
import { forgetKeyVerdictIn, KEY_WORKS_SECONDS, readKeyVerdict, rememberKeyRefused, rememberKeyWorks, type KeyRefusal } from './keyVerdict';
import type { Cache, Clock, Hasher, Http, HttpResponse, Lock } from './ports';
import { HttpTransportError } from './ports';
import { RateWindow, type ServerRateInfo } from './rateWindow';
import { memoizedHasher, refKey, ResultCache, type CachedResult, type IdentifierRef } from './resultCache';
import { DEFAULT_RETRY_POLICY, retryAt, type RetryPolicy } from './retry';
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
  /** No request whose worst-case charge could take this call's creditsUsed past this; rows left are pending (stoppedBy 'credit_cap'). */
  creditBudget?: number;
  /** UrlFetch calls this call may make (the daily quota); rows left are pending (stoppedBy 'fetch_quota'). */
  fetchCallsLeft?: number;
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
  /** Rows are pending because the credit budget or the UrlFetch calls left would not cover another request. */
  stoppedBy?: 'credit_cap' | 'fetch_quota';
}

/** Where the engine keeps the key's rate window (its owner's cache; see EnrichContext.sharedCache). */
export function rateWindowKey(fingerprint: string): string {
  return `cd:rate:${fingerprint}`;
}

type Resolution =
  | { status: 'matched'; person: PersonData; fetchedAt: number; fromCache: boolean }
  | { status: 'not_found'; fetchedAt: number; fromCache: boolean }
  | { status: 'failed'; code: ErrorCode; message: string }
  | { status: 'pending'; message: string };

interface Batch extends SentBatch {
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
  /** Until when the key counts as seen working (keyVerdict.ts); null: its next burst is one request. */
  private keyWorksUntil: number | null = null;

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
    const verdict = readKeyVerdict(this.ctx.sharedCache, this.fingerprint, this.ctx.clock.now());
    if (verdict.kind === 'refused') {
      this.stop(verdict.code, verdict.code === 'invalid_api_key' ? MESSAGES.invalidKey : MESSAGES.insufficientCredits, ids);
      return;
    }
    if (verdict.kind === 'works') this.keyWorksUntil = verdict.until;
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
      // A key not seen working lately sends one request first: if the key is refused, that one
      // is the only refused request, not a whole burst.
      const wanted = this.keyWorksUntil != null && this.keyWorksUntil > now ? ready.length : 1;
      // A window this execution already saw full is waited out without asking it again: each
      // failed reservation is a lock, and a long job would pay one per block.
      const forecast = this.window.forecast(wanted);
      if (forecast && forecast.available === 0) {
        if (!this.waitForSlots(forecast)) break;
        continue;
      }
      const reservation = this.window.reserve(wanted);
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

  /**
   * Sends one burst in one fetchAll; returns the batches to send again. What the answers bought
   * is cached first, before anything that takes a lock (the rate window's bookkeeping): an
   * execution killed after that loses no answer it paid for, so a kill costs at most the burst
   * in flight.
   */
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
    /** The answers, or the one verdict of a fetchAll lost in transport. */
    let responses: HttpResponse[] | EnrichVerdict;
    try {
      responses = ctx.http.fetchAll(requests);
    } catch (error) {
      // One timed-out request fails the whole fetchAll: every batch in it is sent again, after
      // one backoff that keeps them together in the next fetchAll.
      this.stats.transportErrors++;
      const message = error instanceof HttpTransportError ? MESSAGES.timeout : `${MESSAGES.timeout} (${String(error)})`;
      const failures = Math.max(...burst.map((batch) => batch.failures)) + 1;
      responses = { kind: 'retry', code: 'timeout', message, retryAt: retryAt(ctx.clock.now(), failures, this.retryPolicy) };
    }
    const now = ctx.clock.now();
    const answers = burst.map((_, i): { rate: ServerRateInfo; verdict: EnrichVerdict } => {
      if (!Array.isArray(responses)) return { rate: {}, verdict: responses };
      const response = responses[i] ?? { status: 0, headers: {}, body: '' };
      this.stats.creditsUsed += creditsUsed(response.headers);
      return readAnswer(response, now);
    });
    const requeue: Batch[] = [];
    const toCache: Array<{ id: IdentifierRef; result: CachedResult }> = [];
    const keyEffects: KeyEffects = { accepted: false };
    burst.forEach((batch, i) => {
      const decision = decideBatch(answers[i].verdict, batch, this.retryPolicy, {
        now,
        successes: this.successes,
        isolatedBadIdentifiers: this.isolatedBadIdentifiers,
      });
      requeue.push(...this.carryOut(batch, decision, now, toCache, keyEffects));
    });
    // Paid-for answers first: nothing before this takes a lock.
    if (toCache.length) this.cache.putMany(toCache);
    this.noteKeyVerdict(keyEffects, now);
    if (keyEffects.blockUntil != null) this.window.blockUntil(keyEffects.blockUntil);
    this.observeRate(answers.map((answer) => answer.rate), sentAt);
    return requeue;
  }

  /** Does what the decision says for the batch's rows; returns the batches to send again. */
  private carryOut(batch: Batch, decision: BatchDecision, now: number, toCache: Array<{ id: IdentifierRef; result: CachedResult }>, key: KeyEffects): Batch[] {
    if (decision.tally) this.stats[decision.tally]++;
    switch (decision.kind) {
      case 'accept':
        this.successes++;
        key.accepted = true;
        for (const row of decision.rows) {
          const id = { kind: batch.kind, normalized: row.identifier };
          if ('missing' in row) {
            this.resolve(id, { status: 'failed', code: 'malformed_response', message: MESSAGES.missingFromResponse });
            continue;
          }
          this.resolve(id, row.person ? { status: 'matched', person: row.person, fetchedAt: now, fromCache: false } : { status: 'not_found', fetchedAt: now, fromCache: false });
          toCache.push({ id, result: { person: row.person, fetchedAt: now } });
        }
        return [];
      case 'retry-later':
        if (decision.blockKeyUntil != null) key.blockUntil = Math.max(key.blockUntil ?? 0, decision.blockKeyUntil);
        batch.failures = decision.failures;
        batch.lastError = decision.problem;
        batch.notBefore = decision.at;
        return [batch];
      case 'split':
        return decision.halves.map((identifiers) => ({ kind: batch.kind, identifiers, failures: 0, notBefore: now, firstRow: batch.firstRow }));
      case 'fail-rows':
        if (decision.blockKeyUntil != null) key.blockUntil = Math.max(key.blockUntil ?? 0, decision.blockKeyUntil);
        if (decision.isolatedBadIdentifier) this.isolatedBadIdentifiers++;
        this.failBatch(batch, decision.problem);
        return [];
      case 'fatal':
        this.fatal = decision.stopRun;
        if (decision.rememberRefusal) key.refused = decision.rememberRefusal;
        this.failBatch(batch, decision.problem);
        return [];
    }
  }

  /** Writes what the burst said about the key: refused wins over accepted; "works" is refreshed at half its life. */
  private noteKeyVerdict(effects: KeyEffects, now: number): void {
    if (effects.refused) {
      rememberKeyRefused(this.ctx.sharedCache, this.fingerprint, effects.refused.code, effects.refused.seconds, now);
      this.keyWorksUntil = null;
    } else if (effects.accepted && (this.keyWorksUntil == null || this.keyWorksUntil - now < (KEY_WORKS_SECONDS * 1000) / 2)) {
      this.keyWorksUntil = rememberKeyWorks(this.ctx.sharedCache, this.fingerprint, now);
    }
  }

  private failBatch(batch: Batch, problem: { code: ErrorCode; message: string }): void {
    for (const identifier of batch.identifiers) this.resolve({ kind: batch.kind, normalized: identifier }, { status: 'failed', code: problem.code, message: problem.message });
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
}

/** What one burst's answers said about the key, carried out after its answers are cached. */
interface KeyEffects {
  accepted: boolean;
  refused?: { code: KeyRefusal; seconds: number };
  /** A 429: nobody sends with the key before this. */
  blockUntil?: number;
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

/**
 * Forgets what the last answer said about the key (rejected, out of credits): the user says it
 * is fixed (Resume after adding credits), so the next request asks Crustdata again instead of
 * failing from the memo for up to five minutes.
 */
export function forgetKeyVerdict(ctx: EnrichContext): void {
  if (!ctx.apiKey) return;
  forgetKeyVerdictIn(ctx.sharedCache, apiKeyFingerprint(memoizedHasher(ctx.hasher), ctx.apiKey));
}
