// The seams between the pure core and Apps Script. The core only ever sees these
// interfaces; src/adapters/appsScript.ts implements them over Apps Script services,
// and tests pass stateful fakes. Every call here is synchronous, as in Apps Script.

/** One HTTP request, shaped like a UrlFetchApp request. */
export interface HttpRequest {
  url: string;
  method: 'post' | 'get';
  headers: Record<string, string>;
  /** JSON text. */
  payload?: string;
}

export interface HttpResponse {
  status: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends requests in parallel and returns responses in order (UrlFetchApp.fetchAll with
 * muteHttpExceptions). Throws HttpTransportError when the transport fails (timeout, DNS):
 * as in Apps Script, one timed-out request fails the whole call.
 */
export interface Http {
  fetchAll(requests: HttpRequest[]): HttpResponse[];
}

export class HttpTransportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

/** Wall-clock time; in the emulator and the benchmarks it is virtual. */
export interface Clock {
  now(): number;
  sleep(ms: number): void;
}

/** PropertiesService store: 9 KB per value, 500 KB per store. */
export interface KeyValueStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  delete(key: string): void;
  keys(): string[];
}

/** CacheService cache: keys <= 250 chars, values <= 100 KB, ttl 1..21600 s. */
export interface Cache {
  get(key: string): string | null;
  getAll(keys: string[]): Record<string, string>;
  put(key: string, value: string, ttlSeconds: number): void;
  putAll(values: Record<string, string>, ttlSeconds: number): void;
  remove(key: string): void;
}

/** LockService lock. */
export interface Lock {
  tryLock(timeoutMs: number): boolean;
  releaseLock(): void;
}

/** Runs fn holding the lock; always releases (the lock helper in apps-script-oauth2 did not). */
export function withLock<T>(lock: Lock, timeoutMs: number, fn: () => T): T | { lockTimedOut: true } {
  if (!lock.tryLock(timeoutMs)) return { lockTimedOut: true };
  try {
    return fn();
  } finally {
    lock.releaseLock();
  }
}

/** Hashing (Utilities.computeDigest in Apps Script, node:crypto in tests). Returns hex. */
export interface Hasher {
  sha256Hex(text: string): string;
}

/**
 * One lock for nested sections of one execution (a formula holds the document lock while the
 * engine paces a key under it): an inner tryLock finds it held and takes it at once, only the
 * outermost releaseLock frees it. No second wait, and no inner release freeing the outer section.
 */
export function reentrantLock(lock: Lock): Lock {
  let depth = 0;
  return {
    tryLock(timeoutMs) {
      if (depth > 0) {
        depth++;
        return true;
      }
      if (!lock.tryLock(timeoutMs)) return false;
      depth = 1;
      return true;
    },
    releaseLock() {
      if (depth === 0) return;
      depth--;
      if (depth === 0) lock.releaseLock();
    },
  };
}
