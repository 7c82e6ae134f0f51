// Where the bulk job writes and how it recognises its own columns later: the SheetGateway port
// (one call per block read or write), the developer-metadata records on the columns the add-on
// wrote, and the conflict check that protects the user's data. The scheduled refresh reads the
// same conventions (readLayouts). The status texts are the job worker's (src/core/jobWorker.ts).
import * as z from 'zod/mini';
import { lazySchema, parseStoredJson } from './schemas';
import type { SheetGateway } from './ports';

/** Developer metadata key on every column the add-on wrote, and on the identifier column. */
export const COLUMN_METADATA_KEY = 'crustdata.column';
/** Header of the status column (the first result column, just right of the results' source). */
export const STATUS_HEADER = 'Crustdata status';

// Built on first use: every execution loads the bundle, and most never read a column mark.
const columnRecordSchema = lazySchema(() =>
  z.discriminatedUnion('role', [
    z.object({ v: z.literal(1), role: z.literal('source'), t: z.string() }),
    z.object({
      v: z.literal(1),
      role: z.literal('status'),
      t: z.string(),
      /** The field selection the rows below were enriched with. */
      fields: z.array(z.string()),
      sel: z.string(),
      header: z.boolean(),
    }),
    z.object({ v: z.literal(1), role: z.literal('data'), t: z.string(), id: z.string() }),
  ]),
);

/**
 * What one column's metadata says. `t` names the layout: the set of columns one job laid out
 * (its job id), so several enriched ranges on one sheet stay apart.
 */
export type ColumnRecord = z.infer<ReturnType<typeof columnRecordSchema>>;

/** A column the scheduled refresh keeps its Changes list in, for the layout `layoutId`. */
export interface ChangesMark {
  column: number;
  layoutId: string;
}

/** The value of a Changes-column entry: the layout it belongs to. */
export function encodeChangesMark(layoutId: string): string {
  return JSON.stringify({ v: 1, t: layoutId });
}

/** What a Changes-column entry holds ({"v":1,"t":layoutId}); anything else is not the add-on's. */
export function decodeChangesMark(value: string | null): string | null {
  try {
    const parsed = JSON.parse(value ?? '') as { v?: unknown; t?: unknown } | null;
    return parsed && parsed.v === 1 && typeof parsed.t === 'string' ? parsed.t : null;
  } catch {
    return null;
  }
}

export interface ColumnMark {
  /** 1-based column where the metadata is now (it follows inserted and moved columns). */
  column: number;
  record: ColumnRecord;
}

export function encodeColumnRecord(record: ColumnRecord): string {
  return JSON.stringify(record);
}

/** Metadata written by something else, or by a future version, is ignored rather than trusted. */
export function decodeColumnRecord(value: string | null): ColumnRecord | null {
  return parseStoredJson(columnRecordSchema, value);
}

// ---- Layouts: the columns one job wrote --------------------------------------------------

export interface Layout {
  id: string;
  sourceColumn: number | null;
  statusColumn: number | null;
  /** Fields and selection key recorded on the status column. */
  fields: string[];
  selectionKey: string | null;
  hasHeader: boolean;
  /** Data column id -> current column. */
  dataColumns: Map<string, number>;
}

export function readLayouts(marks: ColumnMark[]): Map<string, Layout> {
  const layouts = new Map<string, Layout>();
  for (const { column, record } of marks) {
    let layout = layouts.get(record.t);
    if (!layout) {
      layout = { id: record.t, sourceColumn: null, statusColumn: null, fields: [], selectionKey: null, hasHeader: false, dataColumns: new Map() };
      layouts.set(record.t, layout);
    }
    if (record.role === 'source') layout.sourceColumn = column;
    else if (record.role === 'status') {
      layout.statusColumn = column;
      layout.fields = record.fields;
      layout.selectionKey = record.sel;
      layout.hasHeader = record.header;
    } else layout.dataColumns.set(record.id, column);
  }
  return layouts;
}

/**
 * Where a layout's columns are now, if they still sit side by side in the order written:
 * status column first, then the data columns in catalog order. Null when a column was
 * deleted or moved apart (the job then stops rather than write in the wrong place).
 */
export function contiguousStart(layout: Layout, columnIds: string[]): number | null {
  const start = layout.statusColumn;
  if (start === null) return null;
  for (let i = 0; i < columnIds.length; i++) {
    if (layout.dataColumns.get(columnIds[i]) !== start + 1 + i) return null;
  }
  if (layout.dataColumns.size !== columnIds.length) return null;
  return start;
}

export function layoutMarks(layoutId: string, sourceColumn: number, firstColumn: number, columnIds: string[], fields: string[], selectionKey: string, hasHeader: boolean): ColumnMark[] {
  return [
    { column: sourceColumn, record: { v: 1, role: 'source', t: layoutId } },
    { column: firstColumn, record: { v: 1, role: 'status', t: layoutId, fields, sel: selectionKey, header: hasHeader } },
    ...columnIds.map((id, i) => ({ column: firstColumn + 1 + i, record: { v: 1 as const, role: 'data' as const, t: layoutId, id } })),
  ];
}

/** Columns to insert before `before` (1-based): that column and every one right of it move right by `count`. */
export interface ColumnInsertion {
  before: number;
  count: number;
  /** The Changes columns it moves out of the way, where they are before it. */
  changesColumns: number[];
}

/**
 * How a layout taking the columns first..last keeps the Changes columns it would cover: the
 * refresh's history is the user's once written, so it is moved, never written over. Enough
 * columns go in before the leftmost one inside the range that it lands just after the new
 * results (where the refresh puts it), and the columns right of it move along. Null when no
 * Changes column is inside the range.
 */
export function changesColumnsShift(changesColumns: readonly number[], first: number, last: number): ColumnInsertion | null {
  const inside = changesColumns.filter((column) => column >= first && column <= last);
  if (!inside.length) return null;
  const before = Math.min(...inside);
  return { before, count: last - before + 1, changesColumns: inside };
}

/** What getBackgrounds reports for a cell nobody coloured; written where a highlight leaves. */
const NO_BACKGROUND = '#ffffff';

/** A result column whose field the new layout writes in another column. */
export interface FieldMove {
  from: number;
  to: number;
}

/**
 * Where the fields of the layouts being replaced go in the new one, matched by header (the
 * refresh tracks columns by header); only those that change column.
 */
export function fieldMoves(replaced: ReadonlyArray<{ header: string; column: number }>, incoming: ReadonlyArray<{ header: string; column: number }>): FieldMove[] {
  const target = new Map(incoming.map((column) => [column.header.toLowerCase(), column.column]));
  return replaced.flatMap(({ header, column }) => {
    const to = target.get(header.toLowerCase());
    return to !== undefined && to !== column ? [{ from: column, to }] : [];
  });
}

/**
 * The notes and change highlights of the columns from `first` on (rectangles read with
 * getNotes/getBackgrounds) once each moved field has taken its own along: the refresh's note
 * "Changed … Was: Acme" and its highlight stay on the value they describe, never on another
 * field's. A column a field left and no field came to is left without them. Other backgrounds
 * (the user's formatting) stay where they are.
 */
export function carryCellMarks(notes: string[][], colors: string[][], first: number, moves: readonly FieldMove[], highlight: string): { notes: string[][]; colors: string[][] } {
  const arriving = new Map(moves.map((move) => [move.to, move.from]));
  const left = new Set(moves.map((move) => move.from).filter((column) => !arriving.has(column)));
  const isHighlight = (color: string | undefined) => (color ?? '').toLowerCase() === highlight.toLowerCase();
  return {
    notes: notes.map((row) =>
      row.map((note, c) => {
        const from = arriving.get(first + c);
        if (from !== undefined) return row[from - first] ?? '';
        return left.has(first + c) ? '' : note;
      }),
    ),
    colors: colors.map((row) =>
      row.map((color, c) => {
        const from = arriving.get(first + c);
        const leaves = from !== undefined || left.has(first + c);
        if (from !== undefined && isHighlight(row[from - first])) return highlight;
        return leaves && isHighlight(color) ? NO_BACKGROUND : color;
      }),
    ),
  };
}

// ---- A1 notation -------------------------------------------------------------------------

export function columnLetter(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

export function rangeA1(row: number, column: number, numRows: number, numColumns: number): string {
  const start = `${columnLetter(column)}${row}`;
  if (numRows === 1 && numColumns === 1) return start;
  return `${start}:${columnLetter(column + numColumns - 1)}${row + numRows - 1}`;
}

export function sheetRangeA1(sheetName: string, a1: string): string {
  const plain = /^[A-Za-z_][A-Za-z0-9_]*$/.test(sheetName) && !/^[A-Za-z]{1,3}\d+$/.test(sheetName);
  return `${plain ? sheetName : `'${sheetName.replace(/'/g, "''")}'`}!${a1}`;
}

/** Contiguous runs of row numbers (sorted ascending) as [first, last] pairs. */
export function rowRuns(rows: number[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  for (const row of rows) {
    const last = runs[runs.length - 1];
    if (last && row === last[1] + 1) last[1] = row;
    else runs.push([row, row]);
  }
  return runs;
}

// ---- The conflict check --------------------------------------------------------------------

export interface ConflictReport {
  cells: number;
  /** A few of them, "D7: Sales lead", for the sidebar to show (escaped there). */
  sample: string[];
}

/**
 * Counts cells in the target that hold something the add-on did not write: any non-empty
 * value or formula in a column that no layout of this same identifier column owns.
 */
export function findConflicts(
  gateway: SheetGateway,
  sheetId: number,
  target: { firstRow: number; lastRow: number; firstColumn: number; numColumns: number },
  ownedColumns: ReadonlySet<number>,
): ConflictReport {
  const numRows = target.lastRow - target.firstRow + 1;
  const size = gateway.size(sheetId);
  const readableColumns = Math.min(target.numColumns, size.columns - target.firstColumn + 1);
  if (numRows <= 0 || readableColumns <= 0) return { cells: 0, sample: [] };
  const values = gateway.readValues(sheetId, target.firstRow, target.firstColumn, numRows, readableColumns);
  const formulas = gateway.readFormulas(sheetId, target.firstRow, target.firstColumn, numRows, readableColumns);
  let cells = 0;
  const sample: string[] = [];
  for (let r = 0; r < numRows; r++) {
    for (let c = 0; c < readableColumns; c++) {
      const column = target.firstColumn + c;
      if (ownedColumns.has(column)) continue;
      const value = values[r]?.[c];
      const formula = formulas[r]?.[c] ?? '';
      if ((value === '' || value === null || value === undefined) && !formula) continue;
      cells++;
      if (sample.length < 5) {
        const shown = formula || String(value);
        sample.push(`${columnLetter(column)}${target.firstRow + r}: ${shown.length > 40 ? shown.slice(0, 39) + '…' : shown}`);
      }
    }
  }
  return { cells, sample };
}
