// The refresh: re-enriches the rows of an enriched range whose data is older than the threshold,
// in blocks, inside one execution's time budget, marking tracked values that changed. A pass
// (one refresh of the whole range) may span several executions: its cursor is saved after every
// block, anchored to the identifier above it, so inserted or deleted rows never shift it.
// Columns are found by the bulk job's developer metadata every time, never by a remembered index;
// when they cannot be found the run stops with a reason instead of writing in the wrong place.
// The lease, the commit protocol (each block's runs announced before they are written, so a kill
// before the save costs no count) and the status texts are the job worker's (src/core/jobWorker.ts).
import { capMessage, capReached, creditBudget, type FetchQuota } from './spend';
import { DEFAULT_API_OPTIONS } from './apiOptions';
import { columnsFor, parseFieldSelection, type Column } from './catalog';
import {
  CHANGE_HIGHLIGHT,
  CHANGES_HEADER,
  changeLine,
  changeNote,
  comparableText,
  describeChanges,
  describePass,
  diffTracked,
  prependChangeLine,
  trackedColumnsOf,
  type PassPhase,
} from './changeTracking';
import { isEnrichError, type ErrorCode } from './errors';
import { flattenPerson } from './flatten';
import { classifyIdentifier } from './identifiers';
import { loadJob } from './jobState';
import { withLock, type Clock, type KeyValueStore, type Lock, type RefreshEngine, type RefreshSheet, type TimeZone } from './ports';
import { flushingRefreshDeps } from './sheetFlush';
import { emptyPassCounts, loadRefreshState, recordRun, saveRefreshState, type PassCounts, type PendingRun, type RefreshPass, type RefreshState } from './refreshState';
import {
  defaultScheduleSettings,
  isScheduleActive,
  lastSlotAtOrBefore,
  loadSchedule,
  refreshCutoff,
  saveSchedule,
  trackedHeadersOf,
  type RefreshTarget,
} from './schedule';
import { readLayouts, rowRuns, STATUS_HEADER, type Layout } from './sheetTarget';
import {
  answeredPrefix,
  cellsDigest,
  claimLease,
  commitUnderLease,
  holdsLease,
  isLeaseFree,
  nextFailure,
  notFoundStatus,
  parseRefreshStatus,
  protectRead,
  requestableKey,
  statusText,
  type RecordIo,
  type RefreshRowStatus,
} from './jobWorker';
import type { ClassifiedIdentifier, RowOutcome } from './types';
import type { LastRunSummary, ScheduleRequest } from '../common/contract';

// ---- Ports -----------------------------------------------------------------------------------

export interface RefreshTuning {
  /**
   * Due rows per engine call; each block's results are written and the cursor saved. Large,
   * because the engine batches per call: a block's leftover URLs and emails each make a partial
   * request, and at 15 requests a minute those are what a pass can least afford. A killed block
   * costs little: its answers wait in the cache.
   */
  blockSize: number;
  /** Time one execution may use, from its start: well inside Apps Script's 6 minutes. */
  runBudgetMs: number;
  /** The longest one request may take (UrlFetch gives up at about 60 s): none starts later than budget minus this. */
  maxRequestMs: number;
  /** How long a state update waits for the document lock. */
  lockTimeoutMs: number;
  /** A run's claim on the refresh; outlives the 6-minute limit, so a killed run frees it by itself. */
  leaseMs: number;
  /** Unexpected failures in a row before the schedule pauses itself. */
  maxConsecutiveErrors: number;
}

export const DEFAULT_REFRESH_TUNING: RefreshTuning = {
  blockSize: 500,
  runBudgetMs: 270_000,
  maxRequestMs: 60_000,
  lockTimeoutMs: 10_000,
  leaseMs: 7 * 60_000,
  maxConsecutiveErrors: 3,
};

export interface RefreshDeps {
  sheet: RefreshSheet;
  /** Document properties. */
  store: KeyValueStore;
  /** Document lock: held for state updates only, never for a whole run. */
  lock: Lock;
  clock: Clock;
  zone: TimeZone;
  engine: RefreshEngine;
  newId(): string;
  tuning?: Partial<RefreshTuning>;
  /** This user's UrlFetch calls left today (src/core/spend.ts); absent: not counted. */
  fetchQuota?: FetchQuota;
}

export const tuningOf = (deps: RefreshDeps): RefreshTuning => ({ ...DEFAULT_REFRESH_TUNING, ...deps.tuning });

// ---- Row statuses ------------------------------------------------------------------------------

/** Rows the add-on enriched whose data is from the cutoff date or earlier (dates compare as text). */
export function isDue(status: RefreshRowStatus, identifier: ClassifiedIdentifier, cutoffDate: string): boolean {
  if (identifier.kind !== 'profile_url' && identifier.kind !== 'business_email') return false;
  switch (status.kind) {
    case 'enriched':
      return status.date <= cutoffDate;
    case 'not_found':
      return status.checked === null || status.checked <= cutoffDate;
    case 'error':
    case 'invalid':
      // Failed last time, or the user fixed an invalid identifier: worth another try.
      return true;
    default:
      // Blank status: the header, a row the user added, anything not the add-on's.
      return false;
  }
}

// ---- Finding the range ---------------------------------------------------------------------------

/**
 * The layout to refresh on a sheet: the one named, else the one the sheet's bulk job wrote last (a
 * re-run replaces the layout and its id), else the only one there. Null when none can be told apart.
 */
export function resolveLayoutId(sheet: Pick<RefreshSheet, 'readColumnMarks'>, store: KeyValueStore, sheetId: number, preferred: string | null): string | null {
  return resolveLayout(sheet, store, sheetId, preferred)?.id ?? null;
}

/** resolveLayoutId's choice with where its columns are now (one metadata read). */
export function resolveLayout(sheet: Pick<RefreshSheet, 'readColumnMarks'>, store: KeyValueStore, sheetId: number, preferred: string | null): Layout | null {
  const usable = [...readLayouts(sheet.readColumnMarks(sheetId)).values()].filter((layout) => layout.statusColumn !== null && layout.sourceColumn !== null);
  const named = preferred ? usable.find((layout) => layout.id === preferred) : undefined;
  if (named) return named;
  const job = loadJob(store, sheetId);
  const jobs = job ? usable.find((layout) => layout.id === job.layoutId) : undefined;
  if (jobs) return jobs;
  return usable.length === 1 ? usable[0] : null;
}

interface ColumnMap {
  layout: Layout;
  source: number;
  status: number;
  /** Data columns still there, with their index in the selection's columns. */
  data: Array<{ column: Column; index: number; at: number }>;
  changes: number | null;
}

// ---- Running -----------------------------------------------------------------------------------

export interface RunRequest {
  origin: 'schedule' | 'manual';
  /** Absolute time by which the run must be done (its requests end by then). */
  until: number;
  /** Manual run: what to refresh (default: the schedule's range). */
  target?: RefreshTarget | null;
}

export type RunOutcome =
  /** Another run holds the refresh (lock or lease): this one did nothing. */
  | { kind: 'busy' }
  | { kind: 'idle'; message: string }
  | { kind: 'ran'; phase: PassPhase; summary: LastRunSummary }
  /** The schedule paused itself (key, credits, sheet or columns gone). */
  | { kind: 'paused'; message: string; summary: LastRunSummary | null };

type PassResult =
  | { kind: 'done' }
  | { kind: 'continues' }
  | { kind: 'fatal'; message: string; code: ErrorCode }
  | { kind: 'blocked'; message: string }
  /** Rows moved while this run worked: the next run finds its place again. */
  | { kind: 'moved' }
  | { kind: 'lost' };

/** One execution's share of the refresh: claim, work through due rows, record. Never throws. */
export function runRefresh(deps: RefreshDeps, request: RunRequest): RunOutcome {
  deps = flushingRefreshDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const tuning = tuningOf(deps);
  const token = deps.newId();
  const claim = withLock(deps.lock, tuning.lockTimeoutMs, () => claimPass(deps, tuning, request, token));
  if ('lockTimedOut' in claim) return { kind: 'busy' };
  if (claim.kind !== 'claimed') return claim.outcome;

  const run = new PassRun(deps, tuning, claim.pass, token, request.until);
  let result: PassResult;
  try {
    result = run.run();
  } catch (error) {
    return recordFailure(deps, tuning, token, error);
  }
  return finishRun(deps, tuning, token, run, result);
}

type Claim = { kind: 'claimed'; pass: RefreshPass } | { kind: 'not'; outcome: RunOutcome };

function claimPass(deps: RefreshDeps, tuning: RefreshTuning, request: RunRequest, token: string): Claim {
  const now = deps.clock.now();
  const state = loadRefreshState(deps.store);
  const schedule = loadSchedule(deps.store);
  if (request.origin === 'schedule') state.lastTickAt = now;
  if (!isLeaseFree(state, now)) {
    if (request.origin === 'schedule') saveRefreshState(deps.store, state);
    return { kind: 'not', outcome: { kind: 'busy' } };
  }
  state.lease = null;

  let target: RefreshTarget | null;
  let settings: ScheduleRequest;
  if (request.origin === 'schedule') {
    if (!isScheduleActive(schedule)) {
      saveRefreshState(deps.store, state);
      return { kind: 'not', outcome: { kind: 'idle', message: 'The schedule is off.' } };
    }
    target = schedule.target;
    settings = schedule.settings;
    if (!state.pass) {
      const slot = lastSlotAtOrBefore(settings, deps.zone, now);
      if (state.servedSlot !== null && slot <= state.servedSlot) {
        saveRefreshState(deps.store, state);
        return { kind: 'not', outcome: { kind: 'idle', message: 'Not due yet.' } };
      }
      state.servedSlot = slot;
    }
  } else {
    target = request.target ?? schedule?.target ?? null;
    settings = schedule?.settings ?? defaultScheduleSettings();
    if (!target) return { kind: 'not', outcome: { kind: 'idle', message: 'There is no enriched range to refresh yet: enrich a column from the sidebar first.' } };
  }

  // The bulk job may have laid the columns out again (new layout id): follow it.
  const sheetName = deps.sheet.sheetName(target.sheetId);
  if (sheetName !== null) {
    const layoutId = resolveLayoutId(deps.sheet, deps.store, target.sheetId, target.layoutId);
    if (layoutId && (layoutId !== target.layoutId || sheetName !== target.sheetName)) {
      target = { ...target, layoutId, sheetName };
      if (schedule && schedule.target.sheetId === target.sheetId) saveSchedule(deps.store, { ...schedule, target });
    }
  }

  // A pass stopped at its credit cap goes on under the cap set since (raised to let it finish).
  const pass =
    state.pass && state.pass.sheetId === target.sheetId
      ? { ...state.pass, layoutId: target.layoutId, sheetName: target.sheetName, creditCap: settings.creditCap ?? null }
      : newPass(deps, settings, target, request.origin);
  state.pass = pass;
  claimLease(state, token, now, now + tuning.leaseMs);
  saveRefreshState(deps.store, state);
  return { kind: 'claimed', pass };
}

function newPass(deps: RefreshDeps, settings: ScheduleRequest, target: RefreshTarget, origin: 'schedule' | 'manual'): RefreshPass {
  const now = deps.clock.now();
  const cutoff = refreshCutoff(deps.zone, now, settings.maxAgeDays);
  return {
    id: deps.newId(),
    origin,
    startedAt: now,
    sheetId: target.sheetId,
    sheetName: target.sheetName,
    layoutId: target.layoutId,
    cutoffDate: cutoff.date,
    freshSinceMs: cutoff.freshSinceMs,
    forceFetch: settings.forceFetch,
    live: settings.live === true,
    trackedHeaders: trackedHeadersOf(settings),
    cursorRow: 1,
    anchor: null,
    counts: emptyPassCounts(),
    creditsUsed: 0,
    creditCap: settings.creditCap ?? null,
    runs: 0,
    firstFailure: null,
  };
}

function summaryOf(pass: RefreshPass, phase: PassPhase, at: number, extra?: string): LastRunSummary {
  const c = pass.counts;
  const text = describePass(c, pass.trackedHeaders, phase, pass.sheetName);
  const failure = c.failed && pass.firstFailure ? ` First problem: ${pass.firstFailure}` : '';
  return {
    at,
    refreshed: c.refreshed,
    changed: c.changed,
    notFound: c.notFound,
    failed: c.failed,
    creditsUsed: pass.creditsUsed ?? 0,
    summary: [text + failure, extra].filter(Boolean).join(' '),
  };
}

/** Records what the run did under the lock; the lease goes, whatever happened. */
function finishRun(deps: RefreshDeps, tuning: RefreshTuning, token: string, run: PassRun, result: PassResult): RunOutcome {
  const now = deps.clock.now();
  const pass = run.pass;
  let outcome: RunOutcome;
  const saved = commitUnderLease(deps.lock, tuning.lockTimeoutMs, refreshStateIo(deps), token, (state) => {
    state.lease = null;
    pass.runs++;
    switch (result.kind) {
      case 'done': {
        state.pass = null;
        const c = pass.counts;
        if (c.changed) state.lastChange = { at: now, text: describeChanges(c.changedBy, pass.trackedHeaders) };
        const quiet = !(c.refreshed + c.notFound + c.failed) && state.lastChange;
        const run = recordRun(state, summaryOf(pass, 'done', now, quiet ? `Changes found ${deps.sheet.formatDate(quiet.at)}: ${quiet.text}.` : undefined));
        state.consecutiveErrors = 0;
        outcome = { kind: 'ran', phase: 'done', summary: run };
        break;
      }
      case 'continues':
      case 'moved':
      case 'lost':
        state.pass = pass;
        outcome = { kind: 'ran', phase: 'continues', summary: recordRun(state, summaryOf(pass, 'continues', now)) };
        break;
      case 'fatal':
      case 'blocked': {
        // A key problem keeps the pass so it resumes where it stopped; a missing sheet or column
        // ends it: the range it describes is gone.
        state.pass = result.kind === 'fatal' ? pass : null;
        const run = recordRun(state, summaryOf(pass, 'stopped', now, `Stopped: ${result.message}`));
        pauseSchedule(deps, result.message, result.kind === 'fatal' ? result.code : null);
        outcome = { kind: 'paused', message: result.message, summary: run };
        break;
      }
    }
    return { save: state, value: outcome! };
  });
  if (saved.kind === 'busy') return { kind: 'ran', phase: 'continues', summary: summaryOf(pass, 'continues', now) };
  return saved.kind === 'lost' ? { kind: 'busy' } : saved.value;
}

/** The refresh's one stored record, for the worker's commit protocol (src/core/jobWorker.ts). */
function refreshStateIo(deps: RefreshDeps): RecordIo<RefreshState> {
  return { load: () => loadRefreshState(deps.store), save: (state) => saveRefreshState(deps.store, state) };
}

function pauseSchedule(deps: RefreshDeps, reason: string, code: ErrorCode | null): void {
  const schedule = loadSchedule(deps.store);
  if (schedule && schedule.enabled) saveSchedule(deps.store, { ...schedule, pausedReason: reason, pausedCode: code, updatedAt: deps.clock.now() });
}

/** An unexpected failure: the pass stays for the next run, and a few in a row pause the schedule. */
function recordFailure(deps: RefreshDeps, tuning: RefreshTuning, token: string, error: unknown): RunOutcome {
  const detail = error instanceof Error ? error.message : String(error);
  const outcome = withLock(deps.lock, tuning.lockTimeoutMs, (): RunOutcome => {
    const state = loadRefreshState(deps.store);
    if (holdsLease(state, token)) state.lease = null;
    const failure = nextFailure(state.consecutiveErrors, tuning.maxConsecutiveErrors);
    state.consecutiveErrors = failure.inARow;
    if (failure.pause) {
      const message = `The refresh stopped after ${state.consecutiveErrors} failed runs in a row. Last problem: ${detail}`;
      pauseSchedule(deps, message, isEnrichError(error) ? error.code : null);
      state.consecutiveErrors = 0;
      saveRefreshState(deps.store, state);
      return { kind: 'paused', message, summary: state.lastRun };
    }
    saveRefreshState(deps.store, state);
    return { kind: 'idle', message: `A problem interrupted the refresh; it carries on at the next run: ${detail}` };
  });
  return 'lockTimedOut' in outcome ? { kind: 'idle', message: `A problem interrupted the refresh: ${detail}` } : outcome;
}

/** Runs of written rows announced in one commit: few, so the pending record stays small. */
const RUNS_PER_ANNOUNCE = 4;

function cloneCounts(counts: PassCounts): PassCounts {
  return { ...counts, changedBy: { ...counts.changedBy } };
}

/** One pass's work inside one execution. */
class PassRun {
  readonly pass: RefreshPass;
  private readonly sheet: RefreshSheet;

  constructor(
    private readonly deps: RefreshDeps,
    private readonly tuning: RefreshTuning,
    pass: RefreshPass,
    private readonly token: string,
    private readonly until: number,
  ) {
    this.pass = { ...pass, counts: { ...pass.counts, changedBy: { ...pass.counts.changedBy } } };
    this.sheet = deps.sheet;
  }

  run(): PassResult {
    const { sheet, pass } = this;
    const sheetId = pass.sheetId;
    const currentName = sheet.sheetName(sheetId);
    if (currentName === null) {
      return { kind: 'blocked', message: `The sheet “${pass.sheetName}” was deleted, so there is nothing to refresh. Open the sidebar on an enriched sheet and click Keep fresh.` };
    }
    pass.sheetName = currentName;

    let first = this.locate();
    if (typeof first === 'string') return { kind: 'blocked', message: first };
    const fields = first.layout.fields;
    let selection;
    try {
      selection = parseFieldSelection(fields);
    } catch (error) {
      return { kind: 'blocked', message: `The enriched columns on “${currentName}” name fields this version does not know (${isEnrichError(error) ? error.message : String(error)}). Enrich the column again.` };
    }
    const columns = columnsFor(selection);
    first = this.locate(columns);
    if (typeof first === 'string') return { kind: 'blocked', message: first };
    const tracked = trackedColumnsOf(
      first.data.map((d) => d.column),
      pass.trackedHeaders,
    );
    if (tracked.length && first.changes === null) {
      this.addChangesColumn(first);
      first = this.locate(columns);
      if (typeof first === 'string') return { kind: 'blocked', message: first };
    }

    const lastRow = sheet.size(sheetId).rows;
    const sources = sheet.readValues(sheetId, 1, first.source, lastRow, 1).map((row) => row[0]);
    const statuses = sheet.readValues(sheetId, 1, first.status, lastRow, 1).map((row) => row[0]);
    const classified = sources.map(classifyIdentifier);
    const keys = classified.map(requestableKey);
    // A block killed between its writes and its save: the runs of it found written count now.
    if (pass.pending?.length) this.settlePending(keys, statuses, lastRow);
    const start = this.findCursor(keys, lastRow);

    const due: number[] = [];
    for (let row = start; row <= lastRow; row++) {
      if (isDue(parseRefreshStatus(statuses[row - 1]), classified[row - 1], pass.cutoffDate)) due.push(row);
    }
    const c = pass.counts;
    c.due = c.refreshed + c.notFound + c.failed + due.length;
    if (!due.length) {
      pass.cursorRow = lastRow + 1;
      return { kind: 'done' };
    }

    const clock = this.deps.clock;
    for (let i = 0; i < due.length; ) {
      if (clock.now() >= this.until - this.tuning.maxRequestMs) return { kind: 'continues' };
      const block = due.slice(i, i + this.tuning.blockSize);
      // The run's credit cap is checked before a request, never after (src/core/spend.ts).
      const quota = this.deps.fetchQuota;
      const callsLeft = quota?.callsLeft();
      if (quota && callsLeft !== undefined && callsLeft < 1) return { kind: 'fatal', message: quota.message, code: 'fetch_quota' };
      if (capReached(pass.creditCap, pass.creditsUsed ?? 0, selection)) return { kind: 'fatal', message: capMessage(pass.creditCap!, pass.creditsUsed ?? 0, 'run') + ' Set a higher cap in Keep fresh.', code: 'credit_cap' };
      const result = this.deps.engine.enrich(
        block.map((row) => sources[row - 1]),
        {
          selection,
          deadline: this.until,
          maxRequestMs: this.tuning.maxRequestMs,
          maxCacheAgeMs: Math.max(1, clock.now() - pass.freshSinceMs),
          forceFetch: pass.forceFetch,
          api: { ...DEFAULT_API_OPTIONS, forceFetch: pass.forceFetch, live: pass.live === true },
          creditBudget: creditBudget(pass.creditCap, pass.creditsUsed ?? 0),
          fetchCallsLeft: callsLeft,
        },
      );
      pass.creditsUsed = (pass.creditsUsed ?? 0) + result.stats.creditsUsed;
      // Rows are settled up to the first the engine could not answer (out of time, or a key
      // problem that stops every request); the cursor never passes an unanswered row.
      const { cut, fatal } = answeredPrefix(result.outcomes.slice(0, block.length), result.fatal);
      if (cut > 0) {
        const written = this.writeBlock(block.slice(0, cut), result.outcomes.slice(0, cut), sources, keys, columns, tracked);
        if (written !== 'ok') return written;
        if (!this.commit()) return { kind: 'lost' };
      }
      i += cut;
      if (fatal) return { kind: 'fatal', message: fatal.message, code: fatal.code };
      if (result.stoppedBy === 'credit_cap' && cut < block.length) {
        return { kind: 'fatal', message: capMessage(pass.creditCap ?? 0, pass.creditsUsed ?? 0, 'run') + ' Set a higher cap in Keep fresh.', code: 'credit_cap' };
      }
      if (quota && result.stoppedBy === 'fetch_quota' && cut < block.length) return { kind: 'fatal', message: quota.message, code: 'fetch_quota' };
      if (cut < block.length) return { kind: 'continues' };
    }
    pass.cursorRow = lastRow + 1;
    return { kind: 'done' };
  }

  /** Where the layout's columns are now, from their developer metadata; a string says why not. */
  private locate(columns?: Column[]): ColumnMap | string {
    const { sheet, pass } = this;
    const where = `on “${pass.sheetName}”`;
    const layout = readLayouts(sheet.readColumnMarks(pass.sheetId)).get(pass.layoutId);
    if (!layout) return `The enriched columns ${where} are gone (deleted, or replaced by another enrichment), so the refresh stopped rather than write in the wrong place. Open the sidebar there and click Keep fresh again.`;
    if (layout.sourceColumn === null) return `The identifier column of the enriched range ${where} was deleted, so the refresh stopped rather than write in the wrong place.`;
    if (layout.statusColumn === null) return `The “${STATUS_HEADER}” column ${where} was deleted, so the refresh stopped rather than write in the wrong place. Enrich the column again, then click Keep fresh.`;
    const data: ColumnMap['data'] = [];
    (columns ?? []).forEach((column, index) => {
      const at = layout.dataColumns.get(column.id);
      if (at !== undefined) data.push({ column, index, at });
    });
    if (columns && !data.length) return `Every result column ${where} was deleted, so there is nothing to refresh. Enrich the column again, then click Keep fresh.`;
    const marks = sheet.readChangesMarks(pass.sheetId);
    let changes = marks.find((mark) => mark.layoutId === pass.layoutId)?.column ?? null;
    if (changes === null && columns) {
      // A Changes column left by a layout that a new enrichment of the same range replaced.
      const live = new Set(readLayouts(sheet.readColumnMarks(pass.sheetId)).keys());
      const orphan = marks.find((mark) => !live.has(mark.layoutId));
      if (orphan) {
        sheet.markChangesColumn(pass.sheetId, orphan.column, pass.layoutId);
        changes = orphan.column;
      }
    }
    const taken = new Set<number>([layout.sourceColumn, layout.statusColumn, ...data.map((d) => d.at)]);
    if (changes !== null && taken.has(changes)) changes = null;
    return { layout, source: layout.sourceColumn, status: layout.statusColumn, data, changes };
  }

  /** A Changes column right after the results (inserted: nothing of the user's is overwritten). */
  private addChangesColumn(map: ColumnMap): void {
    const { sheet, pass } = this;
    const last = Math.max(map.status, ...map.data.map((d) => d.at));
    sheet.insertColumnsAfter(pass.sheetId, last, 1);
    sheet.markChangesColumn(pass.sheetId, last + 1, pass.layoutId);
    if (!map.layout.hasHeader) return;
    const statusColumn = map.status > last ? map.status + 1 : map.status;
    const rows = Math.min(sheet.size(pass.sheetId).rows, 1000);
    const headerIndex = sheet
      .readValues(pass.sheetId, 1, statusColumn, rows, 1)
      .findIndex((row) => comparableText(row[0]) === STATUS_HEADER);
    if (headerIndex >= 0) sheet.writeValues(pass.sheetId, headerIndex + 1, last + 1, [[CHANGES_HEADER]]);
  }

  /** The row to go on from: after the anchor identifier, wherever inserted rows moved it. */
  private findCursor(keys: Array<string | null>, lastRow: number): number {
    const { cursorRow, anchor } = this.pass;
    if (anchor === null) return Math.min(cursorRow, lastRow + 1);
    if (keys[cursorRow - 2] === anchor) return cursorRow;
    let best = -1;
    for (let row = 1; row <= lastRow; row++) {
      if (keys[row - 1] === anchor && (best < 0 || Math.abs(row - (cursorRow - 1)) < Math.abs(best - (cursorRow - 1)))) best = row;
    }
    // Not found at all: start again from the top; rows refreshed in this pass are no longer due.
    return best < 0 ? 1 : best + 1;
  }

  /**
   * Writes one block's answered rows: re-reads the identifiers first (rows may have moved while
   * the requests were out), then the marks of changed cells, then the values, one setValues per
   * run of rows and columns.
   */
  private writeBlock(rows: number[], outcomes: RowOutcome[], sources: unknown[], keys: Array<string | null>, columns: Column[], tracked: Column[]): 'ok' | PassResult {
    const { sheet, pass } = this;
    const sheetId = pass.sheetId;
    const map = this.locate(columns);
    if (typeof map === 'string') return { kind: 'blocked', message: map };
    const first = rows[0];
    const span = rows[rows.length - 1] - first + 1;
    if (first + span - 1 > sheet.size(sheetId).rows) return { kind: 'moved' };
    const freshIds = sheet.readValues(sheetId, first, map.source, span, 1);
    for (const row of rows) {
      const now = freshIds[row - first][0];
      if (now !== sources[row - 1] && requestableKey(classifyIdentifier(now)) !== keys[row - 1]) return { kind: 'moved' };
    }

    // The add-on's columns in this layout, read over the block's rows, one call per side-by-side run.
    const ours = [map.status, ...map.data.map((d) => d.at), ...(map.changes !== null ? [map.changes] : [])].sort((a, b) => a - b);
    const columnRuns = rowRuns(ours);
    const grids = columnRuns.map(([a, b]) => ({ first: a, width: b - a + 1, values: sheet.readValues(sheetId, first, a, span, b - a + 1) as unknown[][] }));
    const gridOf = (column: number) => grids.find((grid) => column >= grid.first && column < grid.first + grid.width)!;
    const get = (row: number, column: number) => gridOf(column).values[row - first][column - gridOf(column).first];
    const set = (row: number, column: number, value: unknown) => {
      const grid = gridOf(column);
      grid.values[row - first][column - grid.first] = value;
    };
    const trackedAt = tracked.map((column) => map.data.find((d) => d.column.id === column.id)!.at);

    const written: number[] = [];
    const marks: Array<{ row: number; column: number; date: string; before: string }> = [];
    const c = pass.counts;
    /** The pass's counts and first failure after each row of the block, for the announced runs. */
    const after = new Map<number, { counts: PassCounts; firstFailure: string | null }>();
    const confirmed = { counts: cloneCounts(c), firstFailure: pass.firstFailure, cursorRow: pass.cursorRow, anchor: pass.anchor };
    rows.forEach((row, k) => {
      const outcome = outcomes[k];
      const previous = parseRefreshStatus(get(row, map.status));
      const hadData =
        previous.kind === 'enriched' ||
        (previous.kind === 'not_found' && previous.keptData) ||
        map.data.some((d) => comparableText(get(row, d.at)) !== '');
      if (outcome.status === 'matched') {
        const date = this.dateOf(outcome.fetchedAt);
        const values = flattenPerson(outcome.person, columns);
        const before = trackedAt.map((column) => get(row, column));
        const changes = hadData ? diffTracked(tracked, before, tracked.map((column) => values[columns.indexOf(column)])) : [];
        for (const d of map.data) set(row, d.at, values[d.index]);
        set(row, map.status, statusText({ kind: 'enriched', date }));
        if (changes.length) {
          c.changed++;
          for (const change of changes) {
            c.changedBy[change.header] = (c.changedBy[change.header] ?? 0) + 1;
            marks.push({ row, column: trackedAt[tracked.findIndex((column) => column.id === change.columnId)], date, before: change.before });
          }
          if (map.changes !== null) set(row, map.changes, prependChangeLine(get(row, map.changes), changeLine(date, changes)));
        }
        c.refreshed++;
        written.push(row);
      } else if (outcome.status === 'not_found') {
        set(row, map.status, notFoundStatus(this.dateOf(outcome.fetchedAt), previous, hadData));
        c.notFound++;
        if (hadData) c.lost = (c.lost ?? 0) + 1;
        written.push(row);
      } else {
        // A failure that does not stop the run: the row keeps data and status and is tried again next pass.
        c.failed++;
        if (!pass.firstFailure) pass.firstFailure = outcome.status === 'failed' ? outcome.message : outcome.status === 'invalid' ? outcome.message : 'No answer.';
      }
      after.set(row, { counts: cloneCounts(c), firstFailure: pass.firstFailure });
    });

    // Marks before values, and the status column's values last: if the execution dies part way,
    // the row's status still says it is due, and a later run writes (and marks) it again.
    this.writeMarks(marks);
    const statusLast = [...grids].sort((a, b) => Number(gridOf(map.status) === a) - Number(gridOf(map.status) === b));
    const runs = rowRuns(written);
    // Each group of runs is announced before it is written (jobWorker.ts, steps 2 and 3): a kill
    // before the block's save then costs no count, as the next execution finds the runs written.
    for (let g = 0; g < runs.length; g += RUNS_PER_ANNOUNCE) {
      const group = runs.slice(g, g + RUNS_PER_ANNOUNCE);
      const pending: PendingRun[] = group.map(([rowA, rowB]) => ({
        lastRow: rowB,
        rows: rowB - rowA + 1,
        key: keys[rowB - 1] ?? '',
        digest: cellsDigest(
          grids[grids.indexOf(gridOf(map.status))].values.slice(rowA - first, rowB - first + 1).map((values) => [values[map.status - gridOf(map.status).first]]),
          'written',
        ),
        ...after.get(rowB)!,
      }));
      if (!this.commit({ ...confirmed, pending })) return { kind: 'lost' };
      for (const [rowA, rowB] of group) {
        for (const grid of statusLast) {
          const out = grid.values.slice(rowA - first, rowB - first + 1).map((values) => values.map(protectRead));
          sheet.writeValues(sheetId, rowA, grid.first, out);
        }
      }
      const [, lastWritten] = group[group.length - 1];
      Object.assign(confirmed, after.get(lastWritten)!, { cursorRow: lastWritten + 1, anchor: keys[lastWritten - 1] });
    }
    const last = rows[rows.length - 1];
    pass.cursorRow = last + 1;
    pass.anchor = keys[last - 1];
    return 'ok';
  }

  /** Note (old value and date) and highlight on each changed cell: one read and one write of each per side-by-side run. */
  private writeMarks(marks: Array<{ row: number; column: number; date: string; before: string }>): void {
    if (!marks.length) return;
    const sheetId = this.pass.sheetId;
    for (const [a, b] of rowRuns([...new Set(marks.map((mark) => mark.column))].sort((x, y) => x - y))) {
      const here = marks.filter((mark) => mark.column >= a && mark.column <= b);
      const top = Math.min(...here.map((mark) => mark.row));
      const bottom = Math.max(...here.map((mark) => mark.row));
      const notes = this.sheet.readNotes(sheetId, top, a, bottom - top + 1, b - a + 1);
      const colors = this.sheet.readBackgrounds(sheetId, top, a, bottom - top + 1, b - a + 1);
      for (const mark of here) {
        notes[mark.row - top][mark.column - a] = changeNote(notes[mark.row - top][mark.column - a] ?? '', mark.date, mark.before);
        colors[mark.row - top][mark.column - a] = CHANGE_HIGHLIGHT;
      }
      this.sheet.writeNotes(sheetId, top, a, notes);
      this.sheet.writeBackgrounds(sheetId, top, a, colors);
    }
  }

  private readonly dates = new Map<number, string>();

  /** formatDate once per quarter hour (every time zone offset is a multiple of 15 minutes). */
  private dateOf(epochMs: number): string {
    const bucket = Math.floor(epochMs / 900_000);
    let date = this.dates.get(bucket);
    if (date === undefined) {
      date = this.sheet.formatDate(bucket * 900_000);
      this.dates.set(bucket, date);
    }
    return date;
  }

  /**
   * Saves the cursor and counts if this run still holds the lease (jobWorker.ts, step 4), or,
   * with `announce`, the state before a group of runs and the runs about to be written (step 2).
   */
  private commit(announce?: Pick<RefreshPass, 'counts' | 'firstFailure' | 'cursorRow' | 'anchor' | 'pending'>): boolean {
    const outcome = commitUnderLease(this.deps.lock, this.tuning.lockTimeoutMs, refreshStateIo(this.deps), this.token, (state) => {
      state.pass = { ...this.pass, ...(announce ?? { pending: null }) };
      state.consecutiveErrors = 0;
      return { save: state, value: null };
    });
    // A busy lock is no reason to stop: the rows written are dated and the next commit catches up
    // (an announcement not saved leaves the previous state, whose rows are all counted).
    return outcome.kind !== 'lost';
  }

  /**
   * The runs a killed execution announced (step 2): the last one whose status cells hold what it
   * was going to write, found by its last row's identifier wherever rows moved, was written, and
   * so was every run before it; the pass takes its counts and goes on after it. None found: the
   * block's rows are still due and are refreshed (and counted) again.
   */
  private settlePending(keys: Array<string | null>, statuses: unknown[], lastRow: number): void {
    const { pass } = this;
    const steps = pass.pending ?? [];
    pass.pending = null;
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i];
      const row = this.findRow(keys, step.key, step.lastRow, lastRow);
      if (row === null || row - step.rows + 1 < 1) continue;
      const cells = statuses.slice(row - step.rows, row).map((status) => [status]);
      if (cellsDigest(cells, 'read') !== step.digest) continue;
      pass.counts = cloneCounts(step.counts);
      pass.firstFailure = step.firstFailure;
      pass.cursorRow = row + 1;
      pass.anchor = step.key;
      return;
    }
  }

  /** The row holding this identifier nearest to where it was, or null. */
  private findRow(keys: Array<string | null>, key: string, near: number, lastRow: number): number | null {
    if (keys[near - 1] === key) return near;
    let best: number | null = null;
    for (let row = 1; row <= lastRow; row++) {
      if (keys[row - 1] === key && (best === null || Math.abs(row - near) < Math.abs(best - near))) best = row;
    }
    return best;
  }
}
