// Sheet and Spreadsheet through the fake SpreadsheetApp: lookups, grid bounds, inserting, deleting, moving, selection.
import { setup } from './harness';

describe('SpreadsheetApp and Spreadsheet', () => {
  it('exposes the active spreadsheet and its settings', () => {
    const { app, model } = setup();
    const ss = app.getActiveSpreadsheet();
    expect(ss.getId()).toBe(model.id);
    expect(app.getActive().getName()).toBe('Untitled spreadsheet');
    expect(ss.getSpreadsheetTimeZone()).toBe('America/New_York');
    expect(app.getUi()).toBe('the ui');
  });

  it('finds sheets by exact name and lists them in order', () => {
    const { app, model } = setup();
    model.addSheet('Leads', [['url']]);
    const ss = app.getActiveSpreadsheet();
    expect(ss.getSheetByName('Leads')?.getRange('A1').getValue()).toBe('url');
    expect(ss.getSheetByName('leads')).toBeNull();
    expect(ss.getSheetByName('Nope')).toBeNull();
    expect(ss.getSheets().map((s) => s.getName())).toEqual(['Sheet1', 'Leads']);
    expect(ss.getSheets().map((s) => s.getSheetId())[0]).toBe(0);
    expect(ss.getSheetById(ss.getSheets()[1].getSheetId())?.getName()).toBe('Leads');
  });

  it('inserts a sheet (which becomes active) and refuses a duplicate name', () => {
    const { app } = setup();
    const ss = app.getActiveSpreadsheet();
    const created = ss.insertSheet('Enriched');
    expect(ss.getActiveSheet().getName()).toBe('Enriched');
    expect(created.getMaxRows()).toBe(1000);
    expect(created.getMaxColumns()).toBe(26);
    expect(ss.insertSheet().getName()).toBe('Sheet3');
    expect(() => ss.insertSheet('Enriched')).toThrow('A sheet with the name "Enriched" already exists. Please enter another name.');
    expect(ss.insertSheet('First', 0).getIndex()).toBe(1);
  });

  it('deletes a sheet; the deleted Sheet object then throws', () => {
    const { app } = setup();
    const ss = app.getActiveSpreadsheet();
    const extra = ss.insertSheet('Extra');
    ss.deleteSheet(extra);
    expect(ss.getSheetByName('Extra')).toBeNull();
    expect(() => extra.getName()).toThrow('has been deleted');
    expect(() => ss.deleteSheet(ss.getSheets()[0])).toThrow("You can't remove all the sheets in a document.");
  });

  it('resolves sheet-qualified A1 and the active sheet', () => {
    const { app, model } = setup([['on sheet1']]);
    model.addSheet('My Sheet', [['a', 'b'], ['c', 'd']]);
    const ss = app.getActiveSpreadsheet();
    expect(ss.getRange("'My Sheet'!A1:B2").getValues()).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(ss.getRange('A1').getValue()).toBe('on sheet1');
    expect(() => ss.getRange('Missing!A1')).toThrow('Range not found');
  });

  it('records toasts', () => {
    const { app, model } = setup();
    app.getActiveSpreadsheet().toast('Enriched 25 rows', 'Crustdata', 3);
    expect(model.toasts).toEqual([{ message: 'Enriched 25 rows', title: 'Crustdata', timeoutSeconds: 3 }]);
  });

  it('refuses openById under the currentonly scope', () => {
    const { app } = setup();
    expect(() => app.openById('abc')).toThrow('You do not have permission to call SpreadsheetApp.openById');
  });
});

describe('selection', () => {
  it('returns what the user selected, from every entry point', () => {
    const { app, model } = setup();
    model.addSheet('Leads');
    model.select('Leads!A2:A20');
    expect(app.getActiveRange().getA1Notation()).toBe('A2:A20');
    expect(app.getActiveSpreadsheet().getActiveRange()?.getSheet().getName()).toBe('Leads');
    expect(app.getActiveSpreadsheet().getSelection().getActiveRange()?.getA1Notation()).toBe('A2:A20');
    expect(app.getSelection().getCurrentCell()?.getA1Notation()).toBe('A2');
    expect(app.getActiveSheet().getName()).toBe('Leads');
  });

  it('moves with Range.activate and Sheet.activate', () => {
    const { app, model, sheet } = setup();
    sheet.getRange('B3:C4').activate();
    expect(app.getActiveRange().getA1Notation()).toBe('B3:C4');
    model.addSheet('Other');
    app.getActiveSpreadsheet().getSheetByName('Other')?.activate();
    expect(app.getActiveSheet().getName()).toBe('Other');
    expect(app.getActiveRange().getA1Notation()).toBe('A1');
  });

  it('setActiveCell makes the formula cell the active range (custom-function mode)', () => {
    const { app, model } = setup([['https://www.linkedin.com/in/ada'], ['https://www.linkedin.com/in/bob']]);
    model.setActiveCell('Sheet1!B2');
    const here = app.getActiveRange();
    expect(here.getA1Notation()).toBe('B2');
    expect(here.offset(0, -1).getValue()).toBe('https://www.linkedin.com/in/bob');
  });
});

describe('Sheet.getRange and grid bounds', () => {
  it('accepts (row, col), (row, col, rows), (row, col, rows, cols) and A1', () => {
    const { sheet } = setup();
    expect(sheet.getRange(3, 2).getA1Notation()).toBe('B3');
    expect(sheet.getRange(3, 2, 4).getA1Notation()).toBe('B3:B6');
    expect(sheet.getRange(3, 2, 4, 2).getA1Notation()).toBe('B3:C6');
    expect(sheet.getRange('b3:c6').getA1Notation()).toBe('B3:C6');
  });

  it('throws Sheets messages for bad coordinates', () => {
    const { sheet } = setup();
    expect(() => sheet.getRange(0, 1)).toThrow('The starting row of the range is too small.');
    expect(() => sheet.getRange(1, 0)).toThrow('The starting column of the range is too small.');
    expect(() => sheet.getRange(1, 1, 0)).toThrow('The number of rows in the range must be at least 1.');
    expect(() => sheet.getRange(1, 1, 1, 0)).toThrow('The number of columns in the range must be at least 1.');
    expect(() => sheet.getRange(1.5, 1)).toThrow("The parameters (number,number) don't match the method signature for SpreadsheetApp.Sheet.getRange.");
    expect(() => (sheet.getRange as unknown as (n: number) => unknown)(1)).toThrow("don't match the method signature");
    expect(() => sheet.getRange('nonsense')).toThrow('Range not found');
  });

  it('refuses a range past the grid (write code must insert rows or columns first)', () => {
    const { sheet } = setup();
    expect(() => sheet.getRange(1001, 1)).toThrow('The coordinates of the range are outside the dimensions of the sheet.');
    expect(() => sheet.getRange(1, 20, 1, 8)).toThrow('outside the dimensions');
    expect(() => sheet.getRange('AA1')).toThrow('outside the dimensions');
    sheet.insertColumnsAfter(26, 2);
    expect(sheet.getRange(1, 20, 1, 8).getA1Notation()).toBe('T1:AA1');
  });

  it('reports last row/column of content and the data range', () => {
    const { sheet, model } = setup([
      ['a', '', ''],
      ['', '', 'c'],
    ]);
    expect(sheet.getLastRow()).toBe(2);
    expect(sheet.getLastColumn()).toBe(3);
    expect(sheet.getDataRange().getA1Notation()).toBe('A1:C2');
    sheet.getRange('E9').setNote('notes do not count');
    expect(sheet.getLastRow()).toBe(2);
    model.addSheet('Empty');
    const empty = sheet.getParent().getSheetByName('Empty');
    expect(empty?.getLastRow()).toBe(0);
    expect(empty?.getDataRange().getA1Notation()).toBe('A1');
  });

  it('appends a row after the last row of content, growing the grid when full', () => {
    const { sheet } = setup([['h1', 'h2']], { maxRows: 1 });
    sheet.appendRow(['x', '00123']);
    expect(sheet.getMaxRows()).toBe(2);
    expect(sheet.getRange('A2:B2').getValues()).toEqual([['x', 123]]);
  });
});

describe('inserting, deleting and moving rows and columns', () => {
  const grid = () => [
    ['A', 'B', 'C', 'D'],
    [1, 2, 3, 4],
  ];

  it('inserts columns before and after, shifting data and growing the grid', () => {
    const { sheet } = setup(grid());
    sheet.insertColumnsBefore(2, 2);
    expect(sheet.getRange('A1:F1').getValues()).toEqual([['A', '', '', 'B', 'C', 'D']]);
    expect(sheet.getMaxColumns()).toBe(28);
    sheet.insertColumnAfter(1);
    expect(sheet.getRange('A1:C1').getValues()).toEqual([['A', '', '']]);
    sheet.insertColumns(1);
    expect(sheet.getRange('A1:B1').getValues()).toEqual([['', 'A']]);
    expect(() => sheet.insertColumnsBefore(31, 1)).toThrow('Those columns are out of bounds.');
  });

  it('inserts rows before and after', () => {
    const { sheet } = setup(grid());
    sheet.insertRowsAfter(1, 2);
    expect(sheet.getRange('A1:A4').getValues()).toEqual([['A'], [''], [''], [1]]);
    sheet.insertRowBefore(1);
    expect(sheet.getRange('A2').getValue()).toBe('A');
    expect(sheet.getMaxRows()).toBe(1003);
  });

  it('deletes rows and columns, refusing out-of-bounds and all-rows deletes', () => {
    const { sheet } = setup(grid());
    sheet.deleteColumns(2, 2);
    expect(sheet.getRange('A1:B1').getValues()).toEqual([['A', 'D']]);
    expect(sheet.getMaxColumns()).toBe(24);
    sheet.deleteRow(1);
    expect(sheet.getRange('A1').getValue()).toBe(1);
    expect(() => sheet.deleteRows(999, 5)).toThrow('Those rows are out of bounds.');
    expect(() => sheet.deleteRows(1, 999)).toThrow('Sorry, it is not possible to delete all non-frozen rows.');
  });

  it('moves columns as Sheets does: the destination is numbered before the move', () => {
    const { sheet } = setup(grid());
    sheet.moveColumns(sheet.getRange('A1'), 3);
    expect(sheet.getRange('A1:D1').getValues()).toEqual([['B', 'A', 'C', 'D']]);
    sheet.moveColumns(sheet.getRange('C:D'), 1);
    expect(sheet.getRange('A1:D1').getValues()).toEqual([['C', 'D', 'B', 'A']]);
    expect(sheet.getRange('A2:D2').getValues()).toEqual([[3, 4, 2, 1]]);
  });

  it('moves rows', () => {
    const { sheet } = setup([['r1'], ['r2'], ['r3']]);
    sheet.moveRows(sheet.getRange('3:3'), 1);
    expect(sheet.getRange('A1:A3').getValues()).toEqual([['r3'], ['r1'], ['r2']]);
  });

  it('handles large inserts and moves (no argument spreading limits)', () => {
    const { sheet } = setup([['top'], ['bottom']]);
    sheet.insertRowsAfter(1, 200000);
    expect(sheet.getRange(200002, 1).getValue()).toBe('bottom');
    sheet.moveRows(sheet.getRange(1, 1, 150000, 1), 200003);
    expect(sheet.getRange(200002, 1).getValue()).toBe('');
    expect(sheet.getRange(50003, 1).getValue()).toBe('top');
    expect(sheet.getRange(50002, 1).getValue()).toBe('bottom');
  });

  it('keeps frozen rows and names', () => {
    const { sheet } = setup(grid());
    sheet.setFrozenRows(1);
    expect(sheet.getFrozenRows()).toBe(1);
    sheet.setName('Leads');
    expect(sheet.getName()).toBe('Leads');
    sheet.autoResizeColumns(1, 4);
    expect(sheet.getRange('A1').getValue()).toBe('A');
  });
});
