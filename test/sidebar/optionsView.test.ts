// The Match options' pure parts: the score box's text as a setting or the rule it breaks, and the
// folded line's words. The browser test (test/browser/matchOptions.test.ts) covers the section itself.
import { describeOptions, DEFAULT_OPTIONS, MIN_SCORE_RULE, parseMinScoreText } from '../../sidebar/src/views/optionsView';
import { checkJobOptions } from '../../src/core/jobOptions';

test('the score box: blank is none, 0 to 1 is a score (a decimal comma too), anything else the rule', () => {
  expect(parseMinScoreText('')).toEqual({ ok: true, value: null });
  expect(parseMinScoreText('   ')).toEqual({ ok: true, value: null });
  expect(parseMinScoreText('0.8')).toEqual({ ok: true, value: 0.8 });
  expect(parseMinScoreText(' 0,75 ')).toEqual({ ok: true, value: 0.75 });
  expect(parseMinScoreText('.5')).toEqual({ ok: true, value: 0.5 });
  expect(parseMinScoreText('0')).toEqual({ ok: true, value: 0 });
  expect(parseMinScoreText('1')).toEqual({ ok: true, value: 1 });
  expect(parseMinScoreText('1.01')).toEqual({ ok: false, message: MIN_SCORE_RULE });
  expect(parseMinScoreText('-0.2')).toEqual({ ok: false, message: MIN_SCORE_RULE });
  expect(parseMinScoreText('high')).toEqual({ ok: false, message: MIN_SCORE_RULE });
  expect(parseMinScoreText('80')).toEqual({ ok: false, message: `${MIN_SCORE_RULE} For 80%, write 0.8.` });
});

test('whatever the box accepts, the server accepts too', () => {
  for (const text of ['0', '0.25', '.5', '0,9', '1']) {
    const parsed = parseMinScoreText(text);
    if (!parsed.ok) throw new Error(text);
    expect(checkJobOptions({ minScore: parsed.value }).minScore).toBe(parsed.value);
  }
});

test('the folded line names what is on', () => {
  expect(describeOptions(DEFAULT_OPTIONS)).toBe('defaults');
  expect(describeOptions({ minScore: 0.8, ambiguity: 'leave_for_review', forceFetch: true, live: true })).toBe(
    'min score 0.8, ambiguous left to check, fresh data, "Not found" tried live',
  );
  expect(describeOptions({ ...DEFAULT_OPTIONS, live: true })).toBe('"Not found" tried live');
});
