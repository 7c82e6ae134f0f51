// Functions the sidebar calls through google.script.run (src/common/contract.ts). Every
// argument is validated (validation.ts, then against the spreadsheet and the catalog), every
// answer is plain data. The work itself is the bulk job core (src/core/bulkJob.ts).
import * as job from '../core/bulkJob';
import type { JobDeps, JobSource } from '../core/bulkJob';
import { COMPUTED_FIELD_PATHS, COMPUTED_GROUPS, FIELD_GROUPS, FIELD_PATHS, parseFieldSelection, selectionEntries } from '../core/catalog';
import { buildEnrichRequest, interpretResponse, readRateHeaders } from '../core/crustdataClient';
import { forgetKeyVerdict } from '../core/enrich';
import { EnrichError, isEnrichError } from '../core/errors';
import { classifyIdentifier } from '../core/identifiers';
import { findJob, loadJob, loadSettings, toProgress } from '../core/jobState';
import { checkJobOptions, defaultJobFields, type JobApiOptions } from '../core/jobOptions';
import { columnLetter } from '../core/sheetTarget';
import { HttpTransportError } from '../core/ports';
import {
  documentStore,
  maskApiKey,
  readApiKey,
  readPersonalKey,
  readRequestsPerMinute,
  readSharedKey,
  sharedByCurrentUser,
  writeApiKey,
  writeRequestsPerMinute,
} from '../adapters/keys';
import { enrichContextFor, jobDeps } from '../adapters/deps';
import * as refreshApi from './refreshApi';
import type {
  ApiKeyStatus,
  ConnectionResult,
  Estimate,
  JobProgress,
  JobSettings,
  ScheduleStatus,
  SelectFailedResult,
  SidebarState,
  SourceGuess,
  SourceRange,
  StartJobResponse,
} from '../common/contract';
import { controlJobRequestSchema, estimateRequestSchema, jobRefSchema, parseRequest, saveApiKeyRequestSchema, startJobRequestSchema } from './validation';

/** Each continueJob call starts requests for this long, then reports (well inside 6 minutes). */
export const SIDEBAR_SLICE_MS = 30_000;
/** A person Crustdata's reference uses; a preview request costs no credit. */
const CONNECTION_TEST_PROFILE = 'https://www.linkedin.com/in/williamhgates';

export function getState(): SidebarState {
  const sheet = SpreadsheetApp.getActiveSheet();
  const store = documentStore();
  const stored = loadJob(store, sheet.getSheetId());
  const source = detectSource();
  return {
    sheetName: sheet.getName(),
    apiKey: apiKeyStatus(),
    requestsPerMinute: readRequestsPerMinute(),
    // The match group after the API's: computed from the answer, it costs nothing.
    groups: [...FIELD_GROUPS, ...COMPUTED_GROUPS].map(({ name, label, description, extraCredits, costNote, isDefault }) => ({ name, label, description, extraCredits, costNote, isDefault })),
    paths: [...FIELD_PATHS, ...COMPUTED_FIELD_PATHS].map(({ path, group, header }) => ({ path, group, header })),
    settings: lastSettings(sheet.getSheetId(), source),
    source,
    job: stored ? toProgress(stored) : null,
    schedule: scheduleOrDefault(),
  };
}

export function saveApiKey(request: unknown): ApiKeyStatus {
  const { apiKey, scope, requestsPerMinute } = parseRequest(saveApiKeyRequestSchema(), request, 'The request');
  if (apiKey === undefined) {
    // No key sent: the saved ones stay (the browser never holds a key).
    if (!readApiKey()) throw new EnrichError('missing_api_key', 'No API key is saved yet, so there is nothing to keep. Paste your Crustdata API key and save it.');
    if (scope === 'document') {
      // Share this user's own key with the spreadsheet's formulas (the sidebar asked first).
      const own = readPersonalKey();
      if (!own) throw new EnrichError('missing_api_key', 'You have no key of your own to share. Paste a Crustdata API key and choose to share it with this spreadsheet.');
      writeApiKey(own, 'document');
    }
  } else {
    writeApiKey(apiKey, scope);
  }
  if (requestsPerMinute !== undefined) writeRequestsPerMinute(requestsPerMinute);
  return apiKeyStatus();
}

/** One preview request (0 credits): does the key work, and what rate limit does the API report. */
export function testConnection(): ConnectionResult {
  const ctx = enrichContextFor('job');
  if (!ctx.apiKey) return { ok: false, message: 'No API key is set yet.', rateLimitPerMinute: null, remaining: null };
  const request = buildEnrichRequest(ctx.apiBaseUrl, ctx.apiKey, { kind: 'profile_url', identifiers: [CONNECTION_TEST_PROFILE], fields: ['basic_profile.name'], preview: true });
  let response;
  try {
    [response] = ctx.http.fetchAll([request]);
  } catch (error) {
    const detail = error instanceof HttpTransportError ? error.message : 'no answer';
    return { ok: false, message: `Could not reach Crustdata (${detail}). Check the connection and try again.`, rateLimitPerMinute: null, remaining: null };
  }
  const now = ctx.clock.now();
  const rate = readRateHeaders(response.headers, now);
  const verdict = interpretResponse(response, now);
  const limits = { rateLimitPerMinute: rate.limit ?? null, remaining: rate.remaining ?? null };
  if (verdict.kind === 'ok' || verdict.kind === 'not_found') {
    const limitText = rate.limit ? ` Rate limit: ${rate.limit} requests per minute.` : '';
    return { ok: true, message: `The key works.${limitText}`, ...limits };
  }
  if (verdict.kind === 'retry' && verdict.code === 'rate_limited') {
    return { ok: true, message: 'The key works, but it is rate-limited right now; a job will wait for the window.', ...limits };
  }
  return { ok: false, message: verdict.message, ...limits };
}

// ---- Source detection ----------------------------------------------------------------------

const HEADER_NAMES: Array<[RegExp, number]> = [
  [/linked\s*in|profile\s*ur[li]|\bli\s*url/i, 3],
  [/e-?mail/i, 2],
  [/\burl\b|profile/i, 1],
];
/** Rows looked at to guess a column from its content. */
const SNIFF_ROWS = 50;

export function detectSource(): SourceGuess | null {
  const sheet = SpreadsheetApp.getActiveSheet();
  const lastRow = sheet.getLastRow();
  const lastColumn = sheet.getLastColumn();
  if (lastRow === 0 || lastColumn === 0) return null;
  const sniffRows = Math.min(lastRow, SNIFF_ROWS);
  const top = sheet.getRange(1, 1, sniffRows, lastColumn).getValues();
  const identifiersIn = (column: number) => top.filter((row) => isIdentifier(row[column - 1])).length;

  const active = sheet.getActiveRange();
  if (active && active.getColumn() <= lastColumn && active.getNumColumns() === 1) {
    const column = active.getColumn();
    const multiRow = active.getNumRows() > 1;
    const firstRow = multiRow ? active.getRow() : 1;
    const endRow = multiRow ? Math.min(active.getLastRow(), lastRow) : lastRow;
    if (endRow >= firstRow) {
      const values = sheet.getRange(firstRow, column, endRow - firstRow + 1, 1).getValues().map((row) => row[0]);
      if (values.slice(0, SNIFF_ROWS * 4).some(isIdentifier)) return guess(sheet, column, firstRow, values, 'selection');
    }
  }

  let best: { column: number; score: number } | null = null;
  top[0].forEach((cell, i) => {
    const text = typeof cell === 'string' ? cell : '';
    const weight = HEADER_NAMES.find(([pattern]) => pattern.test(text))?.[1] ?? 0;
    if (!weight || isIdentifier(cell)) return;
    const score = weight * 1000 + identifiersIn(i + 1);
    if (!best || score > best.score) best = { column: i + 1, score };
  });
  const byContent = [...Array(lastColumn).keys()].map((i) => ({ column: i + 1, count: identifiersIn(i + 1) })).sort((a, b) => b.count - a.count)[0];
  const found: { column: number; by: 'header' | 'none' } | null = best
    ? { column: (best as { column: number }).column, by: 'header' }
    : byContent && byContent.count > 0
      ? { column: byContent.column, by: 'none' }
      : null;
  if (!found) return null;
  const values = sheet.getRange(1, found.column, lastRow, 1).getValues().map((row) => row[0]);
  return guess(sheet, found.column, 1, values, found.by);
}

function isIdentifier(cell: unknown): boolean {
  const kind = classifyIdentifier(cell).kind;
  return kind === 'profile_url' || kind === 'business_email';
}

function guess(sheet: GoogleAppsScript.Spreadsheet.Sheet, column: number, firstRow: number, values: unknown[], foundBy: SourceGuess['foundBy']): SourceGuess {
  const head = values[0];
  const hasHeader = typeof head === 'string' && head.trim() !== '' && !isIdentifier(head);
  let last = values.length - 1;
  while (last > 0 && classifyIdentifier(values[last]).kind === 'blank') last--;
  const lastRow = Math.max(firstRow + last, firstRow + (hasHeader ? 1 : 0));
  return {
    sheetName: sheet.getName(),
    column,
    columnLetter: columnLetter(column),
    firstRow,
    lastRow,
    hasHeader,
    headerText: hasHeader ? String(head) : null,
    foundBy,
    dataRows: lastRow - firstRow + 1 - (hasHeader ? 1 : 0),
  };
}

// ---- Estimate and the job ----------------------------------------------------------------------

export function estimate(request: unknown): Estimate {
  const { source, settings } = parseRequest(estimateRequestSchema(), request, 'The estimate request');
  const jobSource = resolveSource(source);
  const fields = checkedFields(settings);
  return job.estimateJob(jobDeps(), jobSource, { fields, reenrich: settings.reenrich, options: checkedOptions(settings) });
}

export function startJob(request: unknown): StartJobResponse {
  const parsed = parseRequest(startJobRequestSchema(), request, 'The start request');
  const jobSource = resolveSource(parsed.source);
  if (!readApiKey()) {
    return { ok: false, reason: 'no_api_key', message: 'Set your Crustdata API key first (API key section, or Extensions → Crustdata → Set API key…).' };
  }
  let fields: string[];
  let options: JobApiOptions;
  try {
    fields = checkedFields(parsed.settings);
    options = checkedOptions(parsed.settings);
  } catch (error) {
    return { ok: false, reason: 'invalid', message: isEnrichError(error) ? error.message : 'The field selection is not valid.' };
  }
  if (parsed.onConflict === 'elsewhere' && parsed.targetColumn === undefined) {
    return { ok: false, reason: 'invalid', message: 'Choose the column where the results should start.' };
  }
  // The hourly trigger carries a job on while the sidebar is closed; it is made here, from the
  // user's click (FULL auth), before the job depends on it.
  if (parsed.continueInBackground) refreshApi.ensureHourlyTrigger();
  return job.startJob(jobDeps(), jobSource, {
    fields,
    reenrich: parsed.settings.reenrich,
    options,
    onConflict: parsed.onConflict,
    targetColumn: parsed.targetColumn,
    continueInBackground: parsed.continueInBackground,
    creditCap: parsed.creditCap ?? null,
  });
}

export function continueJob(request: unknown): JobProgress {
  const { jobId } = parseRequest(jobRefSchema(), request, 'The job reference');
  const deps = jobDeps();
  const stored = requireJob(deps, jobId);
  const after = job.continueSlice(deps, stored.sheetId, SIDEBAR_SLICE_MS);
  return toProgress(after && after.jobId === jobId ? after : stored);
}

export function controlJob(request: unknown): JobProgress {
  const { jobId, action, continueInBackground, creditCap } = parseRequest(controlJobRequestSchema(), request, 'The job control request');
  const deps = jobDeps();
  const stored = requireJob(deps, jobId);
  if (continueInBackground && action !== 'cancel') refreshApi.ensureHourlyTrigger();
  // Resume after a problem is the user's word that it is fixed (credits added): ask Crustdata again.
  if (action === 'resume' && stored.state === 'paused' && stored.pausedBy === 'problem') forgetKeyVerdict(enrichContextFor('job'));
  const after = job.controlJob(deps, jobId, action, continueInBackground, 'user', creditCap === undefined ? {} : { creditCap });
  if (!after) throw new EnrichError('invalid_argument', 'This job no longer exists.');
  return toProgress(after);
}

export function jobStatus(request: unknown): JobProgress | null {
  const { jobId } = parseRequest(jobRefSchema(), request, 'The job reference');
  const stored = findJob(documentStore(), jobId);
  return stored ? toProgress(stored) : null;
}

export function selectFailedRows(request: unknown): SelectFailedResult {
  const { jobId } = parseRequest(jobRefSchema(), request, 'The job reference');
  const deps = jobDeps();
  requireJob(deps, jobId);
  return job.selectFailedRows(deps, jobId);
}

/**
 * For the hourly trigger (refreshApi.onScheduledRun): carries on the jobs the user let continue
 * in the background, for at most budgetMs of starting requests. Returns what it touched.
 */
export function continueBackgroundJobs(budgetMs: number): JobProgress[] {
  return job.continueBackgroundJobs(jobDeps(), budgetMs);
}

// ---- Helpers ----------------------------------------------------------------------------------

function apiKeyStatus(): ApiKeyStatus {
  const key = readApiKey();
  const own = readPersonalKey();
  const shared = readSharedKey();
  return {
    isSet: key !== null,
    masked: key ? maskApiKey(key.key) : null,
    scope: key ? key.scope : null,
    hasOwnKey: own !== null,
    formulas: shared ? { masked: maskApiKey(shared), sharedByYou: sharedByCurrentUser(), isYourKey: shared === own } : null,
  };
}

/** The sheet's last choice; else the defaults, with the match columns when the column holds business emails. */
function lastSettings(sheetId: number, source: SourceGuess | null): JobSettings {
  const saved = loadSettings(documentStore(), sheetId);
  if (saved) return { fields: saved.fields, reenrich: saved.reenrich, options: checkJobOptions(saved.options) };
  return { fields: defaultJobFields(source !== null && holdsEmails(source)), reenrich: false, options: checkJobOptions(null) };
}

/** More business emails than profile URLs in the first rows of the detected column. */
function holdsEmails(source: SourceGuess): boolean {
  const sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(source.sheetName);
  const first = source.firstRow + (source.hasHeader ? 1 : 0);
  const rows = Math.min(SNIFF_ROWS, source.lastRow - first + 1);
  if (!sheet || rows <= 0) return false;
  let emails = 0;
  let urls = 0;
  for (const [cell] of sheet.getRange(first, source.column, rows, 1).getValues()) {
    const kind = classifyIdentifier(cell).kind;
    if (kind === 'business_email') emails++;
    else if (kind === 'profile_url') urls++;
  }
  return emails > urls;
}

function scheduleOrDefault(): ScheduleStatus {
  try {
    return refreshApi.scheduleStatus() as ScheduleStatus;
  } catch {
    // The schedule is another part of the add-on; its trouble must not keep the sidebar from opening.
    return { enabled: false, target: null, settings: null, nextRunAt: null, lastRun: null, pausedReason: null, pausedCode: null, triggerNotice: null };
  }
}

/** The sidebar's source, checked against the spreadsheet as it is now. */
export function resolveSource(source: SourceRange): JobSource {
  const sheet = SpreadsheetApp.getActiveSpreadsheet().getSheetByName(source.sheetName);
  if (!sheet) throw new EnrichError('invalid_argument', `There is no sheet named "${source.sheetName}" any more. Pick the column again.`);
  if (source.column > sheet.getMaxColumns()) throw new EnrichError('invalid_argument', `Column ${columnLetter(source.column)} is outside the sheet "${source.sheetName}".`);
  if (source.lastRow > sheet.getMaxRows()) throw new EnrichError('invalid_argument', `Row ${source.lastRow} is outside the sheet "${source.sheetName}".`);
  return { ...source, sheetId: sheet.getSheetId(), sheetName: sheet.getName() };
}

function checkedFields(settings: JobSettings): string[] {
  // Throws EnrichError('unknown_field') with a suggestion for anything the catalog does not know.
  // Computed entries (the match group) are kept: they are columns, not API fields.
  return selectionEntries(parseFieldSelection(settings.fields));
}

function checkedOptions(settings: JobSettings): JobApiOptions {
  // The schema checked the range already; this names the rule again for any other caller.
  return checkJobOptions(settings.options);
}

function requireJob(deps: JobDeps, jobId: string) {
  const stored = findJob(deps.store, jobId);
  if (!stored) throw new EnrichError('invalid_argument', 'This job no longer exists (another job replaced it). Start a new one.');
  return stored;
}
