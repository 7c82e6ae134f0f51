// Scenario 5: the 10,000-row job while the API misbehaves on 10% of requests (5xx, 429, hung
// past UrlFetch's 60 s, malformed JSON), through the sidebar's calls on the real bundle and through
// the engine alone. Rows a run leaves failed get a second run, as a user would start one; across
// both, every identifier must reach the add-on exactly once (the recording transport's count).
import { DEFAULT_FIELDS, parseFieldSelection } from '../../src/core/catalog';
import { enrichCells } from '../../src/core/enrich';
import { seededRandom } from '../../src/core/retry';
import { syntheticPerson } from '../../dev/mock-api/dataset';
import type { FaultRates } from '../../dev/mock-api/handler';
import { uniqueProfileUrls } from '../jobs';
import { atMost, exactly, fmt, type Cell, type Section } from '../report';
import { runSidebarJob } from '../sidebarJob';
import type { BenchSizes } from '../sizes';
import { emulatorWorld, engineWorld, MINUTE_MS, type RecordedApi } from '../world';

export const FAULT_REQUESTS_PER_MINUTE = 15;

/** The share split over the fault kinds the mock can inject. */
export function faultRates(share: number): FaultRates {
  return { serverError: share * 0.4, rateLimited: share * 0.3, slow: share * 0.1, malformed: share * 0.2, seed: 'bench-faults' };
}

interface PassFigures {
  requests: number;
  undelivered: number;
  rateLimited: number;
  serverErrors: number;
  malformed: number;
  hung: number;
  lostToTimeouts: number;
  virtualMs: number;
  enriched: number;
  failed: number;
  sidebarCalls?: number;
}

interface FaultRun {
  path: 'sidebar' | 'engine';
  passes: PassFigures[];
  rows: number;
  deliveredTwice: number;
  neverDelivered: number;
  credits: number;
  avoidable429: number;
  /** Rows that end showing their own person (the sheet's Name column, or the engine's outcome). */
  rowsShowingPerson: number;
}

const nameOf = (n: number) => String(syntheticPerson(n).data.basic_profile?.name ?? '');

/** API figures since `from` (an index into the request log) and the transport's since `before`. */
function passFigures(recorded: RecordedApi, fromLog: number, before: { delivered: number; lost: number }, virtualMs: number, enriched: number, failed: number, sidebarCalls?: number): PassFigures {
  const log = recorded.figures().log.slice(fromLog);
  return {
    requests: log.length,
    undelivered: log.length - (recorded.deliveredRequests - before.delivered),
    rateLimited: log.filter((e) => e.status === 429).length,
    serverErrors: log.filter((e) => e.status >= 500).length,
    malformed: log.filter((e) => e.fault === 'malformed').length,
    hung: log.filter((e) => e.fault === 'slow').length,
    lostToTimeouts: recorded.lostToTimeouts - before.lost,
    virtualMs,
    enriched,
    failed,
    sidebarCalls,
  };
}

function deliveryCounts(cells: string[], recorded: RecordedApi) {
  const counts = cells.map((id) => recorded.delivered.get(id.toLowerCase()) ?? 0);
  return { deliveredTwice: counts.filter((n) => n > 1).length, neverDelivered: counts.filter((n) => n === 0).length };
}

const snapshot = (recorded: RecordedApi) => ({ log: recorded.api.requestLog().length, delivered: recorded.deliveredRequests, lost: recorded.lostToTimeouts });

export async function sidebarFaultRun(rows: number, share: number): Promise<FaultRun> {
  const cells = uniqueProfileUrls(rows);
  const world = emulatorWorld({ requestsPerMinute: FAULT_REQUESTS_PER_MINUTE, faultRates: faultRates(share) }, { name: 'Leads', rows: [['LinkedIn'], ...cells.map((c) => [c])] });
  const passes: PassFigures[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const before = snapshot(world.recorded);
    const run = await runSidebarJob(world, { sheetName: 'Leads', lastRow: rows + 1 });
    if (run.progress.state !== 'done') throw new Error(`pass ${pass + 1} of the fault job ended ${run.progress.state}: ${run.progress.message ?? run.problem ?? ''}`);
    const enriched = run.progress.counts.enriched;
    passes.push(passFigures(world.recorded, before.log, before, run.virtualMs, enriched, run.progress.counts.failed, run.executions.length));
    if (!run.progress.counts.failed) break;
  }
  // What the user sees: each row's status says enriched and its Name column holds its own person.
  const { sheet } = world.emu.model.resolve('Leads!A1');
  const headers = Array.from({ length: sheet.lastColumn() }, (_, c) => sheet.cell(1, c + 1).value);
  const statusColumn = headers.indexOf('Crustdata status') + 1;
  const nameColumn = headers.indexOf('Name') + 1;
  let rowsShowingPerson = 0;
  for (let i = 0; i < rows && statusColumn > 0 && nameColumn > 0; i++) {
    const status = String(sheet.cell(i + 2, statusColumn).value);
    if (status.startsWith('Enriched') && sheet.cell(i + 2, nameColumn).value === nameOf(i)) rowsShowingPerson++;
  }
  const api = world.recorded.figures();
  return { path: 'sidebar', passes, rows, ...deliveryCounts(cells, world.recorded), credits: api.credits, avoidable429: api.avoidable429, rowsShowingPerson };
}

export function engineFaultRun(rows: number, share: number): FaultRun {
  const cells = uniqueProfileUrls(rows);
  const world = engineWorld({ requestsPerMinute: FAULT_REQUESTS_PER_MINUTE, faultRates: faultRates(share) });
  const selection = parseFieldSelection([...DEFAULT_FIELDS]);
  const passes: PassFigures[] = [];
  let enrichedSoFar = 0;
  let rowsShowingPerson = 0;
  for (let pass = 0; pass < 2; pass++) {
    const before = snapshot(world.recorded);
    const start = world.clock.now();
    const result = enrichCells(world.ctx, cells, { selection, deadline: start + 24 * 60 * MINUTE_MS, retry: { random: seededRandom(5 + pass) } });
    // The second run answers the first run's rows from the cache: count rows fetched by this run.
    const fresh = result.outcomes.filter((o) => o.status === 'matched' && !o.fromCache).length;
    enrichedSoFar = result.outcomes.filter((o) => o.status === 'matched').length;
    const failed = result.outcomes.filter((o) => o.status === 'failed' || o.status === 'pending').length;
    passes.push(passFigures(world.recorded, before.log, before, world.clock.now() - start, pass === 0 ? enrichedSoFar : fresh, failed));
    rowsShowingPerson = result.outcomes.filter((o, i) => o.status === 'matched' && (o.person.basic_profile as { name?: unknown } | undefined)?.name === nameOf(i)).length;
    if (!failed) break;
  }
  const api = world.recorded.figures();
  return { path: 'engine', passes, rows, ...deliveryCounts(cells, world.recorded), credits: api.credits, avoidable429: api.avoidable429, rowsShowingPerson };
}

function runRows(run: FaultRun): Cell[][] {
  const label = run.path === 'sidebar' ? 'sidebar' : 'engine';
  const rows = run.passes.map((p, i): Cell[] => [
    `${label}, run ${i + 1}${i ? ' (failed rows again)' : ''}`,
    fmt(p.requests),
    fmt(p.undelivered),
    fmt(p.serverErrors),
    fmt(p.rateLimited),
    `${fmt(p.hung)} (${fmt(p.lostToTimeouts)} lost)`,
    fmt(p.malformed),
    fmt(p.virtualMs / MINUTE_MS, 2),
    fmt(p.enriched),
    i === 0 ? atMost(p.failed, 0) : exactly(p.failed, 0),
  ]);
  const total = run.passes.reduce((sum, p) => sum + p.enriched, 0);
  rows.push([
    `${label}, all runs`,
    fmt(run.passes.reduce((s, p) => s + p.requests, 0)),
    fmt(run.passes.reduce((s, p) => s + p.undelivered, 0)),
    fmt(run.passes.reduce((s, p) => s + p.serverErrors, 0)),
    fmt(run.passes.reduce((s, p) => s + p.rateLimited, 0)),
    fmt(run.passes.reduce((s, p) => s + p.hung, 0)),
    fmt(run.passes.reduce((s, p) => s + p.malformed, 0)),
    fmt(run.passes.reduce((s, p) => s + p.virtualMs, 0) / MINUTE_MS, 2),
    exactly(total, run.rows),
    '',
  ]);
  return rows;
}

export async function faultToleranceSection(sizes: BenchSizes): Promise<Section> {
  const started = Date.now();
  const rows = sizes.faultRows;
  const runs = [await sidebarFaultRun(rows, sizes.faultShare), engineFaultRun(rows, sizes.faultShare)];
  const rates = faultRates(sizes.faultShare);
  return {
    id: 5,
    title: 'Fault tolerance under load',
    notes: [
      `${fmt(rows)} unique profile URLs at ${FAULT_REQUESTS_PER_MINUTE} requests/minute, default fields. The mock injects a fault into ${fmt(sizes.faultShare * 100)}% of requests (seeded): 5xx ${fmt((rates.serverError ?? 0) * 100, 1)}%, 429 with Retry-After ${fmt((rates.rateLimited ?? 0) * 100, 1)}%, hung past 60 s ${fmt((rates.slow ?? 0) * 100, 1)}%, malformed JSON ${fmt((rates.malformed ?? 0) * 100, 1)}%. Retries forced: requests whose answer never arrived whole.`,
      'When a run leaves rows failed, a second run is started as a user would (Start again; enriched rows are skipped, or answered from the cache by the engine).',
    ],
    tables: [
      {
        title: 'Runs',
        headers: ['Run', 'Requests', 'Retries forced', '5xx', '429s', 'Hung (requests lost with them)', 'Malformed', 'Virtual min', 'Rows enriched', 'Rows left failed'],
        rows: runs.flatMap(runRows),
        notes: ['Rows left failed after the first run: target 0 (every fault is transient, so the job should ride it out); a second run must leave none.'],
      },
      {
        title: 'Exactly once',
        headers: ['Driven by', 'Rows showing their person', 'Identifiers answered more than once', 'Identifiers never answered', 'Avoidable 429s', 'Credits charged', 'Credits for one answer each'],
        rows: runs.map((run) => [
          run.path,
          exactly(run.rowsShowingPerson, run.rows),
          exactly(run.deliveredTwice, 0),
          exactly(run.neverDelivered, 0),
          exactly(run.avoidable429, 0),
          fmt(run.credits),
          fmt(run.rows),
        ]),
        notes: [
          'Rows showing their person: for the sidebar, the sheet itself (status "Enriched …" and the Name column holding that row\'s own person); for the engine, its outcomes.',
          'Answered: a 200 whose JSON parsed, in a fetchAll that did not time out, counted per identifier by the transport between the emulator (or the engine) and the mock API.',
          'Credits charged beyond one per person were spent on answers that never arrived whole (malformed, or inside a fetchAll that timed out): the API charges them all the same.',
        ],
      },
    ],
    realMs: Date.now() - started,
  };
}
