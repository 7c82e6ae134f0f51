// UrlFetchApp: fetch and fetchAll through a Transport, on the emulator's clock.
// - fetchAll sends in parallel: every request starts at the same moment and the call takes as long
//   as the slowest one.
// - A request that takes 60 s or more times out and the whole call throws.
// - Without muteHttpExceptions, a code >= 400 throws "Request failed for <origin> returned code N".
// - URLs outside the manifest's urlFetchWhitelist throw; requests count against the daily quota.
// https://developers.google.com/apps-script/reference/url-fetch/url-fetch-app
import type { Execution } from '../execution';
import { ServiceError } from '../execution';
import { isFailure, type Transport, type TransportRequest, type TransportResponse } from '../transport';
import { Blob, toBuffer, toSignedBytes } from './utilities';

export const URL_FETCH_TIMEOUT_MS = 60_000;
export const URL_FETCH_DAILY_QUOTA = 20_000;

export interface FetchParams {
  url?: string;
  method?: string;
  headers?: Record<string, unknown>;
  contentType?: string;
  payload?: unknown;
  muteHttpExceptions?: boolean;
  followRedirects?: boolean;
  validateHttpsCertificates?: boolean;
  escaping?: boolean;
}

/** One request as the emulator saw it: for tests that assert what was sent, and when. */
export interface FetchRecord {
  executionId: number;
  startedAtMs: number;
  request: TransportRequest;
  status: number | null;
  failure?: string;
  latencyMs: number;
}

export class UrlFetchState {
  readonly log: FetchRecord[] = [];
  private readonly usedByUserDay = new Map<string, number>();

  constructor(
    readonly transport: Transport,
    /** null: no manifest, no allowlist check. */
    readonly whitelist: readonly string[] | null,
    readonly dailyQuota = URL_FETCH_DAILY_QUOTA,
  ) {}

  useQuota(user: string, nowMs: number, count: number): void {
    const key = `${user}|${new Date(nowMs).toISOString().slice(0, 10)}`;
    const used = (this.usedByUserDay.get(key) ?? 0) + count;
    if (used > this.dailyQuota) throw new ServiceError('Service invoked too many times for one day: urlfetch.');
    this.usedByUserDay.set(key, used);
  }

  usedToday(user: string, nowMs: number): number {
    return this.usedByUserDay.get(`${user}|${new Date(nowMs).toISOString().slice(0, 10)}`) ?? 0;
  }
}

export class HTTPResponse {
  constructor(
    private readonly exec: Execution,
    private readonly response: TransportResponse,
  ) {}

  getResponseCode(): number {
    this.exec.enter('UrlFetchApp.HTTPResponse.getResponseCode');
    return this.response.status;
  }

  getContentText(charset?: string): string {
    this.exec.enter('UrlFetchApp.HTTPResponse.getContentText');
    return this.response.body;
  }

  getContent(): number[] {
    this.exec.enter('UrlFetchApp.HTTPResponse.getContent');
    return toSignedBytes(Buffer.from(this.response.body, 'utf8'));
  }

  getBlob(): Blob {
    this.exec.enter('UrlFetchApp.HTTPResponse.getBlob');
    return new Blob(Buffer.from(this.response.body, 'utf8'), this.response.headers['content-type'] ?? null);
  }

  /** Header names as the server sent them (the transports hand them over lower-cased, as HTTP/2 does). */
  getAllHeaders(): Record<string, string> {
    this.exec.enter('UrlFetchApp.HTTPResponse.getAllHeaders');
    return { ...this.response.headers };
  }

  getHeaders(): Record<string, string> {
    this.exec.enter('UrlFetchApp.HTTPResponse.getHeaders');
    return { ...this.response.headers };
  }
}

function formEncode(payload: Record<string, unknown>): string {
  return Object.entries(payload)
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
}

interface Prepared {
  request: TransportRequest;
  mute: boolean;
}

function prepare(url: unknown, params: FetchParams | undefined, whitelist: readonly string[] | null): Prepared {
  const target = String(url ?? '');
  let parsed: URL;
  try {
    parsed = new URL(target);
  } catch {
    throw new ServiceError(`Invalid argument: ${target}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ServiceError(`Invalid argument: ${target}`);
  if (whitelist && !whitelist.some((prefix) => target.startsWith(prefix))) {
    throw new ServiceError(`UrlFetch calls to ${target} are not permitted by your manifest's urlFetchWhitelist.`);
  }
  const options = params ?? {};
  const method = String(options.method ?? 'get').toUpperCase();
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) headers[name] = String(value);
  let body: string | undefined;
  if (options.payload !== undefined && options.payload !== null && method !== 'GET') {
    const payload = options.payload;
    if (typeof payload === 'string') body = payload;
    else if (Array.isArray(payload)) body = toBuffer(payload).toString('utf8');
    else if (payload instanceof Blob) body = payload.getDataAsString();
    else body = formEncode(payload as Record<string, unknown>);
    const hasContentType = Object.keys(headers).some((name) => name.toLowerCase() === 'content-type');
    if (!hasContentType) headers['Content-Type'] = options.contentType ?? 'application/x-www-form-urlencoded';
  } else if (options.contentType) {
    headers['Content-Type'] = options.contentType;
  }
  return { request: { url: target, method, headers, body }, mute: options.muteHttpExceptions === true };
}

function requestFailed(url: string, response: TransportResponse): ServiceError {
  const origin = new URL(url).origin;
  const truncated = response.body.length > 100 ? `${response.body.slice(0, 100)}...` : response.body;
  return new ServiceError(
    `Request failed for ${origin} returned code ${response.status}. Truncated server response: ${truncated} (use muteHttpExceptions option to examine full response)`,
  );
}

export function createUrlFetchApp(exec: Execution, state: UrlFetchState) {
  /** Sends in parallel from one moment; the clock moves by the slowest (at most the timeout). */
  const sendAll = (prepared: Prepared[]): HTTPResponse[] => {
    state.useQuota(exec.user, exec.clock.now(), prepared.length);
    const startedAtMs = exec.clock.now();
    const results = state.transport.send(
      prepared.map((p) => p.request),
      startedAtMs,
    );
    let slowest = 0;
    let timedOut: string | null = null;
    let unreachable: string | null = null;
    results.forEach((result, i) => {
      const isTimeout = isFailure(result) ? result.failure === 'timeout' : result.latencyMs >= URL_FETCH_TIMEOUT_MS;
      const elapsed = isTimeout ? URL_FETCH_TIMEOUT_MS : result.latencyMs;
      slowest = Math.max(slowest, elapsed);
      if (isTimeout && !timedOut) timedOut = `Timeout: ${prepared[i].request.url}`;
      if (!isTimeout && isFailure(result) && !unreachable) unreachable = result.message;
      state.log.push({
        executionId: exec.id,
        startedAtMs,
        request: prepared[i].request,
        status: isFailure(result) || isTimeout ? null : result.status,
        failure: isTimeout ? 'timeout' : isFailure(result) ? result.failure : undefined,
        latencyMs: elapsed,
      });
    });
    exec.passTime(slowest);
    if (timedOut) throw new ServiceError(timedOut);
    if (unreachable) throw new ServiceError(unreachable);
    return results.map((result, i) => {
      const response = result as TransportResponse;
      if (response.status >= 400 && !prepared[i].mute) throw requestFailed(prepared[i].request.url, response);
      return new HTTPResponse(exec, response);
    });
  };

  return {
    fetch(url: string, params?: FetchParams): HTTPResponse {
      exec.enter('UrlFetchApp.fetch');
      return sendAll([prepare(url, params, state.whitelist)])[0];
    },
    fetchAll(requests: Array<string | FetchParams>): HTTPResponse[] {
      exec.enter('UrlFetchApp.fetchAll');
      if (!Array.isArray(requests)) throw new ServiceError('Invalid argument: requests');
      if (requests.length === 0) return [];
      const prepared = requests.map((request) =>
        typeof request === 'string' ? prepare(request, undefined, state.whitelist) : prepare(request?.url, request, state.whitelist),
      );
      return sendAll(prepared);
    },
    getRequest(url: string, params?: FetchParams): Record<string, unknown> {
      exec.enter('UrlFetchApp.getRequest');
      const { request } = prepare(url, params, state.whitelist);
      return { url: request.url, method: request.method.toLowerCase(), headers: request.headers, payload: request.body ?? '' };
    },
  };
}
