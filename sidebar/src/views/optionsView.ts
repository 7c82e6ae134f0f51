// Match and freshness options of the bulk job, kept per sheet: a minimum match score for business
// emails, what to do when two people match an email almost equally well, force_fetch, and the live
// second pass for rows that came back "Not found". Each says what it costs. A score outside 0–1 is
// refused here, with the rule, before anything is sent (the server checks it again).
import type { JobOptionsSettings } from '../../../src/common/contract';
import { checkbox, el, field, uniqueId } from '../dom';

/** What the live second pass costs, in the words the sidebar shows beside both of its switches. */
export const LIVE_PASS_COST =
  'Rows the cached dataset has not found are looked up once more on the web (Crustdata\'s live endpoint). It takes longer and costs more per person it finds; a row still not found costs nothing.';

export const DEFAULT_OPTIONS: JobOptionsSettings = { minScore: null, ambiguity: 'take_best', forceFetch: false, live: false };

export const MIN_SCORE_RULE = 'The minimum match score must be a number from 0 to 1, such as 0.8, or blank for none.';

/** The score box's text as a setting: null when blank, or the rule it breaks. */
export function parseMinScoreText(text: string): { ok: true; value: number | null } | { ok: false; message: string } {
  const trimmed = text.trim().replace(',', '.');
  if (trimmed === '') return { ok: true, value: null };
  if (!/^(\d+\.?\d*|\.\d+)$/.test(trimmed)) return { ok: false, message: MIN_SCORE_RULE };
  const value = Number(trimmed);
  if (!(value >= 0 && value <= 1)) {
    // "80" most likely means 80%; "1.01" is just out of range.
    const hint = Number.isInteger(value) && value > 1 && value <= 100 ? ` For ${value}%, write ${value / 100}.` : '';
    return { ok: false, message: MIN_SCORE_RULE + hint };
  }
  return { ok: true, value };
}

/** The options in a few words, for the folded section's line: "defaults", or what is on. */
export function describeOptions(options: JobOptionsSettings): string {
  const parts: string[] = [];
  if (options.minScore !== null) parts.push(`min score ${options.minScore}`);
  if (options.ambiguity === 'leave_for_review') parts.push('ambiguous left to check');
  if (options.forceFetch) parts.push('fresh data');
  if (options.live) parts.push('"Not found" tried live');
  return parts.length ? parts.join(', ') : 'defaults';
}

export interface OptionsView {
  root: HTMLElement;
  update(options: JobOptionsSettings): void;
  /** The options as set, or null while the score box holds something invalid. */
  current(): JobOptionsSettings | null;
  /** Why the options cannot be used, or null. */
  problem(): string | null;
}

export function optionsView(changed: () => void): OptionsView {
  const headingId = uniqueId('h');
  let options: JobOptionsSettings = { ...DEFAULT_OPTIONS };
  let problem: string | null = null;

  const errorId = uniqueId('err');
  const score = el('input', {
    className: 'narrow',
    attrs: { type: 'text', inputmode: 'decimal', placeholder: 'none', autocomplete: 'off', 'aria-errormessage': errorId },
    on: { input: () => readScore() },
  });
  const scoreError = el('p', { className: 'error', id: errorId, attrs: { role: 'alert' } });
  scoreError.hidden = true;

  const ambiguityName = uniqueId('amb');
  const radio = (value: JobOptionsSettings['ambiguity'], label: string, hint: string) => {
    const id = uniqueId('rb');
    const input = el('input', {
      id,
      attrs: { type: 'radio', name: ambiguityName, value },
      on: { change: () => set({ ambiguity: value }) },
    });
    return { input, root: el('div', { className: 'check' }, [input, el('label', { attrs: { for: id } }, [label]), el('div', { className: 'gray hint', text: hint })]) };
  };
  const takeBest = radio('take_best', 'Take the best', 'Fill the row with the top-scoring person.');
  const review = radio('leave_for_review', 'Leave it for me to check', 'Write "Ambiguous: …" in the status column instead of a guess, and keep what the row had.');

  const force = checkbox('Request fresh data (force_fetch)', (on) => set({ forceFetch: on }), {
    switchRole: true,
    description:
      'Every row is fetched again instead of taken from the add-on\'s cache, so every row is charged again. What Crustdata does with it depends on your account.',
  });
  const live = checkbox('Try "Not found" rows live', (on) => set({ live: on }), { switchRole: true, description: LIVE_PASS_COST });

  const summaryStatus = el('span', { className: 'gray options-summary-status' });
  // Folded to one line that names the choices: the way to Start stays short.
  const root = el('details', { className: 'block options', attrs: { 'aria-labelledby': headingId } }, [
    el('summary', { className: 'options-summary' }, [el('h2', { id: headingId, text: 'Match options' }), ' ', summaryStatus]),
    field('Minimum match score for emails (0 to 1)', score, 'Email lookups can match several people; weaker matches are left out, as "Not found". Free. Blank: keep every match.'),
    scoreError,
    el('fieldset', { className: 'ambiguity' }, [el('legend', { text: 'When two people match an email almost equally well' }), takeBest.root, review.root]),
    force.root,
    live.root,
  ]);

  function set(patch: Partial<JobOptionsSettings>): void {
    options = { ...options, ...patch };
    summaryStatus.textContent = describeOptions(options);
    changed();
  }

  function readScore(): void {
    const parsed = parseMinScoreText(score.value);
    problem = parsed.ok ? null : parsed.message;
    scoreError.textContent = problem ?? '';
    scoreError.hidden = problem === null;
    score.setAttribute('aria-invalid', String(problem !== null));
    if (parsed.ok) options = { ...options, minScore: parsed.value };
    summaryStatus.textContent = problem ? 'fix the minimum score' : describeOptions(options);
    // A problem inside a folded section is shown, never hidden.
    if (problem) root.open = true;
    changed();
  }

  function sync(): void {
    score.value = options.minScore === null ? '' : String(options.minScore);
    takeBest.input.checked = options.ambiguity === 'take_best';
    review.input.checked = options.ambiguity === 'leave_for_review';
    force.input.checked = options.forceFetch;
    live.input.checked = options.live;
    problem = null;
    summaryStatus.textContent = describeOptions(options);
    scoreError.hidden = true;
    score.setAttribute('aria-invalid', 'false');
  }

  return {
    root,
    update(next) {
      options = { ...DEFAULT_OPTIONS, ...next };
      sync();
    },
    current: () => (problem === null ? { ...options } : null),
    problem: () => problem,
  };
}
