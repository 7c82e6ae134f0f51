// What the scheduled refresh keeps between executions, in one document property: the pass in
// progress (its cursor and counts), the lease that keeps two runs apart, the last run's summary.
// No per-row data, so it stays far below the 9 KB property limit whatever the sheet's size.
import * as z from 'zod/mini';
import type { KeyValueStore } from './ports';
import { lazySchema, parseStoredJson } from './schemas';

export const REFRESH_STATE_KEY = 'crustdata.refresh';

// Built on first use (lazySchema): every execution loads the bundle, few read the refresh state.
const count = () => z.number().check(z.int(), z.gte(0));

const passCountsSchema = lazySchema(() =>
  z.object({
    /** Rows the pass found older than the threshold. */
    due: count(),
    /** Rows that got fresh data. */
    refreshed: count(),
    /** Rows with at least one tracked value changed. */
    changed: count(),
    notFound: count(),
    /**
     * Of notFound, the rows that had data before (only those are "no longer found"). Absent in
     * passes saved before it was counted: then every not-found row is taken as one.
     */
    lost: z.optional(count()),
    failed: count(),
    /** Changes per tracked header ("Current employer" -> 14). */
    changedBy: z.record(z.string(), count()),
  }),
);

const passSchema = lazySchema(() =>
  z.object({
    id: z.string(),
    origin: z.enum(['schedule', 'manual']),
    startedAt: z.number(),
    sheetId: z.number(),
    sheetName: z.string(),
    layoutId: z.string(),
    /** Rows whose data is from this date or earlier are refreshed. */
    cutoffDate: z.string(),
    /** Cached results fetched since then are fresh enough. */
    freshSinceMs: z.number(),
    forceFetch: z.boolean(),
    /** Rows not found get a second, live try (absent in passes saved before the option existed: off). */
    live: z.optional(z.boolean()),
    trackedHeaders: z.array(z.string()),
    /** The next row to look at. */
    cursorRow: z.number().check(z.int(), z.gte(1)),
    /**
     * The identifier of the row just above the cursor, so a run after rows were inserted or
     * deleted finds its place by identifier instead of trusting the row number.
     */
    anchor: z.nullable(z.string()),
    counts: passCountsSchema(),
    /** Credits charged in this pass (sum of x-credits-used); absent in passes saved before it was counted. */
    creditsUsed: z.optional(z.number().check(z.gte(0))),
    /** The most this pass may be charged (the schedule's setting); absent or null: no cap. */
    creditCap: z.optional(z.nullable(z.number().check(z.gte(0)))),
    runs: count(),
    /** A failure worth showing in the summary (the first one of the pass). */
    firstFailure: z.nullable(z.string()),
    /**
     * The runs of rows a block is writing, announced before their writes (src/core/jobWorker.ts,
     * step 2), in order: each run's last row and its identifier, a digest of the run's status
     * cells as written, and the pass's counts once the run is written. A run found written on
     * the sheet by the next execution is counted from here, so a kill between a block's writes
     * and its save loses no count. Absent (passes saved before it was kept) or null: none.
     */
    pending: z.optional(
      z.nullable(
        z.array(
          z.object({
            lastRow: z.number().check(z.int(), z.gte(1)),
            rows: z.number().check(z.int(), z.gte(1)),
            key: z.string(),
            digest: z.string(),
            counts: passCountsSchema(),
            firstFailure: z.nullable(z.string()),
          }),
        ).check(z.maxLength(8)),
      ),
    ),
  }),
);

const runSummarySchema = lazySchema(() =>
  z.object({
    at: z.number(),
    refreshed: count(),
    changed: count(),
    notFound: count(),
    failed: count(),
    creditsUsed: z.optional(z.number().check(z.gte(0))),
    summary: z.string(),
  }),
);

/** How many runs the Keep fresh panel lists (newest first, the last run included). */
export const RECENT_RUNS = 5;

const refreshStateSchema = lazySchema(() =>
  z.object({
    v: z.literal(1),
    /** The scheduled time whose pass has been started; a later slot makes a run due. */
    servedSlot: z.nullable(z.number()),
    pass: z.nullable(passSchema()),
    lease: z.nullable(z.object({ token: z.string(), until: z.number() })),
    lastRun: z.nullable(runSummarySchema()),
    /** The last few runs, newest first (absent in states saved before it was kept). */
    recentRuns: z.optional(z.array(runSummarySchema())),
    /** The latest pass that found changes, so a quiet pass after it can still say what changed. */
    lastChange: z.nullable(z.object({ at: z.number(), text: z.string() })),
    /** When the trigger last ran, for "next run" while a pass carries on hour by hour. */
    lastTickAt: z.nullable(z.number()),
    /** Trigger runs in a row that failed unexpectedly; a few pause the schedule. */
    consecutiveErrors: count(),
  }),
);

export type PassCounts = z.infer<ReturnType<typeof passCountsSchema>>;
export type RefreshPass = z.infer<ReturnType<typeof passSchema>>;
export type PendingRun = NonNullable<RefreshPass['pending']>[number];
export type RefreshState = z.infer<ReturnType<typeof refreshStateSchema>>;
/** A finished run as stored; refreshControl.scheduleStatus hands it to the sidebar as a LastRunSummary. */
export type StoredRunSummary = z.infer<ReturnType<typeof runSummarySchema>>;

export function emptyRefreshState(): RefreshState {
  return { v: 1, servedSlot: null, pass: null, lease: null, lastRun: null, lastChange: null, lastTickAt: null, consecutiveErrors: 0 };
}

export function emptyPassCounts(): PassCounts {
  return { due: 0, refreshed: 0, changed: 0, notFound: 0, lost: 0, failed: 0, changedBy: {} };
}

/** Anything unreadable starts afresh: a refresh state is never worth a crash. */
export function loadRefreshState(store: KeyValueStore): RefreshState {
  return parseStoredJson(refreshStateSchema, store.get(REFRESH_STATE_KEY)) ?? emptyRefreshState();
}

const MAX_TEXT = 500;

export function saveRefreshState(store: KeyValueStore, state: RefreshState): void {
  // Texts come from error messages and headers: cap them so the value stays well under 9 KB.
  const capped: RefreshState = {
    ...state,
    pass: state.pass
      ? {
          ...state.pass,
          firstFailure: state.pass.firstFailure?.slice(0, MAX_TEXT) ?? null,
          anchor: state.pass.anchor?.slice(0, MAX_TEXT) ?? null,
          ...(state.pass.pending ? { pending: state.pass.pending.map((step) => ({ ...step, firstFailure: step.firstFailure?.slice(0, 200) ?? null })) } : {}),
        }
      : null,
    lastRun: state.lastRun ? { ...state.lastRun, summary: state.lastRun.summary.slice(0, 2 * MAX_TEXT) } : null,
    ...(state.recentRuns ? { recentRuns: state.recentRuns.slice(0, RECENT_RUNS).map((run) => ({ ...run, summary: run.summary.slice(0, MAX_TEXT) })) } : {}),
    lastChange: state.lastChange ? { ...state.lastChange, text: state.lastChange.text.slice(0, MAX_TEXT) } : null,
  };
  store.set(REFRESH_STATE_KEY, JSON.stringify(capped));
}

/** Sets the last run and puts it first in the short history the Keep fresh panel shows. */
export function recordRun(state: RefreshState, run: StoredRunSummary): StoredRunSummary {
  state.lastRun = run;
  state.recentRuns = [run, ...(state.recentRuns ?? [])].slice(0, RECENT_RUNS);
  return run;
}
