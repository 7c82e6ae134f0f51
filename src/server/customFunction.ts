// CRUSTDATA_ENRICH over Apps Script: the engine's context, a document lock, and a read-only view
// of the cells around the calling cell (getActiveRange() is that cell inside a custom function).
// The behaviour lives in src/core/customFunction.ts.
import { lockOf } from '../adapters/appsScript';
import { errorText, runCustomFunction, type CallingCell, type SheetReader } from '../core/customFunction';
import { enrichCells, nextRequestSlotAt } from '../core/enrich';
import type { Lock } from '../core/ports';
import type { CellValue } from '../core/types';
import { createEnrichContext } from './context';

export function crustdataEnrich(identifiers: unknown, fields?: unknown, header?: unknown): CellValue[][] {
  const startedAt = Date.now();
  let apiKey: string | null = null;
  try {
    const ctx = createEnrichContext();
    apiKey = ctx.apiKey;
    return runCustomFunction(
      { ctx, enrich: enrichCells, nextRequestSlotAt, documentLock: documentLock(), sheet: callingSheetReader(), startedAt },
      identifiers,
      fields,
      header,
    ).values;
  } catch (error) {
    // Sheets shows the message under #ERROR!; a plain Error keeps it free of class names.
    throw new Error(errorText(error, apiKey));
  }
}

/** One fetcher per spreadsheet at a time: the cells that wait then find their rows in the cache. */
function documentLock(): Lock {
  return lockOf(LockService.getDocumentLock() ?? LockService.getScriptLock());
}

function callingSheetReader(): SheetReader {
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
