// The mock API over real HTTP (node:http, loopback): the same handler as in-process use, on the
// real clock, with its latency scaled (0 = answer at once, 1 = as slow as the real API).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { MockCrustdataApi, RequestLogEntry } from './handler';

export interface MockServerOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Waits latencyMs * latencyScale before answering. Default 0. */
  latencyScale?: number;
  /** Called once per request, as soon as the handler has answered it (before any latency). */
  onRequest?: (entry: RequestLogEntry) => void;
}

export interface MockServer {
  /** e.g. http://127.0.0.1:8787 (no trailing slash): POST `${url}/person/enrich`. */
  url: string;
  port: number;
  /** Stops listening, drops open connections and pending answers. */
  close(): Promise<void>;
}

/** Largest body the server reads (25 URLs are a few KB; this only stops runaway clients). */
const MAX_BODY_BYTES = 1_000_000;

export function startMockServer(api: MockCrustdataApi, options: MockServerOptions = {}): Promise<MockServer> {
  const host = options.host ?? '127.0.0.1';
  const latencyScale = options.latencyScale ?? 0;
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
      }
      const body = size > MAX_BODY_BYTES ? '' : Buffer.concat(chunks).toString('utf8');
      const answer = api.handle({ method: request.method ?? 'GET', path: request.url ?? '/', headers, body }, Date.now());
      // handle() is synchronous, so the log's last entry is this request's.
      const log = api.requestLog();
      if (options.onRequest && log.length > 0) options.onRequest(log[log.length - 1]);
      const send = () => {
        if (response.destroyed) return;
        response.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
        response.end(answer.body);
      };
      const delay = answer.latencyMs * latencyScale;
      if (delay <= 0) {
        send();
        return;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, delay);
      timers.add(timer);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const urlHost = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${urlHost}:${port}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const timer of timers) clearTimeout(timer);
            timers.clear();
            server.close(() => done());
            for (const socket of sockets) socket.destroy();
          }),
      });
    });
  });
}
