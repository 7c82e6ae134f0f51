// Keep fresh section: the scheduled refresh of enriched rows (daily or weekly at an hour), the
// range it keeps fresh, its next run, what the last run did, why it paused itself, what became of
// an hourly run that could not reach the spreadsheet, and Stop refreshing.
import type { ScheduleRequest, ScheduleStatus } from '../../../src/common/contract';
import { button, checkbox, el, field, replaceChildren, show, uniqueId } from '../dom';
import { parseCreditCap } from '../spend';
import { LIVE_PASS_COST } from './optionsView';
import { describeSchedule, formatCount, formatDateTime, formatHour, parsePositiveInt, weekdayName } from '../format';

export interface ScheduleViewActions {
  save(request: ScheduleRequest): Promise<boolean>;
  stop(): Promise<boolean>;
}

export const DEFAULT_MAX_AGE_DAYS = 7;

/** The last run in one line: the server's summary, or the counts when it has none. */
export function describeLastRun(status: ScheduleStatus, nowMs: number): string | null {
  const run = status.lastRun;
  if (!run) return null;
  const counts = [
    `${formatCount(run.refreshed)} refreshed`,
    `${formatCount(run.changed)} changed`,
    run.notFound ? `${formatCount(run.notFound)} not found` : '',
    run.failed ? `${formatCount(run.failed)} failed` : '',
  ].filter(Boolean);
  const summary = run.summary.trim() || `${counts.join(', ')}.`;
  return `Last run ${formatDateTime(run.at, nowMs)}: ${summary}${creditsOf(run)}`;
}

/** " Credits charged: 12." for runs that counted them (older servers' runs did not). */
function creditsOf(run: { creditsUsed?: number }): string {
  return run.creditsUsed === undefined ? '' : ` Credits charged: ${formatCount(run.creditsUsed)}.`;
}

/** The runs before the last one (the server keeps a few), one line each, newest first. */
export function describeEarlierRuns(status: Pick<ScheduleStatus, 'recentRuns'>, nowMs: number): string[] {
  return (status.recentRuns ?? []).slice(1).map((run) => `${formatDateTime(run.at, nowMs)}: ${run.summary.trim() || `${formatCount(run.refreshed)} refreshed, ${formatCount(run.changed)} changed.`}${creditsOf(run)}`);
}

/** Which rows the schedule keeps fresh, or would keep fresh if turned on here. */
export function describeTarget(status: Pick<ScheduleStatus, 'enabled' | 'target'>): string {
  const range = status.target?.rangeA1;
  if (status.enabled) return range ? `Keeps ${range} fresh.` : 'The enriched range it kept fresh is gone (sheet or columns deleted).';
  return range ? `Would keep ${range} fresh.` : 'Nothing enriched to keep fresh yet: enrich a column first (Run, above).';
}

export function scheduleView(actions: ScheduleViewActions, now: () => number): { root: HTMLElement; update(status: ScheduleStatus): void } {
  const headingId = uniqueId('h');
  const statusLine = el('p', { className: 'schedule-status', attrs: { 'aria-live': 'polite' } });
  const targetLine = el('p', { className: 'schedule-target' });
  const nextLine = el('p', { className: 'gray' });
  const lastLine = el('p', { className: 'last-run' });
  const pausedLine = el('p', { className: 'error', attrs: { role: 'alert' } });
  const noticeLine = el('p', { className: 'error trigger-notice', attrs: { role: 'alert' } });
  const earlierList = el('ul', { className: 'run-history' });
  const earlierRuns = el('details', { className: 'earlier-runs' }, [el('summary', { text: 'Earlier runs' }), earlierList]);
  const formError = el('p', { className: 'error', attrs: { role: 'alert' } });

  const frequency = el('select', {}, [
    el('option', { attrs: { value: 'daily' }, text: 'Every day' }),
    el('option', { attrs: { value: 'weekly' }, text: 'Every week' }),
  ]);
  const weekday = el(
    'select',
    {},
    [1, 2, 3, 4, 5, 6, 7].map((day) => el('option', { attrs: { value: day }, text: weekdayName(day) })),
  );
  const hour = el(
    'select',
    {},
    Array.from({ length: 24 }, (_, h) => el('option', { attrs: { value: h }, text: formatHour(h) })),
  );
  hour.value = '6';
  const maxAge = el('input', {
    className: 'narrow',
    attrs: { type: 'number', min: 1, max: 365, step: 1, inputmode: 'numeric', value: DEFAULT_MAX_AGE_DAYS },
  });
  const live = checkbox('Try "Not found" rows live', () => undefined, {
    description: LIVE_PASS_COST,
  });
  const force = checkbox('Request fresh data', () => undefined, {
    switchRole: true,
    description:
      'Sends force_fetch with each refresh. What it does and what it costs depend on your Crustdata account; check with them before relying on it.',
  });
  const capInput = el('input', { className: 'narrow schedule-cap', attrs: { type: 'text', inputmode: 'numeric', placeholder: 'No cap', autocomplete: 'off' } });
  const weekdayField = field('On', weekday);
  frequency.addEventListener('change', () => show(weekdayField, frequency.value === 'weekly'));

  const saveButton = el('button', { className: 'action', text: 'Keep fresh', attrs: { type: 'submit' } });
  const stopButton = button('Stop refreshing', () => void stop());
  const form = el(
    'form',
    {
      className: 'schedule-form',
      on: {
        submit: (event) => {
          event.preventDefault();
          void save();
        },
      },
    },
    [
      el('div', { className: 'inline-fields' }, [field('How often', frequency), weekdayField, field('At (spreadsheet time)', hour)]),
      field('Refresh rows older than (days)', maxAge),
      force.root,
      field('Credit cap per run', capInput, 'A run stops before a request that could take it past this many credits, and Keep fresh pauses until you raise it. Empty: no cap.'),
      live.root,
      formError,
      el('div', { className: 'buttons' }, [saveButton, stopButton]),
    ],
  );

  const root = el('section', { className: 'block schedule', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'Keep fresh' }),
    el('p', {
      className: 'gray hint',
      text: 'Re-enriches the rows this add-on wrote on a schedule and marks who changed employer or title.',
    }),
    statusLine,
    targetLine,
    pausedLine,
    noticeLine,
    nextLine,
    lastLine,
    earlierRuns,
    form,
  ]);

  async function save(): Promise<void> {
    const days = parsePositiveInt(maxAge.value, 365);
    if (days === null) {
      formError.textContent = 'Days must be a whole number from 1 to 365.';
      maxAge.focus();
      return;
    }
    const cap = parseCreditCap(capInput.value);
    if (!cap.ok) {
      formError.textContent = cap.message;
      capInput.focus();
      return;
    }
    formError.textContent = '';
    const request: ScheduleRequest = {
      frequency: frequency.value === 'weekly' ? 'weekly' : 'daily',
      hour: Number(hour.value),
      maxAgeDays: days,
      forceFetch: force.input.checked,
    };
    if (live.input.checked) request.live = true;
    if (request.frequency === 'weekly') request.weekday = Number(weekday.value);
    if (cap.cap !== null) request.creditCap = cap.cap;
    saveButton.disabled = true;
    await actions.save(request);
    saveButton.disabled = false;
  }

  async function stop(): Promise<void> {
    stopButton.disabled = true;
    await actions.stop();
    stopButton.disabled = false;
  }

  function update(status: ScheduleStatus): void {
    const settings = status.settings;
    if (settings) {
      frequency.value = settings.frequency;
      hour.value = String(settings.hour);
      weekday.value = String(settings.weekday ?? 1);
      maxAge.value = String(settings.maxAgeDays);
      force.input.checked = settings.forceFetch;
      capInput.value = settings.creditCap != null ? String(settings.creditCap) : '';
      live.input.checked = settings.live === true;
    }
    show(weekdayField, frequency.value === 'weekly');
    root.setAttribute('data-enabled', String(status.enabled));
    replaceChildren(statusLine, [
      el('strong', { text: status.enabled ? 'On: ' : 'Off.' }),
      status.enabled && settings ? describeSchedule(settings) + '.' : '',
    ]);
    targetLine.textContent = describeTarget(status);
    targetLine.title = status.target ? `Sheet: ${status.target.sheetName}` : '';
    pausedLine.textContent = status.pausedReason ? `Paused: ${status.pausedReason}` : '';
    show(pausedLine, Boolean(status.pausedReason));
    noticeLine.textContent = status.triggerNotice ?? '';
    show(noticeLine, Boolean(status.triggerNotice));
    nextLine.textContent = status.enabled && status.nextRunAt !== null ? `Next run ${formatDateTime(status.nextRunAt, now())} (your time).` : '';
    show(nextLine, Boolean(nextLine.textContent));
    lastLine.textContent = describeLastRun(status, now()) ?? '';
    show(lastLine, status.lastRun !== null);
    const earlier = describeEarlierRuns(status, now());
    replaceChildren(earlierList, earlier.map((line) => el('li', { text: line })));
    show(earlierRuns, earlier.length > 0);
    saveButton.textContent = status.enabled ? 'Update schedule' : 'Keep fresh';
    show(stopButton, status.enabled || status.pausedReason !== null);
  }

  return { root, update };
}
