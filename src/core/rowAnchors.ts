// Where a bulk job's rows are now. Developer metadata on whole rows follows them when the user
// inserts or deletes rows, so each slice re-reads its range and cursor from these anchors instead
// of trusting the numbers it saved, which go stale as soon as someone edits the sheet.
import * as z from 'zod/mini';
import { lazySchema, parseStoredJson } from './schemas';
import type { StoredCounts } from './jobState';

/** Developer metadata key of every row anchor (the column marks use crustdata.column). */
export const ROW_ANCHOR_KEY = 'crustdata.job';

/**
 * One anchor on one whole row (the Sheets API takes metadata on a single row only). Keys are short:
 * a sheet holds 30,000 characters of metadata, shared with the column marks.
 * - `j`: the job. `r`: the role. Range anchors: `top` (the row above the first data row, the
 *   header when there is one), `first`, `last`, `after` (the row below the last). Each edge has a
 *   neighbour, so deleting one row of the pair still leaves the edge known.
 * - Cursor anchors come in pairs per block written: `done` on the last row written, `next` on the
 *   first row not written. `s` counts the blocks written (the commit a pair belongs to) and `p` is
 *   the pass (1, or 2 for the second try at failed rows).
 */
// Built on first use: every execution loads the bundle, and most never read an anchor.
const rowAnchorRecordSchema = lazySchema(() =>
  z.union([
    z.object({ v: z.literal(1), j: z.string(), r: z.enum(['top', 'first', 'last', 'after']) }),
    z.object({ v: z.literal(1), j: z.string(), r: z.enum(['done', 'next']), p: z.union([z.literal(1), z.literal(2)]), s: z.number().check(z.int(), z.gte(1)) }),
  ]),
);

export type RowAnchorRecord = z.infer<ReturnType<typeof rowAnchorRecordSchema>>;
type CursorRecord = Extract<RowAnchorRecord, { s: number }>;

export interface RowAnchor {
  /** 1-based row where the metadata is now. */
  row: number;
  record: RowAnchorRecord;
  /** The gateway's handle, for removing it in the same execution. */
  ref: number;
}

export interface NewRowAnchor {
  row: number;
  record: RowAnchorRecord;
}

export function encodeRowAnchor(record: RowAnchorRecord): string {
  return JSON.stringify(record);
}

/** Anything else under the key (hand-made, a future version) is ignored, never trusted. */
export function decodeRowAnchor(value: string | null): RowAnchorRecord | null {
  return parseStoredJson(rowAnchorRecordSchema, value);
}

/** What the job state remembers about its anchors (src/core/jobState.ts, `rowMarks`). */
export interface RowMarks {
  /** Blocks written by this job so far: the cursor pair to look for carries this number. */
  seq: number;
  /** `seq` when the current pass began: no pair of this pass is written while seq equals it. */
  passSeq: number;
  /** Whether there was a row above the first data row / below the last one to anchor. */
  top: boolean;
  after: boolean;
}

/** A block whose write may have started but whose commit was not saved (killed in between). */
export interface PendingBlock {
  seq: number;
  /** Rows from the cursor the block covered (second pass: including rows passed over). */
  rows: number;
  /** The job's counts once the block is written: applied when its cursor pair is found. */
  counts: StoredCounts;
  /** Second pass: offsets from the cursor of the rows it retried (they were failed rows). */
  retried?: number[];
  /** A digest of the cells it writes (src/core/jobWorker.ts cellsDigest), to find it written after a kill. */
  digest?: string;
  /** Rows from the cursor passed over before its first written row (second pass). */
  skip?: number;
}

export interface RowJob {
  jobId: string;
  retryPass: boolean;
  rowMarks?: RowMarks;
  pendingBlock: PendingBlock | null;
}

export type RowResolution =
  | {
      ok: true;
      dataFirstRow: number;
      lastRow: number;
      /** The first data row not written in this pass. */
      cursor: number;
      /** The top anchor's row (the header row when the job has one), if it is still there. */
      topRow: number | null;
      /** The pending block's pair was found: it was written, and its counts stand. */
      pendingWritten: boolean;
      /** Anchors nobody needs any more: other jobs' leftovers and superseded cursor pairs. */
      obsolete: RowAnchor[];
    }
  | { ok: false; message: string; obsolete: RowAnchor[] };

const RESTART_HINT = 'Start it again: rows already enriched with the same fields are skipped.';

export const ROWS_LOST_MESSAGES = {
  markers: `This job lost track of its rows (their markers are gone), so it stopped rather than write beside the wrong rows. ${RESTART_HINT}`,
  first: `The first rows of this job and the row above them were deleted, so it stopped rather than guess where its rows begin. ${RESTART_HINT}`,
  last: `The last rows of this job and the row below them were deleted, so it stopped rather than guess where its rows end. ${RESTART_HINT}`,
  cursor: `Rows where this job had got to were deleted, so it stopped rather than skip or repeat rows. ${RESTART_HINT}`,
  empty: 'Every row of this job was deleted, so there is nothing left to enrich.',
  moved: `Rows of this job were moved around its progress marker, so it stopped rather than skip or repeat rows. ${RESTART_HINT}`,
} as const;

/** The anchors a new job places on the rows around its range. */
export function startAnchors(jobId: string, dataFirstRow: number, lastRow: number, maxRows: number): { anchors: NewRowAnchor[]; marks: RowMarks } {
  const anchors: NewRowAnchor[] = [
    { row: dataFirstRow, record: { v: 1, j: jobId, r: 'first' } },
    { row: lastRow, record: { v: 1, j: jobId, r: 'last' } },
  ];
  const top = dataFirstRow > 1;
  const after = lastRow < maxRows;
  if (top) anchors.push({ row: dataFirstRow - 1, record: { v: 1, j: jobId, r: 'top' } });
  if (after) anchors.push({ row: lastRow + 1, record: { v: 1, j: jobId, r: 'after' } });
  return { anchors, marks: { seq: 0, passSeq: 0, top, after } };
}

/** The pair a written block leaves: `done` on its last row, `next` on the row after (if in range). */
export function cursorAnchors(jobId: string, pass: 1 | 2, seq: number, cut: number, lastRow: number): NewRowAnchor[] {
  const anchors: NewRowAnchor[] = [{ row: cut - 1, record: { v: 1, j: jobId, r: 'done', p: pass, s: seq } }];
  if (cut <= lastRow) anchors.push({ row: cut, record: { v: 1, j: jobId, r: 'next', p: pass, s: seq } });
  return anchors;
}

/**
 * Reads the job's rows back from its anchors. Each edge survives the deletion of one of its two
 * rows; when both go (or rows were moved across the cursor), the job cannot know which rows it
 * wrote and answers `ok: false` with a message the user can act on. It never falls back to the
 * stored numbers: they are exactly what inserted and deleted rows make wrong.
 */
export function resolveRows(job: RowJob, anchors: RowAnchor[], maxRows: () => number): RowResolution {
  const mine = anchors.filter((anchor) => anchor.record.j === job.jobId);
  const others = anchors.filter((anchor) => anchor.record.j !== job.jobId);
  const lost = (message: string): RowResolution => ({ ok: false, message, obsolete: anchors });
  const marks = job.rowMarks;
  if (!marks) return lost(ROWS_LOST_MESSAGES.markers);

  const rowOf = (role: RowAnchorRecord['r']): number | null | 'ambiguous' => {
    const found = mine.filter((anchor) => anchor.record.r === role);
    if (found.length > 1) return 'ambiguous';
    return found.length ? found[0].row : null;
  };
  const first = rowOf('first');
  const top = rowOf('top');
  const last = rowOf('last');
  const after = rowOf('after');
  if (first === 'ambiguous' || top === 'ambiguous' || last === 'ambiguous' || after === 'ambiguous') return lost(ROWS_LOST_MESSAGES.markers);
  if (first === null && last === null && top === null && after === null) return lost(ROWS_LOST_MESSAGES.markers);

  // An edge's own anchor wins; its neighbour stands in when the edge row itself was deleted.
  let dataFirstRow: number;
  if (first !== null) dataFirstRow = first;
  else if (!marks.top) dataFirstRow = 1;
  else if (top !== null) dataFirstRow = top + 1;
  else return lost(ROWS_LOST_MESSAGES.first);

  let lastRow: number;
  if (last !== null) lastRow = last;
  else if (!marks.after) lastRow = maxRows();
  else if (after !== null) lastRow = after - 1;
  else return lost(ROWS_LOST_MESSAGES.last);

  if (lastRow < dataFirstRow) return lost(ROWS_LOST_MESSAGES.empty);

  const pass = job.retryPass ? 2 : 1;
  const cursorOf = (seq: number): number | null => {
    const pair = mine.filter((anchor): anchor is RowAnchor & { record: CursorRecord } => 's' in anchor.record && anchor.record.p === pass && anchor.record.s === seq);
    const done = pair.find((anchor) => anchor.record.r === 'done');
    if (done) return done.row + 1;
    const next = pair.find((anchor) => anchor.record.r === 'next');
    return next ? next.row : null;
  };

  let cursor: number;
  let pairSeq: number | null = null;
  let pendingWritten = false;
  const pendingCursor = job.pendingBlock ? cursorOf(job.pendingBlock.seq) : null;
  if (job.pendingBlock && pendingCursor !== null) {
    cursor = pendingCursor;
    pairSeq = job.pendingBlock.seq;
    pendingWritten = true;
  } else if (marks.seq > marks.passSeq) {
    const found = cursorOf(marks.seq);
    if (found === null) return lost(ROWS_LOST_MESSAGES.cursor);
    cursor = found;
    pairSeq = marks.seq;
  } else {
    cursor = dataFirstRow;
  }
  if (cursor < dataFirstRow || cursor > lastRow + 1) return lost(ROWS_LOST_MESSAGES.moved);

  const obsolete = [...others, ...mine.filter((anchor) => 's' in anchor.record && !(anchor.record.p === pass && anchor.record.s === pairSeq))];
  return { ok: true, dataFirstRow, lastRow, cursor, topRow: typeof top === 'number' ? top : null, pendingWritten, obsolete };
}
