// Stateful fakes of the core's ports for unit tests: a virtual clock, a cache with CacheService's
// limits and expiry on that clock, a lock, and an HTTP transport that plays scripted responses
// and keeps a log. Each counts its calls so a test can assert "the second run sent nothing".
import { createHash } from 'node:crypto';
import { apiKeyFingerprint } from '../../src/core/crustdataClient';
import type { EnrichContext } from '../../src/core/enrich';
import { rememberKeyWorks } from '../../src/core/keyVerdict';
import { HttpTransportError, type Cache, type Clock, type Hasher, type Http, type HttpRequest, type HttpResponse, type Lock } from '../../src/core/ports';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export class FakeClock implements Clock {
  sleeps: number[] = [];
  constructor(private time = T0) {}
  now(): number {
    return this.time;
  }
  sleep(ms: number): void {
    if (!(ms >= 0)) throw new Error(`sleep(${ms})`);
    this.sleeps.push(ms);
    this.time += ms;
  }
  advance(ms: number): void {
    this.time += ms;
  }
  get slept(): number {
    return this.sleeps.reduce((a, b) => a + b, 0);
  }
}

export const MAX_CACHE_KEY_CHARS = 250;
export const MAX_CACHE_VALUE_BYTES = 100 * 1024;

/** CacheService's limits: key <= 250 chars, value <= 100 KB, ttl 1..21600 s; expiry on the fake clock. */
export class FakeCache implements Cache {
  readonly entries = new Map<string, { value: string; expiresAt: number }>();
  calls = { get: 0, getAll: 0, put: 0, putAll: 0, remove: 0 };
  constructor(private readonly clock: Clock) {}

  get(key: string): string | null {
    this.calls.get++;
    return this.read(key);
  }
  getAll(keys: string[]): Record<string, string> {
    this.calls.getAll++;
    const out: Record<string, string> = {};
    for (const key of keys) {
      const value = this.read(key);
      if (value !== null) out[key] = value;
    }
    return out;
  }
  put(key: string, value: string, ttlSeconds: number): void {
    this.calls.put++;
    this.check(key, value, ttlSeconds);
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }
  putAll(values: Record<string, string>, ttlSeconds: number): void {
    this.calls.putAll++;
    // As in Apps Script, one bad value fails the whole call.
    for (const [key, value] of Object.entries(values)) this.check(key, value, ttlSeconds);
    for (const [key, value] of Object.entries(values)) this.entries.set(key, { value, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }
  remove(key: string): void {
    this.calls.remove++;
    this.entries.delete(key);
  }
  /** Live entries whose key starts with prefix (for assertions, not counted). */
  keys(prefix = ''): string[] {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix) && this.peek(key) !== null);
  }
  peek(key: string): string | null {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > this.clock.now() ? entry.value : null;
  }

  private read(key: string): string | null {
    const value = this.peek(key);
    if (value === null) this.entries.delete(key);
    return value;
  }
  private check(key: string, value: string, ttlSeconds: number): void {
    if (key.length > MAX_CACHE_KEY_CHARS) throw new Error(`Argument too large: key (${key.length} chars)`);
    if (Buffer.byteLength(value, 'utf8') > MAX_CACHE_VALUE_BYTES) throw new Error('Argument too large: value');
    if (!(ttlSeconds >= 1 && ttlSeconds <= 21_600)) throw new Error(`Invalid expiration: ${ttlSeconds}`);
  }
}

export class FakeLock implements Lock {
  held = false;
  acquisitions = 0;
  /** Makes the next n tryLock calls fail as if another execution held the lock. */
  failNext = 0;
  tryLock(): boolean {
    if (this.failNext > 0) {
      this.failNext--;
      return false;
    }
    if (this.held) throw new Error('FakeLock: re-entrant tryLock (the code would deadlock in Apps Script)');
    this.held = true;
    this.acquisitions++;
    return true;
  }
  releaseLock(): void {
    this.held = false;
    this.releaseLog?.push('releaseLock');
  }
  /** Where releases are recorded, beside the sheet's calls (see releasesWithUnflushedWrites). */
  releaseLog?: string[];
}

/** The sheet port's writes, as a test sees them (independent of src/core/sheetFlush.ts's list). */
const SHEET_WRITE_CALLS = new Set([
  'writeValues',
  'clearValues',
  'addColumnMarks',
  'removeColumnMarks',
  'removeChangesMarks',
  'addRowAnchors',
  'removeRowAnchors',
  'insertColumnsAfter',
  'selectRanges',
  'writeNotes',
  'writeBackgrounds',
  'markChangesColumn',
]);

/**
 * Positions in a log of sheet calls and lock releases where a lock was released with sheet
 * writes not yet flushed (Google: flush before releaseLock). Empty when the code flushes.
 */
export function releasesWithUnflushedWrites(log: readonly string[]): number[] {
  const found: number[] = [];
  let dirty = false;
  log.forEach((entry, i) => {
    if (entry === 'flush') dirty = false;
    else if (SHEET_WRITE_CALLS.has(entry)) dirty = true;
    else if (entry === 'releaseLock' && dirty) found.push(i);
  });
  return found;
}

export const nodeHasher: Hasher = {
  sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex'),
};

/** A fresh hasher (its own memo in the engine) that counts the digests it computes, by text. */
export function countingHasher(): Hasher & { calls: number; texts: Map<string, number> } {
  const counter = {
    calls: 0,
    texts: new Map<string, number>(),
    sha256Hex(text: string): string {
      counter.calls++;
      counter.texts.set(text, (counter.texts.get(text) ?? 0) + 1);
      return nodeHasher.sha256Hex(text);
    },
  };
  return counter;
}

/** One scripted reply: a response, or a transport failure of the whole fetchAll. */
export type FakeReply = (Partial<HttpResponse> & { latencyMs?: number }) | { transportError: string; latencyMs?: number };

export interface LoggedRequest extends HttpRequest {
  /** The parsed payload. */
  body: Record<string, unknown>;
  /** Identifiers sent, whichever property held them. */
  identifiers: string[];
  kind: 'profile_url' | 'business_email' | null;
  sentAt: number;
  /** Which fetchAll call sent it (0-based). */
  call: number;
}

export type FakeServer = (request: LoggedRequest, now: number) => FakeReply;

/**
 * fetchAll over a server function (or a queue of scripted replies, then the server). Parallel
 * requests in one call advance the clock by the slowest latency; any transport failure (or a
 * latency of 60 s or more, UrlFetch's timeout) fails the whole call, as in Apps Script.
 */
export class FakeHttp implements Http {
  readonly log: LoggedRequest[] = [];
  calls = 0;
  readonly script: FakeReply[] = [];
  constructor(
    private readonly clock: FakeClock,
    private readonly server: FakeServer = okServer(),
    private readonly defaultLatencyMs = 1_000,
  ) {}

  fetchAll(requests: HttpRequest[]): HttpResponse[] {
    const call = this.calls++;
    const now = this.clock.now();
    const replies = requests.map((request) => {
      const logged = toLogged(request, now, call);
      this.log.push(logged);
      return this.script.length ? (this.script.shift() as FakeReply) : this.server(logged, now);
    });
    const latency = Math.max(0, ...replies.map((reply) => reply.latencyMs ?? this.defaultLatencyMs));
    const failure = replies.find((reply): reply is { transportError: string } => 'transportError' in reply);
    if (failure || latency >= 60_000) {
      this.clock.advance(Math.min(latency, 60_000));
      throw new HttpTransportError(failure ? failure.transportError : 'Timeout: request took longer than 60 s');
    }
    this.clock.advance(latency);
    return replies.map((reply) => {
      const r = reply as Partial<HttpResponse>;
      return { status: r.status ?? 200, headers: r.headers ?? {}, body: r.body ?? '[]' };
    });
  }

  /** Requests grouped by fetchAll call. */
  bursts(): LoggedRequest[][] {
    const out: LoggedRequest[][] = [];
    for (const request of this.log) (out[request.call] ??= []).push(request);
    return out.filter(Boolean);
  }
}

function toLogged(request: HttpRequest, sentAt: number, call: number): LoggedRequest {
  const body = request.payload ? (JSON.parse(request.payload) as Record<string, unknown>) : {};
  const urls = body.professional_network_profile_urls as string[] | undefined;
  const emails = body.business_emails as string[] | undefined;
  return {
    ...request,
    body,
    identifiers: urls ?? emails ?? [],
    kind: urls ? 'profile_url' : emails ? 'business_email' : null,
    sentAt,
    call,
  };
}

/** A person the fake server returns for an identifier: its name says which one it was. */
export function personFor(identifier: string): Record<string, unknown> {
  return { basic_profile: { name: `Person ${identifier}`, headline: `Headline of ${identifier}` } };
}

export interface OkServerOptions {
  /** Identifiers with no match (200, empty matches). */
  notFound?: Set<string>;
  /** Shuffles the response entries, to prove the join does not use positions. */
  shuffle?: boolean;
  /** Per-request headers, e.g. rate-limit headers. */
  headers?: (request: LoggedRequest, now: number) => Record<string, string>;
  latencyMs?: number;
}

/** A well-behaved server: one entry per identifier, matched_on echoing it exactly. */
export function okServer(options: OkServerOptions = {}): FakeServer {
  let seed = 7;
  return (request, now) => {
    const entries = request.identifiers.map((identifier) => ({
      matched_on: identifier,
      match_type: request.kind === 'business_email' ? 'business_email' : 'professional_network_profile_url',
      matches: options.notFound?.has(identifier) ? [] : [{ confidence_score: 1, person_data: personFor(identifier) }],
    }));
    if (options.shuffle) {
      for (let i = entries.length - 1; i > 0; i--) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        const j = seed % (i + 1);
        [entries[i], entries[j]] = [entries[j], entries[i]];
      }
    }
    const matched = entries.filter((entry) => entry.matches.length).length;
    return {
      status: 200,
      headers: { 'content-type': 'application/json', 'x-credits-used': String(matched), ...(options.headers?.(request, now) ?? {}) },
      body: JSON.stringify(entries),
      latencyMs: options.latencyMs,
    };
  };
}

export interface FakeWorld {
  clock: FakeClock;
  resultCache: FakeCache;
  sharedCache: FakeCache;
  lock: FakeLock;
  http: FakeHttp;
  ctx: EnrichContext;
}

/**
 * A context over fresh fakes; pass `shared` to make a second "execution" share caches and lock.
 * A fresh world's key counts as seen working (the common case: full bursts from the first);
 * `keySeenWorking: false` makes it a key nobody has used lately, whose first request goes alone.
 */
export function fakeWorld(
  options: { server?: FakeServer; apiKey?: string | null; requestsPerMinute?: number; latencyMs?: number; shared?: FakeWorld; keySeenWorking?: boolean } = {},
): FakeWorld {
  const clock = options.shared?.clock ?? new FakeClock();
  const resultCache = options.shared?.resultCache ?? new FakeCache(clock);
  const sharedCache = options.shared?.sharedCache ?? new FakeCache(clock);
  const lock = options.shared?.lock ?? new FakeLock();
  const http = options.shared && !options.server ? options.shared.http : new FakeHttp(clock, options.server ?? okServer(), options.latencyMs ?? 1_000);
  const ctx: EnrichContext = {
    http,
    clock,
    hasher: nodeHasher,
    resultCache,
    sharedCache,
    lock,
    apiKey: options.apiKey === undefined ? 'test-key-0123456789abcdef' : options.apiKey,
    apiBaseUrl: 'https://api.crustdata.com',
    requestsPerMinute: options.requestsPerMinute ?? 15,
  };
  if (ctx.apiKey && !options.shared && options.keySeenWorking !== false) {
    rememberKeyWorks(sharedCache, apiKeyFingerprint(nodeHasher, ctx.apiKey), clock.now());
    sharedCache.calls.put = 0;
  }
  return { clock, resultCache, sharedCache, lock, http, ctx };
}

export function profileUrl(n: number | string): string {
  return `https://www.linkedin.com/in/person-${n}`;
}

export function email(n: number | string): string {
  return `person${n}@example.com`;
}
