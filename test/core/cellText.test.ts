// Cell text: what Sheets would reinterpret gets the apostrophe text marker, everything else is untouched.
import { MAX_CELL_CHARS, needsTextMarker, toSheetValue, TRUNCATION_MARK, truncateCellText } from '../../src/core/cellText';

describe('toSheetValue: text Sheets would reinterpret is marked as text', () => {
  const protectedText: [string, string][] = [
    ['=1+1', 'formula'],
    ['=HYPERLINK("http://evil.example","x")', 'formula'],
    ['=IMPORTXML("http://evil.example","//a")', 'formula'],
    ['  =SUM(A1:A9)', 'formula after spaces'],
    ['+1', 'sign'],
    ['+14155550100', 'phone number'],
    ['+44 20 7123 4567', 'phone number with spaces'],
    ['-', 'a dash alone'],
    ['-5', 'negative number'],
    ['- item', 'dash list'],
    ['@channel', 'at sign'],
    ["'quoted", 'leading apostrophe, which Sheets would eat'],
    ['123', 'number'],
    ['00123', 'leading zeros'],
    ['0', 'zero'],
    ['1,234.50', 'thousands'],
    ['1.234,50', 'European decimals'],
    ['12.5%', 'percentage'],
    ['50 %', 'percentage with space'],
    ['$1,000', 'money'],
    ['€5', 'money'],
    ['1e5', 'exponent'],
    ['2.5E-3', 'exponent'],
    ['(415) 555-0100', 'phone number with parentheses'],
    ['415-555-0100', 'phone number with dashes'],
    ['415.555.0100', 'phone number with dots'],
    ['2019-01', 'year and month'],
    ['2019-01-15', 'date'],
    ['1/2/2020', 'date'],
    ['1/2', 'fraction or date'],
    ['10:30', 'time'],
    ['10:30 PM', 'time with PM'],
    ['2024-05-01T12:00:00Z', 'ISO date-time'],
    ['2024-05-01 12:00', 'date and time'],
    ['Jan 2020', 'month and year'],
    ['March 5, 2021', 'month name date'],
    ['5 March', 'day and month'],
    ['12-Jan-2020', 'day-month-year'],
    ['TRUE', 'boolean'],
    ['false', 'boolean'],
    [' True ', 'boolean with spaces'],
    ['#N/A', 'error literal'],
    ['#REF!', 'error literal'],
    ['#DIV/0!', 'error literal'],
    ['١٢٣', 'Arabic-Indic digits'],
    ['１２３', 'full-width digits'],
  ];
  test.each(protectedText)('%j (%s) -> apostrophe + same text', (text) => {
    expect(toSheetValue(text)).toBe("'" + text);
    expect(needsTextMarker(text)).toBe(true);
  });

  const plainText: string[] = [
    'Ada Lovelace',
    'Founder & CEO',
    'Founder | CEO',
    'São Paulo, Brazil',
    '张伟',
    'Zoë 🚀 Müller',
    'Mayor of London',
    'May',
    'Marketing Manager',
    'https://www.linkedin.com/in/ada',
    'ada@engines.example',
    '#hiring',
    'C++ developer',
    'Python, SQL',
    'Web 3.0 evangelist',
    'A-',
    'truest',
    'Line one\nLine two',
    'x=1',
    'Senior Engineer (L5)',
    '3M Company',
  ];
  test.each(plainText)('%j stays as it is', (text) => {
    expect(toSheetValue(text)).toBe(text);
    expect(needsTextMarker(text)).toBe(false);
  });

  test('non-strings: numbers and booleans stay, blanks become empty, others become text', () => {
    const cases: [unknown, unknown][] = [
      [42, 42],
      [0, 0],
      [-3.5, -3.5],
      [Number.NaN, ''],
      [Number.POSITIVE_INFINITY, ''],
      [true, true],
      [false, false],
      [null, ''],
      [undefined, ''],
      ['', ''],
      [new Date('2024-05-01T12:00:00Z'), "'2024-05-01T12:00:00.000Z"],
      [new Date(Number.NaN), ''],
      [{ a: 1 }, '{"a":1}'],
      [['x', 'y'], '["x","y"]'],
      [10n, "'10"],
    ];
    for (const [input, expected] of cases) expect([input, toSheetValue(input)]).toEqual([input, expected]);
  });

  test('no string ever comes out as something Sheets would evaluate', () => {
    const hostile = ['=1', '+1', '-1', '@x', '=cmd|"/c calc"!A0', '\t=1', ' \n=1', "'=1"];
    for (const text of hostile) {
      const value = toSheetValue(text);
      expect(typeof value).toBe('string');
      expect(value as string).toMatch(/^'/);
    }
  });
});

describe('truncateCellText', () => {
  test('text within the limit is untouched', () => {
    const text = 'x'.repeat(MAX_CELL_CHARS);
    expect(truncateCellText(text)).toBe(text);
  });

  test('text over the limit is cut visibly and fits a cell even with the marker apostrophe', () => {
    const cut = truncateCellText('y'.repeat(60_000));
    expect(cut).toBe('y'.repeat(49_980) + TRUNCATION_MARK);
    expect(cut.length).toBeLessThan(MAX_CELL_CHARS);
    const marked = toSheetValue('=' + 'z'.repeat(70_000)) as string;
    expect(marked.startsWith("'=")).toBe(true);
    expect(marked.endsWith(TRUNCATION_MARK)).toBe(true);
    expect(marked.length - 1).toBeLessThanOrEqual(MAX_CELL_CHARS);
  });

  test('an emoji on the cut is not split in half', () => {
    const text = 'a'.repeat(49_979) + '🚀'.repeat(10_000);
    const cut = truncateCellText(text);
    expect(cut).toBe('a'.repeat(49_979) + TRUNCATION_MARK);
  });
});
