// The bulk job over fakes: an in-memory sheet gateway that parses what it is given the way
// Sheets would, property store, lock and clock from test/core/fakes.ts, and the real engine
// over the fake HTTP server, so request counts are the engine's own.
import {
  continueBackgroundJobs,
  controlJob,
  estimateJob,
  runFor,
  runSlice,
  selectFailedRows,
  startJob,
  type JobDeps,
  type JobSource,
} from '../../src/core/bulkJob';
import { columnsFor, creditsPerMatch, parseFieldSelection } from '../../src/core/catalog';
import { LIVE_EXTRA_CREDITS_PER_MATCH } from '../../src/core/enrich';
import { loadHistory } from '../../src/core/spend';
import { classifyIdentifier } from '../../src/core/identifiers';
import { parseStatus } from '../../src/core/jobWorker';
import { jobEngineFor } from '../../src/core/jobEngine';
import { jobKey, loadJob, MAX_STATE_BYTES, toProgress } from '../../src/core/jobState';
import { DEFAULT_RETRY_POLICY } from '../../src/core/retry';
import type { KeyValueStore } from '../../src/core/ports';
import { decodeRowAnchor, encodeRowAnchor, ROW_ANCHOR_KEY, type NewRowAnchor, type RowAnchor } from '../../src/core/rowAnchors';
import { CHANGES_METADATA_KEY } from '../../src/core/changeTracking';
import {
  COLUMN_METADATA_KEY,
  decodeChangesMark,
  decodeColumnRecord,
  encodeColumnRecord,
  STATUS_HEADER,
  type ChangesMark,
  type ColumnMark,
} from '../../src/core/sheetTarget';
import type { SheetGateway } from '../../src/core/ports';
import type { CellValue } from '../../src/core/types';
import { email, fakeWorld, okServer, personFor, profileUrl, releasesWithUnflushedWrites, type FakeServer, type FakeWorld } from './fakes';

// ---- Fakes ---------------------------------------------------------------------------------

interface FakeCell {
  value: unknown;
  formula: string;
  note?: string;
  background?: string;
}

interface FakeSheet {
  name: string;
  cells: FakeCell[][];
  maxRows: number;
  maxColumns: number;
  /** Developer metadata: [column, key, value]. */
  metadata: Array<{ column: number; key: string; value: string }>;
  /** Developer metadata on single whole rows; it follows its row and goes when the row is deleted. */
  rowMetadata: Array<{ id: number; row: number; key: string; value: string }>;
}

/** Thrown by every fake call once the "execution" is killed, until revived. */
class Killed extends Error {}

class FakeSheets implements SheetGateway {
  readonly sheets = new Map<number, FakeSheet>();
  readonly calls: Record<string, number> = {};
  /** Every call by name, in order; the lock's releases are recorded here too (world()). */
  readonly log: string[] = [];
  selected: string[] = [];
  /** Every setValues: where and how big. */
  writes: Array<{ row: number; column: number; rows: number; columns: number }> = [];
  /** Every getValues: where and how big. */
  reads: Array<{ row: number; column: number; rows: number; columns: number }> = [];
  killed = false;
  /** Kill the execution when this call (0-based, any method) starts. */
  killAtCall: number | null = null;
  private callNumber = 0;
  private nextMetadataId = 1;
  /** The most row metadata entries a sheet held at once. */
  mostRowMetadata = 0;

  addSheet(sheetId: number, name: string, rows: unknown[][], maxColumns = 26): void {
    const maxRows = Math.max(rows.length, 10);
    const cells: FakeCell[][] = [];
    for (let r = 0; r < maxRows; r++) {
      cells.push(Array.from({ length: maxColumns }, (_, c) => ({ value: rows[r]?.[c] ?? '', formula: '' })));
    }
    this.sheets.set(sheetId, { name, cells, maxRows, maxColumns, metadata: [], rowMetadata: [] });
  }

  private enter(method: string): FakeSheet | undefined {
    if (this.killAtCall !== null && this.callNumber >= this.killAtCall) this.killed = true;
    this.callNumber++;
    if (this.killed) throw new Killed(`killed at ${method}`);
    this.calls[method] = (this.calls[method] ?? 0) + 1;
    this.log.push(method);
    return undefined;
  }

  sheet(sheetId: number): FakeSheet {
    const sheet = this.sheets.get(sheetId);
    if (!sheet) throw new Error('no such sheet');
    return sheet;
  }

  sheetName(sheetId: number): string | null {
    this.enter('sheetName');
    return this.sheets.get(sheetId)?.name ?? null;
  }
  size(sheetId: number) {
    this.enter('size');
    const sheet = this.sheet(sheetId);
    return { rows: sheet.maxRows, columns: sheet.maxColumns };
  }
  readValues(sheetId: number, row: number, column: number, numRows: number, numColumns: number): unknown[][] {
    this.enter('readValues');
    this.reads.push({ row, column, rows: numRows, columns: numColumns });
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.value));
  }
  readFormulas(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][] {
    this.enter('readFormulas');
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.formula));
  }
  writeValues(sheetId: number, row: number, column: number, values: CellValue[][]): void {
    this.enter('writeValues');
    const numColumns = values[0].length;
    this.writes.push({ row, column, rows: values.length, columns: numColumns });
    if (values.some((line) => line.length !== numColumns)) throw new Error('ragged rows');
    this.rect(sheetId, row, column, values.length, numColumns).forEach((cells, r) => cells.forEach((cell, c) => Object.assign(cell, parseLikeSheets(values[r][c]))));
  }
  clearValues(sheetId: number, row: number, column: number, numRows: number, numColumns: number): void {
    this.enter('clearValues');
    this.rect(sheetId, row, column, numRows, numColumns).forEach((cells) => cells.forEach((cell) => Object.assign(cell, { value: '', formula: '' })));
  }
  readColumnMarks(sheetId: number): ColumnMark[] {
    this.enter('readColumnMarks');
    return this.sheet(sheetId)
      .metadata.filter((entry) => entry.key === COLUMN_METADATA_KEY)
      .flatMap((entry) => {
        const record = decodeColumnRecord(entry.value);
        return record ? [{ column: entry.column, record }] : [];
      });
  }
  addColumnMarks(sheetId: number, marks: ColumnMark[]): void {
    this.enter('addColumnMarks');
    for (const mark of marks) this.sheet(sheetId).metadata.push({ column: mark.column, key: COLUMN_METADATA_KEY, value: encodeColumnRecord(mark.record) });
  }
  removeColumnMarks(sheetId: number, marks: ColumnMark[]): void {
    this.enter('removeColumnMarks');
    const sheet = this.sheet(sheetId);
    const doomed = new Set(marks.map((mark) => `${mark.column} ${encodeColumnRecord(mark.record)}`));
    sheet.metadata = sheet.metadata.filter((entry) => !doomed.has(`${entry.column} ${entry.value}`));
  }
  readChangesMarks(sheetId: number): ChangesMark[] {
    this.enter('readChangesMarks');
    return this.sheet(sheetId).metadata.flatMap((entry) => {
      const layoutId = entry.key === CHANGES_METADATA_KEY ? decodeChangesMark(entry.value) : null;
      return layoutId === null ? [] : [{ column: entry.column, layoutId }];
    });
  }
  removeChangesMarks(sheetId: number, columns: number[]): void {
    this.enter('removeChangesMarks');
    const sheet = this.sheet(sheetId);
    sheet.metadata = sheet.metadata.filter((entry) => entry.key !== CHANGES_METADATA_KEY || !columns.includes(entry.column));
  }
  readNotes(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][] {
    this.enter('readNotes');
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.note ?? ''));
  }
  writeNotes(sheetId: number, row: number, column: number, notes: string[][]): void {
    this.enter('writeNotes');
    this.rect(sheetId, row, column, notes.length, notes[0].length).forEach((cells, r) => cells.forEach((cell, c) => (cell.note = notes[r][c])));
  }
  readBackgrounds(sheetId: number, row: number, column: number, numRows: number, numColumns: number): string[][] {
    this.enter('readBackgrounds');
    return this.rect(sheetId, row, column, numRows, numColumns).map((cells) => cells.map((cell) => cell.background ?? '#ffffff'));
  }
  writeBackgrounds(sheetId: number, row: number, column: number, colors: string[][]): void {
    this.enter('writeBackgrounds');
    this.rect(sheetId, row, column, colors.length, colors[0].length).forEach((cells, r) => cells.forEach((cell, c) => (cell.background = colors[r][c])));
  }
  markChangesColumn(sheetId: number, column: number, layoutId: string): void {
    this.enter('markChangesColumn');
    const sheet = this.sheet(sheetId);
    sheet.metadata = sheet.metadata.filter((entry) => entry.key !== CHANGES_METADATA_KEY || entry.column !== column);
    sheet.metadata.push({ column, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: layoutId }) });
  }
  addColumnMarksByUser(sheetId: number, marks: ColumnMark[]): void {
    for (const mark of marks) this.sheet(sheetId).metadata.push({ column: mark.column, key: COLUMN_METADATA_KEY, value: encodeColumnRecord(mark.record) });
  }
  /** What the scheduled refresh leaves: a Changes column marked for a layout. */
  addChangesColumnByRefresh(sheetId: number, column: number, layoutId: string): void {
    this.sheet(sheetId).metadata.push({ column, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: layoutId }) });
  }
  metadataOf(sheetId: number): Array<{ column: number; key: string; value: string }> {
    return this.sheet(sheetId).metadata;
  }
  readRowAnchors(sheetId: number): RowAnchor[] {
    this.enter('readRowAnchors');
    return this.sheet(sheetId).rowMetadata.flatMap((entry) => {
      const record = entry.key === ROW_ANCHOR_KEY ? decodeRowAnchor(entry.value) : null;
      return record ? [{ row: entry.row, record, ref: entry.id }] : [];
    });
  }
  addRowAnchors(sheetId: number, anchors: NewRowAnchor[]): void {
    this.enter('addRowAnchors');
    const sheet = this.sheet(sheetId);
    for (const anchor of anchors) {
      if (anchor.row < 1 || anchor.row > sheet.maxRows) throw new Error(`Row ${anchor.row} is outside the sheet`);
      sheet.rowMetadata.push({ id: this.nextMetadataId++, row: anchor.row, key: ROW_ANCHOR_KEY, value: encodeRowAnchor(anchor.record) });
    }
    this.mostRowMetadata = Math.max(this.mostRowMetadata, sheet.rowMetadata.length);
  }
  removeRowAnchors(sheetId: number, anchors: RowAnchor[]): void {
    this.enter('removeRowAnchors');
    const doomed = new Set(anchors.map((anchor) => anchor.ref));
    const sheet = this.sheet(sheetId);
    sheet.rowMetadata = sheet.rowMetadata.filter((entry) => !doomed.has(entry.id));
  }
  /** What the user does between (or during) slices: rows and their metadata move. */
  insertRowsByUser(sheetId: number, before: number, count: number): void {
    const sheet = this.sheet(sheetId);
    sheet.cells.splice(before - 1, 0, ...Array.from({ length: count }, () => Array.from({ length: sheet.maxColumns }, () => ({ value: '' as unknown, formula: '' }))));
    sheet.maxRows += count;
    for (const entry of sheet.rowMetadata) if (entry.row >= before) entry.row += count;
  }
  deleteRowsByUser(sheetId: number, start: number, count: number): void {
    const sheet = this.sheet(sheetId);
    sheet.cells.splice(start - 1, count);
    sheet.maxRows -= count;
    sheet.rowMetadata = sheet.rowMetadata.filter((entry) => entry.row < start || entry.row >= start + count);
    for (const entry of sheet.rowMetadata) if (entry.row >= start + count) entry.row -= count;
  }
  anchors(sheetId: number): Array<{ row: number; value: string }> {
    return this.sheet(sheetId).rowMetadata.map((entry) => ({ row: entry.row, value: entry.value }));
  }
  insertColumnsAfter(sheetId: number, column: number, count: number): void {
    this.enter('insertColumnsAfter');
    this.insertColumnsByUser(sheetId, column, count);
  }
  /** Also what the user does between slices: metadata follows its column. */
  insertColumnsByUser(sheetId: number, column: number, count: number): void {
    const sheet = this.sheet(sheetId);
    for (const row of sheet.cells) row.splice(column, 0, ...Array.from({ length: count }, () => ({ value: '', formula: '' })));
    sheet.maxColumns += count;
    for (const entry of sheet.metadata) if (entry.column > column) entry.column += count;
  }
  formatDate(epochMs: number): string {
    this.enter('formatDate');
    return new Date(epochMs).toISOString().slice(0, 10);
  }
  selectRanges(sheetId: number, ranges: string[]): void {
    this.enter('selectRanges');
    this.selected = ranges;
  }
  flush(): void {
    this.enter('flush');
  }

  private rect(sheetId: number, row: number, column: number, numRows: number, numColumns: number): FakeCell[][] {
    const sheet = this.sheet(sheetId);
    if (row < 1 || column < 1 || row + numRows - 1 > sheet.maxRows || column + numColumns - 1 > sheet.maxColumns) {
      throw new Error(`Range ${row},${column} ${numRows}x${numColumns} is outside the sheet`);
    }
    return sheet.cells.slice(row - 1, row - 1 + numRows).map((cells) => cells.slice(column - 1, column - 1 + numColumns));
  }

  /** Values as getValues would show them. */
  grid(sheetId: number): unknown[][] {
    return this.sheet(sheetId).cells.map((cells) => cells.map((cell) => cell.value));
  }
  formulas(sheetId: number): string[] {
    return this.sheet(sheetId).cells.flatMap((cells) => cells.map((cell) => cell.formula).filter(Boolean));
  }
  setCell(sheetId: number, row: number, column: number, value: unknown): void {
    this.sheet(sheetId).cells[row - 1][column - 1] = { value, formula: '' };
  }
}

/** What Sheets makes of a value given to setValues (enough of it to catch a missing marker). */
function parseLikeSheets(value: CellValue): FakeCell {
  if (typeof value !== 'string') return { value, formula: '' };
  if (value.startsWith("'")) return { value: value.slice(1), formula: '' };
  if (value.startsWith('=')) return { value: '#FORMULA', formula: value };
  if (/^[+-]?\d+(\.\d+)?$/.test(value.trim())) return { value: Number(value), formula: '' };
  if (/^(true|false)$/i.test(value.trim())) return { value: value.trim().toUpperCase() === 'TRUE', formula: '' };
  return { value, formula: '' };
}

class FakeStore implements KeyValueStore {
  readonly values = new Map<string, string>();
  writes = 0;
  constructor(private readonly sheets: FakeSheets) {}
  get(key: string) {
    if (this.sheets.killed) throw new Killed('killed at properties');
    return this.values.get(key) ?? null;
  }
  set(key: string, value: string) {
    if (this.sheets.killed) throw new Killed('killed at properties');
    if (value.length > 9 * 1024) throw new Error('Argument too large: value');
    this.writes++;
    this.values.set(key, value);
  }
  delete(key: string) {
    this.values.delete(key);
  }
  keys() {
    return [...this.values.keys()];
  }
}

// ---- World ---------------------------------------------------------------------------------

const SHEET = 7;
const SOURCE: JobSource = { sheetId: SHEET, sheetName: 'Leads', column: 1, firstRow: 1, lastRow: 0, hasHeader: true };

interface World {
  sheets: FakeSheets;
  store: FakeStore;
  engine: FakeWorld;
  deps: JobDeps;
}

function world(options: { server?: FakeServer; apiKey?: string | null; blockSize?: number } = {}): World {
  const engine = fakeWorld({ server: options.server, apiKey: options.apiKey });
  const sheets = new FakeSheets();
  const store = new FakeStore(sheets);
  engine.lock.releaseLog = sheets.log;
  let id = 0;
  const deps: JobDeps = {
    gateway: sheets,
    store,
    lock: engine.lock,
    clock: engine.clock,
    engine: jobEngineFor(engine.ctx),
    newId: () => `id${++id}`,
    tuning: { blockSize: options.blockSize ?? 25 },
  };
  return { sheets, store, engine, deps };
}

/** A column: header, then identifiers with duplicates, blanks, invalid cells and emails. */
function sampleColumn(rows: number): unknown[] {
  const column: unknown[] = ['LinkedIn'];
  for (let i = 0; i < rows; i++) {
    if (i % 17 === 5) column.push('');
    else if (i % 23 === 7) column.push('not a profile');
    else if (i % 10 === 3) column.push(profileUrl(Math.floor(i / 2)).toUpperCase() + '/?utm_source=x'); // a duplicate form
    else if (i % 9 === 4) column.push(email(i));
    else column.push(profileUrl(i));
  }
  return column;
}

function setup(rows: number, options: Parameters<typeof world>[0] = {}) {
  const w = world(options);
  const column = sampleColumn(rows);
  w.sheets.addSheet(SHEET, 'Leads', column.map((cell) => [cell]));
  return { ...w, source: { ...SOURCE, lastRow: column.length } };
}

const FIELDS = ['basic_profile.name', 'basic_profile.headline'];
const start = (w: World, source: JobSource, extra: Partial<Parameters<typeof startJob>[2]> = {}) => startJob(w.deps, source, { fields: FIELDS, reenrich: false, ...extra });

function drive(w: World, maxSlices = 500): void {
  for (let i = 0; i < maxSlices; i++) {
    const job = runSlice(w.deps, SHEET);
    if (!job || job.state !== 'running') return;
    w.engine.clock.advance(500); // the sidebar's round trip
  }
  throw new Error('job did not finish');
}

function sentIdentifiers(w: World): string[] {
  return w.engine.http.log.flatMap((request) => request.identifiers);
}

// ---- Tests ---------------------------------------------------------------------------------

describe('a job from start to end', () => {
  test('enriches every row once, with a header, a status per row and two writes per block', () => {
    const w = setup(300);
    const response = start(w, w.source);
    expect(response.ok).toBe(true);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');

    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(0, 4)).toEqual(['LinkedIn', STATUS_HEADER, 'Name', 'Headline']);
    const statuses = grid.slice(1, 301).map((row) => parseStatus(row[1]).kind);
    expect(statuses.filter((kind) => kind === 'invalid').length).toBe(job.counts.invalid);
    expect(job.counts.enriched + job.counts.notFound + job.counts.invalid + job.counts.failed + job.counts.skipped).toBe(300);
    expect(job.counts.failed).toBe(0);

    // Each normalized identifier reached the API once, duplicates in any form included.
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
    for (let r = 1; r <= 300; r++) {
      const cell = grid[r][0];
      if (cell === '' || cell === 'not a profile') continue;
      expect(grid[r][1]).toMatch(/^Enriched \d{4}-\d{2}-\d{2}$/);
      const name = String(grid[r][2]);
      expect(name.startsWith('Person ')).toBe(true);
      expect(name.toLowerCase()).toContain(String(cell).toLowerCase().replace(/\/\?utm_source=x$/, '').replace('https://www.', ''));
    }
    // Per block: one write for the values, then one for the status cells (the block's commit),
    // whatever the block holds; plus the header row once.
    const [header, ...blocks] = w.sheets.writes;
    expect(header).toEqual({ row: 1, column: 2, rows: 1, columns: 3 });
    expect(blocks.length % 2).toBe(0);
    for (let i = 0; i < blocks.length; i += 2) {
      expect(blocks[i]).toMatchObject({ column: 3, columns: 2 });
      expect(blocks[i + 1]).toEqual({ row: blocks[i].row, column: 2, rows: blocks[i].rows, columns: 1 });
      expect(blocks[i].rows).toBeLessThanOrEqual(25);
    }
    expect(blocks.filter((write) => write.columns === 1).reduce((sum, write) => sum + write.rows, 0)).toBe(300);
    expect(w.sheets.formulas(SHEET)).toEqual([]);
  });

  test('flushes its writes before every lock release (Google: flush before releaseLock)', () => {
    const w = setup(120);
    start(w, w.source);
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    const log = w.sheets.log;
    expect(log.filter((entry) => entry === 'releaseLock').length).toBeGreaterThan(10);
    // One flush per block's writes at most, not one per release.
    expect(log.filter((entry) => entry === 'flush').length).toBeLessThan(log.filter((entry) => entry === 'releaseLock').length);
    expect(releasesWithUnflushedWrites(log)).toEqual([]);
    // Control: without the flushes the same log would show unflushed releases.
    expect(releasesWithUnflushedWrites(log.filter((entry) => entry !== 'flush')).length).toBeGreaterThan(0);
  });

  test('requests are filled to 25 across blocks: ceil(unique/25) per identifier type', () => {
    const w = setup(700);
    start(w, w.source);
    drive(w);
    const unique = { profile_url: new Set<string>(), business_email: new Set<string>() };
    for (const cell of sampleColumn(700)) {
      const id = classifyIdentifier(cell);
      if (id.kind === 'profile_url' || id.kind === 'business_email') unique[id.kind].add(id.normalized);
    }
    const optimal = Math.ceil(unique.profile_url.size / 25) + Math.ceil(unique.business_email.size / 25);
    expect(w.engine.http.log.length).toBe(optimal);
    expect(estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: true }).requests).toBe(0);
  });

  test('state stays small and holds no identifier', () => {
    const w = setup(200);
    start(w, w.source);
    drive(w);
    const raw = w.store.values.get(jobKey(SHEET))!;
    expect(raw.length).toBeLessThan(MAX_STATE_BYTES / 4);
    expect(raw).not.toMatch(/linkedin|example\.com/);
  });

  test('hostile text from the API is written as text, never a formula', () => {
    const server: FakeServer = (request) => ({
      status: 200,
      body: JSON.stringify(
        request.identifiers.map((identifier) => ({
          matched_on: identifier,
          match_type: 'professional_network_profile_url',
          matches: [{ confidence_score: 1, person_data: { basic_profile: { name: '=IMPORTXML("http://x","//a")', headline: '00123' } } }],
        })),
      ),
    });
    const w = setup(30, { server });
    start(w, w.source);
    drive(w);
    const grid = w.sheets.grid(SHEET);
    expect(w.sheets.formulas(SHEET)).toEqual([]);
    expect(grid[1][2]).toBe('=IMPORTXML("http://x","//a")');
    expect(grid[1][3]).toBe('00123');
  });
});

describe('killed executions', () => {
  /** The same job without interruption, as the reference. */
  function reference(rows: number): unknown[][] {
    const w = setup(rows);
    start(w, w.source);
    drive(w);
    return w.sheets.grid(SHEET);
  }

  test.each([3, 7, 12, 20, 31, 44, 58, 71])('killed at Sheets/properties call %i and resumed: same sheet, nothing sent twice', (killAt) => {
    const expected = reference(120);
    const w = setup(120);
    start(w, w.source);
    w.sheets.killAtCall = killAt;
    // Slices until the kill; then the execution is gone (every service throws).
    for (let i = 0; i < 100 && !w.sheets.killed; i++) {
      try {
        runSlice(w.deps, SHEET);
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
    }
    w.sheets.killed = false;
    w.sheets.killAtCall = null;
    w.engine.lock.held = false; // a killed execution's lock is released by Apps Script
    w.engine.clock.advance(5 * 60_000); // any lease it held has expired
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    expect(w.sheets.grid(SHEET)).toEqual(expected);
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
    const counts = loadJob(w.store, SHEET)!.counts;
    expect(counts.enriched + counts.notFound + counts.invalid + counts.failed + counts.skipped).toBe(120);
  });

  /** Rows 2..last: how many setValues wrote each one's status cell (column B), header row left out. */
  function statusWritesPerRow(w: World, last: number): number[] {
    const perRow = new Array<number>(last + 1).fill(0);
    for (const write of w.sheets.writes) {
      if (write.column > 2 || write.column + write.columns - 1 < 2) continue;
      for (let row = Math.max(2, write.row); row < write.row + write.rows && row <= last; row++) perRow[row]++;
    }
    return perRow.slice(2);
  }

  test.each([1, 2, 5])('killed after block %i is written and before its cursor pair: no row is written twice, counts exact', (block) => {
    const expected = reference(300);
    const reference300 = setup(300);
    start(reference300, reference300.source);
    drive(reference300);
    const expectedCounts = loadJob(reference300.store, SHEET)!.counts;

    const w = setup(300);
    start(w, w.source);
    const add = w.sheets.addRowAnchors.bind(w.sheets);
    let pairs = 0;
    w.sheets.addRowAnchors = (sheetId, anchors) => {
      // The range anchors come with the start; each block adds its cursor pair after its writes.
      if (anchors.some((anchor) => 's' in anchor.record) && ++pairs === block) {
        w.sheets.killed = true;
        throw new Killed('killed between the writes and the cursor pair');
      }
      add(sheetId, anchors);
    };
    for (let i = 0; i < 100 && !w.sheets.killed; i++) {
      try {
        runSlice(w.deps, SHEET);
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
      w.engine.clock.advance(500);
    }
    expect(w.sheets.killed).toBe(true);
    w.sheets.killed = false;
    expect(loadJob(w.store, SHEET)!.pendingBlock).not.toBeNull();
    w.engine.lock.held = false;
    w.engine.clock.advance(5 * 60_000);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');
    expect(job.counts).toEqual(expectedCounts);
    expect(w.sheets.grid(SHEET)).toEqual(expected);
    // Every data row's status cell was written by exactly one setValues.
    expect(new Set(statusWritesPerRow(w, 301))).toEqual(new Set([1]));
  });

  test('a block pending in a job saved by the version before digests is written again, and counted once', () => {
    const expected = reference(120);
    const w = setup(120);
    start(w, w.source);
    const add = w.sheets.addRowAnchors.bind(w.sheets);
    let killed = false;
    w.sheets.addRowAnchors = (sheetId, anchors) => {
      if (!killed && anchors.some((anchor) => 's' in anchor.record)) {
        killed = true;
        w.sheets.killed = true;
        throw new Killed('killed between the writes and the cursor pair');
      }
      add(sheetId, anchors);
    };
    try {
      runSlice(w.deps, SHEET);
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
    }
    w.sheets.killed = false;
    // As the earlier version stored it: a pending block without a digest.
    const stored = JSON.parse(w.store.get(jobKey(SHEET))!) as { pendingBlock: Record<string, unknown> };
    delete stored.pendingBlock.digest;
    w.store.set(jobKey(SHEET), JSON.stringify(stored));
    w.engine.lock.held = false;
    w.engine.clock.advance(5 * 60_000);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');
    expect(w.sheets.grid(SHEET)).toEqual(expected);
    const { enriched, notFound, invalid, failed, skipped } = job.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(120);
  });

  test('a killed block whose cells were changed before the resume is written again, and counted once', () => {
    const expected = reference(120);
    const w = setup(120);
    start(w, w.source);
    const add = w.sheets.addRowAnchors.bind(w.sheets);
    let killed = false;
    w.sheets.addRowAnchors = (sheetId, anchors) => {
      if (!killed && anchors.some((anchor) => 's' in anchor.record)) {
        killed = true;
        w.sheets.killed = true;
        throw new Killed('killed between the writes and the cursor pair');
      }
      add(sheetId, anchors);
    };
    try {
      runSlice(w.deps, SHEET);
    } catch (error) {
      if (!(error instanceof Killed)) throw error;
    }
    expect(killed).toBe(true);
    w.sheets.killed = false;
    const blockRows = loadJob(w.store, SHEET)!.pendingBlock!.rows;
    w.engine.lock.held = false;
    w.engine.clock.advance(5 * 60_000);
    // Someone types over a result cell of the killed block: it no longer holds what the block wrote.
    w.sheets.sheet(SHEET).cells[3][2].value = 'typed by hand';
    drive(w);
    expect(w.sheets.grid(SHEET)).toEqual(expected);
    const counts = loadJob(w.store, SHEET)!.counts;
    expect(counts.enriched + counts.notFound + counts.invalid + counts.failed + counts.skipped).toBe(120);
    const writes = statusWritesPerRow(w, 121);
    expect(blockRows).toBeGreaterThan(1);
    expect(writes.slice(0, blockRows)).toEqual(new Array(blockRows).fill(2));
    expect(new Set(writes.slice(blockRows))).toEqual(new Set([1]));
  });

  test('slices that keep throwing pause the job as a problem, which the background trigger leaves alone', () => {
    const w = setup(200);
    const response = start(w, w.source, { continueInBackground: true });
    w.sheets.writeValues = () => {
      throw new Error('Service Spreadsheets timed out');
    };
    for (let i = 0; i < 5; i++) {
      expect(loadJob(w.store, SHEET)!.state).toBe('running');
      runSlice(w.deps, SHEET);
      w.engine.clock.advance(500);
    }
    const job = loadJob(w.store, SHEET)!;
    // No code: a plain exception's words are all there is (the sidebar gives its general advice).
    expect(job).toMatchObject({ state: 'paused', pausedBy: 'problem', problemCode: null });
    expect(job.message).toMatch(/^Stopped after repeated problems: Service Spreadsheets timed out/);
    expect(continueBackgroundJobs(w.deps, 60_000)).toEqual([]);
    expect(controlJob(w.deps, (response as { job: { jobId: string } }).job.jobId, 'resume')).toMatchObject({ state: 'running', pausedBy: null });
  });

  test('an exception inside a slice keeps the job running and the next slice carries on', () => {
    const w = setup(60);
    start(w, w.source);
    let thrown = 0;
    const original = w.sheets.writeValues.bind(w.sheets);
    w.sheets.writeValues = (...args) => {
      if (thrown++ === 2) throw new Error('Service Spreadsheets timed out');
      original(...args);
    };
    const after = runSlice(w.deps, SHEET)!;
    expect(after.state).toBe('running');
    expect(after.message).toContain('Service Spreadsheets timed out');
    expect(after.lease).toBeNull();
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
  });
});

describe('the overwrite guard', () => {
  function withUserData() {
    const w = setup(40);
    w.sheets.setCell(SHEET, 5, 3, 'my notes');
    w.sheets.setCell(SHEET, 9, 2, 42);
    return w;
  }

  test('stops at user data in the target and says where', () => {
    const w = withUserData();
    const response = start(w, w.source);
    expect(response).toMatchObject({ ok: false, reason: 'conflict', conflictCells: 2, targetRange: 'Leads!B1:D41' });
    expect((response as { sample: string[] }).sample).toEqual(['C5: my notes', 'B9: 42']);
    expect(w.sheets.calls.writeValues ?? 0).toBe(0);
    expect(loadJob(w.store, SHEET)).toBeNull();
  });

  test('insert puts new columns after the identifiers and keeps the user data', () => {
    const w = withUserData();
    const response = start(w, w.source, { onConflict: 'insert' });
    expect(response.ok).toBe(true);
    drive(w);
    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(1, 4)).toEqual([STATUS_HEADER, 'Name', 'Headline']);
    expect(grid[4][5]).toBe('my notes');
    expect(grid[8][4]).toBe(42);
  });

  test('overwrite writes over it', () => {
    const w = withUserData();
    expect(start(w, w.source, { onConflict: 'overwrite' }).ok).toBe(true);
    drive(w);
    expect(w.sheets.grid(SHEET)[4][2]).not.toBe('my notes');
  });

  test('elsewhere writes from the chosen column, and refuses one that covers the identifiers', () => {
    const w = withUserData();
    expect(start(w, w.source, { onConflict: 'elsewhere', targetColumn: 6 }).ok).toBe(true);
    drive(w);
    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(5, 8)).toEqual([STATUS_HEADER, 'Name', 'Headline']);
    expect(grid[4][2]).toBe('my notes');

    const other = withUserData();
    expect(start(other, other.source, { onConflict: 'elsewhere', targetColumn: 1 })).toMatchObject({ ok: false, reason: 'invalid' });
  });

  test('the add-on\'s own columns are not a conflict for the next job on the same column', () => {
    const w = setup(40);
    start(w, w.source);
    drive(w);
    expect(start(w, w.source, { reenrich: true }).ok).toBe(true);
  });

  /** A finished job on FIELDS (B status, C-D data), then what Keep fresh leaves: a Changes column at E with a history. */
  function withChangesHistory(w: ReturnType<typeof setup>, layoutId?: string) {
    const first = start(w, w.source) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    drive(w);
    w.sheets.addChangesColumnByRefresh(SHEET, 5, layoutId ?? first.job.jobId);
    w.sheets.setCell(SHEET, 1, 5, 'Changes');
    w.sheets.setCell(SHEET, 3, 5, '2025-01-13: Headline: Old → New');
    w.sheets.setCell(SHEET, 9, 5, '2025-01-20: Name: A → B\n2025-01-13: Name: C → A');
    return first.job.jobId;
  }
  const changesMarksOf = (w: World) => w.sheets.metadataOf(SHEET).filter((entry) => entry.key === CHANGES_METADATA_KEY);

  test("re-enriching with more fields moves the refresh's Changes column after the new results, history and mark kept, without asking", () => {
    const w = setup(40);
    withChangesHistory(w);
    w.sheets.setCell(SHEET, 4, 6, 'my notes'); // the user's column right of it
    const more = [...FIELDS, 'basic_profile.summary', 'basic_profile.first_name'];
    expect(estimateJob(w.deps, w.source, { fields: more, reenrich: false }).conflictCells).toBe(0);
    const second = start(w, w.source, { fields: more });
    expect(second.ok).toBe(true);
    drive(w);
    const grid = w.sheets.grid(SHEET);
    // Two columns went in before the Changes column: it and the user's column moved right by two.
    expect(grid[0].slice(1, 7)).toEqual([STATUS_HEADER, 'Name', 'First name', 'Headline', 'Summary', 'Changes']);
    expect(grid[2][6]).toBe('2025-01-13: Headline: Old → New');
    expect(grid[8][6]).toBe('2025-01-20: Name: A → B\n2025-01-13: Name: C → A');
    expect(grid[3][7]).toBe('my notes');
    // The mark moved with its column and now names the new layout: the refresh appends there.
    const jobId = (second as Extract<typeof second, { ok: true }>).job.jobId;
    expect(changesMarksOf(w)).toEqual([{ column: 7, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: jobId }) }]);
    expect(w.sheets.calls.insertColumnsAfter).toBe(1);
  });

  test('the same fields again, or fewer, leave the Changes column where it is and keep it for the new layout', () => {
    const w = setup(40);
    withChangesHistory(w);
    const again = start(w, w.source, { reenrich: true }) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    drive(w);
    expect(w.sheets.calls.insertColumnsAfter ?? 0).toBe(0);
    expect(w.sheets.grid(SHEET)[2][4]).toBe('2025-01-13: Headline: Old → New');
    expect(changesMarksOf(w)).toEqual([{ column: 5, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: again.job.jobId }) }]);

    const fewer = start(w, w.source, { fields: ['basic_profile.name'] }) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    drive(w);
    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(1, 5)).toEqual([STATUS_HEADER, 'Name', '', 'Changes']);
    expect(grid[2][4]).toBe('2025-01-13: Headline: Old → New');
    expect(changesMarksOf(w)).toEqual([{ column: 5, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: fewer.job.jobId }) }]);
  });

  test("user data before the Changes column is still asked about; the Changes column's history never counts as a conflict", () => {
    const w = setup(40);
    withChangesHistory(w);
    // The user typed into a column the new results need, left of the Changes column (after the
    // layout was read: a column of nobody's).
    w.sheets.insertColumnsByUser(SHEET, 4, 1);
    w.sheets.setCell(SHEET, 6, 5, 'call back');
    const more = [...FIELDS, 'basic_profile.summary', 'basic_profile.first_name'];
    const refused = start(w, w.source, { fields: more });
    expect(refused).toMatchObject({ ok: false, reason: 'conflict', conflictCells: 1, sample: ['E6: call back'] });
    expect(w.sheets.grid(SHEET)[2][5]).toBe('2025-01-13: Headline: Old → New');
  });

  test('results placed left of the identifiers over a Changes column: the identifiers move with it and the job follows them', () => {
    const w = world();
    const column = sampleColumn(30);
    w.sheets.addSheet(SHEET, 'Leads', column.map((cell) => ['', '', '', '', cell]));
    const source = { ...SOURCE, column: 5, lastRow: column.length };
    const first = start(w, source, { onConflict: 'elsewhere', targetColumn: 1 }) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    expect(first.ok).toBe(true);
    drive(w);
    w.sheets.addChangesColumnByRefresh(SHEET, 4, first.job.jobId);
    w.sheets.setCell(SHEET, 1, 4, 'Changes');
    w.sheets.setCell(SHEET, 3, 4, '2025-01-13: Headline: Old → New');
    const second = start(w, source, { fields: [...FIELDS, 'basic_profile.summary'] });
    expect(second.ok).toBe(true);
    drive(w);
    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(0, 6)).toEqual([STATUS_HEADER, 'Name', 'Headline', 'Summary', 'Changes', 'LinkedIn']);
    expect(grid[2][4]).toBe('2025-01-13: Headline: Old → New');
    expect(loadJob(w.store, SHEET)).toMatchObject({ sourceColumn: 6, state: 'done' });
    const statuses = grid.slice(1).map((row) => String(row[0]));
    expect(statuses.filter((status) => status.startsWith('Enriched')).length).toBeGreaterThan(20);
  });

  test("a re-run that moves a field takes the refresh's notes and highlights on its cells along", () => {
    const w = setup(40);
    withChangesHistory(w);
    // Keep fresh marked a Headline change (D3) and the user coloured a Name cell (C4).
    const cell = (row: number, column: number) => w.sheets.sheet(SHEET).cells[row - 1][column - 1];
    Object.assign(cell(3, 4), { note: 'Changed 2025-01-13. Was: Old', background: '#fce8b2' });
    Object.assign(cell(4, 3), { background: '#00ff00' });
    // First name goes between Name and Headline: Headline moves from D to E.
    const second = start(w, w.source, { fields: [...FIELDS, 'basic_profile.first_name'] });
    expect(second.ok).toBe(true);
    drive(w);
    expect(w.sheets.grid(SHEET)[0].slice(1, 6)).toEqual([STATUS_HEADER, 'Name', 'First name', 'Headline', 'Changes']);
    expect(cell(3, 5)).toMatchObject({ note: 'Changed 2025-01-13. Was: Old', background: '#fce8b2' });
    expect(cell(3, 4)).toMatchObject({ note: '', background: '#ffffff' });
    expect(cell(4, 3).background).toBe('#00ff00');
    expect(cell(3, 6).value).toBe('2025-01-13: Headline: Old → New');
  });

  test('a re-run where no field moves reads no notes', () => {
    const w = setup(40);
    withChangesHistory(w);
    start(w, w.source, { fields: [...FIELDS, 'basic_profile.summary'] });
    expect(w.sheets.calls.readNotes ?? 0).toBe(0);
  });

  test("another identifier column's Changes column further right moves along, and keeps naming its own layout", () => {
    const w = setup(40);
    withChangesHistory(w);
    w.sheets.addChangesColumnByRefresh(SHEET, 7, 'layout-of-another-column');
    w.sheets.addColumnMarksByUser(SHEET, [{ column: 8, record: { v: 1, role: 'source', t: 'layout-of-another-column' } }, { column: 9, record: { v: 1, role: 'status', t: 'layout-of-another-column', fields: FIELDS, sel: 'x', header: true } }]);
    const second = start(w, w.source, { fields: [...FIELDS, 'basic_profile.summary', 'basic_profile.first_name'] }) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    expect(second.ok).toBe(true);
    const marks = changesMarksOf(w).map((entry) => [entry.column, entry.value]).sort();
    expect(marks).toEqual([
      [7, JSON.stringify({ v: 1, t: second.job.jobId })],
      [9, JSON.stringify({ v: 1, t: 'layout-of-another-column' })],
    ]);
  });

  test('a Changes column of another identifier column is user data: the job stops and asks', () => {
    const w = setup(40);
    start(w, w.source);
    drive(w);
    w.sheets.addChangesColumnByRefresh(SHEET, 5, 'layout-of-another-column');
    w.sheets.addColumnMarksByUser(SHEET, [{ column: 8, record: { v: 1, role: 'source', t: 'layout-of-another-column' } }, { column: 9, record: { v: 1, role: 'status', t: 'layout-of-another-column', fields: FIELDS, sel: 'x', header: true } }]);
    w.sheets.setCell(SHEET, 3, 5, 'their change log');
    const more = [...FIELDS, 'basic_profile.summary'];
    expect(start(w, w.source, { fields: more })).toMatchObject({ ok: false, reason: 'conflict', conflictCells: 1 });
  });

  test('a Changes column left by a layout long replaced is this range\'s history: it moves, with the user\'s column after it', () => {
    const orphan = setup(40);
    withChangesHistory(orphan, 'a-layout-long-replaced');
    orphan.sheets.setCell(SHEET, 4, 6, 'my notes');
    const more = [...FIELDS, 'basic_profile.summary', 'basic_profile.first_name'];
    const second = start(orphan, orphan.source, { fields: more }) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    expect(second.ok).toBe(true);
    drive(orphan);
    const grid = orphan.sheets.grid(SHEET);
    expect(grid[2][6]).toBe('2025-01-13: Headline: Old → New');
    expect(grid[3][7]).toBe('my notes');
    expect(changesMarksOf(orphan)).toEqual([{ column: 7, key: CHANGES_METADATA_KEY, value: JSON.stringify({ v: 1, t: second.job.jobId }) }]);
  });

  test('a second job while one is active is refused', () => {
    const w = setup(40);
    start(w, w.source);
    expect(start(w, w.source)).toMatchObject({ ok: false, reason: 'job_running' });
  });
});

describe('already enriched rows', () => {
  test("rows the refresh found gone (it kept their data) count as settled: a re-run fetches none of them", () => {
    const w = setup(80);
    start(w, w.source);
    drive(w);
    const requests = w.engine.http.log.length;
    const grid = w.sheets.grid(SHEET);
    const enrichedRows = grid.map((row, i) => ({ row: i + 1, status: String(row[1]) })).filter((entry) => entry.status.startsWith('Enriched'));
    const marked = enrichedRows.filter((_, i) => i % 3 === 0).map((entry) => entry.row);
    marked.forEach((row, i) => w.sheets.setCell(SHEET, row, 2, i % 2 ? 'Not found 2025-02-03; kept data from 2025-01-06' : 'Not found 2025-02-03'));
    w.engine.resultCache.entries.clear(); // weeks later: nothing of the first run is cached

    const estimate = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false });
    expect(estimate.alreadyEnriched).toBe(enrichedRows.length + loadJob(w.store, SHEET)!.counts.notFound);
    start(w, w.source);
    drive(w);
    expect(w.engine.http.log.length).toBe(requests);
    // Left exactly as the refresh wrote them.
    expect(String(w.sheets.grid(SHEET)[marked[1] - 1][1])).toBe('Not found 2025-02-03; kept data from 2025-01-06');
  });


  test('a re-run buys nothing for rows it will skip, even with the cache empty', () => {
    const w = setup(300);
    start(w, w.source);
    drive(w);
    // Ten new people at the top, weeks later: nothing of the first run is cached.
    w.sheets.insertRowsByUser(SHEET, 2, 10);
    for (let i = 0; i < 10; i++) w.sheets.setCell(SHEET, 2 + i, 1, profileUrl(`new-${i}`));
    w.engine.resultCache.entries.clear();
    w.engine.http.log.length = 0;
    start(w, { ...w.source, lastRow: w.source.lastRow + 10 });
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.counts.enriched).toBe(10);
    expect(sentIdentifiers(w).sort()).toEqual(Array.from({ length: 10 }, (_, i) => profileUrl(`new-${i}`)).sort());
  });

  test('are skipped with the same fields, fetched again with re-enrich or other fields', () => {
    const w = setup(80);
    start(w, w.source);
    drive(w);
    const requests = w.engine.http.log.length;
    const firstCounts = loadJob(w.store, SHEET)!.counts;

    start(w, w.source);
    drive(w);
    const second = loadJob(w.store, SHEET)!;
    expect(w.engine.http.log.length).toBe(requests);
    expect(second.counts.skipped).toBe(firstCounts.enriched + firstCounts.notFound + firstCounts.skipped);

    const estimate = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false });
    expect(estimate.alreadyEnriched).toBe(firstCounts.enriched + firstCounts.notFound);
    expect(estimate.toFetch).toBe(0);

    // Re-enrich: answered from the cache, every row rewritten.
    start(w, w.source, { reenrich: true });
    drive(w);
    expect(loadJob(w.store, SHEET)!.counts.enriched).toBe(firstCounts.enriched);

    // Other fields: other columns, fetched anew.
    expect(startJob(w.deps, w.source, { fields: ['basic_profile.name'], reenrich: false }).ok).toBe(true);
    drive(w);
    expect(w.engine.http.log.length).toBeGreaterThan(requests);
    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(1, 4)).toEqual([STATUS_HEADER, 'Name', '']);
    // The replaced layout's extra column is cleared, not left stale under its old header.
    expect(grid.slice(0, 81).every((row) => row[3] === '')).toBe(true);
  });
});

describe('problems', () => {
  test('a rejected key pauses the job where it stopped; resume carries on after the fix', () => {
    let reject = false;
    const ok = okServer();
    const server: FakeServer = (request, now) => (reject ? { status: 401, body: '{"error":"bad key"}' } : ok(request, now));
    const w = setup(800, { server });
    start(w, w.source);
    runSlice(w.deps, SHEET);
    const before = loadJob(w.store, SHEET)!;
    expect(before.cursor).toBeGreaterThan(2);
    reject = true;
    w.engine.clock.advance(60_000);
    const paused = runSlice(w.deps, SHEET)!;
    expect(paused.state).toBe('paused');
    expect(paused.pausedBy).toBe('problem');
    expect(paused.message).toMatch(/key/i);
    const statuses = w.sheets.grid(SHEET).slice(1, 801).map((row) => String(row[1]));
    expect(paused.cursor).toBeGreaterThanOrEqual(before.cursor);
    expect(statuses.slice(paused.cursor - 1).every((status) => status === '')).toBe(true);
    expect(statuses.some((status) => status.startsWith('Error'))).toBe(false);

    reject = false;
    w.engine.sharedCache.entries.clear(); // the engine's memo of the bad key
    controlJob(w.deps, paused.jobId, 'resume');
    drive(w);
    const done = loadJob(w.store, SHEET)!;
    expect(done.state).toBe('done');
    expect(done.counts.failed).toBe(0);
  });

  test('a key rejected at the first request writes nothing, not even the header row; the fix and Resume write both', () => {
    let reject = true;
    const ok = okServer();
    const server: FakeServer = (request, now) => (reject ? { status: 401, body: '{"error":"bad key"}' } : ok(request, now));
    const w = setup(60, { server });
    const before = w.sheets.grid(SHEET).map((row) => [...row]);
    start(w, w.source);
    const paused = runSlice(w.deps, SHEET)!;
    expect(paused).toMatchObject({ state: 'paused', pausedBy: 'problem', headersPending: true, problemCode: 'invalid_api_key' });
    expect(toProgress(paused).problemCode).toBe('invalid_api_key');
    expect(w.sheets.writes).toEqual([]);
    expect(w.sheets.grid(SHEET)).toEqual(before);

    reject = false;
    w.engine.sharedCache.entries.clear(); // the engine's memo of the bad key
    controlJob(w.deps, paused.jobId, 'resume');
    drive(w);
    expect(loadJob(w.store, SHEET)).toMatchObject({ state: 'done', headersPending: false });
    expect(w.sheets.grid(SHEET)[0].slice(0, 4)).toEqual(['LinkedIn', STATUS_HEADER, 'Name', 'Headline']);
  });

  test('a job the rate limit holds back says until when; the time goes once rows move', () => {
    const ok = okServer();
    let limited = true;
    // Crustdata answers 429 with a Retry-After of 5 minutes: longer than a slice waits.
    const server: FakeServer = (request, now) => (limited ? { status: 429, headers: { 'retry-after': '300' }, body: '{"error":"rate limited"}' } : ok(request, now));
    const w = setup(60, { server });
    start(w, w.source);
    const startedAt = w.engine.clock.now();
    const held = runSlice(w.deps, SHEET)!;
    expect(held).toMatchObject({ state: 'running', cursor: 2 });
    expect(held.waitingUntil).toBeGreaterThanOrEqual(startedAt + 300_000);
    const progress = toProgress(held);
    expect(progress.waitingUntil).toBe(held.waitingUntil);
    expect(progress.processed).toBe(0);

    limited = false;
    w.engine.clock.advance(held.waitingUntil! - w.engine.clock.now() + 1_000);
    const moving = runSlice(w.deps, SHEET)!;
    expect(moving.cursor).toBeGreaterThan(2);
    expect(moving.waitingUntil).toBeNull();
    expect(toProgress(moving).waitingUntil).toBeNull();
  });

  test('rows that keep failing are marked and can be selected; the job goes on', () => {
    const bad = new Set([profileUrl(10), profileUrl(11)]);
    const ok = okServer();
    const server: FakeServer = (request, now) => (request.identifiers.some((id) => bad.has(id)) ? { status: 500, body: 'oops' } : ok(request, now));
    const w = setup(60, { server });
    const response = start(w, w.source);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');
    expect(job.counts.failed).toBeGreaterThan(0);
    const result = selectFailedRows(w.deps, (response as { job: { jobId: string } }).job.jobId);
    expect(result.rows).toBe(job.counts.failed);
    expect(w.sheets.selected.length).toBeGreaterThan(0);
    expect(w.sheets.selected.every((a1) => a1.startsWith('B'))).toBe(true);
  });

  test('rows that failed once get a second try at the end of the job', () => {
    const flaky = profileUrl(0);
    let brokenAnswers = 0;
    const ok = okServer();
    const server: FakeServer = (request, now) => {
      // Broken answers until the engine's attempts for the batch are spent: its rows fail once.
      if (brokenAnswers < DEFAULT_RETRY_POLICY.maxAttempts && request.identifiers.includes(flaky)) {
        brokenAnswers++;
        return { status: 200, body: 'not json' };
      }
      return ok(request, now);
    };
    const w = setup(200, { server });
    start(w, w.source);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(brokenAnswers).toBe(DEFAULT_RETRY_POLICY.maxAttempts);
    expect(job.retryPass).toBe(true);
    expect(job.state).toBe('done');
    expect(job.counts.failed).toBe(0);
    expect(job.counts.enriched + job.counts.notFound + job.counts.invalid + job.counts.skipped).toBe(200);
    const grid = w.sheets.grid(SHEET);
    expect(grid.slice(1, 201).some((row) => String(row[1]).startsWith('Error'))).toBe(false);
    // The second pass wrote only the block that held the failed rows.
    const statusWrites = w.sheets.writes.filter((write) => write.columns === 1 && write.row > 1);
    const rowsWritten = statusWrites.reduce((sum, write) => sum + write.rows, 0);
    expect(rowsWritten).toBeGreaterThan(200);
    expect(rowsWritten).toBeLessThanOrEqual(200 + 25);
  });

  test('columns moved apart stop the job instead of writing in the wrong place', () => {
    const w = setup(800);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    w.sheets.insertColumnsByUser(SHEET, 2, 1); // between the status column and the data
    w.engine.clock.advance(60_000);
    const job = runSlice(w.deps, SHEET)!;
    expect(job.state).toBe('error');
    expect(job.message).toMatch(/moved/);
  });

  test('a column inserted left of the identifiers: the job follows its columns', () => {
    const w = setup(800);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    w.sheets.insertColumnsByUser(SHEET, 0, 1);
    drive(w);
    const grid = w.sheets.grid(SHEET);
    expect(grid[0].slice(0, 5)).toEqual(['', 'LinkedIn', STATUS_HEADER, 'Name', 'Headline']);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    expect(grid.slice(1, 801).every((row) => row[1] === '' || row[2] !== '')).toBe(true);
    expect(grid.slice(1, 801).every((row) => row[5] === '')).toBe(true);
  });
});

/** Every row from `first` to `last` holds the person of the identifier beside it now, or its status. */
function expectOwnRows(w: World, first: number, last: number): void {
  const grid = w.sheets.grid(SHEET);
  for (let row = first; row <= last; row++) {
    const [cell, status, name, headline] = grid[row - 1];
    const id = classifyIdentifier(cell);
    if (id.kind === 'blank') expect({ row, status, name, headline }).toEqual({ row, status: '', name: '', headline: '' });
    else if (id.kind === 'invalid') expect({ row, status }).toEqual({ row, status: `Invalid identifier: ${id.message}` });
    else expect({ row, status: String(status).slice(0, 9), name }).toEqual({ row, status: 'Enriched ', name: `Person ${id.normalized}` });
  }
}

function isBlankRow(w: World, row: number): boolean {
  return w.sheets.grid(SHEET)[row - 1].every((value) => value === '');
}

describe('rows inserted and deleted while the job runs', () => {
  test('between slices: 10 rows above, 5 in the written part, 3 deleted ahead; each row keeps its own person', () => {
    const w = setup(800);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    const cursor = loadJob(w.store, SHEET)!.cursor;
    expect(cursor).toBeGreaterThan(60);
    expect(cursor).toBeLessThan(700);
    w.sheets.insertRowsByUser(SHEET, 1, 10);
    const insideAt = 11 + Math.floor((cursor - 1) / 2);
    w.sheets.insertRowsByUser(SHEET, insideAt, 5);
    const deleteAt = cursor + 15 + 10;
    w.sheets.deleteRowsByUser(SHEET, deleteAt, 3);
    w.engine.clock.advance(500);
    drive(w);

    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');
    expect({ first: job.dataFirstRow, last: job.lastRow }).toEqual({ first: 12, last: 811 + 5 - 3 });
    expectOwnRows(w, 12, 813);
    for (let row = 1; row <= 10; row++) expect(isBlankRow(w, row)).toBe(true);
    for (let row = insideAt; row < insideAt + 5; row++) expect(isBlankRow(w, row)).toBe(true);
    expect(w.sheets.grid(SHEET)[10].slice(0, 3)).toEqual(['LinkedIn', STATUS_HEADER, 'Name']);
    const { enriched, notFound, invalid, failed, skipped } = job.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(797);
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
    expect(w.sheets.anchors(SHEET)).toEqual([]);
  });

  test('rows inserted while a request is in flight: that block is not written, the next slice writes it in the right place', () => {
    const w = setup(400);
    start(w, w.source);
    const original = w.engine.http.fetchAll.bind(w.engine.http);
    let fetches = 0;
    w.engine.http.fetchAll = (requests) => {
      if (++fetches === 2) w.sheets.insertRowsByUser(SHEET, 2, 2); // the user, meanwhile
      return original(requests);
    };
    const after = runSlice(w.deps, SHEET)!;
    expect(after.message).toMatch(/inserted, deleted or edited/);
    expect(after.state).toBe('running');
    expect(isBlankRow(w, 2) && isBlankRow(w, 3)).toBe(true);
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    expectOwnRows(w, 4, 403);
    expect(isBlankRow(w, 2) && isBlankRow(w, 3)).toBe(true);
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
  });

  test('a sheet whose rows change under every slice pauses the job instead of spinning', () => {
    const w = setup(400);
    start(w, w.source);
    const read = w.sheets.readValues.bind(w.sheets);
    // A row appears above the data before every check a block makes: no block can be written.
    w.sheets.readValues = (sheetId, row, column, numRows, numColumns) => {
      if (numColumns === 1 && numRows <= 25) w.sheets.insertRowsByUser(SHEET, 2, 1);
      return read(sheetId, row, column, numRows, numColumns);
    };
    for (let i = 0; i < 5; i++) {
      runSlice(w.deps, SHEET);
      w.engine.clock.advance(500);
    }
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('paused');
    expect(job.pausedBy).toBe('problem');
    expect(job.message).toMatch(/repeated problems.*inserted, deleted or edited/);
  });

  test.each([5, 13, 22, 37, 49, 66, 80])('killed at call %i, then 3 rows inserted above and 2 deleted ahead: nothing lost or repeated', (killAt) => {
    const w = setup(200);
    start(w, w.source);
    w.sheets.killAtCall = killAt;
    for (let i = 0; i < 100 && !w.sheets.killed; i++) {
      try {
        runSlice(w.deps, SHEET);
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
    }
    w.sheets.killed = false;
    w.sheets.killAtCall = null;
    w.engine.lock.held = false;
    w.engine.clock.advance(5 * 60_000);
    w.sheets.insertRowsByUser(SHEET, 1, 3);
    w.sheets.deleteRowsByUser(SHEET, 180, 2);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');
    expectOwnRows(w, 5, 202);
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
    const { enriched, notFound, invalid, failed, skipped } = job.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(198);
    expect(w.sheets.anchors(SHEET)).toEqual([]);
  });

  test('the rows around the cursor deleted: the job stops with a message and writes nothing more', () => {
    const w = setup(800);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    const cursor = loadJob(w.store, SHEET)!.cursor;
    w.sheets.deleteRowsByUser(SHEET, cursor - 1, 2);
    const writes = w.sheets.writes.length;
    w.engine.clock.advance(500);
    const job = runSlice(w.deps, SHEET)!;
    expect(job.state).toBe('error');
    expect(job.message).toMatch(/where this job had got to were deleted/);
    expect(w.sheets.writes.length).toBe(writes);
    expect(w.sheets.anchors(SHEET)).toEqual([]);
  });

  test('only the last row written deleted: the job carries on from the row after it', () => {
    const w = setup(800);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    const cursor = loadJob(w.store, SHEET)!.cursor;
    w.sheets.deleteRowsByUser(SHEET, cursor - 1, 1);
    w.engine.clock.advance(500);
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    expectOwnRows(w, 2, 800);
  });

  test('a job saved by a version without row anchors stops rather than trust its numbers', () => {
    const w = setup(100);
    start(w, w.source);
    const raw = JSON.parse(w.store.values.get(jobKey(SHEET))!) as Record<string, unknown>;
    delete raw.rowMarks;
    w.store.values.set(jobKey(SHEET), JSON.stringify(raw));
    const writes = w.sheets.writes.length;
    const job = runSlice(w.deps, SHEET)!;
    expect(job.state).toBe('error');
    expect(job.message).toMatch(/lost track of its rows/);
    expect(w.sheets.writes.length).toBe(writes);
  });

  test('failed rows are selected where they are now, after rows were inserted above', () => {
    const bad = new Set([profileUrl(10), profileUrl(11)]);
    const ok = okServer();
    const server: FakeServer = (request, now) => (request.identifiers.some((id) => bad.has(id)) ? { status: 500, body: 'oops' } : ok(request, now));
    const w = setup(800, { server });
    const response = start(w, w.source);
    runSlice(w.deps, SHEET);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('running');
    expect(job.counts.failed).toBeGreaterThan(0);
    w.sheets.insertRowsByUser(SHEET, 1, 4);
    const result = selectFailedRows(w.deps, (response as { job: { jobId: string } }).job.jobId);
    expect(result.rows).toBe(job.counts.failed);
    const grid = w.sheets.grid(SHEET);
    for (const a1 of w.sheets.selected) {
      const [first, last = first] = a1.split(':').map((part) => Number(part.slice(1)));
      for (let row = first; row <= last; row++) expect(String(grid[row - 1][1])).toMatch(/^Error: /);
    }
  });
});

describe('a slice reads what it works on, not the whole job', () => {
  /** Cells read by the slices of a whole job (not by its start), per block written. */
  function cellsPerBlock(rows: number): { perBlock: number; wholeColumnReads: number; biggestOtherRead: number } {
    const w = setup(rows);
    start(w, w.source);
    w.sheets.reads = [];
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    const cells = w.sheets.reads.reduce((sum, read) => sum + read.rows * read.columns, 0);
    const whole = w.sheets.reads.filter((read) => read.rows === rows);
    const others = w.sheets.reads.filter((read) => read.rows !== rows);
    return { perBlock: cells / Math.ceil(rows / 25), wholeColumnReads: whole.length, biggestOtherRead: Math.max(...others.map((read) => read.rows)) };
  }

  test('cells read per block are the same for a 3,200- and a 6,400-row job', () => {
    const small = cellsPerBlock(3_200);
    const large = cellsPerBlock(6_400);
    // Each row once in its block (status and values), its identifier a few times (ahead, the
    // duplicate plan, the check before the write): whatever the job's length.
    expect(large.perBlock).toBeLessThan(small.perBlock * 1.1);
    expect(large.perBlock).toBeLessThan(25 * 12);
    // The identifier column is read whole once (the duplicate plan of the only pass); every other
    // read is one block, or a chunk of 200 identifiers.
    expect(large.wholeColumnReads).toBe(1);
    expect(large.biggestOtherRead).toBeLessThanOrEqual(200);
  });

  /**
   * What a cache that evicts oldest first lets go first: the answers for the rows already
   * written. (Answers fetched ahead to fill requests stay: they are the newest.)
   */
  function forgetWritten(w: World): void {
    const job = loadJob(w.store, SHEET)!;
    const written = new Set<string>();
    const grid = w.sheets.grid(SHEET);
    for (let row = job.dataFirstRow; row < job.cursor; row++) {
      const id = classifyIdentifier(grid[row - 1][0]);
      if (id.kind === 'profile_url' || id.kind === 'business_email') written.add(id.normalized);
    }
    for (const [key, entry] of w.engine.resultCache.entries) {
      const name = /"name":"Person ([^"]+)"/.exec(entry.value)?.[1];
      if (name && written.has(name)) w.engine.resultCache.entries.delete(key);
    }
  }

  test('a repeat far below its first row is copied from the sheet when the cache has let it go', () => {
    const w = setup(1_600);
    start(w, w.source);
    for (let i = 0; i < 500; i++) {
      const job = runSlice(w.deps, SHEET)!;
      if (job.state !== 'running') break;
      forgetWritten(w); // evicted between the sidebar's calls
      w.engine.clock.advance(500);
    }
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
    expectOwnRows(w, 2, 1_601);
    // Row 1,215 repeats row 608's identifier in another form, 607 rows up.
    const grid = w.sheets.grid(SHEET);
    expect(grid[1_214][0]).toBe(profileUrl(606).toUpperCase() + '/?utm_source=x');
    expect(grid[607][0]).toBe(profileUrl(606));
    expect(grid[1_214].slice(1, 4)).toEqual(grid[607].slice(1, 4));
  });

  test('rows inserted inside the range between slices: the plan is built again and repeats still find their rows', () => {
    const w = setup(1_600);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    const built = loadJob(w.store, SHEET)!.dups!;
    expect(built).toMatchObject({ pass: 1, rows: 1_600 });
    w.sheets.insertRowsByUser(SHEET, 900, 4);
    for (let i = 0; i < 500; i++) {
      forgetWritten(w);
      w.engine.clock.advance(500);
      const job = runSlice(w.deps, SHEET)!;
      if (job.state !== 'running') break;
      if (job.dups && job.dups.tag !== built.tag) expect(job.dups.rows).toBe(1_604);
    }
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
    const sent = sentIdentifiers(w);
    expect(new Set(sent).size).toBe(sent.length);
    expectOwnRows(w, 2, 899);
    expectOwnRows(w, 904, 1_605);
  });

  test('the plan lives in document properties while the job runs, and goes with it', () => {
    const planKeys = (w: World) => w.store.keys().filter((key) => key.startsWith('crustdata.dups.'));
    const w = setup(1_000);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    expect(planKeys(w).length).toBeGreaterThan(0);
    for (const key of planKeys(w)) expect(w.store.values.get(key)!.length).toBeLessThan(9 * 1024);
    drive(w);
    expect(planKeys(w)).toEqual([]);

    const cancelled = setup(1_000);
    const response = start(cancelled, cancelled.source) as Extract<ReturnType<typeof startJob>, { ok: true }>;
    runSlice(cancelled.deps, SHEET);
    expect(planKeys(cancelled).length).toBeGreaterThan(0);
    controlJob(cancelled.deps, response.job.jobId, 'cancel');
    expect(planKeys(cancelled)).toEqual([]);
  });

  test('the time left comes from the rows read ahead, close to what the whole column says', () => {
    const w = setup(3_000);
    start(w, w.source);
    runSlice(w.deps, SHEET);
    const job = loadJob(w.store, SHEET)!;
    // What is left: the identifiers from the cursor on that no row above holds, 25 per request.
    const column = sampleColumn(3_000).slice(1);
    const above = new Set<string>();
    const left = { profile_url: new Set<string>(), business_email: new Set<string>() };
    column.forEach((cell, offset) => {
      const id = classifyIdentifier(cell);
      if (id.kind !== 'profile_url' && id.kind !== 'business_email') return;
      if (offset + 2 < job.cursor) above.add(id.normalized);
      else if (!above.has(id.normalized)) left[id.kind].add(id.normalized);
    });
    const exact = ((Math.ceil(left.profile_url.size / 25) + Math.ceil(left.business_email.size / 25)) * 60) / 15;
    expect(job.etaSeconds).toBeGreaterThan(exact * 0.7);
    expect(job.etaSeconds).toBeLessThan(exact * 1.3);
  });
});

describe('row anchors come and go with the job', () => {
  test('placed at the start, moved block by block, removed when the job is done', () => {
    const w = setup(800);
    start(w, w.source);
    expect(w.sheets.anchors(SHEET).map((anchor) => [anchor.row, JSON.parse(anchor.value).r])).toEqual([
      [2, 'first'],
      [801, 'last'],
      [1, 'top'],
    ]);
    runSlice(w.deps, SHEET);
    const cursor = loadJob(w.store, SHEET)!.cursor;
    const pairs = w.sheets.anchors(SHEET).filter((anchor) => /"done"|"next"/.test(anchor.value));
    expect(pairs.length).toBeGreaterThan(0);
    expect(pairs.slice(-2).map((anchor) => anchor.row)).toEqual([cursor - 1, cursor]);
    drive(w);
    expect(w.sheets.anchors(SHEET)).toEqual([]);
  });

  test('a slice over cached rows writes many blocks but keeps few anchors (a sheet holds 30,000 characters of metadata)', () => {
    const w = setup(2000);
    start(w, w.source);
    drive(w);
    start(w, w.source, { reenrich: true }); // every identifier cached: the blocks cost no request
    w.sheets.mostRowMetadata = 0;
    const requests = w.engine.http.log.length;
    const job = runSlice(w.deps, SHEET)!;
    expect(job.state).toBe('done');
    expect(w.engine.http.log.length).toBe(requests);
    expect(w.sheets.mostRowMetadata).toBeLessThanOrEqual(3 + 2 * 16 + 2);
    expect(w.sheets.anchors(SHEET)).toEqual([]);
  });

  test('removed on cancel, and by the next start after a job that left some behind', () => {
    const w = setup(800);
    const response = start(w, w.source);
    runSlice(w.deps, SHEET);
    controlJob(w.deps, (response as { job: { jobId: string } }).job.jobId, 'cancel');
    expect(w.sheets.anchors(SHEET)).toEqual([]);

    w.sheets.addRowAnchors(SHEET, [{ row: 40, record: { v: 1, j: 'gone', r: 'done', p: 1, s: 3 } }]);
    start(w, w.source);
    expect(w.sheets.anchors(SHEET).some((anchor) => anchor.value.includes('"gone"'))).toBe(false);
  });

  test('a second-pass block killed after its writes: its retried rows are counted once', () => {
    const flaky = profileUrl(0);
    let brokenAnswers = 0;
    const ok = okServer();
    const server: FakeServer = (request, now) => {
      if (brokenAnswers < DEFAULT_RETRY_POLICY.maxAttempts && request.identifiers.includes(flaky)) {
        brokenAnswers++;
        return { status: 200, body: 'not json' };
      }
      return ok(request, now);
    };
    const w = setup(200, { server });
    start(w, w.source);
    const add = w.sheets.addRowAnchors.bind(w.sheets);
    let killed = false;
    w.sheets.addRowAnchors = (sheetId, anchors) => {
      if (!killed && loadJob(w.store, SHEET)!.retryPass) {
        killed = true;
        w.sheets.killed = true;
        throw new Killed('killed before the second pass block\'s pair');
      }
      add(sheetId, anchors);
    };
    for (let i = 0; i < 100 && !w.sheets.killed; i++) {
      try {
        const job = runSlice(w.deps, SHEET);
        if (job && job.state !== 'running') break;
      } catch (error) {
        if (!(error instanceof Killed)) throw error;
      }
      w.engine.clock.advance(500);
    }
    expect(killed).toBe(true);
    w.sheets.killed = false;
    w.engine.lock.held = false;
    w.engine.clock.advance(5 * 60_000);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job.state).toBe('done');
    expect(job.counts.failed).toBe(0);
    const { enriched, notFound, invalid, skipped } = job.counts;
    expect(enriched + notFound + invalid + skipped).toBe(200);
    expectOwnRows(w, 2, 201);
  });
});

describe('control', () => {
  test('pause during a slice wins over the slice; resume and cancel', () => {
    const w = setup(1500);
    const response = start(w, w.source);
    const jobId = (response as { job: { jobId: string } }).job.jobId;
    const original = w.engine.http.fetchAll.bind(w.engine.http);
    let paused = false;
    w.engine.http.fetchAll = (requests) => {
      if (!paused) {
        paused = true;
        controlJob(w.deps, jobId, 'pause'); // the sidebar's call, while the slice runs
      }
      return original(requests);
    };
    const job = runSlice(w.deps, SHEET)!;
    expect(job.state).toBe('paused');
    expect(job.pausedBy).toBe('user');
    expect(job.cursor).toBe(w.source.firstRow + 1 + 25); // the block under way was still written

    expect(runSlice(w.deps, SHEET)!.cursor).toBe(job.cursor); // paused: no work
    controlJob(w.deps, jobId, 'resume');
    runSlice(w.deps, SHEET);
    const cancelled = controlJob(w.deps, jobId, 'cancel')!;
    expect(cancelled.state).toBe('cancelled');
    expect(runSlice(w.deps, SHEET)!.cursor).toBe(cancelled.cursor);
  });

  test("'background' flips only the switch, in any state", () => {
    const w = setup(100);
    const response = start(w, w.source);
    const jobId = (response as { job: { jobId: string } }).job.jobId;
    const before = loadJob(w.store, SHEET)!;
    expect(controlJob(w.deps, jobId, 'background', true)).toMatchObject({ state: 'running', continueInBackground: true, cursor: before.cursor });
    controlJob(w.deps, jobId, 'pause');
    expect(controlJob(w.deps, jobId, 'background', false)).toMatchObject({ state: 'paused', pausedBy: 'user', continueInBackground: false });
    controlJob(w.deps, jobId, 'cancel');
    expect(controlJob(w.deps, jobId, 'background', true)).toMatchObject({ state: 'cancelled', continueInBackground: true });
  });

  test('the background trigger carries on jobs the user let go, not ones stopped on a problem', () => {
    const w = setup(100);
    const response = start(w, w.source, { continueInBackground: true });
    const jobId = (response as { job: { jobId: string } }).job.jobId;
    controlJob(w.deps, jobId, 'pause');
    const touched = continueBackgroundJobs(w.deps, 5 * 60_000);
    expect(touched.map((job) => job.jobId)).toEqual([jobId]);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');

    const other = setup(40);
    const otherResponse = start(other, other.source);
    controlJob(other.deps, (otherResponse as { job: { jobId: string } }).job.jobId, 'pause');
    expect(continueBackgroundJobs(other.deps, 60_000)).toEqual([]);
  });

  test('runFor stops near its time limit', () => {
    const w = setup(3000);
    start(w, w.source);
    const startedAt = w.engine.clock.now();
    const job = runFor(w.deps, SHEET, 5 * 60_000)!;
    expect(job.state).toBe('running');
    expect(w.engine.clock.now() - startedAt).toBeLessThanOrEqual(5 * 60_000);
    expect(job.cursor).toBeGreaterThan(100);
  });
});

describe('estimate', () => {
  test('counts rows, identifiers, requests, credits and time', () => {
    const w = setup(100);
    const estimate = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false });
    const column = sampleColumn(100);
    expect(estimate.rows).toBe(100);
    expect(estimate.blank).toBe(column.filter((cell) => cell === '').length);
    expect(estimate.invalid).toBe(column.filter((cell) => cell === 'not a profile').length);
    // The same people counted from how sampleColumn builds its rows, not from the estimate: the
    // upper-cased "?utm_source" rows are row floor(i / 2)'s profile written another way.
    const profiles = new Set<number>();
    const emails = new Set<number>();
    for (let i = 0; i < 100; i++) {
      if (i % 17 === 5 || i % 23 === 7) continue;
      if (i % 10 === 3) profiles.add(Math.floor(i / 2));
      else if (i % 9 === 4) emails.add(i);
      else profiles.add(i);
    }
    expect(estimate.profileUrls).toBe(profiles.size);
    expect(estimate.emails).toBe(emails.size);
    expect(estimate.uniqueIdentifiers).toBe(profiles.size + emails.size);
    expect(estimate.toFetch).toBe(profiles.size + emails.size);
    expect(estimate.requests).toBe(Math.ceil(profiles.size / 25) + Math.ceil(emails.size / 25));
    expect(estimate.creditsMax).toBe(profiles.size + emails.size);
    expect(estimate.minutes).toBeCloseTo(estimate.requests / 15, 1);
    expect(estimate.headers).toEqual([STATUS_HEADER, ...columnsFor(parseFieldSelection(FIELDS)).map((c) => c.header)]);
    expect(estimate.targetRange).toBe('Leads!B1:D101');
    expect(estimate.conflictCells).toBe(0);

    // After a job, everything is cached or enriched.
    start(w, w.source);
    drive(w);
    const again = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: true });
    expect(again.cached).toBe(again.uniqueIdentifiers);
    expect(again.requests).toBe(0);
  });
});

test('personFor is what the fake server answers (guards the name check above)', () => {
  expect(personFor('x')).toMatchObject({ basic_profile: { name: 'Person x' } });
});

// ---- Spend: credits charged, the credit cap, the UrlFetch quota, the likely estimate ---------

describe('spend', () => {
  /** Credits every answer charged, as the fake API's x-credits-used headers said. */
  const charged = (w: World) => w.engine.http.log.reduce((sum, request) => sum + request.identifiers.length, 0);

  test('the job counts the credits charged; the progress carries them', () => {
    const w = setup(120);
    start(w, w.source);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    // okServer matches every identifier and charges 1 per match.
    expect(job.creditsUsed).toBe(charged(w));
    expect(job.creditsUsed).toBeGreaterThan(0);
    expect(toProgress(job)).toMatchObject({ creditsUsed: job.creditsUsed, creditCap: null, problemCode: null });
  });

  test('pauses itself before a request that could pass the cap; Resume needs a higher cap, then it finishes', () => {
    const w = setup(200);
    const response = start(w, w.source, { creditCap: 60 });
    const jobId = (response as { job: { jobId: string } }).job.jobId;
    drive(w);
    const paused = loadJob(w.store, SHEET)!;
    expect(paused).toMatchObject({ state: 'paused', pausedBy: 'problem', problemCode: 'credit_cap', creditCap: 60 });
    expect(paused.creditsUsed).toBeLessThanOrEqual(60);
    expect(paused.creditsUsed).toBe(charged(w));
    expect(paused.message).toMatch(/credit cap/);
    const sentBefore = w.engine.http.log.length;

    // Resume without a higher cap: still paused, and it says what it needs.
    const refused = controlJob(w.deps, jobId, 'resume')!;
    expect(refused).toMatchObject({ state: 'paused', problemCode: 'credit_cap' });
    expect(refused.message).toMatch(new RegExp(`above ${paused.creditsUsed}`));
    expect(w.engine.http.log.length).toBe(sentBefore);
    // The hourly trigger never carries on a job paused at its cap.
    expect(controlJob(w.deps, jobId, 'resume', undefined, 'background')).toMatchObject({ state: 'paused' });

    const resumed = controlJob(w.deps, jobId, 'resume', undefined, 'user', { creditCap: 10_000 })!;
    expect(resumed).toMatchObject({ state: 'running', problemCode: null, creditCap: 10_000 });
    drive(w);
    const done = loadJob(w.store, SHEET)!;
    expect(done.state).toBe('done');
    expect(done.creditsUsed).toBe(charged(w));
  });

  test('pauses with a clear message, sending nothing, when the UrlFetch calls left today are used up', () => {
    const w = setup(60);
    let left = 0;
    w.deps.fetchQuota = { callsLeft: () => left, message: 'Paused before the daily limit.' };
    start(w, w.source);
    drive(w);
    const job = loadJob(w.store, SHEET)!;
    expect(job).toMatchObject({ state: 'paused', pausedBy: 'problem', problemCode: 'fetch_quota', message: 'Paused before the daily limit.' });
    expect(w.engine.http.log.length).toBe(0);
    left = 1000;
    controlJob(w.deps, job.jobId, 'resume');
    drive(w);
    expect(loadJob(w.store, SHEET)!.state).toBe('done');
  });

  test("the estimate's likely credits come from this sheet's answers once it has some, within 15% of the charge", () => {
    const notFound = new Set<string>();
    const w = setup(400, { server: (request, now) => okServer({ notFound })(request, now) });
    // Every third identifier has no match: 2/3 of the lookups are charged.
    for (let i = 0; i < 400; i++) if (i % 3 === 0) notFound.add(profileUrl(i));
    const first = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false });
    expect(first.likelyBasis).toBe('typical');
    expect(first.creditsLikely).toBeLessThanOrEqual(first.creditsMax);

    // A first job over the top 100 rows teaches the sheet its match rate.
    start(w, { ...w.source, lastRow: 101 });
    drive(w);
    const before = loadJob(w.store, SHEET)!.creditsUsed;
    expect(loadJob(w.store, SHEET)!.counts.notFound).toBeGreaterThan(10);
    const estimate = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false });
    expect(estimate.likelyBasis).toBe('sheet');
    start(w, w.source);
    drive(w);
    const spent = loadJob(w.store, SHEET)!.creditsUsed;
    expect(before).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(estimate.creditsMax);
    expect(Math.abs(estimate.creditsLikely - spent)).toBeLessThanOrEqual(0.15 * spent);
  });
});

describe('match and freshness options', () => {
  /** Records the options of every engine call; rows of `ambiguous` come back as the engine's review outcome. */
  function recording(w: World, ambiguous: Set<string> = new Set()) {
    const calls: Array<Parameters<JobDeps['engine']['enrich']>[1]> = [];
    const inner = w.deps.engine;
    w.deps.engine = {
      ...inner,
      cachedKeys: (ids, selection, api, maxCacheAgeMs) => inner.cachedKeys(ids, selection, api, maxCacheAgeMs),
      enrich: (cells, options) => {
        calls.push(options);
        const result = inner.enrich(cells, options);
        const outcomes = result.outcomes.map((outcome, i) =>
          outcome.status === 'matched' && ambiguous.has(String(cells[i]))
            ? { status: 'failed' as const, identifier: outcome.identifier, code: 'ambiguous_match' as never, message: 'Ambiguous: 2 people match with close scores (0.81 and 0.8). Check this row by hand, or choose "take the best" to fill it with the top match.' }
            : outcome,
        );
        return { ...result, outcomes };
      },
    };
    return calls;
  }

  test('the options reach every engine call, and are kept with the job and the sheet', () => {
    const w = setup(60);
    const calls = recording(w);
    const options = { minScore: 0.8, ambiguity: 'leave_for_review' as const, live: true };
    expect(start(w, w.source, { options }).ok).toBe(true);
    drive(w);
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.api).toEqual({ minScore: 0.8, live: true, forceFetch: false, enrichRealtime: false });
      expect(call.ambiguity).toBe('leave_for_review');
      expect(call.maxCacheAgeMs).toBeUndefined();
    }
    expect(loadJob(w.store, SHEET)?.options).toEqual({ minScore: 0.8, ambiguity: 'leave_for_review', forceFetch: false, live: true });
    expect(JSON.parse(w.store.get(`crustdata.settings.${SHEET}`) ?? '{}').options).toEqual({ minScore: 0.8, ambiguity: 'leave_for_review', forceFetch: false, live: true });
  });

  test('without options the engine gets the defaults, and the stored job carries none', () => {
    const w = setup(30);
    const calls = recording(w);
    start(w, w.source);
    drive(w);
    expect(calls.every((call) => call.api?.minScore === null && call.api.live === false && call.ambiguity === 'take_best')).toBe(true);
    expect(loadJob(w.store, SHEET)?.options).toBeUndefined();
  });

  test('force_fetch: every identifier is fetched though the cache holds it, and once per job only', () => {
    const w = setup(60);
    start(w, w.source);
    drive(w);
    const firstRun = sentIdentifiers(w).length;
    w.engine.clock.advance(60_000);
    expect(estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: true }).cached).toBeGreaterThan(0);
    // Forcing fresh data, the estimate counts nothing as cached.
    const forced = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: true, options: { forceFetch: true } });
    expect(forced.cached).toBe(0);
    expect(forced.toFetch).toBe(forced.uniqueIdentifiers);
    const calls = recording(w);
    start(w, w.source, { reenrich: true, options: { forceFetch: true } });
    drive(w);
    expect(calls.every((call) => call.api?.forceFetch === true && typeof call.maxCacheAgeMs === 'number')).toBe(true);
    const unique = new Set(sentIdentifiers(w).slice(firstRun).map((id) => id.toLowerCase()));
    // Each identifier sent once more, none twice.
    expect(sentIdentifiers(w).length - firstRun).toBe(unique.size);
    expect(unique.size).toBe(forced.uniqueIdentifiers);
    expect(w.engine.http.log.slice(-1)[0].body).toMatchObject({ force_fetch: true });
  });

  test('turning the live pass on after a run: the "Not found" rows get their try, the enriched rows stay as they are', () => {
    const missing = new Set([profileUrl(2), profileUrl(11), profileUrl(25)]);
    const w = setup(40, { server: okServer({ notFound: missing }) });
    start(w, w.source);
    drive(w);
    const firstRun = sentIdentifiers(w).length;
    // One of them is repeated further down in another form: rows, not identifiers.
    const notFoundRows = loadJob(w.store, SHEET)!.counts.notFound;
    expect(notFoundRows).toBeGreaterThanOrEqual(missing.size);
    // The estimate counts just those rows as to fetch.
    expect(estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false, options: { live: true } }).toFetch).toBe(missing.size);
    expect(estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false }).toFetch).toBe(0);
    const historyBefore = loadHistory(w.store, SHEET);
    expect(historyBefore?.fetched).toBeGreaterThan(0);
    const calls = recording(w);
    start(w, w.source, { options: { live: true } });
    drive(w);
    // The live try's answers stay out of what the sheet's cached answers showed.
    expect(loadHistory(w.store, SHEET)).toEqual(historyBefore);
    expect([...new Set(sentIdentifiers(w).slice(firstRun))].sort()).toEqual([...missing].sort());
    expect(calls.every((call) => call.api?.live === true)).toBe(true);
    // The fake has no live endpoint of its own: still not found, and nothing else touched.
    expect(loadJob(w.store, SHEET)?.counts).toMatchObject({ notFound: notFoundRows, enriched: 0 });
  });

  test("the live pass's cost is its own line of the estimate: bounded, and likely from this sheet's not-found rate", () => {
    const missing = new Set([profileUrl(2), profileUrl(11), profileUrl(25), profileUrl(30)]);
    const w = setup(60, { server: okServer({ notFound: missing }) });
    const liveMaxPerRow = creditsPerMatch(parseFieldSelection(FIELDS)).max + LIVE_EXTRA_CREDITS_PER_MATCH;
    const off = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false });
    expect(off).toMatchObject({ liveCreditsMax: null, liveCreditsLikely: null });
    // No answers yet: the bound counts every row to fetch as found live; no likely figure.
    const fresh = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false, options: { live: true } });
    expect(fresh).toMatchObject({ liveCreditsMax: fresh.toFetch * liveMaxPerRow, liveCreditsLikely: null });
    // The cached pass's own figures are those of the job without the live pass.
    expect(fresh).toMatchObject({ creditsMax: off.creditsMax, creditsLikely: off.creditsLikely });

    // A first job over the top 30 rows teaches the sheet its not-found rate.
    start(w, { ...w.source, lastRow: 31 });
    drive(w);
    const history = loadHistory(w.store, SHEET)!;
    expect(history.fetched - history.matched).toBeGreaterThan(0);
    const rest = estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false, options: { live: true } });
    const likelyNotFound = rest.toFetch * (1 - history.matched / history.fetched);
    expect(rest.liveCreditsMax).toBe(rest.toFetch * liveMaxPerRow);
    expect(rest.liveCreditsLikely).toBeGreaterThan(0);
    expect(rest.liveCreditsLikely).toBeGreaterThanOrEqual(Math.round(likelyNotFound * (1 + LIVE_EXTRA_CREDITS_PER_MATCH)));
    expect(rest.liveCreditsLikely).toBeLessThanOrEqual(Math.round(likelyNotFound * liveMaxPerRow));
  });

  test('a minimum score outside 0–1 is refused before anything is written or sent', () => {
    const w = setup(20);
    expect(() => start(w, w.source, { options: { minScore: 1.2 } })).toThrow(/must be a number from 0 to 1/);
    expect(() => estimateJob(w.deps, w.source, { fields: FIELDS, reenrich: false, options: { minScore: -1 } })).toThrow(/must be a number from 0 to 1/);
    expect(loadJob(w.store, SHEET)).toBeNull();
    expect(w.engine.http.log).toHaveLength(0);
    expect(w.sheets.readValues(SHEET, 1, 2, 1, 1)[0][0]).toBe('');
  });

  test('"leave it for me to check": an ambiguous row gets a readable status, keeps what it had, is counted apart and not retried', () => {
    const w = setup(30);
    const column = sampleColumn(30);
    const target = String(column.find((cell, i) => i > 0 && typeof cell === 'string' && cell.startsWith('https://') && cell === profileUrl(i - 1)));
    const row = column.indexOf(target) + 1;
    const calls = recording(w, new Set([target]));
    start(w, w.source, { options: { ambiguity: 'leave_for_review' } });
    drive(w);
    const status = w.sheets.readValues(SHEET, row, 2, 1, 1)[0][0];
    expect(status).toMatch(/^Ambiguous: 2 people match with close scores/);
    expect(parseStatus(status)).toEqual({ kind: 'review', message: status });
    expect(w.sheets.readValues(SHEET, row, 3, 1, 2)[0]).toEqual(['', '']);
    const job = loadJob(w.store, SHEET)!;
    expect(job.counts.ambiguous).toBe(1);
    expect(job.counts.failed).toBe(0);
    expect(job.state).toBe('done');
    // The second pass (failed rows) never ran for it: it was sent once.
    expect(calls.every((call) => call.ambiguity === 'leave_for_review')).toBe(true);
    expect(sentIdentifiers(w).filter((id) => id.toLowerCase() === target.toLowerCase())).toHaveLength(1);
    expect(toProgress(job).counts.ambiguous).toBe(1);
  });
});
