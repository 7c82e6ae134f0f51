// Schemas are built on first use: see lazySchema below. Below core, so the request schemas the
// sidebar's types come from (src/common/requests.ts) can use it too.

/**
 * A schema built on its first use, then kept. Every execution (every custom-function cell) runs
 * the bundle's top level, and building zod schemas there was most of it; a cell answered from
 * the cache never needs the response schemas. Use: `const thing = lazySchema(() => z.object(…))`,
 * then `thing().safeParse(value)`, and `z.infer<ReturnType<typeof thing>>` for its type.
 */
export function lazySchema<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => {
    if (built === undefined) built = build();
    return built;
  };
}
