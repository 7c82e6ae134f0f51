// The in-memory spreadsheet behind the fake SpreadsheetApp: sheets, cells, selection, developer metadata.
// Its own methods are the test-facing API (no guard, no call counting): set up sheets, act as the user would
// (insert, delete, move, rename), and read back raw cell state.

import { A1SyntaxError, MAX_CELLS, MAX_COLUMNS, columnToLetters, formatA1, parseA1, quoteSheetName } from './a1';
import {
  CELL_TOO_LONG_MESSAGE,
  CellTooLongError,
  DEFAULT_NUMBER_FORMAT,
  MAX_CELL_CHARS,
  PLAIN_TEXT_FORMAT,
  displayValue,
  interpretInput,
  isDateValue,
  isValidTimeZone,
  type CellValue,
  type InterpretedInput,
} from './values';

/** An error Sheets itself would raise; the service re-raises it in the script's realm as `Exception: …`. */
export class SheetsException extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Exception';
  }
}

export const DEFAULT_MAX_ROWS = 1000;
export const DEFAULT_MAX_COLUMNS = 26;
export const DEFAULT_BACKGROUND = '#ffffff';
export const DEFAULT_FONT_COLOR = '#000000';
export const DEFAULT_FONT_WEIGHT = 'normal';
/** Sheets' (documented) cap on developer metadata per spreadsheet and per sheet, counted in characters of keys and values. */
export const MAX_METADATA_CHARS = 30000;

export const OUT_OF_GRID_MESSAGE = 'The coordinates of the range are outside the dimensions of the sheet.';

/** One cell as stored. Objects are moved, not copied, by structural edits, so identity survives inserts. */
export interface Cell {
  value: CellValue;
  formula: string;
  quotePrefix: boolean;
  note: string;
  background: string | null;
  numberFormat: string | null;
  fontWeight: string | null;
  fontColor: string | null;
  /** On a formula cell whose array result spilled: the spilled extent (including itself). */
  spill?: { rows: number; columns: number };
  /** On a cell filled by another cell's spilled array. */
  spillOwner?: Cell;
}

/** A cell as a test reads it back. */
export interface CellState {
  value: CellValue;
  displayValue: string;
  formula: string;
  note: string;
  background: string;
  numberFormat: string;
  fontWeight: string;
  fontColor: string;
  /** Kept as text by a leading apostrophe. */
  quotePrefix: boolean;
  /** The cell holds text Sheets was told not to interpret: apostrophe prefix or `@` number format. */
  textForced: boolean;
}

/** A rectangle on a sheet, 1-based. `endRow`/`endColumn` null: open to the grid's edge (`C:C`, `2:2`, `A2:C`). */
export interface RangeRef {
  row: number;
  column: number;
  endRow: number | null;
  endColumn: number | null;
}

export interface GridRect {
  row: number;
  column: number;
  numRows: number;
  numColumns: number;
}

export type Dimension = 'ROWS' | 'COLUMNS';
export type MetadataVisibility = 'DOCUMENT' | 'PROJECT';
export type MetadataLocation =
  | { type: 'SPREADSHEET' }
  | { type: 'SHEET'; sheet: SheetModel }
  | { type: 'ROW' | 'COLUMN'; sheet: SheetModel; start: number; end: number };

export interface MetadataEntry {
  readonly id: number;
  key: string;
  value: string | null;
  visibility: MetadataVisibility;
  location: MetadataLocation;
  removed: boolean;
}

/** Developer metadata as a test reads it back. `a1` is the current whole-row/column range, e.g. `C:C`. */
export interface MetadataSnapshot {
  id: number;
  key: string;
  value: string | null;
  visibility: MetadataVisibility;
  locationType: MetadataLocation['type'];
  sheetName: string | null;
  a1: string | null;
}

export interface Toast {
  message: string;
  title: string;
  timeoutSeconds: number;
}

export type SpillOutcome = { ok: true } | { ok: false; error: '#REF!' | '#ERROR!'; message: string };

export interface AddSheetOptions {
  maxRows?: number;
  maxColumns?: number;
  /** Interpret strings as typed input (default true): `=…` becomes a formula, `00123` a number. */
  parse?: boolean;
  /** 0-based position among the sheets; default last. */
  index?: number;
}

export interface SpreadsheetModelOptions {
  id?: string;
  name?: string;
  /** Default `America/New_York`: not UTC, so time-zone mistakes show up in tests. */
  timeZone?: string;
  locale?: string;
  /** Clock for dates typed without a year; pass the emulator's virtual clock. */
  now?: () => number;
}

export interface CsvOptions {
  /** `display` (default, like File > Download > CSV) or `raw` values. */
  values?: 'display' | 'raw';
  /** Default CRLF, as RFC 4180 and Sheets' export use. */
  lineSeparator?: string;
}

function emptyCell(): Cell {
  return { value: '', formula: '', quotePrefix: false, note: '', background: null, numberFormat: null, fontWeight: null, fontColor: null };
}

function hasContent(cell: Cell | undefined): boolean {
  return cell !== undefined && (cell.value !== '' || cell.formula !== '');
}

function copyValue(value: CellValue): CellValue {
  return isDateValue(value) ? new Date(value.getTime()) : value;
}

/** Sheets' reading of a value for CSV: quote when a comma, quote, CR or LF is inside. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function checkCount(count: number, what: string): void {
  if (!Number.isInteger(count) || count < 1) throw new SheetsException(`The number of ${what} must be at least 1.`);
}

// ---- how a 1-based span [start, end] moves when its dimension is edited ----

function spanAfterInsert(start: number, end: number, at: number, count: number): [number, number] {
  if (start >= at) return [start + count, end + count];
  if (end >= at) return [start, end + count]; // inserted inside the span: it grows, as Sheets' dimension ranges do
  return [start, end];
}

function spanAfterDelete(start: number, end: number, at: number, count: number): [number, number] | null {
  const last = at + count - 1;
  const survivors = end - start + 1 - Math.max(0, Math.min(end, last) - Math.max(start, at) + 1);
  if (survivors <= 0) return null;
  const firstSurvivor = start >= at && start <= last ? last + 1 : start;
  const newStart = firstSurvivor > last ? firstSurvivor - count : firstSurvivor;
  return [newStart, newStart + survivors - 1];
}

/** Where index `i` lands when the block [start, start+count-1] moves before `destination` (pre-move coordinates). */
export function indexAfterMove(i: number, start: number, count: number, destination: number): number {
  const end = start + count - 1;
  if (destination >= start && destination <= end + 1) return i;
  if (destination < start) {
    if (i >= start && i <= end) return destination + (i - start);
    if (i >= destination && i < start) return i + count;
    return i;
  }
  if (i >= start && i <= end) return destination - count + (i - start);
  if (i > end && i < destination) return i - count;
  return i;
}

/** Inserts `count` empty slots at `index` without spreading arguments (a 100,000-row insert must not overflow the stack). */
function insertSlots<T>(items: (T | undefined)[], index: number, count: number, fill?: T[]): void {
  if (index >= items.length && !fill) return;
  if (items.length < index) items.length = index;
  const tail = items.splice(index);
  items.length = index + count;
  if (fill) for (let i = 0; i < count; i += 1) items[index + i] = fill[i];
  for (let i = 0; i < tail.length; i += 1) items[index + count + i] = tail[i];
}

function moveBlock<T>(items: (T | undefined)[], start0: number, count: number, destination0: number): void {
  const needed = Math.max(start0 + count, destination0);
  if (items.length < needed) items.length = needed;
  const block = items.splice(start0, count);
  const insertAt = destination0 > start0 ? destination0 - count : destination0;
  insertSlots(items, insertAt, count, block);
}

export class SheetModel {
  name: string;
  maxRows: number;
  maxColumns: number;
  frozenRows = 0;
  frozenColumns = 0;
  deleted = false;
  /** rows[r-1][c-1]; sparse: untouched rows and cells are undefined. */
  readonly rows: ((Cell | undefined)[] | undefined)[] = [];
  readonly columnWidths = new Map<number, number>();
  /** The selection Sheets remembers per sheet; it comes back when the sheet is activated. */
  selection: { range: RangeRef; currentRow: number; currentColumn: number } = {
    range: { row: 1, column: 1, endRow: 1, endColumn: 1 },
    currentRow: 1,
    currentColumn: 1,
  };

  constructor(
    readonly spreadsheet: SpreadsheetModel,
    readonly sheetId: number,
    name: string,
    maxRows: number,
    maxColumns: number,
  ) {
    this.name = name;
    this.maxRows = maxRows;
    this.maxColumns = maxColumns;
  }

  // ---- reading ----

  cellAt(row: number, column: number): Cell | undefined {
    return this.rows[row - 1]?.[column - 1];
  }

  /** The stored cell, created empty if needed. */
  cellFor(row: number, column: number): Cell {
    let cells = this.rows[row - 1];
    if (!cells) {
      cells = [];
      this.rows[row - 1] = cells;
    }
    let cell = cells[column - 1];
    if (!cell) {
      cell = emptyCell();
      cells[column - 1] = cell;
    }
    return cell;
  }

  /** The last row holding a value or formula (notes and colours do not count, as in Sheets); 0 when empty. */
  lastRow(): number {
    for (let r = Math.min(this.rows.length, this.maxRows); r >= 1; r -= 1) {
      const cells = this.rows[r - 1];
      if (cells && cells.some(hasContent)) return r;
    }
    return 0;
  }

  lastColumn(): number {
    let last = 0;
    for (const cells of this.rows) {
      if (!cells) continue;
      for (let c = Math.min(cells.length, this.maxColumns); c > last; c -= 1) {
        if (hasContent(cells[c - 1])) {
          last = c;
          break;
        }
      }
    }
    return last;
  }

  /** A cell's full state, for assertions. */
  cell(row: number, column: number): CellState;
  cell(a1: string): CellState;
  cell(rowOrA1: number | string, column?: number): CellState {
    let row: number;
    let col: number;
    if (typeof rowOrA1 === 'string') {
      const ref = parseA1(rowOrA1);
      row = ref.row;
      col = ref.column;
    } else {
      row = rowOrA1;
      col = column as number;
    }
    const cell = this.cellAt(row, col);
    const numberFormat = cell?.numberFormat ?? DEFAULT_NUMBER_FORMAT;
    const value = cell ? copyValue(cell.value) : '';
    return {
      value,
      displayValue: cell ? displayValue(cell.value, cell.numberFormat, this.spreadsheet.timeZone) : '',
      formula: cell?.formula ?? '',
      note: cell?.note ?? '',
      background: cell?.background ?? DEFAULT_BACKGROUND,
      numberFormat,
      fontWeight: cell?.fontWeight ?? DEFAULT_FONT_WEIGHT,
      fontColor: cell?.fontColor ?? DEFAULT_FONT_COLOR,
      quotePrefix: cell?.quotePrefix ?? false,
      textForced: Boolean(cell && (cell.quotePrefix || (numberFormat === PLAIN_TEXT_FORMAT && typeof cell.value === 'string' && cell.value !== ''))),
    };
  }

  /** The values of the data range (A1 to last row/column); `[]` for an empty sheet. */
  values(): CellValue[][] {
    const rect = this.dataRect();
    return rect ? this.readRect(rect, (cell) => (cell ? copyValue(cell.value) : '')) : [];
  }

  displayValues(): string[][] {
    const rect = this.dataRect();
    return rect ? this.readRect(rect, (cell) => this.display(cell)) : [];
  }

  display(cell: Cell | undefined): string {
    return cell ? displayValue(cell.value, cell.numberFormat, this.spreadsheet.timeZone) : '';
  }

  private dataRect(): GridRect | null {
    const numRows = this.lastRow();
    const numColumns = this.lastColumn();
    return numRows && numColumns ? { row: 1, column: 1, numRows, numColumns } : null;
  }

  readRect<T>(rect: GridRect, read: (cell: Cell | undefined) => T): T[][] {
    const out: T[][] = new Array(rect.numRows);
    for (let r = 0; r < rect.numRows; r += 1) {
      const cells = this.rows[rect.row - 1 + r];
      const line: T[] = new Array(rect.numColumns);
      for (let c = 0; c < rect.numColumns; c += 1) line[c] = read(cells?.[rect.column - 1 + c]);
      out[r] = line;
    }
    return out;
  }

  /** Resolves open ends against the current grid and checks it fits, as Sheet.getRange does. */
  rectOf(range: RangeRef): GridRect {
    const endRow = range.endRow ?? this.maxRows;
    const endColumn = range.endColumn ?? this.maxColumns;
    const rect = { row: range.row, column: range.column, numRows: endRow - range.row + 1, numColumns: endColumn - range.column + 1 };
    if (rect.numRows < 1 || rect.numColumns < 1 || endRow > this.maxRows || endColumn > this.maxColumns) {
      throw new SheetsException(OUT_OF_GRID_MESSAGE);
    }
    return rect;
  }

  // ---- writing (user input) ----

  /** How Sheets would store `input` typed into (row, column), without writing it (throws for > 50,000 characters). */
  interpretAt(row: number, column: number, input: unknown, parse = true, forceFormula = false): InterpretedInput {
    if (!parse) {
      if (typeof input === 'string' && input.length > MAX_CELL_CHARS) throw new CellTooLongError();
      const value = input === null || input === undefined ? '' : isDateValue(input) ? new Date(input.getTime()) : (input as CellValue);
      return { value, formula: '', quotePrefix: false, impliedFormat: null };
    }
    const format = this.cellAt(row, column)?.numberFormat ?? null;
    return interpretInput(input, {
      plainText: format === PLAIN_TEXT_FORMAT && !(forceFormula && typeof input === 'string' && input.startsWith('=')),
      timeZone: this.spreadsheet.timeZone,
      now: this.spreadsheet.now,
    });
  }

  applyInput(row: number, column: number, interpreted: InterpretedInput): void {
    if (interpreted.value === '' && interpreted.formula === '' && !this.cellAt(row, column)) return;
    const cell = this.cellFor(row, column);
    cell.value = interpreted.value;
    cell.formula = interpreted.formula;
    cell.quotePrefix = interpreted.quotePrefix;
    if (interpreted.impliedFormat && cell.numberFormat === null) cell.numberFormat = interpreted.impliedFormat;
    delete cell.spill;
    delete cell.spillOwner;
  }

  /** Writes a block as user input, all or nothing: one refused cell (too long) leaves the sheet untouched, as in Sheets. */
  writeInputs(row: number, column: number, grid: unknown[][], parse = true, forceFormula = false): void {
    const staged = grid.map((line, r) => line.map((input, c) => this.interpretAt(row + r, column + c, input, parse, forceFormula)));
    staged.forEach((line, r) => line.forEach((interpreted, c) => this.applyInput(row + r, column + c, interpreted)));
    this.spreadsheet.touch();
  }

  writeInput(row: number, column: number, input: unknown, parse = true): void {
    this.writeInputs(row, column, [[input]], parse);
  }

  /** Test helper: writes a 2-D block at (row, column) like a user pasting it, growing the grid if needed. */
  setValues(row: number, column: number, rows: unknown[][], options: { parse?: boolean } = {}): void {
    const width = rows.reduce((max, line) => Math.max(max, line.length), 0);
    this.ensureSize(row + rows.length - 1, column + width - 1);
    this.writeInputs(row, column, rows, options.parse ?? true);
  }

  /** Grows the grid to at least this size (the test-facing equivalent of inserting rows/columns at the end). */
  ensureSize(rows: number, columns: number): void {
    const newRows = Math.max(this.maxRows, rows);
    const newColumns = Math.max(this.maxColumns, columns);
    this.spreadsheet.checkCellBudget((newRows - this.maxRows) * this.maxColumns + (newColumns - this.maxColumns) * newRows);
    if (newColumns > MAX_COLUMNS) throw new SheetsException(`Sheets allows at most ${MAX_COLUMNS} columns.`);
    this.maxRows = newRows;
    this.maxColumns = newColumns;
  }

  clearCells(rect: GridRect, what: { contents?: boolean; formats?: boolean; notes?: boolean }): void {
    for (let r = rect.row; r < rect.row + rect.numRows; r += 1) {
      const cells = this.rows[r - 1];
      if (!cells) continue;
      for (let c = rect.column; c < rect.column + rect.numColumns; c += 1) {
        const cell = cells[c - 1];
        if (!cell) continue;
        if (what.contents) {
          cell.value = '';
          cell.formula = '';
          cell.quotePrefix = false;
          delete cell.spill;
          delete cell.spillOwner;
        }
        if (what.formats) {
          cell.background = null;
          cell.numberFormat = null;
          cell.fontWeight = null;
          cell.fontColor = null;
        }
        if (what.notes) cell.note = '';
      }
    }
    this.spreadsheet.touch();
  }

  // ---- structure: what a user (or the script) does to rows and columns ----

  /** Inserts `count` rows so the first new row is `before` (1..maxRows+1). Developer metadata below moves down. */
  insertRows(before: number, count: number): void {
    this.insertDimension('ROWS', before, count);
  }

  insertColumns(before: number, count: number): void {
    this.insertDimension('COLUMNS', before, count);
  }

  deleteRows(start: number, count: number): void {
    this.deleteDimension('ROWS', start, count);
  }

  deleteColumns(start: number, count: number): void {
    this.deleteDimension('COLUMNS', start, count);
  }

  /** Moves rows [start, start+count-1] before row `destination` (numbered before the move), as Sheet.moveRows. */
  moveRows(start: number, count: number, destination: number): void {
    this.moveDimension('ROWS', start, count, destination);
  }

  moveColumns(start: number, count: number, destination: number): void {
    this.moveDimension('COLUMNS', start, count, destination);
  }

  rename(newName: string): void {
    this.spreadsheet.renameSheet(this, newName);
  }

  insertDimension(dimension: Dimension, before: number, count: number): void {
    checkCount(count, dimension === 'ROWS' ? 'rows' : 'columns');
    const max = dimension === 'ROWS' ? this.maxRows : this.maxColumns;
    if (!Number.isInteger(before) || before < 1 || before > max + 1) {
      throw new SheetsException(`Those ${dimension === 'ROWS' ? 'rows' : 'columns'} are out of bounds.`);
    }
    if (dimension === 'COLUMNS' && this.maxColumns + count > MAX_COLUMNS) {
      throw new SheetsException(`Sheets allows at most ${MAX_COLUMNS} columns.`);
    }
    this.spreadsheet.checkCellBudget(dimension === 'ROWS' ? count * this.maxColumns : count * this.maxRows);
    if (dimension === 'ROWS') {
      insertSlots(this.rows, before - 1, count);
      this.maxRows += count;
      if (before <= this.frozenRows) this.frozenRows += count;
    } else {
      for (const cells of this.rows) if (cells) insertSlots(cells, before - 1, count);
      this.maxColumns += count;
      if (before <= this.frozenColumns) this.frozenColumns += count;
      this.shiftWidths((c) => (c >= before ? c + count : c));
    }
    this.spreadsheet.updateDimensionMetadata(this, dimension, ([s, e]) => spanAfterInsert(s, e, before, count));
    this.spreadsheet.touch();
  }

  deleteDimension(dimension: Dimension, start: number, count: number): void {
    const what = dimension === 'ROWS' ? 'rows' : 'columns';
    checkCount(count, what);
    const max = dimension === 'ROWS' ? this.maxRows : this.maxColumns;
    const frozen = dimension === 'ROWS' ? this.frozenRows : this.frozenColumns;
    if (!Number.isInteger(start) || start < 1 || start + count - 1 > max) throw new SheetsException(`Those ${what} are out of bounds.`);
    const frozenDeleted = Math.max(0, Math.min(frozen, start + count - 1) - start + 1);
    if (max - count - (frozen - frozenDeleted) < 1) {
      throw new SheetsException(`Sorry, it is not possible to delete all non-frozen ${what}.`);
    }
    if (dimension === 'ROWS') {
      this.rows.splice(start - 1, count);
      this.maxRows -= count;
      this.frozenRows -= frozenDeleted;
    } else {
      for (const cells of this.rows) if (cells) cells.splice(start - 1, count);
      this.maxColumns -= count;
      this.frozenColumns -= frozenDeleted;
      this.shiftWidths((c) => (c < start ? c : c >= start + count ? c - count : null));
    }
    this.spreadsheet.updateDimensionMetadata(this, dimension, ([s, e]) => spanAfterDelete(s, e, start, count));
    this.spreadsheet.touch();
  }

  moveDimension(dimension: Dimension, start: number, count: number, destination: number): void {
    const what = dimension === 'ROWS' ? 'rows' : 'columns';
    checkCount(count, what);
    const max = dimension === 'ROWS' ? this.maxRows : this.maxColumns;
    if (!Number.isInteger(start) || start < 1 || start + count - 1 > max || !Number.isInteger(destination) || destination < 1 || destination > max + 1) {
      throw new SheetsException(`Those ${what} are out of bounds.`);
    }
    if (destination >= start && destination <= start + count) return; // onto itself: nothing moves
    if (dimension === 'ROWS') moveBlock(this.rows, start - 1, count, destination - 1);
    else {
      for (const cells of this.rows) if (cells) moveBlock(cells, start - 1, count, destination - 1);
      this.shiftWidths((c) => indexAfterMove(c, start, count, destination));
    }
    this.spreadsheet.updateDimensionMetadata(this, dimension, ([s, e]) => {
      const a = indexAfterMove(s, start, count, destination);
      const b = indexAfterMove(e, start, count, destination);
      // A span split by the move keeps its outer bounds; spans moved whole (the usual case) stay exact.
      let low = Math.min(a, b);
      let high = Math.max(a, b);
      for (let i = s; i <= e; i += 1) {
        const j = indexAfterMove(i, start, count, destination);
        low = Math.min(low, j);
        high = Math.max(high, j);
      }
      return [low, high];
    });
    this.spreadsheet.touch();
  }

  private shiftWidths(map: (column: number) => number | null): void {
    const entries = [...this.columnWidths.entries()];
    this.columnWidths.clear();
    for (const [column, width] of entries) {
      const moved = map(column);
      if (moved !== null) this.columnWidths.set(moved, width);
    }
  }

  // ---- export ----

  /** The data range as CSV (display values by default, as Sheets' CSV download). */
  toCsv(options: CsvOptions = {}): string {
    const separator = options.lineSeparator ?? '\r\n';
    const rect = this.dataRect();
    if (!rect) return '';
    const rows =
      options.values === 'raw'
        ? this.readRect(rect, (cell) => {
            if (!cell || cell.value === '') return '';
            const v = cell.value;
            return isDateValue(v) ? v.toISOString() : String(v);
          })
        : this.readRect(rect, (cell) => this.display(cell));
    return rows.map((line) => line.map(csvField).join(',')).join(separator) + separator;
  }

  /** `'My Sheet'!C2:D4` style reference for messages. */
  a1(range: RangeRef): string {
    return `${quoteSheetName(this.name)}!${formatA1(range)}`;
  }
}

export class SpreadsheetModel {
  readonly id: string;
  name: string;
  timeZone: string;
  locale: string;
  readonly now: () => number;
  readonly sheets: SheetModel[] = [];
  activeSheet: SheetModel | null = null;
  readonly toasts: Toast[] = [];
  readonly metadata: MetadataEntry[] = [];
  /** Increments on every change; the playground polls it to redraw. */
  revision = 0;
  private nextSheetId = 0;
  private nextMetadataId = 1_000_001;

  constructor(options: SpreadsheetModelOptions = {}) {
    this.id = options.id ?? '1EmuLaT0r-Spr3adsh33t-Id-000000000000000000';
    this.name = options.name ?? 'Untitled spreadsheet';
    this.timeZone = options.timeZone ?? 'America/New_York';
    if (!isValidTimeZone(this.timeZone)) throw new RangeError(`Unknown time zone ${this.timeZone}`);
    this.locale = options.locale ?? 'en_US';
    this.now = options.now ?? (() => Date.now());
  }

  touch(): void {
    this.revision += 1;
  }

  // ---- sheets ----

  /** Adds a sheet filled from a 2-D array (strings interpreted as typed input unless parse=false). The first sheet becomes active. */
  addSheet(name: string, rows: unknown[][] = [], options: AddSheetOptions = {}): SheetModel {
    const width = rows.reduce((max, line) => Math.max(max, line.length), 0);
    const sheet = this.insertSheet(
      name,
      options.index ?? this.sheets.length,
      Math.max(options.maxRows ?? DEFAULT_MAX_ROWS, rows.length, 1),
      Math.max(options.maxColumns ?? DEFAULT_MAX_COLUMNS, width, 1),
    );
    sheet.writeInputs(1, 1, rows, options.parse ?? true);
    if (!this.activeSheet) this.activeSheet = sheet;
    return sheet;
  }

  /** Creates an empty sheet at a 0-based index. */
  insertSheet(name: string, index: number, maxRows = DEFAULT_MAX_ROWS, maxColumns = DEFAULT_MAX_COLUMNS): SheetModel {
    this.checkNewSheetName(name);
    if (!Number.isInteger(index) || index < 0 || index > this.sheets.length) {
      throw new SheetsException(`The sheet index ${index} is out of range.`);
    }
    this.checkCellBudget(maxRows * maxColumns);
    // Sheets gives the first sheet gid 0 and later ones large arbitrary ids.
    const sheetId = this.nextSheetId === 0 ? 0 : 100_000_000 + this.nextSheetId * 7_919;
    this.nextSheetId += 1;
    const sheet = new SheetModel(this, sheetId, name, maxRows, maxColumns);
    this.sheets.splice(index, 0, sheet);
    this.touch();
    return sheet;
  }

  /** `Sheet2`, `Sheet3`, … the first unused name, as Sheets proposes for a new sheet. */
  nextSheetName(): string {
    for (let n = this.sheets.length + 1; ; n += 1) {
      if (!this.findSheet(`Sheet${n}`, true)) return `Sheet${n}`;
    }
  }

  private checkNewSheetName(name: string, except?: SheetModel): void {
    if (typeof name !== 'string' || name.trim() === '') throw new SheetsException('Sheet names cannot be empty.');
    if (name.length > 100) throw new SheetsException('Sheet names cannot be longer than 100 characters.');
    const clash = this.findSheet(name, true);
    if (clash && clash !== except) {
      throw new SheetsException(`A sheet with the name "${name}" already exists. Please enter another name.`);
    }
  }

  /** Exact name match (Sheets forbids names differing only in case; lookups here do not fold case). */
  findSheet(name: string, ignoreCase = false): SheetModel | undefined {
    return this.sheets.find((s) => (ignoreCase ? s.name.toLowerCase() === name.toLowerCase() : s.name === name));
  }

  sheet(name: string): SheetModel {
    const sheet = this.findSheet(name);
    if (!sheet) throw new Error(`No sheet named "${name}" in the emulated spreadsheet`);
    return sheet;
  }

  sheetById(sheetId: number): SheetModel | undefined {
    return this.sheets.find((s) => s.sheetId === sheetId);
  }

  renameSheet(sheet: SheetModel | string, newName: string): void {
    const target = typeof sheet === 'string' ? this.sheet(sheet) : sheet;
    this.checkNewSheetName(newName, target);
    target.name = newName;
    this.touch();
  }

  deleteSheet(sheet: SheetModel | string): void {
    const target = typeof sheet === 'string' ? this.sheet(sheet) : sheet;
    const index = this.sheets.indexOf(target);
    if (index === -1) throw new SheetsException('The sheet has already been deleted.');
    if (this.sheets.length === 1) throw new SheetsException("You can't remove all the sheets in a document.");
    this.sheets.splice(index, 1);
    target.deleted = true;
    for (const entry of this.metadata) {
      if (entry.location.type !== 'SPREADSHEET' && entry.location.sheet === target) entry.removed = true;
    }
    this.pruneMetadata();
    if (this.activeSheet === target) this.activeSheet = this.sheets[Math.max(0, index - 1)];
    this.touch();
  }

  checkCellBudget(addedCells: number): void {
    const total = this.sheets.reduce((sum, s) => sum + s.maxRows * s.maxColumns, 0);
    if (total + addedCells > MAX_CELLS) {
      throw new SheetsException(`This action would increase the number of cells in the workbook above the limit of ${MAX_CELLS} cells.`);
    }
  }

  // ---- selection ----

  requireActiveSheet(): SheetModel {
    if (!this.activeSheet) throw new Error('The emulated spreadsheet has no sheets yet: call model.addSheet() first');
    return this.activeSheet;
  }

  activateSheet(sheet: SheetModel): void {
    this.activeSheet = sheet;
    this.touch();
  }

  /** Selects a range as the user would by dragging (`'Sheet1!A2:A20'`); its first cell becomes the current cell. */
  select(a1: string): void {
    const { sheet, range } = this.resolve(a1);
    sheet.rectOf(range);
    sheet.selection = { range, currentRow: range.row, currentColumn: range.column };
    this.activeSheet = sheet;
    this.touch();
  }

  /** The cell that holds the formula, for custom-function mode: getActiveRange() returns exactly it. */
  setActiveCell(a1: string): void {
    const { sheet, range } = this.resolve(a1);
    const single = { row: range.row, column: range.column, endRow: range.row, endColumn: range.column };
    sheet.rectOf(single);
    sheet.selection = { range: single, currentRow: range.row, currentColumn: range.column };
    this.activeSheet = sheet;
    this.touch();
  }

  activeRange(): { sheet: SheetModel; range: RangeRef } {
    const sheet = this.requireActiveSheet();
    return { sheet, range: sheet.selection.range };
  }

  /** Resolves A1 text (with or without a sheet name) to a sheet and a range; an unknown sheet is `Range not found`. */
  resolve(a1: string, defaultSheet?: SheetModel): { sheet: SheetModel; range: RangeRef } {
    const ref = parseA1(a1);
    let sheet: SheetModel | undefined;
    if (ref.sheetName !== null) sheet = this.findSheet(ref.sheetName);
    else sheet = defaultSheet ?? this.requireActiveSheet();
    if (!sheet) throw new A1SyntaxError(a1);
    return { sheet, range: { row: ref.row, column: ref.column, endRow: ref.endRow, endColumn: ref.endColumn } };
  }

  // ---- test helpers on cells ----

  /** A cell's state by A1 (`'Sheet1!B2'`, or `B2` on the active sheet). */
  cell(a1: string): CellState {
    const { sheet, range } = this.resolve(a1);
    return sheet.cell(range.row, range.column);
  }

  /** Writes a block as a user typing/pasting at the top-left cell of `a1`. */
  setValues(a1: string, rows: unknown[][], options: { parse?: boolean } = {}): void {
    const { sheet, range } = this.resolve(a1);
    sheet.setValues(range.row, range.column, rows, options);
  }

  /**
   * Shows a formula's result as Sheets does for custom functions: the value lands in the formula cell and a 2-D
   * array spills right and down. A blocked spill leaves `#REF!` in the formula cell, as in Sheets. Values are
   * stored as returned, never re-parsed (a returned `'00123'` stays text). A 1-D array spills down a column.
   */
  setFormulaResult(a1: string, result: unknown): SpillOutcome {
    const { sheet, range } = this.resolve(a1);
    const owner = sheet.cellFor(range.row, range.column);
    if (!owner.formula) throw new Error(`${sheet.a1(range)} holds no formula`);
    let grid: unknown[][];
    if (Array.isArray(result)) grid = result.length === 0 ? [['']] : result.map((line) => (Array.isArray(line) ? line : [line]));
    else grid = [[result]];
    const rows = grid.length;
    const columns = grid.reduce((max, line) => Math.max(max, line.length, 1), 1);

    if (owner.spill) {
      const previous = { row: range.row, column: range.column, numRows: owner.spill.rows, numColumns: owner.spill.columns };
      for (let r = 0; r < previous.numRows; r += 1) {
        for (let c = 0; c < previous.numColumns; c += 1) {
          const cell = sheet.cellAt(previous.row + r, previous.column + c);
          if (cell && cell.spillOwner === owner) {
            cell.value = '';
            delete cell.spillOwner;
          }
        }
      }
      delete owner.spill;
    }
    const fail = (error: '#REF!' | '#ERROR!', message: string): SpillOutcome => {
      owner.value = error;
      this.touch();
      return { ok: false, error, message };
    };
    if (range.row + rows - 1 > sheet.maxRows) {
      return fail('#REF!', `Result was not automatically expanded, please insert more rows (${range.row + rows - 1 - sheet.maxRows}).`);
    }
    if (range.column + columns - 1 > sheet.maxColumns) {
      return fail('#REF!', `Result was not automatically expanded, please insert more columns (${range.column + columns - 1 - sheet.maxColumns}).`);
    }
    for (let r = 0; r < rows; r += 1) {
      for (let c = 0; c < columns; c += 1) {
        if (r === 0 && c === 0) continue;
        const cell = sheet.cellAt(range.row + r, range.column + c);
        if (hasContent(cell)) {
          const where = `${columnToLetters(range.column + c)}${range.row + r}`;
          return fail('#REF!', `Array result was not expanded because it would overwrite data in ${where}.`);
        }
      }
    }
    const values: CellValue[][] = [];
    for (const line of grid) {
      const out: CellValue[] = [];
      for (let c = 0; c < columns; c += 1) {
        const v = line[c];
        if (v === null || v === undefined) out.push('');
        else if (typeof v === 'string' && v.length > MAX_CELL_CHARS) return fail('#ERROR!', CELL_TOO_LONG_MESSAGE);
        else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string' || isDateValue(v)) out.push(copyValue(v));
        else out.push(String(v));
      }
      values.push(out);
    }
    values.forEach((line, r) =>
      line.forEach((v, c) => {
        if (r === 0 && c === 0) {
          owner.value = v;
          return;
        }
        const cell = sheet.cellFor(range.row + r, range.column + c);
        cell.value = v;
        cell.formula = '';
        cell.quotePrefix = false;
        cell.spillOwner = owner;
      }),
    );
    if (rows > 1 || columns > 1) owner.spill = { rows, columns };
    this.touch();
    return { ok: true };
  }

  toCsv(sheetName: string, options?: CsvOptions): string {
    return this.sheet(sheetName).toCsv(options);
  }

  // ---- developer metadata ----

  addMetadata(location: MetadataLocation, key: string, value: string | null, visibility: MetadataVisibility): MetadataEntry {
    if (typeof key !== 'string' || key === '') throw new SheetsException('Developer metadata requires a non-empty key.');
    const entry: MetadataEntry = { id: this.nextMetadataId, key, value, visibility, location, removed: false };
    this.checkMetadataBudget(location, key.length + (value?.length ?? 0));
    this.nextMetadataId += 1;
    this.metadata.push(entry);
    this.touch();
    return entry;
  }

  /** Call before changing an entry's key, value or location; `extra` is the characters it adds. */
  checkMetadataBudget(location: MetadataLocation, extra: number): void {
    const owner = location.type === 'SPREADSHEET' ? null : location.sheet;
    const used = this.metadata
      .filter((m) => !m.removed && (m.location.type === 'SPREADSHEET' ? owner === null : m.location.sheet === owner))
      .reduce((sum, m) => sum + m.key.length + (m.value?.length ?? 0), 0);
    if (used + extra > MAX_METADATA_CHARS) {
      throw new SheetsException(
        `Developer metadata on ${owner ? `sheet "${owner.name}"` : 'the spreadsheet'} would exceed ${MAX_METADATA_CHARS} characters.`,
      );
    }
  }

  removeMetadata(entry: MetadataEntry): void {
    entry.removed = true;
    this.pruneMetadata();
    this.touch();
  }

  updateDimensionMetadata(sheet: SheetModel, dimension: Dimension, move: (span: [number, number]) => [number, number] | null): void {
    const type = dimension === 'ROWS' ? 'ROW' : 'COLUMN';
    for (const entry of this.metadata) {
      const loc = entry.location;
      if (loc.type !== type || loc.sheet !== sheet) continue;
      const moved = move([loc.start, loc.end]);
      if (moved) {
        loc.start = moved[0];
        loc.end = moved[1];
      } else {
        entry.removed = true; // its rows or columns were deleted: Sheets deletes the metadata too
      }
    }
    this.pruneMetadata();
  }

  private pruneMetadata(): void {
    for (let i = this.metadata.length - 1; i >= 0; i -= 1) if (this.metadata[i].removed) this.metadata.splice(i, 1);
  }

  /** All live developer metadata with its current location, for assertions. */
  developerMetadata(): MetadataSnapshot[] {
    return this.metadata.map((m) => metadataSnapshot(m));
  }
}

export function metadataSnapshot(m: MetadataEntry): MetadataSnapshot {
  const loc = m.location;
  let a1: string | null = null;
  if (loc.type === 'COLUMN') a1 = `${columnToLetters(loc.start)}:${columnToLetters(loc.end)}`;
  if (loc.type === 'ROW') a1 = `${loc.start}:${loc.end}`;
  return {
    id: m.id,
    key: m.key,
    value: m.value,
    visibility: m.visibility,
    locationType: loc.type,
    sheetName: loc.type === 'SPREADSHEET' ? null : loc.sheet.name,
    a1,
  };
}
