// A1 notation for the emulated Sheets: parse `A1`, `B2:D10`, `C:C`, `2:2`, `A2:C`, `'My Sheet'!A1:B2`,
// and write ranges back the way Range.getA1Notation() does (no sheet name).

/** Sheets' own ceilings: 18,278 columns (ZZZ) and 10 million cells per spreadsheet. */
export const MAX_COLUMNS = 18278;
export const MAX_CELLS = 10_000_000;

/** A parsed A1 reference, 1-based. `endRow`/`endColumn` null means "to the end of the grid" (`C:C`, `2:2`, `A2:C`). */
export interface A1Reference {
  sheetName: string | null;
  row: number;
  column: number;
  endRow: number | null;
  endColumn: number | null;
}

/** The message Apps Script gives for any A1 string it cannot resolve. */
export const RANGE_NOT_FOUND = 'Range not found';

export class A1SyntaxError extends Error {
  constructor(readonly a1: string) {
    super(RANGE_NOT_FOUND);
    this.name = 'Exception';
  }
}

export function columnToLetters(column: number): string {
  if (!Number.isInteger(column) || column < 1) throw new RangeError(`Not a column number: ${column}`);
  let letters = '';
  let n = column;
  while (n > 0) {
    const rem = (n - 1) % 26;
    letters = String.fromCharCode(65 + rem) + letters;
    n = Math.floor((n - 1) / 26);
  }
  return letters;
}

export function lettersToColumn(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) throw new RangeError(`Not column letters: ${letters}`);
    n = n * 26 + (code - 64);
  }
  return n;
}

/** Quote a sheet name for A1 when Sheets would: anything beyond letters, digits and underscores. */
export function quoteSheetName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^[A-Za-z]{1,3}[0-9]+$/.test(name)
    ? name
    : `'${name.replace(/'/g, "''")}'`;
}

interface Part {
  row: number | null;
  column: number | null;
}

const PART = /^\$?([A-Za-z]{1,3})?\$?([0-9]{1,8})?$/;

function parsePart(text: string, whole: string): Part {
  const match = PART.exec(text);
  if (!match || (!match[1] && !match[2])) throw new A1SyntaxError(whole);
  const column = match[1] ? lettersToColumn(match[1]) : null;
  const row = match[2] ? Number(match[2]) : null;
  if (row === 0 || (column !== null && column > MAX_COLUMNS)) throw new A1SyntaxError(whole);
  return { row, column };
}

/** Split `'It''s'!A1` / `Sheet1!A1` / `A1` into sheet name and range text. */
function splitSheet(a1: string): { sheetName: string | null; rest: string } {
  if (a1.startsWith("'")) {
    let i = 1;
    let name = '';
    for (;;) {
      if (i >= a1.length) throw new A1SyntaxError(a1);
      const ch = a1[i];
      if (ch === "'") {
        if (a1[i + 1] === "'") {
          name += "'";
          i += 2;
          continue;
        }
        break;
      }
      name += ch;
      i += 1;
    }
    if (a1[i + 1] !== '!') throw new A1SyntaxError(a1);
    return { sheetName: name, rest: a1.slice(i + 2) };
  }
  const bang = a1.lastIndexOf('!');
  if (bang === -1) return { sheetName: null, rest: a1 };
  if (bang === 0) throw new A1SyntaxError(a1);
  return { sheetName: a1.slice(0, bang), rest: a1.slice(bang + 1) };
}

export function parseA1(input: string): A1Reference {
  if (typeof input !== 'string') throw new A1SyntaxError(String(input));
  const a1 = input.trim();
  const { sheetName, rest } = splitSheet(a1);
  const pieces = rest.split(':');
  if (pieces.length > 2 || pieces.some((p) => p === '')) throw new A1SyntaxError(input);
  const start = parsePart(pieces[0], input);
  const end = pieces.length === 2 ? parsePart(pieces[1], input) : start;

  if (pieces.length === 1) {
    // A lone `A` or `5` is not a range in Sheets; only a full cell is.
    if (start.row === null || start.column === null) throw new A1SyntaxError(input);
    return { sheetName, row: start.row, column: start.column, endRow: start.row, endColumn: start.column };
  }
  if (start.column !== null && start.row !== null && end.column !== null && end.row !== null) {
    return order(sheetName, start.row, start.column, end.row, end.column);
  }
  if (start.row === null && end.row === null && start.column !== null && end.column !== null) {
    // C:E, whole columns
    return { sheetName, row: 1, column: Math.min(start.column, end.column), endRow: null, endColumn: Math.max(start.column, end.column) };
  }
  if (start.column === null && end.column === null && start.row !== null && end.row !== null) {
    // 2:5, whole rows
    return { sheetName, row: Math.min(start.row, end.row), column: 1, endRow: Math.max(start.row, end.row), endColumn: null };
  }
  if (start.column !== null && start.row !== null && end.column !== null && end.row === null) {
    // A2:C, open towards the bottom
    return { sheetName, row: start.row, column: Math.min(start.column, end.column), endRow: null, endColumn: Math.max(start.column, end.column) };
  }
  if (start.column !== null && start.row !== null && end.column === null && end.row !== null) {
    // A2:5, open towards the right
    return { sheetName, row: Math.min(start.row, end.row), column: start.column, endRow: Math.max(start.row, end.row), endColumn: null };
  }
  throw new A1SyntaxError(input);
}

function order(sheetName: string | null, r1: number, c1: number, r2: number, c2: number): A1Reference {
  return { sheetName, row: Math.min(r1, r2), column: Math.min(c1, c2), endRow: Math.max(r1, r2), endColumn: Math.max(c1, c2) };
}

/** A1 text for a rectangle; open ends (whole columns/rows) are written the way they were asked for. */
export function formatA1(ref: { row: number; column: number; endRow: number | null; endColumn: number | null }): string {
  const { row, column, endRow, endColumn } = ref;
  if (endRow === null && endColumn === null) throw new RangeError('A range cannot be open in both directions');
  if (endRow === null) {
    const from = row === 1 ? columnToLetters(column) : `${columnToLetters(column)}${row}`;
    return `${from}:${columnToLetters(endColumn as number)}`;
  }
  if (endColumn === null) {
    const from = column === 1 ? String(row) : `${columnToLetters(column)}${row}`;
    return `${from}:${endRow}`;
  }
  const first = `${columnToLetters(column)}${row}`;
  if (row === endRow && column === endColumn) return first;
  return `${first}:${columnToLetters(endColumn)}${endRow}`;
}
