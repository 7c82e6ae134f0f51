// Keep fresh's controls with fakes: the one hourly trigger (never two, removed cleanly), when a
// daily or weekly refresh is due, what the sidebar is told, Refresh now, background jobs.
import { saveJob } from '../../src/core/jobState';
import { ensureTrigger, NO_DOCUMENT_MESSAGE, onTick, onTickWithoutDocument, refreshNow, scheduleStatus, setSchedule, stopSchedule, TRIGGER_HANDLER } from '../../src/core/refreshControl';
import { loadRefreshState } from '../../src/core/refreshState';
import { loadSchedule, saveSchedule } from '../../src/core/schedule';
import { STATUS_HEADER } from '../../src/core/sheetTarget';
import { loadTriggerRecord, saveTriggerRecord, TRIGGER_RECORD_PREFIX } from '../../src/core/triggerRecord';
import type { ScheduleRequest } from '../../src/common/contract';
import { DAY, HOUR, MONDAY, person, refreshWorld, SHEET, storedJob, urlOf, type RefreshWorld } from './refreshFakes';

const DAILY_6: ScheduleRequest = { frequency: 'daily', hour: 6, maxAgeDays: 1, forceFetch: false };

/** The trigger fires: as Apps Script does, with the trigger's id in the event. */
function tick(w: RefreshWorld, uid = w.triggers.list()[0]?.id) {
  return onTick(w.deps, { triggerUid: uid, authMode: 'FULL' });
}

/** Runs the hourly trigger until `until`, at 10 minutes past each hour, while it exists. */
function hourly(w: RefreshWorld, until: number) {
  const reports = [];
  while (w.clock.now() + HOUR <= until) {
    const now = w.clock.now();
    const next = Math.floor(now / HOUR) * HOUR + HOUR + 10 * 60_000;
    w.clock.advance(next - now);
    if (!w.triggers.list().length) continue;
    reports.push({ at: w.clock.now(), ...tick(w) });
  }
  return reports;
}

function status(w: RefreshWorld, n: number): unknown {
  return w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(n)), 2).value;
}

describe('Keep fresh from the sidebar', () => {
  it('creates the hourly trigger once, however often the user clicks', () => {
    const w = refreshWorld({ now: MONDAY + 10 * HOUR });
    for (let i = 0; i < 5; i++) setSchedule(w.deps, { ...DAILY_6, hour: 6 + i });
    expect(w.triggers.list()).toEqual([{ id: 't1', handler: TRIGGER_HANDLER }]);
    expect(w.triggers.created).toBe(1);
    const schedule = loadSchedule(w.store)!;
    expect(schedule).toMatchObject({ enabled: true, triggerId: 't1', target: { sheetId: SHEET, sheetName: 'Leads', layoutId: 'L1' }, settings: { hour: 10 } });
  });

  it('tells when it runs next: the next slot, not at once', () => {
    const w = refreshWorld({ now: MONDAY + 10 * HOUR });
    const status = setSchedule(w.deps, DAILY_6);
    expect(status).toMatchObject({ enabled: true, settings: DAILY_6, pausedReason: null, lastRun: null });
    expect(new Date(status.nextRunAt!).toISOString()).toBe('2026-01-06T06:00:00.000Z');
    const later = setSchedule(w.deps, { ...DAILY_6, hour: 14 });
    expect(new Date(later.nextRunAt!).toISOString()).toBe('2026-01-05T14:00:00.000Z');
  });

  it('refuses bad settings or a sheet with nothing enriched, creating no trigger', () => {
    const w = refreshWorld();
    expect(() => setSchedule(w.deps, { ...DAILY_6, hour: 25 })).toThrow(/hour/);
    w.sheet.sheet(SHEET).metadata = [];
    expect(() => setSchedule(w.deps, DAILY_6)).toThrow(/no enriched range to keep fresh yet/);
    expect(w.triggers.list()).toEqual([]);
    expect(loadSchedule(w.store)).toBeNull();
  });

  it('keeps the trigger\'s id in the user\'s properties, under the spreadsheet\'s id', () => {
    const w = refreshWorld();
    setSchedule(w.deps, DAILY_6);
    expect(w.userStores.of('owner').get(`${TRIGGER_RECORD_PREFIX}doc-1`)).toBe(JSON.stringify({ v: 1, triggerId: 't1' }));
    // The record names it: a trigger of another spreadsheet listed first is never taken for it.
    w.triggers.document = 'doc-2';
    w.triggers.createHourly(TRIGGER_HANDLER);
    w.triggers.all.reverse();
    w.triggers.document = 'doc-1';
    expect(ensureTrigger(w.deps)).toBe('t1');
  });

  it('finds a trigger it lost track of: the one no other spreadsheet\'s record claims', () => {
    const w = refreshWorld();
    // Another spreadsheet of the same user, with its trigger recorded there.
    w.triggers.document = 'doc-2';
    const other = ensureTrigger({ ...w.deps, documentId: 'doc-2' });
    // This spreadsheet has a trigger whose id was never kept (an older version made it).
    w.triggers.document = 'doc-1';
    w.triggers.createHourly(TRIGGER_HANDLER);
    const created = w.triggers.created;
    expect(setSchedule(w.deps, DAILY_6)).toMatchObject({ enabled: true, pausedReason: null });
    expect(w.triggers.created).toBe(created);
    expect(loadSchedule(w.store)!.triggerId).toBe('t2');
    expect(loadTriggerRecord(w.userStores.current, 'doc-1')).toEqual({ v: 1, triggerId: 't2' });
    stopSchedule(w.deps);
    expect(w.triggers.all.map((t) => t.id)).toEqual([other]);
  });

  it('several unclaimed triggers: on without a failure; the right one names itself at its run; Stop leaves it to remove itself', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    w.triggers.document = 'doc-2';
    w.triggers.createHourly(TRIGGER_HANDLER); // t1, in another spreadsheet, not recorded either
    w.triggers.document = 'doc-1';
    w.triggers.createHourly(TRIGGER_HANDLER); // t2, this spreadsheet's
    expect(setSchedule(w.deps, DAILY_6)).toMatchObject({ enabled: true, pausedReason: null });
    expect(w.triggers.all).toHaveLength(2);
    expect(loadSchedule(w.store)!.triggerId).toBeNull();
    expect(loadTriggerRecord(w.userStores.current, 'doc-1')).toMatchObject({ triggerId: null, unidentifiedSince: expect.any(Number) });
    // Its run here names it; Keep fresh then finds it.
    w.clock.advance(18 * HOUR + 10 * 60_000);
    expect(tick(w, 't2').refresh).toBe('ran');
    expect(loadTriggerRecord(w.userStores.current, 'doc-1')).toEqual({ v: 1, triggerId: 't2' });
    expect(ensureTrigger(w.deps)).toBe('t2');
    // Unidentified again (its record lost): Stop cannot name it, so its next run here removes it.
    saveTriggerRecord(w.userStores.current, 'doc-1', { v: 1, triggerId: null, unidentifiedSince: w.clock.now() });
    stopSchedule(w.deps);
    expect(w.triggers.all).toHaveLength(2);
    w.clock.advance(HOUR);
    expect(tick(w, 't2')).toMatchObject({ triggerRemoved: true });
    expect(w.triggers.all.map((t) => t.id)).toEqual(['t1']);
    expect(loadTriggerRecord(w.userStores.current, 'doc-1')).toBeNull();
  });

  it('two spreadsheets of one user: Stop in one never touches the other\'s trigger', () => {
    const w = refreshWorld();
    setSchedule(w.deps, DAILY_6);
    w.triggers.document = 'doc-2';
    const other = ensureTrigger({ ...w.deps, documentId: 'doc-2' });
    expect(other).toBe('t2');
    w.triggers.document = 'doc-1';
    stopSchedule(w.deps);
    expect(w.triggers.all.map((t) => t.id)).toEqual(['t2']);
    // A trigger run of doc-1 that finds nothing to do removes itself, by its own id only.
    setSchedule(w.deps, DAILY_6);
    const mine = loadTriggerRecord(w.userStores.current, 'doc-1')!.triggerId!;
    w.store.set('crustdata.schedule', JSON.stringify({ ...loadSchedule(w.store)!, enabled: false }));
    expect(tick(w, mine)).toMatchObject({ triggerRemoved: true });
    expect(w.triggers.all.map((t) => t.id)).toEqual(['t2']);
  });

  it('says so in words when Sheets refuses the trigger', () => {
    const w = refreshWorld();
    w.triggers.createHourly = () => {
      throw new Error('Authorization is required to perform that action.');
    };
    expect(() => setSchedule(w.deps, DAILY_6)).toThrow(/would not create the hourly trigger .*Authorization is required/);
    expect(loadSchedule(w.store)).toBeNull();
  });

  it('Stop refreshing removes the trigger, unless a background job still needs it', () => {
    const w = refreshWorld();
    setSchedule(w.deps, DAILY_6);
    expect(stopSchedule(w.deps)).toMatchObject({ enabled: false, nextRunAt: null, pausedReason: null });
    expect(w.triggers.list()).toEqual([]);

    setSchedule(w.deps, DAILY_6);
    saveJob(w.store, storedJob({ state: 'paused', pausedBy: 'user', continueInBackground: true }));
    stopSchedule(w.deps);
    expect(w.triggers.list()).toHaveLength(1);
    // The job finishes; the trigger's next run sees nothing left to do and removes itself.
    saveJob(w.store, storedJob({ state: 'done', continueInBackground: true }));
    w.clock.advance(HOUR);
    expect(tick(w)).toMatchObject({ triggerRemoved: true, refresh: 'idle' });
    expect(w.triggers.list()).toEqual([]);
  });
});

describe('the hourly trigger', () => {
  it('refreshes once a day at the chosen hour and does nothing in the other hours', () => {
    const w = refreshWorld({ rows: 5, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    const reports = hourly(w, MONDAY + 3 * DAY + 12 * HOUR);
    const ran = reports.filter((report) => report.refresh === 'ran');
    expect(ran.map((report) => new Date(report.at).toISOString())).toEqual(['2026-01-06T06:10:00.000Z', '2026-01-07T06:10:00.000Z', '2026-01-08T06:10:00.000Z']);
    expect(reports.filter((report) => report.refresh === 'idle')).toHaveLength(reports.length - 3);
    expect(w.engine.calls).toHaveLength(3);
    expect(status(w, 5)).toBe('Enriched 2026-01-08');
    expect(w.triggers.list()).toHaveLength(1);
  });

  it('runs a missed refresh at the next hour rather than never', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    // No trigger run all of Tuesday morning (quota, an outage): the first one after runs the refresh.
    w.clock.advance(DAY);
    expect(tick(w).refresh).toBe('ran');
    expect(tick(w).refresh).toBe('idle');
  });

  it('runs weekly on the chosen weekday', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-01', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, { frequency: 'weekly', weekday: 4, hour: 9, maxAgeDays: 7, forceFetch: false });
    const reports = hourly(w, MONDAY + 15 * DAY);
    expect(reports.filter((report) => report.refresh === 'ran').map((report) => new Date(report.at).toISOString())).toEqual([
      '2026-01-08T09:10:00.000Z',
      '2026-01-15T09:10:00.000Z',
    ]);
  });

  it('carries a pass that one run cannot finish into the next hours', () => {
    const w = refreshWorld({ rows: 30, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    w.deps.tuning = { blockSize: 5, runBudgetMs: 120_000 };
    w.engine.msPerCall = 30_000;
    setSchedule(w.deps, DAILY_6);
    const reports = hourly(w, MONDAY + DAY + 12 * HOUR).filter((report) => report.refresh === 'ran');
    // 120 s budget, no request after 60 s: two blocks of 5 per run.
    expect(reports.map((report) => new Date(report.at).toISOString().slice(11, 16))).toEqual(['06:10', '07:10', '08:10']);
    expect(reports[0].message).toMatch(/10 of 30 rows refreshed so far.*next hourly run/);
    expect(reports[2].message).toMatch(/refreshed 30 rows/);
    expect(new Set(w.engine.sent()).size).toBe(30);
    expect(w.engine.sent()).toHaveLength(30);
    for (let n = 1; n <= 30; n++) expect(status(w, n)).toBe('Enriched 2026-01-06');
  });

  it('exits quietly while another execution holds the lock, and runs at the next hour', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    w.clock.advance(18 * HOUR + 10 * 60_000);
    w.lock.failNext = 1;
    expect(tick(w)).toMatchObject({ refresh: 'busy', triggerRemoved: false });
    expect(w.engine.calls).toHaveLength(0);
    w.clock.advance(HOUR);
    expect(tick(w).refresh).toBe('ran');
  });

  it('pauses on a rejected key, removes its trigger, and the sidebar says why', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    for (let n = 1; n <= 3; n++) w.engine.answers.set(urlOf(n), { failed: 'invalid_api_key', message: 'The API key was rejected (401). Check it in Set API key….' });
    w.clock.advance(18 * HOUR + 10 * 60_000);
    expect(tick(w)).toMatchObject({ refresh: 'paused', triggerRemoved: true });
    expect(w.triggers.list()).toEqual([]);
    const shown = scheduleStatus(w.deps);
    expect(shown).toMatchObject({ enabled: true, nextRunAt: null, pausedReason: 'The API key was rejected (401). Check it in Set API key….', pausedCode: 'invalid_api_key' });
    expect(shown.lastRun!.summary).toMatch(/Stopped: The API key was rejected/);
    expect(loadSchedule(w.store)!.pausedCode).toBe('invalid_api_key');
    // A schedule paused before codes were kept: its reason's words give the code.
    const { pausedCode: _code, ...saved } = loadSchedule(w.store)!;
    saveSchedule(w.store, { ...saved, pausedReason: 'Your Crustdata account is out of credits. Add credits in the Crustdata dashboard, then try again.' });
    expect(scheduleStatus(w.deps).pausedCode).toBe('insufficient_credits');
    saveSchedule(w.store, { ...saved, pausedReason: 'The refresh stopped after 3 failed runs in a row. Last problem: Service error', pausedCode: null });
    expect(scheduleStatus(w.deps).pausedCode).toBeNull();

    // Keep fresh again (after fixing the key) resumes where it stopped.
    w.setPerson(1, person('Person 1', 'Globex', 'Title 1'));
    expect(setSchedule(w.deps, DAILY_6)).toMatchObject({ pausedReason: null, pausedCode: null });
    expect(loadRefreshState(w.store).pass).not.toBeNull();
    w.clock.advance(HOUR);
    expect(tick(w).refresh).toBe('ran');
    expect(status(w, 3)).toBe('Enriched 2026-01-06');
  });

  it('leaves the refresh to the schedule\'s own trigger; another user\'s removes itself', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    w.triggers.user = 'colleague';
    setSchedule(w.deps, DAILY_6); // the colleague clicks Keep fresh: their trigger now runs it
    expect(loadSchedule(w.store)!.triggerId).toBe('t2');
    w.triggers.user = 'owner';
    w.clock.advance(18 * HOUR + 10 * 60_000);
    expect(tick(w, 't1')).toMatchObject({ refresh: 'skipped', triggerRemoved: true });
    expect(w.engine.calls).toHaveLength(0);
    w.triggers.user = 'colleague';
    expect(tick(w, 't2').refresh).toBe('ran');
    expect(w.triggers.all.map((t) => t.id)).toEqual(['t2']);
  });

  it('gives background bulk jobs the time the refresh leaves, in the same run', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    saveJob(w.store, storedJob({ state: 'running', continueInBackground: true }));
    w.clock.advance(HOUR);
    expect(tick(w)).toMatchObject({ refresh: 'idle', backgroundJobs: true });
    expect(w.backgroundCalls).toEqual([270_000]);
    w.clock.advance(17 * HOUR);
    tick(w);
    // The refresh ran first (one block of 20 s on the fake engine); the job got the rest.
    expect(w.backgroundCalls[1]).toBe(270_000 - 20_000);
  });

  it('removes itself when the schedule is off and no job needs it', () => {
    const w = refreshWorld();
    setSchedule(w.deps, DAILY_6);
    const schedule = loadSchedule(w.store)!;
    // Stopped by another user (whose stop could not remove this user's trigger).
    w.store.set('crustdata.schedule', JSON.stringify({ ...schedule, enabled: false }));
    expect(tick(w)).toMatchObject({ refresh: 'idle', triggerRemoved: true });
    expect(w.triggers.list()).toEqual([]);
  });
});

describe('status', () => {
  it('shows the last run and, while a pass carries on, the next hourly run', () => {
    const w = refreshWorld({ rows: 30, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    w.deps.tuning = { blockSize: 5, runBudgetMs: 120_000 };
    w.engine.msPerCall = 30_000;
    setSchedule(w.deps, DAILY_6);
    w.clock.advance(18 * HOUR + 10 * 60_000);
    tick(w);
    const shown = scheduleStatus(w.deps);
    expect(shown.lastRun).toMatchObject({ refreshed: 10, changed: 0 });
    expect(shown.nextRunAt).toBe(MONDAY + DAY + 7 * HOUR + 10 * 60_000);
  });

  it('notices a schedule whose trigger stopped running', () => {
    const w = refreshWorld({ now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    w.triggers.all.length = 0; // removed from the Apps Script dashboard
    w.clock.advance(2 * HOUR);
    expect(scheduleStatus(w.deps).pausedReason).toBeNull();
    w.clock.advance(2 * HOUR);
    expect(scheduleStatus(w.deps)).toMatchObject({ nextRunAt: null, pausedReason: expect.stringMatching(/has not run since 2026-01-05.*Click Keep fresh/) });
  });

  it('reads as off when nothing was ever set, naming the enriched range Keep fresh would take', () => {
    const w = refreshWorld();
    // Identifiers in A, status in B, the six result columns in C:H; header and 10 rows.
    expect(w.columns).toHaveLength(6);
    expect(scheduleStatus(w.deps)).toEqual({ enabled: false, target: { sheetName: 'Leads', rangeA1: 'Leads!A1:H11' }, settings: null, nextRunAt: null, lastRun: null, recentRuns: [], pausedReason: null, pausedCode: null, triggerNotice: null });
  });
});

describe('the range the status names', () => {
  it('covers the layout\'s columns, its Changes column once a refresh added it, and the rows with a status', () => {
    const w = refreshWorld({ rows: 4, enrichedOn: '2025-12-20' });
    // Rows the user added below the enriched ones, with no status yet, are not the add-on's.
    w.sheet.insertRows(SHEET, 5, [[urlOf(50)], [urlOf(51)]]);
    expect(scheduleStatus(w.deps).target).toEqual({ sheetName: 'Leads', rangeA1: 'Leads!A1:H5' });
    w.setPerson(2, person('Person 2', 'Globex', 'Title 2'));
    refreshNow(w.deps);
    // The Changes column went in after the results (I); the user's notes moved to J.
    expect(w.sheet.cell(SHEET, 1, 9).value).toBe('Changes');
    expect(scheduleStatus(w.deps).target).toEqual({ sheetName: 'Leads', rangeA1: 'Leads!A1:I5' });
  });

  it('follows moved columns and a renamed sheet, quoting a name A1 notation needs quoted', () => {
    const w = refreshWorld({ rows: 3 });
    setSchedule(w.deps, DAILY_6);
    w.sheet.insertColumns(SHEET, 2, 2); // two columns of the user's between status and results
    w.sheet.renameSheet(SHEET, "Bob's leads");
    expect(scheduleStatus(w.deps).target).toEqual({ sheetName: "Bob's leads", rangeA1: "'Bob''s leads'!A1:J4" });
  });

  it('names the schedule\'s range while it is on, wherever the user is; the current sheet\'s once it is off', () => {
    const w = refreshWorld({ rows: 2 });
    setSchedule(w.deps, DAILY_6);
    const other = 8;
    w.sheet.addSheet(other, 'Other', [['', ''], ['', ''], ['LinkedIn', STATUS_HEADER, 'Name'], [urlOf(1), 'Enriched 2026-01-01', 'P'], [urlOf(2), 'Not found', '']]);
    w.sheet.addColumnMarks(other, [
      { column: 1, record: { v: 1, role: 'source', t: 'L9' } },
      { column: 2, record: { v: 1, role: 'status', t: 'L9', fields: ['basic_profile.name'], sel: 'basic_profile.name', header: true } },
      { column: 3, record: { v: 1, role: 'data', t: 'L9', id: 'basic_profile.name' } },
    ]);
    w.deps.activeSheetId = () => other;
    expect(scheduleStatus(w.deps).target).toEqual({ sheetName: 'Leads', rangeA1: 'Leads!A1:H3' });
    expect(stopSchedule(w.deps).target).toEqual({ sheetName: 'Other', rangeA1: 'Other!A3:C5' });
  });

  it('is null when nothing is enriched: no layout, only a header, or the schedule\'s sheet deleted', () => {
    const w = refreshWorld({ rows: 2 });
    for (const row of [2, 3]) w.sheet.cell(SHEET, row, 2).value = '';
    expect(scheduleStatus(w.deps).target).toBeNull();
    w.sheet.cell(SHEET, 2, 2).value = 'Enriched 2026-01-01';
    setSchedule(w.deps, DAILY_6);
    expect(scheduleStatus(w.deps).target).toEqual({ sheetName: 'Leads', rangeA1: 'Leads!A1:H2' });
    w.sheet.deleteSheet(SHEET);
    expect(scheduleStatus(w.deps).target).toBeNull();

    const bare = refreshWorld();
    bare.sheet.sheet(SHEET).metadata = [];
    expect(scheduleStatus(bare.deps).target).toBeNull();
  });
});

describe('Refresh now', () => {
  it('refreshes the sheet the user is on when there is no schedule, and says what it did', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    w.setPerson(2, person('Person 2', 'Globex', 'Title 2'));
    const result = refreshNow(w.deps);
    expect(result.message).toBe('“Leads”: refreshed 3 rows: 1 person changed jobs.');
    expect(result.status.lastRun).toMatchObject({ refreshed: 3, changed: 1 });
    expect(w.triggers.list()).toEqual([]);
    expect(refreshNow(w.deps).message).toMatch(/nothing was older than the refresh threshold. Changes found 2026-01-05: 1 person changed jobs/);
  });

  it('says when another refresh is running', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    w.lock.failNext = 1;
    expect(refreshNow(w.deps).message).toMatch(/already running/);
  });

  it('turns a schedule paused by a key problem back on once a run works again', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, { ...DAILY_6, maxAgeDays: 7 });
    w.engine.answers.set(urlOf(1), { failed: 'insufficient_credits', message: 'Out of credits.' });
    expect(refreshNow(w.deps).message).toBe('The refresh stopped: Out of credits.');
    expect(scheduleStatus(w.deps).pausedReason).toBe('Out of credits.');
    w.setPerson(1, person('Person 1', 'Company 1', 'Title 1'));
    w.triggers.all.length = 0;
    const result = refreshNow(w.deps);
    expect(result.message).toMatch(/The schedule is running again\.$/);
    expect(result.status.pausedReason).toBeNull();
    expect(w.triggers.list()).toHaveLength(1);
    expect(status(w, 2)).toBe('Enriched 2026-01-05');
  });

  it('marks the same statuses the bulk job reads', () => {
    const w = refreshWorld({ rows: 1, enrichedOn: '2025-12-20' });
    refreshNow(w.deps);
    expect(w.sheet.cell(SHEET, 1, 2).value).toBe(STATUS_HEADER);
    expect(status(w, 1)).toBe('Enriched 2026-01-05');
  });
});

describe('which range', () => {
  it('keeps an enabled schedule on its range when the user changes it from another sheet; a new one follows the sheet', () => {
    const w = refreshWorld({ rows: 2 });
    setSchedule(w.deps, DAILY_6);
    // A second enriched sheet, active now.
    const other = 8;
    w.sheet.addSheet(other, 'Other', [['LinkedIn', STATUS_HEADER], [urlOf(1), 'Enriched 2026-01-01']]);
    w.sheet.addColumnMarks(other, [
      { column: 1, record: { v: 1, role: 'source', t: 'L9' } },
      { column: 2, record: { v: 1, role: 'status', t: 'L9', fields: ['basic_profile.name'], sel: 'basic_profile.name', header: true } },
      { column: 3, record: { v: 1, role: 'data', t: 'L9', id: 'basic_profile.name' } },
    ]);
    w.deps.activeSheetId = () => other;
    setSchedule(w.deps, { ...DAILY_6, hour: 8 });
    expect(loadSchedule(w.store)!.target).toMatchObject({ sheetId: SHEET, layoutId: 'L1' });
    stopSchedule(w.deps);
    setSchedule(w.deps, DAILY_6);
    expect(loadSchedule(w.store)!.target).toEqual({ sheetId: other, sheetName: 'Other', layoutId: 'L9' });
  });

  it('Refresh now follows the sheet the user is on once the schedule is stopped', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    setSchedule(w.deps, DAILY_6);
    stopSchedule(w.deps);
    const other = 8;
    w.sheet.addSheet(other, 'Other', [['LinkedIn', STATUS_HEADER, 'Name'], [urlOf(1), 'Enriched 2025-12-01', 'Old name']]);
    w.sheet.addColumnMarks(other, [
      { column: 1, record: { v: 1, role: 'source', t: 'L9' } },
      { column: 2, record: { v: 1, role: 'status', t: 'L9', fields: ['basic_profile.name'], sel: 'basic_profile.name', header: true } },
      { column: 3, record: { v: 1, role: 'data', t: 'L9', id: 'basic_profile.name' } },
    ]);
    w.deps.activeSheetId = () => other;
    expect(refreshNow(w.deps).message).toBe('“Other”: refreshed 1 row: no changes.');
    expect(w.sheet.cell(other, 2, 3).value).toBe('Person 1');
  });
});

describe('settings reach the engine', () => {
  it('sends force_fetch when asked and tracks the columns chosen', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, { ...DAILY_6, forceFetch: true, trackedHeaders: ['Name'] });
    w.setPerson(1, person('Person One', 'Globex', 'Title 1'));
    w.clock.advance(18 * HOUR + 10 * 60_000);
    const report = tick(w);
    expect(w.engine.calls[0].options.forceFetch).toBe(true);
    expect(report.message).toBe('“Leads”: refreshed 2 rows: Name changed for 1 person.');
    expect(w.sheet.highlighted(SHEET, '#fce8b2')).toEqual([`${urlOf(1)}|Name`]);
  });
});

describe('a run of the hourly trigger without its document', () => {
  function detachedTick(w: RefreshWorld, uid: string | undefined) {
    return onTickWithoutDocument({ triggers: w.triggers, userStore: w.userStores.current, clock: w.clock }, { triggerUid: uid, authMode: 'FULL' });
  }

  it('sends nothing, removes its own trigger, and the right spreadsheet\'s sidebar says what happened', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    w.triggers.document = 'doc-2';
    const other = ensureTrigger({ ...w.deps, documentId: 'doc-2' })!;
    w.triggers.document = 'doc-1';
    const mine = loadTriggerRecord(w.userStores.current, 'doc-1')!.triggerId!;
    w.clock.advance(18 * HOUR + 10 * 60_000);
    expect(detachedTick(w, mine)).toEqual({ refresh: 'skipped', message: NO_DOCUMENT_MESSAGE, backgroundJobs: false, triggerRemoved: true, noDocument: true });
    expect(w.engine.calls).toHaveLength(0);
    expect(w.triggers.all.map((t) => t.id)).toEqual([other]);
    expect(loadTriggerRecord(w.userStores.current, 'doc-2')).toEqual({ v: 1, triggerId: other });
    const shown = scheduleStatus(w.deps);
    expect(shown).toMatchObject({ enabled: true, nextRunAt: null, pausedReason: null });
    expect(shown.triggerNotice).toMatch(/^The hourly run on 2026-01-06 could not open this spreadsheet.*Refresh now .* still works.*click Keep fresh/);
    // Hours later it says the same, not a vaguer guess about a trigger that stopped running.
    w.clock.advance(5 * HOUR);
    expect(scheduleStatus(w.deps)).toMatchObject({ pausedReason: null, triggerNotice: shown.triggerNotice });
    // Keep fresh again: a new trigger, and the notice goes.
    expect(setSchedule(w.deps, DAILY_6)).toMatchObject({ triggerNotice: null, nextRunAt: expect.any(Number) });
    expect(w.triggers.list()).toHaveLength(1);
  });

  it('a trigger no record names is taken for the one a spreadsheet could not identify', () => {
    const w = refreshWorld();
    saveTriggerRecord(w.userStores.current, 'doc-1', { v: 1, triggerId: null, unidentifiedSince: w.clock.now() });
    w.triggers.createHourly(TRIGGER_HANDLER);
    expect(detachedTick(w, 't1')).toMatchObject({ triggerRemoved: true, noDocument: true });
    expect(loadTriggerRecord(w.userStores.current, 'doc-1')).toEqual({ v: 1, triggerId: null, noDocumentAt: w.clock.now() });
  });

  it('never throws, even when the user\'s properties or ScriptApp fail, and still removes its trigger', () => {
    const w = refreshWorld();
    setSchedule(w.deps, DAILY_6);
    w.userStores.current.keys = () => {
      throw new Error('Service unavailable');
    };
    expect(detachedTick(w, 't1')).toMatchObject({ noDocument: true, triggerRemoved: true, message: expect.stringContaining('Service unavailable') });
    expect(w.triggers.all).toEqual([]);
    w.triggers.remove = () => {
      throw new Error('Too many calls');
    };
    expect(detachedTick(w, undefined)).toMatchObject({ noDocument: true, triggerRemoved: false });
  });

  it('a later run with the document clears the notice and keeps the trigger\'s id', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2026-01-04', now: MONDAY + 12 * HOUR });
    setSchedule(w.deps, DAILY_6);
    saveTriggerRecord(w.userStores.current, 'doc-1', { v: 1, triggerId: null, noDocumentAt: w.clock.now() });
    expect(scheduleStatus(w.deps).triggerNotice).not.toBeNull();
    w.clock.advance(HOUR);
    tick(w, 't1');
    expect(loadTriggerRecord(w.userStores.current, 'doc-1')).toEqual({ v: 1, triggerId: 't1' });
    expect(scheduleStatus(w.deps).triggerNotice).toBeNull();
  });
});
