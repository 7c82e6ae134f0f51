// Formatting and parsing the sidebar relies on for what it shows and what it sends.
import {
  columnToLetter,
  describeProgress,
  describeSchedule,
  describeWait,
  doneHeadline,
  formatClock,
  rowsDone,
  formatCount,
  formatDateTime,
  formatDuration,
  letterToColumn,
  maskedKeyLabel,
  parsePositiveInt,
  progressPercent,
} from '../../sidebar/src/format';
import type { JobProgress } from '../../src/common/contract';

function job(overrides: Partial<JobProgress> = {}): JobProgress {
  return {
    jobId: 'j1',
    sheetName: 'Leads',
    creditsUsed: 0,
    creditCap: null,
    state: 'running',
    total: 300,
    processed: 120,
    counts: { enriched: 100, notFound: 10, invalid: 5, failed: 2, skipped: 3 },
    startedAt: 0,
    updatedAt: 0,
    etaSeconds: 250,
    message: null,
    pausedBy: null,
    problemCode: null,
    continueInBackground: false,
    waitingUntil: null,
    ...overrides,
  };
}

describe('numbers and durations', () => {
  test('counts get thousands separators', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(-1500)).toBe('-1,500');
  });

  test('durations read as rough human times', () => {
    expect(formatDuration(null)).toBe('unknown');
    expect(formatDuration(20)).toBe('under a minute');
    expect(formatDuration(250)).toBe('about 4 min');
    expect(formatDuration(3600)).toBe('about 1 h');
    expect(formatDuration(4800)).toBe('about 1 h 20 min');
  });

  test('progress percent is clamped and never NaN', () => {
    expect(progressPercent({ processed: 0, total: 0 })).toBe(0);
    expect(progressPercent({ processed: 150, total: 300 })).toBe(50);
    expect(progressPercent({ processed: 400, total: 300 })).toBe(100);
    expect(progressPercent({ processed: 299, total: 300 })).toBe(99);
  });
});

describe('column letters and row numbers', () => {
  test('letters and columns round-trip across one, two and three letters', () => {
    for (const [column, letters] of [[1, 'A'], [26, 'Z'], [27, 'AA'], [52, 'AZ'], [703, 'AAA'], [18278, 'ZZZ']] as const) {
      expect(columnToLetter(column)).toBe(letters);
      expect(letterToColumn(letters)).toBe(column);
    }
  });

  test('letters are read case-insensitively and junk is refused', () => {
    expect(letterToColumn(' bc ')).toBe(55);
    expect(letterToColumn('')).toBeNull();
    expect(letterToColumn('A1')).toBeNull();
    expect(letterToColumn('ABCD')).toBeNull();
    expect(letterToColumn('<b>')).toBeNull();
  });

  test('row numbers must be whole and positive', () => {
    expect(parsePositiveInt('12')).toBe(12);
    expect(parsePositiveInt('0')).toBeNull();
    expect(parsePositiveInt('1.5')).toBeNull();
    expect(parsePositiveInt('-3')).toBeNull();
    expect(parsePositiveInt('70', 60)).toBeNull();
  });
});

describe('sentences', () => {
  test('progress sentence per state', () => {
    expect(describeProgress(job())).toBe('120 of 300 rows done, about 4 min left.');
    expect(describeProgress(job({ state: 'paused' }))).toBe('Paused: 120 of 300 rows done.');
    expect(describeProgress(job({ state: 'paused', pausedBy: 'user' }))).toBe('Paused: 120 of 300 rows done.');
    expect(describeProgress(job({ state: 'paused', pausedBy: 'problem' }))).toBe('Paused by a problem: 120 of 300 rows done.');
    expect(describeProgress(job({ state: 'done', processed: 300 }))).toBe('Finished: 300 rows.');
    expect(describeProgress(job({ state: 'cancelled' }))).toBe('Cancelled after 120 of 300 rows.');
  });

  test('a job the rate limit holds back says until when, and no time left while no row moves', () => {
    const at = new Date(2026, 11, 4, 14, 32).getTime();
    const held = job({ processed: 0, total: 30, etaSeconds: 20, updatedAt: at - 180_000, waitingUntil: at });
    expect(formatClock(at)).toBe('14:32');
    expect(describeWait(held)).toBe("Your key's rate limit holds the next request until 14:32 (about 3 min from now); the job carries on by itself then.");
    expect(describeProgress(held)).toBe(`0 of 30 rows done. ${describeWait(held)}`);
    expect(describeProgress(held)).not.toMatch(/left/);
    expect(describeWait(job())).toBeNull();
  });

  test('rows done and the headline of a finished job', () => {
    expect(rowsDone({ processed: 1200, total: 1500 })).toBe('1,200 of 1,500 rows done.');
    expect(rowsDone({ processed: 0, total: 1 })).toBe('0 of 1 row done.');
    expect(doneHeadline({ counts: { enriched: 1480, notFound: 0, invalid: 0, failed: 20, skipped: 0 } })).toBe('Done: 1,480 rows enriched, 20 failed — see the status column');
    expect(doneHeadline({ counts: { enriched: 300, notFound: 5, invalid: 0, failed: 0, skipped: 0 } })).toBe('Done: 300 rows enriched');
  });

  test('schedule description names day, hour, age and fresh data', () => {
    expect(describeSchedule({ frequency: 'daily', hour: 6, maxAgeDays: 7, forceFetch: false })).toBe(
      'every day at 06:00, rows older than 7 days',
    );
    expect(describeSchedule({ frequency: 'weekly', weekday: 7, hour: 18, maxAgeDays: 1, forceFetch: true })).toBe(
      'every Sunday at 18:00, rows older than 1 day, fresh data requested',
    );
  });

  test('dates carry weekday, day, month and time, and the year only when it is not this one', () => {
    const now = new Date(2025, 10, 12, 9, 30).getTime();
    expect(formatDateTime(new Date(2025, 10, 12, 14, 5).getTime(), now)).toBe('Wed 12 Nov 14:05');
    expect(formatDateTime(new Date(2025, 10, 17, 6, 0).getTime(), now)).toBe('Mon 17 Nov 06:00');
    expect(formatDateTime(new Date(2026, 0, 2, 6, 0).getTime(), now)).toBe('Fri 2 Jan 2026 06:00');
  });

  test('a key label never shows more than the last four characters', () => {
    expect(maskedKeyLabel('••••a1b2')).toBe('••••a1b2');
    expect(maskedKeyLabel('sk_live_0123456789')).toBe('••••6789');
    expect(maskedKeyLabel(null)).toBe('••••');
  });
});
