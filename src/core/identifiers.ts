// Identifier rules: classify a cell as profile URL, business email, blank or invalid, and
// normalize it to the one form sent to the API (see README, "Identifiers").
import type { ClassifiedIdentifier } from './types';

/** STUB: owned by the core-data work. */
export function classifyIdentifier(cell: unknown): ClassifiedIdentifier {
  throw new Error('classifyIdentifier: not implemented');
}
