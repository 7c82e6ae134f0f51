// What to do with one batch after its answer: a pure function of the answer, the batch as it was
// sent, the retry policy and what this run has seen so far. No I/O and no state: the engine
// (enrich.ts, EnrichRun.send) carries the decision out on its rows, the result cache, the key's
// memo and the rate window. Pacing (rateWindow.ts) decides when a request may leave; this decides
// what an answer means; retry.ts says how long to back off. The three stay separate layers.
import type { EnrichEndpoint } from './apiOptions';
import { looseMatchKey, MESSAGES, type EnrichVerdict } from './crustdataClient';
import type { ErrorCode } from './errors';
import { AUTH_MEMO_SECONDS, CREDITS_MEMO_SECONDS, type KeyRefusal } from './keyVerdict';
import { pickMatch } from './matches';
import { retryAt, type RetryPolicy } from './retry';
import type { EnrichMatch, EnrichResultEntry } from './schemas';
import type { IdentifierKind, PersonData } from './types';

export interface SentBatch {
  kind: IdentifierKind;
  identifiers: string[];
  /** Failed sends before this one (the halves of a split batch start at 0). */
  failures: number;
  /** Which endpoint it went to; default 'cached'. The match facts record it ("Profile URL (live)"). */
  endpoint?: EnrichEndpoint;
}

/** What the run has seen before this answer; the decision reads it, the engine keeps it. */
export interface RunSoFar {
  /** When the answer arrived (absolute ms). */
  now: number;
  /** Answers that served data (200 or 404). */
  successes: number;
  /** Single identifiers refused with a 400. */
  isolatedBadIdentifiers: number;
}

export interface Problem {
  code: ErrorCode;
  message: string;
}

/**
 * One identifier's share of an accepted answer; `missing` when the answer left it out. The
 * person carries its match facts under MATCH_INFO_KEY (matches.ts pickMatch), so the result
 * cache keeps them with it.
 */
export type AcceptedRow = { identifier: string; person: PersonData | null } | { identifier: string; missing: true };

/** The engine counter an answer adds one to. */
export type Tally = 'rateLimited' | 'serverErrors' | 'malformedResponses' | 'badRequests';

export type BatchDecision = { tally?: Tally } & (
  | /** 200 or 404: each identifier has its answer (a person, none, or left out of the answer). */
  { kind: 'accept'; rows: AcceptedRow[] }
  /** Send the same batch again, not before `at`; it has failed `failures` times. */
  | { kind: 'retry-later'; problem: Problem; failures: number; at: number; blockKeyUntil?: number }
  /** 400 on several identifiers: send both halves as new requests to isolate the refused one. */
  | { kind: 'split'; halves: [string[], string[]] }
  /** The batch's rows fail with `problem`; the run goes on. */
  | { kind: 'fail-rows'; problem: Problem; blockKeyUntil?: number; isolatedBadIdentifier?: true }
  /**
   * Nothing more can succeed in this run: the batch's rows fail with `problem`, the run stops
   * with `stopRun`; `rememberRefusal`: every execution with the key stops for that long.
   */
  | { kind: 'fatal'; problem: Problem; stopRun: Problem; rememberRefusal?: { code: KeyRefusal; seconds: number } }
);

/** A 400 naming no identifier: this many refused single identifiers with no success mean the request itself is refused. */
export const BAD_IDENTIFIERS_BEFORE_STOPPING = 3;

/**
 * The decision for one batch. `answer` is the API's verdict; a fetchAll lost in transport comes
 * as a retry verdict ('timeout') with the time its whole burst goes again. Draws `policy.random`
 * once when it backs off without the server's word, never otherwise.
 */
export function decideBatch(answer: EnrichVerdict, batch: SentBatch, policy: RetryPolicy, run: RunSoFar): BatchDecision {
  const { now } = run;
  switch (answer.kind) {
    case 'ok': {
      const joined = joinOnMatchedOn(batch.identifiers, answer.entries);
      return {
        kind: 'accept',
        rows: batch.identifiers.map((identifier, i) => {
          const entry = joined[i];
          return entry ? { identifier, person: pickMatch(entry, batch.endpoint ?? 'cached').person } : { identifier, missing: true as const };
        }),
      };
    }
    case 'not_found':
      return { kind: 'accept', rows: batch.identifiers.map((identifier) => ({ identifier, person: null })) };
    case 'malformed':
      // Mostly a transfer cut off half way: the same request usually comes back whole. A
      // persistently broken envelope still ends, after maxAttempts, as this batch's failure.
      return {
        ...retryOrFail(batch, { code: 'malformed_response', message: `${MESSAGES.malformedResponse} (${answer.message})` }, null, policy, now),
        tally: 'malformedResponses',
      };
    case 'bad_request':
      return { ...splitOrFail(batch, answer.message, answer.fieldProblem, run), tally: 'badRequests' };
    case 'fatal': {
      const problem = { code: answer.code, message: answer.message };
      if (answer.code === 'invalid_api_key' || answer.code === 'insufficient_credits') {
        const seconds = answer.code === 'invalid_api_key' ? AUTH_MEMO_SECONDS : CREDITS_MEMO_SECONDS;
        return { kind: 'fatal', problem, stopRun: problem, rememberRefusal: { code: answer.code, seconds } };
      }
      return { kind: 'fatal', problem, stopRun: problem };
    }
    case 'retry': {
      const problem = { code: answer.code, message: answer.message };
      if (answer.code === 'rate_limited') {
        // A 429 speaks for the key, not the batch: every execution holds off until then.
        const until = answer.retryAt ?? retryAt(now, batch.failures + 1, policy);
        return { ...retryOrFail(batch, problem, until, policy, now), blockKeyUntil: until, tally: 'rateLimited' };
      }
      const decision = retryOrFail(batch, problem, answer.retryAt, policy, now);
      return answer.code === 'server_error' ? { ...decision, tally: 'serverErrors' } : decision;
    }
    case 'failed':
      return { kind: 'fail-rows', problem: { code: answer.code, message: answer.message } };
  }
}

/** Another try after a backoff (or the server's time), unless this was the last attempt. */
function retryOrFail(
  batch: SentBatch,
  problem: Problem,
  serverRetryAt: number | null,
  policy: RetryPolicy,
  now: number,
): Extract<BatchDecision, { kind: 'retry-later' | 'fail-rows' }> {
  const failures = batch.failures + 1;
  if (failures >= policy.maxAttempts) return { kind: 'fail-rows', problem };
  return { kind: 'retry-later', problem, failures, at: retryAt(now, failures, policy, serverRetryAt) };
}

/**
 * A 400 names no culprit: halve the batch until the refused identifier is alone, so it costs
 * its 24 neighbours two extra requests per halving instead of their data. If single
 * identifiers keep failing while nothing has succeeded, the problem is the request itself.
 */
function splitOrFail(batch: SentBatch, message: string, fieldProblem: boolean, run: RunSoFar): BatchDecision {
  if (fieldProblem) {
    const problem: Problem = { code: 'unknown_field', message: `Crustdata refused the field selection: ${message}` };
    return { kind: 'fatal', problem, stopRun: problem };
  }
  if (batch.identifiers.length === 1) {
    const problem: Problem = { code: 'bad_identifier', message: `Crustdata refused this identifier: ${message}` };
    if (run.isolatedBadIdentifiers + 1 >= BAD_IDENTIFIERS_BEFORE_STOPPING && run.successes === 0) {
      return { kind: 'fatal', problem, stopRun: { code: 'bad_request', message: `Crustdata refuses every request: ${message}` } };
    }
    return { kind: 'fail-rows', problem, isolatedBadIdentifier: true };
  }
  const middle = Math.ceil(batch.identifiers.length / 2);
  return { kind: 'split', halves: [batch.identifiers.slice(0, middle), batch.identifiers.slice(middle)] };
}

/**
 * For each identifier sent, the response entry whose matched_on echoes it: exactly, else after
 * folding case and trailing slashes. Never by position; a missing entry is undefined.
 */
export function joinOnMatchedOn(sent: string[], entries: EnrichResultEntry[]): Array<EnrichResultEntry | undefined> {
  const exact = new Map<string, EnrichResultEntry>();
  const loose = new Map<string, EnrichResultEntry>();
  for (const entry of entries) {
    if (typeof entry.matched_on !== 'string') continue;
    if (!exact.has(entry.matched_on)) exact.set(entry.matched_on, entry);
    const key = looseMatchKey(entry.matched_on);
    if (!loose.has(key)) loose.set(key, entry);
  }
  return sent.map((identifier) => exact.get(identifier) ?? loose.get(looseMatchKey(identifier)));
}

/**
 * The candidate with the highest confidence (the first on a tie); null when none has data.
 * The same choice as pickMatch, without the match facts.
 */
export function bestMatch(matches: EnrichResultEntry['matches']): PersonData | null {
  let best: { score: number; person: PersonData } | null = null;
  for (const match of matches ?? []) {
    const person = (match as EnrichMatch | null)?.person_data;
    if (!person) continue;
    const raw = (match as EnrichMatch).confidence_score;
    const score = typeof raw === 'number' && Number.isFinite(raw) ? raw : 0;
    if (!best || score > best.score) best = { score, person };
  }
  return best ? best.person : null;
}
