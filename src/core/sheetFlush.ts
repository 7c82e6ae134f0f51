// Flushes the spreadsheet before a lock is released, when the sheet was written since the last
// flush. Google: "if you are working with a spreadsheet, you should call SpreadsheetApp.flush()
// prior to releasing the lock, to commit all pending changes to the spreadsheet while you still
// have exclusive access to it" (https://developers.google.com/apps-script/reference/lock/lock#releaseLock()).
// Apps Script may hold writes back and batch them; the bulk job and the refresh release their
// leases (kept in document properties) under the document lock, and the engine takes the rate
// window's lock, so writes still pending there could land after the next execution took over.
// The wrappers below keep the job and refresh code free of flush calls: every write through the
// sheet port marks the sheet dirty, and a lock release or an engine call flushes it first.
import type { JobDeps } from './bulkJob';
import type { Lock } from './ports';
import type { RefreshDeps } from './refresh';

/**
 * The sheet port methods that only read. Every other method counts as a write, so a write method
 * added to a port later is flushed without a change here (an extra flush costs one call).
 */
const SHEET_READS: ReadonlySet<string> = new Set([
  'sheetName',
  'size',
  'readValues',
  'readFormulas',
  'readColumnMarks',
  'readChangesMarks',
  'readRowAnchors',
  'readNotes',
  'readBackgrounds',
  'formatDate',
]);

/** Whether the sheet was written since the last flush, and the flush itself. */
class PendingSheetWrites {
  private pending = false;
  constructor(private readonly flushSheet: () => void) {}

  wrote(): void {
    this.pending = true;
  }

  /** SpreadsheetApp.flush() once, only when something was written since the last one. */
  flushIfPending(): void {
    if (!this.pending) return;
    this.flushSheet();
    this.pending = false;
  }
}

/** Deps already wrapped, so nested calls (runFor → runSlice) share one record of pending writes. */
const wrapped = new WeakSet<object>();

/** The bulk job's ports, flushing the sheet before any lock release or engine call that follows a write. */
export function flushingJobDeps(deps: JobDeps): JobDeps {
  if (wrapped.has(deps)) return deps;
  const pending = new PendingSheetWrites(() => deps.gateway.flush());
  const result: JobDeps = {
    ...deps,
    gateway: trackingWrites(deps.gateway, pending),
    lock: flushingLock(deps.lock, pending),
    engine: flushingBefore(deps.engine, 'enrich', pending),
  };
  wrapped.add(result);
  return result;
}

/**
 * The refresh's ports (and the trigger's, which also carries on background jobs) with the same
 * rule: a write is flushed before the next lock release, engine call, or hand-over to the jobs.
 */
export function flushingRefreshDeps<D extends RefreshDeps & { continueBackgroundJobs?(budgetMs: number): unknown }>(deps: D): D {
  if (wrapped.has(deps)) return deps;
  const pending = new PendingSheetWrites(() => deps.sheet.flush());
  const result: D = {
    ...deps,
    sheet: trackingWrites(deps.sheet, pending),
    lock: flushingLock(deps.lock, pending),
    engine: flushingBefore(deps.engine, 'enrich', pending),
  };
  const continueJobs = deps.continueBackgroundJobs;
  if (continueJobs) {
    result.continueBackgroundJobs = (budgetMs: number) => {
      pending.flushIfPending();
      return continueJobs.call(deps, budgetMs);
    };
  }
  wrapped.add(result);
  return result;
}

function flushingLock(lock: Lock, pending: PendingSheetWrites): Lock {
  return {
    tryLock: (timeoutMs) => lock.tryLock(timeoutMs),
    releaseLock: () => {
      try {
        pending.flushIfPending();
      } finally {
        lock.releaseLock();
      }
    },
  };
}

/** The sheet port with each write marking the sheet dirty, and flush() clearing the mark. */
function trackingWrites<S extends { flush(): void }>(sheet: S, pending: PendingSheetWrites): S {
  return new Proxy(sheet, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver) as unknown;
      if (typeof member !== 'function') return member;
      if (name === 'flush') return () => pending.flushIfPending();
      if (typeof name !== 'string' || !SHEET_READS.has(name)) {
        return (...args: unknown[]) => {
          pending.wrote();
          return (member as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (member as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** The object with `method` flushing pending writes first (the engine takes its own locks). */
function flushingBefore<T extends object, K extends keyof T & string>(target: T, method: K, pending: PendingSheetWrites): T {
  return new Proxy(target, {
    get(inner, name, receiver) {
      const member = Reflect.get(inner, name, receiver) as unknown;
      if (typeof member !== 'function') return member;
      if (name !== method) return (member as (...a: unknown[]) => unknown).bind(inner);
      return (...args: unknown[]) => {
        pending.flushIfPending();
        return (member as (...a: unknown[]) => unknown).apply(inner, args);
      };
    },
  });
}
