// The bulk job: enriches one identifier column in blocks of rows, each block one engine call,
// one setValues for its values and one for its status cells, and saves its cursor after every
// block, so a killed execution loses nothing and a resume does not write a block again that it
// finds written (the commit protocol and its invariants: src/core/jobWorker.ts). What each block
// keeps, copies, writes and fetches is the planner's (src/core/blockPlan.ts); every change of the
// job's state goes through src/core/jobLifecycle.ts. Its rows are
// anchored with row metadata (src/core/rowAnchors.ts) and re-read every slice, so rows the user
// inserts or deletes meanwhile move nothing. A slice reads only the rows it works on; repeats of
// rows above them are found through the duplicate plan (src/core/duplicatePlan.ts), so a whole
// job reads in proportion to its rows.
// Pure: the sheet, document properties, lock, clock and engine arrive through ports.
import { columnSpec, columnsFor, creditsPerMatch, parseFieldSelection, selectionEntries, selectionKey, type Column } from './catalog';
import { CHANGE_HIGHLIGHT } from './changeTracking';
import { toSheetValue } from './cellText';
import { MAX_IDENTIFIERS_PER_REQUEST as MAX_PER_REQUEST, requestCount } from './crustdataClient';
import { compileFlattener } from './flatten';
import type { EnrichResult } from './enrich';
import { isEnrichError } from './errors';
import { PROBLEMS } from '../common/messages';
import { classifyIdentifier } from './identifiers';
import { checkJobOptions, engineOptionsOf, isDefaultJobOptions, isSettledFor, type JobApiOptions } from './jobOptions';
import {
  emptyCounts,
  findJob,
  isActive,
  listJobs,
  loadJob,
  saveJob,
  saveSettings,
  toProgress,
  type StoredJob,
} from './jobState';
import { withLock, type Clock, type JobEngine, type KeyValueStore, type Lock, type SheetGateway } from './ports';
import {
  cellsDigest,
  claimLease,
  commitUnderLease,
  identifierKey,
  identityOf,
  isSettled,
  nextFailure,
  parseStatus,
  protectRead,
  releaseLease,
  type RecordIo,
} from './jobWorker';
import { flushingJobDeps } from './sheetFlush';
import { addToHistory, type FetchQuota, capMessage, capReached, creditBudget, emptyHistory, likelyCredits, liveCredits, loadHistory, saveHistory } from './spend';
import { lifecycleOf, transition, type JobEvent } from './jobLifecycle';
import { isFailedRow, planBlock, writeOut } from './blockPlan';
import { clearPlan, linkDuplicates, planCovers, PLAN_CHUNK_ROWS, readPlanChunk, savePlan, type Pass, type PlanHeader } from './duplicatePlan';
import { cursorAnchors, resolveRows, startAnchors, type PendingBlock, type RowResolution } from './rowAnchors';
import {
  carryCellMarks,
  changesColumnsShift,
  contiguousStart,
  fieldMoves,
  findConflicts,
  layoutMarks,
  rangeA1,
  readLayouts,
  rowRuns,
  sheetRangeA1,
  STATUS_HEADER,
  type ChangesMark,
  type ColumnInsertion,
  type ColumnMark,
  type ConflictReport,
  type Layout,
} from './sheetTarget';
import type { CellValue, ClassifiedIdentifier, FieldSelection, IdentifierKind } from './types';
import type {
  ConflictChoice,
  Estimate,
  JobProgress,
  SelectFailedResult,
  StartJobResponse,
} from '../common/contract';

export interface JobTuning {
  /** Rows per block: one engine call and two setValues each. */
  blockSize: number;
  /** Time a slice may start requests in; a sidebar call lasts about this plus one request. */
  sliceBudgetMs: number;
  /** The longest one request may take (UrlFetch gives up at about 60 s). */
  maxRequestMs: number;
  /** How long the document lock is awaited for a state update. */
  lockTimeoutMs: number;
  /** Consecutive failed slices (sheet or transport trouble) before the job pauses itself. */
  maxConsecutiveErrors: number;
}

export const DEFAULT_TUNING: JobTuning = {
  blockSize: 50,
  sliceBudgetMs: 30_000,
  maxRequestMs: 60_000,
  lockTimeoutMs: 10_000,
  maxConsecutiveErrors: 5,
};

export interface JobDeps {
  gateway: SheetGateway;
  /** Document properties. */
  store: KeyValueStore;
  /** Document lock: held only for a state read-modify-write, never for a whole slice. */
  lock: Lock;
  clock: Clock;
  engine: JobEngine;
  newId(): string;
  tuning?: Partial<JobTuning>;
  /** This user's UrlFetch calls left today (src/core/spend.ts); absent: not counted. */
  fetchQuota?: FetchQuota;
}

/** The identifier column of a job, its sheet named by id as well as by name. */
export interface JobSource {
  sheetId: number;
  sheetName: string;
  column: number;
  /** The header row when hasHeader, else the first data row. */
  firstRow: number;
  lastRow: number;
  hasHeader: boolean;
}

export interface Placement {
  onConflict?: ConflictChoice;
  targetColumn?: number;
}

export interface StartOptions extends Placement {
  fields: string[];
  reenrich: boolean;
  continueInBackground?: boolean;
  /** The most the job may be charged, in credits; null or absent: no cap. */
  creditCap?: number | null;
  /** Match and freshness options (jobOptions.ts); absent: the defaults. */
  options?: Partial<JobApiOptions>;
}

/** Which identifiers the result cache holds for a job with these options (JobEngine.cachedKeys). */
function cachedKeysFor(
  engine: JobEngine,
  ids: Array<{ kind: IdentifierKind; normalized: string }>,
  selection: FieldSelection,
  options: JobApiOptions,
  startedAt: number,
  now: number,
): Set<string> {
  const { api, maxCacheAgeMs } = engineOptionsOf(options, startedAt, now);
  return engine.cachedKeys(ids, selection, api, maxCacheAgeMs);
}

const tuningOf = (deps: JobDeps): JobTuning => ({ ...DEFAULT_TUNING, ...deps.tuning });

// ---- Where the results go ------------------------------------------------------------------

export interface TargetPlan {
  firstColumn: number;
  /** Status column plus one per data column. */
  numColumns: number;
  columns: Column[];
  /** Columns of earlier layouts of this same identifier column: the add-on's to rewrite. */
  ownedColumns: Set<number>;
  /** The refresh's Changes columns on the sheet. */
  changesMarks: ChangesMark[];
  /** Columns to insert first so that this range's Changes column moves out of the new columns' way. */
  changesShift: ColumnInsertion | null;
  /** An earlier layout right there with exactly these columns and selection: its rows can be skipped. */
  sameSelectionLayout: Layout | null;
  conflicts: ConflictReport;
  /** Why this place cannot be used at all (e.g. it covers the identifiers). */
  invalidReason: string | null;
}

export function planTarget(deps: JobDeps, source: JobSource, selection: FieldSelection, placement: Placement): TargetPlan {
  const columns = columnsFor(selection);
  const numColumns = columns.length + 1;
  const layouts = [...readLayouts(deps.gateway.readColumnMarks(source.sheetId)).values()];
  const ofThisSource = layouts.filter((layout) => layout.sourceColumn === source.column);
  const ownedColumns = new Set<number>();
  for (const layout of ofThisSource) {
    if (layout.statusColumn !== null) ownedColumns.add(layout.statusColumn);
    for (const column of layout.dataColumns.values()) ownedColumns.add(column);
  }
  // The refresh adds a Changes column right after a layout's results: re-enriching with more
  // fields grows into it. Its history is this range's when its layout is of this identifier
  // column, or gone (the refresh adopts such a column for the next layout of the range); it is
  // then moved out of the way, never written over. Any other Changes column counts as the user's.
  const changesMarks = deps.gateway.readChangesMarks(source.sheetId);
  const liveLayouts = new Set(layouts.map((layout) => layout.id));
  const ofThisSourceIds = new Set(ofThisSource.map((layout) => layout.id));
  const rangeChanges = changesMarks.filter((mark) => ofThisSourceIds.has(mark.layoutId) || !liveLayouts.has(mark.layoutId)).map((mark) => mark.column);

  let firstColumn: number;
  if (placement.onConflict === 'elsewhere' && placement.targetColumn !== undefined) firstColumn = placement.targetColumn;
  else if (placement.onConflict === 'insert') firstColumn = source.column + 1;
  else {
    // Results already written for this column, wherever they moved, are where new ones go.
    const placed = ofThisSource
      .map((layout) => layout.statusColumn)
      .filter((column): column is number => column !== null)
      .sort((a, b) => (a > source.column ? a : a + 1e6) - (b > source.column ? b : b + 1e6));
    firstColumn = placed[0] ?? source.column + 1;
  }

  let invalidReason: string | null = null;
  if (firstColumn <= source.column && firstColumn + numColumns - 1 >= source.column) {
    invalidReason = `The results need ${numColumns} columns from the chosen column on, and that would cover the identifiers. Choose a column to their right, or further left.`;
  }

  const ids = columns.map((column) => column.id);
  const key = selectionKey(selection);
  const sameSelectionLayout =
    ofThisSource.find((layout) => layout.statusColumn === firstColumn && layout.selectionKey === key && contiguousStart(layout, ids) === firstColumn) ?? null;

  // 'insert' puts fresh columns in anyway, and a range that is refused moves nothing.
  const changesShift = placement.onConflict === 'insert' || invalidReason ? null : changesColumnsShift(rangeChanges, firstColumn, firstColumn + numColumns - 1);
  // Columns from the shift on will be fresh ones: only those before it can hold anything.
  const checkedColumns = changesShift ? changesShift.before - firstColumn : numColumns;
  const conflicts =
    placement.onConflict === 'insert' || invalidReason
      ? { cells: 0, sample: [] }
      : findConflicts(deps.gateway, source.sheetId, { firstRow: source.firstRow, lastRow: source.lastRow, firstColumn, numColumns: checkedColumns }, ownedColumns);
  return { firstColumn, numColumns, columns, ownedColumns, changesMarks, changesShift, sameSelectionLayout, conflicts, invalidReason };
}

// ---- Estimate --------------------------------------------------------------------------------

/** How far past a block the job looks for identifiers to fill the block's last request. */
const LOOKAHEAD_ROWS = 400;

function dataFirstRowOf(source: { firstRow: number; hasHeader: boolean }): number {
  return source.firstRow + (source.hasHeader ? 1 : 0);
}

export function estimateJob(deps: JobDeps, source: JobSource, options: StartOptions): Estimate {
  const selection = parseFieldSelection(options.fields);
  const jobOptions = checkJobOptions(options.options);
  const plan = planTarget(deps, source, selection, options);
  const dataFirstRow = dataFirstRowOf(source);
  const rows = Math.max(0, source.lastRow - dataFirstRow + 1);
  const sourceValues = rows ? deps.gateway.readValues(source.sheetId, dataFirstRow, source.column, rows, 1).map((r) => r[0]) : [];
  const settled = new Set<number>();
  if (plan.sameSelectionLayout && !options.reenrich && rows) {
    const statuses = deps.gateway.readValues(source.sheetId, dataFirstRow, plan.firstColumn, rows, 1);
    statuses.forEach((row, i) => {
      if (isSettledFor(parseStatus(row[0]), jobOptions)) settled.add(i);
    });
  }

  let blank = 0;
  let invalid = 0;
  let alreadyEnriched = 0;
  const unique = new Map<string, { kind: IdentifierKind; normalized: string; settled: boolean }>();
  sourceValues.forEach((cell, i) => {
    const id = classifyIdentifier(cell);
    if (id.kind === 'blank') blank++;
    else if (id.kind === 'invalid') invalid++;
    else {
      const key = identifierKey(id);
      const entry = unique.get(key) ?? { kind: id.kind, normalized: id.normalized, settled: false };
      if (settled.has(i)) {
        alreadyEnriched++;
        entry.settled = true;
      }
      unique.set(key, entry);
    }
  });
  // A row whose identifier is settled in another row is copied from it, not fetched.
  const needed = [...unique.values()].filter((id) => !id.settled);
  // Forcing fresh data, nothing is taken from the cache (the job starts now).
  const now = deps.clock.now();
  const cachedKeys = needed.length ? cachedKeysFor(deps.engine, needed, selection, jobOptions, now, now) : new Set<string>();
  const uncached = needed.filter((id) => !cachedKeys.has(identifierKey(id)));
  const cached = needed.length - uncached.length;
  const toFetch = uncached.length;
  const urlsToFetch = uncached.filter((id) => id.kind === 'profile_url').length;
  // The job fills each request to 25 from the rows ahead, so this is what it sends without faults.
  const requests = requestCount(urlsToFetch, toFetch - urlsToFetch);
  const perMinute = Math.max(1, deps.engine.requestsPerMinute);
  const history = loadHistory(deps.store, source.sheetId);
  return {
    rows,
    blank,
    invalid,
    uniqueIdentifiers: unique.size,
    profileUrls: [...unique.values()].filter((id) => id.kind === 'profile_url').length,
    emails: [...unique.values()].filter((id) => id.kind === 'business_email').length,
    cached,
    alreadyEnriched,
    toFetch,
    requests,
    creditsMax: toFetch * creditsPerMatch(selection).max,
    ...likelyOf(toFetch, selection, history),
    ...liveOf(jobOptions.live, toFetch, selection, history),
    minutes: Math.round((requests / perMinute) * 10) / 10,
    headers: [STATUS_HEADER, ...plan.columns.map((column) => column.header)],
    targetRange: sheetRangeA1(source.sheetName, rangeA1(source.firstRow, plan.firstColumn, source.lastRow - source.firstRow + 1, plan.numColumns)),
    conflictCells: plan.conflicts.cells,
  };
}

function likelyOf(toFetch: number, selection: FieldSelection, history: ReturnType<typeof loadHistory>): Pick<Estimate, 'creditsLikely' | 'likelyBasis'> {
  const likely = likelyCredits(toFetch, selection, history);
  return { creditsLikely: likely.likely, likelyBasis: likely.basis };
}

function liveOf(live: boolean, toFetch: number, selection: FieldSelection, history: ReturnType<typeof loadHistory>): Pick<Estimate, 'liveCreditsMax' | 'liveCreditsLikely'> {
  if (!live) return { liveCreditsMax: null, liveCreditsLikely: null };
  const credits = liveCredits(toFetch, selection, history);
  return { liveCreditsMax: credits.max, liveCreditsLikely: credits.likely };
}

// ---- Start -----------------------------------------------------------------------------------

export function startJob(deps: JobDeps, source: JobSource, options: StartOptions): StartJobResponse {
  deps = flushingJobDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const tuning = tuningOf(deps);
  const selection = parseFieldSelection(options.fields);
  // Refused before anything is written or sent: "must be a number from 0 to 1".
  const jobOptions = checkJobOptions(options.options);
  const outcome = withLock(deps.lock, tuning.lockTimeoutMs, (): StartJobResponse => {
    const previous = loadJob(deps.store, source.sheetId);
    const life = transition(previous, { type: 'start' });
    if (!life) return { ok: false, reason: 'job_running', job: toProgress(previous!) };

    let plan = planTarget(deps, source, selection, options);
    if (plan.invalidReason) return { ok: false, reason: 'invalid', message: plan.invalidReason };
    if (plan.conflicts.cells > 0 && options.onConflict !== 'overwrite') {
      return {
        ok: false,
        reason: 'conflict',
        targetRange: sheetRangeA1(source.sheetName, rangeA1(source.firstRow, plan.firstColumn, source.lastRow - source.firstRow + 1, plan.numColumns)),
        conflictCells: plan.conflicts.cells,
        sample: plan.conflicts.sample,
      };
    }
    if (options.onConflict === 'insert') {
      deps.gateway.insertColumnsAfter(source.sheetId, source.column, plan.numColumns);
      plan = planTarget(deps, source, selection, options);
    }
    // The range's Changes column (and whatever is right of it) moves right, with its notes and
    // its mark, to just after the new results; the refresh goes on appending to it there.
    const shifted = plan.changesShift;
    let movedChanges: number[] = [];
    if (shifted) {
      movedChanges = shifted.changesColumns.map((column) => column + shifted.count);
      deps.gateway.insertColumnsAfter(source.sheetId, shifted.before - 1, shifted.count);
      // Results placed left of the identifiers: the identifiers moved too.
      if (source.column >= shifted.before) source = { ...source, column: source.column + shifted.count };
      plan = planTarget(deps, source, selection, options);
    }
    const lastColumn = plan.firstColumn + plan.numColumns - 1;
    const size = deps.gateway.size(source.sheetId);
    if (size.columns < lastColumn) deps.gateway.insertColumnsAfter(source.sheetId, size.columns, lastColumn - size.columns);

    const jobId = deps.newId();
    const ids = plan.columns.map((column) => column.id);
    const key = selectionKey(selection);
    // Every entry, computed ones included: the layout read back (Keep fresh) keeps the match columns.
    const incoming = layoutMarks(jobId, source.column, plan.firstColumn, ids, selectionEntries(selection), key, source.hasHeader);
    const existing = deps.gateway.readColumnMarks(source.sheetId);
    // Columns of a layout this one replaces, outside the new columns, would keep stale data
    // under stale headers that no refresh updates: they are the add-on's, so they are cleared.
    const leftovers = supersededColumns(existing, plan.firstColumn, lastColumn);
    for (const [first, count] of leftovers) deps.gateway.clearValues(source.sheetId, source.firstRow, first, source.lastRow - source.firstRow + 1, count);
    const replaced = replacedLayouts(existing, plan.firstColumn, lastColumn);
    deps.gateway.removeColumnMarks(source.sheetId, marksToRemove(existing, plan.firstColumn, lastColumn));
    // A Changes column the user chose to write over becomes one of the new columns: its mark
    // would have the refresh take a data column for its Changes list.
    const isInside = (column: number) => column >= plan.firstColumn && column <= lastColumn;
    const changesTaken = plan.changesMarks.filter((mark) => isInside(mark.column)).map((mark) => mark.column);
    deps.gateway.removeChangesMarks(source.sheetId, changesTaken);
    deps.gateway.addColumnMarks(source.sheetId, incoming);
    carryFieldMarks(deps, source, existing, replaced, plan.firstColumn, plan.columns);
    // The history of the layouts this one replaces, and the Changes column moved for it, carry
    // on under the new layout: the refresh finds its Changes column by this mark.
    for (const mark of plan.changesMarks) {
      if (!isInside(mark.column) && (replaced.has(mark.layoutId) || movedChanges.includes(mark.column))) deps.gateway.markChangesColumn(source.sheetId, mark.column, jobId);
    }
    // The header row waits for the first block (SliceSession.run): a job refused at its first
    // request writes nothing at all.
    saveSettings(deps.store, source.sheetId, { fields: selectionEntries(selection), reenrich: options.reenrich, options: jobOptions });

    const now = deps.clock.now();
    const dataFirstRow = dataFirstRowOf(source);
    // Anchors before the state: a kill in between leaves anchors of no job, which the next start
    // or slice on this sheet removes; never a job without its anchors.
    clearRowAnchors(deps, source.sheetId);
    clearPlan(deps.store, source.sheetId);
    const rows = startAnchors(jobId, dataFirstRow, source.lastRow, size.rows);
    deps.gateway.addRowAnchors(source.sheetId, rows.anchors);
    const job: StoredJob = {
      v: 1,
      jobId,
      sheetId: source.sheetId,
      sheetName: source.sheetName,
      layoutId: jobId,
      sourceColumn: source.column,
      hasHeader: source.hasHeader,
      firstRow: source.firstRow,
      dataFirstRow,
      lastRow: source.lastRow,
      fields: selectionEntries(selection),
      selectionKey: key,
      reenrich: options.reenrich,
      ...(isDefaultJobOptions(jobOptions) ? {} : { options: jobOptions }),
      skipSettled: !options.reenrich && plan.sameSelectionLayout !== null,
      retryPass: false,
      ...life,
      cursor: dataFirstRow,
      pendingBlock: null,
      rowMarks: rows.marks,
      counts: emptyCounts(),
      requests: 0,
      creditsUsed: 0,
      creditCap: options.creditCap ?? null,
      startedAt: now,
      updatedAt: now,
      workMs: 0,
      etaSeconds: null,
      consecutiveErrors: 0,
      continueInBackground: options.continueInBackground ?? false,
      lease: null,
      blockSize: tuning.blockSize,
      headersPending: source.hasHeader,
      waitingUntil: null,
    };
    saveJob(deps.store, job);
    return { ok: true, job: toProgress(job) };
  });
  if ('lockTimedOut' in outcome) return { ok: false, reason: 'invalid', message: PROBLEMS.busy.message };
  return outcome;
}

/**
 * The refresh's notes and change highlights on the replaced layouts' cells follow their fields
 * to the new columns (a re-run with other groups can move Current employer), so none ends up
 * describing another field. Two reads and two writes, and none when no field moves.
 */
function carryFieldMarks(deps: JobDeps, source: JobSource, existing: ColumnMark[], replaced: Set<string>, firstColumn: number, columns: Column[]): void {
  // Only layouts of these same rows: another identifier column's rows are other people.
  const sameRows = new Set(existing.filter((mark) => mark.record.role === 'source' && mark.column === source.column).map((mark) => mark.record.t));
  const old = existing.flatMap((mark) =>
    mark.record.role === 'data' && replaced.has(mark.record.t) && sameRows.has(mark.record.t) ? [{ header: columnSpec(mark.record.id)?.header ?? '', column: mark.column }] : [],
  );
  const moves = fieldMoves(
    old.filter((column) => column.header !== ''),
    columns.map((column, i) => ({ header: column.header, column: firstColumn + 1 + i })),
  );
  const dataFirstRow = dataFirstRowOf(source);
  const rows = source.lastRow - dataFirstRow + 1;
  if (!moves.length || rows <= 0) return;
  const involved = moves.flatMap((move) => [move.from, move.to]);
  const first = Math.min(...involved);
  const width = Math.max(...involved) - first + 1;
  const notes = deps.gateway.readNotes(source.sheetId, dataFirstRow, first, rows, width);
  const colors = deps.gateway.readBackgrounds(source.sheetId, dataFirstRow, first, rows, width);
  const carried = carryCellMarks(notes, colors, first, moves, CHANGE_HIGHLIGHT);
  deps.gateway.writeNotes(source.sheetId, dataFirstRow, first, carried.notes);
  deps.gateway.writeBackgrounds(source.sheetId, dataFirstRow, first, carried.colors);
}

/**
 * Marks that go when a layout takes the columns first..last: every mark on those columns, and
 * every mark of a layout that had a column there (it is replaced as a whole).
 */
export function marksToRemove(existing: ColumnMark[], first: number, last: number): ColumnMark[] {
  const replaced = replacedLayouts(existing, first, last);
  return existing.filter((mark) => replaced.has(mark.record.t) || (mark.column >= first && mark.column <= last));
}

function replacedLayouts(existing: ColumnMark[], first: number, last: number): Set<string> {
  return new Set(existing.filter((mark) => mark.record.role !== 'source' && mark.column >= first && mark.column <= last).map((mark) => mark.record.t));
}

/** Result columns of replaced layouts outside first..last, as [first column, count] runs. */
export function supersededColumns(existing: ColumnMark[], first: number, last: number): Array<[number, number]> {
  const replaced = replacedLayouts(existing, first, last);
  const columns = [
    ...new Set(existing.filter((mark) => replaced.has(mark.record.t) && mark.record.role !== 'source' && (mark.column < first || mark.column > last)).map((mark) => mark.column)),
  ].sort((a, b) => a - b);
  return rowRuns(columns).map(([a, b]) => [a, b - a + 1]);
}

// ---- Slices ----------------------------------------------------------------------------------

class LeaseLost extends Error {}

/** The rows of a block no longer hold the identifiers read at the slice's start: nothing is written. */
class RowsChanged extends Error {
  constructor() {
    super('Rows were inserted, deleted or edited while the job was writing; it carries on from the right row.');
  }
}

/** The longest a slice waits for the rate window to open (keeps a call well inside 6 minutes). */
const MAX_WINDOW_WAIT_MS = 60_000;
/** A slice's claim lasts its sending time, one request, and this: then a killed slice lets go. */
const LEASE_MARGIN_MS = 30_000;
/**
 * Cursor pairs a slice adds before it removes the superseded ones: a slice over cached rows can
 * write hundreds of blocks, and a sheet holds only 30,000 characters of metadata.
 */
const PAIRS_BEFORE_TIDY = 16;

/** Runs the job of one sheet for one slice of time; returns its state afterwards. */
export function runSlice(deps: JobDeps, sheetId: number, budgetMs?: number): StoredJob | null {
  deps = flushingJobDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const tuning = tuningOf(deps);
  const budget = budgetMs ?? tuning.sliceBudgetMs;
  const token = deps.newId();
  const start = deps.clock.now();
  const claimed = withLock(deps.lock, tuning.lockTimeoutMs, () => {
    const job = loadJob(deps.store, sheetId);
    if (!job || job.state !== 'running') return job;
    // Another execution may be on it: then this one leaves it alone (jobWorker.ts, step 1).
    if (claimLease(job, token, start, start + budget + tuning.maxRequestMs + LEASE_MARGIN_MS)) saveJob(deps.store, job);
    return job;
  });
  if (!claimed || 'lockTimedOut' in claimed) return loadJob(deps.store, sheetId);
  if (claimed.lease?.token !== token) return claimed;

  const session = new SliceSession(deps, tuning, claimed, token, start, budget);
  try {
    session.run();
    session.tidyAnchors();
  } catch (error) {
    if (!(error instanceof LeaseLost)) session.recordFailure(error);
  } finally {
    session.releaseLease();
    // A job that ended (here, or cancelled while this slice ran) takes its row anchors with it.
    try {
      const after = loadJob(deps.store, sheetId);
      if (after && after.jobId === claimed.jobId && !isActive(after.state)) {
        clearRowAnchors(deps, sheetId);
        clearPlan(deps.store, sheetId);
      }
    } catch {
      // Killed: the next job on this sheet removes them.
    }
  }
  return loadJob(deps.store, sheetId);
}

/** Removes the row anchors on a sheet that belong to no active job (best effort). */
export function clearRowAnchors(deps: JobDeps, sheetId: number): void {
  try {
    const current = loadJob(deps.store, sheetId);
    const keep = current && isActive(current.state) ? current.jobId : null;
    const doomed = deps.gateway.readRowAnchors(sheetId).filter((anchor) => anchor.record.j !== keep);
    if (doomed.length) deps.gateway.removeRowAnchors(sheetId, doomed);
  } catch {
    // The sheet is gone, or the execution is: a leftover anchor is harmless and removed later.
  }
}

/** The job's rows as its anchors say now (no change to anything), for readers outside a slice. */
export function currentRows(deps: JobDeps, job: StoredJob): RowResolution {
  return resolveRows(job, deps.gateway.readRowAnchors(job.sheetId), () => deps.gateway.size(job.sheetId).rows);
}

class SliceSession {
  private job: StoredJob;
  /** No request starts after this; moved once when the rate window opens just after it. */
  private sendUntil: number;
  private waitedForWindow = false;
  private readonly workMsBefore: number;
  private pairsSinceTidy = 0;

  constructor(
    private readonly deps: JobDeps,
    private readonly tuning: JobTuning,
    job: StoredJob,
    private readonly token: string,
    private readonly start: number,
    budget: number,
  ) {
    this.job = job;
    this.sendUntil = start + budget;
    this.workMsBefore = job.workMs;
  }

  /** The job's match and freshness options (the defaults for a job saved without them). */
  private options(): JobApiOptions {
    return checkJobOptions(this.job.options);
  }

  private cachedKeys(ids: Array<{ kind: IdentifierKind; normalized: string }>, selection: FieldSelection): Set<string> {
    return cachedKeysFor(this.deps.engine, ids, selection, this.options(), this.job.startedAt, this.deps.clock.now());
  }

  run(): void {
    const { deps, job } = this;
    const { gateway } = deps;
    const sheetName = gateway.sheetName(job.sheetId);
    if (sheetName === null) return this.stop({ type: 'fail', message: 'The sheet of this job was deleted.' });
    const selection = parseFieldSelection(job.fields);
    const columns = columnsFor(selection);
    const flatten = compileFlattener(columns);
    const ids = columns.map((column) => column.id);
    const layout = readLayouts(gateway.readColumnMarks(job.sheetId)).get(job.layoutId);
    const statusColumn = layout ? contiguousStart(layout, ids) : null;
    const sourceColumn = layout?.sourceColumn ?? null;
    if (sourceColumn === null) return this.stop({ type: 'fail', message: 'The identifier column of this job was deleted, so it stopped. Start a new job.' });
    if (statusColumn === null) {
      return this.stop({ type: 'fail', message: 'The result columns were deleted or moved apart, so the job stopped rather than write in the wrong place. Start a new job.' });
    }

    // Where the rows are now: one finder call, whatever the user inserted or deleted since.
    const rows = currentRows(deps, job);
    if (rows.obsolete.length) gateway.removeRowAnchors(job.sheetId, rows.obsolete);
    if (!rows.ok) return this.stop({ type: 'fail', message: rows.message }, sheetName);
    this.adopt(rows, sheetName);
    const width = columns.length + 1;
    // A block killed after its writes and before its cursor pair: found written, it is not written again.
    if (this.job.pendingBlock?.digest) this.settleKilledBlock(statusColumn, width, rows.lastRow, columns);
    const first = rows.dataFirstRow;
    const lastRow = rows.lastRow;
    // A block killed before its commit: its rows may hold this job's output, not yet counted.
    const leftover = this.job.pendingBlock ? { from: this.job.cursor, to: this.job.cursor + this.job.pendingBlock.rows - 1, retried: this.job.pendingBlock.retried ?? [] } : null;
    if (this.job.cursor > lastRow) return this.endOfPass(sheetName);

    // The second pass (retryPass) retries the rows that failed in the first; the rest is settled.
    const retrying = this.job.retryPass;
    // Only what the slice works on is read: the identifiers from the cursor on, a chunk at a time,
    // and each block's result rows just before it is planned. Statuses ahead are needed to find
    // failed rows (second pass) and to keep settled rows out of the fillers (skipped rows).
    const window = new RowWindow(gateway, job.sheetId, sourceColumn, retrying || this.job.skipSettled ? statusColumn : null, this.job.cursor, lastRow);
    const links = new DuplicateLinks(
      {
        deps,
        sheetId: job.sheetId,
        cursor: () => this.job.cursor,
        header: () => this.job.dups,
        saveHeader: (header) => this.commit({ dups: header }),
      },
      first,
      lastRow - first + 1,
      retrying ? 2 : 1,
      sourceColumn,
    );
    // Rows settled in this slice answer for their identifier: a duplicate further down is copied
    // from them. Rows settled before this slice are found through the duplicate plan.
    const settledHere = new Map<string, unknown[]>();
    const noteSettled = (id: ClassifiedIdentifier, resultRow: unknown[]) => {
      if ((id.kind !== 'profile_url' && id.kind !== 'business_email') || !isSettled(parseStatus(resultRow[0]))) return;
      const key = identifierKey(id);
      if (!settledHere.has(key)) settledHere.set(key, resultRow);
    };
    const hasError = (row: number) => isFailedRow(window.status(row), window.identifier(row));
    const jobOptions = this.options();
    const eligible = retrying ? hasError : this.job.skipSettled ? (row: number) => !isSettledFor(parseStatus(window.status(row)), jobOptions) : () => true;
    if (retrying && leftover) this.countRetriedByKilledBlock(leftover, lastRow, window);
    /** Rows read for a repeat whose answer the cache let go: their status and values, or null when not settled. */
    const fromSheet = new Map<number, unknown[] | null>();
    let lastBlock: { from: number; to: number; target: unknown[][] } | null = null;

    while (this.job.cursor <= lastRow && deps.clock.now() < this.sendUntil) {
      let from = this.job.cursor;
      if (retrying) {
        // Blocks without a failed row are passed over without a write.
        while (from <= lastRow && !hasError(from)) from++;
        if (from > lastRow) {
          this.job = { ...this.job, cursor: from };
          break;
        }
      }
      const to = Math.min(from + this.job.blockSize - 1, lastRow);
      // A block planned again after waiting for the rate window was not written: its rows stand.
      const target: unknown[][] = lastBlock?.from === from && lastBlock.to === to ? lastBlock.target : gateway.readValues(job.sheetId, from, statusColumn, to - from + 1, width);
      lastBlock = { from, to, target };
      const plan = planBlock(
        {
          from,
          to,
          target,
          identifier: (row) => window.identifier(row),
          source: (row) => window.source(row),
          retrying,
          skipSettled: this.job.skipSettled,
          liveRetry: jobOptions.live,
          maybeOurs: (row) => leftover !== null && row >= leftover.from && row <= leftover.to,
          settledHere,
          dataColumns: columns.length,
        },
        {
          linkOf: (row) => links.linkOf(row),
          cachedKeys: (ids) => this.cachedKeys(ids, selection),
          settledRowAt: (link, key) => {
            if (!fromSheet.has(link)) fromSheet.set(link, this.settledRowAt(link, key, sourceColumn, statusColumn, width));
            return fromSheet.get(link) ?? null;
          },
        },
      );
      for (const { id, resultRow } of plan.keptSettled) noteSettled(id, resultRow);
      const plans = plan.rows;

      let result: EnrichResult | null = null;
      if (plan.fetchCells.length) {
        // Spend limits are checked before the request, never after it (src/core/spend.ts).
        if (capReached(this.job.creditCap, this.job.creditsUsed, selection)) return this.stopForSpend('credit_cap', capMessage(this.job.creditCap!, this.job.creditsUsed), sheetName);
        const callsLeft = deps.fetchQuota?.callsLeft();
        if (callsLeft !== undefined && callsLeft < 1) return this.stopForSpend('fetch_quota', deps.fetchQuota!.message, sheetName);
        const padding = this.fillers(plan.fetchCells, window, to + 1, lastRow, settledHere, links, eligible, selection);
        // Fillers only warm the cache for the rows ahead; their outcomes are not written now.
        result = deps.engine.enrich(plan.fetchCells.concat(padding), {
          selection,
          deadline: this.sendUntil + this.tuning.maxRequestMs,
          maxRequestMs: this.tuning.maxRequestMs,
          ...engineOptionsOf(this.options(), this.job.startedAt, deps.clock.now()),
          creditBudget: creditBudget(this.job.creditCap, this.job.creditsUsed),
          fetchCallsLeft: callsLeft,
        });
        this.job.requests += result.stats.requests;
        this.job.creditsUsed += result.stats.creditsUsed;
        this.recordSpend(result, selection);
        if (result.stats.liveRequests) {
          const live = this.job.live ?? { requests: 0, credits: 0 };
          this.job.live = { requests: live.requests + result.stats.liveRequests, credits: live.credits + (result.stats.liveCreditsUsed ?? 0) };
        }
      }

      const out = writeOut({ from, to, target, retrying, dataColumns: columns.length }, plan, result, this.job.counts, {
        flatten,
        date: (epochMs) => gateway.formatDate(epochMs),
      });
      const { cut, fatal, counts } = out;
      out.cells.forEach((cells, i) => (target[i] = cells));
      const rowsOut: CellValue[][] = out.cells.map((cells) => cells.slice(1).map(protectRead));
      const statusesOut: CellValue[][] = out.cells.map((cells) => [protectRead(cells[0])]);

      if (cut > from) {
        // The block's commit point is its cursor pair of anchors (added after the writes): the
        // state first says which pair that is, what the counts become once it exists and what
        // the cells will hold (jobWorker.ts, step 2), so a kill anywhere leaves the block not
        // written (written again, counted once), written without its pair (found by its digest,
        // not written again), or its pair there (counts taken from here at the next slice).
        const marks = this.job.rowMarks!;
        const seq = marks.seq + 1;
        const base = this.job.cursor;
        const retried = retrying ? plans.slice(0, cut - from).flatMap((plan, i) => (plan.action === 'keep' ? [] : [from + i - base])) : undefined;
        // What the block's cells will hold: a resume that finds exactly this does not write them again.
        const digest = cellsDigest(target.slice(0, cut - from), 'written');
        const pendingBlock: PendingBlock = { seq, rows: cut - base, counts, digest, ...(from > base ? { skip: from - base } : {}), ...(retried ? { retried } : {}) };
        // Checked before the block is marked pending: a block refused here is surely not written.
        this.checkRowsUnchanged(sourceColumn, from, cut, window);
        this.commit({ pendingBlock });
        // The first rows written bring their header row (written again if killed before the commit).
        if (this.job.headersPending) gateway.writeValues(job.sheetId, this.job.firstRow, statusColumn, [[STATUS_HEADER, ...columns.map((column) => column.header)].map(toSheetValue)]);
        gateway.writeValues(job.sheetId, from, statusColumn + 1, rowsOut);
        gateway.writeValues(job.sheetId, from, statusColumn, statusesOut);
        gateway.addRowAnchors(job.sheetId, cursorAnchors(job.jobId, retrying ? 2 : 1, seq, cut, lastRow));
        this.commit({ cursor: cut, pendingBlock: null, counts, rowMarks: { ...marks, seq }, consecutiveErrors: 0, headersPending: false, waitingUntil: null }, { type: 'note', message: null });
        for (let row = from; row < cut; row++) noteSettled(window.identifier(row), target[row - from]);
        if (++this.pairsSinceTidy >= PAIRS_BEFORE_TIDY) this.tidyAnchors();
      }
      if (fatal) return this.stop({ type: 'problem', message: fatal.message, code: fatal.code }, sheetName);
      if (result?.stoppedBy && cut <= to) {
        const message = result.stoppedBy === 'credit_cap' ? capMessage(this.job.creditCap ?? 0, this.job.creditsUsed) : (deps.fetchQuota?.message ?? 'Paused before the daily UrlFetch quota runs out.');
        return this.stopForSpend(result.stoppedBy, message, sheetName);
      }
      if (cut === from && result?.resumeAt !== undefined) {
        // Nothing could be sent before the slice's end: the rate window (or a Retry-After) opens
        // later. Wait for it here, once, rather than answer at once and have the sidebar call
        // again and again while the window is shut.
        const wait = result.resumeAt - deps.clock.now();
        // Saved first, so the sidebar (and a status call meanwhile) can say what the job waits for.
        if (!this.waitedForWindow && wait <= MAX_WINDOW_WAIT_MS) {
          this.waitedForWindow = true;
          this.sendUntil = Math.max(this.sendUntil, result.resumeAt + 1_000);
          // The slice runs longer: so does its claim on the job.
          this.commit({ waitingUntil: result.resumeAt, lease: { token: this.token, until: this.sendUntil + this.tuning.maxRequestMs + LEASE_MARGIN_MS } });
          continue;
        }
        this.commit({ waitingUntil: result.resumeAt });
        deps.clock.sleep(Math.max(1_000, Math.min(wait, MAX_WINDOW_WAIT_MS)));
        break;
      }
      if (cut <= to) break; // out of time for now
      if (this.job.state !== 'running') return;
    }
    if (this.job.cursor > lastRow) return this.endOfPass(sheetName);
    this.commit({ sheetName, etaSeconds: this.eta(window, links, settledHere, lastRow, retrying ? hasError : eligible) });
  }

  /**
   * Each block adds a cursor pair; the ones it superseded go at the end of the same slice (one
   * finder call), so a sidebar call's Sheets calls grow with the blocks it writes and nothing
   * else. A slice killed before this leaves them to the next slice's start.
   */
  tidyAnchors(): void {
    if (!isActive(this.job.state)) return; // an ended job loses all of them (runSlice)
    this.pairsSinceTidy = 0;
    try {
      const rows = currentRows(this.deps, this.job);
      if (rows.ok && rows.obsolete.length) this.deps.gateway.removeRowAnchors(this.job.sheetId, rows.obsolete);
    } catch {
      // Housekeeping only: the next slice removes them.
    }
  }

  /** Takes the rows the anchors gave as this slice's numbers, and the counts of a block found written. */
  private adopt(rows: Extract<RowResolution, { ok: true }>, sheetName: string): void {
    const job = this.job;
    const patch: Partial<StoredJob> = {
      sheetName,
      dataFirstRow: rows.dataFirstRow,
      lastRow: rows.lastRow,
      cursor: rows.cursor,
      firstRow: job.hasHeader ? Math.max(1, rows.topRow ?? rows.dataFirstRow - 1) : rows.dataFirstRow,
    };
    if (rows.pendingWritten && job.pendingBlock && job.rowMarks) {
      patch.counts = job.pendingBlock.counts;
      patch.rowMarks = { ...job.rowMarks, seq: job.pendingBlock.seq };
      patch.pendingBlock = null;
    }
    const changed = (Object.keys(patch) as Array<keyof StoredJob>).some((key) => JSON.stringify(patch[key]) !== JSON.stringify(job[key]));
    if (changed) this.commit(patch);
    else this.job = { ...job, ...patch };
  }

  /** A row outside the block with this identifier, if it is settled: its status and values as the sheet has them. */
  private settledRowAt(row: number, key: string, sourceColumn: number, statusColumn: number, width: number): unknown[] | null {
    const { gateway } = this.deps;
    const cell = gateway.readValues(this.job.sheetId, row, sourceColumn, 1, 1)[0]?.[0];
    // Rows moved since the plan was built: the row no longer holds the identifier, so it is fetched instead.
    if (identityOf(classifyIdentifier(cell)) !== key) return null;
    const resultRow = gateway.readValues(this.job.sheetId, row, statusColumn, 1, width)[0];
    return resultRow && isSettled(parseStatus(resultRow[0])) ? resultRow : null;
  }

  /**
   * Just before a block is written, its identifiers are read again: a row inserted or deleted
   * while this slice ran (the user keeps working) would put the block beside the wrong rows.
   * Then nothing is written; the next slice starts from the anchors, which moved with the rows.
   */
  private checkRowsUnchanged(sourceColumn: number, from: number, cut: number, window: RowWindow): void {
    const fresh = this.deps.gateway.readValues(this.job.sheetId, from, sourceColumn, cut - from, 1);
    for (let row = from; row < cut; row++) {
      if (identityOf(classifyIdentifier(fresh[row - from]?.[0])) !== identityOf(window.identifier(row))) throw new RowsChanged();
    }
  }

  /**
   * Second pass, after a block killed before its commit: the failed rows it retried and settled
   * are passed over from now on (they are no longer failed), so they are counted here, once.
   */
  private countRetriedByKilledBlock(leftover: { from: number; retried: number[] }, lastRow: number, window: RowWindow): void {
    const counts = { ...this.job.counts };
    let changed = false;
    for (const offset of leftover.retried) {
      const row = leftover.from + offset;
      if (row < window.start || row > lastRow) continue;
      const id = window.identifier(row);
      const status = parseStatus(window.status(row));
      if (id.kind === 'blank' || id.kind === 'invalid' || !isSettled(status)) continue;
      counts.failed = Math.max(0, counts.failed - 1);
      counts[status.kind === 'enriched' ? 'enriched' : 'notFound']++;
      changed = true;
    }
    if (changed) this.commit({ counts, pendingBlock: null });
  }

  /**
   * Identifiers from the rows ahead that fill the block's last request of each type up to 25,
   * so a column costs ceil(unique/25) requests per type rather than one partial request per
   * block. They land in the cache, where the next blocks find them.
   */
  private fillers(
    blockCells: unknown[],
    window: RowWindow,
    fromRow: number,
    lastRow: number,
    settledHere: Map<string, unknown[]>,
    links: DuplicateLinks,
    eligible: (row: number) => boolean,
    selection: FieldSelection,
  ): string[] {
    const inBlock = new Map<string, { kind: IdentifierKind; normalized: string }>();
    for (const cell of blockCells) {
      const id = classifyIdentifier(cell);
      if (id.kind === 'profile_url' || id.kind === 'business_email') inBlock.set(identifierKey(id), id);
    }
    // No request of a type in the block: none is opened just for rows ahead.
    const kinds = new Set([...inBlock.values()].map((id) => id.kind));
    const ahead = new Map<string, { kind: IdentifierKind; normalized: string }>();
    const perKind = { profile_url: 0, business_email: 0 };
    const enough = () => [...kinds].every((kind) => perKind[kind as keyof typeof perKind] >= 2 * MAX_PER_REQUEST);
    for (let row = fromRow; row <= Math.min(lastRow, fromRow + LOOKAHEAD_ROWS - 1) && !enough(); row++) {
      const id = window.identifier(row);
      if ((id.kind !== 'profile_url' && id.kind !== 'business_email') || !kinds.has(id.kind)) continue;
      const key = identifierKey(id);
      if (inBlock.has(key) || ahead.has(key) || settledHere.has(key) || !eligible(row)) continue;
      // A row repeating another is answered by it when reached (copied, or from the cache):
      // bought now, its identifier would be bought twice.
      if (links.linkOf(row) !== null) continue;
      if (perKind[id.kind] >= 2 * MAX_PER_REQUEST) continue;
      perKind[id.kind]++;
      ahead.set(key, id);
    }
    if (!ahead.size) return [];
    const cached = this.cachedKeys([...inBlock.values(), ...ahead.values()], selection);
    const fillers: string[] = [];
    for (const kind of ['profile_url', 'business_email'] as const) {
      const sent = [...inBlock.entries()].filter(([key, id]) => id.kind === kind && !cached.has(key)).length;
      // No request of this type in the block: none is opened just for rows ahead.
      let room = sent % MAX_PER_REQUEST === 0 ? 0 : MAX_PER_REQUEST - (sent % MAX_PER_REQUEST);
      for (const [key, id] of ahead) {
        if (room === 0) break;
        if (id.kind !== kind || cached.has(key)) continue;
        fillers.push(id.normalized);
        room--;
      }
    }
    return fillers;
  }

  /** The end of the rows: done, or once more over the rows that failed (a fault may have passed). */
  private endOfPass(sheetName: string): void {
    if (this.job.retryPass || this.job.counts.failed === 0) return this.finish({ sheetName });
    // The second pass's cursor pairs start after the first pass's, which it ignores.
    const marks = this.job.rowMarks!;
    this.commit({ sheetName, retryPass: true, cursor: this.job.dataFirstRow, pendingBlock: null, rowMarks: { ...marks, passSeq: marks.seq } });
    if (this.deps.clock.now() < this.sendUntil) this.run();
  }

  /**
   * Seconds left at the current rate: the identifiers still to fetch in the rows ahead of the
   * cursor that the slice has read (for the fillers; one read more when none), scaled to the rows left.
   */
  private eta(window: RowWindow, links: DuplicateLinks, settledHere: Map<string, unknown[]>, lastRow: number, needsFetch: (row: number) => boolean): number {
    const from = this.job.cursor;
    if (from > lastRow) return 0;
    window.identifier(from);
    const to = Math.min(lastRow, from + LOOKAHEAD_ROWS - 1, window.end - 1);
    const remaining = new Set<string>();
    let urls = 0;
    for (let row = from; row <= to; row++) {
      const id = window.identifier(row);
      if ((id.kind !== 'profile_url' && id.kind !== 'business_email') || !needsFetch(row)) continue;
      const key = identifierKey(id);
      if (settledHere.has(key) || remaining.has(key)) continue;
      // A repeat of a row above is answered by it.
      const link = links.knownLinkOf(row);
      if (typeof link === 'number' && link < from) continue;
      remaining.add(key);
      if (id.kind === 'profile_url') urls++;
    }
    const scale = (lastRow - from + 1) / (to - from + 1);
    const requests = requestCount(urls * scale, (remaining.size - urls) * scale);
    return Math.round((requests * 60) / Math.max(1, this.deps.engine.requestsPerMinute));
  }

  private finish(patch: ProgressPatch): void {
    this.commit({ ...patch, etaSeconds: null, pendingBlock: null }, { type: 'finish' });
  }

  /** Paused by the credit cap or the UrlFetch quota: a problem the user settles (a higher cap, another day). */
  private stopForSpend(code: 'credit_cap' | 'fetch_quota', message: string, sheetName: string): void {
    this.commit({ etaSeconds: null, sheetName, waitingUntil: null }, { type: 'problem', message, code });
  }

  /** What this sheet's answers showed, for the likely credits of the next estimate (best effort). */
  private recordSpend(result: EnrichResult, selection: FieldSelection): void {
    try {
      const { store } = this.deps;
      // A call that went live found rows the cached endpoint did not, at the live price: counted
      // in, it would make the cached pass look better matched and dearer than it is.
      if (result.stats.liveRequests > 0) return;
      const before = loadHistory(store, this.job.sheetId) ?? emptyHistory();
      const after = addToHistory(before, result.outcomes, result.stats.creditsUsed, selection);
      if (after !== before) saveHistory(store, this.job.sheetId, after);
    } catch {
      // Only the estimate's guess is poorer for it.
    }
  }

  private stop(event: Extract<JobEvent, { type: 'problem' | 'fail' }>, sheetName?: string): void {
    this.commit({ etaSeconds: null, ...(sheetName ? { sheetName } : {}) }, event);
  }

  /** A slice that threw: the job stays running unless it keeps failing. */
  recordFailure(error: unknown): void {
    const detail = isEnrichError(error) || error instanceof Error ? error.message : String(error);
    try {
      // Rows changing under a slice count too: a sheet that changes under every slice (a formula
      // that keeps moving the identifiers) must not keep the job spinning.
      const failure = nextFailure(this.job.consecutiveErrors, this.tuning.maxConsecutiveErrors);
      if (failure.pause) {
        this.commit({ consecutiveErrors: failure.inARow }, { type: 'problem', message: `Stopped after repeated problems: ${detail}`, code: isEnrichError(error) ? error.code : null });
      } else {
        this.commit({ consecutiveErrors: failure.inARow }, { type: 'note', message: error instanceof RowsChanged ? detail : `A problem interrupted the job; it carries on: ${detail}` });
      }
    } catch {
      // Out of time or out of lock: the next slice starts from the saved cursor anyway.
    }
  }

  /**
   * Saves this slice's progress into the latest stored state, keeping what the sidebar changed
   * meanwhile (pause, cancel, background), under the document lock, while this slice holds the
   * lease (jobWorker.ts, steps 2 and 4). A lifecycle event applies to the latest state: one that
   * no longer fits it (the user paused or cancelled meanwhile) is refused, and the user's state stands.
   */
  commit(patch: ProgressPatch, event?: JobEvent): void {
    const { deps } = this;
    const saved = commitUnderLease(deps.lock, this.tuning.lockTimeoutMs, jobIo(deps, this.job.sheetId), this.token, (latest) => {
      const now = deps.clock.now();
      const life = (event && transition(lifecycleOf(latest), event)) || lifecycleOf(latest);
      const merged: StoredJob = {
        ...latest,
        cursor: this.job.cursor,
        counts: this.job.counts,
        requests: this.job.requests,
        creditsUsed: this.job.creditsUsed,
        ...(this.job.live ? { live: this.job.live } : {}),
        pendingBlock: this.job.pendingBlock,
        consecutiveErrors: this.job.consecutiveErrors,
        ...patch,
        ...life,
        updatedAt: now,
        workMs: this.workMsBefore + (now - this.start),
      };
      return { save: merged, value: merged };
    });
    if (saved.kind === 'lost') throw new LeaseLost();
    if (saved.kind === 'busy') throw new Error('The spreadsheet stayed busy; progress is saved up to the previous block.');
    this.job = saved.value;
  }

  releaseLease(): void {
    releaseLease(this.deps.lock, this.tuning.lockTimeoutMs, jobIo(this.deps, this.job.sheetId), this.token);
  }

  /**
   * A block announced and then killed before its cursor pair (jobWorker.ts, step 3): when its
   * rows hold exactly what it was going to write, it was written. Its pair is added and its counts
   * taken, and nothing is written again. Otherwise the block is planned and written as usual.
   */
  private settleKilledBlock(statusColumn: number, width: number, lastRow: number, columns: Column[]): void {
    const { gateway } = this.deps;
    const pending = this.job.pendingBlock!;
    const from = this.job.cursor + (pending.skip ?? 0);
    const cut = this.job.cursor + pending.rows;
    if (from >= cut || cut - 1 > lastRow) return;
    const cells = gateway.readValues(this.job.sheetId, from, statusColumn, cut - from, width);
    if (cellsDigest(cells, 'read') !== pending.digest) return;
    if (this.job.headersPending) {
      // Written before the rows, unless the rows already held these values: then it is written now.
      const header = [STATUS_HEADER, ...columns.map((column) => column.header)];
      const shown = gateway.readValues(this.job.sheetId, this.job.firstRow, statusColumn, 1, width);
      if (cellsDigest(shown, 'read') !== cellsDigest([header], 'written')) gateway.writeValues(this.job.sheetId, this.job.firstRow, statusColumn, [header.map(toSheetValue)]);
    }
    gateway.addRowAnchors(this.job.sheetId, cursorAnchors(this.job.jobId, this.job.retryPass ? 2 : 1, pending.seq, cut, lastRow));
    this.job = { ...this.job, cursor: cut, counts: pending.counts, pendingBlock: null };
    this.commit({ rowMarks: { ...this.job.rowMarks!, seq: pending.seq }, consecutiveErrors: 0, headersPending: false, waitingUntil: null }, { type: 'note', message: null });
  }
}

/** What a slice saves besides lifecycle events: the lifecycle changes only through transition(). */
type ProgressPatch = Partial<Omit<StoredJob, 'state' | 'pausedBy' | 'message' | 'problemCode'>>;

/** The job of one sheet as a stored record, for the worker's lease and commit protocol. */
function jobIo(deps: JobDeps, sheetId: number): RecordIo<StoredJob> {
  return { load: () => loadJob(deps.store, sheetId), save: (job) => saveJob(deps.store, job) };
}

/** Rows of the identifier column (and of the status column, when asked for) one read brings in. */
const READ_CHUNK_ROWS = 200;

/**
 * The identifier column (and the status column, when the slice looks at statuses ahead) from the
 * cursor on, read a chunk at a time as the slice gets there: a slice reads the rows it works on
 * and the look-ahead its requests are filled from, never the whole job.
 */
class RowWindow {
  private readonly cells: unknown[] = [];
  private readonly classified: ClassifiedIdentifier[] = [];
  private readonly statuses: unknown[] = [];

  constructor(
    private readonly gateway: SheetGateway,
    private readonly sheetId: number,
    private readonly sourceColumn: number,
    private readonly statusColumn: number | null,
    /** The cursor when the slice began: nothing above it is read. */
    readonly start: number,
    private readonly lastRow: number,
  ) {}

  identifier(row: number): ClassifiedIdentifier {
    return this.at(row, this.classified);
  }

  /** The first row not read yet. */
  get end(): number {
    return this.start + this.classified.length;
  }

  source(row: number): unknown {
    return this.at(row, this.cells);
  }

  status(row: number): unknown {
    if (this.statusColumn === null) throw new Error('This slice does not read statuses ahead.');
    return this.at(row, this.statuses);
  }

  private at<T>(row: number, list: T[]): T {
    if (row < this.start || row > this.lastRow) throw new RangeError(`Row ${row} is outside the rows this slice reads.`);
    while (row >= this.start + this.classified.length) this.readChunk();
    return list[row - this.start];
  }

  private readChunk(): void {
    const from = this.start + this.classified.length;
    const count = Math.min(READ_CHUNK_ROWS, this.lastRow - from + 1);
    const values = this.gateway.readValues(this.sheetId, from, this.sourceColumn, count, 1);
    const statuses = this.statusColumn === null ? null : this.gateway.readValues(this.sheetId, from, this.statusColumn, count, 1);
    for (let i = 0; i < count; i++) {
      const cell = values[i]?.[0];
      this.cells.push(cell);
      this.classified.push(classifyIdentifier(cell));
      if (statuses) this.statuses.push(statuses[i]?.[0]);
    }
  }
}

/**
 * A slice's view of the duplicate plan (src/core/duplicatePlan.ts): for a row, the row whose
 * outcome it can take. Reads the stored chunk a row falls in; where the stored plan does not
 * cover the row (first slice of a pass, rows inserted or deleted, past its end), reads the whole
 * identifier column once, keeps every link for the rest of the slice and stores the rows ahead.
 */
class DuplicateLinks {
  private built: Int32Array | null = null;
  private readonly chunks = new Map<number, Map<number, number> | null>();

  constructor(
    private readonly session: { deps: JobDeps; sheetId: number; cursor(): number; header(): PlanHeader | undefined; saveHeader(header: PlanHeader): void },
    private readonly first: number,
    private readonly rows: number,
    private readonly pass: Pass,
    private readonly sourceColumn: number,
  ) {}

  /** The linked row, or null when the row's identifier appears nowhere else (or it is not one). */
  linkOf(row: number): number | null {
    const known = this.knownLinkOf(row);
    if (known !== undefined) return known;
    this.build(Math.min(row, this.session.cursor()) - this.first);
    return this.knownLinkOf(row) ?? null;
  }

  /** As linkOf, but undefined rather than a read of the whole column when the plan is not at hand. */
  knownLinkOf(row: number): number | null | undefined {
    const offset = row - this.first;
    if (this.built) return this.built[offset] >= 0 ? this.first + this.built[offset] : null;
    const header = this.session.header();
    if (!planCovers(header, this.pass, this.rows, offset)) return undefined;
    const index = Math.floor(offset / PLAN_CHUNK_ROWS);
    let chunk = this.chunks.get(index);
    if (chunk === undefined) {
      chunk = readPlanChunk(this.session.deps.store, this.session.sheetId, header, index);
      this.chunks.set(index, chunk);
    }
    if (chunk === null) return undefined;
    const linked = chunk.get(offset - index * PLAN_CHUNK_ROWS);
    return linked === undefined ? null : this.first + linked;
  }

  private build(fromOffset: number): void {
    const { deps, sheetId } = this.session;
    const cells = deps.gateway.readValues(sheetId, this.first, this.sourceColumn, this.rows, 1);
    const keys = cells.map((cell) => {
      const id = classifyIdentifier(cell[0]);
      return id.kind === 'profile_url' || id.kind === 'business_email' ? identifierKey(id) : null;
    });
    this.built = linkDuplicates(keys, this.pass);
    try {
      const header = savePlan(deps.store, sheetId, deps.newId(), this.pass, this.built, Math.max(0, fromOffset));
      this.session.saveHeader(header);
      clearPlan(deps.store, sheetId, header);
    } catch (error) {
      if (error instanceof LeaseLost) throw error;
      // Not stored (properties full, or busy): this slice has every link, the next builds them again.
    }
  }
}

// ---- Control, status, failed rows -----------------------------------------------------------

/** 'background' changes only continueInBackground, whatever the state. */
export type ControlAction = 'pause' | 'resume' | 'cancel' | 'background';

export function controlJob(
  deps: JobDeps,
  jobId: string,
  action: ControlAction,
  continueInBackground?: boolean,
  by: 'user' | 'background' = 'user',
  changes: { creditCap?: number | null } = {},
): StoredJob | null {
  deps = flushingJobDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const tuning = tuningOf(deps);
  let cancelled = false;
  const outcome = withLock(deps.lock, tuning.lockTimeoutMs, () => {
    const job = findJob(deps.store, jobId);
    if (!job) return null;
    if (continueInBackground !== undefined) job.continueInBackground = continueInBackground;
    if (action === 'resume' && changes.creditCap !== undefined) job.creditCap = changes.creditCap;
    // A job paused at its cap resumes only under a cap that leaves room for another request.
    if (action === 'resume' && job.state === 'paused' && job.problemCode === 'credit_cap' && capReached(job.creditCap, job.creditsUsed, parseFieldSelection(job.fields))) {
      job.message = `${capMessage(job.creditCap ?? 0, job.creditsUsed)} The cap must be above ${job.creditsUsed}.`;
      job.updatedAt = deps.clock.now();
      saveJob(deps.store, job);
      return job;
    }
    const event: JobEvent | null = action === 'pause' ? { type: 'pause' } : action === 'resume' ? { type: 'resume', by } : action === 'cancel' ? { type: 'cancel' } : null;
    const life = event && transition(lifecycleOf(job), event);
    if (life) {
      Object.assign(job, life);
      // A resume starts the count of failures in a row afresh; a cancelled job has no time left.
      if (action === 'resume') job.consecutiveErrors = 0;
      if (action === 'cancel') {
        cancelled = true;
        job.etaSeconds = null;
      }
    }
    job.updatedAt = deps.clock.now();
    saveJob(deps.store, job);
    return job;
  });
  if (outcome && 'lockTimedOut' in outcome) return findJob(deps.store, jobId);
  // A slice running meanwhile removes what it adds after this, when it sees the job has ended.
  if (cancelled && outcome) {
    clearRowAnchors(deps, outcome.sheetId);
    clearPlan(deps.store, outcome.sheetId);
  }
  return outcome;
}

/** The rows of a job whose status is an error, selected in the sheet so the user sees them. */
export function selectFailedRows(deps: JobDeps, jobId: string): SelectFailedResult {
  deps = flushingJobDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const job = findJob(deps.store, jobId);
  const none = { rows: 0, rangeA1: null };
  if (!job || deps.gateway.sheetName(job.sheetId) === null) return none;
  const layout = readLayouts(deps.gateway.readColumnMarks(job.sheetId)).get(job.layoutId);
  const statusColumn = layout?.statusColumn ?? null;
  // A job under way has its anchors: its rows as they are now, not as the last slice left them.
  let { dataFirstRow, lastRow, cursor } = job;
  if (isActive(job.state)) {
    const rows = currentRows(deps, job);
    if (rows.ok) ({ dataFirstRow, lastRow, cursor } = rows);
  }
  const lastWritten = Math.min(job.retryPass || job.state === 'done' ? lastRow : cursor - 1, lastRow, deps.gateway.size(job.sheetId).rows);
  if (statusColumn === null || lastWritten < dataFirstRow) return none;
  const statuses = deps.gateway.readValues(job.sheetId, dataFirstRow, statusColumn, lastWritten - dataFirstRow + 1, 1);
  const failed: number[] = [];
  statuses.forEach((row, i) => {
    if (parseStatus(row[0]).kind === 'error') failed.push(dataFirstRow + i);
  });
  if (!failed.length) return none;
  // Sheets' RangeList takes any number of ranges, but a long list helps nobody: the first 50 runs.
  const ranges = rowRuns(failed)
    .slice(0, 50)
    .map(([a, b]) => rangeA1(a, statusColumn, b - a + 1, 1));
  deps.gateway.selectRanges(job.sheetId, ranges);
  return { rows: failed.length, rangeA1: ranges.join(', ') };
}

/**
 * One sidebar call: a slice of work. When another execution holds the job (a slice still
 * running, or one killed before it let go), waits for it within the budget instead of answering
 * at once, so a sidebar that calls again straight away does not spin.
 */
export function continueSlice(deps: JobDeps, sheetId: number, budgetMs?: number): StoredJob | null {
  const budget = budgetMs ?? tuningOf(deps).sliceBudgetMs;
  const end = deps.clock.now() + budget;
  for (;;) {
    const job = runSlice(deps, sheetId, Math.max(1, end - deps.clock.now()));
    const now = deps.clock.now();
    if (!job || job.state !== 'running' || !job.lease || job.lease.until <= now) return job;
    const wait = Math.min(job.lease.until - now, end - now, 5_000);
    if (wait <= 0) return job;
    deps.clock.sleep(wait);
  }
}

/** Runs slices of one sheet's job until it stops running or the time is spent (menu, trigger). */
export function runFor(deps: JobDeps, sheetId: number, totalMs: number): StoredJob | null {
  const tuning = tuningOf(deps);
  const end = deps.clock.now() + totalMs;
  let job = loadJob(deps.store, sheetId);
  while (job && job.state === 'running' && deps.clock.now() + tuning.sliceBudgetMs + tuning.maxRequestMs < end) {
    const before = job.cursor;
    job = runSlice(deps, sheetId);
    // No progress: another execution holds the job, or the rate window is shut; stop here.
    if (!job || job.cursor === before) break;
  }
  return job;
}

/**
 * For the hourly trigger (src/server/refreshApi.ts's onScheduledRun): carries on every job the
 * user let continue in the background, running or paused by the user, never one that stopped
 * on a problem the user must fix. Returns the jobs it touched.
 */
export function continueBackgroundJobs(deps: JobDeps, budgetMs: number): JobProgress[] {
  const end = deps.clock.now() + budgetMs;
  const touched: JobProgress[] = [];
  for (const candidate of listJobs(deps.store)) {
    if (!candidate.continueInBackground) continue;
    const resumable = transition(lifecycleOf(candidate), { type: 'resume', by: 'background' }) !== null;
    if (!(candidate.state === 'running' || resumable)) continue;
    if (resumable) controlJob(deps, candidate.jobId, 'resume', undefined, 'background');
    const left = end - deps.clock.now();
    if (left <= 0) break;
    const job = runFor(deps, candidate.sheetId, left);
    if (job) touched.push(toProgress(job));
  }
  return touched;
}
