// The bulk job end to end: the real dist/Code.js in the emulator (virtual clock, 6-minute limit,
// Sheets' parsing, developer metadata) against the mock API in-process at 15 requests/minute,
// driven through the same sidebar calls the sidebar makes. Needs `npm run build` first.
import { SPECIAL, syntheticBusinessEmail, syntheticPerson, syntheticProfileUrl, syntheticSlug } from '../../dev/mock-api/dataset';
import { classifyIdentifier } from '../../src/core/identifiers';
import { CHANGE_HIGHLIGHT } from '../../src/core/changeTracking';
import { columnLetter } from '../../src/core/sheetTarget';
import type { JobProgress, StartJobResponse } from '../../src/common/contract';
import { driveJob, formulasOf, jobWorld, startRequest, TEST_KEY, withSheet, type JobWorld } from './jobHarness';

const DEFAULT_FIELDS: string[] = []; // the catalog's default selection
const BLOCK = 50;

/** A deterministic column: synthetic people as URLs and emails, duplicates in other forms, blanks, invalid cells. */
function sampleColumn(rows: number, seed = 1): unknown[] {
  let state = seed;
  const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const forms = [
    (n: number) => syntheticProfileUrl(n).toUpperCase(),
    (n: number) => syntheticProfileUrl(n).replace('https://www.', 'http://'),
    (n: number) => syntheticProfileUrl(n).replace('https://www.', '') + '/',
    (n: number) => syntheticProfileUrl(n).replace('www.', 'uk.') + '?utm_source=mail',
    (n: number) => `  ${syntheticProfileUrl(n)}/details/experience/ `,
    (n: number) => `mailto:${syntheticBusinessEmail(n).toUpperCase()}`,
  ];
  const invalid = ['n/a', 'https://www.linkedin.com/company/acme', 'ACoAABcdEfGhIjKlMnOp', 'call me', 'https://www.linkedin.com/in/'];
  const seen: number[] = [];
  const column: unknown[] = [];
  for (let i = 0; i < rows; i++) {
    const roll = random();
    if (roll < 0.03) column.push('');
    else if (roll < 0.08) column.push(invalid[i % invalid.length]);
    else if (roll < 0.38 && seen.length) column.push(forms[i % forms.length](seen[Math.floor(random() * seen.length)]));
    else if (roll < 0.4) column.push(`https://www.linkedin.com/in/nobody-${i}`); // not found
    else {
      const n = seen.length;
      seen.push(n);
      column.push(n % 5 === 0 ? syntheticBusinessEmail(n) : syntheticProfileUrl(n));
    }
  }
  // People whose data Sheets would misread or run: they must arrive as text.
  column.splice(10, 0, SPECIAL.hostileHeadline.profileUrl, SPECIAL.hostileEverywhere.profileUrl, SPECIAL.leadingZeros.profileUrl, SPECIAL.plusPhone.profileUrl, SPECIAL.numberLike.profileUrl);
  return column.slice(0, rows);
}

/** The bulk job's row anchors on any sheet, where they are now. */
function rowAnchorsOf(world: JobWorld) {
  return world.emu.model.developerMetadata().filter((entry) => entry.key === 'crustdata.job');
}

function start(world: JobWorld, request: unknown): StartJobResponse {
  return world.emu.callFromSidebar('sidebarStartJob', request) as StartJobResponse;
}

function startOk(world: JobWorld, request: unknown): JobProgress {
  const response = start(world, request);
  if (!response.ok) throw new Error(`start failed: ${JSON.stringify(response)}`);
  return response.job;
}

/** Normalized identifier -> the requests that carried it, in order. */
function sendsByIdentifier(world: JobWorld): Map<string, boolean[]> {
  const byId = new Map<string, boolean[]>();
  for (const request of world.sent) for (const id of request.identifiers) byId.set(id, [...(byId.get(id) ?? []), request.answered]);
  return byId;
}

function expectEachIdentifierAnsweredOnce(world: JobWorld, column: unknown[]): void {
  const expected = new Set<string>();
  for (const cell of column) {
    const id = classifyIdentifier(cell);
    if (id.kind === 'profile_url' || id.kind === 'business_email') expected.add(id.normalized);
  }
  const sends = sendsByIdentifier(world);
  expect([...sends.keys()].sort()).toEqual([...expected].sort());
  for (const [id, answers] of sends) {
    // Sent again only after a send that failed (a fault), and answered exactly once.
    expect({ id, answered: answers.filter(Boolean).length, lastAnswered: answers[answers.length - 1] }).toEqual({ id, answered: 1, lastAnswered: true });
  }
  expect(world.sent.some((request) => request.status === 400)).toBe(false);
}

function nameOf(cell: unknown): string | null {
  const id = classifyIdentifier(cell);
  if (id.kind === 'profile_url') {
    const match = /synthetic-(\d+)$/.exec(id.normalized);
    return match ? String(syntheticPerson(Number(match[1])).data.basic_profile?.name ?? '') : null;
  }
  if (id.kind === 'business_email') {
    const match = /^synthetic-(\d+)@/.exec(id.normalized);
    return match ? String(syntheticPerson(Number(match[1])).data.basic_profile?.name ?? '') : null;
  }
  return null;
}

function expectRowsRight(world: JobWorld, sheetName: string, column: unknown[], firstResultColumn = 2, firstDataRow = 2): void {
  const sheet = world.emu.model.sheet(sheetName);
  column.forEach((cell, i) => {
    const row = i + firstDataRow;
    const status = String(sheet.cell(row, firstResultColumn).value);
    const id = classifyIdentifier(cell);
    if (id.kind === 'blank') expect(status).toBe('');
    else if (id.kind === 'invalid') expect(status).toBe(`Invalid identifier: ${id.message}`);
    else if (/nobody-/.test(id.normalized)) expect(status).toBe('Not found');
    else {
      expect({ row, status }).toEqual({ row, status: 'Enriched 2025-01-06' });
      const name = nameOf(cell);
      if (name !== null) expect({ row, name: sheet.cell(row, firstResultColumn + 1).value }).toEqual({ row, name });
    }
  });
}

describe('a 3,000-row job through repeated sidebar calls', () => {
  const column = sampleColumn(3000);
  let world: JobWorld;
  let final: JobProgress;
  let calls: ReturnType<typeof driveJob>['calls'];
  let anchorsAtStart: number;

  beforeAll(() => {
    world = jobWorld();
    world.api.setFaultRates({ serverError: 0.05, rateLimited: 0.03, slow: 0.01, malformed: 0.01, seed: 11 });
    const source = withSheet(world, 'Leads', column);
    const job = startOk(world, startRequest(source, DEFAULT_FIELDS));
    anchorsAtStart = rowAnchorsOf(world).length;
    world.emu.resetCalls();
    ({ progress: final, calls } = driveJob(world, job.jobId));
  });

  test('flushes its sheet writes before every lock release (Google: flush before releaseLock)', () => {
    expect(world.emu.calls['SpreadsheetApp.flush']).toBeGreaterThan(0);
    expect(world.emu.unflushedLockReleases).toEqual([]);
  });

  test('finishes with every row accounted for', () => {
    expect(final.state).toBe('done');
    expect(final.processed).toBe(3000);
    const { enriched, notFound, invalid, failed, skipped } = final.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(3000);
    expect(failed).toBe(0);
    expect(calls.every((call) => call.ok && call.elapsedMs < 6 * 60_000)).toBe(true);
    expect(calls.length).toBeGreaterThan(5); // many short executions, not one long one
  });

  test('every valid identifier was answered exactly once; retries only after faults', () => {
    expectEachIdentifierAnsweredOnce(world, column);
    expect(world.sent.some((request) => !request.answered)).toBe(true); // the faults did happen
  });

  test('requests are full batches of 25 across blocks: about ceil(unique/25) per type', () => {
    const unique = { profile_url: new Set<string>(), business_email: new Set<string>() };
    for (const cell of column) {
      const id = classifyIdentifier(cell);
      if (id.kind === 'profile_url' || id.kind === 'business_email') unique[id.kind].add(id.normalized);
    }
    const optimal = Math.ceil(unique.profile_url.size / 25) + Math.ceil(unique.business_email.size / 25);
    const answered = world.sent.filter((request) => request.answered).length;
    // A batch a fault failed is sent again whole, so faults can split the count a little.
    expect(answered).toBeGreaterThanOrEqual(optimal);
    expect(answered).toBeLessThanOrEqual(optimal + 4);
  });

  test('each row holds its own person, its status, or its problem', () => {
    expectRowsRight(world, 'Leads', column);
  });

  test('Sheets calls go per block, never per row, and every row anchor is tidied away', () => {
    // How many reads a block costs is measured by the bench (calls per block at two job sizes);
    // here only what must hold at any size: writes are whole blocks, reads do not follow rows.
    let before = 0;
    let anchorsAdded = 0;
    let anchorsRemoved = 0;
    let reads = 0;
    for (const [index, call] of calls.entries()) {
      const progress = call.value as JobProgress;
      const written = progress.processed - before;
      before = progress.processed;
      const blocks = Math.ceil(written / BLOCK);
      anchorsAdded += call.calls['Range.addDeveloperMetadata'] ?? 0;
      anchorsRemoved += call.calls['DeveloperMetadata.remove'] ?? 0;
      // Each block: its values and its status column; the first call adds the header row.
      expect(call.calls['Range.setValues'] ?? 0).toBeLessThanOrEqual(2 * blocks + (index === 0 ? 1 : 0));
      expect(call.calls['Range.setValue'] ?? 0).toBe(0);
      reads += call.calls['Range.getValues'] ?? 0;
    }
    // Reads: a handful per block and per call, far fewer than rows.
    expect(reads).toBeLessThan(before / 5);
    // Every anchor added was removed again: superseded pairs at the next slice, the rest at the end.
    expect(anchorsAtStart).toBe(3); // header row, first and last data row (nothing below the last)
    expect(anchorsRemoved).toBe(anchorsAdded + anchorsAtStart);
    expect(rowAnchorsOf(world)).toEqual([]);
  });

  test('hostile values are text: no formula anywhere', () => {
    expect(formulasOf(world, 'Leads')).toEqual([]);
    const sheet = world.emu.model.sheet('Leads');
    const hostileRow = column.indexOf(SPECIAL.hostileEverywhere.profileUrl) + 2;
    const texts = Array.from({ length: 10 }, (_, c) => sheet.cell(hostileRow, c + 2).value);
    expect(texts.some((value) => typeof value === 'string' && /^[=+\-@]/.test(value))).toBe(true);
  });

  test('the key is in no cell, log, cache value or document property', () => {
    const { emu } = world;
    const sheet = emu.model.sheet('Leads');
    const cells = JSON.stringify(sheet.values());
    expect(cells).not.toContain(TEST_KEY);
    expect(emu.logText()).not.toContain(TEST_KEY);
    for (const cache of emu.caches.all()) for (const [key, entry] of cache.entries) expect(key + entry.value).not.toContain(TEST_KEY);
    expect(JSON.stringify(emu.properties.document.toObject())).not.toContain(TEST_KEY);
    expect(JSON.stringify(emu.properties.script.toObject())).not.toContain(TEST_KEY);
  });

  test('the job state stays small', () => {
    const values = Object.values(world.emu.properties.document.toObject());
    expect(Math.max(...values.map((value) => value.length))).toBeLessThan(2000);
  });
});

describe('killed executions', () => {
  test('kills at random Sheets calls and mid-request lose and duplicate nothing', () => {
    const column = sampleColumn(800, 5);
    const world = jobWorld();
    world.api.setFaultRates({ serverError: 0.03, seed: 2 });
    const source = withSheet(world, 'Leads', column);
    const job = startOk(world, startRequest(source, DEFAULT_FIELDS));
    let state = 7;
    const random = (n: number) => (state = (state * 1103515245 + 12345) % 2 ** 31) % n;
    let kills = 0;
    let progress: JobProgress | null = null;
    for (let i = 0; i < 300; i++) {
      if (i % 2 === 0) world.killAtSheetsCall(random(40));
      else world.killAtRequest(random(6));
      const result = world.emu.runFromSidebar('sidebarContinueJob', { jobId: job.jobId });
      world.killAtSheetsCall(null);
      world.killAtRequest(null);
      if (!result.ok) {
        expect(result.timedOut).toBe(true);
        kills++;
        continue;
      }
      progress = result.value as JobProgress;
      if (progress.state !== 'running') break;
    }
    expect(kills).toBeGreaterThan(5);
    expect(progress?.state).toBe('done');
    expectEachIdentifierAnsweredOnce(world, column);
    expectRowsRight(world, 'Leads', column);
    const { enriched, notFound, invalid, failed, skipped } = progress!.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(800);
  });
});

describe('a key refused between jobs', () => {
  /** Requests per fetchAll, in order (one fetchAll's requests leave at the same instant). */
  function burstSizes(sent: JobWorld['sent']): number[] {
    const sizes: number[] = [];
    sent.forEach((request, i) => {
      if (i > 0 && sent[i - 1].atMs === request.atMs) sizes[sizes.length - 1]++;
      else sizes.push(1);
    });
    return sizes;
  }

  test('costs one refused request, not a burst; a key that has just worked sends its bursts whole', () => {
    const world = jobWorld();
    const people = (from: number) => Array.from({ length: 400 }, (_, i) => syntheticProfileUrl(from + i));

    // A key nobody has used lately: its first request goes alone, the rest of the first block's
    // burst (two requests a block of 50 rows) once it is accepted; then every block's burst whole.
    const first = startOk(world, startRequest(withSheet(world, 'First', people(0)), DEFAULT_FIELDS));
    expect(driveJob(world, first.jobId).progress).toMatchObject({ state: 'done', counts: { enriched: 400 } });
    expect(burstSizes(world.sent).slice(0, 3)).toEqual([1, 1, 2]);

    // Two minutes later the key has just worked: the first block's burst is whole.
    world.clock.advance(2 * 60_000);
    const sentBefore = world.sent.length;
    const second = startOk(world, startRequest(withSheet(world, 'Second', people(1_000)), DEFAULT_FIELDS));
    expect(driveJob(world, second.jobId).progress).toMatchObject({ state: 'done', counts: { enriched: 400 } });
    expect(burstSizes(world.sent.slice(sentBefore)).slice(0, 2)).toEqual([2, 2]);

    // The key is revoked; the next job, ten minutes on, sends one request and stops, saying why.
    world.api.revokeKey(TEST_KEY);
    world.clock.advance(10 * 60_000);
    const refusedBefore = world.sent.length;
    const third = startOk(world, startRequest(withSheet(world, 'Third', people(2_000)), DEFAULT_FIELDS));
    const stopped = driveJob(world, third.jobId).progress;
    expect(stopped).toMatchObject({ state: 'paused', pausedBy: 'problem' });
    expect(stopped.message).toMatch(/rejected the API key/);
    expect(world.sent.slice(refusedBefore).map((request) => request.status)).toEqual([401]);
  });
});

describe('the overwrite guard', () => {
  function guarded() {
    const world = jobWorld();
    const column = sampleColumn(60, 9);
    const source = withSheet(world, 'Leads', column);
    world.emu.model.setValues('Leads!C5', [['my notes']]);
    world.emu.model.setValues('Leads!E9', [['=1+1']]);
    return { world, column, source };
  }

  test('stops a run over user data and says where', () => {
    const { world, source } = guarded();
    const response = start(world, startRequest(source, ['basic_profile.name', 'basic_profile.headline', 'basic_profile.current_title']));
    expect(response).toMatchObject({ ok: false, reason: 'conflict', conflictCells: 2, targetRange: 'Leads!B1:E61' });
    expect(world.emu.model.cell('Leads!C5').value).toBe('my notes');
    expect(world.emu.model.cell('Leads!E9').formula).toBe('=1+1');
    const estimate = world.emu.callFromSidebar('sidebarEstimate', { source, settings: { fields: ['basic_profile.name', 'basic_profile.headline', 'basic_profile.current_title'], reenrich: false } });
    expect(estimate).toMatchObject({ conflictCells: 2 });
  });

  test('insert: new columns after the identifiers, the user data moves right intact', () => {
    const { world, column, source } = guarded();
    const fields = ['basic_profile.name', 'basic_profile.headline', 'basic_profile.current_title'];
    const job = startOk(world, startRequest(source, fields, { onConflict: 'insert' }));
    expect(driveJob(world, job.jobId).progress.state).toBe('done');
    expectRowsRight(world, 'Leads', column);
    expect(world.emu.model.cell('Leads!G5').value).toBe('my notes');
    expect(world.emu.model.cell('Leads!I9').formula).toBe('=1+1');
  });

  test('overwrite: writes over it', () => {
    const { world, column, source } = guarded();
    const job = startOk(world, startRequest(source, ['basic_profile.name', 'basic_profile.headline', 'basic_profile.current_title'], { onConflict: 'overwrite' }));
    expect(driveJob(world, job.jobId).progress.state).toBe('done');
    expectRowsRight(world, 'Leads', column);
    expect(world.emu.model.cell('Leads!E9').formula).toBe('');
  });

  test('elsewhere: writes from the chosen column; a place with data asks again', () => {
    const { world, column, source } = guarded();
    const fields = ['basic_profile.name', 'basic_profile.headline', 'basic_profile.current_title'];
    expect(start(world, startRequest(source, fields, { onConflict: 'elsewhere', targetColumn: 3 }))).toMatchObject({ ok: false, reason: 'conflict' });
    const job = startOk(world, startRequest(source, fields, { onConflict: 'elsewhere', targetColumn: 7 }));
    expect(driveJob(world, job.jobId).progress.state).toBe('done');
    expectRowsRight(world, 'Leads', column, 7);
    expect(world.emu.model.cell('Leads!C5').value).toBe('my notes');
  });

  test('a second run on the same column reuses its own columns and skips what is enriched', () => {
    const world = jobWorld();
    const column = sampleColumn(120, 4);
    const source = withSheet(world, 'Leads', column);
    const first = startOk(world, startRequest(source, DEFAULT_FIELDS));
    const done = driveJob(world, first.jobId).progress;
    const requests = world.sent.length;
    // The user inserts a column before the identifiers: the add-on's columns are found by metadata.
    world.emu.model.sheet('Leads').insertColumns(1, 1);
    const moved = { ...source, column: 2 };
    const second = startOk(world, startRequest(moved, DEFAULT_FIELDS));
    const after = driveJob(world, second.jobId).progress;
    expect(world.sent.length).toBe(requests);
    expect(after.counts.skipped).toBe(done.counts.enriched + done.counts.notFound + done.counts.skipped);
    expect(world.emu.model.cell('Leads!C1').value).toBe('Crustdata status');
  });
});

describe("the refresh's Changes column", () => {
  const HOUR = 3_600_000;
  /** Midnight in New York (the emulator spreadsheet's zone) on day d after Monday 6 January 2025. */
  const midnight = (d: number) => Date.UTC(2025, 0, 6 + d, 5);
  const PEOPLE = 60;

  /** Column number of each header in row 1. */
  function headers(world: JobWorld): Map<string, number> {
    const sheet = world.emu.model.sheet('Leads');
    const out = new Map<string, number>();
    for (let c = 1; c <= sheet.lastColumn(); c++) {
      const header = String(sheet.cell(1, c).value);
      if (header) out.set(header, (out.has(header) ? -1 : c));
    }
    return out;
  }

  /**
   * Identifier -> [Changes cell, its note, Current employer note, Current title note], then every
   * highlighted cell of the row by the header of its column.
   */
  function history(world: JobWorld): Map<string, string[]> {
    const sheet = world.emu.model.sheet('Leads');
    const at = headers(world);
    const out = new Map<string, string[]>();
    for (let r = 2; r <= PEOPLE + 1; r++) {
      const cells = [at.get('Changes')!, at.get('Current employer')!, at.get('Current title')!].map((c) => sheet.cellAt(r, c));
      const highlighted: string[] = [];
      for (let c = 1; c <= sheet.lastColumn(); c++) if (sheet.cellAt(r, c)?.background === CHANGE_HIGHLIGHT) highlighted.push(`highlight: ${String(sheet.cell(1, c).value)}`);
      out.set(String(sheet.cell(r, 1).value), [String(cells[0]?.value ?? ''), cells[0]?.note ?? '', cells[1]?.note ?? '', cells[2]?.note ?? '', ...highlighted]);
    }
    return out;
  }

  const changesMarks = (world: JobWorld) => world.emu.model.developerMetadata().filter((entry) => entry.key === 'crustdata.changes');
  const lines = (text: string) => text.split('\n').filter(Boolean);

  function churnDay(world: JobWorld, day: number): void {
    world.emu.runDueTriggers(midnight(day));
    const slugs = Array.from({ length: PEOPLE }, (_, n) => syntheticSlug(n));
    world.api.applyChurn({ seed: day, employerChange: 0.15, titleChange: 0.1, asOf: `2025-01-${String(6 + day).padStart(2, '0')}`, slugs });
    const runs = world.emu.runDueTriggers(midnight(day) + 16 * HOUR);
    expect(runs.filter((run) => !run.result.ok)).toEqual([]);
  }

  test('re-running with two more field groups keeps every entry of the history and every change note, and Keep fresh goes on appending to it', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', Array.from({ length: PEOPLE }, (_, n) => syntheticProfileUrl(n)));
    const first = startOk(world, startRequest(source, DEFAULT_FIELDS));
    expect(driveJob(world, first.jobId).progress.state).toBe('done');
    world.emu.callFromSidebar('sidebarSetSchedule', { frequency: 'daily', hour: 6, maxAgeDays: 1, forceFetch: false });
    for (let day = 1; day <= 3; day++) churnDay(world, day);

    // Keep fresh wrote its history: a Changes column right after the results, marked for the layout.
    const before = history(world);
    const entries = [...before.values()].reduce((sum, [changes]) => sum + lines(changes).length, 0);
    expect(entries).toBeGreaterThan(15);
    expect([...before.values()].filter(([, , employerNote, titleNote]) => employerNote && titleNote).length).toBeGreaterThan(1);
    const changesColumn = headers(world).get('Changes')!;
    expect(changesColumn).toBe(headers(world).get('Profile URL')! + 1);
    expect(changesMarks(world)).toEqual([expect.objectContaining({ a1: `${columnLetter(changesColumn)}:${columnLetter(changesColumn)}`, value: JSON.stringify({ v: 1, t: first.jobId }) })]);
    // A note of the user's own on one Changes cell.
    world.emu.model.sheet('Leads').cellFor(3, changesColumn).note = 'asked about this on the call';
    before.get(String(world.emu.model.sheet('Leads').cell(3, 1).value))![1] = 'asked about this on the call';

    // The same range again with two more field groups, and First name, which moves the tracked
    // columns one to the right: no question asked, nothing overwritten.
    const more = ['basic_profile.name', 'basic_profile.first_name', 'basic_profile.headline', 'basic_profile.current_title', 'basic_profile.location.raw', 'experience.employment_details.current', 'social_handles.professional_network_identifier.profile_url', 'education', 'skills'];
    const employerBefore = headers(world).get('Current employer')!;
    const estimate = world.emu.callFromSidebar('sidebarEstimate', { source, settings: { fields: more, reenrich: false } }) as { conflictCells: number; headers: string[] };
    expect(estimate.conflictCells).toBe(0);
    const second = startOk(world, startRequest(source, more));
    expect(driveJob(world, second.jobId).progress.state).toBe('done');

    const at = headers(world);
    expect(at.get('Current employer')).toBe(employerBefore + 1);
    const lastData = at.get(estimate.headers.at(-1)!)!;
    expect(lastData).toBeGreaterThanOrEqual(changesColumn);
    // Every entry and note still there (the change notes and highlights moved with their field),
    // the Changes column right after the new results, and its mark with it, naming the new layout.
    expect(at.get('Changes')).toBe(lastData + 1);
    expect(history(world)).toEqual(before);
    const moved = columnLetter(lastData + 1);
    expect(changesMarks(world)).toEqual([expect.objectContaining({ a1: `${moved}:${moved}`, value: JSON.stringify({ v: 1, t: second.jobId }) })]);

    // The next runs append to the same column: older lines kept below the new ones, no second Changes column.
    for (let day = 4; day <= 5; day++) churnDay(world, day);
    const after = history(world);
    expect(headers(world).get('Changes')).toBe(lastData + 1);
    let appended = 0;
    for (const [identifier, [changes, , employerNote, titleNote]] of after) {
      const [, , employerNoteBefore, titleNoteBefore] = before.get(identifier)!;
      expect(employerNote.endsWith(employerNoteBefore) && titleNote.endsWith(titleNoteBefore)).toBe(true);
      const old = lines(before.get(identifier)![0]);
      const now = lines(changes);
      expect(now.slice(now.length - old.length)).toEqual(old);
      appended += now.length - old.length;
    }
    expect(appended).toBeGreaterThan(5);
    expect(changesMarks(world)).toHaveLength(1);
  });
});

describe('rows the user inserts and deletes while a job runs', () => {
  /** The identifier column as the sheet holds it now, from `first` to `last`. */
  function columnNow(world: JobWorld, first: number, last: number): unknown[] {
    const sheet = world.emu.model.sheet('Leads');
    return Array.from({ length: last - first + 1 }, (_, i) => sheet.cell(first + i, 1).value);
  }

  function blankRow(world: JobWorld, row: number): boolean {
    const sheet = world.emu.model.sheet('Leads');
    return Array.from({ length: 12 }, (_, c) => sheet.cell(row, c + 1).value).every((value) => value === '');
  }

  /** Identifiers still in the sheet answered exactly once; those of deleted rows at most once (sent ahead as fillers). */
  function expectNoIdentifierTwice(world: JobWorld, kept: unknown[], deleted: unknown[]): void {
    expectEachIdentifierAnsweredOnce(world, [...kept, ...deleted.filter((cell) => sendsByIdentifier(world).has(normalizedOf(cell)))]);
  }

  function normalizedOf(cell: unknown): string {
    const id = classifyIdentifier(cell);
    return 'normalized' in id ? id.normalized : '';
  }

  /** A plan of 6 requests a minute, so a sidebar call covers a few blocks and the job spans many. */
  function slowWorld(): JobWorld {
    const world = jobWorld({ requestsPerMinute: 6 });
    return world;
  }

  function withSlowKey(world: JobWorld): void {
    world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: TEST_KEY, scope: 'user', requestsPerMinute: 6 });
  }

  function continueOnce(world: JobWorld, jobId: string): JobProgress {
    return world.emu.callFromSidebar('sidebarContinueJob', { jobId }) as JobProgress;
  }

  test('600 rows: 10 rows inserted above, 5 inside the done part, 3 deleted ahead; every row still gets its own person', () => {
    const world = slowWorld();
    const column = sampleColumn(600, 3);
    const source = withSheet(world, 'Leads', column);
    withSlowKey(world);
    const job = startOk(world, startRequest(source, DEFAULT_FIELDS));
    let progress = continueOnce(world, job.jobId);
    progress = continueOnce(world, job.jobId);
    expect(progress.state).toBe('running');
    expect(progress.processed).toBeGreaterThanOrEqual(100);
    expect(progress.processed).toBeLessThan(400);
    const cursor = 2 + progress.processed; // the first row not written (header in row 1)

    // The user, between two sidebar calls.
    const sheet = world.emu.model.sheet('Leads');
    sheet.insertRows(1, 10); // above everything: the header is row 11 now
    const doneInsertAt = 11 + 1 + Math.floor(progress.processed / 2);
    sheet.insertRows(doneInsertAt, 5); // in the middle of the rows already written
    const cursorNow = cursor + 15;
    const deleteAt = cursorNow + 20;
    const deleted = columnNow(world, deleteAt, deleteAt + 2);
    sheet.deleteRows(deleteAt, 3); // rows not reached yet
    expect(deleted.some((cell) => classifyIdentifier(cell).kind === 'profile_url' || classifyIdentifier(cell).kind === 'business_email')).toBe(true);

    const final = driveJob(world, job.jobId).progress;
    expect(final.state).toBe('done');
    const firstData = 12;
    const lastData = 10 + 1 + 600 + 5 - 3;
    expect({ total: final.total, processed: final.processed }).toEqual({ total: 602, processed: 602 });
    const { enriched, notFound, invalid, failed, skipped } = final.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(597); // the rows that hold identifiers' cells
    expect(failed).toBe(0);

    // Every row's result is for the identifier beside it, whatever moved.
    const kept = columnNow(world, firstData, lastData);
    expectRowsRight(world, 'Leads', kept, 2, firstData);
    // The new rows stay blank, results included; the header moved with its row.
    for (let row = 1; row <= 10; row++) expect({ row, blank: blankRow(world, row) }).toEqual({ row, blank: true });
    for (let row = doneInsertAt; row < doneInsertAt + 5; row++) expect({ row, blank: blankRow(world, row) }).toEqual({ row, blank: true });
    expect(world.emu.model.cell('Leads!B11').value).toBe('Crustdata status');
    // The last rows were reached, and nothing was written below them.
    let lastIdentifierRow = lastData;
    while (classifyIdentifier(sheet.cell(lastIdentifierRow, 1).value).kind === 'blank') lastIdentifierRow--;
    expect(lastData - lastIdentifierRow).toBeLessThan(5);
    expect(String(sheet.cell(lastIdentifierRow, 2).value)).not.toBe('');
    expect(blankRow(world, lastData + 1)).toBe(true);
    // No identifier was requested twice (the mock's request log).
    expectNoIdentifierTwice(world, kept, deleted);
    expect(rowAnchorsOf(world)).toEqual([]);
  });

  test('rows inserted while a request is in flight: the block is not written beside the wrong rows', () => {
    const world = slowWorld();
    const column = sampleColumn(300, 8);
    const source = withSheet(world, 'Leads', column);
    withSlowKey(world);
    const job = startOk(world, startRequest(source, DEFAULT_FIELDS));
    // The user inserts two rows above the data while the slice's first request is under way.
    world.duringNextRequest(() => world.emu.model.sheet('Leads').insertRows(2, 2));
    const progress = continueOnce(world, job.jobId);
    expect({ row2: blankRow(world, 2), row3: blankRow(world, 3) }).toEqual({ row2: true, row3: true });
    expect(progress.state).toBe('running');
    expect(progress.message).toMatch(/inserted, deleted or edited/);

    const final = driveJob(world, job.jobId).progress;
    expect(final.state).toBe('done');
    expectRowsRight(world, 'Leads', column, 2, 4);
    expect({ row2: blankRow(world, 2), row3: blankRow(world, 3) }).toEqual({ row2: true, row3: true });
    expectEachIdentifierAnsweredOnce(world, column);
    const { enriched, notFound, invalid, failed, skipped } = final.counts;
    expect(enriched + notFound + invalid + failed + skipped).toBe(300);
  });

  test('the rows on both sides of the cursor deleted: the job stops and says why, writing nothing more', () => {
    const world = slowWorld();
    const column = sampleColumn(400, 6);
    const source = withSheet(world, 'Leads', column);
    withSlowKey(world);
    const job = startOk(world, startRequest(source, DEFAULT_FIELDS));
    const progress = continueOnce(world, job.jobId);
    const cursor = 2 + progress.processed;
    const sheet = world.emu.model.sheet('Leads');
    sheet.deleteRows(cursor - 2, 4); // the last two rows written and the next two
    const before = JSON.stringify(sheet.values());
    const stopped = continueOnce(world, job.jobId);
    expect(stopped.state).toBe('error');
    expect(stopped.message).toMatch(/where this job had got to were deleted/);
    expect(JSON.stringify(sheet.values())).toBe(before);
    expect(rowAnchorsOf(world)).toEqual([]);
  });
});
