// Pure formatting and parsing for what the sidebar shows and reads: counts, durations, times,
// column letters. No DOM here, so jest tests it directly.
import type { JobProgress, ScheduleRequest } from '../../src/common/contract';

export function formatCount(value: number): string {
  const whole = Math.round(value);
  const digits = String(Math.abs(whole));
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return whole < 0 ? `-${grouped}` : grouped;
}

/** "1 row", "2 rows". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

/** A rough, human duration: "under a minute", "about 4 min", "about 1 h 20 min". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return 'unknown';
  if (seconds < 60) return 'under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `about ${hours} h` : `about ${hours} h ${rest} min`;
}

/** Estimate minutes (may be fractional) as a duration. */
export function formatMinutes(minutes: number): string {
  return formatDuration(minutes * 60);
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad2(value: number): string {
  return value < 10 ? `0${value}` : String(value);
}

export function formatHour(hour: number): string {
  return `${pad2(hour)}:00`;
}

/**
 * "Tue 24 Nov 06:00" in the browser's time zone, with the year when it is not this year. Not
 * relative ("tomorrow"): the server's clock and the browser's need not agree to the day.
 */
export function formatDateTime(epochMs: number, nowMs: number): string {
  const at = new Date(epochMs);
  const time = `${pad2(at.getHours())}:${pad2(at.getMinutes())}`;
  const year = at.getFullYear() === new Date(nowMs).getFullYear() ? '' : ` ${at.getFullYear()}`;
  return `${WEEKDAYS[at.getDay()].slice(0, 3)} ${at.getDate()} ${MONTHS[at.getMonth()]}${year} ${time}`;
}

/** Schedule weekdays are 1 (Monday) .. 7 (Sunday). */
export function weekdayName(weekday: number): string {
  return WEEKDAYS[weekday % 7];
}

export function describeSchedule(settings: ScheduleRequest): string {
  const when =
    settings.frequency === 'weekly'
      ? `every ${weekdayName(settings.weekday ?? 1)} at ${formatHour(settings.hour)}`
      : `every day at ${formatHour(settings.hour)}`;
  const age = `rows older than ${plural(settings.maxAgeDays, 'day')}`;
  return `${when}, ${age}${settings.forceFetch ? ', fresh data requested' : ''}${settings.live ? ', "Not found" rows tried live' : ''}`;
}

/** 1 → "A", 27 → "AA". */
export function columnToLetter(column: number): string {
  let rest = Math.floor(column);
  let letters = '';
  while (rest > 0) {
    const digit = (rest - 1) % 26;
    letters = String.fromCharCode(65 + digit) + letters;
    rest = Math.floor((rest - 1) / 26);
  }
  return letters;
}

/** "aa" → 27; null for anything that is not a column letter within Sheets' 18,278 columns. */
export function letterToColumn(input: string): number | null {
  const letters = input.trim().toUpperCase();
  if (!/^[A-Z]{1,3}$/.test(letters)) return null;
  let column = 0;
  for (const char of letters) column = column * 26 + (char.charCodeAt(0) - 64);
  return column <= 18278 ? column : null;
}

/** A positive whole number from a text field, or null. */
export function parsePositiveInt(input: string, max = Number.MAX_SAFE_INTEGER): number | null {
  const text = input.trim();
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return value >= 1 && value <= max ? value : null;
}

/** Share of the job written, 0..100, never NaN. */
export function progressPercent(progress: Pick<JobProgress, 'processed' | 'total'>): number {
  if (progress.total <= 0) return progress.processed > 0 ? 100 : 0;
  return Math.max(0, Math.min(100, Math.floor((progress.processed / progress.total) * 100)));
}

/** "14:32" in the browser's time zone. */
export function formatClock(epochMs: number): string {
  const at = new Date(epochMs);
  return `${pad2(at.getHours())}:${pad2(at.getMinutes())}`;
}

/** "120 of 300 rows done", to go inside a sentence. */
export function rowsDonePhrase(progress: Pick<JobProgress, 'processed' | 'total'>): string {
  return `${formatCount(progress.processed)} of ${plural(progress.total, 'row')} done`;
}

/** "120 of 300 rows done." */
export function rowsDone(progress: Pick<JobProgress, 'processed' | 'total'>): string {
  return `${rowsDonePhrase(progress)}.`;
}

/**
 * What holds a running job back, when the rate limit does: the server's time the next request
 * may go, and how long that was from its last update (both on the server's clock, so a browser
 * clock that is off does not matter).
 */
export function describeWait(progress: Pick<JobProgress, 'waitingUntil' | 'updatedAt'>): string | null {
  if (progress.waitingUntil === null) return null;
  const seconds = Math.max(0, (progress.waitingUntil - progress.updatedAt) / 1000);
  return `Your key's rate limit holds the next request until ${formatClock(progress.waitingUntil)} (${formatDuration(seconds)} from now); the job carries on by itself then.`;
}

/** One sentence for screen readers and the progress line. */
export function describeProgress(progress: JobProgress): string {
  const done = `${formatCount(progress.processed)} of ${plural(progress.total, 'row')} done`;
  switch (progress.state) {
    case 'running': {
      // While no row can move, a time left would only be a guess that keeps being wrong.
      const wait = describeWait(progress);
      if (wait) return `${done}. ${wait}`;
      return progress.etaSeconds === null ? `${done}.` : `${done}, ${formatDuration(progress.etaSeconds)} left.`;
    }
    case 'paused':
      return progress.pausedBy === 'problem' ? `Paused by a problem: ${done}.` : `Paused: ${done}.`;
    case 'done':
      return `Finished: ${plural(progress.total, 'row')}.`;
    case 'cancelled':
      return `Cancelled after ${formatCount(progress.processed)} of ${plural(progress.total, 'row')}.`;
    case 'error':
      return `Stopped: ${done}.`;
  }
}

/**
 * The headline of a finished job: how many rows were enriched and, when some failed, how many
 * and where to look, so a job with failures never reads as a plain success.
 */
export function doneHeadline(progress: Pick<JobProgress, 'counts'>): string {
  const ambiguous = progress.counts.ambiguous ?? 0;
  const enriched = `Done: ${plural(progress.counts.enriched, 'row')} enriched${ambiguous > 0 ? `, ${formatCount(ambiguous)} to check by hand (ambiguous)` : ''}`;
  return progress.counts.failed > 0 ? `${enriched}, ${formatCount(progress.counts.failed)} failed — see the status column` : enriched;
}

/** Rows that ended in a problem the user may want to look at. */
export function problemRows(progress: JobProgress): number {
  return progress.counts.failed + progress.counts.invalid;
}

export function maskedKeyLabel(masked: string | null): string {
  // The server already masks; re-mask anything that slipped through longer than "••••" + 4.
  if (!masked) return '••••';
  const visible = masked.replace(/^•+/, '');
  return `••••${visible.slice(-4)}`;
}
