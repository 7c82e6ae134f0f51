// Re-reading a job's rows from its row anchors after the user inserted and deleted rows: each
// edge survives losing one of its two rows, a written block is recognised by its numbered pair,
// and whatever cannot be known stops the job instead of being guessed.
import {
  cursorAnchors,
  decodeRowAnchor,
  encodeRowAnchor,
  resolveRows,
  ROWS_LOST_MESSAGES,
  startAnchors,
  type NewRowAnchor,
  type PendingBlock,
  type RowAnchor,
  type RowJob,
  type RowMarks,
} from '../../src/core/rowAnchors';
import { emptyCounts } from '../../src/core/jobState';

/** Row metadata as Sheets keeps it: it moves with inserted rows and goes with deleted ones. */
class AnchoredRows {
  anchors: RowAnchor[] = [];
  private nextRef = 1;
  constructor(public maxRows: number) {}

  add(anchors: NewRowAnchor[]): this {
    for (const anchor of anchors) this.anchors.push({ ...anchor, ref: this.nextRef++ });
    return this;
  }
  insert(before: number, count: number): this {
    this.maxRows += count;
    this.anchors = this.anchors.map((anchor) => (anchor.row >= before ? { ...anchor, row: anchor.row + count } : anchor));
    return this;
  }
  delete(start: number, count: number): this {
    this.maxRows -= count;
    this.anchors = this.anchors
      .filter((anchor) => anchor.row < start || anchor.row >= start + count)
      .map((anchor) => (anchor.row >= start + count ? { ...anchor, row: anchor.row - count } : anchor));
    return this;
  }
  remove(doomed: RowAnchor[]): this {
    const refs = new Set(doomed.map((anchor) => anchor.ref));
    this.anchors = this.anchors.filter((anchor) => !refs.has(anchor.ref));
    return this;
  }
}

const JOB = 'j1';

/** A job over rows 2..101 under a header, in a 1000-row sheet, with `blocks` blocks of 25 written. */
function job(blocks = 0, options: { dataFirstRow?: number; lastRow?: number; maxRows?: number; pass?: 1 | 2 } = {}) {
  const dataFirstRow = options.dataFirstRow ?? 2;
  const lastRow = options.lastRow ?? 101;
  const sheet = new AnchoredRows(options.maxRows ?? 1000);
  const start = startAnchors(JOB, dataFirstRow, lastRow, sheet.maxRows);
  sheet.add(start.anchors);
  const marks: RowMarks = { ...start.marks };
  for (let seq = 1; seq <= blocks; seq++) {
    sheet.add(cursorAnchors(JOB, options.pass ?? 1, seq, Math.min(dataFirstRow + 25 * seq, lastRow + 1), lastRow));
    marks.seq = seq;
  }
  const state: RowJob = { jobId: JOB, retryPass: options.pass === 2, rowMarks: marks, pendingBlock: null };
  return { sheet, state };
}

function resolve(sheet: AnchoredRows, state: RowJob) {
  return resolveRows(state, sheet.anchors, () => sheet.maxRows);
}

function rowsOf(sheet: AnchoredRows, state: RowJob) {
  const result = resolve(sheet, state);
  if (!result.ok) throw new Error(`lost: ${result.message}`);
  return { first: result.dataFirstRow, last: result.lastRow, cursor: result.cursor };
}

function pending(seq: number, rows = 25): PendingBlock {
  return { seq, rows, counts: { ...emptyCounts(), enriched: 7 } };
}

describe('anchors placed and read back', () => {
  test('a new job: its range, the cursor on its first row, nothing obsolete', () => {
    const { sheet, state } = job();
    expect(sheet.anchors.map((anchor) => [anchor.row, anchor.record.r])).toEqual([
      [2, 'first'],
      [101, 'last'],
      [1, 'top'],
      [102, 'after'],
    ]);
    expect(resolve(sheet, state)).toMatchObject({ ok: true, dataFirstRow: 2, lastRow: 101, cursor: 2, topRow: 1, pendingWritten: false, obsolete: [] });
  });

  test('after two blocks the cursor is the row after the last one written; older pairs are obsolete', () => {
    const { sheet, state } = job(2);
    const result = resolve(sheet, state);
    expect(result).toMatchObject({ ok: true, cursor: 52 });
    expect(result.obsolete.map((anchor) => anchor.record)).toEqual([
      { v: 1, j: JOB, r: 'done', p: 1, s: 1 },
      { v: 1, j: JOB, r: 'next', p: 1, s: 1 },
    ]);
  });

  test('a job from row 1 to the last row of the sheet has no outer neighbours to anchor', () => {
    const { sheet, state } = job(0, { dataFirstRow: 1, lastRow: 50, maxRows: 50 });
    expect(state.rowMarks).toMatchObject({ top: false, after: false });
    expect(sheet.anchors.map((anchor) => anchor.record.r)).toEqual(['first', 'last']);
    expect(rowsOf(sheet, state)).toEqual({ first: 1, last: 50, cursor: 1 });
  });

  test('the last block leaves no `next` anchor past the range', () => {
    expect(cursorAnchors(JOB, 1, 4, 102, 101).map((anchor) => [anchor.row, anchor.record.r])).toEqual([[101, 'done']]);
    expect(cursorAnchors(JOB, 2, 4, 60, 101).map((anchor) => [anchor.row, anchor.record.r])).toEqual([
      [59, 'done'],
      [60, 'next'],
    ]);
  });

  test('records are short, validated, and anything else under the key is ignored', () => {
    const record = cursorAnchors('m5x2k9a0b1c2', 2, 12345, 5000, 9000)[0].record;
    expect(encodeRowAnchor(record).length).toBeLessThan(60);
    expect(decodeRowAnchor(encodeRowAnchor(record))).toEqual(record);
    for (const junk of [null, '', 'nope', '{"v":2,"j":"x","r":"first"}', '{"v":1,"j":"x","r":"done","p":1}', '{"v":1,"j":"x","r":"done","p":3,"s":1}', '{"v":1,"j":"x","r":"middle"}']) {
      expect(decodeRowAnchor(junk)).toBeNull();
    }
  });
});

describe('rows inserted', () => {
  test('above the job: everything moves down', () => {
    const { sheet, state } = job(2);
    sheet.insert(1, 10);
    expect(rowsOf(sheet, state)).toEqual({ first: 12, last: 111, cursor: 62 });
  });

  test('inside the rows already written: the cursor and the end move, the first row does not', () => {
    const { sheet, state } = job(2);
    sheet.insert(20, 5);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 106, cursor: 57 });
  });

  test('right at the cursor: the new rows are in the part still to do', () => {
    const { sheet, state } = job(2);
    sheet.insert(52, 3);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 104, cursor: 52 });
  });

  test('between the header and the first data row, or just below the last: outside the job', () => {
    const { sheet, state } = job(1);
    sheet.insert(2, 4).insert(106, 7);
    expect(rowsOf(sheet, state)).toEqual({ first: 6, last: 105, cursor: 31 });
  });
});

describe('rows deleted', () => {
  test('ahead of the cursor: the end moves up', () => {
    const { sheet, state } = job(2);
    sheet.delete(70, 3);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 98, cursor: 52 });
  });

  test('inside the written part: the cursor moves up with them', () => {
    const { sheet, state } = job(2);
    sheet.delete(10, 5);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 96, cursor: 47 });
  });

  test('the last row written: its `next` neighbour still says where to go on', () => {
    const { sheet, state } = job(2);
    sheet.delete(51, 1);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 100, cursor: 51 });
  });

  test('the first row not written: the `done` anchor still says where to go on', () => {
    const { sheet, state } = job(2);
    sheet.delete(52, 2);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 99, cursor: 52 });
  });

  test('both rows around the cursor: the job cannot know what it wrote, and says so', () => {
    const { sheet, state } = job(2);
    sheet.delete(50, 4);
    const result = resolve(sheet, state);
    expect(result).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.cursor });
    // Every anchor goes: the job stops here.
    expect(result.obsolete.length).toBe(sheet.anchors.length);
  });

  test('every written row: the first row left is both the first row and the cursor', () => {
    const { sheet, state } = job(2);
    sheet.delete(2, 50);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 51, cursor: 2 });
  });

  test('the first data row: the row above stands in; with it gone too, the job stops', () => {
    const { sheet, state } = job(1);
    sheet.delete(2, 1);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 100, cursor: 26 });
    sheet.delete(1, 1);
    expect(resolve(sheet, state)).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.first });
  });

  test('the first row of a job that began at row 1: row 1 is its first row again', () => {
    const { sheet, state } = job(1, { dataFirstRow: 1, lastRow: 100 });
    sheet.delete(1, 2);
    expect(rowsOf(sheet, state)).toEqual({ first: 1, last: 98, cursor: 24 });
  });

  test('the last data row: the row below stands in; with it gone too, the job stops', () => {
    const { sheet, state } = job(1);
    sheet.delete(101, 1);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 100, cursor: 27 });
    sheet.delete(100, 2);
    expect(resolve(sheet, state)).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.last });
  });

  test('the last row of a job that ran to the end of the sheet: the sheet\'s end is its end', () => {
    const { sheet, state } = job(1, { lastRow: 200, maxRows: 200 });
    sheet.delete(199, 2);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 198, cursor: 27 });
  });

  test('every row of the job: nothing left to do', () => {
    const { sheet, state } = job(1);
    sheet.delete(2, 100);
    expect(resolve(sheet, state)).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.empty });
  });
});

describe('blocks killed around their commit', () => {
  test('the pending block\'s pair is there: it was written, its counts stand, the older pair goes', () => {
    const { sheet, state } = job(2);
    sheet.add(cursorAnchors(JOB, 1, 3, 77, 101));
    const result = resolve(sheet, { ...state, pendingBlock: pending(3) });
    expect(result).toMatchObject({ ok: true, cursor: 77, pendingWritten: true });
    expect(result.obsolete.map((anchor) => anchor.record.r === 'done' || anchor.record.r === 'next' ? anchor.record.s : null)).toEqual([1, 1, 2, 2]);
  });

  test('only half of the pair was added before the kill: the half is enough', () => {
    const { sheet, state } = job(2);
    sheet.add(cursorAnchors(JOB, 1, 3, 77, 101).slice(0, 1));
    expect(resolve(sheet, { ...state, pendingBlock: pending(3) })).toMatchObject({ ok: true, cursor: 77, pendingWritten: true });
  });

  test('the pending block\'s pair is missing: the block is done again from the saved cursor', () => {
    const { sheet, state } = job(2);
    expect(resolve(sheet, { ...state, pendingBlock: pending(3) })).toMatchObject({ ok: true, cursor: 52, pendingWritten: false });
  });

  test('a pending first block with no pair yet starts again at the first row', () => {
    const { sheet, state } = job(0);
    expect(resolve(sheet, { ...state, pendingBlock: pending(1) })).toMatchObject({ ok: true, cursor: 2, pendingWritten: false });
  });
});

describe('the second pass and leftovers', () => {
  test('the second pass starts at the first row and ignores the first pass\'s pairs', () => {
    const { sheet, state } = job(4);
    const second: RowJob = { ...state, retryPass: true, rowMarks: { ...state.rowMarks!, passSeq: 4 } };
    const result = resolve(sheet, second);
    expect(result).toMatchObject({ ok: true, cursor: 2 });
    expect(result.obsolete.length).toBe(7); // four pairs, the last without `next` (its block ended the range)
    sheet.add(cursorAnchors(JOB, 2, 5, 40, 101));
    expect(rowsOf(sheet, { ...second, rowMarks: { ...second.rowMarks!, seq: 5 } })).toMatchObject({ cursor: 40 });
  });

  test('anchors of another job on the sheet are obsolete, never read', () => {
    const { sheet, state } = job(1);
    sheet.add(startAnchors('old', 5, 60, 1000).anchors).add(cursorAnchors('old', 1, 9, 40, 60));
    const result = resolve(sheet, state);
    expect(rowsOf(sheet, state)).toEqual({ first: 2, last: 101, cursor: 27 });
    expect(result.obsolete.filter((anchor) => anchor.record.j === 'old').length).toBe(6);
  });

  test('a job saved without anchors (an older version) stops rather than trust its numbers', () => {
    const { sheet, state } = job(1);
    expect(resolve(sheet, { ...state, rowMarks: undefined })).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.markers });
    expect(resolve(new AnchoredRows(1000), state)).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.markers });
  });

  test('an edge anchor twice (copied by hand) is not guessed between', () => {
    const { sheet, state } = job(1);
    sheet.add([{ row: 300, record: { v: 1, j: JOB, r: 'last' } }]);
    expect(resolve(sheet, state)).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.markers });
  });

  test('a cursor anchor moved outside the range stops the job', () => {
    const { sheet, state } = job(1);
    const moved = sheet.anchors.filter((anchor) => anchor.record.r === 'done' || anchor.record.r === 'next');
    sheet.remove(moved).add(moved.map((anchor) => ({ row: anchor.row + 200, record: anchor.record })));
    expect(resolve(sheet, state)).toMatchObject({ ok: false, message: ROWS_LOST_MESSAGES.moved });
  });
});
