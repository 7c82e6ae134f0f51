// Schemas for everything the sidebar sends (google.script.run arguments are untrusted browser
// input). Shape and ranges here; what depends on the spreadsheet (the sheet exists, the rows fit)
// and on the catalog (known fields) is checked in sidebarApi.ts.
import * as z from 'zod/mini';
import { EnrichError } from '../core/errors';
import { lazySchema } from '../core/schemas';

// Sheets' own limits: 10 million cells, 18,278 columns (ZZZ); a sheet name is at most 100 characters.
const MAX_ROW = 10_000_000;
const MAX_COLUMN = 18_278;

// Every schema is built on first use (lazySchema): each Apps Script execution runs the bundle's
// top level, and a custom-function cell or a trigger never validates a sidebar request.
const rowSchema = lazySchema(() => z.number().check(z.int(), z.gte(1), z.lte(MAX_ROW)));
const columnSchema = lazySchema(() => z.number().check(z.int(), z.gte(1), z.lte(MAX_COLUMN)));
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

export const jobSettingsSchema = lazySchema(() =>
  z.object({
    fields: z.array(z.string().check(z.maxLength(200))).check(z.maxLength(300)),
    reenrich: z.boolean(),
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
  }),
);

export const jobRefSchema = lazySchema(() => z.object({ jobId: jobIdSchema() }));

export const controlJobRequestSchema = lazySchema(() =>
  z
    .object({
      jobId: jobIdSchema(),
      action: z.enum(['pause', 'resume', 'cancel', 'background']),
      continueInBackground: z.optional(z.boolean()),
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

const WHAT: Record<string, string> = {
  apiKey: 'The API key (8 to 512 characters, no spaces)',
  scope: 'Where to keep the key',
  requestsPerMinute: 'Requests per minute (1 to 6000)',
  sheetName: 'The sheet',
  column: 'The column',
  firstRow: 'The first row',
  lastRow: 'The last row',
  hasHeader: 'Whether row 1 is a header',
  fields: 'The fields',
  reenrich: 'Re-enrich',
  onConflict: 'What to do with data in the way',
  targetColumn: 'The target column',
  continueInBackground: 'Continue in the background',
  jobId: 'The job',
  action: 'The action',
};

/** Parses a request or throws an EnrichError('invalid_argument') whose message names the field. */
export function parseRequest<T>(schema: z.ZodMiniType<T>, input: unknown, what: string): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = [...issue.path].reverse().find((part): part is string => typeof part === 'string');
  const subject = field ? (WHAT[field] ?? field) : what;
  const detail = issue.message && !/^Invalid input/.test(issue.message) ? `: ${issue.message}` : ' is missing or not valid';
  throw new EnrichError('invalid_argument', `${subject}${detail}.`);
}
