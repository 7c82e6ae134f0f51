// The one list of functions Apps Script can call. The build (scripts/build.mjs) emits a
// top-level `function NAME(params) { return CrustdataAddon.NAME(params); }` for every
// function exported here, copying its JSDoc, so Sheets sees the custom function's help.
// Keep each entry a one-line delegation: the logic lives in src/server and src/core.

import type { SidebarServer } from './common/contract';
import type { TRIGGER_HANDLER } from './core/refreshControl';
import * as customFunction from './server/customFunction';
import * as menu from './server/menu';
import type { MenuHandler } from './server/menu';
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
 * Enriches LinkedIn profile URLs or business emails with Crustdata person data: one output row per
 * input row. Default columns: Name, Headline, Current title, Location, Current employer, Current
 * company domain, Current start date, Other current roles, Profile URL. A row that cannot be
 * enriched shows a short message in its first cell ("Not found", "Invalid LinkedIn URL", "Rate
 * limit reached — recalculate in a minute, or use the sidebar for large columns"); a blank row
 * stays blank. Results are cached for 6 hours per identifier, fields and options, so recalculating
 * or copying the formula costs no credits while the cache holds, and a column of
 * =CRUSTDATA_ENRICH(A2) formulas filled down is fetched 25 rows per request, like one range
 * formula. Needs an API key shared with this spreadsheet's formulas: Extensions → Crustdata → Open
 * sidebar, API key, Share with formulas.
 *
 * @param {A2:A100} identifiers One cell or one column of LinkedIn profile URLs (any pasted form) or business emails; both may be mixed.
 * @param {"basic_profile, experience"} fields Optional. Comma-separated field groups (basic_profile, experience, education, skills, contact, social_handles, dev_platform_profiles, professional_network, certifications, honors) or dot-paths such as basic_profile.name, or a range holding them. "match" adds columns about the match itself (confidence score, match type, candidates, ambiguous; no extra credits), or pick one such as match.confidence_score. Empty: the default columns.
 * @param {FALSE} header Optional. TRUE adds one header row on top. Default FALSE, so output row i belongs to input row i and the formula can sit beside its input.
 * @param {"min_score=0.8, live"} options Optional text. min_score=0.8: for business emails, keep only matches with at least this confidence (0 to 1; no extra cost, a row with no match left costs nothing). live: rows that come back "Not found" are tried again on Crustdata's live endpoint, which is slower and costs more per row found (Crustdata does not publish the price; the add-on assumes up to 2 credits more per profile found, nothing for a row still not found). Anything else is an error naming the valid options.
 * @return One row per input row (after the header row, if asked for), one column per field.
 * @customfunction
 */
export function CRUSTDATA_ENRICH(identifiers: unknown, fields?: unknown, header?: unknown, options?: unknown) {
  return customFunction.crustdataEnrich(identifiers, fields, header, options);
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

// ---- Names called by string, checked against this list: a rename breaks the build ----------------

type EntryPoints = typeof import('./entrypoints');
type Holds<Claim extends true> = Claim;
type SidebarEntryPoint = Extract<keyof EntryPoints, `sidebar${string}`>;

/** The sidebar's client (sidebar/src/client.ts) calls exactly the sidebar functions of the contract, and this list has exactly those. */
export type SidebarCallsAreEntryPoints = Holds<[SidebarEntryPoint] extends [keyof SidebarServer] ? ([keyof SidebarServer] extends [SidebarEntryPoint] ? true : false) : false>;

/** Each of them answers what the contract says the sidebar receives. */
export type SidebarAnswersMatch = Holds<
  { [Name in keyof SidebarServer]: ReturnType<EntryPoints[Name]> extends ReturnType<SidebarServer[Name]> ? true : false }[keyof SidebarServer] extends true ? true : false
>;

/** The menu's items (server/menu.ts) and the hourly trigger (core/refreshControl.ts) name functions of this list. */
export type HandlersAreEntryPoints = Holds<MenuHandler | typeof TRIGGER_HANDLER extends keyof EntryPoints ? true : false>;
