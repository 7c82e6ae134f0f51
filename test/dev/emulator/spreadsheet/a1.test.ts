// A1 notation as Sheets reads and writes it.
import { columnToLetters, formatA1, lettersToColumn, parseA1, quoteSheetName } from '../../../../dev/emulator/spreadsheet/a1';

describe('parseA1', () => {
  it('reads a single cell', () => {
    expect(parseA1('A1')).toEqual({ sheetName: null, row: 1, column: 1, endRow: 1, endColumn: 1 });
    expect(parseA1('$C$7')).toEqual({ sheetName: null, row: 7, column: 3, endRow: 7, endColumn: 3 });
  });

  it('reads a rectangle and normalises reversed corners', () => {
    expect(parseA1('B2:D10')).toEqual({ sheetName: null, row: 2, column: 2, endRow: 10, endColumn: 4 });
    expect(parseA1('d10:b2')).toEqual({ sheetName: null, row: 2, column: 2, endRow: 10, endColumn: 4 });
  });

  it('reads whole columns and whole rows as open-ended', () => {
    expect(parseA1('C:C')).toEqual({ sheetName: null, row: 1, column: 3, endRow: null, endColumn: 3 });
    expect(parseA1('C:E')).toEqual({ sheetName: null, row: 1, column: 3, endRow: null, endColumn: 5 });
    expect(parseA1('2:2')).toEqual({ sheetName: null, row: 2, column: 1, endRow: 2, endColumn: null });
    expect(parseA1('A2:C')).toEqual({ sheetName: null, row: 2, column: 1, endRow: null, endColumn: 3 });
  });

  it('reads quoted and unquoted sheet names', () => {
    expect(parseA1("'My Sheet'!A1:B2")).toEqual({ sheetName: 'My Sheet', row: 1, column: 1, endRow: 2, endColumn: 2 });
    expect(parseA1("'It''s'!B3")).toMatchObject({ sheetName: "It's", row: 3, column: 2 });
    expect(parseA1('Sheet1!C:C')).toMatchObject({ sheetName: 'Sheet1', column: 3, endRow: null });
  });

  it.each(['', 'A', '5', 'A0', '1A', 'A1:', ':B2', 'A1:B2:C3', "'open!A1", 'AAAA1', 'A1!', '!A1', 'A-1'])('refuses %p with "Range not found"', (text) => {
    expect(() => parseA1(text)).toThrow('Range not found');
  });
});

describe('column letters', () => {
  it.each([
    [1, 'A'],
    [26, 'Z'],
    [27, 'AA'],
    [52, 'AZ'],
    [703, 'AAA'],
    [18278, 'ZZZ'],
  ])('%i is %s and back', (n, letters) => {
    expect(columnToLetters(n)).toBe(letters);
    expect(lettersToColumn(letters)).toBe(n);
  });
});

describe('formatA1', () => {
  it('writes what getA1Notation shows', () => {
    expect(formatA1({ row: 1, column: 1, endRow: 1, endColumn: 1 })).toBe('A1');
    expect(formatA1({ row: 2, column: 2, endRow: 10, endColumn: 4 })).toBe('B2:D10');
    expect(formatA1({ row: 1, column: 3, endRow: null, endColumn: 3 })).toBe('C:C');
    expect(formatA1({ row: 2, column: 1, endRow: 2, endColumn: null })).toBe('2:2');
    expect(formatA1({ row: 2, column: 1, endRow: null, endColumn: 3 })).toBe('A2:C');
  });

  it('round-trips through parseA1', () => {
    for (const text of ['A1', 'B2:D10', 'C:E', '3:7', 'A2:C', 'ZZ100:ZZZ200']) expect(formatA1(parseA1(text))).toBe(text);
  });
});

describe('quoteSheetName', () => {
  it('quotes names that need it', () => {
    expect(quoteSheetName('Sheet1')).toBe('Sheet1');
    expect(quoteSheetName('My Sheet')).toBe("'My Sheet'");
    expect(quoteSheetName("It's")).toBe("'It''s'");
    expect(quoteSheetName('AB12')).toBe("'AB12'");
  });
});
