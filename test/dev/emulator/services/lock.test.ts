// LockService on one thread: another execution's hold is simulated, and waiting for it lets
// virtual time pass inside the waiting execution's limit.
import { AppsScriptEmulator, VirtualClock } from '../../../../dev/emulator';

const SOURCE = `
function tryScriptLock(ms) {
  var lock = LockService.getScriptLock();
  var got = lock.tryLock(ms);
  return [got, lock.hasLock(), Date.now()];
}
function waitDocumentLock(ms) { LockService.getDocumentLock().waitLock(ms); return 'locked'; }
function lockAndKeep() { LockService.getScriptLock().tryLock(0); return 'kept'; }
function tryUserLock() { return LockService.getUserLock().tryLock(0); }
function writeThenRelease(flushFirst) {
  var lock = LockService.getDocumentLock();
  lock.tryLock(1000);
  SpreadsheetApp.getActiveSheet().getRange('A1').setValue('written');
  if (flushFirst) SpreadsheetApp.flush();
  lock.releaseLock();
  return 'done';
}
function writeThenKeep() {
  LockService.getDocumentLock().tryLock(1000);
  SpreadsheetApp.getActiveSheet().getRange('A1').setValue('written');
  return 'kept';
}
function readThenRelease() {
  var lock = LockService.getScriptLock();
  lock.tryLock(1000);
  SpreadsheetApp.getActiveSheet().getRange('A1').getValue();
  lock.releaseLock();
  return 'done';
}
function lockAndRelease() {
  var lock = LockService.getUserLock();
  lock.tryLock(0);
  lock.releaseLock();
  return lock.hasLock();
}
`;

function setup() {
  const clock = new VirtualClock(1_000_000);
  return { clock, emu: new AppsScriptEmulator({ clock }).loadSource(SOURCE) };
}

describe('LockService', () => {
  it('gets a free lock at once', () => {
    const { emu } = setup();
    expect(emu.call('tryScriptLock', 5000)).toEqual([true, true, 1_000_000]);
  });

  it('waits for a lock another execution releases within the timeout', () => {
    const { emu, clock } = setup();
    emu.holdLock('script', clock.now() + 3000);
    expect(emu.call('tryScriptLock', 5000)).toEqual([true, true, 1_003_000]);
  });

  it('gives up after the timeout when the other execution holds on', () => {
    const { emu, clock } = setup();
    emu.holdLock('script', clock.now() + 60_000);
    expect(emu.call('tryScriptLock', 5000)).toEqual([false, false, 1_005_000]);
  });

  it('records every wait for a lock held by another execution, and none for a free lock', () => {
    const { emu, clock } = setup();
    emu.call('tryScriptLock', 5000);
    expect(emu.locks.waits).toEqual([]);
    emu.holdLock('script', clock.now() + 3000);
    emu.call('tryScriptLock', 5000);
    emu.holdLock('script', clock.now() + 60_000);
    emu.call('tryScriptLock', 5000);
    expect(emu.locks.waits).toEqual([
      { name: 'script', user: emu.owner, functionName: 'tryScriptLock', waitedMs: 3000, acquired: true },
      { name: 'script', user: emu.owner, functionName: 'tryScriptLock', waitedMs: 5000, acquired: false },
    ]);
  });

  it('waitLock throws Apps Script\'s message on timeout', () => {
    const { emu, clock } = setup();
    emu.holdLock('document', clock.now() + 60_000);
    expect(emu.run('waitDocumentLock', [1000]).error).toBe('Lock timeout: another process was holding the lock for too long.');
  });

  it('a wait past the 6-minute limit ends the execution', () => {
    const { emu, clock } = setup();
    emu.holdLock('script', clock.now() + 3_600_000);
    expect(emu.run('tryScriptLock', [3_600_000])).toMatchObject({ error: 'Exceeded maximum execution time', elapsedMs: 360_000 });
  });

  it('releases every lock when the execution ends', () => {
    const { emu } = setup();
    emu.call('lockAndKeep');
    expect(emu.call('tryScriptLock', 0)).toEqual([true, true, 1_000_000]);
    expect(emu.call('lockAndRelease')).toBe(false);
  });

  it('user locks are per user', () => {
    const { emu, clock } = setup();
    emu.holdLock({ user: 'someone@example.com' }, clock.now() + 60_000);
    expect(emu.call('tryUserLock')).toBe(true);
    emu.holdLock({ user: 'owner@example.com' }, clock.now() + 60_000);
    expect(emu.call('tryUserLock')).toBe(false);
  });

  describe('SpreadsheetApp.flush() before releaseLock (Google: flush pending changes while you still have exclusive access)', () => {
    function withSheet() {
      const made = setup();
      made.emu.model.addSheet('Sheet1', [['']]);
      return made;
    }

    it('records a release made with spreadsheet writes not yet flushed', () => {
      const { emu, clock } = withSheet();
      emu.call('writeThenRelease', false);
      expect(emu.unflushedLockReleases).toEqual([
        { functionName: 'writeThenRelease', executionId: expect.any(Number), lock: `document:${emu.model.id}`, unflushedWrites: 1, atMs: clock.now() },
      ]);
    });

    it('records nothing when the script flushed before releasing', () => {
      const { emu } = withSheet();
      emu.call('writeThenRelease', true);
      expect(emu.unflushedLockReleases).toEqual([]);
    });

    it('reads are not pending changes', () => {
      const { emu } = withSheet();
      emu.call('readThenRelease');
      expect(emu.unflushedLockReleases).toEqual([]);
    });

    it('the release at the end of an execution is not counted: Apps Script commits the changes then', () => {
      const { emu } = withSheet();
      emu.call('writeThenKeep');
      expect(emu.unflushedLockReleases).toEqual([]);
    });
  });
});
