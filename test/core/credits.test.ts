// Reading x-credits-used: the job's counter is the sum of these, and an unreadable one says why.
import { addCredits, emptyCreditsTally, readCreditsUsed } from '../../src/core/credits';
import { creditsUsed } from '../../src/core/crustdataClient';

describe('readCreditsUsed', () => {
  test.each([
    ['a whole number', { 'x-credits-used': '7' }, 7],
    ['zero', { 'x-credits-used': '0' }, 0],
    ['a fraction', { 'x-credits-used': '0.03' }, 0.03],
    ['spaces around', { 'x-credits-used': ' 3 ' }, 3],
    ['the header name in another case', { 'X-Credits-Used': '4' }, 4],
  ])('%s is read as is', (_name, headers, expected) => {
    expect(readCreditsUsed(headers)).toEqual({ credits: expected, problem: null });
  });

  test.each([
    ['no header', {}, 'missing', null],
    ['an empty header', { 'x-credits-used': '' }, 'missing', ''],
    ['text', { 'x-credits-used': 'seven' }, 'unreadable', 'seven'],
    ['a number with a unit', { 'x-credits-used': '3 credits' }, 'unreadable', '3 credits'],
    ['a repeated header', { 'x-credits-used': ['2', '2'] }, 'unreadable', '2, 2'],
    ['Infinity', { 'x-credits-used': 'Infinity' }, 'unreadable', 'Infinity'],
    ['negative', { 'x-credits-used': '-2' }, 'negative', '-2'],
  ])('%s counts 0 and says why', (_name, headers, problem, raw) => {
    expect(readCreditsUsed(headers as Record<string, string>)).toEqual({ credits: 0, problem, raw });
  });

  test('no headers at all (a transport failure) counts 0 as missing', () => {
    expect(readCreditsUsed(null)).toEqual({ credits: 0, problem: 'missing', raw: null });
  });

  test('crustdataClient.creditsUsed agrees with it', () => {
    expect(creditsUsed({ 'x-credits-used': '5' })).toBe(5);
    expect(creditsUsed({ 'x-credits-used': 'garbled' })).toBe(0);
    expect(creditsUsed({ 'X-CREDITS-USED': '2' })).toBe(2);
  });
});

describe('the tally', () => {
  test('sums the credits of every answer and counts the ones it could not read', () => {
    const readings = [{ 'x-credits-used': '3' }, {}, { 'x-credits-used': '4' }, { 'x-credits-used': 'x' }].map(readCreditsUsed);
    const tally = readings.reduce(addCredits, emptyCreditsTally());
    expect(tally).toEqual({ credits: 7, answers: 4, unreadable: 2 });
  });
});
