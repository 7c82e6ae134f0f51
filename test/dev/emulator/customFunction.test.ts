// Custom functions run as Sheets runs them: the formula cell is the active range, the spreadsheet
// is read-only, only a few services are allowed, 30 s of time, and the result is shaped like Sheets
// shows it (a value, a column for a 1-D array, a block for a 2-D array, errors as #ERROR!).
import { AppsScriptEmulator, sheetsShape, SpreadsheetModel, VirtualClock } from '../../../dev/emulator';
import { scriptedTransport } from './helpers';

const SOURCE = `
/** @customfunction */
function DOUBLE(x) { return x * 2; }
function WHERE() {
  var range = SpreadsheetApp.getActiveRange();
  return [[range.getRow(), range.getColumn(), range.getNumRows()]];
}
function NEIGHBOURS() {
  var cell = SpreadsheetApp.getActiveRange();
  return SpreadsheetApp.getActiveSheet().getRange(cell.getRow(), 1, 3, 1).getValues();
}
function WRITES() { SpreadsheetApp.getActiveRange().setValue('sneaky'); return 'wrote'; }
function SLOW(seconds) { Utilities.sleep(seconds * 1000); return 'finished'; }
function SLOW_FETCH() { return UrlFetchApp.fetch('https://api.crustdata.com/slow').getResponseCode(); }
function USES(service) {
  var calls = {
    triggers: function () { return ScriptApp.getProjectTriggers(); },
    session: function () { return Session.getScriptTimeZone(); },
    ui: function () { return SpreadsheetApp.getUi(); },
    cache: function () { CacheService.getDocumentCache().put('k', 'v'); return CacheService.getDocumentCache().get('k'); },
    properties: function () { return PropertiesService.getUserProperties().getProperty('none'); },
    lock: function () { return LockService.getDocumentLock().tryLock(1000); },
    utilities: function () { return Utilities.base64Encode('a'); },
    html: function () { return HtmlService.createHtmlOutput('<p>x</p>').getContent(); },
  };
  return calls[service]();
}
function FAILS() { throw new Error('Set an API key: Extensions > Crustdata > Set API key'); }
function GRID() { return [[1, 'a'], [2, 'b']]; }
function COLUMN() { return ['x', 'y', 'z']; }
function RAGGED() { return [[1, 2], [3]]; }
function HUGE() { return new Array(50002).join('x'); }
function OBJECT() { return { name: 'Ada' }; }
function NOTHING() {}
function hidden_() { return 1; }
`;

function setup(clock = new VirtualClock(), options: { isAddOn?: boolean } = {}) {
  const model = new SpreadsheetModel({ now: () => clock.now() });
  model.addSheet('Sheet1', [['https://linkedin.com/in/a'], ['https://linkedin.com/in/b'], ['https://linkedin.com/in/c']]);
  const transport = scriptedTransport(() => ({ latencyMs: 31_000 }));
  const emu = new AppsScriptEmulator({ clock, model, transport, isAddOn: options.isAddOn }).loadSource(SOURCE);
  return { emu, model, clock };
}

describe('custom-function mode', () => {
  it('returns the value Sheets shows', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'DOUBLE', [21])).toMatchObject({ ok: true, values: [[42]], mode: 'CUSTOM_FUNCTION' });
  });

  it('makes the formula cell the active range, and leaves the user selection alone', () => {
    const { emu, model } = setup();
    model.select('Sheet1!A1:A3');
    expect(emu.runCustomFunction('Sheet1!B2', 'WHERE').values).toEqual([[2, 2, 1]]);
    expect(model.activeRange().range).toMatchObject({ row: 1, column: 1, endRow: 3 });
  });

  it('can read the neighbouring cells', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'NEIGHBOURS').values).toEqual([
      ['https://linkedin.com/in/a'],
      ['https://linkedin.com/in/b'],
      ['https://linkedin.com/in/c'],
    ]);
  });

  it('is read-only: set* throws "You do not have permission"', () => {
    const { emu, model } = setup();
    const result = emu.runCustomFunction('B1', 'WRITES');
    expect(result.values).toEqual([['#ERROR!']]);
    expect(result.sheetsError?.message).toMatch(/^You do not have permission to call Range\.setValue/);
    expect(model.cell('B1').value).toBe('');
  });

  it.each(['triggers', 'session', 'ui'])('refuses %s (not a custom-function service)', (service) => {
    const { emu } = setup();
    const result = emu.runCustomFunction('B1', 'USES', [service]);
    expect(result.sheetsError).toMatchObject({ code: '#ERROR!', message: expect.stringMatching(/^You do not have permission to call /) });
  });

  it.each(['cache', 'properties', 'lock', 'utilities', 'html'])('allows %s', (service) => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'USES', [service]).ok).toBe(true);
  });

  // https://developers.google.com/workspace/add-ons/editors/sheets: "Custom functions that don't
  // complete in under 30 seconds fail with an `Internal error executing the custom function` error."
  it('in an add-on, fails past 30 seconds with #ERROR! "Internal error executing the custom function."', () => {
    const { emu } = setup();
    expect(emu.isAddOn).toBe(true);
    expect(emu.runCustomFunction('B1', 'SLOW', [29]).values).toEqual([['finished']]);
    const late = emu.runCustomFunction('B1', 'SLOW', [31]);
    expect(late).toMatchObject({ ok: false, timedOut: true, elapsedMs: 30_000, values: [['#ERROR!']] });
    expect(late.sheetsError).toEqual({ code: '#ERROR!', message: 'Internal error executing the custom function.' });
  });

  it('in a bound script, the same timeout shows "Exceeded maximum execution time"', () => {
    const { emu } = setup(new VirtualClock(), { isAddOn: false });
    const late = emu.runCustomFunction('B1', 'SLOW', [31]);
    expect(late.sheetsError).toEqual({ code: '#ERROR!', message: 'Exceeded maximum execution time' });
  });

  it('a fetch that outlives the 30 seconds ends the execution at 30 s', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'SLOW_FETCH')).toMatchObject({ elapsedMs: 30_000, error: 'Internal error executing the custom function.' });
  });

  it('shows a thrown error as #ERROR! with its message', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'FAILS').sheetsError).toEqual({
      code: '#ERROR!',
      message: 'Set an API key: Extensions > Crustdata > Set API key',
    });
  });

  it('knows only top-level, non-private functions (#NAME?)', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'hidden_').sheetsError?.code).toBe('#NAME?');
    expect(emu.runCustomFunction('B1', 'MISSING').sheetsError?.code).toBe('#NAME?');
  });

  it('argsFrom() passes a cell as a value and a range as a 2-D array', () => {
    const { emu } = setup();
    expect(emu.argsFrom('A1', 'A1:A2')).toEqual(['https://linkedin.com/in/a', [['https://linkedin.com/in/a'], ['https://linkedin.com/in/b']]]);
  });
});

describe('result shapes', () => {
  it('2-D arrays are blocks, 1-D arrays are columns, undefined is blank', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'GRID').values).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
    expect(emu.runCustomFunction('B1', 'COLUMN').values).toEqual([['x'], ['y'], ['z']]);
    expect(emu.runCustomFunction('B1', 'NOTHING').values).toEqual([['']]);
  });

  it('refuses ragged rows, objects in cells and text over 50,000 characters', () => {
    const { emu } = setup();
    expect(emu.runCustomFunction('B1', 'RAGGED').sheetsError?.message).toMatch(/rows of different lengths/);
    expect(emu.runCustomFunction('B1', 'OBJECT').sheetsError?.message).toMatch(/returned an object in a cell/);
    expect(emu.runCustomFunction('B1', 'HUGE').sheetsError?.code).toBe('#ERROR!');
  });

  it('sheetsShape maps NaN to #NUM!', () => {
    expect(sheetsShape(NaN, 'F')).toMatchObject({ code: '#NUM!' });
    expect(sheetsShape([[1, null]], 'F')).toEqual({ values: [[1, '']] });
  });
});

describe('spilling into the sheet', () => {
  it('writes the result into empty cells to the right and below', () => {
    const { emu, model } = setup();
    expect(emu.runCustomFunction('C1', 'GRID', [], { spill: true }).ok).toBe(true);
    expect([model.cell('C1').value, model.cell('D1').value, model.cell('C2').value, model.cell('D2').value]).toEqual([1, 'a', 2, 'b']);
    expect(model.cell('C1').formula).toBe('=GRID()');
  });

  it('answers #REF! when the result would overwrite data', () => {
    const { emu, model } = setup();
    model.setValues('B3', [['typed by the user']]);
    const result = emu.runCustomFunction('B2', 'COLUMN', [], { spill: true });
    expect(result.sheetsError).toEqual({ code: '#REF!', message: 'Array result was not expanded because it would overwrite data in B3.' });
    expect(model.cell('B3').value).toBe('typed by the user');
    expect(result.values).toEqual([['#REF!']]);
  });
});
