// Whose key, and where its pacing lives (src/adapters/deps.ts), with the real dist/Code.js in the
// emulator against the mock API, which limits each key on its own. A script lock and a script cache
// are common to every user of a published add-on in every spreadsheet, so a user's jobs must pace
// their key in their own user cache under their own user lock, and never wait for anyone else's.
import { AppsScriptEmulator, inProcessTransport, VirtualClock } from '../../dev/emulator';
import { syntheticProfileUrl } from '../../dev/mock-api/dataset';
import { MockCrustdataApi } from '../../dev/mock-api/handler';
import type { JobProgress, StartJobResponse } from '../../src/common/contract';
import { startRequest } from '../server/jobHarness';

/**
 * Every user runs the same scenario on their own identifiers, so more users add time, not
 * information: ten put four users' jobs in every spreadsheet, each run with all the others' locks held.
 */
const USERS = 10;
const SPREADSHEETS = 5;
/** Each key's limit at the mock, and the limit each spreadsheet is told. */
const PER_MINUTE = 6;
const ROWS_PER_SHEET = 150;
const FAR_FUTURE = Date.UTC(2100, 0, 1);

const userName = (u: number) => `user${u}@example.com`;
const keyOf = (u: number) => `cd_user_${String(u).padStart(2, '0')}_personal_key_0123`;

interface UserJob {
  user: number;
  emu: AppsScriptEmulator;
  jobId: string;
  progress: JobProgress | null;
}

function scriptWithSpreadsheets() {
  const clock = new VirtualClock();
  const api = new MockCrustdataApi({ keys: Object.fromEntries(Array.from({ length: USERS }, (_, u) => [keyOf(u), { label: `u${u}`, requestsPerMinute: PER_MINUTE }])) });
  const users = Array.from({ length: USERS }, (_, u) => userName(u));
  const first = new AppsScriptEmulator({ clock, transport: inProcessTransport(api), users, triggerJitterMs: 0 }).load();
  const spreadsheets = [first, ...Array.from({ length: SPREADSHEETS - 1 }, () => first.openAnotherSpreadsheet({ users }))];
  // Each user's own key, saved once: user properties belong to the script, in every spreadsheet.
  for (let u = 0; u < USERS; u++) first.run('sidebarSaveApiKey', [{ apiKey: keyOf(u), scope: 'user' }], { user: userName(u) });
  for (const emu of spreadsheets) emu.run('sidebarSaveApiKey', [{ scope: 'user', requestsPerMinute: PER_MINUTE }], { user: userName(0) });
  return { clock, api, first, spreadsheets };
}

/** Every lock anyone else could hold: the script lock, other users' locks, other spreadsheets' document locks. */
function holdEveryoneElsesLocks(spreadsheets: AppsScriptEmulator[], user: number, here: AppsScriptEmulator) {
  spreadsheets[0].holdLock('script', FAR_FUTURE);
  for (let u = 0; u < USERS; u++) spreadsheets[0].holdLock({ user: userName(u) }, u === user ? 0 : FAR_FUTURE);
  for (const emu of spreadsheets) emu.holdLock('document', emu === here ? 0 : FAR_FUTURE);
}

function startJob(emu: AppsScriptEmulator, user: number, firstIdentifier: number): UserJob {
  const sheetName = `Leads of user ${user}`;
  const rows = Array.from({ length: ROWS_PER_SHEET }, (_, n) => [syntheticProfileUrl(firstIdentifier + n)]);
  emu.model.addSheet(sheetName, [['LinkedIn'], ...rows]);
  const source = { sheetName, column: 1, firstRow: 1, lastRow: ROWS_PER_SHEET + 1, hasHeader: true };
  const started = emu.run('sidebarStartJob', [startRequest(source, ['basic_profile.name'])], { user: userName(user) });
  const response = started.value as StartJobResponse;
  if (!started.ok || !response.ok) throw new Error(`start failed: ${started.error ?? JSON.stringify(response)}`);
  return { user, emu, jobId: response.job.jobId, progress: response.job };
}

describe('10 users, each with a key of their own, in 5 spreadsheets of one add-on', () => {
  it('each key is paced on its own across spreadsheets: no 429, no script lock or cache, no wait for anyone else’s lock', () => {
    const { api, first, spreadsheets } = scriptWithSpreadsheets();
    // Every user runs a job in two spreadsheets at once, with the same key: the two must share one window.
    const jobs: UserJob[] = [];
    for (let u = 0; u < USERS; u++) {
      for (const s of [u % SPREADSHEETS, (u + 1) % SPREADSHEETS]) {
        holdEveryoneElsesLocks(spreadsheets, u, spreadsheets[s]);
        jobs.push(startJob(spreadsheets[s], u, (u * SPREADSHEETS + s) * ROWS_PER_SHEET));
      }
    }
    first.resetCalls();
    for (let round = 0; round < 20 && jobs.some((job) => job.progress?.state === 'running'); round++) {
      // The sidebar's loop, every user's two jobs one after the other, every user in turn.
      for (const job of jobs) {
        if (job.progress?.state !== 'running') continue;
        holdEveryoneElsesLocks(spreadsheets, job.user, job.emu);
        const result = job.emu.run('sidebarContinueJob', [{ jobId: job.jobId }], { user: userName(job.user) });
        if (!result.ok) throw new Error(result.error);
        job.progress = result.value as JobProgress;
      }
    }
    expect(jobs.map((job) => job.progress?.state)).toEqual(jobs.map(() => 'done'));
    expect(jobs.every((job) => job.progress?.counts.enriched === ROWS_PER_SHEET)).toBe(true);

    const stats = api.stats();
    for (let u = 0; u < USERS; u++) {
      // 2 × 150 identifiers in requests of 25, at 6 a minute: more than one minute's worth, so the
      // two spreadsheets had to wait for each other through the user's own cache.
      expect(stats.perKey[`u${u}`]).toEqual({ requests: 12, rateLimited: 0, creditsUsed: expect.any(Number) });
    }
    expect(stats.rateLimited).toBe(0);
    // Nobody ever waited for a lock: everyone else's were held the whole time.
    expect(first.locks.waits).toEqual([]);
    expect(Object.keys(first.calls).filter((name) => /getScriptLock|getScriptCache/.test(name))).toEqual([]);
    expect(first.calls['LockService.getUserLock']).toBeGreaterThan(0);
  });
});

describe('what other users leave in shared caches does not break pacing', () => {
  it('a script cache filled by everyone else: a user’s two jobs still pace their key, no 429', () => {
    const { api, spreadsheets, clock } = scriptWithSpreadsheets();
    const [a, b] = spreadsheets;
    const jobs = [startJob(a, 7, 0), startJob(b, 7, ROWS_PER_SHEET)];
    let filler = 0;
    for (let round = 0; round < 20 && jobs.some((job) => job.progress?.state === 'running'); round++) {
      for (const job of jobs) {
        if (job.progress?.state !== 'running') continue;
        // Other users' activity: 1,100 six-hour entries in the script cache, past its 1,000 items.
        for (let i = 0; i < 1_100; i++) a.caches.script.write(`other-user-${filler++}`, 'x', clock.now() + 21_600_000, clock.now());
        job.progress = job.emu.run('sidebarContinueJob', [{ jobId: job.jobId }], { user: userName(job.user) }).value as JobProgress;
      }
    }
    expect(jobs.map((job) => job.progress?.state)).toEqual(['done', 'done']);
    expect(api.stats().perKey.u7).toMatchObject({ requests: 12, rateLimited: 0 });
  });

  it('a key shared with the spreadsheet, in a document cache its own 1,200 results overflow: the window survives, no 429', () => {
    const { api, first } = scriptWithSpreadsheets();
    first.run('sidebarSaveApiKey', [{ apiKey: null, scope: 'user' }], { user: userName(3) });
    first.run('sidebarSaveApiKey', [{ apiKey: keyOf(3), scope: 'document' }], { user: userName(3) });
    const sheetName = 'Big';
    first.model.addSheet(sheetName, [['LinkedIn'], ...Array.from({ length: 1_200 }, (_, n) => [syntheticProfileUrl(500_000 + n)])]);
    // An editor without a key of their own runs it: the shared key, paced in the document cache.
    const started = first.run('sidebarStartJob', [startRequest({ sheetName, column: 1, firstRow: 1, lastRow: 1_201, hasHeader: true }, ['basic_profile.name'])], {
      user: userName(3),
    });
    let progress = (started.value as StartJobResponse & { ok: true }).job;
    for (let i = 0; i < 100 && progress.state === 'running'; i++) {
      progress = first.run('sidebarContinueJob', [{ jobId: progress.jobId }], { user: userName(3) }).value as JobProgress;
    }
    expect(progress).toMatchObject({ state: 'done', counts: { enriched: 1_200 } });
    expect(first.caches.document.size(first.clock.now())).toBeGreaterThanOrEqual(900);
    // The window's entry outlived every eviction: kept for the cache's longest time, it is never
    // among the soonest to expire, however many 6-hour results came after it.
    expect([...first.caches.document.entries.keys()].filter((key) => key.startsWith('cd:rate:'))).toHaveLength(1);
    expect(api.stats().perKey.u3).toMatchObject({ requests: 48, rateLimited: 0 });
  });
});

describe('one key paced in two places', () => {
  // A user's own key, also shared into another spreadsheet by hand: its jobs there pace it in that
  // document's cache, the user's elsewhere in their user cache. The two windows cannot see each
  // other; the API's headers (x-ratelimit-remaining: usage we did not record is someone else's)
  // and its 429s with Retry-After reconcile them. The bound: a window learns of the other's sends
  // only from an answer, so each window can lose at most one burst (never more than the limit) to
  // 429s per minute they overlap; every row still arrives, and nothing is sent twice that succeeded.
  it('the headers and 429s keep both jobs correct: every row arrives, few 429s', () => {
    const { api, spreadsheets } = scriptWithSpreadsheets();
    const [mine, theirs] = spreadsheets;
    // User 5 shares their own key into the second spreadsheet, where user 6 (no key of their own) uses it.
    theirs.run('sidebarSaveApiKey', [{ apiKey: null, scope: 'user' }], { user: userName(6) });
    theirs.run('sidebarSaveApiKey', [{ scope: 'document' }], { user: userName(5) });
    mine.run('sidebarSaveApiKey', [{ scope: 'user', requestsPerMinute: PER_MINUTE }], { user: userName(5) });
    const jobs = [startJob(mine, 5, 0), startJob(theirs, 6, ROWS_PER_SHEET)];
    // User 5's job in the first spreadsheet is not the shared key's document: it paces in user 5's cache.
    for (let round = 0; round < 30 && jobs.some((job) => job.progress?.state === 'running'); round++) {
      for (const job of jobs) {
        if (job.progress?.state !== 'running') continue;
        job.progress = job.emu.run('sidebarContinueJob', [{ jobId: job.jobId }], { user: userName(job.user) }).value as JobProgress;
      }
    }
    expect(jobs.map((job) => job.progress)).toEqual(jobs.map(() => expect.objectContaining({ state: 'done', counts: expect.objectContaining({ enriched: ROWS_PER_SHEET, failed: 0 }) })));
    const used = api.stats().perKey.u5;
    expect(used.requests - used.rateLimited).toBe(12);
    const minutes = Math.ceil((api.requestLog().at(-1)!.atMs - api.requestLog()[0].atMs) / 60_000) + 1;
    expect(used.rateLimited).toBeLessThanOrEqual(2 * PER_MINUTE * minutes);
  });
});

