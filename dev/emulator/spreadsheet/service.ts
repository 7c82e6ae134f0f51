// The fake SpreadsheetApp global over a SpreadsheetModel. Every public method of every fake object reports to the
// ServiceGuard first (the runtime counts calls, checks the deadline, and refuses mutations in custom functions).

import { A1SyntaxError, formatA1 } from './a1';
import {
  DEFAULT_BACKGROUND,
  DEFAULT_FONT_COLOR,
  DEFAULT_FONT_WEIGHT,
  SheetsException,
  type GridRect,
  type MetadataEntry,
  type MetadataLocation,
  type MetadataVisibility,
  type RangeRef,
  type SheetModel,
  type SpreadsheetModel,
} from './model';
import { DEFAULT_NUMBER_FORMAT, isDateValue, isValidTimeZone, type CellValue } from './values';

export interface ServiceGuard {
  /** Called on every method call of every fake object, before it acts. `mutates` is true for set…, insert…, delete…, move…, clear…, add…, activate… etc.
   *  The runtime counts calls by `name` (e.g. 'Range.setValues', 'Sheet.getRange', 'SpreadsheetApp.getActiveSpreadsheet'), checks the execution deadline, and throws in custom-function (read-only) mode for mutations with Apps Script's message "You do not have permission to call X". */
  call(name: string, mutates: boolean): void;
}

/** Constructors of the script's own realm (the vm context), so `instanceof Date`/`Array`/`Error` hold inside the script. */
export interface ScriptRealm {
  Date?: DateConstructor;
  Array?: ArrayConstructor;
  Error?: ErrorConstructor;
}

export interface SpreadsheetAppOptions {
  realm?: ScriptRealm;
  /**
   * The execution has no containing document (a time-driven trigger run without it):
   * getActiveSpreadsheet() "Returns the currently active spreadsheet, or null if there is none",
   * and so are the active sheet, range and selection.
   */
  detached?: boolean;
}

/** Method names that change the document: the guard refuses them in custom functions. */
const MUTATING = /^(set|insert|delete|move|clear|add|activate|append|remove|rename|toast|autoResize|hide|show|sort|copy|merge|create$)/;

export function isMutatingMethod(method: string): boolean {
  return MUTATING.test(method);
}

const PERMISSION_SPREADSHEETS = 'https://www.googleapis.com/auth/spreadsheets';

interface Service {
  model: SpreadsheetModel;
  guard: ServiceGuard;
  ui: () => unknown;
  realm: ScriptRealm;
  spreadsheet: FakeSpreadsheet;
  detached: boolean;
}

const SVC = Symbol('service');

/** An Apps Script enum value: compares by identity, prints as its name. */
export class EnumValue {
  constructor(
    readonly enumName: string,
    private readonly valueName: string,
  ) {}
  name(): string {
    return this.valueName;
  }
  toString(): string {
    return this.valueName;
  }
  toJSON(): string {
    return this.valueName;
  }
}

function makeEnum<const K extends string>(enumName: string, names: readonly K[]): Readonly<Record<K, EnumValue>> {
  const values = {} as Record<K, EnumValue>;
  for (const n of names) values[n] = new EnumValue(enumName, n);
  return Object.freeze(values);
}

export const DeveloperMetadataLocationType = makeEnum('DeveloperMetadataLocationType', ['SPREADSHEET', 'SHEET', 'ROW', 'COLUMN'] as const);
export const DeveloperMetadataVisibility = makeEnum('DeveloperMetadataVisibility', ['DOCUMENT', 'PROJECT'] as const);
export const Dimension = makeEnum('Dimension', ['COLUMNS', 'ROWS'] as const);

/** Wraps every prototype method so it reports to the guard, then re-raises Sheets errors in the script's realm. */
function guarded(cls: { prototype: object }, className: string): void {
  const proto = cls.prototype as Record<string, unknown>;
  for (const method of Object.getOwnPropertyNames(proto)) {
    const impl = proto[method];
    if (method === 'constructor' || method === 'toString' || typeof impl !== 'function') continue;
    const callName = `${className}.${method}`;
    const mutates = isMutatingMethod(method);
    Object.defineProperty(proto, method, {
      configurable: true,
      writable: true,
      enumerable: false,
      value: function guardedMethod(this: { [SVC]: Service }, ...args: unknown[]) {
        const svc = this[SVC];
        svc.guard.call(callName, mutates);
        try {
          return (impl as (...a: unknown[]) => unknown).apply(this, args);
        } catch (error) {
          throw inRealm(svc, error);
        }
      },
    });
  }
}

function inRealm(svc: Service, error: unknown): unknown {
  if (error instanceof Error && error.name === 'Exception' && svc.realm.Error) {
    const translated = new svc.realm.Error(error.message);
    translated.name = 'Exception';
    return translated;
  }
  return error;
}

function exception(message: string): SheetsException {
  return new SheetsException(message);
}

// ---- values crossing into the script ----

function outValue(svc: Service, value: CellValue): CellValue {
  if (isDateValue(value)) return svc.realm.Date ? new svc.realm.Date(value.getTime()) : new Date(value.getTime());
  return value;
}

function outArray<T>(svc: Service, items: T[]): T[] {
  return svc.realm.Array ? svc.realm.Array.from(items) : items;
}

function out2d<T>(svc: Service, grid: T[][]): T[][] {
  return outArray(
    svc,
    grid.map((line) => outArray(svc, line)),
  );
}

// ---- argument checks in Apps Script's words ----

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length ? `${typeName(value[0])}[]` : 'Object[]';
  if (isDateValue(value)) return 'Date';
  const t = typeof value;
  if (t === 'string') return 'String';
  if (t === 'object') return 'Object';
  return t;
}

function signatureError(method: string, args: unknown[]): SheetsException {
  return exception(`The parameters (${args.map(typeName).join(',')}) don't match the method signature for SpreadsheetApp.${method}.`);
}

function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value);
}

function requireInts(method: string, args: unknown[]): number[] {
  if (!args.every(isInt)) throw signatureError(method, args);
  return args as number[];
}

function require2d(method: string, values: unknown): unknown[][] {
  if (!Array.isArray(values) || !values.every((line) => Array.isArray(line))) throw signatureError(method, [values]);
  return values as unknown[][];
}

function checkShape(grid: unknown[][], rect: GridRect): void {
  if (grid.length !== rect.numRows) {
    throw exception(
      `The number of rows in the data does not match the number of rows in the range. The data has ${grid.length} but the range has ${rect.numRows}.`,
    );
  }
  for (const line of grid) {
    if (line.length !== rect.numColumns) {
      throw exception(
        `The number of columns in the data does not match the number of columns in the range. The data has ${line.length} but the range has ${rect.numColumns}.`,
      );
    }
  }
}

const NAMED_COLORS: Record<string, string> = {
  white: '#ffffff',
  black: '#000000',
  red: '#ff0000',
  green: '#008000',
  blue: '#0000ff',
  yellow: '#ffff00',
  orange: '#ffa500',
  gray: '#808080',
  grey: '#808080',
  purple: '#800080',
};

function normalizeColor(color: unknown): string | null {
  if (color === null || color === undefined || color === '') return null;
  const text = String(color).trim().toLowerCase();
  if (NAMED_COLORS[text]) return NAMED_COLORS[text];
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(text);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`;
  return text;
}

function normalizeFontWeight(weight: unknown): string | null {
  if (weight === null || weight === undefined) return null;
  if (weight !== 'bold' && weight !== 'normal') throw exception(`Invalid font weight: ${String(weight)}`);
  return weight === 'normal' ? null : weight;
}

// ---- the fake classes ----

function liveSheet(sheet: SheetModel): SheetModel {
  if (sheet.deleted) throw exception(`The sheet "${sheet.name}" has been deleted.`);
  return sheet;
}

function makeRangeRef(method: string, sheet: SheetModel, args: unknown[]): RangeRef {
  if (args.length === 1 && typeof args[0] === 'string') {
    const { sheet: target, range } = sheet.spreadsheet.resolve(args[0], sheet);
    if (target !== sheet) throw exception('Range not found');
    return range;
  }
  if (args.length < 2 || args.length > 4) throw signatureError(method, args);
  const [row, column, numRows = 1, numColumns = 1] = requireInts(method, args);
  if (row < 1) throw exception('The starting row of the range is too small.');
  if (column < 1) throw exception('The starting column of the range is too small.');
  if (numRows < 1) throw exception('The number of rows in the range must be at least 1.');
  if (numColumns < 1) throw exception('The number of columns in the range must be at least 1.');
  return { row, column, endRow: row + numRows - 1, endColumn: column + numColumns - 1 };
}

function visibilityOf(value: unknown): MetadataVisibility | null {
  return value === DeveloperMetadataVisibility.DOCUMENT ? 'DOCUMENT' : value === DeveloperMetadataVisibility.PROJECT ? 'PROJECT' : null;
}

/** Apps Script's overloads: (key), (key, value), (key, visibility), (key, value, visibility). */
function metadataArgs(method: string, args: unknown[]): { key: string; value: string | null; visibility: MetadataVisibility } {
  const [key, second, third] = args;
  if (typeof key !== 'string' || args.length < 1 || args.length > 3) throw signatureError(method, args);
  let value: string | null = null;
  let visibility: MetadataVisibility = 'DOCUMENT';
  if (args.length === 2) {
    const asVisibility = visibilityOf(second);
    if (asVisibility) visibility = asVisibility;
    else if (typeof second === 'string') value = second;
    else throw signatureError(method, args);
  } else if (args.length === 3) {
    const asVisibility = visibilityOf(third);
    if (typeof second !== 'string' || !asVisibility) throw signatureError(method, args);
    value = second;
    visibility = asVisibility;
  }
  return { key, value, visibility };
}

function locationOfRange(sheet: SheetModel, range: RangeRef): MetadataLocation {
  const rect = sheet.rectOf(range);
  const wholeColumns = rect.row === 1 && rect.numRows === sheet.maxRows;
  const wholeRows = rect.column === 1 && rect.numColumns === sheet.maxColumns;
  if (wholeColumns && (!wholeRows || range.endRow === null)) {
    return { type: 'COLUMN', sheet, start: rect.column, end: rect.column + rect.numColumns - 1 };
  }
  if (wholeRows) return { type: 'ROW', sheet, start: rect.row, end: rect.row + rect.numRows - 1 };
  throw exception(
    'Adding developer metadata to arbitrary ranges is not currently supported. Developer metadata may only be added to the top-level spreadsheet, an individual sheet, or an entire row or column.',
  );
}

export class FakeSpreadsheetApp {
  readonly [SVC]: Service;
  readonly DeveloperMetadataLocationType = DeveloperMetadataLocationType;
  readonly DeveloperMetadataVisibility = DeveloperMetadataVisibility;
  readonly Dimension = Dimension;

  constructor(svc: Service) {
    this[SVC] = svc;
  }
  toString(): string {
    return 'SpreadsheetApp';
  }
  getActiveSpreadsheet(): FakeSpreadsheet | null {
    return this[SVC].detached ? null : this[SVC].spreadsheet;
  }
  getActive(): FakeSpreadsheet | null {
    return this[SVC].detached ? null : this[SVC].spreadsheet;
  }
  getActiveSheet(): FakeSheet | null {
    return this[SVC].detached ? null : new FakeSheet(this[SVC], this[SVC].model.requireActiveSheet());
  }
  getActiveRange(): FakeRange | null {
    if (this[SVC].detached) return null;
    const { sheet, range } = this[SVC].model.activeRange();
    return new FakeRange(this[SVC], sheet, range);
  }
  getCurrentCell(): FakeRange | null {
    return this[SVC].detached ? null : currentCell(this[SVC]);
  }
  getSelection(): FakeSelection | null {
    return this[SVC].detached ? null : new FakeSelection(this[SVC]);
  }
  setActiveSheet(sheet: FakeSheet): FakeSheet {
    activateSheet(this[SVC], sheet);
    return sheet;
  }
  setActiveRange(range: FakeRange): FakeRange {
    activateRange(this[SVC], range);
    return range;
  }
  getUi(): unknown {
    return this[SVC].ui();
  }
  /**
   * Writes are applied at once here; the call is counted, and the execution forgets its unflushed
   * changes (Lock.releaseLock records a release made with some pending, see services/lock.ts).
   */
  flush(): void {}
  openById(id: unknown): never {
    throw exception(`You do not have permission to call SpreadsheetApp.openById. Required permissions: ${PERMISSION_SPREADSHEETS}`);
  }
  openByUrl(url: unknown): never {
    throw exception(`You do not have permission to call SpreadsheetApp.openByUrl. Required permissions: ${PERMISSION_SPREADSHEETS}`);
  }
  create(name: unknown): never {
    throw exception(`You do not have permission to call SpreadsheetApp.create. Required permissions: ${PERMISSION_SPREADSHEETS}`);
  }
}

function currentCell(svc: Service): FakeRange {
  const sheet = svc.model.requireActiveSheet();
  const { currentRow, currentColumn } = sheet.selection;
  return new FakeRange(svc, sheet, { row: currentRow, column: currentColumn, endRow: currentRow, endColumn: currentColumn });
}

function unwrapSheet(svc: Service, sheet: unknown, method: string): SheetModel {
  if (!(sheet instanceof FakeSheet)) throw signatureError(method, [sheet]);
  return liveSheet(sheet[SHEET]);
}

function unwrapRange(range: unknown, method: string): FakeRange {
  if (!(range instanceof FakeRange)) throw signatureError(method, [range]);
  return range;
}

function activateSheet(svc: Service, sheet: unknown): void {
  svc.model.activateSheet(unwrapSheet(svc, sheet, 'Spreadsheet.setActiveSheet'));
}

function activateRange(svc: Service, range: unknown): void {
  const fake = unwrapRange(range, 'Spreadsheet.setActiveRange');
  const sheet = liveSheet(fake[SHEET]);
  const ref = fake[RANGE];
  sheet.rectOf(ref);
  sheet.selection = { range: ref, currentRow: ref.row, currentColumn: ref.column };
  svc.model.activateSheet(sheet);
}

function newSheetWrappers(svc: Service, sheets: SheetModel[]): FakeSheet[] {
  return outArray(
    svc,
    sheets.map((s) => new FakeSheet(svc, s)),
  );
}

function metadataWrappers(svc: Service, entries: MetadataEntry[]): FakeDeveloperMetadata[] {
  return outArray(
    svc,
    entries.map((e) => new FakeDeveloperMetadata(svc, e)),
  );
}

export class FakeSpreadsheet {
  readonly [SVC]: Service;
  constructor(svc: Service) {
    this[SVC] = svc;
  }
  toString(): string {
    return 'Spreadsheet';
  }
  getId(): string {
    return this[SVC].model.id;
  }
  getName(): string {
    return this[SVC].model.name;
  }
  rename(newName: unknown): void {
    if (typeof newName !== 'string') throw signatureError('Spreadsheet.rename', [newName]);
    this[SVC].model.name = newName;
    this[SVC].model.touch();
  }
  getUrl(): string {
    return `https://docs.google.com/spreadsheets/d/${this[SVC].model.id}/edit`;
  }
  getSpreadsheetTimeZone(): string {
    return this[SVC].model.timeZone;
  }
  setSpreadsheetTimeZone(timeZone: unknown): void {
    if (typeof timeZone !== 'string' || !isValidTimeZone(timeZone)) throw exception(`Invalid time zone: ${String(timeZone)}`);
    this[SVC].model.timeZone = timeZone;
  }
  getSpreadsheetLocale(): string {
    return this[SVC].model.locale;
  }
  getSheetByName(name: unknown): FakeSheet | null {
    if (typeof name !== 'string') throw signatureError('Spreadsheet.getSheetByName', [name]);
    const sheet = this[SVC].model.findSheet(name);
    return sheet ? new FakeSheet(this[SVC], sheet) : null;
  }
  getSheetById(id: unknown): FakeSheet | null {
    if (!isInt(id)) throw signatureError('Spreadsheet.getSheetById', [id]);
    const sheet = this[SVC].model.sheetById(id);
    return sheet ? new FakeSheet(this[SVC], sheet) : null;
  }
  getSheets(): FakeSheet[] {
    return newSheetWrappers(this[SVC], this[SVC].model.sheets);
  }
  getNumSheets(): number {
    return this[SVC].model.sheets.length;
  }
  getActiveSheet(): FakeSheet {
    return new FakeSheet(this[SVC], this[SVC].model.requireActiveSheet());
  }
  setActiveSheet(sheet: FakeSheet): FakeSheet {
    activateSheet(this[SVC], sheet);
    return sheet;
  }
  /** insertSheet(), (index), (name), (name, index): the new sheet becomes active, as in Sheets. */
  insertSheet(...args: unknown[]): FakeSheet {
    const model = this[SVC].model;
    let name = model.nextSheetName();
    let index = model.sheets.length;
    if (args.length === 1 && typeof args[0] === 'string') name = args[0];
    else if (args.length === 1 && isInt(args[0])) index = args[0];
    else if (args.length === 2 && typeof args[0] === 'string' && isInt(args[1])) [name, index] = [args[0], args[1]];
    else if (args.length !== 0) throw signatureError('Spreadsheet.insertSheet', args);
    const sheet = model.insertSheet(name, index);
    model.activateSheet(sheet);
    return new FakeSheet(this[SVC], sheet);
  }
  deleteSheet(sheet: unknown): void {
    this[SVC].model.deleteSheet(unwrapSheet(this[SVC], sheet, 'Spreadsheet.deleteSheet'));
  }
  getActiveRange(): FakeRange {
    const { sheet, range } = this[SVC].model.activeRange();
    return new FakeRange(this[SVC], sheet, range);
  }
  getActiveCell(): FakeRange {
    return currentCell(this[SVC]);
  }
  getCurrentCell(): FakeRange {
    return currentCell(this[SVC]);
  }
  getSelection(): FakeSelection {
    return new FakeSelection(this[SVC]);
  }
  setActiveRange(range: FakeRange): FakeRange {
    activateRange(this[SVC], range);
    return range;
  }
  toast(message: unknown, title: unknown = '', timeoutSeconds: unknown = 5): void {
    this[SVC].model.toasts.push({ message: String(message), title: String(title ?? ''), timeoutSeconds: Number(timeoutSeconds) });
    this[SVC].model.touch();
  }
  /** `Sheet1!A1:B2`, or A1 on the active sheet. */
  getRange(a1: unknown): FakeRange {
    if (typeof a1 !== 'string') throw signatureError('Spreadsheet.getRange', [a1]);
    const { sheet, range } = this[SVC].model.resolve(a1);
    sheet.rectOf(range);
    return new FakeRange(this[SVC], sheet, range);
  }
  getRangeByName(name: unknown): null {
    return null;
  }
  getLastRow(): number {
    return this[SVC].model.requireActiveSheet().lastRow();
  }
  getLastColumn(): number {
    return this[SVC].model.requireActiveSheet().lastColumn();
  }
  addDeveloperMetadata(...args: unknown[]): FakeSpreadsheet {
    const { key, value, visibility } = metadataArgs('Spreadsheet.addDeveloperMetadata', args);
    this[SVC].model.addMetadata({ type: 'SPREADSHEET' }, key, value, visibility);
    return this;
  }
  /** Metadata on the spreadsheet itself (not its sheets, rows or columns). */
  getDeveloperMetadata(): FakeDeveloperMetadata[] {
    return metadataWrappers(
      this[SVC],
      this[SVC].model.metadata.filter((m) => m.location.type === 'SPREADSHEET'),
    );
  }
  createDeveloperMetadataFinder(): FakeDeveloperMetadataFinder {
    return new FakeDeveloperMetadataFinder(this[SVC], { kind: 'spreadsheet' });
  }
}

const SHEET = Symbol('sheet');
const RANGE = Symbol('range');

export class FakeSheet {
  readonly [SVC]: Service;
  readonly [SHEET]: SheetModel;
  constructor(svc: Service, sheet: SheetModel) {
    this[SVC] = svc;
    this[SHEET] = sheet;
  }
  toString(): string {
    return 'Sheet';
  }
  getName(): string {
    return liveSheet(this[SHEET]).name;
  }
  getSheetName(): string {
    return liveSheet(this[SHEET]).name;
  }
  setName(name: unknown): FakeSheet {
    if (typeof name !== 'string') throw signatureError('Sheet.setName', [name]);
    this[SVC].model.renameSheet(liveSheet(this[SHEET]), name);
    return this;
  }
  getSheetId(): number {
    return liveSheet(this[SHEET]).sheetId;
  }
  /** 1-based position among the sheets. */
  getIndex(): number {
    return this[SVC].model.sheets.indexOf(liveSheet(this[SHEET])) + 1;
  }
  getParent(): FakeSpreadsheet {
    return this[SVC].spreadsheet;
  }
  isSheetHidden(): boolean {
    return false;
  }
  /** getRange(row, column[, numRows[, numColumns]]) or getRange(a1). A range past the grid throws, as in Sheets. */
  getRange(...args: unknown[]): FakeRange {
    const sheet = liveSheet(this[SHEET]);
    const range = makeRangeRef('Sheet.getRange', sheet, args);
    sheet.rectOf(range);
    return new FakeRange(this[SVC], sheet, range);
  }
  getSheetValues(...args: unknown[]): CellValue[][] {
    const sheet = liveSheet(this[SHEET]);
    if (args.length !== 4) throw signatureError('Sheet.getSheetValues', args);
    const [row, column, numRows, numColumns] = requireInts('Sheet.getSheetValues', args);
    const range = makeRangeRef('Sheet.getSheetValues', sheet, [row, column, numRows === -1 ? sheet.lastRow() - row + 1 : numRows, numColumns === -1 ? sheet.lastColumn() - column + 1 : numColumns]);
    return readValues(this[SVC], sheet, sheet.rectOf(range));
  }
  getDataRange(): FakeRange {
    const sheet = liveSheet(this[SHEET]);
    const lastRow = Math.max(1, sheet.lastRow());
    const lastColumn = Math.max(1, sheet.lastColumn());
    return new FakeRange(this[SVC], sheet, { row: 1, column: 1, endRow: lastRow, endColumn: lastColumn });
  }
  getLastRow(): number {
    return liveSheet(this[SHEET]).lastRow();
  }
  getLastColumn(): number {
    return liveSheet(this[SHEET]).lastColumn();
  }
  getMaxRows(): number {
    return liveSheet(this[SHEET]).maxRows;
  }
  getMaxColumns(): number {
    return liveSheet(this[SHEET]).maxColumns;
  }
  getFrozenRows(): number {
    return liveSheet(this[SHEET]).frozenRows;
  }
  setFrozenRows(rows: unknown): void {
    const sheet = liveSheet(this[SHEET]);
    const [n] = requireInts('Sheet.setFrozenRows', [rows]);
    if (n < 0 || n >= sheet.maxRows) throw exception('Sorry, it is not possible to freeze all rows.');
    sheet.frozenRows = n;
    this[SVC].model.touch();
  }
  getFrozenColumns(): number {
    return liveSheet(this[SHEET]).frozenColumns;
  }
  setFrozenColumns(columns: unknown): void {
    const sheet = liveSheet(this[SHEET]);
    const [n] = requireInts('Sheet.setFrozenColumns', [columns]);
    if (n < 0 || n >= sheet.maxColumns) throw exception('Sorry, it is not possible to freeze all columns.');
    sheet.frozenColumns = n;
    this[SVC].model.touch();
  }
  insertRowBefore(beforePosition: unknown): FakeSheet {
    insertDimension(this, 'ROWS', 'Sheet.insertRowBefore', [beforePosition], 'before');
    return this;
  }
  insertRowAfter(afterPosition: unknown): FakeSheet {
    insertDimension(this, 'ROWS', 'Sheet.insertRowAfter', [afterPosition], 'after');
    return this;
  }
  insertRowsBefore(beforePosition: unknown, howMany: unknown): FakeSheet {
    insertDimension(this, 'ROWS', 'Sheet.insertRowsBefore', [beforePosition, howMany], 'before');
    return this;
  }
  insertRowsAfter(afterPosition: unknown, howMany: unknown): FakeSheet {
    insertDimension(this, 'ROWS', 'Sheet.insertRowsAfter', [afterPosition, howMany], 'after');
    return this;
  }
  /** insertRows(rowIndex[, numRows]): blank rows at rowIndex. */
  insertRows(...args: unknown[]): void {
    insertDimension(this, 'ROWS', 'Sheet.insertRows', args, 'before');
  }
  insertColumnBefore(beforePosition: unknown): FakeSheet {
    insertDimension(this, 'COLUMNS', 'Sheet.insertColumnBefore', [beforePosition], 'before');
    return this;
  }
  insertColumnAfter(afterPosition: unknown): FakeSheet {
    insertDimension(this, 'COLUMNS', 'Sheet.insertColumnAfter', [afterPosition], 'after');
    return this;
  }
  insertColumnsBefore(beforePosition: unknown, howMany: unknown): FakeSheet {
    insertDimension(this, 'COLUMNS', 'Sheet.insertColumnsBefore', [beforePosition, howMany], 'before');
    return this;
  }
  insertColumnsAfter(afterPosition: unknown, howMany: unknown): FakeSheet {
    insertDimension(this, 'COLUMNS', 'Sheet.insertColumnsAfter', [afterPosition, howMany], 'after');
    return this;
  }
  insertColumns(...args: unknown[]): void {
    insertDimension(this, 'COLUMNS', 'Sheet.insertColumns', args, 'before');
  }
  deleteRow(rowPosition: unknown): FakeSheet {
    const [row] = requireInts('Sheet.deleteRow', [rowPosition]);
    liveSheet(this[SHEET]).deleteRows(row, 1);
    return this;
  }
  deleteRows(rowPosition: unknown, howMany: unknown): void {
    const [row, count] = requireInts('Sheet.deleteRows', [rowPosition, howMany]);
    liveSheet(this[SHEET]).deleteRows(row, count);
  }
  deleteColumn(columnPosition: unknown): FakeSheet {
    const [column] = requireInts('Sheet.deleteColumn', [columnPosition]);
    liveSheet(this[SHEET]).deleteColumns(column, 1);
    return this;
  }
  deleteColumns(columnPosition: unknown, howMany: unknown): void {
    const [column, count] = requireInts('Sheet.deleteColumns', [columnPosition, howMany]);
    liveSheet(this[SHEET]).deleteColumns(column, count);
  }
  /** Moves the columns the range spans so they sit before `destinationIndex` (numbered before the move). */
  moveColumns(columnSpec: unknown, destinationIndex: unknown): void {
    const range = unwrapRange(columnSpec, 'Sheet.moveColumns');
    const [destination] = requireInts('Sheet.moveColumns', [destinationIndex]);
    const sheet = liveSheet(this[SHEET]);
    const rect = sheet.rectOf(range[RANGE]);
    sheet.moveColumns(rect.column, rect.numColumns, destination);
  }
  moveRows(rowSpec: unknown, destinationIndex: unknown): void {
    const range = unwrapRange(rowSpec, 'Sheet.moveRows');
    const [destination] = requireInts('Sheet.moveRows', [destinationIndex]);
    const sheet = liveSheet(this[SHEET]);
    const rect = sheet.rectOf(range[RANGE]);
    sheet.moveRows(rect.row, rect.numRows, destination);
  }
  appendRow(rowContents: unknown): FakeSheet {
    if (!Array.isArray(rowContents)) throw signatureError('Sheet.appendRow', [rowContents]);
    const sheet = liveSheet(this[SHEET]);
    const row = sheet.lastRow() + 1;
    sheet.ensureSize(row, rowContents.length);
    sheet.writeInputs(row, 1, [rowContents]);
    return this;
  }
  activate(): FakeSheet {
    this[SVC].model.activateSheet(liveSheet(this[SHEET]));
    return this;
  }
  getActiveRange(): FakeRange {
    const { sheet, range } = this[SVC].model.activeRange();
    return new FakeRange(this[SVC], sheet, range);
  }
  getActiveCell(): FakeRange {
    return currentCell(this[SVC]);
  }
  getCurrentCell(): FakeRange {
    return currentCell(this[SVC]);
  }
  setActiveRange(range: FakeRange): FakeRange {
    activateRange(this[SVC], range);
    return range;
  }
  setActiveSelection(rangeOrA1: unknown): FakeRange {
    const range = typeof rangeOrA1 === 'string' ? new FakeRange(this[SVC], liveSheet(this[SHEET]), makeRangeRef('Sheet.setActiveSelection', this[SHEET], [rangeOrA1])) : unwrapRange(rangeOrA1, 'Sheet.setActiveSelection');
    activateRange(this[SVC], range);
    return range;
  }
  /** No layout here: accepted (and counted) so scripts that tidy widths run unchanged. */
  autoResizeColumns(startColumn: unknown, numColumns: unknown): FakeSheet {
    const [start, count] = requireInts('Sheet.autoResizeColumns', [startColumn, numColumns]);
    liveSheet(this[SHEET]).rectOf({ row: 1, column: start, endRow: 1, endColumn: start + count - 1 });
    return this;
  }
  autoResizeColumn(columnPosition: unknown): FakeSheet {
    const [column] = requireInts('Sheet.autoResizeColumn', [columnPosition]);
    liveSheet(this[SHEET]).rectOf({ row: 1, column, endRow: 1, endColumn: column });
    return this;
  }
  setColumnWidth(columnPosition: unknown, width: unknown): FakeSheet {
    const [column, pixels] = requireInts('Sheet.setColumnWidth', [columnPosition, width]);
    liveSheet(this[SHEET]).columnWidths.set(column, pixels);
    return this;
  }
  setColumnWidths(startColumn: unknown, numColumns: unknown, width: unknown): FakeSheet {
    const [start, count, pixels] = requireInts('Sheet.setColumnWidths', [startColumn, numColumns, width]);
    for (let c = start; c < start + count; c += 1) liveSheet(this[SHEET]).columnWidths.set(c, pixels);
    return this;
  }
  getColumnWidth(columnPosition: unknown): number {
    const [column] = requireInts('Sheet.getColumnWidth', [columnPosition]);
    return liveSheet(this[SHEET]).columnWidths.get(column) ?? 100;
  }
  clear(): FakeSheet {
    const sheet = liveSheet(this[SHEET]);
    sheet.clearCells(wholeSheet(sheet), { contents: true, formats: true });
    return this;
  }
  clearContents(): FakeSheet {
    const sheet = liveSheet(this[SHEET]);
    sheet.clearCells(wholeSheet(sheet), { contents: true });
    return this;
  }
  clearFormats(): FakeSheet {
    const sheet = liveSheet(this[SHEET]);
    sheet.clearCells(wholeSheet(sheet), { formats: true });
    return this;
  }
  clearNotes(): FakeSheet {
    const sheet = liveSheet(this[SHEET]);
    sheet.clearCells(wholeSheet(sheet), { notes: true });
    return this;
  }
  addDeveloperMetadata(...args: unknown[]): FakeSheet {
    const { key, value, visibility } = metadataArgs('Sheet.addDeveloperMetadata', args);
    this[SVC].model.addMetadata({ type: 'SHEET', sheet: liveSheet(this[SHEET]) }, key, value, visibility);
    return this;
  }
  /** Metadata on the sheet itself (row and column metadata are found with createDeveloperMetadataFinder). */
  getDeveloperMetadata(): FakeDeveloperMetadata[] {
    const sheet = liveSheet(this[SHEET]);
    return metadataWrappers(
      this[SVC],
      this[SVC].model.metadata.filter((m) => m.location.type === 'SHEET' && m.location.sheet === sheet),
    );
  }
  createDeveloperMetadataFinder(): FakeDeveloperMetadataFinder {
    return new FakeDeveloperMetadataFinder(this[SVC], { kind: 'sheet', sheet: liveSheet(this[SHEET]) });
  }
}

function wholeSheet(sheet: SheetModel): GridRect {
  return { row: 1, column: 1, numRows: sheet.maxRows, numColumns: sheet.maxColumns };
}

function insertDimension(fake: FakeSheet, dimension: 'ROWS' | 'COLUMNS', method: string, args: unknown[], where: 'before' | 'after'): void {
  if (args.length === 1) args = [args[0], 1];
  if (args.length !== 2) throw signatureError(method, args);
  const [position, count] = requireInts(method, args);
  const sheet = liveSheet(fake[SHEET]);
  const max = dimension === 'ROWS' ? sheet.maxRows : sheet.maxColumns;
  if (position < 1 || position > max) throw exception(`Those ${dimension === 'ROWS' ? 'rows' : 'columns'} are out of bounds.`);
  sheet.insertDimension(dimension, where === 'before' ? position : position + 1, count);
}

function readValues(svc: Service, sheet: SheetModel, rect: GridRect): CellValue[][] {
  return out2d(
    svc,
    sheet.readRect(rect, (cell) => (cell ? outValue(svc, cell.value) : '')),
  );
}

export class FakeRange {
  readonly [SVC]: Service;
  readonly [SHEET]: SheetModel;
  readonly [RANGE]: RangeRef;
  constructor(svc: Service, sheet: SheetModel, range: RangeRef) {
    this[SVC] = svc;
    this[SHEET] = sheet;
    this[RANGE] = range;
  }
  toString(): string {
    return 'Range';
  }
  getValues(): CellValue[][] {
    const { sheet, rect } = resolveRange(this);
    return readValues(this[SVC], sheet, rect);
  }
  getValue(): CellValue {
    const { sheet, rect } = resolveRange(this);
    const cell = sheet.cellAt(rect.row, rect.column);
    return cell ? outValue(this[SVC], cell.value) : '';
  }
  /** Interprets strings as Sheets does for typed input (formulas, numbers, dates, booleans) unless written as text. */
  setValues(values: unknown): FakeRange {
    const grid = require2d('Range.setValues', values);
    const { sheet, rect } = resolveRange(this);
    checkShape(grid, rect);
    sheet.writeInputs(rect.row, rect.column, grid);
    return this;
  }
  /** Writes the value into every cell of the range. */
  setValue(value: unknown): FakeRange {
    const { sheet, rect } = resolveRange(this);
    sheet.writeInputs(rect.row, rect.column, fill(rect, value));
    return this;
  }
  getDisplayValues(): string[][] {
    const { sheet, rect } = resolveRange(this);
    return out2d(
      this[SVC],
      sheet.readRect(rect, (cell) => sheet.display(cell)),
    );
  }
  getDisplayValue(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.display(sheet.cellAt(rect.row, rect.column));
  }
  getFormulas(): string[][] {
    const { sheet, rect } = resolveRange(this);
    return out2d(
      this[SVC],
      sheet.readRect(rect, (cell) => cell?.formula ?? ''),
    );
  }
  getFormula(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.cellAt(rect.row, rect.column)?.formula ?? '';
  }
  setFormula(formula: unknown): FakeRange {
    if (typeof formula !== 'string') throw signatureError('Range.setFormula', [formula]);
    const { sheet, rect } = resolveRange(this);
    sheet.writeInputs(rect.row, rect.column, fill(rect, formula), true, true);
    return this;
  }
  setFormulas(formulas: unknown): FakeRange {
    const grid = require2d('Range.setFormulas', formulas);
    const { sheet, rect } = resolveRange(this);
    checkShape(grid, rect);
    sheet.writeInputs(rect.row, rect.column, grid, true, true);
    return this;
  }
  getNumberFormats(): string[][] {
    const { sheet, rect } = resolveRange(this);
    return out2d(
      this[SVC],
      sheet.readRect(rect, (cell) => cell?.numberFormat ?? DEFAULT_NUMBER_FORMAT),
    );
  }
  getNumberFormat(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.cellAt(rect.row, rect.column)?.numberFormat ?? DEFAULT_NUMBER_FORMAT;
  }
  setNumberFormat(numberFormat: unknown): FakeRange {
    if (typeof numberFormat !== 'string') throw signatureError('Range.setNumberFormat', [numberFormat]);
    writeAttribute(this, fillGrid(this, numberFormat), (cell, f) => (cell.numberFormat = f === '' ? null : String(f)));
    return this;
  }
  setNumberFormats(numberFormats: unknown): FakeRange {
    const grid = require2d('Range.setNumberFormats', numberFormats);
    writeAttribute(this, grid, (cell, f) => (cell.numberFormat = f === null || f === undefined || f === '' ? null : String(f)));
    return this;
  }
  getNotes(): string[][] {
    const { sheet, rect } = resolveRange(this);
    return out2d(
      this[SVC],
      sheet.readRect(rect, (cell) => cell?.note ?? ''),
    );
  }
  getNote(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.cellAt(rect.row, rect.column)?.note ?? '';
  }
  setNote(note: unknown): FakeRange {
    writeAttribute(this, fillGrid(this, note), (cell, n) => (cell.note = n === null || n === undefined ? '' : String(n)));
    return this;
  }
  setNotes(notes: unknown): FakeRange {
    const grid = require2d('Range.setNotes', notes);
    writeAttribute(this, grid, (cell, n) => (cell.note = n === null || n === undefined ? '' : String(n)));
    return this;
  }
  clearNote(): FakeRange {
    const { sheet, rect } = resolveRange(this);
    sheet.clearCells(rect, { notes: true });
    return this;
  }
  getBackgrounds(): string[][] {
    const { sheet, rect } = resolveRange(this);
    return out2d(
      this[SVC],
      sheet.readRect(rect, (cell) => cell?.background ?? DEFAULT_BACKGROUND),
    );
  }
  getBackground(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.cellAt(rect.row, rect.column)?.background ?? DEFAULT_BACKGROUND;
  }
  setBackground(color: unknown): FakeRange {
    writeAttribute(this, fillGrid(this, color), (cell, c) => (cell.background = normalizeColor(c)));
    return this;
  }
  setBackgrounds(colors: unknown): FakeRange {
    const grid = require2d('Range.setBackgrounds', colors);
    writeAttribute(this, grid, (cell, c) => (cell.background = normalizeColor(c)));
    return this;
  }
  getFontWeights(): string[][] {
    const { sheet, rect } = resolveRange(this);
    return out2d(
      this[SVC],
      sheet.readRect(rect, (cell) => cell?.fontWeight ?? DEFAULT_FONT_WEIGHT),
    );
  }
  getFontWeight(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.cellAt(rect.row, rect.column)?.fontWeight ?? DEFAULT_FONT_WEIGHT;
  }
  setFontWeight(fontWeight: unknown): FakeRange {
    const weight = normalizeFontWeight(fontWeight);
    writeAttribute(this, fillGrid(this, weight), (cell) => (cell.fontWeight = weight));
    return this;
  }
  setFontWeights(fontWeights: unknown): FakeRange {
    const grid = require2d('Range.setFontWeights', fontWeights).map((line) => line.map(normalizeFontWeight));
    writeAttribute(this, grid, (cell, w) => (cell.fontWeight = w as string | null));
    return this;
  }
  getFontColor(): string {
    const { sheet, rect } = resolveRange(this);
    return sheet.cellAt(rect.row, rect.column)?.fontColor ?? DEFAULT_FONT_COLOR;
  }
  setFontColor(color: unknown): FakeRange {
    writeAttribute(this, fillGrid(this, color), (cell, c) => (cell.fontColor = normalizeColor(c)));
    return this;
  }
  /** Values and formulas only; formats and notes stay. */
  clearContent(): FakeRange {
    const { sheet, rect } = resolveRange(this);
    sheet.clearCells(rect, { contents: true });
    return this;
  }
  clearFormat(): FakeRange {
    const { sheet, rect } = resolveRange(this);
    sheet.clearCells(rect, { formats: true });
    return this;
  }
  /** clear(): contents and formats. clear({contentsOnly, formatOnly, commentsOnly}) narrows it; notes go with commentsOnly. */
  clear(options?: unknown): FakeRange {
    const { sheet, rect } = resolveRange(this);
    const o = (options ?? {}) as { contentsOnly?: boolean; formatOnly?: boolean; commentsOnly?: boolean };
    const narrowed = o.contentsOnly || o.formatOnly || o.commentsOnly;
    sheet.clearCells(rect, narrowed ? { contents: o.contentsOnly, formats: o.formatOnly, notes: o.commentsOnly } : { contents: true, formats: true });
    return this;
  }
  isBlank(): boolean {
    const { sheet, rect } = resolveRange(this);
    return sheet.readRect(rect, (cell) => !cell || (cell.value === '' && cell.formula === '')).every((line) => line.every(Boolean));
  }
  getRow(): number {
    return resolveRange(this).rect.row;
  }
  getColumn(): number {
    return resolveRange(this).rect.column;
  }
  getLastRow(): number {
    const { rect } = resolveRange(this);
    return rect.row + rect.numRows - 1;
  }
  getLastColumn(): number {
    const { rect } = resolveRange(this);
    return rect.column + rect.numColumns - 1;
  }
  getNumRows(): number {
    return resolveRange(this).rect.numRows;
  }
  getNumColumns(): number {
    return resolveRange(this).rect.numColumns;
  }
  getHeight(): number {
    return resolveRange(this).rect.numRows;
  }
  getWidth(): number {
    return resolveRange(this).rect.numColumns;
  }
  /** Without the sheet name, as Apps Script: `B2:D10`, `C:C`, `2:2`. */
  getA1Notation(): string {
    resolveRange(this);
    return formatA1(this[RANGE]);
  }
  getSheet(): FakeSheet {
    return new FakeSheet(this[SVC], liveSheet(this[SHEET]));
  }
  getGridId(): number {
    return liveSheet(this[SHEET]).sheetId;
  }
  activate(): FakeRange {
    activateRange(this[SVC], this);
    return this;
  }
  activateAsCurrentCell(): FakeRange {
    const { sheet, rect } = resolveRange(this);
    if (rect.numRows !== 1 || rect.numColumns !== 1) throw exception('The range must be a single cell.');
    activateRange(this[SVC], this);
    sheet.selection.currentRow = rect.row;
    sheet.selection.currentColumn = rect.column;
    return this;
  }
  /** offset(rowOffset, columnOffset[, numRows[, numColumns]]); keeps this range's size unless given. */
  offset(...args: unknown[]): FakeRange {
    if (args.length < 2 || args.length > 4) throw signatureError('Range.offset', args);
    const [rowOffset, columnOffset, numRows, numColumns] = requireInts('Range.offset', args);
    const { sheet, rect } = resolveRange(this);
    const ref = makeRangeRef('Range.offset', sheet, [rect.row + rowOffset, rect.column + columnOffset, numRows ?? rect.numRows, numColumns ?? rect.numColumns]);
    sheet.rectOf(ref);
    return new FakeRange(this[SVC], sheet, ref);
  }
  /** A cell relative to this range, 1-based. */
  getCell(row: unknown, column: unknown): FakeRange {
    const [r, c] = requireInts('Range.getCell', [row, column]);
    const { sheet, rect } = resolveRange(this);
    if (r < 1 || c < 1 || r > rect.numRows || c > rect.numColumns) throw exception('Cell reference out of range');
    const at = { row: rect.row + r - 1, column: rect.column + c - 1 };
    return new FakeRange(this[SVC], sheet, { ...at, endRow: at.row, endColumn: at.column });
  }
  /** Only on whole rows or whole columns (`C:C`, `2:2`), as Sheets allows. */
  addDeveloperMetadata(...args: unknown[]): FakeRange {
    const { key, value, visibility } = metadataArgs('Range.addDeveloperMetadata', args);
    const sheet = liveSheet(this[SHEET]);
    this[SVC].model.addMetadata(locationOfRange(sheet, this[RANGE]), key, value, visibility);
    return this;
  }
  /** Metadata located exactly on this range's rows or columns. */
  getDeveloperMetadata(): FakeDeveloperMetadata[] {
    const { sheet, rect } = resolveRange(this);
    const wholeColumns = rect.row === 1 && rect.numRows === sheet.maxRows;
    const wholeRows = rect.column === 1 && rect.numColumns === sheet.maxColumns;
    const matches = this[SVC].model.metadata.filter((m) => {
      const loc = m.location;
      if (loc.type === 'COLUMN' && wholeColumns) return loc.sheet === sheet && loc.start === rect.column && loc.end === rect.column + rect.numColumns - 1;
      if (loc.type === 'ROW' && wholeRows) return loc.sheet === sheet && loc.start === rect.row && loc.end === rect.row + rect.numRows - 1;
      return false;
    });
    return metadataWrappers(this[SVC], matches);
  }
  createDeveloperMetadataFinder(): FakeDeveloperMetadataFinder {
    resolveRange(this);
    return new FakeDeveloperMetadataFinder(this[SVC], { kind: 'range', sheet: this[SHEET], range: this[RANGE] });
  }
}

/** Ranges keep the coordinates they were created with (as Apps Script ranges do) and read cells at call time. */
function resolveRange(range: FakeRange): { sheet: SheetModel; rect: GridRect } {
  const sheet = liveSheet(range[SHEET]);
  return { sheet, rect: sheet.rectOf(range[RANGE]) };
}

function fill<T>(rect: GridRect, value: T): T[][] {
  return Array.from({ length: rect.numRows }, () => new Array<T>(rect.numColumns).fill(value));
}

function fillGrid(range: FakeRange, value: unknown): unknown[][] {
  return fill(resolveRange(range).rect, value);
}

function writeAttribute(range: FakeRange, grid: unknown[][], apply: (cell: ReturnType<SheetModel['cellFor']>, value: unknown) => void): void {
  const { sheet, rect } = resolveRange(range);
  checkShape(grid, rect);
  grid.forEach((line, r) => line.forEach((value, c) => apply(sheet.cellFor(rect.row + r, rect.column + c), value)));
  sheet.spreadsheet.touch();
}

export class FakeSelection {
  readonly [SVC]: Service;
  constructor(svc: Service) {
    this[SVC] = svc;
  }
  toString(): string {
    return 'Selection';
  }
  getActiveRange(): FakeRange {
    const { sheet, range } = this[SVC].model.activeRange();
    return new FakeRange(this[SVC], sheet, range);
  }
  getActiveSheet(): FakeSheet {
    return new FakeSheet(this[SVC], this[SVC].model.requireActiveSheet());
  }
  getCurrentCell(): FakeRange {
    return currentCell(this[SVC]);
  }
}

function liveEntry(entry: MetadataEntry): MetadataEntry {
  if (entry.removed) throw exception(`Developer metadata with ID ${entry.id} no longer exists.`);
  return entry;
}

export class FakeDeveloperMetadata {
  readonly [SVC]: Service;
  private readonly entry: MetadataEntry;
  constructor(svc: Service, entry: MetadataEntry) {
    this[SVC] = svc;
    this.entry = entry;
  }
  toString(): string {
    return 'DeveloperMetadata';
  }
  getId(): number {
    return liveEntry(this.entry).id;
  }
  getKey(): string {
    return liveEntry(this.entry).key;
  }
  /** null when the metadata was added without a value. */
  getValue(): string | null {
    return liveEntry(this.entry).value;
  }
  getVisibility(): EnumValue {
    return DeveloperMetadataVisibility[liveEntry(this.entry).visibility];
  }
  getLocation(): FakeDeveloperMetadataLocation {
    return new FakeDeveloperMetadataLocation(this[SVC], liveEntry(this.entry));
  }
  setKey(key: unknown): FakeDeveloperMetadata {
    const entry = liveEntry(this.entry);
    if (typeof key !== 'string' || key === '') throw signatureError('DeveloperMetadata.setKey', [key]);
    this[SVC].model.checkMetadataBudget(entry.location, key.length - entry.key.length);
    entry.key = key;
    this[SVC].model.touch();
    return this;
  }
  setValue(value: unknown): FakeDeveloperMetadata {
    const entry = liveEntry(this.entry);
    if (typeof value !== 'string') throw signatureError('DeveloperMetadata.setValue', [value]);
    this[SVC].model.checkMetadataBudget(entry.location, value.length - (entry.value?.length ?? 0));
    entry.value = value;
    this[SVC].model.touch();
    return this;
  }
  setVisibility(visibility: unknown): FakeDeveloperMetadata {
    const entry = liveEntry(this.entry);
    const v = visibilityOf(visibility);
    if (!v) throw signatureError('DeveloperMetadata.setVisibility', [visibility]);
    entry.visibility = v;
    return this;
  }
  remove(): void {
    this[SVC].model.removeMetadata(liveEntry(this.entry));
  }
  moveToColumn(column: unknown): FakeDeveloperMetadata {
    const range = unwrapRange(column, 'DeveloperMetadata.moveToColumn');
    const location = locationOfRange(liveSheet(range[SHEET]), range[RANGE]);
    if (location.type !== 'COLUMN') throw exception('The range must be one or more whole columns.');
    relocate(this[SVC], liveEntry(this.entry), location);
    return this;
  }
  moveToRow(row: unknown): FakeDeveloperMetadata {
    const range = unwrapRange(row, 'DeveloperMetadata.moveToRow');
    const sheet = liveSheet(range[SHEET]);
    const rect = sheet.rectOf(range[RANGE]);
    if (rect.column !== 1 || rect.numColumns !== sheet.maxColumns) throw exception('The range must be one or more whole rows.');
    relocate(this[SVC], liveEntry(this.entry), { type: 'ROW', sheet, start: rect.row, end: rect.row + rect.numRows - 1 });
    return this;
  }
  moveToSheet(sheet: unknown): FakeDeveloperMetadata {
    relocate(this[SVC], liveEntry(this.entry), { type: 'SHEET', sheet: unwrapSheet(this[SVC], sheet, 'DeveloperMetadata.moveToSheet') });
    return this;
  }
  moveToSpreadsheet(): FakeDeveloperMetadata {
    relocate(this[SVC], liveEntry(this.entry), { type: 'SPREADSHEET' });
    return this;
  }
}

function relocate(svc: Service, entry: MetadataEntry, location: MetadataLocation): void {
  const sameOwner =
    (entry.location.type === 'SPREADSHEET' && location.type === 'SPREADSHEET') ||
    (entry.location.type !== 'SPREADSHEET' && location.type !== 'SPREADSHEET' && entry.location.sheet === location.sheet);
  if (!sameOwner) svc.model.checkMetadataBudget(location, entry.key.length + (entry.value?.length ?? 0));
  entry.location = location;
  svc.model.touch();
}

export class FakeDeveloperMetadataLocation {
  readonly [SVC]: Service;
  private readonly entry: MetadataEntry;
  constructor(svc: Service, entry: MetadataEntry) {
    this[SVC] = svc;
    this.entry = entry;
  }
  toString(): string {
    return 'DeveloperMetadataLocation';
  }
  getLocationType(): EnumValue {
    return DeveloperMetadataLocationType[liveEntry(this.entry).location.type];
  }
  /** The column range where the metadata is now (it follows inserts and moves); null unless column metadata. */
  getColumn(): FakeRange | null {
    const loc = liveEntry(this.entry).location;
    if (loc.type !== 'COLUMN') return null;
    return new FakeRange(this[SVC], loc.sheet, { row: 1, column: loc.start, endRow: null, endColumn: loc.end });
  }
  getRow(): FakeRange | null {
    const loc = liveEntry(this.entry).location;
    if (loc.type !== 'ROW') return null;
    return new FakeRange(this[SVC], loc.sheet, { row: loc.start, column: 1, endRow: loc.end, endColumn: null });
  }
  getSheet(): FakeSheet | null {
    const loc = liveEntry(this.entry).location;
    return loc.type === 'SHEET' ? new FakeSheet(this[SVC], loc.sheet) : null;
  }
  getSpreadsheet(): FakeSpreadsheet | null {
    return liveEntry(this.entry).location.type === 'SPREADSHEET' ? this[SVC].spreadsheet : null;
  }
}

type FinderScope = { kind: 'spreadsheet' } | { kind: 'sheet'; sheet: SheetModel } | { kind: 'range'; sheet: SheetModel; range: RangeRef };

export class FakeDeveloperMetadataFinder {
  readonly [SVC]: Service;
  private readonly scope: FinderScope;
  private readonly filters: ((m: MetadataEntry) => boolean)[] = [];
  private intersecting = false;
  constructor(svc: Service, scope: FinderScope) {
    this[SVC] = svc;
    this.scope = scope;
  }
  toString(): string {
    return 'DeveloperMetadataFinder';
  }
  withKey(key: unknown): FakeDeveloperMetadataFinder {
    this.filters.push((m) => m.key === key);
    return this;
  }
  withValue(value: unknown): FakeDeveloperMetadataFinder {
    this.filters.push((m) => m.value === value);
    return this;
  }
  withId(id: unknown): FakeDeveloperMetadataFinder {
    this.filters.push((m) => m.id === id);
    return this;
  }
  withLocationType(locationType: unknown): FakeDeveloperMetadataFinder {
    this.filters.push((m) => DeveloperMetadataLocationType[m.location.type] === locationType);
    return this;
  }
  withVisibility(visibility: unknown): FakeDeveloperMetadataFinder {
    this.filters.push((m) => DeveloperMetadataVisibility[m.visibility] === visibility);
    return this;
  }
  /** Range scope: match metadata that only overlaps the range, not just metadata wholly inside it. */
  onIntersectingLocations(): FakeDeveloperMetadataFinder {
    this.intersecting = true;
    return this;
  }
  find(): FakeDeveloperMetadata[] {
    const inScope = (m: MetadataEntry) => metadataInScope(m, this.scope, this.intersecting);
    return metadataWrappers(
      this[SVC],
      this[SVC].model.metadata.filter((m) => !m.removed && inScope(m) && this.filters.every((f) => f(m))),
    );
  }
}

function metadataInScope(m: MetadataEntry, scope: FinderScope, intersecting: boolean): boolean {
  const loc = m.location;
  if (scope.kind === 'spreadsheet') return true;
  if (loc.type === 'SPREADSHEET' || loc.sheet !== scope.sheet) return false;
  if (scope.kind === 'sheet') return true;
  if (loc.type === 'SHEET') return false;
  const sheet = scope.sheet;
  const rect = sheet.rectOf(scope.range);
  const rows: [number, number] = loc.type === 'ROW' ? [loc.start, loc.end] : [1, sheet.maxRows];
  const columns: [number, number] = loc.type === 'COLUMN' ? [loc.start, loc.end] : [1, sheet.maxColumns];
  const rangeRows: [number, number] = [rect.row, rect.row + rect.numRows - 1];
  const rangeColumns: [number, number] = [rect.column, rect.column + rect.numColumns - 1];
  if (intersecting) return overlaps(rows, rangeRows) && overlaps(columns, rangeColumns);
  return contains(rangeRows, rows) && contains(rangeColumns, columns);
}

function overlaps(a: [number, number], b: [number, number]): boolean {
  return a[0] <= b[1] && b[0] <= a[1];
}

function contains(outer: [number, number], inner: [number, number]): boolean {
  return outer[0] <= inner[0] && inner[1] <= outer[1];
}

for (const [cls, name] of [
  [FakeSpreadsheetApp, 'SpreadsheetApp'],
  [FakeSpreadsheet, 'Spreadsheet'],
  [FakeSheet, 'Sheet'],
  [FakeRange, 'Range'],
  [FakeSelection, 'Selection'],
  [FakeDeveloperMetadata, 'DeveloperMetadata'],
  [FakeDeveloperMetadataLocation, 'DeveloperMetadataLocation'],
  [FakeDeveloperMetadataFinder, 'DeveloperMetadataFinder'],
] as const) {
  guarded(cls, name);
}

/** The SpreadsheetApp global. `ui()` supplies what getUi() returns (the runtime decides per execution mode). */
export function createSpreadsheetApp(model: SpreadsheetModel, guard: ServiceGuard, ui: () => unknown, options: SpreadsheetAppOptions = {}): object {
  const svc = { model, guard, ui, realm: options.realm ?? {}, detached: options.detached ?? false } as Service;
  svc.spreadsheet = new FakeSpreadsheet(svc);
  return new FakeSpreadsheetApp(svc);
}

export { A1SyntaxError };
