// The Run section's phase and buttons for each job state and sidebar activity.
import type { JobProgress } from '../../src/common/contract';
import { PROBLEMS } from '../../src/common/messages';
import { countLines, doneWithFailures, jobButtons, jobHeadline, jobPhase, PHASE_TITLE, needsNewKey, problemAdvice, progressLine, resumeLabel } from '../../sidebar/src/jobPhase';

const job = (state: JobProgress['state'], counts: Partial<JobProgress['counts']> = {}): JobProgress => ({
  jobId: 'j',
  sheetName: 'S',
  creditsUsed: 0,
  creditCap: null,
  state,
  total: 10,
  processed: 4,
  counts: { enriched: 2, notFound: 1, invalid: 0, failed: 0, skipped: 1, ...counts },
  startedAt: 0,
  updatedAt: 0,
  etaSeconds: null,
  message: null,
  continueInBackground: false,
  waitingUntil: null,
  pausedBy: null,
  problemCode: null,
});

/** Paused because Crustdata rejected the key. */
const byProblem: JobProgress = { ...job('paused'), pausedBy: 'problem', message: PROBLEMS.invalid_api_key.message, problemCode: 'invalid_api_key' };

test('phase follows the server state, what this sidebar does, and pending control calls', () => {
  expect(jobPhase({ job: null, driving: false, pending: null, problem: null })).toBe('idle');
  expect(jobPhase({ job: job('running'), driving: true, pending: null, problem: null })).toBe('running');
  expect(jobPhase({ job: { ...job('running'), waitingUntil: 5_000 }, driving: true, pending: null, problem: null })).toBe('waiting');
  expect(jobPhase({ job: job('running'), driving: false, pending: null, problem: null })).toBe('stalled');
  expect(jobPhase({ job: job('running'), driving: true, pending: 'pause', problem: null })).toBe('pausing');
  expect(jobPhase({ job: job('paused'), driving: false, pending: 'resume', problem: null })).toBe('resuming');
  expect(jobPhase({ job: job('paused'), driving: false, pending: null, problem: null })).toBe('paused');
  expect(jobPhase({ job: job('error'), driving: false, pending: null, problem: null })).toBe('error');
  expect(jobPhase({ job: job('done'), driving: false, pending: null, problem: null })).toBe('done');
  expect(jobPhase({ job: job('cancelled'), driving: false, pending: null, problem: null })).toBe('cancelled');
});

test('each phase offers only the buttons that make sense', () => {
  const offered = (phase: Parameters<typeof jobButtons>[0], j: JobProgress | null = job('running')) => {
    const b = jobButtons(phase, j);
    return (['start', 'pause', 'resume', 'cancel', 'showFailed'] as const).filter((k) => b[k]);
  };
  expect(offered('idle', null)).toEqual(['start']);
  expect(offered('running')).toEqual(['pause', 'cancel']);
  expect(offered('waiting')).toEqual(['pause', 'cancel']);
  expect(offered('paused')).toEqual(['resume', 'cancel']);
  expect(offered('stalled')).toEqual(['resume', 'cancel']);
  expect(offered('error', job('error', { failed: 3 }))).toEqual(['start', 'showFailed']);
  expect(offered('done', job('done', { failed: 2 }))).toEqual(['start', 'showFailed']);
  expect(offered('done', job('done', { invalid: 2 }))).toEqual(['start']);
  expect(offered('done', job('done'))).toEqual(['start']);
  expect(jobButtons('pausing', job('running')).busy).toBe(true);
});

test('counts list done, matched, not found, invalid, failed, and skipped only when there are some', () => {
  expect(countLines(job('running', { skipped: 0 })).map(([label]) => label)).toEqual(['Done', 'Matched', 'Not found', 'Invalid', 'Failed']);
  expect(countLines(job('running')).map(([label]) => label)).toContain('Skipped');
});

test('a job paused by a problem is its own phase, distinct from a pause by the user', () => {
  expect(jobPhase({ job: byProblem, driving: false, pending: null, problem: null })).toBe('problem');
  expect(jobPhase({ job: { ...job('paused'), pausedBy: 'user' }, driving: false, pending: null, problem: null })).toBe('paused');
  expect(jobPhase({ job: byProblem, driving: false, pending: 'resume', problem: null })).toBe('resuming');
  // A background switch under way changes nothing about the phase.
  expect(jobPhase({ job: byProblem, driving: false, pending: 'background', problem: null })).toBe('problem');
  expect(PHASE_TITLE.problem).toBe('Paused by a problem');
  const b = jobButtons('problem', byProblem);
  expect((['start', 'pause', 'resume', 'cancel'] as const).filter((k) => b[k])).toEqual(['resume', 'cancel']);
});

test('the advice for a problem pause comes from its code, whatever the message says', () => {
  const paused = (problemCode: JobProgress['problemCode'], message: string): JobProgress => ({ ...byProblem, problemCode, message });
  expect(problemAdvice(paused('invalid_api_key', PROBLEMS.invalid_api_key.message))).toBe('Set a new key in the API key section above (Replace key), then press Resume.');
  expect(problemAdvice(paused('missing_api_key', PROBLEMS.missing_api_key.message))).toMatch(/^Set a new key/);
  expect(problemAdvice(paused('insufficient_credits', PROBLEMS.insufficient_credits.message))).toBe('Add credits in the Crustdata dashboard, then press Resume.');
  expect(problemAdvice(paused('permission_denied', PROBLEMS.permission_denied.message))).toMatch(/enable those field groups.*Resume.*Cancel/);
  // The code decides, not the words: a repeated failure whose detail mentions credits is no credit problem.
  expect(problemAdvice(paused(null, 'Stopped after repeated problems: could not read credits used'))).toMatch(/^Fix what the message says, then press Resume/);
  expect(problemAdvice(paused('invalid_api_key', 'Stopped after repeated problems: out of credits?'))).toMatch(/^Set a new key/);
  expect(problemAdvice(paused('server_error', 'Stopped after repeated problems: Crustdata had a server error'))).toBe('Press Resume to try again. The rows written so far are kept.');
});

test('only a job paused by its key opens the API key section', () => {
  expect(needsNewKey({ ...byProblem, problemCode: 'invalid_api_key' })).toBe(true);
  expect(needsNewKey({ ...byProblem, problemCode: 'missing_api_key' })).toBe(true);
  expect(needsNewKey({ ...byProblem, problemCode: 'insufficient_credits' })).toBe(false);
  const keyWordsNoCode: JobProgress = { ...byProblem, problemCode: null, message: PROBLEMS.invalid_api_key.message };
  expect(needsNewKey(keyWordsNoCode)).toBe(false);
  expect(needsNewKey({ ...job('running'), problemCode: 'invalid_api_key' })).toBe(false);
  expect(needsNewKey(null)).toBe(false);
});

test('the headline of a finished job says what came of it, and failed rows make it amber, not a plain success', () => {
  const clean = job('done', { enriched: 1480 });
  const failed = job('done', { enriched: 1480, failed: 20 });
  expect(jobHeadline('done', clean)).toBe('Done: 1,480 rows enriched');
  expect(jobHeadline('done', failed)).toBe('Done: 1,480 rows enriched, 20 failed — see the status column');
  expect(jobHeadline('done', job('done', { enriched: 1, failed: 1 }))).toBe('Done: 1 row enriched, 1 failed — see the status column');
  expect(doneWithFailures('done', failed)).toBe(true);
  expect(doneWithFailures('done', clean)).toBe(false);
  // Invalid identifiers are the sheet's, not a failure of the run.
  expect(doneWithFailures('done', job('done', { invalid: 4 }))).toBe(false);
  expect(doneWithFailures('running', job('running', { failed: 3 }))).toBe(false);
  expect(jobHeadline('waiting', job('running'))).toBe('Waiting for the rate limit');
  expect(jobHeadline('problem', job('paused'))).toBe(PHASE_TITLE.problem);
});

test('after the connection dropped, Resume reads Try again', () => {
  expect(resumeLabel('stalled', 'The connection to Google dropped. The job is kept where it stopped: check your internet connection, then press Try again.')).toBe('Try again');
  expect(resumeLabel('stalled', null)).toBe('Resume');
  expect(resumeLabel('paused', null)).toBe('Resume');
  expect(resumeLabel('problem', 'Crustdata rejected the API key.')).toBe('Resume');
});

test('the line under the headline never repeats it', () => {
  const phases = ['running', 'waiting', 'stalled', 'pausing', 'resuming', 'cancelling', 'paused', 'problem', 'done', 'cancelled', 'error'] as const;
  const stateOf = { running: 'running', waiting: 'running', stalled: 'running', pausing: 'running', resuming: 'paused', cancelling: 'running', paused: 'paused', problem: 'paused', done: 'done', cancelled: 'cancelled', error: 'error' } as const;
  for (const phase of phases) {
    const j = { ...job(stateOf[phase], { failed: 2 }), pausedBy: phase === 'problem' ? ('problem' as const) : phase === 'paused' ? ('user' as const) : null };
    const headline = jobHeadline(phase, j);
    const line = progressLine(phase, j, null);
    expect({ phase, repeats: line.toLowerCase().includes(headline.toLowerCase().replace(/…$/, '')) }).toEqual({ phase, repeats: false });
  }
  expect(progressLine('problem', { ...job('paused'), pausedBy: 'problem' }, null)).toBe('4 of 10 rows done.');
  expect(progressLine('running', { ...job('running'), etaSeconds: 250 }, null)).toBe('4 of 10 rows done, about 4 min left.');
  expect(progressLine('stalled', job('running'), 'The connection to Google dropped.')).toBe('4 of 10 rows done.');
});
