// The one table of problem texts: every code has its words, the codes that pause a job have advice
// of their own, and jobs saved before codes were kept still get theirs from their wording.
import {
  codeOfLegacyMessage,
  ERROR_CODES,
  GENERIC_ADVICE,
  isKeyProblem,
  problemAdvice,
  PROBLEMS,
  textsOf,
  type ErrorCode,
} from '../../src/common/messages';
import { FATAL_CODES } from '../../src/core/errors';

/** True only when A and B are the same set of names. */
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

test('every code has a message and advice, and the table has no entry that is not a code', () => {
  // Type level: a code without an entry, or an entry without a code, does not type-check.
  const exhaustive: SameKeys<keyof typeof PROBLEMS, ErrorCode> = true;
  expect(exhaustive).toBe(true);
  expect(Object.keys(PROBLEMS).sort()).toEqual([...ERROR_CODES].sort());
  expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
  for (const code of ERROR_CODES) {
    const texts = textsOf(code);
    expect(texts.message).toMatch(/^[A-Z].{10,}[.…]$/);
    expect(texts.advice).toMatch(/^[A-Z].*\.$/);
    // What to do next in the sidebar is always a button there: Resume (or Cancel).
    expect(texts.advice).toMatch(/Resume/);
  }
});

test('each problem that stops every request (and so pauses a job) has advice of its own', () => {
  const fatal = [...FATAL_CODES];
  expect(fatal.length).toBeGreaterThan(0);
  for (const code of fatal) expect(problemAdvice(code)).not.toBe(GENERIC_ADVICE);
  expect(problemAdvice(null)).toBe(GENERIC_ADVICE);
  expect(fatal.filter(isKeyProblem).sort()).toEqual(['invalid_api_key', 'missing_api_key']);
});

test('formulas name where their key is shared, since they never use a personal key', () => {
  expect(textsOf('missing_api_key').formula).toMatch(/share a key with this spreadsheet's formulas/);
  expect(textsOf('invalid_api_key').formula).toMatch(/^Crustdata rejected the key shared/);
  expect(ERROR_CODES.filter((code) => textsOf(code).formula !== undefined).sort()).toEqual(['invalid_api_key', 'missing_api_key']);
});

test('a problem stored before codes were kept is recognised by the words it was stored with', () => {
  // The wordings earlier versions stored, as they were.
  expect(codeOfLegacyMessage('Crustdata rejected the API key. Set a new one in Extensions → Crustdata → Set API key…')).toBe('invalid_api_key');
  expect(codeOfLegacyMessage('No Crustdata API key is set. Set one in Extensions → Crustdata → Set API key…')).toBe('missing_api_key');
  expect(codeOfLegacyMessage('Your Crustdata account is out of credits. Add credits in the Crustdata dashboard, then try again.')).toBe('insufficient_credits');
  expect(
    codeOfLegacyMessage('Crustdata refused this request for your API key (permission denied). Some field groups need extra access on your plan; remove them or ask Crustdata to enable them. Crustdata says: no access'),
  ).toBe('permission_denied');
  expect(codeOfLegacyMessage('Stopped after repeated problems: Service Spreadsheets failed')).toBeNull();
  expect(codeOfLegacyMessage(null)).toBeNull();
  // And today's table still reads as the code it belongs to.
  for (const code of ['invalid_api_key', 'missing_api_key', 'insufficient_credits', 'permission_denied'] as const) {
    expect(codeOfLegacyMessage(PROBLEMS[code].message)).toBe(code);
  }
});
