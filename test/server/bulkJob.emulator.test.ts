// The bulk job end to end: the real dist/Code.js in the emulator (virtual clock, 6-minute limit,
// Sheets' parsing, developer metadata) against the mock API in-process at 15 requests/minute,
// driven through the same sidebar calls the sidebar makes. Needs `npm run build` first.
import { SPECIAL, syntheticBusinessEmail, syntheticPerson, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import { classifyIdentifier } from '../../src/core/identifiers';
import type { JobProgress, StartJobResponse } from '../../src/server/sidebarContract';
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

function expectRowsRight(world: JobWorld, sheetName: string, column: unknown[], firstResultColumn = 2): void {
  const sheet = world.emu.model.sheet(sheetName);
  column.forEach((cell, i) => {
    const row = i + 2;
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

  beforeAll(() => {
    world = jobWorld();
    world.api.setFaultRates({ serverError: 0.05, rateLimited: 0.03, slow: 0.01, malformed: 0.01, seed: 11 });
    const source = withSheet(world, 'Leads', column);
    const job = startOk(world, startRequest(source, DEFAULT_FIELDS));
    world.emu.resetCalls();
    ({ progress: final, calls } = driveJob(world, job.jobId));
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

  test('Sheets calls per block are constant: two setValues, no read per block', () => {
    let before = 0;
    let firstPassCalls = 0;
    for (const call of calls) {
      const progress = call.value as JobProgress;
      const written = progress.processed - before;
      before = progress.processed;
      const setValues = call.calls['Range.setValues'] ?? 0;
      // First pass: blocks of 50 rows from the cursor, the last one of a call possibly cut short.
      // The second pass (the rows that failed once) writes only the blocks holding such rows.
      if (progress.state === 'running' && !progress.message?.startsWith('Trying the')) {
        firstPassCalls++;
        expect({ setValues }).toEqual({ setValues: 2 * Math.ceil(written / BLOCK) });
      } else {
        expect(setValues % 2).toBe(0);
        expect(setValues).toBeGreaterThanOrEqual(2 * Math.ceil(written / BLOCK));
      }
      expect(call.calls['Range.getValues'] ?? 0).toBeLessThanOrEqual(4);
      expect(call.calls['Range.setValue'] ?? 0).toBe(0);
    }
    expect(firstPassCalls).toBeGreaterThan(5);
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
