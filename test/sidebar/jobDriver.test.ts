// The job loop: one continue call in flight at a time while running, Pause/Resume/Cancel through
// the control call, retries on failed calls, and picking up a job nobody is driving.
import type { ControlJobRequest, JobProgress, JobRef } from '../../src/common/contract';
import { JobDriver, JobDriverServer, JobDriverSnapshot } from '../../sidebar/src/jobDriver';
import { jobPhase } from '../../sidebar/src/jobPhase';

/** A server that processes `step` rows per continue call and records what it was asked. */
class FakeJobServer implements JobDriverServer {
  job: JobProgress;
  calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** When set, continue calls wait for release(). */
  hold = false;
  failNext = 0;
  /** The next continue call pauses the job on this problem (as a rejected key does). */
  problemNext: string | null = null;
  /** Control calls fail with this message. */
  controlError: string | null = null;
  private waiting: Array<() => void> = [];

  constructor(total = 300, private readonly step = 50) {
    this.job = {
      jobId: 'job-1',
      sheetName: 'Leads',
    creditsUsed: 0,
    creditCap: null,
      state: 'running',
      total,
      processed: 0,
      counts: { enriched: 0, notFound: 0, invalid: 0, failed: 0, skipped: 0 },
      startedAt: 0,
      updatedAt: 0,
      etaSeconds: null,
      message: null,
      continueInBackground: false,
      waitingUntil: null,
      pausedBy: null,
      problemCode: null,
    };
  }

  release(): void {
    const next = this.waiting.shift();
    next?.();
  }

  async sidebarContinueJob(request: JobRef): Promise<JobProgress> {
    this.calls.push(`continue:${request.jobId}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold) await new Promise<void>((resolve) => this.waiting.push(resolve));
      await Promise.resolve();
      if (this.failNext > 0) {
        this.failNext--;
        throw new Error('Exceeded maximum execution time');
      }
      if (this.job.state === 'running' && this.problemNext) {
        Object.assign(this.job, { state: 'paused', pausedBy: 'problem', message: this.problemNext });
        this.problemNext = null;
      } else if (this.job.state === 'running') {
        this.job.processed = Math.min(this.job.total, this.job.processed + this.step);
        this.job.counts.enriched = this.job.processed;
        if (this.job.processed === this.job.total) this.job.state = 'done';
      }
      return { ...this.job, counts: { ...this.job.counts } };
    } finally {
      this.inFlight--;
    }
  }

  async sidebarControlJob(request: ControlJobRequest): Promise<JobProgress> {
    this.calls.push(`control:${request.action}:${request.continueInBackground}`);
    await Promise.resolve();
    if (this.controlError) throw new Error(this.controlError);
    if (request.continueInBackground !== undefined) this.job.continueInBackground = request.continueInBackground;
    if (request.action === 'pause' && this.job.state === 'running') Object.assign(this.job, { state: 'paused', pausedBy: 'user' });
    if (request.action === 'resume' && (this.job.state === 'paused' || this.job.state === 'error')) Object.assign(this.job, { state: 'running', pausedBy: null, message: null });
    if (request.action === 'cancel') this.job.state = 'cancelled';
    return { ...this.job, counts: { ...this.job.counts } };
  }

  async sidebarJobStatus(): Promise<JobProgress | null> {
    this.calls.push('status');
    return { ...this.job, counts: { ...this.job.counts } };
  }
}

function setup(server: FakeJobServer) {
  const snapshots: JobDriverSnapshot[] = [];
  const sleeps: number[] = [];
  const driver = new JobDriver(server, (s) => snapshots.push(s), {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    retryDelaysMs: [10, 20, 30],
  });
  // The driver's sleeps are injected and resolve at once, so only event-loop turns pass: no real
  // time, and a bounded number of turns before a test fails instead of hanging.
  const settled = async (): Promise<JobDriverSnapshot> => {
    await until(() => !driver.snapshot().driving && !driver.snapshot().pending);
    return driver.snapshot();
  };
  return { driver, snapshots, sleeps, settled };
}

/** Lets the event loop turn until the condition holds; fails after 1,000 turns. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await turn();
  if (!condition()) throw new Error('condition never held');
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Lets the event loop turn a fixed number of times, for "nothing more happens" checks. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await turn();
}

test('a started job is driven to the end with one continue call in flight at a time', async () => {
  const server = new FakeJobServer(300, 50);
  const { driver, snapshots, settled } = setup(server);
  driver.start({ ...server.job });
  const final = await settled();
  expect(final.job?.state).toBe('done');
  expect(final.job?.processed).toBe(300);
  expect(server.calls.filter((c) => c.startsWith('continue'))).toHaveLength(6);
  expect(server.maxInFlight).toBe(1);
  // Progress was shown between calls, rising.
  const seen = snapshots.map((s) => s.job?.processed ?? 0);
  expect(seen).toEqual(expect.arrayContaining([50, 100, 150, 200, 250, 300]));
  expect(jobPhase(final)).toBe('done');
});

test('Pause stops the loop, tells the server, and reads the final state once the last call ends', async () => {
  const server = new FakeJobServer(300, 50);
  server.hold = true;
  const { driver, settled } = setup(server);
  driver.start({ ...server.job });
  server.release();
  await until(() => server.job.processed === 50 && server.inFlight === 1);
  const pausing = driver.pause(true);
  expect(jobPhase(driver.snapshot())).toBe('pausing');
  server.release();
  await pausing;
  const final = await settled();
  expect(final.job?.state).toBe('paused');
  expect(final.job?.continueInBackground).toBe(true);
  const continues = server.calls.filter((c) => c.startsWith('continue')).length;
  expect(server.calls).toContain('control:pause:true');
  expect(server.calls[server.calls.length - 1]).toBe('status');
  // Nothing more is sent after the pause.
  await turns(50);
  expect(server.calls.filter((c) => c.startsWith('continue'))).toHaveLength(continues);
});

test('Resume of a paused job goes through the server, then drives it to the end', async () => {
  const server = new FakeJobServer(100, 50);
  server.job.state = 'paused';
  const { driver, settled } = setup(server);
  driver.show({ ...server.job });
  expect(jobPhase(driver.snapshot())).toBe('paused');
  await driver.resume(false);
  const final = await settled();
  expect(server.calls[0]).toBe('control:resume:false');
  expect(final.job?.state).toBe('done');
});

test('a job left running by a closed sidebar is picked up without a control call', async () => {
  const server = new FakeJobServer(100, 50);
  server.job.processed = 50;
  const { driver, settled } = setup(server);
  driver.show({ ...server.job });
  expect(jobPhase(driver.snapshot())).toBe('stalled');
  await driver.resume(false);
  const final = await settled();
  expect(server.calls).toEqual(['continue:job-1']);
  expect(final.job?.state).toBe('done');
});

test('Cancel stops the loop and leaves the job cancelled', async () => {
  const server = new FakeJobServer(1000, 50);
  server.hold = true;
  const { driver, settled } = setup(server);
  driver.start({ ...server.job });
  const cancelling = driver.cancel(false);
  server.release();
  await cancelling;
  const final = await settled();
  expect(final.job?.state).toBe('cancelled');
  expect(server.calls.filter((c) => c.startsWith('continue'))).toHaveLength(1);
});

test('failed continue calls are retried after a wait, and a lasting failure leaves Resume', async () => {
  const server = new FakeJobServer(100, 50);
  server.failNext = 2;
  const { driver, sleeps, settled } = setup(server);
  driver.start({ ...server.job });
  let final = await settled();
  expect(final.job?.state).toBe('done');
  expect(sleeps).toEqual([10, 20]);
  expect(final.problem).toBeNull();

  const stuck = new FakeJobServer(100, 50);
  stuck.failNext = 10;
  const second = setup(stuck);
  second.driver.start({ ...stuck.job });
  final = await second.settled();
  expect(stuck.calls.filter((c) => c.startsWith('continue'))).toHaveLength(4);
  expect(final.problem).toBe('Exceeded maximum execution time. The job is kept where it stopped: press Try again to carry on.');
  expect(jobPhase(final)).toBe('stalled');
  stuck.failNext = 0;
  await second.driver.resume(false);
  expect((await second.settled()).job?.state).toBe('done');
});

test('continue calls that move no row are spaced out instead of repeated at once', async () => {
  const server = new FakeJobServer(100, 50);
  let stuck = 3;
  const original = server.sidebarContinueJob.bind(server);
  server.sidebarContinueJob = async (ref) => {
    if (stuck > 0) {
      stuck--;
      server.calls.push('continue:held-elsewhere');
      return { ...server.job, counts: { ...server.job.counts } };
    }
    return original(ref);
  };
  const sleeps: number[] = [];
  const driver = new JobDriver(server, () => undefined, {
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    idleDelaysMs: [5, 50],
  });
  driver.start({ ...server.job });
  await until(() => !driver.snapshot().driving);
  expect(driver.snapshot().job?.state).toBe('done');
  expect(sleeps).toEqual([5, 50, 50]);
});

test('a problem pauses the job as its own phase; Resume (after the fix) drives it on to the end', async () => {
  const server = new FakeJobServer(300, 50);
  const { driver, settled } = setup(server);
  server.hold = true;
  driver.start({ ...server.job });
  server.release();
  await until(() => server.job.processed === 50 && server.inFlight === 1);
  server.problemNext = 'Crustdata rejected the API key.';
  server.hold = false;
  server.release();
  const stopped = await settled();
  expect(stopped.job).toMatchObject({ state: 'paused', pausedBy: 'problem', processed: 50, message: 'Crustdata rejected the API key.' });
  expect(jobPhase(stopped)).toBe('problem');
  const continues = server.calls.filter((c) => c.startsWith('continue')).length;

  await driver.resume(false);
  const final = await settled();
  expect(server.calls).toContain('control:resume:false');
  expect(server.calls.filter((c) => c.startsWith('continue')).length).toBeGreaterThan(continues);
  expect(final.job).toMatchObject({ state: 'done', processed: 300, pausedBy: null });
});

test('the background switch is its own control call: a paused job stays paused, a running one keeps running', async () => {
  const server = new FakeJobServer(300, 50);
  const { driver, settled } = setup(server);
  server.hold = true;
  driver.start({ ...server.job });
  server.release();
  await until(() => server.job.processed === 50 && server.inFlight === 1);

  // While the loop runs: only the switch changes; the loop goes on without a new start.
  expect(await driver.setBackground(true)).toBe(true);
  expect(server.calls).toContain('control:background:true');
  expect(driver.snapshot()).toMatchObject({ driving: true, pending: null, job: { state: 'running', continueInBackground: true } });

  const pausing = driver.pause(true);
  server.release();
  await pausing;
  await settled();
  expect(driver.snapshot().job).toMatchObject({ state: 'paused', pausedBy: 'user', continueInBackground: true });
  const before = server.calls.length;
  expect(await driver.setBackground(false)).toBe(true);
  expect(server.calls.slice(before)).toEqual(['control:background:false']);
  expect(driver.snapshot()).toMatchObject({ driving: false, pending: null, job: { state: 'paused', pausedBy: 'user', continueInBackground: false } });

  // A refused call leaves the job as it was and says why.
  server.controlError = 'The job control request is not valid.';
  expect(await driver.setBackground(true)).toBe(false);
  expect(driver.snapshot()).toMatchObject({ problem: 'The job control request is not valid.', job: { continueInBackground: false } });
});

test('while a continue call is under way, the saved state is shown as it moves (a wait for the rate limit too); the call\'s answer wins', async () => {
  const server = new FakeJobServer(300, 50);
  server.hold = true;
  const snapshots: JobDriverSnapshot[] = [];
  const polls: Array<() => void> = [];
  const driver = new JobDriver(server, (s) => snapshots.push(s), {
    // The poll's sleep waits for the test; the loop's idle sleeps do not.
    sleep: (ms) => (ms === 7_000 ? new Promise<void>((resolve) => polls.push(resolve)) : Promise.resolve()),
    statusPollMs: 7_000,
  });
  driver.start({ ...server.job });
  await until(() => polls.length === 1);
  // The slice saved that it waits for the rate limit; the status call shows it before the continue call ends.
  server.job.waitingUntil = 90_000;
  polls.shift()!();
  await until(() => jobPhase(driver.snapshot()) === 'waiting');
  expect(server.calls).toEqual(['continue:job-1', 'status']);
  expect(server.maxInFlight).toBe(1);
  // Rows moved: the continue call's answer replaces what the status said.
  server.job.waitingUntil = null;
  server.hold = false;
  server.release();
  await until(() => !driver.snapshot().driving);
  expect(driver.snapshot().job).toMatchObject({ state: 'done', processed: 300, waitingUntil: null });
  // Polls due after their call answered ask nothing and change nothing.
  const statusCalls = server.calls.filter((c) => c === 'status').length;
  while (polls.length) polls.shift()!();
  await turn();
  expect(server.calls.filter((c) => c === 'status').length).toBe(statusCalls);
  expect(jobPhase(driver.snapshot())).toBe('done');
});
