// How Sheets shows a custom function's return value (dev/emulator's runCustomFunction uses it).
import { types } from 'node:util';
import { CELL_TOO_LONG_MESSAGE, MAX_CELL_CHARS } from './spreadsheet/values';

export type CellValue = string | number | boolean | Date;

export type Shaped = { values: CellValue[][] } | { code: '#ERROR!' | '#NUM!' | '#VALUE!'; message: string };

/**
 * What Sheets shows for a custom function's return value: a scalar in one cell, a 1-D array down a
 * column, a 2-D array as a block. Stricter than Sheets in one way: rows of different lengths are an
 * error here (Sheets pads them), because the add-on promises a rectangular result.
 */
export function sheetsShape(value: unknown, functionName: string): Shaped {
  const cell = (v: unknown): CellValue | Shaped => {
    if (v === null || v === undefined) return '';
    if (typeof v === 'number') return Number.isFinite(v) ? v : { code: '#NUM!', message: `${functionName} returned ${v}.` };
    if (typeof v === 'string') {
      return v.length > MAX_CELL_CHARS ? { code: '#ERROR!', message: CELL_TOO_LONG_MESSAGE } : v;
    }
    if (typeof v === 'boolean' || types.isDate(v)) return v as CellValue;
    return { code: '#ERROR!', message: `${functionName} returned ${Array.isArray(v) ? 'an array nested too deep' : 'an object'} in a cell; return values or a 2-D array.` };
  };
  const rows: unknown[][] = Array.isArray(value)
    ? value.length === 0
      ? [['']]
      : value.map((line) => (Array.isArray(line) ? line : [line]))
    : [[value]];
  const widths = new Set(rows.map((line) => line.length));
  if (widths.size > 1 || widths.has(0)) {
    return { code: '#ERROR!', message: `${functionName} returned rows of different lengths (${[...widths].join(', ')} cells); the result must be rectangular.` };
  }
  const values: CellValue[][] = [];
  for (const line of rows) {
    const out: CellValue[] = [];
    for (const v of line) {
      const shaped = cell(v);
      if (typeof shaped === 'object' && shaped !== null && !types.isDate(shaped)) return shaped as Shaped;
      out.push(shaped as CellValue);
    }
    values.push(out);
  }
  return { values };
}

