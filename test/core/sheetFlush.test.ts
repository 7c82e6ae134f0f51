// Google: call SpreadsheetApp.flush() before releasing a lock, so pending writes are committed
// while the lock is still held. The wrappers flush only when the sheet was written since the last
// flush, before a lock release, an engine call (it takes its own lock) or the hand-over to jobs.
import type { JobDeps } from '../../src/core/bulkJob';
import type { JobEngine, Lock, SheetGateway } from '../../src/core/ports';
import type { ControlDeps } from '../../src/core/refreshControl';
import { flushingJobDeps, flushingRefreshDeps } from '../../src/core/sheetFlush';

/** A port whose every method logs its name; what it returns does not matter here. */
function logging<T extends object>(log: string[], names: string[], extra: Partial<T> = {}): T {
  const port: Record<string, unknown> = { ...extra };
  for (const name of names) port[name] = () => log.push(name);
  return port as T;
}

const GATEWAY_METHODS = ['readValues', 'writeValues', 'clearValues', 'addRowAnchors', 'readRowAnchors', 'selectRanges', 'flush'];

function jobDeps(log: string[]): JobDeps {
  return {
    gateway: logging<SheetGateway>(log, GATEWAY_METHODS),
    store: { get: () => null, set: () => undefined, delete: () => undefined, keys: () => [] },
    lock: logging<Lock>(log, ['releaseLock'], { tryLock: () => true }),
    clock: { now: () => 0, sleep: () => undefined },
    engine: logging<JobEngine>(log, ['enrich', 'cachedKeys'], { requestsPerMinute: 15 }),
    newId: () => 'id',
  };
}

describe('flushingJobDeps', () => {
  it('flushes before a lock release that follows a write', () => {
    const log: string[] = [];
    const deps = flushingJobDeps(jobDeps(log));
    deps.gateway.writeValues(1, 1, 1, [['x']]);
    deps.lock.releaseLock();
    expect(log).toEqual(['writeValues', 'flush', 'releaseLock']);
  });

  it('does not flush when nothing was written, or when the writes were flushed already', () => {
    const log: string[] = [];
    const deps = flushingJobDeps(jobDeps(log));
    deps.gateway.readValues(1, 1, 1, 1, 1);
    deps.lock.releaseLock();
    deps.gateway.clearValues(1, 1, 1, 1, 1);
    deps.gateway.flush();
    deps.lock.releaseLock();
    expect(log).toEqual(['readValues', 'releaseLock', 'clearValues', 'flush', 'releaseLock']);
  });

  it('flushes before the engine runs (the engine takes the rate window lock), not before a cache lookup', () => {
    const log: string[] = [];
    const deps = flushingJobDeps(jobDeps(log));
    deps.gateway.addRowAnchors(1, []);
    deps.engine.cachedKeys([], { groups: [], fields: [] } as never);
    deps.engine.enrich([], {} as never);
    expect(log).toEqual(['addRowAnchors', 'cachedKeys', 'flush', 'enrich']);
    expect(deps.engine.requestsPerMinute).toBe(15);
  });

  it('selecting rows counts as a change to flush', () => {
    const log: string[] = [];
    const deps = flushingJobDeps(jobDeps(log));
    deps.gateway.selectRanges(1, ['A1']);
    deps.lock.releaseLock();
    expect(log).toEqual(['selectRanges', 'flush', 'releaseLock']);
  });

  it('a port method it does not know as a read counts as a write (an extra flush, never a missing one)', () => {
    const log: string[] = [];
    const raw = jobDeps(log);
    const withNewWrite = Object.assign(raw.gateway, { protectRange: () => log.push('protectRange') });
    const deps = flushingJobDeps({ ...raw, gateway: withNewWrite });
    (deps.gateway as typeof withNewWrite).protectRange();
    deps.lock.releaseLock();
    expect(log).toEqual(['protectRange', 'flush', 'releaseLock']);
  });

  it('still releases the lock when the flush fails', () => {
    const log: string[] = [];
    const raw = jobDeps(log);
    raw.gateway.flush = () => {
      throw new Error('Service error');
    };
    const deps = flushingJobDeps(raw);
    deps.gateway.writeValues(1, 1, 1, [['x']]);
    expect(() => deps.lock.releaseLock()).toThrow('Service error');
    expect(log).toEqual(['writeValues', 'releaseLock']);
  });

  it('wrapping twice keeps one record of pending writes', () => {
    const log: string[] = [];
    const outer = flushingJobDeps(jobDeps(log));
    const inner = flushingJobDeps(outer);
    expect(inner).toBe(outer);
    outer.gateway.writeValues(1, 1, 1, [['x']]);
    inner.lock.releaseLock();
    expect(log).toEqual(['writeValues', 'flush', 'releaseLock']);
  });
});

describe('flushingRefreshDeps', () => {
  function controlDeps(log: string[]): ControlDeps {
    const base = jobDeps(log);
    return {
      sheet: logging(log, ['writeNotes', 'writeBackgrounds', 'markChangesColumn', 'readNotes', 'flush']),
      store: base.store,
      lock: base.lock,
      clock: base.clock,
      zone: { offsetMs: () => 0 },
      engine: logging(log, ['enrich']),
      newId: () => 'id',
      triggers: { listClock: () => [], createHourly: () => 't', remove: () => true },
      userStore: base.store,
      documentId: 'spreadsheet-1',
      activeSheetId: () => 1,
      continueBackgroundJobs: () => log.push('continueBackgroundJobs'),
    };
  }

  it('flushes the refresh writes before a release, an engine call, and the hand-over to background jobs', () => {
    const log: string[] = [];
    const deps = flushingRefreshDeps(controlDeps(log));
    deps.sheet.writeNotes(1, 1, 1, [['n']]);
    deps.lock.releaseLock();
    deps.sheet.writeBackgrounds(1, 1, 1, [['#fff']]);
    deps.engine.enrich([], {} as never);
    deps.sheet.markChangesColumn(1, 2, 'L');
    deps.continueBackgroundJobs!(1000);
    deps.sheet.readNotes(1, 1, 1, 1, 1);
    deps.lock.releaseLock();
    expect(log).toEqual([
      'writeNotes', 'flush', 'releaseLock',
      'writeBackgrounds', 'flush', 'enrich',
      'markChangesColumn', 'flush', 'continueBackgroundJobs',
      'readNotes', 'releaseLock',
    ]);
  });
});
