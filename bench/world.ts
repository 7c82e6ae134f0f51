// What every bench scenario runs against: the mock Crustdata API behind a transport that records
// which identifiers each answer really delivered (a timed-out fetchAll delivers nothing), and two
// ways to drive the add-on over it on a virtual clock: the Apps Script emulator running the real
// bundle, and the engine (src/core/enrich.ts) called directly with in-memory ports.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsScriptEmulator, inProcessTransport, VirtualClock, type Transport, type TransportResult } from '../dev/emulator';
import { MockCrustdataApi, type Fault, type FaultRates } from '../dev/mock-api/handler';
import type { EnrichContext } from '../src/core/enrich';
import { HttpTransportError, type Cache, type Clock, type Http, type Lock } from '../src/core/ports';

export const BENCH_KEY = 'sk_bench_7f3a91c0d2e84b56';
export const KEY_PROPERTY = 'crustdata.apiKey';
export const RATE_PROPERTY = 'crustdata.requestsPerMinute';
/** UrlFetchApp gives up after about 60 s; the emulator and the engine world both apply it. */
export const FETCH_TIMEOUT_MS = 60_000;
export const MINUTE_MS = 60_000;

export interface ApiSetup {
  requestsPerMinute: number;
  /** A fault for the n-th request (0-based) the API receives. */
  faultsAt?: Map<number, Fault>;
  /** Seeded per-request fault probabilities (the mock draws them). */
  faultRates?: FaultRates;
}

/**
 * The mock API plus a transport over it that injects faults by request number and records, per
 * identifier (matched_on, as the API echoed it), how many answers reached the caller: a 200 whose
 * JSON parses, in a fetchAll that did not time out.
 */
export class RecordedApi {
  readonly api: MockCrustdataApi;
  /** matched_on → answers delivered. */
  readonly delivered = new Map<string, number>();
  /** Requests that were part of a fetchAll that timed out (their answers never arrived). */
  lostToTimeouts = 0;
  /** fetchAll calls that timed out (a request hung past 60 s holds its execution that long). */
  timedOutBatches = 0;
  /** Requests whose answer arrived whole: a 200 that parses, in a fetchAll that did not time out. */
  deliveredRequests = 0;
  /** fetchAll calls (one transport batch each). */
  batches = 0;
  /** 429, 5xx and broken 200 answers that reached the caller (a timed-out fetchAll delivers none). */
  deliveredFailures = 0;
  /** 200 answers whose JSON broke off or is no list (the mock's malformed fault). */
  deliveredMalformed = 0;
  /** x-credits-used of the answers that reached the caller. */
  deliveredCredits = 0;
  private received = 0;
  private readonly faultsAt: Map<number, Fault>;

  constructor(setup: ApiSetup) {
    this.api = new MockCrustdataApi({ keys: { [BENCH_KEY]: { label: 'bench', requestsPerMinute: setup.requestsPerMinute } } });
    this.faultsAt = setup.faultsAt ?? new Map();
    if (setup.faultRates) this.api.setFaultRates(setup.faultRates);
  }

  readonly transport: Transport = {
    send: (requests, nowMs) => {
      this.batches++;
      const inner = inProcessTransport(this.api);
      // One request at a time, so a fault queued for request n hits exactly request n.
      const results: TransportResult[] = requests.map((request) => {
        const fault = this.faultsAt.get(this.received++);
        if (fault) this.api.enqueueFaults([fault]);
        return inner.send([request], nowMs)[0];
      });
      const timedOut = results.some((r) => ('failure' in r ? r.failure === 'timeout' : r.latencyMs >= FETCH_TIMEOUT_MS));
      if (timedOut) {
        this.lostToTimeouts += requests.length;
        this.timedOutBatches++;
        return results;
      }
      for (const result of results) {
        if ('failure' in result) continue;
        if (result.status === 429 || result.status >= 500) this.deliveredFailures++;
        this.deliveredCredits += Number(result.headers['x-credits-used'] ?? 0);
        if (result.status !== 200) continue;
        let entries: unknown;
        try {
          entries = JSON.parse(result.body);
        } catch {
          entries = null;
        }
        if (!Array.isArray(entries)) {
          // A malformed answer delivers nothing: its request has to be sent again.
          this.deliveredFailures++;
          this.deliveredMalformed++;
          continue;
        }
        this.deliveredRequests++;
        for (const entry of entries as Array<{ matched_on?: unknown }>) {
          const id = String(entry?.matched_on ?? '').toLowerCase();
          this.delivered.set(id, (this.delivered.get(id) ?? 0) + 1);
        }
      }
      return results;
    },
  };

  /** What the API's own log says. */
  figures() {
    const log = this.api.requestLog();
    const first = log.length ? log[0].atMs : 0;
    const last = log.length ? log[log.length - 1].atMs : 0;
    return {
      requests: log.length,
      rateLimited: log.filter((e) => e.status === 429).length,
      injected429: log.filter((e) => e.fault === '429').length,
      /** 429s the API itself decided (a full window): the ones a client that reads the headers avoids. */
      avoidable429: log.filter((e) => e.status === 429 && e.fault !== '429').length,
      badRequests: log.filter((e) => e.status === 400).length,
      faults: log.filter((e) => e.fault !== null).length,
      credits: log.reduce((sum, e) => sum + e.creditsUsed, 0),
      firstAtMs: first,
      lastAtMs: last,
      log,
    };
  }

  /** The most requests the API counted in any 60 s of its own clock. */
  peakPerWindow(): number {
    const counted = this.api.requestLog().filter((e) => e.counted).map((e) => e.atMs);
    let peak = 0;
    let start = 0;
    for (let end = 0; end < counted.length; end++) {
      while (counted[end] - counted[start] >= MINUTE_MS) start++;
      peak = Math.max(peak, end - start + 1);
    }
    return peak;
  }
}

// ---- The real bundle in the emulator ----------------------------------------------------------

/**
 * A private copy of dist/ (Code.js, appsscript.json, Sidebar.html) taken once per process, so a
 * rebuild running beside the bench cannot pull the bundle away mid-run.
 */
let bundleCopy: string | null = null;
export function bundlePath(): string {
  if (bundleCopy) return bundleCopy;
  const dist = path.resolve(__dirname, '..', 'dist');
  if (!fs.existsSync(path.join(dist, 'Code.js'))) throw new Error('dist/Code.js does not exist: run `npm run build` first (npm run bench does).');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crustdata-bench-'));
  for (const name of fs.readdirSync(dist)) fs.copyFileSync(path.join(dist, name), path.join(dir, name));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  bundleCopy = path.join(dir, 'Code.js');
  return bundleCopy;
}

export interface EmulatorWorld {
  emu: AppsScriptEmulator;
  clock: VirtualClock;
  recorded: RecordedApi;
  /** Cells of the job's sheet read and written through any Range call (the service counts calls, not cells). */
  cells: { read: number; written: number };
}

/** The real bundle with the key set for the owner and the plan's rate limit in document properties. */
export function emulatorWorld(setup: ApiSetup, sheet: { name: string; rows: unknown[][]; maxColumns?: number }): EmulatorWorld {
  const recorded = new RecordedApi(setup);
  const clock = new VirtualClock();
  const emu = new AppsScriptEmulator({ clock, transport: recorded.transport, bundlePath: bundlePath(), realTimeoutMs: 120_000 });
  const model = emu.model.addSheet(sheet.name, sheet.rows, { maxRows: sheet.rows.length + 10, maxColumns: sheet.maxColumns ?? 60 });
  // Counted on this sheet's instance only, after the rows are in.
  const cells = { read: 0, written: 0 };
  const readRect = model.readRect.bind(model);
  const writeInputs = model.writeInputs.bind(model);
  model.readRect = (rect, read) => {
    cells.read += rect.numRows * rect.numColumns;
    return readRect(rect, read);
  };
  model.writeInputs = (row, column, grid, ...rest) => {
    cells.written += grid.reduce((sum, line) => sum + line.length, 0);
    return writeInputs(row, column, grid, ...rest);
  };
  emu.load();
  // The owner's own key, shared with the spreadsheet: jobs use it, and so can formulas (which only
  // ever use a shared key). Both pace it in the document's cache, under its lock.
  emu.properties.user(emu.users[0]).values.set(KEY_PROPERTY, BENCH_KEY);
  emu.properties.document.values.set(KEY_PROPERTY, BENCH_KEY);
  emu.properties.document.values.set(RATE_PROPERTY, String(setup.requestsPerMinute));
  return { emu, clock, recorded, cells };
}

// ---- The engine alone -------------------------------------------------------------------------

export class BenchClock implements Clock {
  constructor(private time = Date.UTC(2025, 0, 6, 9, 0, 0)) {}
  now(): number {
    return this.time;
  }
  sleep(ms: number): void {
    this.time += Math.max(0, ms);
  }
}

/** CacheService's behaviour the engine relies on: entries expire on the (virtual) clock. */
export class MemoryCache implements Cache {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();
  constructor(private readonly clock: Clock) {}
  get(key: string): string | null {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > this.clock.now() ? entry.value : null;
  }
  getAll(keys: string[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of keys) {
      const value = this.get(key);
      if (value !== null) out[key] = value;
    }
    return out;
  }
  put(key: string, value: string, ttlSeconds: number): void {
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }
  putAll(values: Record<string, string>, ttlSeconds: number): void {
    for (const [key, value] of Object.entries(values)) this.put(key, value, ttlSeconds);
  }
  remove(key: string): void {
    this.entries.delete(key);
  }
}

/** One execution at a time, so the lock is always free. */
export const freeLock: Lock = { tryLock: () => true, releaseLock: () => undefined };

/** fetchAll over a transport as UrlFetchApp does it: parallel, as slow as the slowest, 60 s timeout. */
export function transportHttp(transport: Transport, clock: Clock): Http {
  return {
    fetchAll(requests) {
      const results = transport.send(
        requests.map((r) => ({ url: r.url, method: r.method.toUpperCase(), headers: r.headers, body: r.payload })),
        clock.now(),
      );
      const slowest = Math.max(0, ...results.map((r) => Math.min(r.latencyMs, FETCH_TIMEOUT_MS)));
      clock.sleep(slowest);
      const failed = results.find((r) => 'failure' in r || r.latencyMs >= FETCH_TIMEOUT_MS);
      if (failed) throw new HttpTransportError('failure' in failed ? failed.message : 'Timeout: the request took longer than 60 s');
      return results.map((r) => {
        const response = r as Exclude<TransportResult, { failure: string }>;
        return { status: response.status, headers: response.headers, body: response.body };
      });
    },
  };
}

export interface EngineWorld {
  ctx: EnrichContext;
  clock: BenchClock;
  recorded: RecordedApi;
}

export function engineWorld(setup: ApiSetup): EngineWorld {
  const recorded = new RecordedApi(setup);
  const clock = new BenchClock();
  const ctx: EnrichContext = {
    http: transportHttp(recorded.transport, clock),
    clock,
    hasher: { sha256Hex: (text) => createHash('sha256').update(text, 'utf8').digest('hex') },
    resultCache: new MemoryCache(clock),
    sharedCache: new MemoryCache(clock),
    lock: freeLock,
    apiKey: BENCH_KEY,
    apiBaseUrl: 'https://api.crustdata.com',
    requestsPerMinute: setup.requestsPerMinute,
  };
  return { ctx, clock, recorded };
}

/** The fastest the limit allows: ceil(requests / limit) windows of 60 s. */
export function floorMinutes(requests: number, perMinute: number): number {
  return Math.ceil(requests / perMinute);
}
