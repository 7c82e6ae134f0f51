// The Apps Script emulator: runs dist/Code.js locally with fake services and a virtual clock, for
// the tests, the playground, the demo and the benchmarks. See dev/emulator/README.md.
export * from './clock';
export * from './customFunction';
export * from './emulator';
export * from './execution';
export * from './httpTransport';
export * from './scriptInfo';
export * from './transport';
export { CacheStore, CacheStores, CACHE_DEFAULT_TTL_SECONDS, CACHE_KEY_LIMIT_CHARS, CACHE_MAX_TTL_SECONDS, CACHE_VALUE_LIMIT_BYTES } from './services/cache';
export type { CacheOptions } from './services/cache';
export { formatDate } from './services/formatDate';
export { LockTable } from './services/lock';
export type { UnflushedLockRelease } from './services/lock';
export type { LogEntry, LogLevel } from './services/logging';
export { PropertyStore, PropertyStores, PROPERTY_STORE_LIMIT_BYTES, PROPERTY_VALUE_LIMIT_BYTES } from './services/properties';
export { TriggerTable } from './services/scriptApp';
export type { ClockSchedule, TriggerRecord } from './services/scriptApp';
export { UiRecorder } from './services/ui';
export type { Dialog, MenuEntry, RecordedMenu, ShownHtml, UiAnswer } from './services/ui';
export { URL_FETCH_DAILY_QUOTA } from './services/urlFetch';
export type { FetchRecord } from './services/urlFetch';
export { SpreadsheetModel } from './spreadsheet/model';
export type { ServiceGuard, SpreadsheetAppFactory } from './spreadsheetBridge';
