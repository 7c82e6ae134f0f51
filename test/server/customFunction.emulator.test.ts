// =CRUSTDATA_ENRICH() end to end: the real dist/Code.js in the Apps Script emulator's custom-function
// mode (read-only spreadsheet, 30 s limit, real cache and property limits) against the mock
// Crustdata API in-process, with its 15 requests/minute limit, on the virtual clock.
// Request counts come from the mock's own log. `npm test` builds dist/ first.
import { shuffled } from '../helpers/shuffled';
import { AppsScriptEmulator, inProcessTransport, type CustomFunctionResult } from '../../dev/emulator';
import { SPECIAL, LONG_SUMMARY_LENGTH, samplePeople, syntheticBusinessEmail, syntheticProfileUrl, type MockPerson } from '../../dev/mock-api/dataset';
import { MockCrustdataApi } from '../../dev/mock-api/handler';
import { columnsFor, parseFieldSelection } from '../../src/core/catalog';
import { MESSAGES } from '../../src/core/customFunction';

const KEY = 'sk_cf_TEST_0f9e8d7c6b5a4f3e';
const KEY_PROPERTY = 'crustdata.apiKey';
const CUSTOM_FUNCTION_LIMIT_MS = 30_000;
const DEFAULT_WIDTH = columnsFor(parseFieldSelection(null)).length;
const people = samplePeople();

const OWNER = 'owner@example.com';
const EDITOR = 'editor@example.com';

interface WorldOptions {
  /** The key shared with the spreadsheet (the only one formulas use); null: none shared. */
  key?: string | null;
  requestsPerMinute?: number;
  /** Column A from row 2 (A1 holds a header). */
  identifiers?: unknown[];
}

function world(options: WorldOptions = {}) {
  const api = new MockCrustdataApi({ keys: { [KEY]: { label: 'cf', requestsPerMinute: options.requestsPerMinute ?? 15 } } });
  const emu = new AppsScriptEmulator({ transport: inProcessTransport(api), users: [OWNER, EDITOR] });
  const identifiers = options.identifiers ?? [];
  emu.model.addSheet('Leads', [['Identifier'], ...identifiers.map((value) => [value])], { maxRows: Math.max(1000, identifiers.length + 10) });
  emu.load();
  if (options.key !== null) emu.properties.document.values.set(KEY_PROPERTY, options.key ?? KEY);
  const lastRow = identifiers.length + 1;
  return {
    api,
    emu,
    lastRow,
    /** A formula in `cell` with these arguments, as Sheets passes them. */
    run(cell: string, args: unknown[], spill = false): CustomFunctionResult {
      const result = emu.runCustomFunction(cell, 'CRUSTDATA_ENRICH', args, { spill });
      expect(result.timedOut).toBe(false);
      expect(result.elapsedMs).toBeLessThan(CUSTOM_FUNCTION_LIMIT_MS);
      return result;
    },
    /** `=CRUSTDATA_ENRICH(A<row>)` typed in B<row>, run as Sheets would, its row shown in B:J. */
    runFilledDown(row: number): CustomFunctionResult {
      const result = emu.runCustomFunction(`Leads!B${row}`, 'CRUSTDATA_ENRICH', emu.argsFrom(`Leads!A${row}`), { spill: true });
      expect(result.timedOut).toBe(false);
      expect(result.elapsedMs).toBeLessThan(CUSTOM_FUNCTION_LIMIT_MS);
      return result;
    },
    fillDownFormulas(formula = (row: number) => `=CRUSTDATA_ENRICH(A${row})`) {
      for (let row = 2; row <= lastRow; row++) emu.model.setValues(`Leads!B${row}`, [[formula(row)]]);
    },
    requests() {
      const log = api.requestLog();
      return {
        total: log.length,
        urls: log.filter((entry) => entry.identifierType === 'professional_network_profile_url').length,
        emails: log.filter((entry) => entry.identifierType === 'business_email').length,
        badRequests: log.filter((entry) => entry.status === 400).length,
        rateLimited: log.filter((entry) => entry.status === 429).length,
      };
    },
  };
}

const nameOf = (person: MockPerson) => person.data.basic_profile?.name;
const column = (identifiers: unknown[]) => identifiers.map((value) => [value]);

describe('CRUSTDATA_ENRICH in the emulator', () => {
  it('enriches a single URL into one row of the default columns', () => {
    const person = people[0];
    const w = world();
    const result = w.run('Leads!B2', [person.profileUrl]);
    expect(result.ok).toBe(true);
    expect(result.values).toHaveLength(1);
    expect(result.values[0]).toHaveLength(DEFAULT_WIDTH);
    expect(result.values[0][0]).toBe(nameOf(person));
    expect(w.requests()).toMatchObject({ total: 1, urls: 1 });
  });

  it('enriches a single business email, with a header row when asked', () => {
    const person = people[1];
    const w = world();
    const result = w.run('Leads!B2', [person.businessEmail.toUpperCase(), '', true]);
    expect(result.values[0]).toEqual(columnsFor(parseFieldSelection(null)).map((c) => c.header));
    expect(result.values[1][0]).toBe(nameOf(person));
    expect(w.requests()).toMatchObject({ total: 1, emails: 1 });
  });

  it('a mixed range with blanks, duplicates and invalid rows: aligned rows, messages, ceil(unique/25) requests per type', () => {
    const urls = people.slice(0, 30).map((p) => p.profileUrl);
    const emails = people.slice(30, 42).map((p) => p.businessEmail);
    const rows: unknown[] = [];
    const expected: unknown[] = [];
    for (let i = 0; i < 30; i++) {
      rows.push(urls[i]);
      expected.push(nameOf(people[i]));
      if (i % 3 === 0) {
        rows.push(urls[i].replace('https://www.', '') + '/'); // duplicate in another form
        expected.push(nameOf(people[i]));
      }
      if (i < 12) {
        rows.push(emails[i]);
        expected.push(nameOf(people[30 + i]));
      }
      if (i % 7 === 0) {
        rows.push('');
        expected.push('');
      }
    }
    rows.push('not a url', 'https://www.linkedin.com/company/acme', 'someone@', 'https://www.linkedin.com/in/nobody-by-this-name-xyz', emails[0]);
    expected.push(
      expect.stringMatching(/LinkedIn URL or email/),
      expect.stringMatching(/Not a profile URL/),
      expect.stringMatching(/Invalid email/),
      MESSAGES.notFound,
      nameOf(people[30]),
    );

    const w = world({ identifiers: rows });
    const result = w.run('Leads!B2', w.emu.argsFrom(`Leads!A2:A${w.lastRow}`));
    expect(result.ok).toBe(true);
    expect(result.values).toHaveLength(rows.length);
    for (const row of result.values) expect(row).toHaveLength(DEFAULT_WIDTH);
    expect(result.values.map((row) => row[0])).toEqual(expected);
    // Message and blank rows carry nothing else.
    result.values.forEach((row, i) => {
      if (typeof expected[i] !== 'string' || expected[i] === '') expect(row.slice(1).every((cell) => cell === '')).toBe(true);
    });
    // 31 unique URLs (30 + the unknown one), 12 unique emails.
    expect(w.requests()).toEqual({ total: 3, urls: 2, emails: 1, badRequests: 0, rateLimited: 0 });
  });

  it('resolves every URL form a user might paste to the right person, with no 400', () => {
    const forms: Array<(slug: string) => string> = [
      (s) => `https://www.linkedin.com/in/${s}/`,
      (s) => `https://www.linkedin.com/in/${s}?utm_source=share&utm_medium=member_desktop`,
      (s) => `https://www.linkedin.com/in/${s}#experience`,
      (s) => `linkedin.com/in/${s}`,
      (s) => `www.linkedin.com/in/${s}`,
      (s) => `http://www.linkedin.com/in/${s}`,
      (s) => `HTTPS://WWW.LINKEDIN.COM/IN/${s.toUpperCase()}`,
      (s) => `https://uk.linkedin.com/in/${s}`,
      (s) => `https://m.linkedin.com/in/${s}`,
      (s) => `https://www.linkedin.com/in/${s}/details/experience/`,
      (s) => `   https://www.linkedin.com/in/${s}   `,
      (s) => `https://www.linkedin.com/in/${s}/?originalSubdomain=uk#about`,
    ];
    // One person per form (so deduplication hides nothing), then every form of one person.
    const rows: string[] = [];
    const expected: unknown[] = [];
    forms.forEach((form, i) => {
      rows.push(form(people[50 + i].slug));
      expected.push(nameOf(people[50 + i]));
    });
    for (const form of forms) {
      rows.push(form(people[80].slug));
      expected.push(nameOf(people[80]));
    }
    const w = world({ identifiers: rows });
    const result = w.run('Leads!B2', w.emu.argsFrom(`Leads!A2:A${w.lastRow}`));
    expect(result.values.map((row) => row[0])).toEqual(expected);
    expect(w.requests()).toEqual({ total: 1, urls: 1, emails: 0, badRequests: 0, rateLimited: 0 });
  });

  it('recalculating, reopening or copying the formula makes no request', () => {
    const rows = people.slice(0, 40).map((p) => p.profileUrl);
    const w = world({ identifiers: rows });
    const args = w.emu.argsFrom(`Leads!A2:A${w.lastRow}`);
    const first = w.run('Leads!B2', args);
    const before = w.requests().total;
    expect(before).toBe(2);
    w.emu.clock.advance(30 * 60_000);
    const again = w.run('Leads!B2', args);
    const copy = w.run('Leads!M2', [...args, 'basic_profile.name, basic_profile.headline, basic_profile.current_title, basic_profile.location.raw, experience.employment_details.current, social_handles.professional_network_identifier.profile_url']);
    const single = w.run('Leads!X5', [rows[3]]);
    expect(w.requests().total).toBe(before);
    expect(again.values).toEqual(first.values);
    expect(copy.values).toEqual(first.values);
    expect(single.values[0]).toEqual(first.values[3]);
    expect(again.calls['UrlFetchApp.fetchAll'] ?? 0).toBe(0);
    expect(again.calls['LockService.getDocumentLock'] ?? 0).toBeLessThanOrEqual(1);
  });

  it('a single cell answered from the cache reads no property (Properties allow 50,000 reads a day)', () => {
    const w = world({ identifiers: [people[0].profileUrl] });
    const first = w.run('Leads!B2', [people[0].profileUrl]);
    expect(first.calls['PropertiesService.Properties.getProperty']).toBeGreaterThan(0);
    const again = w.run('Leads!C2', [people[0].profileUrl]);
    expect(again.values).toEqual(first.values);
    expect(again.calls['PropertiesService.Properties.getProperty'] ?? 0).toBe(0);
    expect(again.calls['LockService.getDocumentLock'] ?? 0).toBe(0);
  });

  describe('a column of single-cell formulas filled down', () => {
    /** 300 rows: URLs and emails mixed, duplicates and blanks. */
    function mixedColumn(): unknown[] {
      return Array.from({ length: 300 }, (_, i) => {
        if (i % 25 === 24) return '';
        if (i % 3 === 2) return syntheticBusinessEmail(i % 120);
        return syntheticProfileUrl(i % 260);
      });
    }

    function rangeFormulaRequests(identifiers: unknown[]): number {
      const w = world({ identifiers });
      w.run('Leads!B2', w.emu.argsFrom(`Leads!A2:A${w.lastRow}`));
      return w.requests().total;
    }

    it.each(['top-down', 'shuffled'] as const)('300 cells (%s) cost at most 10%% more than one range formula', (order) => {
      const identifiers = mixedColumn();
      const w = world({ identifiers });
      w.fillDownFormulas();
      const rows = Array.from({ length: identifiers.length }, (_, i) => i + 2);
      for (const row of order === 'top-down' ? rows : shuffled(rows, 11)) {
        const result = w.runFilledDown(row);
        expect(result.ok).toBe(true);
        expect(result.values).toHaveLength(1);
        const value = identifiers[row - 2];
        if (value === '') expect(result.values[0].every((cell) => cell === '')).toBe(true);
        else expect(result.values[0][0]).toEqual(expect.stringMatching(/\S/));
      }
      const range = rangeFormulaRequests(identifiers);
      const cells = w.requests();
      expect(cells.total).toBeLessThanOrEqual(Math.floor(range * 1.1));
      expect(cells.badRequests + cells.rateLimited).toBe(0);
    });

    it('each cell shows its own person, like the range formula would', () => {
      const slice = people.slice(100, 160);
      const w = world({ identifiers: slice.map((p) => p.profileUrl) });
      w.fillDownFormulas();
      for (const row of shuffled(slice.map((_, i) => i + 2), 3)) {
        expect(w.runFilledDown(row).values[0][0]).toBe(nameOf(slice[row - 2]));
      }
      expect(w.requests().total).toBe(3);
    });

    it('past the rate limit, cells degrade with messages, then finish after a minute without extra requests', () => {
      // 6 requests/minute (the plan setting and the mock agree) keeps this to 160 cells: 150 fit.
      const identifiers = Array.from({ length: 160 }, (_, i) => syntheticProfileUrl(1000 + i));
      const w = world({ identifiers, requestsPerMinute: 6 });
      w.emu.properties.document.values.set('crustdata.requestsPerMinute', '6');
      w.fillDownFormulas();
      const rows = shuffled(Array.from({ length: identifiers.length }, (_, i) => i + 2), 5);
      const pending: number[] = [];
      for (const row of rows) {
        const result = w.runFilledDown(row);
        expect(result.ok).toBe(true);
        if (result.values[0][0] === MESSAGES.pending) pending.push(row);
        else expect(result.values[0][0]).toEqual(expect.stringMatching(/\S/));
      }
      expect(pending.length).toBe(10);
      expect(w.requests()).toMatchObject({ total: 6, rateLimited: 0 });
      w.emu.clock.advance(61_000);
      for (const row of pending) expect(w.runFilledDown(row).values[0][0]).not.toBe(MESSAGES.pending);
      expect(w.requests()).toMatchObject({ total: 7, rateLimited: 0 });
    });

    it('formulas on another sheet that reference the identifiers sheet are batched too', () => {
      const slice = people.slice(200, 250);
      const w = world({ identifiers: slice.map((p) => p.profileUrl) });
      w.emu.model.addSheet('Enriched', slice.map((_, i) => [`=CRUSTDATA_ENRICH(Leads!$A${i + 2})`]));
      for (const row of shuffled(slice.map((_, i) => i + 1), 9)) {
        const result = w.run(`Enriched!A${row}`, w.emu.argsFrom(`Leads!A${row + 1}`), true);
        expect(result.values[0][0]).toBe(nameOf(slice[row - 1]));
      }
      expect(w.requests().total).toBe(2);
    });

    it('a cell waiting on another cell that holds the lock answers with a message inside 30 s', () => {
      const w = world({ identifiers: [people[0].profileUrl] });
      w.fillDownFormulas();
      w.emu.holdLock('document', w.emu.clock.now() + 10 * 60_000);
      const result = w.runFilledDown(2);
      expect(result.values[0][0]).toBe(MESSAGES.busy);
      expect(w.requests().total).toBe(0);
    });
  });

  describe('filled down, cells running in parallel as Sheets runs them (30 at once)', () => {
    const waitingMessages: string[] = [MESSAGES.busy, MESSAGES.pending];

    function recalculate(w: ReturnType<typeof world>, rows: number[]): CustomFunctionResult[] {
      return w.emu.runCustomFunctionsInParallel(
        rows.map((row) => ({ cell: `Leads!B${row}`, functionName: 'CRUSTDATA_ENRICH', args: w.emu.argsFrom(`Leads!A${row}`) })),
        { concurrency: 30, spill: true },
      );
    }

    it('300 cells: one recalculation fills every row, within 1.25x the range formula\'s requests, none past 30 s', () => {
      const slice = people.slice(0, 300);
      const identifiers = slice.map((p, i) => (i % 3 === 2 ? p.businessEmail : p.profileUrl));
      const range = world({ identifiers });
      range.run('Leads!B2', range.emu.argsFrom(`Leads!A2:A${range.lastRow}`));
      const w = world({ identifiers });
      w.fillDownFormulas();
      const results = recalculate(w, shuffled(identifiers.map((_, i) => i + 2), 17));
      const startedAt = Math.min(...results.map((r) => r.startMs));
      // They really overlapped: 300 cells, 30 at a time, all done within a few seconds.
      expect(Math.max(...results.map((r) => r.startMs + r.elapsedMs)) - startedAt).toBeLessThan(30_000);
      for (const result of results) {
        expect(result.timedOut).toBe(false);
        expect(result.elapsedMs).toBeLessThan(CUSTOM_FUNCTION_LIMIT_MS);
        expect(waitingMessages).not.toContain(result.values[0][0]);
      }
      for (let row = 2; row <= w.lastRow; row++) expect(w.emu.model.cell(`Leads!B${row}`).value).toBe(nameOf(slice[row - 2]));
      expect(w.requests().total).toBeLessThanOrEqual(range.requests().total * 1.25);
      expect(w.requests().rateLimited).toBe(0);
    });

    it('1,000 unique identifiers in shuffled order fit the cache in packs: ceil(unique/25) requests per type, recalculating a minute apart', () => {
      const identifiers = shuffled(
        Array.from({ length: 1_000 }, (_, n) => (n % 3 === 2 ? syntheticBusinessEmail(5_000 + n) : syntheticProfileUrl(5_000 + n))),
        23,
      );
      const emails = identifiers.filter((id) => String(id).includes('@')).length;
      const minimum = Math.ceil(emails / 25) + Math.ceil((identifiers.length - emails) / 25);
      const w = world({ identifiers });
      w.fillDownFormulas();
      let waiting = identifiers.map((_, i) => i + 2);
      let firstPassPropertyReaders = -1;
      for (let pass = 0; pass < 10 && waiting.length; pass++) {
        if (pass) w.emu.clock.advance(60_000);
        const results = recalculate(w, waiting);
        const pending = results.filter((r) => r.values[0][0] === MESSAGES.pending);
        if (pass === 0) {
          expect(pending.length).toBeGreaterThan(500);
          firstPassPropertyReaders = pending.filter((r) => (r.calls['PropertiesService.Properties.getProperty'] ?? 0) > 0).length;
        }
        for (const result of results) expect(result.timedOut).toBe(false);
        waiting = waiting.filter((_, i) => waitingMessages.includes(String(results[i].values[0][0])));
      }
      expect(waiting).toHaveLength(0);
      // Properties allow 50,000 reads a day: cells that wait for the rate limit, or find their row
      // cached, do not read the key. Only the cells that took the lock and found the window full did.
      expect(firstPassPropertyReaders).toBeGreaterThan(0);
      expect(firstPassPropertyReaders).toBeLessThan(60);
      expect(w.requests().total).toBeLessThanOrEqual(Math.ceil(1.1 * Math.ceil(identifiers.length / 25)));
      expect(w.requests().total).toBeGreaterThanOrEqual(minimum);
      expect(w.requests().rateLimited).toBe(0);
      // 1,000 results in packs: the document cache holds a few hundred items, not one per row.
      const items = [...w.emu.caches.document.entries.keys()];
      expect(items.filter((key) => key.startsWith('cd:pack1:')).length).toBeGreaterThan(100);
      expect(items.length).toBeLessThan(500);
    });

    it('the same column also fills in the sequential mode without buying a row twice', () => {
      const identifiers = shuffled(Array.from({ length: 900 }, (_, n) => syntheticProfileUrl(9_000 + n)), 29);
      const w = world({ identifiers, requestsPerMinute: 60 });
      w.emu.properties.document.values.set('crustdata.requestsPerMinute', '60');
      w.fillDownFormulas();
      for (let row = 2; row <= w.lastRow; row++) expect(waitingMessages).not.toContain(w.runFilledDown(row).values[0][0]);
      expect(w.requests().total).toBe(Math.ceil(900 / 25));
    });
  });

  it('a 400-row range at 15 requests/minute fills what the limit allows and marks the rest, inside 30 s', () => {
    const identifiers = Array.from({ length: 400 }, (_, i) => syntheticProfileUrl(2000 + i));
    const w = world({ identifiers });
    const args = w.emu.argsFrom(`Leads!A2:A${w.lastRow}`);
    const first = w.run('Leads!B2', args);
    expect(first.ok).toBe(true);
    const pendingRows = first.values.filter((row) => row[0] === MESSAGES.pending).length;
    expect(pendingRows).toBe(25);
    expect(w.requests()).toMatchObject({ total: 15, rateLimited: 0 });
    w.emu.clock.advance(61_000);
    const second = w.run('Leads!B2', args);
    expect(second.values.filter((row) => row[0] === MESSAGES.pending)).toHaveLength(0);
    expect(w.requests()).toMatchObject({ total: 16, rateLimited: 0 });
  });

  describe('the API key', () => {
    it('missing: the cell says how to share one with the formulas, and nothing is sent', () => {
      const w = world({ key: null });
      const result = w.run('Leads!B2', [people[0].profileUrl]);
      expect(result.ok).toBe(false);
      expect(result.sheetsError?.code).toBe('#ERROR!');
      expect(result.error).toBe(MESSAGES.missingKey);
      expect(result.error).toMatch(/^No API key for formulas in this spreadsheet: open Extensions → Crustdata → Open sidebar and share a key/);
      expect(w.requests().total).toBe(0);
    });

    // A custom function's getUserProperties() reads the spreadsheet owner's store, whoever runs
    // it (the emulator follows Google's custom-functions guide): formulas must not use it at all.
    const OWNER_KEY = 'sk_cf_OWNER_personal_9a8b7c';
    const EDITOR_KEY = 'sk_cf_EDITOR_personal_1d2e3f';
    function withPersonalKeys(w: ReturnType<typeof world>, keys: { owner?: boolean; editor?: boolean }) {
      if (keys.owner) {
        w.api.addKey(OWNER_KEY, { label: 'owner' });
        w.emu.run('sidebarSaveApiKey', [{ apiKey: OWNER_KEY, scope: 'user' }], { user: OWNER });
      }
      if (keys.editor) {
        w.api.addKey(EDITOR_KEY, { label: 'editor' });
        w.emu.run('sidebarSaveApiKey', [{ apiKey: EDITOR_KEY, scope: 'user' }], { user: EDITOR });
      }
    }
    const labels = (w: ReturnType<typeof world>) => w.api.requestLog().map((entry) => entry.keyLabel);

    it('an editor with a key of their own: their formula says there is no key for formulas, and sends nothing', () => {
      const w = world({ key: null });
      withPersonalKeys(w, { editor: true });
      const result = w.emu.runCustomFunction('Leads!B2', 'CRUSTDATA_ENRICH', [people[0].profileUrl], { user: EDITOR });
      expect(result.error).toBe(MESSAGES.missingKey);
      expect(w.requests().total).toBe(0);
      // The editor's own jobs still have their key: the sidebar says so, and that formulas have none.
      expect(w.emu.run('sidebarGetState', [], { user: EDITOR }).value).toMatchObject({ apiKey: { isSet: true, scope: 'user', hasOwnKey: true, formulas: null } });
    });

    it('the owner with a key of their own: an editor’s formula (and the owner’s) never spends it', () => {
      const w = world({ key: null });
      withPersonalKeys(w, { owner: true });
      for (const user of [EDITOR, OWNER]) {
        const result = w.emu.runCustomFunction('Leads!B2', 'CRUSTDATA_ENRICH', [people[0].profileUrl], { user });
        expect(result.error).toBe(MESSAGES.missingKey);
      }
      expect(labels(w)).toEqual([]);
    });

    it('a key shared with the spreadsheet: everyone’s formulas use it, and only it, paced in the document’s cache and lock', () => {
      const w = world();
      withPersonalKeys(w, { owner: true, editor: true });
      w.emu.resetCalls();
      const byEditor = w.emu.runCustomFunction('Leads!B2', 'CRUSTDATA_ENRICH', [people[0].profileUrl], { user: EDITOR });
      const byOwner = w.emu.runCustomFunction('Leads!B3', 'CRUSTDATA_ENRICH', [people[1].profileUrl], { user: OWNER });
      expect(byEditor.values[0][0]).toBe(nameOf(people[0]));
      expect(byOwner.values[0][0]).toBe(nameOf(people[1]));
      expect(labels(w)).toEqual(['cf', 'cf']);
      // Nothing in the script cache or under the script lock, which every user of the add-on shares.
      expect(Object.keys(w.emu.calls).filter((name) => /getScriptCache|getScriptLock/.test(name))).toEqual([]);
      expect([...w.emu.caches.script.entries.keys()]).toEqual([]);
      expect([...w.emu.caches.document.entries.keys()].filter((key) => key.startsWith('cd:rate:'))).toHaveLength(1);
      // The document lock was taken once per formula that fetched: the engine's pacing reuses it.
      expect(byEditor.calls['LockService.getDocumentLock']).toBe(1);
      expect(byEditor.calls['LockService.Lock.tryLock']).toBe(1);
    });

    it('rejected: the cell says so, and the other cells do not ask the API again', () => {
      const w = world({ key: 'sk_cf_WRONG_key_123456' });
      const first = w.run('Leads!B2', [people[0].profileUrl]);
      expect(first.error).toBe(MESSAGES.invalidKey);
      for (let i = 1; i <= 20; i++) expect(w.run(`Leads!B${i + 2}`, [people[i].profileUrl]).error).toBe(MESSAGES.invalidKey);
      const range = w.run('Leads!Z2', [column(people.slice(30, 60).map((p) => p.profileUrl))]);
      expect(range.error).toBe(MESSAGES.invalidKey);
      expect(w.requests().total).toBe(1);
    });

    it('rejected, a range formula first: one refused request, not its whole burst', () => {
      const w = world({ key: 'sk_cf_WRONG_key_123456' });
      // 75 rows are three requests; a key not seen working lately sends one first.
      const range = w.run('Leads!Z2', [column(people.slice(0, 75).map((p) => p.profileUrl))]);
      expect(range.error).toBe(MESSAGES.invalidKey);
      expect(w.requests().total).toBe(1);
    });
  });

  describe('faults', () => {
    it('a 5xx then success: the row arrives', () => {
      const w = world();
      w.api.enqueueFaults([{ type: '503' }, { type: '500' }]);
      const result = w.run('Leads!B2', [people[5].profileUrl]);
      expect(result.values[0][0]).toBe(nameOf(people[5]));
      expect(w.api.requestLog().map((entry) => entry.status)).toEqual([503, 500, 200]);
    });

    it('a 429 with Retry-After: waits as told, then the row arrives', () => {
      const w = world();
      w.api.enqueueFaults([{ type: '429', retryAfterSeconds: 4 }]);
      const result = w.run('Leads!B2', [people[6].businessEmail]);
      expect(result.values[0][0]).toBe(nameOf(people[6]));
      const [limited, ok] = w.api.requestLog();
      expect(limited.status).toBe(429);
      expect(ok.status).toBe(200);
      expect(ok.atMs - limited.atMs).toBeGreaterThanOrEqual(4_000);
    });

    it('a 429 with Retry-After 5: sent again 5 s later inside the formula\'s budget, and the next formula is not held back', () => {
      const w = world();
      w.api.enqueueFaults([{ type: '429', retryAfterSeconds: 5 }]);
      const result = w.run('Leads!B2', [people[8].profileUrl]);
      expect(result.values[0][0]).toBe(nameOf(people[8]));
      const [limited, ok] = w.api.requestLog();
      expect([limited.status, ok.status]).toEqual([429, 200]);
      // Sent when the 429 came back (its latency) plus exactly the 5 s it asked for.
      expect(ok.atMs - limited.atMs).toBe(limited.latencyMs + 5_000);
      const next = w.run('Leads!B3', [people[9].profileUrl]);
      expect(next.values[0][0]).toBe(nameOf(people[9]));
      expect(w.api.requestLog()[2].atMs - ok.atMs).toBeLessThan(5_000);
    });

    it('a 429 whose rate-limit reset reads 0 (the window is open again) is retried after its Retry-After, not a minute later', () => {
      const w = world();
      w.api.enqueueFaults([{ type: '429', retryAfterSeconds: 1, resetSeconds: 0 }]);
      const result = w.run('Leads!B2', [people[10].profileUrl]);
      expect(result.values[0][0]).toBe(nameOf(people[10]));
      const [limited, ok] = w.api.requestLog();
      expect([limited.status, ok.status]).toEqual([429, 200]);
      expect(ok.atMs - limited.atMs).toBe(limited.latencyMs + 1_000);
    });

    it('a Retry-After past the time limit: the row says to recalculate, nothing times out', () => {
      const w = world();
      w.api.enqueueFaults([{ type: '429', retryAfterSeconds: 90 }]);
      const result = w.run('Leads!B2', [people[7].profileUrl]);
      expect(result.values[0][0]).toBe(MESSAGES.pending);
      expect(w.requests().total).toBe(1);
      w.emu.clock.advance(91_000);
      expect(w.run('Leads!B2', [people[7].profileUrl]).values[0][0]).toBe(nameOf(people[7]));
    });
  });

  it('cuts a 60,000-character summary to fit a cell, and Sheets accepts the result', () => {
    const w = world();
    w.emu.model.setValues('Leads!B2', [['=CRUSTDATA_ENRICH("x", "basic_profile.name, basic_profile.summary")']]);
    const result = w.run('Leads!B2', [SPECIAL.longSummary.profileUrl, 'basic_profile.name, basic_profile.summary'], true);
    expect(result.ok).toBe(true);
    const summary = result.values[0][1] as string;
    expect(LONG_SUMMARY_LENGTH).toBeGreaterThan(60_000);
    expect(summary.length).toBeLessThanOrEqual(50_000);
    expect(summary.endsWith('… [truncated]')).toBe(true);
    expect(w.emu.model.cell('Leads!C2').value).toBe(summary);
  });

  it('returns hostile text as plain values: no formula runs, no apostrophe appears', () => {
    const w = world();
    w.emu.model.setValues('Leads!B2', [['=CRUSTDATA_ENRICH("x")']]);
    const result = w.run('Leads!B2', [SPECIAL.hostileHeadline.profileUrl], true);
    const data = SPECIAL.hostileHeadline.data.basic_profile!;
    expect(result.values[0].slice(0, 3)).toEqual([data.name, data.headline, data.current_title]);
    // What the sheet shows: the same text, and none of it became a formula.
    for (const a1 of ['Leads!C2', 'Leads!D2']) expect(w.emu.model.cell(a1).formula).toBe('');
    expect(w.emu.model.cell('Leads!C2').value).toBe(data.headline);
    expect(w.emu.model.cell('Leads!D2').value).toBe('+SUM(A1:A9)');
  });

  describe('argument errors, before any request', () => {
    it.each([
      ['a two-column range', () => [[['https://www.linkedin.com/in/a', 'x']]], /one cell or one column/],
      ['an unknown field', () => ['https://www.linkedin.com/in/a', 'basic_profile, salary'], /Unknown field "salary"/],
      ['a header that is not TRUE/FALSE', () => ['https://www.linkedin.com/in/a', '', 'maybe'], /header must be TRUE or FALSE/],
    ])('%s', (_name, args, message) => {
      const w = world();
      const result = w.run('Leads!B2', args());
      expect(result.sheetsError?.code).toBe('#ERROR!');
      expect(result.error).toMatch(message);
      expect(w.requests().total).toBe(0);
    });

    it('takes fields from a range, skipping blank cells', () => {
      const w = world();
      w.emu.model.setValues('Leads!F1', [['basic_profile.name'], [''], ['basic_profile.headline']]);
      const [fields] = w.emu.argsFrom('Leads!F1:F3');
      const result = w.run('Leads!B2', [people[9].profileUrl, fields, 'TRUE']);
      expect(result.values).toEqual([
        ['Name', 'Headline'],
        [nameOf(people[9]), people[9].data.basic_profile?.headline],
      ]);
    });
  });

  it('keeps the key out of every cell, log line, cache value and document property', () => {
    const w = world({ identifiers: people.slice(0, 60).map((p) => p.profileUrl) });
    w.fillDownFormulas();
    w.api.enqueueFaults([{ type: '500' }]);
    for (let row = 2; row <= 10; row++) w.runFilledDown(row);
    w.run('Leads!M2', w.emu.argsFrom(`Leads!A2:A${w.lastRow}`));
    w.run('Leads!M100', ['not-an-identifier']);
    w.run('Leads!M101', [people[0].profileUrl, 'nonsense']);

    const bad = world({ key: 'sk_cf_REJECTED_abcdef123' });
    bad.run('Leads!B2', [people[0].profileUrl]);

    for (const { emu } of [w, bad]) {
      const key = emu === w.emu ? KEY : 'sk_cf_REJECTED_abcdef123';
      const everything = [
        JSON.stringify(emu.model.sheet('Leads').values()),
        emu.logText(),
        ...emu.caches.all().flatMap((store) => [...store.entries].map(([k, entry]) => `${k}=${entry.value}`)),
        // The shared key is the one document property that holds it, by design (README, Security).
        JSON.stringify(Object.entries(emu.properties.document.toObject()).filter(([name]) => name !== KEY_PROPERTY)),
        JSON.stringify(emu.properties.script.toObject()),
        ...emu.executions.map((execution) => execution.error ?? ''),
      ].join('\n');
      expect(everything.length).toBeGreaterThan(100);
      expect(everything).not.toContain(key);
    }
    expect(w.emu.caches.all().some((store) => store.entries.size > 0)).toBe(true);
  });
});
