// The API keys and the plan's rate limit, kept in Properties.
//
// Two keys, two uses:
// - a user's own key (user properties): their sidebar, menu and Keep fresh jobs use it first;
// - the key shared with the spreadsheet (document properties): the only key formulas use, and the
//   jobs' fallback. A custom function reads "the properties of the spreadsheet owner" from
//   getUserProperties() (https://developers.google.com/apps-script/guides/sheets/functions), so a
//   formula that read a user key would spend the owner's credits for every editor, and never see an
//   editor's own key. Formulas therefore read only what someone deliberately shared.
// Where each key is paced, and under which lock, is decided in src/adapters/deps.ts. The key never
// goes to a cell, a log or a cache (the cache keys hold a hash).
import { propertiesStore } from './appsScript';
import type { KeyValueStore } from '../core/ports';
import type { KeyScope } from '../common/contract';

const KEY_PROPERTY = 'crustdata.apiKey';
/** Document property: the id of the user who shared the spreadsheet's key (never an email). */
const SHARED_BY_PROPERTY = 'crustdata.apiKey.sharedBy';
/** User property: a random id of this user, to tell "shared by you" from "by another editor". */
const USER_ID_PROPERTY = 'crustdata.userId';
const RATE_PROPERTY = 'crustdata.requestsPerMinute';
export const DEFAULT_REQUESTS_PER_MINUTE = 15;

export function userStore(): KeyValueStore {
  return propertiesStore(PropertiesService.getUserProperties());
}

export function documentStore(): KeyValueStore {
  return propertiesStore(PropertiesService.getDocumentProperties());
}

/** Document properties, or null where there is no document (a trigger run without one). */
function documentStoreOrNull(): KeyValueStore | null {
  const properties = PropertiesService.getDocumentProperties();
  return properties ? propertiesStore(properties) : null;
}

/** This user's own key (user properties). Never for formulas. */
export function readPersonalKey(): string | null {
  return userStore().get(KEY_PROPERTY) || null;
}

/** The key shared with this spreadsheet (document properties): the one formulas use. */
export function readSharedKey(): string | null {
  return documentStoreOrNull()?.get(KEY_PROPERTY) || null;
}

/** The key this user's jobs (sidebar, menu, Keep fresh) use: their own first, else the shared one. */
export function readApiKey(): { key: string; scope: KeyScope } | null {
  const own = readPersonalKey();
  if (own) return { key: own, scope: 'user' };
  const shared = readSharedKey();
  if (shared) return { key: shared, scope: 'document' };
  return null;
}

/** Sets (or with null removes) this user's own key, or the key shared with the spreadsheet. */
export function writeApiKey(key: string | null, scope: KeyScope): void {
  if (scope === 'user') {
    if (key) userStore().set(KEY_PROPERTY, key);
    else userStore().delete(KEY_PROPERTY);
    return;
  }
  const document = documentStore();
  if (key) {
    document.set(KEY_PROPERTY, key);
    document.set(SHARED_BY_PROPERTY, currentUserId());
  } else {
    document.delete(KEY_PROPERTY);
    document.delete(SHARED_BY_PROPERTY);
  }
}

/** Whether the spreadsheet's shared key was shared by this user (from this user's random id). */
export function sharedByCurrentUser(): boolean {
  const sharedBy = documentStoreOrNull()?.get(SHARED_BY_PROPERTY);
  const mine = userStore().get(USER_ID_PROPERTY);
  return Boolean(sharedBy && mine && sharedBy === mine);
}

function currentUserId(): string {
  const store = userStore();
  let id = store.get(USER_ID_PROPERTY);
  if (!id) {
    id = Utilities.getUuid();
    store.set(USER_ID_PROPERTY, id);
  }
  return id;
}

/** Shows at most the last 4 characters. */
export function maskApiKey(key: string): string {
  return key.length <= 8 ? '••••' : `••••${key.slice(-4)}`;
}

export function readRequestsPerMinute(): number {
  const raw = Number(documentStoreOrNull()?.get(RATE_PROPERTY) ?? userStore().get(RATE_PROPERTY));
  return Number.isFinite(raw) && raw >= 1 && raw <= 6000 ? Math.floor(raw) : DEFAULT_REQUESTS_PER_MINUTE;
}

export function writeRequestsPerMinute(perMinute: number): void {
  documentStore().set(RATE_PROPERTY, String(Math.floor(perMinute)));
}
