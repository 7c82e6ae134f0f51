// Change tracking for the scheduled refresh: which columns are tracked, what changed in a row,
// and the texts that show it: the note on a changed cell, the row's `Changes` cell and the
// run's summary ("14 people changed jobs"). Pure functions over cell values.
import type { Column } from './catalog';
import type { CellValue } from './types';
import type { PassCounts } from './refreshState';

/** Header of the column the refresh adds beside the results. */
export const CHANGES_HEADER = 'Changes';
/** Developer metadata key on that column; its value names the layout it belongs to. */
export const CHANGES_METADATA_KEY = 'crustdata.changes';
/** Background of a changed cell: Sheets' light orange, readable with black text. */
export const CHANGE_HIGHLIGHT = '#fce8b2';

const SHOWN_VALUE_CHARS = 120;
const MAX_NOTE_CHARS = 2_000;
const MAX_CHANGES_LINES = 10;
const MAX_CHANGES_CHARS = 5_000;

export interface CellChange {
  columnId: string;
  header: string;
  before: string;
  after: string;
}

/** The layout's columns whose header is tracked (case-insensitive), in column order. */
export function trackedColumnsOf(columns: readonly Column[], trackedHeaders: readonly string[]): Column[] {
  const wanted = new Set(trackedHeaders.map((header) => header.trim().toLowerCase()));
  return columns.filter((column) => wanted.has(column.header.toLowerCase()));
}

/** A column whose change means the person changed jobs (the employer of the current role). */
export function isEmployerColumn(column: { id: string; header: string }): boolean {
  return column.id.endsWith('#employer') || column.header.toLowerCase() === 'current employer';
}

/** Text of a cell as Sheets shows it (getValues strips the text marker, so values compare as text). */
export function comparableText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Object.prototype.toString.call(value) === '[object Date]') return (value as Date).toISOString();
  return String(value).trim();
}

/** Tracked cells whose new value differs from what the sheet held. `before`/`after` align with `tracked`. */
export function diffTracked(tracked: readonly Column[], before: readonly unknown[], after: readonly CellValue[]): CellChange[] {
  const changes: CellChange[] = [];
  tracked.forEach((column, i) => {
    const old = comparableText(before[i]);
    const fresh = comparableText(after[i]);
    if (old !== fresh) changes.push({ columnId: column.id, header: column.header, before: old, after: fresh });
  });
  return changes;
}

function shown(value: string): string {
  if (value === '') return '(blank)';
  const oneLine = value.replace(/\s*\n\s*/g, ' / ');
  return oneLine.length > SHOWN_VALUE_CHARS ? oneLine.slice(0, SHOWN_VALUE_CHARS - 1) + '…' : oneLine;
}

/** One line of the Changes cell: "2026-11-30: Current employer: Acme → Globex; Current title: …". */
export function changeLine(date: string, changes: readonly CellChange[]): string {
  return `${date}: ${changes.map((change) => `${change.header}: ${shown(change.before)} → ${shown(change.after)}`).join('; ')}`;
}

/** The Changes cell with the newest line first; older lines kept up to a limit. */
export function prependChangeLine(previous: unknown, line: string): string {
  const older = comparableText(previous)
    .split('\n')
    .filter((text) => text.trim() !== '');
  let text = [line, ...older].slice(0, MAX_CHANGES_LINES).join('\n');
  if (text.length > MAX_CHANGES_CHARS) text = text.slice(0, MAX_CHANGES_CHARS - 1) + '…';
  return text;
}

/** The note on a changed cell: the old value and the date, newest first, earlier notes kept below. */
export function changeNote(previousNote: string, date: string, before: string): string {
  const line = `Changed ${date}. Was: ${before === '' ? '(blank)' : before.length > 500 ? before.slice(0, 499) + '…' : before}`;
  const previous = previousNote.trim();
  // The same mark again (a run killed between its marks and its values, redone): once is enough.
  if (previous === line || previous.startsWith(line + '\n')) return previous;
  const text = previous ? `${line}\n${previous}` : line;
  return text.length > MAX_NOTE_CHARS ? text.slice(0, MAX_NOTE_CHARS - 1) + '…' : text;
}

// ---- Summary -------------------------------------------------------------------------------

/** 1234 -> "1,234" (Apps Script's toLocaleString depends on the server's locale). */
export function formatCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const people = (n: number) => `${formatCount(n)} ${n === 1 ? 'person' : 'people'}`;

/** What changed, in words: "14 people changed jobs, 9 changed title". */
export function describeChanges(changedBy: Record<string, number>, trackedHeaders: readonly string[]): string {
  const parts: string[] = [];
  const headers = [...new Set([...trackedHeaders, ...Object.keys(changedBy)])];
  for (const header of headers) {
    const n = changedBy[header] ?? 0;
    if (!n) continue;
    const lower = header.toLowerCase();
    if (lower === 'current employer') parts.push(`${people(n)} changed jobs`);
    else if (lower === 'current title') parts.push(`${people(n)} changed title`);
    else parts.push(`${header} changed for ${people(n)}`);
  }
  return parts.join(', ');
}

export type PassPhase = 'done' | 'continues' | 'stopped';

/** The sentence the sidebar shows for the last run (the counts are shown beside it). */
export function describePass(counts: PassCounts, trackedHeaders: readonly string[], phase: PassPhase, sheetName: string): string {
  const processed = counts.refreshed + counts.notFound + counts.failed;
  const changes = describeChanges(counts.changedBy, trackedHeaders);
  // Only rows that had data are "no longer found"; the others were never found (passes saved
  // before `lost` was counted take every not-found row as lost).
  const lostCount = Math.min(counts.lost ?? counts.notFound, counts.notFound);
  const neverFound = counts.notFound - lostCount;
  const lost = [
    lostCount ? `${people(lostCount)} no longer found (their old data is kept and flagged)` : '',
    neverFound ? `${formatCount(neverFound)} still not found` : '',
  ]
    .filter(Boolean)
    .join('; ');
  const failed = counts.failed ? `${formatCount(counts.failed)} could not be refreshed and will be tried again` : '';
  const what = [changes || (counts.refreshed ? 'no changes' : ''), lost, failed].filter(Boolean).join('; ');
  if (phase === 'done') {
    if (!processed) return `“${sheetName}”: nothing was older than the refresh threshold.`;
    return `“${sheetName}”: refreshed ${formatCount(processed)} ${processed === 1 ? 'row' : 'rows'}: ${what}.`;
  }
  const sofar = `“${sheetName}”: ${formatCount(processed)} of ${formatCount(counts.due)} rows refreshed so far${what ? `: ${what}` : ''}.`;
  return phase === 'continues' ? `${sofar} It carries on at the next hourly run.` : sofar;
}
