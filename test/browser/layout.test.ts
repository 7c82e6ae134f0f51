// The sidebar at its real size (300 px wide, 600 high) in Debian's chromium against the
// playground: Start in view without scrolling, a short way to it by keyboard, a set key folded to
// one line, the default fields shown on their groups with the columns they write, field paths
// that wrap at their dots, a dropped connection in plain words with Try again, and text contrast
// at WCAG AA in each of these states.
import type { Page } from 'playwright-core';
import { CONNECTION_LOST_MESSAGE } from '../../sidebar/src/client';
import type { Estimate, SidebarState } from '../../src/common/contract';
import { lowContrastText, saveKey, Session, sidebarFrame, useBrowser, waitForEstimate } from './harness';

jest.setTimeout(240_000);

const open = useBrowser();

/** The sidebar alone in a 300×600 window, as Sheets shows it on a small laptop. */
async function smallSidebar(s: Session): Promise<Page> {
  const page = await s.page.context().newPage();
  await page.setViewportSize({ width: 300, height: 600 });
  await page.goto(new URL('/sidebar', s.playground.url).toString());
  await page.getByRole('heading', { name: 'API key' }).waitFor();
  return page;
}

test('at 300×600 Start is in view without scrolling, a short way in by keyboard, with the estimate beside it', async () => {
  const s = await open();
  // A key saved before the sidebar opens: the key section folds to one line.
  await s.backend.call('sidebarSaveApiKey', [{ apiKey: 'demo-key', scope: 'user' }]);
  const page = await smallSidebar(s);
  try {
    await page.locator('.estimate[aria-busy="false"] dl.figures').waitFor();
    const start = page.getByRole('button', { name: 'Start', exact: true });
    await start.waitFor();
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    // The page is taller than the window, yet Start sits inside it, enabled, not covered.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeGreaterThan(600);
    const box = (await start.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(600);
    expect(await start.isEnabled()).toBe(true);
    expect(await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.textContent, { x: box.x + box.width / 2, y: box.y + box.height / 2 })).toBe('Start');
    // The estimate in one line next to it.
    const bar = page.locator('.action-bar .bar-status');
    expect(await bar.textContent()).toMatch(/^300 rows: \d+ requests?, about [\d,]+ credits? \(up to [\d,]+\), .+ at 15\/min\.$/);
    // Nothing wider than the sidebar.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(300);

    // The key: one line, its buttons folded away until asked for.
    const keySummary = page.locator('.key-summary');
    expect(await keySummary.innerText()).toMatch(/^API KEY\s+••••\S* · set$/i);
    expect((await keySummary.boundingBox())!.height).toBeLessThan(40);
    expect(await page.getByRole('button', { name: 'Replace key' }).isVisible()).toBe(false);

    // By keyboard from the top: Start within 22 presses (it took 51 before; the eleven field groups
    // are most of them, and the folded Match options line is one stop, its controls none until opened).
    let presses = 0;
    while (presses < 60) {
      await page.keyboard.press('Tab');
      presses++;
      if (await start.evaluate((el) => el === document.activeElement)) break;
    }
    expect(presses).toBeLessThanOrEqual(22);
    // And it is still in view once focused there.
    const focused = (await start.boundingBox())!;
    expect(focused.y + focused.height).toBeLessThanOrEqual(600);
    expect(await lowContrastText(page.mainFrame())).toEqual([]);

    // The key section opens from its line.
    await keySummary.click();
    await page.getByRole('button', { name: 'Replace key' }).waitFor();
  } finally {
    await page.close();
  }
});

test('the default fields show on their groups, picker closed, and the summary names the columns the server will write', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);
  const state = (await s.backend.call('sidebarGetState', [])) as SidebarState;
  // The stored default: single fields of three groups.
  expect(state.settings.fields.length).toBe(6);
  expect(state.settings.fields.every((field) => field.includes('.'))).toBe(true);
  expect(await s.sidebar.locator('details.advanced').evaluate((el) => (el as HTMLDetailsElement).open)).toBe(false);
  const basic = s.sidebar.getByLabel(/^Basic profile/);
  expect(await basic.evaluate((el) => (el as HTMLInputElement).indeterminate)).toBe(true);
  expect(await basic.isChecked()).toBe(false);
  await s.sidebar.locator('.group .partial', { hasText: /^Only: Name, Headline, / }).waitFor();

  const estimate = (await s.backend.call('sidebarEstimate', [{ source: state.source, settings: state.settings }])) as Estimate;
  const dataColumns = estimate.headers.length - 1;
  expect(dataColumns).toBeGreaterThan(6); // the current employer alone is several columns
  await s.sidebar.getByText(`Chosen: 6 fields, written as ${dataColumns} columns and a status column.`).waitFor();

  // What is written is what was said: the job's header row has exactly those columns.
  await s.sidebar.getByRole('button', { name: 'Start', exact: true }).click();
  await s.sidebar.locator('section.run[data-phase="done"]').waitFor();
  const header = s.backend.model.sheet('Leads').displayValues()[0].filter((cell) => cell !== '');
  expect(header.length).toBe(1 + 1 + dataColumns); // identifiers, status, data
  expect(header.slice(1)).toEqual(estimate.headers);

  // A whole group ticked: its box is no longer mixed and its "Only" line goes.
  await basic.check();
  expect(await basic.evaluate((el) => (el as HTMLInputElement).indeterminate)).toBe(false);
  expect(await s.sidebar.locator('.group .partial', { hasText: /^Only: Name/ }).count()).toBe(0);
});

test('field paths wrap at their dots, the label first', async () => {
  const s = await open();
  await s.sidebar.getByText('Pick single fields').click();
  const row = s.sidebar.locator('.path').filter({ hasText: 'experience.employment_details.current' }).first();
  await row.waitFor();
  const label = row.locator('label');
  const human = (await label.locator('.path-label').textContent())!;
  expect(human.length).toBeGreaterThan(0);
  expect(human).not.toContain('.');
  const parts = await label.evaluate((el) => Array.from(el.children).map((child) => child.className));
  expect(parts).toEqual(['path-label', 'gray mono path-name']);
  // A line-break opportunity after every dot, and nothing overflows the 300 px sidebar.
  expect(await label.locator('.path-name wbr').count()).toBe(2);
  const widths = await s.sidebar.locator('.path-list').evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  expect(widths.scroll).toBeLessThanOrEqual(widths.client);
  expect(await lowContrastText(s.sidebar)).toEqual([]);
});

test('a dropped connection reads in plain words with Try again, which carries on what was asked', async () => {
  const s = await open();
  await saveKey(s.sidebar);
  await waitForEstimate(s.sidebar);
  await s.page.route('**/rpc', (route) => route.abort('internetdisconnected'));
  await s.sidebar.getByRole('button', { name: 'Test connection' }).click();
  const alert = s.sidebar.locator('.notice.error');
  await alert.getByText(CONNECTION_LOST_MESSAGE).waitFor();
  expect(await alert.innerText()).not.toMatch(/NetworkError|HTTP 0/);
  const tryAgain = alert.getByRole('button', { name: 'Try again' });
  await tryAgain.waitFor();
  expect(await lowContrastText(s.sidebar)).toEqual([]);

  await s.page.unroute('**/rpc');
  await tryAgain.click();
  await s.sidebar.getByText(/The key works/).waitFor();
  expect(await alert.isVisible()).toBe(false);

  // The same for a sidebar that cannot load at all.
  await s.page.route('**/rpc', (route) => route.abort('internetdisconnected'));
  await s.sidebar.goto(new URL('/sidebar', s.playground.url).toString());
  s.sidebar = await sidebarFrame(s.page);
  await s.sidebar.getByText(CONNECTION_LOST_MESSAGE).waitFor();
  await s.page.unroute('**/rpc');
  await s.sidebar.getByRole('button', { name: 'Try again' }).first().click();
  await s.sidebar.getByRole('heading', { name: 'API key' }).waitFor();
  expect(s.dialogs).toEqual([]);
});
