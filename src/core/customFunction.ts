// The pure part of =CRUSTDATA_ENRICH(identifiers, [fields], [header], [options]): the arguments as Sheets
// passes them, the neighbour batch a single-cell formula fetches for the formulas around it, the
// rectangular output, and the run itself over ports (engine, document lock, sheet reader).
import { PROBLEMS, ROW_MESSAGES, textsOf } from '../common/messages';
import { parseFormulaOptions, resultCacheKey, type ApiOptions } from './apiOptions';
import { columnsFor, parseFieldSelection, selectionKey, type Column } from './catalog';
import { truncateCellText } from './cellText';
import { enrichCells, type EnrichContext, type EnrichOptions, type EnrichResult } from './enrich';
import { EnrichError, FATAL_CODES, isEnrichError, type ErrorCode } from './errors';
import { flattenPerson } from './flatten';
import { dedupeIdentifiers, type UniqueIdentifier } from './identifiers';
import { MAX_IDENTIFIERS_PER_REQUEST } from './crustdataClient';
import type { Cache, CallingCell, Clock, Hasher, Lock, SheetReader } from './ports';
import { memoizedHasher, PackedResultCache } from './resultCache';
import type { CellValue, FieldSelection, RowOutcome } from './types';

// ---- Messages (quoted in the README and the function's JSDoc) ------------------------------

/** A formula cell's texts, from the one table in src/common/messages.ts. */
export const MESSAGES = {
  notFound: ROW_MESSAGES.notFound,
  pending: ROW_MESSAGES.formulaPending,
  busy: ROW_MESSAGES.formulaBusy,
  missingKey: PROBLEMS.missing_api_key.formula,
  invalidKey: PROBLEMS.invalid_api_key.formula,
} as const;

/**
 * A custom function dies at 30 s; in an add-on the cell then shows "Internal error executing the
 * custom function" (https://developers.google.com/workspace/add-ons/editors/sheets). The engine gets 25 s
 * from the call's start, leaving time for loading the bundle and returning the array.
 */
export const CUSTOM_FUNCTION_BUDGET_MS = 25_000;
/**
 * The longest one burst of requests may take: the engine starts none later than deadline minus
 * this, so a slow answer still lands before the 30 s limit (UrlFetch's own timeout is 60 s).
 */
export const CUSTOM_FUNCTION_MAX_REQUEST_MS = 12_000;
/**
 * Identifiers per live request from a formula. The live endpoint fetches from the web and is
 * slow per identifier (its latency is not documented; the mock takes 3 s + 1 s each), so a full
 * batch of 25 would not land inside CUSTOM_FUNCTION_MAX_REQUEST_MS. Five keep a live request
 * near half of it on the mock; rows beyond wait for the next recalculation like any pending row.
 */
export const CUSTOM_FUNCTION_LIVE_BATCH_SIZE = 5;
/** Time kept after waiting for the document lock, so a late cell still answers from the cache. */
const LOCK_RESERVE_MS = 2_000;

// ---- Arguments --------------------------------------------------------------------------------

export interface IdentifiersArgument {
  /** One value per input row (a single cell gives one). */
  cells: unknown[];
  /** Sheets passed a scalar: one cell, a literal or a 1x1 range. */
  singleCell: boolean;
}

function argumentError(message: string): EnrichError {
  return new EnrichError('invalid_argument', message);
}

/** Sheets passes a cell as a scalar and a range as a 2-D array (rows of columns). */
export function normalizeIdentifiers(value: unknown): IdentifiersArgument {
  if (!Array.isArray(value)) return { cells: [value], singleCell: true };
  if (value.length === 0) throw argumentError('identifiers is empty: give a cell or one column, e.g. =CRUSTDATA_ENRICH(A2:A100)');
  if (!value.every(Array.isArray)) return { cells: value.slice(), singleCell: false };
  const rows = value as unknown[][];
  const width = rows.reduce((max, row) => Math.max(max, row.length), 0);
  if (width > 1) {
    throw argumentError(
      `identifiers must be one cell or one column, but the range has ${width} columns: ` +
        'use a single column such as =CRUSTDATA_ENRICH(A2:A100)',
    );
  }
  return { cells: rows.map((row) => (row.length ? row[0] : '')), singleCell: false };
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The fields argument as one comma-separated text for parseFieldSelection, or null for the
 * default set. A range of cells (2-D array) is flattened, skipping blank cells.
 */
export function normalizeFieldsInput(value: unknown): string | null {
  const cells: unknown[] = Array.isArray(value) ? (value as unknown[]).flat(2) : [value];
  const parts: string[] = [];
  for (const cell of cells) {
    if (isBlank(cell)) continue;
    if (typeof cell === 'boolean') {
      // =CRUSTDATA_ENRICH(A2:A10, TRUE) is almost always a header flag in the wrong place.
      throw argumentError(
        `fields must be text such as "basic_profile, experience", not ${cell ? 'TRUE' : 'FALSE'}. ` +
          'To add a header row leave fields empty: =CRUSTDATA_ENRICH(A2:A100, , TRUE)',
      );
    }
    parts.push(String(cell).trim());
  }
  return parts.length ? parts.join(', ') : null;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on', 'vrai', 'wahr', 'verdadero', 'vero']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'faux', 'falsch', 'falso']);

/** TRUE/FALSE as Sheets passes them, or the same as text or 1/0; blank means FALSE. */
export function normalizeHeader(value: unknown): boolean {
  let cell = value;
  while (Array.isArray(cell) && cell.length === 1) cell = cell[0];
  if (isBlank(cell)) return false;
  if (typeof cell === 'boolean') return cell;
  if (typeof cell === 'number' && (cell === 0 || cell === 1)) return cell === 1;
  if (typeof cell === 'string') {
    const word = cell.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  const shown = Array.isArray(cell) ? 'a range' : JSON.stringify(String(cell)).slice(0, 40);
  throw argumentError(`header must be TRUE or FALSE, not ${shown}: e.g. =CRUSTDATA_ENRICH(A2:A100, , TRUE)`);
}

// ---- Formulas: which cell a single-cell call refers to -----------------------------------------

/** One CRUSTDATA_ENRICH( … ) call found in a formula: its top-level arguments as written. */
export interface EnrichCallText {
  args: string[];
}

const FUNCTION_NAME = 'CRUSTDATA_ENRICH';

/**
 * Every CRUSTDATA_ENRICH call in a formula, with its arguments split at top-level separators
 * (`,` or, in locales that use it, `;`), ignoring text in "strings" and 'sheet names'.
 */
export function findEnrichCalls(formula: string): EnrichCallText[] {
  const calls: EnrichCallText[] = [];
  const upper = formula.toUpperCase();
  let i = 0;
  while (i < formula.length) {
    const ch = formula[i];
    if (ch === '"' || ch === "'") {
      i = skipQuoted(formula, i);
      continue;
    }
    if (upper.startsWith(FUNCTION_NAME, i) && !/[A-Z0-9_.]/.test(upper[i - 1] ?? '')) {
      let open = i + FUNCTION_NAME.length;
      while (formula[open] === ' ') open++;
      if (formula[open] === '(') {
        const parsed = splitArguments(formula, open + 1);
        if (parsed) calls.push({ args: parsed.args });
        i = open + 1; // nested calls inside the arguments are found too
        continue;
      }
    }
    i++;
  }
  return calls;
}

/** Index just past a quoted run starting at `start`; a doubled quote is an escaped one. */
function skipQuoted(text: string, start: number): number {
  const quote = text[start];
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  return text.length;
}

function splitArguments(formula: string, start: number): { args: string[]; end: number } | null {
  const pieces: { text: string; separator: string }[] = [];
  let depth = 0;
  let pieceStart = start;
  let i = start;
  while (i < formula.length) {
    const ch = formula[i];
    if (ch === '"' || ch === "'") {
      i = skipQuoted(formula, i);
      continue;
    }
    if (ch === '(' || ch === '{') depth++;
    else if (ch === ')' || ch === '}') {
      if (depth === 0) {
        if (ch === '}') return null;
        pieces.push({ text: formula.slice(pieceStart, i), separator: '' });
        return { args: joinPieces(pieces), end: i };
      }
      depth--;
    } else if ((ch === ',' || ch === ';') && depth === 0) {
      pieces.push({ text: formula.slice(pieceStart, i), separator: ch });
      pieceStart = i + 1;
    }
    i++;
  }
  return null;
}

/** Where `;` separates arguments, a `,` at top level is a decimal comma: glue those back. */
function joinPieces(pieces: { text: string; separator: string }[]): string[] {
  const semicolons = pieces.some((p) => p.separator === ';');
  const args: string[] = [];
  let current = '';
  for (const piece of pieces) {
    current += piece.text;
    if (semicolons && piece.separator === ',') {
      current += ',';
      continue;
    }
    args.push(current.trim());
    current = '';
  }
  if (args.length === 1 && args[0] === '') return [];
  return args;
}

export interface CellReference {
  /** null: the formula's own sheet. */
  sheetName: string | null;
  column: number;
  row: number;
}

const CELL_REFERENCE = /^(?:(?:'((?:[^']|'')+)'|([^\s'!(),;:"]+))!)?\$?([A-Za-z]{1,3})\$?([1-9][0-9]{0,6})$/;

/** A single-cell A1 reference (`A2`, `$A$2`, `Sheet1!A2`, `'My sheet'!$A2`), else null. */
export function parseCellReference(text: string): CellReference | null {
  const match = CELL_REFERENCE.exec(text.trim());
  if (!match) return null;
  const sheetName = match[1] !== undefined ? match[1].replace(/''/g, "'") : (match[2] ?? null);
  let column = 0;
  for (const letter of match[3].toUpperCase()) column = column * 26 + (letter.charCodeAt(0) - 64);
  if (column > 18_278) return null;
  return { sheetName, column, row: Number(match[4]) };
}

// ---- Neighbour batching --------------------------------------------------------------------------
//
// A single-cell formula fetches, under the document lock, the identifiers of the other formulas of
// its column that ask for the same fields, so the cells that run next find their answer in the
// cache. Every cell of a column computes the same set (the column's formulas, in aligned blocks of
// NEIGHBOUR_BLOCK_ROWS), so whatever order Sheets runs them in:
// - up to WHOLE_BLOCK_MAX_IDENTIFIERS unique identifiers, the first cell fetches them all (its own
//   first) in as few bursts as the rate window allows: ceil(unique/25) requests per identifier type,
//   the count of one range formula. Under the lock a later cell re-plans over what is still missing,
//   and since every batch but the last of each type is full, the total never grows.
// - more than that would not stay in the document cache (about 1,000 items, oldest dropped first):
//   prefetched rows would be dropped before their cells run, and refetching whole blocks would
//   snowball. Then a cell fetches only its own batch: the block's unique identifiers of its type, in
//   row order, cut into fixed batches of 25. Still ceil(unique/25) requests when nothing is dropped.
//   When a cell misses although other cells of its batch already show a result (getValues of the
//   formula column: not blank, "Loading…", an error or the pending message), the cache dropped its
//   row after the batch was fetched: it fetches its own identifier alone, so a dropped row costs
//   one credit again, never a batch of 25 re-bought.

/** Formula rows planned together (a column is read at most this many rows at a time). */
export const NEIGHBOUR_BLOCK_ROWS = 5_000;
/** Above this many unique identifiers a block no longer fits the cache safely (see above). */
export const WHOLE_BLOCK_MAX_IDENTIFIERS = 750;

/** The rows (1-based, sheet rows) of the calling column that make up the caller's block. */
export function neighbourBlock(row: number, lastRow: number): { startRow: number; rowCount: number } {
  const startRow = Math.floor((row - 1) / NEIGHBOUR_BLOCK_ROWS) * NEIGHBOUR_BLOCK_ROWS + 1;
  const endRow = Math.max(row, Math.min(startRow + NEIGHBOUR_BLOCK_ROWS - 1, lastRow));
  return { startRow, rowCount: endRow - startRow + 1 };
}

export interface NeighbourPlan {
  /** The sheet holding the identifiers (null: the caller's sheet). */
  sheetName: string | null;
  column: number;
  /** The row of the caller's own identifier. */
  ownRow: number;
  /** Every identifier row the block's formulas ask for, the own one included, ascending. */
  rows: number[];
  /** Identifier rows whose formula cells all show a result already (never the own row). */
  settled: Set<number>;
}

/**
 * Whether a formula cell of the column shows a result (its function has run), from its value as
 * getValues() reads it: not blank, not "Loading…", not an error, not the pending message.
 */
export function showsResult(value: unknown): boolean {
  if (value === null || value === undefined || value === '') return false;
  if (typeof value !== 'string') return true;
  const text = value.trim();
  if (/^loading/i.test(text) || text.startsWith('#')) return false;
  return text !== MESSAGES.pending && text !== MESSAGES.busy;
}

function argumentKey(text: string | undefined): string {
  return (text ?? '').trim();
}

function sameSheet(a: string | null, b: string | null, callerSheet: string): boolean {
  return (a ?? callerSheet).toLowerCase() === (b ?? callerSheet).toLowerCase();
}

/**
 * Which identifier cells the block's formulas ask for: those whose formula holds exactly one
 * CRUSTDATA_ENRICH call, on a single cell of the same column as the caller's, with the same fields
 * and options arguments as written (so the same cache entry answers them). Returns null when the caller's own
 * formula is not such a call (a literal, a range, an expression): then nothing is prefetched,
 * because prefetching rows nobody asked for would spend the user's credits.
 */
export function planNeighbours(
  caller: CallingCell,
  blockStartRow: number,
  blockFormulas: string[],
  /** What the block's formula cells show (getValues), to know which have run; absent: none has. */
  blockShown: unknown[] = [],
): NeighbourPlan | null {
  const ownCalls = findEnrichCalls(caller.formula);
  if (ownCalls.length !== 1) return null;
  const ownRef = parseCellReference(ownCalls[0].args[0] ?? '');
  if (!ownRef) return null;
  const fieldsKey = argumentKey(ownCalls[0].args[1]);
  // Another options text is another cache entry (and maybe other costs): never fetched for it.
  const optionsKey = argumentKey(ownCalls[0].args[3]);

  const rows = new Set<number>([ownRef.row]);
  const unsettled = new Set<number>([ownRef.row]);
  blockFormulas.forEach((formula, index) => {
    const formulaRow = blockStartRow + index;
    if (formulaRow === caller.row || !formula) return;
    const calls = findEnrichCalls(formula);
    if (calls.length !== 1 || argumentKey(calls[0].args[1]) !== fieldsKey || argumentKey(calls[0].args[3]) !== optionsKey) return;
    const ref = parseCellReference(calls[0].args[0] ?? '');
    if (!ref || ref.column !== ownRef.column || !sameSheet(ref.sheetName, ownRef.sheetName, caller.sheetName)) return;
    // A block's formulas point at nearby rows; a stray far reference would only widen the read.
    if (Math.abs(ref.row - ownRef.row) > NEIGHBOUR_BLOCK_ROWS) return;
    rows.add(ref.row);
    if (!showsResult(blockShown[index])) unsettled.add(ref.row);
  });
  const sorted = [...rows].sort((a, b) => a - b);
  return {
    sheetName: ownRef.sheetName,
    column: ownRef.column,
    ownRow: ownRef.row,
    rows: sorted,
    settled: new Set(sorted.filter((row) => !unsettled.has(row))),
  };
}

/**
 * The identifier cells one execution sends to the engine, its own first (see the rules above).
 * `valueAt` reads an identifier cell of the plan.
 */
export function selectBatch(plan: Pick<NeighbourPlan, 'ownRow' | 'rows' | 'settled'>, valueAt: (row: number) => unknown): unknown[] {
  const own = valueAt(plan.ownRow);
  const cells = plan.rows.map(valueAt);
  const { unique } = dedupeIdentifiers(cells);
  if (unique.length <= WHOLE_BLOCK_MAX_IDENTIFIERS) {
    // Rows below first: a column is mostly filled and recalculated top-down.
    const below = plan.rows.filter((row) => row > plan.ownRow);
    const above = plan.rows.filter((row) => row < plan.ownRow).reverse();
    return [own, ...below.map(valueAt), ...above.map(valueAt)];
  }
  const ownIndex = plan.rows.indexOf(plan.ownRow);
  const mine = unique.find((id) => id.rows.includes(ownIndex));
  if (!mine) return [own];
  const settled = (id: UniqueIdentifier) => id !== mine && id.rows.every((index) => plan.settled.has(plan.rows[index]));
  const waiting = unique.filter((id) => !settled(id));
  if (waiting.length <= WHOLE_BLOCK_MAX_IDENTIFIERS) {
    // The rows whose cells still wait now fit the cache: fetch them all, as for a short column.
    return [own, ...waiting.filter((id) => id !== mine).map((id) => cells[id.rows[0]])];
  }
  const sameKind = unique.filter((id) => id.kind === mine.kind);
  const position = sameKind.indexOf(mine);
  const first = position - (position % MAX_IDENTIFIERS_PER_REQUEST);
  const others = sameKind.slice(first, first + MAX_IDENTIFIERS_PER_REQUEST).filter((id) => id !== mine);
  // A neighbour already showing its result means this batch was fetched before and the cache has
  // since dropped our row: fetching the batch again would mostly re-buy rows already shown.
  if (others.some(settled)) return [own];
  return [own, ...others.map((id) => cells[id.rows[0]])];
}

// ---- Output ----------------------------------------------------------------------------------------

/**
 * A cell as the custom function returns it: text stays exactly as given (a custom function's
 * results are values, never parsed, so no apostrophe marker), cut visibly under the cell limit.
 */
export function fitCell(value: CellValue): CellValue {
  return typeof value === 'string' ? truncateCellText(value) : value;
}

/** A failed row's text in a formula's cell: the formula's own wording where the table has one. */
function failureMessage(code: ErrorCode, message: string): string {
  return textsOf(code).formula ?? message;
}

export interface ShapeOptions {
  columns: Column[];
  header: boolean;
  /** The message for rows the engine left pending. */
  pendingMessage: string;
}

/** One output row per outcome (plus the header row), every row as wide as the columns. */
export function shapeOutput(outcomes: RowOutcome[], options: ShapeOptions): CellValue[][] {
  const width = Math.max(1, options.columns.length);
  const messageRow = (message: string): CellValue[] => {
    const row: CellValue[] = new Array(width).fill('');
    row[0] = fitCell(message);
    return row;
  };
  const rows: CellValue[][] = [];
  if (options.header) rows.push(options.columns.length ? options.columns.map((c) => c.header) : ['']);
  for (const outcome of outcomes) {
    switch (outcome.status) {
      case 'blank':
        rows.push(new Array(width).fill(''));
        break;
      case 'invalid':
        rows.push(messageRow(outcome.message));
        break;
      case 'not_found':
        rows.push(messageRow(MESSAGES.notFound));
        break;
      case 'failed':
        rows.push(messageRow(failureMessage(outcome.code, outcome.message)));
        break;
      case 'pending':
        rows.push(messageRow(options.pendingMessage));
        break;
      case 'matched': {
        const values = flattenPerson(outcome.person, options.columns).map(fitCell);
        while (values.length < width) values.push('');
        rows.push(values.slice(0, width));
        break;
      }
    }
  }
  return rows;
}

/** Failures no row can escape: the key, the account, or a field selection the API refuses. */
function failsEveryRow(code: ErrorCode): boolean {
  return FATAL_CODES.has(code) || code === 'unknown_field';
}

/**
 * The error the whole call should throw, if any: when no row got an answer and a row failed for a
 * reason no other row can escape (no key, key rejected, no credits), one readable error in the
 * formula's cell says what to do better than the same message on every row.
 */
export function callLevelError(outcomes: RowOutcome[]): EnrichError | null {
  let fatal: EnrichError | null = null;
  for (const outcome of outcomes) {
    if (outcome.status === 'matched' || outcome.status === 'not_found') return null;
    if (outcome.status === 'failed' && failsEveryRow(outcome.code) && !fatal) {
      fatal = new EnrichError(outcome.code, failureMessage(outcome.code, outcome.message));
    }
  }
  return fatal;
}

/** The API key must never reach a cell: scrub it from anything shown, whatever produced the text. */
export function redactKey<T extends CellValue>(value: T, apiKey: string | null): T {
  if (!apiKey || apiKey.length < 4 || typeof value !== 'string' || !value.includes(apiKey)) return value;
  return value.split(apiKey).join('••••') as T;
}

// ---- The run ---------------------------------------------------------------------------------------

export type EnrichFunction = (ctx: EnrichContext, cells: unknown[], options: EnrichOptions) => EnrichResult;

export interface CustomFunctionHost {
  ctx: EnrichContext;
  enrich: EnrichFunction;
  /** A document lock: one cell of this spreadsheet fetches at a time, the others then hit the cache. */
  documentLock: Lock;
  sheet: SheetReader | null;
  /** When the execution started (clock time); default: now. */
  startedAt?: number;
  /** When the key's rate window lets the next request start (enrich.ts nextRequestSlotAt); absent: not checked. */
  nextRequestSlotAt?: (ctx: EnrichContext) => number;
  /** Where a cell that found the key's rate window full notes until when (see answerBeforeTheKey): the cache that keeps the key's pacing. */
  windowNoteCache?: Cache;
}

export interface CustomFunctionRun {
  values: CellValue[][];
  /** What it cost and how it went, for tests and logs (no identifiers, no key). */
  trace: {
    requests: number;
    cacheOnly: boolean;
    neighbours: number;
    lockTimedOut: boolean;
  };
}

function unresolved(outcome: RowOutcome): boolean {
  return outcome.status === 'pending';
}

// ---- Failures, remembered briefly --------------------------------------------------------------

/**
 * How long a row's failure is shown again instead of asking the API: long enough that the other
 * cells of a column do not each retry a failing server, short enough that recalculating soon after
 * tries again. A refused identifier will not change its mind soon.
 */
export const FAILURE_MEMO_SECONDS: Partial<Record<ErrorCode, number>> = {
  server_error: 60,
  timeout: 60,
  malformed_response: 60,
  rate_limited: 60,
  bad_request: 60,
  bad_identifier: 600,
};
const FAILURE_MEMO_PREFIX = 'cd:cf-fail:';

/** What one call asks for: the field selection and the API options (each its own cache entry). */
export interface FormulaRequest {
  selection: FieldSelection;
  api: ApiOptions;
}

function failureMemoKey(ctx: EnrichContext, identifier: string, request: FormulaRequest): string {
  // The engine hashes the same identifiers for its cache keys: share its per-execution memo.
  return FAILURE_MEMO_PREFIX + memoizedHasher(ctx.hasher).sha256Hex(`${identifier}\n${resultCacheKey(selectionKey(request.selection), request.api)}`);
}

/** Pending rows that failed a moment ago get that failure back instead of another try. */
function applyFailureMemo(ctx: EnrichContext, outcomes: RowOutcome[], request: FormulaRequest): RowOutcome[] {
  const pending = outcomes.filter((o): o is Extract<RowOutcome, { status: 'pending' }> => o.status === 'pending');
  if (!pending.length) return outcomes;
  let memo: Record<string, string>;
  try {
    memo = ctx.resultCache.getAll([...new Set(pending.map((o) => failureMemoKey(ctx, o.identifier, request)))]);
  } catch {
    return outcomes;
  }
  return outcomes.map((outcome) => {
    if (outcome.status !== 'pending') return outcome;
    const raw = memo[failureMemoKey(ctx, outcome.identifier, request)];
    if (!raw) return outcome;
    try {
      const { code, message } = JSON.parse(raw) as { code: ErrorCode; message: string };
      return typeof code === 'string' && typeof message === 'string' ? { status: 'failed', identifier: outcome.identifier, code, message } : outcome;
    } catch {
      return outcome;
    }
  });
}

function rememberFailures(ctx: EnrichContext, outcomes: RowOutcome[], request: FormulaRequest): void {
  const byTtl = new Map<number, Record<string, string>>();
  for (const outcome of outcomes) {
    if (outcome.status !== 'failed') continue;
    const ttl = FAILURE_MEMO_SECONDS[outcome.code];
    if (!ttl) continue;
    const entries = byTtl.get(ttl) ?? {};
    entries[failureMemoKey(ctx, outcome.identifier, request)] = JSON.stringify({
      code: outcome.code,
      message: redactKey(outcome.message, ctx.apiKey),
    });
    byTtl.set(ttl, entries);
  }
  try {
    for (const [ttl, entries] of byTtl) ctx.resultCache.putAll(entries, ttl);
  } catch {
    // Without the memo the next cell tries again; nothing else is lost.
  }
}

/**
 * What the cache (and the engine's memo of a rejected key) can answer without a request: a
 * deadline that has already passed lets the engine start nothing.
 */
function cacheOnly(host: CustomFunctionHost, cells: unknown[], request: FormulaRequest): RowOutcome[] {
  const now = host.ctx.clock.now();
  const outcomes = host.enrich(host.ctx, cells, engineOptions(request, now)).outcomes;
  return applyFailureMemo(host.ctx, outcomes, request);
}

/**
 * What the formula asks of the engine. The ambiguity policy stays "take the best": a formula's
 * result cannot be corrected by hand without deleting the formula, so "leave it for me to check"
 * would leave nothing to check; the `match` columns (match.ambiguous, match.confidence_score)
 * show which rows deserve a look instead.
 */
function engineOptions(request: FormulaRequest, deadline: number): EnrichOptions {
  return {
    selection: request.selection,
    api: request.api,
    deadline,
    maxRequestMs: CUSTOM_FUNCTION_MAX_REQUEST_MS,
    liveBatchSize: CUSTOM_FUNCTION_LIVE_BATCH_SIZE,
  };
}

/**
 * Identifier cells to fetch together with the caller's own (first), or just the caller's own when
 * the formula cannot be read back (then nothing extra is fetched).
 */
function neighbourCells(host: CustomFunctionHost, ownValue: unknown): unknown[] {
  const sheet = host.sheet;
  if (!sheet) return [ownValue];
  try {
    const caller = sheet.callingCell();
    if (!caller) return [ownValue];
    const block = neighbourBlock(caller.row, sheet.lastRow(caller.sheetName));
    const formulas = sheet.formulas(caller.sheetName, caller.column, block.startRow, block.rowCount);
    const shown = sheet.values(caller.sheetName, caller.column, block.startRow, block.rowCount);
    const plan = planNeighbours(caller, block.startRow, formulas, shown);
    if (!plan) return [ownValue];
    const first = plan.rows[0];
    const values = sheet.values(plan.sheetName ?? caller.sheetName, plan.column, first, plan.rows[plan.rows.length - 1] - first + 1);
    const valueAt = (row: number) => values[row - first];
    // The reference must really be what Sheets passed us; if not, the parse was wrong: fetch only our own.
    if (String(valueAt(plan.ownRow) ?? '').trim() !== String(ownValue ?? '').trim()) return [ownValue];
    const cells = selectBatch(plan, valueAt);
    cells[0] = ownValue;
    return cells;
  } catch {
    return [ownValue]; // batching is an optimisation; reading neighbours must never fail the cell
  }
}

/** A formula of one cell: filled down, thousands of them may share the cache (see PackedResultCache). */
function isPackable(identifiers: unknown): boolean {
  return !Array.isArray(identifiers);
}

// ---- Before the key is read --------------------------------------------------------------------
//
// Reading the API key and the rate setting costs two Properties reads, and Properties allow 50,000
// reads and writes a day (https://developers.google.com/apps-script/guides/services/quotas). A
// long filled-down column runs a cell execution per row per recalculation, so a single cell first
// answers what it can without them: its row from the cache (no key needed), or, when a cell of
// this user just found the rate window full past this cell's last start, the pending message.

const WINDOW_FULL_KEY = 'cd:cf-window-full-until';

function noteWindowFull(windowNoteCache: Cache | undefined, slotAt: number, now: number): void {
  if (!windowNoteCache) return;
  try {
    windowNoteCache.put(WINDOW_FULL_KEY, String(slotAt), Math.max(1, Math.min(120, Math.ceil((slotAt - now) / 1000))));
  } catch {
    // Without the note the next cell reads the key and finds the same; nothing is lost.
  }
}

export interface KeylessHost {
  /** The result cache (document cache in Apps Script). */
  resultCache: Cache;
  /** The cache holding the full-window note (the key's pacing cache). */
  windowNoteCache: Cache;
  hasher: Hasher;
  clock: Clock;
  startedAt?: number;
}

const unusable = (what: string) => () => {
  throw new Error(`${what} is not available before the key is read`);
};

/**
 * A single cell's answer when it needs neither the key nor a request, or null: then run the call
 * as usual. Arguments are checked as runCustomFunction checks them.
 */
export function answerBeforeTheKey(host: KeylessHost, identifiers: unknown, fields?: unknown, header?: unknown, options?: unknown): CellValue[][] | null {
  if (!isPackable(identifiers)) return null;
  const input = normalizeIdentifiers(identifiers);
  const selection = parseFieldSelection(normalizeFieldsInput(fields));
  const columns = columnsFor(selection);
  const withHeader = normalizeHeader(header);
  const request: FormulaRequest = { selection, api: parseFormulaOptions(options) };
  const ctx: EnrichContext = {
    http: { fetchAll: unusable('UrlFetch') },
    clock: host.clock,
    hasher: host.hasher,
    resultCache: new PackedResultCache(host.resultCache, host.clock),
    sharedCache: { get: unusable('The shared cache'), getAll: unusable('The shared cache'), put: unusable('The shared cache'), putAll: unusable('The shared cache'), remove: unusable('The shared cache') },
    lock: { tryLock: unusable('The script lock'), releaseLock: unusable('The script lock') },
    apiKey: null,
    apiBaseUrl: '',
    requestsPerMinute: 0,
  };
  const now = host.clock.now();
  // Without a key the engine answers from the cache and marks every other row as missing the key.
  const [outcome] = enrichCells(ctx, input.cells, engineOptions(request, now)).outcomes;
  const shape = (outcomes: RowOutcome[]) => shapeOutput(outcomes, { columns, header: withHeader, pendingMessage: MESSAGES.pending });
  if (outcome && (outcome.status === 'matched' || outcome.status === 'not_found' || outcome.status === 'blank' || outcome.status === 'invalid')) return shape([outcome]);
  if (!outcome || outcome.status !== 'failed' || outcome.code !== 'missing_api_key') return null;
  let fullUntil: number;
  try {
    fullUntil = Number(host.windowNoteCache.get(WINDOW_FULL_KEY));
  } catch {
    return null;
  }
  const latestStart = (host.startedAt ?? now) + CUSTOM_FUNCTION_BUDGET_MS - CUSTOM_FUNCTION_MAX_REQUEST_MS;
  if (!Number.isFinite(fullUntil) || fullUntil <= latestStart) return null;
  const pending: RowOutcome = { status: 'pending', identifier: outcome.identifier, message: MESSAGES.pending };
  // A row that failed a moment ago shows that failure, as it would after reading the key.
  return shape(applyFailureMemo(ctx, [pending], request));
}

/** Runs one CRUSTDATA_ENRICH call. Throws EnrichError for call-level failures (arguments, key). */
export function runCustomFunction(
  host: CustomFunctionHost,
  identifiers: unknown,
  fields?: unknown,
  header?: unknown,
  options?: unknown,
): CustomFunctionRun {
  // Results of single-cell formulas go in packs, so a long filled-down column fits the cache.
  const ctx: EnrichContext = isPackable(identifiers) ? { ...host.ctx, resultCache: new PackedResultCache(host.ctx.resultCache, host.ctx.clock) } : host.ctx;
  host = { ...host, ctx };
  const deadline = (host.startedAt ?? ctx.clock.now()) + CUSTOM_FUNCTION_BUDGET_MS;
  // Every argument is checked before anything is read or sent.
  const input = normalizeIdentifiers(identifiers);
  const selection = parseFieldSelection(normalizeFieldsInput(fields));
  const columns = columnsFor(selection);
  const withHeader = normalizeHeader(header);
  const request: FormulaRequest = { selection, api: parseFormulaOptions(options) };
  const trace = { requests: 0, cacheOnly: true, neighbours: 0, lockTimedOut: false };

  const finish = (outcomes: RowOutcome[], pendingMessage: string): CustomFunctionRun => {
    const error = callLevelError(outcomes);
    if (error) throw new EnrichError(error.code, redactKey(error.message, ctx.apiKey));
    const values = shapeOutput(outcomes, { columns, header: withHeader, pendingMessage }).map((row) =>
      row.map((value) => redactKey(value, ctx.apiKey)),
    );
    return { values, trace };
  };

  // Recalculation, reopening and copies: answered from the cache without waiting for anyone.
  let outcomes = cacheOnly(host, input.cells, request);
  if (!outcomes.some(unresolved)) return finish(outcomes, MESSAGES.pending);

  const waitMs = Math.max(0, deadline - ctx.clock.now() - LOCK_RESERVE_MS);
  if (!host.documentLock.tryLock(waitMs)) {
    trace.lockTimedOut = true;
    return finish(cacheOnly(host, input.cells, request), MESSAGES.busy);
  }
  try {
    // Whoever held the lock may have fetched our rows meanwhile.
    outcomes = cacheOnly(host, input.cells, request);
    if (!outcomes.some(unresolved)) return finish(outcomes, MESSAGES.pending);
    const slotAt = input.singleCell && host.nextRequestSlotAt ? host.nextRequestSlotAt(ctx) : null;
    if (slotAt !== null && slotAt > deadline - CUSTOM_FUNCTION_MAX_REQUEST_MS) {
      // The rate window is full past our last start: reading the column to plan a batch that
      // cannot be sent would only slow a long column's cells down. The cells after us learn it
      // from the user's cache without reading the key (see answerBeforeTheKey).
      noteWindowFull(host.windowNoteCache, slotAt, ctx.clock.now());
      return finish(outcomes, MESSAGES.pending);
    }
    trace.cacheOnly = false;
    if (input.singleCell) {
      const cells = neighbourCells(host, input.cells[0]);
      trace.neighbours = cells.length - 1;
      const result = host.enrich(ctx, cells, engineOptions(request, deadline));
      trace.requests = result.stats.requests;
      rememberFailures(ctx, result.outcomes, request);
      outcomes = result.outcomes.slice(0, 1);
    } else {
      const result = host.enrich(ctx, input.cells, engineOptions(request, deadline));
      trace.requests = result.stats.requests;
      rememberFailures(ctx, result.outcomes, request);
      outcomes = result.outcomes;
    }
  } finally {
    host.documentLock.releaseLock();
  }
  return finish(outcomes, MESSAGES.pending);
}

/** The text of an error as the formula's cell shows it (#ERROR! tooltip). */
export function errorText(error: unknown, apiKey: string | null): string {
  const message = isEnrichError(error) ? error.message : String((error as Error)?.message ?? error);
  return redactKey(message, apiKey);
}
