// The API key section in Debian's chromium against the playground: it says which key this
// spreadsheet's formulas use (only ever one shared with it), and sharing a key asks first, saying
// that anyone who can edit the spreadsheet can then spend credits on it.
import { DEMO_API_KEY } from '../../dev/mock-api/handler';
import { syntheticProfileUrl } from '../../dev/mock-api/dataset';
import type { SidebarState } from '../../src/common/contract';
import { saveKey, useBrowser } from './harness';

jest.setTimeout(240_000);

const open = useBrowser();
const WARNING = 'Anyone who can edit this spreadsheet can then spend credits on this key.';

test('the key section says which key formulas use; sharing asks first, and Stop sharing takes it back', async () => {
  const s = await open();
  const { sidebar } = s;
  const state = async () => ((await s.backend.call('sidebarGetState', [])) as SidebarState).apiKey;
  const formulaLine = sidebar.locator('.formula-key');
  const confirm = sidebar.getByRole('group', { name: 'Confirm' });
  const formula = () => s.backend.emulator.runCustomFunction('Z2', 'CRUSTDATA_ENRICH', [syntheticProfileUrl(3)]);

  await formulaLine.getByText(/use no key: they show an error until a key is shared with them\.$/).waitFor();
  await saveKey(sidebar);
  await sidebar.locator('.key-status').getByText(/· your own · 15 requests a minute$/).waitFor();
  // A key of one's own is not the formulas' key.
  await formulaLine.getByText(/use no key/).waitFor();
  expect(formula().error).toMatch(/^No API key for formulas in this spreadsheet: open Extensions → Crustdata → Open sidebar/);

  // Share, then think again: nothing is shared.
  await sidebar.getByRole('button', { name: 'Share with formulas' }).click();
  await confirm.getByText(WARNING, { exact: false }).waitFor();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  expect((await state()).formulas).toBeNull();

  // Share for real: the line names the shared key and who shared it; the formula works.
  await sidebar.getByRole('button', { name: 'Share with formulas' }).click();
  await confirm.getByRole('button', { name: 'Share' }).click();
  await sidebar.getByText("Your key is shared with this spreadsheet's formulas.").waitFor();
  await formulaLine.getByText(/use the shared key ••••\S*, shared by you\.$/).waitFor();
  expect(await sidebar.getByRole('button', { name: 'Share with formulas' }).isVisible()).toBe(false);
  expect((await state()).formulas).toEqual({ masked: expect.stringMatching(/^••••/), sharedByYou: true, isYourKey: true });
  expect(formula().ok).toBe(true);

  // Stop sharing asks too, then the formulas have no key again.
  await sidebar.getByRole('button', { name: 'Stop sharing' }).click();
  await confirm.getByText(/Formulas in this spreadsheet then have no key/).waitFor();
  await confirm.getByRole('button', { name: 'Stop sharing' }).click();
  await formulaLine.getByText(/use no key/).waitFor();
  expect((await state()).formulas).toBeNull();

  // A new key chosen to be shared from the form: asked before it leaves the page.
  await sidebar.getByRole('button', { name: 'Remove key' }).click();
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await sidebar.getByRole('textbox', { name: 'API key' }).fill(DEMO_API_KEY);
  await sidebar.getByLabel('Share with this spreadsheet').check();
  await sidebar.getByRole('button', { name: 'Save key' }).click();
  await confirm.getByText(WARNING, { exact: false }).waitFor();
  expect((await state()).isSet).toBe(false);
  await confirm.getByRole('button', { name: 'Share' }).click();
  await sidebar.getByText('Key saved.').waitFor();
  await sidebar.locator('.key-status').getByText(/· shared with this spreadsheet · 15 requests a minute$/).waitFor();
  await formulaLine.getByText(/shared by you\.$/).waitFor();
  expect(await state()).toMatchObject({ isSet: true, scope: 'document', hasOwnKey: false, formulas: { sharedByYou: true } });

  expect(await sidebar.content()).not.toContain(DEMO_API_KEY);
  expect(s.dialogs).toEqual([]);
});
