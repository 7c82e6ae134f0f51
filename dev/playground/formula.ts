// The little formula language the playground's grid understands: one function call whose
// arguments are cell references (A2, $A$2, A2:A20, Leads!A2, 'My sheet'!A2:B3), string literals
// ("basic_profile, experience", "" for a quote), numbers, TRUE/FALSE and empty arguments. That is
// every way =CRUSTDATA_ENRICH is used; anything else is a parse error, as Sheets would show one
// for text it cannot read. Also moves relative references the way fill-down and paste do.

export type FormulaArgument =
  | { kind: 'reference'; a1: string; sheetName: string | null; row: number; column: number; endRow: number; endColumn: number }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'empty' };

export interface ParsedFormula {
  /** Upper-cased, as Sheets shows function names. */
  name: string;
  args: FormulaArgument[];
}

export class FormulaParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormulaParseError';
  }
}

/** Sheets' message under #ERROR! for a formula it cannot read. */
export const PARSE_ERROR_MESSAGE = 'Formula parse error.';

const SHEET_PREFIX = String.raw`(?:'(?:[^']|'')+'|[A-Za-z_][A-Za-z0-9_.]*)!`;
const CELL = String.raw`\$?[A-Za-z]{1,3}\$?[0-9]{1,7}`;
/** A reference token: optional sheet, a cell, optional `:cell`. */
const REFERENCE = new RegExp(String.raw`^(${SHEET_PREFIX})?(${CELL})(?::(${CELL}))?$`);
const CELL_PARTS = /^(\$?)([A-Za-z]{1,3})(\$?)([0-9]{1,7})$/;

function letters(column: number): string {
  let out = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
  return out;
}

function columnNumber(text: string): number {
  let n = 0;
  for (const ch of text.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

function cellOf(text: string): { row: number; column: number; absRow: boolean; absColumn: boolean } {
  const match = CELL_PARTS.exec(text)!;
  return { column: columnNumber(match[2]), absColumn: match[1] === '$', row: Number(match[4]), absRow: match[3] === '$' };
}

function sheetNameOf(prefix: string | undefined): string | null {
  if (!prefix) return null;
  const name = prefix.slice(0, -1);
  return name.startsWith("'") ? name.slice(1, -1).replace(/''/g, "'") : name;
}

/** Splits the argument list on top-level commas, keeping string literals whole. */
function splitArguments(inner: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: string | null = null;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (quote) {
      current += ch;
      if (ch === quote) {
        if (inner[i + 1] === quote) current += inner[++i];
        else quote = null;
      }
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      parts.push(current);
      current = '';
    } else if (ch === '(' || ch === ')' || ch === '{' || ch === '}') {
      throw new FormulaParseError(PARSE_ERROR_MESSAGE);
    } else current += ch;
  }
  if (quote) throw new FormulaParseError(PARSE_ERROR_MESSAGE);
  parts.push(current);
  return parts;
}

function parseArgument(raw: string): FormulaArgument {
  const text = raw.trim();
  if (text === '') return { kind: 'empty' };
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) throw new FormulaParseError(PARSE_ERROR_MESSAGE);
    const body = text.slice(1, -1);
    if (body.replace(/""/g, '').includes('"')) throw new FormulaParseError(PARSE_ERROR_MESSAGE);
    return { kind: 'string', value: body.replace(/""/g, '"') };
  }
  if (/^(true|false)$/i.test(text)) return { kind: 'boolean', value: text.toUpperCase() === 'TRUE' };
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text)) return { kind: 'number', value: Number(text) };
  const match = REFERENCE.exec(text);
  if (!match) throw new FormulaParseError(PARSE_ERROR_MESSAGE);
  const start = cellOf(match[2]);
  const end = match[3] ? cellOf(match[3]) : start;
  return {
    kind: 'reference',
    a1: text,
    sheetName: sheetNameOf(match[1]),
    row: Math.min(start.row, end.row),
    column: Math.min(start.column, end.column),
    endRow: Math.max(start.row, end.row),
    endColumn: Math.max(start.column, end.column),
  };
}

/** Parses `=NAME(arg, …)`. Throws FormulaParseError for anything else. */
export function parseFormula(formula: string): ParsedFormula {
  const match = /^=\s*([A-Za-z_][A-Za-z0-9_.]*)\s*\(([\s\S]*)\)\s*$/.exec(formula);
  if (!match) throw new FormulaParseError(PARSE_ERROR_MESSAGE);
  const inner = match[2];
  const args = inner.trim() === '' ? [] : splitArguments(inner).map(parseArgument);
  return { name: match[1].toUpperCase(), args };
}

/** Whether a reference argument covers (row, column) of the given sheet (null: the formula's own sheet). */
export function referenceCovers(arg: FormulaArgument, sheetName: string | null, row: number, column: number): boolean {
  return (
    arg.kind === 'reference' &&
    (arg.sheetName ?? null) === sheetName &&
    row >= arg.row &&
    row <= arg.endRow &&
    column >= arg.column &&
    column <= arg.endColumn
  );
}

/**
 * The formula as it reads after being copied `rows` down and `columns` right: relative parts of
 * references move, `$` parts stay (what fill-down and paste do in Sheets). A reference moved off
 * the sheet becomes #REF!, as in Sheets. Text inside string literals is never touched.
 */
export function shiftFormula(formula: string, rows: number, columns: number): string {
  let out = '';
  let i = 0;
  while (i < formula.length) {
    const ch = formula[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < formula.length && !(formula[j] === '"' && formula[j + 1] !== '"')) j += formula[j] === '"' ? 2 : 1;
      out += formula.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === "'") {
      // A quoted sheet name: copy it with its `!`.
      let j = i + 1;
      while (j < formula.length && !(formula[j] === "'" && formula[j + 1] !== "'")) j += formula[j] === "'" ? 2 : 1;
      out += formula.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    const rest = formula.slice(i);
    const cell = /^\$?[A-Za-z]{1,3}\$?[0-9]{1,7}(?![A-Za-z0-9_(])/.exec(rest);
    const previous = out[out.length - 1];
    if (cell && !(previous && /[A-Za-z0-9_.]/.test(previous))) {
      const parts = cellOf(cell[0]);
      const row = parts.absRow ? parts.row : parts.row + rows;
      const column = parts.absColumn ? parts.column : parts.column + columns;
      out += row < 1 || column < 1 ? '#REF!' : `${parts.absColumn ? '$' : ''}${letters(column)}${parts.absRow ? '$' : ''}${row}`;
      i += cell[0].length;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
