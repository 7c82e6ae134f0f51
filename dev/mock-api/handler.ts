// The mock of Crustdata's POST /person/enrich as a synchronous, clock-agnostic handler: the
// HTTP server (server.ts) calls it with Date.now(), the Apps Script emulator calls it in-process
// with its virtual clock (UrlFetchApp is synchronous). Rules come from docs/CRUSTDATA-API.md; the choices
// the spec leaves open are written next to the code that makes them.
import { createHash } from 'node:crypto';
import { MockDataset, type ChurnOptions, type ChurnReport, type MockPerson, type PersonData } from './dataset';
import { emailCandidates, withLiveOnly } from './emailMatches';
import {
  DEFAULT_FIELD_GROUPS, FIELD_GROUPS, PERMISSIONED_GROUPS, isKnownFieldPath, project, selectionTouches, selectionTreeOf,
  type PermissionedGroup, type SelectionTree,
} from './fieldPaths';
import { Prng } from './prng';

export const ENRICH_PATH = '/person/enrich';
/** Same request body; fetches from the web what the cached dataset lacks (docs/CRUSTDATA-API.md). */
export const LIVE_ENRICH_PATH = '/person/professional_network/enrich/live';
export const API_VERSION = '2025-11-01';
/** The key `npm run mock-api` accepts unless told otherwise. Not a secret. */
export const DEMO_API_KEY = 'demo-key';
export const MAX_IDENTIFIERS = 25;
export const RATE_WINDOW_MS = 60_000;
export const DEFAULT_REQUESTS_PER_MINUTE = 15;
/** Latency of a `slow` fault: past UrlFetchApp's ~60 s timeout, so a client times out. */
export const SLOW_LATENCY_MS = 75_000;
export const MAX_CREDITS_PER_PROFILE = 7;
/**
 * Live enrich's price is not documented. Assumed rule (docs/CRUSTDATA-API.md): the cached price
 * of the profile found, plus this per profile found; not found costs nothing, preview 0.
 */
export const LIVE_EXTRA_CREDITS = 2;
/** Live fetches from the web: default latency 3 s + 1 s per identifier (25 identifiers: 28 s, under UrlFetchApp's 60 s). */
export const LIVE_BASE_LATENCY_MS = 3_000;
export const LIVE_PER_IDENTIFIER_LATENCY_MS = 1_000;

/** Which endpoint a request reached: the cached dataset or the live (web) one. */
export type Endpoint = 'enrich' | 'live';

export const MISSING_IDENTIFIER_MESSAGE =
  'Exactly one identifier must be provided: professional_network_profile_urls or business_emails';
export const BOTH_IDENTIFIERS_MESSAGE =
  'Only one identifier type can be provided. Found: professional_network_profile_urls, business_emails';
export const INVALID_KEY_MESSAGE = 'Invalid API key in request.';

export interface MockRequest {
  method: string;
  /** Path, optionally with a query string: /person/enrich?x=1 */
  path: string;
  /** Header names in any case. */
  headers: Record<string, string>;
  body: string;
}

export interface MockResponse {
  status: number;
  /** Header names lower-case. */
  headers: Record<string, string>;
  body: string;
  /**
   * How long the real API would take to answer. The HTTP server waits latencyMs * latencyScale;
   * the emulator advances its virtual clock. A `slow` fault sets it past 60 s (SLOW_LATENCY_MS),
   * which is how a hung request looks: a client with UrlFetchApp's 60 s timeout gives up first.
   */
  latencyMs: number;
}

export type ErrorType =
  | 'invalid_request'
  | 'authentication_error'
  | 'unauthorized'
  | 'insufficient_credits'
  | 'permission_error'
  | 'rate_limit_error'
  | 'internal_error';

export type FaultType = '500' | '502' | '503' | '429' | 'slow' | 'malformed';

export interface Fault {
  type: FaultType;
  /** For '429': the Retry-After it carries (default: options.injectedRetryAfterSeconds, 2). */
  retryAfterSeconds?: number;
  /** For '429': the x-ratelimit-reset it carries (default: its Retry-After; 0 says the window is open again). */
  resetSeconds?: number;
  /** For 'slow': the latency (default SLOW_LATENCY_MS). */
  latencyMs?: number;
}

/** Per-request probabilities for a seeded random fault plan; they add up (at most one fault per request). */
export interface FaultRates {
  serverError?: number;
  rateLimited?: number;
  slow?: number;
  malformed?: number;
  seed?: number | string;
}

export interface KeyOptions {
  /** Shown in the request log instead of the key (default: key-<first 8 hex of sha256>). */
  label?: string;
  requestsPerMinute?: number;
  /** Credit balance (default options.defaultCredits). */
  credits?: number;
  /** Field-level permissions; both granted unless set to false. */
  permissions?: Partial<Record<PermissionedGroup, boolean>>;
}

export interface LatencyInfo {
  status: number;
  identifierCount: number;
  fault: FaultType | null;
  endpoint: Endpoint;
}

export type LatencyModel = (info: LatencyInfo) => number;

export interface LatencyParameters {
  /** A 200 answer: baseMs + perIdentifierMs * identifiers. Defaults 600 and 20. */
  baseMs?: number;
  perIdentifierMs?: number;
  /** Any error answer. Default 150. */
  errorMs?: number;
  /** A 200 from the live endpoint: liveBaseMs + livePerIdentifierMs * identifiers. Defaults 3000 and 1000. */
  liveBaseMs?: number;
  livePerIdentifierMs?: number;
}

export interface MockApiOptions {
  /** Accepted keys. Default: { 'demo-key': { label: 'demo' } }. */
  keys?: Record<string, KeyOptions>;
  defaultRequestsPerMinute?: number;
  /** Default 1,000,000. */
  defaultCredits?: number;
  latency?: LatencyModel | LatencyParameters;
  /**
   * 'envelope' (default): 401 body {error:{type:'unauthorized',...}} as the OpenAPI file shows.
   * 'bare': {"message":"Invalid API key in request"}, the other shape the reference page shows.
   */
  unauthorizedStyle?: 'envelope' | 'bare';
  injectedRetryAfterSeconds?: number;
  dataset?: MockDataset;
}

export interface RequestLogEntry {
  seq: number;
  atMs: number;
  /** Never the key itself. null when the request carried no key. */
  keyLabel: string | null;
  method: string;
  path: string;
  identifierType: 'professional_network_profile_url' | 'business_email' | null;
  identifierCount: number;
  matched: number;
  status: number;
  errorType: ErrorType | null;
  creditsUsed: number;
  latencyMs: number;
  fault: FaultType | null;
  /** Took a slot in the key's 60 s window. */
  counted: boolean;
  preview: boolean;
  forceFetch: boolean;
  enrichRealtime: boolean;
  /** As sent; null when absent or null. */
  minSimilarityScore: number | null;
  /** null for a path the mock does not serve. */
  endpoint: Endpoint | null;
}

export interface KeyStats {
  requests: number;
  rateLimited: number;
  creditsUsed: number;
}

export interface MockApiStats {
  requests: number;
  ok: number;
  /** Status 429, real or injected. */
  rateLimited: number;
  clientErrors: number;
  serverErrors: number;
  malformed: number;
  slow: number;
  creditsUsed: number;
  identifiersSent: number;
  byStatus: Record<string, number>;
  /** By key label. */
  perKey: Record<string, KeyStats>;
  /** Requests and credits per endpoint: the live pass's cost apart from the cached one. */
  perEndpoint: Record<Endpoint, { requests: number; creditsUsed: number }>;
}

export interface RateLimitState {
  limit: number;
  used: number;
  remaining: number;
  /** Seconds until the oldest request in the window leaves it (a slot frees); 0 when empty. */
  resetSeconds: number;
}

interface KeyState {
  label: string;
  requestsPerMinute: number;
  credits: number;
  permissions: Record<PermissionedGroup, boolean>;
  revoked: boolean;
  /** Times of requests in the sliding window, oldest first. */
  window: number[];
}

type IdentifierType = 'professional_network_profile_url' | 'business_email';

interface ValidRequest {
  identifierType: IdentifierType;
  identifiers: string[];
  selection: SelectionTree;
  preview: boolean;
  forceFetch: boolean;
  enrichRealtime: boolean;
  /** Email lookups drop candidates scoring below it; null: keep all. */
  minSimilarityScore: number | null;
}

class RequestError {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    readonly message: string,
    readonly metadata: Array<Record<string, unknown>> = [],
  ) {}
}

const ALLOWED_BODY_KEYS = new Set([
  'professional_network_profile_urls',
  'business_emails',
  'fields',
  'min_similarity_score',
  'preview',
  'force_fetch',
  'enrich_realtime',
]);

/**
 * What the mock accepts as a profile URL (anything else fails the whole batch with 400):
 * http or https, host linkedin.com or www.linkedin.com, path /in/<slug> with at most one
 * trailing slash; scheme, host and "/in/" in any case; the slug is letters (any script, with their marks),
 * digits, '-', '_' or %-escapes, and is matched case-insensitively. Refused: query strings,
 * fragments, more path segments, other subdomains (uk., mobile), ports, whitespace, a missing
 * scheme, and member ids (ACoA…) whether bare or after /in/.
 */
const PROFILE_URL = /^https?:\/\/(?:www\.)?linkedin\.com\/in\/([\p{L}\p{M}\p{N}_%-]+)\/?$/iu;
const MEMBER_ID = /^ACoA/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function profileSlugOf(url: string): string | null {
  const match = PROFILE_URL.exec(url);
  if (!match || MEMBER_ID.test(match[1])) return null;
  let slug = match[1];
  try {
    slug = decodeURIComponent(slug);
  } catch {
    return null;
  }
  return slug.toLowerCase();
}

function hashLabel(key: string): string {
  return `key-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
}

function defaultLatency(parameters: LatencyParameters = {}): LatencyModel {
  const baseMs = parameters.baseMs ?? 600;
  const perIdentifierMs = parameters.perIdentifierMs ?? 20;
  const errorMs = parameters.errorMs ?? 150;
  const liveBaseMs = parameters.liveBaseMs ?? LIVE_BASE_LATENCY_MS;
  const livePerIdentifierMs = parameters.livePerIdentifierMs ?? LIVE_PER_IDENTIFIER_LATENCY_MS;
  return ({ status, identifierCount, endpoint }) => {
    if (status !== 200) return errorMs;
    return endpoint === 'live' ? liveBaseMs + livePerIdentifierMs * identifierCount : baseMs + perIdentifierMs * identifierCount;
  };
}

export class MockCrustdataApi {
  readonly dataset: MockDataset;
  private readonly keys = new Map<string, KeyState>();
  private readonly defaultRequestsPerMinute: number;
  private readonly defaultCredits: number;
  private latencyModel: LatencyModel;
  private unauthorizedStyle: 'envelope' | 'bare';
  private readonly injectedRetryAfterSeconds: number;
  private faultQueue: Fault[] = [];
  private stickyFaults = new Map<string, Fault>();
  private faultRates: Required<Omit<FaultRates, 'seed'>> | null = null;
  private faultRng: Prng | null = null;
  private log: RequestLogEntry[] = [];
  private seq = 0;

  constructor(options: MockApiOptions = {}) {
    this.dataset = options.dataset ?? new MockDataset();
    this.defaultRequestsPerMinute = options.defaultRequestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE;
    this.defaultCredits = options.defaultCredits ?? 1_000_000;
    this.latencyModel = typeof options.latency === 'function' ? options.latency : defaultLatency(options.latency);
    this.unauthorizedStyle = options.unauthorizedStyle ?? 'envelope';
    this.injectedRetryAfterSeconds = options.injectedRetryAfterSeconds ?? 2;
    for (const [key, keyOptions] of Object.entries(options.keys ?? { [DEMO_API_KEY]: { label: 'demo' } })) this.addKey(key, keyOptions);
  }

  // --- keys -------------------------------------------------------------------------------

  addKey(key: string, options: KeyOptions = {}): void {
    this.keys.set(key, {
      label: options.label ?? hashLabel(key),
      requestsPerMinute: options.requestsPerMinute ?? this.defaultRequestsPerMinute,
      credits: options.credits ?? this.defaultCredits,
      permissions: { certifications: options.permissions?.certifications ?? true, honors: options.permissions?.honors ?? true },
      revoked: false,
      window: [],
    });
  }

  /** Later requests with this key get 401. */
  revokeKey(key: string): void {
    this.keyState(key).revoked = true;
  }

  setRateLimit(key: string, requestsPerMinute: number): void {
    this.keyState(key).requestsPerMinute = requestsPerMinute;
  }

  setCredits(key: string, credits: number): void {
    this.keyState(key).credits = credits;
  }

  creditsRemaining(key: string): number {
    return this.keyState(key).credits;
  }

  setPermissions(key: string, permissions: Partial<Record<PermissionedGroup, boolean>>): void {
    Object.assign(this.keyState(key).permissions, permissions);
  }

  /** The key's sliding window as seen at nowMs. */
  rateLimitState(key: string, nowMs: number): RateLimitState {
    const state = this.keyState(key);
    this.pruneWindow(state, nowMs);
    return this.windowState(state, nowMs);
  }

  // --- behaviour switches -----------------------------------------------------------------

  setLatencyModel(model: LatencyModel | LatencyParameters): void {
    this.latencyModel = typeof model === 'function' ? model : defaultLatency(model);
  }

  setUnauthorizedStyle(style: 'envelope' | 'bare'): void {
    this.unauthorizedStyle = style;
  }

  /** Scripted faults, applied in order to the next requests for /person/enrich (before auth). */
  enqueueFaults(faults: Fault[]): void {
    this.faultQueue.push(...faults.map((fault) => ({ ...fault })));
  }

  /**
   * Every request carrying one of these identifiers (as sent, any case) gets `fault`, every time:
   * a row that keeps failing whatever the timing, for tests that need failed rows for certain.
   */
  failIdentifiers(identifiers: string[], fault: Fault): void {
    for (const identifier of identifiers) this.stickyFaults.set(identifier.toLowerCase(), { ...fault });
  }

  pendingFaults(): number {
    return this.faultQueue.length;
  }

  /** A seeded random fault plan; the scripted queue goes first. Pass null to stop. */
  setFaultRates(rates: FaultRates | null): void {
    if (!rates) {
      this.faultRates = null;
      this.faultRng = null;
      return;
    }
    this.faultRates = { serverError: rates.serverError ?? 0, rateLimited: rates.rateLimited ?? 0, slow: rates.slow ?? 0, malformed: rates.malformed ?? 0 };
    this.faultRng = new Prng(`faults:${rates.seed ?? 1}`);
  }

  clearFaults(): void {
    this.faultQueue = [];
    this.stickyFaults.clear();
    this.setFaultRates(null);
  }

  // --- data -------------------------------------------------------------------------------

  applyChurn(options: ChurnOptions): ChurnReport {
    return this.dataset.applyChurn(options);
  }

  updatePerson(slug: string, edit: (data: PersonData) => PersonData | void): MockPerson {
    return this.dataset.updatePerson(slug, edit);
  }

  removePerson(slug: string): void {
    this.dataset.removePerson(slug);
  }

  // --- log --------------------------------------------------------------------------------

  requestLog(): readonly RequestLogEntry[] {
    return this.log;
  }

  stats(): MockApiStats {
    const stats: MockApiStats = {
      requests: 0, ok: 0, rateLimited: 0, clientErrors: 0, serverErrors: 0, malformed: 0, slow: 0,
      creditsUsed: 0, identifiersSent: 0, byStatus: {}, perKey: {},
      perEndpoint: { enrich: { requests: 0, creditsUsed: 0 }, live: { requests: 0, creditsUsed: 0 } },
    };
    for (const entry of this.log) {
      stats.requests++;
      if (entry.status === 200 && entry.fault !== 'malformed') stats.ok++;
      if (entry.status === 429) stats.rateLimited++;
      if (entry.status >= 400 && entry.status < 500) stats.clientErrors++;
      if (entry.status >= 500) stats.serverErrors++;
      if (entry.fault === 'malformed') stats.malformed++;
      if (entry.fault === 'slow') stats.slow++;
      stats.creditsUsed += entry.creditsUsed;
      stats.identifiersSent += entry.identifierCount;
      stats.byStatus[entry.status] = (stats.byStatus[entry.status] ?? 0) + 1;
      if (entry.endpoint) {
        stats.perEndpoint[entry.endpoint].requests++;
        stats.perEndpoint[entry.endpoint].creditsUsed += entry.creditsUsed;
      }
      if (entry.keyLabel !== null) {
        const perKey = (stats.perKey[entry.keyLabel] ??= { requests: 0, rateLimited: 0, creditsUsed: 0 });
        perKey.requests++;
        if (entry.status === 429) perKey.rateLimited++;
        perKey.creditsUsed += entry.creditsUsed;
      }
    }
    return stats;
  }

  resetLog(): void {
    this.log = [];
  }

  // --- the endpoint -----------------------------------------------------------------------

  /**
   * Answers one request as the API would at time nowMs. Order of checks:
   * route (404) -> injected fault -> key (401) -> rate window (429) -> x-api-version (400)
   * -> body (400) -> field permissions (403) -> credits (403) -> 200.
   *
   * Window rule: every request with a valid key that is not itself answered 429 takes a slot,
   * whatever its outcome (400s, 403s, injected 5xx, slow and malformed answers were requests
   * the server received). 429s take none, so a client that waits Retry-After gets through.
   */
  handle(request: MockRequest, nowMs: number): MockResponse {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
    const pathname = request.path.split('?')[0];
    const entry: RequestLogEntry = {
      seq: ++this.seq, atMs: nowMs, keyLabel: null, method: request.method.toUpperCase(), path: request.path,
      identifierType: null, identifierCount: 0, matched: 0, status: 0, errorType: null, creditsUsed: 0,
      latencyMs: 0, fault: null, counted: false, preview: false, forceFetch: false, enrichRealtime: false,
      minSimilarityScore: null, endpoint: pathname === ENRICH_PATH ? 'enrich' : pathname === LIVE_ENRICH_PATH ? 'live' : null,
    };
    const response = this.answer(request, headers, pathname, nowMs, entry);
    entry.status = response.status;
    entry.latencyMs = response.latencyMs;
    this.log.push(entry);
    return response;
  }

  private answer(request: MockRequest, headers: Record<string, string>, pathname: string, nowMs: number, entry: RequestLogEntry): MockResponse {
    const token = /^Bearer\s+(\S.*)$/i.exec(headers.authorization ?? '')?.[1]?.trim() ?? null;
    const keyState = token !== null ? this.keys.get(token) : undefined;
    const validKey = keyState && !keyState.revoked ? keyState : null;
    if (token !== null) entry.keyLabel = keyState ? keyState.label : hashLabel(token);
    // Best effort, for the log: how many identifiers the request carried.
    this.noteIdentifiers(request.body, entry);

    if (entry.method !== 'POST' || entry.endpoint === null) {
      entry.endpoint = null;
      return this.error(404, 'invalid_request', `No route for ${entry.method} ${pathname}. The mock serves POST ${ENRICH_PATH} and POST ${LIVE_ENRICH_PATH}.`, validKey, nowMs, entry);
    }

    const fault = this.stickyFault(request.body) ?? this.nextFault();
    if (fault) {
      entry.fault = fault.type;
      if (fault.type === '429') {
        const retryAfter = Math.max(1, Math.ceil(fault.retryAfterSeconds ?? this.injectedRetryAfterSeconds));
        const response = this.error(429, 'rate_limit_error', `Rate limit exceeded. Retry after ${retryAfter} seconds.`, validKey, nowMs, entry);
        response.headers['retry-after'] = String(retryAfter);
        response.headers['x-ratelimit-remaining'] = '0';
        response.headers['x-ratelimit-reset'] = String(Math.max(0, Math.ceil(fault.resetSeconds ?? retryAfter)));
        return response;
      }
      if (fault.type === '500' || fault.type === '502' || fault.type === '503') {
        if (validKey) this.takeSlot(validKey, nowMs, entry);
        return this.serverFault(fault.type, validKey, nowMs, entry);
      }
      // slow and malformed wrap a normal answer (429s, 400s and charges included).
      const normal = this.process(headers, request.body, validKey, token, nowMs, entry);
      if (fault.type === 'slow') return { ...normal, latencyMs: fault.latencyMs ?? SLOW_LATENCY_MS };
      // malformed: a 200 whose JSON breaks off half way.
      const body = normal.status === 200 ? normal.body.slice(0, Math.max(1, Math.floor(normal.body.length / 2))) : '[{"matched_on": ';
      if (normal.status !== 200) entry.creditsUsed = 0;
      return { ...normal, status: 200, body, headers: { ...normal.headers, 'x-credits-used': String(entry.creditsUsed) } };
    }
    return this.process(headers, request.body, validKey, token, nowMs, entry);
  }

  private process(
    headers: Record<string, string>, body: string, validKey: KeyState | null, token: string | null, nowMs: number,
    entry: RequestLogEntry,
  ): MockResponse {
    if (!validKey) return this.unauthorized(token, nowMs, entry);
    this.pruneWindow(validKey, nowMs);
    if (validKey.window.length >= validKey.requestsPerMinute) {
      const state = this.windowState(validKey, nowMs);
      const retryAfter = Math.max(1, state.resetSeconds);
      const response = this.error(429, 'rate_limit_error', `Rate limit exceeded: ${validKey.requestsPerMinute} requests per minute. Retry after ${retryAfter} seconds.`, validKey, nowMs, entry);
      response.headers['retry-after'] = String(retryAfter);
      return response;
    }
    this.takeSlot(validKey, nowMs, entry);
    if (headers['x-api-version'] !== API_VERSION) {
      const sent = headers['x-api-version'];
      return this.error(400, 'invalid_request', sent === undefined
        ? `Missing required header x-api-version. Use x-api-version: ${API_VERSION}.`
        : `Unsupported x-api-version '${sent}'. Use x-api-version: ${API_VERSION}.`, validKey, nowMs, entry);
    }

    let valid: ValidRequest;
    try {
      valid = parseEnrichBody(body);
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
      return this.error(error.status, error.type, error.message, validKey, nowMs, entry, error.metadata);
    }
    entry.preview = valid.preview;
    entry.forceFetch = valid.forceFetch;
    entry.enrichRealtime = valid.enrichRealtime;
    entry.minSimilarityScore = valid.minSimilarityScore;

    const denied = PERMISSIONED_GROUPS.filter((group) => !validKey.permissions[group] && selectionTouches(valid.selection, group));
    if (denied.length > 0) {
      return this.error(403, 'permission_error', `This API key does not have field-level permission for: ${denied.join(', ')}.`, validKey, nowMs, entry, [{ denied_fields: denied }]);
    }

    const live = entry.endpoint === 'live';
    const results: unknown[] = [];
    let credits = 0;
    let matched = 0;
    for (const identifier of valid.identifiers) {
      const candidates = this.candidatesFor(valid, identifier, live);
      if (candidates.length === 0) {
        results.push({ matched_on: identifier, match_type: valid.identifierType, matches: [] });
        continue;
      }
      matched++;
      // Charged once per identifier, on the best candidate's data (an assumption: the pricing
      // is per profile, and a lookup answers one person however many candidates it lists).
      const best = candidates.reduce((top, candidate) => (candidate.score > top.score ? candidate : top));
      if (!valid.preview) credits += creditsFor(best.person.data, valid.selection) + (live ? LIVE_EXTRA_CREDITS : 0);
      results.push({
        matched_on: identifier,
        match_type: valid.identifierType,
        matches: candidates.map((candidate) => ({
          confidence_score: candidate.score,
          person_data: { crustdata_person_id: candidate.person.data.crustdata_person_id, ...(project(candidate.person.data, valid.selection) as object) },
        })),
      });
    }

    if (credits > validKey.credits) {
      return this.error(403, 'insufficient_credits', `Insufficient credits: this request needs ${credits} credits and the account has ${validKey.credits}.`, validKey, nowMs, entry);
    }
    validKey.credits -= credits;
    entry.creditsUsed = credits;
    entry.matched = matched;
    return this.respond(200, JSON.stringify(results), validKey, nowMs, entry);
  }

  /**
   * Who answers to one identifier, in answer order. Profile URLs name one person (score 1);
   * emails may give several scored candidates (emailMatches.ts), minus those below
   * min_similarity_score. The live endpoint also finds the web-only people (live-only-<n>).
   */
  private candidatesFor(valid: ValidRequest, identifier: string, live: boolean): Array<{ person: MockPerson; score: number }> {
    if (valid.identifierType === 'professional_network_profile_url') {
      const slug = profileSlugOf(identifier)!;
      const person = live ? this.dataset.findOnTheWebBySlug(slug) : this.dataset.findBySlug(slug);
      return person ? [{ person, score: 1 }] : [];
    }
    const person = live ? this.dataset.findOnTheWebByBusinessEmail(identifier) : this.dataset.findByBusinessEmail(identifier);
    if (!person) return [];
    const lookup = (slug: string) => this.dataset.peekBySlug(slug);
    const candidates = emailCandidates(person, live ? withLiveOnly(lookup) : lookup);
    const minimum = valid.minSimilarityScore;
    return minimum === null ? candidates : candidates.filter((candidate) => candidate.score >= minimum);
  }

  private unauthorized(token: string | null, nowMs: number, entry: RequestLogEntry): MockResponse {
    if (this.unauthorizedStyle === 'bare') {
      entry.errorType = 'unauthorized';
      return this.respond(401, JSON.stringify({ message: 'Invalid API key in request' }), null, nowMs, entry);
    }
    const message = token === null ? 'Missing API key. Send authorization: Bearer <key>.' : INVALID_KEY_MESSAGE;
    return this.error(401, 'unauthorized', message, null, nowMs, entry);
  }

  private serverFault(type: '500' | '502' | '503', key: KeyState | null, nowMs: number, entry: RequestLogEntry): MockResponse {
    if (type === '502') {
      // A gateway in front of the API answers in HTML, not in the API's envelope.
      entry.errorType = 'internal_error';
      const response = this.respond(502, '<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>', key, nowMs, entry);
      response.headers['content-type'] = 'text/html';
      return response;
    }
    return this.error(Number(type), 'internal_error', type === '503' ? 'Service temporarily unavailable.' : 'Internal server error.', key, nowMs, entry);
  }

  private error(
    status: number, type: ErrorType, message: string, key: KeyState | null, nowMs: number, entry: RequestLogEntry,
    metadata: Array<Record<string, unknown>> = [],
  ): MockResponse {
    entry.errorType = type;
    return this.respond(status, JSON.stringify({ error: { type, message, metadata } }), key, nowMs, entry);
  }

  private respond(status: number, body: string, key: KeyState | null, nowMs: number, entry: RequestLogEntry): MockResponse {
    const window = key ? this.windowState(key, nowMs) : { limit: this.defaultRequestsPerMinute, remaining: this.defaultRequestsPerMinute, resetSeconds: 0 };
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-ratelimit-limit': String(window.limit),
      'x-ratelimit-remaining': String(window.remaining),
      'x-ratelimit-reset': String(window.resetSeconds),
      'x-credits-used': String(status === 200 ? entry.creditsUsed : 0),
    };
    const latencyMs = this.latencyModel({ status, identifierCount: entry.identifierCount, fault: entry.fault, endpoint: entry.endpoint ?? 'enrich' });
    return { status, headers, body, latencyMs };
  }

  private stickyFault(body: string): Fault | null {
    if (this.stickyFaults.size === 0) return null;
    const lower = body.toLowerCase();
    for (const [identifier, fault] of this.stickyFaults) if (lower.includes(JSON.stringify(identifier))) return { ...fault };
    return null;
  }

  private nextFault(): Fault | null {
    const scripted = this.faultQueue.shift();
    if (scripted) return scripted;
    if (!this.faultRates || !this.faultRng) return null;
    const { serverError, rateLimited, slow, malformed } = this.faultRates;
    const draw = this.faultRng.next();
    const kind = this.faultRng.next();
    if (draw < serverError) return { type: kind < 0.6 ? '500' : kind < 0.8 ? '502' : '503' };
    if (draw < serverError + rateLimited) return { type: '429' };
    if (draw < serverError + rateLimited + slow) return { type: 'slow' };
    if (draw < serverError + rateLimited + slow + malformed) return { type: 'malformed' };
    return null;
  }

  private keyState(key: string): KeyState {
    const state = this.keys.get(key);
    if (!state) throw new Error('MockCrustdataApi: unknown key (add it with addKey first)');
    return state;
  }

  private pruneWindow(state: KeyState, nowMs: number): void {
    // A request at t holds its slot for (t, t + 60 s]: at exactly t + 60 s it has left.
    while (state.window.length > 0 && state.window[0] <= nowMs - RATE_WINDOW_MS) state.window.shift();
  }

  private takeSlot(state: KeyState, nowMs: number, entry: RequestLogEntry): void {
    this.pruneWindow(state, nowMs);
    state.window.push(nowMs);
    // Keep the window sorted even if a caller's clock steps back (two emulators sharing a mock).
    state.window.sort((a, b) => a - b);
    entry.counted = true;
  }

  private windowState(state: KeyState, nowMs: number): RateLimitState {
    const used = state.window.filter((t) => t > nowMs - RATE_WINDOW_MS).length;
    const oldest = state.window.find((t) => t > nowMs - RATE_WINDOW_MS);
    return {
      limit: state.requestsPerMinute,
      used,
      remaining: Math.max(0, state.requestsPerMinute - used),
      resetSeconds: oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + RATE_WINDOW_MS - nowMs) / 1000)),
    };
  }

  private noteIdentifiers(body: string, entry: RequestLogEntry): void {
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      if (!parsed || typeof parsed !== 'object') return;
      for (const [key, type] of [['professional_network_profile_urls', 'professional_network_profile_url'], ['business_emails', 'business_email']] as const) {
        const value = parsed[key];
        if (Array.isArray(value)) {
          entry.identifierType = type;
          entry.identifierCount = value.length;
          return;
        }
      }
    } catch {
      // Not JSON: the body check answers 400 later.
    }
  }
}

/** Validates a request body; throws RequestError (400) with the first problem found. */
export function parseEnrichBody(text: string): ValidRequest {
  const invalid = (message: string, metadata: Array<Record<string, unknown>> = []) => new RequestError(400, 'invalid_request', message, metadata);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw invalid('Request body must be valid JSON.');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalid('Request body must be a JSON object.');
  const record = body as Record<string, unknown>;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(record, key);

  const unknownKeys = Object.keys(record).filter((key) => !ALLOWED_BODY_KEYS.has(key));
  if (unknownKeys.length > 0) {
    throw invalid(`Unknown parameter(s): ${unknownKeys.join(', ')}.`, [{ unknown_parameters: unknownKeys, allowed_parameters: [...ALLOWED_BODY_KEYS] }]);
  }
  const hasUrls = has('professional_network_profile_urls');
  const hasEmails = has('business_emails');
  if (!hasUrls && !hasEmails) throw invalid(MISSING_IDENTIFIER_MESSAGE);
  if (hasUrls && hasEmails) throw invalid(BOTH_IDENTIFIERS_MESSAGE);
  const key = hasUrls ? 'professional_network_profile_urls' : 'business_emails';
  const identifiers = record[key];
  if (!Array.isArray(identifiers) || identifiers.length === 0 || identifiers.some((item) => typeof item !== 'string')) {
    throw invalid(`${key} must be a non-empty array of strings.`);
  }
  if (identifiers.length > MAX_IDENTIFIERS) {
    throw invalid(`At most ${MAX_IDENTIFIERS} ${key} per request; got ${identifiers.length}.`, [{ max: MAX_IDENTIFIERS, received: identifiers.length }]);
  }

  let selection = selectionTreeOf(DEFAULT_FIELD_GROUPS);
  if (has('fields')) {
    const fields = record.fields;
    if (!Array.isArray(fields) || fields.length === 0 || fields.some((field) => typeof field !== 'string')) {
      throw invalid('fields must be a non-empty array of field groups or dot-paths.');
    }
    const unknownFields = (fields as string[]).filter((field) => !isKnownFieldPath(field));
    if (unknownFields.length > 0) {
      throw invalid(`Unsupported field(s): ${unknownFields.map((field) => `'${field}'`).join(', ')}.`, [{ unsupported_fields: unknownFields, available_fields: [...FIELD_GROUPS] }]);
    }
    selection = selectionTreeOf(fields as string[]);
  }

  let minSimilarityScore: number | null = null;
  if (has('min_similarity_score')) {
    const score = record.min_similarity_score;
    if (score !== null && (typeof score !== 'number' || !(score >= 0 && score <= 1))) {
      throw invalid('min_similarity_score must be a number from 0 to 1, or null.', [{ parameter: 'min_similarity_score', received: score, minimum: 0, maximum: 1 }]);
    }
    minSimilarityScore = score as number | null;
  }
  for (const flag of ['preview', 'force_fetch', 'enrich_realtime']) {
    if (has(flag) && typeof record[flag] !== 'boolean') throw invalid(`${flag} must be true or false.`);
  }
  const preview = record.preview === true;
  if (preview && record.enrich_realtime === true) throw invalid('preview cannot be combined with enrich_realtime.');

  const badValues = hasUrls
    ? (identifiers as string[]).filter((url) => profileSlugOf(url) === null)
    : (identifiers as string[]).filter((email) => !EMAIL.test(email));
  if (badValues.length > 0) {
    throw invalid(hasUrls
      ? `Invalid professional network profile URL: '${badValues[0]}'. Expected https://www.linkedin.com/in/<slug>.`
      : `Invalid business email: '${badValues[0]}'.`, [{ invalid_values: badValues }]);
  }

  if (preview) {
    // Preview answers basic_profile only: the basic_profile part of the selection, or all of it.
    const basic = selection.basic_profile;
    selection = { basic_profile: basic ?? true };
  }
  return {
    identifierType: hasUrls ? 'professional_network_profile_url' : 'business_email',
    identifiers: identifiers as string[],
    selection,
    preview,
    forceFetch: record.force_fetch === true,
    enrichRealtime: record.enrich_realtime === true,
    minSimilarityScore,
  };
}

/** Pricing (docs/CRUSTDATA-API.md): 1 per matched profile, plus data actually returned. */
export function creditsFor(data: PersonData, selection: SelectionTree): number {
  const nonEmpty = (value: unknown) => Array.isArray(value) && value.length > 0;
  let credits = 1;
  if (selectionTouches(selection, 'contact.business_emails') && nonEmpty(data.contact?.business_emails)) credits += 1;
  if (selectionTouches(selection, 'contact.personal_emails') && nonEmpty(data.contact?.personal_emails)) credits += 2;
  if (selectionTouches(selection, 'contact.phone_numbers') && nonEmpty(data.contact?.phone_numbers)) credits += 2;
  if (selectionTouches(selection, 'dev_platform_profiles') && nonEmpty(data.dev_platform_profiles)) credits += 1;
  return Math.min(MAX_CREDITS_PER_PROFILE, credits);
}
