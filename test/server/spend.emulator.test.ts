// Spend end to end: the real dist/Code.js in the emulator against the mock API. The credits a
// job shows are the sum of the mock's x-credits-used; a job with a credit cap pauses before it
// could pass it and goes on only under a higher cap; a job pauses before this user's daily UrlFetch
// quota runs out; the estimate's likely credits land within 15% of what the run is charged.
// Needs `npm run build` first.
import { syntheticBusinessEmail, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import type { Estimate, JobProgress, StartJobResponse } from '../../src/common/contract';
import { FETCH_COUNT_PREFIX, FETCH_RESERVE, URL_FETCH_DAILY_CALLS } from '../../src/core/spend';
import { driveJob, jobWorld, startRequest, withSheet, type JobWorld } from './jobHarness';

// Contact data is priced per piece actually returned, so what a row costs varies (1 to 6 credits).
const FIELDS = ['basic_profile.name', 'basic_profile.headline', 'contact'];

/** Synthetic people (URLs, every fifth an email), and some nobody knows. */
function people(rows: number, from = 0): string[] {
  return Array.from({ length: rows }, (_, i) => {
    const n = from + i;
    if (n % 9 === 4) return `https://www.linkedin.com/in/nobody-${n}`;
    return n % 5 === 0 ? syntheticBusinessEmail(n) : syntheticProfileUrl(n);
  });
}

/** Credits the mock charged, from its own request log. */
const charged = (world: JobWorld) => world.api.requestLog().reduce((sum, entry) => sum + entry.creditsUsed, 0);

function startOk(world: JobWorld, request: unknown): JobProgress {
  const response = world.emu.callFromSidebar('sidebarStartJob', request) as StartJobResponse;
  if (!response.ok) throw new Error(`start failed: ${JSON.stringify(response)}`);
  return response.job;
}

const control = (world: JobWorld, request: unknown) => world.emu.callFromSidebar('sidebarControlJob', request) as JobProgress;

describe('credits charged', () => {
  test('the job shows the sum of x-credits-used during the run and at its end', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', people(240));
    const job = startOk(world, startRequest(source, FIELDS));
    const first = world.emu.callFromSidebar('sidebarContinueJob', { jobId: job.jobId }) as JobProgress;
    expect(first.creditsUsed).toBeGreaterThan(0);
    expect(first.creditsUsed).toBe(charged(world));
    const { progress } = driveJob(world, job.jobId);
    expect(progress.state).toBe('done');
    expect(progress.creditsUsed).toBeGreaterThanOrEqual(first.creditsUsed);
    expect(progress.creditsUsed).toBe(charged(world));
  });
});

describe('credit cap', () => {
  test('the job pauses before it could pass the cap; Resume goes on only under a higher cap', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', people(300));
    const cap = 150;
    const job = startOk(world, startRequest(source, FIELDS, { creditCap: cap }));
    const paused = driveJob(world, job.jobId).progress;
    expect(paused).toMatchObject({ state: 'paused', pausedBy: 'problem', problemCode: 'credit_cap', creditCap: cap });
    expect(paused.message).toMatch(/credit cap/);
    expect(charged(world)).toBeLessThanOrEqual(cap);
    expect(paused.creditsUsed).toBe(charged(world));
    expect(paused.processed).toBeLessThan(paused.total);

    // Resume without a higher cap: nothing is sent, and it says what it needs.
    const requests = world.api.requestLog().length;
    const refused = control(world, { jobId: job.jobId, action: 'resume' });
    expect(refused).toMatchObject({ state: 'paused', problemCode: 'credit_cap' });
    expect(refused.message).toMatch(/must be above/);
    expect(world.api.requestLog().length).toBe(requests);

    // A cap at or below what was charged is refused by the server too.
    expect(control(world, { jobId: job.jobId, action: 'resume', creditCap: Math.max(1, Math.floor(paused.creditsUsed)) }).state).toBe('paused');

    const higher = 400;
    expect(control(world, { jobId: job.jobId, action: 'resume', creditCap: higher })).toMatchObject({ state: 'running', creditCap: higher, problemCode: null });
    const after = driveJob(world, job.jobId).progress;
    expect(charged(world)).toBeLessThanOrEqual(higher);
    expect(after.creditsUsed).toBe(charged(world));
    if (after.state === 'paused') expect(after.problemCode).toBe('credit_cap');
    else expect(after.state).toBe('done');
  });
});

describe('UrlFetch daily quota', () => {
  test('the job counts its calls as the emulator does, and pauses before the quota runs out', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', people(400));
    // This user's calls today so far: the add-on's own count, as a previous job would have left it.
    const today = new Date(world.clock.now()).toISOString().slice(0, 10);
    const left = 6;
    const usedBefore = URL_FETCH_DAILY_CALLS.consumer - FETCH_RESERVE - left;
    const userProps = world.emu.properties.user(world.emu.owner);
    userProps.values.set(FETCH_COUNT_PREFIX + today, String(usedBefore));
    const fetchesBefore = world.emu.urlFetchCountToday();

    const job = startOk(world, startRequest(source, FIELDS));
    const { progress } = driveJob(world, job.jobId);
    expect(progress).toMatchObject({ state: 'paused', pausedBy: 'problem', problemCode: 'fetch_quota' });
    expect(progress.message).toMatch(/daily limit of 20,000 web requests/);
    const made = world.emu.urlFetchCountToday() - fetchesBefore;
    expect(made).toBeGreaterThan(0);
    expect(made).toBeLessThanOrEqual(left);
    // The add-on's count moved exactly as Google's (the emulator's) did.
    expect(Number(userProps.values.get(FETCH_COUNT_PREFIX + today))).toBe(usedBefore + made);
  });
});

describe('likely credits', () => {
  test("from this sheet's earlier answers, the estimate's likely figure is within 15% of the charge", () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', people(400));
    const fresh = world.emu.callFromSidebar('sidebarEstimate', { source, settings: { fields: FIELDS, reenrich: false } }) as Estimate;
    expect(fresh.likelyBasis).toBe('typical');
    // A first job over the top 100 rows: the sheet's answers so far.
    const top = startOk(world, startRequest({ ...source, lastRow: 101 }, FIELDS));
    driveJob(world, top.jobId);
    const estimate = world.emu.callFromSidebar('sidebarEstimate', { source, settings: { fields: FIELDS, reenrich: false } }) as Estimate;
    expect(estimate.likelyBasis).toBe('sheet');
    const before = charged(world);
    const job = startOk(world, startRequest(source, FIELDS));
    expect(driveJob(world, job.jobId).progress.state).toBe('done');
    const spent = charged(world) - before;
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(estimate.creditsMax);
    expect(Math.abs(estimate.creditsLikely - spent) / spent).toBeLessThanOrEqual(0.15);
  });
});
