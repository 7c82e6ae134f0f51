// Keep fresh on Apps Script: the sidebar's schedule calls, the menu's Refresh now and the hourly
// trigger's handler, each a thin wrapper that builds the ports and calls src/core/refreshControl.ts.
import { appsScriptClock, lockOf } from '../adapters/appsScript';
import { continueBackgroundJobs } from '../core/bulkJob';
import { enrichCells } from '../core/enrich';
import * as control from '../core/refreshControl';
import { createEnrichContext, documentStore, userStore } from '../adapters/context';
import { projectTriggerPort, spreadsheetTimeZone } from '../adapters/refreshGateway';
import { createJobDeps, sheetGatewayFor } from '../adapters/sheetGateway';
import type { ScheduleStatus } from '../common/contract';

function controlDeps(): control.ControlDeps {
  const spreadsheet = SpreadsheetApp.getActiveSpreadsheet();
  let context: ReturnType<typeof createEnrichContext> | null = null;
  return {
    sheet: sheetGatewayFor(spreadsheet),
    store: documentStore(),
    lock: lockOf(LockService.getDocumentLock()),
    clock: appsScriptClock,
    zone: spreadsheetTimeZone(spreadsheet),
    // The context reads the key and rate limit; only a run that has rows to fetch needs it.
    engine: { enrich: (cells, options) => enrichCells((context ??= createEnrichContext()), cells, options) },
    newId: () => Utilities.getUuid(),
    triggers: projectTriggerPort(),
    userStore: userStore(),
    documentId: spreadsheet.getId(),
    activeSheetId: () => spreadsheet.getActiveSheet()?.getSheetId() ?? null,
    continueBackgroundJobs: (budgetMs) => continueBackgroundJobs(createJobDeps(), budgetMs),
  };
}

/** Sidebar: Keep fresh (turn the schedule on or change it). */
export function setSchedule(request: unknown): ScheduleStatus {
  return control.setSchedule(controlDeps(), request);
}

/** Sidebar: Stop refreshing. */
export function stopSchedule(): ScheduleStatus {
  return control.stopSchedule(controlDeps());
}

/** Sidebar: whether the schedule is on, its next run, the last run, why it paused. */
export function scheduleStatus(): ScheduleStatus {
  return control.scheduleStatus(controlDeps());
}

/**
 * The hourly trigger: the refresh when due, then background bulk jobs; removes itself when idle.
 * Google does not say whether a time-driven trigger runs with its document; without it, the run
 * records that for the sidebar and removes itself (control.onTickWithoutDocument). Nothing here
 * may reach SpreadsheetApp.getUi(): it throws in trigger runs.
 */
export function onScheduledRun(e: unknown): control.TickReport {
  if (!hasDocument()) return control.onTickWithoutDocument({ triggers: projectTriggerPort(), userStore: userStore(), clock: appsScriptClock }, e);
  return control.onTick(controlDeps(), e);
}

/** Whether this execution has its spreadsheet, document lock and document properties. */
function hasDocument(): boolean {
  try {
    return Boolean(SpreadsheetApp.getActiveSpreadsheet() && LockService.getDocumentLock() && PropertiesService.getDocumentProperties());
  } catch {
    return false;
  }
}

/** Menu: Refresh now. Runs the refresh once here and tells the user what it did. */
export function runRefreshNow(): control.RefreshNowResult {
  const result = control.refreshNow(controlDeps());
  const ui = SpreadsheetApp.getUi();
  ui.alert('Refresh now', result.message, ui.ButtonSet.OK);
  return result;
}

/**
 * Makes sure the hourly trigger exists, for a bulk job the user lets continue in the background.
 * Call from a user action (a sidebar call): triggers can only be created in FULL auth mode.
 */
export function ensureHourlyTrigger(): void {
  control.ensureTrigger(controlDeps());
}
