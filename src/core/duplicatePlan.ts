// Which rows of a bulk job repeat another row's identifier, kept in document properties for the
// rows ahead of the cursor, so a slice finds a duplicate's earlier row without reading the whole
// identifier column again: one full read per pass (and per PLAN_CHUNK_ROWS × MAX_PLAN_CHUNKS
// rows), instead of one per slice. Offsets count from the job's first data row; rows inserted or
// deleted inside the range change the row count, and the plan is then built again.
import type { KeyValueStore } from './ports';

export type Pass = 1 | 2;

export const DUPLICATE_PLAN_PREFIX = 'crustdata.dups.';
/** Rows per stored chunk: 800 links of at most 9 characters stay under the 9 KB property limit. */
export const PLAN_CHUNK_ROWS = 800;
/** Chunks one build stores (12,800 rows); past them the plan is built again from the cursor. */
export const MAX_PLAN_CHUNKS = 16;
/** Characters one build stores at most: the document's properties hold 500 KB in all. */
export const MAX_PLAN_CHARS = 40_000;

/** What the job state keeps about the stored plan (src/core/jobState.ts, `dups`). */
export interface PlanHeader {
  /** Names one build: chunks of another build (overwritten, or left by a kill) are not trusted. */
  tag: string;
  pass: Pass;
  /** Data rows when it was built. */
  rows: number;
  /** Offsets stored: from..upTo-1, whole chunks. */
  from: number;
  upTo: number;
}

/**
 * For each row (by offset), the row whose outcome it can take when its identifier repeats, -1
 * where there is none. First pass: the nearest earlier row with the identifier; it was written
 * after every earlier one, so it is settled when any of them is (it copied from them, or fetched
 * because none was). Second pass: the last row with it, settled for the same reason when any row
 * is. `keys` holds each row's identifier key, null for blank and invalid cells.
 */
export function linkDuplicates(keys: Array<string | null>, pass: Pass): Int32Array {
  const links = new Int32Array(keys.length).fill(-1);
  const seen = new Map<string, number>();
  if (pass === 1) {
    keys.forEach((key, offset) => {
      if (key === null) return;
      const before = seen.get(key);
      if (before !== undefined) links[offset] = before;
      seen.set(key, offset);
    });
  } else {
    keys.forEach((key, offset) => {
      if (key !== null) seen.set(key, offset);
    });
    keys.forEach((key, offset) => {
      const last = key === null ? undefined : seen.get(key);
      if (last !== undefined && last !== offset) links[offset] = last;
    });
  }
  return links;
}

const chunkKey = (sheetId: number, chunk: number) => `${DUPLICATE_PLAN_PREFIX}${sheetId}.${chunk}`;

function encodeChunk(tag: string, links: Int32Array, chunk: number): string {
  const start = chunk * PLAN_CHUNK_ROWS;
  const pairs: string[] = [];
  for (let offset = start; offset < Math.min(links.length, start + PLAN_CHUNK_ROWS); offset++) {
    if (links[offset] >= 0) pairs.push(`${(offset - start).toString(36)}:${links[offset].toString(36)}`);
  }
  return JSON.stringify({ t: tag, d: pairs.join(',') });
}

/**
 * Stores the chunks from the one holding `fromOffset` on, as many as the limits allow (always
 * the first), every chunk written even when it holds no link, so a missing one means "unknown".
 * Returns the header to save with the job, after the chunks: a kill in between leaves the old
 * header, whose tag the new chunks do not carry.
 */
export function savePlan(store: KeyValueStore, sheetId: number, tag: string, pass: Pass, links: Int32Array, fromOffset: number): PlanHeader {
  const first = Math.floor(fromOffset / PLAN_CHUNK_ROWS);
  let chunk = first;
  let chars = 0;
  while (chunk * PLAN_CHUNK_ROWS < links.length && chunk - first < MAX_PLAN_CHUNKS) {
    const value = encodeChunk(tag, links, chunk);
    if (chunk > first && chars + value.length > MAX_PLAN_CHARS) break;
    store.set(chunkKey(sheetId, chunk), value);
    chars += value.length;
    chunk++;
  }
  return { tag, pass, rows: links.length, from: first * PLAN_CHUNK_ROWS, upTo: Math.min(links.length, Math.max(chunk, first) * PLAN_CHUNK_ROWS) };
}

/** One stored chunk: offset within it -> linked offset; null when it is not this build's. */
export function readPlanChunk(store: KeyValueStore, sheetId: number, header: PlanHeader, chunk: number): Map<number, number> | null {
  const raw = store.get(chunkKey(sheetId, chunk));
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { t?: unknown; d?: unknown } | null;
    if (!parsed || parsed.t !== header.tag || typeof parsed.d !== 'string') return null;
    const links = new Map<number, number>();
    for (const pair of parsed.d ? parsed.d.split(',') : []) {
      const [offset, linked] = pair.split(':').map((part) => parseInt(part, 36));
      if (!(offset >= 0 && offset < PLAN_CHUNK_ROWS && linked >= 0 && linked < header.rows)) return null;
      links.set(offset, linked);
    }
    return links;
  } catch {
    return null;
  }
}

/** Whether the header's stored chunks hold this offset for this pass and row count. */
export function planCovers(header: PlanHeader | undefined, pass: Pass, rows: number, offset: number): header is PlanHeader {
  return header !== undefined && header.pass === pass && header.rows === rows && offset >= header.from && offset < header.upTo;
}

/** Removes the sheet's plan chunks, but those of `keep` (best effort: leftovers are harmless). */
export function clearPlan(store: KeyValueStore, sheetId: number, keep?: PlanHeader): void {
  const prefix = `${DUPLICATE_PLAN_PREFIX}${sheetId}.`;
  try {
    for (const key of store.keys()) {
      if (!key.startsWith(prefix)) continue;
      const offset = Number(key.slice(prefix.length)) * PLAN_CHUNK_ROWS;
      if (keep && offset >= keep.from && offset < keep.upTo) continue;
      store.delete(key);
    }
  } catch {
    // Out of time or quota: the next build or the next job removes them.
  }
}
