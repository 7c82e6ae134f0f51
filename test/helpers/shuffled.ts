// A reproducible shuffle for tests that run cells in an order other than top-down, as Sheets
// recalculates them.

/** A copy of `items` in an order fixed by `seed` (Fisher–Yates over a linear congruential generator). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
