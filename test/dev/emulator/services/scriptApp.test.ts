// Installable triggers with the add-on rules (hourly at most, one per type per user per document),
// and runDueTriggers() running them on the virtual clock with Apps Script's event object.
import { AppsScriptEmulator, VirtualClock } from '../../../../dev/emulator';

const SOURCE = `
function hourly() { return ScriptApp.newTrigger('tick').timeBased().everyHours(1).create().getUniqueId(); }
function everyFiveMinutes() { return ScriptApp.newTrigger('tick').timeBased().everyMinutes(5).create().getUniqueId(); }
function dailyAt(hour) { return ScriptApp.newTrigger('tick').timeBased().everyDays(1).atHour(hour).create().getUniqueId(); }
function weeklyOn(day, hour) {
  return ScriptApp.newTrigger('tick').timeBased().onWeekDay(ScriptApp.WeekDay[day]).atHour(hour).create().getUniqueId();
}
function once(ms) { return ScriptApp.newTrigger('tick').timeBased().after(ms).create().getUniqueId(); }
function onEditTrigger() { return ScriptApp.newTrigger('tick').forSpreadsheet(SpreadsheetApp.getActiveSpreadsheet()).onEdit().create().getEventType(); }
function list() {
  return ScriptApp.getProjectTriggers().map(function (t) {
    return [t.getHandlerFunction(), String(t.getEventType()), String(t.getTriggerSource())];
  });
}
function removeAll() {
  ScriptApp.getProjectTriggers().forEach(function (t) { ScriptApp.deleteTrigger(t); });
  return ScriptApp.getProjectTriggers().length;
}
function tick(e) {
  var runs = Number(PropertiesService.getScriptProperties().getProperty('runs') || 0) + 1;
  PropertiesService.getScriptProperties().setProperty('runs', String(runs));
  return { authMode: String(e.authMode), hour: e.hour, uid: e.triggerUid, weekday: e['day-of-week'] };
}
`;

function setup(options: ConstructorParameters<typeof AppsScriptEmulator>[0] = {}) {
  const clock = new VirtualClock(Date.UTC(2025, 0, 6, 9, 30)); // Monday 09:30 UTC
  const emu = new AppsScriptEmulator({ clock, triggerJitterMs: 0, users: ['ada@example.com', 'bob@example.com'], ...options }).loadSource(SOURCE);
  return { emu, clock };
}

const HOUR = 3600_000;

describe('add-on trigger rules', () => {
  it('refuses a time-driven trigger more often than hourly', () => {
    const { emu } = setup();
    expect(emu.run('everyFiveMinutes').error).toMatch(/^Add-ons cannot create time-based triggers that run more frequently than once per hour/);
    expect(emu.triggers.triggers).toHaveLength(0);
  });

  it('refuses a second time-driven trigger for the same user and document', () => {
    const { emu } = setup();
    expect(emu.run('hourly').ok).toBe(true);
    expect(emu.run('dailyAt', [6]).error).toBe(
      'This add-on has created too many time-based triggers in this document for this Google user account.',
    );
    expect(emu.run('hourly', [], { user: 'bob@example.com' }).ok).toBe(true);
    expect(emu.call('list')).toEqual([['tick', 'CLOCK', 'CLOCK']]);
  });

  it('allows one trigger of another type beside it', () => {
    const { emu } = setup();
    emu.call('hourly');
    expect(emu.call('onEditTrigger')).toBe('ON_EDIT');
    expect(emu.run('onEditTrigger').ok).toBe(false);
  });

  it('a plain script may run every few minutes', () => {
    const { emu } = setup({ isAddOn: false });
    expect(emu.run('everyFiveMinutes').ok).toBe(true);
    expect(emu.run('hourly').ok).toBe(true);
  });

  it('needs FULL auth: not from onOpen or a custom function', () => {
    const { emu } = setup();
    emu.model.addSheet('Sheet1');
    expect(emu.run('hourly', [], { authMode: 'LIMITED' }).error).toBe('You do not have permission to call ScriptApp.newTrigger');
    expect(emu.runCustomFunction('A1', 'hourly').sheetsError?.message).toBe('You do not have permission to call ScriptApp.newTrigger');
  });

  it('deleteTrigger removes it, so a new one may be created', () => {
    const { emu } = setup();
    emu.call('hourly');
    expect(emu.call('removeAll')).toBe(0);
    expect(emu.run('dailyAt', [6]).ok).toBe(true);
  });
});

describe('runDueTriggers', () => {
  it('runs an hourly trigger once an hour as a FULL execution with the event object', () => {
    const { emu, clock } = setup();
    const uid = emu.call('hourly');
    const start = clock.now();
    const runs = emu.runDueTriggers(start + 5 * HOUR);
    expect(runs.map((r) => r.atMs - start)).toEqual([1, 2, 3, 4, 5].map((h) => h * HOUR));
    expect(runs[0].result).toMatchObject({ ok: true, mode: 'FULL', user: 'ada@example.com' });
    expect(runs[0].result.value).toEqual({ authMode: 'FULL', hour: 10, uid, weekday: 1 });
    expect(emu.properties.script.values.get('runs')).toBe('5');
    expect(clock.now()).toBe(start + 5 * HOUR);
  });

  it('runs a daily trigger inside its hour, in the script time zone', () => {
    const { emu, clock } = setup({ timeZone: 'America/New_York', triggerJitterMs: 15 * 60_000, seed: 42 });
    emu.call('dailyAt', 6);
    const runs = emu.runDueTriggers(clock.now() + 3 * 24 * HOUR);
    expect(runs).toHaveLength(3);
    for (const run of runs) {
      const local = new Date(run.atMs - 5 * HOUR); // New York is UTC-5 in January
      expect(local.getUTCHours()).toBe(6);
      expect(run.result.value).toMatchObject({ hour: 6 });
    }
    // Jitter: not all at the same minute.
    expect(new Set(runs.map((r) => new Date(r.atMs).getUTCMinutes())).size).toBeGreaterThan(1);
  });

  it('the same seed gives the same schedule', () => {
    const times = () => {
      const { emu, clock } = setup({ triggerJitterMs: 15 * 60_000, seed: 7 });
      emu.call('hourly');
      return emu.runDueTriggers(clock.now() + 4 * HOUR).map((r) => r.atMs);
    };
    expect(times()).toEqual(times());
  });

  it('runs a weekly trigger on its weekday', () => {
    const { emu, clock } = setup();
    emu.call('weeklyOn', 'WEDNESDAY', 8);
    const runs = emu.runDueTriggers(clock.now() + 15 * 24 * HOUR);
    expect(runs.map((r) => new Date(r.atMs).toISOString())).toEqual(['2025-01-08T08:00:00.000Z', '2025-01-15T08:00:00.000Z']);
    expect(runs[0].result.value).toMatchObject({ weekday: 3 });
  });

  it('runs a one-off trigger once', () => {
    const { emu, clock } = setup();
    emu.call('once', 90_000);
    const runs = emu.runDueTriggers(clock.now() + 10 * HOUR);
    expect(runs).toHaveLength(1);
    expect(emu.triggers.triggers).toHaveLength(1);
  });
});
