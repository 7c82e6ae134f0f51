// The wire format of POST /person/enrich: building a request, and reading a response into a
// verdict the engine can act on (results, retry, split, stop). No sending, no waiting here.
import { DEFAULT_API_OPTIONS, ENDPOINT_PATHS, optionalBody, type ApiOptions, type EnrichEndpoint } from './apiOptions';
import { readCreditsUsed } from './credits';
import { PROBLEMS, ROW_MESSAGES } from '../common/messages';
import type { ErrorCode } from './errors';
import type { Hasher, HttpRequest, HttpResponse } from './ports';
import { parseRetryAfter } from './retry';
import type { ServerRateInfo } from './rateWindow';
import { parseEnrichBody, parseErrorBody, type EnrichResultEntry } from './schemas';
import type { IdentifierKind } from './types';

export const DEFAULT_API_BASE_URL = 'https://api.crustdata.com';
export const ENRICH_PATH = ENDPOINT_PATHS.cached;
/** Requests without it fail with 400 even with a valid key. */
export const API_VERSION = '2025-11-01';
/** Identifiers in one request, of one type (profile URLs or emails): Crustdata's batch limit. */
export const MAX_IDENTIFIERS_PER_REQUEST = 25;

/** Requests for this many identifiers to fetch, without retries: each type goes in its own full batches. */
export function requestCount(profileUrls: number, emails: number): number {
  return Math.ceil(profileUrls / MAX_IDENTIFIERS_PER_REQUEST) + Math.ceil(emails / MAX_IDENTIFIERS_PER_REQUEST);
}

/** The request body's property for each identifier type (one type per request). */
export const IDENTIFIER_PROPERTY: Record<IdentifierKind, string> = {
  profile_url: 'professional_network_profile_urls',
  business_email: 'business_emails',
};

export interface EnrichRequestSpec {
  kind: IdentifierKind;
  identifiers: string[];
  /** Empty: the API's default set. */
  fields: string[];
  forceFetch?: boolean;
  preview?: boolean;
  /** min score, live, realtime: optionalBody (apiOptions.ts) decides what reaches this request. */
  options?: ApiOptions;
  /** Default 'cached' (POST /person/enrich); 'live' for the live second pass. */
  endpoint?: EnrichEndpoint;
}

export function buildEnrichRequest(apiBaseUrl: string, apiKey: string, spec: EnrichRequestSpec): HttpRequest {
  const endpoint = spec.endpoint ?? 'cached';
  const options: ApiOptions = { ...DEFAULT_API_OPTIONS, ...spec.options };
  if (spec.forceFetch) options.forceFetch = true;
  const body: Record<string, unknown> = { [IDENTIFIER_PROPERTY[spec.kind]]: spec.identifiers };
  if (spec.fields.length) body.fields = spec.fields;
  Object.assign(body, optionalBody(options, { kind: spec.kind, endpoint, preview: spec.preview }));
  return {
    url: apiBaseUrl.replace(/\/+$/, '') + ENDPOINT_PATHS[endpoint],
    method: 'post',
    headers: {
      authorization: `Bearer ${apiKey}`,
      'x-api-version': API_VERSION,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    payload: JSON.stringify(body),
  };
}

/**
 * A short stable fingerprint of the API key for cache keys (rate window, auth memo). Salted with
 * a fixed label so it matches no other hash of the key; the key itself never leaves memory.
 */
export function apiKeyFingerprint(hasher: Hasher, apiKey: string): string {
  return hasher.sha256Hex(`crustdata-api-key:${apiKey}`).slice(0, 40);
}

/** What a response means for the batch that was sent. */
export type EnrichVerdict =
  | { kind: 'ok'; entries: EnrichResultEntry[] }
  /**
   * 200 whose body is not the documented array: usually a transfer cut off half way, so it is
   * sent again like a 5xx; once the retries are spent the batch fails, the run goes on.
   */
  | { kind: 'malformed'; message: string }
  /** 400: something in the batch was refused; split it to find what. */
  | { kind: 'bad_request'; message: string; fieldProblem: boolean }
  /** 401/403: no request with this key can succeed now; the run stops. */
  | { kind: 'fatal'; code: ErrorCode; message: string }
  | { kind: 'not_found' }
  /** 429, 5xx, 408: send again after a wait. */
  | { kind: 'retry'; code: ErrorCode; message: string; retryAt: number | null }
  /** Any other status: the batch fails with this message. */
  | { kind: 'failed'; code: ErrorCode; message: string };

/** The texts of src/common/messages.ts this file and the engine (enrich.ts) write, by name. */
export const MESSAGES = {
  missingKey: PROBLEMS.missing_api_key.message,
  invalidKey: PROBLEMS.invalid_api_key.message,
  insufficientCredits: PROBLEMS.insufficient_credits.message,
  permissionDenied: PROBLEMS.permission_denied.message,
  rateLimited: PROBLEMS.rate_limited.message,
  serverError: PROBLEMS.server_error.message,
  timeout: PROBLEMS.timeout.message,
  malformedResponse: PROBLEMS.malformed_response.message,
  missingFromResponse: ROW_MESSAGES.missingFromResponse,
  pending: ROW_MESSAGES.pending,
  pendingAfterError: ROW_MESSAGES.pendingAfterError,
} as const;

export function interpretResponse(response: HttpResponse, now: number): EnrichVerdict {
  const status = response.status;
  if (status >= 200 && status < 300) {
    const parsed = parseEnrichBody(response.body);
    return parsed.ok ? { kind: 'ok', entries: parsed.entries } : { kind: 'malformed', message: parsed.message };
  }
  const error = parseErrorBody(response.body);
  const apiSays = error.message ? ` Crustdata says: ${clip(error.message)}` : '';
  if (status === 401) return { kind: 'fatal', code: 'invalid_api_key', message: MESSAGES.invalidKey };
  if (status === 403) {
    const text = `${error.type ?? ''} ${error.message ?? ''}`.toLowerCase();
    return text.includes('credit')
      ? { kind: 'fatal', code: 'insufficient_credits', message: MESSAGES.insufficientCredits }
      : { kind: 'fatal', code: 'permission_denied', message: MESSAGES.permissionDenied + apiSays };
  }
  if (status === 400 || status === 422) {
    const message = error.message ? clip(error.message) : `Crustdata refused the request (HTTP ${status}).`;
    // A refused field selection fails every batch alike; splitting could not isolate it.
    const fieldProblem = /\bfields?\b/i.test(error.message ?? '') && !/identifier|url|email/i.test(error.message ?? '');
    return { kind: 'bad_request', message, fieldProblem };
  }
  if (status === 404) return { kind: 'not_found' };
  if (status === 429) {
    const rate = readRateHeaders(response.headers, now);
    // A reset of 0 (the window is open now) is no wait: the backoff applies, not "retry at once".
    const resetAt = rate.resetAt != null && rate.resetAt > now ? rate.resetAt : null;
    const retryAt = parseRetryAfter(response.headers['retry-after'], now) ?? resetAt;
    return { kind: 'retry', code: 'rate_limited', message: MESSAGES.rateLimited, retryAt };
  }
  if (status === 408) return { kind: 'retry', code: 'timeout', message: MESSAGES.timeout, retryAt: null };
  if (status >= 500) {
    return {
      kind: 'retry',
      code: 'server_error',
      message: MESSAGES.serverError,
      retryAt: parseRetryAfter(response.headers['retry-after'], now),
    };
  }
  return { kind: 'failed', code: 'bad_request', message: `Crustdata answered HTTP ${status}.${apiSays}` };
}

/**
 * x-ratelimit-* headers. The reset is documented only as "seconds"; a value too large to be a
 * delay is read as an epoch time (seconds or ms) so either convention works.
 */
export function readRateHeaders(headers: Record<string, string>, now: number): ServerRateInfo {
  const info: ServerRateInfo = {};
  const limit = readCount(headers['x-ratelimit-limit']);
  const remaining = readCount(headers['x-ratelimit-remaining']);
  const reset = Number(headers['x-ratelimit-reset']);
  if (limit != null) info.limit = limit;
  if (remaining != null) info.remaining = remaining;
  if (headers['x-ratelimit-reset'] != null && Number.isFinite(reset) && reset >= 0) {
    if (reset > 1e12) info.resetAt = reset;
    else if (reset > 1e9) info.resetAt = reset * 1000;
    else info.resetAt = now + Math.ceil(reset * 1000);
  }
  return info;
}

/** Credits this answer charged (x-credits-used); 0 when missing or unreadable (credits.ts says why). */
export function creditsUsed(headers: Record<string, string>): number {
  return readCreditsUsed(headers).credits;
}

function readCount(value: string | undefined): number | null {
  if (value == null || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : null;
}

/** API messages end up in cells and status columns: keep them short. */
function clip(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > 300 ? `${oneLine.slice(0, 299)}…` : oneLine;
}

/** The key an identifier is joined on when the API echoes it slightly differently than sent. */
export function looseMatchKey(identifier: string): string {
  return identifier.trim().toLowerCase().replace(/\/+$/, '');
}
