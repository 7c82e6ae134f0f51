// Keep fresh from the sidebar, in Debian's chromium against the playground: turn the schedule on,
// let people change jobs in the mock and time pass (the emulator runs the add-on's hourly
// trigger), reopen the sidebar to see the last run's summary, then Stop refreshing. The section
// names the range it keeps fresh (or would, when off) all along. Then: a re-run with more field
// groups keeps the refresh's Changes column and its history, and the next run appends to it.
import { FAST_MOCK, saveKey, Session, shootSidebar, useBrowser, waitForEstimate, waitForPhase } from './harness';

jest.setTimeout(240_000);

const HOUR_MS = 3_600_000;
const open = useBrowser();

/** The letter of the sheet's last used column (the add-on's last column on this sample sheet). */
function lastColumnLetter(backend: Session['backend']): string {
  let column = backend.model.sheet('Leads').lastColumn();
  let letters = '';
  for (; column > 0; column = Math.floor((column - 1) / 26)) letters = String.fromCharCode(65 + ((column - 1) % 26)) + letters;
  return letters;
}

interface Status {
  enabled: boolean;
  nextRunAt: number | null;
  lastRun: { at: number; changed: number; refreshed: number; summary: string } | null;
}

test('turn Keep fresh on, see the last run and its changes after a scheduled run, then stop it', async () => {
  const s = await open();
  const { sidebar, page, backend } = s;
  await saveKey(sidebar);
  await waitForEstimate(sidebar);
  await sidebar.locator('section.schedule .schedule-target', { hasText: /^Nothing enriched to keep fresh yet/ }).waitFor();
  await sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(sidebar, 'done');

  const keepFresh = sidebar.locator('section.schedule');
  await keepFresh.getByText('Off.').waitFor();
  // Off, it names what it would keep fresh: the enriched range, header to last row.
  const target = keepFresh.locator('.schedule-target');
  await target.getByText(/^Would keep Leads!A1:[A-Z]+301 fresh\.$/).waitFor();
  const range = (await target.textContent())!.replace(/^Would keep (.*) fresh\.$/, '$1');
  expect(range).toBe(`Leads!A1:${lastColumnLetter(backend)}301`);
  await keepFresh.getByLabel('Refresh rows older than (days)').fill('1');
  await keepFresh.getByLabel('Request fresh data').check();
  await keepFresh.getByText(/its effect|What it does and what it costs depend on your Crustdata account/).waitFor();
  await keepFresh.getByLabel('Request fresh data').uncheck();
  await keepFresh.getByRole('button', { name: 'Keep fresh' }).click();
  await keepFresh.locator('.schedule-status', { hasText: 'On: every day at 06:00, rows older than 1 day.' }).waitFor();
  await keepFresh.getByText(/^Next run /).waitFor();
  await keepFresh.getByRole('button', { name: 'Update schedule' }).waitFor();
  await target.getByText(`Keeps ${range} fresh.`, { exact: true }).waitFor();
  await shootSidebar(s, 'sidebar-keep-fresh', 'section.schedule');

  // Some people change employer or title in the mock data (the page's button).
  await page.getByRole('button', { name: 'People change jobs' }).click();
  await page.locator('#event', { hasText: /people changed in the mock data/ }).waitFor();

  // Time passes, an hour at a time, until the schedule's first run has happened.
  const before = (await backend.call('sidebarScheduleStatus', [])) as Status;
  expect(before).toMatchObject({ enabled: true, lastRun: null });
  let after = before;
  let triggerRuns = 0;
  for (let hour = 0; hour < 3 * 24 && after.lastRun === null; hour++) {
    const report = backend.advance!(HOUR_MS);
    expect(report.failedRuns).toEqual([]);
    triggerRuns += report.triggerRuns;
    after = (await backend.call('sidebarScheduleStatus', [])) as Status;
  }
  expect(after.lastRun).not.toBeNull();
  expect(backend.now()).toBeGreaterThanOrEqual(before.nextRunAt!);
  expect(triggerRuns).toBeGreaterThan(0);
  expect(after.lastRun!.changed).toBeGreaterThan(0);

  // The sidebar shows it the next time it opens (the page's Reopen sidebar reloads its frame).
  await page.getByRole('button', { name: 'Reopen sidebar' }).click();
  const lastRun = sidebar.locator('section.schedule .last-run');
  await lastRun.waitFor();
  await expect(lastRun.textContent()).resolves.toContain(after.lastRun!.summary);
  // The changes are marked in the sheet: a Changes column lists them.
  expect(backend.model.sheet('Leads').displayValues()[0]).toContain('Changes');
  await waitForEstimate(sidebar);
  await shootSidebar(s, 'sidebar-last-run', 'section.schedule');

  await keepFresh.getByRole('button', { name: 'Stop refreshing' }).click();
  await keepFresh.locator('.schedule-status', { hasText: /^Off\.$/ }).waitFor();
  await keepFresh.getByRole('button', { name: 'Keep fresh' }).waitFor();
  // The refresh added its Changes column: the range it would keep fresh grew by one.
  await target.getByText(`Would keep Leads!A1:${lastColumnLetter(backend)}301 fresh.`, { exact: true }).waitFor();
  expect(lastColumnLetter(backend)).not.toBe(range.replace(/^Leads!A1:([A-Z]+)301$/, '$1'));
  const stopped = (await backend.call('sidebarScheduleStatus', [])) as Status;
  expect(stopped).toMatchObject({ enabled: false, nextRunAt: null });
  expect(backend.emulator.triggers.forUser(backend.emulator.users[0])).toEqual([]);
  expect(s.dialogs).toEqual([]);
});

/** Each row (its number and identifier) -> its Changes cell, read from the sheet's cells. */
function changesByRow(backend: Session['backend']): { column: number; rows: Map<string, string> } {
  const sheet = backend.model.sheet('Leads');
  const header = sheet.values()[0].map(String);
  const column = header.indexOf('Changes') + 1;
  expect(header.filter((text) => text === 'Changes')).toHaveLength(1);
  const rows = new Map<string, string>();
  for (let r = 2; r <= sheet.lastRow(); r++) rows.set(`${r} ${String(sheet.cell(r, 1).value)}`, String(sheet.cellAt(r, column)?.value ?? ''));
  return { column, rows };
}

/** Advances the playground's clock an hour at a time until the schedule has run after `since`. */
async function runScheduleAfter(backend: Session['backend'], since: number): Promise<Status> {
  let status = (await backend.call('sidebarScheduleStatus', [])) as Status;
  for (let hour = 0; hour < 4 * 24 && !(status.lastRun && status.lastRun.at > since); hour++) {
    expect(backend.advance!(HOUR_MS).failedRuns).toEqual([]);
    status = (await backend.call('sidebarScheduleStatus', [])) as Status;
  }
  expect(status.lastRun!.at).toBeGreaterThan(since);
  return status;
}

test("re-running with two more field groups keeps Keep fresh's Changes column and its history, and the next run appends to it", async () => {
  const s = await open();
  const { sidebar, page, backend } = s;
  await saveKey(sidebar);
  await waitForEstimate(sidebar);
  await sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(sidebar, 'done');
  const keepFresh = sidebar.locator('section.schedule');
  await keepFresh.getByLabel('Refresh rows older than (days)').fill('1');
  await keepFresh.getByRole('button', { name: 'Keep fresh' }).click();
  await keepFresh.getByRole('button', { name: 'Update schedule' }).waitFor();

  await page.getByRole('button', { name: 'People change jobs' }).click();
  await page.locator('#event', { hasText: /people changed in the mock data/ }).waitFor();
  const first = await runScheduleAfter(backend, 0);
  expect(first.lastRun!.changed).toBeGreaterThan(0);
  const before = changesByRow(backend);
  const entries = [...before.rows.values()].filter(Boolean);
  expect(entries.length).toBe(first.lastRun!.changed);
  const lastColumnBefore = backend.model.sheet('Leads').lastColumn();
  expect(before.column).toBe(lastColumnBefore);

  // The same range again with two more groups: no question about the Changes column.
  await page.getByRole('button', { name: 'Reopen sidebar' }).click();
  await waitForEstimate(s.sidebar);
  await s.sidebar.getByRole('checkbox', { name: /^Education No extra credits/ }).check();
  await s.sidebar.getByRole('checkbox', { name: /^Skills No extra credits/ }).check();
  await waitForEstimate(s.sidebar);
  await expect(s.sidebar.getByText(/cells there hold other data/).count()).resolves.toBe(0);
  await waitForPhase(s.sidebar, 'done');
  s.backend.holdCalls(['sidebarContinueJob']);
  await s.sidebar.getByRole('button', { name: 'Start again', exact: true }).click();
  await waitForPhase(s.sidebar, 'running');
  s.backend.releaseCalls();
  await waitForPhase(s.sidebar, 'done');
  expect(await s.sidebar.getByRole('alertdialog').count()).toBe(0);

  // The new columns went in before it: every entry is still there, the column right after the results.
  const after = changesByRow(backend);
  expect(after.rows).toEqual(before.rows);
  expect(after.column).toBeGreaterThan(before.column);
  expect(after.column).toBe(backend.model.sheet('Leads').lastColumn());
  expect(String(backend.model.sheet('Leads').cell(1, after.column - 1).value)).not.toBe('');

  // People change again; the next run adds lines on top of the same history.
  await page.getByRole('button', { name: 'People change jobs' }).click();
  await page.locator('#event', { hasText: /people changed in the mock data/ }).waitFor();
  const second = await runScheduleAfter(backend, first.lastRun!.at);
  expect(second.lastRun!.changed).toBeGreaterThan(0);
  const later = changesByRow(backend);
  expect(later.column).toBe(after.column);
  let appended = 0;
  expect([...later.rows.keys()]).toEqual([...before.rows.keys()]);
  for (const [row, text] of later.rows) {
    const old = before.rows.get(row)!;
    expect(text.endsWith(old)).toBe(true);
    if (text !== old) appended++;
  }
  expect(appended).toBe(second.lastRun!.changed);
  expect(s.dialogs).toEqual([]);
});

test('an hourly run without the spreadsheet: the Keep fresh panel says what happened and what still works', async () => {
  // Google does not say whether the trigger runs with its document; the playground can run it without.
  const s = await open({ ...FAST_MOCK, triggerDocument: 'detached' });
  const { sidebar, page, backend } = s;
  const mine = () => backend.emulator.triggers.forUser(backend.emulator.users[0]);
  await saveKey(sidebar);
  await waitForEstimate(sidebar);
  await sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(sidebar, 'done');
  const keepFresh = sidebar.locator('section.schedule');
  await keepFresh.getByRole('button', { name: 'Keep fresh' }).click();
  await keepFresh.getByRole('button', { name: 'Update schedule' }).waitFor();
  expect(mine()).toHaveLength(1);
  const notice = keepFresh.locator('.trigger-notice');
  expect(await notice.isVisible()).toBe(false);

  const sent = backend.api!.stats().requests;
  let triggerRuns = 0;
  for (let hour = 0; hour < 3 && triggerRuns === 0; hour++) {
    const report = backend.advance!(HOUR_MS);
    expect(report.failedRuns).toEqual([]);
    triggerRuns += report.triggerRuns;
  }
  expect(triggerRuns).toBe(1);
  expect(mine()).toEqual([]);
  expect(backend.api!.stats().requests).toBe(sent);

  await page.getByRole('button', { name: 'Reopen sidebar' }).click();
  await notice.waitFor();
  const text = (await notice.textContent()) ?? '';
  expect(text).toMatch(/^The hourly run on \d{4}-\d{2}-\d{2} could not open this spreadsheet: Google started it without the document\./);
  expect(text).toContain('Refresh now (Extensions → Crustdata) still works, and so do jobs while this sidebar is open.');
  expect(await notice.getAttribute('role')).toBe('alert');
  await keepFresh.locator('.schedule-status', { hasText: /^On: / }).waitFor();
  expect(await keepFresh.getByText(/^Next run /).count()).toBe(0);
  await shootSidebar(s, 'sidebar-no-document', 'section.schedule');

  // Clicking Update schedule tries again: a new trigger, and the notice goes.
  await keepFresh.getByRole('button', { name: 'Update schedule' }).click();
  await notice.waitFor({ state: 'hidden' });
  expect(mine()).toHaveLength(1);
  expect(s.dialogs).toEqual([]);
});
