// Pure parts of the sections (source form, estimate lines, last run), and a guard that no
// sidebar source can turn data into HTML.
import fs from 'node:fs';
import path from 'node:path';
import type { Estimate, ScheduleStatus } from '../../src/common/contract';
import { creditsText, estimateDisplaySummary, estimateLines, estimateSummary, liveCreditsText } from '../../sidebar/src/views/estimateView';
import { choiceSummary } from '../../sidebar/src/views/fieldsView';
import { formulaKeyText, keyFormRequest } from '../../sidebar/src/views/apiKeyView';
import { describeEarlierRuns, describeLastRun, describeTarget } from '../../sidebar/src/views/scheduleView';
import { describeGuess, parseSource } from '../../sidebar/src/views/sourceView';

test('the source form becomes a SourceRange or a message', () => {
  expect(parseSource('Leads', { column: 'b', firstRow: '1', lastRow: '301', hasHeader: true })).toEqual({
    source: { sheetName: 'Leads', column: 2, firstRow: 1, lastRow: 301, hasHeader: true },
  });
  expect(parseSource('Leads', { column: '2', firstRow: '1', lastRow: '3', hasHeader: false })).toEqual({ error: expect.stringMatching(/column letter/) });
  expect(parseSource('Leads', { column: 'A', firstRow: '5', lastRow: '3', hasHeader: false })).toEqual({ error: expect.stringMatching(/before/) });
  expect(parseSource('Leads', { column: 'A', firstRow: '1', lastRow: '1', hasHeader: true })).toEqual({ error: expect.stringMatching(/header/) });
});

test('the guess says how the column was found', () => {
  const guess = { sheetName: 'S', column: 3, columnLetter: 'C', firstRow: 1, lastRow: 11, hasHeader: true, headerText: 'Profile URL', dataRows: 10 };
  expect(describeGuess({ ...guess, foundBy: 'header' })).toBe('Found column C by “Profile URL”, 10 data rows.');
  expect(describeGuess({ ...guess, foundBy: 'selection' })).toBe('From your selection: column C, 10 data rows.');
  expect(describeGuess(null)).toMatch(/Use selection/);
});

test('estimate lines show rows, unique, cached, requests, credits and time', () => {
  const estimate: Estimate = {
    rows: 300, blank: 9, invalid: 5, uniqueIdentifiers: 273, profileUrls: 242, emails: 31, cached: 20, alreadyEnriched: 3,
    toFetch: 250, requests: 11, creditsMax: 1500, creditsLikely: 900, likelyBasis: 'sheet', liveCreditsMax: null, liveCreditsLikely: null, minutes: 0.7, headers: [], targetRange: 'Leads!B1:G301', conflictCells: 0,
  };
  const lines = Object.fromEntries(estimateLines(estimate, 15));
  expect(lines).toEqual({
    Rows: '300 (9 blank, 5 invalid)',
    Unique: '273 (242 URLs, 31 emails)',
    Cached: '20',
    'Already enriched': '3',
    'To fetch': '250',
    Requests: '11',
    Credits: 'about 900, up to 1,500',
    Time: 'under a minute at 15/min',
  });
  expect(Object.fromEntries(estimateLines({ ...estimate, requests: 0, creditsMax: 0 }, 15))).toMatchObject({ Time: 'no requests needed', Credits: '0' });
});

test('the last run reads as one line with its counts', () => {
  const now = new Date(2025, 10, 12, 9, 0).getTime();
  const status: ScheduleStatus = {
    enabled: true, target: null, settings: null, nextRunAt: null, pausedReason: null, pausedCode: null, triggerNotice: null,
    lastRun: { at: new Date(2025, 10, 12, 6, 2).getTime(), refreshed: 300, changed: 14, notFound: 2, failed: 0, summary: '14 people changed jobs.' },
  };
  expect(describeLastRun(status, now)).toBe('Last run Wed 12 Nov 06:02: 14 people changed jobs.');
  expect(describeLastRun({ ...status, lastRun: { ...status.lastRun!, summary: ' ' } }, now)).toBe(
    'Last run Wed 12 Nov 06:02: 300 refreshed, 14 changed, 2 not found.',
  );
  expect(describeLastRun({ ...status, lastRun: null }, now)).toBeNull();
});

test('the runs before the last one are listed newest first, one line each', () => {
  const now = new Date(2025, 10, 12, 9, 0).getTime();
  const run = (day: number, summary: string) => ({ at: new Date(2025, 10, day, 6, 0).getTime(), refreshed: 3, changed: 1, notFound: 0, failed: 0, summary });
  const recentRuns = [run(12, 'Last.'), run(11, '“Leads”: refreshed 3 rows: 1 person changed jobs.'), run(10, '')];
  expect(describeEarlierRuns({ recentRuns }, now)).toEqual([
    'Tue 11 Nov 06:00: “Leads”: refreshed 3 rows: 1 person changed jobs.',
    'Mon 10 Nov 06:00: 3 refreshed, 1 changed.',
  ]);
  expect(describeEarlierRuns({ recentRuns: [run(12, 'Only one.')] }, now)).toEqual([]);
  expect(describeEarlierRuns({}, now)).toEqual([]);
});

test('the schedule names the range it keeps fresh, or would keep fresh here', () => {
  const target = { sheetName: 'Leads', rangeA1: 'Leads!A1:K1501' };
  expect(describeTarget({ enabled: true, target })).toBe('Keeps Leads!A1:K1501 fresh.');
  expect(describeTarget({ enabled: false, target })).toBe('Would keep Leads!A1:K1501 fresh.');
  expect(describeTarget({ enabled: false, target: null })).toMatch(/^Nothing enriched to keep fresh yet/);
  expect(describeTarget({ enabled: true, target: null })).toMatch(/is gone/);
});

test('the key form: a key where one is asked for; the settings alone send no key and share nothing, so the stored keys stay', () => {
  expect(keyFormRequest('first', { apiKey: '  cd_key_1234  ', scope: 'user', rate: '' })).toEqual({
    request: { apiKey: 'cd_key_1234', scope: 'user', requestsPerMinute: 15 },
  });
  expect(keyFormRequest('replace', { apiKey: '', scope: 'user', rate: '60' })).toEqual({ error: 'Paste the API key first.', field: 'key' });
  const settings = keyFormRequest('settings', { apiKey: '', scope: 'document', rate: ' 600 ' });
  expect(settings).toEqual({ request: { scope: 'user', requestsPerMinute: 600 } });
  expect('request' in settings && 'apiKey' in settings.request).toBe(false);
  // Emptied, the limit goes back to the standard 15.
  expect(keyFormRequest('settings', { apiKey: '', scope: 'user', rate: '' })).toEqual({ request: { scope: 'user', requestsPerMinute: 15 } });
  expect(keyFormRequest('first', { apiKey: 'cd_key_1234', scope: 'document', rate: '' })).toEqual({
    request: { apiKey: 'cd_key_1234', scope: 'document', requestsPerMinute: 15 },
  });
  for (const rate of ['0', '6001', '1.5', 'fast']) {
    expect(keyFormRequest('settings', { apiKey: '', scope: 'user', rate })).toEqual({ error: expect.stringMatching(/1 to 6000/), field: 'rate' });
  }
});

test('the formulas’ key in words: none, or the shared key and who shared it', () => {
  const base = { isSet: true, masked: '••••1234', scope: 'user' as const, hasOwnKey: true };
  expect(formulaKeyText({ ...base, formulas: null })).toMatch(/in this spreadsheet use no key: they show an error until a key is shared with them\.$/);
  expect(formulaKeyText({ ...base, formulas: { masked: '••••abcd', sharedByYou: true, isYourKey: false } })).toMatch(/use the shared key ••••abcd, shared by you\.$/);
  expect(formulaKeyText({ ...base, formulas: { masked: '••••abcdefgh', sharedByYou: false, isYourKey: false } })).toMatch(/use the shared key ••••efgh, shared by another editor\.$/);
});

test('no sidebar source writes HTML from strings', () => {
  const dir = path.join(__dirname, '../../sidebar/src');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(d, entry.name));
      else if (entry.name.endsWith('.ts')) files.push(path.join(d, entry.name));
    }
  };
  walk(dir);
  expect(files.length).toBeGreaterThan(5);
  for (const file of files) {
    const source = fs.readFileSync(file, 'utf8');
    expect({ file, hits: source.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/g) }).toEqual({ file, hits: null });
  }
});

test('the action bar says the estimate in one line; the fields section names the columns it writes', () => {
  const estimate: Estimate = {
    rows: 300, blank: 9, invalid: 5, uniqueIdentifiers: 273, profileUrls: 242, emails: 31, cached: 20, alreadyEnriched: 3,
    toFetch: 250, requests: 11, creditsMax: 1500, creditsLikely: 900, likelyBasis: 'sheet', liveCreditsMax: null, liveCreditsLikely: null, minutes: 0.7, headers: ['Crustdata status', 'Name', 'Headline'], targetRange: 'Leads!B1:D301', conflictCells: 0,
  };
  expect(estimateSummary(estimate, 15)).toBe('300 rows: 11 requests, about 900 credits (up to 1,500), under a minute at 15/min.');
  expect(estimateSummary({ ...estimate, requests: 0, creditsMax: 0 }, 15)).toBe('300 rows, no requests needed.');
  expect(estimateDisplaySummary({ kind: 'empty', reason: 'Choose fields to see an estimate.' })).toBe('Choose fields to see an estimate.');
  expect(estimateDisplaySummary({ kind: 'ready', estimate, requestsPerMinute: 15 })).toBe(estimateSummary(estimate, 15));
  expect(choiceSummary('6 fields', null)).toBe('Chosen: 6 fields.');
  expect(choiceSummary('6 fields', 8)).toBe('Chosen: 6 fields, written as 8 columns and a status column.');
});

test('a typical-rate guess says so; nothing to fetch costs nothing', () => {
  const estimate: Estimate = {
    rows: 10, blank: 0, invalid: 0, uniqueIdentifiers: 10, profileUrls: 10, emails: 0, cached: 0, alreadyEnriched: 0,
    toFetch: 10, requests: 1, creditsMax: 70, creditsLikely: 28, likelyBasis: 'typical', liveCreditsMax: null, liveCreditsLikely: null, minutes: 0.1, headers: [], targetRange: 'Leads!B1:G11', conflictCells: 0,
  };
  expect(creditsText(estimate)).toBe('about 28 (rough guess), up to 70');
  expect(creditsText({ ...estimate, creditsMax: 0, creditsLikely: 0 })).toBe('0');
});

test('with the live pass on, its cost is a line of its own, apart from the credits of the cached pass', () => {
  const estimate: Estimate = {
    rows: 100, blank: 0, invalid: 0, uniqueIdentifiers: 100, profileUrls: 100, emails: 0, cached: 0, alreadyEnriched: 0,
    toFetch: 100, requests: 4, creditsMax: 300, creditsLikely: 170, likelyBasis: 'sheet', liveCreditsMax: 500, liveCreditsLikely: 60,
    minutes: 0.3, headers: [], targetRange: 'Leads!B1:D101', conflictCells: 0,
  };
  const lines = Object.fromEntries(estimateLines(estimate, 15));
  expect(lines.Credits).toBe('about 170, up to 300');
  expect(lines['Live pass']).toBe('for rows not found: about 60, up to 500 credits');
  // The not-found rate is not known yet: the bound alone.
  expect(liveCreditsText({ ...estimate, liveCreditsLikely: null })).toBe('for rows not found: up to 500 credits');
  expect(liveCreditsText({ ...estimate, liveCreditsMax: 0, liveCreditsLikely: 0 })).toBe('nothing to try live');
  expect(estimateSummary(estimate, 15)).toBe('100 rows: 4 requests, about 170 credits (up to 300) plus up to 500 for the live pass, under a minute at 15/min.');
  // Live pass off: no such line.
  expect(Object.keys(Object.fromEntries(estimateLines({ ...estimate, liveCreditsMax: null, liveCreditsLikely: null }, 15)))).not.toContain('Live pass');
});
