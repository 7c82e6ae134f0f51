// What a job spends and may spend: the likely credits of an estimate (from what this sheet's
// earlier answers showed), the credit cap of a job or a Keep fresh run, and Apps Script's daily
// UrlFetch quota, counted so a job pauses before the quota runs out instead of failing mid-way.
// Pure: stores arrive as ports.
import { creditsPerMatch } from './catalog';
import { LIVE_EXTRA_CREDITS_PER_MATCH } from './enrich';
import type { KeyValueStore } from './ports';
import type { FieldSelection, RowOutcome } from './types';

// ---- What this sheet's answers showed ----------------------------------------------------------

/**
 * Lookups sent from this sheet and what they cost, summed over every job on it. Credits are
 * 1 per matched profile plus the priced data actually returned (docs/CRUSTDATA-API.md), so
 * `extraSeen / extraPossible` is the share of the priced data the matches really carried.
 */
export interface SpendHistory {
  /** Unique identifiers sent to the API (not answered from the cache). */
  fetched: number;
  matched: number;
  /** Credits charged above the 1-credit base per match. */
  extraSeen: number;
  /** What those matches could have cost above the base, had each carried every priced field asked for. */
  extraPossible: number;
}

export const SPEND_KEY_PREFIX = 'crustdata.spend.';

export function emptyHistory(): SpendHistory {
  return { fetched: 0, matched: 0, extraSeen: 0, extraPossible: 0 };
}

/** Fewer lookups than this say little about a sheet's match rate: the typical figures stand in. */
export const MIN_SAMPLE = 20;
/**
 * Stand-ins until a sheet has answers of its own: most lists of work identities match, and about
 * half of the matched profiles carry a given piece of contact data. A rough guess, said as such.
 */
export const TYPICAL_MATCH_RATE = 0.8;
export const TYPICAL_DATA_RATE = 0.5;

/** What one engine call adds to the history: its fetched identifiers, their matches and the credits charged. */
export function addToHistory(history: SpendHistory, outcomes: RowOutcome[], creditsCharged: number, selection: FieldSelection): SpendHistory {
  const fetched = new Set<string>();
  const matched = new Set<string>();
  for (const outcome of outcomes) {
    if ((outcome.status === 'matched' || outcome.status === 'not_found') && !outcome.fromCache) {
      fetched.add(outcome.identifier);
      if (outcome.status === 'matched') matched.add(outcome.identifier);
    }
  }
  if (!fetched.size) return history;
  const extraMax = creditsPerMatch(selection).max - 1;
  return {
    fetched: history.fetched + fetched.size,
    matched: history.matched + matched.size,
    extraSeen: history.extraSeen + Math.max(0, creditsCharged - matched.size),
    extraPossible: history.extraPossible + matched.size * extraMax,
  };
}

export interface LikelyCredits {
  likely: number;
  /** 'sheet': from this sheet's answers; 'typical': the stand-ins (no answers yet, or too few). */
  basis: 'sheet' | 'typical';
  matchRate: number;
}

/**
 * The credits a job of `toFetch` identifiers will likely be charged: each match costs 1 plus its
 * share of the priced data asked for, and no-match costs nothing. Never above `creditsMax`.
 */
export function likelyCredits(toFetch: number, selection: FieldSelection, history: SpendHistory | null): LikelyCredits {
  const { max } = creditsPerMatch(selection);
  const extraMax = max - 1;
  const known = history !== null && history.fetched >= MIN_SAMPLE;
  const matchRate = known ? history.matched / history.fetched : TYPICAL_MATCH_RATE;
  const dataKnown = known && history.extraPossible > 0;
  const dataRate = dataKnown ? Math.min(1, history.extraSeen / history.extraPossible) : TYPICAL_DATA_RATE;
  const likely = Math.round(toFetch * matchRate * (1 + extraMax * dataRate));
  const basis = known && (extraMax === 0 || dataKnown) ? 'sheet' : 'typical';
  return { likely: Math.min(likely, toFetch * max), basis, matchRate };
}

/** What the live second pass may cost, apart from the cached pass's own figures. */
export interface LiveCredits {
  /** Its bound: every identifier to fetch is not found by the cached endpoint and found live. */
  max: number;
  /**
   * The identifiers this sheet's match rate says the cached endpoint will not find, each found
   * live at its likely price plus the live surcharge. The live endpoint's own find rate is not
   * known before it has answered, so all are counted as found. null: too few answers on this
   * sheet to know its not-found rate.
   */
  likely: number | null;
}

/** Only rows the cached endpoint did not find go live, so the live pass is priced on its own. */
export function liveCredits(toFetch: number, selection: FieldSelection, history: SpendHistory | null): LiveCredits {
  const { max } = creditsPerMatch(selection);
  const liveMax = max + LIVE_EXTRA_CREDITS_PER_MATCH;
  const bound = Math.max(0, toFetch) * liveMax;
  if (history === null || history.fetched < MIN_SAMPLE) return { max: bound, likely: null };
  const notFound = Math.max(0, toFetch) * (1 - history.matched / history.fetched);
  const dataRate = history.extraPossible > 0 ? Math.min(1, history.extraSeen / history.extraPossible) : TYPICAL_DATA_RATE;
  const perFound = 1 + (max - 1) * dataRate + LIVE_EXTRA_CREDITS_PER_MATCH;
  return { max: bound, likely: Math.min(bound, Math.round(notFound * perFound)) };
}

export function loadHistory(store: KeyValueStore, sheetId: number): SpendHistory | null {
  const raw = store.get(SPEND_KEY_PREFIX + sheetId);
  if (!raw) return null;
  try {
    const value = JSON.parse(raw) as Partial<SpendHistory>;
    const ok = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;
    if (!ok(value.fetched) || !ok(value.matched) || !ok(value.extraSeen) || !ok(value.extraPossible)) return null;
    return { fetched: value.fetched, matched: value.matched, extraSeen: value.extraSeen, extraPossible: value.extraPossible };
  } catch {
    return null;
  }
}

export function saveHistory(store: KeyValueStore, sheetId: number, history: SpendHistory): void {
  store.set(SPEND_KEY_PREFIX + sheetId, JSON.stringify(history));
}

// ---- Credit cap --------------------------------------------------------------------------------

/** What the engine may still spend under a cap (null: no cap). */
export function creditBudget(cap: number | null | undefined, used: number): number | undefined {
  return cap === null || cap === undefined ? undefined : Math.max(0, cap - used);
}

/** The most one identifier can cost with this selection: a request for it could take the job past the cap. */
export function worstCasePerIdentifier(selection: FieldSelection): number {
  return creditsPerMatch(selection).max;
}

/** The budget left is too small for even one more identifier. */
export function capReached(cap: number | null | undefined, used: number, selection: FieldSelection): boolean {
  const budget = creditBudget(cap, used);
  return budget !== undefined && budget < worstCasePerIdentifier(selection);
}

export function capMessage(cap: number, used: number, what: 'job' | 'run' = 'job'): string {
  return (
    `Paused at the credit cap: this ${what} has been charged ${formatCredits(used)} of its ${formatCredits(cap)} ` +
    `and the next request could take it past the cap. Raise the cap to go on.`
  );
}

export function formatCredits(credits: number): string {
  const rounded = Math.round(credits * 100) / 100;
  return `${rounded.toLocaleString('en-US')} credit${rounded === 1 ? '' : 's'}`;
}

// ---- UrlFetch daily quota ----------------------------------------------------------------------

/**
 * "URL Fetch calls 20,000 / day (consumer), 100,000 / day (Workspace)"
 * (https://developers.google.com/apps-script/guides/services/quotas). Counted per user (the
 * quota is the user's, across every script) and per UTC day.
 */
export const URL_FETCH_DAILY_CALLS = { consumer: 20_000, workspace: 100_000 } as const;
export type AccountKind = keyof typeof URL_FETCH_DAILY_CALLS;

/**
 * Calls kept back for what the user does by hand meanwhile (a formula, a key test): a job stops
 * this far short of the quota, so the user's own sheet never hits "Service invoked too many times".
 */
export const FETCH_RESERVE = 200;

export const FETCH_COUNT_PREFIX = 'crustdata.urlfetch.';

/** What a job or a Keep fresh run is told about the quota (the adapter knows whose it is). */
export interface FetchQuota {
  callsLeft(): number;
  /** What it says when it pauses for the quota. */
  message: string;
}

function dayOf(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

export function fetchCallsToday(store: KeyValueStore, now: number): number {
  const value = Number(store.get(FETCH_COUNT_PREFIX + dayOf(now)) ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** Adds calls to today's count and forgets earlier days (one small value per user). */
export function recordFetchCalls(store: KeyValueStore, now: number, calls: number): void {
  if (calls <= 0) return;
  const key = FETCH_COUNT_PREFIX + dayOf(now);
  const today = fetchCallsToday(store, now);
  store.set(key, String(today + calls));
  // Earlier days' counts are swept once, at a day's first count, not on every burst: listing
  // every property is a read of the whole store.
  if (today === 0) for (const old of store.keys()) if (old.startsWith(FETCH_COUNT_PREFIX) && old !== key) store.delete(old);
}

/** UrlFetch calls a job may still make today, the reserve kept back. */
export function fetchCallsLeft(store: KeyValueStore, now: number, account: AccountKind): number {
  return Math.max(0, URL_FETCH_DAILY_CALLS[account] - FETCH_RESERVE - fetchCallsToday(store, now));
}

export function fetchQuotaMessage(account: AccountKind, what: 'job' | 'run' = 'job'): string {
  const then = what === 'job' ? 'Press Resume tomorrow: the job carries on from here.' : 'Turn Keep fresh on again tomorrow: the refresh carries on from here.';
  return `Paused before Google's daily limit of ${URL_FETCH_DAILY_CALLS[account].toLocaleString('en-US')} web requests for your account runs out (Apps Script's UrlFetch quota). ${then}`;
}
