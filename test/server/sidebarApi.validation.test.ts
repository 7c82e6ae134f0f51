// The schemas every sidebar call's arguments go through (src/server/validation.ts): what they let
// in and the messages they give, and that they cost nothing until a sidebar call needs them.
import type * as Validation from '../../src/server/validation';

function loadCountingZod(): { validation: typeof Validation; builds: () => number } {
  let builds = 0;
  let validation!: typeof Validation;
  jest.isolateModules(() => {
    const actual = jest.requireActual('zod/mini') as Record<string, unknown>;
    const counted = Object.fromEntries(
      Object.entries(actual).map(([name, value]) =>
        typeof value === 'function' && /^[a-z]/.test(name)
          ? [name, (...args: unknown[]) => (builds++, (value as (...a: unknown[]) => unknown)(...args))]
          : [name, value],
      ),
    );
    jest.doMock('zod/mini', () => counted);
    validation = require('../../src/server/validation');
  });
  return { validation, builds: () => builds };
}

const source = { sheetName: 'Leads', column: 1, firstRow: 1, lastRow: 10, hasHeader: true };

test('loading the module builds no schema (a custom-function cell never needs one); each is built once, on first use', () => {
  const { validation, builds } = loadCountingZod();
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
  const { validation } = loadCountingZod();
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
