// The estimate shown before a run: rows, unique identifiers, what is cached or already enriched,
// requests, credits and time at the current rate limit, and where the results will go.
import type { Estimate } from '../../../src/common/contract';
import { el, replaceChildren } from '../dom';
import { formatCount, formatMinutes, plural } from '../format';

export type EstimateDisplay =
  | { kind: 'empty'; reason: string }
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; estimate: Estimate; requestsPerMinute: number };

/** The label/value lines of an estimate, as plain strings (tested without a DOM). */
export function estimateLines(estimate: Estimate, requestsPerMinute: number): Array<[string, string]> {
  const rowsDetail: string[] = [];
  if (estimate.blank) rowsDetail.push(`${formatCount(estimate.blank)} blank`);
  if (estimate.invalid) rowsDetail.push(`${formatCount(estimate.invalid)} invalid`);
  const kinds: string[] = [];
  if (estimate.profileUrls) kinds.push(plural(estimate.profileUrls, 'URL'));
  if (estimate.emails) kinds.push(plural(estimate.emails, 'email'));
  return [
    ['Rows', formatCount(estimate.rows) + (rowsDetail.length ? ` (${rowsDetail.join(', ')})` : '')],
    ['Unique', formatCount(estimate.uniqueIdentifiers) + (kinds.length ? ` (${kinds.join(', ')})` : '')],
    ['Cached', formatCount(estimate.cached)],
    ['Already enriched', formatCount(estimate.alreadyEnriched)],
    ['To fetch', formatCount(estimate.toFetch)],
    ['Requests', formatCount(estimate.requests)],
    ['Credits', creditsText(estimate)],
    ...(estimate.liveCreditsMax === null ? [] : [['Live pass', liveCreditsText(estimate)] as [string, string]]),
    ['Time', estimate.requests === 0 ? 'no requests needed' : `${formatMinutes(estimate.minutes)} at ${formatCount(requestsPerMinute)}/min`],
  ];
}

/** Likely credits, and the upper bound; a guess from typical rates says so. */
export function creditsText(estimate: Estimate): string {
  if (estimate.creditsMax <= 0) return '0';
  const guess = estimate.likelyBasis === 'typical' ? ' (rough guess)' : '';
  return `about ${formatCount(estimate.creditsLikely)}${guess}, up to ${formatCount(estimate.creditsMax)}`;
}

/** The live second pass's own cost, apart from the credits above: only rows not found go live. */
export function liveCreditsText(estimate: Estimate): string {
  const max = estimate.liveCreditsMax ?? 0;
  if (max <= 0) return 'nothing to try live';
  const likely = estimate.liveCreditsLikely === null ? '' : `about ${formatCount(estimate.liveCreditsLikely)}, `;
  return `for rows not found: ${likely}up to ${formatCount(max)} credits`;
}

/** The estimate in one line, for the action bar next to Start. */
export function estimateSummary(estimate: Estimate, requestsPerMinute: number): string {
  if (estimate.rows === 0) return 'No rows to enrich in the chosen range.';
  if (estimate.requests === 0) return `${plural(estimate.rows, 'row')}, no requests needed.`;
  const credits = estimate.creditsMax > 0 ? `, about ${plural(estimate.creditsLikely, 'credit')} (up to ${formatCount(estimate.creditsMax)})` : '';
  const live = estimate.liveCreditsMax ? ` plus up to ${formatCount(estimate.liveCreditsMax)} for the live pass` : '';
  return `${plural(estimate.rows, 'row')}: ${plural(estimate.requests, 'request')}${credits}${live}, ${formatMinutes(estimate.minutes)} at ${formatCount(requestsPerMinute)}/min.`;
}

/** What the bar says for each display of the estimate. */
export function estimateDisplaySummary(display: EstimateDisplay): string {
  switch (display.kind) {
    case 'empty':
      return display.reason;
    case 'loading':
      return 'Counting…';
    case 'error':
      return `No estimate: ${display.message}`;
    case 'ready':
      return estimateSummary(display.estimate, display.requestsPerMinute);
  }
}

export function estimateView(): { root: HTMLElement; update(display: EstimateDisplay): void } {
  const body = el('div', { className: 'estimate-body' });
  const root = el('div', { className: 'estimate', attrs: { 'aria-live': 'polite', 'aria-label': 'Estimate' } }, [
    el('h3', { text: 'Estimate' }),
    body,
  ]);

  return {
    root,
    update(display) {
      root.setAttribute('aria-busy', display.kind === 'loading' ? 'true' : 'false');
      switch (display.kind) {
        case 'empty':
          replaceChildren(body, [el('p', { className: 'gray', text: display.reason })]);
          return;
        case 'loading':
          // Keep the last figures visible and dim them, so the panel does not jump.
          body.classList.add('stale');
          if (!body.firstChild) replaceChildren(body, [el('p', { className: 'gray', text: 'Counting…' })]);
          return;
        case 'error':
          body.classList.remove('stale');
          replaceChildren(body, [el('p', { className: 'error', text: display.message })]);
          return;
        case 'ready': {
          body.classList.remove('stale');
          const { estimate } = display;
          const list = el(
            'dl',
            { className: 'figures' },
            estimateLines(estimate, display.requestsPerMinute).flatMap(([label, value]) => [
              el('dt', { text: label }),
              el('dd', { text: value }),
            ]),
          );
          replaceChildren(body, [
            list,
            el('p', { className: 'gray hint' }, ['Results go to ', el('span', { className: 'mono', text: estimate.targetRange }), '.']),
            estimate.conflictCells > 0
              ? el('p', {
                  className: 'warning',
                  text: `${plural(estimate.conflictCells, 'cell')} there hold other data. You will be asked before anything is overwritten.`,
                })
              : null,
          ]);
        }
      }
    },
  };
}
