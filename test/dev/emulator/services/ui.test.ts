// The Ui fake records menus, sidebars and dialogs, and answers alerts and prompts from a script.
import { AppsScriptEmulator } from '../../../../dev/emulator';

const SOURCE = `
function onOpen(e) {
  var ui = SpreadsheetApp.getUi();
  ui.createAddonMenu()
    .addItem('Open sidebar', 'openSidebar')
    .addSeparator()
    .addSubMenu(ui.createMenu('More').addItem('Help', 'help'))
    .addToUi();
}
function openSidebar() {
  SpreadsheetApp.getUi().showSidebar(HtmlService.createHtmlOutput('<p>side</p>').setTitle('Crustdata').setWidth(900));
}
function help() { return SpreadsheetApp.getUi().alert('Help', 'Read the README', SpreadsheetApp.getUi().ButtonSet.OK); }
function askKey() {
  var ui = SpreadsheetApp.getUi();
  var response = ui.prompt('Set API key', 'Paste your key', ui.ButtonSet.OK_CANCEL);
  return [String(response.getSelectedButton()), response.getResponseText(), response.getSelectedButton() == ui.Button.OK];
}
function confirm() { var ui = SpreadsheetApp.getUi(); return ui.alert('Enrich 300 rows?', ui.ButtonSet.YES_NO) == ui.Button.YES; }
`;

function emulator() {
  return new AppsScriptEmulator({ addOnName: 'Crustdata' }).loadSource(SOURCE);
}

describe('Ui', () => {
  it('records the add-on menu built by onOpen', () => {
    const emu = emulator();
    emu.openDocument('NONE');
    expect(emu.ui.addOnMenu).toEqual({
      caption: 'Crustdata',
      addOn: true,
      entries: [
        { caption: 'Open sidebar', functionName: 'openSidebar' },
        { separator: true },
        { caption: 'More', submenu: [{ caption: 'Help', functionName: 'help' }] },
      ],
    });
  });

  it('records a sidebar, always 300 px wide', () => {
    const emu = emulator();
    emu.openDocument();
    emu.clickMenuItem('Open sidebar');
    expect(emu.ui.sidebar).toMatchObject({ kind: 'sidebar', title: 'Crustdata', content: '<p>side</p>', width: 300 });
  });

  it('answers prompts and alerts from scripted answers, in order', () => {
    const emu = emulator();
    emu.ui.answerNext({ button: 'OK', text: 'sk_live_123' }, 'CANCEL', 'YES');
    expect(emu.call('askKey')).toEqual(['OK', 'sk_live_123', true]);
    expect(emu.call('askKey')).toEqual(['CANCEL', '', false]);
    expect(emu.call('confirm')).toBe(true);
    expect(emu.ui.dialogs.map((d) => [d.kind, d.title, d.prompt, d.buttons])).toEqual([
      ['prompt', 'Set API key', 'Paste your key', 'OK_CANCEL'],
      ['prompt', 'Set API key', 'Paste your key', 'OK_CANCEL'],
      ['alert', '', 'Enrich 300 rows?', 'YES_NO'],
    ]);
  });

  it('fails loudly when a dialog has no scripted answer', () => {
    const emu = emulator();
    expect(emu.run('help').error).toMatch(/no scripted answer for Ui\.alert\("Read the README"\)/);
  });

  it('a handler can answer instead (the playground asks its user)', () => {
    const emu = emulator();
    emu.ui.handler = (dialog) => (dialog.kind === 'prompt' ? { text: 'typed' } : 'OK');
    expect(emu.call('askKey')).toEqual(['OK', 'typed', true]);
  });
});
