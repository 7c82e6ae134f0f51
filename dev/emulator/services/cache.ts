// CacheService: user, document and script caches expiring on the emulator's clock, with Apps
// Script's limits: key <= 250 characters, value <= 100 KB, ttl 1..21600 s (default 600), and 1,000
// items per cache: "If more than 1,000 items are written, the cache stores the 900 items farthest
// from expiration." So short-lived entries (pacing, memos) are the first to go.
// https://developers.google.com/apps-script/reference/cache/cache
// The script cache and the user caches belong to the script, shared by every document it runs in
// ("Script caches are common to all users of the script"); each document has its own document cache.
import type { Execution } from '../execution';
import { ServiceError } from '../execution';

export const CACHE_KEY_LIMIT_CHARS = 250;
export const CACHE_VALUE_LIMIT_BYTES = 100 * 1024;
export const CACHE_MAX_TTL_SECONDS = 21_600;
export const CACHE_DEFAULT_TTL_SECONDS = 600;

export interface CacheOptions {
  /** Items a cache holds before it evicts (Apps Script: 1,000). */
  maxItems?: number;
  /** Share of maxItems evicted at once when full (Apps Script keeps 900 of 1,000: 10%). */
  evictFraction?: number;
}

interface Entry {
  value: string;
  expiresAt: number;
  /** Write order: among entries expiring at the same moment, the older write goes first. */
  seq: number;
}

export class CacheStore {
  readonly entries = new Map<string, Entry>();
  private seq = 0;

  constructor(private readonly options: Required<CacheOptions>) {}

  read(key: string, nowMs: number): string | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    if (entry.expiresAt <= nowMs) {
      this.entries.delete(key);
      return null;
    }
    return entry.value;
  }

  write(key: string, value: string, expiresAt: number, nowMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt, seq: this.seq++ });
    if (this.entries.size > this.options.maxItems) this.evict(nowMs);
  }

  /** Drops everything (the "eviction can come early" case, on demand). */
  clear(): void {
    this.entries.clear();
  }

  size(nowMs: number): number {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= nowMs) this.entries.delete(key);
    return this.entries.size;
  }

  private evict(nowMs: number) {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= nowMs) this.entries.delete(key);
    if (this.entries.size <= this.options.maxItems) return;
    const keep = this.options.maxItems - Math.max(1, Math.ceil(this.options.maxItems * this.options.evictFraction));
    // Keep the entries farthest from expiration, as Google documents: the soonest to expire go.
    const soonestFirst = [...this.entries].sort(([, a], [, b]) => a.expiresAt - b.expiresAt || a.seq - b.seq);
    for (const [key] of soonestFirst.slice(0, this.entries.size - keep)) this.entries.delete(key);
  }
}

export class CacheStores {
  readonly script: CacheStore;
  readonly document: CacheStore;
  private readonly users: Map<string, CacheStore>;
  private readonly options: Required<CacheOptions>;

  constructor(options: CacheOptions = {}, project?: { script: CacheStore; users: Map<string, CacheStore> }) {
    this.options = { maxItems: options.maxItems ?? 1000, evictFraction: options.evictFraction ?? 0.1 };
    this.script = project?.script ?? new CacheStore(this.options);
    this.users = project?.users ?? new Map();
    this.document = new CacheStore(this.options);
  }

  /** The caches another document of the same script sees: the same script and user caches, its own document cache. */
  forAnotherDocument(): CacheStores {
    return new CacheStores(this.options, { script: this.script, users: this.users });
  }

  user(email: string): CacheStore {
    let store = this.users.get(email);
    if (!store) this.users.set(email, (store = new CacheStore(this.options)));
    return store;
  }

  all(): CacheStore[] {
    return [this.script, this.document, ...this.users.values()];
  }
}

function checkKey(key: unknown): string {
  const text = String(key);
  if (text.length === 0) throw new ServiceError('Invalid argument: key');
  if (text.length > CACHE_KEY_LIMIT_CHARS) throw new ServiceError('Argument too large: key');
  return text;
}

function checkValue(value: unknown): string {
  const text = String(value);
  if (Buffer.byteLength(text, 'utf8') > CACHE_VALUE_LIMIT_BYTES) throw new ServiceError('Argument too large: value');
  return text;
}

function checkTtl(ttlSeconds: unknown): number {
  if (ttlSeconds === undefined) return CACHE_DEFAULT_TTL_SECONDS;
  const ttl = Number(ttlSeconds);
  if (!Number.isFinite(ttl) || ttl < 1 || ttl > CACHE_MAX_TTL_SECONDS) {
    throw new ServiceError(`Invalid argument: expirationInSeconds must be between 1 and ${CACHE_MAX_TTL_SECONDS} (got ${ttlSeconds})`);
  }
  return ttl;
}

/** Apps Script's Cache class over one store. */
export class Cache {
  constructor(
    private readonly exec: Execution,
    private readonly store: CacheStore,
  ) {}

  private now() {
    return this.exec.clock.now();
  }

  get(key: string): string | null {
    this.exec.enter('CacheService.Cache.get');
    return this.store.read(checkKey(key), this.now());
  }

  getAll(keys: string[]): Record<string, string> {
    this.exec.enter('CacheService.Cache.getAll');
    if (!Array.isArray(keys)) throw new ServiceError('Invalid argument: keys');
    const found: Record<string, string> = {};
    for (const key of keys.map(checkKey)) {
      const value = this.store.read(key, this.now());
      if (value !== null) found[key] = value;
    }
    return found;
  }

  put(key: string, value: string, expirationInSeconds?: number): void {
    this.exec.enter('CacheService.Cache.put', true);
    const checkedKey = checkKey(key);
    const checkedValue = checkValue(value);
    const ttl = checkTtl(expirationInSeconds);
    this.store.write(checkedKey, checkedValue, this.now() + ttl * 1000, this.now());
  }

  putAll(values: Record<string, string>, expirationInSeconds?: number): void {
    this.exec.enter('CacheService.Cache.putAll', true);
    if (values === null || typeof values !== 'object') throw new ServiceError('Invalid argument: values');
    const ttl = checkTtl(expirationInSeconds);
    const checked = Object.entries(values).map(([key, value]) => [checkKey(key), checkValue(value)] as const);
    for (const [key, value] of checked) this.store.write(key, value, this.now() + ttl * 1000, this.now());
  }

  remove(key: string): void {
    this.exec.enter('CacheService.Cache.remove', true);
    this.store.entries.delete(checkKey(key));
  }

  removeAll(keys: string[]): void {
    this.exec.enter('CacheService.Cache.removeAll', true);
    if (!Array.isArray(keys)) throw new ServiceError('Invalid argument: keys');
    for (const key of keys.map(checkKey)) this.store.entries.delete(key);
  }
}

export function createCacheService(exec: Execution, stores: CacheStores, context: { hasDocument: boolean }) {
  return {
    getUserCache(): Cache {
      exec.enter('CacheService.getUserCache');
      return new Cache(exec, stores.user(exec.user));
    },
    getDocumentCache(): Cache | null {
      exec.enter('CacheService.getDocumentCache');
      // "…returns null" when there is no containing document (CacheService reference).
      return context.hasDocument ? new Cache(exec, stores.document) : null;
    },
    getScriptCache(): Cache {
      exec.enter('CacheService.getScriptCache');
      return new Cache(exec, stores.script);
    },
  };
}
