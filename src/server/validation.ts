// Checks everything the sidebar sends (google.script.run arguments are untrusted browser input)
// against the request schemas (src/common/requests.ts) and says what is wrong in words. What
// depends on the spreadsheet (the sheet exists, the rows fit) and on the catalog (known fields) is
// checked in sidebarApi.ts.
import type * as z from 'zod/mini';
import { EnrichError } from '../core/errors';

export {
  controlJobRequestSchema,
  estimateRequestSchema,
  jobRefSchema,
  jobSettingsSchema,
  saveApiKeyRequestSchema,
  sourceRangeSchema,
  startJobRequestSchema,
} from '../common/requests';

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
  minScore: 'The minimum match score',
  ambiguity: 'What to do with ambiguous matches',
  forceFetch: 'Request fresh data',
  live: 'Try "Not found" rows live',
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
