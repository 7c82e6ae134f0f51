// Choosing the person among an answer's candidates, and the match facts the `match` columns show.
import {
  AMBIGUITY_MARGIN, ambiguityVerdict, ambiguousStatus, bestPerson, MATCH_INFO_KEY, matchInfoOf, matchTypeText, pickMatch,
} from '../../src/core/matches';
import { bestMatch } from '../../src/core/batchDecision';
import { parseEnrichBody, type EnrichResultEntry } from '../../src/core/schemas';
import { API_VERSION, DEMO_API_KEY, MockCrustdataApi } from '../../dev/mock-api/handler';
import { AMBIGUOUS_MAX_GAP, emailMatchShape, SEVERAL_MIN_GAP } from '../../dev/mock-api/emailMatches';
import { syntheticPerson } from '../../dev/mock-api/dataset';

const entry = (matches: unknown[], matchType: unknown = 'business_email'): EnrichResultEntry =>
  ({ matched_on: 'a@b.co', match_type: matchType, matches }) as EnrichResultEntry;
const candidate = (name: string, score: unknown) => ({ confidence_score: score, person_data: { basic_profile: { name } } });

describe('pickMatch', () => {
  test('the highest score wins whatever its place; the facts travel inside the person record', () => {
    const picked = pickMatch(entry([candidate('Low', 0.41), candidate('High', 0.93), candidate('Mid', 0.7)]));
    expect(picked.person?.basic_profile).toEqual({ name: 'High' });
    expect(picked.match).toEqual({ confidenceScore: 0.93, matchType: 'business_email', candidateCount: 3, runnerUpScore: 0.7, ambiguous: false, source: 'cached' });
    expect(picked.person?.[MATCH_INFO_KEY]).toEqual(picked.match);
    expect(matchInfoOf(picked.person)).toEqual(picked.match);
  });

  test('a tie goes to the first; candidates without person data do not count; a missing score counts 0', () => {
    const picked = pickMatch(entry([candidate('First', 0.8), { confidence_score: 0.99, person_data: null }, candidate('Second', 0.8), candidate('NoScore', null)]));
    expect(picked.person?.basic_profile).toEqual({ name: 'First' });
    expect(picked.match).toMatchObject({ candidateCount: 3, runnerUpScore: 0.8, ambiguous: true });
    expect(pickMatch(entry([candidate('Only', 'high')])).match).toMatchObject({ confidenceScore: null, candidateCount: 1, ambiguous: false });
  });

  test('nobody: no candidates, an empty list, or an entry missing', () => {
    expect(pickMatch(entry([]))).toEqual({ person: null, match: null });
    expect(pickMatch(entry([{ confidence_score: 1, person_data: null }]))).toEqual({ person: null, match: null });
    expect(pickMatch(undefined)).toEqual({ person: null, match: null });
  });

  test(`ambiguous when the best leads the next by less than ${AMBIGUITY_MARGIN}`, () => {
    expect(pickMatch(entry([candidate('A', 0.8), candidate('B', 0.8 - AMBIGUITY_MARGIN + 0.001)])).match?.ambiguous).toBe(true);
    expect(pickMatch(entry([candidate('A', 0.8), candidate('B', 0.8 - AMBIGUITY_MARGIN - 0.001)])).match?.ambiguous).toBe(false);
    expect(pickMatch(entry([candidate('A', 0.55)])).match?.ambiguous).toBe(false);
  });

  test('a value the API sends under the reserved name is replaced, never trusted', () => {
    const spoofed = { confidence_score: 0.6, person_data: { [MATCH_INFO_KEY]: { candidateCount: 99, ambiguous: false }, basic_profile: { name: 'X' } } };
    expect(matchInfoOf(pickMatch(entry([spoofed])).person)).toMatchObject({ candidateCount: 1, confidenceScore: 0.6 });
  });

  test('the live endpoint is recorded as the source', () => {
    expect(pickMatch(entry([candidate('A', 1)], 'professional_network_profile_url'), 'live').match).toMatchObject({ source: 'live', matchType: 'professional_network_profile_url' });
  });

  test('bestPerson chooses exactly as the engine does today (batchDecision.ts bestMatch), facts aside', () => {
    const cases = [
      [candidate('Low', 0.4), candidate('High', 0.9), { confidence_score: null, person_data: null }],
      [candidate('A', 0.5), candidate('B', 0.5)],
      [candidate('A', null), candidate('B', 0.1)],
      [],
    ];
    for (const matches of cases) {
      const expected = bestMatch(entry(matches).matches);
      const person = bestPerson(entry(matches));
      if (expected === null) expect(person).toBeNull();
      else {
        const { [MATCH_INFO_KEY]: _facts, ...rest } = person!;
        expect(rest).toEqual(expected);
      }
    }
  });
});

describe('matchInfoOf', () => {
  test('a record without facts (cached before they existed) or with broken ones gives null', () => {
    expect(matchInfoOf({ basic_profile: {} })).toBeNull();
    expect(matchInfoOf({ [MATCH_INFO_KEY]: 'x' })).toBeNull();
    expect(matchInfoOf({ [MATCH_INFO_KEY]: { candidateCount: '2', ambiguous: true } })).toBeNull();
    expect(matchInfoOf(null)).toBeNull();
  });

  test('survives the result cache (a JSON round trip)', () => {
    const { person } = pickMatch(entry([candidate('A', 0.9), candidate('B', 0.88)]));
    expect(matchInfoOf(JSON.parse(JSON.stringify(person)))).toEqual(matchInfoOf(person));
  });
});

describe('texts', () => {
  test('match type in words, live marked', () => {
    const base = { confidenceScore: 1, candidateCount: 1, runnerUpScore: null, ambiguous: false } as const;
    expect(matchTypeText({ ...base, matchType: 'business_email', source: 'cached' })).toBe('Business email');
    expect(matchTypeText({ ...base, matchType: 'professional_network_profile_url', source: 'live' })).toBe('Profile URL (live)');
    expect(matchTypeText({ ...base, matchType: 'something_new', source: 'cached' })).toBe('something_new');
    expect(matchTypeText({ ...base, matchType: null, source: 'cached' })).toBe('');
  });

  test('the review status says what happened and what to do', () => {
    const { match } = pickMatch(entry([candidate('A', 0.82), candidate('B', 0.8)]));
    expect(ambiguousStatus(match!)).toBe('Ambiguous: 2 people match with close scores (0.82 and 0.8). Check this row by hand, or choose "take the best" to fill it with the top match.');
  });
});

describe('ambiguityVerdict', () => {
  const ambiguous = pickMatch(entry([candidate('A', 0.82), candidate('B', 0.8)])).person!;
  const clear = pickMatch(entry([candidate('A', 0.9), candidate('B', 0.5)])).person!;

  test('"take the best" (default) writes the best, ambiguous or not', () => {
    expect(ambiguityVerdict(ambiguous, 'take_best')).toEqual({ kind: 'write', person: ambiguous });
  });

  test('"leave it for me to check" holds back only ambiguous rows, with a readable status', () => {
    expect(ambiguityVerdict(ambiguous, 'leave_for_review')).toEqual({ kind: 'review', status: expect.stringMatching(/^Ambiguous: /) });
    expect(ambiguityVerdict(clear, 'leave_for_review')).toEqual({ kind: 'write', person: clear });
    expect(ambiguityVerdict({ basic_profile: {} }, 'leave_for_review').kind).toBe('write');
  });
});

describe('against the mock API', () => {
  test('the margin separates the mock\'s close calls from its clear ones, and the best is always the email\'s owner', () => {
    expect(AMBIGUOUS_MAX_GAP).toBeLessThan(AMBIGUITY_MARGIN);
    expect(SEVERAL_MIN_GAP).toBeGreaterThan(AMBIGUITY_MARGIN);
    const mock = new MockCrustdataApi();
    const people = Array.from({ length: 25 }, (_, n) => syntheticPerson(n));
    const answer = mock.handle({
      method: 'POST', path: '/person/enrich', headers: { authorization: `Bearer ${DEMO_API_KEY}`, 'x-api-version': API_VERSION },
      body: JSON.stringify({ business_emails: people.map((person) => person.businessEmail), fields: ['basic_profile.name'] }),
    }, 0);
    const parsed = parseEnrichBody(answer.body);
    if (!parsed.ok) throw new Error(parsed.message);
    const shapes = new Set<string>();
    parsed.entries.forEach((result, n) => {
      const shape = emailMatchShape(people[n]);
      shapes.add(shape);
      const { person, match } = pickMatch(result);
      expect(person?.crustdata_person_id).toBe(people[n].data.crustdata_person_id);
      expect([shape, match!.ambiguous]).toEqual([shape, shape === 'ambiguous']);
      expect(match!.candidateCount > 1).toBe(shape === 'several' || shape === 'ambiguous');
    });
    expect(shapes.size).toBeGreaterThanOrEqual(3);
  });
});
