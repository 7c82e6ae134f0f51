// The schemas of every request the sidebar sends, and the request types derived from them
// (z.infer), so a request's type and its validation cannot drift apart. The server parses with
// them (src/server/validation.ts, src/core/schedule.ts); the sidebar imports only the types,
// which the bundler drops, so its bundle holds no zod.
import * as z from 'zod/mini';
import { lazySchema } from './lazySchema';

// Sheets' own limits: 10 million cells, 18,278 columns (ZZZ); a sheet name is at most 100 characters.
const MAX_ROW = 10_000_000;
const MAX_COLUMN = 18_278;

// Every schema is built on first use (lazySchema): each Apps Script execution runs the bundle's
// top level, and a custom-function cell or a trigger never validates a sidebar request.
const rowSchema = lazySchema(() => z.number().check(z.int(), z.gte(1), z.lte(MAX_ROW)));
const columnSchema = lazySchema(() => z.number().check(z.int(), z.gte(1), z.lte(MAX_COLUMN)));
/** A credit cap: a whole number of credits; null or absent, no cap. */
export const creditCapSchema = lazySchema(() => z.nullable(z.number().check(z.int(), z.gte(1), z.lte(100_000_000))));
const jobIdSchema = lazySchema(() => z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[A-Za-z0-9_-]+$/)));

export const sourceRangeSchema = lazySchema(() =>
  z
    .object({
      sheetName: z.string().check(z.minLength(1), z.maxLength(100)),
      column: columnSchema(),
      firstRow: rowSchema(),
      lastRow: rowSchema(),
      hasHeader: z.boolean(),
    })
    .check(
      z.refine((source) => source.lastRow >= source.firstRow + (source.hasHeader ? 1 : 0), {
        message: 'the range has no data row',
        path: ['lastRow'],
      }),
    ),
);

/** The per-sheet match and freshness options (src/core/jobOptions.ts); absent: the defaults. */
export const jobOptionsSchema = lazySchema(() =>
  z.object({
    minScore: z.nullable(
      z.number().check(z.refine((score) => Number.isFinite(score) && score >= 0 && score <= 1, { message: 'must be a number from 0 to 1, such as 0.8 (or blank for none)' })),
    ),
    ambiguity: z.enum(['take_best', 'leave_for_review']),
    forceFetch: z.boolean(),
    live: z.boolean(),
  }),
);

export const jobSettingsSchema = lazySchema(() =>
  z.object({
    fields: z.array(z.string().check(z.maxLength(200))).check(z.maxLength(300)),
    reenrich: z.boolean(),
    options: z.optional(jobOptionsSchema()),
  }),
);

export const estimateRequestSchema = lazySchema(() => z.object({ source: sourceRangeSchema(), settings: jobSettingsSchema() }));

export const startJobRequestSchema = lazySchema(() =>
  z.object({
    source: sourceRangeSchema(),
    settings: jobSettingsSchema(),
    onConflict: z.optional(z.enum(['insert', 'overwrite', 'elsewhere'])),
    targetColumn: z.optional(columnSchema()),
    continueInBackground: z.optional(z.boolean()),
    creditCap: z.optional(creditCapSchema()),
  }),
);

export const jobRefSchema = lazySchema(() => z.object({ jobId: jobIdSchema() }));

export const controlJobRequestSchema = lazySchema(() =>
  z
    .object({
      jobId: jobIdSchema(),
      action: z.enum(['pause', 'resume', 'cancel', 'background']),
      continueInBackground: z.optional(z.boolean()),
      /** With resume: the job's new credit cap (a job paused at its cap resumes only under a higher one). */
      creditCap: z.optional(creditCapSchema()),
    })
    .check(
      // 'background' exists only to change the switch: without it, it would silently do nothing.
      z.refine((request) => request.action !== 'background' || request.continueInBackground !== undefined, {
        message: 'choose on or off',
        path: ['continueInBackground'],
      }),
    ),
);

export const saveApiKeyRequestSchema = lazySchema(() =>
  z.object({
    // Keys are printable ASCII without spaces; anything else is a paste gone wrong. Absent keeps
    // the saved key (only the scope or the limit changes); null removes it.
    apiKey: z.optional(z.nullable(z.string().check(z.minLength(8), z.maxLength(512), z.regex(/^[\x21-\x7e]+$/)))),
    scope: z.enum(['user', 'document']),
    requestsPerMinute: z.optional(z.number().check(z.int(), z.gte(1), z.lte(6000))),
  }),
);

export const scheduleRequestSchema = lazySchema(() =>
  z.object({
    frequency: z.enum(['daily', 'weekly']),
    hour: z.number().check(z.int(), z.gte(0), z.lte(23)),
    weekday: z.optional(z.number().check(z.int(), z.gte(1), z.lte(7))),
    maxAgeDays: z.number().check(z.int(), z.gte(1), z.lte(365)),
    forceFetch: z.boolean(),
    /** The most one Keep fresh run may be charged; absent or null: no cap. */
    creditCap: z.optional(creditCapSchema()),
    /** Rows the cached dataset has not found get a second, live try (costs more). Absent: off. */
    live: z.optional(z.boolean()),
    trackedHeaders: z.optional(z.array(z.string().check(z.minLength(1), z.maxLength(100))).check(z.maxLength(20))),
  }),
);

// ---- The request types ------------------------------------------------------------------------

export type SourceRange = z.infer<ReturnType<typeof sourceRangeSchema>>;
export type JobSettings = z.infer<ReturnType<typeof jobSettingsSchema>>;
export type JobOptionsSettings = z.infer<ReturnType<typeof jobOptionsSchema>>;
export type EstimateRequest = z.infer<ReturnType<typeof estimateRequestSchema>>;
export type StartJobRequest = z.infer<ReturnType<typeof startJobRequestSchema>>;
export type ConflictChoice = NonNullable<StartJobRequest['onConflict']>;
export type JobRef = z.infer<ReturnType<typeof jobRefSchema>>;
export type ControlJobRequest = z.infer<ReturnType<typeof controlJobRequestSchema>>;
export type SaveApiKeyRequest = z.infer<ReturnType<typeof saveApiKeyRequestSchema>>;
export type KeyScope = SaveApiKeyRequest['scope'];
export type ScheduleRequest = z.infer<ReturnType<typeof scheduleRequestSchema>>;
