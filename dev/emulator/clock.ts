// Time for the emulator. Tests run on a VirtualClock, so an hour-long job takes milliseconds and
// every assertion about time is exact; the playground can use realClock against a real network.

export interface EmulatorClock {
  now(): number;
  /** Lets time pass: virtual clocks jump, the real clock blocks the thread. */
  advance(ms: number): void;
}

/** Monday 6 January 2025, 09:00 UTC: a fixed, readable start so logs and triggers are reproducible. */
export const DEFAULT_START_MS = Date.UTC(2025, 0, 6, 9, 0, 0);

export class VirtualClock implements EmulatorClock {
  private nowMs: number;

  constructor(startMs: number = DEFAULT_START_MS) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`VirtualClock.advance: ${ms} is not a duration`);
    this.nowMs += ms;
  }

  /** Moves to an absolute time; time never runs backwards, as code relying on Date.now() assumes. */
  setTime(ms: number): void {
    if (!Number.isFinite(ms)) throw new RangeError(`VirtualClock.setTime: ${ms} is not a time`);
    if (ms < this.nowMs) throw new RangeError('VirtualClock.setTime: time cannot run backwards');
    this.nowMs = ms;
  }
}

/** Blocks the thread (Atomics.wait), as Utilities.sleep blocks an Apps Script execution. */
export function blockFor(ms: number): void {
  if (ms <= 0) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export const realClock: EmulatorClock = {
  now: () => Date.now(),
  advance: (ms) => blockFor(ms),
};
