// Keep fresh on Apps Script: the sidebar's schedule calls, the menu's Refresh now and the hourly
// trigger's handler, each a thin wrapper that takes the ports from src/adapters/deps.ts and calls src/core/refreshControl.ts.
import { controlDeps, detachedDeps } from '../adapters/deps';
import * as control from '../core/refreshControl';
import type { ScheduleStatus } from '../common/contract';

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
  if (!hasDocument()) return control.onTickWithoutDocument(detachedDeps(), e);
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
