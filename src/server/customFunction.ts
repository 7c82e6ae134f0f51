// CRUSTDATA_ENRICH over Apps Script: the engine's context, a document lock, and a read-only view
// of the cells around the calling cell (getActiveRange() is that cell inside a custom function).
// The behaviour lives in src/core/customFunction.ts.
import { appsScriptClock, appsScriptHasher, cacheStore, lockOf } from '../adapters/appsScript';
import { answerBeforeTheKey, errorText, runCustomFunction, type CallingCell, type SheetReader } from '../core/customFunction';
import { enrichCells, nextRequestSlotAt } from '../core/enrich';
import type { Lock } from '../core/ports';
import type { CellValue } from '../core/types';
import { createEnrichContext } from './context';

export function crustdataEnrich(identifiers: unknown, fields?: unknown, header?: unknown): CellValue[][] {
  const startedAt = Date.now();
  let apiKey: string | null = null;
  try {
    // A cached row, or a rate window a moment ago found full, needs no Properties read.
    const userCache = cacheStore(CacheService.getUserCache());
    const early = answerBeforeTheKey(
      { resultCache: cacheStore(CacheService.getDocumentCache() ?? CacheService.getScriptCache()), userCache, hasher: appsScriptHasher, clock: appsScriptClock, startedAt },
      identifiers,
      fields,
      header,
    );
    if (early) return early;
    const ctx = createEnrichContext();
    apiKey = ctx.apiKey;
    return runCustomFunction(
      { ctx, enrich: enrichCells, nextRequestSlotAt, userCache, documentLock: documentLock(), sheet: callingSheetReader(), startedAt },
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
