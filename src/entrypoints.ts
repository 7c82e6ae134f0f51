// The one list of functions Apps Script can call. The build (scripts/build.mjs) emits a
// top-level `function NAME(params) { return CrustdataAddon.NAME(params); }` for every
// function exported here, copying its JSDoc, so Sheets sees the custom function's help.
// Keep each entry a one-line delegation: the logic lives in src/server and src/core.

import * as customFunction from './server/customFunction';
import * as menu from './server/menu';
import * as sidebarApi from './server/sidebarApi';
import * as refreshApi from './server/refreshApi';

// ---- Add-on lifecycle and menu -------------------------------------------------------

/** Builds the add-on menu (runs in AuthMode.NONE or LIMITED: no service but the menu). */
export function onOpen(e: unknown) {
  return menu.onOpen(e);
}

/** Runs when the add-on is installed; shows the menu at once. */
export function onInstall(e: unknown) {
  return menu.onInstall(e);
}

/** Menu: Open sidebar. */
export function menuOpenSidebar() {
  return menu.openSidebar();
}

/** Menu: Enrich selected rows, with the last settings, after confirming the estimate. */
export function menuEnrichSelection() {
  return menu.enrichSelection();
}

/** Menu: Set API key… */
export function menuSetApiKey() {
  return menu.setApiKey();
}

/** Menu: Refresh now (runs the scheduled refresh once). */
export function menuRefreshNow() {
  return menu.refreshNow();
}

/** Menu: Help. */
export function menuHelp() {
  return menu.help();
}

// ---- Custom function -----------------------------------------------------------------

/**
 * Enriches LinkedIn profile URLs or business emails with Crustdata person data.
 * Results are cached for 6 hours, so recalculating costs no credits while the cache holds.
 *
 * @param {A2:A100} identifiers A cell or single column of LinkedIn profile URLs or business emails.
 * @param {"basic_profile, experience"} fields Optional. Comma-separated field groups or dot-paths, or a range holding them. Default: name, headline, title, employer, location, profile URL.
 * @param {FALSE} header Optional. TRUE puts a header row on top. Default FALSE, so each output row sits beside its input row.
 * @return Enriched columns, one row per input row.
 * @customfunction
 */
export function CRUSTDATA_ENRICH(identifiers: unknown, fields?: unknown, header?: unknown) {
  return customFunction.crustdataEnrich(identifiers, fields, header);
}

// ---- Sidebar calls (google.script.run) -------------------------------------------------
// Every argument arrives from the browser and is validated with zod in sidebarApi.

/** Sidebar: everything the sidebar shows when it opens. */
export function sidebarGetState() {
  return sidebarApi.getState();
}

/** Sidebar: store, replace or remove the API key. */
export function sidebarSaveApiKey(request: unknown) {
  return sidebarApi.saveApiKey(request);
}

/** Sidebar: one preview request (0 credits) to check the key and read the rate limit. */
export function sidebarTestConnection() {
  return sidebarApi.testConnection();
}

/** Sidebar: the source column from the selection or from header names. */
export function sidebarDetectSource() {
  return sidebarApi.detectSource();
}

/** Sidebar: rows, unique identifiers, cached, requests, credits and time for a planned job. */
export function sidebarEstimate(request: unknown) {
  return sidebarApi.estimate(request);
}

/** Sidebar: start a bulk job (checks the target columns for user data first). */
export function sidebarStartJob(request: unknown) {
  return sidebarApi.startJob(request);
}

/** Sidebar: run the job for one short slice of time and report progress. */
export function sidebarContinueJob(request: unknown) {
  return sidebarApi.continueJob(request);
}

/** Sidebar: pause, resume or cancel the job. */
export function sidebarControlJob(request: unknown) {
  return sidebarApi.controlJob(request);
}

/** Sidebar: the job's progress, without doing any work. */
export function sidebarJobStatus(request: unknown) {
  return sidebarApi.jobStatus(request);
}

/** Sidebar: select the rows whose status is a failure. */
export function sidebarSelectFailedRows(request: unknown) {
  return sidebarApi.selectFailedRows(request);
}

/** Sidebar: turn the scheduled refresh on or change it. */
export function sidebarSetSchedule(request: unknown) {
  return refreshApi.setSchedule(request);
}

/** Sidebar: stop the scheduled refresh. */
export function sidebarStopSchedule() {
  return refreshApi.stopSchedule();
}

/** Sidebar: the schedule, its next run and what the last run did. */
export function sidebarScheduleStatus() {
  return refreshApi.scheduleStatus();
}

// ---- Triggers --------------------------------------------------------------------------

/** Time-driven trigger: the scheduled refresh (and background continuation of a paused job). */
export function onScheduledRun(e: unknown) {
  return refreshApi.onScheduledRun(e);
}
