// The sidebar application: loads the state, wires the sections to the typed server client, runs
// the estimate as choices change, starts jobs (asking on conflicts) and hands them to the driver.
import { parseCreditCap, parseRaisedCap } from './spend';
import type {
  SidebarState,
  SourceRange,
  StartJobRequest,
  StartJobResponse,
} from '../../src/common/contract';
import { errorMessage, isConnectionError, SidebarClient } from './client';
import { button, el, replaceChildren } from './dom';
import { defaultFields, FieldCatalog, normalizeFields } from './fields';
import { describeProgress, maskedKeyLabel, plural, rowsDone, rowsDonePhrase } from './format';
import { JobDriver, JobDriverSnapshot } from './jobDriver';
import { isKeyProblem } from '../../src/common/messages';
import { jobHeadline, jobPhase, needsNewKey } from './jobPhase';
import { apiKeyView } from './views/apiKeyView';
import { ConflictAnswer, conflictDialog } from './views/conflictDialog';
import { EstimateDisplay, estimateDisplaySummary, estimateView } from './views/estimateView';
import { fieldsView } from './views/fieldsView';
import { jobView } from './views/jobView';
import { DEFAULT_OPTIONS, optionsView } from './views/optionsView';
import { scheduleView } from './views/scheduleView';
import { sourceView } from './views/sourceView';

/** Wait after the last change before asking for an estimate, so typing a row number sends one call. */
export const ESTIMATE_DEBOUNCE_MS = 400;
/** How often a running job's state is read while a continue call is under way (one light call). */
export const STATUS_POLL_MS = 10_000;

export interface SidebarAppOptions {
  now?: () => number;
  estimateDebounceMs?: number;
}

/** How often an open sidebar re-reads the Keep fresh state while a schedule is on. */
export const SCHEDULE_POLL_MS = 5 * 60_000;

export class SidebarApp {
  private state: SidebarState | null = null;
  private catalog: FieldCatalog = { groups: [], paths: [] };
  private fields: string[] = [];
  private reenrich = false;
  private source: SourceRange | null = null;
  private starting = false;
  private estimateTimer: ReturnType<typeof setTimeout> | null = null;
  private estimateSeq = 0;
  private lastPhase: string | null = null;
  private backgroundWanted = false;
  private backgroundSending = false;
  private readonly now: () => number;
  private readonly estimateDebounceMs: number;

  private readonly notice = el('p', { className: 'notice', attrs: { role: 'status', 'aria-live': 'polite' } });
  private readonly alert = el('div', { className: 'notice error', attrs: { role: 'alert' } });
  private readonly sheetLabel = el('span', { className: 'sheet-name' });
  private readonly content = el('div', { className: 'content' });
  /** Calls that failed on the way (connection dropped): Try again sends them again. */
  private retryQueue: Array<() => void> = [];
  private readonly keySummaryStatus = el('span', { className: 'key-summary-status' });
  /**
   * The API key section folds to one line once a key is set (opened on a click, or by the app
   * when the key needs attention), so the way to Start is short. Wrapped here, around the view.
   */
  private readonly keyDetails = el('details', { className: 'key-details' });
  private readonly driver: JobDriver;
  private readonly keyView;
  private readonly sourceSection;
  private readonly fieldsSection;
  private readonly optionsSection;
  private readonly estimate;
  private readonly run;
  private readonly schedule;
  private readonly conflict;

  constructor(
    private readonly client: SidebarClient,
    private readonly root: HTMLElement,
    options: SidebarAppOptions = {},
  ) {
    this.now = options.now ?? (() => Date.now());
    this.estimateDebounceMs = options.estimateDebounceMs ?? ESTIMATE_DEBOUNCE_MS;
    this.driver = new JobDriver(client, (snapshot) => this.onJob(snapshot), { statusPollMs: STATUS_POLL_MS });

    this.keyView = apiKeyView({
      save: async (request) => {
        const status = await this.call(() => client.sidebarSaveApiKey(request));
        if (!status || !this.state) return false;
        this.state.apiKey = status;
        if (request.requestsPerMinute !== undefined) this.state.requestsPerMinute = request.requestsPerMinute;
        this.keyView.update(status, this.state.requestsPerMinute);
        this.updateKeySummary();
        this.refreshRun();
        this.scheduleEstimate();
        if (request.apiKey && jobPhase(this.driver.snapshot()) === 'problem') this.say('Key saved. Press Resume to carry on the job.');
        return true;
      },
      test: async () => (await this.call(() => client.sidebarTestConnection())) ?? null,
    });
    this.sourceSection = sourceView({
      useSelection: async () => {
        const guess = await this.call(() => client.sidebarDetectSource());
        if (guess === null) this.say('Select the identifier column (or some of its cells) in the sheet first.');
        else if (guess && this.state) this.state.source = guess;
        return guess ?? null;
      },
      changed: (source) => {
        this.source = source;
        this.refreshRun();
        this.scheduleEstimate();
      },
    });
    this.fieldsSection = fieldsView((fields) => {
      this.fields = fields;
      this.refreshRun();
      this.scheduleEstimate();
    });
    this.optionsSection = optionsView(() => {
      this.refreshRun();
      this.scheduleEstimate();
    });
    this.estimate = estimateView();
    this.run = jobView({
      start: () => void this.start(),
      pause: () => void this.driver.pause(this.run.background()),
      resume: () => void this.resume(),
      cancel: () => void this.driver.cancel(this.run.background()),
      showFailed: () => this.showFailed(),
      reenrichChanged: (on) => {
        this.reenrich = on;
        this.scheduleEstimate();
      },
      backgroundChanged: (on) => void this.backgroundChanged(on),
    });
    this.run.estimateSlot.appendChild(this.estimate.root);
    replaceChildren(this.keyDetails, [
      el('summary', { className: 'key-summary' }, [el('h2', { text: 'API key' }), this.keySummaryStatus]),
      this.keyView.root,
    ]);
    this.schedule = scheduleView(
      {
        save: async (request) => {
          const status = await this.call(() => client.sidebarSetSchedule(request));
          if (!status || !this.state) return false;
          this.state.schedule = status;
          this.schedule.update(status);
          this.say('Scheduled refresh is on.');
          return true;
        },
        stop: async () => {
          const status = await this.call(() => client.sidebarStopSchedule());
          if (!status || !this.state) return false;
          this.state.schedule = status;
          this.schedule.update(status);
          this.say('Scheduled refresh stopped.');
          return true;
        },
      },
      this.now,
    );
    // On <body>, outside #app, which boot() rebuilds.
    this.conflict = conflictDialog(root.ownerDocument.body);
    // Keep fresh runs from an hourly trigger while the sidebar may stay open: look again when the
    // user comes back to the sidebar, and now and then while a schedule is on.
    const view = root.ownerDocument.defaultView;
    view?.addEventListener('focus', () => {
      if (this.state) void this.refreshSchedule();
    });
    view?.setInterval(() => {
      if (this.state?.schedule.enabled) void this.refreshSchedule();
    }, SCHEDULE_POLL_MS);
  }

  async boot(): Promise<void> {
    replaceChildren(this.root, [
      el('header', { className: 'top' }, [el('h1', { text: 'Crustdata enrichment' }), this.sheetLabel]),
      this.alert,
      this.notice,
      this.content,
      el('footer', { className: 'gray branding' }, ['Person data by Crustdata. Values are written as text, never as formulas.']),
    ]);
    this.alert.hidden = true;
    replaceChildren(this.content, [el('p', { className: 'gray loading', text: 'Loading…' })]);
    const state = await this.call(() => this.client.sidebarGetState());
    if (!state) {
      replaceChildren(this.content, [button('Try again', () => void this.boot(), 'action')]);
      return;
    }
    this.load(state);
  }

  private load(state: SidebarState): void {
    this.state = state;
    this.catalog = { groups: state.groups, paths: state.paths };
    const chosen = normalizeFields(this.catalog, state.settings.fields);
    this.fields = chosen.length ? chosen : defaultFields(this.catalog);
    this.reenrich = state.settings.reenrich;
    this.sheetLabel.textContent = state.sheetName;
    this.sheetLabel.title = `Sheet: ${state.sheetName}`;
    replaceChildren(this.content, [
      this.keyDetails,
      this.sourceSection.root,
      this.fieldsSection.root,
      this.optionsSection.root,
      this.run.root,
      this.run.bar,
      this.schedule.root,
    ]);
    this.keyView.update(state.apiKey, state.requestsPerMinute);
    this.updateKeySummary();
    // Folded when a key is set, unless the job on this sheet or Keep fresh stopped because of the key.
    const keyTrouble = needsNewKey(state.job) || isKeyProblem(state.schedule.pausedCode);
    this.keyDetails.open = !state.apiKey.isSet || keyTrouble;
    this.sourceSection.update(state.sheetName, state.source);
    this.source = this.sourceSection.current();
    this.fieldsSection.update(this.catalog, this.fields);
    this.optionsSection.update(state.settings.options ?? DEFAULT_OPTIONS);
    this.run.setReenrich(this.reenrich);
    this.schedule.update(state.schedule);
    const job = state.job;
    if (job && job.state === 'running') {
      // The user started it and nobody paused it: this sidebar carries it on. Safe with another
      // sidebar or the hourly run on it too: a slice runs only under the job's lease, so the
      // others wait (src/core/bulkJob.ts runSlice).
      this.driver.start(job);
      this.say(`A job on this sheet was under way (${rowsDonePhrase(job)}); this sidebar carries it on.`);
    } else {
      this.driver.show(job);
      if (job && job.state === 'paused') {
        this.say(
          job.pausedBy === 'problem'
            ? `A job on this sheet is paused by a problem: ${rowsDone(job)}`
            : `A job on this sheet is paused: ${rowsDone(job)} Press Resume to carry on.`,
        );
      }
    }
    this.scheduleEstimate();
  }

  /**
   * Runs a server call; on failure shows the message and resolves to undefined. A call that
   * failed on the way (the connection dropped) waits instead: Try again sends it once more, and
   * what the user was doing carries on from there.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T | undefined> {
    for (;;) {
      try {
        const value = await fn();
        if (this.retryQueue.length === 0) this.alert.hidden = true;
        return value;
      } catch (error) {
        if (!isConnectionError(error)) {
          this.fail(errorMessage(error));
          return undefined;
        }
        await new Promise<void>((resolve) => {
          this.retryQueue.push(resolve);
          this.fail(errorMessage(error), true);
        });
      }
    }
  }

  private retryFailedCalls(): void {
    const waiting = this.retryQueue;
    this.retryQueue = [];
    this.alert.hidden = true;
    for (const resume of waiting) resume();
  }

  private say(message: string): void {
    this.notice.textContent = message;
  }

  private fail(message: string, offerRetry = false): void {
    replaceChildren(this.alert, [
      el('span', { text: message }),
      offerRetry ? el('div', { className: 'buttons' }, [button('Try again', () => this.retryFailedCalls(), 'action')]) : null,
    ]);
    this.alert.hidden = false;
  }

  private updateKeySummary(): void {
    const key = this.state?.apiKey;
    this.keySummaryStatus.textContent = key?.isSet ? `${maskedKeyLabel(key.masked)} · set` : 'not set';
  }

  /** The estimate panel, the bar's one-line summary, and the column count the fields section shows. */
  private showEstimate(display: EstimateDisplay): void {
    this.estimate.update(display);
    this.run.setIdleSummary(estimateDisplaySummary(display));
    this.fieldsSection.setColumns(display.kind === 'ready' ? display.estimate.headers.length - 1 : null);
  }

  private startBlockedBy(): string | null {
    if (!this.state) return 'Loading…';
    if (!this.state.apiKey.isSet) return 'Save an API key first.';
    if (!this.source) return 'Choose the source column and rows.';
    if (this.fields.length === 0) return 'Choose at least one group or field.';
    const optionsProblem = this.optionsSection.problem();
    if (optionsProblem) return optionsProblem;
    if (this.starting) return 'Starting…';
    return null;
  }

  private jobActive(): boolean {
    const phase = jobPhase(this.driver.snapshot());
    return phase !== 'idle' && phase !== 'done' && phase !== 'cancelled';
  }

  private refreshRun(): void {
    this.run.update(this.driver.snapshot(), this.startBlockedBy());
    this.estimate.root.hidden = this.jobActive();
  }

  private scheduleEstimate(): void {
    if (this.estimateTimer) clearTimeout(this.estimateTimer);
    const seq = ++this.estimateSeq;
    if (!this.state) return;
    if (!this.source) return this.showEstimate({ kind: 'empty', reason: 'Choose the source column to see an estimate.' });
    if (this.fields.length === 0) return this.showEstimate({ kind: 'empty', reason: 'Choose fields to see an estimate.' });
    const options = this.optionsSection.current();
    if (!options) return this.showEstimate({ kind: 'empty', reason: 'Fix the minimum match score to see an estimate.' });
    if (this.jobActive()) return;
    this.showEstimate({ kind: 'loading' });
    const request = { source: this.source, settings: { fields: this.fields, reenrich: this.reenrich, options } };
    this.estimateTimer = setTimeout(async () => {
      try {
        const estimate = await this.client.sidebarEstimate(request);
        if (seq !== this.estimateSeq || !this.state) return;
        this.showEstimate({ kind: 'ready', estimate, requestsPerMinute: this.state.requestsPerMinute });
      } catch (error) {
        if (seq !== this.estimateSeq) return;
        this.showEstimate({ kind: 'error', message: errorMessage(error) });
        // Its message says to press Try again: offer it, and count again once it is pressed.
        if (isConnectionError(error)) {
          this.retryQueue.push(() => this.scheduleEstimate());
          this.fail(errorMessage(error), true);
        }
      }
    }, this.estimateDebounceMs);
  }

  /** Resume; a job paused at its credit cap goes on only under the higher cap typed for it. */
  private async resume(): Promise<void> {
    const job = this.driver.snapshot().job;
    const raised = this.run.capFields().raised;
    if (job && raised !== null) {
      const cap = parseRaisedCap(raised, job);
      this.run.capProblem('raised', cap.ok ? null : cap.message);
      if (!cap.ok) return;
      await this.driver.resume(this.run.background(), cap.cap);
      return;
    }
    await this.driver.resume(this.run.background());
  }

  private async start(answer: ConflictAnswer = null): Promise<void> {
    const options = this.optionsSection.current();
    if (this.startBlockedBy() !== null || !this.source || !options) return;
    const cap = parseCreditCap(this.run.capFields().cap);
    this.run.capProblem('cap', cap.ok ? null : cap.message);
    if (!cap.ok) return;
    this.starting = true;
    this.refreshRun();
    const request: StartJobRequest = {
      source: this.source,
      settings: { fields: this.fields, reenrich: this.reenrich, options },
      continueInBackground: this.run.background(),
      creditCap: cap.cap,
    };
    if (answer) {
      request.onConflict = answer.choice;
      if (answer.choice === 'elsewhere') request.targetColumn = answer.targetColumn;
    }
    const response: StartJobResponse | undefined = await this.call(() => this.client.sidebarStartJob(request));
    this.starting = false;
    this.refreshRun();
    if (!response) return;
    if (response.ok) {
      this.say('Job started.');
      this.driver.start(response.job);
      return;
    }
    switch (response.reason) {
      case 'conflict': {
        const choice = await this.conflict.ask(response);
        if (choice) await this.start(choice);
        else this.say('Nothing was written.');
        return;
      }
      case 'job_running':
        // Started elsewhere (another sidebar, the menu): followed and carried on from here too;
        // the job's lease lets one execution at a time work on it.
        if (response.job.state === 'running') {
          this.say('A job is already running on this sheet; this sidebar carries it on, shown below.');
          this.driver.start(response.job);
        } else {
          this.say('A job on this sheet is paused; it is shown below. Resume it, or Cancel it to start another.');
          this.driver.show(response.job);
        }
        return;
      default:
        this.fail(response.message);
    }
  }

  private async showFailed(): Promise<string> {
    const job = this.driver.snapshot().job;
    if (!job) return '';
    const result = await this.call(() => this.client.sidebarSelectFailedRows({ jobId: job.jobId }));
    if (!result) return '';
    if (result.rows === 0) return 'No failed rows.';
    return `Selected ${plural(result.rows, 'row')} in the sheet${result.rangeA1 ? `: ${result.rangeA1}` : ''}.`;
  }

  /**
   * The background switch on a job that can still run: action 'background' changes only that,
   * whatever the job is doing. One call at a time; clicks meanwhile send the last choice after.
   * With no such job the switch is just the choice Start sends.
   */
  private async backgroundChanged(on: boolean): Promise<void> {
    this.backgroundWanted = on;
    if (this.backgroundSending) return;
    const job = this.driver.snapshot().job;
    if (!job || (job.state !== 'running' && job.state !== 'paused')) return;
    this.backgroundSending = true;
    let sent: boolean | null = null;
    let ok = true;
    while (ok && sent !== this.backgroundWanted) {
      sent = this.backgroundWanted;
      this.run.setBackground(sent, true);
      ok = await this.driver.setBackground(sent);
    }
    this.backgroundSending = false;
    const now = this.driver.snapshot().job?.continueInBackground ?? on;
    this.run.setBackground(now, false);
    if (!ok) return;
    if (!now) this.say('The job only runs while this sidebar is open.');
    else if (jobPhase(this.driver.snapshot()) === 'problem') this.say('Once the problem is fixed and you press Resume, the job carries on hourly in the background when this sidebar is not driving it.');
    else this.say('The job will carry on hourly in the background when this sidebar is not driving it.');
  }

  private onJob(snapshot: JobDriverSnapshot): void {
    const phase = jobPhase(snapshot);
    this.refreshRun();
    if (phase === this.lastPhase) return;
    const previous = this.lastPhase;
    this.lastPhase = phase;
    if (previous === null) return;
    if (phase === 'problem' && needsNewKey(snapshot.job)) this.keyDetails.open = true;
    if (phase === 'done' || phase === 'cancelled') {
      if (snapshot.job) this.say(phase === 'done' ? `${jobHeadline(phase, snapshot.job)}.` : describeProgress(snapshot.job));
      this.scheduleEstimate();
      void this.refreshSchedule();
    } else if ((phase === 'paused' || phase === 'problem') && snapshot.job) {
      this.say(describeProgress(snapshot.job));
    } else if (phase === 'error' && snapshot.job?.message) {
      this.say(`Stopped: ${snapshot.job.message}`);
    }
    // Rows written so far are an enriched range Keep fresh can name.
    if (phase === 'paused' || phase === 'problem' || phase === 'error') void this.refreshSchedule();
  }

  private async refreshSchedule(): Promise<void> {
    const status = await this.client.sidebarScheduleStatus().catch(() => null);
    if (status && this.state) {
      this.state.schedule = status;
      this.schedule.update(status);
    }
  }
}
