// Apps Script adapters for the scheduled refresh's ports besides the sheet (it uses the bulk job's
// gateway, sheetGateway.ts): the spreadsheet's time zone and this user's triggers of the add-on.
// Each method is one service call or one finder call; no logic here.
import type { TimeZone, TriggerPort } from '../core/ports';

type Spreadsheet = GoogleAppsScript.Spreadsheet.Spreadsheet;

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
