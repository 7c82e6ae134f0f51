// Scenario 1: throughput against the rate limit. Bulk jobs of unique identifiers at each plan's
// limit, and a mixed 2,000-row job with injected faults, through the sidebar's calls on
// the real bundle (first line) and through the engine alone (second line), on virtual clocks.
import { DEFAULT_FIELDS, parseFieldSelection } from '../../src/core/catalog';
import { enrichCells } from '../../src/core/enrich';
import { dedupeIdentifiers } from '../../src/core/identifiers';
import { seededRandom } from '../../src/core/retry';
import { injectedFaults, mixedJob, uniqueProfileUrls } from '../jobs';
import { atLeast, atMost, exactly, fmt, type Cell, type Section, type Table } from '../report';
import { runSidebarJob } from '../sidebarJob';
import type { BenchSizes } from '../sizes';
import { emulatorWorld, engineWorld, floorMinutes, MINUTE_MS, type ApiSetup, type RecordedApi } from '../world';

/** The floor's ratio a job must reach: at least 97% of the limit's throughput. */
export const THROUGHPUT_TARGET = 0.97;
/** A faulty job's duration within 5% of the limit's floor for the requests it sent. */
export const ISSUE3_DURATION_TARGET = 1.05;

export interface JobFigures {
  path: 'sidebar' | 'engine';
  rows: number;
  perMinute: number;
  /** ceil(unique URLs / 25) + ceil(unique emails / 25). */
  minimumRequests: number;
  uniqueIdentifiers: number;
  requests: number;
  /** Requests whose answer never arrived whole (429, 5xx, malformed, lost in a timed-out fetchAll). */
  undelivered: number;
  deliveredRequests: number;
  /** fetchAll calls that timed out, each holding its execution for UrlFetch's 60 s. */
  timedOutFetches: number;
  rateLimited: number;
  avoidable429: number;
  badRequests: number;
  virtualMs: number;
  floorMinutes: number;
  /** Identifiers answered more than once, or never. */
  deliveredTwice: number;
  neverDelivered: number;
  enrichedRows: number;
  validRows: number;
  peakPerWindow: number;
  sidebarCalls?: number;
  credits: number;
}

function figuresOf(path: JobFigures['path'], cells: unknown[], perMinute: number, recorded: RecordedApi, virtualMs: number, enrichedRows: number, sidebarCalls?: number): JobFigures {
  const { unique, classified } = dedupeIdentifiers(cells);
  const urls = unique.filter((id) => id.kind === 'profile_url').length;
  const emails = unique.length - urls;
  const api = recorded.figures();
  const counts = unique.map((id) => recorded.delivered.get(id.normalized.toLowerCase()) ?? 0);
  return {
    path,
    rows: cells.length,
    perMinute,
    minimumRequests: Math.ceil(urls / 25) + Math.ceil(emails / 25),
    uniqueIdentifiers: unique.length,
    requests: api.requests,
    undelivered: api.requests - recorded.deliveredRequests,
    deliveredRequests: recorded.deliveredRequests,
    timedOutFetches: recorded.timedOutBatches,
    rateLimited: api.rateLimited,
    avoidable429: api.avoidable429,
    badRequests: api.badRequests,
    virtualMs,
    floorMinutes: floorMinutes(api.requests, perMinute),
    deliveredTwice: counts.filter((n) => n > 1).length,
    neverDelivered: counts.filter((n) => n === 0).length,
    enrichedRows,
    validRows: classified.filter((c) => c.kind === 'profile_url' || c.kind === 'business_email').length,
    peakPerWindow: recorded.peakPerWindow(),
    sidebarCalls,
    credits: api.credits,
  };
}

/** The job through sidebarStartJob + the sidebar's driver, on the real bundle in the emulator. */
export async function sidebarJob(cells: unknown[], setup: ApiSetup, fields?: string[]): Promise<JobFigures & { run: Awaited<ReturnType<typeof runSidebarJob>> }> {
  const world = emulatorWorld(setup, { name: 'Leads', rows: [['LinkedIn'], ...cells.map((cell) => [cell])] });
  const run = await runSidebarJob(world, { sheetName: 'Leads', lastRow: cells.length + 1, fields });
  if (run.progress.state !== 'done') throw new Error(`the ${cells.length}-row job ended ${run.progress.state}: ${run.progress.message ?? run.problem ?? ''}`);
  const figures = figuresOf('sidebar', cells, setup.requestsPerMinute, world.recorded, run.virtualMs, run.progress.counts.enriched, run.executions.length);
  return { ...figures, run };
}

export type SidebarJobFigures = Awaited<ReturnType<typeof sidebarJob>>;
const uniqueRuns = new Map<string, Promise<SidebarJobFigures>>();

/** A job of unique profile URLs through the sidebar, run once per size and rate (sections 1 and 3 share it). */
export function uniqueSidebarJob(rows: number, perMinute: number): Promise<SidebarJobFigures> {
  const key = `${rows}@${perMinute}`;
  let run = uniqueRuns.get(key);
  if (!run) uniqueRuns.set(key, (run = sidebarJob(uniqueProfileUrls(rows), { requestsPerMinute: perMinute })));
  return run;
}

/** The same job as one engine call with a deadline hours away (no slicing, no sheet). */
export function engineJob(cells: unknown[], setup: ApiSetup, fields?: string[]): JobFigures {
  const world = engineWorld(setup);
  const start = world.clock.now();
  const result = enrichCells(world.ctx, cells, {
    selection: parseFieldSelection(fields ?? [...DEFAULT_FIELDS]),
    deadline: start + 24 * 60 * MINUTE_MS,
    retry: { random: seededRandom(3) },
  });
  const enriched = result.outcomes.filter((o) => o.status === 'matched').length;
  return figuresOf('engine', cells, setup.requestsPerMinute, world.recorded, world.clock.now() - start, enriched);
}

const minutes = (ms: number) => fmt(ms / MINUTE_MS, 2);

function throughputRow(f: JobFigures): Cell[] {
  const actualMinutes = f.virtualMs / MINUTE_MS;
  // The last window needs only its answers, not a whole minute: (windows - 1) minutes + one answer.
  const tightMinutes = (f.floorMinutes - 1) + 1_100 / MINUTE_MS;
  return [
    `${fmt(f.rows)} @ ${f.perMinute}/min`,
    f.path === 'sidebar' ? `sidebar (${fmt(f.sidebarCalls ?? 0)} calls)` : 'engine',
    exactly(f.requests, f.minimumRequests),
    fmt(f.rateLimited),
    exactly(f.avoidable429, 0),
    minutes(f.virtualMs),
    fmt(f.floorMinutes),
    atLeast(f.floorMinutes / actualMinutes, THROUGHPUT_TARGET),
    fmt(tightMinutes / actualMinutes, 3),
    exactly(f.enrichedRows, f.validRows),
  ];
}

function faultyJobRow(f: JobFigures): Cell[] {
  return [
    `${fmt(f.rows)} @ ${f.perMinute}/min`,
    f.path === 'sidebar' ? `sidebar (${fmt(f.sidebarCalls ?? 0)} calls)` : 'engine',
    fmt(f.requests),
    exactly(f.deliveredRequests, f.minimumRequests),
    fmt(f.undelivered),
    fmt(f.rateLimited),
    exactly(f.avoidable429, 0),
    exactly(f.badRequests, 0),
    fmt(f.timedOutFetches),
    minutes(f.virtualMs),
    fmt(f.floorMinutes),
    atMost(f.virtualMs / (f.floorMinutes * MINUTE_MS), ISSUE3_DURATION_TARGET),
    fmt(f.virtualMs / ((f.floorMinutes + f.timedOutFetches) * MINUTE_MS), 2),
    exactly(f.deliveredTwice + f.neverDelivered, 0),
    atMost(f.peakPerWindow, f.perMinute),
  ];
}

export async function throughputSection(sizes: BenchSizes): Promise<Section> {
  const started = Date.now();
  const rows: Cell[][] = [];
  for (const count of sizes.throughputJobs) {
    const cells = uniqueProfileUrls(count);
    for (const perMinute of sizes.rates) {
      rows.push(throughputRow(await uniqueSidebarJob(count, perMinute)));
      rows.push(throughputRow(engineJob(cells, { requestsPerMinute: perMinute })));
    }
  }
  const throughput: Table = {
    title: 'Bulk jobs of unique profile URLs',
    headers: ['Job', 'Driven by', 'Requests (min)', '429s', 'Avoidable 429s', 'Virtual min', 'Floor min', 'Floor / actual', 'Tight floor / actual', 'Rows enriched'],
    rows,
    notes: [
      'Floor = ceil(requests / limit) windows of 60 s, the limit\'s floor; Floor / actual ≥ 0.97 means at least 97% of the limit\'s throughput.',
      'Tight floor = (windows − 1) minutes + one 25-identifier answer (1.1 s): the last window only needs its requests to come back. Shown for information; it tells how much of each minute the pacing wastes.',
      'Avoidable 429s: 429s the mock API decided itself (a full window), which a client reading x-ratelimit-* and Retry-After does not get.',
      '"sidebar": sidebarStartJob, then the sidebar\'s JobDriver calling sidebarContinueJob on the real dist/Code.js in the emulator; the driver\'s idle back-off (1, 2, 5, 10 s) passes on the virtual clock. The round trip between calls is taken as 0 s.',
      '"engine": one enrichCells call with a deadline a day away, in-memory ports, the same mock API.',
    ],
  };

  const mixed = mixedJob(sizes.faultyJobRows);
  const faultyJobRows: Cell[][] = [];
  for (const perMinute of [15, 60]) {
    faultyJobRows.push(faultyJobRow(await sidebarJob(mixed, { requestsPerMinute: perMinute, faultsAt: injectedFaults() })));
    faultyJobRows.push(faultyJobRow(engineJob(mixed, { requestsPerMinute: perMinute, faultsAt: injectedFaults() })));
  }
  const { unique } = dedupeIdentifiers(mixed);
  const faultyJob: Table = {
    title: `Mixed job with injected faults: ${fmt(sizes.faultyJobRows)} rows, ${fmt(unique.length)} unique, 30% duplicates, 5% invalid, injected 5xx, 429 and a hung request`,
    headers: [
      'Job',
      'Driven by',
      'Requests',
      'Answered (min)',
      'Retries forced',
      '429s',
      'Avoidable 429s',
      '400s',
      'Timed-out fetchAlls',
      'Virtual min',
      'Floor min',
      'Actual / floor',
      'Actual / (floor + 1 min per timeout)',
      'Ids not answered exactly once',
      'Peak per 60 s',
    ],
    rows: faultyJobRows,
    notes: [
      'Answered: requests whose answer arrived whole; the minimum is ceil(unique URLs / 25) + ceil(unique emails / 25).',
      'Retries forced: requests whose answer never arrived whole (429, 5xx, malformed, or lost with a fetchAll that timed out), each of which had to be sent again.',
      'Faults at fixed request numbers: 500 (#3), 429 with Retry-After 5 s (#17), HTML 502 (#20), a request hung past 60 s (#33), 503 (#41).',
      'Actual / floor ≤ 1.05: the duration within 5% of ceil(requests / limit) minutes.',
      'A request hung past 60 s holds its execution for UrlFetch\'s whole 60 s, which no client can cut short; the last ratio (for information) grants each timed-out fetchAll its minute. Note that the floor grows with the requests a run wastes: a run that loses a whole burst to one hang sends more requests and gets a later floor.',
    ],
  };
  return {
    id: 1,
    title: 'Throughput against the rate limit',
    tables: [throughput, faultyJob],
    realMs: Date.now() - started,
  };
}
