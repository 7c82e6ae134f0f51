// The Match options section in Debian's chromium against the playground (emulator running
// dist/Code.js, mock API): folded to one line naming the choices; a minimum score outside 0–1
// shows the rule at once and keeps Start and the estimate from sending it; the options set go
// with the job and come back when the sidebar reopens; Keep fresh keeps its own live switch.
import type { SidebarState } from '../../src/common/contract';
import { lowContrastText, reopenSidebar, saveKey, shootSidebar, useBrowser, waitForEstimate, waitForPhase } from './harness';

jest.setTimeout(240_000);

const open = useBrowser();
const SCORE = 'Minimum match score for emails (0 to 1)';

test('set the match options, see a bad score refused with its rule, run a job with them, find them again on reopening', async () => {
  const s = await open();
  const { sidebar, backend } = s;
  await saveKey(sidebar);
  await waitForEstimate(sidebar);

  const section = sidebar.locator('details.options');
  // Folded, it names the choices: nothing set yet.
  await section.locator('.options-summary', { hasText: /^Match options\s+defaults$/ }).waitFor();
  expect(await sidebar.getByRole('textbox', { name: SCORE }).isVisible()).toBe(false);
  await section.locator('.options-summary').click();
  const score = sidebar.getByRole('textbox', { name: SCORE });
  await score.waitFor();
  // Each option says what it costs.
  await section.getByText(/Free\. Blank: keep every match\./).waitFor();
  await section.getByText(/costs more per person it finds; a row still not found costs nothing/).waitFor();
  await section.getByText(/so every row is charged again/).waitFor();

  // A bad score: the rule at once, Start held back, no estimate asked with it.
  const start = sidebar.getByRole('button', { name: 'Start', exact: true });
  await score.fill('80');
  await section.getByRole('alert').getByText('The minimum match score must be a number from 0 to 1, such as 0.8, or blank for none. For 80%, write 0.8.').waitFor();
  expect(await score.getAttribute('aria-invalid')).toBe('true');
  expect(await start.isDisabled()).toBe(true);
  await sidebar.getByText('Fix the minimum match score to see an estimate.').first().waitFor();
  await score.fill('1.5');
  await section.getByRole('alert').getByText(/^The minimum match score must be a number from 0 to 1/).waitFor();
  await score.fill('abc');
  await section.getByRole('alert').getByText(/^The minimum match score must be a number from 0 to 1/).waitFor();
  expect(await start.isDisabled()).toBe(true);

  // Good values: the rule goes, Start comes back, the summary names them.
  await score.fill('0.8');
  expect(await section.getByRole('alert').isVisible()).toBe(false);
  await sidebar.getByRole('radio', { name: 'Leave it for me to check' }).check();
  await sidebar.getByRole('switch', { name: 'Try "Not found" rows live' }).check();
  await section.locator('.options-summary-status', { hasText: 'min score 0.8, ambiguous left to check, "Not found" tried live' }).waitFor();
  await waitForEstimate(sidebar);
  expect(await start.isEnabled()).toBe(true);
  await shootSidebar(s, 'sidebar-match-options', 'details.options');
  expect(await lowContrastText(sidebar)).toEqual([]);

  await start.click();
  await waitForPhase(sidebar, 'done');
  const state = (await backend.call('sidebarGetState', [])) as SidebarState;
  expect(state.settings.options).toEqual({ minScore: 0.8, ambiguity: 'leave_for_review', forceFetch: false, live: true });

  // Reopened, the sheet's options are there again.
  await reopenSidebar(s);
  const again = s.sidebar.locator('details.options');
  await again.locator('.options-summary-status', { hasText: 'min score 0.8, ambiguous left to check, "Not found" tried live' }).waitFor();
  await again.locator('.options-summary').click();
  expect(await s.sidebar.getByRole('textbox', { name: SCORE }).inputValue()).toBe('0.8');
  expect(await s.sidebar.getByRole('radio', { name: 'Leave it for me to check' }).isChecked()).toBe(true);
  expect(await s.sidebar.getByRole('radio', { name: 'Take the best' }).isChecked()).toBe(false);
  expect(await s.sidebar.getByRole('switch', { name: 'Try "Not found" rows live' }).isChecked()).toBe(true);
  expect(await s.sidebar.getByRole('switch', { name: 'Request fresh data (force_fetch)' }).isChecked()).toBe(false);

  // Keep fresh's own live switch: saved with the schedule, shown in its line, there on reopening.
  const keepFresh = s.sidebar.locator('section.schedule');
  await keepFresh.getByLabel('Try "Not found" rows live').check();
  await keepFresh.getByRole('button', { name: 'Keep fresh' }).click();
  await keepFresh.locator('.schedule-status', { hasText: '"Not found" rows tried live' }).waitFor();
  await reopenSidebar(s);
  expect(await s.sidebar.locator('section.schedule').getByLabel('Try "Not found" rows live').isChecked()).toBe(true);
  expect(s.dialogs).toEqual([]);
});
