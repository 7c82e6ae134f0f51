// The seams' one helper with logic of its own: a lock taken once for nested sections.
import { reentrantLock, withLock, type Lock } from '../../src/core/ports';

function countingLock(free = true) {
  const calls: string[] = [];
  const lock: Lock = {
    tryLock: (ms) => {
      calls.push(`try ${ms}`);
      return free;
    },
    releaseLock: () => {
      calls.push('release');
    },
  };
  return { lock, calls };
}

describe('reentrantLock', () => {
  it('takes the lock once for nested sections and frees it only when the outermost ends', () => {
    const { lock, calls } = countingLock();
    const shared = reentrantLock(lock);
    const inner = withLock(shared, 2000, () => withLock(shared, 2000, () => calls.slice()));
    expect(inner).toEqual(['try 2000']);
    expect(calls).toEqual(['try 2000', 'release']);
  });

  it('a section that did not get the lock releases nothing, and the next try asks again', () => {
    const { lock, calls } = countingLock(false);
    const shared = reentrantLock(lock);
    expect(withLock(shared, 500, () => 'ran')).toEqual({ lockTimedOut: true });
    shared.releaseLock();
    expect(withLock(shared, 500, () => 'ran')).toEqual({ lockTimedOut: true });
    expect(calls).toEqual(['try 500', 'try 500']);
  });
});
