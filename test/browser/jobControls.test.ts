// The job's controls beyond the happy path, in Debian's chromium against the playground: a job
// paused by a problem (the key revoked in the mock mid-job) shows as an error with what to do and
// resumes after a new key is set; the background switch on a paused job changes only that; the
// rate limit changes without pasting the key again.
import { DEMO_API_KEY } from '../../dev/mock-api/handler';
import type { JobProgress, SidebarState } from '../../src/common/contract';
import { count, lowContrastText, reopenSidebar, saveKey, Session, shootSidebar, useBrowser, waitForEstimate, waitForPhase } from './harness';

jest.setTimeout(240_000);

const HOUR_MS = 3_600_000;
const NEW_KEY = 'new-demo-key-2';
const open = useBrowser();

async function jobStatus(s: Session, jobId: string): Promise<JobProgress> {
  return (await s.backend.call('sidebarJobStatus', [{ jobId }])) as JobProgress;
}

async function currentJob(s: Session): Promise<JobProgress> {
  const state = (await s.backend.call('sidebarGetState', [])) as SidebarState;
  if (!state.job) throw new Error('no job on the sheet');
  return state.job;
}

/** Starts the sample job and stops it, deterministically, after its first continue call. */
async function startAndHoldAfterFirstSlice(s: Session): Promise<void> {
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);
  s.backend.holdCalls(['sidebarContinueJob'], 1);
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await s.sidebar.locator('.progress-text', { hasText: /^[1-9][\d,]* of 300 rows done/ }).waitFor();
}

test('a key revoked mid-job pauses it as an error that says what to do; a new key and Resume finish it', async () => {
  const s = await open();
  await startAndHoldAfterFirstSlice(s);
  s.backend.api!.revokeKey(DEMO_API_KEY);
  s.backend.releaseCalls();

  await waitForPhase(s.sidebar, 'problem');
  const panel = s.sidebar.locator('.progress-panel');
  await panel.locator('.phase', { hasText: /^Paused by a problem$/ }).waitFor();
  await panel.locator('.job-message.error', { hasText: 'Crustdata rejected the API key' }).waitFor();
  await panel.locator('.job-advice', { hasText: 'Set a new key in the API key section above (Replace key), then press Resume.' }).waitFor();
  // Styled as an error (red title, red bar), not as the amber of a pause by the user.
  expect(await panel.locator('.phase').evaluate((el) => getComputedStyle(el).color)).toBe('rgb(197, 34, 31)');
  expect(await panel.locator('.bar-fill').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(217, 48, 37)');
  await s.sidebar.getByRole('button', { name: 'Resume' }).waitFor();
  await s.sidebar.getByRole('button', { name: 'Cancel' }).waitFor();
  expect(await s.sidebar.getByRole('button', { name: /^Start/ }).isVisible()).toBe(false);
  const stopped = await currentJob(s);
  expect(stopped).toMatchObject({ state: 'paused', pausedBy: 'problem' });
  expect(stopped.processed).toBeGreaterThan(0);
  expect(stopped.processed).toBeLessThan(300);
  expect(await count(s.sidebar, 'done')).toBe(stopped.processed);
  // The rows written so far are an enriched range: Keep fresh names it.
  await s.sidebar.locator('section.schedule .schedule-target', { hasText: /^Would keep Leads!A1:[A-Z]+\d+ fresh\.$/ }).waitFor();
  await shootSidebar(s, 'sidebar-problem', 'section.run');
  expect(await lowContrastText(s.sidebar)).toEqual([]);

  // Reopened, the sidebar tells the same story.
  await reopenSidebar(s);
  await waitForPhase(s.sidebar, 'problem');
  await s.sidebar.getByText(/A job on this sheet is paused by a problem/).waitFor();

  // The fix: a new key the mock accepts, then Resume.
  s.backend.api!.addKey(NEW_KEY, { label: 'new', requestsPerMinute: 600 });
  await s.sidebar.getByRole('button', { name: 'Replace key' }).click();
  await s.sidebar.getByRole('textbox', { name: 'API key' }).fill(NEW_KEY);
  await s.sidebar.getByRole('button', { name: 'Save new key' }).click();
  await s.sidebar.getByText('Key saved.', { exact: true }).waitFor();
  await s.sidebar.getByText('Key saved. Press Resume to carry on the job.', { exact: true }).waitFor();
  await s.sidebar.getByRole('button', { name: 'Resume' }).click();
  await waitForPhase(s.sidebar, 'done');
  expect(await count(s.sidebar, 'done')).toBe(300);
  expect(await count(s.sidebar, 'matched')).toBe(281);
  expect(await currentJob(s)).toMatchObject({ state: 'done', pausedBy: null, message: null });
  expect(s.dialogs).toEqual([]);
});

test('the background switch on a paused job changes only that: the hourly run carries the job on only while it is on', async () => {
  const s = await open();
  const { backend } = s;
  const triggers = () => backend.emulator.triggers.forUser(backend.emulator.users[0]);
  await startAndHoldAfterFirstSlice(s);
  await s.sidebar.getByRole('button', { name: 'Pause' }).click();
  await waitForPhase(s.sidebar, 'pausing');
  backend.releaseCalls();
  await waitForPhase(s.sidebar, 'paused');
  const { jobId, processed } = await currentJob(s);
  expect(triggers()).toEqual([]);

  const toggle = s.sidebar.getByRole('switch', { name: 'Continue in background (hourly)' });
  await toggle.check();
  await s.sidebar.getByText('The job will carry on hourly in the background when this sidebar is not driving it.').waitFor();
  expect(await jobStatus(s, jobId)).toMatchObject({ state: 'paused', pausedBy: 'user', processed, continueInBackground: true });
  // The hourly trigger the background run needs was made from this click.
  expect(triggers().map((trigger) => trigger.handler)).toEqual(['onScheduledRun']);
  // Still paused in the sidebar: Resume offered, no loop started.
  await waitForPhase(s.sidebar, 'paused');
  await s.sidebar.getByRole('button', { name: 'Resume' }).waitFor();

  await toggle.uncheck();
  await s.sidebar.getByText('The job only runs while this sidebar is open.').waitFor();
  expect(await jobStatus(s, jobId)).toMatchObject({ state: 'paused', pausedBy: 'user', processed, continueInBackground: false });
  // An hour passes: the trigger finds nothing to do, leaves the job alone and removes itself.
  expect(backend.advance!(HOUR_MS).failedRuns).toEqual([]);
  expect(await jobStatus(s, jobId)).toMatchObject({ state: 'paused', processed });
  expect(triggers()).toEqual([]);

  // On again: the next hourly run carries the paused job on without the sidebar.
  await toggle.check();
  await s.sidebar.getByText('The job will carry on hourly in the background when this sidebar is not driving it.').waitFor();
  expect(triggers()).toHaveLength(1);
  expect(backend.advance!(HOUR_MS).failedRuns).toEqual([]);
  const carried = await jobStatus(s, jobId);
  expect(carried.processed).toBeGreaterThan(processed);
  expect(['running', 'done']).toContain(carried.state);
  expect(s.dialogs).toEqual([]);
});

test('the rate limit changes without pasting the key again', async () => {
  const s = await open();
  const { sidebar } = s;
  await saveKey(sidebar);
  const statusLine = sidebar.locator('.key-status');
  await statusLine.getByText(/· your own · 15 requests a minute$/).waitFor();
  const masked = (await statusLine.locator('.mono').textContent())!;

  await sidebar.getByRole('button', { name: 'Change limit' }).click();
  // No key field and no sharing choice: the stored key stays as it is (sharing has its own buttons).
  expect(await sidebar.getByRole('textbox', { name: 'API key' }).count()).toBe(0);
  expect(await sidebar.getByLabel('Share with this spreadsheet').isVisible()).toBe(false);
  await sidebar.getByLabel('Requests per minute (optional)').fill('600');
  await sidebar.getByRole('button', { name: 'Save settings' }).click();
  await sidebar.getByText('Settings saved.').waitFor();
  await statusLine.getByText(/· your own · 600 requests a minute$/).waitFor();
  expect(await statusLine.locator('.mono').textContent()).toBe(masked);

  const state = (await s.backend.call('sidebarGetState', [])) as SidebarState;
  expect(state.requestsPerMinute).toBe(600);
  expect(state.apiKey).toMatchObject({ isSet: true, scope: 'user', formulas: null });
  expect(state.apiKey.masked!.slice(-4)).toBe(masked.slice(-4));
  // The same key still works, and the estimate times the run at the new limit.
  await sidebar.getByRole('button', { name: 'Test connection' }).click();
  await sidebar.getByText(/The key works/).waitFor();
  await waitForEstimate(sidebar);
  await sidebar.locator('.estimate dl.figures dd', { hasText: /at 600\/min$/ }).waitFor();

  // Back to the standard limit by emptying the field.
  await sidebar.getByRole('button', { name: 'Change limit' }).click();
  await sidebar.getByLabel('Requests per minute (optional)').fill('');
  await sidebar.getByRole('button', { name: 'Save settings' }).click();
  await statusLine.getByText(/· 15 requests a minute$/).waitFor();
  expect(((await s.backend.call('sidebarGetState', [])) as SidebarState).requestsPerMinute).toBe(15);
  expect(await sidebar.content()).not.toContain(DEMO_API_KEY);
  expect(s.dialogs).toEqual([]);
});
