// Values for Range.setValues that Sheets stores exactly as given: text Sheets would turn into a
// formula, number, date, boolean or error gets a leading apostrophe (Sheets' text marker, not stored).
//
// Rules (the README quotes them). A string is written as "'" + string when, ignoring leading spaces:
// - it starts with = + - @ (formula or sign) or ' (the marker itself, which Sheets would eat);
// - it starts with # and names a sheet error (#N/A, #REF!, #VALUE!, #DIV/0!, #NAME?, #NUM!, #NULL!, #ERROR!);
// - it holds a digit and nothing but digits, spaces and the characters . , : / ( ) % $ € £ ¥ ₹ ' + - and
//   an exponent or AM/PM: numbers, leading zeros (00123), percentages, money, phone numbers, dates
//   and times (2019-01, 1/2/2020, 10:30 PM);
// - it is an ISO date-time (2024-05-01T12:00:00Z) or a month name with a number (Jan 2020, 5 March);
// - it is TRUE or FALSE in any case.
// Every other string, number and boolean is written unchanged; null and undefined become ''.
// Strings over 50,000 characters (a cell's limit) are cut visibly, see truncateCellText.
// Custom functions must NOT use this: their results are never parsed, so an apostrophe would show.
import type { CellValue } from './types';

/** Google Sheets' limit for one cell. */
export const MAX_CELL_CHARS = 50_000;
export const TRUNCATION_MARK = '… [truncated]';
const TRUNCATED_KEEP = 49_980;

/** Cuts text over a cell's limit to 49,980 characters plus a visible mark. */
export function truncateCellText(text: string): string {
  if (text.length <= MAX_CELL_CHARS) return text;
  let end = TRUNCATED_KEEP;
  // Never split a surrogate pair: half an emoji is not a character.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return text.slice(0, end) + TRUNCATION_MARK;
}

const FORMULA_OR_MARKER_START = /^\s*[=+\-@']/;
const SHEET_ERROR = /^\s*#(N\/A|REF!|VALUE!|DIV\/0!|NAME\?|NUM!|NULL!|ERROR!|GETTING_DATA)/i;
const NUMBER_LIKE =
  /^(?=\P{Nd}*\p{Nd})[\s\p{Nd}.,:/()%$€£¥₹'+-]*(e[+-]?\p{Nd}+)?[\s%]*(am|pm|a\.m\.|p\.m\.)?\s*$/iu;
// Longer text is never read as a number or a date; skipping it keeps the check linear.
const MAX_VALUE_LIKE_LENGTH = 200;
const ISO_DATE_TIME = /^\s*\d{4}-\d{1,2}-\d{1,2}[T\s]\d/i;
const MONTH =
  '(jan|january|feb|february|mar|march|apr|april|may|jun|june|jul|july|aug|august|sep|sept|september|oct|october|nov|november|dec|december)\\.?';
const MONTH_DATE = new RegExp(`^\\s*(${MONTH}\\s*,?\\s*\\d|\\d{1,4}(st|nd|rd|th)?[\\s\\-/.]*${MONTH}(\\s|,|$|[\\-/.]\\d))`, 'i');
const BOOLEAN_WORD = /^\s*(true|false)\s*$/i;

/** True when Sheets would read this string as something other than the same text. */
export function needsTextMarker(text: string): boolean {
  return (
    FORMULA_OR_MARKER_START.test(text) ||
    SHEET_ERROR.test(text) ||
    (text.length <= MAX_VALUE_LIKE_LENGTH && NUMBER_LIKE.test(text)) ||
    ISO_DATE_TIME.test(text) ||
    MONTH_DATE.test(text) ||
    BOOLEAN_WORD.test(text)
  );
}

/** A value ready for Range.setValues: stored exactly, never a formula. */
export function toSheetValue(value: unknown): CellValue {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? value : '';
  if (typeof value === 'boolean') return value;
  const text = truncateCellText(typeof value === 'string' ? value : textOf(value));
  if (text === '') return '';
  return needsTextMarker(text) ? "'" + text : text;
}

function textOf(value: unknown): string {
  if (Object.prototype.toString.call(value) === '[object Date]') {
    const time = (value as Date).getTime();
    return Number.isFinite(time) ? (value as Date).toISOString() : '';
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'object') {
    try {
      return JSON.stringify(value) ?? '';
    } catch {
      return String(value);
    }
  }
  return String(value);
}
