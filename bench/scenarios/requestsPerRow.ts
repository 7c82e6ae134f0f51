// Scenario 2: what one column of rows costs three ways, all in the emulator's custom-function
// mode against the mock API at the default 15 requests/minute: one range formula, a formula per
// row filled down (the real bundle's neighbour batching), and the naive one-request-per-cell
// function generic JSON importers use. Cells still showing a message are recalculated a minute
// later, as a user would, until every row shows its person.
import { AppsScriptEmulator } from '../../dev/emulator';
import { syntheticBusinessEmail, syntheticPerson, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import { atMost, exactly, fmt, type Cell, type Section } from '../report';
import { NAIVE_FUNCTION, NAIVE_KEY_PROPERTY, NAIVE_SOURCE } from '../naive';
import type { BenchSizes } from '../sizes';
import { BENCH_KEY, bundlePath, emulatorWorld, MINUTE_MS, RecordedApi, type EmulatorWorld } from '../world';

export const REQUESTS_PER_MINUTE = 15;
/** Filled-down single-cell formulas within 10% of one range formula's requests. */
export const FILLED_DOWN_TARGET = 1.1;
/** Recalculation passes before the bench gives up on a way of use (reported, not hidden). */
const MAX_PASSES = 60;
const SHEET = 'Leads';

export interface PerRowColumn {
  identifiers: string[];
  /** The name each row must end up showing. */
  names: string[];
  uniqueUrls: number;
  uniqueEmails: number;
}

/** 90% unique people (two URLs to one email), then exact duplicates of earlier rows. */
export function perRowColumn(rows: number): PerRowColumn {
  const uniqueCount = Math.round(rows * 0.9);
  const identifiers: string[] = [];
  const names: string[] = [];
  for (let n = 0; n < uniqueCount; n++) {
    identifiers.push(n % 3 === 2 ? syntheticBusinessEmail(n) : syntheticProfileUrl(n));
    names.push(String(syntheticPerson(n).data.basic_profile?.name ?? ''));
  }
  for (let i = 0; identifiers.length < rows; i += 7) {
    identifiers.push(identifiers[i % uniqueCount]);
    names.push(names[i % uniqueCount]);
  }
  const uniqueEmails = identifiers.slice(0, uniqueCount).filter((id) => id.includes('@')).length;
  return { identifiers, names, uniqueUrls: uniqueCount - uniqueEmails, uniqueEmails };
}

export interface WayFigures {
  way: string;
  requests: number;
  rateLimited: number;
  credits: number;
  virtualMs: number;
  executions: number;
  passes: number;
  rowsFilled: number;
  rows: number;
  timedOut: number;
}

const sheetRows = (column: PerRowColumn) => [['Identifier'], ...column.identifiers.map((id) => [id])];

/**
 * Runs `pass` (which returns the rows still unfilled) until none is left, a minute apart, and
 * collects the API's and the emulator's figures.
 */
function measure(way: string, emu: AppsScriptEmulator, recorded: RecordedApi, column: PerRowColumn, pass: (unfilled: number[]) => number[]): WayFigures {
  const start = emu.clock.now();
  let unfilled = column.identifiers.map((_, i) => i);
  let passes = 0;
  let end = start;
  while (unfilled.length && passes < MAX_PASSES) {
    if (passes > 0) emu.clock.advance(MINUTE_MS);
    unfilled = pass(unfilled);
    end = emu.clock.now();
    passes++;
  }
  const api = recorded.figures();
  const timedOut = emu.executions.filter((e) => e.timedOut).length;
  return {
    way,
    requests: api.requests,
    rateLimited: api.rateLimited,
    credits: api.credits,
    virtualMs: end - start,
    executions: emu.executions.length,
    passes,
    rowsFilled: column.identifiers.length - unfilled.length,
    rows: column.identifiers.length,
    timedOut,
  };
}

function cfWorld(column: PerRowColumn): EmulatorWorld {
  const world = emulatorWorld({ requestsPerMinute: REQUESTS_PER_MINUTE }, { name: SHEET, rows: sheetRows(column) });
  world.emu.executions.length = 0; // count the formulas' executions only
  return world;
}

export function rangeFormula(column: PerRowColumn): WayFigures {
  const { emu, recorded } = cfWorld(column);
  const last = column.identifiers.length + 1;
  return measure('one range formula', emu, recorded, column, (unfilled) => {
    const result = emu.runCustomFunction(`${SHEET}!B2`, 'CRUSTDATA_ENRICH', emu.argsFrom(`${SHEET}!A2:A${last}`));
    return unfilled.filter((i) => result.values[i]?.[0] !== column.names[i]);
  });
}

export function filledDownFormulas(column: PerRowColumn): WayFigures {
  const { emu, recorded } = cfWorld(column);
  column.identifiers.forEach((_, i) => emu.model.setValues(`${SHEET}!B${i + 2}`, [[`=CRUSTDATA_ENRICH(A${i + 2})`]]));
  return measure(`${fmt(column.identifiers.length)} filled-down formulas`, emu, recorded, column, (unfilled) =>
    unfilled.filter((i) => {
      const row = i + 2;
      const result = emu.runCustomFunction(`${SHEET}!B${row}`, 'CRUSTDATA_ENRICH', emu.argsFrom(`${SHEET}!A${row}`));
      return result.values[0]?.[0] !== column.names[i];
    }),
  );
}

export function naiveFormulas(column: PerRowColumn): WayFigures {
  const recorded = new RecordedApi({ requestsPerMinute: REQUESTS_PER_MINUTE });
  const emu = new AppsScriptEmulator({ transport: recorded.transport });
  emu.model.addSheet(SHEET, sheetRows(column), { maxRows: column.identifiers.length + 10 });
  emu.loadSource(NAIVE_SOURCE);
  emu.properties.script.values.set(NAIVE_KEY_PROPERTY, BENCH_KEY);
  column.identifiers.forEach((_, i) => emu.model.setValues(`${SHEET}!B${i + 2}`, [[`=${NAIVE_FUNCTION}(A${i + 2})`]]));
  emu.executions.length = 0;
  return measure(`naive: one request per cell (${fmt(column.identifiers.length)} formulas)`, emu, recorded, column, (unfilled) =>
    unfilled.filter((i) => {
      const row = i + 2;
      const result = emu.runCustomFunction(`${SHEET}!B${row}`, NAIVE_FUNCTION, emu.argsFrom(`${SHEET}!A${row}`));
      return result.values[0]?.[0] !== column.names[i];
    }),
  );
}

export function requestsPerRowSection(sizes: BenchSizes): Section {
  const started = Date.now();
  bundlePath();
  const column = perRowColumn(sizes.perRowRows);
  const minimum = Math.ceil(column.uniqueUrls / 25) + Math.ceil(column.uniqueEmails / 25);
  const range = rangeFormula(column);
  const filled = filledDownFormulas(column);
  const naive = naiveFormulas(column);
  const ratio = (a: number, b: number) => (b ? a / b : Number.POSITIVE_INFINITY);

  const row = (f: WayFigures, requestsCell: Cell): Cell[] => [
    f.way,
    requestsCell,
    fmt(f.rateLimited),
    fmt(f.credits),
    fmt(f.virtualMs / MINUTE_MS, 2),
    fmt(f.passes),
    fmt(f.executions),
    exactly(f.rowsFilled, f.rows),
    exactly(f.timedOut, 0),
  ];
  return {
    id: 2,
    title: 'Requests per row',
    notes: [
      `${fmt(column.identifiers.length)} rows: ${fmt(column.uniqueUrls)} unique profile URLs, ${fmt(column.uniqueEmails)} unique business emails, the rest exact duplicates; default fields; the mock API at ${REQUESTS_PER_MINUTE} requests/minute; each way starts with an empty cache.`,
      'A pass runs every formula whose row does not show its person yet (here the emulator runs cells one after another; section 6 runs them 30 at once); the next pass is a minute later, as a user recalculating would. Virtual minutes run from the first cell to the end of the last pass.',
    ],
    tables: [
      {
        title: 'The same rows, three ways',
        headers: ['Way', 'Requests', '429s', 'Credits', 'Virtual min', 'Passes', 'Cell executions', 'Rows filled', 'Cells past 30 s'],
        rows: [
          row(range, exactly(range.requests, minimum)),
          row(filled, atMost(filled.requests, Math.floor(range.requests * FILLED_DOWN_TARGET))),
          row(naive, fmt(naive.requests)),
        ],
        notes: [`Minimum requests: ceil(unique URLs / 25) + ceil(unique emails / 25) = ${minimum}.`],
      },
      {
        title: 'Ratios',
        headers: ['Ratio', 'Requests', 'Credits', 'Virtual minutes'],
        rows: [
          ['filled-down / range formula', atMost(ratio(filled.requests, range.requests), FILLED_DOWN_TARGET), fmt(ratio(filled.credits, range.credits)), fmt(ratio(filled.virtualMs, range.virtualMs))],
          ['naive / range formula', fmt(ratio(naive.requests, range.requests), 1), fmt(ratio(naive.credits, range.credits)), fmt(ratio(naive.virtualMs, range.virtualMs), 1)],
          ['naive / filled-down', fmt(ratio(naive.requests, filled.requests), 1), fmt(ratio(naive.credits, filled.credits)), fmt(ratio(naive.virtualMs, filled.virtualMs), 1)],
        ],
        notes: ['The naive function\'s requests include the ones answered 429 (no credit, but a UrlFetch and a failed cell each); its credits include every duplicate row, charged again.'],
      },
    ],
    realMs: Date.now() - started,
  };
}
