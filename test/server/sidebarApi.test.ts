// Every function the sidebar calls, through google.script.run as the emulator models it (plain
// data both ways, FULL mode), with the real dist/Code.js and the mock API. Needs `npm run build`.
import { ScriptError } from '../../dev/emulator';
import { syntheticBusinessEmail, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import type { ApiKeyStatus, ConnectionResult, Estimate, JobProgress, ScheduleStatus, SelectFailedResult, SidebarState, SourceGuess, StartJobResponse } from '../../src/common/contract';
import { driveJob, jobWorld, startRequest, TEST_KEY, TRIGGER_DOCUMENTS, withSheet, type JobWorld } from './jobHarness';

function column(rows: number): string[] {
  return Array.from({ length: rows }, (_, n) => (n % 4 === 3 ? syntheticBusinessEmail(n) : syntheticProfileUrl(n)));
}

/** The message the sidebar's failure handler would show. */
function failure(world: JobWorld, name: string, ...args: unknown[]): string {
  try {
    world.emu.callFromSidebar(name, ...args);
  } catch (error) {
    if (error instanceof ScriptError) return error.result.error ?? '';
    throw error;
  }
  throw new Error(`${name} did not fail`);
}

describe('state and key', () => {
  test('getState: everything the sidebar shows, as plain data, the key masked', () => {
    const world = jobWorld();
    withSheet(world, 'Leads', column(20));
    const state = world.emu.callFromSidebar('sidebarGetState') as SidebarState;
    expect(state.sheetName).toBe('Leads');
    expect(state.apiKey).toEqual({ isSet: true, masked: `••••${TEST_KEY.slice(-4)}`, scope: 'user', hasOwnKey: true, formulas: null });
    expect(JSON.stringify(state)).not.toContain(TEST_KEY);
    // The ten groups of the API, then the match group (computed from the answer, no credits).
    expect(state.groups.map((group) => group.name)).toHaveLength(11);
    expect(state.groups[10]).toMatchObject({ name: 'match', extraCredits: 0 });
    expect(state.paths.map((path) => path.path)).toContain('match.confidence_score');
    expect(state.paths.length).toBeGreaterThan(20);
    expect(state.settings.reenrich).toBe(false);
    expect(state.settings.fields.length).toBeGreaterThan(0);
    expect(state.source).toMatchObject({ sheetName: 'Leads', column: 1, firstRow: 1, lastRow: 21, hasHeader: true, dataRows: 20, headerText: 'LinkedIn' });
    expect(state.job).toBeNull();
    expect(state.schedule).toMatchObject({ enabled: false });
    expect(state.requestsPerMinute).toBe(15);
  });

  test('saveApiKey: replace, rate limit, remove; refuses what is not a key', () => {
    const world = jobWorld();
    withSheet(world, 'Leads', column(5));
    const saved = world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: 'another-key-12345678', scope: 'document', requestsPerMinute: 60 }) as ApiKeyStatus;
    // Shared with the spreadsheet: its formulas use it; this user's jobs still use their own key first.
    expect(saved).toEqual({
      isSet: true,
      masked: `••••${TEST_KEY.slice(-4)}`,
      scope: 'user',
      hasOwnKey: true,
      formulas: { masked: '••••5678', sharedByYou: true, isYourKey: false },
    });
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).requestsPerMinute).toBe(60);
    // Without their own key, their jobs fall back to the shared one.
    expect(world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: null, scope: 'user' })).toMatchObject({ isSet: true, masked: '••••5678', scope: 'document', hasOwnKey: false });
    expect(world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: null, scope: 'document' })).toEqual({ isSet: false, masked: null, scope: null, hasOwnKey: false, formulas: null });
    expect(failure(world, 'sidebarSaveApiKey', { apiKey: 'has a space inside', scope: 'user' })).toMatch(/API key/);
    expect(failure(world, 'sidebarSaveApiKey', { apiKey: 'abcdefghij', scope: 'everyone' })).toMatch(/Where to keep the key/);
    expect(failure(world, 'sidebarSaveApiKey', 'abcdefghij')).toMatch(/not valid/);
  });

  test('saveApiKey without a key keeps the saved ones: shares the own key with the formulas, stops sharing, changes the limit', () => {
    const world = jobWorld();
    withSheet(world, 'Leads', column(5));
    const user = world.emu.users[0];
    const shared = world.emu.callFromSidebar('sidebarSaveApiKey', { scope: 'document', requestsPerMinute: 40 }) as ApiKeyStatus;
    expect(shared).toEqual({
      isSet: true,
      masked: `••••${TEST_KEY.slice(-4)}`,
      scope: 'user',
      hasOwnKey: true,
      formulas: { masked: `••••${TEST_KEY.slice(-4)}`, sharedByYou: true, isYourKey: true },
    });
    expect(world.emu.properties.document.values.get('crustdata.apiKey')).toBe(TEST_KEY);
    expect(world.emu.properties.user(user).values.get('crustdata.apiKey')).toBe(TEST_KEY);
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).requestsPerMinute).toBe(40);
    // Only the limit: nothing moves.
    expect(world.emu.callFromSidebar('sidebarSaveApiKey', { scope: 'user', requestsPerMinute: 30 })).toEqual(shared);
    // Stop sharing: the formulas have no key; the own key and the limit stay.
    expect(world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: null, scope: 'document' })).toMatchObject({ isSet: true, scope: 'user', formulas: null });
    expect(world.emu.properties.document.values.has('crustdata.apiKey')).toBe(false);
    expect(world.emu.properties.user(user).values.get('crustdata.apiKey')).toBe(TEST_KEY);
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).requestsPerMinute).toBe(30);
    expect((world.emu.callFromSidebar('sidebarTestConnection') as ConnectionResult).ok).toBe(true);
  });

  test('another editor sees the key shared by someone else as theirs, and can share their own instead', () => {
    const world = jobWorld();
    withSheet(world, 'Leads', column(5));
    world.emu.callFromSidebar('sidebarSaveApiKey', { scope: 'document' });
    const editor = 'editor@example.com';
    const seen = world.emu.run('sidebarGetState', [], { user: editor }).value as SidebarState;
    expect(seen.apiKey).toEqual({
      isSet: true,
      masked: `••••${TEST_KEY.slice(-4)}`,
      scope: 'document',
      hasOwnKey: false,
      formulas: { masked: `••••${TEST_KEY.slice(-4)}`, sharedByYou: false, isYourKey: false },
    });
    // Sharing needs a key of one's own.
    const refused = world.emu.run('sidebarSaveApiKey', [{ scope: 'document' }], { user: editor });
    expect(refused.error).toMatch(/You have no key of your own to share/);
    world.emu.run('sidebarSaveApiKey', [{ apiKey: 'editor-key-87654321', scope: 'user' }], { user: editor });
    const mine = world.emu.run('sidebarSaveApiKey', [{ scope: 'document' }], { user: editor }).value as ApiKeyStatus;
    expect(mine.formulas).toEqual({ masked: '••••4321', sharedByYou: true, isYourKey: true });
    // For the first user it is now another editor's key.
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).apiKey.formulas).toEqual({ masked: '••••4321', sharedByYou: false, isYourKey: false });
    const everything = JSON.stringify(world.emu.properties.document.toObject()) + JSON.stringify(world.emu.properties.user(editor).toObject());
    expect(everything).not.toContain(editor);
  });

  test('saveApiKey without a key when none is saved: a clear error, nothing saved', () => {
    const world = jobWorld();
    withSheet(world, 'Leads', column(5));
    world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: null, scope: 'user' });
    expect(failure(world, 'sidebarSaveApiKey', { scope: 'document', requestsPerMinute: 30 })).toMatch(/No API key is saved yet.*Paste your Crustdata API key/);
    const state = world.emu.callFromSidebar('sidebarGetState') as SidebarState;
    expect(state.apiKey).toEqual({ isSet: false, masked: null, scope: null, hasOwnKey: false, formulas: null });
    expect(state.requestsPerMinute).toBe(15);
  });

  test('testConnection: one preview request, no credit; a rejected key says so', () => {
    const world = jobWorld();
    withSheet(world, 'Leads', column(5));
    const ok = world.emu.callFromSidebar('sidebarTestConnection') as ConnectionResult;
    expect(ok.ok).toBe(true);
    expect(ok.message).toMatch(/works/);
    const log = world.api.requestLog();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ preview: true, creditsUsed: 0 });
    world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: 'wrong-key-00000000', scope: 'user' });
    const bad = world.emu.callFromSidebar('sidebarTestConnection') as ConnectionResult;
    expect(bad.ok).toBe(false);
    expect(bad.message).toMatch(/rejected/);
  });
});

describe('source detection', () => {
  test('from the selection, from a header name, from the content; null on an empty sheet', () => {
    const world = jobWorld();
    const sheet = world.emu.model.addSheet('Mixed', [
      ['Name', 'Company', 'Work email', 'Notes'],
      ...column(30).map((id, i) => [`Person ${i}`, 'Acme', syntheticBusinessEmail(i), id]),
    ]);
    world.emu.model.activateSheet(sheet);
    world.emu.model.select('Mixed!B3');
    expect(world.emu.callFromSidebar('sidebarDetectSource')).toMatchObject({ column: 3, foundBy: 'header', hasHeader: true, headerText: 'Work email', lastRow: 31 });
    world.emu.model.select('Mixed!D5:D12');
    expect(world.emu.callFromSidebar('sidebarDetectSource')).toMatchObject({ column: 4, columnLetter: 'D', foundBy: 'selection', firstRow: 5, lastRow: 12, hasHeader: false, dataRows: 8 });

    const plain = world.emu.model.addSheet('Plain', column(10).map((id) => [id]));
    world.emu.model.activateSheet(plain);
    world.emu.model.select('Plain!A1');
    expect(world.emu.callFromSidebar('sidebarDetectSource')).toMatchObject({ column: 1, hasHeader: false, firstRow: 1, lastRow: 10 });

    const empty = world.emu.model.addSheet('Empty', []);
    world.emu.model.activateSheet(empty);
    expect(world.emu.callFromSidebar('sidebarDetectSource') as SourceGuess | null).toBeNull();
  });
});

describe('estimate and start validate what the browser sends', () => {
  test('unknown sheet, rows outside the sheet, unknown fields, wrong types', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(10));
    const settings = { fields: [], reenrich: false };
    expect(failure(world, 'sidebarEstimate', { source: { ...source, sheetName: 'Nope' }, settings })).toMatch(/no sheet named "Nope"/);
    expect(failure(world, 'sidebarEstimate', { source: { ...source, lastRow: 5_000_000 }, settings })).toMatch(/outside the sheet/);
    expect(failure(world, 'sidebarEstimate', { source: { ...source, column: '1' }, settings })).toMatch(/The column/);
    expect(failure(world, 'sidebarEstimate', { source: { ...source, firstRow: 0 }, settings })).toMatch(/The first row/);
    expect(failure(world, 'sidebarEstimate', { source: { ...source, lastRow: 1 }, settings })).toMatch(/no data row/);
    expect(failure(world, 'sidebarEstimate', { source, settings: { fields: ['basic_profile.nam'], reenrich: false } })).toMatch(/Unknown field "basic_profile.nam"/);
    expect(failure(world, 'sidebarEstimate', { source, settings: { fields: 'basic_profile', reenrich: false } })).toMatch(/The fields/);
    expect(failure(world, 'sidebarContinueJob', { jobId: '../../etc' })).toMatch(/The job/);
    expect(failure(world, 'sidebarContinueJob', { jobId: 'nosuchjob' })).toMatch(/no longer exists/);
    expect(world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['no.such.field']))).toMatchObject({ ok: false, reason: 'invalid' });
  });

  test('estimate: the numbers the sidebar shows before running', () => {
    const world = jobWorld();
    const ids = [...column(60), syntheticProfileUrl(1).toUpperCase(), '', 'not an identifier'];
    const source = withSheet(world, 'Leads', ids);
    const estimate = world.emu.callFromSidebar('sidebarEstimate', { source, settings: { fields: ['basic_profile', 'contact.business_emails'], reenrich: false } }) as Estimate;
    expect(estimate).toMatchObject({ rows: 63, blank: 1, invalid: 1, uniqueIdentifiers: 60, profileUrls: 45, emails: 15, cached: 0, alreadyEnriched: 0, toFetch: 60, requests: 3 });
    expect(estimate.creditsMax).toBe(60 * 2);
    expect(estimate.minutes).toBeCloseTo(3 / 15, 1);
    expect(estimate.targetRange).toMatch(/^Leads!B1:[A-Z]+64$/);
    expect(estimate.headers[0]).toBe('Crustdata status');
  });

  test('start without a key, and a second job on the same sheet', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(10));
    world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: null, scope: 'user' });
    expect(world.emu.callFromSidebar('sidebarStartJob', startRequest(source, []))).toMatchObject({ ok: false, reason: 'no_api_key' });
    world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: TEST_KEY, scope: 'user' });
    expect(world.emu.callFromSidebar('sidebarStartJob', startRequest(source, []))).toMatchObject({ ok: true });
    expect(world.emu.callFromSidebar('sidebarStartJob', startRequest(source, []))).toMatchObject({ ok: false, reason: 'job_running' });
  });
});

describe('running a job from the sidebar', () => {
  test('pause, resume, cancel, status; the last settings are remembered for the sheet', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(600));
    const fields = ['basic_profile.name'];
    const { job } = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, fields)) as Extract<StartJobResponse, { ok: true }>;
    const first = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(first.state).toBe('running');
    expect(first.processed).toBeGreaterThan(0);
    expect(first.processed).toBeLessThan(600);
    expect(first.etaSeconds).toBeGreaterThan(0);

    const paused = world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'pause' }) as JobProgress;
    expect(paused.state).toBe('paused');
    const still = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(still.processed).toBe(paused.processed);
    expect(world.emu.callFromSidebar('sidebarJobStatus', { jobId: job.jobId })).toEqual(still);
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).job).toMatchObject({ jobId: job.jobId, state: 'paused' });

    world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'resume' });
    const more = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(more.processed).toBeGreaterThan(paused.processed);
    const cancelled = world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'cancel' }) as JobProgress;
    expect(cancelled).toMatchObject({ state: 'cancelled', etaSeconds: null });
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).settings).toEqual({
      fields,
      reenrich: false,
      options: { minScore: null, ambiguity: 'take_best', forceFetch: false, live: false },
    });
    expect(world.emu.callFromSidebar('sidebarJobStatus', { jobId: 'unknown' })).toBeNull();
  });

  test('a rejected key pauses the job with a message the user can act on', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(100));
    const { job } = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, [])) as Extract<StartJobResponse, { ok: true }>;
    world.api.revokeKey(TEST_KEY);
    const progress = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(progress.state).toBe('paused');
    expect(progress.pausedBy).toBe('problem');
    expect(progress.message).toMatch(/rejected the API key/);
    expect(progress.processed).toBe(0);
  });

  test('selectFailedRows activates the failed rows and says where they are', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(60));
    world.alwaysFailing.add(syntheticBusinessEmail(3)); // its batch of emails fails in both passes
    const { job } = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['basic_profile.name'])) as Extract<StartJobResponse, { ok: true }>;
    const done = driveJob(world, job.jobId).progress;
    expect(done.state).toBe('done');
    expect(done.counts.failed).toBeGreaterThan(0);
    const selected = world.emu.callFromSidebar('sidebarSelectFailedRows', { jobId: job.jobId }) as SelectFailedResult;
    expect(selected.rows).toBe(done.counts.failed);
    expect(selected.rangeA1).toMatch(/^B\d+/);
    const sheet = world.emu.model.sheet('Leads');
    const activeRow = sheet.selection ? world.emu.model.activeRange().range.row : 0;
    expect(String(sheet.cell(activeRow, 2).value)).toMatch(/^Error: /);
  });


  test('start without the switch makes no trigger', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(20));
    world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['basic_profile.name'], { continueInBackground: false }));
    expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(0);
  });

  test('pausedBy: the user for Pause, a problem for no credits; cleared on resume', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', column(600));
    const { job } = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['basic_profile.name'])) as Extract<StartJobResponse, { ok: true }>;
    expect(job.pausedBy).toBeNull();
    world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId });
    expect(world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'pause' })).toMatchObject({ state: 'paused', pausedBy: 'user' });
    expect(world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'resume' })).toMatchObject({ state: 'running', pausedBy: null });

    world.api.setCredits(TEST_KEY, 0);
    const broke = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(broke).toMatchObject({ state: 'paused', pausedBy: 'problem' });
    expect(broke.message).toMatch(/credits/i);
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).job).toMatchObject({ pausedBy: 'problem' });
    expect(world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'resume' })).toMatchObject({ state: 'running', pausedBy: null });
  });

});

/** Without the document, the trigger's one run removes it, sends nothing, and the sidebar says so. */
function expectNoDocumentRun(world: JobWorld, runs: ReturnType<JobWorld['emu']['runDueTriggers']>): void {
  expect(runs).toHaveLength(1);
  expect(runs[0].result).toMatchObject({ ok: true, value: { noDocument: true, triggerRemoved: true } });
  expect(runs[0].result.calls['UrlFetchApp.fetchAll']).toBeUndefined();
  expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(0);
  const status = world.emu.callFromSidebar('sidebarScheduleStatus') as ScheduleStatus;
  expect(status.triggerNotice).toMatch(/could not open this spreadsheet.*jobs while this sidebar is open/);
}

describe.each(TRIGGER_DOCUMENTS)('jobs that continue in the background (trigger runs: %s)', (mode) => {
  test('start with continue in the background: the trigger is made from that click and finishes the job unattended (or, without the document, says it cannot)', () => {
    const world = jobWorld({ triggerDocument: mode });
    const source = withSheet(world, 'Leads', column(400));
    const response = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['basic_profile.name'], { continueInBackground: true })) as StartJobResponse;
    if (!response.ok) throw new Error(JSON.stringify(response));
    expect(response.job.continueInBackground).toBe(true);
    expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(1);
    // No sidebarContinueJob at all: the sidebar was closed straight after Start.
    const runs = world.emu.runDueTriggers(world.clock.now() + 3 * 60 * 60_000);
    const after = world.emu.callFromSidebar('sidebarJobStatus', { jobId: response.job.jobId }) as JobProgress;
    if (mode === 'attached') {
      expect(after).toMatchObject({ state: 'done', processed: 400 });
      return;
    }
    // Without the document nothing ran; the sidebar, once open again, drives the job to the end.
    expectNoDocumentRun(world, runs);
    expect(after).toMatchObject({ state: 'running', processed: 0 });
    expect(world.sent).toHaveLength(0);
    expect(driveJob(world, response.job.jobId).progress).toMatchObject({ state: 'done', processed: 400 });
  });

  test("the 'background' action changes only the switch, whatever the job's state", () => {
    const world = jobWorld({ triggerDocument: mode });
    const source = withSheet(world, 'Leads', column(600));
    const { job } = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['basic_profile.name'])) as Extract<StartJobResponse, { ok: true }>;
    const first = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(first.state).toBe('running');

    const on = world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'background', continueInBackground: true }) as JobProgress;
    expect(on).toMatchObject({ state: 'running', continueInBackground: true, processed: first.processed, pausedBy: null });
    expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(1);

    world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'pause' });
    const off = world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'background', continueInBackground: false }) as JobProgress;
    expect(off).toMatchObject({ state: 'paused', pausedBy: 'user', continueInBackground: false });
    // The trigger finds nothing to carry on: the paused job stays where the user left it.
    const runs = world.emu.runDueTriggers(world.clock.now() + 2 * 60 * 60_000);
    expect(world.emu.callFromSidebar('sidebarJobStatus', { jobId: job.jobId })).toMatchObject({ state: 'paused', processed: first.processed });
    if (mode === 'detached') expectNoDocumentRun(world, runs);
    else expect(runs[0].result.value).toMatchObject({ noDocument: false, triggerRemoved: true });

    world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'cancel' });
    const ended = world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'background', continueInBackground: true }) as JobProgress;
    expect(ended).toMatchObject({ state: 'cancelled', continueInBackground: true });
    expect(failure(world, 'sidebarControlJob', { jobId: job.jobId, action: 'background' })).toMatch(/Continue in the background: choose on or off/);
  });

  test('continue in the background: the hourly trigger carries the job on with the sidebar closed', () => {
    const world = jobWorld({ triggerDocument: mode });
    const source = withSheet(world, 'Leads', column(900));
    const { job } = world.emu.callFromSidebar('sidebarStartJob', startRequest(source, ['basic_profile.name'])) as Extract<StartJobResponse, { ok: true }>;
    world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId });
    expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(0);
    // The user closes the sidebar with "continue in the background" ticked.
    const paused = world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'pause', continueInBackground: true }) as JobProgress;
    expect(paused).toMatchObject({ state: 'paused', continueInBackground: true });
    expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(1);
    const sentBefore = world.sent.length;
    const runs = world.emu.runDueTriggers(world.clock.now() + 3 * 60 * 60_000);
    if (mode === 'attached') {
      expect((world.emu.callFromSidebar('sidebarJobStatus', { jobId: job.jobId }) as JobProgress).state).toBe('done');
      return;
    }
    expectNoDocumentRun(world, runs);
    expect(world.sent).toHaveLength(sentBefore);
    expect(world.emu.callFromSidebar('sidebarJobStatus', { jobId: job.jobId })).toMatchObject({ state: 'paused', processed: paused.processed });
    // Ticking the box again (a sidebar call, with the document) makes a new trigger and clears the notice.
    world.emu.callFromSidebar('sidebarControlJob', { jobId: job.jobId, action: 'background', continueInBackground: true });
    expect(world.emu.triggers.forUser(world.emu.users[0])).toHaveLength(1);
    expect((world.emu.callFromSidebar('sidebarScheduleStatus') as ScheduleStatus).triggerNotice).toBeNull();
  });
});
