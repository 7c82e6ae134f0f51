// The column records the bulk job and the scheduled refresh share: what a Changes-column mark
// says, and how a new layout keeps a Changes column out of its way and the change notes on their
// fields. (The status texts are the job worker's: test/core/jobWorker.test.ts.)
import { loadCountingZod } from '../helpers/countingZod';
import { carryCellMarks, changesColumnsShift, decodeChangesMark, fieldMoves } from '../../src/core/sheetTarget';

describe('Changes-column marks', () => {
  test('name the layout; anything else is not the add-on\'s', () => {
    expect(decodeChangesMark('{"v":1,"t":"job7"}')).toBe('job7');
    expect(decodeChangesMark('{"v":2,"t":"job7"}')).toBeNull();
    expect(decodeChangesMark('{"v":1}')).toBeNull();
    expect(decodeChangesMark('null')).toBeNull();
    expect(decodeChangesMark('not json')).toBeNull();
    expect(decodeChangesMark(null)).toBeNull();
  });
});

describe('start-up cost', () => {
  test('loading sheetTarget and rowAnchors builds no schema; decoding builds each once', () => {
    const { built, loaded } = loadCountingZod(() => ({
      sheetTarget: require('../../src/core/sheetTarget') as typeof import('../../src/core/sheetTarget'),
      rowAnchors: require('../../src/core/rowAnchors') as typeof import('../../src/core/rowAnchors'),
    }));
    const { sheetTarget, rowAnchors } = loaded;
    expect(built).toHaveLength(0);
    expect(sheetTarget.decodeColumnRecord('{"v":1,"role":"source","t":"job1"}')).toEqual({ v: 1, role: 'source', t: 'job1' });
    expect(rowAnchors.decodeRowAnchor('{"v":1,"j":"job1","r":"first"}')).toEqual({ v: 1, j: 'job1', r: 'first' });
    const afterDecoding = built.length;
    expect(afterDecoding).toBeGreaterThan(0);
    expect(sheetTarget.decodeColumnRecord('{"v":1,"role":"data","t":"job1","id":"x"}')).not.toBeNull();
    expect(rowAnchors.decodeRowAnchor('{"v":1,"j":"job1","r":"done","p":1,"s":3}')).not.toBeNull();
    expect(built).toHaveLength(afterDecoding);
  });
});

describe('changesColumnsShift', () => {
  test('a Changes column inside the new columns moves to just after them', () => {
    // Old results B-D, Changes at E; the new results take B-G.
    expect(changesColumnsShift([5], 2, 7)).toEqual({ before: 5, count: 3, changesColumns: [5] });
    // Growing by one column: one column goes in before it.
    expect(changesColumnsShift([5], 2, 5)).toEqual({ before: 5, count: 1, changesColumns: [5] });
    const { before, count } = changesColumnsShift([5], 2, 7)!;
    expect(5 + count).toBe(8);
    expect(before).toBe(5);
  });

  test('several inside: the leftmost decides, and every one lands past the new columns', () => {
    const shift = changesColumnsShift([9, 4, 6], 2, 8)!;
    // 9 is outside: it moves along, but is not one the layout moved for.
    expect(shift).toEqual({ before: 4, count: 5, changesColumns: [4, 6] });
    for (const column of [9, 4, 6]) expect(column + shift.count).toBeGreaterThan(8);
  });

  test('none inside: nothing moves', () => {
    expect(changesColumnsShift([], 2, 7)).toBeNull();
    expect(changesColumnsShift([8, 1], 2, 7)).toBeNull();
  });
});

describe('fieldMoves', () => {
  test('the fields both layouts write that change column, matched by header whatever the case', () => {
    const old = [
      { header: 'Name', column: 3 },
      { header: 'Current title', column: 4 },
      { header: 'Current employer', column: 5 },
      { header: 'Headline', column: 6 },
    ];
    const incoming = [
      { header: 'Name', column: 3 },
      { header: 'First name', column: 4 },
      { header: 'current title', column: 5 },
      { header: 'Current employer', column: 6 },
    ];
    expect(fieldMoves(old, incoming)).toEqual([
      { from: 4, to: 5 },
      { from: 5, to: 6 },
    ]);
    expect(fieldMoves(old, old)).toEqual([]);
  });
});

describe('carryCellMarks', () => {
  const HL = '#fce8b2';
  test('notes and change highlights follow their field; a column left behind loses them; other colours stay', () => {
    // Columns 4..7: title (4) moves to 5, employer (5) moves to 6; 4 gets a new field, 7 is the user's.
    const notes = [
      ['Changed 2025-01-07. Was: Lead', 'Changed 2025-01-08. Was: Acme', '', 'my note'],
      ['', '', 'a note on the old 6th column', ''],
    ];
    const colors = [
      [HL, HL, '#ffffff', '#00ff00'],
      ['#ffffff', '#ff0000', HL, '#ffffff'],
    ];
    const moves = [
      { from: 4, to: 5 },
      { from: 5, to: 6 },
    ];
    const carried = carryCellMarks(notes, colors, 4, moves, HL);
    expect(carried.notes).toEqual([
      ['', 'Changed 2025-01-07. Was: Lead', 'Changed 2025-01-08. Was: Acme', 'my note'],
      ['', '', '', ''],
    ]);
    expect(carried.colors).toEqual([
      ['#ffffff', HL, HL, '#00ff00'],
      // Row 2: no highlight arrives at 5 (its own red stays), and 6's old highlight goes.
      ['#ffffff', '#ff0000', '#ffffff', '#ffffff'],
    ]);
  });

  test('fields swapping columns swap their marks', () => {
    const carried = carryCellMarks([['a', 'b']], [[HL, '#ffffff']], 2, [{ from: 2, to: 3 }, { from: 3, to: 2 }], HL);
    expect(carried).toEqual({ notes: [['b', 'a']], colors: [['#ffffff', HL]] });
  });
});
