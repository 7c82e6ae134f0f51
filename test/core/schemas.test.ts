// Response schemas: lenient on content, loud only on a broken envelope.
import { parseEnrichBody, parseErrorBody } from '../../src/core/schemas';
import { loadCountingZod } from '../helpers/countingZod';

test('unknown fields pass and nulls are allowed anywhere', () => {
  const body = JSON.stringify([
    {
      matched_on: 'https://www.linkedin.com/in/ada',
      match_type: 'professional_network_profile_url',
      brand_new_field: { x: 1 },
      matches: [{ confidence_score: null, person_data: { basic_profile: null, anything: [1, 'two', null] }, extra: true }],
    },
    { matched_on: 'b@example.com', match_type: null, matches: null },
    { matched_on: null, matches: [] },
    null,
    { matches: [null] },
  ]);
  const parsed = parseEnrichBody(body);
  expect(parsed.ok).toBe(true);
  if (!parsed.ok) return;
  expect(parsed.entries).toHaveLength(4);
  expect(parsed.entries[0].matches?.[0]?.person_data).toEqual({ basic_profile: null, anything: [1, 'two', null] });
  expect((parsed.entries[0] as Record<string, unknown>).brand_new_field).toEqual({ x: 1 });
});

test('an empty array is a valid answer', () => {
  expect(parseEnrichBody('[]')).toEqual({ ok: true, entries: [] });
});

test.each([
  ['not JSON', '<html>502</html>', 'not JSON'],
  ['truncated JSON', '[{"matched_on": ', 'not JSON'],
  ['an object instead of the array', '{"results": []}', 'unexpected shape'],
  ['matches not an array', '[{"matched_on":"x","matches":{"a":1}}]', 'at 0.matches'],
  ['person_data not an object', '[{"matched_on":"x","matches":[{"person_data":"Ada"}]}]', 'at 0.matches.0.person_data'],
  ['matched_on not a string', '[{"matched_on":42,"matches":[]}]', 'at 0.matched_on'],
  ['an entry that is a string', '["x"]', 'unexpected shape'],
])('%s is a broken envelope with a message', (_name, body, words) => {
  const parsed = parseEnrichBody(body);
  expect(parsed.ok).toBe(false);
  if (!parsed.ok) expect(parsed.message).toContain(words);
});

test('both error envelopes are read; anything else gives nulls', () => {
  expect(parseErrorBody('{"error":{"type":"insufficient_credits","message":"No credits","metadata":[]}}')).toEqual({
    type: 'insufficient_credits',
    message: 'No credits',
  });
  expect(parseErrorBody('{"message":"Invalid API key in request"}')).toEqual({ type: null, message: 'Invalid API key in request' });
  expect(parseErrorBody('{"error":{"type":null}}')).toEqual({ type: null, message: null });
  expect(parseErrorBody('<html>Bad gateway</html>')).toEqual({ type: null, message: null });
  expect(parseErrorBody('{"error":"flat string"}')).toEqual({ type: null, message: null });
  expect(parseErrorBody('[]')).toEqual({ type: null, message: null });
});

describe('schemas are built on first use, not when the bundle loads', () => {
  /** The engine's modules as the bundle loads them (the engine itself pulls in both), over a recording zod/mini. */
  function loadCounting() {
    const { built, loaded } = loadCountingZod(() => {
      const modules = {
        schemas: require('../../src/core/schemas') as typeof import('../../src/core/schemas'),
        cache: require('../../src/core/resultCache') as typeof import('../../src/core/resultCache'),
      };
      require('../../src/core/enrich');
      return modules;
    });
    return { built, ...loaded };
  }

  test('loading the engine builds none', () => {
    expect(loadCounting().built).toEqual([]);
  });

  test('a cache read builds only the cache entry schema; each schema is built once', () => {
    const { built, schemas, cache } = loadCounting();
    const entry = JSON.stringify({ person: { basic_profile: { name: 'Ada' } }, fetchedAt: 1 });
    expect(cache.decodeCachedResult(entry)?.person).toEqual({ basic_profile: { name: 'Ada' } });
    const forCache = built.length;
    expect(forCache).toBeGreaterThan(0);
    expect(built).not.toContain('looseObject');
    expect(cache.decodeCachedResult(entry)?.fetchedAt).toBe(1);
    expect(built.length).toBe(forCache);

    expect(schemas.parseEnrichBody('[{"matched_on":"x","matches":[]}]').ok).toBe(true);
    const forResponse = built.length;
    expect(forResponse).toBeGreaterThan(forCache);
    expect(schemas.parseEnrichBody('[]').ok).toBe(true);
    expect(schemas.parseErrorBody('{"message":"no"}').message).toBe('no');
    expect(schemas.parseErrorBody('{"message":"again"}').message).toBe('again');
    expect(schemas.enrichResponseSchema()).toBe(schemas.enrichResponseSchema());
    const forErrors = built.length;
    expect(schemas.parseEnrichBody('{}').ok).toBe(false);
    expect(built.length).toBe(forErrors);
  });
});
