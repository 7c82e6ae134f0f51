// Developer metadata: where it may be added, how it follows its column or row through user edits, how it is found.
import { MAX_METADATA_CHARS } from '../../../../dev/emulator/spreadsheet';
import { setup } from './harness';

const header = () => [['url', 'name', 'title', 'company']];

describe('adding and reading developer metadata', () => {
  it('adds to a whole column and reads key, value, id and location', () => {
    const { sheet, app } = setup(header());
    sheet.getRange('C:C').addDeveloperMetadata('crustdata.column', 'basic_profile.current_title');
    const [meta] = sheet.getRange('C:C').getDeveloperMetadata();
    expect(meta.getKey()).toBe('crustdata.column');
    expect(meta.getValue()).toBe('basic_profile.current_title');
    expect(typeof meta.getId()).toBe('number');
    expect(meta.getLocation().getLocationType()).toBe(app.DeveloperMetadataLocationType.COLUMN);
    expect(String(meta.getLocation().getLocationType())).toBe('COLUMN');
    expect(meta.getLocation().getColumn()?.getA1Notation()).toBe('C:C');
    expect(meta.getLocation().getRow()).toBeNull();
    expect(meta.getVisibility()).toBe(app.DeveloperMetadataVisibility.DOCUMENT);
  });

  it('accepts a range of full height given by coordinates, and whole rows', () => {
    const { sheet } = setup(header());
    sheet.getRange(1, 2, sheet.getMaxRows(), 2).addDeveloperMetadata('pair');
    sheet.getRange('5:5').addDeveloperMetadata('row', 'r5');
    const found = sheet.createDeveloperMetadataFinder().find();
    expect(found.map((m) => [m.getKey(), m.getValue()])).toEqual([
      ['pair', null],
      ['row', 'r5'],
    ]);
    expect(found[0].getLocation().getColumn()?.getA1Notation()).toBe('B:C');
    expect(found[1].getLocation().getRow()?.getA1Notation()).toBe('5:5');
  });

  it('refuses arbitrary ranges with Sheets message', () => {
    const { sheet } = setup(header());
    expect(() => sheet.getRange('C1:C10').addDeveloperMetadata('k')).toThrow(
      'Adding developer metadata to arbitrary ranges is not currently supported.',
    );
  });

  it('adds to sheets and to the spreadsheet', () => {
    const { sheet, app } = setup();
    sheet.addDeveloperMetadata('job', '{"cursor":0}');
    app.getActiveSpreadsheet().addDeveloperMetadata('schema', '1');
    expect(sheet.getDeveloperMetadata().map((m) => m.getKey())).toEqual(['job']);
    expect(app.getActiveSpreadsheet().getDeveloperMetadata().map((m) => m.getKey())).toEqual(['schema']);
    expect(sheet.getDeveloperMetadata()[0].getLocation().getSheet()?.getName()).toBe('Sheet1');
  });

  it('updates and removes', () => {
    const { sheet, model } = setup(header());
    sheet.getRange('B:B').addDeveloperMetadata('k', 'v1');
    const meta = sheet.getRange('B:B').getDeveloperMetadata()[0];
    meta.setValue('v2');
    expect(model.developerMetadata()[0].value).toBe('v2');
    meta.remove();
    expect(model.developerMetadata()).toEqual([]);
    expect(() => meta.getKey()).toThrow('no longer exists');
  });

  it(`caps metadata per sheet at ${MAX_METADATA_CHARS} characters`, () => {
    const { sheet } = setup();
    sheet.addDeveloperMetadata('big', 'x'.repeat(MAX_METADATA_CHARS - 3));
    expect(() => sheet.getRange('A:A').addDeveloperMetadata('k', 'v')).toThrow('would exceed 30000 characters');
  });
});

describe('metadata follows its column', () => {
  it('moves right when columns are inserted before it, not when inserted after', () => {
    const { sheet, model } = setup(header());
    sheet.getRange('C:C').addDeveloperMetadata('title');
    sheet.insertColumnsBefore(1, 2);
    expect(model.developerMetadata()[0].a1).toBe('E:E');
    sheet.insertColumnsAfter(5, 3);
    const [meta] = sheet.createDeveloperMetadataFinder().withKey('title').find();
    expect(meta.getLocation().getColumn()?.getA1Notation()).toBe('E:E');
    expect(meta.getLocation().getColumn()?.getValues()[0][0]).toBe('title');
  });

  it('follows moveColumns', () => {
    const { sheet } = setup(header());
    sheet.getRange('D:D').addDeveloperMetadata('company');
    sheet.moveColumns(sheet.getRange('D1'), 1);
    const [meta] = sheet.createDeveloperMetadataFinder().withKey('company').find();
    expect(meta.getLocation().getColumn()?.getA1Notation()).toBe('A:A');
    expect(sheet.getRange('A1').getValue()).toBe('company');
    sheet.moveColumns(sheet.getRange('A:A'), 4);
    expect(meta.getLocation().getColumn()?.getA1Notation()).toBe('C:C');
    expect(sheet.getRange('C1').getValue()).toBe('company');
  });

  it('shifts left when columns before it are deleted and vanishes with its column', () => {
    const { sheet, model } = setup(header());
    sheet.getRange('C:C').addDeveloperMetadata('title');
    sheet.getRange('D:D').addDeveloperMetadata('company');
    sheet.deleteColumns(1, 1);
    expect(model.developerMetadata().map((m) => m.a1)).toEqual(['B:B', 'C:C']);
    sheet.deleteColumns(2, 1);
    expect(model.developerMetadata().map((m) => [m.key, m.a1])).toEqual([['company', 'B:B']]);
    expect(sheet.createDeveloperMetadataFinder().withKey('title').find()).toHaveLength(0);
  });

  it('follows user edits made on the model (as a person would in the Sheets UI)', () => {
    const { sheet, model } = setup(header());
    sheet.getRange('B:B').addDeveloperMetadata('name');
    const sheet1 = model.sheet('Sheet1');
    sheet1.insertColumns(1, 1);
    sheet1.moveColumns(3, 1, 1);
    expect(model.developerMetadata()[0].a1).toBe('A:A');
    sheet1.deleteColumns(1, 1);
    expect(model.developerMetadata()).toEqual([]);
  });

  it('a multi-column span grows when a column is inserted inside it and shrinks on partial delete', () => {
    const { sheet, model } = setup(header());
    sheet.getRange('B:C').addDeveloperMetadata('block');
    sheet.insertColumnsAfter(2, 1);
    expect(model.developerMetadata()[0].a1).toBe('B:D');
    sheet.deleteColumns(3, 1);
    expect(model.developerMetadata()[0].a1).toBe('B:C');
  });

  it('row metadata follows inserted, moved and deleted rows', () => {
    const { sheet, model } = setup([['h'], ['r2'], ['r3']]);
    sheet.getRange('3:3').addDeveloperMetadata('row', 'r3');
    sheet.insertRowsBefore(2, 2);
    expect(model.developerMetadata()[0].a1).toBe('5:5');
    sheet.moveRows(sheet.getRange('5:5'), 1);
    expect(model.developerMetadata()[0].a1).toBe('1:1');
    expect(sheet.getRange('A1').getValue()).toBe('r3');
    sheet.deleteRow(1);
    expect(model.developerMetadata()).toEqual([]);
  });

  it('vanishes with its sheet and keeps working after a rename', () => {
    const { app, model } = setup();
    model.addSheet('Leads', header());
    const leads = app.getActiveSpreadsheet().getSheetByName('Leads');
    leads?.getRange('A:A').addDeveloperMetadata('source');
    model.renameSheet('Leads', 'Prospects');
    expect(model.developerMetadata()[0].sheetName).toBe('Prospects');
    model.deleteSheet('Prospects');
    expect(model.developerMetadata()).toEqual([]);
  });
});

describe('DeveloperMetadataFinder', () => {
  it('filters by key, value and location type, scoped to spreadsheet, sheet or range', () => {
    const { app, sheet, model } = setup(header());
    model.addSheet('Other', header());
    sheet.getRange('A:A').addDeveloperMetadata('crustdata.source', 'linkedin');
    sheet.getRange('C:C').addDeveloperMetadata('crustdata.column', 'title');
    sheet.getRange('D:D').addDeveloperMetadata('crustdata.column', 'company');
    app.getActiveSpreadsheet().getSheetByName('Other')?.getRange('B:B').addDeveloperMetadata('crustdata.column', 'title');
    const ss = app.getActiveSpreadsheet();

    expect(ss.createDeveloperMetadataFinder().withKey('crustdata.column').find()).toHaveLength(3);
    expect(sheet.createDeveloperMetadataFinder().withKey('crustdata.column').find()).toHaveLength(2);
    expect(sheet.createDeveloperMetadataFinder().withKey('crustdata.column').withValue('company').find()[0].getLocation().getColumn()?.getA1Notation()).toBe('D:D');
    expect(ss.createDeveloperMetadataFinder().withLocationType(app.DeveloperMetadataLocationType.SHEET).find()).toHaveLength(0);
    expect(sheet.getRange('B:D').createDeveloperMetadataFinder().find().map((m) => m.getValue())).toEqual(['title', 'company']);
    expect(sheet.getRange('A1:D10').createDeveloperMetadataFinder().find()).toHaveLength(0);
    expect(sheet.getRange('A1:D10').createDeveloperMetadataFinder().onIntersectingLocations().find()).toHaveLength(3);
  });

  it('counts finder calls like any other method', () => {
    const { sheet, guard } = setup();
    sheet.createDeveloperMetadataFinder().withKey('k').find();
    expect(guard.calls.map((c) => c.name)).toEqual(['Sheet.createDeveloperMetadataFinder', 'DeveloperMetadataFinder.withKey', 'DeveloperMetadataFinder.find']);
    expect(guard.calls.every((c) => !c.mutates)).toBe(true);
  });
});
