// The bulk job's planner on plain data: which rows of a block are kept, written from what is known,
// or fetched, and how the engine's answers become the block's cells, counts and cut.
import { planBlock, writeOut, type BlockRows, type OutsideRows } from '../../src/core/blockPlan';
import { emptyStats, type EnrichResult } from '../../src/core/enrich';
import { classifyIdentifier } from '../../src/core/identifiers';
import { identifierKey } from '../../src/core/jobWorker';
import type { RowOutcome } from '../../src/core/types';

const url = (n: number) => `https://www.linkedin.com/in/person-${n}`;
const key = (n: number) => {
  const id = classifyIdentifier(url(n));
  return id.kind === 'profile_url' ? identifierKey(id) : '';
};

/** Rows 10.. with these identifier cells and result rows ([status, name]). */
function block(cells: unknown[], results: unknown[][], patch: Partial<BlockRows> = {}): BlockRows {
  const ids = cells.map(classifyIdentifier);
  return {
    from: 10,
    to: 10 + cells.length - 1,
    target: results.map((row) => [...row]),
    identifier: (row) => ids[row - 10],
    source: (row) => cells[row - 10],
    retrying: false,
    skipSettled: false,
    maybeOurs: () => false,
    settledHere: new Map(),
    dataColumns: 1,
    ...patch,
  };
}

const nothingOutside: OutsideRows = { linkOf: () => null, cachedKeys: () => new Set(), settledRowAt: () => null };

describe('planBlock', () => {
  test('keeps blanks, writes invalid identifiers, fetches the rest in row order', () => {
    const plan = planBlock(block(['', 'not a url', url(1), url(2)], [['', ''], ['', ''], ['', ''], ['', '']]), nothingOutside);
    expect(plan.rows).toEqual([
      { action: 'keep', counted: 'skipped' },
      { action: 'write', values: [''], status: expect.stringMatching(/^Invalid identifier: /), counted: 'invalid' },
      { action: 'fetch', fetchIndex: 0 },
      { action: 'fetch', fetchIndex: 1 },
    ]);
    expect(plan.fetchCells).toEqual([url(1), url(2)]);
  });

  test('skips settled rows when asked, unless a killed block may have written them; they answer for repeats before them', () => {
    const rows = block([url(1), url(2), url(1)], [['', ''], ['Enriched 2026-01-05', 'Two'], ['Enriched 2026-01-05', 'One']], { skipSettled: true });
    const plan = planBlock(rows, { ...nothingOutside, linkOf: (row) => (row === 10 ? 12 : row === 12 ? 10 : null) });
    expect(plan.rows).toEqual([
      { action: 'write', values: ['One'], status: 'Enriched 2026-01-05', counted: 'enriched' },
      { action: 'keep', counted: 'skipped' },
      { action: 'keep', counted: 'skipped' },
    ]);
    expect(plan.fetchCells).toEqual([]);
    expect(plan.keptSettled.map(({ id }) => identityKey(id))).toEqual([key(2), key(1)]);

    const ours = planBlock({ ...rows, maybeOurs: (row) => row === 11 }, nothingOutside);
    expect(ours.rows[1]).toEqual({ action: 'fetch', fetchIndex: 0 });
    expect(ours.fetchCells).toEqual([url(2)]);
  });

  test('a repeat of a row outside the block: fetched when the cache has it, copied from the sheet when not, fetched when that row is not settled', () => {
    const rows = block([url(1), url(2), url(3)], [['', ''], ['', ''], ['', '']]);
    const seen: string[] = [];
    const plan = planBlock(rows, {
      linkOf: (row) => row - 5,
      cachedKeys: (ids) => new Set(ids.map(identifierKey).filter((k) => k === key(1))),
      settledRowAt: (link, k) => (seen.push(`${link} ${k}`), link === 6 ? ['Not found', ''] : null),
    });
    expect(plan.rows).toEqual([
      { action: 'fetch', fetchIndex: 0 },
      { action: 'write', values: [''], status: 'Not found', counted: 'notFound' },
      { action: 'fetch', fetchIndex: 1 },
    ]);
    expect(plan.fetchCells).toEqual([url(1), url(3)]);
    // The cache answers the first: its row on the sheet is not read.
    expect(seen).toEqual([`6 ${key(2)}`, `7 ${key(3)}`]);
  });

  test('a row settled earlier in the slice is copied, never fetched again', () => {
    const settledHere = new Map([[key(4), ['Enriched 2026-01-05', 'Four']]]);
    const plan = planBlock(block([url(4)], [['', '']], { settledHere }), { ...nothingOutside, linkOf: () => { throw new Error('not needed'); } });
    expect(plan.rows).toEqual([{ action: 'write', values: ['Four'], status: 'Enriched 2026-01-05', counted: 'enriched' }]);
  });

  test('the second pass plans only failed rows; the others are kept and not counted again', () => {
    const plan = planBlock(block([url(1), url(2), ''], [['Error: boom', ''], ['Enriched 2026-01-05', 'Two'], ['', '']], { retrying: true }), nothingOutside);
    expect(plan.rows).toEqual([{ action: 'fetch', fetchIndex: 0 }, { action: 'keep', counted: null }, { action: 'keep', counted: null }]);
  });
});

function identityKey(id: ReturnType<typeof classifyIdentifier>): string {
  return id.kind === 'profile_url' || id.kind === 'business_email' ? identifierKey(id) : id.kind;
}

describe('writeOut', () => {
  const matched = (n: number): RowOutcome => ({ status: 'matched', identifier: url(n), person: { name: `Person ${n}` }, fetchedAt: 0, fromCache: false });
  const result = (outcomes: RowOutcome[], extra: Partial<EnrichResult> = {}): EnrichResult => ({ outcomes, stats: emptyStats(), ...extra });
  const present = { flatten: (person: Record<string, unknown>) => [person.name], date: () => '2026-01-05' };
  const counts = { enriched: 0, notFound: 0, invalid: 0, failed: 0, skipped: 0 };

  test('writes every row answered, and counts each once', () => {
    const rows = block(['', url(1), url(2), url(3)], [['', ''], ['', ''], ['', 'kept'], ['', '']]);
    const plan = planBlock(rows, nothingOutside);
    const out = writeOut(rows, plan, result([matched(1), { status: 'failed', identifier: url(2), code: 'server_error', message: 'boom' }, { status: 'not_found', identifier: url(3), fetchedAt: 0, fromCache: false }]), counts, present);
    expect(out).toEqual({
      cut: 14,
      fatal: null,
      cells: [['', ''], ['Enriched 2026-01-05', 'Person 1'], ['Error: boom', 'kept'], ['Not found', '']],
      counts: { enriched: 1, notFound: 1, invalid: 0, failed: 1, skipped: 1 },
    });
  });

  test('cuts at the first row not answered, and at a key problem, which it names', () => {
    const rows = block([url(1), url(2), url(3)], [['', ''], ['', ''], ['', '']]);
    const plan = planBlock(rows, nothingOutside);
    const pending = writeOut(rows, plan, result([matched(1), { status: 'pending', identifier: url(2), message: 'later' }, matched(3)]), counts, present);
    expect(pending).toMatchObject({ cut: 11, fatal: null, counts: { enriched: 1 } });
    expect(pending.cells).toHaveLength(1);
    const rejected = writeOut(rows, plan, result([{ status: 'failed', identifier: url(1), code: 'invalid_api_key', message: 'Key rejected' }, matched(2), matched(3)]), counts, present);
    expect(rejected).toMatchObject({ cut: 10, fatal: { code: 'invalid_api_key', message: 'Key rejected' }, cells: [] });
  });

  test('in the second pass a retried row leaves "failed" for what it is now', () => {
    const rows = block([url(1), url(2)], [['Error: boom', ''], ['Error: boom', '']], { retrying: true });
    const plan = planBlock(rows, nothingOutside);
    const out = writeOut(rows, plan, result([matched(1), { status: 'failed', identifier: url(2), code: 'server_error', message: 'again' }]), { ...counts, failed: 2, enriched: 5 }, present);
    expect(out.counts).toEqual({ enriched: 6, notFound: 0, invalid: 0, failed: 1, skipped: 0 });
  });
});
