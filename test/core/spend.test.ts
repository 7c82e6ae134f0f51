import {
  addToHistory,
  capReached,
  creditBudget,
  emptyHistory,
  FETCH_RESERVE,
  fetchCallsLeft,
  fetchCallsToday,
  likelyCredits,
  liveCredits,
  loadHistory,
  MIN_SAMPLE,
  recordFetchCalls,
  saveHistory,
  TYPICAL_DATA_RATE,
  TYPICAL_MATCH_RATE,
  URL_FETCH_DAILY_CALLS,
  worstCasePerIdentifier,
} from '../../src/core/spend';
import { parseFieldSelection } from '../../src/core/catalog';
import { LIVE_EXTRA_CREDITS_PER_MATCH } from '../../src/core/enrich';
import type { KeyValueStore } from '../../src/core/ports';
import type { RowOutcome } from '../../src/core/types';

class MemoryStore implements KeyValueStore {
  readonly values = new Map<string, string>();
  get = (key: string) => this.values.get(key) ?? null;
  set = (key: string, value: string) => void this.values.set(key, value);
  delete = (key: string) => void this.values.delete(key);
  keys = () => [...this.values.keys()];
}

const BASIC = parseFieldSelection(['basic_profile.name']);
// 1 base + business email 1 + personal emails 2 + phones 2 = up to 6 per match.
const CONTACT = parseFieldSelection(['basic_profile.name', 'contact']);

const matched = (id: string, fromCache = false): RowOutcome => ({ status: 'matched', identifier: id, person: {}, fetchedAt: 0, fromCache });
const notFound = (id: string): RowOutcome => ({ status: 'not_found', identifier: id, fetchedAt: 0, fromCache: false });

describe('likely credits', () => {
  test('with no history: typical match and data rates, said to be typical', () => {
    const basic = likelyCredits(100, BASIC, null);
    expect(basic).toEqual({ likely: Math.round(100 * TYPICAL_MATCH_RATE), basis: 'typical', matchRate: TYPICAL_MATCH_RATE });
    const max = worstCasePerIdentifier(CONTACT);
    expect(max).toBe(6);
    expect(likelyCredits(100, CONTACT, null).likely).toBe(Math.round(100 * TYPICAL_MATCH_RATE * (1 + 5 * TYPICAL_DATA_RATE)));
  });

  test("from this sheet's answers: its match rate and the share of priced data its matches carried", () => {
    // 40 fetched, 30 matched, charged 30 base + 45 extra of a possible 30 × 5 = 150.
    const history = { fetched: 40, matched: 30, extraSeen: 45, extraPossible: 150 };
    const result = likelyCredits(200, CONTACT, history);
    expect(result.basis).toBe('sheet');
    expect(result.matchRate).toBeCloseTo(0.75);
    expect(result.likely).toBe(Math.round(200 * 0.75 * (1 + 5 * 0.3)));
  });

  test('too few answers, or none with priced data for a selection that has some: the typical rates stand in', () => {
    expect(likelyCredits(100, BASIC, { fetched: MIN_SAMPLE - 1, matched: 1, extraSeen: 0, extraPossible: 0 }).basis).toBe('typical');
    const basicOnly = { fetched: 100, matched: 50, extraSeen: 0, extraPossible: 0 };
    expect(likelyCredits(100, BASIC, basicOnly)).toMatchObject({ likely: 50, basis: 'sheet' });
    // The match rate is the sheet's; the contact rate is not known yet.
    expect(likelyCredits(100, CONTACT, basicOnly)).toMatchObject({ likely: Math.round(50 * (1 + 5 * TYPICAL_DATA_RATE)), basis: 'typical' });
  });

  test('never above the upper bound, whatever the history says', () => {
    const odd = { fetched: 20, matched: 20, extraSeen: 1000, extraPossible: 10 };
    expect(likelyCredits(30, CONTACT, odd).likely).toBe(30 * 6);
    expect(likelyCredits(0, CONTACT, odd).likely).toBe(0);
  });

  test('history counts each fetched identifier once; cache answers and failures are not lookups', () => {
    const outcomes: RowOutcome[] = [
      matched('a'),
      matched('a'),
      matched('b'),
      notFound('c'),
      matched('d', true),
      { status: 'failed', identifier: 'e', code: 'server_error', message: 'x' },
      { status: 'pending', identifier: 'f', message: 'later' },
    ];
    const after = addToHistory(emptyHistory(), outcomes, 7, CONTACT);
    expect(after).toEqual({ fetched: 3, matched: 2, extraSeen: 5, extraPossible: 10 });
    // Nothing fetched: the same object back (no property write).
    const none = emptyHistory();
    expect(addToHistory(none, [matched('d', true)], 0, CONTACT)).toBe(none);
  });

  test('history round-trips through the store, and a hand-edited value reads as none', () => {
    const store = new MemoryStore();
    expect(loadHistory(store, 3)).toBeNull();
    saveHistory(store, 3, { fetched: 5, matched: 4, extraSeen: 2, extraPossible: 20 });
    expect(loadHistory(store, 3)).toEqual({ fetched: 5, matched: 4, extraSeen: 2, extraPossible: 20 });
    store.set('crustdata.spend.3', '{"fetched":-1}');
    expect(loadHistory(store, 3)).toBeNull();
    store.set('crustdata.spend.3', 'not json');
    expect(loadHistory(store, 3)).toBeNull();
  });
});

describe('credit cap', () => {
  test('the budget is what the cap leaves; no cap, no budget', () => {
    expect(creditBudget(null, 10)).toBeUndefined();
    expect(creditBudget(undefined, 10)).toBeUndefined();
    expect(creditBudget(100, 30)).toBe(70);
    expect(creditBudget(100, 130)).toBe(0);
  });

  test('reached when the budget cannot cover one more identifier at its worst-case price', () => {
    expect(capReached(null, 1e9, CONTACT)).toBe(false);
    expect(capReached(100, 94, CONTACT)).toBe(false); // 6 left: one more identifier fits
    expect(capReached(100, 95, CONTACT)).toBe(true);
    expect(capReached(100, 99, BASIC)).toBe(false);
    expect(capReached(100, 100, BASIC)).toBe(true);
  });
});

describe('UrlFetch daily quota', () => {
  const day = Date.UTC(2026, 2, 10, 8, 0, 0);
  const nextDay = Date.UTC(2026, 2, 11, 0, 0, 1);

  test('counts calls per UTC day and leaves the reserve out of what a job may use', () => {
    const store = new MemoryStore();
    expect(fetchCallsLeft(store, day, 'consumer')).toBe(URL_FETCH_DAILY_CALLS.consumer - FETCH_RESERVE);
    recordFetchCalls(store, day, 25);
    recordFetchCalls(store, day + 3600_000, 15);
    expect(fetchCallsToday(store, day)).toBe(40);
    expect(fetchCallsLeft(store, day, 'consumer')).toBe(20_000 - FETCH_RESERVE - 40);
    expect(fetchCallsLeft(store, day, 'workspace')).toBe(100_000 - FETCH_RESERVE - 40);
  });

  test('a new day starts from zero and the old count is removed', () => {
    const store = new MemoryStore();
    recordFetchCalls(store, day, 19_900);
    expect(fetchCallsLeft(store, day, 'consumer')).toBe(0);
    recordFetchCalls(store, nextDay, 1);
    expect(fetchCallsToday(store, nextDay)).toBe(1);
    expect(store.keys()).toEqual(['crustdata.urlfetch.2026-03-11']);
  });

  test("the store is listed once a day, at the day's first count, not on every burst", () => {
    const store = new MemoryStore();
    const listed = jest.spyOn(store, 'keys');
    recordFetchCalls(store, day, 12);
    recordFetchCalls(store, day + 60_000, 12);
    recordFetchCalls(store, day + 120_000, 12);
    expect(listed).toHaveBeenCalledTimes(1);
    expect(fetchCallsToday(store, day)).toBe(36);
  });
});

describe('the live pass, priced apart', () => {
  test('its bound counts every row to fetch as not found by the cached endpoint and found live', () => {
    expect(liveCredits(100, CONTACT, null)).toEqual({ max: 100 * (6 + LIVE_EXTRA_CREDITS_PER_MATCH), likely: null });
    expect(liveCredits(0, CONTACT, null)).toEqual({ max: 0, likely: null });
    // Too few answers to know the not-found rate: no likely figure, the bound alone.
    expect(liveCredits(100, BASIC, { fetched: MIN_SAMPLE - 1, matched: 5, extraSeen: 0, extraPossible: 0 }).likely).toBeNull();
  });

  test("with this sheet's not-found rate known, the rows likely not found are priced as found live", () => {
    // 1 in 4 not found; matches carried 30% of the priced contact data.
    const history = { fetched: 200, matched: 150, extraSeen: 225, extraPossible: 750 };
    const live = liveCredits(100, CONTACT, history);
    expect(live.likely).toBe(Math.round(25 * (1 + 5 * 0.3 + LIVE_EXTRA_CREDITS_PER_MATCH)));
    expect(live.likely!).toBeLessThan(live.max);
    // Every lookup matched so far: nothing is likely to go live.
    expect(liveCredits(100, CONTACT, { fetched: 50, matched: 50, extraSeen: 0, extraPossible: 250 }).likely).toBe(0);
    // Nothing matched so far: never above the bound.
    const none = liveCredits(10, CONTACT, { fetched: 50, matched: 0, extraSeen: 0, extraPossible: 0 });
    expect(none.likely!).toBeLessThanOrEqual(none.max);
  });
});
