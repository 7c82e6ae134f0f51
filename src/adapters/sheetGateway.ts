// The SheetGateway port over SpreadsheetApp (the bulk job's and the scheduled refresh's): each
// method is one Sheets call (or one finder call plus the removals it asks for), so the calls per
// block stay constant.
import { decodeRowAnchor, encodeRowAnchor, ROW_ANCHOR_KEY, type RowAnchor } from '../core/rowAnchors';
import { CHANGES_METADATA_KEY } from '../core/changeTracking';
import { COLUMN_METADATA_KEY, columnLetter, decodeChangesMark, decodeColumnRecord, encodeChangesMark, encodeColumnRecord, type ChangesMark, type ColumnMark } from '../core/sheetTarget';
import type { SheetGateway } from '../core/ports';

type Spreadsheet = GoogleAppsScript.Spreadsheet.Spreadsheet;
type Sheet = GoogleAppsScript.Spreadsheet.Sheet;

export function sheetGatewayFor(spreadsheet: Spreadsheet): SheetGateway {
  // One lookup per sheet and execution: each getSheetById is a service call.
  const sheets = new Map<number, Sheet>();
  const sheetOf = (sheetId: number): Sheet => {
    let sheet = sheets.get(sheetId) ?? null;
    if (!sheet) {
      sheet = spreadsheet.getSheetById(sheetId);
      if (!sheet) throw new Error('The sheet of this job no longer exists.');
      sheets.set(sheetId, sheet);
    }
    return sheet;
  };
  const wholeColumn = (sheet: Sheet, column: number) => sheet.getRange(`${columnLetter(column)}:${columnLetter(column)}`);
  const findMarks = (sheet: Sheet) => sheet.createDeveloperMetadataFinder().withKey(COLUMN_METADATA_KEY).find();
  const findChangesMarks = (sheet: Sheet) => sheet.createDeveloperMetadataFinder().withKey(CHANGES_METADATA_KEY).find();
  const columnOf = (metadata: GoogleAppsScript.Spreadsheet.DeveloperMetadata): number | null => metadata.getLocation().getColumn()?.getColumn() ?? null;
  let timeZone: string | null = null;
  const dates = new Map<number, string>();
  // Row anchors found in this execution, by the ref handed out with them, so they can be removed
  // without another finder call.
  const rowHandles = new Map<number, GoogleAppsScript.Spreadsheet.DeveloperMetadata>();
  let nextRef = 1;

  return {
    sheetName: (sheetId) => spreadsheet.getSheetById(sheetId)?.getName() ?? null,
    size: (sheetId) => {
      const sheet = sheetOf(sheetId);
      return { rows: sheet.getMaxRows(), columns: sheet.getMaxColumns() };
    },
    readValues: (sheetId, row, column, numRows, numColumns) => sheetOf(sheetId).getRange(row, column, numRows, numColumns).getValues(),
    readFormulas: (sheetId, row, column, numRows, numColumns) => sheetOf(sheetId).getRange(row, column, numRows, numColumns).getFormulas(),
    writeValues: (sheetId, row, column, values) => {
      if (!values.length) return;
      sheetOf(sheetId).getRange(row, column, values.length, values[0].length).setValues(values);
    },
    clearValues: (sheetId, row, column, numRows, numColumns) => {
      sheetOf(sheetId).getRange(row, column, numRows, numColumns).clearContent();
    },
    readColumnMarks: (sheetId) => {
      const marks: ColumnMark[] = [];
      for (const metadata of findMarks(sheetOf(sheetId))) {
        const column = columnOf(metadata);
        const record = decodeColumnRecord(metadata.getValue());
        if (column !== null && record) marks.push({ column, record });
      }
      return marks;
    },
    addColumnMarks: (sheetId, marks) => {
      const sheet = sheetOf(sheetId);
      for (const mark of marks) wholeColumn(sheet, mark.column).addDeveloperMetadata(COLUMN_METADATA_KEY, encodeColumnRecord(mark.record));
    },
    removeColumnMarks: (sheetId, marks) => {
      if (!marks.length) return;
      const doomed = new Set(marks.map((mark) => `${mark.column} ${encodeColumnRecord(mark.record)}`));
      for (const metadata of findMarks(sheetOf(sheetId))) {
        const column = columnOf(metadata);
        const record = decodeColumnRecord(metadata.getValue());
        if (column !== null && record && doomed.has(`${column} ${encodeColumnRecord(record)}`)) metadata.remove();
      }
    },
    readChangesMarks: (sheetId) => {
      const marks: ChangesMark[] = [];
      for (const metadata of findChangesMarks(sheetOf(sheetId))) {
        const column = columnOf(metadata);
        const layoutId = decodeChangesMark(metadata.getValue());
        if (column !== null && layoutId !== null) marks.push({ column, layoutId });
      }
      return marks;
    },
    removeChangesMarks: (sheetId, columns) => {
      if (!columns.length) return;
      const doomed = new Set(columns);
      for (const metadata of findChangesMarks(sheetOf(sheetId))) {
        const column = columnOf(metadata);
        if (column !== null && doomed.has(column)) metadata.remove();
      }
    },
    markChangesColumn: (sheetId, column, layoutId) => {
      const sheet = sheetOf(sheetId);
      for (const metadata of findChangesMarks(sheet)) if (columnOf(metadata) === column) metadata.remove();
      wholeColumn(sheet, column).addDeveloperMetadata(CHANGES_METADATA_KEY, encodeChangesMark(layoutId));
    },
    readNotes: (sheetId, row, column, numRows, numColumns) => sheetOf(sheetId).getRange(row, column, numRows, numColumns).getNotes(),
    writeNotes: (sheetId, row, column, notes) => {
      if (notes.length) sheetOf(sheetId).getRange(row, column, notes.length, notes[0].length).setNotes(notes);
    },
    readBackgrounds: (sheetId, row, column, numRows, numColumns) => sheetOf(sheetId).getRange(row, column, numRows, numColumns).getBackgrounds(),
    writeBackgrounds: (sheetId, row, column, colors) => {
      if (colors.length) sheetOf(sheetId).getRange(row, column, colors.length, colors[0].length).setBackgrounds(colors);
    },
    readRowAnchors: (sheetId) => {
      const anchors: RowAnchor[] = [];
      for (const metadata of sheetOf(sheetId).createDeveloperMetadataFinder().withKey(ROW_ANCHOR_KEY).find()) {
        const row = metadata.getLocation().getRow()?.getRow() ?? null;
        const record = decodeRowAnchor(metadata.getValue());
        if (row === null || !record) continue;
        const ref = nextRef++;
        rowHandles.set(ref, metadata);
        anchors.push({ row, record, ref });
      }
      return anchors;
    },
    addRowAnchors: (sheetId, anchors) => {
      const sheet = sheetOf(sheetId);
      for (const anchor of anchors) sheet.getRange(`${anchor.row}:${anchor.row}`).addDeveloperMetadata(ROW_ANCHOR_KEY, encodeRowAnchor(anchor.record));
    },
    removeRowAnchors: (_sheetId, anchors) => {
      for (const anchor of anchors) {
        const metadata = rowHandles.get(anchor.ref);
        if (!metadata) continue;
        rowHandles.delete(anchor.ref);
        try {
          metadata.remove();
        } catch {
          // Its row was deleted meanwhile, and the metadata with it.
        }
      }
    },
    insertColumnsAfter: (sheetId, column, count) => {
      sheetOf(sheetId).insertColumnsAfter(column, count);
    },
    formatDate: (epochMs) => {
      // Rows of a block share their fetch time: one formatDate per minute, not per row.
      const minute = Math.floor(epochMs / 60_000);
      let text = dates.get(minute);
      if (text === undefined) {
        timeZone ??= spreadsheet.getSpreadsheetTimeZone() || Session.getScriptTimeZone();
        text = Utilities.formatDate(new Date(epochMs), timeZone, 'yyyy-MM-dd');
        dates.set(minute, text);
      }
      return text;
    },
    selectRanges: (sheetId, rangesA1) => {
      if (!rangesA1.length) return;
      const sheet = sheetOf(sheetId);
      sheet.activate();
      // A RangeList selects every run at once; where it is missing, the first run is shown.
      const withList = sheet as Sheet & { getRangeList?: (a1: string[]) => GoogleAppsScript.Spreadsheet.RangeList };
      if (typeof withList.getRangeList === 'function') withList.getRangeList(rangesA1).activate();
      else sheet.getRange(rangesA1[0]).activate();
    },
    flush: () => SpreadsheetApp.flush(),
  };
}
