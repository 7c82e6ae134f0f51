// A bulk job's lifecycle as one pure transition function: every change of a job's state (start,
// finish, stop on a problem or an error, a failed slice, the user's pause, resume and cancel, the
// hourly trigger's resume, a slice's commit) goes through `transition`, and an event that does not
// apply to the state a job is in is refused, leaving the job as it was. A slice commits its events
// against the latest stored state, so what the user did meanwhile (pause, cancel) wins.
//
//   (none, done, cancelled, error) --start--> running
//   running --pause(user)--> paused by user        running --problem--> paused by problem
//   paused --resume(user)--> running               paused by user --resume(background)--> running
//   running, paused --cancel--> cancelled          running --finish--> done
//   running --fail--> error                        running --note--> running (its message only)
import type { JobState } from '../common/contract';
import type { ErrorCode } from '../common/messages';

export type PausedBy = 'user' | 'problem';

export interface Lifecycle {
  state: JobState;
  /** Who paused it, while paused; null otherwise. */
  pausedBy: PausedBy | null;
  /** What the sidebar says about the state (a problem, an error, a passing note while running). */
  message: string | null;
  /**
   * The message's code, for the sidebar's advice: null when it has none; absent in jobs saved
   * before codes were kept (their message is all there is).
   */
  problemCode?: ErrorCode | null;
}

export type JobEvent =
  /** A new job on the sheet (refused while one is running or paused there). */
  | { type: 'start' }
  | { type: 'pause' }
  /** The user's Resume, or the hourly trigger carrying on a job the user paused and let run in the background. */
  | { type: 'resume'; by: 'user' | 'background' }
  | { type: 'cancel' }
  /** Every row written (both passes). */
  | { type: 'finish' }
  /** A problem the user must fix first (a rejected key, no credits, repeated failures): paused. */
  | { type: 'problem'; message: string; code: ErrorCode | null }
  /** The job cannot go on at all (sheet, columns or rows gone): it ends in an error. */
  | { type: 'fail'; message: string; code?: ErrorCode | null }
  /** A running job's message changes (a passing problem, or cleared after a block); nothing else. */
  | { type: 'note'; message: string | null };

export const JOB_STATES: readonly JobState[] = ['running', 'paused', 'done', 'cancelled', 'error'];

export function isActiveState(state: JobState): boolean {
  return state === 'running' || state === 'paused';
}

/** The lifecycle after `event`, or null when the event does not apply to `current` (none: no job yet). */
export function transition(current: Lifecycle | null, event: JobEvent): Lifecycle | null {
  const state = current?.state ?? null;
  switch (event.type) {
    case 'start':
      return state === null || !isActiveState(state) ? { state: 'running', pausedBy: null, message: null, problemCode: null } : null;
    case 'pause':
      return state === 'running' ? { state: 'paused', pausedBy: 'user', message: null, problemCode: null } : null;
    case 'resume':
      if (state !== 'paused') return null;
      if (event.by === 'background' && current?.pausedBy !== 'user') return null;
      return { state: 'running', pausedBy: null, message: null, problemCode: null };
    case 'cancel':
      return state !== null && isActiveState(state) ? { state: 'cancelled', pausedBy: null, message: null, problemCode: null } : null;
    case 'finish':
      return state === 'running' ? { state: 'done', pausedBy: null, message: null, problemCode: null } : null;
    case 'problem':
      return state === 'running' ? { state: 'paused', pausedBy: 'problem', message: event.message, problemCode: event.code } : null;
    case 'fail':
      return state === 'running' ? { state: 'error', pausedBy: null, message: event.message, problemCode: event.code ?? null } : null;
    case 'note':
      return state === 'running' ? { state: 'running', pausedBy: null, message: event.message, problemCode: null } : null;
  }
}

/** The lifecycle part of a stored job. */
export function lifecycleOf(job: Lifecycle): Lifecycle {
  const life: Lifecycle = { state: job.state, pausedBy: job.pausedBy, message: job.message };
  // A job saved before codes were kept stays without one, so its message still picks the advice.
  if (job.problemCode !== undefined) life.problemCode = job.problemCode;
  return life;
}
