// The wire format: request shape and headers, and how each answer is read.
import {
  apiKeyFingerprint,
  buildEnrichRequest,
  creditsUsed,
  interpretResponse,
  looseMatchKey,
  MESSAGES,
  readRateHeaders,
  requestCount,
} from '../../src/core/crustdataClient';
import { nodeHasher } from './fakes';

const NOW = 1_767_000_000_000;

test('the request: one identifier property, fields, flags, version header, bearer key', () => {
  const request = buildEnrichRequest('https://api.crustdata.com/', 'k-123', {
    kind: 'business_email',
    identifiers: ['a@example.com'],
    fields: ['basic_profile', 'contact.business_emails'],
    forceFetch: true,
  });
  expect(request.url).toBe('https://api.crustdata.com/person/enrich');
  expect(request.method).toBe('post');
  expect(request.headers).toMatchObject({ authorization: 'Bearer k-123', 'x-api-version': '2025-11-01', 'content-type': 'application/json' });
  expect(JSON.parse(request.payload as string)).toEqual({
    business_emails: ['a@example.com'],
    fields: ['basic_profile', 'contact.business_emails'],
    force_fetch: true,
  });
  const preview = buildEnrichRequest('https://x', 'k', { kind: 'profile_url', identifiers: ['u'], fields: [], preview: true });
  expect(JSON.parse(preview.payload as string)).toEqual({ professional_network_profile_urls: ['u'], preview: true });
});

test('options: min_similarity_score with emails only, the live endpoint by path, enrich_realtime never with preview', () => {
  const options = { minScore: 0.8, live: true, forceFetch: false, enrichRealtime: true };
  const emails = buildEnrichRequest('https://x/', 'k', { kind: 'business_email', identifiers: ['a@b.co'], fields: ['basic_profile'], options, endpoint: 'live' });
  expect(emails.url).toBe('https://x/person/professional_network/enrich/live');
  expect(JSON.parse(emails.payload as string)).toEqual({ business_emails: ['a@b.co'], fields: ['basic_profile'], min_similarity_score: 0.8, enrich_realtime: true });
  const profiles = buildEnrichRequest('https://x', 'k', { kind: 'profile_url', identifiers: ['u'], fields: [], options });
  expect(profiles.url).toBe('https://x/person/enrich');
  expect(JSON.parse(profiles.payload as string)).toEqual({ professional_network_profile_urls: ['u'], enrich_realtime: true });
  const preview = buildEnrichRequest('https://x', 'k', { kind: 'business_email', identifiers: ['a@b.co'], fields: [], options, preview: true });
  expect(JSON.parse(preview.payload as string)).toEqual({ business_emails: ['a@b.co'], min_similarity_score: 0.8, preview: true });
});

test('the key fingerprint is stable, short, and not the key', () => {
  const a = apiKeyFingerprint(nodeHasher, 'secret-key');
  expect(a).toHaveLength(40);
  expect(a).toBe(apiKeyFingerprint(nodeHasher, 'secret-key'));
  expect(a).not.toBe(apiKeyFingerprint(nodeHasher, 'secret-kez'));
  expect(a).not.toContain('secret');
  expect(a).not.toBe(nodeHasher.sha256Hex('secret-key').slice(0, 40));
});

const response = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

test.each([
  [401, { error: { type: 'unauthorized', message: 'Invalid API key in request.' } }, { kind: 'fatal', code: 'invalid_api_key' }],
  [401, { message: 'Invalid API key in request' }, { kind: 'fatal', code: 'invalid_api_key' }],
  [403, { error: { type: 'insufficient_credits', message: 'Insufficient credits' } }, { kind: 'fatal', code: 'insufficient_credits' }],
  [403, { error: { type: 'permission_error', message: 'no permission for: certifications' } }, { kind: 'fatal', code: 'permission_denied' }],
  [400, { error: { type: 'invalid_request', message: "Invalid professional network profile URL: 'x'" } }, { kind: 'bad_request', fieldProblem: false }],
  [400, { error: { type: 'invalid_request', message: "Unsupported field(s): 'nope'." } }, { kind: 'bad_request', fieldProblem: true }],
  [404, { error: { type: 'invalid_request', message: 'No data found' } }, { kind: 'not_found' }],
  [500, { error: { type: 'internal_error', message: 'x' } }, { kind: 'retry', code: 'server_error' }],
  [502, '<html>Bad Gateway</html>', { kind: 'retry', code: 'server_error' }],
  [408, '', { kind: 'retry', code: 'timeout' }],
  [418, { message: 'teapot' }, { kind: 'failed', code: 'bad_request' }],
])('HTTP %i %j → %j', (status, body, expected) => {
  expect(interpretResponse(response(status, body), NOW)).toMatchObject(expected);
});

test('messages a user can act on', () => {
  expect(interpretResponse(response(401, {}), NOW)).toMatchObject({ message: MESSAGES.invalidKey });
  expect(MESSAGES.invalidKey).toBe('Crustdata rejected the API key. Set a new one in Extensions → Crustdata → Set API key…');
  const denied = interpretResponse(response(403, { error: { type: 'permission_error', message: 'no permission for: honors' } }), NOW);
  expect(denied).toMatchObject({ message: expect.stringContaining('no permission for: honors') });
});

test('429: Retry-After first, then the rate-limit reset', () => {
  expect(interpretResponse(response(429, {}, { 'retry-after': '12', 'x-ratelimit-reset': '40' }), NOW)).toMatchObject({
    kind: 'retry',
    code: 'rate_limited',
    retryAt: NOW + 12_000,
  });
  expect(interpretResponse(response(429, {}, { 'x-ratelimit-reset': '40' }), NOW)).toMatchObject({ retryAt: NOW + 40_000 });
  expect(interpretResponse(response(429, {}), NOW)).toMatchObject({ retryAt: null });
  // reset 0: the window is open now, which says nothing about when to retry (the backoff decides).
  expect(interpretResponse(response(429, {}, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '0' }), NOW)).toMatchObject({ retryAt: null });
});

test('200 bodies: entries, or malformed', () => {
  expect(interpretResponse(response(200, [{ matched_on: 'x', matches: [] }]), NOW)).toMatchObject({ kind: 'ok', entries: [{ matched_on: 'x' }] });
  expect(interpretResponse(response(200, '[{"matched_on'), NOW)).toMatchObject({ kind: 'malformed' });
});

test('rate headers: delay seconds, epoch seconds or epoch ms', () => {
  expect(readRateHeaders({ 'x-ratelimit-limit': '15', 'x-ratelimit-remaining': '3', 'x-ratelimit-reset': '20' }, NOW)).toEqual({
    limit: 15,
    remaining: 3,
    resetAt: NOW + 20_000,
  });
  expect(readRateHeaders({ 'x-ratelimit-reset': String(NOW / 1000 + 30) }, NOW)).toEqual({ resetAt: NOW + 30_000 });
  expect(readRateHeaders({ 'x-ratelimit-reset': String(NOW + 5_000) }, NOW)).toEqual({ resetAt: NOW + 5_000 });
  expect(readRateHeaders({ 'x-ratelimit-remaining': 'lots', 'x-ratelimit-reset': '-1' }, NOW)).toEqual({});
});

test('credits used: a number or nothing', () => {
  expect(creditsUsed({ 'x-credits-used': '17' })).toBe(17);
  expect(creditsUsed({ 'x-credits-used': 'n/a' })).toBe(0);
  expect(creditsUsed({})).toBe(0);
});

test('the loose join key folds case and trailing slashes only', () => {
  expect(looseMatchKey(' https://www.linkedin.com/in/Ada/ ')).toBe('https://www.linkedin.com/in/ada');
  expect(looseMatchKey('Bob@Example.com')).toBe('bob@example.com');
});

test('requests for a fetch: each identifier type in its own batches of 25, a partial batch a whole request', () => {
  expect(requestCount(0, 0)).toBe(0);
  expect(requestCount(25, 0)).toBe(1);
  expect(requestCount(26, 1)).toBe(3);
  expect(requestCount(1334, 148)).toBe(54 + 6);
});
