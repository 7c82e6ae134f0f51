// The Keep fresh schedule: its settings (validated when they arrive from the sidebar and again
// when read back from document properties) and the calendar arithmetic that decides, at each
// hourly trigger run, whether a daily or weekly refresh is due, in the spreadsheet's time zone.
import * as z from 'zod/mini';
import { ALL_COLUMNS } from './catalog';
import { EnrichError } from './errors';
import type { KeyValueStore, TimeZone } from './ports';
import { lazySchema, parseStoredJson } from './schemas';
import { scheduleRequestSchema, type ScheduleRequest } from '../common/requests';
import { ERROR_CODES } from '../common/messages';

export const SCHEDULE_KEY = 'crustdata.schedule';
export const DEFAULT_MAX_AGE_DAYS = 7;
export const DEFAULT_TRACKED_HEADERS: readonly string[] = Object.freeze(['Current employer', 'Current title']);
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// ---- Settings ------------------------------------------------------------------------------

// Schemas and the header index are built on first use: every execution (each custom-function
// cell too) loads the whole bundle, and most never touch the schedule.
const FIELD_WORDS: Record<string, string> = {
  frequency: 'How often must be "daily" or "weekly".',
  hour: 'The hour must be a whole number from 0 to 23.',
  weekday: 'The weekday must be a whole number from 1 (Monday) to 7 (Sunday).',
  maxAgeDays: 'Days must be a whole number from 1 to 365.',
  forceFetch: '"Request fresh data" must be on or off.',
  creditCap: 'The credit cap must be a whole number of credits, at least 1 (or empty for no cap).',
  live: '"Try Not found rows live" must be on or off.',
  trackedHeaders: 'The tracked columns must be a list of at most 20 column headers.',
};

const knownHeaders = lazySchema(() => new Map(ALL_COLUMNS.map((column) => [column.header.toLowerCase(), column.header])));

/** A ScheduleRequest from the browser, checked; throws EnrichError('invalid_argument') in words. */
export function parseScheduleRequest(input: unknown): ScheduleRequest {
  const parsed = scheduleRequestSchema().safeParse(input);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? '');
    throw new EnrichError('invalid_argument', FIELD_WORDS[field] ?? 'The schedule settings are incomplete. Reopen the sidebar and try again.');
  }
  const settings = parsed.data;
  const out: ScheduleRequest = {
    frequency: settings.frequency,
    hour: settings.hour,
    maxAgeDays: settings.maxAgeDays,
    forceFetch: settings.forceFetch,
  };
  // Only when on: a schedule saved before the option existed reads the same.
  if (settings.live) out.live = true;
  if (settings.frequency === 'weekly') out.weekday = settings.weekday ?? 1;
  if (settings.creditCap != null) out.creditCap = settings.creditCap;
  if (settings.trackedHeaders) {
    const headers: string[] = [];
    for (const raw of settings.trackedHeaders) {
      const header = knownHeaders().get(raw.trim().toLowerCase());
      if (!header) throw new EnrichError('invalid_argument', `"${raw.slice(0, 60)}" is not a column this add-on writes, so its changes cannot be tracked.`);
      if (!headers.includes(header)) headers.push(header);
    }
    out.trackedHeaders = headers;
  }
  return out;
}

export function trackedHeadersOf(settings: ScheduleRequest): string[] {
  return settings.trackedHeaders ? [...settings.trackedHeaders] : [...DEFAULT_TRACKED_HEADERS];
}

/** The settings Refresh now uses when no schedule was ever set. */
export function defaultScheduleSettings(): ScheduleRequest {
  return { frequency: 'daily', hour: 6, maxAgeDays: DEFAULT_MAX_AGE_DAYS, forceFetch: false };
}

// ---- The stored schedule -------------------------------------------------------------------

const targetSchema = lazySchema(() =>
  z.object({
    sheetId: z.number(),
    sheetName: z.string(),
    /** The bulk job's layout id: its developer metadata finds the columns wherever they moved. */
    layoutId: z.string(),
  }),
);

const storedScheduleSchema = lazySchema(() =>
  z.object({
    v: z.literal(1),
    enabled: z.boolean(),
    settings: scheduleRequestSchema(),
    target: targetSchema(),
    /** Why the schedule stopped itself (key rejected, credits, sheet gone); null while it runs. */
    pausedReason: z.nullable(z.string()),
    /** That reason's code (src/common/messages.ts); absent in schedules saved before codes were kept. */
    pausedCode: z.optional(z.catch(z.nullable(z.enum(ERROR_CODES)), null)),
    /**
     * The trigger that runs it (its unique id, as in the event's triggerUid). Another user's
     * trigger in the same document leaves the refresh to this one, so two never share the work.
     */
    triggerId: z.nullable(z.string()),
    updatedAt: z.number(),
  }),
);

export type RefreshTarget = z.infer<ReturnType<typeof targetSchema>>;
export type StoredSchedule = z.infer<ReturnType<typeof storedScheduleSchema>>;

/** A value that fails validation (hand-edited, another version) reads as no schedule rather than a crash. */
export function loadSchedule(store: KeyValueStore): StoredSchedule | null {
  return parseStoredJson(storedScheduleSchema, store.get(SCHEDULE_KEY));
}

export function saveSchedule(store: KeyValueStore, schedule: StoredSchedule): void {
  const text = JSON.stringify(schedule.pausedReason && schedule.pausedReason.length > 1000 ? { ...schedule, pausedReason: schedule.pausedReason.slice(0, 1000) } : schedule);
  store.set(SCHEDULE_KEY, text);
}

/** The schedule is on and not stopped by a problem: its trigger should run it. */
export function isScheduleActive(schedule: StoredSchedule | null): schedule is StoredSchedule {
  return Boolean(schedule && schedule.enabled && !schedule.pausedReason);
}

// ---- Calendar ------------------------------------------------------------------------------

export const UTC: TimeZone = { offsetMs: () => 0 };

export interface LocalFields {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  /** 1 (Monday) .. 7 (Sunday), as in ScheduleRequest. */
  weekday: number;
}

export function localFields(zone: TimeZone, epochMs: number): LocalFields {
  const local = new Date(epochMs + zone.offsetMs(epochMs));
  const day = local.getUTCDay();
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    weekday: day === 0 ? 7 : day,
  };
}

/** The instant a local wall-clock time happens (month and day may overflow; Date.UTC folds them). */
export function zonedToEpoch(zone: TimeZone, year: number, month: number, day: number, hour = 0): number {
  const wall = Date.UTC(year, month - 1, day, hour);
  // Two rounds find the offset in force at that instant, DST changes included.
  const first = wall - zone.offsetMs(wall);
  return wall - zone.offsetMs(first);
}

/** yyyy-MM-dd of a local date, as the status column writes it. */
export function isoDate(year: number, month: number, day: number): string {
  const date = new Date(Date.UTC(year, month - 1, day));
  return `${date.getUTCFullYear()}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
}

export function localDate(zone: TimeZone, epochMs: number): string {
  const f = localFields(zone, epochMs);
  return isoDate(f.year, f.month, f.day);
}

/**
 * The most recent scheduled time at or before `now`: today's (or the weekday's) chosen hour. The
 * trigger runs hourly, and a run is due when this slot has not been served yet, so a run that was
 * missed (trigger quota, a paused schedule) happens at the next hour instead of never.
 */
export function lastSlotAtOrBefore(settings: ScheduleRequest, zone: TimeZone, now: number): number {
  const today = localFields(zone, now);
  const step = settings.frequency === 'weekly' ? 7 : 1;
  // Days back from today to the latest day the schedule runs on.
  let back = settings.frequency === 'weekly' ? (today.weekday - (settings.weekday ?? 1) + 7) % 7 : 0;
  for (let guard = 0; guard < 3; guard++, back += step) {
    const slot = zonedToEpoch(zone, today.year, today.month, today.day - back, settings.hour);
    if (slot <= now) return slot;
  }
  return zonedToEpoch(zone, today.year, today.month, today.day - back, settings.hour);
}

/** The first scheduled time after `now`. */
export function nextSlotAfter(settings: ScheduleRequest, zone: TimeZone, now: number): number {
  const last = lastSlotAtOrBefore(settings, zone, now);
  const f = localFields(zone, last + HOUR_MS / 2);
  const step = settings.frequency === 'weekly' ? 7 : 1;
  return zonedToEpoch(zone, f.year, f.month, f.day + step, settings.hour);
}

/**
 * The refresh threshold as a date: rows whose data is from this local date or earlier are
 * "older than N days" (a row enriched on the 1st is due on the 8th with N = 7), and the instant
 * the following day begins, after which cached data is fresh enough to use.
 */
export function refreshCutoff(zone: TimeZone, now: number, maxAgeDays: number): { date: string; freshSinceMs: number } {
  const f = localFields(zone, now);
  return {
    date: isoDate(f.year, f.month, f.day - maxAgeDays),
    freshSinceMs: zonedToEpoch(zone, f.year, f.month, f.day - maxAgeDays + 1, 0),
  };
}

export { DAY_MS, HOUR_MS };
