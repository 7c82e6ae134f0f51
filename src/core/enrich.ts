// The enrichment engine: cells in, one outcome per cell out, at the rate limit's speed.
// Cache first; the rest in batches of 25 per identifier type, sent in bursts the shared rate
// window allows (rateWindow.ts), each answer decided on by batchDecision.ts (accept, retry after
// retry.ts's backoff, split, fail), retried inside the caller's deadline, joined on matched_on.
// Options (apiOptions.ts) shape each request; with `live`, rows the cached endpoint did not find
// get one more try on the live endpoint in the same call, through the same window. A credit
// budget and a count of UrlFetch calls left stop the call before a request that could pass them.
import { ROW_MESSAGES } from '../common/messages';
import { DEFAULT_API_OPTIONS, resultCacheKey, type ApiOptions, type EnrichEndpoint } from './apiOptions';
import { creditsPerMatch, selectionKey } from './catalog';
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
import { ambiguityVerdict, type AmbiguityPolicy } from './matches';
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
  /**
   * The API's optional settings (default DEFAULT_API_OPTIONS). min_score goes with email batches
   * only; live: rows not found on the cached endpoint get one more try on the live endpoint in
   * this call, paced like everything else; force_fetch / enrich_realtime go as body flags
   * (optionalBody decides). `forceFetch` above stays as an alias of api.forceFetch.
   */
  api?: ApiOptions;
  /** Identifiers per live request (default 25). The live endpoint is slow per identifier: a 30 s formula sends fewer. */
  liveBatchSize?: number;
  /** Default 'take_best'. 'leave_for_review': an ambiguous match fails its row with code 'ambiguous_match' and a readable status. */
  ambiguity?: AmbiguityPolicy;
  /**
   * No request is sent whose worst-case charge (worstCaseCredits) would take this call's
   * creditsUsed past this; the rows left are pending and result.stoppedBy is 'credit_cap'.
   */
  creditBudget?: number;
  /** UrlFetch calls this call may make (the daily quota's rest); past it: pending, stoppedBy 'fetch_quota'. */
  fetchCallsLeft?: number;
}

/**
 * The live endpoint's price on top of the cached one, per profile found. Undocumented: this is
 * the assumption docs/CRUSTDATA-API.md states (and the mock charges); only worst-case bounds use
 * it, the credits counted are always x-credits-used.
 */
export const LIVE_EXTRA_CREDITS_PER_MATCH = 2;

/**
 * The most a request for `identifiers` identifiers may charge: every one found with every priced
 * datum of the selection (catalog prices), plus the live surcharge on the live endpoint.
 */
export function worstCaseCredits(selection: FieldSelection, identifiers: number, endpoint: EnrichEndpoint): number {
  const perMatch = creditsPerMatch(selection).max + (endpoint === 'live' ? LIVE_EXTRA_CREDITS_PER_MATCH : 0);
  return Math.max(0, identifiers) * perMatch;
}

/** What a row left by a stop says: what happened and what to do. */
export const STOP_MESSAGES = {
  credit_cap: ROW_MESSAGES.creditCap,
  fetch_quota: ROW_MESSAGES.fetchQuota,
} as const;

export type StopReason = keyof typeof STOP_MESSAGES;

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
  /** Requests sent to the live endpoint (part of `requests`). */
  liveRequests: number;
  /** x-credits-used of the live endpoint's answers (part of `creditsUsed`). */
  liveCreditsUsed: number;
}

export interface EnrichResult {
  outcomes: RowOutcome[];
  stats: EngineStats;
  /** Set when the run stopped for a reason that stops every run with this key (401, 403, no key). */
  fatal?: { code: ErrorCode; message: string };
  /** Rows are pending: the earliest time another run could send something. */
  resumeAt?: number;
  /** Rows are pending because the next request could pass the credit budget or the UrlFetch calls left. */
  stoppedBy?: StopReason;
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
  endpoint: EnrichEndpoint;
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
    liveRequests: 0,
    liveCreditsUsed: 0,
  };
}

/** One outcome per input cell, in order. Never throws for anything the API or the cache does. */
export function enrichCells(ctx: EnrichContext, cells: unknown[], options: EnrichOptions): EnrichResult {
  const stats = emptyStats();
  const { classified, unique } = dedupeIdentifiers(cells);
  const resolutions = new Map<string, Resolution>();
  const api = apiOptionsOf(options);
  const finish = (extra: Partial<EnrichResult> = {}): EnrichResult => ({
    outcomes: buildOutcomes(classified, unique, resolutions, options.ambiguity ?? 'take_best'),
    stats,
    ...extra,
  });
  if (!unique.length) return finish();

  if (!ctx.apiKey) {
    // Cached results need no key, but a missing key is worth saying on every other row.
    const cache = new ResultCache(ctx.resultCache, ctx.hasher, resultCacheKey(selectionKey(options.selection), api));
    resolveFromCache(cache, unique, resolutions, stats, ctx.clock.now(), options.maxCacheAgeMs);
    failUnresolved(unique, resolutions, 'missing_api_key', MESSAGES.missingKey);
    return finish({ fatal: { code: 'missing_api_key', message: MESSAGES.missingKey } });
  }

  const run = new EnrichRun(ctx, options, api, stats, resolutions);
  run.resolveFromCache(unique);
  const toFetch = unique.filter((id) => !resolutions.has(refKey(id)));
  if (toFetch.length) run.fetch(toFetch);
  return finish(run.summary());
}

/** The call's API options: the defaults, what it asks, and the `forceFetch` alias. */
function apiOptionsOf(options: EnrichOptions): ApiOptions {
  const api: ApiOptions = { ...DEFAULT_API_OPTIONS, ...options.api };
  if (options.forceFetch) api.forceFetch = true;
  return api;
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
  /** Final answers under this call's options (with live: after the live try). */
  private readonly cache: ResultCache;
  /**
   * With live: the cached endpoint's own answers, under the same options without live (which is
   * exactly what that key means). A row it holds as "not found" goes straight to the live try.
   */
  private readonly cachedEndpointCache: ResultCache | null;
  private readonly window: RateWindow;
  private readonly fingerprint: string;
  private readonly retryPolicy: RetryPolicy;
  private readonly latestStart: number;
  private fatal?: { code: ErrorCode; message: string };
  private resumeAt?: number;
  private stoppedBy?: StopReason;
  /** Identifiers the cached endpoint did not find, waiting for their live try: by refKey. */
  private readonly awaitingLive = new Set<string>();
  private successes = 0;
  private isolatedBadIdentifiers = 0;
  /** Until when the key counts as seen working (keyVerdict.ts); null: its next burst is one request. */
  private keyWorksUntil: number | null = null;

  constructor(
    private readonly ctx: EnrichContext,
    private readonly options: EnrichOptions,
    private readonly api: ApiOptions,
    private readonly stats: EngineStats,
    private readonly resolutions: Map<string, Resolution>,
  ) {
    const apiKey = ctx.apiKey as string;
    this.fingerprint = apiKeyFingerprint(memoizedHasher(ctx.hasher), apiKey);
    const selection = selectionKey(options.selection);
    this.cache = new ResultCache(ctx.resultCache, ctx.hasher, resultCacheKey(selection, api));
    this.cachedEndpointCache = api.live ? new ResultCache(ctx.resultCache, ctx.hasher, resultCacheKey(selection, { ...api, live: false })) : null;
    this.window = rateWindowOf(ctx, this.fingerprint, options.windowMarginMs);
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.latestStart = options.deadline - (options.maxRequestMs ?? DEFAULT_MAX_REQUEST_MS);
  }

  summary(): Partial<EnrichResult> {
    const out: Partial<EnrichResult> = {};
    if (this.fatal) out.fatal = this.fatal;
    const pending = [...this.resolutions.values()].some((r) => r.status === 'pending');
    if (this.resumeAt != null && pending) out.resumeAt = this.resumeAt;
    if (this.stoppedBy && pending) out.stoppedBy = this.stoppedBy;
    return out;
  }

  resolveFromCache(unique: UniqueIdentifier[]): void {
    const now = this.ctx.clock.now();
    resolveFromCache(this.cache, unique, this.resolutions, this.stats, now, this.options.maxCacheAgeMs);
    if (!this.cachedEndpointCache) return;
    // With live, the cached endpoint's answer decides what is left: a match is the answer, a
    // "not found" skips straight to the live try (a resumed call does not ask the cache again).
    const left = unique.filter((id) => !this.resolutions.has(refKey(id)));
    for (const [key, hit] of this.cachedEndpointCache.getMany(left, now, this.options.maxCacheAgeMs)) {
      if (hit.person) {
        this.stats.cacheHits++;
        this.resolutions.set(key, { status: 'matched', person: hit.person, fetchedAt: hit.fetchedAt, fromCache: true });
      } else this.awaitingLive.add(key);
    }
  }

  fetch(ids: UniqueIdentifier[]): void {
    const verdict = readKeyVerdict(this.ctx.sharedCache, this.fingerprint, this.ctx.clock.now());
    if (verdict.kind === 'refused') {
      this.stop(verdict.code, verdict.code === 'invalid_api_key' ? MESSAGES.invalidKey : MESSAGES.insufficientCredits, ids);
      return;
    }
    if (verdict.kind === 'works') this.keyWorksUntil = verdict.until;
    const now0 = this.ctx.clock.now();
    const queue = [
      ...planBatches(ids.filter((id) => !this.awaitingLive.has(refKey(id))), now0),
      ...planBatches(ids.filter((id) => this.awaitingLive.has(refKey(id))), now0, 'live', this.liveBatchSize()),
    ].sort((a, b) => a.firstRow - b.firstRow);
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
      const keyWanted = this.keyWorksUntil != null && this.keyWorksUntil > now ? ready.length : 1;
      const wanted = this.affordable(ready, keyWanted, queue);
      if (wanted === 0) break;
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
            : this.stoppedBy
              ? { status: 'pending', message: STOP_MESSAGES[this.stoppedBy] }
              : { status: 'pending', message: batch.lastError ? `${MESSAGES.pendingAfterError} (${batch.lastError.message})` : MESSAGES.pending },
        );
      }
    }
  }

  private liveBatchSize(): number {
    const size = Math.floor(this.options.liveBatchSize ?? MAX_IDENTIFIERS_PER_REQUEST);
    return Math.min(MAX_IDENTIFIERS_PER_REQUEST, Math.max(1, size));
  }

  /**
   * How many of the ready batches (a prefix, at most `wanted`) may go without passing the UrlFetch
   * calls left or the credit budget at their worst case. When not even the first fits the budget
   * whole, its first identifiers that do fit go alone (the rest goes back to the queue), so the
   * budget is used up to the last row it can pay for. 0: the call stops here (stoppedBy set).
   */
  private affordable(ready: Batch[], wanted: number, queue: Batch[]): number {
    let count = wanted;
    if (this.options.fetchCallsLeft != null) {
      const callsLeft = Math.floor(this.options.fetchCallsLeft) - this.stats.requests;
      if (callsLeft <= 0) {
        this.stoppedBy = 'fetch_quota';
        return 0;
      }
      count = Math.min(count, callsLeft);
    }
    if (this.options.creditBudget == null) return count;
    let left = this.options.creditBudget - this.stats.creditsUsed;
    let fits = 0;
    for (const batch of ready.slice(0, count)) {
      const worst = worstCaseCredits(this.options.selection, batch.identifiers.length, batch.endpoint);
      if (worst > left) break;
      left -= worst;
      fits++;
    }
    if (fits > 0) return fits;
    const first = ready[0];
    const perIdentifier = worstCaseCredits(this.options.selection, 1, first.endpoint);
    const identifiers = perIdentifier > 0 ? Math.floor(left / perIdentifier) : first.identifiers.length;
    if (identifiers < 1) {
      this.stoppedBy = 'credit_cap';
      return 0;
    }
    // ready[0] is queue's earliest ready batch: its rest waits behind it, same rows order.
    const rest: Batch = { ...first, identifiers: first.identifiers.slice(identifiers) };
    first.identifiers = first.identifiers.slice(0, identifiers);
    queue.splice(queue.indexOf(first) + 1, 0, rest);
    return 1;
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
        options: this.api,
        endpoint: batch.endpoint,
      }),
    );
    this.stats.requests += requests.length;
    this.stats.liveRequests += burst.filter((batch) => batch.endpoint === 'live').length;
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
      const credits = creditsUsed(response.headers);
      this.stats.creditsUsed += credits;
      if (burst[i].endpoint === 'live') this.stats.liveCreditsUsed += credits;
      return readAnswer(response, now);
    });
    const requeue: Batch[] = [];
    const toCache: CacheWrites = { final: [], cachedEndpoint: [] };
    const keyEffects: KeyEffects = { accepted: false };
    const toLive: Array<{ id: IdentifierRef; firstRow: number }> = [];
    burst.forEach((batch, i) => {
      const decision = decideBatch(answers[i].verdict, batch, this.retryPolicy, {
        now,
        successes: this.successes,
        isolatedBadIdentifiers: this.isolatedBadIdentifiers,
      });
      requeue.push(...this.carryOut(batch, decision, now, toCache, keyEffects, toLive));
    });
    // Paid-for answers first: nothing before this takes a lock.
    if (toCache.final.length) this.cache.putMany(toCache.final);
    if (toCache.cachedEndpoint.length) this.cachedEndpointCache?.putMany(toCache.cachedEndpoint);
    requeue.push(...this.liveBatches(toLive, now));
    this.noteKeyVerdict(keyEffects, now);
    if (keyEffects.blockUntil != null) this.window.blockUntil(keyEffects.blockUntil);
    this.observeRate(answers.map((answer) => answer.rate), sentAt);
    return requeue;
  }

  /** The live tries for rows the cached endpoint did not find, in batches of one identifier type. */
  private liveBatches(toLive: Array<{ id: IdentifierRef; firstRow: number }>, now: number): Batch[] {
    const batches: Batch[] = [];
    const open: Partial<Record<IdentifierKind, Batch>> = {};
    for (const { id, firstRow } of toLive) {
      let batch = open[id.kind];
      if (!batch || batch.identifiers.length >= this.liveBatchSize()) {
        batch = { kind: id.kind, identifiers: [], failures: 0, notBefore: now, firstRow, endpoint: 'live' };
        open[id.kind] = batch;
        batches.push(batch);
      }
      batch.identifiers.push(id.normalized);
    }
    return batches;
  }

  /** Does what the decision says for the batch's rows; returns the batches to send again. */
  private carryOut(
    batch: Batch,
    decision: BatchDecision,
    now: number,
    toCache: CacheWrites,
    key: KeyEffects,
    toLive: Array<{ id: IdentifierRef; firstRow: number }>,
  ): Batch[] {
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
          const result = { person: row.person, fetchedAt: now };
          if (this.cachedEndpointCache && batch.endpoint === 'cached') {
            toCache.cachedEndpoint.push({ id, result });
            if (!row.person) {
              // Not in the cached dataset: its answer is the live try's.
              toLive.push({ id, firstRow: batch.firstRow });
              continue;
            }
          }
          this.resolve(id, row.person ? { status: 'matched', person: row.person, fetchedAt: now, fromCache: false } : { status: 'not_found', fetchedAt: now, fromCache: false });
          toCache.final.push({ id, result });
        }
        return [];
      case 'retry-later':
        if (decision.blockKeyUntil != null) key.blockUntil = Math.max(key.blockUntil ?? 0, decision.blockKeyUntil);
        batch.failures = decision.failures;
        batch.lastError = decision.problem;
        batch.notBefore = decision.at;
        return [batch];
      case 'split':
        return decision.halves.map((identifiers) => ({ kind: batch.kind, identifiers, failures: 0, notBefore: now, firstRow: batch.firstRow, endpoint: batch.endpoint }));
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

/** A burst's answers for the result cache: final ones, and (with live) the cached endpoint's own. */
interface CacheWrites {
  final: Array<{ id: IdentifierRef; result: CachedResult }>;
  cachedEndpoint: Array<{ id: IdentifierRef; result: CachedResult }>;
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

/** Batches of at most 25 (or `size`) of one identifier type, in the order their rows appear. */
export function planBatches(ids: UniqueIdentifier[], now: number, endpoint: EnrichEndpoint = 'cached', size = MAX_IDENTIFIERS_PER_REQUEST): Batch[] {
  const batches: Batch[] = [];
  const open: Partial<Record<IdentifierKind, Batch>> = {};
  for (const id of ids) {
    let batch = open[id.kind];
    if (!batch || batch.identifiers.length >= size) {
      batch = { kind: id.kind, identifiers: [], failures: 0, notBefore: now, firstRow: Math.min(...id.rows), endpoint };
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
  ambiguity: AmbiguityPolicy,
): RowOutcome[] {
  const outcomes: RowOutcome[] = classified.map((cell) =>
    cell.kind === 'blank' ? { status: 'blank' } : cell.kind === 'invalid' ? { status: 'invalid', message: cell.message } : { status: 'pending', identifier: cell.normalized, message: MESSAGES.pending },
  );
  for (const id of unique) {
    const resolution = settle(resolutions.get(refKey(id)) ?? { status: 'pending', message: MESSAGES.pending }, ambiguity);
    for (const row of id.rows) outcomes[row] = { ...resolution, identifier: id.normalized } as RowOutcome;
  }
  return outcomes;
}

/**
 * A match too close to call, under "leave it for me to check", becomes a settled failure with a
 * readable status instead of a guess. Applied to cached answers too: the cache keeps the person
 * with its match facts, whatever the policy, so changing the policy needs no new request.
 */
function settle(resolution: Resolution, ambiguity: AmbiguityPolicy): Resolution {
  if (resolution.status !== 'matched') return resolution;
  const verdict = ambiguityVerdict(resolution.person, ambiguity);
  return verdict.kind === 'review' ? { status: 'failed', code: 'ambiguous_match', message: verdict.status } : resolution;
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
