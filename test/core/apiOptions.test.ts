// The formula's options text, the cache key per set of options, and which option reaches which request.
import {
  checkMinScore, DEFAULT_API_OPTIONS, describeOptions, ENDPOINT_PATHS, FORMULA_OPTIONS, optionalBody, optionsKey, parseFormulaOptions,
  resultCacheKey, type ApiOptions,
} from '../../src/core/apiOptions';
import { FIELD_PATHS, GROUP_NAMES, parseFieldSelection, selectionKey } from '../../src/core/catalog';
import { ENRICH_PATH } from '../../src/core/crustdataClient';
import { EnrichError } from '../../src/core/errors';

const options = (overrides: Partial<ApiOptions>): ApiOptions => ({ ...DEFAULT_API_OPTIONS, ...overrides });

function errorOf(run: () => unknown): EnrichError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(EnrichError);
    expect((error as EnrichError).code).toBe('invalid_argument');
    return error as EnrichError;
  }
  throw new Error('expected an error');
}

describe('parseFormulaOptions', () => {
  test.each([
    ['blank', '', {}],
    ['absent', undefined, {}],
    ['null', null, {}],
    ['min_score', 'min_score=0.8', { minScore: 0.8 }],
    ['min_score and live', 'min_score=0.8, live', { minScore: 0.8, live: true }],
    ['semicolons and newlines', 'live;\nmin_score = .5', { minScore: 0.5, live: true }],
    ['case, spaces and hyphens in names', 'Min-Score=1, LIVE', { minScore: 1, live: true }],
    ["the API's own name", 'min_similarity_score=0', { minScore: 0 }],
    ['live=FALSE', 'live=FALSE', { live: false }],
    ['live=yes', 'live=yes', { live: true }],
    ['quoted value', 'min_score="0.75"', { minScore: 0.75 }],
    ['a range of cells, blanks skipped', [['min_score=0.9'], [''], ['live']], { minScore: 0.9, live: true }],
    ['a 1x1 range', [['live']], { live: true }],
  ])('%s', (_name, input, expected) => {
    expect(parseFormulaOptions(input)).toEqual(options(expected));
  });

  test('the formula never sets force_fetch or enrich_realtime', () => {
    const parsed = parseFormulaOptions('min_score=0.3, live');
    expect(parsed.forceFetch).toBe(false);
    expect(parsed.enrichRealtime).toBe(false);
  });

  test.each([
    ['above 1', 'min_score=1.5', /min_score must be a number from 0 to 1.*not 1\.5/],
    ['a percentage', 'min_score=80', /for 80% write min_score=0\.8/],
    ['negative', 'min_score=-0.1', /min_score must be a number from 0 to 1/],
    ['not a number', 'min_score=high', /not "high"/],
    ['no value', 'min_score', /min_score must be a number from 0 to 1/],
    ['empty value', 'min_score=', /min_score must be a number from 0 to 1/],
    ['NaN', 'min_score=NaN', /not "NaN"/],
    ['Infinity', 'min_score=Infinity', /not "Infinity"/],
    ['a bad flag value', 'live=maybe', /live takes no value/],
    ['twice', 'min_score=0.5, min_similarity_score=0.6', /min_score is given twice/],
  ])('bad value, %s, is a clear error naming the valid options', (_name, input, message) => {
    const error = errorOf(() => parseFormulaOptions(input));
    expect(error.message).toMatch(message);
    expect(error.message).toContain('Valid options: min_score=0.8, live');
  });

  test('an unknown option is named, with the valid ones', () => {
    const error = errorOf(() => parseFormulaOptions('min_score=0.8, fast'));
    expect(error.message).toBe('Unknown option "fast". Valid options: min_score=0.8, live.');
  });

  test('a decimal comma splits the number: the error says to use a dot', () => {
    expect(errorOf(() => parseFormulaOptions('min_score=0,8')).message).toMatch(/Unknown option "8"\. Write decimals with a dot: min_score=0\.8\./);
  });

  test('force_fetch and enrich_realtime are API options the formula refuses, saying why and where to find them', () => {
    expect(errorOf(() => parseFormulaOptions('force_fetch')).message).toMatch(/recalculates often.*sidebar.*Valid options/);
    expect(errorOf(() => parseFormulaOptions('enrich_realtime=true')).message).toMatch(/use "live".*Valid options/);
    expect(errorOf(() => parseFormulaOptions('fields=basic_profile')).message).toMatch(/second argument/);
  });

  test.each([[true, 'TRUE'], [0.8, '0.8']])('a %p (not text) says options are text', (input, shown) => {
    expect(errorOf(() => parseFormulaOptions(input)).message).toMatch(new RegExp(`options must be text such as "min_score=0.8, live", not ${shown.replace('.', '\\.')}`));
  });

  test('every formula option is described for the help text', () => {
    expect(FORMULA_OPTIONS.map((option) => option.name)).toEqual(['min_score', 'live']);
    for (const option of FORMULA_OPTIONS) expect(() => parseFormulaOptions(option.example)).not.toThrow();
  });
});

describe('checkMinScore (numbers from the sidebar)', () => {
  test('0 to 1 pass, blank is null, anything else is refused before any request', () => {
    expect(checkMinScore(0)).toBe(0);
    expect(checkMinScore(1)).toBe(1);
    expect(checkMinScore(0.35)).toBe(0.35);
    expect(checkMinScore(null)).toBeNull();
    expect(checkMinScore('')).toBeNull();
    for (const bad of [1.01, -0.01, Number.NaN, '0.8', true]) expect(() => checkMinScore(bad)).toThrow(/number from 0 to 1/);
  });
});

describe('the cache key per options', () => {
  test('the default options add nothing, so results cached before options existed stay valid', () => {
    expect(optionsKey(DEFAULT_API_OPTIONS)).toBe('');
    expect(resultCacheKey('basic_profile', DEFAULT_API_OPTIONS)).toBe('basic_profile');
  });

  test('every change of min_score or live gives another key; the same options written differently give the same key', () => {
    const keys = [
      DEFAULT_API_OPTIONS,
      options({ minScore: 0.8 }),
      options({ minScore: 0.9 }),
      options({ minScore: 0 }),
      options({ live: true }),
      options({ minScore: 0.8, live: true }),
    ].map((set) => resultCacheKey('basic_profile', set));
    expect(new Set(keys).size).toBe(keys.length);
    expect(optionsKey(parseFormulaOptions('live, min_score=0.80'))).toBe(optionsKey(parseFormulaOptions('MIN_SCORE=.8;live')));
  });

  test('force_fetch and enrich_realtime do not change the key (they never read the cache; their answers serve later reads)', () => {
    expect(optionsKey(options({ forceFetch: true, enrichRealtime: true }))).toBe('');
  });

  test('the options part follows a "|", which no selection key holds, so the two parts cannot run together', () => {
    expect(resultCacheKey('basic_profile', options({ live: true }))).toBe('basic_profile|live');
    const everything = selectionKey(parseFieldSelection([...GROUP_NAMES, ...FIELD_PATHS.map((info) => info.path)]));
    expect(everything).not.toContain('|');
  });
});

describe('which option reaches which request', () => {
  const all = options({ minScore: 0.7, live: true, forceFetch: true, enrichRealtime: true });

  test('min_similarity_score goes with business-email batches only', () => {
    expect(optionalBody(all, { kind: 'business_email', endpoint: 'cached' })).toMatchObject({ min_similarity_score: 0.7 });
    expect(optionalBody(all, { kind: 'business_email', endpoint: 'live' })).toMatchObject({ min_similarity_score: 0.7 });
    expect(optionalBody(all, { kind: 'profile_url', endpoint: 'cached' })).not.toHaveProperty('min_similarity_score');
    expect(optionalBody(options({ minScore: 0 }), { kind: 'business_email', endpoint: 'cached' })).toEqual({ min_similarity_score: 0 });
  });

  test('live is never a body property: it is the endpoint', () => {
    for (const endpoint of ['cached', 'live'] as const) {
      expect(Object.keys(optionalBody(all, { kind: 'profile_url', endpoint }))).not.toContain('live');
    }
    expect(ENDPOINT_PATHS).toEqual({ cached: '/person/enrich', live: '/person/professional_network/enrich/live' });
    expect(ENDPOINT_PATHS.cached).toBe(ENRICH_PATH);
  });

  test('enrich_realtime never goes with preview; preview and force_fetch go when asked', () => {
    expect(optionalBody(all, { kind: 'profile_url', endpoint: 'cached' })).toEqual({ force_fetch: true, enrich_realtime: true });
    expect(optionalBody(all, { kind: 'profile_url', endpoint: 'cached', preview: true })).toEqual({ force_fetch: true, preview: true });
    expect(optionalBody(DEFAULT_API_OPTIONS, { kind: 'business_email', endpoint: 'cached' })).toEqual({});
  });

  test('describeOptions names each option set, and nothing for the defaults', () => {
    expect(describeOptions(DEFAULT_API_OPTIONS)).toBe('');
    expect(describeOptions(all)).toBe('min score 0.7, live retry, fresh fetch, realtime');
  });
});
