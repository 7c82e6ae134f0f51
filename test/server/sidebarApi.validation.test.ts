// The schemas every sidebar call's arguments go through (src/server/validation.ts): what they let
// in and the messages they give, and that they cost nothing until a sidebar call needs them.
import type * as Validation from '../../src/server/validation';
import { loadCountingZod } from '../helpers/countingZod';

function loadCounting(): { validation: typeof Validation; builds: () => number } {
  const { built, loaded } = loadCountingZod(() => require('../../src/server/validation') as typeof Validation);
  return { validation: loaded, builds: () => built.length };
}

const source = { sheetName: 'Leads', column: 1, firstRow: 1, lastRow: 10, hasHeader: true };

test('loading the module builds no schema (a custom-function cell never needs one); each is built once, on first use', () => {
  const { validation, builds } = loadCounting();
  expect(builds()).toBe(0);
  const { parseRequest, startJobRequestSchema, controlJobRequestSchema } = validation;
  expect(parseRequest(startJobRequestSchema(), { source, settings: { fields: [], reenrich: false } }, 'The start request')).toMatchObject({ source });
  const afterStart = builds();
  expect(afterStart).toBeGreaterThan(0);
  expect(parseRequest(startJobRequestSchema(), { source, settings: { fields: ['basic_profile'], reenrich: true } }, 'The start request')).toBeTruthy();
  expect(builds()).toBe(afterStart);
  expect(() => parseRequest(controlJobRequestSchema(), { jobId: 'j1', action: 'background' }, 'The job control request')).toThrow(
    'Continue in the background: choose on or off.',
  );
  const afterControl = builds();
  expect(afterControl).toBeGreaterThan(afterStart);
  expect(parseRequest(controlJobRequestSchema(), { jobId: 'j1', action: 'background', continueInBackground: false }, 'x')).toEqual({
    jobId: 'j1',
    action: 'background',
    continueInBackground: false,
  });
  expect(builds()).toBe(afterControl);
});

test('same rules and messages as before: ranges, key shape, absent key allowed', () => {
  const { validation } = loadCounting();
  const { parseRequest, estimateRequestSchema, saveApiKeyRequestSchema, jobRefSchema } = validation;
  expect(() => parseRequest(estimateRequestSchema(), { source: { ...source, lastRow: 1 }, settings: { fields: [], reenrich: false } }, 'x')).toThrow(
    'The last row: the range has no data row.',
  );
  expect(() => parseRequest(estimateRequestSchema(), { source: { ...source, column: 0 }, settings: { fields: [], reenrich: false } }, 'x')).toThrow(
    'The column is missing or not valid.',
  );
  expect(() => parseRequest(jobRefSchema(), { jobId: '../x' }, 'x')).toThrow('The job is missing or not valid.');
  expect(parseRequest(saveApiKeyRequestSchema(), { scope: 'document', requestsPerMinute: 30 }, 'x')).toEqual({ scope: 'document', requestsPerMinute: 30 });
  expect(parseRequest(saveApiKeyRequestSchema(), { apiKey: null, scope: 'user' }, 'x')).toEqual({ apiKey: null, scope: 'user' });
  expect(() => parseRequest(saveApiKeyRequestSchema(), { apiKey: 'has a space', scope: 'user' }, 'x')).toThrow(/^The API key/);
});

test('the match options: a score outside 0–1 or not a number, an unknown policy, each named in words', () => {
  const { validation } = loadCounting();
  const { parseRequest, startJobRequestSchema } = validation;
  const withOptions = (options: unknown) => ({ source, settings: { fields: [], reenrich: false, options } });
  const good = { minScore: 0.8, ambiguity: 'leave_for_review', forceFetch: true, live: true };
  expect(parseRequest(startJobRequestSchema(), withOptions(good), 'x').settings.options).toEqual(good);
  expect(parseRequest(startJobRequestSchema(), withOptions({ ...good, minScore: null }), 'x').settings.options?.minScore).toBeNull();
  for (const minScore of [1.2, -0.1, 80]) {
    expect(() => parseRequest(startJobRequestSchema(), withOptions({ ...good, minScore }), 'x')).toThrow(
      'The minimum match score: must be a number from 0 to 1, such as 0.8 (or blank for none).',
    );
  }
  expect(() => parseRequest(startJobRequestSchema(), withOptions({ ...good, minScore: '0.8' }), 'x')).toThrow('The minimum match score is missing or not valid.');
  expect(() => parseRequest(startJobRequestSchema(), withOptions({ ...good, ambiguity: 'guess' }), 'x')).toThrow(
    'What to do with ambiguous matches is missing or not valid.',
  );
  expect(() => parseRequest(startJobRequestSchema(), withOptions({ ...good, live: 'yes' }), 'x')).toThrow('Try "Not found" rows live is missing or not valid.');
});
