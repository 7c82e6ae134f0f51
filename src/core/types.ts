// Shared shapes of the core: identifiers, field selections, per-row outcomes.
import type { ErrorCode } from './errors';

/** person_data as the API returns it: untrusted, only leniently validated. */
export type PersonData = Record<string, unknown>;

export type IdentifierKind = 'profile_url' | 'business_email';

export type ClassifiedIdentifier =
  | { kind: 'blank' }
  | { kind: 'invalid'; message: string }
  | { kind: IdentifierKind; normalized: string };

/** Validated `fields` for the API: groups and dot-paths, deduplicated, in catalog order. */
export interface FieldSelection {
  fields: string[];
  /** Columns computed from the answer (the match group, catalog.ts): never sent to the API. */
  computed?: string[];
}

/** What a sheet cell can hold after formatting (strings already protected from reinterpretation). */
export type CellValue = string | number | boolean;

export type RowOutcome =
  | { status: 'blank' }
  | { status: 'invalid'; message: string }
  | { status: 'matched'; identifier: string; person: PersonData; fetchedAt: number; fromCache: boolean }
  | { status: 'not_found'; identifier: string; fetchedAt: number; fromCache: boolean }
  | { status: 'failed'; identifier: string; code: ErrorCode; message: string }
  /** Not reached before the deadline or the rate window; nothing was spent on it. */
  | { status: 'pending'; identifier: string; message: string };

export interface EnrichStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  retries: number;
  /** 429 responses received. */
  rateLimited: number;
  /** Unique identifiers answered from the cache. */
  cacheHits: number;
  /** Sum of x-credits-used. */
  creditsUsed: number;
}
