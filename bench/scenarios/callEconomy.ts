// Scenario 3: Apps Script service calls of a bulk job, from the emulator's own call counts, for
// two job sizes through the sidebar's calls on the real bundle. The target: a constant
// number per block of rows, so a job ten times longer costs ten times the calls, not more.
import { DEFAULT_TUNING } from '../../src/core/bulkJob';
import { check, fmt, type Cell, type Section } from '../report';
import type { BenchSizes } from '../sizes';
import { uniqueSidebarJob } from './throughput';

export const ECONOMY_REQUESTS_PER_MINUTE = 15;
/** How far apart the two sizes' calls per block may be: 10%, or a tenth of a call near 0. */
export const MATCH_TOLERANCE = 0.1;
export const MATCH_ABSOLUTE = 0.1;

export const CATEGORIES = ['sheet reads', 'sheet writes', 'other spreadsheet', 'properties', 'cache', 'lock', 'urlfetch', 'utilities', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

const SHEET_READS = /^(Range\.(get(Values|Value|DisplayValues?|Formulas?|NumberFormats?|Notes?|Backgrounds?))|DeveloperMetadataFinder\.find)$/;
const SHEET_WRITES = /^(Range\.(set\w+|clear\w*|addDeveloperMetadata|activate)|Sheet\.(insert\w+|delete\w+|activate|getRangeList)|RangeList\.activate|DeveloperMetadata\.remove|Spreadsheet\.(toast|insertSheet))$/;

/** Which kind of Apps Script call a counted name is ("Range.setValues" → sheet writes). */
export function categoryOf(name: string): Category {
  if (SHEET_READS.test(name)) return 'sheet reads';
  if (SHEET_WRITES.test(name)) return 'sheet writes';
  if (/^(SpreadsheetApp|Spreadsheet|Sheet|Range|DeveloperMetadata\w*)\./.test(name)) return 'other spreadsheet';
  if (name.startsWith('PropertiesService')) return 'properties';
  if (name.startsWith('CacheService')) return 'cache';
  if (name.startsWith('LockService')) return 'lock';
  if (/^UrlFetchApp\.(fetch|fetchAll)$/.test(name)) return 'urlfetch';
  if (name.startsWith('Utilities')) return 'utilities';
  return 'other';
}

export interface EconomyRun {
  rows: number;
  blocks: number;
  sidebarCalls: number;
  /** Every call of the job, start to end, by category. */
  byCategory: Record<Category, number>;
  total: number;
  /**
   * Least-squares fit over the job's sidebarContinueJob calls but its first and last:
   * calls = perCall + perBlock × blocks written.
   */
  fit: Record<Category | 'all', { perCall: number; perBlock: number }>;
  /** Continue calls the fit is over. */
  fittedCalls: number;
  cellsRead: number;
  /** Of those, read by sidebarContinueJob calls (the rest: sidebarStartJob's overwrite check). */
  cellsReadByContinues: number;
  cellsWritten: number;
}

/** Slope and intercept of y = a + b·x. */
export function linearFit(points: Array<[number, number]>): { perCall: number; perBlock: number } {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const perBlock = sxx ? sxy / sxx : 0;
  return { perCall: my - perBlock * mx, perBlock };
}

export async function economyRun(rows: number): Promise<EconomyRun> {
  const job = await uniqueSidebarJob(rows, ECONOMY_REQUESTS_PER_MINUTE);
  const blockSize = DEFAULT_TUNING.blockSize;
  const zero = () => Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const byCategory = zero();
  const continues: Array<{ blocks: number; byCategory: Record<Category, number> }> = [];
  for (const execution of job.run.executions) {
    const own = zero();
    for (const [name, count] of Object.entries(execution.calls)) own[categoryOf(name)] += count;
    for (const c of CATEGORIES) byCategory[c] += own[c];
    // Each call's blocks start at its cursor; its last one may be cut short (out of time), and
    // costs the calls of a whole block.
    if (execution.functionName === 'sidebarContinueJob') continues.push({ blocks: Math.ceil(execution.rowsWritten / blockSize), byCategory: own });
  }
  const fitted = perBlockSample(continues);
  const sum = (r: Record<Category, number>) => CATEGORIES.reduce((s, c) => s + r[c], 0);
  const fit = Object.fromEntries([
    ...CATEGORIES.map((c) => [c, linearFit(fitted.map((e) => [e.blocks, e.byCategory[c]]))]),
    ['all', linearFit(fitted.map((e) => [e.blocks, sum(e.byCategory)]))],
  ]) as EconomyRun['fit'];
  return {
    rows,
    blocks: Math.ceil(rows / blockSize),
    sidebarCalls: job.run.executions.length,
    byCategory,
    total: sum(byCategory),
    fit,
    fittedCalls: fitted.length,
    cellsRead: job.run.executions.reduce((s, e) => s + e.cellsRead, 0),
    cellsReadByContinues: job.run.executions.filter((e) => e.functionName === 'sidebarContinueJob').reduce((s, e) => s + e.cellsRead, 0),
    cellsWritten: job.run.executions.reduce((s, e) => s + e.cellsWritten, 0),
  };
}

/**
 * The continue calls whose cost is per call and per block only. The job's first continue call
 * has no earlier cursor anchors to remove and its last removes every anchor of the finished job:
 * work done once per job, which would tilt the fit by a different amount at each size (and most
 * at small sizes, where a job has few calls). Left out when at least two calls with different
 * block counts remain.
 */
export function perBlockSample<T extends { blocks: number }>(continues: T[]): T[] {
  const middle = continues.slice(1, -1);
  return new Set(middle.map((call) => call.blocks)).size >= 2 ? middle : continues;
}

/** Per-block figures of two sizes agree: within 10%, or a tenth of a call for figures near 0. */
export function perBlockMatches(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(MATCH_ABSOLUTE, MATCH_TOLERANCE * Math.max(Math.abs(a), Math.abs(b)));
}

export async function callEconomySection(sizes: BenchSizes): Promise<Section> {
  const started = Date.now();
  const small = await economyRun(sizes.economyJobs[0]);
  const large = await economyRun(sizes.economyJobs[1]);
  const perThousand = (run: EconomyRun, n: number) => (n / run.rows) * 1000;
  const label = (run: EconomyRun) => `${fmt(run.rows)} rows`;
  const used = CATEGORIES.filter((c) => small.byCategory[c] || large.byCategory[c]);

  const callRow = (name: string, key: Category | 'all', a: number, b: number): Cell[] => {
    const fa = small.fit[key];
    const fb = large.fit[key];
    return [
      name,
      fmt(perThousand(small, a), 1),
      fmt(perThousand(large, b), 1),
      fmt(fa.perCall, 1),
      fmt(fb.perCall, 1),
      fmt(fa.perBlock, 2),
      check(fmt(fb.perBlock, 2), `matches ${fmt(fa.perBlock, 2)}`, perBlockMatches(fa.perBlock, fb.perBlock)),
    ];
  };
  const rows: Cell[][] = used.map((c) => callRow(c, c, small.byCategory[c], large.byCategory[c]));
  rows.push(callRow('all calls', 'all', small.total, large.total));

  const cellRow = (name: string, a: number, b: number): Cell[] => [
    name,
    fmt(perThousand(small, a), 0),
    fmt(perThousand(large, b), 0),
    fmt(a / small.blocks, 0),
    check(fmt(b / large.blocks, 0), `matches ${fmt(a / small.blocks, 0)}`, perBlockMatches(a / small.blocks, b / large.blocks)),
    `${fmt(b / large.blocks / Math.max(1, a / small.blocks), 2)}×`,
  ];

  return {
    id: 3,
    title: 'Sheets call economy',
    notes: [
      `Bulk jobs of ${fmt(small.rows)} and ${fmt(large.rows)} unique profile URLs (the runs of section 1) through sidebarStartJob + the sidebar's driver on the real bundle, default fields, ${ECONOMY_REQUESTS_PER_MINUTE} requests/minute; a block is ${DEFAULT_TUNING.blockSize} rows. Counts are every Apps Script call the emulator saw in the job's executions (${fmt(small.sidebarCalls)} and ${fmt(large.sidebarCalls)} sidebar calls).`,
    ],
    tables: [
      {
        title: 'Apps Script service calls',
        headers: [
          'Calls',
          `per 1,000 rows (${label(small)})`,
          `per 1,000 rows (${label(large)})`,
          `per sidebar call (${label(small)})`,
          `per sidebar call (${label(large)})`,
          `per block (${label(small)})`,
          `per block (${label(large)})`,
        ],
        rows,
        notes: [
          `per 1,000 rows: every call of the job (start, continues, polls) over its rows. per sidebar call / per block: a least-squares fit of calls = a + b × blocks written (the call's rows ÷ 50, rounded up: a block cut short costs a whole block's calls) over the job's sidebarContinueJob calls but its first and last (${fmt(small.fittedCalls)} and ${fmt(large.fittedCalls)} calls), which also do the job's once-only work (no earlier anchors to remove; every anchor removed at the end); a is what each call costs whatever it writes, b what each block adds.`,
          `Target: b, the calls each block adds, is the same for both sizes (within ${MATCH_TOLERANCE * 100}%, or ${MATCH_ABSOLUTE} call for figures near 0).`,
          'sheet reads: get*Values/getFormulas and metadata finds; sheet writes: set*/clear*/insert*/metadata writes; other spreadsheet: navigation (getSheetById, getRange, metadata getters) that moves no cell data; utilities: mostly computeDigest (hashed cache keys) and formatDate.',
        ],
      },
      {
        title: 'Cells moved through those calls (the payload, not the call count)',
        headers: ['Cells', `per 1,000 rows (${label(small)})`, `per 1,000 rows (${label(large)})`, `per block (${label(small)})`, `per block (${label(large)})`, 'large / small per block'],
        rows: [
          cellRow('read', small.cellsRead, large.cellsRead),
          cellRow('read by sidebarContinueJob', small.cellsReadByContinues, large.cellsReadByContinues),
          cellRow('written', small.cellsWritten, large.cellsWritten),
        ],
        notes: [
          `Target: the cells each block moves are the same for both sizes (within ${MATCH_TOLERANCE * 100}%), so a whole job reads and writes in proportion to its rows. A slice reads what it works on: the identifiers from the cursor on (200 rows a read, as far as its blocks and the 400-row look-ahead that fills their requests reach) and each block's result rows just before the block is planned. Once per job the start reads the target range (values and formulas) for the overwrite guard; once per pass the first slice reads the identifier column for the duplicate plan, stored for the rows ahead.`,
        ],
      },
    ],
    realMs: Date.now() - started,
  };
}
