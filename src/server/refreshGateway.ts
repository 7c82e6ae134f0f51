// Apps Script adapters for the scheduled refresh's ports: the sheet (the bulk job's gateway plus
// notes, backgrounds and the Changes column's developer metadata), the spreadsheet's time zone,
// and this user's triggers of the add-on. Each method is one service call or one finder call; no logic here.
import { CHANGES_METADATA_KEY } from '../core/changeTracking';
import type { RefreshSheet } from '../core/refresh';
import type { TriggerPort } from '../core/refreshControl';
import type { TimeZone } from '../core/schedule';
import { columnLetter, encodeChangesMark } from '../core/sheetTarget';
import { sheetGatewayFor } from './sheetGateway';

type Spreadsheet = GoogleAppsScript.Spreadsheet.Spreadsheet;
type Sheet = GoogleAppsScript.Spreadsheet.Sheet;

export function refreshSheetFor(spreadsheet: Spreadsheet): RefreshSheet {
  const base = sheetGatewayFor(spreadsheet);
  // One lookup per sheet and execution: notes and backgrounds are read and written every block.
  const sheets = new Map<number, Sheet>();
  const sheetOf = (sheetId: number): Sheet => {
    let sheet = sheets.get(sheetId) ?? null;
    if (!sheet) {
      sheet = spreadsheet.getSheetById(sheetId);
      if (!sheet) throw new Error('The sheet being refreshed no longer exists.');
      sheets.set(sheetId, sheet);
    }
    return sheet;
  };
  return {
    sheetName: base.sheetName,
    size: base.size,
    readValues: base.readValues,
    writeValues: base.writeValues,
    readColumnMarks: base.readColumnMarks,
    insertColumnsAfter: base.insertColumnsAfter,
    formatDate: base.formatDate,
    readChangesMarks: base.readChangesMarks,
    readNotes: (sheetId, row, column, numRows, numColumns) => sheetOf(sheetId).getRange(row, column, numRows, numColumns).getNotes(),
    writeNotes: (sheetId, row, column, notes) => {
      if (notes.length) sheetOf(sheetId).getRange(row, column, notes.length, notes[0].length).setNotes(notes);
    },
    readBackgrounds: (sheetId, row, column, numRows, numColumns) => sheetOf(sheetId).getRange(row, column, numRows, numColumns).getBackgrounds(),
    writeBackgrounds: (sheetId, row, column, colors) => {
      if (colors.length) sheetOf(sheetId).getRange(row, column, colors.length, colors[0].length).setBackgrounds(colors);
    },
    markChangesColumn: (sheetId, column, layoutId) => {
      base.removeChangesMarks(sheetId, [column]);
      const letter = columnLetter(column);
      sheetOf(sheetId).getRange(`${letter}:${letter}`).addDeveloperMetadata(CHANGES_METADATA_KEY, encodeChangesMark(layoutId));
    },
  };
}

/** The spreadsheet's time zone through Utilities.formatDate's 'Z' (e.g. "+0530"), memoised per hour. */
export function spreadsheetTimeZone(spreadsheet: Spreadsheet): TimeZone {
  let zone: string | null = null;
  const byHour = new Map<number, number>();
  return {
    offsetMs(epochMs) {
      const hour = Math.floor(epochMs / 3_600_000);
      const known = byHour.get(hour);
      if (known !== undefined) return known;
      zone ??= spreadsheet.getSpreadsheetTimeZone() || Session.getScriptTimeZone();
      const text = Utilities.formatDate(new Date(hour * 3_600_000), zone, 'Z');
      const match = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
      const offset = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 0;
      byHour.set(hour, offset);
      return offset;
    },
  };
}

/**
 * This user's time-driven triggers of the add-on, from getProjectTriggers(): every spreadsheet's,
 * since getUserTriggers(spreadsheet) leaves clock triggers out (their source id is null). Needs no
 * document, so a trigger run without one can remove itself.
 */
export function projectTriggerPort(): TriggerPort {
  const clockTriggers = () => ScriptApp.getProjectTriggers().filter((trigger) => trigger.getEventType() === ScriptApp.EventType.CLOCK);
  return {
    listClock: () => clockTriggers().map((trigger) => trigger.getUniqueId()),
    createHourly: (handler) => ScriptApp.newTrigger(handler).timeBased().everyHours(1).create().getUniqueId(),
    remove: (id) => {
      const trigger = ScriptApp.getProjectTriggers().find((candidate) => candidate.getUniqueId() === id);
      if (trigger) ScriptApp.deleteTrigger(trigger);
      return Boolean(trigger);
    },
  };
}
