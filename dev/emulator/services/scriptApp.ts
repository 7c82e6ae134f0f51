// ScriptApp: installable triggers and the enums scripts compare against. Add-on rules enforced:
// time-driven triggers no more often than hourly, and one trigger of each event type per user per
// document. One TriggerTable serves every document of a script: getProjectTriggers() lists the
// user's triggers of the script in every document; getUserTriggers(spreadsheet) lists only those
// "in the given spreadsheet", and a clock trigger's source id is null, so clock triggers are left
// out there (Google does not say they are listed: the pessimistic reading). The TriggerTable also computes when each clock trigger fires next (with seeded
// jitter, as Apps Script randomises run times) so the emulator can run them on its clock.
// https://developers.google.com/apps-script/guides/triggers/installable#restrictions
import type { Execution } from '../execution';
import { ServiceError } from '../execution';
import { zonedFields, zonedTimeToUtc } from './formatDate';

export const AuthMode = { NONE: 'NONE', CUSTOM_FUNCTION: 'CUSTOM_FUNCTION', LIMITED: 'LIMITED', FULL: 'FULL' } as const;
export const WeekDay = {
  SUNDAY: 'SUNDAY',
  MONDAY: 'MONDAY',
  TUESDAY: 'TUESDAY',
  WEDNESDAY: 'WEDNESDAY',
  THURSDAY: 'THURSDAY',
  FRIDAY: 'FRIDAY',
  SATURDAY: 'SATURDAY',
} as const;
export const EventType = {
  CLOCK: 'CLOCK',
  ON_OPEN: 'ON_OPEN',
  ON_EDIT: 'ON_EDIT',
  ON_CHANGE: 'ON_CHANGE',
  ON_FORM_SUBMIT: 'ON_FORM_SUBMIT',
} as const;
export const TriggerSource = { SPREADSHEETS: 'SPREADSHEETS', CLOCK: 'CLOCK' } as const;

const WEEKDAY_INDEX: Record<string, number> = { SUNDAY: 0, MONDAY: 1, TUESDAY: 2, WEDNESDAY: 3, THURSDAY: 4, FRIDAY: 5, SATURDAY: 6 };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Plain scripts: 20 triggers per user per script (quotas page). */
export const SCRIPT_TRIGGER_LIMIT = 20;

export type ClockSchedule =
  | { kind: 'minutes'; every: number }
  | { kind: 'hours'; every: number }
  | { kind: 'days'; every: number; atHour?: number; nearMinute?: number }
  | { kind: 'weeks'; every: number; weekDay?: string; atHour?: number; nearMinute?: number }
  | { kind: 'monthDay'; day: number; atHour?: number; nearMinute?: number }
  | { kind: 'once'; atMs: number };

export interface TriggerRecord {
  id: string;
  handler: string;
  user: string;
  eventType: keyof typeof EventType;
  source: keyof typeof TriggerSource;
  sourceId: string | null;
  /** The document whose execution created it (null: created where there was none). */
  documentId: string | null;
  createdAtMs: number;
  schedule?: ClockSchedule;
  timeZone: string;
  /** Unjittered time of the next clock run. */
  baseMs?: number;
  /** When it actually fires next (base + jitter); undefined once a one-off trigger has run. */
  nextRunMs?: number;
  runs: number;
}

export interface TriggerTableOptions {
  isAddOn: boolean;
  timeZone: string;
  /** Largest random delay added to a clock trigger's run (default 15 min; 0 turns jitter off). */
  maxJitterMs?: number;
  seed?: number;
}

/** mulberry32: small, seeded, good enough for jitter. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class TriggerTable {
  readonly triggers: TriggerRecord[] = [];
  readonly isAddOn: boolean;
  readonly timeZone: string;
  private readonly maxJitterMs: number;
  private readonly random: () => number;
  private nextId = 1;

  constructor(options: TriggerTableOptions) {
    this.isAddOn = options.isAddOn;
    this.timeZone = options.timeZone;
    this.maxJitterMs = options.maxJitterMs ?? 15 * MINUTE;
    this.random = seededRandom(options.seed ?? 1);
  }

  forUser(user: string): TriggerRecord[] {
    return this.triggers.filter((t) => t.user === user);
  }

  add(record: Omit<TriggerRecord, 'id' | 'runs'>, nowMs: number): TriggerRecord {
    const mine = this.forUser(record.user);
    if (this.isAddOn && mine.some((t) => t.eventType === record.eventType && t.documentId === record.documentId)) {
      throw new ServiceError(
        record.eventType === 'CLOCK'
          ? 'This add-on has created too many time-based triggers in this document for this Google user account.'
          : `This add-on has created too many ${record.eventType.toLowerCase()} triggers in this document for this Google user account.`,
      );
    }
    if (!this.isAddOn && mine.length >= SCRIPT_TRIGGER_LIMIT) {
      throw new ServiceError('This script has too many triggers. Triggers must be deleted from the script before more can be added.');
    }
    const trigger: TriggerRecord = { ...record, id: String(this.nextId++ * 7919 + 100_000), runs: 0 };
    if (trigger.schedule) this.scheduleFirst(trigger, nowMs);
    this.triggers.push(trigger);
    return trigger;
  }

  remove(id: string, user: string): void {
    const index = this.triggers.findIndex((t) => t.id === id && t.user === user);
    if (index >= 0) this.triggers.splice(index, 1);
  }

  /** The clock trigger due first at or before untilMs. */
  nextDue(untilMs: number): TriggerRecord | null {
    let best: TriggerRecord | null = null;
    for (const t of this.triggers) {
      if (t.nextRunMs === undefined || t.nextRunMs > untilMs) continue;
      if (!best || t.nextRunMs < best.nextRunMs!) best = t;
    }
    return best;
  }

  /** After a run: schedule the following one (one-off triggers stay listed but never fire again). */
  advance(trigger: TriggerRecord): void {
    trigger.runs++;
    const schedule = trigger.schedule!;
    if (schedule.kind === 'once') {
      trigger.nextRunMs = undefined;
      return;
    }
    trigger.baseMs = this.followingBase(schedule, trigger.baseMs!, trigger.timeZone);
    trigger.nextRunMs = trigger.baseMs + this.jitter(schedule);
  }

  private scheduleFirst(trigger: TriggerRecord, nowMs: number) {
    const schedule = trigger.schedule!;
    const tz = trigger.timeZone;
    let base: number;
    switch (schedule.kind) {
      case 'once':
        trigger.baseMs = trigger.nextRunMs = Math.max(schedule.atMs, nowMs);
        return;
      case 'minutes':
        base = nowMs + schedule.every * MINUTE;
        break;
      case 'hours':
        base = nowMs + schedule.every * HOUR;
        break;
      case 'days':
        base = schedule.atHour === undefined ? nowMs + schedule.every * DAY : this.firstAtHour(schedule, nowMs, tz, () => true);
        break;
      case 'weeks': {
        const weekDay = schedule.weekDay === undefined ? undefined : WEEKDAY_INDEX[schedule.weekDay];
        base =
          schedule.atHour === undefined && weekDay === undefined
            ? nowMs + schedule.every * 7 * DAY
            : this.firstAtHour(schedule, nowMs, tz, (f) => weekDay === undefined || f.weekday === weekDay);
        break;
      }
      case 'monthDay':
        base = this.firstAtHour(schedule, nowMs, tz, (f) => f.day === schedule.day);
        break;
    }
    trigger.baseMs = base;
    trigger.nextRunMs = base + this.jitter(schedule);
  }

  /** The first day after now (matching accept) at the schedule's hour, minus the nearMinute window. */
  private firstAtHour(
    schedule: { atHour?: number; nearMinute?: number },
    nowMs: number,
    tz: string,
    accept: (fields: { weekday: number; day: number }) => boolean,
  ): number {
    const today = zonedFields(tz, nowMs);
    for (let offset = 0; offset < 400; offset++) {
      const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
      const fields = { weekday: date.getUTCDay(), day: date.getUTCDate() };
      if (!accept(fields)) continue;
      const base = this.windowStart(schedule, tz, date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate(), nowMs);
      if (base > nowMs) return base;
    }
    throw new ServiceError('Invalid trigger schedule');
  }

  /** atHour(h): runs somewhere in h:00-h:59; nearMinute(m): within 15 minutes either side of h:m. */
  private windowStart(schedule: { atHour?: number; nearMinute?: number }, tz: string, y: number, m: number, d: number, nowMs: number): number {
    const hour = schedule.atHour ?? zonedFields(tz, nowMs).hour;
    if (schedule.nearMinute !== undefined) return zonedTimeToUtc(tz, y, m, d, hour, schedule.nearMinute) - 15 * MINUTE;
    return zonedTimeToUtc(tz, y, m, d, hour, 0);
  }

  private followingBase(schedule: ClockSchedule, baseMs: number, tz: string): number {
    switch (schedule.kind) {
      case 'minutes':
        return baseMs + schedule.every * MINUTE;
      case 'hours':
        return baseMs + schedule.every * HOUR;
      case 'days':
      case 'weeks': {
        const days = schedule.kind === 'days' ? schedule.every : schedule.every * 7;
        if (schedule.atHour === undefined) return baseMs + days * DAY;
        // Wall-clock arithmetic, so a daily 6 am run stays at 6 am across DST changes.
        const f = zonedFields(tz, baseMs);
        return zonedTimeToUtc(tz, f.year, f.month, f.day + days, f.hour, f.minute);
      }
      case 'monthDay': {
        const f = zonedFields(tz, baseMs);
        return zonedTimeToUtc(tz, f.year, f.month + 1, f.day, f.hour, f.minute);
      }
      case 'once':
        return baseMs;
    }
  }

  /** atHour runs anywhere in that hour (nearMinute: within 15 minutes of it); others wobble by up to maxJitterMs. */
  private jitter(schedule: ClockSchedule): number {
    if (schedule.kind === 'once' || this.maxJitterMs <= 0) return 0;
    const atHour = 'atHour' in schedule && schedule.atHour !== undefined;
    const window = atHour
      ? schedule.nearMinute !== undefined
        ? 30 * MINUTE
        : HOUR
      : Math.min(this.maxJitterMs, schedule.kind === 'minutes' ? (schedule.every * MINUTE) / 2 : Infinity);
    return Math.floor(this.random() * window);
  }
}

/** The event object a time-driven trigger's handler receives. */
export function clockEvent(trigger: TriggerRecord, nowMs: number): Record<string, unknown> {
  const f = zonedFields(trigger.timeZone, nowMs);
  const startOfYear = Date.UTC(f.year, 0, 1);
  const dayOfYear = Math.floor((Date.UTC(f.year, f.month - 1, f.day) - startOfYear) / DAY);
  return {
    authMode: AuthMode.FULL,
    triggerUid: trigger.id,
    year: f.year,
    month: f.month,
    'day-of-month': f.day,
    'day-of-week': f.weekday === 0 ? 7 : f.weekday,
    'week-of-year': Math.floor(dayOfYear / 7) + 1,
    hour: f.hour,
    minute: f.minute,
    second: f.second,
    timezone: trigger.timeZone,
  };
}

/** What ScriptApp methods return: a fresh object per call, as in Apps Script. */
export class Trigger {
  constructor(
    private readonly exec: Execution,
    readonly record: TriggerRecord,
  ) {}
  getHandlerFunction(): string {
    this.exec.enter('ScriptApp.Trigger.getHandlerFunction');
    return this.record.handler;
  }
  getUniqueId(): string {
    this.exec.enter('ScriptApp.Trigger.getUniqueId');
    return this.record.id;
  }
  getEventType(): string {
    this.exec.enter('ScriptApp.Trigger.getEventType');
    return this.record.eventType;
  }
  getTriggerSource(): string {
    this.exec.enter('ScriptApp.Trigger.getTriggerSource');
    return this.record.source;
  }
  getTriggerSourceId(): string | null {
    this.exec.enter('ScriptApp.Trigger.getTriggerSourceId');
    return this.record.sourceId;
  }
}

const EVERY_MINUTES = [1, 5, 10, 15, 30];
const EVERY_HOURS = [1, 2, 4, 6, 8, 12];

function integerIn(value: unknown, min: number, max: number, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new ServiceError(`Invalid argument: ${what}`);
  return n;
}

class ClockTriggerBuilder {
  private schedule: Partial<{
    kind: ClockSchedule['kind'];
    every: number;
    atHour: number;
    nearMinute: number;
    weekDay: string;
    day: number;
    atMs: number;
  }> = {};
  private timeZone: string;

  constructor(
    private readonly exec: Execution,
    private readonly table: TriggerTable,
    private readonly handler: string,
    private readonly documentId: string | null,
  ) {
    this.timeZone = table.timeZone;
  }

  private step(method: string) {
    this.exec.enter(`ScriptApp.ClockTriggerBuilder.${method}`);
  }

  private setKind(kind: ClockSchedule['kind'], every?: number) {
    if (this.schedule.kind && this.schedule.kind !== kind) {
      throw new ServiceError(`Already chosen a ${this.schedule.kind} schedule; a trigger has one recurrence.`);
    }
    this.schedule.kind = kind;
    if (every !== undefined) this.schedule.every = every;
  }

  everyMinutes(n: number): this {
    this.step('everyMinutes');
    if (this.table.isAddOn) {
      throw new ServiceError('Add-ons cannot create time-based triggers that run more frequently than once per hour. Use everyHours(n) or longer.');
    }
    if (!EVERY_MINUTES.includes(Number(n))) throw new ServiceError('Invalid argument: minutes must be 1, 5, 10, 15 or 30');
    this.setKind('minutes', Number(n));
    return this;
  }

  everyHours(n: number): this {
    this.step('everyHours');
    if (!EVERY_HOURS.includes(Number(n))) throw new ServiceError('Invalid argument: hours must be 1, 2, 4, 6, 8 or 12');
    this.setKind('hours', Number(n));
    return this;
  }

  everyDays(n: number): this {
    this.step('everyDays');
    this.setKind('days', integerIn(n, 1, 365, 'days'));
    return this;
  }

  everyWeeks(n: number): this {
    this.step('everyWeeks');
    this.setKind('weeks', integerIn(n, 1, 52, 'weeks'));
    return this;
  }

  onWeekDay(day: string): this {
    this.step('onWeekDay');
    if (!(String(day) in WEEKDAY_INDEX)) throw new ServiceError('Invalid argument: day');
    if (!this.schedule.kind) this.setKind('weeks', 1);
    if (this.schedule.kind !== 'weeks') throw new ServiceError('onWeekDay needs a weekly schedule');
    this.schedule.weekDay = String(day);
    return this;
  }

  onMonthDay(day: number): this {
    this.step('onMonthDay');
    this.setKind('monthDay');
    this.schedule.day = integerIn(day, 1, 31, 'day');
    return this;
  }

  atHour(hour: number): this {
    this.step('atHour');
    this.schedule.atHour = integerIn(hour, 0, 23, 'hour');
    return this;
  }

  nearMinute(minute: number): this {
    this.step('nearMinute');
    this.schedule.nearMinute = integerIn(minute, 0, 59, 'minute');
    return this;
  }

  inTimezone(timeZone: string): this {
    this.step('inTimezone');
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: String(timeZone) });
    } catch {
      throw new ServiceError(`Invalid argument: timezone ${timeZone}`);
    }
    this.timeZone = String(timeZone);
    return this;
  }

  after(durationMilliseconds: number): this {
    this.step('after');
    const ms = Number(durationMilliseconds);
    if (!Number.isFinite(ms) || ms < 0) throw new ServiceError('Invalid argument: durationMilliseconds');
    this.setKind('once');
    this.schedule.atMs = this.exec.clock.now() + ms;
    return this;
  }

  at(date: Date): this {
    this.step('at');
    if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new ServiceError('Invalid argument: date');
    this.setKind('once');
    this.schedule.atMs = date.getTime();
    return this;
  }

  create(): Trigger {
    this.step('create');
    const s = this.schedule;
    let schedule: ClockSchedule;
    switch (s.kind) {
      case 'minutes':
      case 'hours':
        if (s.atHour !== undefined || s.nearMinute !== undefined) throw new ServiceError('atHour and nearMinute need a daily or weekly schedule');
        schedule = { kind: s.kind, every: s.every! };
        break;
      case 'days':
        schedule = { kind: 'days', every: s.every!, atHour: s.atHour, nearMinute: s.nearMinute };
        break;
      case 'weeks':
        schedule = { kind: 'weeks', every: s.every!, weekDay: s.weekDay, atHour: s.atHour, nearMinute: s.nearMinute };
        break;
      case 'monthDay':
        schedule = { kind: 'monthDay', day: s.day!, atHour: s.atHour, nearMinute: s.nearMinute };
        break;
      case 'once':
        schedule = { kind: 'once', atMs: s.atMs! };
        break;
      default:
        throw new ServiceError('The trigger has no schedule: call everyHours(), everyDays(), at() or after() before create().');
    }
    const record = this.table.add(
      {
        handler: this.handler,
        user: this.exec.user,
        eventType: 'CLOCK',
        source: 'CLOCK',
        sourceId: null,
        documentId: this.documentId,
        createdAtMs: this.exec.clock.now(),
        schedule,
        timeZone: this.timeZone,
      },
      this.exec.clock.now(),
    );
    return new Trigger(this.exec, record);
  }
}

class SpreadsheetTriggerBuilder {
  private eventType: TriggerRecord['eventType'] | null = null;
  constructor(
    private readonly exec: Execution,
    private readonly table: TriggerTable,
    private readonly handler: string,
    private readonly sourceId: string | null,
  ) {}
  private choose(eventType: TriggerRecord['eventType'], method: string): this {
    this.exec.enter(`ScriptApp.SpreadsheetTriggerBuilder.${method}`);
    this.eventType = eventType;
    return this;
  }
  onOpen() {
    return this.choose('ON_OPEN', 'onOpen');
  }
  onEdit() {
    return this.choose('ON_EDIT', 'onEdit');
  }
  onChange() {
    return this.choose('ON_CHANGE', 'onChange');
  }
  onFormSubmit() {
    return this.choose('ON_FORM_SUBMIT', 'onFormSubmit');
  }
  create(): Trigger {
    this.exec.enter('ScriptApp.SpreadsheetTriggerBuilder.create');
    if (!this.eventType) throw new ServiceError('Choose onOpen(), onEdit(), onChange() or onFormSubmit() before create().');
    const record = this.table.add(
      {
        handler: this.handler,
        user: this.exec.user,
        eventType: this.eventType,
        source: 'SPREADSHEETS',
        sourceId: this.sourceId,
        documentId: this.sourceId,
        createdAtMs: this.exec.clock.now(),
        timeZone: this.table.timeZone,
      },
      this.exec.clock.now(),
    );
    return new Trigger(this.exec, record);
  }
}

class TriggerBuilder {
  constructor(
    private readonly exec: Execution,
    private readonly table: TriggerTable,
    private readonly handler: string,
    private readonly documentId: string | null,
  ) {}
  timeBased(): ClockTriggerBuilder {
    this.exec.enter('ScriptApp.TriggerBuilder.timeBased');
    return new ClockTriggerBuilder(this.exec, this.table, this.handler, this.documentId);
  }
  forSpreadsheet(spreadsheet: unknown): SpreadsheetTriggerBuilder {
    this.exec.enter('ScriptApp.TriggerBuilder.forSpreadsheet');
    const id =
      typeof spreadsheet === 'string'
        ? spreadsheet
        : typeof (spreadsheet as { getId?: unknown })?.getId === 'function'
          ? String((spreadsheet as { getId(): unknown }).getId())
          : null;
    return new SpreadsheetTriggerBuilder(this.exec, this.table, this.handler, id);
  }
}

export interface ScriptAppContext {
  scriptId: string;
  /** The document this execution runs in; null when it has none (a detached trigger run). */
  documentId: string | null;
}

function containerId(container: unknown): string | null {
  if (typeof container === 'string') return container;
  const getId = (container as { getId?: unknown } | null)?.getId;
  return typeof getId === 'function' ? String(getId.call(container)) : null;
}

export function createScriptApp(exec: Execution, table: TriggerTable, context: ScriptAppContext) {
  const { scriptId, documentId } = context;
  const ownTriggers = () => table.forUser(exec.user).map((record) => new Trigger(exec, record));
  return {
    AuthMode,
    WeekDay,
    EventType,
    TriggerSource,
    newTrigger(functionName: string): TriggerBuilder {
      exec.enter('ScriptApp.newTrigger');
      if (typeof functionName !== 'string' || !functionName) throw new ServiceError('Invalid argument: functionName');
      return new TriggerBuilder(exec, table, functionName, documentId);
    },
    /** "All installable triggers associated with the current project and current user": every document's. */
    getProjectTriggers(): Trigger[] {
      exec.enter('ScriptApp.getProjectTriggers');
      return ownTriggers();
    },
    /** "All installable triggers owned by this user in the given spreadsheet": clock triggers (source id null) left out. */
    getUserTriggers(container: unknown): Trigger[] {
      exec.enter('ScriptApp.getUserTriggers');
      const id = containerId(container);
      if (id === null) throw new ServiceError('Invalid argument: document');
      return table
        .forUser(exec.user)
        .filter((record) => record.eventType !== 'CLOCK' && record.documentId === id)
        .map((record) => new Trigger(exec, record));
    },
    deleteTrigger(trigger: Trigger): void {
      exec.enter('ScriptApp.deleteTrigger');
      if (!(trigger instanceof Trigger)) throw new ServiceError('Invalid argument: trigger');
      table.remove(trigger.record.id, exec.user);
    },
    getScriptId(): string {
      exec.enter('ScriptApp.getScriptId');
      return scriptId;
    },
  };
}
