// Real, synchronous HTTP for the emulator's UrlFetchApp (playground, demo against the mock over
// loopback, or the real API). Apps Script's fetch blocks the script, so this does too: a worker
// thread sends the batch in parallel with fetch(), and the main thread sleeps in Atomics.wait until
// the worker posts the answers on a MessageChannel (read with receiveMessageOnPort).
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { Transport, TransportRequest, TransportResult } from './transport';
import { lowerCaseHeaders } from './transport';

export const URL_FETCH_TIMEOUT_MS = 60_000;

export interface HttpTransportOptions {
  /** Rewrites URL prefixes, e.g. { 'https://api.crustdata.com': 'http://127.0.0.1:4010' }. */
  baseUrlMap?: Record<string, string>;
  /** Per-request timeout; UrlFetchApp's is about 60 s and not configurable (tests shorten it). */
  timeoutMs?: number;
}

export interface HttpTransport extends Transport {
  /** Stops the worker thread. */
  close(): Promise<void>;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', async ({ requests, signal, port, timeoutMs }) => {
  const flag = new Int32Array(signal);
  const results = await Promise.all(requests.map(async (request) => {
    const started = Date.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.method === 'GET' || request.method === 'HEAD' ? undefined : request.body,
        redirect: 'follow',
        signal: controller.signal,
      });
      const body = await response.text();
      const headers = {};
      response.headers.forEach((value, name) => { headers[name] = value; });
      return { status: response.status, headers, body, latencyMs: Date.now() - started };
    } catch (error) {
      if (controller.signal.aborted) return { failure: 'timeout', message: '', latencyMs: timeoutMs };
      const cause = error && error.cause ? ' (' + (error.cause.code || error.cause.message) + ')' : '';
      return { failure: 'unreachable', message: cause, latencyMs: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }));
  port.postMessage(results);
  port.close();
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
`;

export function httpTransport(options: HttpTransportOptions = {}): HttpTransport {
  const timeoutMs = options.timeoutMs ?? URL_FETCH_TIMEOUT_MS;
  const rewrites = Object.entries(options.baseUrlMap ?? {}).map(([from, to]) => [from.replace(/\/+$/, ''), to.replace(/\/+$/, '')]);
  let worker: Worker | null = null;

  const rewrite = (url: string) => {
    for (const [from, to] of rewrites) if (url === from || url.startsWith(from + '/') || url.startsWith(from + '?')) return to + url.slice(from.length);
    return url;
  };

  const workerThread = () => {
    if (!worker) {
      worker = new Worker(WORKER_SOURCE, { eval: true });
      // Only the blocked main thread waits for it; it must not keep the process alive.
      worker.unref();
    }
    return worker;
  };

  return {
    send(requests: TransportRequest[]): TransportResult[] {
      if (requests.length === 0) return [];
      const signal = new SharedArrayBuffer(4);
      const { port1, port2 } = new MessageChannel();
      const wire = requests.map((request) => ({ ...request, url: rewrite(request.url) }));
      workerThread().postMessage({ requests: wire, signal, port: port2, timeoutMs }, [port2]);
      // The worker's own timers end every request by timeoutMs; the margin covers its start-up.
      Atomics.wait(new Int32Array(signal), 0, 0, timeoutMs + 10_000);
      const message = receiveMessageOnPort(port1);
      port1.close();
      const results = (message?.message ?? requests.map(() => ({ failure: 'timeout', message: '', latencyMs: timeoutMs }))) as TransportResult[];
      return results.map((result, i) => {
        const url = requests[i].url;
        if ('failure' in result) {
          return result.failure === 'timeout'
            ? { ...result, message: `Timeout: ${url}` }
            : { ...result, message: `Address unavailable: ${url}${result.message}` };
        }
        return { ...result, headers: lowerCaseHeaders(result.headers) };
      });
    },
    async close() {
      const running = worker;
      worker = null;
      if (running) await running.terminate();
    },
  };
}
