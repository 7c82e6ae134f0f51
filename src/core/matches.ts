// Choosing the person in one answer entry, and what the answer says about the match itself.
// The API answers each identifier with `matches: [{confidence_score, person_data}]`: profile URLs
// one candidate scored 1, business emails possibly several, in no guaranteed order
// (docs/CRUSTDATA-API.md). The best-scoring candidate is the person; the score, the match type,
// the number of candidates and whether the two best are too close to call travel with it, inside
// the person record under MATCH_INFO_KEY, so the result cache keeps them and the `match` columns
// (catalog.ts) can show them.
//
// Rules (the README quotes them):
// - A candidate without person_data is no candidate. A missing or non-numeric score counts as 0.
// - The best is the highest score; on equal scores, the first in the answer.
// - Ambiguous: at least two candidates and the best leads the next by less than AMBIGUITY_MARGIN.
//   "Take the best" (default) writes the best anyway; "leave it for me to check" writes
//   AMBIGUOUS_STATUS-style text instead of a guess (ambiguityVerdict).
import type { EnrichMatch, EnrichResultEntry } from './schemas';
import type { PersonData } from './types';

/**
 * Two candidates whose scores differ by less than this are too close to call. Scores are on a
 * 0–1 scale with 1.0 an exact match; a difference under 0.05 (a twentieth of the scale) is the
 * kind a different spelling or a missing middle name makes between two people with similar
 * addresses, while a real preference shows as a clear gap (0.1 or more). Kept small so that
 * "leave it for me to check" flags only genuine coin tosses, not every email lookup.
 */
export const AMBIGUITY_MARGIN = 0.05;

/**
 * Where the match facts live inside the person record. Not a person_data property (those are
 * snake_case names from the schema); any value the API sends under this name is replaced.
 */
export const MATCH_INFO_KEY = '@match';

export type AmbiguityPolicy = 'take_best' | 'leave_for_review';

export interface MatchInfo {
  /** The best candidate's score (0–1); null when the API gave none. */
  confidenceScore: number | null;
  /** The API's match_type (professional_network_profile_url, business_email), or null. */
  matchType: string | null;
  /** Candidates with person data in the answer. */
  candidateCount: number;
  /** The second-best score, or null with one candidate. */
  runnerUpScore: number | null;
  ambiguous: boolean;
  /** Which endpoint found it: the cached dataset or the live one. */
  source: 'cached' | 'live';
}

export interface PickedMatch {
  /** The best candidate's person_data with the MatchInfo attached; null when nobody matched. */
  person: PersonData | null;
  match: MatchInfo | null;
}

function scoreOf(match: EnrichMatch): number | null {
  const raw = match.confidence_score;
  return typeof raw === 'number' && Number.isFinite(raw) ? raw : null;
}

/** The best candidate of one answer entry, with its match facts; nobody when no candidate has data. */
export function pickMatch(entry: EnrichResultEntry | null | undefined, source: 'cached' | 'live' = 'cached'): PickedMatch {
  const candidates: Array<{ score: number | null; person: PersonData }> = [];
  for (const match of entry?.matches ?? []) {
    const person = (match as EnrichMatch | null)?.person_data;
    if (!person || typeof person !== 'object' || Array.isArray(person)) continue;
    candidates.push({ score: scoreOf(match as EnrichMatch), person });
  }
  if (candidates.length === 0) return { person: null, match: null };
  let best = candidates[0];
  for (const candidate of candidates) if ((candidate.score ?? 0) > (best.score ?? 0)) best = candidate;
  let runnerUp: number | null = null;
  for (const candidate of candidates) {
    if (candidate === best) continue;
    const score = candidate.score ?? 0;
    if (runnerUp === null || score > runnerUp) runnerUp = score;
  }
  const bestScore = best.score ?? 0;
  const match: MatchInfo = {
    confidenceScore: best.score,
    matchType: typeof entry?.match_type === 'string' ? entry.match_type : null,
    candidateCount: candidates.length,
    runnerUpScore: runnerUp,
    ambiguous: runnerUp !== null && bestScore - runnerUp < AMBIGUITY_MARGIN,
    source,
  };
  return { person: { ...best.person, [MATCH_INFO_KEY]: match }, match };
}

/** The best person only, as the engine took it before match facts existed (same choice). */
export function bestPerson(entry: EnrichResultEntry | null | undefined): PersonData | null {
  return pickMatch(entry).person;
}

/** The match facts a person record carries, or null (cached before they existed, or not a record). */
export function matchInfoOf(person: PersonData | null | undefined): MatchInfo | null {
  const value = person?.[MATCH_INFO_KEY];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null;
  const info = value as Partial<MatchInfo>;
  if (typeof info.candidateCount !== 'number' || typeof info.ambiguous !== 'boolean') return null;
  return {
    confidenceScore: typeof info.confidenceScore === 'number' ? info.confidenceScore : null,
    matchType: typeof info.matchType === 'string' ? info.matchType : null,
    candidateCount: info.candidateCount,
    runnerUpScore: typeof info.runnerUpScore === 'number' ? info.runnerUpScore : null,
    ambiguous: info.ambiguous,
    source: info.source === 'live' ? 'live' : 'cached',
  };
}

const MATCH_TYPE_WORDS: Record<string, string> = {
  professional_network_profile_url: 'Profile URL',
  business_email: 'Business email',
};

/** The match type in words: "Business email", "Profile URL (live)". */
export function matchTypeText(info: MatchInfo): string {
  const words = info.matchType === null ? '' : MATCH_TYPE_WORDS[info.matchType] ?? info.matchType;
  return info.source === 'live' && words ? `${words} (live)` : words;
}

function scoreText(score: number | null): string {
  return score === null ? '?' : String(Math.round(score * 1000) / 1000);
}

/** What an ambiguous row says under "leave it for me to check": what happened and what to do. */
export function ambiguousStatus(info: MatchInfo): string {
  return (
    `Ambiguous: ${info.candidateCount} people match with close scores (${scoreText(info.confidenceScore)} and ${scoreText(info.runnerUpScore)}). ` +
    'Check this row by hand, or choose "take the best" to fill it with the top match.'
  );
}

export type AmbiguityVerdict = { kind: 'write'; person: PersonData } | { kind: 'review'; status: string };

/** Whether to write this person or leave the row for review, under the sheet's policy. */
export function ambiguityVerdict(person: PersonData, policy: AmbiguityPolicy): AmbiguityVerdict {
  const info = matchInfoOf(person);
  if (policy === 'leave_for_review' && info?.ambiguous) return { kind: 'review', status: ambiguousStatus(info) };
  return { kind: 'write', person };
}
