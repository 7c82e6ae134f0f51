// The add-on menu in the emulator with the real dist/Code.js: onOpen in every auth mode, the
// sidebar, the API key prompt, Enrich selected rows with its confirmations, Help.
import { syntheticBusinessEmail, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import { TEST_KEY, jobWorld, type JobWorld } from './jobHarness';

const CAPTIONS = ['Open sidebar', 'Enrich selected rows', 'Refresh now', 'Set API key…', 'Help'];

function sheetWith(world: JobWorld, rows: number, withKey = true): void {
  const sheet = world.emu.model.addSheet('Leads', [['LinkedIn'], ...Array.from({ length: rows }, (_, n) => [syntheticProfileUrl(n)])]);
  world.emu.model.activateSheet(sheet);
  world.emu.model.select('Leads!A1');
  if (withKey) world.emu.properties.user(world.emu.users[0]).values.set('crustdata.apiKey', TEST_KEY);
}

describe('onOpen', () => {
  test.each(['NONE', 'LIMITED', 'FULL'] as const)('builds the menu in AuthMode.%s without touching properties', (mode) => {
    const world = jobWorld();
    const result = world.emu.openDocument(mode);
    expect(result.ok).toBe(true);
    const menu = world.emu.ui.addOnMenu!;
    expect(menu.entries.filter((entry) => 'caption' in entry).map((entry) => (entry as { caption: string }).caption)).toEqual(CAPTIONS);
    expect(Object.keys(result.calls).filter((name) => /Properties|Cache|UrlFetch/.test(name))).toEqual([]);
    expect(world.emu.loadCalls).toEqual({});
  });
});

describe('menu items', () => {
  test('Open sidebar shows the sidebar titled Crustdata', () => {
    const world = jobWorld();
    world.emu.openDocument('LIMITED');
    expect(world.emu.clickMenuItem('Open sidebar').ok).toBe(true);
    expect(world.emu.ui.sidebar).toMatchObject({ kind: 'sidebar', title: 'Crustdata' });
    expect(world.emu.ui.sidebar!.content.length).toBeGreaterThan(1000);
  });

  test('Set API key stores the key for the user and never shows it back; empty or Cancel change nothing', () => {
    const world = jobWorld();
    world.emu.openDocument('LIMITED');
    world.emu.ui.answerNext({ button: 'OK', text: `  ${TEST_KEY}  ` }, 'NO', 'OK');
    expect(world.emu.clickMenuItem('Set API key…').ok).toBe(true);
    expect(world.emu.properties.user(world.emu.users[0]).values.get('crustdata.apiKey')).toBe(TEST_KEY);
    // Not shared: the formulas still have no key, and the dialogs said so.
    expect(world.emu.properties.document.values.has('crustdata.apiKey')).toBe(false);
    const [prompt, share, done] = world.emu.ui.dialogs.slice(-3);
    expect(prompt.prompt).toMatch(/Formulas \(=CRUSTDATA_ENRICH\) in this spreadsheet use no key/);
    expect(share).toMatchObject({ kind: 'alert', buttons: 'YES_NO' });
    expect(share.prompt).toMatch(/Anyone who can edit this spreadsheet can then spend credits on this key/);
    expect(done.prompt).toMatch(/Formulas in this spreadsheet use no key/);
    const shown = world.emu.ui.dialogs.map((dialog) => dialog.title + dialog.prompt).join('\n');
    expect(shown).toContain(TEST_KEY.slice(-4));
    expect(shown).not.toContain(TEST_KEY);
    expect(world.emu.logText()).not.toContain(TEST_KEY);

    world.emu.ui.answerNext({ button: 'OK', text: '   ' });
    world.emu.clickMenuItem('Set API key…');
    world.emu.ui.answerNext({ button: 'CANCEL', text: 'other-key-123456789' });
    world.emu.clickMenuItem('Set API key…');
    expect(world.emu.properties.user(world.emu.users[0]).values.get('crustdata.apiKey')).toBe(TEST_KEY);
    world.emu.ui.answerNext({ button: 'OK', text: 'not a key' }, 'OK');
    world.emu.clickMenuItem('Set API key…');
    expect(world.emu.properties.user(world.emu.users[0]).values.get('crustdata.apiKey')).toBe(TEST_KEY);
    expect(world.emu.ui.dialogs[world.emu.ui.dialogs.length - 1].prompt).toMatch(/Nothing was saved/);
  });

  test('Set API key, then Yes to sharing: the formulas use it, and an editor sees who shared it', () => {
    const world = jobWorld();
    world.emu.openDocument('LIMITED');
    world.emu.ui.answerNext({ button: 'OK', text: TEST_KEY }, 'YES', 'OK');
    world.emu.clickMenuItem('Set API key…');
    expect(world.emu.properties.document.values.get('crustdata.apiKey')).toBe(TEST_KEY);
    expect(world.emu.ui.dialogs[world.emu.ui.dialogs.length - 1].prompt).toMatch(/Formulas in this spreadsheet use the shared key ••••\w{4} \(shared by you\)/);
    // The same key again: already shared, so no question.
    world.emu.ui.answerNext({ button: 'OK', text: TEST_KEY }, 'OK');
    world.emu.clickMenuItem('Set API key…');
    // An editor setting their own key is told whose key the formulas use, and asked before replacing it.
    world.emu.ui.answerNext({ button: 'OK', text: 'editor-key-87654321' }, 'NO', 'OK');
    world.emu.clickMenuItem('Set API key…', 'editor@example.com');
    const [prompt] = world.emu.ui.dialogs.slice(-3);
    expect(prompt.prompt).toMatch(/use the shared key ••••\w{4} \(shared by another editor\)/);
    expect(world.emu.properties.document.values.get('crustdata.apiKey')).toBe(TEST_KEY);
  });

  test('Enrich selected rows: confirms the estimate, then enriches the selected rows only', () => {
    const world = jobWorld();
    sheetWith(world, 80);
    world.emu.openDocument('LIMITED');
    world.emu.model.select('Leads!A11:A30');
    world.emu.ui.answerNext('YES', 'OK');
    const result = world.emu.clickMenuItem('Enrich selected rows');
    expect(result.ok).toBe(true);
    const [confirm, summary] = world.emu.ui.dialogs.slice(-2);
    expect(confirm).toMatchObject({ kind: 'alert', buttons: 'YES_NO' });
    expect(confirm.prompt).toMatch(/20 rows of column A in Leads/);
    expect(confirm.prompt).toMatch(/in 1 request, at most 20 credits/);
    expect(summary.prompt).toMatch(/^Done: 20 rows. 20 enriched/);
    const sheet = world.emu.model.sheet('Leads');
    expect(sheet.cell(10, 2).value).toBe('');
    expect(String(sheet.cell(11, 2).value)).toMatch(/^Enriched/);
    expect(String(sheet.cell(30, 2).value)).toMatch(/^Enriched/);
    expect(sheet.cell(31, 2).value).toBe('');
    expect(result.elapsedMs).toBeLessThan(6 * 60_000);
    // Google: flush before releaseLock, so the rows are committed while the job still holds them.
    expect(result.calls['SpreadsheetApp.flush']).toBeGreaterThan(0);
    expect(world.emu.unflushedLockReleases).toEqual([]);
  });

  test('Enrich selected rows on business emails with no choice on the sheet yet: the match columns come too', () => {
    const world = jobWorld();
    const sheet = world.emu.model.addSheet('Leads', [['Email'], ...Array.from({ length: 10 }, (_, n) => [syntheticBusinessEmail(n)])]);
    world.emu.model.activateSheet(sheet);
    world.emu.properties.user(world.emu.users[0]).values.set('crustdata.apiKey', TEST_KEY);
    world.emu.openDocument('LIMITED');
    world.emu.model.select('Leads!A1:A11');
    world.emu.ui.answerNext('YES', 'OK');
    expect(world.emu.clickMenuItem('Enrich selected rows').ok).toBe(true);
    const headers = world.emu.model.sheet('Leads').displayValues()[0];
    expect(headers).toEqual(expect.arrayContaining(['Match confidence', 'Match type', 'Match candidates', 'Match ambiguous']));
  });

  test('Enrich selected rows: No writes nothing; data in the way asks insert or overwrite', () => {
    const world = jobWorld();
    sheetWith(world, 30);
    world.emu.openDocument('LIMITED');
    world.emu.model.select('Leads!A1:A31');
    world.emu.ui.answerNext('NO');
    world.emu.clickMenuItem('Enrich selected rows');
    expect(world.emu.model.sheet('Leads').cell(2, 2).value).toBe('');

    world.emu.model.setValues('Leads!B7', [['keep me']]);
    world.emu.ui.answerNext('YES', 'YES', 'OK'); // confirm, insert new columns, summary
    world.emu.clickMenuItem('Enrich selected rows');
    const dialogs = world.emu.ui.dialogs.slice(-3);
    expect(dialogs[1]).toMatchObject({ title: 'Cells in the way', buttons: 'YES_NO_CANCEL' });
    expect(dialogs[1].prompt).toMatch(/B7: keep me/);
    const sheet = world.emu.model.sheet('Leads');
    expect(sheet.cell(1, 2).value).toBe('Crustdata status');
    expect(String(sheet.cell(7, 2).value)).toMatch(/^Enriched/);
    expect(world.emu.model.cell('Leads!B7').value).not.toBe('keep me');
    const kept = [...Array(12).keys()].map((c) => sheet.cell(7, c + 1).value);
    expect(kept).toContain('keep me');
  });

  test('Enrich selected rows without a key, or without identifiers, says what to do', () => {
    const world = jobWorld();
    sheetWith(world, 5, false);
    world.emu.openDocument('LIMITED');
    world.emu.ui.answerNext('OK');
    world.emu.clickMenuItem('Enrich selected rows');
    expect(world.emu.ui.dialogs[world.emu.ui.dialogs.length - 1].prompt).toMatch(/Set API key/);
  });

  test('Help explains the two ways and the costs', () => {
    const world = jobWorld();
    world.emu.openDocument('LIMITED');
    world.emu.ui.answerNext('OK');
    expect(world.emu.clickMenuItem('Help').ok).toBe(true);
    expect(world.emu.ui.dialogs[0].prompt).toMatch(/CRUSTDATA_ENRICH/);
    expect(world.emu.ui.dialogs[0].prompt).toMatch(/credit/);
  });
});
