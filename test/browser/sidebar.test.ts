// The sidebar in Debian's chromium against the playground (emulator running dist/Code.js, mock
// API): key, groups, estimate, a 300-row job to the end, pause/resume/cancel, reopening, failed
// rows, an error stop, the conflict dialog, hostile text shown as text. Takes the README's screenshots
// (into docs/screenshots/ with UPDATE_SCREENSHOTS=1, else out/screenshots/).
import { SPECIAL } from '../../dev/mock-api/dataset';
import { classifyIdentifier } from '../../src/core/identifiers';
import {
  count,
  lowContrastText,
  reopenSidebar,
  saveKey,
  Session,
  shootPage,
  shootSidebar,
  useBrowser,
  waitForEstimate,
  waitForPhase,
} from './harness';

jest.setTimeout(240_000);

const HOSTILE = '<img src=x onerror=alert(1)>';
const open = useBrowser();

/** Rows of the sample sheet whose status column says `prefix`. */
function statusCounts(s: Session): Record<string, number> {
  const sheet = s.backend.model.sheet('Leads');
  const header = sheet.displayValues()[0];
  const statusColumn = header.indexOf('Crustdata status') + 1;
  expect(statusColumn).toBeGreaterThan(0);
  const tally: Record<string, number> = {};
  for (let row = 2; row <= 301; row++) {
    const text = sheet.display(sheet.cellAt(row, statusColumn));
    const kind = text === '' ? 'blank' : text.split(/[ :]/)[0];
    tally[kind] = (tally[kind] ?? 0) + 1;
  }
  return tally;
}

test('set a key, pick groups, see the estimate and run a 300-row job to the end; hostile text stays text', async () => {
  const s = await open();
  const { sidebar, page } = s;

  // Idle, no key yet: Start is blocked with a reason.
  await sidebar.getByText('No key yet.').waitFor();
  await waitForPhase(sidebar, 'idle');
  await sidebar.getByText('Save an API key first.').waitFor();
  await shootSidebar(s, 'sidebar-idle');
  expect(await lowContrastText(sidebar)).toEqual([]);

  // Every control has an accessible name, so the sidebar works with a keyboard and a screen reader.
  const unnamed = await sidebar.evaluate(() =>
    Array.from(document.querySelectorAll('input, select, button'))
      .filter((el) => !(el as HTMLElement).closest('[hidden]'))
      .filter((el) => {
        const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
        return !labelled && !(el.tagName === 'BUTTON' && el.textContent?.trim());
      })
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  expect(unnamed).toEqual([]);

  await saveKey(sidebar);
  await sidebar.getByText('Key ••••').waitFor();
  // The key is stored on the server side only: the sidebar's page never holds it.
  expect(await sidebar.content()).not.toContain('demo-key');
  expect(await sidebar.getByRole('textbox', { name: 'API key' }).count()).toBe(0);

  await sidebar.getByRole('button', { name: 'Test connection' }).click();
  await sidebar.getByText(/The key works/).waitFor();
  await sidebar.getByText(/600 requests/).waitFor();

  // A range dragged in the grid is what Use selection takes; a column header click takes it all.
  await page.locator('#grid td[data-row="2"][data-column="1"]').hover();
  await page.mouse.down();
  await page.locator('#grid td[data-row="41"][data-column="1"]').hover();
  await page.mouse.up();
  await page.locator('#selection', { hasText: 'Selection: Leads!A2:A41' }).waitFor();
  await sidebar.getByRole('button', { name: 'Use selection' }).click();
  await sidebar.getByText('From your selection: column A, 40 data rows.').waitFor();
  expect(await sidebar.getByLabel('From row').inputValue()).toBe('2');
  expect(await sidebar.getByLabel('To row').inputValue()).toBe('41');
  await page.locator('#grid th.col-head', { hasText: /^A$/ }).click();
  await page.locator('#selection', { hasText: 'Selection: Leads!A1:A301' }).waitFor();
  await sidebar.getByRole('button', { name: 'Use selection' }).click();
  await sidebar.getByText('From your selection: column A, 300 data rows.').waitFor();
  expect(await sidebar.getByLabel('First row is a header').isChecked()).toBe(true);

  // Groups picked; the estimate follows the choice.
  await sidebar.getByLabel(/^Basic profile/).check();
  await sidebar.getByLabel(/^Experience/).check();
  await waitForEstimate(sidebar);
  const figures = sidebar.locator('.estimate dl.figures');
  await figures.getByText('300 (9 blank, 5 invalid)').waitFor();
  await sidebar.getByLabel(/^Contact/).check();
  await waitForEstimate(sidebar);
  const credits = await figures.locator('dt:text-is("Credits") + dd').textContent();
  expect(credits).toMatch(/^about [\d,]+( \(rough guess\))?, up to [\d,]+$/);
  expect(Number(credits!.replace(/\D/g, ''))).toBeGreaterThan(273);
  await sidebar.getByLabel(/^Contact/).uncheck();
  await waitForEstimate(sidebar);
  expect(await figures.locator('dt:text-is("Requests") + dd').textContent()).toBe('12');
  await shootSidebar(s, 'sidebar-estimate', 'section.run');
  expect(await lowContrastText(sidebar)).toEqual([]);

  // The first continue call waits until the running phase has shown: answers come at once.
  s.backend.holdCalls(['sidebarContinueJob']);
  await sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(sidebar, 'running');
  s.backend.releaseCalls();
  await waitForPhase(sidebar, 'done');
  expect(await count(sidebar, 'done')).toBe(300);
  expect(await count(sidebar, 'matched')).toBe(281);
  expect(await count(sidebar, 'invalid')).toBe(5);
  await expect(sidebar.locator('.progress-panel .progress-text').textContent()).resolves.toBe('Finished: 300 rows.');
  await shootSidebar(s, 'sidebar-done', 'section.run');

  // Every data row has a status in the sheet: enriched, not found, invalid, or blank.
  expect(statusCounts(s)).toEqual({ Enriched: 281, 'Not': 5, Invalid: 5, blank: 9 });

  // The grid shows the hostile headline as text; no element or dialog came of it anywhere.
  const hostileCell = page.locator('#grid td', { hasText: HOSTILE });
  await hostileCell.first().waitFor();
  expect(await hostileCell.first().textContent()).toBe(HOSTILE);
  expect(await page.locator('img').count()).toBe(0);
  expect(await sidebar.locator('img').count()).toBe(0);
  expect(s.dialogs).toEqual([]);
  // The playground as the README shows it: the top of the enriched sheet, the hostile cell selected.
  await page.locator('#grid').evaluate((el) => {
    el.scrollTop = 0;
    el.scrollLeft = 0;
  });
  await hostileCell.first().click();
  await page.locator('#selection', { hasText: /^Selection: Leads![A-Z]+6$/ }).waitFor();
  await page.locator('#grid').evaluate((el) => (el.scrollTop = 0));
  await shootPage(s, 'playground');
  expect(s.backend.model.sheet('Leads').displayValues().some((row) => row.includes(HOSTILE))).toBe(true);
  expect(SPECIAL.htmlHeadline.profileUrl).toContain('html-headline');
});

test('pause, reopen the sidebar, resume to the end, then cancel a re-run', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);

  // Let one continue call through, hold the next: the job is mid-way, deterministically.
  s.backend.holdCalls(['sidebarContinueJob'], 1);
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await s.sidebar.locator('.progress-text', { hasText: /^[1-9][\d,]* of 300 rows done/ }).waitFor();
  await waitForPhase(s.sidebar, 'running');
  const progressbar = s.sidebar.getByRole('progressbar');
  const percent = Number(await progressbar.getAttribute('aria-valuenow'));
  expect(percent).toBeGreaterThan(0);
  expect(percent).toBeLessThan(100);
  await shootSidebar(s, 'sidebar-running', 'section.run');
  expect(await lowContrastText(s.sidebar)).toEqual([]);

  // By keyboard: Enter on Pause; once paused, the focus sits on Resume.
  await s.sidebar.getByRole('button', { name: 'Pause' }).focus();
  await s.page.keyboard.press('Enter');
  await waitForPhase(s.sidebar, 'pausing');
  s.backend.releaseCalls();
  await waitForPhase(s.sidebar, 'paused');
  await expect(s.sidebar.getByRole('button', { name: 'Resume' }).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  const pausedAt = await count(s.sidebar, 'done');
  expect(pausedAt).toBeGreaterThan(0);
  expect(pausedAt).toBeLessThan(300);
  await s.sidebar.getByRole('button', { name: 'Resume' }).waitFor();
  await shootSidebar(s, 'sidebar-paused', 'section.run');
  expect(await lowContrastText(s.sidebar)).toEqual([]);

  // Nothing runs while paused: the server's cursor stays where it was.
  const status = (await s.backend.call('sidebarGetState', [])) as { job: { processed: number; state: string } };
  expect(status.job).toMatchObject({ state: 'paused', processed: pausedAt });

  // Closing and reopening the sidebar shows the paused job and offers Resume.
  await reopenSidebar(s);
  await waitForPhase(s.sidebar, 'paused');
  await s.sidebar.getByText(/A job on this sheet is paused/).waitFor();
  expect(await count(s.sidebar, 'done')).toBe(pausedAt);
  await s.sidebar.getByRole('button', { name: 'Resume' }).click();
  await waitForPhase(s.sidebar, 'done');
  expect(await count(s.sidebar, 'done')).toBe(300);
  expect(statusCounts(s)).toEqual({ Enriched: 281, 'Not': 5, Invalid: 5, blank: 9 });

  // A re-run of every row (answered from the cache), cancelled before its first slice ends.
  await s.sidebar.getByLabel('Re-enrich rows already enriched').check();
  s.backend.holdCalls(['sidebarContinueJob']);
  await s.sidebar.getByRole('button', { name: 'Start again' }).click();
  await waitForPhase(s.sidebar, 'running');
  await s.sidebar.getByRole('button', { name: 'Cancel' }).click();
  await waitForPhase(s.sidebar, 'cancelling');
  s.backend.releaseCalls();
  await waitForPhase(s.sidebar, 'cancelled');
  expect(await count(s.sidebar, 'done')).toBe(0);
  await s.sidebar.getByText('Cancelled after 0 of 300 rows.').first().waitFor();
  await s.sidebar.getByRole('button', { name: 'Start again' }).waitFor();
  const after = (await s.backend.call('sidebarGetState', [])) as { job: { state: string; processed: number } };
  expect(after.job).toMatchObject({ state: 'cancelled', processed: 0 });
});

test('failed rows are counted and selected by Show failed rows; a job whose columns vanish stops with an error', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);

  // A few people's requests always come back broken, whatever the timing: the engine retries a
  // broken answer like a 5xx, the job tries failed rows once more, and then those batches fail;
  // their rows' status says so. (Random faults would make "some rows fail" depend on timing.)
  const column = s.backend.model.sheet('Leads').values().map((row) => row[0]);
  const failing = [40, 150, 260].map((row) => classifyIdentifier(column[row])).flatMap((id) => (id.kind === 'profile_url' || id.kind === 'business_email' ? [id.normalized] : []));
  expect(failing.length).toBeGreaterThan(0);
  s.backend.api!.failIdentifiers(failing, { type: 'malformed' });
  s.backend.api!.setLatencyModel({ baseMs: 500, perIdentifierMs: 0, errorMs: 500 });
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForPhase(s.sidebar, 'done');
  const failed = await count(s.sidebar, 'failed');
  expect(failed).toBeGreaterThan(0);
  await s.sidebar.getByRole('button', { name: 'Show failed rows' }).click();
  await s.sidebar.getByText(new RegExp(`^Selected ${failed} rows in the sheet: `)).waitFor();
  // The grid's selection moved to the failed rows.
  await s.page.locator('#selection', { hasText: /^Selection: Leads!B\d+/ }).waitFor();
  expect(statusCounts(s).Error).toBe(failed);

  // A re-run whose result columns are deleted before it writes stops instead of writing in the
  // wrong place.
  s.backend.api!.clearFaults();
  await s.sidebar.getByLabel('Re-enrich rows already enriched').check();
  s.backend.holdCalls(['sidebarContinueJob']);
  await s.sidebar.getByRole('button', { name: 'Start again' }).click();
  await waitForPhase(s.sidebar, 'running');
  s.backend.model.sheet('Leads').deleteColumns(2, 4);
  s.backend.releaseCalls();
  await waitForPhase(s.sidebar, 'error');
  await s.sidebar.locator('.job-message', { hasText: /deleted or moved/ }).waitFor();
  // The job is over; a new start is what is offered.
  await s.sidebar.getByRole('button', { name: 'Start again' }).waitFor();
  expect(await s.sidebar.getByRole('button', { name: 'Resume' }).isVisible()).toBe(false);
  await shootSidebar(s, 'sidebar-error', 'section.run');
});

test('the conflict dialog protects user data: cancel, another place, or insert new columns', async () => {
  const s = await open();
  // The user's own notes sit right where the results would go.
  s.backend.model.setValues('Leads!B1', [['My notes'], ['call back Tuesday'], [HOSTILE]], { parse: false });
  await s.page.locator('#grid td', { hasText: 'call back Tuesday' }).waitFor();
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);
  await s.sidebar.getByText(/cells there hold other data/).waitFor();

  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  const dialog = s.sidebar.getByRole('alertdialog', { name: 'Those columns hold other data' });
  await dialog.waitFor();
  await dialog.getByText(/3 cells in/).waitFor();
  // The user's text, hostile or not, is shown as text in the dialog.
  await dialog.locator('li', { hasText: HOSTILE }).waitFor();
  expect(await s.sidebar.locator('img').count()).toBe(0);
  // The first choice has the focus; Escape closes without writing.
  await expect(dialog.getByRole('button', { name: 'Insert new columns' }).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  await shootSidebar(s, 'sidebar-conflict');
  expect(await lowContrastText(s.sidebar)).toEqual([]);
  await s.page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await s.sidebar.getByText('Nothing was written.').waitFor();
  expect(s.backend.model.sheet('Leads').displayValues()[1][1]).toBe('call back Tuesday');

  // Choose another place: a column letter is required.
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Choose another place' }).click();
  await dialog.getByLabel('First column to write to').fill('7');
  await dialog.getByRole('button', { name: 'Write there' }).click();
  await dialog.getByText('Type a column letter, such as K.').waitFor();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // Insert new columns: the job runs, and the notes move right, intact.
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Insert new columns' }).click();
  await waitForPhase(s.sidebar, 'done');
  const rows = s.backend.model.sheet('Leads').displayValues();
  const notesColumn = rows[0].indexOf('My notes');
  expect(notesColumn).toBeGreaterThan(1);
  expect(rows[1][notesColumn]).toBe('call back Tuesday');
  expect(rows[2][notesColumn]).toBe(HOSTILE);
  expect(rows[0]).toContain('Crustdata status');
  expect(s.dialogs).toEqual([]);
});
