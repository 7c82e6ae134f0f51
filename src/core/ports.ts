// The seams between the pure core and Apps Script, all in this one file. The core only ever
// sees these interfaces; src/adapters/ implements them over Apps Script services, and tests
// pass stateful fakes. Every call here is synchronous, as in Apps Script.
import type { ApiOptions } from './apiOptions';
import type { EnrichOptions, EnrichResult } from './enrich';
import type { NewRowAnchor, RowAnchor } from './rowAnchors';
import type { ChangesMark, ColumnMark } from './sheetTarget';
import type { CellValue, FieldSelection, IdentifierKind } from './types';

/** One HTTP request, shaped like a UrlFetchApp request. */
export interface HttpRequest {
  url: string;
  method: 'post' | 'get';
  headers: Record<string, string>;
  /** JSON text. */
  payload?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends requests in parallel and returns responses in order (UrlFetchApp.fetchAll with
 * muteHttpExceptions). Throws HttpTransportError when the transport fails (timeout, DNS):
 * as in Apps Script, one timed-out request fails the whole call.
 */
export interface Http {
  fetchAll(requests: HttpRequest[]): HttpResponse[];
}

export class HttpTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

/** Wall-clock time; in the emulator and the benchmarks it is virtual. */
export interface Clock {
  now(): number;
  sleep(ms: number): void;
}

/** PropertiesService store: 9 KB per value, 500 KB per store. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
  keys(): string[];
}

/** CacheService cache: keys <= 250 chars, values <= 100 KB, ttl 1..21600 s. */
export interface Cache {
  get(key: string): string | null;
  getAll(keys: string[]): Record<string, string>;
  put(key: string, value: string, ttlSeconds: number): void;
  putAll(values: Record<string, string>, ttlSeconds: number): void;
  remove(key: string): void;
}

/** LockService lock. */
export interface Lock {
  tryLock(timeoutMs: number): boolean;
  releaseLock(): void;
}

/** Runs fn holding the lock; always releases (the lock helper in apps-script-oauth2 did not). */
export function withLock<T>(lock: Lock, timeoutMs: number, fn: () => T): T | { lockTimedOut: true } {
  if (!lock.tryLock(timeoutMs)) return { lockTimedOut: true };
  try {
    return fn();
  } finally {
    lock.releaseLock();
  }
}

/** Hashing (Utilities.computeDigest in Apps Script, node:crypto in tests). Returns hex. */
export interface Hasher {
  sha256Hex(text: string): string;
}

/**
 * One lock for nested sections of one execution (a formula holds the document lock while the
 * engine paces a key under it): an inner tryLock finds it held and takes it at once, only the
 * outermost releaseLock frees it. No second wait, and no inner release freeing the outer section.
 */
export function reentrantLock(lock: Lock): Lock {
  let depth = 0;
  return {
    tryLock(timeoutMs) {
      if (depth > 0) {
        depth++;
        return true;
      }
      if (!lock.tryLock(timeoutMs)) return false;
      depth = 1;
      return true;
    },
    releaseLock() {
      if (depth === 0) return;
      depth--;
      if (depth === 0) lock.releaseLock();
    },
  };
}

// ---- The spreadsheet (src/adapters/sheetGateway.ts) -------------------------------------------

/** The adapter over one spreadsheet (src/adapters/sheetGateway.ts). Sheets are named by id: names change. */
export interface SheetGateway {
  /** The sheet's current name, or null when it was deleted. */
  sheetName(sheetId: number): string | null;
  /** getMaxRows / getMaxColumns. */
  size(sheetId: number): { rows: number; columns: number };
  /** One getValues over a rectangle (rows and columns 1-based). */
  readValues(sheetId: number, row: number, column: number, numRows: number, numColumns: number): unknown[][];
  /** One getFormulas over a rectangle: a formula that shows '' is still the user's. */
  readFormulas(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][];
  /** One setValues over a rectangle. */
  writeValues(sheetId: number, row: number, column: number, values: CellValue[][]): void;
  /** One clearContent over a rectangle (values only; formats stay). */
  clearValues(sheetId: number, row: number, column: number, numRows: number, numColumns: number): void;
  /** Every column mark with key COLUMN_METADATA_KEY on the sheet (one finder call). */
  readColumnMarks(sheetId: number): ColumnMark[];
  /** Adds one developer metadata entry per mark, on the whole column. */
  addColumnMarks(sheetId: number, marks: ColumnMark[]): void;
  /** Removes the entries that match these marks (same column, same record). */
  removeColumnMarks(sheetId: number, marks: ColumnMark[]): void;
  /** The refresh's Changes columns (key CHANGES_METADATA_KEY, src/core/changeTracking.ts): one finder call. */
  readChangesMarks(sheetId: number): ChangesMark[];
  /** Removes the Changes-column entries on these columns (a new layout took the columns over). */
  removeChangesMarks(sheetId: number, columns: number[]): void;
  /** Marks a whole column as the Changes column of a layout, replacing any earlier such mark on it. */
  markChangesColumn(sheetId: number, column: number, layoutId: string): void;
  /** One getNotes over a rectangle ('' where a cell has none). */
  readNotes(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][];
  /** One setNotes over a rectangle. */
  writeNotes(sheetId: number, row: number, column: number, notes: string[][]): void;
  /** One getBackgrounds over a rectangle. */
  readBackgrounds(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][];
  /** One setBackgrounds over a rectangle. */
  writeBackgrounds(sheetId: number, row: number, column: number, colors: string[][]): void;
  /** Every row anchor (key ROW_ANCHOR_KEY, src/core/rowAnchors.ts) on the sheet: one finder call. */
  readRowAnchors(sheetId: number): RowAnchor[];
  /** Adds one developer metadata entry per anchor, each on its whole row. */
  addRowAnchors(sheetId: number, anchors: NewRowAnchor[]): void;
  /** Removes anchors that readRowAnchors returned in this same execution. */
  removeRowAnchors(sheetId: number, anchors: RowAnchor[]): void;
  /** insertColumnsAfter; also used to grow a sheet that is too narrow. */
  insertColumnsAfter(sheetId: number, column: number, count: number): void;
  /** yyyy-MM-dd in the spreadsheet's time zone. */
  formatDate(epochMs: number): string;
  /** Activates a list of ranges (A1 without the sheet name), so the user sees them. */
  selectRanges(sheetId: number, rangesA1: string[]): void;
  /** SpreadsheetApp.flush(): commits pending writes (before a lock is released; see sheetFlush.ts). */
  flush(): void;
}

/** The part of the bulk job's sheet port the refresh uses; one Sheets call per method. */
export type RefreshSheet = Pick<
  SheetGateway,
  | 'sheetName'
  | 'size'
  | 'readValues'
  | 'writeValues'
  | 'readColumnMarks'
  | 'insertColumnsAfter'
  | 'formatDate'
  | 'readNotes'
  | 'writeNotes'
  | 'readBackgrounds'
  | 'writeBackgrounds'
  | 'readChangesMarks'
  | 'markChangesColumn'
  | 'flush'
>;

// ---- The custom function's view of its sheet (src/adapters/callingSheet.ts) ----------------------

export interface CallingCell {
  sheetName: string;
  row: number;
  column: number;
  /** The formula text of the calling cell (getActiveRange().getFormula()). */
  formula: string;
}

/** Reads around the calling cell (SpreadsheetApp in a custom function is read-only, which is all this needs). */
export interface SheetReader {
  /** The cell holding the formula, or null when there is none (run from the editor, a test). */
  callingCell(): CallingCell | null;
  lastRow(sheetName: string): number;
  /** One column's formulas ('' where none), rows startRow .. startRow + rowCount - 1. */
  formulas(sheetName: string, column: number, startRow: number, rowCount: number): string[];
  /** One column's values, rows startRow .. startRow + rowCount - 1. */
  values(sheetName: string, column: number, startRow: number, rowCount: number): unknown[];
}

// ---- Time zone and triggers (src/adapters/refreshGateway.ts) -------------------------------------

/**
 * The spreadsheet's time zone as the core needs it: the UTC offset at an instant (local time =
 * UTC + offset). Apps Script: Utilities.formatDate(date, tz, 'Z'); tests: a fixed offset or Intl.
 */
export interface TimeZone {
  offsetMs(epochMs: number): number;
}

/**
 * This user's time-driven triggers of the add-on (ScriptApp). Found by unique id only: the list
 * holds the user's triggers of every spreadsheet the add-on runs in, all with the same handler.
 */
export interface TriggerPort {
  /** Unique ids of this user's time-driven triggers of the add-on, in every spreadsheet (getProjectTriggers). */
  listClock(): string[];
  /** An hourly time-driven trigger for the handler; returns its unique id. */
  createHourly(handler: string): string;
  /** Deletes this user's trigger with this unique id if it still exists; whether it did. */
  remove(id: string): boolean;
}

// ---- The enrichment engine as the long jobs see it (bound to a context by the deps builder) ----

/** What the job needs from the engine (src/core/enrich.ts, bound to a context by the server). */
export interface JobEngine {
  enrich(cells: unknown[], options: EnrichOptions): EnrichResult;
  /**
   * Which of these identifiers the result cache holds for the selection (under these API options,
   * default none: apiOptions.ts resultCacheKey), as identifierKey()s (one cache read). With
   * maxCacheAgeMs, only answers at most that old count (a force_fetch job: those of this job).
   */
  cachedKeys(identifiers: Array<{ kind: IdentifierKind; normalized: string }>, selection: FieldSelection, api?: ApiOptions, maxCacheAgeMs?: number): Set<string>;
  requestsPerMinute: number;
}

/** The engine bound to this execution's context (src/core/enrich.ts enrichCells). */
export interface RefreshEngine {
  enrich(cells: unknown[], options: EnrichOptions): EnrichResult;
}
