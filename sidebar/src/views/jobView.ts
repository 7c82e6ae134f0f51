// Run section: re-enrich choice, the estimate, the job's progress with Show failed rows and the
// hourly background switch; and the action bar (one line of status, Start, Pause, Resume, Cancel)
// that the app keeps at the bottom of the sidebar, so Start is in reach without scrolling.
import { button, checkbox, el, field, replaceChildren, show, uniqueId } from '../dom';
import { formatCount, progressPercent, rowsDone } from '../format';
import type { JobDriverSnapshot } from '../jobDriver';
import { creditsLine, suggestedCap } from '../spend';
import { countLines, doneWithFailures, jobButtons, jobHeadline, jobPhase, problemAdvice, progressLine, resumeLabel } from '../jobPhase';

export interface JobViewActions {
  start(): void;
  pause(): void;
  resume(): void;
  cancel(): void;
  showFailed(): Promise<string>;
  reenrichChanged(reenrich: boolean): void;
  backgroundChanged(on: boolean): void;
}

export interface CapFields {
  /** The cap for the next Start, as typed. */
  cap: string;
  /** While a job is paused at its cap: the higher cap Resume sends, as typed; null otherwise. */
  raised: string | null;
}

export interface JobView {
  root: HTMLElement;
  /** Where the estimate panel goes. */
  estimateSlot: HTMLElement;
  /** Status line and the job's buttons, kept in view at the bottom of the sidebar (CSS sticky). */
  bar: HTMLElement;
  /** What the bar says when no job is under way (the estimate in one line). */
  setIdleSummary(text: string): void;
  update(snapshot: JobDriverSnapshot, startBlockedBy: string | null): void;
  setReenrich(on: boolean): void;
  background(): boolean;
  /** The switch shows this value; while busy (a call under way) job updates leave it alone. */
  setBackground(on: boolean, busy: boolean): void;
  focusStart(): void;
  /** What the cap fields hold. */
  capFields(): CapFields;
  /** Shows why a cap was refused next to its field (null clears it). */
  capProblem(which: 'cap' | 'raised', message: string | null): void;
}

export function jobView(actions: JobViewActions): JobView {
  const headingId = uniqueId('h');
  const reenrich = checkbox('Re-enrich rows already enriched', (on) => actions.reenrichChanged(on), {
    description: 'Off: rows enriched earlier with the same fields are skipped.',
  });
  const capInput = el('input', { className: 'cap-input', attrs: { type: 'text', inputmode: 'numeric', placeholder: 'No cap', autocomplete: 'off' } });
  const capError = el('p', { className: 'error cap-error', attrs: { role: 'alert' } });
  show(capError, false);
  const capField = field('Credit cap for this job', capInput, 'The job pauses before a request that could pass it. Empty: no cap.');
  const raisedInput = el('input', { className: 'raise-cap-input', attrs: { type: 'text', inputmode: 'numeric', autocomplete: 'off' } });
  const raisedError = el('p', { className: 'error raise-cap-error', attrs: { role: 'alert' } });
  show(raisedError, false);
  const raisePanel = el('div', { className: 'raise-cap' }, [
    field('New credit cap', raisedInput, 'Resume goes on under this cap. Empty: no cap.'),
    raisedError,
  ]);
  let raiseShownFor: string | null = null;
  const creditsText = el('p', { className: 'credits-line', attrs: { 'aria-live': 'polite' } });
  const estimateSlot = el('div', { className: 'estimate-slot' });
  const startHint = el('p', { className: 'gray hint start-hint' });
  const startButton = button('Start', () => actions.start(), 'action start');

  const phaseTitle = el('h3', { className: 'phase' });
  const barFill = el('div', { className: 'bar-fill' });
  const progressLabelId = uniqueId('pl');
  const progressBar = el(
    'div',
    {
      className: 'bar',
      attrs: { role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': 0, 'aria-labelledby': progressLabelId },
    },
    [barFill],
  );
  const progressText = el('p', { id: progressLabelId, className: 'progress-text', attrs: { 'aria-live': 'polite' } });
  const barStatus = el('p', { className: 'bar-status' });
  let idleSummary = '';
  const counts = el('dl', { className: 'figures counts' });
  const message = el('p', { className: 'job-message', attrs: { role: 'alert' } });
  const advice = el('p', { className: 'job-advice' });
  const problem = el('p', { className: 'error job-problem', attrs: { role: 'alert' } });

  const pauseButton = button('Pause', () => actions.pause());
  const resumeButton = button('Resume', () => actions.resume(), 'action');
  const cancelButton = button('Cancel', () => actions.cancel());
  const failedButton = button('Show failed rows', () => void showFailed());
  const failedResult = el('p', { className: 'gray hint', attrs: { 'aria-live': 'polite' } });
  const background = checkbox('Continue in background (hourly)', (on) => actions.backgroundChanged(on), {
    switchRole: true,
    description: 'If you pause or close this sidebar, an hourly run carries on with the job.',
  });

  const progressPanel = el('div', { className: 'progress-panel' }, [
    phaseTitle,
    progressBar,
    progressText,
    counts,
    creditsText,
    message,
    advice,
    raisePanel,
    problem,
    el('div', { className: 'buttons' }, [failedButton]),
    failedResult,
  ]);
  const bar = el('div', { className: 'action-bar', attrs: { role: 'region', 'aria-label': 'Start and job controls' } }, [
    barStatus,
    startHint,
    el('div', { className: 'buttons' }, [startButton, pauseButton, resumeButton, cancelButton]),
    // After the buttons: Start stays a short way in by keyboard, the cap beside it.
    capField,
    capError,
  ]);

  const root = el('section', { className: 'block run', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'Run' }),
    reenrich.root,
    progressPanel,
    estimateSlot,
    background.root,
  ]);

  async function showFailed(): Promise<void> {
    failedButton.disabled = true;
    failedResult.textContent = await actions.showFailed();
    failedButton.disabled = false;
  }

  let lastJobId: string | null = null;
  let backgroundBusy = false;
  /** Set when the focused button vanished or was disabled: focus goes to the next one offered. */
  let focusLost = false;
  const jobButtonsInOrder = [resumeButton, pauseButton, startButton, cancelButton];

  return {
    root,
    estimateSlot,
    bar,
    setIdleSummary(text) {
      idleSummary = text;
      if (!bar.hasAttribute('data-job')) barStatus.textContent = text;
    },
    update(snapshot, startBlockedBy) {
      const active = document.activeElement;
      const phase = jobPhase(snapshot);
      const job = snapshot.job;
      const buttons = jobButtons(phase, job);
      root.setAttribute('data-phase', phase);
      bar.setAttribute('data-phase', phase);
      const failedDone = doneWithFailures(phase, job);
      root.toggleAttribute('data-failed', failedDone);
      bar.toggleAttribute('data-failed', failedDone);
      if (job && job.jobId !== lastJobId) {
        lastJobId = job.jobId;
        failedResult.textContent = '';
        background.input.checked = job.continueInBackground;
      }
      // While a job can still run, the switch shows the server's value; after that it is the
      // choice for the next Start, left as the user set it.
      if (job && !backgroundBusy && (job.state === 'running' || job.state === 'paused')) background.input.checked = job.continueInBackground;

      show(progressPanel, job !== null);
      if (job) {
        phaseTitle.textContent = jobHeadline(phase, job);
        phaseTitle.className = `phase phase-${phase}${failedDone ? ' phase-done-failed' : ''}`;
        const percent = progressPercent(job);
        barFill.style.width = `${percent}%`;
        progressBar.setAttribute('aria-valuenow', String(percent));
        progressBar.setAttribute('aria-valuetext', `${percent}%`);
        progressText.textContent = progressLine(phase, job, snapshot.problem);
        replaceChildren(
          counts,
          countLines(job).flatMap(([label, value]) => [
            el('dt', { text: label }),
            el('dd', { text: formatCount(value), attrs: { 'data-count': label.toLowerCase().replace(' ', '-') } }),
          ]),
        );
        message.textContent = job.message ?? '';
        message.className = phase === 'error' || phase === 'problem' ? 'job-message error' : 'job-message';
        show(message, Boolean(job.message));
        advice.textContent = phase === 'problem' ? problemAdvice(job) : '';
        show(advice, phase === 'problem');
        creditsText.textContent = creditsLine(job);
        const raising = job.state === 'paused' && job.problemCode === 'credit_cap';
        if (raising && raiseShownFor !== `${job.jobId}:${job.creditsUsed}`) {
          raiseShownFor = `${job.jobId}:${job.creditsUsed}`;
          raisedInput.value = String(suggestedCap(job));
        }
        if (!raising) raiseShownFor = null;
        show(raisePanel, raising);
      } else {
        show(raisePanel, false);
      }
      problem.textContent = snapshot.problem ?? '';
      show(problem, Boolean(snapshot.problem));
      // One line in the bar: the job while it can still run, else the estimate.
      const jobShown = job !== null && (buttons.pause || buttons.resume || buttons.busy);
      bar.toggleAttribute('data-job', jobShown);
      barStatus.textContent = jobShown && job ? `${jobHeadline(phase, job)}: ${rowsDone(job)}` : idleSummary;
      barStatus.className = jobShown ? `bar-status phase-${phase}` : 'bar-status';
      // After a dropped connection, carrying on is trying the same call again.
      resumeButton.textContent = resumeLabel(phase, snapshot.problem);

      show(pauseButton, buttons.pause);
      show(resumeButton, buttons.resume);
      show(cancelButton, buttons.cancel);
      show(failedButton, buttons.showFailed);
      pauseButton.disabled = buttons.busy;
      resumeButton.disabled = buttons.busy;
      cancelButton.disabled = buttons.busy;

      show(startButton, buttons.start);
      show(capField, buttons.start);
      if (!buttons.start) show(capError, false);
      startButton.textContent = phase === 'idle' ? 'Start' : 'Start again';
      startButton.disabled = startBlockedBy !== null;
      startHint.textContent = buttons.start && startBlockedBy ? startBlockedBy : '';
      show(startHint, buttons.start && startBlockedBy !== null);

      // Keyboard users keep their place: Pause turns into Resume, Start into Pause.
      if (active instanceof HTMLButtonElement && jobButtonsInOrder.includes(active) && (active.hidden || active.disabled)) focusLost = true;
      const focusNowhere =
        !document.activeElement || document.activeElement === document.body || root.contains(document.activeElement) || bar.contains(document.activeElement);
      if (focusLost && !focusNowhere) focusLost = false;
      if (focusLost) {
        const next = jobButtonsInOrder.find((b) => !b.hidden && !b.disabled && b.offsetParent !== null);
        if (next) {
          next.focus();
          focusLost = false;
        }
      }
    },
    setReenrich(on) {
      reenrich.input.checked = on;
    },
    background: () => background.input.checked,
    setBackground(on, busy) {
      backgroundBusy = busy;
      background.input.checked = on;
      // Not disabled: a disabled switch would drop the keyboard focus. The app sends the last choice.
      background.input.setAttribute('aria-busy', String(busy));
    },
    focusStart: () => startButton.focus(),
    capFields: () => ({ cap: capInput.value, raised: raiseShownFor !== null ? raisedInput.value : null }),
    capProblem(which, text) {
      const target = which === 'cap' ? capError : raisedError;
      const input = which === 'cap' ? capInput : raisedInput;
      target.textContent = text ?? '';
      show(target, text !== null);
      input.setAttribute('aria-invalid', String(text !== null));
      if (text !== null) input.focus();
    },
  };
}
