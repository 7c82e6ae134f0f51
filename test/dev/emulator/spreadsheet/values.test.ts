// How typed text becomes a cell value, and how values display: the rules README.md documents.
import {
  FORMULA_PARSE_ERROR_VALUE,
  UNEVALUATED_FORMULA_VALUE,
  displayValue,
  formatGeneralNumber,
  formatNumberPattern,
  interpretInput,
  zonedToEpoch,
  type InterpretContext,
} from '../../../../dev/emulator/spreadsheet/values';

const ctx: InterpretContext = { plainText: false, timeZone: 'America/New_York', now: () => Date.UTC(2025, 0, 6, 12) };
const value = (input: unknown, over: Partial<InterpretContext> = {}) => interpretInput(input, { ...ctx, ...over }).value;

describe('interpretInput: formulas', () => {
  it('turns text starting with = into a formula whose value the emulator does not compute', () => {
    expect(interpretInput('=1+1', ctx)).toEqual({ value: UNEVALUATED_FORMULA_VALUE, formula: '=1+1', quotePrefix: false, impliedFormat: null });
    expect(interpretInput('=HYPERLINK("x")', ctx).formula).toBe('=HYPERLINK("x")');
  });

  it('keeps a lone = as text', () => {
    expect(interpretInput('=', ctx)).toMatchObject({ value: '=', formula: '' });
  });

  it.each(['+foo', '-foo', '- none -', '+1 415 555 0100', '--5', '-@x'])('takes %p for a failed formula, as Sheets shows #ERROR!', (text) => {
    expect(interpretInput(text, ctx)).toMatchObject({ value: FORMULA_PARSE_ERROR_VALUE, formula: `=${text}` });
  });

  it.each(['+', '-', '@foo', '@', 'foo-bar', 'a+b'])('keeps %p as text', (text) => {
    expect(interpretInput(text, ctx)).toMatchObject({ value: text, formula: '' });
  });
});

describe('interpretInput: numbers', () => {
  it.each([
    ['00123', 123],
    ['+14155550100', 14155550100],
    ['-5', -5],
    ['1,234', 1234],
    ['1,234,567.5', 1234567.5],
    ['1.5', 1.5],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['2.5E-2', 0.025],
    ['12%', 0.12],
    ['-12.5%', -0.125],
    ['$5', 5],
    ['-$5.25', -5.25],
    [' 42 ', 42],
    ['12345678901234567890', 12345678901234567000],
  ])('%p becomes %p', (text, expected) => {
    expect(value(text)).toBe(expected);
  });

  it.each(['1,2', '12,34', '1 000', '0x1F', 'Infinity', 'NaN', '1_000', '$5%', '5$', '1e3%', '١٢٣', '(5)', '415-555-0100', '1.2.3'])('keeps %p as text', (text) => {
    expect(value(text)).toBe(text);
  });

  it('chooses the format Sheets would for percent, currency, grouped and scientific input', () => {
    expect(interpretInput('12%', ctx).impliedFormat).toBe('0%');
    expect(interpretInput('12.5%', ctx).impliedFormat).toBe('0.00%');
    expect(interpretInput('$5', ctx).impliedFormat).toBe('"$"#,##0.00');
    expect(interpretInput('1,234', ctx).impliedFormat).toBe('#,##0');
    expect(interpretInput('1e3', ctx).impliedFormat).toBe('0.00E+00');
    expect(interpretInput('00123', ctx).impliedFormat).toBeNull();
  });
});

describe('interpretInput: booleans and dates', () => {
  it('reads TRUE/FALSE in any case', () => {
    expect(value('TRUE')).toBe(true);
    expect(value('false')).toBe(false);
    expect(value('True ')).toBe(true);
    expect(value('yes')).toBe('yes');
  });

  it('reads ISO dates as midnight in the spreadsheet time zone', () => {
    const date = value('2024-01-05') as Date;
    expect(date).toBeInstanceOf(Date);
    expect(date.toISOString()).toBe('2024-01-05T05:00:00.000Z'); // New York is UTC-5 in January
    expect((value('2024-07-05', { timeZone: 'Europe/Paris' }) as Date).toISOString()).toBe('2024-07-04T22:00:00.000Z');
  });

  it('reads US dates, two-digit years, date-times and times', () => {
    expect((value('1/5/2024') as Date).toISOString()).toBe('2024-01-05T05:00:00.000Z');
    expect((value('1/5/24') as Date).toISOString()).toBe('2024-01-05T05:00:00.000Z');
    expect((value('2024-01-05 13:30') as Date).toISOString()).toBe('2024-01-05T18:30:00.000Z');
    expect((value('1/5/2024 1:30 PM') as Date).toISOString()).toBe('2024-01-05T18:30:00.000Z');
    const time = value('10:30', { timeZone: 'UTC' }) as Date;
    expect(time.toISOString()).toBe('1899-12-30T10:30:00.000Z');
  });

  it('places a date typed without a year in the current year, so 3/4 is a date and not a fraction', () => {
    expect((value('3/4') as Date).toISOString()).toBe('2025-03-04T05:00:00.000Z');
  });

  it.each(['2024-02-30', '2024-13-01', '13/1/2024', '25:00', '2024-01-05T10:00:00Z', 'Jan 5, 2024'])('keeps %p as text', (text) => {
    expect(value(text)).toBe(text);
  });
});

describe('interpretInput: text that stays text', () => {
  it('drops a leading apostrophe and remembers it', () => {
    expect(interpretInput("'=1+1", ctx)).toEqual({ value: '=1+1', formula: '', quotePrefix: true, impliedFormat: null });
    expect(interpretInput("'00123", ctx)).toMatchObject({ value: '00123', quotePrefix: true });
    expect(interpretInput("'+14155550100", ctx)).toMatchObject({ value: '+14155550100', formula: '' });
  });

  it('stores strings verbatim in a plain-text (@) cell, apostrophe included', () => {
    const plainText = { plainText: true };
    expect(interpretInput('=1+1', { ...ctx, ...plainText })).toMatchObject({ value: '=1+1', formula: '' });
    expect(value('00123', plainText)).toBe('00123');
    expect(value('-foo', plainText)).toBe('-foo');
    expect(value('TRUE', plainText)).toBe('TRUE');
    expect(value("'x", plainText)).toBe("'x");
  });

  it('stores non-strings as they are', () => {
    expect(value(123)).toBe(123);
    expect(value(false)).toBe(false);
    const date = new Date(Date.UTC(2024, 0, 5));
    const stored = value(date) as Date;
    expect(stored.getTime()).toBe(date.getTime());
    expect(stored).not.toBe(date);
    expect(value(null)).toBe('');
    expect(value(undefined)).toBe('');
    expect(value(123, { plainText: true })).toBe(123);
  });

  it('refuses more than 50,000 characters with Sheets message', () => {
    expect(value('x'.repeat(50000))).toHaveLength(50000);
    expect(() => value('x'.repeat(50001))).toThrow('Your input contains more than the maximum of 50000 characters in a single cell.');
    expect(() => value('x'.repeat(50001), { plainText: true })).toThrow('50000 characters');
  });
});

describe('displayValue', () => {
  const tz = 'America/New_York';

  it('shows numbers as Sheets does by default', () => {
    expect(displayValue(123, null, tz)).toBe('123');
    expect(displayValue(14155550100, null, tz)).toBe('14155550100');
    expect(displayValue(0.1 + 0.2, null, tz)).toBe('0.3');
    expect(formatGeneralNumber(12345678901234567890)).toBe('1.23457E+19');
    expect(displayValue(true, null, tz)).toBe('TRUE');
    expect(displayValue('', null, tz)).toBe('');
    expect(displayValue('text', '0.00', tz)).toBe('text');
  });

  it('applies number formats', () => {
    expect(formatNumberPattern(0.12, '0%')).toBe('12%');
    expect(formatNumberPattern(0.125, '0.00%')).toBe('12.50%');
    expect(formatNumberPattern(1234.5, '#,##0.00')).toBe('1,234.50');
    expect(formatNumberPattern(-5, '"$"#,##0.00')).toBe('-$5.00');
    expect(formatNumberPattern(1000, '0.00E+00')).toBe('1.00E+03');
    expect(formatNumberPattern(123, '00000')).toBe('00123');
    expect(formatNumberPattern(-3, '0;(0)')).toBe('(3)');
    expect(formatNumberPattern(2.5, '0.###############')).toBe('2.5');
  });

  it('shows dates in the spreadsheet time zone', () => {
    const date = new Date(zonedToEpoch({ year: 2024, month: 1, day: 5, hour: 13, minute: 7, second: 9 }, tz));
    expect(displayValue(date, null, tz)).toBe('1/5/2024 13:07:09');
    expect(displayValue(date, 'yyyy-mm-dd', tz)).toBe('2024-01-05');
    expect(displayValue(date, 'yyyy-mm-dd H:mm:ss', tz)).toBe('2024-01-05 13:07:09');
    expect(displayValue(date, 'h:mm am/pm', tz)).toBe('1:07 PM');
    expect(displayValue(date, 'dddd, mmmm d', tz)).toBe('Friday, January 5');
    expect(displayValue(45296, 'yyyy-mm-dd', tz)).toBe('2024-01-05');
    expect(displayValue(new Date(zonedToEpoch({ year: 2024, month: 1, day: 5, hour: 0, minute: 0, second: 0 }, tz)), '0', tz)).toBe('45296');
  });
});
