// The custom function's read-only view of the cells around its calling cell (SheetReader), over
// SpreadsheetApp: getActiveRange() is the calling cell inside a custom function. One service call
// per method; no logic here.
import type { CallingCell, SheetReader } from '../core/ports';

export function callingSheetReader(): SheetReader {
  const spreadsheet = () => SpreadsheetApp.getActiveSpreadsheet();
  const sheetNamed = (name: string) => {
    const sheet = spreadsheet().getSheetByName(name);
    if (!sheet) throw new Error(`No sheet named ${name}`);
    return sheet;
  };
  const column = (range: GoogleAppsScript.Spreadsheet.Range, read: 'formulas' | 'values') =>
    (read === 'formulas' ? range.getFormulas() : range.getValues()).map((row) => row[0]);
  return {
    callingCell(): CallingCell | null {
      const range = SpreadsheetApp.getActiveRange();
      if (!range) return null;
      return {
        sheetName: range.getSheet().getName(),
        row: range.getRow(),
        column: range.getColumn(),
        formula: range.getFormula(),
      };
    },
    lastRow: (sheetName) => sheetNamed(sheetName).getLastRow(),
    formulas: (sheetName, col, startRow, rowCount) => column(sheetNamed(sheetName).getRange(startRow, col, rowCount, 1), 'formulas') as string[],
    values: (sheetName, col, startRow, rowCount) => column(sheetNamed(sheetName).getRange(startRow, col, rowCount, 1), 'values'),
  };
}
