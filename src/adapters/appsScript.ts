// Thin adapters from Apps Script services to the core's ports. No logic lives here.
import { HttpTransportError, type Cache, type Clock, type Hasher, type Http, type KeyValueStore, type Lock } from '../core/ports';

export const appsScriptHttp: Http = {
  fetchAll(requests) {
    let responses: GoogleAppsScript.URL_Fetch.HTTPResponse[];
    try {
      responses = UrlFetchApp.fetchAll(
        requests.map((r) => ({
          url: r.url,
          method: r.method,
          headers: r.headers,
          payload: r.payload,
          contentType: 'application/json',
          muteHttpExceptions: true,
        })),
      );
    } catch (error) {
      // Timeouts and DNS failures throw for the whole call, as documented for fetchAll.
      throw new HttpTransportError(String((error as Error)?.message ?? error));
    }
    return responses.map((response) => {
      const headers: Record<string, string> = {};
      const raw = response.getAllHeaders() as Record<string, unknown>;
      for (const name of Object.keys(raw)) headers[name.toLowerCase()] = String(raw[name]);
      return { status: response.getResponseCode(), headers, body: response.getContentText() };
    });
  },
};

export const appsScriptClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => Utilities.sleep(Math.max(0, Math.round(ms))),
};

export const appsScriptHasher: Hasher = {
  sha256Hex(text) {
    const bytes = Utilities.computeDigest(Utilities.DigestAlgorithm.SHA_256, text, Utilities.Charset.UTF_8);
    return bytes.map((b) => ((b + 256) % 256).toString(16).padStart(2, '0')).join('');
  },
};

export function propertiesStore(properties: GoogleAppsScript.Properties.Properties): KeyValueStore {
  return {
    get: (key) => properties.getProperty(key),
    set: (key, value) => {
      properties.setProperty(key, value);
    },
    delete: (key) => {
      properties.deleteProperty(key);
    },
    keys: () => properties.getKeys(),
  };
}

export function cacheStore(cache: GoogleAppsScript.Cache.Cache): Cache {
  return {
    get: (key) => cache.get(key),
    getAll: (keys) => (keys.length ? cache.getAll(keys) : {}),
    put: (key, value, ttl) => cache.put(key, value, ttl),
    putAll: (values, ttl) => {
      if (Object.keys(values).length) cache.putAll(values, ttl);
    },
    remove: (key) => cache.remove(key),
  };
}

export function lockOf(lock: GoogleAppsScript.Lock.Lock): Lock {
  return {
    tryLock: (ms) => lock.tryLock(ms),
    releaseLock: () => lock.releaseLock(),
  };
}

/** A lock fetched from LockService only when first taken: a formula answered from the cache asks for none. */
export function lazyLockOf(get: () => GoogleAppsScript.Lock.Lock): Lock {
  let lock: GoogleAppsScript.Lock.Lock | null = null;
  return {
    tryLock: (ms) => (lock ??= get()).tryLock(ms),
    releaseLock: () => lock?.releaseLock(),
  };
}
