// The playground page itself, in Debian's chromium: the demo-key hint, formulas typed into the
// grid (one cell, a range, filled down, an array blocked by data, pasted over a range), the Extensions → Crustdata
// menu with its prompts and alerts answered in the page, and Keep fresh updating in an open
// sidebar when time moves. Everything runs the real dist/Code.js in the emulator.
import type { Frame, Page } from 'playwright-core';
import { samplePeople } from '../../dev/mock-api/dataset';
import { SAMPLE_HEADER } from '../../dev/playground/sampleSheet';
import { FAST_MOCK, sidebarFrame, useBrowser, waitForEstimate, waitForPhase, type Session } from './harness';

jest.setTimeout(240_000);

const open = useBrowser();
const PEOPLE = samplePeople().slice(0, 8);
/** Header and 8 profile URLs in A1:A9, so a job and a refresh take seconds. */
const SMALL = { ...FAST_MOCK, rows: [SAMPLE_HEADER, ...PEOPLE.map((p) => p.profileUrl)] };

function cell(page: Page, row: number, column: number) {
  return page.locator(`#grid td[data-row="${row}"][data-column="${column}"]`);
}

/** Clicks a cell and types into it as a user does (the first key opens the formula bar), then Enter. */
async function typeInto(page: Page, row: number, column: number, text: string): Promise<void> {
  await cell(page, row, column).click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** Waits until the cell shows a computed value (not empty, not "Loading…"), and returns it. */
async function computed(page: Page, row: number, column: number): Promise<string> {
  const target = cell(page, row, column);
  await target.filter({ hasNotText: /^(Loading…)?$/ }).waitFor();
  return (await target.textContent()) ?? '';
}

const A_NAME = /^(?!Loading…|#|Not found|No Crustdata)\S.*$/;

async function useDemoKey(s: Session): Promise<void> {
  const hint = s.page.locator('#key-hint');
  await hint.getByText('demo-key', { exact: true }).waitFor();
  await s.page.getByRole('button', { name: 'Use the demo key' }).click();
  await hint.waitFor({ state: 'hidden' });
  s.sidebar = await sidebarFrame(s.page);
  await s.sidebar.getByRole('heading', { name: 'API key' }).waitFor();
}

test('first open shows the demo key; one click stores it and the sidebar shows a key', async () => {
  const s = await open(SMALL);
  expect(s.backend.apiKeyIsSet()).toBe(false);
  await expect(s.page.locator('#key-hint').textContent()).resolves.toContain('The mock API here takes the demo key demo-key');
  await useDemoKey(s);
  expect(s.backend.apiKeyIsSet()).toBe(true);
  // A set key folds its section to one line that names it.
  await s.sidebar.locator('.key-summary-status', { hasText: /••••.* · set/ }).waitFor();
  // Opened again, the page no longer offers it.
  const checked = s.page.waitForResponse((response) => response.url().endsWith('/api/status'));
  await s.page.reload();
  await expect((await checked).json()).resolves.toMatchObject({ apiKeySet: true });
  await s.page.locator('#grid td').first().waitFor();
  await expect(s.page.locator('#key-hint').isHidden()).resolves.toBe(true);
  expect(s.dialogs).toEqual([]);
});

test('=CRUSTDATA_ENRICH typed in the grid: one cell, a range, filled down, #REF! where data blocks the array, pasted over a range', async () => {
  const s = await open(SMALL);
  const { page } = s;
  await useDemoKey(s);

  // One cell: the row spills to the right; the formula bar shows the formula.
  await typeInto(page, 2, 2, '=CRUSTDATA_ENRICH(A2)');
  await expect(computed(page, 2, 2)).resolves.toMatch(A_NAME);
  await expect(computed(page, 2, 3)).resolves.not.toBe('');
  await cell(page, 2, 2).click();
  await expect(page.locator('#formula-input').inputValue()).resolves.toBe('=CRUSTDATA_ENRICH(A2)');

  // A range: one row per input row.
  await typeInto(page, 3, 2, '=crustdata_enrich(A3:A5)');
  const range = [await computed(page, 3, 2), await computed(page, 4, 2), await computed(page, 5, 2)];
  expect(range.every((name) => A_NAME.test(name))).toBe(true);
  expect(new Set(range).size).toBe(3);

  // Filled down: select B6:B8 (drag), Ctrl+D; references move.
  await typeInto(page, 6, 2, '=CRUSTDATA_ENRICH(A6)');
  await expect(computed(page, 6, 2)).resolves.toMatch(A_NAME);
  await cell(page, 6, 2).hover();
  await page.mouse.down();
  await cell(page, 8, 2).hover();
  await page.mouse.up();
  await page.locator('#selection', { hasText: 'Leads!B6:B8' }).waitFor();
  await page.keyboard.press('Control+d');
  await cell(page, 8, 2).filter({ hasText: A_NAME }).waitFor();
  await cell(page, 8, 2).click();
  await expect(page.locator('#formula-input').inputValue()).resolves.toBe('=CRUSTDATA_ENRICH(A8)');
  expect(s.backend.model.cell('Leads!B7').formula).toBe('=CRUSTDATA_ENRICH(A7)');

  // Data in the way: #REF! with Sheets' message; emptying the cell lets the array spill.
  await typeInto(page, 9, 4, 'in the way');
  await typeInto(page, 9, 2, '=CRUSTDATA_ENRICH(A9)');
  const blocked = cell(page, 9, 2);
  await blocked.filter({ hasText: '#REF!' }).waitFor();
  await expect(blocked.getAttribute('title')).resolves.toContain('Array result was not expanded because it would overwrite data in D9.');
  await cell(page, 9, 2).click();
  await page.locator('#cell-message', { hasText: '#REF!: Array result was not expanded because it would overwrite data in D9.' }).waitFor();
  await cell(page, 9, 4).click();
  await page.keyboard.press('Delete');
  await blocked.filter({ hasText: A_NAME }).waitFor();

  // One formula pasted over a selected range: each cell gets it with its references moved.
  await cell(page, 12, 2).hover();
  await page.mouse.down();
  await cell(page, 13, 2).hover();
  await page.mouse.up();
  await page.locator('#selection', { hasText: 'Leads!B12:B13' }).waitFor();
  await page.locator('#grid').evaluate((grid) => {
    const data = new DataTransfer();
    data.setData('text/plain', '=CRUSTDATA_ENRICH(A2)');
    grid.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  });
  await expect(computed(page, 13, 2)).resolves.toBe(await cell(page, 3, 2).textContent());
  expect(s.backend.model.cell('Leads!B13').formula).toBe('=CRUSTDATA_ENRICH(A3)');

  // An unknown function is #NAME?.
  await typeInto(page, 11, 1, '=ENRICHH(A2)');
  await cell(page, 11, 1).filter({ hasText: '#NAME?' }).waitFor();
  expect(s.dialogs).toEqual([]);
});

/** Answers the in-page dialog: optional text, then the button. Returns the dialog's text. */
async function answer(page: Page, title: string, button: string, text?: string): Promise<string> {
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor();
  const prompt = (await dialog.locator('#ui-dialog-text').textContent()) ?? '';
  if (text !== undefined) await dialog.getByRole('textbox', { name: 'Answer' }).fill(text);
  await dialog.getByRole('button', { name: button, exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  return prompt;
}

async function clickMenu(page: Page, item: string): Promise<void> {
  await page.getByRole('button', { name: 'Extensions' }).click();
  await page.getByRole('menuitem', { name: item, exact: true }).click();
}

test('Extensions → Crustdata: every item, with its prompt and alerts answered in the page', async () => {
  const s = await open(SMALL);
  const { page, backend } = s;
  await page.getByRole('button', { name: 'Extensions' }).click();
  await page.getByRole('menuitem', { name: 'Help' }).waitFor();
  await expect(page.getByRole('menuitem').allTextContents()).resolves.toEqual(['Open sidebar', 'Enrich selected rows', 'Refresh now', 'Set API key…', 'Help']);
  await page.getByRole('button', { name: 'Extensions' }).click();

  // Without a key, Enrich selected rows says what to do first.
  await clickMenu(page, 'Enrich selected rows');
  await expect(answer(page, 'Crustdata', 'OK')).resolves.toMatch(/^Set your Crustdata API key first/);

  // Set API key…: a prompt; Cancel stores nothing, OK stores what was typed.
  await clickMenu(page, 'Set API key…');
  await answer(page, 'Crustdata API key', 'Cancel', 'demo-key');
  expect(backend.apiKeyIsSet()).toBe(false);
  await clickMenu(page, 'Set API key…');
  await answer(page, 'Crustdata API key', 'OK', 'demo-key');
  // Then: share it with the formulas? Yes, so the grid's formulas can use it.
  await expect(answer(page, "Share it with this spreadsheet's formulas?", 'Yes')).resolves.toMatch(/Anyone who can edit this spreadsheet can then spend credits on this key/);
  await expect(answer(page, 'Crustdata', 'OK')).resolves.toMatch(/^Your API key .* is saved\. Formulas in this spreadsheet use the shared key/);
  expect(backend.apiKeyIsSet()).toBe(true);
  await page.locator('#key-hint').waitFor({ state: 'hidden' });

  // Enrich selected rows: select column A, confirm with Yes, read the summary.
  await page.locator('#grid th.col-head[data-column="1"]').click();
  await page.locator('#selection', { hasText: 'Leads!A1:A9' }).waitFor();
  await clickMenu(page, 'Enrich selected rows');
  await expect(answer(page, 'Enrich selected rows?', 'Yes')).resolves.toMatch(/^8 rows of column A in Leads/);
  await expect(answer(page, 'Crustdata', 'OK')).resolves.toMatch(/^Done: 8 rows\. 8 enriched/);
  await cell(page, 1, 2).filter({ hasText: 'Crustdata status' }).waitFor();
  await cell(page, 1, 3).filter({ hasText: 'Name' }).waitFor();

  await clickMenu(page, 'Refresh now');
  await answer(page, 'Refresh now', 'OK');
  await clickMenu(page, 'Help');
  await expect(answer(page, 'Crustdata for Google Sheets', 'OK')).resolves.toContain('=CRUSTDATA_ENRICH(A2:A50)');

  // Open sidebar opens it again (the frame reloads).
  const executions = backend.emulator.executions.length;
  await clickMenu(page, 'Open sidebar');
  await page.locator('#event', { hasText: 'Open sidebar: done' }).waitFor();
  expect(backend.emulator.executions.slice(executions).some((e) => e.functionName === 'menuOpenSidebar' && e.mode === 'FULL')).toBe(true);
  const sidebar: Frame = await sidebarFrame(page);
  await sidebar.getByRole('heading', { name: 'API key' }).waitFor();
  expect(s.dialogs).toEqual([]);
});

test('Keep fresh: an open sidebar shows each run after +1 day and +1 week, with the earlier runs', async () => {
  const s = await open(SMALL);
  const { page } = s;
  await useDemoKey(s);
  const sidebar = s.sidebar;
  await waitForEstimate(sidebar);
  await sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(sidebar, 'done');
  const keepFresh = sidebar.locator('section.schedule');
  await keepFresh.getByRole('button', { name: 'Keep fresh' }).click();
  await keepFresh.locator('.schedule-status', { hasText: 'On: every day at 06:00, rows older than 7 days.' }).waitFor();
  const lastRun = keepFresh.locator('.last-run');
  await expect(lastRun.isHidden()).resolves.toBe(true);

  // A day passes: the scheduled run finds nothing older than 7 days, and the open sidebar says so.
  await page.getByRole('button', { name: '+1 day' }).click();
  await lastRun.filter({ hasText: /nothing was older than the refresh threshold/ }).waitFor();

  const firstRun = await lastRun.textContent();

  // A week passes: one of the daily runs finds the rows older than 7 days and refreshes them.
  await page.getByRole('button', { name: '+1 week' }).click();
  await lastRun.filter({ hasNotText: firstRun! }).waitFor();
  const earlier = keepFresh.locator('.earlier-runs');
  await earlier.getByText('Earlier runs').click();
  await keepFresh.locator('.last-run, .earlier-runs li', { hasText: /refreshed 8 rows: no changes/ }).first().waitFor();
  await earlier.locator('li', { hasText: /nothing was older than the refresh threshold/ }).first().waitFor();
  await expect(earlier.locator('li').count()).resolves.toBe(4);
  expect(s.dialogs).toEqual([]);
});
