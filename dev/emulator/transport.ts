// How the emulator's UrlFetchApp reaches a server. A transport answers a batch of requests that
// start at the same moment (fetchAll sends in parallel); the emulator then moves its clock by the
// slowest latency. inProcessTransport calls the mock API's handler directly on the virtual clock;
// httpTransport (httpTransport.ts) makes real HTTP requests.

export interface TransportRequest {
  url: string;
  /** Upper case, as on the wire. */
  method: string;
  headers: Record<string, string>;
  body?: string;
}

export interface TransportResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** How long the answer took; >= 60,000 ms means UrlFetchApp times out. */
  latencyMs: number;
}

/** The request never got an HTTP answer. */
export interface TransportFailure {
  failure: 'timeout' | 'unreachable';
  message: string;
  latencyMs: number;
}

export type TransportResult = TransportResponse | TransportFailure;

export interface Transport {
  /** Answers requests that all start at nowMs, in order. */
  send(requests: TransportRequest[], nowMs: number): TransportResult[];
}

export function isFailure(result: TransportResult): result is TransportFailure {
  return 'failure' in result;
}

/** What the mock Crustdata API (dev/mock-api) offers for in-process use. */
export interface InProcessApi {
  handle(
    request: { method: string; path: string; headers: Record<string, string>; body: string },
    nowMs: number,
  ): { status: number; headers: Record<string, string | number>; body: string; latencyMs?: number };
}

export interface InProcessTransportOptions {
  /** Requests under this origin go to the handler; others are unreachable. */
  baseUrl?: string;
}

export const CRUSTDATA_BASE_URL = 'https://api.crustdata.com';

export function lowerCaseHeaders(headers: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = String(value);
  return out;
}

/** Calls the mock's handler synchronously, at the emulator's (virtual) time of the request. */
export function inProcessTransport(api: InProcessApi, options: InProcessTransportOptions = {}): Transport {
  const baseUrl = (options.baseUrl ?? CRUSTDATA_BASE_URL).replace(/\/+$/, '');
  return {
    send(requests, nowMs) {
      return requests.map((request): TransportResult => {
        const rest = request.url.startsWith(baseUrl) ? request.url.slice(baseUrl.length) : null;
        if (rest === null || (rest !== '' && !/^[/?#]/.test(rest))) {
          return { failure: 'unreachable', message: `Address unavailable: ${request.url}`, latencyMs: 0 };
        }
        const answer = api.handle(
          { method: request.method, path: rest === '' ? '/' : rest, headers: lowerCaseHeaders(request.headers), body: request.body ?? '' },
          nowMs,
        );
        return {
          status: answer.status,
          headers: lowerCaseHeaders(answer.headers ?? {}),
          body: answer.body ?? '',
          latencyMs: Math.max(0, answer.latencyMs ?? 0),
        };
      });
    },
  };
}
