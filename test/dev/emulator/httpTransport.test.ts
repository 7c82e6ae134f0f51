// Real synchronous HTTP for the emulator, against a tiny node:http server. The server runs in a
// worker thread: the transport blocks the main thread while it waits, as UrlFetchApp blocks a script.
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { AppsScriptEmulator, httpTransport, type HttpTransport } from '../../../dev/emulator';
import { CRUSTDATA_MANIFEST } from './helpers';

const SERVER = `
const http = require('node:http');
const { parentPort } = require('node:worker_threads');
let held = [];
const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => { body += chunk; });
  req.on('end', () => {
    if (req.url === '/hang') return;
    if (req.url.startsWith('/together')) {
      // Answers only once three requests are in flight at the same time: proof they were parallel.
      held.push(res);
      if (held.length === 3) {
        held.forEach((r, i) => { r.writeHead(200, { 'content-type': 'application/json' }); r.end(JSON.stringify({ inFlight: 3 })); });
        held = [];
      }
      return;
    }
    res.writeHead(201, { 'Content-Type': 'application/json', 'X-RateLimit-Remaining': '14' });
    res.end(JSON.stringify({ method: req.method, url: req.url, auth: req.headers.authorization || null, body }));
  });
});
server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
`;

let server: Worker;
let base: string;
const transports: HttpTransport[] = [];
const transport = (options: Parameters<typeof httpTransport>[0] = {}) => {
  const t = httpTransport(options);
  transports.push(t);
  return t;
};

beforeAll(async () => {
  server = new Worker(SERVER, { eval: true });
  const port = await new Promise<number>((resolve) => server.once('message', resolve));
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await Promise.all(transports.map((t) => t.close()));
  await server.terminate();
});

async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('httpTransport', () => {
  it('sends a request and returns status, lower-cased headers and body', () => {
    const [answer] = transport().send([{ url: `${base}/echo?x=1`, method: 'POST', headers: { Authorization: 'Bearer k' }, body: '{"a":1}' }], 0);
    expect(answer).toMatchObject({ status: 201, headers: { 'content-type': 'application/json', 'x-ratelimit-remaining': '14' } });
    expect(JSON.parse((answer as { body: string }).body)).toEqual({ method: 'POST', url: '/echo?x=1', auth: 'Bearer k', body: '{"a":1}' });
  });

  it('sends a batch in parallel', () => {
    const requests = [1, 2, 3].map((i) => ({ url: `${base}/together/${i}`, method: 'GET', headers: {} }));
    const answers = transport({ timeoutMs: 5000 }).send(requests, 0);
    expect(answers.map((a) => ('status' in a ? a.status : a.failure))).toEqual([200, 200, 200]);
  });

  it('times out a request that never answers', () => {
    const [answer] = transport({ timeoutMs: 300 }).send([{ url: `${base}/hang`, method: 'GET', headers: {} }], 0);
    expect(answer).toEqual({ failure: 'timeout', message: `Timeout: ${base}/hang`, latencyMs: 300 });
  });

  it('reports an unreachable server', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/x`;
    const [answer] = transport().send([{ url, method: 'GET', headers: {} }], 0);
    expect(answer).toMatchObject({ failure: 'unreachable', message: expect.stringMatching(new RegExp(`^Address unavailable: ${url}`)) });
  });

  it('lets the emulator reach a local server in place of the real API', () => {
    const emu = new AppsScriptEmulator({ transport: transport({ baseUrlMap: { 'https://api.crustdata.com': base } }) }).loadSource(
      `function enrich() {
        var r = UrlFetchApp.fetch('https://api.crustdata.com/person/enrich', { method: 'post', payload: '{}', contentType: 'application/json', headers: { Authorization: 'Bearer k' } });
        return [r.getResponseCode(), JSON.parse(r.getContentText()).url, r.getAllHeaders()['x-ratelimit-remaining']];
      }`,
      { manifest: CRUSTDATA_MANIFEST },
    );
    expect(emu.call('enrich')).toEqual([201, '/person/enrich', '14']);
    expect(emu.fetches[0].request.url).toBe('https://api.crustdata.com/person/enrich');
  });
});
