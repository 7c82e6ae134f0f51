// Binds the enrichment engine to one context for the bulk job: the two things the job asks of
// it, enrich a block of cells, and count what the result cache already holds (for estimates).
import { identifierKey } from './jobWorker';
import { DEFAULT_API_OPTIONS, resultCacheKey } from './apiOptions';
import { selectionKey } from './catalog';
import { enrichCells, type EnrichContext } from './enrich';
import type { JobEngine } from './ports';
import { refKey, ResultCache } from './resultCache';

export function jobEngineFor(ctx: EnrichContext): JobEngine {
  return {
    enrich: (cells, options) => enrichCells(ctx, cells, options),
    // One getAll for every identifier, as the engine's own cache lookup does.
    cachedKeys: (identifiers, selection, api = DEFAULT_API_OPTIONS, maxCacheAgeMs) => {
      // The engine's own key (resultCacheKey): an answer fetched under other options is not this one.
      const found = new ResultCache(ctx.resultCache, ctx.hasher, resultCacheKey(selectionKey(selection), api)).getMany(identifiers, ctx.clock.now(), maxCacheAgeMs);
      return new Set(identifiers.filter((id) => found.has(refKey(id))).map(identifierKey));
    },
    requestsPerMinute: ctx.requestsPerMinute,
  };
}
