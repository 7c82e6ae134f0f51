// Builds the engine's context from Apps Script services, and keeps the API key.
// The key lives in user properties (only this user, in this script); a user may choose to
// share it with the spreadsheet (document properties: every editor's formulas can use it,
// and any editor running a script could read it). It never goes to a cell, log or cache.
import { appsScriptClock, appsScriptHasher, appsScriptHttp, cacheStore, lockOf, propertiesStore } from '../adapters/appsScript';
import type { EnrichContext } from '../core/enrich';
import type { KeyValueStore } from '../core/ports';

export const API_BASE_URL = 'https://api.crustdata.com';
const KEY_PROPERTY = 'crustdata.apiKey';
const RATE_PROPERTY = 'crustdata.requestsPerMinute';
export const DEFAULT_REQUESTS_PER_MINUTE = 15;

export type KeyScope = 'user' | 'document';

export function userStore(): KeyValueStore {
  return propertiesStore(PropertiesService.getUserProperties());
}

export function documentStore(): KeyValueStore {
  return propertiesStore(PropertiesService.getDocumentProperties());
}

/** The key this user's executions use: their own first, else one shared with the spreadsheet. */
export function readApiKey(): { key: string; scope: KeyScope } | null {
  const own = userStore().get(KEY_PROPERTY);
  if (own) return { key: own, scope: 'user' };
  const shared = documentStore().get(KEY_PROPERTY);
  if (shared) return { key: shared, scope: 'document' };
  return null;
}

export function writeApiKey(key: string | null, scope: KeyScope): void {
  // One place holds the key at a time, so removing it really removes it.
  userStore().delete(KEY_PROPERTY);
  documentStore().delete(KEY_PROPERTY);
  if (key) (scope === 'user' ? userStore() : documentStore()).set(KEY_PROPERTY, key);
}

/** Shows at most the last 4 characters. */
export function maskApiKey(key: string): string {
  return key.length <= 8 ? '••••' : `••••${key.slice(-4)}`;
}

export function readRequestsPerMinute(): number {
  const raw = Number(documentStore().get(RATE_PROPERTY) ?? userStore().get(RATE_PROPERTY));
  return Number.isFinite(raw) && raw >= 1 && raw <= 6000 ? Math.floor(raw) : DEFAULT_REQUESTS_PER_MINUTE;
}

export function writeRequestsPerMinute(perMinute: number): void {
  documentStore().set(RATE_PROPERTY, String(Math.floor(perMinute)));
}

export function createEnrichContext(): EnrichContext {
  return {
    http: appsScriptHttp,
    clock: appsScriptClock,
    hasher: appsScriptHasher,
    resultCache: cacheStore(CacheService.getDocumentCache() ?? CacheService.getScriptCache()),
    sharedCache: cacheStore(CacheService.getScriptCache()),
    lock: lockOf(LockService.getScriptLock()),
    apiKey: readApiKey()?.key ?? null,
    apiBaseUrl: API_BASE_URL,
    requestsPerMinute: readRequestsPerMinute(),
  };
}
