// Person results cached per normalized identifier and field selection, within CacheService's
// limits (https://developers.google.com/apps-script/reference/cache/cache): keys <= 250 chars,
// values <= 100 KB, at most 6 h. One getAll to read a batch, one putAll to write one; never throws.
import * as z from 'zod/mini';
import type { Cache, Clock, Hasher } from './ports';
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
const PACK_PREFIX = 'cd:pack1:';
/**
 * Packs the result entries of single-cell formulas share (see PackedResultCache): enough that a
 * column of about 10,000 default-field results fits (about 2 KB each, under 100 KB a pack), few
 * enough to leave most of the document cache's ~1,000 items to everything else.
 */
export const RESULT_PACKS = 300;

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

// ---- Packs: many results in one cache item ------------------------------------------------------
//
// A column of filled-down formulas runs as thousands of executions, each looking up its own row.
// One cache item per result stops working past about 900 rows: CacheService keeps about 1,000
// items and, when full, keeps only the 900 farthest from expiry, so the rows fetched first are
// dropped before their cells run. Packs put every result entry in one of RESULT_PACKS items,
// chosen by the entry's own key (already a hash of identifier and field selection), so a cell
// finds its pack from its identifier alone, without reading the column. Inside a pack the entries
// stay keyed per identifier and selection, with their own expiry. Writing a pack is a
// read-modify-write: callers hold the document lock while the engine writes (the custom function
// fetches under it), so two writers never lose each other's entries.

type PackEntries = Record<string, [expiresAt: number, value: unknown]>;

/** The result entry keys' pack: the same key always lands in the same pack. */
export function packKeyFor(resultKey: string): string | null {
  if (!resultKey.startsWith(KEY_PREFIX)) return null;
  const bucket = parseInt(resultKey.slice(KEY_PREFIX.length, KEY_PREFIX.length + 8), 16);
  return Number.isFinite(bucket) ? PACK_PREFIX + (bucket % RESULT_PACKS) : null;
}

function readPack(raw: string | undefined, now: number): PackEntries {
  if (!raw) return {};
  try {
    const json = JSON.parse(raw) as { e?: unknown };
    if (!json || typeof json.e !== 'object' || json.e === null) return {};
    const entries: PackEntries = {};
    for (const [key, entry] of Object.entries(json.e as Record<string, unknown>)) {
      if (Array.isArray(entry) && typeof entry[0] === 'number' && entry[0] > now) entries[key] = [entry[0], entry[1]];
    }
    return entries;
  } catch {
    return {};
  }
}

/** The pack as JSON under maxBytes, dropping the oldest-written entries first if it must. */
export function encodePack(entries: PackEntries, maxBytes = MAX_CACHE_VALUE_BYTES): string {
  const keys = Object.keys(entries);
  let text = JSON.stringify({ e: entries });
  while (keys.length && utf8Length(text) > maxBytes) {
    // Drop about the share that is too much (at least one entry), oldest first, and measure again.
    const excess = Math.max(1, Math.ceil((keys.length * (utf8Length(text) - maxBytes)) / utf8Length(text)));
    for (const key of keys.splice(0, excess)) delete entries[key];
    text = JSON.stringify({ e: entries });
  }
  return text;
}

/**
 * The result cache as the engine sees it, with result entries stored in packs. Other keys
 * (failure memos) pass through. Reads also find entries stored one per item (by the sidebar's
 * job, range formulas, or earlier versions).
 */
export class PackedResultCache implements Cache {
  constructor(
    private readonly inner: Cache,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  get(key: string): string | null {
    return this.getAll([key])[key] ?? null;
  }

  getAll(keys: string[]): Record<string, string> {
    const packKeys = new Set<string>();
    for (const key of keys) {
      const pack = packKeyFor(key);
      if (pack) packKeys.add(pack);
    }
    const raw = this.inner.getAll([...new Set([...keys, ...packKeys])]);
    const now = this.clock.now();
    const packs = new Map<string, PackEntries>();
    const found: Record<string, string> = {};
    for (const key of keys) {
      const pack = packKeyFor(key);
      if (pack) {
        if (!packs.has(pack)) packs.set(pack, readPack(raw[pack], now));
        const entry = packs.get(pack)![key.slice(KEY_PREFIX.length)];
        if (entry) {
          found[key] = JSON.stringify(entry[1]);
          continue;
        }
      }
      if (raw[key] !== undefined) found[key] = raw[key];
    }
    return found;
  }

  put(key: string, value: string, ttlSeconds: number): void {
    this.putAll({ [key]: value }, ttlSeconds);
  }

  putAll(values: Record<string, string>, ttlSeconds: number): void {
    const plain: Record<string, string> = {};
    const byPack = new Map<string, Array<[string, string]>>();
    for (const [key, value] of Object.entries(values)) {
      const pack = packKeyFor(key);
      if (!pack) plain[key] = value;
      else byPack.set(pack, [...(byPack.get(pack) ?? []), [key.slice(KEY_PREFIX.length), value]]);
    }
    if (Object.keys(plain).length) this.inner.putAll(plain, ttlSeconds);
    if (!byPack.size) return;
    const now = this.clock.now();
    const expiresAt = now + Math.min(ttlSeconds, RESULT_TTL_SECONDS) * 1000;
    const current = this.inner.getAll([...byPack.keys()]);
    const packs: Record<string, string> = {};
    for (const [pack, added] of byPack) {
      const entries = readPack(current[pack], now);
      for (const [key, value] of added) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(value);
        } catch {
          continue;
        }
        delete entries[key]; // re-inserted last: the newest entries are dropped last
        entries[key] = [expiresAt, parsed];
      }
      packs[pack] = encodePack(entries);
    }
    this.inner.putAll(packs, RESULT_TTL_SECONDS);
  }

  remove(key: string): void {
    this.inner.remove(key);
    const pack = packKeyFor(key);
    if (!pack) return;
    const entries = readPack(this.inner.get(pack) ?? undefined, this.clock.now());
    if (!(key.slice(KEY_PREFIX.length) in entries)) return;
    delete entries[key.slice(KEY_PREFIX.length)];
    this.inner.put(pack, encodePack(entries), RESULT_TTL_SECONDS);
  }
}
