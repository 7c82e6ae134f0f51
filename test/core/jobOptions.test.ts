// The bulk job's match and freshness options: checked once, with the rule in the message, and
// turned into exactly what the engine takes.
import { DEFAULT_API_OPTIONS } from '../../src/core/apiOptions';
import { DEFAULT_FIELDS, MATCH_GROUP } from '../../src/core/catalog';
import { EnrichError } from '../../src/core/errors';
import { checkJobOptions, defaultJobFields, DEFAULT_JOB_OPTIONS, engineOptionsOf, isDefaultJobOptions } from '../../src/core/jobOptions';

describe('checkJobOptions', () => {
  test('missing options (a job or settings saved before they existed) are the defaults', () => {
    expect(checkJobOptions(undefined)).toEqual(DEFAULT_JOB_OPTIONS);
    expect(checkJobOptions(null)).toEqual({ minScore: null, ambiguity: 'take_best', forceFetch: false, live: false });
    expect(checkJobOptions({ live: true })).toEqual({ minScore: null, ambiguity: 'take_best', forceFetch: false, live: true });
  });

  test('every option set comes back as set', () => {
    expect(checkJobOptions({ minScore: 0.8, ambiguity: 'leave_for_review', forceFetch: true, live: true })).toEqual({
      minScore: 0.8,
      ambiguity: 'leave_for_review',
      forceFetch: true,
      live: true,
    });
    // The ends of the range are scores too.
    expect(checkJobOptions({ minScore: 0 }).minScore).toBe(0);
    expect(checkJobOptions({ minScore: 1 }).minScore).toBe(1);
  });

  test.each([1.5, -0.1, 80, Number.NaN, '0.8' as unknown as number])('a minimum score of %p is refused with the rule', (minScore) => {
    let thrown: unknown;
    try {
      checkJobOptions({ minScore });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EnrichError);
    expect((thrown as EnrichError).code).toBe('invalid_argument');
    expect((thrown as EnrichError).message).toMatch(/must be a number from 0 to 1, such as 0\.8/);
  });

  test('an unknown ambiguity policy falls back to taking the best, the default', () => {
    expect(checkJobOptions({ ambiguity: 'guess' as never }).ambiguity).toBe('take_best');
  });
});

describe('engineOptionsOf: what the engine is given', () => {
  const STARTED = 1_000_000;

  test('the defaults give the API defaults and "take the best", and no cache limit', () => {
    expect(engineOptionsOf(DEFAULT_JOB_OPTIONS, STARTED, STARTED + 5_000)).toEqual({ api: DEFAULT_API_OPTIONS, ambiguity: 'take_best' });
    expect(isDefaultJobOptions(DEFAULT_JOB_OPTIONS)).toBe(true);
  });

  test('min score, live and the ambiguity policy go into api and ambiguity; realtime stays off', () => {
    const options = engineOptionsOf({ minScore: 0.7, ambiguity: 'leave_for_review', forceFetch: false, live: true }, STARTED, STARTED);
    expect(options).toEqual({ api: { minScore: 0.7, live: true, forceFetch: false, enrichRealtime: false }, ambiguity: 'leave_for_review' });
    expect(isDefaultJobOptions({ ...DEFAULT_JOB_OPTIONS, live: true })).toBe(false);
  });

  test('force_fetch takes from the cache only what was fetched since the job started', () => {
    const later = STARTED + 90_000;
    const options = engineOptionsOf({ ...DEFAULT_JOB_OPTIONS, forceFetch: true }, STARTED, later);
    expect(options.api.forceFetch).toBe(true);
    expect(options.forceFetch).toBe(true);
    // An answer fetched at the job's start is still young enough; one from before is not.
    expect(options.maxCacheAgeMs).toBe(90_001);
  });
});

describe('defaultJobFields', () => {
  test('email columns get the match columns by default; profile URL columns do not', () => {
    expect(defaultJobFields(true)).toEqual([...DEFAULT_FIELDS, MATCH_GROUP]);
    expect(defaultJobFields(false)).toEqual([...DEFAULT_FIELDS]);
  });
});
