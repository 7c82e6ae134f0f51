// The Person Enrich API's optional request settings, as the add-on offers them: the formula's
// options text ("min_score=0.8, live"), one canonical key per set of options for the result
// cache, and which option goes into which request (docs/CRUSTDATA-API.md, "Options").
//
// Rules (the README quotes them):
// - Options text is split on commas, semicolons and newlines; each entry is `name=value` or a
//   bare flag name. Names are case-insensitive; spaces and hyphens count as "_".
// - min_score (alias min_similarity_score): a number from 0 to 1, sent as min_similarity_score
//   with business-email batches only. Profile URLs name one person, so the API scores them 1.
// - live (or live=TRUE/FALSE): rows the cached dataset does not have are tried again on
//   POST /person/professional_network/enrich/live, which costs more. Never a body field.
// - force_fetch and enrich_realtime are not formula options: a formula recalculates whenever
//   Sheets decides (opening the file, edits upstream), so a formula that forces a fresh fetch
//   would pay again on every recalculation. Forcing fresh data is a deliberate act: the
//   sidebar's bulk job and Keep fresh offer it.
// - Anything else, a repeated option or a bad value is an error naming the valid options,
//   raised before any request is made.
import { EnrichError } from './errors';
import type { IdentifierKind } from './types';

export interface ApiOptions {
  /** min_similarity_score for email lookups; null: not sent (the API keeps every candidate). */
  minScore: number | null;
  /** Rows not found get a second, live try. */
  live: boolean;
  /** force_fetch: ask for a fresh fetch instead of the cached copy (bulk jobs, Keep fresh). */
  forceFetch: boolean;
  /** enrich_realtime: realtime behaviour "when supported"; never together with preview. */
  enrichRealtime: boolean;
}

export const DEFAULT_API_OPTIONS: Readonly<ApiOptions> = Object.freeze({ minScore: null, live: false, forceFetch: false, enrichRealtime: false });

/** What the formula's 4th argument accepts, in the words error messages use. */
export const FORMULA_OPTIONS: ReadonlyArray<{ name: string; example: string; meaning: string }> = Object.freeze([
  { name: 'min_score', example: 'min_score=0.8', meaning: 'for business emails, keep only matches with at least this confidence (0 to 1)' },
  { name: 'live', example: 'live', meaning: 'try rows that come back "Not found" again on the live endpoint (costs more per row found)' },
]);

const VALID_OPTIONS_TEXT = `Valid options: ${FORMULA_OPTIONS.map((option) => option.example).join(', ')}`;

/** Options the API has but the formula does not take, with why (see the rules above). */
const NOT_FORMULA_OPTIONS: Record<string, string> = {
  force_fetch:
    'force_fetch is not a formula option: a formula recalculates often and would pay for a fresh fetch every time. ' +
    'Use the sidebar (bulk job or Keep fresh) to force fresh data.',
  enrich_realtime:
    'enrich_realtime is not a formula option: use "live" to try rows that were not found on the live endpoint.',
  fields: 'fields is the second argument of CRUSTDATA_ENRICH, not an option: =CRUSTDATA_ENRICH(A2, "basic_profile", , "min_score=0.8")',
  preview: 'preview is not a formula option: the sidebar uses it for its free sample when estimating a job.',
};

const NAME_ALIASES: Record<string, string> = {
  min_score: 'min_score',
  min_similarity_score: 'min_score',
  minscore: 'min_score',
  live: 'live',
};

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'on']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off']);

function optionError(message: string): EnrichError {
  return new EnrichError('invalid_argument', message);
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value.trim() === '');
}

/**
 * The formula's options argument (a text, a cell, a range of cells, or blank) as typed options.
 * Throws EnrichError('invalid_argument') with a message naming the valid options.
 */
export function parseFormulaOptions(value: unknown): ApiOptions {
  const cells: unknown[] = Array.isArray(value) ? (value as unknown[]).flat(2) : [value];
  const entries: string[] = [];
  for (const cell of cells) {
    if (isBlank(cell)) continue;
    if (typeof cell === 'boolean' || typeof cell === 'number') {
      throw optionError(`options must be text such as "min_score=0.8, live", not ${typeof cell === 'boolean' ? (cell ? 'TRUE' : 'FALSE') : cell}. ${VALID_OPTIONS_TEXT}.`);
    }
    for (const piece of String(cell).split(/[,;\r\n]+/)) {
      const trimmed = piece.trim();
      if (trimmed !== '') entries.push(trimmed);
    }
  }
  const options: ApiOptions = { ...DEFAULT_API_OPTIONS };
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const equals = entry.indexOf('=');
    const rawName = (equals === -1 ? entry : entry.slice(0, equals)).replace(/^["'`]+|["'`]+$/g, '').trim();
    const rawValue = equals === -1 ? null : entry.slice(equals + 1).replace(/^["'`]+|["'`]+$/g, '').trim();
    const name = rawName.toLowerCase().replace(/[\s-]+/g, '_');
    const canonical = NAME_ALIASES[name];
    if (!canonical) {
      if (NOT_FORMULA_OPTIONS[name]) throw optionError(`${NOT_FORMULA_OPTIONS[name]} ${VALID_OPTIONS_TEXT}.`);
      // "min_score=0,8": a decimal comma split the number in two.
      const decimalComma = /^\d+$/.test(entry) && index > 0 && /^min_(similarity_)?score\s*=\s*\d+$/i.test(entries[index - 1]);
      const hint = decimalComma ? ' Write decimals with a dot: min_score=0.8.' : '';
      throw optionError(`Unknown option "${entry}".${hint} ${VALID_OPTIONS_TEXT}.`);
    }
    if (seen.has(canonical)) throw optionError(`The option ${canonical} is given twice. ${VALID_OPTIONS_TEXT}.`);
    seen.add(canonical);
    if (canonical === 'min_score') options.minScore = parseMinScore(rawValue);
    else options.live = parseFlag('live', rawValue);
  });
  return options;
}

function parseMinScore(raw: string | null): number {
  const usage = 'min_score must be a number from 0 to 1, such as min_score=0.8';
  if (raw === null || raw === '') throw optionError(`${usage}. ${VALID_OPTIONS_TEXT}.`);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(raw)) throw optionError(`${usage}, not "${raw}". ${VALID_OPTIONS_TEXT}.`);
  const score = Number(raw);
  if (!(score >= 0 && score <= 1)) {
    const hint = score > 1 && score <= 100 ? ` (for ${score}% write min_score=${score / 100})` : '';
    throw optionError(`${usage}, not ${raw}${hint}. ${VALID_OPTIONS_TEXT}.`);
  }
  return score;
}

function parseFlag(name: string, raw: string | null): boolean {
  if (raw === null) return true;
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw optionError(`${name} takes no value (just "${name}"), or TRUE/FALSE, not "${raw}". ${VALID_OPTIONS_TEXT}.`);
}

/**
 * A value checked like the API checks it (a number from 0 to 1): for settings that arrive as
 * numbers (the sidebar). null stays null (not sent).
 */
export function checkMinScore(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
    throw optionError(`The minimum match score must be a number from 0 to 1, such as 0.8, not ${JSON.stringify(value)}.`);
  }
  return value;
}

// ---- The result cache -------------------------------------------------------------------------

/**
 * A stable text naming the options that change which answer is right: min_score (it decides
 * which candidates come back) and live (a row the cache holds as not found may be found live).
 * The default options give '' so results cached before options existed stay valid.
 * force_fetch and enrich_realtime are left out: they ask for fresher data of the same answer,
 * and a request carrying them never reads the cache, so what it fetched is right for later reads.
 */
export function optionsKey(options: ApiOptions): string {
  const parts: string[] = [];
  if (options.minScore !== null) parts.push(`min_score=${String(Number(options.minScore))}`);
  if (options.live) parts.push('live');
  return parts.join(';');
}

/** The result cache's key for a field selection (catalog.ts selectionKey) under these options. */
export function resultCacheKey(selectionKey: string, options: ApiOptions): string {
  const key = optionsKey(options);
  return key === '' ? selectionKey : `${selectionKey}|${key}`;
}

// ---- Requests ---------------------------------------------------------------------------------

export type EnrichEndpoint = 'cached' | 'live';

/** Both take the same request body (crustdataClient.ts builds it; its ENRICH_PATH is `cached`). */
export const ENDPOINT_PATHS: Readonly<Record<EnrichEndpoint, string>> = Object.freeze({
  cached: '/person/enrich',
  live: '/person/professional_network/enrich/live',
});

export interface RequestPurpose {
  kind: IdentifierKind;
  endpoint: EnrichEndpoint;
  /** The free sample of the estimate: basic profile only, 0 credits. */
  preview?: boolean;
}

/**
 * The optional body properties a request carries, by the rules of the API:
 * - min_similarity_score only with business emails (the API scores them; URLs always score 1);
 * - force_fetch when asked;
 * - enrich_realtime when asked, but never with preview (the API refuses the pair with a 400, and
 *   the free preview sample must stay free and valid);
 * - preview when asked. `live` is not a property: it is the endpoint (ENDPOINT_PATHS).
 */
export function optionalBody(options: ApiOptions, purpose: RequestPurpose): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (options.minScore !== null && purpose.kind === 'business_email') body.min_similarity_score = options.minScore;
  if (options.forceFetch) body.force_fetch = true;
  if (options.enrichRealtime && !purpose.preview) body.enrich_realtime = true;
  if (purpose.preview) body.preview = true;
  return body;
}

/** A short description of the options for summaries and run histories, e.g. "min score 0.8, live retry". */
export function describeOptions(options: ApiOptions): string {
  const parts: string[] = [];
  if (options.minScore !== null) parts.push(`min score ${options.minScore}`);
  if (options.live) parts.push('live retry');
  if (options.forceFetch) parts.push('fresh fetch');
  if (options.enrichRealtime) parts.push('realtime');
  return parts.join(', ');
}
