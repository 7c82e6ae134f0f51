// The add-on menu and its handlers. onOpen may run in AuthMode.NONE (menu only: no Properties,
// no UrlFetch), so it builds the menu and nothing else; the handlers run in FULL mode.
import * as job from '../core/bulkJob';
import type { JobDeps, JobSource } from '../core/bulkJob';
import { DEFAULT_FIELDS } from '../core/catalog';
import { defaultJobFields } from '../core/jobOptions';
import { loadJob, loadSettings, toProgress } from '../core/jobState';
import { columnLetter } from '../core/sheetTarget';
import type { JobProgress, StartJobResponse } from '../common/contract';
import { maskApiKey, readApiKey, readSharedKey, sharedByCurrentUser, writeApiKey } from '../adapters/keys';
import * as refreshApi from './refreshApi';
import { jobDeps } from '../adapters/deps';
import { detectSource } from './sidebarApi';
import { saveApiKeyRequestSchema } from './validation';

const TITLE = 'Crustdata';
/** A menu run stops starting work here, leaving room under Apps Script's 6-minute limit. */
export const MENU_RUN_MS = 5 * 60_000;

/** The menu in order, null a separator; each handler is an entry point (src/entrypoints.ts checks the names). */
export const MENU_ITEMS = [
  ['Open sidebar', 'menuOpenSidebar'],
  ['Enrich selected rows', 'menuEnrichSelection'],
  ['Refresh now', 'menuRefreshNow'],
  null,
  ['Set API key…', 'menuSetApiKey'],
  ['Help', 'menuHelp'],
] as const;
export type MenuHandler = NonNullable<(typeof MENU_ITEMS)[number]>[1];

export function onOpen(e: unknown): void {
  const menu = SpreadsheetApp.getUi().createAddonMenu();
  for (const item of MENU_ITEMS) {
    if (item) menu.addItem(item[0], item[1]);
    else menu.addSeparator();
  }
  menu.addToUi();
}

export function onInstall(e: unknown): void {
  onOpen(e);
}

export function openSidebar(): void {
  const html = HtmlService.createHtmlOutputFromFile('Sidebar').setTitle(TITLE);
  SpreadsheetApp.getUi().showSidebar(html);
}

/** Enriches the selected rows with this sheet's last settings, after confirming the estimate. */
export function enrichSelection(): void {
  const ui = SpreadsheetApp.getUi();
  const deps = jobDeps();
  const startedAt = deps.clock.now();
  if (!readApiKey()) {
    ui.alert(TITLE, 'Set your Crustdata API key first: Extensions → Crustdata → Set API key…', ui.ButtonSet.OK);
    return;
  }
  const source = selectedSource();
  if (!source) {
    ui.alert(TITLE, 'Select the cells that hold LinkedIn profile URLs or business emails, then choose Enrich selected rows again.', ui.ButtonSet.OK);
    return;
  }
  const running = loadJob(deps.store, source.sheetId);
  if (running && running.state === 'paused') {
    ui.alert(TITLE, 'A job on this sheet is paused. Open the sidebar to resume or cancel it.', ui.ButtonSet.OK);
    return;
  }
  if (!running || running.state !== 'running') {
    const saved = loadSettings(deps.store, source.sheetId);
    let settings = saved ?? { fields: [...DEFAULT_FIELDS], reenrich: false };
    let estimate = job.estimateJob(deps, source, settings);
    // No choice on this sheet yet and mostly business emails: the match columns come too, as in the sidebar.
    if (!saved && estimate.emails > estimate.profileUrls) {
      settings = { ...settings, fields: defaultJobFields(true) };
      estimate = job.estimateJob(deps, source, settings);
    }
    const confirm = ui.alert(
      'Enrich selected rows?',
      [
        `${estimate.rows} rows of column ${columnLetter(source.column)} in ${source.sheetName}: ${estimate.uniqueIdentifiers} unique identifiers, ${estimate.invalid} invalid, ${estimate.blank} blank.`,
        `Already enriched: ${estimate.alreadyEnriched}. In the cache: ${estimate.cached}.`,
        `To fetch: ${estimate.toFetch} in ${plural(estimate.requests, 'request')}, at most ${plural(estimate.creditsMax, 'credit')}, about ${plural(estimate.minutes, 'minute')}.`,
        estimate.liveCreditsMax ? `Live pass for rows not found: at most ${plural(estimate.liveCreditsMax, 'credit')} more.` : '',
        `Results go to ${estimate.targetRange} (${estimate.headers.length} columns: ${estimate.headers.slice(0, 4).join(', ')}${estimate.headers.length > 4 ? ', …' : ''}).`,
        estimate.conflictCells ? `${estimate.conflictCells} cells there hold other data: you will be asked what to do.` : '',
      ]
        .filter(Boolean)
        .join('\n'),
      ui.ButtonSet.YES_NO,
    );
    if (confirm !== ui.Button.YES) return;
    if (!startWithChoice(deps, source, settings)) return;
  }
  const after = job.runFor(deps, source.sheetId, MENU_RUN_MS - (deps.clock.now() - startedAt));
  if (after) ui.alert(TITLE, summary(toProgress(after)), ui.ButtonSet.OK);
}

/** Starts the job; asks about data in the way. False when the user stopped or it could not start. */
function startWithChoice(deps: JobDeps, source: JobSource, settings: { fields: string[]; reenrich: boolean }): boolean {
  const ui = SpreadsheetApp.getUi();
  let response: StartJobResponse = job.startJob(deps, source, settings);
  if (!response.ok && response.reason === 'conflict') {
    const choice = ui.alert(
      'Cells in the way',
      `${response.conflictCells} cells in ${response.targetRange} hold data the add-on did not write (${response.sample.slice(0, 3).join('; ')}).\n\n` +
        'Yes: insert new columns for the results.\nNo: overwrite those cells.\nCancel: stop.',
      ui.ButtonSet.YES_NO_CANCEL,
    );
    if (choice !== ui.Button.YES && choice !== ui.Button.NO) return false;
    response = job.startJob(deps, source, { ...settings, onConflict: choice === ui.Button.YES ? 'insert' : 'overwrite' });
  }
  if (response.ok) return true;
  const message =
    response.reason === 'job_running'
      ? 'A job is already under way on this sheet. Open the sidebar to see it.'
      : response.reason === 'conflict'
        ? 'Cells in the way: open the sidebar to choose where the results go.'
        : response.message;
  ui.alert(TITLE, message, ui.ButtonSet.OK);
  return false;
}

/** The identifier column of the selection (or of the sheet), limited to the selected rows. */
function selectedSource(): JobSource | null {
  const sheet = SpreadsheetApp.getActiveSheet();
  const guess = detectSource();
  if (!guess) return null;
  const source: JobSource = { sheetId: sheet.getSheetId(), ...guess };
  const selection = sheet.getActiveRange();
  if (selection && selection.getNumRows() > 1 && guess.foundBy !== 'selection') {
    source.firstRow = Math.max(1, selection.getRow());
    source.lastRow = Math.min(selection.getLastRow(), guess.lastRow);
    source.hasHeader = guess.hasHeader && source.firstRow === 1;
    if (source.lastRow < source.firstRow + (source.hasHeader ? 1 : 0)) return null;
  }
  return source;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function summary(progress: JobProgress): string {
  const { counts } = progress;
  const line = `${counts.enriched} enriched, ${counts.notFound} not found, ${counts.invalid} invalid, ${counts.failed} failed, ${counts.skipped} skipped.`;
  if (progress.state === 'done') return `Done: ${progress.processed} rows. ${line}`;
  if (progress.state === 'running') {
    return `${progress.processed} of ${progress.total} rows so far (${line}) The rest continues when you open the sidebar: Extensions → Crustdata → Open sidebar.`;
  }
  return `${progress.message ?? 'The job stopped.'} ${progress.processed} of ${progress.total} rows done (${line}) Open the sidebar to resume.`;
}

/**
 * Saves the user's own key (their jobs use it; formulas never do), then asks whether this
 * spreadsheet's formulas may use it too, saying what that means, as the sidebar does.
 */
export function setApiKey(): void {
  const ui = SpreadsheetApp.getUi();
  const response = ui.prompt(
    'Crustdata API key',
    [
      'Paste your Crustdata API key. It is kept in your user properties: your sidebar and menu jobs use it, and only you can.',
      `Formulas (=CRUSTDATA_ENRICH) in this spreadsheet use ${formulaKeyText()}.`,
      'Leave empty to cancel.',
    ].join('\n\n'),
    ui.ButtonSet.OK_CANCEL,
  );
  if (response.getSelectedButton() !== ui.Button.OK) return;
  const key = response.getResponseText().trim();
  if (!key) return;
  const valid = saveApiKeyRequestSchema().safeParse({ apiKey: key, scope: 'user' });
  if (!valid.success) {
    ui.alert(TITLE, 'That does not look like an API key (8 to 512 characters, no spaces). Nothing was saved.', ui.ButtonSet.OK);
    return;
  }
  writeApiKey(key, 'user');
  if (readSharedKey() !== key) {
    const share = ui.alert(
      "Share it with this spreadsheet's formulas?",
      [
        `Formulas in this spreadsheet use only a key shared with it. Now they use ${formulaKeyText()}.`,
        `Share ${maskApiKey(key)} with them? Anyone who can edit this spreadsheet can then spend credits on this key.`,
      ].join('\n\n'),
      ui.ButtonSet.YES_NO,
    );
    if (share === ui.Button.YES) writeApiKey(key, 'document');
  }
  ui.alert(TITLE, `Your API key ${maskApiKey(key)} is saved. Formulas in this spreadsheet use ${formulaKeyText()}.`, ui.ButtonSet.OK);
}

/** Which key formulas use, in words: "no key" or "the shared key ••••1234 (shared by you)". */
function formulaKeyText(): string {
  const shared = readSharedKey();
  if (!shared) return 'no key';
  return `the shared key ${maskApiKey(shared)} (shared by ${sharedByCurrentUser() ? 'you' : 'another editor'})`;
}

export function refreshNow(): void {
  refreshApi.runRefreshNow();
}

export function help(): void {
  const ui = SpreadsheetApp.getUi();
  ui.alert(
    'Crustdata for Google Sheets',
    [
      'Enrich LinkedIn profile URLs and business emails with Crustdata person data.',
      '',
      '• A few cells: =CRUSTDATA_ENRICH(A2:A50) beside your column.',
      '• A whole column: Extensions → Crustdata → Open sidebar, pick the fields, Start. The results go into new columns to the right, with a status per row; the job can be paused and resumed.',
      '• Enrich selected rows: the same with this sheet\'s last settings.',
      '',
      'Each matched profile costs 1 credit, more for contact and developer data; "not found" costs nothing. Set your key with Set API key….',
    ].join('\n'),
    ui.ButtonSet.OK,
  );
}


