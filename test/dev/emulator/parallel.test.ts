// The parallel mode: formula cells as Sheets runs them, many executions at once on one virtual
// clock. Each test states what the sequential emulator could not show.
import { AppsScriptEmulator, VirtualClock } from '../../../dev/emulator';
import { scriptedTransport } from './helpers';

const SOURCE = `
function SLEEPY(ms) {
  var started = Date.now();
  Utilities.sleep(ms);
  return [[started, Date.now()]];
}
function LOCKED(holdMs, waitMs) {
  var started = Date.now();
  var lock = LockService.getDocumentLock();
  if (!lock.tryLock(waitMs)) return [['timeout', started, Date.now()]];
  var got = Date.now();
  Utilities.sleep(holdMs);
  lock.releaseLock();
  return [['locked', started, got]];
}
function WAITLOCK(waitMs) {
  LockService.getDocumentLock().waitLock(waitMs);
  Utilities.sleep(1000);
  return 'ok';
}
function COUNTER() {
  var cache = CacheService.getDocumentCache();
  var lock = LockService.getDocumentLock();
  lock.waitLock(20000);
  var n = Number(cache.get('n') || 0);
  Utilities.sleep(100);
  cache.put('n', String(n + 1));
  lock.releaseLock();
  return n + 1;
}
function RACE() {
  var cache = CacheService.getDocumentCache();
  var n = Number(cache.get('n') || 0);
  Utilities.sleep(100);
  cache.put('n', String(n + 1));
  return n + 1;
}
function FETCHER() {
  var started = Date.now();
  UrlFetchApp.fetch('https://api.example.com/x');
  return [[started, Date.now()]];
}
function WHERE() {
  var range = SpreadsheetApp.getActiveRange();
  Utilities.sleep(10);
  return SpreadsheetApp.getActiveRange().getA1Notation() + '=' + range.getA1Notation();
}
function FOREVER() {
  Utilities.sleep(25000);
  Utilities.sleep(10000);
  return 'never';
}
function CATCHER() {
  try { Utilities.sleep(40000); } catch (e) { return 'caught ' + e.message; }
  return 'slept';
}
function WRITER() {
  SpreadsheetApp.getActiveSheet().getRange('Z1').setValue(1);
}
function ISARRAY(x) { return [[Array.isArray(x), x instanceof Array, typeof x[0][0]]]; }
`;

function emulator(clock = new VirtualClock()) {
  const emu = new AppsScriptEmulator({ clock, transport: scriptedTransport(() => ({ latencyMs: 4000 })) }).loadSource(SOURCE);
  emu.model.addSheet('Sheet1', [['a'], ['b'], ['c']]);
  return { emu, clock };
}

const cellsOf = (count: number, functionName: string, args: unknown[] = []) =>
  Array.from({ length: count }, (_, i) => ({ cell: `B${i + 1}`, functionName, args }));

describe('runCustomFunctionsInParallel', () => {
  it('overlaps sleeps: ten cells sleeping 10 s all end at T0 + 10 s', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const results = emu.runCustomFunctionsInParallel(cellsOf(10, 'SLEEPY', [10_000]));
    for (const result of results) {
      expect(result.ok).toBe(true);
      expect(result.values).toEqual([[t0, t0 + 10_000]]);
    }
    expect(clock.now()).toBe(t0 + 10_000);
  });

  it('two executions overlap in virtual time (the second starts before the first ends)', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const [first, second] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'SLEEPY', args: [5_000] },
      { cell: 'B2', functionName: 'SLEEPY', args: [3_000] },
    ]);
    expect(second.startMs).toBeLessThan(first.startMs + first.elapsedMs);
    expect(first.values).toEqual([[t0, t0 + 5_000]]);
    expect(second.values).toEqual([[t0, t0 + 3_000]]);
  });

  it('fetches overlap: three cells each waiting 4 s for an answer end at T0 + 4 s', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const results = emu.runCustomFunctionsInParallel(cellsOf(3, 'FETCHER'));
    expect(results.map((r) => r.values)).toEqual([[[t0, t0 + 4_000]], [[t0, t0 + 4_000]], [[t0, t0 + 4_000]]]);
    expect(emu.fetches.map((f) => f.startedAtMs)).toEqual([t0, t0, t0]);
  });

  it('respects the concurrency cap: the next cell starts when one ends', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const results = emu.runCustomFunctionsInParallel(cellsOf(7, 'SLEEPY', [10_000]), { concurrency: 3 });
    const starts = results.map((r) => (r.values[0][0] as number) - t0);
    expect(starts).toEqual([0, 0, 0, 10_000, 10_000, 10_000, 20_000]);
    expect(clock.now()).toBe(t0 + 30_000);
    // Never more than 3 in flight at any instant.
    for (const r of results) {
      const at = r.startMs;
      const inFlight = results.filter((o) => o.startMs <= at && at < o.startMs + o.elapsedMs).length;
      expect(inFlight).toBeLessThanOrEqual(3);
    }
  });

  it('defaults to 30 at once, Apps Script\'s simultaneous executions per user', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const results = emu.runCustomFunctionsInParallel(cellsOf(31, 'SLEEPY', [1_000]));
    expect(results.filter((r) => r.startMs === t0)).toHaveLength(30);
    expect(results[30].startMs).toBe(t0 + 1_000);
  });

  it('a lock held by one execution makes the other wait until it is released', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const [holder, waiter] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'LOCKED', args: [8_000, 20_000] },
      { cell: 'B2', functionName: 'LOCKED', args: [1_000, 20_000] },
    ]);
    expect(holder.values).toEqual([['locked', t0, t0]]);
    expect(waiter.values).toEqual([['locked', t0, t0 + 8_000]]);
    expect(clock.now()).toBe(t0 + 9_000);
  });

  it('a lock waiter gives up at its timeout while the holder keeps the lock', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const [holder, waiter] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'LOCKED', args: [15_000, 20_000] },
      { cell: 'B2', functionName: 'LOCKED', args: [1_000, 5_000] },
    ]);
    expect(holder.values).toEqual([['locked', t0, t0]]);
    expect(waiter.values).toEqual([['timeout', t0, t0 + 5_000]]);
  });

  it('waitLock throws "Lock timeout" past its timeout', () => {
    const { emu } = emulator();
    const [first, second] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'LOCKED', args: [10_000, 1_000] },
      { cell: 'B2', functionName: 'WAITLOCK', args: [2_000] },
    ]);
    expect(first.ok).toBe(true);
    expect(second.sheetsError?.message).toMatch(/Lock timeout/);
  });

  it('locks really exclude: a read-modify-write under the lock counts every cell, without it updates are lost', () => {
    const locked = emulator().emu;
    const counted = locked.runCustomFunctionsInParallel(cellsOf(5, 'COUNTER'));
    expect(counted.map((r) => r.values[0][0]).sort()).toEqual([1, 2, 3, 4, 5]);
    const racing = emulator().emu;
    const raced = racing.runCustomFunctionsInParallel(cellsOf(5, 'RACE'));
    expect(raced.map((r) => r.values[0][0])).toEqual([1, 1, 1, 1, 1]);
  });

  it('keeps each execution\'s own 30 s limit on the shared clock', () => {
    const { emu, clock } = emulator();
    const t0 = clock.now();
    const [late, quick] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'FOREVER' },
      { cell: 'B2', functionName: 'SLEEPY', args: [2_000] },
    ]);
    expect(late.timedOut).toBe(true);
    expect(late.sheetsError?.message).toBe('Internal error executing the custom function.'); // an add-on's cell past 30 s
    expect(late.elapsedMs).toBe(30_000);
    expect(quick.ok).toBe(true);
    expect(clock.now()).toBe(t0 + 30_000);
  });

  it('a script that catches the time-out still ends as timed out', () => {
    const { emu } = emulator();
    const [result] = emu.runCustomFunctionsInParallel([{ cell: 'B1', functionName: 'CATCHER' }]);
    expect(result.timedOut).toBe(true);
    expect(result.elapsedMs).toBe(30_000);
  });

  it('each execution sees its own cell as the active range, and the user\'s selection comes back', () => {
    const { emu } = emulator();
    emu.model.select('Sheet1!A1:A3');
    const results = emu.runCustomFunctionsInParallel(cellsOf(3, 'WHERE'));
    expect(results.map((r) => r.values[0][0])).toEqual(['B1=B1', 'B2=B2', 'B3=B3']);
    expect(emu.model.activeRange().range).toEqual({ row: 1, column: 1, endRow: 3, endColumn: 1 });
  });

  it('keeps custom-function rules: the spreadsheet is read-only, arrays are the script\'s own', () => {
    const { emu } = emulator();
    const [writer, arrays] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'WRITER' },
      { cell: 'B2', functionName: 'ISARRAY', args: emu.argsFrom('A1:A2') },
    ]);
    expect(writer.sheetsError?.message).toMatch(/You do not have permission to call/);
    expect(arrays.values).toEqual([[true, true, 'string']]);
  });

  it('spill: cells read "Loading..." while the recalculation runs, and show their results after', () => {
    const { emu } = emulator();
    const source = `${SOURCE}\nfunction PEEK() { Utilities.sleep(10); return SpreadsheetApp.getActiveSheet().getRange('B1:B2').getValues()[0][0] + '|' + SpreadsheetApp.getActiveSheet().getRange('B1:B2').getValues()[1][0]; }`;
    emu.loadSource(source);
    const results = emu.runCustomFunctionsInParallel(cellsOf(2, 'PEEK'), { spill: true });
    expect(results.map((r) => r.values[0][0])).toEqual(['Loading...|Loading...', 'Loading...|Loading...']);
    expect(emu.model.cell('B1').value).toBe('Loading...|Loading...');
  });

  it('is reproducible: the same cells give the same executions in the same order', () => {
    const runOnce = () => {
      const { emu } = emulator();
      emu.runCustomFunctionsInParallel(
        [3_000, 1_000, 2_000, 1_000].map((ms, i) => ({ cell: `B${i + 1}`, functionName: 'LOCKED', args: [ms, 20_000] })),
        { concurrency: 3 },
      );
      return emu.executions.map((e) => [e.executionId, e.startMs, e.elapsedMs]);
    };
    expect(runOnce()).toEqual(runOnce());
  });

  it('an unknown function is #NAME? and the others still run', () => {
    const { emu } = emulator();
    const [missing, ok] = emu.runCustomFunctionsInParallel([
      { cell: 'B1', functionName: 'NOPE' },
      { cell: 'B2', functionName: 'SLEEPY', args: [1] },
    ]);
    expect(missing.sheetsError?.code).toBe('#NAME?');
    expect(ok.ok).toBe(true);
  });
});
