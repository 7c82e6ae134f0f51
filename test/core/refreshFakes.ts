// Fakes for the scheduled refresh's unit tests: an in-memory sheet with notes, backgrounds and
// developer metadata that follows inserted and moved columns, a property store with the 9 KB
// limit, a scripted engine, this user's triggers under the add-on rule, and a world that lays
// out an enriched range exactly as the bulk job does (status column, data columns, metadata).
import { columnsFor, parseFieldSelection, selectionKey, type Column } from '../../src/core/catalog';
import { toSheetValue } from '../../src/core/cellText';
import { CHANGES_METADATA_KEY } from '../../src/core/changeTracking';
import type { EnrichOptions, EnrichResult } from '../../src/core/enrich';
import { DEFAULT_MAX_REQUEST_MS, emptyStats } from '../../src/core/enrich';
import { FATAL_CODES, type ErrorCode } from '../../src/core/errors';
import { flattenPerson } from '../../src/core/flatten';
import { classifyIdentifier } from '../../src/core/identifiers';
import type { StoredJob } from '../../src/core/jobState';
import type { KeyValueStore, RefreshSheet, TimeZone, TriggerPort } from '../../src/core/ports';
import type { RefreshDeps } from '../../src/core/refresh';
import type { ControlDeps } from '../../src/core/refreshControl';
import { COLUMN_METADATA_KEY, decodeColumnRecord, encodeColumnRecord, layoutMarks, STATUS_HEADER, type ColumnMark } from '../../src/core/sheetTarget';
import type { CellValue, PersonData, RowOutcome } from '../../src/core/types';
import { FakeStore } from '../helpers/fakeStore';
import { FakeClock, FakeLock } from './fakes';

export { FakeStore };

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
/** Monday 5 January 2026, 00:00 UTC. */
export const MONDAY = Date.UTC(2026, 0, 5);

/** A time zone from Intl, as Utilities.formatDate would give it. */
export function intlZone(timeZone: string): TimeZone {
  const format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
  return {
    offsetMs(epochMs) {
      const parts = Object.fromEntries(format.formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]));
      const wall = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute));
      return wall - Math.floor(epochMs / 60_000) * 60_000;
    },
  };
}

interface Cell {
  value: unknown;
  note: string;
  background: string;
}

interface Metadata {
  column: number;
  key: string;
  value: string;
}

interface Sheet {
  name: string;
  cells: Cell[][];
  columns: number;
  metadata: Metadata[];
}

const WHITE = '#ffffff';
const blank = (): Cell => ({ value: '', note: '', background: WHITE });

/** What Sheets stores for a setValues value: the text marker is not kept. */
function stored(value: CellValue): unknown {
  if (typeof value === 'string' && value.startsWith("'")) return value.slice(1);
  if (typeof value === 'string' && value.startsWith('=')) throw new Error(`a formula reached the sheet: ${value}`);
  return value;
}

export class FakeRefreshSheet implements RefreshSheet {
  readonly sheets = new Map<number, Sheet>();
  readonly calls: Record<string, number> = {};
  /** Every call by name, in order; the lock's releases are recorded here too (refreshWorld()). */
  readonly log: string[] = [];
  /** Runs once, before the next call of this method (the user editing mid-run). */
  readonly before: Record<string, () => void> = {};
  throwOn: string | null = null;

  addSheet(sheetId: number, name: string, rows: unknown[][], columns = 20): void {
    this.sheets.set(sheetId, {
      name,
      columns,
      metadata: [],
      cells: rows.map((row) => Array.from({ length: columns }, (_, c) => ({ ...blank(), value: row[c] ?? '' }))),
    });
  }

  private enter(method: string): void {
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    this.log.push(method);
    const hook = this.before[method];
    if (hook) {
      delete this.before[method];
      hook();
    }
    if (this.throwOn === method) throw new Error(`Service error in ${method}`);
  }

  sheet(sheetId: number): Sheet {
    const sheet = this.sheets.get(sheetId);
    if (!sheet) throw new Error('no such sheet');
    return sheet;
  }

  private rect(sheetId: number, row: number, column: number, numRows: number, numColumns: number): Cell[][] {
    const sheet = this.sheet(sheetId);
    if (row < 1 || column < 1 || numRows < 1 || numColumns < 1 || row + numRows - 1 > sheet.cells.length || column + numColumns - 1 > sheet.columns) {
      throw new Error(`Range ${row},${column} ${numRows}x${numColumns} is outside the sheet`);
    }
    return sheet.cells.slice(row - 1, row - 1 + numRows).map((cells) => cells.slice(column - 1, column - 1 + numColumns));
  }

  private write<T>(sheetId: number, row: number, column: number, grid: T[][], apply: (cell: Cell, value: T) => void): void {
    const width = grid[0].length;
    if (grid.some((line) => line.length !== width)) throw new Error('ragged rows');
    this.rect(sheetId, row, column, grid.length, width).forEach((cells, r) => cells.forEach((cell, c) => apply(cell, grid[r][c])));
  }

  sheetName(sheetId: number): string | null {
    this.enter('sheetName');
    return this.sheets.get(sheetId)?.name ?? null;
  }
  size(sheetId: number) {
    this.enter('size');
    const sheet = this.sheet(sheetId);
    return { rows: sheet.cells.length, columns: sheet.columns };
  }
  readValues(sheetId: number, row: number, column: number, numRows: number, numColumns: number): unknown[][] {
    this.enter('readValues');
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.value));
  }
  writeValues(sheetId: number, row: number, column: number, values: CellValue[][]): void {
    this.enter('writeValues');
    this.write(sheetId, row, column, values, (cell, value) => (cell.value = stored(value)));
  }
  readColumnMarks(sheetId: number): ColumnMark[] {
    this.enter('readColumnMarks');
    return this.sheet(sheetId).metadata.flatMap((entry) => {
      const record = entry.key === COLUMN_METADATA_KEY ? decodeColumnRecord(entry.value) : null;
      return record ? [{ column: entry.column, record }] : [];
    });
  }
  insertColumnsAfter(sheetId: number, column: number, count: number): void {
    this.enter('insertColumnsAfter');
    this.insertColumns(sheetId, column, count);
  }
  formatDate(epochMs: number): string {
    this.enter('formatDate');
    return new Date(epochMs).toISOString().slice(0, 10);
  }
  readNotes(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][] {
    this.enter('readNotes');
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.note));
  }
  writeNotes(sheetId: number, row: number, column: number, notes: string[][]): void {
    this.enter('writeNotes');
    this.write(sheetId, row, column, notes, (cell, note) => (cell.note = note));
  }
  readBackgrounds(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][] {
    this.enter('readBackgrounds');
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.background));
  }
  writeBackgrounds(sheetId: number, row: number, column: number, colors: string[][]): void {
    this.enter('writeBackgrounds');
    this.write(sheetId, row, column, colors, (cell, color) => (cell.background = color));
  }
  readChangesMarks(sheetId: number): Array<{ column: number; layoutId: string }> {
    this.enter('readChangesMarks');
    return this.sheet(sheetId)
      .metadata.filter((entry) => entry.key === CHANGES_METADATA_KEY)
      .map((entry) => ({ column: entry.column, layoutId: (JSON.parse(entry.value) as { t: string }).t }));
  }
  markChangesColumn(sheetId: number, column: number, layoutId: string): void {
    this.enter('markChangesColumn');
    const sheet = this.sheet(sheetId);
    sheet.metadata = sheet.metadata.filter((entry) => !(entry.key === CHANGES_METADATA_KEY && entry.column === column));
    sheet.metadata.push({ column, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: layoutId }) });
  }
  flush(): void {
    this.enter('flush');
  }

  // ---- What the user does (not counted) ----

  insertColumns(sheetId: number, after: number, count: number): void {
    const sheet = this.sheet(sheetId);
    for (const row of sheet.cells) row.splice(after, 0, ...Array.from({ length: count }, blank));
    sheet.columns += count;
    for (const entry of sheet.metadata) if (entry.column > after) entry.column += count;
  }
  insertRows(sheetId: number, after: number, rows: unknown[][]): void {
    const sheet = this.sheet(sheetId);
    sheet.cells.splice(after, 0, ...rows.map((row) => Array.from({ length: sheet.columns }, (_, c) => ({ ...blank(), value: row[c] ?? '' }))));
  }
  deleteRows(sheetId: number, first: number, count: number): void {
    this.sheet(sheetId).cells.splice(first - 1, count);
  }
  /** Moves one column to sit before column `to` (as Sheet.moveColumns), metadata and all. */
  moveColumn(sheetId: number, from: number, to: number): void {
    const sheet = this.sheet(sheetId);
    const order = Array.from({ length: sheet.columns }, (_, i) => i + 1);
    order.splice(from - 1, 1);
    const at = to > from ? to - 2 : to - 1;
    order.splice(at, 0, from);
    const newIndexOf = new Map(order.map((old, i) => [old, i + 1]));
    sheet.cells = sheet.cells.map((row) => order.map((old) => row[old - 1]));
    for (const entry of sheet.metadata) entry.column = newIndexOf.get(entry.column)!;
  }
  deleteColumn(sheetId: number, column: number): void {
    const sheet = this.sheet(sheetId);
    for (const row of sheet.cells) row.splice(column - 1, 1);
    sheet.columns--;
    sheet.metadata = sheet.metadata.filter((entry) => entry.column !== column);
    for (const entry of sheet.metadata) if (entry.column > column) entry.column--;
  }
  deleteSheet(sheetId: number): void {
    this.sheets.delete(sheetId);
  }
  renameSheet(sheetId: number, name: string): void {
    this.sheet(sheetId).name = name;
  }
  addColumnMarks(sheetId: number, marks: ColumnMark[]): void {
    for (const mark of marks) this.sheet(sheetId).metadata.push({ column: mark.column, key: COLUMN_METADATA_KEY, value: encodeColumnRecord(mark.record) });
  }
  cell(sheetId: number, row: number, column: number): Cell {
    return this.sheet(sheetId).cells[row - 1][column - 1];
  }
  /** The column whose row-1 header is `header`. */
  columnOf(sheetId: number, header: string): number {
    const index = this.sheet(sheetId).cells[0].findIndex((cell) => cell.value === header);
    if (index < 0) throw new Error(`no column ${header}`);
    return index + 1;
  }
  /** The row holding this identifier in column `column`. */
  rowOf(sheetId: number, identifier: string, column = 1): number {
    const index = this.sheet(sheetId).cells.findIndex((cells) => cells[column - 1].value === identifier);
    if (index < 0) throw new Error(`no row ${identifier}`);
    return index + 1;
  }
  /** Every highlighted cell as "identifier|header". */
  highlighted(sheetId: number, color: string): string[] {
    const sheet = this.sheet(sheetId);
    const out: string[] = [];
    sheet.cells.forEach((cells, r) => cells.forEach((cell, c) => {
      if (cell.background === color) out.push(`${sheet.cells[r][0].value}|${sheet.cells[0][c].value}`);
    }));
    return out.sort();
  }
}


export type Answer = { person: PersonData } | 'not_found' | { failed: ErrorCode; message?: string };

/**
 * The engine's contract without HTTP: one outcome per cell, `msPerCall` of virtual time per call,
 * nothing sent once the deadline minus maxRequestMs has passed (the rest pending), a fatal answer
 * failing every row after it as the engine does. test/core/engineContract.test.ts holds it to the
 * real engine's observable rules.
 */
export class FakeEngine {
  /** Every call; `sent` is false for a call turned away by the deadline (nothing went out). */
  readonly calls: Array<{ identifiers: string[]; options: EnrichOptions; at: number; sent: boolean }> = [];
  answers = new Map<string, Answer>();
  msPerCall = 20_000;
  fetchedAt: number | null = null;
  /** Credits each match is charged (x-credits-used); also the worst case the credit budget is held to. */
  creditsPerMatch = 0;
  constructor(private readonly clock: FakeClock) {}

  enrich(cells: unknown[], options: EnrichOptions): EnrichResult {
    const ids = cells.map(classifyIdentifier);
    const latestStart = options.deadline - (options.maxRequestMs ?? DEFAULT_MAX_REQUEST_MS);
    const sent = this.clock.now() <= latestStart;
    this.calls.push({ identifiers: ids.map((id) => ('normalized' in id ? id.normalized : '')), options, at: this.clock.now(), sent });
    if (!sent) {
      // As the engine: blank and invalid cells are classified whatever the time; only identifiers wait.
      const outcomes = ids.map((id): RowOutcome => {
        if (!('normalized' in id)) return id.kind === 'blank' ? { status: 'blank' } : { status: 'invalid', message: id.message };
        return { status: 'pending', identifier: id.normalized, message: 'later' };
      });
      return { outcomes, stats: emptyStats() };
    }
    this.clock.advance(this.msPerCall);
    const now = this.fetchedAt ?? this.clock.now();
    let fatal: EnrichResult['fatal'];
    const stats = emptyStats();
    let stoppedBy: EnrichResult['stoppedBy'];
    const outcomes = ids.map((id): RowOutcome => {
      if (!('normalized' in id)) return id.kind === 'blank' ? { status: 'blank' } : { status: 'invalid', message: id.message };
      // As the engine: nothing is sent whose worst case would pass the credit budget; the rest waits.
      if (!stoppedBy && options.creditBudget !== undefined && stats.creditsUsed + this.creditsPerMatch > options.creditBudget) stoppedBy = 'credit_cap';
      if (stoppedBy) return { status: 'pending', identifier: id.normalized, message: 'credit cap' };
      if (fatal) return { status: 'failed', identifier: id.normalized, code: fatal.code, message: fatal.message };
      const answer = this.answers.get(id.normalized) ?? 'not_found';
      if (answer === 'not_found') return { status: 'not_found', identifier: id.normalized, fetchedAt: now, fromCache: false };
      if ('failed' in answer) {
        const message = answer.message ?? `failed: ${answer.failed}`;
        if (FATAL_CODES.has(answer.failed)) fatal = { code: answer.failed, message };
        return { status: 'failed', identifier: id.normalized, code: answer.failed, message };
      }
      stats.creditsUsed += this.creditsPerMatch;
      return { status: 'matched', identifier: id.normalized, person: answer.person, fetchedAt: now, fromCache: false };
    });
    return { outcomes, stats, ...(fatal ? { fatal } : {}), ...(stoppedBy ? { stoppedBy } : {}) };
  }

  /** Identifiers sent, over every call that sent (blank and invalid cells are never sent). */
  sent(): string[] {
    // One request per identifier, as the engine dedupes the forms a column repeats.
    return this.calls.filter((call) => call.sent).flatMap((call) => [...new Set(call.identifiers.filter(Boolean))]);
  }
}

/**
 * The triggers of a script's users over its spreadsheets, with the add-on rule (one time-driven
 * trigger per user per document). The port sees the current user's triggers of every document,
 * as getProjectTriggers does; `list()` (for the tests) those of the current document.
 */
export class FakeTriggers implements TriggerPort {
  readonly all: Array<{ id: string; handler: string; user: string; document: string }> = [];
  user = 'owner';
  document = 'doc-1';
  created = 0;
  private next = 1;
  list(): Array<{ id: string; handler: string }> {
    return this.all.filter((t) => t.user === this.user && t.document === this.document).map(({ id, handler }) => ({ id, handler }));
  }
  listClock(): string[] {
    return this.all.filter((t) => t.user === this.user).map((t) => t.id);
  }
  createHourly(handler: string): string {
    if (this.list().length) throw new Error('This add-on has created too many time-based triggers in this document for this Google user account.');
    const id = `t${this.next++}`;
    this.all.push({ id, handler, user: this.user, document: this.document });
    this.created++;
    return id;
  }
  remove(id: string): boolean {
    const index = this.all.findIndex((t) => t.id === id && t.user === this.user);
    if (index >= 0) this.all.splice(index, 1);
    return index >= 0;
  }
}

/** Each user's own properties; the port reads the current user's (FakeTriggers.user). */
export class FakeUserStores {
  readonly byUser = new Map<string, FakeStore>();
  constructor(private readonly triggers: FakeTriggers) {}
  of(user: string): FakeStore {
    let store = this.byUser.get(user);
    if (!store) this.byUser.set(user, (store = new FakeStore()));
    return store;
  }
  /** The current user's store, as PropertiesService.getUserProperties() gives it. */
  readonly current: KeyValueStore = {
    get: (key) => this.of(this.triggers.user).get(key),
    set: (key, value) => this.of(this.triggers.user).set(key, value),
    delete: (key) => this.of(this.triggers.user).delete(key),
    keys: () => this.of(this.triggers.user).keys(),
  };
}

export function person(name: string, employer: string, title: string): PersonData {
  return {
    basic_profile: { name, headline: `${title} at ${employer}`, current_title: title },
    experience: { employment_details: { current: [{ name: employer, title, is_default: true }] } },
  };
}

export const SHEET = 7;
export const FIELDS = ['basic_profile.name', 'basic_profile.current_title', 'experience.employment_details.current'];
export const LAYOUT = 'L1';
export const urlOf = (n: number) => `https://www.linkedin.com/in/person-${n}`;

export interface RefreshWorld {
  sheet: FakeRefreshSheet;
  store: FakeStore;
  clock: FakeClock;
  lock: FakeLock;
  engine: FakeEngine;
  triggers: FakeTriggers;
  userStores: FakeUserStores;
  columns: Column[];
  deps: ControlDeps;
  backgroundCalls: number[];
  /** Who works where now: the engine answers with these. */
  people: Map<number, PersonData | null>;
  setPerson(n: number, data: PersonData | null): void;
}

/**
 * A sheet "Leads" with header row 1, identifiers in A, and the bulk job's layout from B: status,
 * then the columns of FIELDS, all rows enriched on `enrichedOn` with people 1..rows.
 */
export function refreshWorld(options: { rows?: number; enrichedOn?: string; now?: number; zone?: TimeZone; fields?: string[] } = {}): RefreshWorld {
  const rows = options.rows ?? 10;
  const fields = options.fields ?? FIELDS;
  const selection = parseFieldSelection(fields);
  const columns = columnsFor(selection);
  const enrichedOn = options.enrichedOn ?? '2026-01-01';
  const clock = new FakeClock(options.now ?? MONDAY + 6 * HOUR);
  const sheet = new FakeRefreshSheet();
  const people = new Map<number, PersonData | null>();
  const grid: unknown[][] = [['LinkedIn', STATUS_HEADER, ...columns.map((column) => column.header), 'Notes by the user']];
  for (let n = 1; n <= rows; n++) {
    const data = person(`Person ${n}`, `Company ${n}`, `Title ${n}`);
    people.set(n, data);
    grid.push([urlOf(n), `Enriched ${enrichedOn}`, ...flattenPerson(data, columns).map((value) => stored(toSheetValue(value))), `note ${n}`]);
  }
  sheet.addSheet(SHEET, 'Leads', grid, columns.length + 6);
  sheet.addColumnMarks(SHEET, layoutMarks(LAYOUT, 1, 2, columns.map((column) => column.id), selection.fields, selectionKey(selection), true));
  const store = new FakeStore();
  const lock = new FakeLock();
  lock.releaseLog = sheet.log;
  const engine = new FakeEngine(clock);
  const refreshPeople = () => {
    engine.answers = new Map();
    for (const [n, data] of people) engine.answers.set(`https://www.linkedin.com/in/person-${n}`, data ? { person: data } : 'not_found');
  };
  refreshPeople();
  const triggers = new FakeTriggers();
  const userStores = new FakeUserStores(triggers);
  const backgroundCalls: number[] = [];
  let id = 0;
  const deps: ControlDeps = {
    sheet,
    store,
    lock,
    clock,
    zone: options.zone ?? { offsetMs: () => 0 },
    engine,
    newId: () => `id${++id}`,
    triggers,
    userStore: userStores.current,
    documentId: 'doc-1',
    activeSheetId: () => SHEET,
    continueBackgroundJobs: (budget) => backgroundCalls.push(budget),
  };
  return {
    sheet,
    store,
    clock,
    lock,
    engine,
    triggers,
    userStores,
    columns,
    deps,
    backgroundCalls,
    people,
    setPerson(n, data) {
      people.set(n, data);
      refreshPeople();
    },
  };
}

/** A bulk job record as src/core/jobState.ts stores it. */
export function storedJob(patch: Partial<StoredJob> = {}): StoredJob {
  return {
    v: 1,
    jobId: 'J1',
    sheetId: SHEET,
    sheetName: 'Leads',
    layoutId: LAYOUT,
    sourceColumn: 1,
    hasHeader: true,
    firstRow: 1,
    dataFirstRow: 2,
    lastRow: 4,
    fields: FIELDS,
    selectionKey: 'x',
    reenrich: false,
    skipSettled: false,
    retryPass: false,
    state: 'done',
    pausedBy: null,
    cursor: 5,
    pendingBlock: null,
    counts: { enriched: 3, notFound: 0, invalid: 0, failed: 0, skipped: 0 },
    requests: 1,
    creditsUsed: 3,
    startedAt: MONDAY,
    updatedAt: MONDAY,
    workMs: 1,
    etaSeconds: null,
    message: null,
    consecutiveErrors: 0,
    continueInBackground: false,
    lease: null,
    blockSize: 50,
    ...patch,
  };
}

export type { RefreshDeps };
