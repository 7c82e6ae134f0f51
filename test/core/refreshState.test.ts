// The refresh state property: read back through zod (anything unreadable starts afresh), texts
// capped under the 9 KB limit, and its schemas built on first use rather than at bundle load.
import { emptyRefreshState, loadRefreshState, REFRESH_STATE_KEY, saveRefreshState, type RefreshState } from '../../src/core/refreshState';
import { loadCountingZod } from '../helpers/countingZod';
import { FakeStore } from './refreshFakes';

function busyState(): RefreshState {
  return {
    ...emptyRefreshState(),
    servedSlot: 10,
    pass: {
      id: 'p1', origin: 'schedule', startedAt: 1, sheetId: 7, sheetName: 'Leads', layoutId: 'L1', cutoffDate: '2026-01-01', freshSinceMs: 2,
      forceFetch: false, trackedHeaders: ['Current employer'], cursorRow: 40, anchor: 'profile_url x',
      counts: { due: 50, refreshed: 30, changed: 2, notFound: 1, failed: 0, changedBy: { 'Current employer': 2 } }, runs: 1, firstFailure: null,
    },
    lease: { token: 't', until: 99 },
    lastRun: { at: 5, refreshed: 3, changed: 1, notFound: 0, failed: 0, summary: 'x'.repeat(5000) },
    lastChange: { at: 5, text: 'y'.repeat(5000) },
    lastTickAt: 4,
    consecutiveErrors: 1,
  };
}

test('a saved state reads back, long texts capped; an unreadable one reads as empty', () => {
  const store = new FakeStore();
  saveRefreshState(store, busyState());
  const back = loadRefreshState(store);
  expect(back.pass).toEqual(busyState().pass);
  expect(back.lastRun!.summary).toHaveLength(1000);
  expect(back.lastChange!.text).toHaveLength(500);
  expect(store.get(REFRESH_STATE_KEY)!.length).toBeLessThan(9 * 1024);
  for (const bad of ['not json', '{"v":2}', JSON.stringify({ ...emptyRefreshState(), consecutiveErrors: -1 })]) {
    store.set(REFRESH_STATE_KEY, bad);
    expect(loadRefreshState(store)).toEqual(emptyRefreshState());
  }
});

describe('schemas are built on first use, not when the bundle loads', () => {
  const load = () => loadCountingZod(() => require('../../src/core/refreshState') as typeof import('../../src/core/refreshState'));

  it('loading the module, and a state never saved, build none', () => {
    const { built, loaded } = load();
    expect(built).toEqual([]);
    expect(loaded.loadRefreshState(new FakeStore())).toEqual(loaded.emptyRefreshState());
    expect(built).toEqual([]);
  });

  it('the first read builds them once', () => {
    const { built, loaded } = load();
    const store = new FakeStore();
    loaded.saveRefreshState(store, busyState());
    expect(built).toEqual([]);
    expect(loaded.loadRefreshState(store).pass?.cursorRow).toBe(40);
    const first = built.length;
    expect(first).toBeGreaterThan(0);
    expect(loaded.loadRefreshState(store).lastTickAt).toBe(4);
    expect(built.length).toBe(first);
  });
});
