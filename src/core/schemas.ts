// zod schemas for what Crustdata sends back: the enrich response (lenient: unknown fields pass,
// nulls allowed, person_data an open record) and the error envelope. Only a broken envelope fails.
import * as z from 'zod/mini';
import { lazySchema } from '../common/lazySchema';

export { lazySchema };

/**
 * Stored JSON (a property, a cache entry, developer metadata) read through its schema: anything
 * missing, unparsable or invalid (hand-edited, another version) reads as null, never a crash.
 */
export function parseStoredJson<T>(schema: () => { safeParse(value: unknown): { success: true; data: T } | { success: false } }, raw: string | null | undefined): T | null {
  if (!raw) return null;
  try {
    const parsed = schema().safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** person_data is untrusted and only checked for being an object; flattening reads it defensively. */
export const personDataSchema = lazySchema(() => z.record(z.string(), z.unknown()));

export const enrichMatchSchema = lazySchema(() =>
  z.looseObject({
    confidence_score: z.nullish(z.unknown()),
    person_data: z.nullish(personDataSchema()),
  }),
);

export const enrichResultSchema = lazySchema(() =>
  z.looseObject({
    matched_on: z.nullish(z.string()),
    match_type: z.nullish(z.unknown()),
    matches: z.nullish(z.array(z.nullable(enrichMatchSchema()))),
  }),
);

/** The 200 body: a top-level array with one entry per submitted identifier. */
export const enrichResponseSchema = lazySchema(() => z.array(z.nullable(enrichResultSchema())));

export type EnrichMatch = z.infer<ReturnType<typeof enrichMatchSchema>>;
export type EnrichResultEntry = z.infer<ReturnType<typeof enrichResultSchema>>;

/** The documented `{error: {type, message, metadata}}` and the bare `{message}` seen on 401s. */
export const errorEnvelopeSchema = lazySchema(() =>
  z.union([
    z.looseObject({
      error: z.looseObject({ type: z.nullish(z.string()), message: z.nullish(z.string()) }),
    }),
    z.looseObject({ message: z.string(), type: z.nullish(z.string()) }),
  ]),
);

export type ParsedEnrichBody =
  | { ok: true; entries: EnrichResultEntry[] }
  | { ok: false; message: string };

/** Parses a 200 body; never throws. The message says what was wrong, for the row's status. */
export function parseEnrichBody(body: string): ParsedEnrichBody {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, message: 'Crustdata sent a response that is not JSON.' };
  }
  const parsed = enrichResponseSchema().safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
    return { ok: false, message: `Crustdata sent a response in an unexpected shape${where}.` };
  }
  return { ok: true, entries: parsed.data.filter((entry): entry is EnrichResultEntry => entry !== null) };
}

export interface ApiErrorInfo {
  type: string | null;
  message: string | null;
}

/** Reads an error body in either shape; anything else gives nulls (the status code still tells). */
export function parseErrorBody(body: string): ApiErrorInfo {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { type: null, message: null };
  }
  const parsed = errorEnvelopeSchema().safeParse(json);
  if (!parsed.success) return { type: null, message: null };
  const data = parsed.data as { error?: { type?: string | null; message?: string | null }; type?: string | null; message?: string };
  if (data.error) return { type: data.error.type ?? null, message: data.error.message ?? null };
  const flat = data;
  return { type: flat.type ?? null, message: flat.message ?? null };
}
