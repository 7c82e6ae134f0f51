// What a cell holds and how Sheets turns typed (or setValues'd) text into it, plus the display strings
// getDisplayValues returns. The parsing rules are the emulator's reading of Sheets' en_US behaviour; README.md beside
// this file lists each decision, because the add-on's "write hostile values as text" promise is tested against them.
import { wallAsUtc, zonedParts, zonedToEpoch, type WallClock } from '../zonedTime';

export type CellValue = string | number | boolean | Date;

/** A cell value Sheets cannot compute here: the emulator does not evaluate formulas. */
export const UNEVALUATED_FORMULA_VALUE = '#EMULATOR_FORMULA';
/** What Sheets shows when text starting with `+`/`-` is taken for a formula and fails to parse. */
export const FORMULA_PARSE_ERROR_VALUE = '#ERROR!';
/** Range.getNumberFormat() of a cell nobody formatted ("Automatic"). */
export const DEFAULT_NUMBER_FORMAT = '0.###############';
export const PLAIN_TEXT_FORMAT = '@';
export const MAX_CELL_CHARS = 50000;
export const CELL_TOO_LONG_MESSAGE = `Your input contains more than the maximum of ${MAX_CELL_CHARS} characters in a single cell.`;

/** The result of interpreting one input: what the cell stores. */
export interface InterpretedInput {
  value: CellValue;
  formula: string;
  /** Text forced by a leading apostrophe (Sheets keeps the flag, not the apostrophe). */
  quotePrefix: boolean;
  /** The number format Sheets picks on its own (e.g. `0%` for `12%`); applied only to unformatted cells. */
  impliedFormat: string | null;
}

export interface InterpretContext {
  /** The target cell's number format is `@`: strings are stored exactly as given. */
  plainText: boolean;
  timeZone: string;
  /** For dates typed without a year (`3/4`), which Sheets places in the current year. */
  now: () => number;
}

export class CellTooLongError extends Error {
  constructor() {
    super(CELL_TOO_LONG_MESSAGE);
    this.name = 'Exception';
  }
}

export function isDateValue(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

const EMPTY: InterpretedInput = { value: '', formula: '', quotePrefix: false, impliedFormat: null };

/** Interprets one value the way Sheets interprets user input (Range.setValue/setValues, or typing). */
export function interpretInput(input: unknown, ctx: InterpretContext): InterpretedInput {
  if (input === null || input === undefined || input === '') return EMPTY;
  if (typeof input === 'number') {
    // Sheets has no NaN/Infinity; keep them visible as text rather than inventing a number.
    return Number.isFinite(input) ? plain(input) : plain(String(input));
  }
  if (typeof input === 'boolean') return plain(input);
  if (isDateValue(input)) {
    const ms = input.getTime();
    if (Number.isNaN(ms)) return plain('Invalid Date');
    return { value: new Date(ms), formula: '', quotePrefix: false, impliedFormat: 'M/d/yyyy H:mm:ss' };
  }
  const text = typeof input === 'string' ? input : String(input);
  if (text.length > MAX_CELL_CHARS) throw new CellTooLongError();
  if (ctx.plainText) return plain(text);
  if (text.startsWith("'")) return { value: text.slice(1), formula: '', quotePrefix: true, impliedFormat: null };
  if (text.length > 1 && text.startsWith('=')) {
    return { value: UNEVALUATED_FORMULA_VALUE, formula: text, quotePrefix: false, impliedFormat: null };
  }
  const trimmed = text.replace(/^ +| +$/g, '');
  const bool = parseBoolean(trimmed);
  if (bool !== null) return plain(bool);
  const number = parseNumber(trimmed);
  if (number) return { value: number.value, formula: '', quotePrefix: false, impliedFormat: number.format };
  const date = parseDateTime(trimmed, ctx);
  if (date) return { value: date.value, formula: '', quotePrefix: false, impliedFormat: date.format };
  if (text.length > 1 && (text.startsWith('+') || text.startsWith('-'))) {
    // Sheets reads `+foo` / `-foo` as a formula (`=+foo`) and shows an error: exactly the failure an
    // unprotected phone number or "- none -" produces in a real sheet.
    return { value: FORMULA_PARSE_ERROR_VALUE, formula: `=${text}`, quotePrefix: false, impliedFormat: null };
  }
  return plain(text);
}

function plain(value: CellValue): InterpretedInput {
  return { value, formula: '', quotePrefix: false, impliedFormat: null };
}

function parseBoolean(text: string): boolean | null {
  const upper = text.toUpperCase();
  if (upper === 'TRUE') return true;
  if (upper === 'FALSE') return false;
  return null;
}

const NUMBER_PATTERN = /^([+-])?(\$)?((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d+))?(%)?$/;

/** en_US numbers: `00123`, `+14155550100`, `-5`, `1,234.5`, `.5`, `1e3`, `12%`, `$5`, `-$5`. */
export function parseNumber(text: string): { value: number; format: string | null } | null {
  const match = NUMBER_PATTERN.exec(text);
  if (!match) return null;
  const [, sign, dollar, digits, exponent, percent] = match;
  if (dollar && (percent || exponent !== undefined)) return null;
  if (percent && exponent !== undefined) return null;
  let value = Number(digits.replace(/,/g, '') + (exponent !== undefined ? `e${exponent}` : ''));
  if (!Number.isFinite(value)) return null;
  if (percent) value = value / 100;
  if (sign === '-') value = -value;
  if (Object.is(value, -0)) value = 0;
  const hasDecimals = /\.\d*[1-9]/.test(digits);
  let format: string | null = null;
  if (percent) format = hasDecimals ? '0.00%' : '0%';
  else if (dollar) format = '"$"#,##0.00';
  else if (exponent !== undefined) format = '0.00E+00';
  else if (digits.includes(',')) format = hasDecimals ? '#,##0.00' : '#,##0';
  return { value, format };
}

const TIME_PART = '(\\d{1,2}):(\\d{2})(?::(\\d{2}))?(?: ?([AaPp][Mm]))?';
const ISO_DATE = new RegExp(`^(\\d{4})([-/])(\\d{1,2})\\2(\\d{1,2})(?: ${TIME_PART})?$`);
const US_DATE = new RegExp(`^(\\d{1,2})/(\\d{1,2})(?:/(\\d{4}|\\d{2}))?(?: ${TIME_PART})?$`);
const TIME_ONLY = new RegExp(`^${TIME_PART}$`);

/** `2024-01-05`, `2024/1/5`, `1/5/2024`, `1/5/24`, `3/4` (current year), with optional `10:30[:15] [AM]`; `10:30` alone is a time. */
export function parseDateTime(text: string, ctx: Pick<InterpretContext, 'timeZone' | 'now'>): { value: Date; format: string } | null {
  let year: number;
  let month: number;
  let day: number;
  let timeGroups: (string | undefined)[];
  let format: string;
  let match = ISO_DATE.exec(text);
  if (match) {
    year = Number(match[1]);
    month = Number(match[3]);
    day = Number(match[4]);
    timeGroups = match.slice(5, 9);
    format = 'yyyy-mm-dd';
  } else if ((match = US_DATE.exec(text))) {
    month = Number(match[1]);
    day = Number(match[2]);
    if (match[3] === undefined) year = zonedParts(ctx.now(), ctx.timeZone).year;
    else if (match[3].length === 2) year = Number(match[3]) + (Number(match[3]) < 30 ? 2000 : 1900);
    else year = Number(match[3]);
    timeGroups = match.slice(4, 8);
    format = 'M/d/yyyy';
  } else if ((match = TIME_ONLY.exec(text))) {
    const time = parseTime(match.slice(1, 5));
    if (!time) return null;
    return { value: new Date(zonedToEpoch({ year: 1899, month: 12, day: 30, ...time }, ctx.timeZone)), format: 'h:mm:ss am/pm' };
  } else {
    return null;
  }
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  let time = { hour: 0, minute: 0, second: 0 };
  if (timeGroups[0] !== undefined) {
    const parsed = parseTime(timeGroups);
    if (!parsed) return null;
    time = parsed;
    format += ' H:mm:ss';
  }
  return { value: new Date(zonedToEpoch({ year, month, day, ...time }, ctx.timeZone)), format };
}

function parseTime(groups: (string | undefined)[]): { hour: number; minute: number; second: number } | null {
  let hour = Number(groups[0]);
  const minute = Number(groups[1]);
  const second = groups[2] === undefined ? 0 : Number(groups[2]);
  const meridiem = groups[3]?.toUpperCase();
  if (minute > 59 || second > 59) return null;
  if (meridiem) {
    if (hour < 1 || hour > 12) return null;
    hour = (hour % 12) + (meridiem === 'PM' ? 12 : 0);
  } else if (hour > 23) {
    return null;
  }
  return { hour, minute, second };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// ---- time zones: Sheets stores dates as wall-clock times in the spreadsheet's time zone ----

export { isValidTimeZone, zonedParts, zonedToEpoch, type WallClock } from '../zonedTime';

// ---- display strings (getDisplayValues) ----

const SERIAL_EPOCH_UTC = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

/** The spreadsheet serial number of a date: days since 1899-12-30 in the spreadsheet's time zone. */
export function dateToSerial(date: Date, timeZone: string): number {
  const local = wallAsUtc(zonedParts(date.getTime(), timeZone)) + (date.getTime() % 1000);
  return (local - SERIAL_EPOCH_UTC) / DAY_MS;
}

function serialToWall(serial: number): WallClock & { ms: number } {
  const date = new Date(Math.round(SERIAL_EPOCH_UTC + serial * DAY_MS));
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    ms: date.getUTCMilliseconds(),
  };
}

/** The string Sheets would show for a value under a number format (a documented subset of Sheets' patterns). */
export function displayValue(value: CellValue, numberFormat: string | null, timeZone: string): string {
  if (value === '') return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  const format = numberFormat ?? (isDateValue(value) ? 'M/d/yyyy H:mm:ss' : null);
  const isGeneral = format === null || format === DEFAULT_NUMBER_FORMAT || format === PLAIN_TEXT_FORMAT || /^general$/i.test(format);
  if (isDateValue(value)) {
    if (isGeneral) return formatDatePattern(serialToWall(dateToSerial(value, timeZone)), 'M/d/yyyy H:mm:ss');
    if (isDatePattern(format as string)) return formatDatePattern(serialToWall(dateToSerial(value, timeZone)), format as string);
    return formatNumberPattern(dateToSerial(value, timeZone), format as string);
  }
  if (isGeneral) return formatGeneralNumber(value);
  if (isDatePattern(format as string)) return formatDatePattern(serialToWall(value), format as string);
  return formatNumberPattern(value, format as string);
}

/** Sheets' "Automatic" number display, approximated: integers in full below 1e15, else 10 significant digits. */
export function formatGeneralNumber(n: number): string {
  const abs = Math.abs(n);
  if (Number.isInteger(n) && abs < 1e15) return String(n);
  if (abs !== 0 && (abs >= 1e15 || abs < 1e-9)) {
    const [mantissa, exponent] = n.toExponential(5).split('e');
    const trimmed = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const exp = Number(exponent);
    return `${trimmed}E${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  return String(Number(n.toPrecision(10)));
}

function stripQuoted(pattern: string): string {
  return pattern.replace(/"[^"]*"/g, '').replace(/\\./g, '');
}

function isDatePattern(pattern: string): boolean {
  return /[yYdDhHsS]|m{1,4}|M{1,4}/.test(stripQuoted(pattern).replace(/E[+-]/g, ''));
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

type DateToken = { kind: 'literal'; text: string } | { kind: 'field'; text: string };

function tokenizeDatePattern(pattern: string): DateToken[] {
  const tokens: DateToken[] = [];
  let i = 0;
  while (i < pattern.length) {
    const ch = pattern[i];
    if (ch === '"') {
      const end = pattern.indexOf('"', i + 1);
      const stop = end === -1 ? pattern.length : end;
      tokens.push({ kind: 'literal', text: pattern.slice(i + 1, stop) });
      i = stop + 1;
      continue;
    }
    if (ch === '\\') {
      tokens.push({ kind: 'literal', text: pattern[i + 1] ?? '' });
      i += 2;
      continue;
    }
    const rest = pattern.slice(i);
    const ampm = /^(am\/pm|a\/p)/i.exec(rest);
    if (ampm) {
      tokens.push({ kind: 'field', text: ampm[0].toLowerCase() });
      i += ampm[0].length;
      continue;
    }
    if (/[yYmMdDhHsS]/.test(ch)) {
      let j = i;
      while (j < pattern.length && pattern[j].toLowerCase() === ch.toLowerCase()) j += 1;
      tokens.push({ kind: 'field', text: pattern.slice(i, j).toLowerCase() });
      i = j;
      continue;
    }
    tokens.push({ kind: 'literal', text: ch });
    i += 1;
  }
  return tokens;
}

function formatDatePattern(wall: WallClock, pattern: string): string {
  const tokens = tokenizeDatePattern(pattern);
  const fields = tokens.filter((t) => t.kind === 'field').map((t) => t.text);
  const twelveHour = fields.some((f) => f === 'am/pm' || f === 'a/p');
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  let out = '';
  tokens.forEach((token, index) => {
    if (token.kind === 'literal') {
      out += token.text;
      return;
    }
    const f = token.text;
    if (f[0] === 'y') out += f.length <= 2 ? pad(wall.year % 100, 2) : String(wall.year);
    else if (f[0] === 'd') {
      const weekday = WEEKDAYS[new Date(wallAsUtc(wall)).getUTCDay()];
      if (f.length >= 4) out += weekday;
      else if (f.length === 3) out += weekday.slice(0, 3);
      else out += pad(wall.day, f.length);
    } else if (f[0] === 'h') {
      const hour = twelveHour ? ((wall.hour + 11) % 12) + 1 : wall.hour;
      out += pad(hour, f.length >= 2 ? 2 : 1);
    } else if (f[0] === 's') out += pad(wall.second, f.length >= 2 ? 2 : 1);
    else if (f === 'am/pm') out += wall.hour < 12 ? 'AM' : 'PM';
    else if (f === 'a/p') out += wall.hour < 12 ? 'A' : 'P';
    else if (f[0] === 'm') {
      // `m` means minutes right after an hour or right before seconds, months otherwise (as in Sheets).
      const prev = [...tokens.slice(0, index)].reverse().find((t) => t.kind === 'field');
      const next = tokens.slice(index + 1).find((t) => t.kind === 'field');
      const isMinute = f.length <= 2 && ((prev && prev.text[0] === 'h') || (next && next.text[0] === 's'));
      if (isMinute) out += pad(wall.minute, f.length >= 2 ? 2 : 1);
      else if (f.length >= 4) out += MONTHS[wall.month - 1];
      else if (f.length === 3) out += MONTHS[wall.month - 1].slice(0, 3);
      else out += pad(wall.month, f.length);
    }
  });
  return out;
}

function splitSections(pattern: string): string[] {
  const sections: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of pattern) {
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      sections.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  sections.push(current);
  return sections;
}

/** Number patterns: literal prefix/suffix, `0`/`#` digits, `,` grouping, decimals, `%`, `E+00`. */
export function formatNumberPattern(n: number, pattern: string): string {
  const sections = splitSections(pattern);
  const useNegativeSection = n < 0 && sections.length > 1;
  const section = useNegativeSection ? sections[1] : sections[0];
  let prefix = '';
  let suffix = '';
  let intPattern = '';
  let decPattern = '';
  let exponentDigits = 0;
  let percents = 0;
  let stage: 'prefix' | 'int' | 'dec' | 'suffix' = 'prefix';
  for (let i = 0; i < section.length; i += 1) {
    const ch = section[i];
    if (ch === '"') {
      const end = section.indexOf('"', i + 1);
      const stop = end === -1 ? section.length : end;
      const literal = section.slice(i + 1, stop);
      if (stage === 'prefix') prefix += literal;
      else suffix += literal;
      if (stage !== 'prefix') stage = 'suffix';
      i = stop;
      continue;
    }
    if (ch === '\\') {
      const literal = section[i + 1] ?? '';
      if (stage === 'prefix') prefix += literal;
      else suffix += literal;
      if (stage !== 'prefix') stage = 'suffix';
      i += 1;
      continue;
    }
    if (ch === '%') {
      percents += 1;
      if (stage === 'prefix') prefix += '%';
      else {
        suffix += '%';
        stage = 'suffix';
      }
      continue;
    }
    if ((stage === 'prefix' || stage === 'int') && /[0#?,]/.test(ch)) {
      stage = 'int';
      intPattern += ch;
      continue;
    }
    if ((stage === 'prefix' || stage === 'int') && ch === '.') {
      stage = 'dec';
      continue;
    }
    if (stage === 'dec' && /[0#?]/.test(ch)) {
      decPattern += ch;
      continue;
    }
    if ((stage === 'int' || stage === 'dec') && (ch === 'E' || ch === 'e') && /[+-]/.test(section[i + 1] ?? '')) {
      let j = i + 2;
      while (section[j] === '0') j += 1;
      exponentDigits = Math.max(1, j - (i + 2));
      i = j - 1;
      stage = 'suffix';
      continue;
    }
    if (stage === 'prefix') prefix += ch;
    else {
      suffix += ch;
      stage = 'suffix';
    }
  }
  const grouping = /[0#?],[0#?]/.test(intPattern);
  const minInt = (intPattern.match(/0/g) ?? []).length;
  const minDec = (decPattern.match(/0/g) ?? []).length;
  const maxDec = decPattern.length;
  let magnitude = Math.abs(n) * 100 ** percents;
  let exponentText = '';
  if (exponentDigits > 0) {
    let exponent = magnitude === 0 ? 0 : Math.floor(Math.log10(magnitude));
    let mantissa = magnitude / 10 ** exponent;
    if (Number(mantissa.toFixed(maxDec)) >= 10) {
      exponent += 1;
      mantissa /= 10;
    }
    magnitude = mantissa;
    exponentText = `E${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(exponentDigits, '0')}`;
  }
  let [intDigits, decDigits = ''] = magnitude.toFixed(maxDec).split('.');
  while (decDigits.length > minDec && decDigits.endsWith('0')) decDigits = decDigits.slice(0, -1);
  if (intDigits === '0' && minInt === 0) intDigits = '';
  intDigits = intDigits.padStart(minInt, '0');
  if (grouping) intDigits = intDigits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const body = intDigits + (decDigits ? `.${decDigits}` : '') + exponentText;
  const isZero = !/[1-9]/.test(body);
  const sign = n < 0 && !useNegativeSection && !isZero ? '-' : '';
  return `${sign}${prefix}${body}${suffix}`;
}
