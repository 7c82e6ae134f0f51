// CRUSTDATA_ENRICH's options argument end to end: the real dist/Code.js in the Apps Script
// emulator's custom-function mode (30 s limit, real cache limits) against the mock Crustdata API,
// in process on the virtual clock, and once over real HTTP. What reached which request comes from
// the mock's own request log.
// `npm test` builds dist/ first.
import { Worker } from 'node:worker_threads';
import { AppsScriptEmulator, httpTransport, inProcessTransport, type CustomFunctionResult, type HttpTransport } from '../../dev/emulator';
import { liveOnlyIdentifiers, liveOnlyPersonByBusinessEmail, syntheticBusinessEmail, syntheticIdentifiers, syntheticPerson } from '../../dev/mock-api/dataset';
import { emailCandidates, emailMatchShape } from '../../dev/mock-api/emailMatches';
import { MockCrustdataApi, type RequestLogEntry } from '../../dev/mock-api/handler';
import { CUSTOM_FUNCTION_LIVE_BATCH_SIZE, MESSAGES } from '../../src/core/customFunction';

const KEY = 'sk_opts_TEST_1a2b3c4d5e6f7a8b';
const KEY_PROPERTY = 'crustdata.apiKey';
const CUSTOM_FUNCTION_LIMIT_MS = 30_000;

function world(requestsPerMinute = 60) {
  const api = new MockCrustdataApi({ keys: { [KEY]: { label: 'opts', requestsPerMinute } } });
  const emu = new AppsScriptEmulator({ transport: inProcessTransport(api), users: ['owner@example.com'] });
  emu.model.addSheet('Leads', [['Identifier']], { maxRows: 1000 });
  emu.load();
  emu.properties.document.values.set(KEY_PROPERTY, KEY);
  return {
    api,
    log: (): readonly RequestLogEntry[] => api.requestLog(),
    /** A range formula in Leads!B2 over these identifiers, as Sheets passes its arguments. */
    run(identifiers: string[], fields: unknown = '', header: unknown = '', options?: unknown): CustomFunctionResult {
      const args: unknown[] = [identifiers.map((id) => [id]), fields, header];
      if (options !== undefined) args.push(options);
      const result = emu.runCustomFunction('Leads!B2', 'CRUSTDATA_ENRICH', args);
      expect(result.timedOut).toBe(false);
      expect(result.elapsedMs).toBeLessThan(CUSTOM_FUNCTION_LIMIT_MS);
      return result;
    },
    /** A formula over one literal value in Leads!B2, with these further arguments. */
    runCell(identifier: string, rest: unknown[]): CustomFunctionResult {
      const result = emu.runCustomFunction('Leads!B2', 'CRUSTDATA_ENRICH', [identifier, ...rest]);
      expect(result.timedOut).toBe(false);
      expect(result.elapsedMs).toBeLessThan(CUSTOM_FUNCTION_LIMIT_MS);
      return result;
    },
  };
}

/** Synthetic people whose email lookup has this shape in the mock. */
function emailsOfShape(shape: ReturnType<typeof emailMatchShape>, count: number, from = 0): string[] {
  const out: string[] = [];
  for (let n = from; out.length < count; n++) if (emailMatchShape(syntheticPerson(n)) === shape) out.push(syntheticBusinessEmail(n));
  return out;
}

const numberOf = (email: string) => Number(/synthetic-(\d+)@/.exec(email)![1]);
const nameOf = (email: string) => syntheticPerson(numberOf(email)).data.basic_profile?.name;
const liveOnlyPersonName = (email: string) => liveOnlyPersonByBusinessEmail(email)!.data.basic_profile?.name;

describe('CRUSTDATA_ENRICH options in the emulator', () => {
  it('min_score reaches every email request and no profile URL request; no live request without "live"', () => {
    const w = world();
    const urls = syntheticIdentifiers(8, 'profile_url');
    const emails = syntheticIdentifiers(8, 'business_email', 50);
    const result = w.run([...urls, ...emails], 'basic_profile.name', '', 'min_score=0.5');
    expect(result.ok).toBe(true);
    const log = w.log();
    expect(log.map((e) => [e.identifierType, e.minSimilarityScore, e.endpoint]).sort()).toEqual([
      ['business_email', 0.5, 'enrich'],
      ['professional_network_profile_url', null, 'enrich'],
    ]);
    expect(log.every((e) => !e.forceFetch && !e.enrichRealtime)).toBe(true);
  });

  it('"live" sends only the rows the cached endpoint did not find to the live endpoint, and they come back found', () => {
    const w = world();
    const found = syntheticIdentifiers(4, 'profile_url');
    const liveOnly = [...liveOnlyIdentifiers(3, 'profile_url'), ...liveOnlyIdentifiers(2, 'business_email')];
    const nobody = 'https://www.linkedin.com/in/missing-someone';
    const result = w.run([...found, ...liveOnly, nobody], 'basic_profile.name, match.match_type', '', 'live');
    const live = w.log().filter((e) => e.endpoint === 'live');
    expect(live.reduce((n, e) => n + e.identifierCount, 0)).toBe(liveOnly.length + 1);
    expect(live.every((e) => e.identifierCount <= CUSTOM_FUNCTION_LIVE_BATCH_SIZE)).toBe(true);
    expect(result.values.slice(0, 4).map((row) => row[1])).toEqual(['Profile URL', 'Profile URL', 'Profile URL', 'Profile URL']);
    expect(result.values.slice(4, 7).map((row) => row[1])).toEqual(['Profile URL (live)', 'Profile URL (live)', 'Profile URL (live)']);
    expect(result.values.slice(7, 9).map((row) => row[1])).toEqual(['Business email (live)', 'Business email (live)']);
    expect(result.values[9][0]).toBe(MESSAGES.notFound);
  });

  it('the match columns show the score, the match type, the candidates and the ambiguity the mock answered', () => {
    const w = world();
    const emails = [...emailsOfShape('exact', 2), ...emailsOfShape('several', 2), ...emailsOfShape('ambiguous', 2), ...emailsOfShape('fuzzy', 2)];
    const result = w.run(emails, 'basic_profile.name, match', true);
    expect(result.values[0]).toEqual(['Name', 'Match confidence', 'Match type', 'Match candidates', 'Match ambiguous']);
    emails.forEach((email, i) => {
      const person = syntheticPerson(numberOf(email));
      const candidates = emailCandidates(person, (slug) => w.api.dataset.findBySlug(slug));
      const best = Math.max(...candidates.map((c) => c.score));
      expect(result.values[i + 1]).toEqual([nameOf(email), best, 'Business email', candidates.length, emailMatchShape(person) === 'ambiguous']);
    });
    // The match columns are computed, never asked of Crustdata.
    expect(w.log().every((e) => e.status === 200)).toBe(true);
  });

  it('"leave it for me to check" is not a formula option: an ambiguous row shows its best match, flagged', () => {
    const w = world();
    const [ambiguous] = emailsOfShape('ambiguous', 1);
    const refused = w.run([ambiguous], '', '', 'review');
    expect(refused.ok).toBe(false);
    expect(refused.error).toMatch(/Unknown option "review".*Valid options: min_score=0\.8, live/);
    const result = w.run([ambiguous], 'basic_profile.name, match.ambiguous');
    expect(result.values[0]).toEqual([nameOf(ambiguous), true]);
  });

  it('changing an option never returns the answer cached under another', () => {
    const w = world();
    const [liveOne] = liveOnlyIdentifiers(1, 'profile_url', 20);
    const fuzzy = emailsOfShape('fuzzy', 1)[0];
    const cells = [liveOne, fuzzy];
    const withLive = w.run(cells, 'basic_profile.name', '', 'live');
    expect(withLive.values[0][0]).not.toBe(MESSAGES.notFound);
    expect(withLive.values[1][0]).toBe(nameOf(fuzzy));
    const sent = w.log().length;
    // Without live: the cached endpoint's own answer ("Not found"), which the live run kept; no request.
    const plain = w.run(cells, 'basic_profile.name');
    expect(plain.values.map((row) => row[0])).toEqual([MESSAGES.notFound, nameOf(fuzzy)]);
    expect(w.log()).toHaveLength(sent);
    // A min score above the fuzzy match's: asked again (one email request), and nobody passes it.
    const strict = w.run(cells, 'basic_profile.name', '', 'min_score=0.99');
    expect(strict.values[1][0]).toBe(MESSAGES.notFound);
    const after = w.log().slice(sent);
    expect(after.map((e) => [e.identifierType, e.minSimilarityScore])).toEqual(
      expect.arrayContaining([['business_email', 0.99]]),
    );
    // Back to the defaults: the first answers again, from the cache.
    const again = w.run(cells, 'basic_profile.name');
    expect(again.values.map((row) => row[0])).toEqual([MESSAGES.notFound, nameOf(fuzzy)]);
    expect(w.log()).toHaveLength(sent + after.length);
  });

  it.each([
    ['min_score=1.5', /min_score must be a number from 0 to 1.*Valid options: min_score=0\.8, live/],
    ['min_score=80', /for 80% write min_score=0\.8/],
    ['force_fetch', /force_fetch is not a formula option/],
    ['live=maybe', /live takes no value.*not "maybe"/],
  ])('a bad options text (%s) is a clear error in the cell, and nothing is sent', (options, message) => {
    const w = world();
    const result = w.run(syntheticIdentifiers(2, 'profile_url'), '', '', options);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(message);
    expect(w.log()).toHaveLength(0);
  });

  it('a single-cell formula takes options too, and its cached answer is per options', () => {
    const w = world();
    const [liveOne] = liveOnlyIdentifiers(1, 'business_email', 30);
    const plain = w.runCell(liveOne, ['basic_profile.name']);
    expect(plain.values[0][0]).toBe(MESSAGES.notFound);
    const live = w.runCell(liveOne, ['basic_profile.name', '', 'live']);
    expect(live.values[0][0]).toBe(liveOnlyPersonName(liveOne));
    expect(w.log().map((e) => e.endpoint)).toEqual(['enrich', 'live']);
    // Each answer stays with its options: no further request either way.
    expect(w.runCell(liveOne, ['basic_profile.name']).values[0][0]).toBe(MESSAGES.notFound);
    expect(w.runCell(liveOne, ['basic_profile.name', '', 'live']).values[0][0]).toBe(liveOnlyPersonName(liveOne));
    expect(w.log()).toHaveLength(2);
  });
});

// ---- Over real HTTP ----------------------------------------------------------------------------
// The same bundle with UrlFetchApp on real sockets (the emulator's httpTransport) to the mock
// API's HTTP server. The transport blocks this thread while a request is out, as UrlFetchApp
// blocks a script, so the server runs in a worker thread and hands over its request log on asking.

const SERVER_THREAD = `
require(${JSON.stringify(require.resolve('../../scripts/register-ts.cjs'))});
const { parentPort, workerData } = require('node:worker_threads');
const { MockCrustdataApi } = require(${JSON.stringify(require.resolve('../../dev/mock-api/handler.ts'))});
const { startMockServer } = require(${JSON.stringify(require.resolve('../../dev/mock-api/server.ts'))});
const api = new MockCrustdataApi({ keys: { [workerData.key]: { label: 'http', requestsPerMinute: 60 } } });
startMockServer(api, { port: 0, latencyScale: 0 }).then((server) => {
  parentPort.on('message', (message) => {
    if (message === 'log') parentPort.postMessage({ log: api.requestLog() });
    if (message === 'close') server.close().then(() => parentPort.postMessage({ closed: true }));
  });
  parentPort.postMessage({ url: server.url });
});
`;

describe('CRUSTDATA_ENRICH options over real HTTP', () => {
  let thread: Worker;
  let url: string;
  let transport: HttpTransport;
  const ask = <T>(message: string, key: string): Promise<T> =>
    new Promise((resolve) => {
      const listen = (answer: Record<string, unknown>) => {
        if (key in answer) {
          thread.off('message', listen);
          resolve(answer[key] as T);
        }
      };
      thread.on('message', listen);
      thread.postMessage(message);
    });

  beforeAll(async () => {
    thread = new Worker(SERVER_THREAD, { eval: true, workerData: { key: KEY } });
    url = await new Promise<string>((resolve) => thread.once('message', (message: { url: string }) => resolve(message.url)));
    transport = httpTransport({ baseUrlMap: { 'https://api.crustdata.com': url }, timeoutMs: 20_000 });
  });

  afterAll(async () => {
    await transport.close();
    await ask('close', 'closed');
    await thread.terminate();
  });

  it('min_score goes with email requests only, live only for rows not found, and the cells show what the server answered', async () => {
    const emu = new AppsScriptEmulator({ transport, users: ['owner@example.com'] });
    emu.model.addSheet('Leads', [['Identifier']], { maxRows: 100 });
    emu.load();
    emu.properties.document.values.set(KEY_PROPERTY, KEY);
    const urls = syntheticIdentifiers(3, 'profile_url', 400);
    const emails = emailsOfShape('exact', 3, 400);
    const liveOnly = [...liveOnlyIdentifiers(2, 'profile_url', 40), ...liveOnlyIdentifiers(1, 'business_email', 40)];
    const cells = [...urls, ...emails, ...liveOnly];
    const result = emu.runCustomFunction('Leads!B2', 'CRUSTDATA_ENRICH', [cells.map((c) => [c]), 'basic_profile.name, match.match_type', '', 'min_score=0.5, live']);
    expect(result.ok).toBe(true);
    const log = await ask<RequestLogEntry[]>('log', 'log');
    for (const entry of log) {
      expect(entry.status).toBe(200);
      expect(entry.minSimilarityScore).toBe(entry.identifierType === 'business_email' ? 0.5 : null);
    }
    const live = log.filter((e) => e.endpoint === 'live');
    expect(live.reduce((n, e) => n + e.identifierCount, 0)).toBe(liveOnly.length);
    expect(log.filter((e) => e.endpoint === 'enrich').reduce((n, e) => n + e.identifierCount, 0)).toBe(cells.length);
    expect(result.values.map((row) => row[1])).toEqual([
      'Profile URL', 'Profile URL', 'Profile URL', 'Business email', 'Business email', 'Business email',
      'Profile URL (live)', 'Profile URL (live)', 'Business email (live)',
    ]);
    expect(result.values.slice(3, 6).map((row) => row[0])).toEqual(emails.map(nameOf));
  });
});
