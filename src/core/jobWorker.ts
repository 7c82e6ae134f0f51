// The worker under both long-running jobs, the bulk job (src/core/bulkJob.ts, sidebar slices of
// about 30 s) and Keep fresh (src/core/refresh.ts, one hourly run of 4.5 minutes): the lease that
// keeps two executions off one job, the commit protocol, the cut of a block at its first
// unanswered row, failures in a row, what a row's status cell says, and how cells are compared and
// written back. Pure: the lock and the stored records arrive as functions.
//
// ---- Kill-safety invariants --------------------------------------------------------------------
// Apps Script may end an execution between any two service calls (the 6-minute limit, a closed
// sidebar's call, a quota). Each job writes a block in this order, and a kill between any two
// steps leaves the state named after it:
//
//  1. claim    Under the document lock: read the record, take the lease if it is free or expired,
//              save. Killed before the save: nothing happened. After: the lease expires on its
//              own (the bulk job's after its slice's sending time, one request and a margin; the
//              refresh's after 7 minutes, longer than any execution), then anyone may claim.
//  2. announce Under the lock, only while this execution's token is still the lease: save the
//              block as pending, with what the job's counts and cursor become once it is written
//              and a digest of the cells it is about to write (cellsDigest). Killed before: the
//              block is not written and not counted. After: see 3.
//  3. write    The block's values, one setValues per run of rows and columns, the status column
//              last (a row's status is what says it is done). Killed in between: a resume finds
//              the pending block; where the cells hold exactly what the digest describes, the
//              block is taken as written, counted from the pending record and not written again;
//              otherwise it was not (entirely) written and is written again. So a row is written
//              twice only when a kill lands inside a block's own writes, or someone edits its
//              cells between the kill and the resume; either way with the same values, counted once.
//  4. confirm  Under the lock, while the lease holds: the cursor and counts of the pending block
//              become the job's, pending is cleared (the bulk job first adds its cursor pair of
//              row anchors, src/core/rowAnchors.ts, which is its commit point). Killed before: as 3.
//  5. release  Under the lock: the lease goes if it is still this token's. Killed before: it
//              expires by itself (1).
// A lost lease (another execution took over an expired one) makes every later commit refuse: the
// execution stops writing; the one holding the lease finds the pending block as in 3.
// A lock that cannot be had in time is never a reason to write without it: the commit is skipped
// (refresh: the next commit catches up) or the slice stops (bulk job: the previous block stands).
//
// ---- Why two ways of finding rows ---------------------------------------------------------------
// The bulk job anchors its range and cursor with row developer metadata: it runs as many short
// slices of 30 s while the user keeps editing, each must read only the rows it works on (a
// 30,000-row job would otherwise read its whole column every 30 s), and its range is fixed when it
// starts. Keep fresh runs once an hour over the whole enriched range and has to read every status
// anyway (a row is due by the date in its status cell), so one more read of the identifier column
// lets it find its place by identifier (the row above its cursor) at no extra cost; metadata would
// add writes that outlive the run for days, and a sheet holds only 30,000 characters of it, which
// the bulk job's anchors and column marks share. Both re-read the identifiers of a block just
// before writing it and write nothing when they moved.
import { ROW_MESSAGES } from '../common/messages';
import { toSheetValue } from './cellText';
import { FATAL_CODES } from './errors';
import { withLock, type Lock } from './ports';
import type { CellValue, ClassifiedIdentifier, RowOutcome } from './types';
import type { ErrorCode } from './errors';

// ---- Lease and commit -------------------------------------------------------------------------

export interface Lease {
  token: string;
  until: number;
}

/** A stored record that carries a lease (the bulk job's StoredJob, the refresh's RefreshState). */
export interface Leased {
  lease: Lease | null;
}

/** No execution holds the lease now: there is none, or it expired (its execution was killed). */
export function isLeaseFree(record: Leased, now: number): boolean {
  return !record.lease || record.lease.until <= now;
}

/** Takes the lease when it is free or expired (step 1); false when another execution holds it. */
export function claimLease(record: Leased, token: string, now: number, until: number): boolean {
  if (!isLeaseFree(record, now)) return false;
  record.lease = { token, until };
  return true;
}

export function holdsLease(record: Leased | null, token: string): boolean {
  return record?.lease?.token === token;
}

/** How a job's record is read and saved (document properties). */
export interface RecordIo<R extends Leased> {
  load(): R | null;
  save(record: R): void;
}

export type CommitResult<T> = { kind: 'saved'; value: T } | { kind: 'lost' } | { kind: 'busy' };

/**
 * Steps 2 and 4: under the lock, the latest record, only while this token holds its lease;
 * `apply` returns the record to save (or null to save nothing) and a value for the caller.
 */
export function commitUnderLease<R extends Leased, T>(
  lock: Lock,
  timeoutMs: number,
  io: RecordIo<R>,
  token: string,
  apply: (latest: R) => { save: R | null; value: T },
): CommitResult<T> {
  const outcome = withLock(lock, timeoutMs, (): CommitResult<T> => {
    const latest = io.load();
    if (!latest || !holdsLease(latest, token)) return { kind: 'lost' };
    const { save, value } = apply(latest);
    if (save) io.save(save);
    return { kind: 'saved', value };
  });
  return 'lockTimedOut' in outcome ? { kind: 'busy' } : outcome;
}

/** Step 5: lets go of the lease if it is still this token's. A kill or a busy lock leaves it to expire. */
export function releaseLease<R extends Leased>(lock: Lock, timeoutMs: number, io: RecordIo<R>, token: string): void {
  try {
    withLock(lock, timeoutMs, () => {
      const latest = io.load();
      if (latest && holdsLease(latest, token)) io.save({ ...latest, lease: null });
    });
  } catch {
    // A killed execution leaves the lease to expire on its own.
  }
}

// ---- Failures in a row --------------------------------------------------------------------------

/** One more unexpected failure: pause once `max` come in a row (a sheet that breaks every run must not spin). */
export function nextFailure(inARow: number, max: number): { inARow: number; pause: boolean } {
  const count = inARow + 1;
  return { inARow: count, pause: count >= max };
}

// ---- The cut: rows are written up to the first the engine could not answer -----------------------

export interface Fatal {
  code: ErrorCode;
  message: string;
}

/**
 * Whether an outcome stops the block at its row: not reached (out of time, the rate window) or
 * refused for a reason that stops every request with this key. Rows after it wait, so the cursor
 * always means "first row not written".
 */
export function stopsBlock(outcome: RowOutcome): { fatal: Fatal | null } | null {
  if (outcome.status === 'pending') return { fatal: null };
  if (outcome.status === 'failed' && FATAL_CODES.has(outcome.code)) return { fatal: { code: outcome.code, message: outcome.message } };
  return null;
}

/** The rows answered before the first one that stops the block, and the fatal problem if any. */
export function answeredPrefix(outcomes: readonly RowOutcome[], fatal?: Fatal | null): { cut: number; fatal: Fatal | null } {
  for (let k = 0; k < outcomes.length; k++) {
    const stop = stopsBlock(outcomes[k]);
    if (stop) return { cut: k, fatal: fatal ?? stop.fatal };
  }
  return { cut: outcomes.length, fatal: fatal ?? null };
}

// ---- Identifiers and cells ----------------------------------------------------------------------

/** How one identifier is named in the jobs' maps and the engine's cachedKeys. */
export const identifierKey = (id: { kind: string; normalized: string }) => `${id.kind} ${id.normalized}`;

/** identifierKey for an identifier worth a request; null for a blank or invalid cell. */
export function requestableKey(id: ClassifiedIdentifier): string | null {
  return id.kind === 'profile_url' || id.kind === 'business_email' ? identifierKey(id) : null;
}

/** Two readings of a cell are the same identifier (what a block was planned for). */
export function identityOf(id: ClassifiedIdentifier): string {
  if (id.kind === 'blank') return 'blank';
  if (id.kind === 'invalid') return `invalid ${id.message}`;
  return identifierKey(id);
}

/** Values read back from the sheet come without their text marker: protect them again (dates stay dates). */
export function protectRead(value: unknown): CellValue {
  if (Object.prototype.toString.call(value) === '[object Date]') return value as unknown as CellValue;
  return toSheetValue(value);
}

/** What a cell holds after a write of `value`: the text marker is not stored. */
export function storedForm(value: unknown): unknown {
  const written = protectRead(value);
  return typeof written === 'string' && written.startsWith("'") ? written.slice(1) : written;
}

function cellText(value: unknown): string {
  if (value === null || value === undefined || value === '') return '';
  if (Object.prototype.toString.call(value) === '[object Date]') return `d${(value as Date).getTime()}`;
  if (typeof value === 'number') return `n${value}`;
  if (typeof value === 'boolean') return `b${value}`;
  return `t${String(value)}`;
}

/**
 * A short digest of a block of cells as Sheets holds them: of the values a job is about to write
 * (`written`: with text markers, which Sheets does not store) or of the same cells read back
 * (`read`). 64 bits of FNV-1a, so two different blocks share one by chance about once in 10^19.
 */
export function cellsDigest(rows: readonly (readonly unknown[])[], side: 'written' | 'read'): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ rows.length;
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      a = Math.imul(a ^ code, 0x01000193);
      b = Math.imul(b ^ code, 0x5bd1e995);
    }
  };
  for (const row of rows) {
    feed('\u0001');
    for (const cell of row) {
      feed(cellText(side === 'written' ? storedForm(cell) : cell));
      feed('\u0000');
    }
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

// ---- Row statuses: the one place their texts are written and read --------------------------------

export type RowStatus =
  | { kind: 'enriched'; date: string }
  | { kind: 'not_found' }
  | { kind: 'invalid'; message: string }
  | { kind: 'error'; message: string }
  /** Left for the user to check ("leave it for me to check"): the text says why (matches.ts ambiguousStatus). */
  | { kind: 'review'; message: string }
  | { kind: 'none' };

const ENRICHED = /^Enriched (\d{4}-\d{2}-\d{2})$/;
/** Keep fresh's "Not found": dated, and saying whether the row kept its earlier data (notFoundStatus). */
const NOT_FOUND_ON_REFRESH = /^Not found (\d{4}-\d{2}-\d{2})(?:; kept (?:data from (\d{4}-\d{2}-\d{2})|(earlier data)))?$/;
const INVALID_PREFIX = 'Invalid identifier: ';
const ERROR_PREFIX = 'Error: ';
const NOT_FOUND = ROW_MESSAGES.notFound;
/** How matches.ts ambiguousStatus begins. */
const REVIEW_PREFIX = 'Ambiguous: ';

export function statusText(status: RowStatus): string {
  switch (status.kind) {
    case 'enriched':
      return `Enriched ${status.date}`;
    case 'not_found':
      return NOT_FOUND;
    case 'invalid':
      return INVALID_PREFIX + status.message;
    case 'error':
      return ERROR_PREFIX + status.message;
    case 'review':
      return status.message.startsWith(REVIEW_PREFIX) ? status.message : REVIEW_PREFIX + status.message;
    case 'none':
      return '';
  }
}

/** A status cell as the bulk job reads it: Keep fresh's dated "Not found" is as settled as its own. */
export function parseStatus(cell: unknown): RowStatus {
  const text = typeof cell === 'string' ? cell.trim() : '';
  const enriched = ENRICHED.exec(text);
  if (enriched) return { kind: 'enriched', date: enriched[1] };
  if (text === NOT_FOUND || NOT_FOUND_ON_REFRESH.test(text)) return { kind: 'not_found' };
  if (text.startsWith(INVALID_PREFIX)) return { kind: 'invalid', message: text.slice(INVALID_PREFIX.length) };
  if (text.startsWith(ERROR_PREFIX)) return { kind: 'error', message: text.slice(ERROR_PREFIX.length) };
  if (text.startsWith(REVIEW_PREFIX)) return { kind: 'review', message: text };
  return { kind: 'none' };
}

/** A row whose data is as good as a fresh request with the same fields would make it. */
export function isSettled(status: RowStatus): boolean {
  return status.kind === 'enriched' || status.kind === 'not_found';
}

export type RefreshRowStatus =
  | { kind: 'enriched'; date: string }
  /** checked: when the refresh last found nothing (null: the bulk job's plain "Not found"). */
  | { kind: 'not_found'; checked: string | null; keptFrom: string | null; keptData: boolean }
  | { kind: 'error' }
  | { kind: 'invalid' }
  | { kind: 'none' };

/** A status cell as Keep fresh reads it: the bulk job's statuses plus its own dated "Not found". */
export function parseRefreshStatus(cell: unknown): RefreshRowStatus {
  const text = typeof cell === 'string' ? cell.trim() : '';
  const mine = NOT_FOUND_ON_REFRESH.exec(text);
  if (mine) return { kind: 'not_found', checked: mine[1], keptFrom: mine[2] ?? null, keptData: Boolean(mine[2] || mine[3]) };
  const status = parseStatus(cell);
  switch (status.kind) {
    case 'enriched':
      return { kind: 'enriched', date: status.date };
    case 'not_found':
      return { kind: 'not_found', checked: null, keptFrom: null, keptData: false };
    case 'error':
      return { kind: 'error' };
    case 'invalid':
      return { kind: 'invalid' };
    // A row left for the user to check stays theirs: Keep fresh does not fill it with a guess.
    case 'review':
    default:
      return { kind: 'none' };
  }
}

/** A row not found on refresh keeps its data; its status says so and since when. */
export function notFoundStatus(checked: string, previous: RefreshRowStatus, hadData: boolean): string {
  const keptFrom = previous.kind === 'enriched' ? previous.date : previous.kind === 'not_found' ? previous.keptFrom : null;
  if (keptFrom) return `Not found ${checked}; kept data from ${keptFrom}`;
  if (hadData || (previous.kind === 'not_found' && previous.keptData)) return `Not found ${checked}; kept earlier data`;
  return `Not found ${checked}`;
}
