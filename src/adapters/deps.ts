// The one builder of what the core needs in an execution, by use. Every choice of key, pacing
// cache, lock and id generator is made here, and only here:
//
//   use      key                      key's pacing cache and lock                     state lock        ids
//   formula  the shared key only      document cache, document lock (one reentrant    -                 -
//                                     object, the one the formula's batching holds)
//   job      own key, else the        own key: user cache, user lock;                 document lock     short (they go into
//            shared one               shared key: document cache, document lock                         developer metadata)
//   control  as job (only fetched     as job                                          document lock     uuid
//            when a refresh fetches)
//
// Why: a custom function reads "the properties of the spreadsheet owner" from getUserProperties()
// (https://developers.google.com/apps-script/guides/sheets/functions), so a formula that read a
// user key would spend the owner's credits for every editor, and never see an editor's own key;
// formulas read only what someone deliberately shared (src/adapters/keys.ts). Pacing state, memos
// and their locks live with whoever the key belongs to. The script cache and script lock are
// common to every user of the add-on in every spreadsheet, so nothing here uses them.
import { appsScriptClock, appsScriptHasher, appsScriptHttp, cacheStore, lazyLockOf, lockOf } from './appsScript';
import { projectTriggerPort, spreadsheetTimeZone } from './refreshGateway';
import { sheetGatewayFor } from './sheetGateway';
import { documentStore, readPersonalKey, readRequestsPerMinute, readSharedKey, userStore } from './keys';
import { continueBackgroundJobs, type JobDeps, type JobTuning } from '../core/bulkJob';
import { enrichCells, type EnrichContext } from '../core/enrich';
import { jobEngineFor } from '../core/jobEngine';
import { reentrantLock, type Http, type Lock } from '../core/ports';
import { fetchCallsLeft, fetchQuotaMessage, recordFetchCalls, type AccountKind } from '../core/spend';
import type { ControlDeps, DetachedDeps } from '../core/refreshControl';

export const API_BASE_URL = 'https://api.crustdata.com';

/** Who the context is for: a formula cell, or a user's job (sidebar, menu, Keep fresh). */
export type KeyUse = 'formula' | 'job';

/** Results, and the formulas' pacing (they use only the key shared with the document): the document's cache. */
export function resultCache(): GoogleAppsScript.Cache.Cache {
  return CacheService.getDocumentCache() ?? CacheService.getUserCache();
}

/**
 * The document lock, taken once however often it is asked for in this execution. Apps Script does
 * not say whether a second tryLock through another Lock object of a lock already held succeeds, or
 * whether its releaseLock frees the first holder's lock: one object for both avoids either.
 */
let documentLockOfExecution: Lock | null = null;
export function documentLock(): Lock {
  return (documentLockOfExecution ??= reentrantLock(lazyLockOf(() => LockService.getDocumentLock() ?? LockService.getUserLock())));
}

/** The lock around the job's and the schedule's stored state (document properties). */
function stateLock(): Lock {
  return lockOf(LockService.getDocumentLock());
}

/** The key for this use, and the cache and lock its pacing and memos live under (the table above). */
function keyHome(use: KeyUse): { apiKey: string | null; cache: GoogleAppsScript.Cache.Cache; lock: Lock } {
  const documentCache = CacheService.getDocumentCache();
  if (use === 'formula') {
    return { apiKey: documentCache ? readSharedKey() : null, cache: documentCache ?? CacheService.getUserCache(), lock: documentLock() };
  }
  const own = readPersonalKey();
  const shared = readSharedKey();
  const apiKey = own ?? shared;
  // A user's own key that is also the shared one is paced where the formulas pace it.
  if (apiKey && apiKey === shared && documentCache) return { apiKey, cache: documentCache, lock: documentLock() };
  return { apiKey, cache: CacheService.getUserCache(), lock: lazyLockOf(() => LockService.getUserLock()) };
}

/**
 * Whose UrlFetch quota a job counts against: the documented consumer figure, the lower one
 * (Apps Script does not tell a script which kind of account runs it), so a Workspace user's job
 * pauses early rather than anyone's job failing mid-way.
 */
const ACCOUNT_KIND: AccountKind = 'consumer';

/**
 * UrlFetch as a job uses it, each request counted in this user's properties (the quota is the
 * user's). Formula cells are not counted: a custom function's writes go to the owner's store;
 * the reserve a job keeps back covers them (src/core/spend.ts).
 */
function countedHttp(): Http {
  return {
    fetchAll(requests) {
      try {
        recordFetchCalls(userStore(), appsScriptClock.now(), requests.length);
      } catch {
        // A count that could not be saved only makes the next job's figure a little low.
      }
      return appsScriptHttp.fetchAll(requests);
    },
  };
}

/** The engine's context for a formula cell or for this user's jobs. */
export function enrichContextFor(use: KeyUse): EnrichContext {
  const home = keyHome(use);
  return {
    http: use === 'job' ? countedHttp() : appsScriptHttp,
    clock: appsScriptClock,
    hasher: appsScriptHasher,
    resultCache: cacheStore(resultCache()),
    sharedCache: cacheStore(home.cache),
    lock: home.lock,
    apiKey: home.apiKey,
    apiBaseUrl: API_BASE_URL,
    requestsPerMinute: readRequestsPerMinute(),
  };
}

/** Short ids: a job's id goes into every column's developer metadata (30,000 characters per sheet). */
function shortId(): () => string {
  let sequence = 0;
  return () => `${appsScriptClock.now().toString(36)}${(sequence++).toString(36)}${Math.floor(Math.random() * 36 ** 4).toString(36)}`;
}

/** The bulk job's ports for this execution: this spreadsheet, document properties, the document lock. */
export function jobDeps(tuning?: Partial<JobTuning>): JobDeps {
  return {
    gateway: sheetGatewayFor(SpreadsheetApp.getActiveSpreadsheet()),
    store: documentStore(),
    lock: stateLock(),
    clock: appsScriptClock,
    engine: jobEngineFor(enrichContextFor('job')),
    newId: shortId(),
    tuning,
    fetchQuota: { callsLeft: () => fetchCallsLeft(userStore(), appsScriptClock.now(), ACCOUNT_KIND), message: fetchQuotaMessage(ACCOUNT_KIND) },
  };
}

/** Keep fresh's ports (schedule, refresh, trigger) for this execution. */
export function controlDeps(): ControlDeps {
  const spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  let context: EnrichContext | null = null;
  return {
    sheet: sheetGatewayFor(spreadsheet),
    store: documentStore(),
    lock: stateLock(),
    clock: appsScriptClock,
    zone: spreadsheetTimeZone(spreadsheet),
    // The context reads the key and rate limit; only a run that has rows to fetch needs it.
    engine: { enrich: (cells, options) => enrichCells((context ??= enrichContextFor('job')), cells, options) },
    newId: () => Utilities.getUuid(),
    triggers: projectTriggerPort(),
    userStore: userStore(),
    documentId: spreadsheet.getId(),
    activeSheetId: () => spreadsheet.getActiveSheet()?.getSheetId() ?? null,
    continueBackgroundJobs: (budgetMs) => continueBackgroundJobs(jobDeps(), budgetMs),
    fetchQuota: { callsLeft: () => fetchCallsLeft(userStore(), appsScriptClock.now(), ACCOUNT_KIND), message: fetchQuotaMessage(ACCOUNT_KIND, 'run') },
  };
}

/** What an hourly run without its spreadsheet still has: this user's triggers and properties. */
export function detachedDeps(): DetachedDeps {
  return { triggers: projectTriggerPort(), userStore: userStore(), clock: appsScriptClock };
}
