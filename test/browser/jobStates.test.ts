// What the Run panel says in the states a new user met, in Debian's chromium against the
// playground: a job the rate limit holds back, a sidebar reopened on a running job, a job that
// ends with failed rows, a job refused for a bad key, and Resume right after credits are added.
// Each state's text is also checked for WCAG AA contrast as rendered.
import { DEMO_API_KEY } from '../../dev/mock-api/handler';
import type { SidebarState } from '../../src/common/contract';
import { classifyIdentifier } from '../../src/core/identifiers';
import { formatClock, formatDuration } from '../../sidebar/src/format';
import { count, lowContrastText, reopenSidebar, saveKey, Session, shootSidebar, useBrowser, waitForEstimate, waitForPhase } from './harness';

jest.setTimeout(240_000);

const open = useBrowser();

async function currentJob(s: Session) {
  const state = (await s.backend.call('sidebarGetState', [])) as SidebarState;
  if (!state.job) throw new Error('no job on the sheet');
  return state.job;
}

async function startJob(s: Session): Promise<void> {
  await waitForEstimate(s.sidebar);
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
}

test('a job the rate limit holds back says it waits and until when, with no time left, then carries on by itself', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  // Crustdata answers the first request with 429 and a Retry-After of 2 minutes: longer than a
  // slice waits, so the first continue call comes back with no row written.
  s.backend.api!.enqueueFaults([{ type: '429', retryAfterSeconds: 120 }]);
  s.backend.holdCalls(['sidebarContinueJob'], 1);
  await startJob(s);

  await waitForPhase(s.sidebar, 'waiting');
  const panel = s.sidebar.locator('.progress-panel');
  await panel.locator('.phase', { hasText: /^Waiting for the rate limit$/ }).waitFor();
  const text = (await panel.locator('.progress-text').textContent())!;
  const job = await currentJob(s);
  expect(job).toMatchObject({ state: 'running', processed: 0 });
  expect(job.waitingUntil).toBeGreaterThan(job.updatedAt);
  // The time is the server's, shown in the browser's zone (the same as this process's here).
  expect(text).toBe(`0 of 300 rows done. Your key's rate limit holds the next request until ${formatClock(job.waitingUntil!)} (${formatDuration((job.waitingUntil! - job.updatedAt) / 1000)} from now); the job carries on by itself then.`);
  expect(text).not.toMatch(/left/);
  // The bar at the bottom says the same, and Pause stays offered.
  await s.sidebar.locator('.action-bar .bar-status', { hasText: 'Waiting for the rate limit: 0 of 300 rows done.' }).waitFor();
  await s.sidebar.getByRole('button', { name: 'Pause' }).waitFor();
  expect(await lowContrastText(s.sidebar)).toEqual([]);
  await shootSidebar(s, 'sidebar-waiting', 'section.run');

  s.backend.releaseCalls();
  await waitForPhase(s.sidebar, 'done');
  expect(await count(s.sidebar, 'done')).toBe(300);
  expect(s.dialogs).toEqual([]);
});

test('a sidebar reopened on a running job carries it on and says so; nothing says it stopped', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  s.backend.holdCalls(['sidebarContinueJob'], 1);
  await startJob(s);
  await s.sidebar.locator('.progress-text', { hasText: /^[1-9][\d,]* of 300 rows done/ }).waitFor();

  await reopenSidebar(s);
  await waitForPhase(s.sidebar, 'running');
  await s.sidebar.getByText(/^A job on this sheet was under way \([\d,]+ of 300 rows done\); this sidebar carries it on\.$/).waitFor();
  await s.sidebar.locator('.progress-panel .phase', { hasText: /^Running$/ }).waitFor();
  await s.sidebar.getByRole('button', { name: 'Pause' }).waitFor();
  expect(await s.sidebar.getByRole('button', { name: 'Resume' }).isVisible()).toBe(false);
  expect(await s.sidebar.locator('#app').innerText()).not.toMatch(/Not running|Press Resume|Interrupted/);

  s.backend.releaseCalls();
  await waitForPhase(s.sidebar, 'done');
  expect(await count(s.sidebar, 'done')).toBe(300);
  expect(await currentJob(s)).toMatchObject({ state: 'done', processed: 300 });
});

test('a job that ends with failed rows is headed with the counts and where to look, in amber', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  const column = s.backend.model.sheet('Leads').values().map((row) => row[0]);
  const failing = [40, 150, 260].map((row) => classifyIdentifier(column[row])).flatMap((id) => (id.kind === 'profile_url' || id.kind === 'business_email' ? [id.normalized] : []));
  s.backend.api!.failIdentifiers(failing, { type: 'malformed' });
  s.backend.api!.setLatencyModel({ baseMs: 500, perIdentifierMs: 0, errorMs: 500 });
  await startJob(s);
  await waitForPhase(s.sidebar, 'done');

  const job = await currentJob(s);
  expect(job.counts.failed).toBeGreaterThan(0);
  const headline = `Done: ${job.counts.enriched} rows enriched, ${job.counts.failed} failed — see the status column`;
  const phase = s.sidebar.locator('.progress-panel .phase');
  expect(await phase.textContent()).toBe(headline);
  await s.sidebar.getByRole('status').filter({ hasText: `${headline}.` }).waitFor();
  // Amber title and bar, not the green of a clean run.
  expect(await phase.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(148, 80, 0)');
  expect(await s.sidebar.locator('.progress-panel .bar-fill').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(249, 171, 0)');
  await s.sidebar.getByRole('button', { name: 'Show failed rows' }).waitFor();
  expect(await lowContrastText(s.sidebar)).toEqual([]);
  await shootSidebar(s, 'sidebar-done-failed', 'section.run');
});

test('a job refused for a bad key writes nothing, not even its header row, and opens the key section', async () => {
  const s = await open();
  const before = s.backend.model.sheet('Leads').displayValues();
  await saveKey(s.sidebar, 'not-a-crustdata-key');
  await startJob(s);
  await waitForPhase(s.sidebar, 'problem');
  await s.sidebar.locator('.job-message.error', { hasText: 'Crustdata rejected the API key' }).waitFor();
  expect(s.backend.model.sheet('Leads').displayValues()).toEqual(before);
  // The way to fix it is in view: the key section is open at Replace key.
  await s.sidebar.getByRole('button', { name: 'Replace key' }).waitFor();
  expect(await lowContrastText(s.sidebar)).toEqual([]);
  expect(s.dialogs).toEqual([]);
});

test('Resume right after credits are added carries the job on at once', async () => {
  const s = await open();
  s.backend.api!.setCredits(DEMO_API_KEY, 0);
  await saveKey(s.sidebar);
  await startJob(s);
  await waitForPhase(s.sidebar, 'problem');
  await s.sidebar.locator('.job-advice', { hasText: 'Add credits in the Crustdata dashboard, then press Resume.' }).waitFor();

  s.backend.api!.setCredits(DEMO_API_KEY, 100_000);
  await s.sidebar.getByRole('button', { name: 'Resume' }).click();
  await waitForPhase(s.sidebar, 'done');
  expect(await count(s.sidebar, 'done')).toBe(300);
  expect(await currentJob(s)).toMatchObject({ state: 'done', message: null });
});
