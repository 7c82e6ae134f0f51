// Every problem the add-on can name, as a code that is stored and sent to the sidebar, and the one
// table of what a user is told about it: the message (a row's status, a job's or the schedule's
// reason, a formula's cell) and the sidebar's advice. Plain data, so the sidebar imports it too and
// picks its advice by code; nothing else keeps its own wording of these.

export const ERROR_CODES = [
  'missing_api_key',
  'invalid_api_key',
  'permission_denied',
  'insufficient_credits',
  'rate_limited',
  'bad_identifier',
  'bad_request',
  'unknown_field',
  'server_error',
  'timeout',
  'malformed_response',
  'deadline',
  'invalid_argument',
  'busy',
  'credit_cap',
  'fetch_quota',
  /** Two candidates too close to call, under "leave it for me to check" (core/matches.ts): a settled status, not retried. */
  'ambiguous_match',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Formulas use only the key shared with the spreadsheet: this is where it is shared. */
const SHARE_KEY_PATH = 'Extensions → Crustdata → Open sidebar';
const SET_KEY_PATH = 'Extensions → Crustdata → Set API key…';

export interface ProblemTexts {
  /**
   * What happened and what to do. Codes whose cause varies (a refused identifier, a bad argument)
   * are raised with a message of their own naming it; this is their wording when nothing more is known.
   */
  message: string;
  /** The sidebar's next step for a job paused by this problem. */
  advice: string;
  /** What a =CRUSTDATA_ENRICH cell says instead, where formulas differ (they use only the shared key). */
  formula?: string;
}

const NEW_KEY_ADVICE = 'Set a new key in the API key section above (Replace key), then press Resume.';
const TRY_AGAIN_ADVICE = 'Press Resume to try again. The rows written so far are kept.';
export const GENERIC_ADVICE = 'Fix what the message says, then press Resume. The rows written so far are kept.';

/** One entry per code: a code without its texts does not compile. */
export const PROBLEMS = {
  missing_api_key: {
    message: `No Crustdata API key is set. Set one in ${SET_KEY_PATH}`,
    advice: NEW_KEY_ADVICE,
    formula: `No API key for formulas in this spreadsheet: open ${SHARE_KEY_PATH} and share a key with this spreadsheet's formulas, then recalculate`,
  },
  invalid_api_key: {
    message: `Crustdata rejected the API key. Set a new one in ${SET_KEY_PATH}`,
    advice: NEW_KEY_ADVICE,
    formula: `Crustdata rejected the key shared with this spreadsheet's formulas: share a valid one in ${SHARE_KEY_PATH}, then recalculate`,
  },
  permission_denied: {
    message:
      'Crustdata refused this request for your API key (permission denied). Some field groups need extra access on your plan; remove them or ask Crustdata to enable them.',
    advice: 'Ask Crustdata to enable those field groups for your key, then press Resume; or Cancel and start again without them.',
  },
  insufficient_credits: {
    message: 'Your Crustdata account is out of credits. Add credits in the Crustdata dashboard, then try again.',
    advice: 'Add credits in the Crustdata dashboard, then press Resume.',
  },
  rate_limited: {
    message: 'Crustdata is rate-limiting this API key; the rows were not fetched in time.',
    advice: TRY_AGAIN_ADVICE,
  },
  bad_identifier: { message: 'Crustdata refused this identifier.', advice: GENERIC_ADVICE },
  bad_request: { message: 'Crustdata refused the request.', advice: GENERIC_ADVICE },
  unknown_field: { message: 'Crustdata refused the field selection.', advice: GENERIC_ADVICE },
  server_error: {
    message: 'Crustdata had a server error and did not answer after several tries. Try again later.',
    advice: TRY_AGAIN_ADVICE,
  },
  timeout: { message: 'Crustdata did not answer in time after several tries. Try again later.', advice: TRY_AGAIN_ADVICE },
  malformed_response: {
    message:
      "Crustdata's answer arrived broken (cut off, or not the expected JSON) and did not come back whole after several tries. Try again later.",
    advice: TRY_AGAIN_ADVICE,
  },
  deadline: { message: 'The time ran out before this finished. Run it again to carry on.', advice: TRY_AGAIN_ADVICE },
  invalid_argument: { message: 'A value given is missing or not valid.', advice: GENERIC_ADVICE },
  busy: { message: 'The spreadsheet is busy with another add-on task. Try again in a moment.', advice: TRY_AGAIN_ADVICE },
  credit_cap: {
    message: 'Paused at the credit cap: the next request could take this past it. Raise the cap to go on.',
    advice: 'Enter a higher cap below, then press Resume.',
  },
  fetch_quota: {
    message: "Paused before Google's daily limit of web requests (Apps Script's UrlFetch quota) runs out.",
    advice: 'Press Resume tomorrow, when the daily limit has freed up. The rows written so far are kept.',
  },
  ambiguous_match: {
    message: 'Ambiguous: several people match with close scores. Check this row by hand, or choose "take the best" to fill it with the top match.',
    advice: 'Check the rows marked "Ambiguous" by hand; press Resume to carry on with the other rows.',
  },
} as const satisfies { readonly [C in ErrorCode]: ProblemTexts };

/** Texts for rows that have no answer (yet), shared by the status column and formula cells. */
export const ROW_MESSAGES = {
  notFound: 'Not found',
  missingFromResponse: "Crustdata's answer did not include this identifier.",
  pending: 'Not fetched yet: the rate limit or the time limit ran out before this row. Run again to finish it; nothing was spent on it.',
  pendingAfterError: 'Not fetched yet: Crustdata failed and the time ran out before another try. Run again to finish it.',
  /** A formula's rows the rate window left for later. */
  formulaPending: 'Rate limit reached — recalculate in a minute, or use the sidebar for large columns',
  /** Rows left when the next request could have passed the credit cap (core/enrich.ts creditBudget). */
  creditCap: 'Not fetched: the credit cap was reached before this row. Raise the cap to go on; nothing was spent on this row.',
  /** Rows left when the day's UrlFetch calls were nearly used up (core/enrich.ts fetchCallsLeft). */
  fetchQuota: "Not fetched: Google's daily limit of web requests for this account is nearly used up. It frees up within 24 hours; nothing was spent on this row.",
  /** A formula's rows another formula's fetch is still working on. */
  formulaBusy: 'Still fetching for other cells — recalculate in a minute, or use the sidebar for large columns',
} as const;

/** A code's texts, as the table's one shape whatever the code. */
export function textsOf(code: ErrorCode): ProblemTexts {
  return PROBLEMS[code];
}

/** What the sidebar advises for a job paused by `code` (null: no code, the message says it all). */
export function problemAdvice(code: ErrorCode | null): string {
  return code ? textsOf(code).advice : GENERIC_ADVICE;
}

/** The problem is the key itself (none, or rejected): the sidebar opens its API key section. */
export function isKeyProblem(code: ErrorCode | null): boolean {
  return code === 'missing_api_key' || code === 'invalid_api_key';
}

/**
 * The code of a problem stored before codes were kept, from its message (these are the wordings
 * such states hold). Only states read back from storage need it; new ones carry their code.
 */
export function codeOfLegacyMessage(message: string | null): ErrorCode | null {
  const text = message ?? '';
  if (/API key/i.test(text) && /rejected/i.test(text)) return 'invalid_api_key';
  if (/API key/i.test(text) && /no crustdata api key|not set/i.test(text)) return 'missing_api_key';
  if (/credits/i.test(text)) return 'insufficient_credits';
  if (/permission denied|refused this request/i.test(text)) return 'permission_denied';
  return null;
}
