// Keep fresh's controls: turning the schedule on and off from the sidebar, its status, Refresh
// now, and the hourly trigger's run. One hourly time-driven trigger (handler onScheduledRun)
// serves both the schedule and the bulk jobs the user lets continue in the background: an add-on
// gets one time-driven trigger per user per document, and an hourly one lets a pass that needs
// several executions carry on the next hour instead of the next day. Whether a daily or weekly
// refresh is due is decided here, in code, from the settings and the spreadsheet's time zone.
// The trigger is found by the id kept in the user's properties (src/core/triggerRecord.ts), and a
// run without its document stops cleanly (onTickWithoutDocument).
import { codeOfLegacyMessage, PROBLEMS, type ErrorCode } from '../common/messages';
import { EnrichError } from './errors';
import { listJobs } from './jobState';
import { comparableText } from './changeTracking';
import { parseRefreshStatus } from './jobWorker';
import { resolveLayout, runRefresh, tuningOf, type RefreshDeps, type RunOutcome } from './refresh';
import { loadRefreshState, saveRefreshState, type RefreshState } from './refreshState';
import {
  HOUR_MS,
  isScheduleActive,
  lastSlotAtOrBefore,
  loadSchedule,
  nextSlotAfter,
  parseScheduleRequest,
  saveSchedule,
  type RefreshTarget,
  type StoredSchedule,
} from './schedule';
import { withLock, type Clock, type KeyValueStore, type RefreshSheet, type TriggerPort } from './ports';
import { flushingRefreshDeps } from './sheetFlush';
import { rangeA1, sheetRangeA1, STATUS_HEADER, type Layout } from './sheetTarget';
import { allTriggerRecords, deleteTriggerRecord, loadTriggerRecord, saveTriggerRecord } from './triggerRecord';
import type { ScheduleStatus, ScheduleTarget } from '../common/contract';

/** The trigger's handler: src/entrypoints.ts onScheduledRun. */
export const TRIGGER_HANDLER = 'onScheduledRun';
/** An active schedule whose trigger has not run for this long has lost its trigger (or its quota). */
export const STALE_AFTER_MS = 3 * HOUR_MS;

/** Where the trigger's id is kept: this user's properties, under this spreadsheet's id. */
export interface TriggerHome {
  triggers: TriggerPort;
  userStore: KeyValueStore;
  /** The spreadsheet's id (Spreadsheet.getId()). */
  documentId: string;
}

export interface ControlDeps extends RefreshDeps, TriggerHome {
  /** The sheet the user is on (sidebar and menu calls); null in a trigger. */
  activeSheetId(): number | null;
  /** Carries on the bulk jobs the user let continue in the background (bulkJob.continueBackgroundJobs). */
  continueBackgroundJobs?(budgetMs: number): unknown;
}

const BUSY_MESSAGE = PROBLEMS.busy.message;

// ---- The trigger ---------------------------------------------------------------------------------

/** Jobs the hourly trigger should carry on (the bulk job's rule, bulkJob.continueBackgroundJobs). */
export function hasBackgroundWork(deps: Pick<RefreshDeps, 'store'>): boolean {
  return listJobs(deps.store).some(
    (job) => job.continueInBackground && (job.state === 'running' || (job.state === 'paused' && job.pausedBy === 'user')),
  );
}

/**
 * The one hourly trigger of this user in this spreadsheet, created if missing; never a second one
 * however often this is called. It is found by the id kept in the user's properties, never by
 * listing or by handler name. Returns its id, or null when Google refused a new one because one
 * exists that cannot be told apart yet (it names itself at its next run here). Must run from a
 * user action in FULL auth mode.
 */
export function ensureTrigger(deps: TriggerHome & Pick<RefreshDeps, 'clock'>): string | null {
  const record = loadTriggerRecord(deps.userStore, deps.documentId);
  const live = deps.triggers.listClock();
  if (record?.triggerId && live.includes(record.triggerId)) return record.triggerId;
  try {
    const id = deps.triggers.createHourly(TRIGGER_HANDLER);
    saveTriggerRecord(deps.userStore, deps.documentId, { v: 1, triggerId: id });
    return id;
  } catch (error) {
    // One time-driven trigger per user per document: Google refuses a second. A trigger of this
    // user that no other spreadsheet's record claims is then this spreadsheet's (its id was not
    // kept: made by an older version, or the record was lost). One such trigger: it is ours.
    // Several: this one is among them; it names itself at its next run here.
    const claimed = new Set<string>();
    for (const [documentId, other] of allTriggerRecords(deps.userStore)) if (documentId !== deps.documentId && other.triggerId) claimed.add(other.triggerId);
    const unclaimed = live.filter((id) => !claimed.has(id));
    if (unclaimed.length === 1) {
      saveTriggerRecord(deps.userStore, deps.documentId, { v: 1, triggerId: unclaimed[0] });
      return unclaimed[0];
    }
    if (unclaimed.length > 1) {
      saveTriggerRecord(deps.userStore, deps.documentId, { v: 1, triggerId: null, unidentifiedSince: deps.clock.now() });
      return null;
    }
    const detail = error instanceof Error ? error.message : String(error);
    throw new EnrichError('permission_denied', `Google Sheets would not create the hourly trigger that runs the schedule (${detail}). Reload the spreadsheet, open the sidebar and try again.`);
  }
}

/** Removes this spreadsheet's trigger of this user, found by its kept id. False when none is known. */
function removeRecordedTrigger(deps: TriggerHome): boolean {
  const record = loadTriggerRecord(deps.userStore, deps.documentId);
  if (!record) return false;
  // A trigger not identified yet cannot be removed here: it removes itself at its next run.
  if (record.triggerId === null && record.unidentifiedSince !== undefined) return false;
  const removed = record.triggerId ? deps.triggers.remove(record.triggerId) : false;
  deleteTriggerRecord(deps.userStore, deps.documentId);
  return removed;
}

/** A trigger run removes its own trigger (by the event's triggerUid) and the record naming it. */
function removeOwnTrigger(deps: TriggerHome, uid: string | null): boolean {
  if (!uid) return removeRecordedTrigger(deps);
  const removed = deps.triggers.remove(uid);
  if (loadTriggerRecord(deps.userStore, deps.documentId)?.triggerId === uid) deleteTriggerRecord(deps.userStore, deps.documentId);
  return removed;
}

// ---- Sidebar ---------------------------------------------------------------------------------------

/**
 * The enriched range to keep fresh, named by sheet id and layout id, never by position: an
 * enabled schedule keeps its range (changing the hour from another sheet must not move it);
 * otherwise the range on the sheet the user is on, else the last schedule's, else the sheet of
 * the latest bulk job.
 */
export function findTarget(deps: TargetDeps): RefreshTarget | null {
  return findTargetLayout(deps)?.target ?? null;
}

type TargetDeps = Pick<ControlDeps, 'sheet' | 'store' | 'activeSheetId'>;

function findTargetLayout(deps: TargetDeps): { target: RefreshTarget; layout: Layout } | null {
  const schedule = loadSchedule(deps.store);
  const candidates: number[] = [];
  if (schedule?.enabled) candidates.push(schedule.target.sheetId);
  const active = deps.activeSheetId();
  if (active !== null) candidates.push(active);
  if (schedule) candidates.push(schedule.target.sheetId);
  for (const job of listJobs(deps.store).sort((a, b) => b.updatedAt - a.updatedAt)) candidates.push(job.sheetId);
  for (const sheetId of [...new Set(candidates)]) {
    const sheetName = deps.sheet.sheetName(sheetId);
    if (sheetName === null) continue;
    const preferred = schedule && schedule.target.sheetId === sheetId ? schedule.target.layoutId : null;
    const layout = resolveLayout(deps.sheet, deps.store, sheetId, preferred);
    if (layout) return { target: { sheetId, sheetName, layoutId: layout.id }, layout };
  }
  return null;
}

/**
 * What the sidebar names as kept fresh: the schedule's range while it is on (null if that range
 * is gone: the next run pauses with the reason), else what Keep fresh would take (findTarget).
 */
function shownTarget(deps: TargetDeps, schedule: StoredSchedule | null): ScheduleTarget | null {
  if (schedule?.enabled) {
    const { sheetId } = schedule.target;
    const sheetName = deps.sheet.sheetName(sheetId);
    const layout = sheetName === null ? null : resolveLayout(deps.sheet, deps.store, sheetId, schedule.target.layoutId);
    return sheetName !== null && layout ? keptFreshRange(deps.sheet, sheetId, sheetName, layout) : null;
  }
  const found = findTargetLayout(deps);
  return found ? keptFreshRange(deps.sheet, found.target.sheetId, found.target.sheetName, found.layout) : null;
}

/**
 * The rectangle a refresh works in: from the leftmost to the rightmost of the layout's columns
 * (identifiers, status, results, Changes) and from the first to the last row the add-on gave a
 * status (its header included). Null when no row has one yet: nothing enriched to refresh.
 */
export function keptFreshRange(sheet: Pick<RefreshSheet, 'size' | 'readValues' | 'readChangesMarks'>, sheetId: number, sheetName: string, layout: Layout): ScheduleTarget | null {
  if (layout.sourceColumn === null || layout.statusColumn === null) return null;
  const columns = [layout.sourceColumn, layout.statusColumn, ...layout.dataColumns.values()];
  const changes = sheet.readChangesMarks(sheetId).find((mark) => mark.layoutId === layout.id);
  if (changes) columns.push(changes.column);
  const statuses = sheet.readValues(sheetId, 1, layout.statusColumn, sheet.size(sheetId).rows, 1);
  let first = 0;
  let last = 0;
  let enriched = false;
  statuses.forEach(([cell], index) => {
    const isHeader = comparableText(cell) === STATUS_HEADER;
    if (!isHeader && parseRefreshStatus(cell).kind === 'none') return;
    enriched ||= !isHeader;
    first ||= index + 1;
    last = index + 1;
  });
  if (!enriched) return null;
  const left = Math.min(...columns);
  const right = Math.max(...columns);
  return { sheetName, rangeA1: sheetRangeA1(sheetName, rangeA1(first, left, last - first + 1, right - left + 1)) };
}

/** Keep fresh: validates the settings, makes sure the trigger exists, saves the schedule. */
export function setSchedule(deps: ControlDeps, request: unknown): ScheduleStatus {
  deps = flushingRefreshDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const settings = parseScheduleRequest(request);
  const target = findTarget(deps);
  if (!target) {
    throw new EnrichError('invalid_argument', 'There is no enriched range to keep fresh yet. Enrich a column first (Start, above), then turn on Keep fresh.');
  }
  const triggerId = ensureTrigger(deps);
  const now = deps.clock.now();
  const saved = withLock(deps.lock, tuningOf(deps).lockTimeoutMs, () => {
    const state = loadRefreshState(deps.store);
    const schedule: StoredSchedule = { v: 1, enabled: true, settings, target, pausedReason: null, pausedCode: null, triggerId, updatedAt: now };
    // The first run is the next scheduled time, not now (Refresh now is there for that).
    const slot = lastSlotAtOrBefore(settings, deps.zone, now);
    state.servedSlot = state.servedSlot === null ? slot : Math.max(state.servedSlot, slot);
    if (state.pass && (state.pass.sheetId !== target.sheetId || state.pass.layoutId !== target.layoutId)) state.pass = null;
    state.consecutiveErrors = 0;
    saveSchedule(deps.store, schedule);
    saveRefreshState(deps.store, state);
    return true;
  });
  if (saved !== true) throw new EnrichError('busy', BUSY_MESSAGE);
  return scheduleStatus(deps);
}

/** Stop refreshing: the schedule goes off, and so does the trigger unless a background job needs it. */
export function stopSchedule(deps: ControlDeps): ScheduleStatus {
  deps = flushingRefreshDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const now = deps.clock.now();
  const saved = withLock(deps.lock, tuningOf(deps).lockTimeoutMs, () => {
    const schedule = loadSchedule(deps.store);
    if (schedule) saveSchedule(deps.store, { ...schedule, enabled: false, pausedReason: null, pausedCode: null, updatedAt: now });
    const state = loadRefreshState(deps.store);
    if (state.pass) {
      state.pass = null;
      saveRefreshState(deps.store, state);
    }
    return true;
  });
  if (saved !== true) throw new EnrichError('busy', BUSY_MESSAGE);
  if (!hasBackgroundWork(deps)) removeRecordedTrigger(deps);
  return scheduleStatus(deps);
}

/**
 * What the sidebar says after a run of the hourly trigger found no document and removed the
 * trigger: what happened, what still works, and how to try again.
 */
export function noDocumentNotice(date: string): string {
  return (
    `The hourly run on ${date} could not open this spreadsheet: Google started it without the document. ` +
    'It changed nothing and sent no request. It removed its hourly trigger, so nothing runs while the sidebar is closed. ' +
    'Refresh now (Extensions → Crustdata) still works, and so do jobs while this sidebar is open. ' +
    'To try the hourly run again, click Keep fresh (or Update schedule).'
  );
}

export function scheduleStatus(deps: RefreshDeps & TargetDeps & Pick<TriggerHome, 'userStore' | 'documentId'>): ScheduleStatus {
  const schedule = loadSchedule(deps.store);
  const state = loadRefreshState(deps.store);
  const now = deps.clock.now();
  const enabled = schedule?.enabled ?? false;
  const record = loadTriggerRecord(deps.userStore, deps.documentId);
  const noDocumentAt = record && record.triggerId === null ? (record.noDocumentAt ?? null) : null;
  const triggerNotice = noDocumentAt === null ? null : noDocumentNotice(deps.sheet.formatDate(noDocumentAt));
  let pausedReason = enabled ? (schedule?.pausedReason ?? null) : null;
  // The notice says why the trigger stopped; the guess below would only repeat it less clearly.
  if (schedule && enabled && !pausedReason && !triggerNotice) {
    const lastSign = Math.max(state.lastTickAt ?? 0, schedule.updatedAt);
    if (now - lastSign > STALE_AFTER_MS) {
      pausedReason = `The schedule has not run since ${deps.sheet.formatDate(lastSign)}: its hourly trigger was removed or ran out of its daily time. Click Keep fresh to turn it on again.`;
    }
  }
  return {
    enabled,
    target: shownTarget(deps, schedule),
    settings: schedule?.settings ?? null,
    nextRunAt: schedule && enabled && !pausedReason && !triggerNotice ? nextRunAt(deps, schedule, state, now) : null,
    lastRun: state.lastRun,
    recentRuns: state.recentRuns ?? (state.lastRun ? [state.lastRun] : []),
    pausedReason,
    pausedCode: pausedCodeOf(schedule, enabled),
    triggerNotice,
  };
}

/** The code of the reason a schedule paused itself; for one saved before codes were kept, read from its words. */
function pausedCodeOf(schedule: StoredSchedule | null, enabled: boolean): ErrorCode | null {
  if (!schedule || !enabled || !schedule.pausedReason) return null;
  return schedule.pausedCode !== undefined ? schedule.pausedCode : codeOfLegacyMessage(schedule.pausedReason);
}

/** The next scheduled time, or the next hourly run when a pass is due or carrying on. */
export function nextRunAt(deps: Pick<RefreshDeps, 'zone'>, schedule: StoredSchedule, state: RefreshState, now: number): number {
  const nextTick = Math.max(now, (state.lastTickAt ?? now) + HOUR_MS);
  if (state.pass) return nextTick;
  const slot = lastSlotAtOrBefore(schedule.settings, deps.zone, now);
  if (state.servedSlot === null || slot > state.servedSlot) return nextTick;
  return nextSlotAfter(schedule.settings, deps.zone, now);
}

// ---- Refresh now -------------------------------------------------------------------------------------

export interface RefreshNowResult {
  message: string;
  status: ScheduleStatus;
}

/** Menu: Refresh now, the same refresh once in this execution (or its next part, if one is under way). */
export function refreshNow(deps: ControlDeps): RefreshNowResult {
  deps = flushingRefreshDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const start = deps.clock.now();
  // The schedule's range while it is on, else the one on this sheet (findTarget's order).
  const outcome = runRefresh(deps, { origin: 'manual', until: start + tuningOf(deps).runBudgetMs, target: findTarget(deps) });
  let message: string;
  switch (outcome.kind) {
    case 'busy':
      message = 'A refresh is already running. It carries on by itself; the sidebar shows what it did.';
      break;
    case 'idle':
      message = outcome.message;
      break;
    case 'paused':
      message = `The refresh stopped: ${outcome.message}`;
      break;
    case 'ran': {
      message = outcome.summary.summary;
      if (outcome.phase === 'continues' && !isScheduleActive(loadSchedule(deps.store))) message += ' Choose Refresh now again to go on.';
      // It worked with the key as it is now: a schedule paused by a key or credit problem can go on.
      const schedule = loadSchedule(deps.store);
      if (schedule && schedule.enabled && schedule.pausedReason && (outcome.summary.refreshed || outcome.summary.notFound)) {
        const triggerId = ensureTrigger(deps);
        saveSchedule(deps.store, { ...schedule, pausedReason: null, pausedCode: null, triggerId, updatedAt: deps.clock.now() });
        message += ' The schedule is running again.';
      }
      break;
    }
  }
  return { message, status: scheduleStatus(deps) };
}

// ---- The hourly trigger -----------------------------------------------------------------------------------

export interface TickReport {
  refresh: RunOutcome['kind'] | 'skipped';
  message: string | null;
  backgroundJobs: boolean;
  triggerRemoved: boolean;
  /** The run had no document (onTickWithoutDocument): it did nothing but record it and remove its trigger. */
  noDocument: boolean;
}

function triggerUidOf(event: unknown): string | null {
  const uid = (event as { triggerUid?: unknown } | null)?.triggerUid;
  return typeof uid === 'string' || typeof uid === 'number' ? String(uid) : null;
}

/**
 * One hourly run: the schedule's refresh if due (or carrying on), then background bulk jobs with
 * the time left, all inside one budget well short of 6 minutes. A trigger with nothing left to do
 * removes itself, so a stopped schedule leaves no hourly executions behind.
 */
export function onTick(deps: ControlDeps, event: unknown): TickReport {
  deps = flushingRefreshDeps(deps); // writes are flushed before a lock is released (sheetFlush.ts)
  const tuning = tuningOf(deps);
  const start = deps.clock.now();
  const until = start + tuning.runBudgetMs;
  const uid = triggerUidOf(event);
  const schedule = loadSchedule(deps.store);
  // Another user's trigger (or one from before the schedule moved) leaves the refresh to the schedule's own.
  const isScheduleTrigger = !schedule?.triggerId || !uid || schedule.triggerId === uid;
  const background = Boolean(deps.continueBackgroundJobs) && hasBackgroundWork(deps);
  const report: TickReport = { refresh: 'skipped', message: null, backgroundJobs: false, triggerRemoved: false, noDocument: false };
  try {
    claimTrigger(deps, uid);
  } catch {
    // Only a finder's aid: the next run writes it again, and the refresh must not wait on it.
  }
  try {
    if (isScheduleTrigger) {
      const outcome = runRefresh(deps, { origin: 'schedule', until: background ? start + tuning.runBudgetMs / 2 : until });
      report.refresh = outcome.kind;
      report.message = outcome.kind === 'idle' || outcome.kind === 'paused' ? outcome.message : outcome.kind === 'ran' ? outcome.summary.summary : null;
    }
    if (deps.continueBackgroundJobs && hasBackgroundWork(deps) && until - deps.clock.now() > 0) {
      report.backgroundJobs = true;
      deps.continueBackgroundJobs(until - deps.clock.now());
    }
  } finally {
    const after = loadSchedule(deps.store);
    const scheduleNeedsMe = isScheduleActive(after) && (!after.triggerId || !uid || after.triggerId === uid);
    if (!scheduleNeedsMe && !hasBackgroundWork(deps)) report.triggerRemoved = removeOwnTrigger(deps, uid);
  }
  return report;
}

/**
 * A run in this spreadsheet is this spreadsheet's trigger (a trigger runs where it was made, and
 * there is one per user per document): its id is kept, replacing a lost or unidentified one, and
 * a notice of an earlier run without the document goes, since this one has it.
 */
function claimTrigger(deps: TriggerHome, uid: string | null): void {
  if (!uid) return;
  const record = loadTriggerRecord(deps.userStore, deps.documentId);
  if (record && record.triggerId === uid && record.unidentifiedSince === undefined && record.noDocumentAt === undefined) return;
  saveTriggerRecord(deps.userStore, deps.documentId, { v: 1, triggerId: uid });
}

/** What a run without its document can reach: the user's own properties, triggers and the clock. */
export interface DetachedDeps {
  triggers: TriggerPort;
  userStore: KeyValueStore;
  clock: Pick<Clock, 'now'>;
}

export const NO_DOCUMENT_MESSAGE = 'The hourly run had no spreadsheet to work in: it recorded this for the sidebar and removed its trigger.';

/**
 * The hourly trigger ran without its document (no active spreadsheet, document lock or document
 * properties: Google does not document that a time-driven trigger has them). It cannot refresh
 * or carry a job on, and every later run would be the same, so it sends nothing, records the
 * time in the user's record of the spreadsheet whose trigger it is (the sidebar there says what
 * happened), and removes itself. It never throws: a failure here is only logged in the report.
 */
export function onTickWithoutDocument(deps: DetachedDeps, event: unknown): TickReport {
  const report: TickReport = { refresh: 'skipped', message: NO_DOCUMENT_MESSAGE, backgroundJobs: false, triggerRemoved: false, noDocument: true };
  const uid = triggerUidOf(event);
  const failures: string[] = [];
  const attempt = (step: () => void) => {
    try {
      step();
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  };
  attempt(() => {
    const records = [...allTriggerRecords(deps.userStore)];
    let documents = uid === null ? [] : records.filter(([, record]) => record.triggerId === uid).map(([documentId]) => documentId);
    // Not named by any record: the trigger a spreadsheet could not identify is the one that ran.
    if (!documents.length) documents = records.filter(([, record]) => record.triggerId === null && record.unidentifiedSince !== undefined).map(([documentId]) => documentId);
    const now = deps.clock.now();
    for (const documentId of documents) saveTriggerRecord(deps.userStore, documentId, { v: 1, triggerId: null, noDocumentAt: now });
  });
  // Removed even if the record could not be written: otherwise it would come back every hour for nothing.
  attempt(() => {
    if (uid !== null) report.triggerRemoved = deps.triggers.remove(uid);
  });
  if (failures.length) report.message = `${NO_DOCUMENT_MESSAGE} Part of it failed: ${failures.join('; ')}`;
  return report;
}
