// The per-sheet match and freshness options of the sidebar's bulk job: a minimum match score for
// business emails, what to do with ambiguous matches, force_fetch, and the live second pass for
// rows that came back "Not found". Stored with the sheet's last settings and with the job, and
// turned here into what the engine takes (EnrichOptions.api and .ambiguity).
//
// Rules (the README's sidebar section quotes them):
// - min score: null (off) or a number from 0 to 1; anything else is refused with a message
//   before any request. The engine sends it with business-email batches only.
// - ambiguous matches: "take the best" (default) or "leave it for me to check", which writes a
//   readable status instead of a guess (matches.ts).
// - force_fetch: every identifier is fetched again, but once per job: an answer fetched since the
//   job started is fresh enough for its repeats and for the rows a resume writes.
// - live: rows the cached dataset has not found get one more try on the live endpoint.
// - The `match` columns are on by default when the job's identifiers are business emails, so the
//   user sees how sure each email match is; a choice the user made on the sheet stays as it is.
import { DEFAULT_API_OPTIONS, checkMinScore, type ApiOptions } from './apiOptions';
import { DEFAULT_FIELDS, MATCH_GROUP } from './catalog';
import { isSettled, type RowStatus } from './jobWorker';
import type { AmbiguityPolicy } from './matches';

export interface JobApiOptions {
  minScore: number | null;
  ambiguity: AmbiguityPolicy;
  forceFetch: boolean;
  live: boolean;
}

export const DEFAULT_JOB_OPTIONS: Readonly<JobApiOptions> = Object.freeze({ minScore: null, ambiguity: 'take_best', forceFetch: false, live: false });

/** Options as they arrive (a request, a stored value of an older version), checked; missing ones take the defaults. */
export function checkJobOptions(input: Partial<JobApiOptions> | null | undefined): JobApiOptions {
  const given = input ?? {};
  return {
    // Throws EnrichError('invalid_argument') with "must be a number from 0 to 1" for anything else.
    minScore: checkMinScore(given.minScore),
    ambiguity: given.ambiguity === 'leave_for_review' ? 'leave_for_review' : 'take_best',
    forceFetch: given.forceFetch === true,
    live: given.live === true,
  };
}

/** What the engine is given for a job with these options (EnrichOptions.api, .ambiguity, .maxCacheAgeMs). */
export function engineOptionsOf(
  options: JobApiOptions,
  jobStartedAt: number,
  now: number,
): { api: ApiOptions; ambiguity: AmbiguityPolicy; forceFetch?: boolean; maxCacheAgeMs?: number } {
  const api: ApiOptions = { ...DEFAULT_API_OPTIONS, minScore: options.minScore, live: options.live, forceFetch: options.forceFetch };
  if (!options.forceFetch) return { api, ambiguity: options.ambiguity };
  // Answers fetched since the job started are as fresh as the job asked for: repeats and the
  // rows after a resume take them from the cache instead of paying again.
  return { api, ambiguity: options.ambiguity, forceFetch: true, maxCacheAgeMs: Math.max(1, now - jobStartedAt + 1) };
}

/**
 * A row a job without Re-enrich leaves as it is: a settled one, except a "Not found" when the
 * live pass is on: turning it on after a run is how those rows get their live try.
 */
export function isSettledFor(status: RowStatus, options: Pick<JobApiOptions, 'live'>): boolean {
  return options.live ? status.kind === 'enriched' : isSettled(status);
}

/** Whether these are the default options (nothing to store or show). */
export function isDefaultJobOptions(options: JobApiOptions): boolean {
  return options.minScore === null && options.ambiguity === 'take_best' && !options.forceFetch && !options.live;
}

/** The fields a sheet starts with when the user has chosen none: the match columns too for emails. */
export function defaultJobFields(hasEmails: boolean): string[] {
  return hasEmails ? [...DEFAULT_FIELDS, MATCH_GROUP] : [...DEFAULT_FIELDS];
}
