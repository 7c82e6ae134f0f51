// Scenario 6: filled-down formulas as Sheets runs them, every cell its own execution and 30 at
// once (the emulator's parallel mode), against the mock API at the default 15 requests/minute:
// what 300 filled-down formulas cost beside one range formula over the same rows in one
// recalculation, how long the slowest cell takes, how many cells are left with a waiting message,
// and what a column of 5,000 unique identifiers in shuffled order costs in all.
import { syntheticBusinessEmail, syntheticPerson, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import type { CustomFunctionResult } from '../../dev/emulator';
import { MESSAGES } from '../../src/core/customFunction';
import { atMost, exactly, fmt, type Section } from '../report';
import type { BenchSizes } from '../sizes';
import { bundlePath, emulatorWorld, MINUTE_MS, type EmulatorWorld } from '../world';
import { perRowColumn, REQUESTS_PER_MINUTE, type PerRowColumn } from './requestsPerRow';

/** Executions in flight at once: Apps Script's simultaneous executions per user. */
export const CONCURRENT_CELLS = 30;
/** Filled-down formulas may cost this much more than one range formula over the same rows. */
export const FILLED_DOWN_VS_RANGE_TARGET = 1.25;
/** A custom function dies at 30 s. */
const CELL_LIMIT_MS = 30_000;
/** A long column through filled-down formulas: within 10% of one request per 25 unique identifiers. */
export const LONG_COLUMN_TARGET = 1.1;
const MAX_RECALCULATIONS = 60;
/** Recalculations in a row that fill no new row (a minute apart, so not the rate limit) end the run. */
const STALLED_RECALCULATIONS = 2;
const PROPERTIES_QUOTA = /too many times for one day: properties/;
/** Properties reads and writes a day (consumer accounts): https://developers.google.com/apps-script/guides/services/quotas */
const PROPERTIES_DAILY_QUOTA = 50_000;
const SHEET = 'Leads';
const WAITING = new Set<unknown>([MESSAGES.busy, MESSAGES.pending]);

/** Unique identifiers (a third business emails), shuffled with a fixed seed. */
export function shuffledUniqueColumn(count: number, seed = 7): PerRowColumn {
  const rows = Array.from({ length: count }, (_, n) => ({
    identifier: n % 3 === 2 ? syntheticBusinessEmail(n) : syntheticProfileUrl(n),
    name: String(syntheticPerson(n).data.basic_profile?.name ?? ''),
  }));
  let state = seed;
  for (let i = rows.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [rows[i], rows[j]] = [rows[j], rows[i]];
  }
  const uniqueEmails = rows.filter((row) => row.identifier.includes('@')).length;
  return { identifiers: rows.map((r) => r.identifier), names: rows.map((r) => r.name), uniqueUrls: count - uniqueEmails, uniqueEmails };
}

function world(column: PerRowColumn, filledDown: boolean): EmulatorWorld {
  const w = emulatorWorld({ requestsPerMinute: REQUESTS_PER_MINUTE }, { name: SHEET, rows: [['Identifier'], ...column.identifiers.map((id) => [id])] });
  if (filledDown) column.identifiers.forEach((_, i) => w.emu.model.setValues(`${SHEET}!B${i + 2}`, [[`=CRUSTDATA_ENRICH(A${i + 2})`]]));
  w.emu.executions.length = 0;
  return w;
}

/** One recalculation of the formulas in these rows, 30 at once, results shown in the sheet. */
function recalculate(w: EmulatorWorld, rows: number[]): CustomFunctionResult[] {
  return w.emu.runCustomFunctionsInParallel(
    rows.map((row) => ({ cell: `${SHEET}!B${row}`, functionName: 'CRUSTDATA_ENRICH', args: w.emu.argsFrom(`${SHEET}!A${row}`) })),
    { concurrency: CONCURRENT_CELLS, spill: true },
  );
}

export interface OneRecalculation {
  rangeRequests: number;
  filledRequests: number;
  slowestCellMs: number;
  cellsWaiting: number;
  cellsPastLimit: number;
  rowsShowingTheirPerson: number;
  rows: number;
  recalculationMs: number;
}

export function oneRecalculation(rows: number): OneRecalculation {
  const column = perRowColumn(rows);
  const range = world(column, false);
  range.emu.runCustomFunction(`${SHEET}!B2`, 'CRUSTDATA_ENRICH', range.emu.argsFrom(`${SHEET}!A2:A${rows + 1}`));
  const filled = world(column, true);
  const started = filled.clock.now();
  const results = recalculate(filled, column.identifiers.map((_, i) => i + 2));
  return {
    rangeRequests: range.recorded.figures().requests,
    filledRequests: filled.recorded.figures().requests,
    slowestCellMs: Math.max(...results.map((r) => r.elapsedMs)),
    cellsWaiting: results.filter((r) => WAITING.has(r.values[0]?.[0])).length,
    cellsPastLimit: results.filter((r) => r.timedOut).length,
    rowsShowingTheirPerson: results.filter((r, i) => r.values[0]?.[0] === column.names[i]).length,
    rows,
    recalculationMs: filled.clock.now() - started,
  };
}

export interface LongColumn {
  unique: number;
  minimum: number;
  requests: number;
  rateLimited: number;
  recalculations: number;
  executions: number;
  rowsFilled: number;
  cellsPastLimit: number;
  /** Cell executions that failed because the day's Properties quota was used up. */
  stoppedByPropertiesQuota: number;
  /** Properties reads and writes of all the cell executions. */
  propertyCalls: number;
  slowestCellMs: number;
  virtualMs: number;
  documentCacheItems: number;
}

/** Recalculates the rows not showing their person yet, a minute apart, until every row does. */
export function longColumn(count: number): LongColumn {
  const column = shuffledUniqueColumn(count);
  const w = world(column, true);
  w.emu.resetCalls();
  const start = w.clock.now();
  let waiting = column.identifiers.map((_, i) => i);
  let recalculations = 0;
  let executions = 0;
  let pastLimit = 0;
  let quotaStopped = 0;
  let slowest = 0;
  let stalled = 0;
  while (waiting.length && recalculations < MAX_RECALCULATIONS && stalled < STALLED_RECALCULATIONS) {
    if (recalculations) w.clock.advance(MINUTE_MS);
    const results = recalculate(w, waiting.map((i) => i + 2));
    executions += results.length;
    pastLimit += results.filter((r) => r.timedOut).length;
    quotaStopped += results.filter((r) => PROPERTIES_QUOTA.test(r.sheetsError?.message ?? '')).length;
    slowest = Math.max(slowest, ...results.map((r) => r.elapsedMs));
    const before = waiting.length;
    waiting = waiting.filter((i, k) => results[k].values[0]?.[0] !== column.names[i]);
    stalled = waiting.length < before ? 0 : stalled + 1;
    recalculations++;
  }
  const api = w.recorded.figures();
  return {
    unique: count,
    minimum: Math.ceil(column.uniqueUrls / 25) + Math.ceil(column.uniqueEmails / 25),
    requests: api.requests,
    rateLimited: api.rateLimited,
    recalculations,
    executions,
    rowsFilled: count - waiting.length,
    cellsPastLimit: pastLimit,
    stoppedByPropertiesQuota: quotaStopped,
    propertyCalls: Object.entries(w.emu.calls)
      .filter(([name]) => name.startsWith('PropertiesService.Properties.'))
      .reduce((sum, [, count]) => sum + count, 0),
    slowestCellMs: slowest,
    virtualMs: w.clock.now() - start,
    documentCacheItems: w.emu.caches.document.size(w.clock.now()),
  };
}

export function parallelCellsSection(sizes: BenchSizes): Section {
  const started = Date.now();
  bundlePath();
  const one = oneRecalculation(sizes.parallelRows);
  const long = longColumn(sizes.parallelUniqueColumn);
  const ratio = one.rangeRequests ? one.filledRequests / one.rangeRequests : Number.POSITIVE_INFINITY;
  const longTarget = Math.floor(LONG_COLUMN_TARGET * Math.ceil(long.unique / 25));
  return {
    id: 6,
    title: 'Formula cells in parallel',
    notes: [
      `Sheets runs every custom-function cell as its own execution, many at once; here ${CONCURRENT_CELLS} at a time (Apps Script's simultaneous executions per user), each with its own 30 s limit, interleaved on the virtual clock (the emulator's parallel mode). The mock API at ${REQUESTS_PER_MINUTE} requests/minute; each world starts with an empty cache.`,
      'Cells of a recalculation show "Loading..." to each other until it ends (the pessimistic reading). A cell "left waiting" shows the still-fetching or the rate-limit message instead of its row.',
    ],
    tables: [
      {
        title: `${fmt(one.rows)} rows, one recalculation`,
        headers: ['Figure', 'Value'],
        rows: [
          ['requests, one range formula', fmt(one.rangeRequests)],
          [`requests, ${fmt(one.rows)} filled-down formulas`, fmt(one.filledRequests)],
          ['filled-down / range formula requests', atMost(ratio, FILLED_DOWN_VS_RANGE_TARGET)],
          ['slowest cell, virtual s', atMost(one.slowestCellMs / 1000, CELL_LIMIT_MS / 1000 - 0.001, (n) => fmt(n, 1))],
          ['cells past 30 s', exactly(one.cellsPastLimit, 0)],
          ['cells left waiting after the recalculation', exactly(one.cellsWaiting, 0)],
          ['rows showing their person', exactly(one.rowsShowingTheirPerson, one.rows)],
          ['recalculation, virtual s', fmt(one.recalculationMs / 1000, 1)],
        ],
        notes: [`The rows of section 2 (90% unique, URLs and emails mixed). The range formula runs once, alone.`],
      },
      {
        title: `${fmt(long.unique)} unique identifiers in shuffled order, filled down`,
        headers: ['Figure', 'Value'],
        rows: [
          [`requests, vs ${LONG_COLUMN_TARGET} × ceil(unique / 25)`, atMost(long.requests, longTarget)],
          ['fewest possible: ceil(URLs / 25) + ceil(emails / 25)', fmt(long.minimum)],
          ['429s', exactly(long.rateLimited, 0)],
          ['rows showing their person', exactly(long.rowsFilled, long.unique)],
          ['cells past 30 s', exactly(long.cellsPastLimit, 0)],
          ['Properties reads and writes, vs the 50,000 a day', atMost(long.propertyCalls, PROPERTIES_DAILY_QUOTA)],
          ['cell executions stopped by the Properties quota', exactly(long.stoppedByPropertiesQuota, 0)],
          ['slowest cell, virtual s', atMost(long.slowestCellMs / 1000, CELL_LIMIT_MS / 1000 - 0.001, (n) => fmt(n, 1))],
          ['recalculations, a minute apart', fmt(long.recalculations)],
          ['cell executions', fmt(long.executions)],
          ['virtual minutes', fmt(long.virtualMs / MINUTE_MS, 1)],
          ['document cache items at the end', fmt(long.documentCacheItems)],
        ],
        notes: [
          `A recalculation reruns the cells that do not show their person yet. The rate limit, not the formulas, sets the number of recalculations: 15 requests of 25 rows a minute. The run ends when every row shows its person, or after ${STALLED_RECALCULATIONS} recalculations in a row that fill nothing.`,
          'Only a cell that may send reads the API key and the rate setting from Properties; a cached row, or a cell another cell just found the rate window full for, reads none. A column that needs many recalculations would otherwise use up the day\'s Properties quota and stop filling.',
          'Results are stored in packs (many per cache item), so the column fits the document cache (about 1,000 items, of which it keeps the 900 farthest from expiry).',
        ],
      },
    ],
    realMs: Date.now() - started,
  };
}
