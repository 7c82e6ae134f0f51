// A zod/mini that records every schema it is asked to build, for the tests that prove schemas are
// built on first use and once, not when the bundle loads (a custom-function cell needs none).

/**
 * Loads `load`'s modules afresh (jest.isolateModules) over the recording zod/mini: `built` lists
 * the zod functions called, in order, from loading on.
 */
export function loadCountingZod<T>(load: () => T): { built: string[]; loaded: T } {
  const built: string[] = [];
  let loaded!: T;
  jest.isolateModules(() => {
    const actual = jest.requireActual<Record<string, unknown>>('zod/mini');
    const counting: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(actual)) {
      counting[name] =
        typeof value === 'function'
          ? (...args: unknown[]) => {
              built.push(name);
              return (value as (...a: unknown[]) => unknown)(...args);
            }
          : value;
    }
    jest.doMock('zod/mini', () => counting);
    loaded = load();
  });
  return { built, loaded };
}
