// Range through the fake SpreadsheetApp: values, parsing on write, shape and size errors, formats, notes, call counts.
import { DEFAULT_NUMBER_FORMAT, FORMULA_PARSE_ERROR_VALUE, UNEVALUATED_FORMULA_VALUE } from '../../../../dev/emulator/spreadsheet';
import { setup } from './harness';

describe('Range values', () => {
  it('returns the exact shape of the range, with empty strings for empty cells', () => {
    const { sheet } = setup([
      ['name', 'age'],
      ['Ada', 36],
    ]);
    expect(sheet.getRange('A1:C3').getValues()).toEqual([
      ['name', 'age', ''],
      ['Ada', 36, ''],
      ['', '', ''],
    ]);
    expect(sheet.getRange(2, 1).getValue()).toBe('Ada');
    expect(sheet.getRange('C:C').getValues()).toHaveLength(1000);
  });

  it('turns =1+1 into a formula, and number-like text into numbers', () => {
    const { sheet, model } = setup();
    sheet.getRange('A1:D1').setValues([['=1+1', '00123', '+14155550100', 'TRUE']]);
    expect(sheet.getRange('A1:D1').getFormulas()).toEqual([['=1+1', '', '', '']]);
    expect(sheet.getRange('A1:D1').getValues()).toEqual([[UNEVALUATED_FORMULA_VALUE, 123, 14155550100, true]]);
    expect(model.cell('A1')).toMatchObject({ formula: '=1+1', textForced: false });
  });

  it('keeps text written with an apostrophe, without the apostrophe', () => {
    const { sheet, model } = setup();
    sheet.getRange('A1:C1').setValues([["'=1+1", "'00123", "'+14155550100"]]);
    expect(sheet.getRange('A1:C1').getValues()).toEqual([['=1+1', '00123', '+14155550100']]);
    expect(sheet.getRange('A1:C1').getFormulas()).toEqual([['', '', '']]);
    expect(model.cell('B1')).toMatchObject({ value: '00123', quotePrefix: true, textForced: true });
  });

  it('stores strings verbatim in cells formatted as plain text (@)', () => {
    const { sheet, model } = setup();
    const range = sheet.getRange('A1:C1');
    range.setNumberFormat('@');
    range.setValues([['=1+1', '00123', '-foo']]);
    expect(range.getValues()).toEqual([['=1+1', '00123', '-foo']]);
    expect(range.getFormulas()).toEqual([['', '', '']]);
    expect(model.cell('A1')).toMatchObject({ numberFormat: '@', textForced: true });
  });

  it('makes unprotected +/- text a formula error, so tests can catch it', () => {
    const { sheet } = setup();
    sheet.getRange('A1').setValue('- not found -');
    expect(sheet.getRange('A1').getValue()).toBe(FORMULA_PARSE_ERROR_VALUE);
    expect(sheet.getRange('A1').getFormula()).toBe('=- not found -');
  });

  it('setValue fills every cell of the range; null clears', () => {
    const { sheet } = setup([['x', 'y']]);
    sheet.getRange('A2:B3').setValue('7');
    expect(sheet.getRange('A2:B3').getValues()).toEqual([
      [7, 7],
      [7, 7],
    ]);
    sheet.getRange('A1').setValue(null);
    expect(sheet.getRange('A1:B1').getValues()).toEqual([['', 'y']]);
  });

  it('stores dates and returns copies', () => {
    const { sheet } = setup();
    const when = new Date(Date.UTC(2024, 0, 5, 17));
    sheet.getRange('A1').setValue(when);
    const back = sheet.getRange('A1').getValue() as Date;
    expect(back.getTime()).toBe(when.getTime());
    back.setFullYear(1999);
    expect((sheet.getRange('A1').getValue() as Date).getTime()).toBe(when.getTime());
    expect(sheet.getRange('A1').getDisplayValue()).toBe('1/5/2024 12:00:00');
  });

  it('returns display strings', () => {
    const { sheet } = setup([['12%', '$5', 14155550100, '2024-01-05', true, '1,234']]);
    expect(sheet.getRange('A1:F1').getDisplayValues()).toEqual([['12%', '$5.00', '14155550100', '2024-01-05', 'TRUE', '1,234']]);
    expect(sheet.getRange('A1').getValue()).toBe(0.12);
  });
});

describe('Range write errors', () => {
  it('throws Sheets message when the data has the wrong number of rows', () => {
    const { sheet } = setup();
    expect(() => sheet.getRange('A1:B2').setValues([[1, 2]])).toThrow(
      'The number of rows in the data does not match the number of rows in the range. The data has 1 but the range has 2.',
    );
  });

  it('throws Sheets message when a row has the wrong number of columns', () => {
    const { sheet } = setup();
    expect(() => sheet.getRange('A1:B2').setValues([[1, 2], [3]])).toThrow(
      'The number of columns in the data does not match the number of columns in the range. The data has 1 but the range has 2.',
    );
  });

  it('refuses a cell over 50,000 characters and writes nothing of the block', () => {
    const { sheet } = setup();
    expect(() => sheet.getRange('A1:B1').setValues([['ok', 'x'.repeat(50001)]])).toThrow(
      'Your input contains more than the maximum of 50000 characters in a single cell.',
    );
    expect(sheet.getRange('A1').getValue()).toBe('');
    sheet.getRange('A1').setValue('x'.repeat(50000));
    expect((sheet.getRange('A1').getValue() as string).length).toBe(50000);
  });

  it('refuses a 1-D array with the signature message', () => {
    const { sheet } = setup();
    expect(() => sheet.getRange('A1:B1').setValues([1, 2] as unknown as unknown[][])).toThrow(
      "The parameters (number[]) don't match the method signature for SpreadsheetApp.Range.setValues.",
    );
  });

  it('names the error Exception, as Apps Script prints it', () => {
    const { sheet } = setup();
    let caught: unknown;
    try {
      sheet.getRange('A1').setValues([[1, 2]]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as Error).name).toBe('Exception');
  });
});

describe('Range formats, notes, backgrounds', () => {
  it('reads and writes number formats', () => {
    const { sheet } = setup([[0.5]]);
    const a1 = sheet.getRange('A1');
    expect(a1.getNumberFormat()).toBe(DEFAULT_NUMBER_FORMAT);
    a1.setNumberFormat('0.00%');
    expect(a1.getDisplayValue()).toBe('50.00%');
    sheet.getRange('A1:B1').setNumberFormats([['0', '@']]);
    expect(sheet.getRange('A1:B1').getNumberFormats()).toEqual([['0', '@']]);
    expect(() => sheet.getRange('A1:B1').setNumberFormats([['0']])).toThrow('The data has 1 but the range has 2');
  });

  it('reads and writes notes', () => {
    const { sheet, model } = setup();
    sheet.getRange('A1').setNote('was: Acme (2024-01-05)');
    sheet.getRange('B1:C1').setNotes([['x', '']]);
    expect(sheet.getRange('A1:C1').getNotes()).toEqual([['was: Acme (2024-01-05)', 'x', '']]);
    expect(model.cell('A1').note).toBe('was: Acme (2024-01-05)');
    sheet.getRange('A1').clearNote();
    expect(sheet.getRange('A1').getNote()).toBe('');
  });

  it('reads and writes backgrounds, normalised as Sheets returns them', () => {
    const { sheet, model } = setup();
    expect(sheet.getRange('A1').getBackground()).toBe('#ffffff');
    sheet.getRange('A1:B1').setBackground('#FF0');
    sheet.getRange('C1').setBackgrounds([['red']]);
    expect(sheet.getRange('A1:C1').getBackgrounds()).toEqual([['#ffff00', '#ffff00', '#ff0000']]);
    sheet.getRange('A1').setBackground(null);
    expect(model.cell('A1').background).toBe('#ffffff');
  });

  it('records font weight', () => {
    const { sheet, model } = setup();
    sheet.getRange('A1:B1').setFontWeight('bold');
    expect(model.cell('B1').fontWeight).toBe('bold');
    expect(sheet.getRange('A1:C1').getFontWeights()).toEqual([['bold', 'bold', 'normal']]);
  });

  it('clearContent keeps formats and notes; clear removes formats too', () => {
    const { sheet, model } = setup([['v']]);
    const a1 = sheet.getRange('A1');
    a1.setBackground('#00ff00').setNote('n').setNumberFormat('@');
    a1.clearContent();
    expect(model.cell('A1')).toMatchObject({ value: '', background: '#00ff00', note: 'n', numberFormat: '@' });
    a1.setValue('v');
    a1.clear();
    expect(model.cell('A1')).toMatchObject({ value: '', background: '#ffffff', numberFormat: DEFAULT_NUMBER_FORMAT });
  });
});

describe('Range geometry', () => {
  it('reports its position, size and A1 notation', () => {
    const { sheet } = setup();
    const range = sheet.getRange(2, 3, 4, 5);
    expect([range.getRow(), range.getColumn(), range.getNumRows(), range.getNumColumns()]).toEqual([2, 3, 4, 5]);
    expect([range.getLastRow(), range.getLastColumn()]).toEqual([5, 7]);
    expect(range.getA1Notation()).toBe('C2:G5');
    expect(sheet.getRange('C:C').getA1Notation()).toBe('C:C');
    expect(sheet.getRange('2:2').getA1Notation()).toBe('2:2');
    expect(sheet.getRange('2:2').getNumColumns()).toBe(26);
    expect(range.getSheet().getName()).toBe('Sheet1');
  });

  it('offsets and picks cells', () => {
    const { sheet } = setup();
    const range = sheet.getRange('B2:C3');
    expect(range.offset(1, 1).getA1Notation()).toBe('C3:D4');
    expect(range.offset(0, 2, 5).getA1Notation()).toBe('D2:E6');
    expect(range.offset(0, 0, 1, 1).getA1Notation()).toBe('B2');
    expect(range.getCell(2, 2).getA1Notation()).toBe('C3');
    expect(() => range.getCell(3, 1)).toThrow('Cell reference out of range');
    expect(() => range.offset(-2, 0)).toThrow('The starting row of the range is too small.');
  });

  it('keeps its coordinates when rows are inserted above, and reads cells at call time', () => {
    const { sheet } = setup([['a'], ['b']]);
    const range = sheet.getRange('A2');
    sheet.insertRowsBefore(1, 1);
    expect(range.getA1Notation()).toBe('A2');
    expect(range.getValue()).toBe('a');
  });
});

describe('call counting', () => {
  it('reports each method once, by Class.method, before acting', () => {
    const { sheet, guard } = setup();
    sheet.getRange(2, 1, 25, 3).setValues(Array.from({ length: 25 }, () => ['a', 'b', 'c']));
    expect(guard.count('Sheet.getRange')).toBe(1);
    expect(guard.count('Range.setValues')).toBe(1);
    expect(guard.calls).toEqual([
      { name: 'Sheet.getRange', mutates: false },
      { name: 'Range.setValues', mutates: true },
    ]);
  });

  it('does not count internal work (setValue does not call setValues)', () => {
    const { sheet, guard } = setup();
    sheet.getRange('A1:B2').setValue(1);
    sheet.getRange('A1').getValue();
    expect(guard.calls.map((c) => c.name)).toEqual(['Sheet.getRange', 'Range.setValue', 'Sheet.getRange', 'Range.getValue']);
  });

  it('lets the guard refuse mutations (custom-function mode) before anything changes', () => {
    const { sheet, guard, model } = setup([['keep']]);
    guard.readOnly = true;
    expect(sheet.getRange('A1').getValue()).toBe('keep');
    expect(() => sheet.getRange('A1').setValue('x')).toThrow('You do not have permission to call setValue');
    expect(() => sheet.getRange('C:C').addDeveloperMetadata('k')).toThrow('You do not have permission to call addDeveloperMetadata');
    expect(() => sheet.insertColumnsBefore(1, 1)).toThrow('permission');
    expect(() => sheet.getRange('A1').activate()).toThrow('permission');
    expect(model.cell('A1').value).toBe('keep');
    expect(model.developerMetadata()).toEqual([]);
  });
});
