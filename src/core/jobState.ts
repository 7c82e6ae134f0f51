// The bulk job's state as it lives in document properties between executions: one JSON value
// per sheet (key per sheet id, so one job per sheet), validated with zod when read back and
// kept far below the 9 KB property limit by holding no per-row data. Row numbers here are only
// the last ones read from the job's row anchors (src/core/rowAnchors.ts): the anchors are the truth.
import * as z from 'zod/mini';
import type { KeyValueStore } from './ports';
import { lazySchema, parseStoredJson } from './schemas';
import type { JobProgress } from '../common/contract';
import { codeOfLegacyMessage, ERROR_CODES } from '../common/messages';

export const JOB_KEY_PREFIX = 'crustdata.job.';
export const SETTINGS_KEY_PREFIX = 'crustdata.settings.';
/** Properties allow 9 KB per value; stay well below so a long message never breaks a save. */
export const MAX_STATE_BYTES = 8000;

const jobOptionsSchema = lazySchema(() =>
  z.object({
    minScore: z.nullable(z.number().check(z.gte(0), z.lte(1))),
    ambiguity: z.enum(['take_best', 'leave_for_review']),
    forceFetch: z.boolean(),
    live: z.boolean(),
  }),
);

// Built on first use (lazySchema): every Apps Script execution runs the bundle's top level, and
// most of them (a custom-function cell, a menu) never read a job.
const storedJobSchema = lazySchema(() => {
  const count = z.number().check(z.int(), z.gte(0));
  const row = z.number().check(z.int(), z.gte(1));
  const countsSchema = z.object({ enriched: count, notFound: count, invalid: count, failed: count, skipped: count, ambiguous: z.optional(count) });
  return z.object({
    v: z.literal(1),
    jobId: z.string(),
    sheetId: z.number(),
    sheetName: z.string(),
    /** Names the columns this job laid out (their developer metadata carries it). */
    layoutId: z.string(),
    /** The identifier column when the job started; the metadata on it says where it is now. */
    sourceColumn: row,
    hasHeader: z.boolean(),
    /** Header row, or the first data row when there is none (as last resolved, like the rows below). */
    firstRow: row,
    dataFirstRow: row,
    lastRow: row,
    fields: z.array(z.string()),
    selectionKey: z.string(),
    reenrich: z.boolean(),
    /** Match and freshness options (jobOptions.ts); absent: the defaults (jobs saved before they existed). */
    options: z.optional(jobOptionsSchema()),
    /** Rows already enriched with the same fields in these columns are left as they are. */
    skipSettled: z.boolean(),
    /** The second pass, over the rows that failed in the first (the cursor starts again at the top). */
    retryPass: z.boolean(),
    state: z.enum(['running', 'paused', 'done', 'cancelled', 'error']),
    /** Who paused it: the background trigger resumes only what the user paused, never an error. */
    pausedBy: z.nullable(z.enum(['user', 'problem'])),
    /** The first data row not yet written, as last resolved from the cursor anchors. */
    cursor: row,
    /**
     * A block whose write may have started but whose commit was not saved (killed between): its
     * rows are counted from the cursor, so inserted or deleted rows elsewhere do not move it.
     */
    pendingBlock: z.nullable(
      z.object({
        seq: z.number().check(z.int(), z.gte(1)),
        rows: z.number().check(z.int(), z.gte(1), z.lte(100_000)),
        counts: countsSchema,
        retried: z.optional(z.array(count).check(z.maxLength(500))),
        /** The cells it was going to write (jobWorker.ts cellsDigest); absent in blocks saved before it was kept. */
        digest: z.optional(z.string().check(z.maxLength(64))),
        /** Second pass: rows from the cursor passed over before the block's first written row. */
        skip: z.optional(count),
      }),
    ),
    /** The duplicate plan stored for the rows ahead (src/core/duplicatePlan.ts); absent until a slice builds it. */
    dups: z.optional(
      z.object({ tag: z.string(), pass: z.union([z.literal(1), z.literal(2)]), rows: count, from: count, upTo: count }),
    ),
    /** The job's row anchors; missing on a job saved by a version without them (it then stops). */
    rowMarks: z.optional(z.object({ seq: count, passSeq: count, top: z.boolean(), after: z.boolean() })),
    counts: countsSchema,
    requests: count,
    /** Sum of x-credits-used (some endpoints price in fractions, so not only whole numbers). */
    creditsUsed: z.number().check(z.gte(0)),
    /** The most this job may be charged (src/core/spend.ts); absent or null: no cap. */
    creditCap: z.optional(z.nullable(z.number().check(z.gte(0)))),
    /** The live second pass's share of requests and creditsUsed (absent: none yet). */
    live: z.optional(z.object({ requests: count, credits: z.number().check(z.gte(0)) })),
    startedAt: z.number(),
    updatedAt: z.number(),
    /** Time spent inside slices, for the rate shown to the user. */
    workMs: count,
    etaSeconds: z.nullable(z.number()),
    message: z.nullable(z.string()),
    /**
     * The message's problem code (src/common/messages.ts), which picks the sidebar's advice. Absent
     * in jobs saved before codes were kept; a code this version does not know reads as none.
     */
    problemCode: z.optional(z.catch(z.nullable(z.enum(ERROR_CODES)), null)),
    /** Slices in a row that threw; the job pauses itself after a few. */
    consecutiveErrors: count,
    continueInBackground: z.boolean(),
    /** The execution running a slice now; others leave the job alone until `until`. */
    lease: z.nullable(z.object({ token: z.string(), until: z.number() })),
    blockSize: z.number().check(z.int(), z.gte(1), z.lte(500)),
    /**
     * The header row is written with the first block, not at the start: a job refused at its
     * first request (a rejected key, no credits) leaves the sheet as it was. Absent: written.
     */
    headersPending: z.optional(z.boolean()),
    /** No request may go before this (the rate window or Crustdata's Retry-After); cleared when rows move. */
    waitingUntil: z.optional(z.nullable(z.number())),
  });
});

/** The stored shape, kept apart from the wire's JobProgress (toProgress maps one to the other). */
export type StoredJob = z.infer<ReturnType<typeof storedJobSchema>>;
export type StoredCounts = StoredJob['counts'];
export type StoredJobState = StoredJob['state'];

export function jobKey(sheetId: number): string {
  return JOB_KEY_PREFIX + sheetId;
}

export function emptyCounts(): StoredCounts {
  return { enriched: 0, notFound: 0, invalid: 0, failed: 0, skipped: 0 };
}

/** A value that fails validation (hand-edited, older version) reads as no job rather than a crash. */
export function parseStoredJob(raw: string | null): StoredJob | null {
  return parseStoredJson(storedJobSchema, raw);
}

export function loadJob(store: KeyValueStore, sheetId: number): StoredJob | null {
  return parseStoredJob(store.get(jobKey(sheetId)));
}

export function saveJob(store: KeyValueStore, job: StoredJob): void {
  let text = JSON.stringify(job);
  if (text.length > MAX_STATE_BYTES && job.message) {
    text = JSON.stringify({ ...job, message: job.message.slice(0, 500) });
  }
  store.set(jobKey(job.sheetId), text);
}

/** Every job stored in this document (one per sheet), for lookups by job id and the trigger. */
export function listJobs(store: KeyValueStore): StoredJob[] {
  const jobs: StoredJob[] = [];
  for (const key of store.keys()) {
    if (!key.startsWith(JOB_KEY_PREFIX)) continue;
    const job = parseStoredJob(store.get(key));
    if (job) jobs.push(job);
  }
  return jobs;
}

export function findJob(store: KeyValueStore, jobId: string): StoredJob | null {
  return listJobs(store).find((job) => job.jobId === jobId) ?? null;
}

export function isActive(state: StoredJobState): boolean {
  return state === 'running' || state === 'paused';
}

export function toProgress(job: StoredJob): JobProgress {
  return {
    jobId: job.jobId,
    sheetName: job.sheetName,
    state: job.state,
    total: job.lastRow - job.dataFirstRow + 1,
    // In the second pass every row has been written once: progress stays at the end.
    processed: job.retryPass ? job.lastRow - job.dataFirstRow + 1 : job.cursor - job.dataFirstRow,
    counts: { ...job.counts },
    startedAt: job.startedAt,
    updatedAt: job.updatedAt,
    etaSeconds: job.state === 'running' || job.state === 'paused' ? job.etaSeconds : null,
    message: job.message ?? (job.retryPass && job.state === 'running' ? `Trying the ${job.counts.failed} failed rows once more.` : null),
    continueInBackground: job.continueInBackground,
    ...(job.live && job.live.requests > 0 ? { live: { ...job.live } } : {}),
    pausedBy: job.state === 'paused' ? job.pausedBy : null,
    creditsUsed: job.creditsUsed,
    creditCap: job.creditCap ?? null,
    problemCode: job.problemCode !== undefined ? job.problemCode : codeOfLegacyMessage(job.message),
    // Only while the wait is still ahead of the job's last update: a stale time says nothing.
    waitingUntil: job.state === 'running' && job.waitingUntil != null && job.waitingUntil > job.updatedAt ? job.waitingUntil : null,
  };
}

// ---- Last settings per sheet ----------------------------------------------------------------

const settingsSchema = lazySchema(() => z.object({ fields: z.array(z.string()), reenrich: z.boolean(), options: z.optional(jobOptionsSchema()) }));

export type StoredSettings = z.infer<ReturnType<typeof settingsSchema>>;

export function loadSettings(store: KeyValueStore, sheetId: number): StoredSettings | null {
  return parseStoredJson(settingsSchema, store.get(SETTINGS_KEY_PREFIX + sheetId));
}

export function saveSettings(store: KeyValueStore, sheetId: number, settings: StoredSettings): void {
  store.set(SETTINGS_KEY_PREFIX + sheetId, JSON.stringify({ fields: settings.fields, reenrich: settings.reenrich, ...(settings.options ? { options: settings.options } : {}) }));
}
