// Drives a bulk job from the open sidebar: one sidebarContinueJob call in flight at a time while
// the job is running (each is a short server execution, well inside Apps Script's 6 minutes),
// reporting progress between calls. Pause/Resume/Cancel and the background switch go through
// sidebarControlJob. Pure logic over an injected server and sleep, so jest drives it without a
// browser.
import type { ControlJobRequest, JobProgress, JobRef } from '../../src/common/contract';
import { errorMessage, isConnectionError } from './client';

export interface JobDriverServer {
  sidebarContinueJob(request: JobRef): Promise<JobProgress>;
  sidebarControlJob(request: ControlJobRequest): Promise<JobProgress>;
  sidebarJobStatus(request: JobRef): Promise<JobProgress | null>;
}

/** A message as a sentence: ends with a full stop unless it has its own. */
function sentence(text: string): string {
  return /[.!?…]$/.test(text.trim()) ? text.trim() : `${text.trim()}.`;
}

export type PendingAction = ControlJobRequest['action'];

export interface JobDriverSnapshot {
  job: JobProgress | null;
  /** A continue loop is running in this sidebar. */
  driving: boolean;
  /** A control call is under way. */
  pending: PendingAction | null;
  /** The last call failed (after retries): what to tell the user. */
  problem: string | null;
}

export interface JobDriverOptions {
  sleep?: (ms: number) => Promise<void>;
  /** Waits before retrying a failed continue call; its length is how many retries. */
  retryDelaysMs?: number[];
  /** Waits after continue calls that moved no row, growing to the last. */
  idleDelaysMs?: number[];
  /**
   * While a continue call is under way (it may wait half a minute and more for the rate limit),
   * ask for the job's status this often and show it; unset: no such calls.
   */
  statusPollMs?: number;
}

const DEFAULT_RETRY_DELAYS_MS = [2000, 5000, 15000];
const DEFAULT_IDLE_DELAYS_MS = [1000, 2000, 5000, 10000];

export class JobDriver {
  private job: JobProgress | null = null;
  private driving = false;
  private pending: PendingAction | null = null;
  private problem: string | null = null;
  /** Bumped to stop a loop: a loop only reports while its generation is current. */
  private generation = 0;
  private loopDone: Promise<void> = Promise.resolve();
  private activeLoop: number | null = null;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly retryDelaysMs: number[];
  private readonly idleDelaysMs: number[];
  private readonly statusPollMs: number | null;

  constructor(
    private readonly server: JobDriverServer,
    private readonly onChange: (snapshot: JobDriverSnapshot) => void,
    options: JobDriverOptions = {},
  ) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.idleDelaysMs = options.idleDelaysMs ?? DEFAULT_IDLE_DELAYS_MS;
    this.statusPollMs = options.statusPollMs ?? null;
  }

  snapshot(): JobDriverSnapshot {
    return { job: this.job, driving: this.driving, pending: this.pending, problem: this.problem };
  }

  /** Shows a job without driving it (the sidebar reopened on a running or paused job). */
  show(job: JobProgress | null): void {
    this.job = job;
    this.problem = null;
    this.emit();
  }

  /** A job just started: show it and drive it while it runs. */
  start(job: JobProgress): void {
    this.job = job;
    this.problem = null;
    if (job.state === 'running') this.drive(job.jobId);
    else this.emit();
  }

  /** Resumes a paused or failed job, or picks up a running job nobody is driving. */
  async resume(continueInBackground: boolean, creditCap?: number | null): Promise<void> {
    const job = this.job;
    if (!job || this.driving || this.pending) return;
    this.problem = null;
    if (job.state === 'running') {
      this.drive(job.jobId);
      return;
    }
    const updated = await this.control({ jobId: job.jobId, action: 'resume', continueInBackground, ...(creditCap !== undefined ? { creditCap } : {}) });
    if (updated && updated.state === 'running') this.drive(updated.jobId);
  }

  async pause(continueInBackground: boolean): Promise<void> {
    await this.stopWith('pause', continueInBackground);
  }

  async cancel(continueInBackground: boolean): Promise<void> {
    await this.stopWith('cancel', continueInBackground);
  }

  /**
   * Turns hourly background continuation on or off (action 'background'): the job keeps its
   * state, and a loop or a pause under way carries on. False when the server refused.
   */
  async setBackground(continueInBackground: boolean): Promise<boolean> {
    const job = this.job;
    if (!job) return false;
    try {
      const updated = await this.server.sidebarControlJob({ jobId: job.jobId, action: 'background', continueInBackground });
      const current = this.job;
      if (current && current.jobId === updated.jobId) {
        // A continue or control answer may be newer than this one: take only the switch from it then.
        this.job = this.driving || this.pending ? { ...current, continueInBackground: updated.continueInBackground } : updated;
      }
      this.emit();
      return true;
    } catch (error) {
      this.problem = errorMessage(error);
      this.emit();
      return false;
    }
  }

  /** Stops this sidebar's loop without telling the server (the page is going away or a test ends). */
  detach(): void {
    this.generation++;
  }

  private async stopWith(action: 'pause' | 'cancel', continueInBackground: boolean): Promise<void> {
    const job = this.job;
    if (!job || this.pending) return;
    // Stop the loop first: its in-flight continue call finishes on the server, but its answer
    // no longer starts another call.
    this.generation++;
    const inFlight = this.loopDone;
    const request: ControlJobRequest = { jobId: job.jobId, action, continueInBackground };
    let updated = await this.control(request, false);
    await inFlight;
    if (updated) {
      // A continue call that ended after ours may have written more rows: read the final truth.
      const latest = await this.server.sidebarJobStatus({ jobId: job.jobId }).catch(() => null);
      if (latest) updated = latest;
      if (updated.state === 'running') updated = (await this.control(request, false)) ?? updated;
      this.job = updated;
    }
    this.pending = null;
    this.emit();
  }

  private async control(request: ControlJobRequest, finish = true): Promise<JobProgress | null> {
    this.pending = request.action;
    this.emit();
    try {
      const updated = await this.server.sidebarControlJob(request);
      this.job = updated;
      return updated;
    } catch (error) {
      this.problem = errorMessage(error);
      return null;
    } finally {
      if (finish) {
        this.pending = null;
        this.emit();
      }
    }
  }

  private drive(jobId: string): void {
    const generation = ++this.generation;
    this.driving = true;
    this.activeLoop = generation;
    this.emit();
    this.loopDone = this.loop(jobId, generation).finally(() => {
      // A newer loop owns `driving` now; a pause in progress emits when it settles.
      if (this.activeLoop !== generation) return;
      this.activeLoop = null;
      this.driving = false;
      if (!this.pending) this.emit();
    });
  }

  private async loop(jobId: string, generation: number): Promise<void> {
    let failures = 0;
    let idle = 0;
    while (generation === this.generation) {
      let progress: JobProgress;
      // Read before the call: a status shown meanwhile must not make moved rows look unmoved.
      const before = this.job?.processed ?? -1;
      try {
        progress = await this.continueWatching(jobId, generation);
      } catch (error) {
        if (generation !== this.generation) return;
        if (failures >= this.retryDelaysMs.length) {
          this.problem = isConnectionError(error)
            ? 'The connection to Google dropped. The job is kept where it stopped: check your internet connection, then press Try again.'
            : `${sentence(errorMessage(error))} The job is kept where it stopped: press Try again to carry on.`;
          return;
        }
        this.problem = isConnectionError(error)
          ? 'The connection to Google dropped; trying again by itself…'
          : `A call failed (${errorMessage(error)}); trying again by itself…`;
        this.emit();
        await this.sleep(this.retryDelaysMs[failures]);
        failures++;
        continue;
      }
      if (generation !== this.generation) return;
      failures = 0;
      this.problem = null;
      this.job = progress;
      if (progress.state !== 'running') return;
      this.emit();
      // No row moved: another execution holds the job (a second sidebar, the hourly run). Ask
      // again later rather than spend an execution a second on it.
      if (progress.processed === before) {
        await this.sleep(this.idleDelaysMs[Math.min(idle, this.idleDelaysMs.length - 1)]);
        idle++;
      } else idle = 0;
    }
  }

  /**
   * One continue call; meanwhile (statusPollMs) the job's saved state is shown as it moves, so a
   * wait for the rate limit inside the call shows as one. The call's own answer wins: a status
   * answer that arrives after it is dropped.
   */
  private async continueWatching(jobId: string, generation: number): Promise<JobProgress> {
    const call = this.server.sidebarContinueJob({ jobId });
    const pollMs = this.statusPollMs;
    if (pollMs === null) return call;
    let settled = false;
    const done = () => {
      settled = true;
    };
    call.then(done, done);
    const current = () => !settled && generation === this.generation && !this.pending && this.job?.jobId === jobId;
    void (async () => {
      while (current()) {
        await this.sleep(pollMs);
        if (!current()) return;
        const latest = await this.server.sidebarJobStatus({ jobId }).catch(() => null);
        if (!current() || !latest || latest.state !== 'running') continue;
        this.job = latest;
        this.emit();
      }
    })();
    return call;
  }

  private emit(): void {
    this.onChange(this.snapshot());
  }
}
