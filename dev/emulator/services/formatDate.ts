// Utilities.formatDate: Java SimpleDateFormat patterns (what Apps Script uses) in an IANA time zone.
// Covers the letters scripts use: y M L d E u a H k K h m s S z Z X, and 'quoted' text.
import { zonedParts } from '../zonedTime';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

interface Fields {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number; // 0..23
  minute: number;
  second: number;
  millisecond: number;
  weekday: number; // 0 = Sunday
  offsetMinutes: number;
}

function fieldsIn(timeZone: string, ms: number): Fields {
  const parts = zonedParts(ms, timeZone);
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  const asUtc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
    millisecond: ms - wholeSecond,
    weekday: new Date(Date.UTC(parts.year, parts.month - 1, parts.day)).getUTCDay(),
    offsetMinutes: Math.round((asUtc - wholeSecond) / 60_000),
  };
}

/** The wall-clock fields of ms in timeZone (also used to schedule triggers at an hour). */
export function zonedFields(timeZone: string, ms: number): Fields {
  return fieldsIn(timeZone, ms);
}

/** The UTC time at which timeZone's wall clock shows the given date and time. */
export function zonedTimeToUtc(timeZone: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const guess = Date.UTC(year, month - 1, day, hour, minute);
  const first = guess - fieldsIn(timeZone, guess).offsetMinutes * 60_000;
  return guess - fieldsIn(timeZone, first).offsetMinutes * 60_000;
}

const pad = (value: number, width: number) => String(Math.abs(value)).padStart(width, '0');

function offset(minutes: number, style: 'Z' | 'X' | 'XXX'): string {
  if (minutes === 0 && style !== 'Z') return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const hours = pad(Math.floor(Math.abs(minutes) / 60), 2);
  const rest = pad(Math.abs(minutes) % 60, 2);
  return style === 'XXX' ? `${sign}${hours}:${rest}` : style === 'X' ? `${sign}${hours}` : `${sign}${hours}${rest}`;
}

function zoneName(timeZone: string, ms: number, minutes: number): string {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC' || timeZone === 'GMT') return timeZone === 'GMT' ? 'GMT' : 'UTC';
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
    .formatToParts(new Date(ms))
    .find((part) => part.type === 'timeZoneName')?.value;
  return name ?? `GMT${offset(minutes, 'XXX')}`;
}

function token(letter: string, count: number, f: Fields, timeZone: string, ms: number): string {
  switch (letter) {
    case 'G':
      return 'AD';
    case 'y':
    case 'Y':
      return count === 2 ? pad(f.year % 100, 2) : pad(f.year, count);
    case 'M':
    case 'L':
      if (count >= 4) return MONTHS[f.month - 1];
      if (count === 3) return MONTHS[f.month - 1].slice(0, 3);
      return pad(f.month, count);
    case 'd':
      return pad(f.day, count);
    case 'E':
      return count >= 4 ? WEEKDAYS[f.weekday] : WEEKDAYS[f.weekday].slice(0, 3);
    case 'u':
      return pad(f.weekday === 0 ? 7 : f.weekday, count);
    case 'a':
      return f.hour < 12 ? 'AM' : 'PM';
    case 'H':
      return pad(f.hour, count);
    case 'k':
      return pad(f.hour === 0 ? 24 : f.hour, count);
    case 'K':
      return pad(f.hour % 12, count);
    case 'h':
      return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
    case 'm':
      return pad(f.minute, count);
    case 's':
      return pad(f.second, count);
    case 'S':
      return pad(f.millisecond, count);
    case 'z':
      return zoneName(timeZone, ms, f.offsetMinutes);
    case 'Z':
      return offset(f.offsetMinutes, 'Z');
    case 'X':
      return offset(f.offsetMinutes, count >= 3 ? 'XXX' : 'X');
    default:
      throw new Error(`Illegal pattern character '${letter}'`);
  }
}

export function formatDate(ms: number, timeZone: string, pattern: string): string {
  const fields = fieldsIn(timeZone, ms);
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const ch = pattern[i];
    if (ch === "'") {
      // '' is a literal quote, inside or outside quoted text.
      if (pattern[i + 1] === "'") {
        out += "'";
        i += 2;
        continue;
      }
      let j = i + 1;
      for (; j < pattern.length; j++) {
        if (pattern[j] !== "'") out += pattern[j];
        else if (pattern[j + 1] === "'") out += pattern[j++];
        else break;
      }
      if (j >= pattern.length) throw new Error('Unterminated quote');
      i = j + 1;
      continue;
    }
    if (/[A-Za-z]/.test(ch)) {
      let j = i;
      while (pattern[j] === ch) j++;
      out += token(ch, j - i, fields, timeZone, ms);
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}
