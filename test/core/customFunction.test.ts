// Unit tests of CRUSTDATA_ENRICH's pure part: arguments, formula parsing, the neighbour plan,
// output shaping, and the run over a counting fake engine, lock and sheet.
import { shuffled } from '../helpers/shuffled';
import { columnsFor, parseFieldSelection } from '../../src/core/catalog';
import {
  answerBeforeTheKey,
  CUSTOM_FUNCTION_BUDGET_MS,
  CUSTOM_FUNCTION_LIVE_BATCH_SIZE,
  MESSAGES,
  NEIGHBOUR_BLOCK_ROWS,
  callLevelError,
  findEnrichCalls,
  neighbourBlock,
  normalizeFieldsInput,
  normalizeHeader,
  normalizeIdentifiers,
  parseCellReference,
  planNeighbours,
  redactKey,
  selectBatch,
  WHOLE_BLOCK_MAX_IDENTIFIERS,
  runCustomFunction,
  shapeOutput,
  type CustomFunctionHost,
} from '../../src/core/customFunction';
import type { CallingCell, SheetReader } from '../../src/core/ports';
import { DEFAULT_API_OPTIONS } from '../../src/core/apiOptions';
import { EnrichError, isEnrichError, type ErrorCode } from '../../src/core/errors';
import type { Lock } from '../../src/core/ports';
import type { PersonData, RowOutcome } from '../../src/core/types';
import { fakeEngine, person } from './customFunctionFakes';
import { FakeCache, FakeClock, nodeHasher } from './fakes';
import { PackedResultCache, ResultCache } from '../../src/core/resultCache';
import { selectionKey } from '../../src/core/catalog';

const DEFAULT_COLUMNS = columnsFor(parseFieldSelection(null));
const WIDTH = DEFAULT_COLUMNS.length;


// ---- Arguments --------------------------------------------------------------------------------

describe('normalizeIdentifiers', () => {
  it('takes a scalar as one cell', () => {
    expect(normalizeIdentifiers('https://linkedin.com/in/ada')).toEqual({ cells: ['https://linkedin.com/in/ada'], singleCell: true });
    expect(normalizeIdentifiers('')).toEqual({ cells: [''], singleCell: true });
  });

  it('takes a one-column 2-D array as rows', () => {
    expect(normalizeIdentifiers([['a@x.com'], [''], ['b@y.com']])).toEqual({ cells: ['a@x.com', '', 'b@y.com'], singleCell: false });
  });

  it('refuses a range with more than one column, saying what to pass', () => {
    const attempt = () => normalizeIdentifiers([['a@x.com', 'Ada'], ['b@y.com', 'Bob']]);
    expect(attempt).toThrow(EnrichError);
    expect(attempt).toThrow(/one cell or one column.*2 columns.*A2:A100/);
    try {
      attempt();
    } catch (error) {
      expect((error as EnrichError).code).toBe('invalid_argument');
    }
  });

  it('refuses an empty array', () => {
    expect(() => normalizeIdentifiers([])).toThrow(/empty/);
  });
});

describe('normalizeFieldsInput', () => {
  it('gives null (the default set) for a missing or blank argument', () => {
    for (const value of [undefined, null, '', '   ', [['']], [[''], ['']]]) expect(normalizeFieldsInput(value)).toBeNull();
  });

  it('keeps text and flattens a range, skipping blank cells', () => {
    expect(normalizeFieldsInput('basic_profile, experience')).toBe('basic_profile, experience');
    expect(normalizeFieldsInput([['basic_profile'], [''], ['experience, education']])).toBe('basic_profile, experience, education');
    expect(normalizeFieldsInput([['basic_profile.name', '', 'contact']])).toBe('basic_profile.name, contact');
  });

  it('explains a header flag given in the fields position', () => {
    expect(() => normalizeFieldsInput(true)).toThrow(/not TRUE.*, , TRUE/);
  });

  it('lets parseFieldSelection name an unknown field before anything is sent', () => {
    expect(() => parseFieldSelection(normalizeFieldsInput('basic_profile, salary'))).toThrow(/Unknown field "salary"/);
  });
});

describe('normalizeHeader', () => {
  it.each([
    [undefined, false],
    [null, false],
    ['', false],
    [true, true],
    [false, false],
    ['TRUE', true],
    [' false ', false],
    ['yes', true],
    [1, true],
    [0, false],
    [[[true]], true],
    [[['FALSE']], false],
  ])('%p -> %p', (value, expected) => {
    expect(normalizeHeader(value)).toBe(expected);
  });

  it('refuses anything else with the accepted values', () => {
    expect(() => normalizeHeader('maybe')).toThrow(/header must be TRUE or FALSE, not "maybe"/);
    expect(() => normalizeHeader(2)).toThrow(/TRUE or FALSE/);
    expect(() => normalizeHeader([[true], [false]])).toThrow(/a range/);
  });
});

// ---- Formulas ---------------------------------------------------------------------------------

describe('findEnrichCalls', () => {
  it('splits the arguments of a plain call', () => {
    expect(findEnrichCalls('=CRUSTDATA_ENRICH(A2)')).toEqual([{ args: ['A2'] }]);
    expect(findEnrichCalls('=crustdata_enrich( $A$2 , "basic_profile, experience", TRUE)')).toEqual([
      { args: ['$A$2', '"basic_profile, experience"', 'TRUE'] },
    ]);
    expect(findEnrichCalls('=CRUSTDATA_ENRICH(A2,,TRUE)')).toEqual([{ args: ['A2', '', 'TRUE'] }]);
  });

  it('ignores commas, parentheses and the name inside strings and quoted sheet names', () => {
    expect(findEnrichCalls(`=CRUSTDATA_ENRICH('Leads, (2024)'!B7, "a,b)")`)).toEqual([{ args: [`'Leads, (2024)'!B7`, '"a,b)"'] }]);
    expect(findEnrichCalls('="CRUSTDATA_ENRICH(A1)"')).toEqual([]);
    expect(findEnrichCalls(`=CRUSTDATA_ENRICH('It''s'!A2)`)).toEqual([{ args: [`'It''s'!A2`] }]);
  });

  it('finds a wrapped call and counts several calls', () => {
    expect(findEnrichCalls('=IFERROR(CRUSTDATA_ENRICH(A2), "")')).toEqual([{ args: ['A2'] }]);
    expect(findEnrichCalls('=CRUSTDATA_ENRICH(A2)&CRUSTDATA_ENRICH(A3)')).toHaveLength(2);
    expect(findEnrichCalls('=MY_CRUSTDATA_ENRICH(A2)')).toEqual([]);
  });

  it('reads semicolon-separated arguments with decimal commas', () => {
    expect(findEnrichCalls('=CRUSTDATA_ENRICH(A2; "basic_profile"; WAHR)')).toEqual([{ args: ['A2', '"basic_profile"', 'WAHR'] }]);
    expect(findEnrichCalls('=CRUSTDATA_ENRICH(A2; ROUND(1,5; 0))')).toEqual([{ args: ['A2', 'ROUND(1,5; 0)'] }]);
  });

  it('gives nothing for an unclosed call', () => {
    expect(findEnrichCalls('=CRUSTDATA_ENRICH(A2')).toEqual([]);
  });
});

describe('parseCellReference', () => {
  it.each([
    ['A2', { sheetName: null, column: 1, row: 2 }],
    ['$A$2', { sheetName: null, column: 1, row: 2 }],
    ['b$10', { sheetName: null, column: 2, row: 10 }],
    ['AA7', { sheetName: null, column: 27, row: 7 }],
    ['Sheet2!C3', { sheetName: 'Sheet2', column: 3, row: 3 }],
    [`'My ''leads'', 2024'!$D4`, { sheetName: "My 'leads', 2024", column: 4, row: 4 }],
  ])('%s', (text, expected) => {
    expect(parseCellReference(text)).toEqual(expected);
  });

  it.each(['A2:A10', 'A:A', '"A2"', 'TRIM(A2)', 'A0', 'Leads', '', 'R2C1'])('%s is not a single cell', (text) => {
    expect(parseCellReference(text)).toBeNull();
  });
});

// ---- Neighbour plan -----------------------------------------------------------------------------

describe('neighbourBlock', () => {
  it('aligns blocks on fixed rows, so every cell of a block computes the same block', () => {
    expect(neighbourBlock(2, 301)).toEqual({ startRow: 1, rowCount: 301 });
    expect(neighbourBlock(301, 301)).toEqual({ startRow: 1, rowCount: 301 });
    const last = 3 * NEIGHBOUR_BLOCK_ROWS;
    expect(neighbourBlock(NEIGHBOUR_BLOCK_ROWS + 1, last)).toEqual({ startRow: NEIGHBOUR_BLOCK_ROWS + 1, rowCount: NEIGHBOUR_BLOCK_ROWS });
    expect(neighbourBlock(2 * NEIGHBOUR_BLOCK_ROWS, last)).toEqual({ startRow: NEIGHBOUR_BLOCK_ROWS + 1, rowCount: NEIGHBOUR_BLOCK_ROWS });
    expect(neighbourBlock(7, 1)).toEqual({ startRow: 1, rowCount: 7 });
  });
});

describe('planNeighbours', () => {
  const caller = (row: number, formula: string): CallingCell => ({ sheetName: 'Leads', row, column: 2, formula });
  const filledDown = (from: number, to: number, make = (r: number) => `=CRUSTDATA_ENRICH(A${r})`) => {
    const formulas: string[] = [];
    for (let r = 1; r <= to; r++) formulas.push(r >= from ? make(r) : '');
    return formulas;
  };

  it('lists every identifier row the formulas ask for, and the own one', () => {
    const plan = planNeighbours(caller(4, '=CRUSTDATA_ENRICH(A4)'), 1, filledDown(2, 7));
    expect(plan).toEqual({ sheetName: null, column: 1, ownRow: 4, rows: [2, 3, 4, 5, 6, 7], settled: new Set() });
  });

  it('marks the rows whose formula cells all show a result already', () => {
    const formulas = filledDown(2, 7);
    formulas.push('=CRUSTDATA_ENRICH(A3)'); // row 8 asks for A3 too, and is still loading
    const shown = ['', 'Ada', 'Bob', 'Me', 'Loading...', '#N/A', MESSAGES.pending, 'Loading...'];
    const plan = planNeighbours(caller(4, '=CRUSTDATA_ENRICH(A4)'), 1, formulas, shown);
    expect(plan?.settled).toEqual(new Set([2]));
  });

  it('only counts formulas with the same fields argument on the same column and sheet', () => {
    const formulas = [
      '',
      '=CRUSTDATA_ENRICH(A2, "basic_profile")',
      '=CRUSTDATA_ENRICH(A3, "basic_profile")',
      '=CRUSTDATA_ENRICH(A4)', // other fields: another cache entry, not ours to buy
      '=CRUSTDATA_ENRICH(C5, "basic_profile")', // other column
      `=CRUSTDATA_ENRICH(Other!A6, "basic_profile")`, // other sheet
      '=CRUSTDATA_ENRICH(Leads!A7, "basic_profile")', // same sheet, named
      '=CRUSTDATA_ENRICH(A8:A9, "basic_profile")', // a range
      '=UPPER(A9)',
    ];
    const plan = planNeighbours(caller(2, '=CRUSTDATA_ENRICH(A2, "basic_profile")'), 1, formulas);
    expect(plan?.rows).toEqual([2, 3, 7]);
  });

  it('follows references that are offset from the formula row and absolute columns', () => {
    const plan = planNeighbours(caller(10, '=CRUSTDATA_ENRICH($A11)'), 1, filledDown(10, 12, (r) => `=CRUSTDATA_ENRICH($A${r + 1})`));
    expect(plan).toMatchObject({ ownRow: 11, rows: [11, 12, 13] });
  });

  it('prefetches nothing when the own formula is not one call on one cell', () => {
    const formulas = filledDown(2, 5);
    expect(planNeighbours(caller(2, '=CRUSTDATA_ENRICH("https://linkedin.com/in/ada")'), 1, formulas)).toBeNull();
    expect(planNeighbours(caller(2, '=CRUSTDATA_ENRICH(A2:A5)'), 1, formulas)).toBeNull();
    expect(planNeighbours(caller(2, '=CRUSTDATA_ENRICH(TRIM(A2))'), 1, formulas)).toBeNull();
    expect(planNeighbours(caller(2, '=CRUSTDATA_ENRICH(A2)&CRUSTDATA_ENRICH(A3)'), 1, formulas)).toBeNull();
  });

  it('keeps a wrapped call (IFERROR) batchable', () => {
    const plan = planNeighbours(caller(2, '=IFERROR(CRUSTDATA_ENRICH(A2),"")'), 1, filledDown(2, 4, (r) => `=IFERROR(CRUSTDATA_ENRICH(A${r}),"")`));
    expect(plan?.rows).toEqual([2, 3, 4]);
  });

  it('does not read a stray reference far away', () => {
    const formulas = filledDown(2, 3);
    formulas.push(`=CRUSTDATA_ENRICH(A${NEIGHBOUR_BLOCK_ROWS + 100})`);
    expect(planNeighbours(caller(2, '=CRUSTDATA_ENRICH(A2)'), 1, formulas)?.rows).toEqual([2, 3]);
  });

  it('deduplicates rows referenced twice', () => {
    const plan = planNeighbours(caller(2, '=CRUSTDATA_ENRICH($A$2)'), 1, ['', '=CRUSTDATA_ENRICH($A$2)', '=CRUSTDATA_ENRICH($A$2)']);
    expect(plan?.rows).toEqual([2]);
  });
});

describe('selectBatch', () => {
  const rowsFrom = (count: number) => Array.from({ length: count }, (_, i) => i + 2);

  it('takes a whole block that fits the cache: own first, then below, then above nearest first', () => {
    const values = new Map(rowsFrom(6).map((row) => [row, url(row)]));
    const cells = selectBatch({ ownRow: 4, rows: rowsFrom(6), settled: new Set([5]) }, (row) => values.get(row));
    // Within the cache's reach a settled row is still fetched: it keeps recalculation free.
    expect(cells).toEqual([4, 5, 6, 7, 3, 2].map(url));
  });

  it('beyond WHOLE_BLOCK_MAX_IDENTIFIERS, takes the fixed batch of 25 of the own type that holds the own identifier', () => {
    const count = WHOLE_BLOCK_MAX_IDENTIFIERS + 100;
    // Every third row an email, every 10th row a duplicate of the row before: batches are cut from unique identifiers.
    const valueAt = (row: number) => (row % 3 === 0 ? `lead${row}@company.com` : row % 10 === 0 ? url(row - 1) : url(row));
    const rows = rowsFrom(count);
    const uniqueUrls = [...new Set(rows.filter((row) => row % 3 !== 0).map(valueAt))];
    const ownRow = 400;
    const cells = selectBatch({ ownRow, rows, settled: new Set() }, valueAt);
    const position = uniqueUrls.indexOf(valueAt(ownRow));
    const batch = uniqueUrls.slice(position - (position % 25), position - (position % 25) + 25);
    expect(cells[0]).toBe(valueAt(ownRow));
    expect(new Set(cells)).toEqual(new Set(batch));
    expect(cells).toHaveLength(25);
    // Every cell of the batch computes the same batch.
    for (const other of rows.filter((row) => batch.includes(valueAt(row) as string))) {
      expect(new Set(selectBatch({ ownRow: other, rows, settled: new Set() }, valueAt))).toEqual(new Set(batch));
    }
    // Once another cell of the batch shows its result, the batch was fetched before: only the own row goes.
    const neighbour = rows.find((row) => row !== ownRow && batch.includes(valueAt(row) as string) && valueAt(row) !== valueAt(ownRow))!;
    expect(selectBatch({ ownRow, rows, settled: new Set([neighbour]) }, valueAt)).toEqual([valueAt(ownRow)]);
  });

  it('once the rows still waiting fit the cache, takes them all', () => {
    const rows = rowsFrom(WHOLE_BLOCK_MAX_IDENTIFIERS + 100);
    const settled = new Set(rows.slice(0, 150));
    const cells = selectBatch({ ownRow: rows[0], rows, settled }, url);
    expect(cells[0]).toBe(url(rows[0]));
    expect(cells.slice(1)).toEqual(rows.slice(150).map(url));
  });

  it('an invalid or blank own cell prefetches nothing in batch mode', () => {
    const rows = rowsFrom(WHOLE_BLOCK_MAX_IDENTIFIERS + 10);
    expect(selectBatch({ ownRow: 5, rows, settled: new Set() }, (row) => (row === 5 ? 'junk' : url(row)))).toEqual(['junk']);
  });
});

// ---- Output -----------------------------------------------------------------------------------------

describe('shapeOutput', () => {
  const shape = (outcomes: RowOutcome[], header = false) =>
    shapeOutput(outcomes, { columns: DEFAULT_COLUMNS, header, pendingMessage: MESSAGES.pending });

  it('gives one row per outcome, all as wide as the columns, messages in the first cell', () => {
    const rows = shape([
      { status: 'matched', identifier: 'u1', person: person('Ada Lovelace'), fetchedAt: 0, fromCache: false },
      { status: 'blank' },
      { status: 'invalid', message: 'Invalid LinkedIn URL' },
      { status: 'not_found', identifier: 'u2', fetchedAt: 0, fromCache: false },
      { status: 'failed', identifier: 'u3', code: 'server_error', message: 'Crustdata had a server error' },
      { status: 'pending', identifier: 'u4', message: 'engine text' },
    ]);
    expect(rows).toHaveLength(6);
    for (const row of rows) expect(row).toHaveLength(WIDTH);
    expect(rows[0][0]).toBe('Ada Lovelace');
    expect(rows[0][1]).toBe('Headline of Ada Lovelace');
    expect(rows[1].every((cell) => cell === '')).toBe(true);
    expect(rows.slice(2).map((row) => row[0])).toEqual([
      'Invalid LinkedIn URL',
      'Not found',
      'Crustdata had a server error',
      MESSAGES.pending,
    ]);
    for (const row of rows.slice(2)) expect(row.slice(1).every((cell) => cell === '')).toBe(true);
  });

  it('puts one header row on top when asked', () => {
    const rows = shape([{ status: 'blank' }], true);
    expect(rows[0]).toEqual(DEFAULT_COLUMNS.map((c) => c.header));
    expect(rows).toHaveLength(2);
  });

  it('says how to share a key with the formulas, or replace the shared one', () => {
    const rows = shape([
      { status: 'failed', identifier: 'u', code: 'missing_api_key', message: 'x' },
      { status: 'failed', identifier: 'u', code: 'invalid_api_key', message: 'x' },
    ]);
    expect(rows[0][0]).toBe(MESSAGES.missingKey);
    expect(rows[0][0]).toMatch(/^No API key for formulas in this spreadsheet: open Extensions → Crustdata → Open sidebar and share a key/);
    expect(rows[1][0]).toMatch(/rejected the key shared with this spreadsheet's formulas/);
  });

  it('returns hostile text as it is (results are values, never parsed) and cuts text over 50,000 characters', () => {
    const hostile = { basic_profile: { name: '=HYPERLINK("http://evil","x")', headline: '00123', current_title: '+1 415 555 0100' } };
    const huge = { basic_profile: { name: 'x'.repeat(60_000) } };
    const rows = shape([
      { status: 'matched', identifier: 'a', person: hostile, fetchedAt: 0, fromCache: true },
      { status: 'matched', identifier: 'b', person: huge, fetchedAt: 0, fromCache: true },
    ]);
    expect(rows[0].slice(0, 3)).toEqual(['=HYPERLINK("http://evil","x")', '00123', '+1 415 555 0100']);
    const cut = rows[1][0] as string;
    expect(cut.length).toBeLessThanOrEqual(50_000);
    expect(cut).toMatch(/truncated/);
  });
});

describe('callLevelError', () => {
  const failed = (code: ErrorCode): RowOutcome => ({ status: 'failed', identifier: 'u', code, message: code });
  it('throws the fatal failure when no row got an answer', () => {
    expect(callLevelError([{ status: 'blank' }, failed('missing_api_key')])?.message).toBe(MESSAGES.missingKey);
    expect(callLevelError([failed('invalid_api_key')])?.code).toBe('invalid_api_key');
  });
  it('keeps per-row messages when some rows have answers or the failure is not fatal', () => {
    expect(callLevelError([{ status: 'not_found', identifier: 'u', fetchedAt: 0, fromCache: true }, failed('invalid_api_key')])).toBeNull();
    expect(callLevelError([failed('server_error')])).toBeNull();
    expect(callLevelError([{ status: 'blank' }])).toBeNull();
  });
});

describe('redactKey', () => {
  it('replaces the key wherever it appears', () => {
    expect(redactKey('Bearer sk_live_123456 rejected', 'sk_live_123456')).toBe('Bearer •••• rejected');
    expect(redactKey(42, 'sk_live_123456')).toBe(42);
    expect(redactKey('nothing here', null)).toBe('nothing here');
  });
});

// ---- The run, over fakes -------------------------------------------------------------------------

function countingLock(available = true): Lock & { acquired: number; held: boolean } {
  const lock = {
    acquired: 0,
    held: false,
    tryLock(_ms: number) {
      if (!available || lock.held) return false;
      lock.held = true;
      lock.acquired++;
      return true;
    },
    releaseLock() {
      lock.held = false;
    },
  };
  return lock;
}

/** A sheet with identifiers in column A and CRUSTDATA_ENRICH formulas in column B. */
function fakeSheet(identifiers: unknown[], formulaFor: (row: number) => string = (row) => `=CRUSTDATA_ENRICH(A${row})`) {
  let active: CallingCell | null = null;
  const reads = { formulas: 0, values: 0 };
  /** What each formula cell shows (column B), by row. */
  const shown = new Map<number, unknown>();
  const firstRow = 2;
  const lastRow = firstRow + identifiers.length - 1;
  const reader: SheetReader = {
    callingCell: () => active,
    lastRow: () => lastRow,
    formulas(_sheet, column, startRow, rowCount) {
      reads.formulas++;
      expect(column).toBe(2);
      return Array.from({ length: rowCount }, (_, i) => {
        const row = startRow + i;
        return row >= firstRow && row <= lastRow ? formulaFor(row) : '';
      });
    },
    values(_sheet, column, startRow, rowCount) {
      if (column === 2) return Array.from({ length: rowCount }, (_, i) => shown.get(startRow + i) ?? '');
      reads.values++;
      expect(column).toBe(1);
      return Array.from({ length: rowCount }, (_, i) => identifiers[startRow + i - firstRow] ?? '');
    },
  };
  return {
    reader,
    reads,
    shown,
    rows: identifiers.map((_, i) => firstRow + i),
    callFrom(row: number) {
      active = { sheetName: 'Leads', row, column: 2, formula: formulaFor(row) };
    },
    valueAt: (row: number) => identifiers[row - firstRow],
  };
}

function url(i: number): string {
  return `https://www.linkedin.com/in/person-${i}`;
}

describe('runCustomFunction', () => {
  function host(engine: ReturnType<typeof fakeEngine>, lock: Lock = countingLock(), sheet: SheetReader | null = null): CustomFunctionHost {
    return { ctx: engine.ctx, enrich: engine.enrich, documentLock: lock, sheet };
  }

  it('enriches a range with aligned rows, messages and ceil(unique/25) requests per type', () => {
    const engine = fakeEngine({ notFound: new Set(['nobody@example.com']) });
    const cells = [[url(1)], [''], ['linkedin.com/in/person-1/'], ['not a url'], ['Nobody@Example.com'], [url(2)]];
    const run = runCustomFunction(host(engine), cells);
    expect(run.values.map((row) => row[0])).toEqual([
      'Person https://www.linkedin.com/in/person-1',
      '',
      'Person https://www.linkedin.com/in/person-1',
      expect.stringMatching(/LinkedIn URL/),
      'Not found',
      'Person https://www.linkedin.com/in/person-2',
    ]);
    expect(engine.log.map((r) => [r.kind, r.identifiers.length])).toEqual([
      ['profile_url', 2],
      ['business_email', 1],
    ]);
  });

  it('answers a repeat call from the cache without the lock or a request', () => {
    const engine = fakeEngine();
    const lock = countingLock();
    runCustomFunction(host(engine, lock), [[url(1)], [url(2)]]);
    const before = engine.log.length;
    const again = runCustomFunction(host(engine, lock), [[url(1)], [url(2)]], undefined, 'TRUE');
    expect(engine.log.length).toBe(before);
    expect(lock.acquired).toBe(1);
    expect(again.trace.cacheOnly).toBe(true);
    expect(again.values[0]).toEqual(DEFAULT_COLUMNS.map((c) => c.header));
  });

  it('a single cell whose rate window is full past its last start says so at once, without reading the column', () => {
    const engine = fakeEngine();
    const sheet = fakeSheet([url(1), url(2), url(3)]);
    sheet.callFrom(3);
    const full = (ctx: { clock: { now(): number } }) => ctx.clock.now() + CUSTOM_FUNCTION_BUDGET_MS;
    const run = runCustomFunction({ ...host(engine, countingLock(), sheet.reader), nextRequestSlotAt: full }, url(2));
    expect(run.values[0][0]).toBe(MESSAGES.pending);
    expect(sheet.reads).toEqual({ formulas: 0, values: 0 });
    expect(engine.log).toHaveLength(0);
    // A slot free in time: the column is read and the batch fetched as before.
    const free = (ctx: { clock: { now(): number } }) => ctx.clock.now();
    const fetched = runCustomFunction({ ...host(engine, countingLock(), sheet.reader), nextRequestSlotAt: free }, url(2));
    expect(fetched.values[0][0]).toBe(`Person ${url(2)}`);
    expect(sheet.reads.formulas).toBe(1);
    expect(engine.log.map((r) => r.identifiers.length)).toEqual([3]);
  });

  it('gives the engine a deadline 25 s after the start, and a cache-only pass a deadline of now', () => {
    const engine = fakeEngine();
    engine.clock.sleep(1000);
    runCustomFunction({ ...host(engine), startedAt: 400 }, url(1));
    expect(engine.calls[0].deadline).toBe(1000);
    expect(engine.calls[engine.calls.length - 1].deadline).toBe(400 + CUSTOM_FUNCTION_BUDGET_MS);
  });

  it('checks every argument before any request', () => {
    const engine = fakeEngine();
    expect(() => runCustomFunction(host(engine), [[url(1)]], 'basic_profile, nonsense')).toThrow(/Unknown field "nonsense"/);
    expect(() => runCustomFunction(host(engine), [[url(1), 'x']])).toThrow(/one column/);
    expect(() => runCustomFunction(host(engine), [[url(1)]], '', 'perhaps')).toThrow(/TRUE or FALSE/);
    expect(engine.calls).toHaveLength(0);
  });

  it('throws one readable error when the key is missing and nothing could be answered', () => {
    const engine = fakeEngine({ fail: { code: 'missing_api_key', message: 'engine text' } });
    let thrown: unknown;
    try {
      runCustomFunction(host(engine), url(1));
    } catch (error) {
      thrown = error;
    }
    expect(isEnrichError(thrown) && thrown.message).toBe(MESSAGES.missingKey);
  });

  it('keeps the API key out of every returned cell and thrown message', () => {
    const engine = fakeEngine({ fail: { code: 'server_error', message: 'upstream echoed Bearer sk_test_secret_key' } });
    const run = runCustomFunction(host(engine), [[url(1)]]);
    expect(JSON.stringify(run.values)).not.toContain('sk_test_secret_key');
    expect(run.values[0][0]).toBe('upstream echoed Bearer ••••');
    const fatal = fakeEngine({ fail: { code: 'invalid_api_key', message: 'sk_test_secret_key' } });
    expect(() => runCustomFunction(host(fatal), url(1))).toThrow(MESSAGES.invalidKey);
  });

  it('degrades to a message when another cell holds the lock past the deadline', () => {
    const engine = fakeEngine();
    const run = runCustomFunction(host(engine, countingLock(false)), [[url(1)], ['']]);
    expect(run.trace.lockTimedOut).toBe(true);
    expect(run.values[0][0]).toBe(MESSAGES.busy);
    expect(run.values[1][0]).toBe('');
    expect(engine.log).toHaveLength(0);
  });

  it('marks rows the engine could not reach with how to finish', () => {
    const engine = fakeEngine({ maxRequests: 1 });
    const cells = Array.from({ length: 30 }, (_, i) => [url(i)]);
    const run = runCustomFunction(host(engine), cells);
    expect(run.values.filter((row) => row[0] === MESSAGES.pending)).toHaveLength(5);
    expect(MESSAGES.pending).toMatch(/recalculate in a minute, or use the sidebar/);
  });

  it('remembers a failing server briefly, so the next cells show the failure instead of retrying', () => {
    const engine = fakeEngine({ fail: { code: 'server_error', message: 'Crustdata had a server error' }, failTimes: 1 });
    const sheet = fakeSheet(Array.from({ length: 10 }, (_, i) => url(i)));
    const lock = countingLock();
    sheet.callFrom(2);
    expect(runCustomFunction(host(engine, lock, sheet.reader), sheet.valueAt(2)).values[0][0]).toBe('Crustdata had a server error');
    sheet.callFrom(7);
    const next = runCustomFunction(host(engine, lock, sheet.reader), sheet.valueAt(7));
    expect(next.values[0][0]).toBe('Crustdata had a server error');
    expect(engine.log).toHaveLength(1);
    expect(lock.acquired).toBe(1);
    engine.clock.sleep(61_000);
    expect(runCustomFunction(host(engine, lock, sheet.reader), sheet.valueAt(7)).values[0][0]).toBe(`Person ${url(5)}`);
    expect(engine.log).toHaveLength(2);
    const stored = [...engine.resultCache.entries.values()].map((entry) => entry.value).join();
    expect(stored).not.toContain('sk_test_secret_key');
  });

  it('does not remember failures that recalculating could fix at once or that stop every row', () => {
    const engine = fakeEngine({ fail: { code: 'invalid_api_key', message: 'rejected' } });
    expect(() => runCustomFunction(host(engine), url(1))).toThrow();
    expect(engine.resultCache.entries.size).toBe(0);
  });

  describe('a column of single-cell formulas', () => {
    function runColumn(identifiers: unknown[], order: 'top-down' | 'shuffled', formulaFor?: (row: number) => string) {
      const engine = fakeEngine();
      const lock = countingLock();
      const sheet = fakeSheet(identifiers, formulaFor);
      const rows = order === 'top-down' ? sheet.rows : shuffled(sheet.rows, 7);
      const results = new Map<number, unknown[]>();
      for (const row of rows) {
        sheet.callFrom(row);
        const run = runCustomFunction(host(engine, lock, sheet.reader), sheet.valueAt(row));
        expect(run.values).toHaveLength(1);
        results.set(row, run.values[0]);
        sheet.shown.set(row, run.values[0][0]);
      }
      return { engine, sheet, results, lock };
    }

    function rangeRequests(identifiers: unknown[]): number {
      const engine = fakeEngine();
      runCustomFunction(host(engine), identifiers.map((value) => [value]));
      return engine.log.length;
    }

    it.each(['top-down', 'shuffled'] as const)('300 rows (%s) cost exactly what one range formula costs', (order) => {
      const identifiers = Array.from({ length: 300 }, (_, i) => url(i));
      const { engine, results, sheet } = runColumn(identifiers, order);
      expect(rangeRequests(identifiers)).toBe(12);
      expect(engine.log).toHaveLength(12);
      for (const batch of engine.log) expect(batch.identifiers).toHaveLength(25);
      for (const row of sheet.rows) expect(results.get(row)![0]).toBe(`Person ${sheet.valueAt(row)}`);
    });

    it('mixed types, duplicates, blanks and invalid rows: still ceil(unique/25) per type', () => {
      const identifiers = Array.from({ length: 300 }, (_, i) => {
        if (i % 10 === 3) return '';
        if (i % 17 === 5) return 'nonsense';
        if (i % 3 === 0) return `lead${i % 90}@company.com`;
        return url(i % 150);
      });
      const { engine, results, sheet } = runColumn(identifiers, 'shuffled');
      const expected = rangeRequests(identifiers);
      expect(engine.log.length).toBe(expected);
      for (const row of sheet.rows) {
        const value = sheet.valueAt(row) as string;
        const first = results.get(row)![0];
        if (value === '') expect(first).toBe('');
        else if (value === 'nonsense') expect(first).toMatch(/LinkedIn URL or email|LinkedIn URL/);
        else expect(first).toMatch(/^Person /);
      }
    });

    it('a column too long for the cache still costs one range formula when nothing is dropped', () => {
      const identifiers = Array.from({ length: 1200 }, (_, i) => (i % 4 === 3 ? `lead${i}@company.com` : url(i)));
      const { engine } = runColumn(identifiers, 'shuffled');
      expect(engine.log.length).toBe(rangeRequests(identifiers));
    });

    it('when the cache drops rows, a long column never re-buys whole batches', () => {
      const identifiers = Array.from({ length: 1500 }, (_, i) => url(i));
      const engine = fakeEngine({ capacity: 1000 });
      const sheet = fakeSheet(identifiers);
      for (const row of shuffled(sheet.rows, 7)) {
        sheet.callFrom(row);
        const run = runCustomFunction(host(engine, countingLock(), sheet.reader), sheet.valueAt(row));
        expect(run.values[0][0]).toBe(`Person ${sheet.valueAt(row)}`);
        sheet.shown.set(row, run.values[0][0]);
      }
      const sent = engine.log.reduce((sum, request) => sum + request.identifiers.length, 0);
      // A batch is bought once; a row the cache dropped before its cell ran costs one credit again.
      expect(engine.log.every((request) => request.identifiers.length <= 25)).toBe(true);
      // Measured: 375 requests, 2,529 identifiers. Re-fetching whole batches on every miss sent 12,925.
      expect(sent).toBeLessThan(2 * identifiers.length);
      expect(engine.log.length).toBeLessThan(identifiers.length / 3);
    });

    it('a long column run top-down costs exactly one range formula, even with the cache dropping rows', () => {
      const identifiers = Array.from({ length: 1500 }, (_, i) => url(i));
      const engine = fakeEngine({ capacity: 1000 });
      const sheet = fakeSheet(identifiers);
      for (const row of sheet.rows) {
        sheet.callFrom(row);
        sheet.shown.set(row, runCustomFunction(host(engine, countingLock(), sheet.reader), sheet.valueAt(row)).values[0][0]);
      }
      expect(engine.log).toHaveLength(60);
    });

    it('fetches the own identifier first and leaves the rest to the cells that need them', () => {
      const identifiers = Array.from({ length: 100 }, (_, i) => url(i));
      const engine = fakeEngine({ maxRequests: 1 });
      const sheet = fakeSheet(identifiers);
      sheet.callFrom(60);
      const run = runCustomFunction(host(engine, countingLock(), sheet.reader), sheet.valueAt(60));
      expect(run.values[0][0]).toBe(`Person ${url(58)}`);
      expect(engine.log[0].identifiers[0]).toBe(url(58));
      expect(run.trace.neighbours).toBe(99);
    });

    it('reads neighbours only once per block: the other cells find their answer in the cache first', () => {
      const identifiers = Array.from({ length: 50 }, (_, i) => url(i));
      const { sheet, lock } = runColumn(identifiers, 'shuffled');
      expect(sheet.reads.formulas).toBe(1);
      expect(sheet.reads.values).toBe(1);
      expect(lock.acquired).toBe(1);
    });

    it('prefetches nothing when the formula does not reference the value it was given', () => {
      const engine = fakeEngine();
      const sheet = fakeSheet(Array.from({ length: 30 }, (_, i) => url(i)));
      sheet.callFrom(5);
      const run = runCustomFunction(host(engine, countingLock(), sheet.reader), url(999));
      expect(run.trace.neighbours).toBe(0);
      expect(engine.log).toEqual([{ kind: 'profile_url', identifiers: [url(999)] }]);
    });

    it('still answers its own cell when reading the sheet fails', () => {
      const engine = fakeEngine();
      const sheet = fakeSheet([url(1), url(2)]);
      sheet.callFrom(2);
      const broken: SheetReader = { ...sheet.reader, formulas: () => { throw new Error('Service unavailable'); } };
      const run = runCustomFunction(host(engine, countingLock(), broken), url(1));
      expect(run.values[0][0]).toBe(`Person ${url(1)}`);
      expect(run.trace.neighbours).toBe(0);
    });

    it('does not buy rows of formulas that ask for other fields', () => {
      const identifiers = Array.from({ length: 40 }, (_, i) => url(i));
      const formulaFor = (row: number) => (row % 2 ? '=CRUSTDATA_ENRICH(A' + row + ', "contact")' : '=CRUSTDATA_ENRICH(A' + row + ')');
      const engine = fakeEngine();
      const sheet = fakeSheet(identifiers, formulaFor);
      sheet.callFrom(2);
      runCustomFunction(host(engine, countingLock(), sheet.reader), sheet.valueAt(2));
      expect(engine.log[0].identifiers).toHaveLength(20);
    });
  });
});

describe('answerBeforeTheKey: what a single cell answers without reading Properties', () => {
  function keyless() {
    const clock = new FakeClock();
    const resultCache = new FakeCache(clock);
    const windowNoteCache = new FakeCache(clock);
    return { clock, resultCache, windowNoteCache, host: { resultCache, windowNoteCache, hasher: nodeHasher, clock } };
  }
  const selection = parseFieldSelection(null);

  it('its row from the packs, exactly as the full call would show it', () => {
    const { clock, resultCache, host } = keyless();
    const person: PersonData = { basic_profile: { name: 'Ada Lovelace' } };
    new ResultCache(new PackedResultCache(resultCache, clock), nodeHasher, selectionKey(selection)).putMany([
      { id: { kind: 'profile_url', normalized: url(1) }, result: { person, fetchedAt: clock.now() } },
    ]);
    const values = answerBeforeTheKey(host, url(1));
    expect(values?.[0][0]).toBe('Ada Lovelace');
    expect(values?.[0]).toHaveLength(DEFAULT_COLUMNS.length);
    expect(answerBeforeTheKey(host, url(1), undefined, true)?.[0]).toEqual(DEFAULT_COLUMNS.map((c) => c.header));
  });

  it('nothing cached and no note of a full window: null, the call reads the key', () => {
    const { host } = keyless();
    expect(answerBeforeTheKey(host, url(2))).toBeNull();
  });

  it('a window noted full past its last start: the pending message; full only until before it: null', () => {
    const { clock, windowNoteCache, host } = keyless();
    windowNoteCache.put('cd:cf-window-full-until', String(clock.now() + 40_000), 60);
    expect(answerBeforeTheKey(host, url(3))?.[0][0]).toBe(MESSAGES.pending);
    windowNoteCache.put('cd:cf-window-full-until', String(clock.now() + 5_000), 60);
    expect(answerBeforeTheKey(host, url(3))).toBeNull();
  });

  it('leaves ranges to the full call, and checks arguments the same way', () => {
    const { host } = keyless();
    expect(answerBeforeTheKey(host, [[url(1)], [url(2)]])).toBeNull();
    expect(() => answerBeforeTheKey(host, url(1), 'nonsense')).toThrow(/Unknown field "nonsense"/);
    expect(answerBeforeTheKey(host, 'not a url')?.[0][0]).toMatch(/LinkedIn|identifier|valid/i);
  });
});
// ---- The options argument --------------------------------------------------------------------

describe('the options argument', () => {
  function host(engine: ReturnType<typeof fakeEngine>, lock: Lock = countingLock(), sheet: SheetReader | null = null): CustomFunctionHost {
    return { ctx: engine.ctx, enrich: engine.enrich, documentLock: lock, sheet };
  }

  it.each([
    ['min_score=2', /min_score must be a number from 0 to 1.*Valid options: min_score=0\.8, live/],
    ['force_fetch', /force_fetch is not a formula option.*Valid options/],
    ['colour=blue', /Unknown option "colour=blue".*Valid options: min_score=0\.8, live/],
    [true, /options must be text.*Valid options/],
  ])('%s is a clear error before anything is read or sent', (options, message) => {
    const engine = fakeEngine();
    const lock = countingLock();
    const attempt = () => runCustomFunction(host(engine, lock), [[url(1)]], undefined, undefined, options);
    expect(attempt).toThrow(message);
    expect(engine.calls).toHaveLength(0);
    expect(lock.acquired).toBe(0);
    const keyless = () =>
      answerBeforeTheKey({ resultCache: new FakeCache(engine.clock), windowNoteCache: new FakeCache(engine.clock), hasher: nodeHasher, clock: engine.clock }, url(1), undefined, undefined, options);
    expect(keyless).toThrow(message);
  });

  it('reach the engine as API options, always with "take the best" and a small live batch', () => {
    const engine = fakeEngine();
    runCustomFunction(host(engine), [[url(1)], ['a@x.example']], 'basic_profile, match', undefined, 'min_score=0.8, live');
    expect(engine.calls.length).toBeGreaterThan(0);
    for (const call of engine.calls) {
      expect(call.options.api).toEqual({ minScore: 0.8, live: true, forceFetch: false, enrichRealtime: false });
      expect(call.options.ambiguity).toBeUndefined();
      expect(call.options.liveBatchSize).toBe(CUSTOM_FUNCTION_LIVE_BATCH_SIZE);
    }
    expect(engine.calls[0].options.selection.computed).toEqual(['match']);
  });

  it('no options is the defaults', () => {
    const engine = fakeEngine();
    runCustomFunction(host(engine), [[url(1)]]);
    runCustomFunction(host(engine), [[url(2)]], undefined, undefined, '');
    for (const call of engine.calls) expect(call.options.api).toEqual(DEFAULT_API_OPTIONS);
  });

  it('neighbours are fetched only for formulas with the same options, as written', () => {
    const formulas = ['', '=CRUSTDATA_ENRICH(A2, , , "live")', '=CRUSTDATA_ENRICH(A3, , , "live")', '=CRUSTDATA_ENRICH(A4)', '=CRUSTDATA_ENRICH(A5, , , "min_score=0.8")', '=CRUSTDATA_ENRICH(A6;;;"live")'];
    const plan = planNeighbours({ sheetName: 'Leads', row: 2, column: 2, formula: formulas[1] }, 1, formulas);
    expect(plan?.rows).toEqual([2, 3, 6]);
  });
});
