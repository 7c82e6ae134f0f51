// Errors that carry a code a caller can branch on and a message a user can act on.

export type ErrorCode =
  | 'missing_api_key'
  | 'invalid_api_key'
  | 'permission_denied'
  | 'insufficient_credits'
  | 'rate_limited'
  | 'bad_identifier'
  | 'bad_request'
  | 'unknown_field'
  | 'server_error'
  | 'timeout'
  | 'malformed_response'
  | 'deadline'
  | 'invalid_argument'
  | 'busy'
  /** Two candidates too close to call, under "leave it for me to check" (matches.ts): a settled status, not retried. */
  | 'ambiguous_match';

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
