// CRUSTDATA_ENRICH over Apps Script: the engine's context (the key shared with the spreadsheet,
// never a user's own key), the document lock, and a read-only view of the cells around the calling
// cell (src/adapters/callingSheet.ts).
// The behaviour lives in src/core/customFunction.ts.
import { appsScriptClock, appsScriptHasher, cacheStore } from '../adapters/appsScript';
import { callingSheetReader } from '../adapters/callingSheet';
import { answerBeforeTheKey, errorText, runCustomFunction } from '../core/customFunction';
import { enrichCells, nextRequestSlotAt } from '../core/enrich';
import type { CellValue } from '../core/types';
import { documentLock, enrichContextFor, resultCache } from '../adapters/deps';

export function crustdataEnrich(identifiers: unknown, fields?: unknown, header?: unknown, options?: unknown): CellValue[][] {
  const startedAt = Date.now();
  let apiKey: string | null = null;
  try {
    // A cached row, or the key's rate window a moment ago found full, needs no Properties read.
    const formulaCache = cacheStore(resultCache());
    const early = answerBeforeTheKey(
      { resultCache: formulaCache, windowNoteCache: formulaCache, hasher: appsScriptHasher, clock: appsScriptClock, startedAt },
      identifiers,
      fields,
      header,
      options,
    );
    if (early) return early;
    const ctx = enrichContextFor('formula');
    apiKey = ctx.apiKey;
    // One cell of this spreadsheet fetches at a time, the others then hit the cache. The engine
    // paces the shared key under this same lock object: held once, never waited for twice.
    return runCustomFunction(
      { ctx, enrich: enrichCells, nextRequestSlotAt, windowNoteCache: formulaCache, documentLock: documentLock(), sheet: callingSheetReader(), startedAt },
      identifiers,
      fields,
      header,
      options,
    ).values;
  } catch (error) {
    // Sheets shows the message under #ERROR!; a plain Error keeps it free of class names.
    throw new Error(errorText(error, apiKey));
  }
}
