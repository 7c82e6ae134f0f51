// The first layer of the throttling: a sliding 60-second window of send times per API key, kept
// in the cache and under the lock of whoever the key belongs to (a user's own key: the user cache
// and user lock; a key shared with the spreadsheet: the document cache and document lock),
// so every execution using the key (formula cells, sidebar jobs, triggers) draws slots from the
// same budget before it sends, and nobody waits on another user's lock. The API's own rate
// headers and 429s correct what this window cannot see (a lost entry, a busy lock, other users of
// the same key elsewhere).
import type { Cache, Clock, Lock } from './ports';
import { withLock } from './ports';

export const RATE_WINDOW_MS = 60_000;
/**
 * A send is recorded when it leaves; the server counts it when it arrives. Slots are released
 * this much after the window so a request sent at t+60 s cannot reach the server before the
 * one sent at t has aged out of the server's window.
 */
export const DEFAULT_WINDOW_MARGIN_MS = 1_000;

/**
 * Reserving holds the lock for one cache read and write. Its holders are one user's own
 * executions, or one spreadsheet's; a longer wait means a holder is busy with something else
 * (a formula fetching under the document lock): the caller tries again a second later.
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;

/**
 * The state is kept for the longest time the cache allows, whatever it holds: a full cache "stores
 * the 900 items farthest from expiration" (https://developers.google.com/apps-script/reference/cache/cache),
 * and beside 6-hour results a short-lived window entry would be the first to go. Aged-out sends
 * are dropped when it is read, so keeping it longer costs one item.
 */
const STATE_TTL_SECONDS = 21_600;

export interface RateWindowOptions {
  cache: Cache;
  lock: Lock;
  clock: Clock;
  /** Cache key of the shared state; derived from a hash of the API key, never the key. */
  stateKey: string;
  /** Requests allowed per window (the plan's per-minute limit). */
  limit: number;
  windowMs?: number;
  marginMs?: number;
  lockTimeoutMs?: number;
}

export interface Reservation {
  /** Slots reserved now; send exactly this many requests. */
  granted: number;
  /** When at least one more slot is expected to be free (meaningful when fewer were granted). */
  nextSlotAt: number;
  /**
   * When as many slots as were wanted (at most the limit) are expected to be free at once: a
   * caller that has to wait anyway waits for this, then reserves them all in one lock.
   */
  enoughAt: number;
}

/** What an execution expects of the window without asking it (no cache call, no lock). */
export interface WindowForecast {
  /** Slots that look free now; a reservation may still find fewer. */
  available: number;
  nextSlotAt: number;
  enoughAt: number;
}

/** What a response's headers said; absolute times in ms. */
export interface ServerRateInfo {
  limit?: number;
  remaining?: number;
  resetAt?: number;
}

/** The shared state, kept small: one [sentAt, count] pair per burst. */
interface WindowState {
  sends: Array<[number, number]>;
  /** Nothing may be sent before this (Retry-After, or the server said 0 remaining). */
  blockedUntil?: number;
  /**
   * When the server saw sends we did not make (other tools on the same key): the slots it leaves
   * us, its limit minus those, until its reset.
   */
  foreign?: { capacity: number; until: number };
  /** A lower limit reported by the server than the configured one. */
  serverLimit?: number;
}

/**
 * The state each execution last read or wrote under the lock, per cache and key. Others can only
 * have added sends since (and sends only age out), so it tells the earliest a slot can be free:
 * waiting for that needs no lock, and the one reservation after the wait usually succeeds.
 */
const lastSeen = new WeakMap<Cache, Map<string, WindowState>>();

export class RateWindow {
  private readonly windowMs: number;
  private readonly marginMs: number;
  private readonly lockTimeoutMs: number;

  constructor(private readonly options: RateWindowOptions) {
    this.windowMs = options.windowMs ?? RATE_WINDOW_MS;
    this.marginMs = options.marginMs ?? DEFAULT_WINDOW_MARGIN_MS;
    this.lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  }

  /** Reserves up to `wanted` slots at the current time. Never sleeps. */
  reserve(wanted: number): Reservation {
    const { clock } = this.options;
    const outcome = withLock(this.options.lock, this.lockTimeoutMs, () => {
      const now = clock.now();
      const state = this.load(now);
      const { available, nextSlotAt } = this.availability(state, now);
      const granted = Math.max(0, Math.min(wanted, available));
      if (granted > 0) {
        const last = state.sends[state.sends.length - 1];
        if (last && last[0] === now) last[1] += granted;
        else state.sends.push([now, granted]);
        this.save(state, now);
      }
      this.remember(state);
      if (granted > 0) return { granted, nextSlotAt: now, enoughAt: now };
      return { granted, nextSlotAt, enoughAt: this.enoughAt(state, now, wanted, nextSlotAt) };
    });
    // Another execution holds the lock for longer than reserving ever takes: try again shortly.
    if ('lockTimedOut' in outcome) return { granted: 0, nextSlotAt: clock.now() + 1_000, enoughAt: clock.now() + 1_000 };
    return outcome;
  }

  /** Reads without reserving: how many slots are free now and when the next frees. */
  peek(): Reservation {
    const now = this.options.clock.now();
    const state = this.load(now);
    this.remember(state);
    const { available, nextSlotAt } = this.availability(state, now);
    return { granted: Math.max(0, available), nextSlotAt, enoughAt: this.enoughAt(state, now, 1, nextSlotAt) };
  }

  /**
   * The window as this execution last saw it, aged to now: no cache call, no lock. Null before
   * this execution has read it. Slots it shows as busy are busy; slots it shows as free may have
   * been taken since, which the reservation finds out.
   */
  forecast(wanted: number): WindowForecast | null {
    const seen = lastSeen.get(this.options.cache)?.get(this.options.stateKey);
    if (!seen) return null;
    const now = this.options.clock.now();
    const state = this.age(copyState(seen), now);
    const { available, nextSlotAt } = this.availability(state, now);
    return { available: Math.max(0, available), nextSlotAt, enoughAt: this.enoughAt(state, now, wanted, nextSlotAt) };
  }

  /**
   * Records what the server said after a burst reserved at `sentAt`. Usage the server reports
   * beyond our own recorded sends belongs to someone else on the same key; it holds those slots
   * until the server's reset. A 0 our own sends explain needs nothing: they age out here first.
   */
  observe(info: ServerRateInfo, sentAt: number): void {
    if (info.limit == null && info.remaining == null) return;
    withLock(this.options.lock, this.lockTimeoutMs, () => {
      const now = this.options.clock.now();
      const state = this.load(now);
      if (info.limit != null && info.limit > 0 && info.limit < this.options.limit) state.serverLimit = info.limit;
      if (info.remaining != null) {
        const serverLimit = info.limit != null && info.limit > 0 ? info.limit : this.limitOf(state);
        const ours = state.sends.reduce((sum, [at, count]) => (at <= sentAt ? sum + count : sum), 0);
        const foreign = serverLimit - info.remaining - ours;
        // A reset at or before now (`x-ratelimit-reset: 0`) says the server's window is open again:
        // its count holds nothing. Only a missing reset falls back to our own window's length.
        const until = info.resetAt != null ? info.resetAt : sentAt + this.windowMs + this.marginMs;
        if (foreign > 0 && until > now) {
          const capacity = Math.min(serverLimit - foreign, state.foreign?.capacity ?? Infinity);
          state.foreign = { capacity, until: Math.max(until, state.foreign?.until ?? 0) };
          if (info.remaining <= 0 && until > (state.blockedUntil ?? 0)) state.blockedUntil = until;
        }
      }
      this.save(state, now);
      this.remember(state);
    });
  }

  /** Nobody sends before `until` (429 with Retry-After). */
  blockUntil(until: number): void {
    withLock(this.options.lock, this.lockTimeoutMs, () => {
      const now = this.options.clock.now();
      const state = this.load(now);
      if (until > (state.blockedUntil ?? 0)) state.blockedUntil = until;
      this.save(state, now);
      this.remember(state);
    });
  }

  private limitOf(state: WindowState): number {
    return Math.max(1, Math.min(this.options.limit, state.serverLimit ?? Infinity));
  }

  private availability(state: WindowState, now: number): { available: number; nextSlotAt: number } {
    const limit = Math.min(this.limitOf(state), state.foreign?.capacity ?? Infinity);
    let available = limit - state.sends.reduce((sum, [, count]) => sum + count, 0);
    let nextSlotAt = now;
    if (available <= 0) {
      nextSlotAt = limit > 0 ? this.whenUsageDropsBelow(state, limit) : now;
      // Slots held by others free at the server's reset at the latest.
      if (state.foreign && (limit <= 0 || state.foreign.until < nextSlotAt)) nextSlotAt = state.foreign.until;
    }
    if (state.blockedUntil && state.blockedUntil > now) {
      available = 0;
      nextSlotAt = Math.max(nextSlotAt, state.blockedUntil);
    }
    return { available, nextSlotAt };
  }

  /** The time enough of the oldest sends have aged out to leave one slot under `limit`. */
  private whenUsageDropsBelow(state: WindowState, limit: number): number {
    return this.whenUsageAtMost(state, limit - 1);
  }

  /** The time enough of the oldest sends have aged out for usage to be at most `used`. */
  private whenUsageAtMost(state: WindowState, most: number): number {
    const sends = [...state.sends].sort((a, b) => a[0] - b[0]);
    let used = sends.reduce((sum, [, count]) => sum + count, 0);
    if (used <= most) return this.options.clock.now();
    for (const [at, count] of sends) {
      used -= count;
      if (used <= most) return at + this.windowMs + this.marginMs;
    }
    return this.options.clock.now();
  }

  /**
   * When `wanted` slots (at most the limit) are free together, never before the next single
   * slot: under the slots others hold until the server's reset, or the full limit after it.
   */
  private enoughAt(state: WindowState, now: number, wanted: number, nextSlotAt: number): number {
    const own = this.limitOf(state);
    const slots = Math.max(1, Math.min(wanted, own));
    const capacity = Math.min(own, state.foreign?.capacity ?? Infinity);
    let at = capacity >= slots ? this.whenUsageAtMost(state, capacity - slots) : Infinity;
    if (state.foreign) at = Math.min(at, Math.max(state.foreign.until, this.whenUsageAtMost(state, own - slots)));
    return Math.max(at, nextSlotAt, state.blockedUntil ?? now, now);
  }

  private remember(state: WindowState): void {
    let byKey = lastSeen.get(this.options.cache);
    if (!byKey) lastSeen.set(this.options.cache, (byKey = new Map()));
    byKey.set(this.options.stateKey, copyState(state));
  }

  private load(now: number): WindowState {
    let state: WindowState = { sends: [] };
    try {
      const raw = this.options.cache.get(this.options.stateKey);
      if (raw) state = sanitizeState(JSON.parse(raw));
    } catch {
      // An unreadable state is as good as an empty one; the server's headers correct us.
    }
    return this.age(state, now);
  }

  /** Drops what no longer counts at `now`: aged-out sends, a lapsed block, others' slots after the reset. */
  private age(state: WindowState, now: number): WindowState {
    const horizon = now - this.windowMs - this.marginMs;
    state.sends = state.sends.filter(([at]) => at > horizon);
    if (state.foreign && state.foreign.until <= now) delete state.foreign;
    if (state.blockedUntil && state.blockedUntil <= now) delete state.blockedUntil;
    return state;
  }

  private save(state: WindowState, now: number): void {
    try {
      this.options.cache.put(this.options.stateKey, JSON.stringify(state), STATE_TTL_SECONDS);
    } catch {
      // Losing the shared state costs pacing accuracy, not correctness: 429s are still retried.
    }
  }
}

function copyState(state: WindowState): WindowState {
  const copy: WindowState = { ...state, sends: state.sends.map(([at, count]): [number, number] => [at, count]) };
  if (state.foreign) copy.foreign = { ...state.foreign };
  return copy;
}

function sanitizeState(raw: unknown): WindowState {
  const state: WindowState = { sends: [] };
  if (!raw || typeof raw !== 'object') return state;
  const value = raw as Record<string, unknown>;
  if (Array.isArray(value.sends)) {
    for (const entry of value.sends) {
      if (Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'number') {
        state.sends.push([entry[0], entry[1]]);
      }
    }
  }
  if (typeof value.blockedUntil === 'number') state.blockedUntil = value.blockedUntil;
  if (typeof value.serverLimit === 'number') state.serverLimit = value.serverLimit;
  const foreign = value.foreign as Record<string, unknown> | undefined;
  if (foreign && typeof foreign.capacity === 'number' && typeof foreign.until === 'number') {
    state.foreign = { capacity: foreign.capacity, until: foreign.until };
  }
  return state;
}
