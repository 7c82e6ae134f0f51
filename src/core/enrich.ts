// The enrichment engine: cells in, one outcome per cell out, at the rate limit's speed.
import type { Cache, Clock, Hasher, Http, Lock } from './ports';
import type { EnrichStats, FieldSelection, RowOutcome } from './types';

export interface EnrichContext {
  http: Http;
  clock: Clock;
  hasher: Hasher;
  /** Person results per normalized identifier + selection (document cache in Apps Script). */
  resultCache: Cache;
  /** State shared by every execution using the same key: rate window, auth-failure memo (script cache). */
  sharedCache: Cache;
  /** Guards the shared rate window (script lock). */
  lock: Lock;
  apiKey: string | null;
  /** Default https://api.crustdata.com */
  apiBaseUrl: string;
  /** The key's plan limit; default 15. */
  requestsPerMinute: number;
}

export interface EnrichOptions {
  selection: FieldSelection;
  /** Absolute clock time (ms): no request starts that could not finish by then. */
  deadline: number;
  /** Refresh: cached results older than this are fetched again. */
  maxCacheAgeMs?: number;
  /** Send force_fetch: true. */
  forceFetch?: boolean;
}

export interface EnrichResult {
  outcomes: RowOutcome[];
  stats: EnrichStats;
}

/** STUB: owned by the engine work. One outcome per input cell, in order. */
export function enrichCells(ctx: EnrichContext, cells: unknown[], options: EnrichOptions): EnrichResult {
  throw new Error('enrichCells: not implemented');
}
