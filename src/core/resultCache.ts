// Person results cached per normalized identifier and field selection, within CacheService's
// limits (https://developers.google.com/apps-script/reference/cache/cache): keys <= 250 chars,
// values <= 100 KB, at most 6 h. One getAll to read a batch, one putAll to write one; never throws.
import * as z from 'zod/mini';
import type { Cache, Hasher } from './ports';
import { lazySchema, personDataSchema } from './schemas';
import type { IdentifierKind, PersonData } from './types';

export const RESULT_TTL_SECONDS = 21_600;
/** "Not found" may change sooner (a profile gets indexed): such entries count for an hour. */
export const NOT_FOUND_MAX_AGE_MS = 60 * 60 * 1000;
/** CacheService's value limit, in UTF-8 bytes, less room for the envelope. */
export const MAX_CACHE_VALUE_BYTES = 100 * 1024 - 512;
/** A cell holds at most 50,000 characters: no longer string can ever be shown whole. */
export const MAX_CELL_CHARS = 50_000;
const KEY_PREFIX = 'cd:r1:';

export interface CachedResult {
  /** null: the API had no match. */
  person: PersonData | null;
  fetchedAt: number;
}

export interface IdentifierRef {
  kind: IdentifierKind;
  normalized: string;
}

const cachedValueSchema = lazySchema(() =>
  z.union([
    z.object({ person: personDataSchema(), fetchedAt: z.number() }),
    z.object({ notFound: z.literal(true), fetchedAt: z.number() }),
  ]),
);

/**
 * A hash is a Utilities.computeDigest call in Apps Script, and one execution asks for the same
 * ones again and again (a cache key when reading, again when writing, again when the next block
 * reads its fillers; the key's fingerprint on every engine call). The memo is keyed by the hasher,
 * a constant of the adapter that lives as long as the bundle's module state, one execution in
 * Apps Script, so each text is hashed once per execution.
 */
const memoizedHashers = new WeakMap<Hasher, Hasher>();
const memoHashers = new WeakSet<Hasher>();
/** Bounds the memo's memory (about 1 KB an entry at worst) in a very long execution. */
export const MAX_MEMOIZED_HASHES = 10_000;

/** The same hasher, remembering what it has hashed; the same wrapper for the same hasher. */
export function memoizedHasher(hasher: Hasher): Hasher {
  if (memoHashers.has(hasher)) return hasher;
  let memo = memoizedHashers.get(hasher);
  if (!memo) {
    const seen = new Map<string, string>();
    memo = {
      sha256Hex(text) {
        let hex = seen.get(text);
        if (hex === undefined) {
          if (seen.size >= MAX_MEMOIZED_HASHES) seen.clear();
          hex = hasher.sha256Hex(text);
          seen.set(text, hex);
        }
        return hex;
      },
    };
    memoizedHashers.set(hasher, memo);
    memoHashers.add(memo);
  }
  return memo;
}

export class ResultCache {
  private readonly hasher: Hasher;

  constructor(
    private readonly cache: Cache,
    hasher: Hasher,
    /** From catalog.selectionKey: the same selection gives the same key. */
    private readonly selectionKey: string,
  ) {
    this.hasher = memoizedHasher(hasher);
  }

  keyFor(id: IdentifierRef): string {
    return KEY_PREFIX + this.hasher.sha256Hex(`${id.kind}\n${id.normalized}\n${this.selectionKey}`);
  }

  /**
   * Fresh results for the identifiers, by refKey(id). `maxAgeMs` (a refresh threshold) makes
   * older entries count as missing; "not found" never counts for longer than NOT_FOUND_MAX_AGE_MS.
   */
  getMany(ids: IdentifierRef[], now: number, maxAgeMs?: number): Map<string, CachedResult> {
    const found = new Map<string, CachedResult>();
    if (!ids.length) return found;
    const keys = ids.map((id) => this.keyFor(id));
    let values: Record<string, string>;
    try {
      values = this.cache.getAll(keys);
    } catch {
      return found;
    }
    ids.forEach((id, i) => {
      const result = decodeCachedResult(values[keys[i]]);
      if (!result) return;
      const age = now - result.fetchedAt;
      if (maxAgeMs != null && age > maxAgeMs) return;
      if (result.person === null && age > NOT_FOUND_MAX_AGE_MS) return;
      found.set(refKey(id), result);
    });
    return found;
  }

  /** Writes all entries in one putAll; a value that cannot be shrunk under the limit is skipped. */
  putMany(entries: Array<{ id: IdentifierRef; result: CachedResult }>): { written: number; skipped: number } {
    const values: Record<string, string> = {};
    let written = 0;
    let skipped = 0;
    for (const { id, result } of entries) {
      const encoded = encodeCachedResult(result);
      if (encoded === null) skipped++;
      else {
        values[this.keyFor(id)] = encoded;
        written++;
      }
    }
    if (!written) return { written, skipped };
    try {
      this.cache.putAll(values, RESULT_TTL_SECONDS);
    } catch {
      // The cache is an optimisation: a refused write costs a later request, never the run.
      return { written: 0, skipped: skipped + written };
    }
    return { written, skipped };
  }
}

export function refKey(id: IdentifierRef): string {
  return `${id.kind}:${id.normalized}`;
}

/**
 * JSON within MAX_CACHE_VALUE_BYTES, or null. Oversized values are shrunk by cutting the longest
 * strings: first to what a cell can show anyway, then harder, marking each cut with "…".
 */
export function encodeCachedResult(result: CachedResult, maxBytes = MAX_CACHE_VALUE_BYTES): string | null {
  const envelope = (person: PersonData | null) =>
    JSON.stringify(person === null ? { notFound: true, fetchedAt: result.fetchedAt } : { person, fetchedAt: result.fetchedAt });
  let text = envelope(result.person);
  if (utf8Length(text) <= maxBytes || result.person === null) return utf8Length(text) <= maxBytes ? text : null;
  for (const limit of [MAX_CELL_CHARS, 10_000, 2_000, 500]) {
    text = envelope(truncateStrings(result.person, limit) as PersonData);
    if (utf8Length(text) <= maxBytes) return text;
  }
  return null;
}

export function decodeCachedResult(raw: string | undefined | null): CachedResult | null {
  if (!raw) return null;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return null;
  }
  const parsed = cachedValueSchema().safeParse(json);
  if (!parsed.success) return null;
  const value = parsed.data;
  return 'person' in value ? { person: value.person, fetchedAt: value.fetchedAt } : { person: null, fetchedAt: value.fetchedAt };
}

function truncateStrings(value: unknown, maxChars: number): unknown {
  if (typeof value === 'string') return value.length > maxChars ? `${value.slice(0, maxChars - 1)}…` : value;
  if (Array.isArray(value)) return value.map((item) => truncateStrings(item, maxChars));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = truncateStrings(item, maxChars);
    return out;
  }
  return value;
}

/** UTF-8 byte length without TextEncoder (absent in Apps Script). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
