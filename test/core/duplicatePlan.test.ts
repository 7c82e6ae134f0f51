// The bulk job's duplicate plan: which row each repeat takes its outcome from, stored in chunks
// of document properties that fit the 9 KB limit, trusted only for the build that wrote them.
import {
  clearPlan,
  linkDuplicates,
  MAX_PLAN_CHUNKS,
  PLAN_CHUNK_ROWS,
  planCovers,
  readPlanChunk,
  savePlan,
} from '../../src/core/duplicatePlan';
import { FakeStore } from '../helpers/fakeStore';

describe('linkDuplicates', () => {
  const keys = ['a', null, 'b', 'a', 'c', 'a', 'b', null];

  test('first pass: each repeat links to the nearest earlier row with its identifier', () => {
    expect([...linkDuplicates(keys, 1)]).toEqual([-1, -1, -1, 0, -1, 3, 2, -1]);
  });

  test('second pass: each row links to the last row with its identifier, the last one to none', () => {
    expect([...linkDuplicates(keys, 2)]).toEqual([5, -1, 6, 5, -1, -1, -1, -1]);
  });
});

describe('stored chunks', () => {
  test('round-trip from the cursor on; offsets before the first stored chunk are not covered', () => {
    const store = new FakeStore();
    const keys = Array.from({ length: 3_000 }, (_, i) => `id${i % 1_000}`);
    const links = linkDuplicates(keys, 1);
    const header = savePlan(store, 7, 'tag1', 1, links, 1_700);
    expect(header).toEqual({ tag: 'tag1', pass: 1, rows: 3_000, from: 1_600, upTo: 3_000 });
    expect(planCovers(header, 1, 3_000, 1_600)).toBe(true);
    expect(planCovers(header, 1, 3_000, 1_599)).toBe(false);
    expect(planCovers(header, 2, 3_000, 2_000)).toBe(false);
    expect(planCovers(header, 1, 3_004, 2_000)).toBe(false); // rows inserted: built again
    const chunk = readPlanChunk(store, 7, header, 2)!;
    expect(chunk.get(2_345 - 2 * PLAN_CHUNK_ROWS)).toBe(1_345);
    expect(readPlanChunk(store, 7, header, 1)).toBeNull();
  });

  test('every stored chunk fits a property even when every row repeats; one build stores a bounded number', () => {
    const store = new FakeStore();
    const rows = 9_000_000 + 40 * PLAN_CHUNK_ROWS;
    const links = new Int32Array(rows).fill(8_999_999);
    const header = savePlan(store, 7, 'big', 1, links, 9_000_000);
    const stored = [...store.values.values()];
    expect(stored.length).toBeLessThanOrEqual(MAX_PLAN_CHUNKS);
    expect(stored.length).toBeGreaterThan(0);
    for (const value of stored) expect(value.length).toBeLessThan(9 * 1024);
    expect(header.upTo - header.from).toBe(stored.length * PLAN_CHUNK_ROWS);
    expect(readPlanChunk(store, 7, header, Math.floor(9_000_000 / PLAN_CHUNK_ROWS))!.get(0)).toBe(8_999_999);
  });

  test('a chunk of another build, or mangled, is not trusted', () => {
    const store = new FakeStore();
    const links = linkDuplicates(['a', 'a', 'b', 'b'], 1);
    const header = savePlan(store, 7, 'one', 1, links, 0);
    savePlan(store, 7, 'two', 1, links, 0); // a later build overwrote the chunk
    expect(readPlanChunk(store, 7, header, 0)).toBeNull();
    const current = { ...header, tag: 'two' };
    expect([...readPlanChunk(store, 7, current, 0)!]).toEqual([
      [1, 0],
      [3, 2],
    ]);
    store.set('crustdata.dups.7.0', JSON.stringify({ t: 'two', d: '1:zzzz' })); // links past the rows
    expect(readPlanChunk(store, 7, current, 0)).toBeNull();
    store.set('crustdata.dups.7.0', 'not json');
    expect(readPlanChunk(store, 7, current, 0)).toBeNull();
  });

  test("clearPlan removes the sheet's chunks, keeps another sheet's and a kept build's", () => {
    const store = new FakeStore();
    const links = linkDuplicates(Array.from({ length: 2_000 }, (_, i) => `id${i % 10}`), 1);
    savePlan(store, 7, 'old', 1, links, 0);
    savePlan(store, 8, 'other', 1, links, 0);
    store.set('crustdata.job.7', '{}');
    const kept = savePlan(store, 7, 'new', 1, links, 1_700); // chunk 2 only
    clearPlan(store, 7, kept);
    expect(store.keys().sort()).toEqual(['crustdata.dups.7.2', 'crustdata.dups.8.0', 'crustdata.dups.8.1', 'crustdata.dups.8.2', 'crustdata.job.7']);
    clearPlan(store, 7);
    expect(store.keys().filter((key) => key.startsWith('crustdata.dups.7.'))).toEqual([]);
  });
});
