// The model's test-facing API: set-up from arrays, raw cell state, custom-function results, CSV export, realms.
import * as vm from 'node:vm';
import { createSpreadsheetApp, SpreadsheetModel, UNEVALUATED_FORMULA_VALUE } from '../../../../dev/emulator/spreadsheet';
import { CountingGuard, setup } from './harness';

describe('setting up sheets', () => {
  it('parses rows like typed input by default, or stores them raw', () => {
    const model = new SpreadsheetModel();
    const parsed = model.addSheet('Parsed', [['00123', '=A1', "'007"]]);
    const raw = model.addSheet('Raw', [['00123', '=A1']], { parse: false });
    expect(parsed.cell(1, 1).value).toBe(123);
    expect(parsed.cell('B1').formula).toBe('=A1');
    expect(parsed.cell('C1')).toMatchObject({ value: '007', quotePrefix: true, textForced: true });
    expect(raw.cell(1, 1).value).toBe('00123');
    expect(raw.cell(1, 2)).toMatchObject({ value: '=A1', formula: '' });
    expect(model.activeSheet?.name).toBe('Parsed');
  });

  it('sizes the grid to the data, at least 1000 x 26, or as asked', () => {
    const model = new SpreadsheetModel();
    const wide = model.addSheet('Wide', [new Array(30).fill('x')]);
    expect([wide.maxRows, wide.maxColumns]).toEqual([1000, 30]);
    const small = model.addSheet('Small', [], { maxRows: 10, maxColumns: 3 });
    expect([small.maxRows, small.maxColumns]).toEqual([10, 3]);
  });

  it('reads back the full state of a cell', () => {
    const { model, sheet } = setup([['x']]);
    sheet.getRange('A1').setNote('n').setBackground('#eeeeee').setNumberFormat('@').setFontWeight('bold');
    expect(model.cell('Sheet1!A1')).toEqual({
      value: 'x',
      displayValue: 'x',
      formula: '',
      note: 'n',
      background: '#eeeeee',
      numberFormat: '@',
      fontWeight: 'bold',
      fontColor: '#000000',
      quotePrefix: false,
      textForced: true,
    });
  });

  it('renames and deletes sheets as a user would', () => {
    const model = new SpreadsheetModel();
    model.addSheet('A');
    model.addSheet('B');
    model.renameSheet('B', 'C');
    expect(model.findSheet('C')).toBeDefined();
    expect(() => model.renameSheet('C', 'a')).toThrow('A sheet with the name "a" already exists');
    model.deleteSheet('A');
    expect(model.sheets.map((s) => s.name)).toEqual(['C']);
    expect(model.activeSheet?.name).toBe('C');
  });

  it('refuses to grow the spreadsheet past 10 million cells', () => {
    const model = new SpreadsheetModel();
    const sheet = model.addSheet('Big', [], { maxRows: 100000, maxColumns: 99 });
    expect(() => sheet.insertColumns(1, 2)).toThrow('above the limit of 10000000 cells');
  });

  it('counts revisions so a viewer can poll for changes', () => {
    const { model, sheet } = setup();
    const before = model.revision;
    sheet.getRange('A1').setValue('x');
    expect(model.revision).toBeGreaterThan(before);
  });
});

describe('custom-function results (setFormulaResult)', () => {
  it('puts a scalar in the formula cell', () => {
    const { model, app } = setup([['https://www.linkedin.com/in/ada', '=CRUSTDATA_ENRICH(A1)']]);
    expect(model.cell('B1').value).toBe(UNEVALUATED_FORMULA_VALUE);
    expect(model.setFormulaResult('B1', 'Ada Lovelace')).toEqual({ ok: true });
    expect(app.getActiveSheet().getRange('B1').getValue()).toBe('Ada Lovelace');
    expect(app.getActiveSheet().getRange('B1').getFormula()).toBe('=CRUSTDATA_ENRICH(A1)');
  });

  it('spills a 2-D array right and down without re-parsing values', () => {
    const { model } = setup([['=CRUSTDATA_ENRICH(A2:A3)']]);
    expect(model.setFormulaResult('A1', [['Name', 'Phone'], ['Ada', '+14155550100'], ['Bob', '00123']])).toEqual({ ok: true });
    expect(model.sheet('Sheet1').values()).toEqual([
      ['Name', 'Phone'],
      ['Ada', '+14155550100'],
      ['Bob', '00123'],
    ]);
    expect(model.cell('B3').formula).toBe('');
    // A smaller result clears what the previous one spilled.
    model.setFormulaResult('A1', [['only']]);
    expect(model.sheet('Sheet1').values()).toEqual([['only']]);
  });

  it('fails with #REF! when the spill would overwrite data, as Sheets does', () => {
    const { model } = setup([['=F()', ''], ['', 'in the way']]);
    expect(model.setFormulaResult('A1', [[1, 2], [3, 4]])).toEqual({
      ok: false,
      error: '#REF!',
      message: 'Array result was not expanded because it would overwrite data in B2.',
    });
    expect(model.cell('A1').value).toBe('#REF!');
    expect(model.cell('B1').value).toBe('');
  });

  it('fails with #REF! past the grid, and #ERROR! for an over-long cell', () => {
    const { model } = setup([['=F()']], { maxRows: 2, maxColumns: 2 });
    expect(model.setFormulaResult('A1', [[1], [2], [3]])).toMatchObject({ ok: false, error: '#REF!', message: expect.stringContaining('insert more rows (1)') });
    expect(model.setFormulaResult('A1', 'x'.repeat(50001))).toMatchObject({ ok: false, error: '#ERROR!' });
  });
});

describe('CSV export', () => {
  it('writes display values with RFC 4180 quoting', () => {
    const { model } = setup([
      ['name', 'headline', 'note'],
      ['Ada, Countess', 'She said "hi"', 'line1\nline2'],
      ['Bob', '12%', "'=1+1"],
      ['', 'TRUE', ''],
    ]);
    expect(model.toCsv('Sheet1')).toBe(
      'name,headline,note\r\n"Ada, Countess","She said ""hi""","line1\nline2"\r\nBob,12%,=1+1\r\n,TRUE,\r\n',
    );
    expect(model.toCsv('Sheet1', { values: 'raw', lineSeparator: '\n' }).split('\n')[3]).toBe('Bob,0.12,=1+1');
  });

  it('is empty for an empty sheet', () => {
    const { model } = setup();
    expect(model.toCsv('Sheet1')).toBe('');
  });
});

describe('script realm', () => {
  it('returns Dates, arrays and errors of the script realm so instanceof works inside the vm', () => {
    const context = vm.createContext({});
    const realm = vm.runInContext('({ Date, Array, Error })', context) as { Date: DateConstructor; Array: ArrayConstructor; Error: ErrorConstructor };
    const model = new SpreadsheetModel();
    model.addSheet('Sheet1', [['2024-01-05']]);
    context.SpreadsheetApp = createSpreadsheetApp(model, new CountingGuard(), () => null, { realm });
    const result = vm.runInContext(
      `(() => {
        const range = SpreadsheetApp.getActiveSheet().getRange('A1');
        const values = range.getValues();
        let error;
        try { range.setValues([[1, 2]]); } catch (e) { error = e; }
        return [values instanceof Array, values[0] instanceof Array, values[0][0] instanceof Date, error instanceof Error, error.name, String(error)];
      })()`,
      context,
    );
    expect(Array.from(result as unknown[])).toEqual([
      true,
      true,
      true,
      true,
      'Exception',
      'Exception: The number of columns in the data does not match the number of columns in the range. The data has 2 but the range has 1.',
    ]);
  });
});
