// The job's stored state: validated when read back, small, one per sheet, shown to the sidebar
// as plain progress.
import {
  emptyCounts,
  findJob,
  jobKey,
  listJobs,
  loadJob,
  loadSettings,
  MAX_STATE_BYTES,
  parseStoredJob,
  saveJob,
  saveSettings,
  SETTINGS_KEY_PREFIX,
  toProgress,
  type StoredJob,
} from '../../src/core/jobState';
import { loadCountingZod } from '../helpers/countingZod';
import { FakeStore } from '../helpers/fakeStore';

function job(overrides: Partial<StoredJob> = {}): StoredJob {
  return {
    v: 1,
    jobId: 'job1',
    sheetId: 42,
    sheetName: 'Leads',
    layoutId: 'job1',
    sourceColumn: 1,
    hasHeader: true,
    firstRow: 1,
    dataFirstRow: 2,
    lastRow: 101,
    fields: ['basic_profile.name'],
    selectionKey: 'basic_profile.name',
    reenrich: false,
    skipSettled: false,
    retryPass: false,
    state: 'running',
    pausedBy: null,
    cursor: 52,
    pendingBlock: null,
    counts: { ...emptyCounts(), enriched: 48, invalid: 2 },
    requests: 2,
    creditsUsed: 48,
    startedAt: 1_000,
    updatedAt: 2_000,
    workMs: 900,
    etaSeconds: 8,
    message: null,
    consecutiveErrors: 0,
    continueInBackground: false,
    lease: null,
    blockSize: 50,
    ...overrides,
  };
}

describe('stored job', () => {
  test('round-trips through the store under a key per sheet', () => {
    const store = new FakeStore();
    saveJob(store, job());
    expect(store.keys()).toEqual([jobKey(42)]);
    expect(loadJob(store, 42)).toEqual(job());
    expect(loadJob(store, 43)).toBeNull();
  });

  test('anything that is not a valid state reads as no job', () => {
    expect(parseStoredJob(null)).toBeNull();
    expect(parseStoredJob('{not json')).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...job(), v: 2 }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...job(), cursor: 0 }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...job(), state: 'exploded' }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...job(), counts: { enriched: -1 } }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...job(), blockSize: 5000 }))).toBeNull();
    const { lease: _lease, ...withoutLease } = job();
    expect(parseStoredJob(JSON.stringify(withoutLease))).toBeNull();
  });

  test('the row anchors\' bookkeeping: a pending block counted from the cursor, not by row numbers', () => {
    const pending = { seq: 7, rows: 50, counts: { ...emptyCounts(), enriched: 90 }, retried: [0, 3, 49] };
    const anchored = job({ rowMarks: { seq: 6, passSeq: 0, top: true, after: false }, pendingBlock: pending });
    expect(parseStoredJob(JSON.stringify(anchored))).toEqual(anchored);
    // A job saved before the anchors (no rowMarks) still reads, so the slice can say why it stops.
    expect(parseStoredJob(JSON.stringify(job()))).toEqual(job());
    // The old row-number form of the pending block is not trusted.
    expect(parseStoredJob(JSON.stringify({ ...anchored, pendingBlock: { from: 2, to: 51 } }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...anchored, pendingBlock: { ...pending, seq: 0 } }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...anchored, pendingBlock: { ...pending, retried: [-1] } }))).toBeNull();
    expect(parseStoredJob(JSON.stringify({ ...anchored, rowMarks: { seq: 1, passSeq: 0, top: 'yes', after: false } }))).toBeNull();
  });

  test('stays under the property limit: a very long message is cut, nothing per row is kept', () => {
    const store = new FakeStore();
    saveJob(store, job({ message: 'x'.repeat(20_000) }));
    const raw = store.get(jobKey(42))!;
    expect(raw.length).toBeLessThan(MAX_STATE_BYTES);
    expect(loadJob(store, 42)!.message).toHaveLength(500);
    saveJob(store, job({ lastRow: 5_000_000, cursor: 4_000_000 }));
    expect(store.get(jobKey(42))!.length).toBeLessThan(1_000);
    // The largest pending block: a second pass retrying every row of a 500-row block.
    const retried = Array.from({ length: 500 }, (_, i) => 100_000 - 500 + i);
    saveJob(store, job({ message: 'x'.repeat(20_000), rowMarks: { seq: 99_999, passSeq: 50_000, top: true, after: true }, pendingBlock: { seq: 100_000, rows: 100_000, counts: emptyCounts(), retried } }));
    expect(store.get(jobKey(42))!.length).toBeLessThan(MAX_STATE_BYTES);
    expect(loadJob(store, 42)!.pendingBlock!.retried).toHaveLength(500);
  });

  test("a problem's code is kept; a job saved before codes were kept still reads, and an unknown code reads as none", () => {
    const store = new FakeStore();
    const paused = job({ state: 'paused', pausedBy: 'problem', message: 'Your Crustdata account is out of credits.', problemCode: 'insufficient_credits' });
    saveJob(store, paused);
    expect(loadJob(store, 42)).toEqual(paused);
    // Saved by a version without codes: exactly the fields it had, no code.
    const old = job({ state: 'paused', pausedBy: 'problem', message: 'Crustdata rejected the API key. Set a new one in Extensions → Crustdata → Set API key…' });
    expect('problemCode' in old).toBe(false);
    const read = parseStoredJob(JSON.stringify(old));
    expect(read).toEqual(old);
    expect(read!.problemCode).toBeUndefined();
    // A newer version's code this one does not know: the job still reads, without a code.
    expect(parseStoredJob(JSON.stringify({ ...paused, problemCode: 'quota_exceeded' }))).toEqual({ ...paused, problemCode: null });
  });

  test('jobs are found by id across sheets; other keys are ignored', () => {
    const store = new FakeStore();
    saveJob(store, job());
    saveJob(store, job({ jobId: 'job2', sheetId: 7 }));
    store.set('crustdata.apiKey-ish', 'x');
    store.set(jobKey(9), 'garbage');
    expect(listJobs(store).map((j) => j.jobId).sort()).toEqual(['job1', 'job2']);
    expect(findJob(store, 'job2')!.sheetId).toBe(7);
    expect(findJob(store, 'job3')).toBeNull();
  });
});

describe('progress for the sidebar', () => {
  test('rows written so far, counts, eta; plain data', () => {
    const progress = toProgress(job());
    expect(progress).toEqual({
      jobId: 'job1',
      sheetName: 'Leads',
      state: 'running',
      total: 100,
      processed: 50,
      counts: { enriched: 48, notFound: 0, invalid: 2, failed: 0, skipped: 0 },
      startedAt: 1_000,
      updatedAt: 2_000,
      etaSeconds: 8,
      message: null,
      pausedBy: null,
      problemCode: null,
      creditsUsed: 48,
      creditCap: null,
      continueInBackground: false,
      waitingUntil: null,
    });
    expect(JSON.parse(JSON.stringify(progress))).toEqual(progress);
  });

  test('says until when the rate limit holds a running job back, only while that is ahead', () => {
    expect(toProgress(job({ waitingUntil: 9_000 })).waitingUntil).toBe(9_000);
    // Passed by the job's last update, or a job that no longer runs: nothing to wait for.
    expect(toProgress(job({ waitingUntil: 1_500 })).waitingUntil).toBeNull();
    expect(toProgress(job({ state: 'paused', pausedBy: 'user', waitingUntil: 9_000 })).waitingUntil).toBeNull();
    expect(toProgress(job({ waitingUntil: null })).waitingUntil).toBeNull();
  });

  test('says who paused a paused job, and nobody for a job that is not paused', () => {
    expect(toProgress(job({ state: 'paused', pausedBy: 'user' })).pausedBy).toBe('user');
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', message: 'Your Crustdata account is out of credits.' })).pausedBy).toBe('problem');
    // A stale value left from an earlier pause never shows once the job runs or ends.
    expect(toProgress(job({ state: 'running', pausedBy: 'user' })).pausedBy).toBeNull();
    expect(toProgress(job({ state: 'error', pausedBy: 'problem' })).pausedBy).toBeNull();
  });

  test("the problem's code goes to the sidebar; for a job saved before codes, it is read from the message", () => {
    const credits = 'Your Crustdata account is out of credits. Add credits in the Crustdata dashboard, then try again.';
    // The stored code decides, whatever the words.
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', message: 'Stopped after repeated problems: no credits header', problemCode: null })).problemCode).toBeNull();
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', message: credits, problemCode: 'insufficient_credits' })).problemCode).toBe('insufficient_credits');
    // Saved before codes were kept (no problemCode at all): the wording such jobs hold names it.
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', message: credits })).problemCode).toBe('insufficient_credits');
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', message: 'Crustdata rejected the API key. Set a new one in Extensions → Crustdata → Set API key…' })).problemCode).toBe('invalid_api_key');
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', message: 'Stopped after repeated problems: Service Spreadsheets failed' })).problemCode).toBeNull();
  });

  test('the second pass over failed rows shows every row processed and says what it does', () => {
    const progress = toProgress(job({ retryPass: true, cursor: 10, counts: { ...emptyCounts(), enriched: 97, failed: 3 } }));
    expect(progress.processed).toBe(100);
    expect(progress.message).toBe('Trying the 3 failed rows once more.');
  });

  test('no eta once the job is over', () => {
    expect(toProgress(job({ state: 'done', cursor: 102 })).etaSeconds).toBeNull();
    expect(toProgress(job({ state: 'cancelled' })).etaSeconds).toBeNull();
  });
});

describe('last settings per sheet', () => {
  test('saved and read back per sheet; invalid values read as none', () => {
    const store = new FakeStore();
    saveSettings(store, 42, { fields: ['basic_profile'], reenrich: true });
    expect(loadSettings(store, 42)).toEqual({ fields: ['basic_profile'], reenrich: true });
    expect(loadSettings(store, 43)).toBeNull();
    store.set(SETTINGS_KEY_PREFIX + 44, '{"fields":"basic_profile"}');
    expect(loadSettings(store, 44)).toBeNull();
  });
});

describe('start-up cost', () => {
  test('loading the module builds no schema (every execution loads the bundle); the first read builds them once', () => {
    const { built, loaded: module } = loadCountingZod(() => require('../../src/core/jobState') as typeof import('../../src/core/jobState'));
    const builds = () => built.length;
    expect(builds()).toBe(0);
    const stored = JSON.stringify(job());
    expect(module.parseStoredJob(stored)?.jobId).toBe('job1');
    const afterFirstRead = builds();
    expect(afterFirstRead).toBeGreaterThan(0);
    expect(module.parseStoredJob(stored)?.jobId).toBe('job1');
    expect(module.parseStoredJob('{"v":2}')).toBeNull();
    expect(builds()).toBe(afterFirstRead);
  });
});

describe('spend in the stored job', () => {
  test('credits may be fractions; the cap and the code of a spend stop reach the progress', () => {
    expect(toProgress(job({ creditsUsed: 12.5, creditCap: 100 }))).toMatchObject({ creditsUsed: 12.5, creditCap: 100 });
    expect(toProgress(job({ state: 'paused', pausedBy: 'problem', problemCode: 'credit_cap' })).problemCode).toBe('credit_cap');
    expect(parseStoredJob(JSON.stringify(job({ creditsUsed: 12.5, creditCap: 100, problemCode: 'fetch_quota' })))).toMatchObject({ creditsUsed: 12.5, creditCap: 100, problemCode: 'fetch_quota' });
    expect(parseStoredJob(JSON.stringify(job({ creditCap: -1 })))).toBeNull();
  });
});
