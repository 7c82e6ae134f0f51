// Spend in the sidebar, in Debian's chromium against the playground: the credit cap set before
// Start pauses the job before it could pass the cap, the sidebar says so and shows the credits
// charged, and Resume asks for a higher cap (refusing one that is not above the charge) before it
// carries on; the estimate gives the likely credits beside the upper bound; Keep fresh takes a cap per run.
import type { JobProgress, ScheduleStatus, SidebarState } from '../../src/common/contract';
import { lowContrastText, saveKey, shootSidebar, useBrowser, waitForEstimate, waitForPhase, type Session } from './harness';

jest.setTimeout(240_000);

const open = useBrowser();

async function currentJob(s: Session): Promise<JobProgress> {
  const state = (await s.backend.call('sidebarGetState', [])) as SidebarState;
  if (!state.job) throw new Error('no job on the sheet');
  return state.job;
}

const charged = (s: Session) => s.backend.api!.requestLog().reduce((sum, entry) => sum + entry.creditsUsed, 0);

test('a credit cap pauses the job before it could pass it; Resume asks for a higher cap, then finishes', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);
  // The estimate: likely credits beside the upper bound.
  const credits = await s.sidebar.locator('.estimate dt', { hasText: 'Credits' }).locator('xpath=following-sibling::dd[1]').textContent();
  expect(credits).toMatch(/^about [\d,]+( \(rough guess\))?, up to [\d,]+$/);

  const capField = s.sidebar.getByRole('textbox', { name: 'Credit cap for this job' });
  await capField.fill('ten');
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await s.sidebar.locator('.cap-error', { hasText: 'The credit cap must be a whole number of credits' }).waitFor();
  expect(s.backend.api!.requestLog().length).toBe(0);

  await capField.fill('40');
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(s.sidebar, 'problem');
  const panel = s.sidebar.locator('.progress-panel');
  await panel.locator('.job-message.error', { hasText: /Paused at the credit cap: this job has been charged [\d,]+ credits? of its 40 credits/ }).waitFor();
  await panel.locator('.job-advice', { hasText: 'Enter a higher cap below, then press Resume.' }).waitFor();
  const paused = await currentJob(s);
  expect(paused).toMatchObject({ state: 'paused', problemCode: 'credit_cap', creditCap: 40 });
  expect(charged(s)).toBeLessThanOrEqual(40);
  expect(paused.creditsUsed).toBe(charged(s));
  await panel.locator('.credits-line', { hasText: `Credits charged: ${paused.creditsUsed} (cap 40)` }).waitFor();
  await shootSidebar(s, 'sidebar-credit-cap', 'section.run');
  expect(await lowContrastText(s.sidebar)).toEqual([]);

  // Resume asks for a higher cap: one not above the charge is refused in the sidebar, nothing sent.
  const raise = s.sidebar.getByRole('textbox', { name: 'New credit cap' });
  expect(Number(await raise.inputValue())).toBeGreaterThan(paused.creditsUsed);
  await raise.fill(String(paused.creditsUsed));
  const sent = s.backend.api!.requestLog().length;
  await s.sidebar.getByRole('button', { name: 'Resume' }).click();
  await s.sidebar.locator('.raise-cap-error', { hasText: 'The new cap must be above' }).waitFor();
  expect(s.backend.api!.requestLog().length).toBe(sent);
  expect((await currentJob(s)).state).toBe('paused');

  await raise.fill('5000');
  await s.sidebar.getByRole('button', { name: 'Resume' }).click();
  await waitForPhase(s.sidebar, 'done');
  const done = await currentJob(s);
  expect(done).toMatchObject({ state: 'done', creditCap: 5000 });
  expect(done.creditsUsed).toBe(charged(s));
  await panel.locator('.credits-line', { hasText: `Credits charged: ${done.creditsUsed} (cap 5,000)` }).waitFor();

  // Keep fresh, now that the range is enriched: a cap per run, checked like the job's, and kept.
  const section = s.sidebar.locator('section.schedule');
  const runCap = section.getByRole('textbox', { name: 'Credit cap per run' });
  await runCap.fill('0');
  await section.getByRole('button', { name: 'Keep fresh' }).click();
  await section.getByText('The credit cap must be a whole number of credits').waitFor();
  await runCap.fill('250');
  await section.getByRole('button', { name: 'Keep fresh' }).click();
  await section.locator('.schedule-status', { hasText: /^On: / }).waitFor();
  const status = (await s.backend.call('sidebarScheduleStatus', [])) as ScheduleStatus;
  expect(status.settings).toMatchObject({ creditCap: 250 });
  expect(s.dialogs).toEqual([]);
});
