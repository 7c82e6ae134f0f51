// What the Run section shows for a job: one phase derived from the server's job state and what
// this sidebar is doing, and which buttons that phase offers. Pure, so jest covers every case.
import type { JobProgress } from '../../src/common/contract';
import { isKeyProblem, problemAdvice as adviceFor } from '../../src/common/messages';
import { describeProgress, doneHeadline, rowsDone } from './format';
import type { JobDriverSnapshot } from './jobDriver';

export type JobPhase =
  | 'idle'
  | 'running'
  /** Running and driven, but the key's rate limit holds the next request back (job.waitingUntil). */
  | 'waiting'
  /** The job is running on the server but this sidebar is not driving it (its calls failed). */
  | 'stalled'
  | 'pausing'
  | 'resuming'
  | 'cancelling'
  | 'paused'
  /** Paused by a problem (key rejected, no credits, repeated failures): fix it, then Resume. */
  | 'problem'
  | 'done'
  | 'cancelled'
  | 'error';

export function jobPhase(snapshot: JobDriverSnapshot): JobPhase {
  const { job, pending, driving } = snapshot;
  if (!job) return 'idle';
  if (pending === 'pause') return 'pausing';
  if (pending === 'resume') return 'resuming';
  if (pending === 'cancel') return 'cancelling';
  switch (job.state) {
    case 'running':
      if (!driving) return 'stalled';
      return job.waitingUntil !== null ? 'waiting' : 'running';
    case 'paused':
      return job.pausedBy === 'problem' ? 'problem' : 'paused';
    case 'done':
      return 'done';
    case 'cancelled':
      return 'cancelled';
    case 'error':
      return 'error';
  }
}

export interface JobButtons {
  start: boolean;
  pause: boolean;
  resume: boolean;
  cancel: boolean;
  showFailed: boolean;
  /** Pause/Resume/Cancel are shown but wait for a call to finish. */
  busy: boolean;
}

export function jobButtons(phase: JobPhase, job: JobProgress | null): JobButtons {
  // The server selects rows whose status is an error; invalid identifiers are not among them.
  const problems = job ? job.counts.failed : 0;
  const busy = phase === 'pausing' || phase === 'resuming' || phase === 'cancelling';
  return {
    // An error ends a job on the server (its message says what to do): only a new start helps.
    start: phase === 'idle' || phase === 'done' || phase === 'cancelled' || phase === 'error',
    pause: phase === 'running' || phase === 'waiting' || phase === 'pausing',
    resume: phase === 'paused' || phase === 'problem' || phase === 'stalled' || phase === 'resuming',
    cancel: phase === 'running' || phase === 'waiting' || phase === 'paused' || phase === 'problem' || phase === 'stalled' || busy,
    showFailed: phase !== 'idle' && problems > 0,
    busy,
  };
}

export const PHASE_TITLE: Record<JobPhase, string> = {
  idle: 'Ready',
  running: 'Running',
  waiting: 'Waiting for the rate limit',
  stalled: 'Interrupted',
  pausing: 'Pausing…',
  resuming: 'Resuming…',
  cancelling: 'Cancelling…',
  paused: 'Paused',
  problem: 'Paused by a problem',
  done: 'Done',
  cancelled: 'Cancelled',
  error: 'Stopped by an error',
};

/** The Run panel's headline: the phase, and for a finished job what came of it. */
export function jobHeadline(phase: JobPhase, job: JobProgress | null): string {
  if (phase === 'done' && job) return doneHeadline(job);
  return PHASE_TITLE[phase];
}

/**
 * The line under the headline: what the headline does not already say. A paused, cancelled or
 * stopped job's headline names its state, so the line gives only the rows.
 */
export function progressLine(phase: JobPhase, job: JobProgress, problem: string | null): string {
  switch (phase) {
    case 'stalled':
      return problem ? rowsDone(job) : `${rowsDone(job)} Press Resume to carry on from this sidebar.`;
    case 'paused':
    case 'problem':
    case 'cancelled':
    case 'error':
    case 'pausing':
    case 'cancelling':
      return rowsDone(job);
    default:
      return describeProgress(job);
  }
}

/** The Resume button's words: after the sidebar's calls failed (connection), carrying on is trying again. */
export function resumeLabel(phase: JobPhase, problem: string | null): 'Resume' | 'Try again' {
  return phase === 'stalled' && problem ? 'Try again' : 'Resume';
}

/** A finished job some of whose rows failed: amber, not the green of a clean run. */
export function doneWithFailures(phase: JobPhase, job: JobProgress | null): boolean {
  return phase === 'done' && job !== null && job.counts.failed > 0;
}

/** The job's outcome counts as label/value pairs, in the order the Run section lists them. */
export function countLines(job: JobProgress): Array<[string, number]> {
  const lines: Array<[string, number]> = [
    ['Done', job.processed],
    ['Matched', job.counts.enriched],
    ['Not found', job.counts.notFound],
    ['Invalid', job.counts.invalid],
    ['Failed', job.counts.failed],
  ];
  if (job.counts.skipped > 0) lines.push(['Skipped', job.counts.skipped]);
  // Rows left for the user under "leave it for me to check"; the live pass's cost, apart from the rest.
  if ((job.counts.ambiguous ?? 0) > 0) lines.push(['To check (ambiguous)', job.counts.ambiguous ?? 0]);
  if (job.live) {
    lines.push(['Live requests', job.live.requests]);
    lines.push(['Live credits', job.live.credits]);
  }
  return lines;
}

/**
 * What to do about a job paused by a problem, by its code (the server reads the code of a job
 * saved before codes were kept from its message). The rows written so far stay either way.
 */
export function problemAdvice(job: Pick<JobProgress, 'problemCode'>): string {
  return adviceFor(job.problemCode);
}

/** The job stopped because of the key itself: the sidebar opens its API key section. */
export function needsNewKey(job: Pick<JobProgress, 'state' | 'pausedBy' | 'problemCode'> | null): boolean {
  return job !== null && job.state === 'paused' && job.pausedBy === 'problem' && isKeyProblem(job.problemCode);
}
