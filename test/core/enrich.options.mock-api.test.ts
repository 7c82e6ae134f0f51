// The engine's API options against the mock Crustdata API (in-process, on the virtual clock),
// checked against the mock's own request log: min_similarity_score only in email batches, live
// requests only for rows the cached endpoint did not find and only when asked, the match facts
// as the mock scored them, a credit budget never passed, and the credits counted equal to the sum
// of the x-credits-used headers the mock sent.
import { DEFAULT_API_OPTIONS, type ApiOptions } from '../../src/core/apiOptions';
import { parseFieldSelection } from '../../src/core/catalog';
import { enrichCells, worstCaseCredits, type EnrichOptions, type EnrichResult } from '../../src/core/enrich';
import { AMBIGUITY_MARGIN, matchInfoOf } from '../../src/core/matches';
import { seededRandom } from '../../src/core/retry';
import { liveOnlyIdentifiers, syntheticBusinessEmail, syntheticIdentifiers, syntheticPerson } from '../../dev/mock-api/dataset';
import { emailCandidates, emailMatchShape } from '../../dev/mock-api/emailMatches';
import type { RequestLogEntry } from '../../dev/mock-api/handler';
import { engineOverMock } from '../helpers/engineOverMock';

function world() {
  const { clock, http, api, ctx } = engineOverMock(60);
  const run = (cells: unknown[], options: Partial<EnrichOptions> & { api?: ApiOptions } = {}): EnrichResult =>
    enrichCells(ctx, cells, { selection: parseFieldSelection('basic_profile, contact'), deadline: clock.now() + 3_600_000, retry: { random: seededRandom(5) }, ...options });
  return { clock, api, http, run, log: (): readonly RequestLogEntry[] => api.requestLog() };
}

/** Synthetic people whose email lookup has the given shape in the mock. */
function emailsOfShape(shape: ReturnType<typeof emailMatchShape>, count: number): string[] {
  const out: string[] = [];
  for (let n = 0; out.length < count; n++) if (emailMatchShape(syntheticPerson(n)) === shape) out.push(syntheticBusinessEmail(n));
  return out;
}

const urls = syntheticIdentifiers(30, 'profile_url');
const emails = syntheticIdentifiers(30, 'business_email', 100);
const liveOnly = [...liveOnlyIdentifiers(3, 'profile_url'), ...liveOnlyIdentifiers(2, 'business_email', 10)];
const missing = ['https://www.linkedin.com/in/missing-1', 'https://www.linkedin.com/in/missing-2'];

describe('what reaches which request', () => {
  test('min_similarity_score is in every email request and in no profile URL request; no live request without live', () => {
    const w = world();
    const result = w.run([...urls, ...emails, ...liveOnly], { api: { ...DEFAULT_API_OPTIONS, minScore: 0.6 } });
    const log = w.log();
    expect(log.length).toBeGreaterThan(3);
    for (const entry of log) {
      expect(entry.endpoint).toBe('enrich');
      expect(entry.minSimilarityScore).toBe(entry.identifierType === 'business_email' ? 0.6 : null);
    }
    expect(result.stats.liveRequests).toBe(0);
  });

  test('with live, the live endpoint gets exactly the rows the cached one did not find, and finds the live-only people', () => {
    const w = world();
    const cells = [...urls.slice(0, 10), ...emails.slice(0, 10), ...liveOnly, ...missing];
    const result = w.run(cells, { api: { ...DEFAULT_API_OPTIONS, live: true } });
    const liveEntries = w.log().filter((e) => e.endpoint === 'live');
    expect(liveEntries.reduce((n, e) => n + e.identifierCount, 0)).toBe(liveOnly.length + missing.length);
    expect(result.stats.liveRequests).toBe(liveEntries.length);
    const byCell = new Map(cells.map((cell, i) => [cell as string, result.outcomes[i]]));
    for (const id of liveOnly) {
      const outcome = byCell.get(id)!;
      expect(outcome.status).toBe('matched');
      expect(matchInfoOf((outcome as { person: Record<string, unknown> }).person)?.source).toBe('live');
    }
    for (const id of missing) expect(byCell.get(id)?.status).toBe('not_found');
    // Credits: the engine's count is the sum of the headers the mock sent, and its live share is the mock's.
    expect(result.stats.creditsUsed).toBe(w.http.deliveredCredits);
    expect(result.stats.creditsUsed).toBe(w.api.stats().creditsUsed);
    expect(result.stats.liveCreditsUsed).toBe(w.api.stats().perEndpoint.live.creditsUsed);
    expect(result.stats.liveCreditsUsed).toBeGreaterThan(0);
  });

  test('force_fetch and enrich_realtime reach every request when asked', () => {
    const w = world();
    w.run([urls[0], emails[0]], { api: { ...DEFAULT_API_OPTIONS, forceFetch: true, enrichRealtime: true } });
    expect(w.log().map((e) => [e.forceFetch, e.enrichRealtime])).toEqual([[true, true], [true, true]]);
  });
});

describe('the match facts, as the mock scored them', () => {
  test('several and ambiguous email lookups: the owner, the score, the candidate count, and the ambiguity flag', () => {
    const w = world();
    const cells = [...emailsOfShape('several', 3), ...emailsOfShape('ambiguous', 3), ...emailsOfShape('exact', 2)];
    const result = w.run(cells);
    cells.forEach((cell, i) => {
      const n = Number(/synthetic-(\d+)@/.exec(cell)![1]);
      const person = syntheticPerson(n);
      const candidates = emailCandidates(person, (slug) => w.api.dataset.findBySlug(slug));
      const best = Math.max(...candidates.map((c) => c.score));
      const outcome = result.outcomes[i] as { status: string; person: Record<string, unknown> };
      expect(outcome.status).toBe('matched');
      expect((outcome.person.basic_profile as { name: string }).name).toBe((person.data.basic_profile as { name: string }).name);
      const info = matchInfoOf(outcome.person)!;
      expect(info).toMatchObject({ confidenceScore: best, candidateCount: candidates.length, matchType: 'business_email', source: 'cached' });
      const shape = emailMatchShape(person);
      expect(info.ambiguous).toBe(shape === 'ambiguous');
      if (shape !== 'exact') expect(info.runnerUpScore).not.toBeNull();
      if (shape === 'ambiguous') expect(best - info.runnerUpScore!).toBeLessThan(AMBIGUITY_MARGIN);
    });
  });

  test('leave for review: ambiguous rows get a readable status, the others their person; same request count as take the best', () => {
    const w = world();
    const ambiguous = emailsOfShape('ambiguous', 2);
    const clear = emailsOfShape('several', 2);
    const result = w.run([...ambiguous, ...clear], { ambiguity: 'leave_for_review' });
    expect(result.outcomes.slice(0, 2).map((o) => (o.status === 'failed' ? o.code : o.status))).toEqual(['ambiguous_match', 'ambiguous_match']);
    expect((result.outcomes[0] as { message: string }).message).toMatch(/^Ambiguous: 2 people match with close scores/);
    expect(result.outcomes.slice(2).map((o) => o.status)).toEqual(['matched', 'matched']);
    expect(w.log()).toHaveLength(1);
  });

  test('a min score above a fuzzy match leaves it not found, and costs it nothing', () => {
    const w = world();
    const fuzzy = emailsOfShape('fuzzy', 4);
    const loose = w.run(fuzzy);
    const scores = loose.outcomes.map((o) => matchInfoOf((o as { person: Record<string, unknown> }).person)!.confidenceScore!);
    const strict = w.run(fuzzy, { api: { ...DEFAULT_API_OPTIONS, minScore: 0.96 } });
    // Fuzzy scores are 0.55–0.95: none passes 0.96, and the strict request is charged 0.
    expect(scores.every((s) => s < 0.96)).toBe(true);
    expect(strict.outcomes.every((o) => o.status === 'not_found')).toBe(true);
    expect(w.log().at(-1)).toMatchObject({ minSimilarityScore: 0.96, creditsUsed: 0 });
  });
});

describe('a credit budget, against the mock', () => {
  test.each([5, 40, 97])('budget %i: the credits charged never pass it, and every request fitted at its worst case', (budget) => {
    const w = world();
    const selection = parseFieldSelection('basic_profile, contact');
    const result = w.run([...urls, ...emails, ...liveOnly, ...missing], { creditBudget: budget, api: { ...DEFAULT_API_OPTIONS, live: true } });
    const charged = w.api.stats().creditsUsed;
    expect(charged).toBeLessThanOrEqual(budget);
    expect(result.stats.creditsUsed).toBe(charged);
    expect(result.stoppedBy).toBe('credit_cap');
    let spent = 0;
    for (const entry of w.log()) {
      expect(spent + worstCaseCredits(selection, entry.identifierCount, entry.endpoint === 'live' ? 'live' : 'cached')).toBeLessThanOrEqual(budget);
      spent += entry.creditsUsed;
    }
  });
});
