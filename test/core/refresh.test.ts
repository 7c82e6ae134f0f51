// The refresh pass with fakes: which rows are due, what is written where, how changes are marked,
// how a pass carries on across executions when rows and columns move, and when it stops.
import { CHANGE_HIGHLIGHT, CHANGES_HEADER } from '../../src/core/changeTracking';
import { classifyIdentifier } from '../../src/core/identifiers';
import { isDue, runRefresh, type RunOutcome } from '../../src/core/refresh';
import { loadRefreshState, RECENT_RUNS, saveRefreshState } from '../../src/core/refreshState';
import { loadSchedule, saveSchedule, type StoredSchedule } from '../../src/core/schedule';
import { saveJob } from '../../src/core/jobState';
import { layoutMarks, STATUS_HEADER } from '../../src/core/sheetTarget';
import { columnsFor, parseFieldSelection, selectionKey } from '../../src/core/catalog';
import { DAY, HOUR, LAYOUT, person, refreshWorld, SHEET, storedJob, urlOf, type RefreshWorld } from './refreshFakes';
import { releasesWithUnflushedWrites } from './fakes';

const TARGET = { sheetId: SHEET, sheetName: 'Leads', layoutId: LAYOUT };
const BUDGET = 270_000;

function refresh(w: RefreshWorld, until = w.clock.now() + BUDGET): RunOutcome {
  return runRefresh(w.deps, { origin: 'manual', until, target: TARGET });
}

function col(w: RefreshWorld, header: string): number {
  return w.sheet.columnOf(SHEET, header);
}

function value(w: RefreshWorld, n: number, header: string): unknown {
  return w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(n)), col(w, header)).value;
}

function scheduleFor(w: RefreshWorld, patch: Partial<StoredSchedule> = {}): void {
  saveSchedule(w.store, {
    v: 1,
    enabled: true,
    settings: { frequency: 'daily', hour: 6, maxAgeDays: 7, forceFetch: false },
    target: TARGET,
    pausedReason: null,
    triggerId: null,
    updatedAt: w.clock.now(),
    ...patch,
  });
}

describe('row statuses', () => {
  const url = classifyIdentifier(urlOf(1));
  it('is due when its data is from the cutoff date or earlier, and only for valid identifiers', () => {
    expect(isDue({ kind: 'enriched', date: '2026-01-01' }, url, '2026-01-01')).toBe(true);
    expect(isDue({ kind: 'enriched', date: '2026-01-02' }, url, '2026-01-01')).toBe(false);
    expect(isDue({ kind: 'not_found', checked: null, keptFrom: null, keptData: false }, url, '2026-01-01')).toBe(true);
    expect(isDue({ kind: 'not_found', checked: '2026-01-05', keptFrom: null, keptData: false }, url, '2026-01-01')).toBe(false);
    expect(isDue({ kind: 'error' }, url, '2026-01-01')).toBe(true);
    expect(isDue({ kind: 'none' }, url, '2026-01-01')).toBe(false);
    expect(isDue({ kind: 'enriched', date: '2020-01-01' }, classifyIdentifier(''), '2026-01-01')).toBe(false);
    expect(isDue({ kind: 'enriched', date: '2020-01-01' }, classifyIdentifier('not an id'), '2026-01-01')).toBe(false);
  });

});

describe('a refresh pass', () => {
  it('refreshes only rows older than the threshold and dates them', () => {
    const w = refreshWorld({ rows: 6, enrichedOn: '2025-12-20' });
    // Row of person 2 was refreshed recently: not due (cutoff is 7 days before 2026-01-05).
    w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(2)), 2).value = 'Enriched 2025-12-30';
    w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(3)), 2).value = 'Enriched 2025-12-29';
    const outcome = refresh(w);
    expect(outcome.kind).toBe('ran');
    expect(w.engine.sent()).toEqual([1, 3, 4, 5, 6].map(urlOf));
    expect(value(w, 1, STATUS_HEADER)).toBe('Enriched 2026-01-05');
    expect(value(w, 2, STATUS_HEADER)).toBe('Enriched 2025-12-30');
    // The cache is trusted only for data fetched after the cutoff day.
    expect(w.engine.calls[0].options.maxCacheAgeMs).toBe(w.engine.calls[0].at - Date.UTC(2025, 11, 30));
    expect(loadRefreshState(w.store).pass).toBeNull();
    expect(loadRefreshState(w.store).lastRun).toMatchObject({ refreshed: 5, changed: 0, notFound: 0, failed: 0 });
  });

  it('with the live opt-in, the engine is asked to try rows not found live; without it, not', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    scheduleFor(w, { settings: { frequency: 'daily', hour: 6, maxAgeDays: 7, forceFetch: false, live: true } });
    expect(refresh(w).kind).toBe('ran');
    expect(w.engine.calls.length).toBeGreaterThan(0);
    for (const call of w.engine.calls) expect(call.options.api).toMatchObject({ live: true, forceFetch: false, minScore: null });

    const plain = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    scheduleFor(plain);
    expect(refresh(plain).kind).toBe('ran');
    for (const call of plain.engine.calls) expect(call.options.api).toMatchObject({ live: false });
  });

  it('flushes its writes before it releases the lock or its lease (Google: flush before releaseLock)', () => {
    const w = refreshWorld({ rows: 120, enrichedOn: '2025-12-20' });
    w.setPerson(2, person('Person 2', 'Globex', 'Title 2'));
    w.sheet.log.length = 0;
    expect(refresh(w).kind).toBe('ran');
    const log = w.sheet.log;
    expect(log).toContain('writeValues');
    expect(log).toContain('flush');
    expect(releasesWithUnflushedWrites(log)).toEqual([]);
    // Control: without the flushes the same log would show unflushed releases.
    expect(releasesWithUnflushedWrites(log.filter((entry) => entry !== 'flush')).length).toBeGreaterThan(0);
  });

  it('marks exactly the tracked cells that changed, with a note, a highlight and a Changes line', () => {
    const w = refreshWorld({ rows: 8, enrichedOn: '2025-12-20' });
    w.setPerson(2, person('Person 2', 'Globex', 'Title 2'));
    w.setPerson(5, person('Person 5', 'Company 5', 'Chief of Staff'));
    w.setPerson(7, person('Person Seven', 'Company 7', 'Title 7')); // an untracked column changed
    const noteCell = w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(2)), col(w, 'Current employer'));
    noteCell.note = 'Met at the fair';
    const outcome = refresh(w);
    expect(outcome).toMatchObject({ kind: 'ran', phase: 'done', summary: { refreshed: 8, changed: 2 } });
    expect(outcome.kind === 'ran' && outcome.summary.summary).toContain('1 person changed jobs, 1 person changed title');

    expect(w.sheet.highlighted(SHEET, CHANGE_HIGHLIGHT)).toEqual([`${urlOf(2)}|Current employer`, `${urlOf(5)}|Current title`]);
    expect(value(w, 2, 'Current employer')).toBe('Globex');
    expect(noteCell.note).toBe('Changed 2026-01-05. Was: Company 2\nMet at the fair');
    expect(w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(5)), col(w, 'Current title')).note).toBe('Changed 2026-01-05. Was: Title 5');
    // The Changes column sits right after the results, with a header, and the user's column moved right.
    const changes = col(w, CHANGES_HEADER);
    expect(changes).toBe(col(w, 'Current employer') + 4);
    expect(w.sheet.cell(SHEET, 1, changes + 1).value).toBe('Notes by the user');
    expect(value(w, 2, CHANGES_HEADER)).toBe('2026-01-05: Current employer: Company 2 → Globex');
    expect(value(w, 5, CHANGES_HEADER)).toBe('2026-01-05: Current title: Title 5 → Chief of Staff');
    expect(value(w, 7, CHANGES_HEADER)).toBe('');
    expect(value(w, 7, 'Name')).toBe('Person Seven');
    expect(value(w, 3, 'Notes by the user')).toBe('note 3');

    // A later change adds a line on top and keeps the earlier one.
    w.clock.advance(8 * DAY);
    w.setPerson(2, person('Person 2', 'Initech', 'Title 2'));
    refresh(w);
    expect(value(w, 2, CHANGES_HEADER)).toBe('2026-01-13: Current employer: Globex → Initech\n2026-01-05: Current employer: Company 2 → Globex');
    expect(noteCell.note).toBe('Changed 2026-01-13. Was: Globex\nChanged 2026-01-05. Was: Company 2\nMet at the fair');
  });

  it('keeps the data of a person no longer found and flags the status instead', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    w.setPerson(2, null);
    const outcome = refresh(w);
    expect(outcome.kind === 'ran' && outcome.summary).toMatchObject({ refreshed: 2, notFound: 1, changed: 0 });
    expect(value(w, 2, STATUS_HEADER)).toBe('Not found 2026-01-05; kept data from 2025-12-20');
    expect(value(w, 2, 'Current employer')).toBe('Company 2');
    expect(value(w, 2, 'Name')).toBe('Person 2');
    expect(w.sheet.highlighted(SHEET, CHANGE_HIGHLIGHT)).toEqual([]);
    // Checked again only once that check is older than the threshold.
    w.clock.advance(DAY);
    w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(1)), 2).value = 'Enriched 2025-12-20';
    w.engine.calls.length = 0;
    refresh(w);
    expect(w.engine.sent()).toEqual([urlOf(1)]);
  });

  it('says "no longer found" only of rows that had data; a row never found is "still not found"', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    // Row of person 3 was not found when it was enriched: a status, no data.
    const row = w.sheet.rowOf(SHEET, urlOf(3));
    const { columns } = w.sheet.size(SHEET);
    for (let c = 2; c <= columns; c++) w.sheet.cell(SHEET, row, c).value = '';
    w.sheet.cell(SHEET, row, col(w, STATUS_HEADER)).value = 'Not found 2025-12-20';
    w.setPerson(2, null);
    w.setPerson(3, null);
    const outcome = refresh(w);
    expect(outcome.kind === 'ran' && outcome.summary).toMatchObject({ refreshed: 1, notFound: 2 });
    const summary = outcome.kind === 'ran' ? outcome.summary.summary : '';
    expect(summary).toContain('1 person no longer found (their old data is kept and flagged); 1 still not found');
    expect(value(w, 3, STATUS_HEADER)).toBe('Not found 2026-01-05');
  });

  it('keeps the last few runs, newest first, for the Keep fresh panel', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    for (let i = 0; i < RECENT_RUNS + 2; i++) {
      refresh(w);
      w.clock.advance(8 * DAY);
    }
    const { recentRuns, lastRun } = loadRefreshState(w.store);
    expect(recentRuns).toHaveLength(RECENT_RUNS);
    expect(recentRuns![0]).toEqual(lastRun);
    const times = recentRuns!.map((run) => run.at);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });

  it('does not count newly found people as changes', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    const row = w.sheet.rowOf(SHEET, urlOf(2));
    w.sheet.cell(SHEET, row, 2).value = 'Not found';
    for (const header of ['Name', 'Current title', 'Current employer']) w.sheet.cell(SHEET, row, col(w, header)).value = '';
    refresh(w);
    expect(value(w, 2, 'Current employer')).toBe('Company 2');
    expect(w.sheet.highlighted(SHEET, CHANGE_HIGHLIGHT)).toEqual([]);
  });

  it('leaves a failed row as it was and tries it again in the next pass, not in the same one', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    w.engine.answers.set(urlOf(2), { failed: 'server_error', message: 'The service had a problem.' });
    const outcome = refresh(w);
    expect(outcome.kind === 'ran' && outcome.summary).toMatchObject({ refreshed: 2, failed: 1 });
    expect(outcome.kind === 'ran' && outcome.summary.summary).toContain('First problem: The service had a problem.');
    expect(value(w, 2, STATUS_HEADER)).toBe('Enriched 2025-12-20');
    expect(value(w, 2, 'Current employer')).toBe('Company 2');
    w.engine.calls.length = 0;
    refresh(w);
    expect(w.engine.sent()).toEqual([urlOf(2)]);
  });

  it('writes one block in a constant number of calls, whatever its size', () => {
    const callsFor = (rows: number) => {
      const w = refreshWorld({ rows, enrichedOn: '2025-12-20' });
      w.setPerson(1, person('Person 1', 'Globex', 'Title 1'));
      w.deps.tuning = { blockSize: 1000 };
      refresh(w);
      return w.sheet.calls;
    };
    const small = callsFor(5);
    const large = callsFor(400);
    expect(large).toEqual(small);
    expect(large.writeValues).toBe(2); // the Changes header, then the block
  });

  it('carries a pass over several executions and finds its place again after rows were inserted', () => {
    const w = refreshWorld({ rows: 12, enrichedOn: '2025-12-20' });
    w.deps.tuning = { blockSize: 3 };
    w.engine.msPerCall = 30_000;
    // Time for two blocks: the third could not finish before the deadline.
    const first = refresh(w, w.clock.now() + 60_000 + 2 * 30_000);
    expect(first).toMatchObject({ kind: 'ran', phase: 'continues' });
    expect(first.kind === 'ran' && first.summary.summary).toContain('6 of 12 rows refreshed so far');
    const pass = loadRefreshState(w.store).pass!;
    expect(pass.cursorRow).toBe(8);
    expect(pass.anchor).toBe(`profile_url ${urlOf(6)}`);

    // The user inserts rows above the cursor, one with an identifier the add-on never enriched.
    w.sheet.insertRows(SHEET, 3, [[''], ['https://www.linkedin.com/in/newcomer'], ['']]);
    w.engine.calls.length = 0;
    const second = refresh(w);
    expect(second).toMatchObject({ kind: 'ran', phase: 'done', summary: { refreshed: 12 } });
    expect(w.engine.sent()).toEqual([7, 8, 9, 10, 11, 12].map(urlOf));
    for (let n = 1; n <= 12; n++) expect(value(w, n, STATUS_HEADER)).toBe('Enriched 2026-01-05');
    expect(w.sheet.cell(SHEET, 5, 2).value).toBe('');
  });

  it('starts again from the top when its anchor row was deleted, without refreshing a row twice', () => {
    const w = refreshWorld({ rows: 9, enrichedOn: '2025-12-20' });
    w.deps.tuning = { blockSize: 3 };
    w.engine.msPerCall = 30_000;
    refresh(w, w.clock.now() + 60_000 + 30_000);
    w.sheet.deleteRows(SHEET, w.sheet.rowOf(SHEET, urlOf(3)), 1);
    w.engine.calls.length = 0;
    refresh(w);
    expect(w.engine.sent()).toEqual([4, 5, 6, 7, 8, 9].map(urlOf));
  });

  it('writes into columns where their metadata says they are, after the user moved one', () => {
    const w = refreshWorld({ rows: 4, enrichedOn: '2025-12-20' });
    refresh(w); // adds the Changes column
    w.clock.advance(8 * DAY);
    const employer = col(w, 'Current employer');
    w.sheet.moveColumn(SHEET, employer, 1); // to the far left
    w.sheet.renameSheet(SHEET, 'Leads (2026)');
    w.setPerson(3, person('Person 3', 'Globex', 'Title 3'));
    const outcome = refresh(w);
    expect(outcome.kind === 'ran' && outcome.summary.summary).toContain('“Leads (2026)”');
    expect(col(w, 'Current employer')).toBe(1);
    const row = w.sheet.rowOf(SHEET, urlOf(3), 2);
    expect(w.sheet.cell(SHEET, row, 1).value).toBe('Globex');
    expect(w.sheet.cell(SHEET, row, 1).background).toBe(CHANGE_HIGHLIGHT);
    expect(w.sheet.cell(SHEET, row, col(w, STATUS_HEADER)).value).toBe('Enriched 2026-01-13');
    expect(w.sheet.cell(SHEET, row, col(w, CHANGES_HEADER)).value).toBe('2026-01-13: Current employer: Company 3 → Globex');
    // Nothing landed in the identifier column.
    expect(w.sheet.cell(SHEET, row, 2).value).toBe(urlOf(3));
  });

  it('writes nothing when rows move while its requests are out, and the next run puts them right', () => {
    const w = refreshWorld({ rows: 4, enrichedOn: '2025-12-20' });
    w.setPerson(4, person('Person 4', 'Globex', 'Title 4'));
    // While the requests are out, the user inserts a row under the header.
    let armed = true;
    const enrich = w.engine.enrich.bind(w.engine);
    w.engine.enrich = (cells, options) => {
      const result = enrich(cells, options);
      if (armed) w.sheet.insertRows(SHEET, 1, [['someone typed here']]);
      armed = false;
      return result;
    };
    const first = refresh(w);
    expect(first).toMatchObject({ kind: 'ran', phase: 'continues' });
    expect(w.sheet.highlighted(SHEET, CHANGE_HIGHLIGHT)).toEqual([]);
    expect(w.sheet.cell(SHEET, 2, 2).value).toBe('');
    expect(value(w, 1, STATUS_HEADER)).toBe('Enriched 2025-12-20');
    const second = refresh(w);
    expect(second).toMatchObject({ kind: 'ran', phase: 'done', summary: { changed: 1 } });
    expect(value(w, 4, 'Current employer')).toBe('Globex');
    expect(w.sheet.highlighted(SHEET, CHANGE_HIGHLIGHT)).toEqual([`${urlOf(4)}|Current employer`]);
    expect(w.sheet.cell(SHEET, 2, 1).value).toBe('someone typed here');
    expect(w.sheet.cell(SHEET, 2, col(w, STATUS_HEADER)).value).toBe('');
  });

  it('stops with a reason, pausing the schedule, when the sheet was deleted', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    scheduleFor(w);
    w.sheet.deleteSheet(SHEET);
    const outcome = refresh(w);
    expect(outcome.kind).toBe('paused');
    expect(loadSchedule(w.store)!.pausedReason).toMatch(/sheet “Leads” was deleted/);
  });

  it('stops rather than guess when the status or identifier column is gone', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    scheduleFor(w);
    w.sheet.deleteColumn(SHEET, col(w, STATUS_HEADER));
    const before = JSON.stringify(w.sheet.sheet(SHEET).cells);
    expect(refresh(w)).toMatchObject({ kind: 'paused' });
    expect(loadSchedule(w.store)!.pausedReason).toMatch(/Crustdata status” column on “Leads” was deleted/);
    expect(JSON.stringify(w.sheet.sheet(SHEET).cells)).toBe(before);
    expect(w.engine.calls).toHaveLength(0);
  });

  it('keeps refreshing the columns that are left when a result column was deleted', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    w.sheet.deleteColumn(SHEET, col(w, 'Name'));
    w.setPerson(1, person('Renamed', 'Globex', 'Title 1'));
    refresh(w);
    expect(value(w, 1, 'Current employer')).toBe('Globex');
    expect(value(w, 1, 'Current title')).toBe('Title 1');
  });

  it('pauses on a rejected key, keeps what it wrote before, and resumes at the same row', () => {
    const w = refreshWorld({ rows: 6, enrichedOn: '2025-12-20' });
    scheduleFor(w);
    w.deps.tuning = { blockSize: 2 };
    w.engine.answers.set(urlOf(4), { failed: 'invalid_api_key', message: 'The API key was rejected.' });
    const outcome = refresh(w);
    expect(outcome).toMatchObject({ kind: 'paused', message: 'The API key was rejected.' });
    expect(loadSchedule(w.store)!.pausedReason).toBe('The API key was rejected.');
    // Person 3 was answered in the same burst before the key was refused: it is written.
    expect(value(w, 3, STATUS_HEADER)).toBe('Enriched 2026-01-05');
    expect(value(w, 4, STATUS_HEADER)).toBe('Enriched 2025-12-20');
    expect(loadRefreshState(w.store).pass).toMatchObject({ cursorRow: 5 });
    w.setPerson(4, person('Person 4', 'Company 4', 'Title 4'));
    w.engine.calls.length = 0;
    refresh(w);
    expect(w.engine.sent()).toEqual([4, 5, 6].map(urlOf));
  });

  it('does nothing while another run holds the lease or the lock', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    const state = loadRefreshState(w.store);
    state.lease = { token: 'other', until: w.clock.now() + 60_000 };
    saveRefreshState(w.store, state);
    expect(refresh(w)).toEqual({ kind: 'busy' });
    w.clock.advance(61_000);
    w.lock.failNext = 1;
    expect(refresh(w)).toEqual({ kind: 'busy' });
    expect(w.engine.calls).toHaveLength(0);
    expect(refresh(w).kind).toBe('ran');
  });

  it('lets the lease of a killed run expire by itself', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    // A run killed at 6 minutes never reaches its finally: its lease stays behind.
    const state = loadRefreshState(w.store);
    state.lease = { token: 'killed', until: w.clock.now() + 7 * 60_000 };
    saveRefreshState(w.store, state);
    w.clock.advance(6 * 60_000);
    expect(refresh(w)).toEqual({ kind: 'busy' });
    w.clock.advance(HOUR);
    expect(refresh(w)).toMatchObject({ kind: 'ran', phase: 'done' });
  });

  it('pauses the schedule after repeated unexpected failures instead of failing every hour', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    scheduleFor(w);
    w.sheet.throwOn = 'readValues';
    expect(refresh(w).kind).toBe('idle');
    expect(refresh(w).kind).toBe('idle');
    const third = refresh(w);
    expect(third.kind).toBe('paused');
    expect(loadSchedule(w.store)!.pausedReason).toMatch(/stopped after 3 failed runs in a row. Last problem: Service error in readValues/);
  });

  it('follows the bulk job to a new layout of the same range and keeps its Changes column', () => {
    const w = refreshWorld({ rows: 3, enrichedOn: '2025-12-20' });
    scheduleFor(w);
    refresh(w);
    const changes = col(w, CHANGES_HEADER);
    // The user enriches the column again: the bulk job replaces the layout (new id, same place).
    const sheet = w.sheet.sheet(SHEET);
    sheet.metadata = sheet.metadata.filter((entry) => !entry.value.includes(`"t":"${LAYOUT}"`) || entry.key !== 'crustdata.column');
    const selection = parseFieldSelection(['basic_profile.name', 'basic_profile.current_title', 'experience.employment_details.current']);
    w.sheet.addColumnMarks(SHEET, layoutMarks('L2', 1, 2, columnsFor(selection).map((c) => c.id), selection.fields, selectionKey(selection), true));
    saveJob(w.store, storedJob({ layoutId: 'L2', jobId: 'L2' }));
    w.clock.advance(8 * DAY);
    w.setPerson(1, person('Person 1', 'Globex', 'Title 1'));
    expect(refresh(w)).toMatchObject({ kind: 'ran', summary: { changed: 1 } });
    expect(loadSchedule(w.store)!.target.layoutId).toBe('L2');
    expect(col(w, CHANGES_HEADER)).toBe(changes);
    expect(value(w, 1, CHANGES_HEADER)).toBe('2026-01-13: Current employer: Company 1 → Globex');
  });

  it('keeps its state far below the 9 KB property limit', () => {
    const w = refreshWorld({ rows: 2, enrichedOn: '2025-12-20' });
    w.engine.answers.set(urlOf(1), { failed: 'server_error', message: 'x'.repeat(20_000) });
    refresh(w);
    expect(w.store.get('crustdata.refresh')!.length).toBeLessThan(3000);
  });
});

describe('a run killed while it writes', () => {
  class Killed extends Error {}

  /**
   * 30 rows with changes, a person gone and a failing row, refreshed in blocks of 10; one row
   * in the middle is fresh, so a block writes two runs of rows.
   */
  function world(): RefreshWorld {
    const w = refreshWorld({ rows: 30, enrichedOn: '2025-12-20' });
    for (const n of [3, 14, 25]) w.setPerson(n, person(`Person ${n}`, 'Globex', `Title ${n}`));
    w.setPerson(17, null);
    w.engine.answers.set(urlOf(22), { failed: 'server_error', message: 'boom' });
    w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(15)), 2).value = 'Enriched 2026-01-04';
    w.deps.tuning = { blockSize: 10 };
    return w;
  }

  /** Runs until the pass is done; the last run's summary without its time. */
  function finish(w: RefreshWorld): Omit<Extract<RunOutcome, { kind: 'ran' }>['summary'], 'at'> {
    for (let i = 0; i < 10; i++) {
      const outcome = refresh(w);
      if (outcome.kind === 'ran' && outcome.phase === 'done') {
        const { at: _at, ...summary } = outcome.summary;
        return summary;
      }
      w.clock.advance(HOUR);
    }
    throw new Error('the pass did not finish');
  }

  /** How many setValues wrote each row's status cell (rows 2..31). */
  function statusWrites(w: RefreshWorld, writes: Array<{ row: number; column: number; rows: number; columns: number }>): number[] {
    const perRow = new Array<number>(32).fill(0);
    for (const write of writes) {
      if (write.column > 2 || write.column + write.columns - 1 < 2) continue;
      for (let row = write.row; row < write.row + write.rows; row++) perRow[row]++;
    }
    return perRow.slice(2);
  }

  /**
   * Kills the execution at the first setValues or save of the refresh state after `writesBefore`
   * setValues: every later write and save then fails, as in an execution that is gone.
   */
  function killAfterWrites(w: RefreshWorld, writesBefore: number) {
    const writes: Array<{ row: number; column: number; rows: number; columns: number }> = [];
    let killed = false;
    const write = w.sheet.writeValues.bind(w.sheet);
    w.sheet.writeValues = (sheetId, row, column, values) => {
      if (!killed && writes.length >= writesBefore) killed = true;
      if (killed) throw new Killed('killed');
      writes.push({ row, column, rows: values.length, columns: values[0].length });
      write(sheetId, row, column, values);
    };
    const set = w.store.set.bind(w.store);
    w.store.set = (key, value) => {
      if (!killed && writes.length >= writesBefore) killed = true;
      if (killed) throw new Killed('killed');
      set(key, value);
    };
    return {
      writes,
      run(): void {
        expect(() => refresh(w)).toThrow(Killed);
        expect(killed).toBe(true);
        killed = false;
        writesBefore = Infinity;
        w.clock.advance(8 * 60_000); // the killed run's lease expires
      },
    };
  }

  it('after a block is written and before its save: the summary counts every row once', () => {
    const expected = finish(world());
    expect(expected).toMatchObject({ refreshed: 27, changed: 3, notFound: 1, failed: 1 });
    for (const block of [1, 2, 3]) {
      const w = world();
      // The Changes header, then one setValues per run of rows: the second block has two (person
      // 15 is fresh), the third starts at person 22, who fails.
      const writesBefore = { 1: 2, 2: 4, 3: 5 }[block]!;
      const kill = killAfterWrites(w, writesBefore);
      kill.run();
      expect({ block, summary: finish(w) }).toEqual({ block, summary: expected });
      // No row was written twice: the killed block's rows were found written.
      const writes = statusWrites(w, kill.writes);
      expect({ block, written: writes.filter((n) => n > 1).length }).toEqual({ block, written: 0 });
    }
  });

  it('between two runs of one block: the run written counts, the other is refreshed, nothing twice', () => {
    const expected = finish(world());
    const w = world();
    // The second block's first run (rows of persons 11 to 14) is written, not its second.
    const kill = killAfterWrites(w, 3);
    kill.run();
    expect(w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(14)), 2).value).toBe('Enriched 2026-01-05');
    expect(w.sheet.cell(SHEET, w.sheet.rowOf(SHEET, urlOf(16)), 2).value).toBe('Enriched 2025-12-20');
    expect(finish(w)).toEqual(expected);
    expect(Math.max(...statusWrites(w, kill.writes))).toBe(1);
  });
});

describe('credits', () => {
  const settings = (creditCap?: number) => ({ frequency: 'daily' as const, hour: 6, maxAgeDays: 7, forceFetch: false, ...(creditCap ? { creditCap } : {}) });

  it("counts each run's credits in its history, and stops a pass at its cap before a request could pass it; a raised cap finishes it", () => {
    const w = refreshWorld({ rows: 60, enrichedOn: '2025-12-20' });
    w.engine.creditsPerMatch = 2;
    scheduleFor(w, { settings: settings(50) });
    const stopped = refresh(w);
    expect(stopped.kind).toBe('paused');
    const state = loadRefreshState(w.store);
    expect(state.lastRun?.creditsUsed).toBe(50);
    expect(state.lastRun?.summary).toMatch(/credit cap/);
    expect(state.pass).not.toBeNull(); // kept: it carries on where it stopped
    expect(loadSchedule(w.store)?.pausedReason).toMatch(/Paused at the credit cap: this run has been charged 50 credits of its 50 credits/);
    expect(state.pass?.creditsUsed).toBe(50);

    // The user raises the cap and turns Keep fresh on again: the same pass finishes.
    scheduleFor(w, { settings: settings(1000) });
    expect(refresh(w)).toMatchObject({ kind: 'ran', phase: 'done' });
    expect(loadRefreshState(w.store).lastRun).toMatchObject({ refreshed: 60, creditsUsed: 120 });
    expect(w.engine.calls.filter((call) => call.sent).map((call) => call.options.creditBudget)).toEqual([50, 950]);
  });

  it("pauses before this user's UrlFetch calls left today run out, sending nothing, and keeps its pass", () => {
    const w = refreshWorld({ rows: 30, enrichedOn: '2025-12-20' });
    scheduleFor(w);
    let left = 0;
    w.deps.fetchQuota = { callsLeft: () => left, message: 'Paused before the daily limit.' };
    expect(refresh(w)).toMatchObject({ kind: 'paused', message: 'Paused before the daily limit.' });
    expect(w.engine.calls).toHaveLength(0);
    expect(loadRefreshState(w.store).pass).not.toBeNull();
    expect(loadSchedule(w.store)?.pausedReason).toBe('Paused before the daily limit.');
    // The next day: the engine is told how many calls it may make.
    left = 500;
    scheduleFor(w);
    expect(refresh(w)).toMatchObject({ kind: 'ran', phase: 'done' });
    expect(w.engine.calls.every((call) => call.options.fetchCallsLeft === 500)).toBe(true);
  });

  it('without a cap nothing is held back, and the run still says what it was charged', () => {
    const w = refreshWorld({ rows: 30, enrichedOn: '2025-12-20' });
    w.engine.creditsPerMatch = 3;
    expect(refresh(w)).toMatchObject({ kind: 'ran', phase: 'done', summary: { refreshed: 30, creditsUsed: 90 } });
    expect(w.engine.calls.every((call) => call.options.creditBudget === undefined)).toBe(true);
  });
});
