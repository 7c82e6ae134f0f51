// Schedule settings (validated from the sidebar and from properties) and the calendar arithmetic
// that decides when a daily or weekly refresh is due, in the spreadsheet's time zone.
import {
  lastSlotAtOrBefore,
  loadSchedule,
  localDate,
  nextSlotAfter,
  parseScheduleRequest,
  refreshCutoff,
  saveSchedule,
  SCHEDULE_KEY,
  trackedHeadersOf,
  UTC,
  zonedToEpoch,
} from '../../src/core/schedule';
import type { ScheduleRequest } from '../../src/common/contract';
import { loadCountingZod } from '../helpers/countingZod';
import { FakeStore, intlZone } from './refreshFakes';

const daily = (hour: number, extra: Partial<ScheduleRequest> = {}): ScheduleRequest => ({ frequency: 'daily', hour, maxAgeDays: 7, forceFetch: false, ...extra });
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

describe('parseScheduleRequest', () => {
  it('accepts what the sidebar sends and fills in the weekday of a weekly schedule', () => {
    expect(parseScheduleRequest(daily(6))).toEqual(daily(6));
    expect(parseScheduleRequest({ frequency: 'weekly', hour: 23, maxAgeDays: 30, forceFetch: true })).toEqual({ frequency: 'weekly', hour: 23, weekday: 1, maxAgeDays: 30, forceFetch: true });
    // The live opt-in is kept when on, and left out when off (a schedule saved before it reads the same).
    expect(parseScheduleRequest({ ...daily(6), live: true })).toEqual({ ...daily(6), live: true });
    expect(parseScheduleRequest({ ...daily(6), live: false })).toEqual(daily(6));
    // A weekday on a daily schedule means nothing and is dropped.
    expect(parseScheduleRequest({ ...daily(6), weekday: 3 })).toEqual(daily(6));
  });

  it('rejects each bad field with a message a user can act on', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ ...daily(6), frequency: 'hourly' }, /How often/],
      [{ ...daily(24) }, /hour must be a whole number from 0 to 23/],
      [{ ...daily(6.5) }, /hour/],
      [{ ...daily(6), frequency: 'weekly', weekday: 8 }, /1 \(Monday\) to 7 \(Sunday\)/],
      [{ ...daily(6), maxAgeDays: 0 }, /Days must be a whole number from 1 to 365/],
      [{ ...daily(6), maxAgeDays: '7' }, /Days/],
      [{ ...daily(6), forceFetch: 'yes' }, /Request fresh data/],
      [{ ...daily(6), live: 'yes' }, /Try Not found rows live/],
      [null, /incomplete/],
      [{ ...daily(6), trackedHeaders: 'Current title' }, /tracked columns/],
      [{ ...daily(6), trackedHeaders: ['Shoe size'] }, /"Shoe size" is not a column this add-on writes/],
    ];
    for (const [input, message] of cases) expect(() => parseScheduleRequest(input)).toThrow(message);
  });

  it('names tracked columns as the catalog spells them, once each', () => {
    expect(parseScheduleRequest({ ...daily(6), trackedHeaders: ['current EMPLOYER', 'Location', 'Current employer'] }).trackedHeaders).toEqual(['Current employer', 'Location']);
    expect(trackedHeadersOf(daily(6))).toEqual(['Current employer', 'Current title']);
    expect(trackedHeadersOf({ ...daily(6), trackedHeaders: [] })).toEqual([]);
  });
});

describe('the stored schedule', () => {
  it('reads back what was saved and treats anything malformed as no schedule', () => {
    const store = new FakeStore();
    const schedule = { v: 1 as const, enabled: true, settings: daily(6), target: { sheetId: 1, sheetName: 'A', layoutId: 'L' }, pausedReason: null, triggerId: 't1', updatedAt: 5 };
    saveSchedule(store, schedule);
    expect(loadSchedule(store)).toEqual(schedule);
    store.set(SCHEDULE_KEY, JSON.stringify({ ...schedule, settings: { ...daily(6), hour: 99 } }));
    expect(loadSchedule(store)).toBeNull();
    store.set(SCHEDULE_KEY, '{not json');
    expect(loadSchedule(store)).toBeNull();
  });

  it('keeps a long pause reason under the property limit', () => {
    const store = new FakeStore();
    saveSchedule(store, { v: 1, enabled: true, settings: daily(6), target: { sheetId: 1, sheetName: 'A', layoutId: 'L' }, pausedReason: 'x'.repeat(50_000), triggerId: null, updatedAt: 5 });
    expect(loadSchedule(store)!.pausedReason!.length).toBe(1000);
  });
});

describe('calendar', () => {
  it('finds the latest daily slot at or before now', () => {
    expect(iso(lastSlotAtOrBefore(daily(6), UTC, at('2026-01-05T06:00:00Z')))).toBe('2026-01-05T06:00:00.000Z');
    expect(iso(lastSlotAtOrBefore(daily(6), UTC, at('2026-01-05T05:59:59Z')))).toBe('2026-01-04T06:00:00.000Z');
    expect(iso(nextSlotAfter(daily(6), UTC, at('2026-01-05T06:00:00Z')))).toBe('2026-01-06T06:00:00.000Z');
    expect(iso(nextSlotAfter(daily(0), UTC, at('2026-01-31T23:30:00Z')))).toBe('2026-02-01T00:00:00.000Z');
  });

  it('finds the weekly slot on its weekday (1 = Monday .. 7 = Sunday)', () => {
    const weekly = (weekday: number): ScheduleRequest => ({ ...daily(9), frequency: 'weekly', weekday });
    // 2026-01-07 is a Wednesday.
    expect(iso(lastSlotAtOrBefore(weekly(1), UTC, at('2026-01-07T12:00:00Z')))).toBe('2026-01-05T09:00:00.000Z');
    expect(iso(lastSlotAtOrBefore(weekly(3), UTC, at('2026-01-07T08:00:00Z')))).toBe('2025-12-31T09:00:00.000Z');
    expect(iso(lastSlotAtOrBefore(weekly(3), UTC, at('2026-01-07T09:00:00Z')))).toBe('2026-01-07T09:00:00.000Z');
    expect(iso(lastSlotAtOrBefore(weekly(7), UTC, at('2026-01-07T09:00:00Z')))).toBe('2026-01-04T09:00:00.000Z');
    expect(iso(nextSlotAfter(weekly(7), UTC, at('2026-01-07T09:00:00Z')))).toBe('2026-01-11T09:00:00.000Z');
  });

  it('uses the spreadsheet time zone, across daylight-saving changes', () => {
    const berlin = intlZone('Europe/Berlin');
    // 06:00 in Berlin is 05:00 UTC in winter and 04:00 UTC in summer.
    expect(iso(lastSlotAtOrBefore(daily(6), berlin, at('2026-01-05T12:00:00Z')))).toBe('2026-01-05T05:00:00.000Z');
    expect(iso(lastSlotAtOrBefore(daily(6), berlin, at('2026-07-05T12:00:00Z')))).toBe('2026-07-05T04:00:00.000Z');
    // Clocks go forward on 29 March 2026: the slot after the 28th is still 06:00 local.
    expect(iso(nextSlotAfter(daily(6), berlin, at('2026-03-28T12:00:00Z')))).toBe('2026-03-29T04:00:00.000Z');
    const kolkata = intlZone('Asia/Kolkata');
    expect(iso(zonedToEpoch(kolkata, 2026, 1, 5, 6))).toBe('2026-01-05T00:30:00.000Z');
    expect(localDate(kolkata, at('2026-01-04T19:00:00Z'))).toBe('2026-01-05');
  });

  it('puts the refresh threshold on a date: data from that day or earlier is older than N days', () => {
    const cutoff = refreshCutoff(UTC, at('2026-01-08T06:30:00Z'), 7);
    expect(cutoff.date).toBe('2026-01-01');
    expect(iso(cutoff.freshSinceMs)).toBe('2026-01-02T00:00:00.000Z');
    const tokyo = refreshCutoff(intlZone('Asia/Tokyo'), at('2026-01-07T23:30:00Z'), 1);
    expect(tokyo.date).toBe('2026-01-07');
    expect(iso(tokyo.freshSinceMs)).toBe('2026-01-07T15:00:00.000Z');
  });
});

describe('schemas are built on first use, not when the bundle loads', () => {
  const load = () => loadCountingZod(() => require('../../src/core/schedule') as typeof import('../../src/core/schedule'));

  it('loading the module builds none', () => {
    expect(load().built).toEqual([]);
  });

  it('the first parse builds them once; later parses and reads reuse them', () => {
    const { built, loaded: schedule } = load();
    expect(schedule.parseScheduleRequest({ ...daily(6), trackedHeaders: ['current title'] })).toEqual({ ...daily(6), trackedHeaders: ['Current title'] });
    const first = built.length;
    expect(first).toBeGreaterThan(0);
    expect(() => schedule.parseScheduleRequest(daily(24))).toThrow(/hour/);
    expect(built.length).toBe(first);

    const store = new FakeStore();
    const stored = { v: 1 as const, enabled: true, settings: daily(6), target: { sheetId: 1, sheetName: 'S', layoutId: 'L' }, pausedReason: null, triggerId: null, updatedAt: 1 };
    schedule.saveSchedule(store, stored);
    expect(schedule.loadSchedule(store)).toEqual(stored);
    const withStored = built.length;
    expect(schedule.loadSchedule(store)).toEqual(stored);
    store.set(schedule.SCHEDULE_KEY, '{"v":2}');
    expect(schedule.loadSchedule(store)).toBeNull();
    expect(built.length).toBe(withStored);
  });
});
