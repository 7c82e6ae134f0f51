// The bulk job's planner: for one block of rows, which rows stay as they are, which are written
// from what is already known (an invalid identifier, a copy of a row settled with the same
// identifier), and which identifiers are fetched; then, with the engine's answers, the values and
// statuses to write, the counts, and where the block is cut (jobWorker.ts stopsBlock). No port:
// what the planner needs to know about rows outside the block (a row's duplicate, the cache, a
// settled row on the sheet) arrives as functions, so the slice decides what to read and when.
import type { EnrichResult } from './enrich';
import { identifierKey, isSettled, parseStatus, statusText, stopsBlock, type Fatal } from './jobWorker';
import { isSettledFor } from './jobOptions';
import type { JobCounts } from '../common/contract';
import type { ClassifiedIdentifier, IdentifierKind } from './types';

export type RowPlan =
  /** Left as it is; counted under `counted` (null: already counted, in the second pass). */
  | { action: 'keep'; counted: keyof JobCounts | null }
  | { action: 'write'; values: unknown[]; status: string; counted: keyof JobCounts }
  | { action: 'fetch'; fetchIndex: number };

export interface BlockRows {
  from: number;
  to: number;
  /** The block's result cells as on the sheet: status, then one per data column. */
  target: readonly unknown[][];
  identifier(row: number): ClassifiedIdentifier;
  /** The identifier cell as written by the user (what the engine is given). */
  source(row: number): unknown;
  /** The second pass: only failed rows are planned, the rest is kept (already counted). */
  retrying: boolean;
  /** Rows settled with the same fields are kept (counted as skipped). */
  skipSettled: boolean;
  /** The live pass is on: a row settled as "Not found" is not kept but tried again (jobOptions.ts isSettledFor). */
  liveRetry?: boolean;
  /** Rows a block killed before its commit may have written: this job's output, never skipped. */
  maybeOurs(row: number): boolean;
  /** Rows this slice settled so far, by identifierKey: their status and values. */
  settledHere: ReadonlyMap<string, unknown[]>;
  /** Data columns: the width of a blank row. */
  dataColumns: number;
}

export interface OutsideRows {
  /** The row whose outcome this row can take (duplicate plan), or null. */
  linkOf(row: number): number | null;
  /** Which of these identifiers the result cache holds, as identifierKey()s. */
  cachedKeys(ids: Array<{ kind: IdentifierKind; normalized: string }>): Set<string>;
  /** The row's status and values when it is settled and still holds this identifier, else null. */
  settledRowAt(row: number, key: string): unknown[] | null;
}

export interface BlockPlan {
  /** One per row from `from` to `to`. */
  rows: RowPlan[];
  /** The cells to fetch, in fetchIndex order. */
  fetchCells: unknown[];
  /** Rows kept that are settled: they answer for their identifier from now on. */
  keptSettled: Array<{ id: ClassifiedIdentifier; resultRow: unknown[] }>;
}

/** The engine's code for a row left for review under "leave it for me to check" (EnrichOptions.ambiguity). */
export const AMBIGUOUS_MATCH = 'ambiguous_match';

/** A row that failed and the second pass tries again (a row left for review is not one). */
export function isFailedRow(status: unknown, id: ClassifiedIdentifier): boolean {
  return parseStatus(status).kind === 'error' && id.kind !== 'blank' && id.kind !== 'invalid';
}

/** A settled row's outcome, written again for a row that repeats its identifier. */
export function copyPlan(resultRow: unknown[]): RowPlan {
  const settled = parseStatus(resultRow[0]);
  return { action: 'write', values: resultRow.slice(1), status: String(resultRow[0]), counted: settled.kind === 'enriched' ? 'enriched' : 'notFound' };
}

export function blankRow(width: number): string[] {
  return new Array<string>(width).fill('');
}

/** Rows to keep, write and fetch for one block. */
export function planBlock(block: BlockRows, outside: OutsideRows): BlockPlan {
  const { from, to, target } = block;
  const slots: Array<RowPlan | null> = new Array<RowPlan | null>(to - from + 1).fill(null);
  const fetchCells: unknown[] = [];
  const settled = new Map(block.settledHere);
  const keptSettled: BlockPlan['keptSettled'] = [];
  const fetch = (row: number): RowPlan => {
    fetchCells.push(block.source(row));
    return { action: 'fetch', fetchIndex: fetchCells.length - 1 };
  };
  // First the rows the block leaves as they are: the settled ones among them answer for their
  // identifier in the whole block, before them as well as after.
  for (let row = from; row <= to; row++) {
    const id = block.identifier(row);
    const current = target[row - from];
    if (block.retrying && !isFailedRow(current[0], id)) slots[row - from] = { action: 'keep', counted: null };
    else if (id.kind === 'blank') slots[row - from] = { action: 'keep', counted: 'skipped' };
    else if (block.skipSettled && !block.maybeOurs(row) && isSettledFor(parseStatus(current[0]), { live: block.liveRetry === true })) slots[row - from] = { action: 'keep', counted: 'skipped' };
    else continue;
    if ((id.kind === 'profile_url' || id.kind === 'business_email') && isSettled(parseStatus(current[0]))) {
      keptSettled.push({ id, resultRow: current });
      if (!settled.has(identifierKey(id))) settled.set(identifierKey(id), current);
    }
  }
  /** Rows repeating another row that this slice has not settled: decided once all are known. */
  const repeats: Array<{ at: number; row: number; link: number; key: string; id: { kind: IdentifierKind; normalized: string } }> = [];
  for (let row = from; row <= to; row++) {
    if (slots[row - from]) continue;
    const id = block.identifier(row);
    if (id.kind === 'invalid') {
      slots[row - from] = { action: 'write', values: blankRow(block.dataColumns), status: statusText({ kind: 'invalid', message: id.message }), counted: 'invalid' };
      continue;
    }
    if (id.kind === 'blank') continue; // kept above
    const key = identifierKey(id);
    const copy = settled.get(key);
    const link = copy ? null : outside.linkOf(row);
    if (copy) slots[row - from] = copyPlan(copy);
    else if (link === null) slots[row - from] = fetch(row);
    else repeats.push({ at: row - from, row, link, key, id });
  }
  if (repeats.length) {
    // A repeat of a row outside the block: the cache answers most of them without a request;
    // one whose answer the cache let go is copied from that row on the sheet, so no identifier
    // is requested twice. A repeat of a row inside the block does as that row did.
    const isOutside = (link: number) => link < from || link > to;
    const elsewhere = repeats.filter(({ link }) => isOutside(link));
    const cached = elsewhere.length ? outside.cachedKeys(elsewhere.map(({ id }) => id)) : new Set<string>();
    const copied = new Map<string, unknown[]>();
    for (const { at, row, link, key } of repeats) {
      let copy = copied.get(key);
      if (!copy && isOutside(link) && !cached.has(key)) {
        copy = outside.settledRowAt(link, key) ?? undefined;
        if (copy) copied.set(key, copy);
      }
      slots[at] = copy ? copyPlan(copy) : fetch(row);
    }
  }
  return { rows: slots as RowPlan[], fetchCells, keptSettled };
}

export interface WrittenBlock {
  /** Rows from..cut-1 are written; cut = to + 1 when the whole block is. */
  cut: number;
  /** A problem that stops every request with this key: the job pauses after writing what it has. */
  fatal: Fatal | null;
  /** Per row written: its status, then its values (not yet protected as text). */
  cells: unknown[][];
  /** The job's counts once the rows are written. */
  counts: JobCounts;
}

/**
 * The engine's answers laid onto the plan: rows up to the first the engine could not answer
 * (out of time, or a key problem that stops every request), so the cursor stays "first row not written".
 */
export function writeOut(
  block: Pick<BlockRows, 'from' | 'to' | 'target' | 'retrying' | 'dataColumns'>,
  plan: BlockPlan,
  result: EnrichResult | null,
  countsBefore: JobCounts,
  present: { flatten(person: Record<string, unknown>): unknown[]; date(epochMs: number): string },
): WrittenBlock {
  const { from, to, target } = block;
  let cut = to + 1;
  let fatal = result?.fatal ?? null;
  const cells: unknown[][] = [];
  const counts = { ...countsBefore };
  for (let row = from; row <= to; row++) {
    const index = row - from;
    const rowPlan = plan.rows[index];
    let values: unknown[];
    let status: unknown;
    let counted: keyof JobCounts | null;
    if (rowPlan.action === 'keep') {
      values = target[index].slice(1);
      status = target[index][0];
      counted = rowPlan.counted;
    } else if (rowPlan.action === 'write') {
      values = rowPlan.values;
      status = rowPlan.status;
      counted = rowPlan.counted;
    } else {
      const outcome = result!.outcomes[rowPlan.fetchIndex];
      const stop = stopsBlock(outcome);
      if (stop) {
        fatal = fatal ?? stop.fatal;
        cut = row;
        break;
      }
      if (outcome.status === 'matched') {
        values = present.flatten(outcome.person);
        status = statusText({ kind: 'enriched', date: present.date(outcome.fetchedAt) });
        counted = 'enriched';
      } else if (outcome.status === 'not_found') {
        values = blankRow(block.dataColumns);
        status = statusText({ kind: 'not_found' });
        counted = 'notFound';
      } else if (outcome.status === 'failed' && (outcome.code as string) === AMBIGUOUS_MATCH) {
        // "Leave it for me to check": no guess is written, and what the row had stays. Not a
        // failure: the second pass would get the same close call again.
        values = target[index].slice(1);
        status = statusText({ kind: 'review', message: outcome.message });
        counted = 'ambiguous';
      } else if (outcome.status === 'failed') {
        // A row that failed keeps what it had: a later run can fill it.
        values = target[index].slice(1);
        status = statusText({ kind: 'error', message: outcome.message });
        counted = 'failed';
      } else {
        // The engine classifies like the job does, so only an invalid row can land here.
        values = blankRow(block.dataColumns);
        status = statusText({ kind: 'invalid', message: outcome.status === 'invalid' ? outcome.message : 'Blank' });
        counted = 'invalid';
      }
    }
    cells.push([status, ...values]);
    if (counted !== null) {
      // A retried row leaves "failed" for whatever it is now (failed again included).
      if (block.retrying) counts.failed--;
      counts[counted] = (counts[counted] ?? 0) + 1;
    }
  }
  return { cut, fatal, cells, counts };
}
