// What the Run section shows for a job: one phase derived from the server's job state and what
// this sidebar is doing, and which buttons that phase offers. Pure, so jest covers every case.
import type { JobProgress } from '../../src/server/sidebarContract';
import type { JobDriverSnapshot } from './jobDriver';

export type JobPhase =
  | 'idle'
  | 'running'
  /** The job is running on the server but no sidebar is driving it (closed, or calls failed). */
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
      return driving ? 'running' : 'stalled';
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
    pause: phase === 'running' || phase === 'pausing',
    resume: phase === 'paused' || phase === 'problem' || phase === 'stalled' || phase === 'resuming',
    cancel: phase === 'running' || phase === 'paused' || phase === 'problem' || phase === 'stalled' || busy,
    showFailed: phase !== 'idle' && problems > 0,
    busy,
  };
}

export const PHASE_TITLE: Record<JobPhase, string> = {
  idle: 'Ready',
  running: 'Running',
  stalled: 'Not running in this sidebar',
  pausing: 'Pausing…',
  resuming: 'Resuming…',
  cancelling: 'Cancelling…',
  paused: 'Paused',
  problem: 'Paused by a problem',
  done: 'Done',
  cancelled: 'Cancelled',
  error: 'Stopped by an error',
};

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
  return lines;
}

/**
 * What to do about a job paused by a problem, from the server's message (which names the cause
 * in words: src/core/crustdataClient.ts MESSAGES). The rows written so far stay either way.
 */
export function problemAdvice(message: string | null): string {
  const text = message ?? '';
  if (/API key/i.test(text) && /rejected|no crustdata api key|not set/i.test(text)) {
    return 'Set a new key in the API key section above (Replace key), then press Resume.';
  }
  if (/credits/i.test(text)) return 'Add credits in the Crustdata dashboard, then press Resume.';
  if (/permission denied|refused this request/i.test(text)) {
    return 'Ask Crustdata to enable those field groups for your key, then press Resume; or Cancel and start again without them.';
  }
  return 'Fix what the message says, then press Resume. The rows written so far are kept.';
}
