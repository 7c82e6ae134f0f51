// Errors that carry a code a caller can branch on and a message a user can act on.

import type { ErrorCode } from '../common/messages';

// The codes and what users are told about each live in src/common/messages.ts (the sidebar reads them too).
export type { ErrorCode } from '../common/messages';

export class EnrichError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'EnrichError';
    this.code = code;
  }
}

export function isEnrichError(error: unknown): error is EnrichError {
  return error instanceof EnrichError;
}

/** Codes after which no further request with the same key can succeed. */
export const FATAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'missing_api_key',
  'invalid_api_key',
  'permission_denied',
  'insufficient_credits',
]);
