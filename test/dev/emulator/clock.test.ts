// The virtual clock only moves when told to, and never backwards.
import { DEFAULT_START_MS, realClock, VirtualClock } from '../../../dev/emulator';

describe('VirtualClock', () => {
  it('starts at a fixed time and advances only when told', () => {
    const clock = new VirtualClock();
    expect(clock.now()).toBe(DEFAULT_START_MS);
    clock.advance(1500);
    expect(clock.now()).toBe(DEFAULT_START_MS + 1500);
    clock.setTime(DEFAULT_START_MS + 60_000);
    expect(clock.now()).toBe(DEFAULT_START_MS + 60_000);
  });

  it('refuses to run backwards or by a negative amount', () => {
    const clock = new VirtualClock(1000);
    expect(() => clock.setTime(999)).toThrow(/backwards/);
    expect(() => clock.advance(-1)).toThrow(RangeError);
  });

  it('realClock reads the system time', () => {
    const before = Date.now();
    expect(realClock.now()).toBeGreaterThanOrEqual(before);
  });
});
