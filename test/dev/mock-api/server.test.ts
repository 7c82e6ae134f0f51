// The mock Crustdata API over real HTTP (and in-process where time must be explicit): every rule
// of the foundation issue's section 3, each status code, envelope and header.
import {
  API_VERSION, BOTH_IDENTIFIERS_MESSAGE, creditsFor, DEMO_API_KEY, LIVE_BASE_LATENCY_MS, LIVE_ENRICH_PATH, LIVE_EXTRA_CREDITS,
  LIVE_PER_IDENTIFIER_LATENCY_MS, MISSING_IDENTIFIER_MESSAGE, MockCrustdataApi, SLOW_LATENCY_MS,
  type MockRequest, type MockResponse,
} from '../../../dev/mock-api/handler';
import { AMBIGUOUS_MAX_GAP, EMAIL_MATCH_SHARES, emailMatchShape, SEVERAL_MIN_GAP, type EmailMatchShape } from '../../../dev/mock-api/emailMatches';
import { startMockServer, type MockServer } from '../../../dev/mock-api/server';
import {
  liveOnlyBusinessEmail, liveOnlyIdentifiers, liveOnlyPerson, liveOnlyProfileUrl, personBySlug, samplePeople,
  SPECIAL, SPECIAL_NAMES, syntheticBusinessEmail, syntheticIdentifiers, syntheticPerson, syntheticProfileUrl, type MockPerson,
} from '../../../dev/mock-api/dataset';
import { FIELD_GROUPS, selectionTreeOf } from '../../../dev/mock-api/fieldPaths';

const URLS = 'professional_network_profile_urls';
const EMAILS = 'business_emails';

interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: () => any;
}

interface PostOptions {
  key?: string | null;
  version?: string | null;
  method?: string;
  path?: string;
  rawBody?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

let api: MockCrustdataApi;
let server: MockServer;

async function send(body: unknown, options: PostOptions = {}): Promise<HttpAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const key = options.key === undefined ? DEMO_API_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const version = options.version === undefined ? API_VERSION : options.version;
  if (version !== null) headers['x-api-version'] = version;
  const method = options.method ?? 'POST';
  const response = await fetch(server.url + (options.path ?? '/person/enrich'), {
    method,
    headers,
    body: method === 'GET' || method === 'HEAD' ? undefined : options.rawBody ?? JSON.stringify(body),
    signal: options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined,
  });
  const text = await response.text();
  const record: Record<string, string> = {};
  response.headers.forEach((value, name) => (record[name] = value));
  return { status: response.status, headers: record, text, json: () => JSON.parse(text) };
}

function urls(...values: string[]) {
  return { [URLS]: values };
}

/** In-process call at an explicit time. */
function call(target: MockCrustdataApi, body: unknown, nowMs: number, overrides: Partial<MockRequest> = {}): MockResponse {
  return target.handle({
    method: 'POST',
    path: '/person/enrich',
    headers: { Authorization: `Bearer ${DEMO_API_KEY}`, 'X-Api-Version': API_VERSION, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    ...overrides,
  }, nowMs);
}

function expectEnvelope(answer: { status: number; json: () => any } | MockResponse, status: number, type: string) {
  expect(answer.status).toBe(status);
  const body = 'json' in answer ? answer.json() : JSON.parse(answer.body);
  expect(body).toEqual({ error: { type, message: expect.any(String), metadata: expect.any(Array) } });
  expect(body.error.message.length).toBeGreaterThan(5);
  return body.error as { type: string; message: string; metadata: any[] };
}

const RATE_HEADERS = ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-credits-used'];

function expectRateHeaders(headers: Record<string, string>) {
  for (const name of RATE_HEADERS) expect([name, headers[name]]).toEqual([name, expect.stringMatching(/^\d+$/)]);
}

beforeEach(async () => {
  api = new MockCrustdataApi();
  server = await startMockServer(api, { port: 0 });
});

afterEach(async () => {
  await server.close();
});

describe('server', () => {
  test('listens on loopback on the port it was given (0 = a free one) and reports its URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
  });

  test('close() stops listening', async () => {
    const url = server.url;
    await server.close();
    await expect(fetch(url + '/person/enrich', { method: 'POST' })).rejects.toThrow();
    server = await startMockServer(api, { port: 0 });
  });
});

describe('routing, auth and version', () => {
  test('404 envelope for another path or method, with the rate headers', async () => {
    for (const [method, path] of [['POST', '/person/search'], ['GET', '/person/enrich'], ['POST', '/person/enrich/']]) {
      const answer = await send(urls(SPECIAL.unicode.profileUrl), { method, path });
      expectEnvelope(answer, 404, 'invalid_request');
      expectRateHeaders(answer.headers);
    }
  });

  test('a query string on the path still reaches the endpoint', async () => {
    const answer = await send(urls(SPECIAL.unicode.profileUrl), { path: '/person/enrich?trace=1' });
    expect(answer.status).toBe(200);
  });

  test('401 without a key, with an unknown key, with a non-bearer scheme', async () => {
    expectEnvelope(await send(urls(SPECIAL.unicode.profileUrl), { key: null }), 401, 'unauthorized');
    const unknown = expectEnvelope(await send(urls(SPECIAL.unicode.profileUrl), { key: 'not-a-key' }), 401, 'unauthorized');
    expect(unknown.message).toBe('Invalid API key in request.');
    const basic = await send(urls(SPECIAL.unicode.profileUrl), { key: null, headers: { authorization: `Basic ${DEMO_API_KEY}` } });
    expectEnvelope(basic, 401, 'unauthorized');
    expectRateHeaders(basic.headers);
  });

  test('the bearer scheme and header names are case-insensitive', async () => {
    const answer = await send(urls(SPECIAL.unicode.profileUrl), { key: null, headers: { AUTHORIZATION: `bearer ${DEMO_API_KEY}` } });
    expect(answer.status).toBe(200);
  });

  test('the bare 401 body variant from the reference page, behind an option', async () => {
    api.setUnauthorizedStyle('bare');
    const answer = await send(urls(SPECIAL.unicode.profileUrl), { key: 'not-a-key' });
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual({ message: 'Invalid API key in request' });
    const viaOption = new MockCrustdataApi({ unauthorizedStyle: 'bare' });
    expect(JSON.parse(call(viaOption, urls(SPECIAL.unicode.profileUrl), 0, { headers: {} }).body)).toEqual({ message: 'Invalid API key in request' });
  });

  test('a revoked key gets 401 from then on', async () => {
    expect((await send(urls(SPECIAL.unicode.profileUrl))).status).toBe(200);
    api.revokeKey(DEMO_API_KEY);
    expectEnvelope(await send(urls(SPECIAL.unicode.profileUrl)), 401, 'unauthorized');
  });

  test('400 without x-api-version even with a valid key, and for another version', async () => {
    const missing = expectEnvelope(await send(urls(SPECIAL.unicode.profileUrl), { version: null }), 400, 'invalid_request');
    expect(missing.message).toMatch(/x-api-version/);
    expectEnvelope(await send(urls(SPECIAL.unicode.profileUrl), { version: '2024-01-01' }), 400, 'invalid_request');
    // The key is checked first: no version and a bad key is a 401.
    expectEnvelope(await send(urls(SPECIAL.unicode.profileUrl), { version: null, key: 'nope' }), 401, 'unauthorized');
  });

  test('400 for a body that is not JSON or not an object', async () => {
    expectEnvelope(await send(null, { rawBody: '{"professional_network_profile_urls": [' }), 400, 'invalid_request');
    expectEnvelope(await send(null, { rawBody: '' }), 400, 'invalid_request');
    expectEnvelope(await send([SPECIAL.unicode.profileUrl]), 400, 'invalid_request');
  });
});

describe('request body rules', () => {
  test("the spec's messages for no identifier and for both", async () => {
    const none = expectEnvelope(await send({ fields: ['basic_profile'] }), 400, 'invalid_request');
    expect(none.message).toBe(MISSING_IDENTIFIER_MESSAGE);
    const both = expectEnvelope(await send({ [URLS]: [SPECIAL.unicode.profileUrl], [EMAILS]: [SPECIAL.unicode.businessEmail] }), 400, 'invalid_request');
    expect(both.message).toBe(BOTH_IDENTIFIERS_MESSAGE);
  });

  test('identifiers must be a non-empty array of strings', async () => {
    for (const value of [[], 'https://www.linkedin.com/in/x', [1], [null], null]) {
      expectEnvelope(await send({ [URLS]: value }), 400, 'invalid_request');
    }
  });

  test('at most 25 identifiers: 25 pass, 26 fail', async () => {
    expect((await send({ [URLS]: syntheticIdentifiers(25, 'profile_url') })).status).toBe(200);
    const tooMany = expectEnvelope(await send({ [EMAILS]: syntheticIdentifiers(26, 'business_email') }), 400, 'invalid_request');
    expect(tooMany.message).toMatch(/25/);
  });

  test('unknown body keys are refused, naming them; every documented key is accepted', async () => {
    const unknown = expectEnvelope(await send({ ...urls(SPECIAL.unicode.profileUrl), limit: 5 }), 400, 'invalid_request');
    expect(unknown.message).toMatch(/limit/);
    const all = await send({
      [EMAILS]: [SPECIAL.unicode.businessEmail], fields: ['basic_profile'], min_similarity_score: 0.5, preview: false,
      force_fetch: true, enrich_realtime: true,
    });
    expect(all.status).toBe(200);
    expect(api.requestLog().at(-1)!.forceFetch).toBe(true);
  });

  test('flags must be booleans, min_similarity_score a number in [0, 1] or null', async () => {
    for (const extra of [{ preview: 'yes' }, { force_fetch: 1 }, { enrich_realtime: null }, { min_similarity_score: 2 }, { min_similarity_score: '0.5' }]) {
      expectEnvelope(await send({ ...urls(SPECIAL.unicode.profileUrl), ...extra }), 400, 'invalid_request');
    }
    expect((await send({ ...urls(SPECIAL.unicode.profileUrl), min_similarity_score: null })).status).toBe(200);
  });

  test('preview with enrich_realtime is refused', async () => {
    const error = expectEnvelope(await send({ ...urls(SPECIAL.unicode.profileUrl), preview: true, enrich_realtime: true }), 400, 'invalid_request');
    expect(error.message).toMatch(/preview/);
  });

  const badUrls = [
    'https://www.linkedin.com/in/hostile-headline?miniProfileUrn=urn%3Ali%3Afs_miniProfile%3AACoAAB',
    'https://www.linkedin.com/in/hostile-headline#about',
    'ACoAABCDEFGhijklmnop',
    'https://www.linkedin.com/in/ACoAABCDEFGhijklmnop',
    'https://www.linkedin.com/company/acme-analytics',
    'https://www.linkedin.com/in/hostile-headline/details/experience/',
    'https://uk.linkedin.com/in/hostile-headline',
    'https://www.linkedin.com/in/hostile-headline//',
    'www.linkedin.com/in/hostile-headline',
    ' https://www.linkedin.com/in/hostile-headline',
    'https://www.linkedin.com:443/in/hostile-headline',
    'https://www.linkedin.com/pub/hostile-headline/1/2/3',
    'ftp://www.linkedin.com/in/hostile-headline',
    'https://www.linkedin.com/in/',
  ];

  test.each(badUrls)('one malformed URL fails the whole batch with 400: %s', async (bad) => {
    const batch = syntheticIdentifiers(24, 'profile_url');
    batch.splice(7, 0, bad);
    const error = expectEnvelope(await send({ [URLS]: batch }), 400, 'invalid_request');
    expect(error.message).toContain(bad);
    expect(api.requestLog().at(-1)).toMatchObject({ status: 400, creditsUsed: 0, identifierCount: 25 });
  });

  test('accepted URL forms match the person, and matched_on echoes each exactly as sent', async () => {
    const forms = [
      'https://www.linkedin.com/in/hostile-headline',
      'https://www.linkedin.com/in/hostile-headline/',
      'http://www.linkedin.com/in/hostile-headline',
      'https://linkedin.com/in/hostile-headline',
      'HTTPS://WWW.LINKEDIN.COM/IN/Hostile-Headline',
    ];
    const answer = await send({ [URLS]: forms });
    expect(answer.status).toBe(200);
    const results = answer.json();
    expect(results.map((r: any) => r.matched_on)).toEqual(forms);
    for (const result of results) {
      expect(result.match_type).toBe('professional_network_profile_url');
      expect(result.matches[0].person_data.crustdata_person_id).toBe(SPECIAL.hostileHeadline.data.crustdata_person_id);
    }
  });

  test('business emails match case-insensitively; a malformed email fails the batch', async () => {
    const email = SPECIAL.plusPhone.businessEmail;
    const answer = await send({ [EMAILS]: [email.toUpperCase(), syntheticBusinessEmail(42)] });
    const results = answer.json();
    expect(results[0]).toMatchObject({ matched_on: email.toUpperCase(), match_type: 'business_email' });
    expect(results[0].matches).toHaveLength(1);
    expect(results[1].matches[0].person_data.crustdata_person_id).toBe(personBySlug('synthetic-42')!.data.crustdata_person_id);
    expectEnvelope(await send({ [EMAILS]: [email, 'not-an-email'] }), 400, 'invalid_request');
  });
});

describe('response shape', () => {
  test('a top-level array, one entry per identifier in order, duplicates included; unknown people get matches: []', async () => {
    const sent = [SPECIAL.nulls.profileUrl, 'https://www.linkedin.com/in/missing-jane', SPECIAL.nulls.profileUrl, syntheticProfileUrl(7)];
    const results = (await send({ [URLS]: sent })).json();
    expect(Array.isArray(results)).toBe(true);
    expect(results.map((r: any) => r.matched_on)).toEqual(sent);
    expect(results[1]).toEqual({ matched_on: sent[1], match_type: 'professional_network_profile_url', matches: [] });
    expect(results[0]).toEqual(results[2]);
    expect(results[3].matches).toEqual([{ confidence_score: 1, person_data: expect.objectContaining({ crustdata_person_id: 10_000_007 }) }]);
  });

  test('an unknown email gets matches: []', async () => {
    const results = (await send({ [EMAILS]: ['nobody@nowhere.example', 'synthetic-5@wrong-company.example'] })).json();
    expect(results).toEqual([
      { matched_on: 'nobody@nowhere.example', match_type: 'business_email', matches: [] },
      { matched_on: 'synthetic-5@wrong-company.example', match_type: 'business_email', matches: [] },
    ]);
  });

  test('without fields: the default groups basic_profile and social_handles (plus crustdata_person_id)', async () => {
    const data = (await send(urls(SPECIAL.maxCredits.profileUrl))).json()[0].matches[0].person_data;
    expect(Object.keys(data)).toEqual(['crustdata_person_id', 'basic_profile', 'social_handles']);
    expect(data.basic_profile).toEqual(SPECIAL.maxCredits.data.basic_profile);
    expect(data.social_handles).toEqual(SPECIAL.maxCredits.data.social_handles);
  });

  test('fields: groups and dot-paths give only the requested parts, through arrays of objects', async () => {
    const body = { ...urls(SPECIAL.longArrays.profileUrl), fields: ['basic_profile.name', 'basic_profile.location.city', 'experience.employment_details.current.title', 'contact.phone_numbers'] };
    const data = (await send(body)).json()[0].matches[0].person_data;
    const source = SPECIAL.longArrays.data;
    expect(data).toEqual({
      crustdata_person_id: source.crustdata_person_id,
      basic_profile: { name: source.basic_profile!.name, location: { city: source.basic_profile!.location!.city } },
      experience: { employment_details: { current: source.experience!.employment_details!.current!.map((job) => ({ title: job.title })) } },
      contact: { phone_numbers: source.contact!.phone_numbers },
    });
  });

  test('every group can be requested and comes back whole', async () => {
    const data = (await send({ ...urls(SPECIAL.longArrays.profileUrl), fields: [...FIELD_GROUPS] })).json()[0].matches[0].person_data;
    const { crustdata_person_id, updated_at, ...groups } = SPECIAL.longArrays.data;
    expect(data).toEqual({ crustdata_person_id, ...groups });
    expect(Object.keys(data).sort()).toEqual(['crustdata_person_id', ...FIELD_GROUPS].sort());
  });

  test('a null on the way stays null; an absent group stays absent', async () => {
    const body = { [URLS]: [SPECIAL.nulls.profileUrl, SPECIAL.sparse.profileUrl], fields: ['basic_profile.location.city', 'dev_platform_profiles.bio', 'experience'] };
    const [nulls, sparse] = (await send(body)).json().map((r: any) => r.matches[0].person_data);
    expect(nulls.basic_profile).toEqual({ location: null });
    expect(nulls.dev_platform_profiles).toBeNull();
    expect(sparse).toEqual({ crustdata_person_id: SPECIAL.sparse.data.crustdata_person_id, basic_profile: {} });
  });

  test('experience.employment_details.current.company_name (documented on the reference page) answers the employer', async () => {
    const body = { ...urls(SPECIAL.unicode.profileUrl), fields: ['experience.employment_details.current.company_name'] };
    const data = (await send(body)).json()[0].matches[0].person_data;
    expect(data.experience.employment_details.current[0]).toEqual({ company_name: '東京データ株式会社' });
  });

  test('unknown fields answer 400 listing every one of them', async () => {
    const body = { ...urls(SPECIAL.unicode.profileUrl), fields: ['basic_profile', 'basic_profile.nickname', 'salary', 'experience.employment_details.current.title.x', 'constructor'] };
    const error = expectEnvelope(await send(body), 400, 'invalid_request');
    for (const bad of ['basic_profile.nickname', 'salary', 'experience.employment_details.current.title.x', 'constructor']) expect(error.message).toContain(`'${bad}'`);
    expect(error.message).not.toContain("'basic_profile'");
    expect(error.metadata[0].unsupported_fields).toHaveLength(4);
    expectEnvelope(await send({ ...urls(SPECIAL.unicode.profileUrl), fields: [] }), 400, 'invalid_request');
  });

  test('hostile values travel untouched (JSON escapes, no HTML escaping, 60,000+ characters)', async () => {
    const body = { [URLS]: [SPECIAL.hostileHeadline.profileUrl, SPECIAL.htmlHeadline.profileUrl, SPECIAL.longSummary.profileUrl], fields: ['basic_profile'] };
    const [hostile, html, long] = (await send(body)).json().map((r: any) => r.matches[0].person_data.basic_profile);
    expect(hostile.headline).toBe('=HYPERLINK("http://evil.example","x")');
    expect(html.headline).toBe('<img src=x onerror=alert(1)>');
    expect(long.summary.length).toBeGreaterThan(60_000);
  });
});

describe('preview and credits', () => {
  test('preview: basic_profile only, 0 credits', async () => {
    const answer = await send({ ...urls(SPECIAL.maxCredits.profileUrl), preview: true, fields: ['basic_profile.name', 'contact', 'dev_platform_profiles'] });
    expect(answer.headers['x-credits-used']).toBe('0');
    expect(answer.json()[0].matches[0].person_data).toEqual({ crustdata_person_id: SPECIAL.maxCredits.data.crustdata_person_id, basic_profile: { name: SPECIAL.maxCredits.data.basic_profile!.name } });
    const whole = (await send({ ...urls(SPECIAL.maxCredits.profileUrl), preview: true })).json()[0].matches[0].person_data;
    expect(Object.keys(whole)).toEqual(['crustdata_person_id', 'basic_profile']);
  });

  test.each([
    ['every group, all priced data present', SPECIAL.maxCredits, [...FIELD_GROUPS], 7],
    ['contact with a business email only', SPECIAL.businessEmailOnly, ['contact'], 2],
    ['default groups', SPECIAL.maxCredits, undefined, 1],
    ['personal emails path', SPECIAL.maxCredits, ['contact.personal_emails.email'], 3],
    ['phones path', SPECIAL.maxCredits, ['contact.phone_numbers'], 3],
    ['dev platform profiles', SPECIAL.maxCredits, ['dev_platform_profiles'], 2],
    ['dev platform requested but absent', SPECIAL.businessEmailOnly, ['dev_platform_profiles', 'contact.phone_numbers'], 1],
    ['business emails path', SPECIAL.maxCredits, ['contact.business_emails'], 2],
  ] as const)('x-credits-used: %s', async (_name, person, fields, expected) => {
    const answer = await send({ ...urls(person.profileUrl), ...(fields ? { fields } : {}) });
    expect(answer.headers['x-credits-used']).toBe(String(expected));
  });

  test('credits add up over the batch; unknown people cost nothing; duplicates are charged each time', async () => {
    const answer = await send({ [URLS]: [SPECIAL.maxCredits.profileUrl, SPECIAL.businessEmailOnly.profileUrl, 'https://www.linkedin.com/in/missing-1', SPECIAL.maxCredits.profileUrl], fields: ['contact', 'dev_platform_profiles'] });
    expect(answer.headers['x-credits-used']).toBe(String(7 + 2 + 0 + 7));
    expect(api.creditsRemaining(DEMO_API_KEY)).toBe(1_000_000 - 16);
    expect(api.requestLog().at(-1)).toMatchObject({ creditsUsed: 16, matched: 3, identifierCount: 4 });
  });

  test('403 insufficient_credits when the balance cannot cover a request; nothing is charged', async () => {
    api.setCredits(DEMO_API_KEY, 5);
    const error = expectEnvelope(await send({ ...urls(SPECIAL.maxCredits.profileUrl), fields: [...FIELD_GROUPS] }), 403, 'insufficient_credits');
    expect(error.message).toMatch(/credits/);
    expect(api.creditsRemaining(DEMO_API_KEY)).toBe(5);
    const cheap = await send(urls(SPECIAL.maxCredits.profileUrl, SPECIAL.nulls.profileUrl));
    expect([cheap.status, cheap.headers['x-credits-used']]).toEqual([200, '2']);
    expect(api.creditsRemaining(DEMO_API_KEY)).toBe(3);
    api.setCredits(DEMO_API_KEY, 0);
    expectEnvelope(await send(urls(SPECIAL.nulls.profileUrl)), 403, 'insufficient_credits');
    // Previews and misses cost nothing, so they still pass.
    expect((await send({ ...urls(SPECIAL.nulls.profileUrl), preview: true })).status).toBe(200);
    expect((await send(urls('https://www.linkedin.com/in/missing-2'))).status).toBe(200);
  });

  test('403 permission_error for certifications or honors when the key lacks the permission', async () => {
    api.addKey('no-certs', { permissions: { certifications: false } });
    const error = expectEnvelope(await send({ ...urls(SPECIAL.longArrays.profileUrl), fields: ['certifications.name'] }, { key: 'no-certs' }), 403, 'permission_error');
    expect(error.message).toContain('certifications');
    expectEnvelope(await send({ ...urls(SPECIAL.longArrays.profileUrl), fields: ['basic_profile', 'certifications'] }, { key: 'no-certs' }), 403, 'permission_error');
    expect((await send({ ...urls(SPECIAL.longArrays.profileUrl), fields: ['honors', 'basic_profile'] }, { key: 'no-certs' })).status).toBe(200);
    expect((await send({ ...urls(SPECIAL.longArrays.profileUrl), fields: ['certifications'] })).status).toBe(200);
    api.setPermissions(DEMO_API_KEY, { honors: false });
    expectEnvelope(await send({ ...urls(SPECIAL.longArrays.profileUrl), fields: ['honors'] }), 403, 'permission_error');
  });
});

describe('rate limit: per key, 60 s sliding window', () => {
  test('in-process with explicit time: 15 a minute, then 429 with Retry-After until the oldest request leaves', () => {
    const mock = new MockCrustdataApi();
    const body = urls(SPECIAL.unicode.profileUrl);
    for (let i = 0; i < 15; i++) {
      const answer = call(mock, body, i * 1000);
      expect([i, answer.status, answer.headers['x-ratelimit-remaining']]).toEqual([i, 200, String(14 - i)]);
      expect(answer.headers['x-ratelimit-limit']).toBe('15');
      expect(answer.headers['x-ratelimit-reset']).toBe(String(60 - i));
    }
    const limited = call(mock, body, 14_500);
    expectEnvelope(limited, 429, 'rate_limit_error');
    expect(limited.headers['retry-after']).toBe('46'); // the request at 0 leaves at 60.0 s
    expect(limited.headers['x-ratelimit-remaining']).toBe('0');
    expect(call(mock, body, 59_999).headers['retry-after']).toBe('1');
    // At 60 s exactly the first slot is free again, and only that one: the window slides.
    expect(call(mock, body, 60_000).status).toBe(200);
    const next = call(mock, body, 60_000);
    expect([next.status, next.headers['retry-after']]).toEqual([429, '1']);
    expect(call(mock, body, 61_000).status).toBe(200);
    expect(mock.rateLimitState(DEMO_API_KEY, 61_000)).toEqual({ limit: 15, used: 15, remaining: 0, resetSeconds: 1 });
    // Whoever waits Retry-After gets through.
    const again = call(mock, body, 61_500);
    expect(call(mock, body, 61_500 + Number(again.headers['retry-after']) * 1000).status).toBe(200);
  });

  test('a 429 takes no slot; any other answer to a valid key does (400, 403, injected 5xx)', () => {
    const mock = new MockCrustdataApi({ defaultRequestsPerMinute: 3 });
    expect(call(mock, { fields: ['basic_profile'] }, 0).status).toBe(400);
    mock.enqueueFaults([{ type: '500' }]);
    expect(call(mock, urls(SPECIAL.unicode.profileUrl), 1).status).toBe(500);
    expect(call(mock, urls(SPECIAL.unicode.profileUrl), 2).status).toBe(200);
    for (let t = 3; t < 50; t++) expect(call(mock, urls(SPECIAL.unicode.profileUrl), t).status).toBe(429);
    expect(mock.requestLog().map((entry) => entry.counted).slice(0, 4)).toEqual([true, true, true, false]);
    expect(call(mock, urls(SPECIAL.unicode.profileUrl), 60_000).status).toBe(200);
    // Unknown keys have no window: 401s never spend the real key's slots.
    for (let t = 0; t < 10; t++) call(mock, urls(SPECIAL.unicode.profileUrl), 70_000, { headers: { authorization: 'Bearer nope', 'x-api-version': API_VERSION } });
    expect(mock.rateLimitState(DEMO_API_KEY, 70_000).used).toBe(1);
  });

  test('limits are per key and configurable', () => {
    const mock = new MockCrustdataApi({ keys: { a: { requestsPerMinute: 2 }, b: {} } });
    const as = (key: string, t: number) => call(mock, urls(SPECIAL.unicode.profileUrl), t, { headers: { authorization: `Bearer ${key}`, 'x-api-version': API_VERSION } });
    expect([as('a', 0).status, as('a', 1).status, as('a', 2).status]).toEqual([200, 200, 429]);
    expect(as('b', 3).headers['x-ratelimit-limit']).toBe('15');
    mock.setRateLimit('a', 60);
    const raised = as('a', 4);
    expect([raised.status, raised.headers['x-ratelimit-limit'], raised.headers['x-ratelimit-remaining']]).toEqual([200, '60', '57']);
  });

  test('over HTTP: the 4th request in a minute on a 3/min key gets 429, Retry-After and the envelope', async () => {
    api.addKey('slow-plan', { requestsPerMinute: 3 });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const answer = await send(urls(SPECIAL.unicode.profileUrl), { key: 'slow-plan' });
      expect(answer.status).toBe(200);
      remaining.push(answer.headers['x-ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const limited = await send(urls(SPECIAL.unicode.profileUrl), { key: 'slow-plan' });
    expectEnvelope(limited, 429, 'rate_limit_error');
    expectRateHeaders(limited.headers);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers['x-credits-used']).toBe('0');
    // Another key is unaffected.
    expect((await send(urls(SPECIAL.unicode.profileUrl))).status).toBe(200);
  });

  test('every kind of answer carries the four headers', async () => {
    api.addKey('tiny', { requestsPerMinute: 1 });
    const answers = [
      await send(urls(SPECIAL.unicode.profileUrl), { key: 'tiny' }),
      await send(urls(SPECIAL.unicode.profileUrl), { key: 'tiny' }),
      await send({}, {}),
      await send(urls(SPECIAL.unicode.profileUrl), { key: 'bad' }),
      await send(urls(SPECIAL.unicode.profileUrl), { path: '/x' }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 429, 400, 401, 404]);
    for (const answer of answers) expectRateHeaders(answer.headers);
  });
});

describe('fault injection', () => {
  test('scripted faults hit the next requests in order, then normal service resumes', async () => {
    api.enqueueFaults([{ type: '500' }, { type: '502' }, { type: '503' }, { type: '429' }, { type: 'malformed' }]);
    const body = urls(SPECIAL.unicode.profileUrl);
    expectEnvelope(await send(body), 500, 'internal_error');
    const gateway = await send(body);
    expect([gateway.status, gateway.headers['content-type']]).toEqual([502, 'text/html']);
    expect(() => gateway.json()).toThrow();
    expectEnvelope(await send(body), 503, 'internal_error');
    const limited = await send(body);
    expectEnvelope(limited, 429, 'rate_limit_error');
    expect(limited.headers['retry-after']).toBe('2');
    const malformed = await send(body);
    expect(malformed.status).toBe(200);
    expect(() => malformed.json()).toThrow(SyntaxError);
    expect(malformed.text.startsWith('[{"matched_on"')).toBe(true);
    expect((await send(body)).json()[0].matches).toHaveLength(1);
    expect(api.pendingFaults()).toBe(0);
    expect(api.requestLog().map((entry) => entry.fault)).toEqual(['500', '502', '503', '429', 'malformed', null]);
  });

  test('over HTTP: a 429 told to say Retry-After 5, and one whose rate-limit reset reads 0', async () => {
    api.enqueueFaults([{ type: '429', retryAfterSeconds: 5 }, { type: '429', retryAfterSeconds: 1, resetSeconds: 0 }]);
    const body = urls(SPECIAL.unicode.profileUrl);
    const five = await send(body);
    expectEnvelope(five, 429, 'rate_limit_error');
    expect([five.headers['retry-after'], five.headers['x-ratelimit-remaining'], five.headers['x-ratelimit-reset']]).toEqual(['5', '0', '5']);
    const open = await send(body);
    expectEnvelope(open, 429, 'rate_limit_error');
    expect([open.headers['retry-after'], open.headers['x-ratelimit-remaining'], open.headers['x-ratelimit-reset']]).toEqual(['1', '0', '0']);
    expect((await send(body)).status).toBe(200);
  });

  test('an identifier marked failing fails every request that carries it, in any case, until cleared', async () => {
    api.failIdentifiers([SPECIAL.unicode.profileUrl], { type: '500' });
    const other = urls(SPECIAL.nulls.profileUrl);
    for (let i = 0; i < 3; i++) expectEnvelope(await send(urls(SPECIAL.nulls.profileUrl, SPECIAL.unicode.profileUrl.toUpperCase())), 500, 'internal_error');
    expect((await send(other)).json()[0].matches).toHaveLength(1);
    api.clearFaults();
    expect((await send(urls(SPECIAL.unicode.profileUrl))).status).toBe(200);
  });

  test('an injected 429 carries the Retry-After it was given; injected 5xx take a slot, injected 429s do not', () => {
    const mock = new MockCrustdataApi();
    mock.enqueueFaults([{ type: '429', retryAfterSeconds: 17 }, { type: '503' }]);
    const limited = call(mock, urls(SPECIAL.unicode.profileUrl), 0);
    expect([limited.status, limited.headers['retry-after'], limited.headers['x-ratelimit-remaining']]).toEqual([429, '17', '0']);
    expect(call(mock, urls(SPECIAL.unicode.profileUrl), 0).status).toBe(503);
    expect(mock.rateLimitState(DEMO_API_KEY, 0).used).toBe(1);
  });

  test('slow: a normal answer that takes longer than UrlFetchApp waits (in-process latencyMs)', () => {
    const mock = new MockCrustdataApi();
    mock.enqueueFaults([{ type: 'slow' }, { type: 'slow', latencyMs: 5_000 }]);
    const slow = call(mock, urls(SPECIAL.unicode.profileUrl), 0);
    expect([slow.status, slow.latencyMs]).toEqual([200, SLOW_LATENCY_MS]);
    expect(slow.latencyMs).toBeGreaterThan(60_000);
    expect(call(mock, urls(SPECIAL.unicode.profileUrl), 0).latencyMs).toBe(5_000);
    expect(call(mock, urls(SPECIAL.unicode.profileUrl), 0).latencyMs).toBe(620);
  });

  test('slow over HTTP: a client with a short timeout gives up (latency scaled down, never answered in time)', async () => {
    await server.close();
    server = await startMockServer(api, { port: 0, latencyScale: 1 });
    api.setLatencyModel({ baseMs: 0, perIdentifierMs: 0, errorMs: 0 });
    api.enqueueFaults([{ type: 'slow' }]);
    await expect(send(urls(SPECIAL.unicode.profileUrl), { timeoutMs: 300 })).rejects.toThrow();
    // The next request is answered normally (latency 0), and close() does not wait for the hung one.
    expect((await send(urls(SPECIAL.unicode.profileUrl))).status).toBe(200);
  });

  test('a seeded random plan: same seed, same faults; rates roughly as asked', () => {
    const run = () => {
      const mock = new MockCrustdataApi({ defaultRequestsPerMinute: 100_000 });
      mock.setFaultRates({ serverError: 0.1, rateLimited: 0.05, slow: 0.05, malformed: 0.05, seed: 42 });
      return Array.from({ length: 1000 }, (_, i) => call(mock, urls(SPECIAL.unicode.profileUrl), i)).map((answer, i) => `${answer.status}:${answer.latencyMs}:${i}`);
    };
    const first = run();
    expect(run()).toEqual(first);
    const statuses = first.map((line) => Number(line.split(':')[0]));
    const serverErrors = statuses.filter((status) => status >= 500).length;
    expect(serverErrors).toBeGreaterThan(60);
    expect(serverErrors).toBeLessThan(140);
    expect(statuses.filter((status) => status === 429).length).toBeGreaterThan(20);
    const other = new MockCrustdataApi();
    other.setFaultRates({ serverError: 0.5, seed: 7 });
    const otherStatuses = Array.from({ length: 10 }, (_, i) => call(other, urls(SPECIAL.unicode.profileUrl), i).status);
    other.clearFaults();
    expect(otherStatuses.some((status) => status >= 500)).toBe(true);
    expect(Array.from({ length: 5 }, (_, i) => call(other, urls(SPECIAL.unicode.profileUrl), 100 + i).status)).toEqual([200, 200, 200, 200, 200]);
  });
});

describe('latency model', () => {
  test('default 600 ms + 20 ms per identifier for an answer, 150 ms for an error; overridable', () => {
    const mock = new MockCrustdataApi();
    expect(call(mock, { [URLS]: syntheticIdentifiers(25, 'profile_url') }, 0).latencyMs).toBe(1100);
    expect(call(mock, {}, 0).latencyMs).toBe(150);
    mock.setLatencyModel(({ identifierCount }) => 1000 * identifierCount);
    expect(call(mock, { [URLS]: syntheticIdentifiers(3, 'profile_url') }, 0).latencyMs).toBe(3000);
    const custom = new MockCrustdataApi({ latency: { baseMs: 100, perIdentifierMs: 1 } });
    expect(call(custom, { [URLS]: syntheticIdentifiers(10, 'profile_url') }, 0).latencyMs).toBe(110);
  });

  test('over HTTP the server waits latencyMs x latencyScale (scale 0 answers at once)', async () => {
    // The default server has scale 0: a 75 s slow fault answers immediately.
    api.enqueueFaults([{ type: 'slow' }]);
    expect((await send(urls(SPECIAL.unicode.profileUrl))).status).toBe(200);
  });
});

describe('data changes over time', () => {
  test('churn changes the answers exactly as its report says, deterministically', async () => {
    const people = samplePeople().slice(0, 60).map((person) => person.profileUrl);
    const fields = ['experience.employment_details.current.name', 'basic_profile.current_title'];
    const fetchAll = async () => {
      const out = new Map<string, any>();
      for (let i = 0; i < people.length; i += 25) {
        const results = (await send({ [URLS]: people.slice(i, i + 25), fields })).json();
        for (const result of results) out.set(result.matched_on, result.matches[0]?.person_data ?? null);
      }
      return out;
    };
    api.setRateLimit(DEMO_API_KEY, 1000);
    const before = await fetchAll();
    const options = { seed: 'week-1', employerChange: 0.15, titleChange: 0.15, disappear: 0.05, slugs: people.map((url) => url.split('/in/')[1]) };
    const report = api.applyChurn(options);
    expect(new MockCrustdataApi().applyChurn(options)).toEqual(report);
    expect(report.considered).toBe(60);
    expect(report.employerChanged.length + report.titleChanged.length + report.disappeared.length).toBe(report.changes.length);
    expect(report.employerChanged.length).toBeGreaterThan(0);
    expect(report.titleChanged.length).toBeGreaterThan(0);
    expect(report.disappeared.length).toBeGreaterThan(0);
    const after = await fetchAll();
    const changed = new Map(report.changes.map((change) => [change.profileUrl, change]));
    for (const url of people) {
      const change = changed.get(url);
      const old = before.get(url);
      const now = after.get(url);
      if (!change) {
        expect([url, now]).toEqual([url, old]);
        continue;
      }
      expect(change.before).toEqual({ employer: old.experience.employment_details.current[0].name, title: old.basic_profile.current_title });
      if (change.kind === 'disappeared') {
        expect([url, now]).toEqual([url, null]);
      } else {
        expect({ employer: now.experience.employment_details.current[0].name, title: now.basic_profile.current_title }).toEqual(change.after);
        expect(change.after).not.toEqual(change.before);
        if (change.kind === 'employer') expect(change.after!.title).toBe(change.before.title);
        if (change.kind === 'title') expect(change.after!.employer).toBe(change.before.employer);
      }
    }
  });

  test('by default churn covers the samples and the generated people already handed out', () => {
    const mock = new MockCrustdataApi();
    call(mock, { [URLS]: syntheticIdentifiers(20, 'profile_url') }, 0);
    const report = mock.applyChurn({ seed: 3, titleChange: 1 });
    expect(report.considered).toBe(samplePeople().length + 20);
    expect(report.titleChanged).toContain('synthetic-19');
    expect(report.titleChanged).not.toContain('synthetic-20');
  });

  test('updatePerson and removePerson change what the API answers, for this mock only', async () => {
    api.updatePerson(SPECIAL.unicode.slug, (data) => {
      data.basic_profile!.headline = 'Edited';
    });
    api.removePerson(SPECIAL.nulls.slug);
    const results = (await send({ [URLS]: [SPECIAL.unicode.profileUrl, SPECIAL.nulls.profileUrl], fields: ['basic_profile.headline'] })).json();
    expect(results[0].matches[0].person_data.basic_profile.headline).toBe('Edited');
    expect(results[1].matches).toEqual([]);
    expect(SPECIAL.unicode.data.basic_profile!.headline).not.toBe('Edited');
    const other = new MockCrustdataApi();
    expect(JSON.parse(call(other, urls(SPECIAL.nulls.profileUrl), 0).body)[0].matches).toHaveLength(1);
  });
});

describe('request log and counters', () => {
  test('each request is logged with time, key label (never the key), identifiers, status and credits', async () => {
    api.addKey('sk-live-SECRET-123456', { requestsPerMinute: 1 });
    await send({ ...urls(SPECIAL.maxCredits.profileUrl, SPECIAL.unicode.profileUrl), fields: ['contact'] }, { key: 'sk-live-SECRET-123456' });
    await send(urls(SPECIAL.maxCredits.profileUrl), { key: 'sk-live-SECRET-123456' });
    await send(urls(SPECIAL.maxCredits.profileUrl), { key: 'sk-live-WRONG' });
    await send({ fields: ['basic_profile'] });
    const log = api.requestLog();
    expect(JSON.stringify(log)).not.toMatch(/SECRET|WRONG/);
    expect(log).toHaveLength(4);
    expect(log[0]).toMatchObject({ keyLabel: expect.stringMatching(/^key-[0-9a-f]{8}$/), identifierType: 'professional_network_profile_url', identifierCount: 2, matched: 2, status: 200, creditsUsed: 6 + creditsFor(SPECIAL.unicode.data, selectionTreeOf(['contact'])), counted: true });
    expect(log[0].atMs).toBeGreaterThan(0);
    expect(log[1]).toMatchObject({ status: 429, creditsUsed: 0, counted: false });
    expect(log[2]).toMatchObject({ status: 401, keyLabel: expect.stringMatching(/^key-/) });
    expect(log[3]).toMatchObject({ status: 400, keyLabel: 'demo', errorType: 'invalid_request' });
    const stats = api.stats();
    expect(stats).toMatchObject({ requests: 4, ok: 1, rateLimited: 1, clientErrors: 3, serverErrors: 0, creditsUsed: log[0].creditsUsed, identifiersSent: 4 });
    expect(stats.byStatus).toEqual({ 200: 1, 429: 1, 401: 1, 400: 1 });
    expect(stats.perKey[log[0].keyLabel!]).toEqual({ requests: 2, rateLimited: 1, creditsUsed: log[0].creditsUsed });
    api.resetLog();
    expect(api.stats().requests).toBe(0);
  });
});

// ---- Email candidates, min_similarity_score, the live endpoint, enrich_realtime ------------

const ORDINARY = samplePeople().slice(0, -SPECIAL_NAMES.length);

/** The first people (sample, then generated) whose email lookup takes this shape. */
function peopleShaped(shape: EmailMatchShape, count: number): MockPerson[] {
  // Half samples, half generated people: both families have candidates.
  const samples = ORDINARY.filter((person) => emailMatchShape(person) === shape).slice(0, Math.ceil(count / 2));
  const generated: MockPerson[] = [];
  for (let n = 0; generated.length < Math.floor(count / 2); n++) if (emailMatchShape(syntheticPerson(n)) === shape) generated.push(syntheticPerson(n));
  return [...samples, ...generated];
}

function bestOf(matches: any[]): any {
  return matches.reduce((top, match) => (match.confidence_score > top.confidence_score ? match : top));
}

function scoresOf(matches: any[]): number[] {
  return matches.map((match: any) => match.confidence_score).sort((a: number, b: number) => b - a);
}

describe('email lookups: several scored candidates', () => {
  test('shapes are spread as declared over generated people, and special edge-case people always match exactly', () => {
    const counts: Record<string, number> = { exact: 0, fuzzy: 0, several: 0, ambiguous: 0 };
    for (let n = 0; n < 4000; n++) counts[emailMatchShape(syntheticPerson(n))]++;
    for (const shape of Object.keys(counts) as EmailMatchShape[]) expect([shape, Math.abs(counts[shape] / 4000 - EMAIL_MATCH_SHARES[shape]) < 0.03]).toEqual([shape, true]);
    for (const name of SPECIAL_NAMES) expect(emailMatchShape(SPECIAL[name])).toBe('exact');
  });

  test('several/ambiguous people answer 2–3 candidates; the owner of the email scores highest; other candidates are other people', async () => {
    const people = [...peopleShaped('several', 6), ...peopleShaped('ambiguous', 6)];
    const answer = await send({ [EMAILS]: people.map((person) => person.businessEmail), fields: ['basic_profile.name'] });
    expect(answer.status).toBe(200);
    answer.json().forEach((result: any, i: number) => {
      expect(result.match_type).toBe('business_email');
      expect(result.matches.length).toBeGreaterThanOrEqual(2);
      expect(result.matches.length).toBeLessThanOrEqual(3);
      for (const match of result.matches) {
        expect(match.confidence_score).toBeGreaterThan(0);
        expect(match.confidence_score).toBeLessThan(1);
      }
      expect(bestOf(result.matches).person_data.crustdata_person_id).toBe(people[i].data.crustdata_person_id);
      const ids = result.matches.map((match: any) => match.person_data.crustdata_person_id);
      expect(new Set(ids).size).toBe(ids.length);
      const [first, second] = scoresOf(result.matches);
      const gap = first - second;
      if (emailMatchShape(people[i]) === 'ambiguous') {
        expect(gap).toBeGreaterThan(0);
        expect(gap).toBeLessThanOrEqual(AMBIGUOUS_MAX_GAP + 0.001);
      } else {
        expect(gap).toBeGreaterThanOrEqual(SEVERAL_MIN_GAP - 0.001);
      }
    });
  });

  test('candidates come in no guaranteed order (not always best first), and the same lookup answers the same every time', async () => {
    const people = peopleShaped('several', 20);
    const body = { [EMAILS]: people.map((person) => person.businessEmail), fields: ['basic_profile.name'] };
    const first = (await send(body)).json();
    expect((await send(body)).json()).toEqual(first);
    const bestFirst = first.filter((result: any) => result.matches[0] === bestOf(result.matches)).length;
    expect(bestFirst).toBeGreaterThan(0);
    expect(bestFirst).toBeLessThan(first.length);
  });

  test('fuzzy people answer one candidate below 1; exact ones score 1; profile URLs always score 1', async () => {
    const [fuzzy] = peopleShaped('fuzzy', 1);
    const [exact] = peopleShaped('exact', 1);
    const results = (await send({ [EMAILS]: [fuzzy.businessEmail, exact.businessEmail] })).json();
    expect(results[0].matches).toHaveLength(1);
    expect(results[0].matches[0].confidence_score).toBeGreaterThanOrEqual(0.55);
    expect(results[0].matches[0].confidence_score).toBeLessThan(1);
    expect(results[1].matches).toEqual([{ confidence_score: 1, person_data: expect.objectContaining({ crustdata_person_id: exact.data.crustdata_person_id }) }]);
    const byUrl = (await send(urls(fuzzy.profileUrl))).json();
    expect(byUrl[0].matches).toEqual([{ confidence_score: 1, person_data: expect.objectContaining({ crustdata_person_id: fuzzy.data.crustdata_person_id }) }]);
  });

  test('one charge per email found, priced on the best candidate, however many candidates come back', async () => {
    const people = peopleShaped('several', 4);
    const fields = ['contact', 'dev_platform_profiles'];
    const answer = await send({ [EMAILS]: people.map((person) => person.businessEmail), fields });
    const expected = people.reduce((sum, person) => sum + creditsFor(person.data, selectionTreeOf(fields)), 0);
    expect(answer.headers['x-credits-used']).toBe(String(expected));
    expect(api.requestLog().at(-1)).toMatchObject({ matched: 4, creditsUsed: expected });
  });

  test('other candidates do not count as looked-up people for churn', () => {
    const mock = new MockCrustdataApi();
    const [person] = peopleShaped('several', 2).filter((p) => p.slug.startsWith('synthetic-'));
    expect(call(mock, { [EMAILS]: [person.businessEmail] }, 0).status).toBe(200);
    expect(mock.dataset.population().filter((slug) => slug.startsWith('synthetic-'))).toEqual([person.slug]);
  });
});

describe('min_similarity_score', () => {
  test('drops the candidates scoring below it (a score equal to it stays); none left is a no-match that costs nothing', async () => {
    const [several] = peopleShaped('several', 1);
    const [fuzzy] = peopleShaped('fuzzy', 1);
    const before = (await send({ [EMAILS]: [several.businessEmail, fuzzy.businessEmail] })).json();
    const bestScore = bestOf(before[0].matches).confidence_score;
    const fuzzyScore = before[1].matches[0].confidence_score;

    const atBest = await send({ [EMAILS]: [several.businessEmail, fuzzy.businessEmail], min_similarity_score: bestScore, fields: ['basic_profile.name'] });
    const results = atBest.json();
    expect(results[0].matches).toEqual([{ confidence_score: bestScore, person_data: expect.objectContaining({ crustdata_person_id: several.data.crustdata_person_id }) }]);
    expect(results[1].matches).toEqual(fuzzyScore >= bestScore ? [expect.anything()] : []);
    expect(atBest.headers['x-credits-used']).toBe(String(fuzzyScore >= bestScore ? 2 : 1));

    const aboveAll = await send({ [EMAILS]: [several.businessEmail, fuzzy.businessEmail], min_similarity_score: 0.99 });
    expect(aboveAll.json().map((result: any) => result.matches)).toEqual([[], []]);
    expect(aboveAll.headers['x-credits-used']).toBe('0');
    expect(api.requestLog().at(-1)).toMatchObject({ status: 200, matched: 0, creditsUsed: 0, minSimilarityScore: 0.99 });
  });

  test('0 keeps every candidate, 1 keeps exact matches only; null is the same as absent', async () => {
    const [several] = peopleShaped('several', 1);
    const [exact] = peopleShaped('exact', 1);
    const body = { [EMAILS]: [several.businessEmail, exact.businessEmail], fields: ['basic_profile.name'] };
    const plain = (await send(body)).json();
    expect((await send({ ...body, min_similarity_score: 0 })).json()).toEqual(plain);
    expect((await send({ ...body, min_similarity_score: null })).json()).toEqual(plain);
    const exactOnly = (await send({ ...body, min_similarity_score: 1 })).json();
    expect(exactOnly[0].matches).toEqual([]);
    expect(exactOnly[1].matches).toHaveLength(1);
  });

  test.each([
    ['below 0', -0.1], ['above 1', 1.01], ['a numeric string', '0.8'], ['a boolean', true], ['an array', [0.5]], ['an object', { value: 0.5 }], ['a percentage', 80],
  ])('%s is refused with the 400 envelope naming the parameter, and costs nothing', async (_name, value) => {
    const answer = await send({ [EMAILS]: [SPECIAL.unicode.businessEmail], min_similarity_score: value });
    const error = expectEnvelope(answer, 400, 'invalid_request');
    expect(error.message).toMatch(/min_similarity_score/);
    expect(error.metadata).toEqual([{ parameter: 'min_similarity_score', received: value, minimum: 0, maximum: 1 }]);
    expect(answer.headers['x-credits-used']).toBe('0');
  });

  test('profile URL lookups accept it and are unaffected (they always score 1)', async () => {
    const answer = await send({ ...urls(SPECIAL.unicode.profileUrl), min_similarity_score: 0.99 });
    expect(answer.json()[0].matches).toHaveLength(1);
  });
});

describe('live endpoint: POST /person/professional_network/enrich/live', () => {
  const live = (body: unknown, options: PostOptions = {}) => send(body, { ...options, path: LIVE_ENRICH_PATH });

  test('finds people the cached endpoint reports not found, by profile URL and by email', async () => {
    const ids = liveOnlyIdentifiers(3, 'profile_url');
    const emails = [liveOnlyBusinessEmail(3), liveOnlyBusinessEmail(4)];
    const cached = (await send({ [URLS]: ids })).json();
    expect(cached.map((result: any) => result.matches)).toEqual([[], [], []]);
    expect((await send({ [EMAILS]: emails })).json().map((result: any) => result.matches)).toEqual([[], []]);
    const fresh = (await live({ [URLS]: ids, fields: ['basic_profile.name'] })).json();
    fresh.forEach((result: any, n: number) => {
      expect(result.matched_on).toBe(ids[n]);
      expect(bestOf(result.matches).person_data).toEqual({ crustdata_person_id: liveOnlyPerson(n).data.crustdata_person_id, basic_profile: { name: liveOnlyPerson(n).data.basic_profile!.name } });
    });
    const byEmail = (await live({ [EMAILS]: emails })).json();
    expect(bestOf(byEmail[0].matches).person_data.crustdata_person_id).toBe(liveOnlyPerson(3).data.crustdata_person_id);
    expect(bestOf(byEmail[1].matches).person_data.crustdata_person_id).toBe(liveOnlyPerson(4).data.crustdata_person_id);
  });

  test('answers the people the cache has with the same data; missing- slugs and unknown emails stay not found', async () => {
    const body = { [URLS]: [SPECIAL.nulls.profileUrl, syntheticProfileUrl(9), 'https://www.linkedin.com/in/missing-jane'], fields: ['basic_profile', 'experience'] };
    const cached = (await send(body)).json();
    const fresh = (await live(body)).json();
    expect(fresh).toEqual(cached);
    expect(fresh[2].matches).toEqual([]);
    expect((await live({ [EMAILS]: ['nobody@nowhere.example'] })).json()[0].matches).toEqual([]);
  });

  test(`charges the cached price plus ${LIVE_EXTRA_CREDITS} per profile found; not found and preview cost nothing`, async () => {
    const fields = ['contact', 'dev_platform_profiles'];
    const sent = [SPECIAL.maxCredits.profileUrl, liveOnlyProfileUrl(0), 'https://www.linkedin.com/in/missing-1'];
    const answer = await live({ [URLS]: sent, fields });
    const expected = creditsFor(SPECIAL.maxCredits.data, selectionTreeOf(fields)) + creditsFor(liveOnlyPerson(0).data, selectionTreeOf(fields)) + 2 * LIVE_EXTRA_CREDITS;
    expect(answer.headers['x-credits-used']).toBe(String(expected));
    expect(api.requestLog().at(-1)).toMatchObject({ endpoint: 'live', matched: 2, creditsUsed: expected });
    const cachedCost = Number((await send({ [URLS]: sent, fields })).headers['x-credits-used']);
    expect(cachedCost).toBe(creditsFor(SPECIAL.maxCredits.data, selectionTreeOf(fields)));
    expect((await live({ [URLS]: ['https://www.linkedin.com/in/missing-1'] })).headers['x-credits-used']).toBe('0');
    expect((await live({ [URLS]: sent, preview: true })).headers['x-credits-used']).toBe('0');
    expect(api.stats().perEndpoint).toEqual({
      enrich: { requests: 1, creditsUsed: cachedCost },
      live: { requests: 3, creditsUsed: expected },
    });
  });

  test('is slower: the latency model gives the live endpoint its own, larger figures', () => {
    const mock = new MockCrustdataApi();
    const batch = { [URLS]: syntheticIdentifiers(25, 'profile_url') };
    expect(call(mock, batch, 0).latencyMs).toBe(1100);
    const slow = call(mock, batch, 0, { path: LIVE_ENRICH_PATH });
    expect(slow.status).toBe(200);
    expect(slow.latencyMs).toBe(LIVE_BASE_LATENCY_MS + 25 * LIVE_PER_IDENTIFIER_LATENCY_MS);
    expect(slow.latencyMs).toBeLessThan(60_000);
    const custom = new MockCrustdataApi({ latency: { liveBaseMs: 10, livePerIdentifierMs: 1 } });
    expect(call(custom, batch, 0, { path: LIVE_ENRICH_PATH }).latencyMs).toBe(35);
    const seen: string[] = [];
    custom.setLatencyModel((info) => {
      seen.push(info.endpoint);
      return 0;
    });
    call(custom, batch, 0, { path: LIVE_ENRICH_PATH });
    call(custom, batch, 0);
    expect(seen).toEqual(['live', 'enrich']);
  });

  test('over HTTP the server waits the live latency x latencyScale', async () => {
    const scaled = await startMockServer(new MockCrustdataApi(), { port: 0, latencyScale: 0.05 });
    try {
      const started = Date.now();
      const response = await fetch(scaled.url + LIVE_ENRICH_PATH, {
        method: 'POST',
        headers: { authorization: `Bearer ${DEMO_API_KEY}`, 'x-api-version': API_VERSION, 'content-type': 'application/json' },
        body: JSON.stringify({ [URLS]: liveOnlyIdentifiers(2, 'profile_url') }),
      });
      expect(response.status).toBe(200);
      // 0.05 x (3000 + 2 x 1000) ms = 250 ms; a cached answer would take 0.05 x 640 = 32 ms.
      expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    } finally {
      await scaled.close();
    }
  });

  test('the same rules as the cached endpoint: auth, version, body checks, rate window shared per key', async () => {
    expectEnvelope(await live(urls(SPECIAL.unicode.profileUrl), { key: null }), 401, 'unauthorized');
    expectEnvelope(await live(urls(SPECIAL.unicode.profileUrl), { version: null }), 400, 'invalid_request');
    expectEnvelope(await live({ [URLS]: ['https://www.linkedin.com/in/x?trk=1'] }), 400, 'invalid_request');
    api.addKey('two-a-minute', { requestsPerMinute: 2 });
    expect((await send(urls(SPECIAL.unicode.profileUrl), { key: 'two-a-minute' })).status).toBe(200);
    expect((await live(urls(SPECIAL.unicode.profileUrl), { key: 'two-a-minute' })).status).toBe(200);
    expectEnvelope(await live(urls(SPECIAL.unicode.profileUrl), { key: 'two-a-minute' }), 429, 'rate_limit_error');
  });

  test('applies min_similarity_score to email lookups like the cached endpoint', async () => {
    const [several] = peopleShaped('several', 1);
    const results = (await live({ [EMAILS]: [several.businessEmail], min_similarity_score: 0.99 })).json();
    expect(results[0].matches).toEqual([]);
  });
});

describe('enrich_realtime, force_fetch and preview', () => {
  test.each([['cached', '/person/enrich'], ['live', LIVE_ENRICH_PATH]])('%s endpoint: enrich_realtime and force_fetch are accepted and logged', async (_name, path) => {
    const answer = await send({ ...urls(SPECIAL.unicode.profileUrl), enrich_realtime: true, force_fetch: true }, { path });
    expect(answer.status).toBe(200);
    expect(answer.json()[0].matches).toHaveLength(1);
    expect(api.requestLog().at(-1)).toMatchObject({ enrichRealtime: true, forceFetch: true, endpoint: path === LIVE_ENRICH_PATH ? 'live' : 'enrich' });
  });

  test.each([['cached', '/person/enrich'], ['live', LIVE_ENRICH_PATH]])('%s endpoint: enrich_realtime with preview is a 400 that costs nothing', async (_name, path) => {
    const answer = await send({ ...urls(SPECIAL.unicode.profileUrl), preview: true, enrich_realtime: true }, { path });
    const error = expectEnvelope(answer, 400, 'invalid_request');
    expect(error.message).toMatch(/preview/);
    expect(error.message).toMatch(/enrich_realtime/);
    expect(answer.headers['x-credits-used']).toBe('0');
    // Either flag alone is fine.
    expect((await send({ ...urls(SPECIAL.unicode.profileUrl), preview: true, enrich_realtime: false }, { path })).status).toBe(200);
  });
});

describe('x-credits-used on every answer', () => {
  test('200s, 400s, 404s and 401s of both endpoints carry it, as a whole number', async () => {
    const answers = [
      await send({ [EMAILS]: [SPECIAL.unicode.businessEmail] }),
      await send({ [EMAILS]: [SPECIAL.unicode.businessEmail] }, { path: LIVE_ENRICH_PATH }),
      await send({ [EMAILS]: [SPECIAL.unicode.businessEmail], min_similarity_score: 2 }, { path: LIVE_ENRICH_PATH }),
      await send(undefined, { method: 'GET', path: LIVE_ENRICH_PATH }),
      await send(urls(SPECIAL.unicode.profileUrl), { path: LIVE_ENRICH_PATH, key: 'wrong' }),
      await send({ [URLS]: liveOnlyIdentifiers(1, 'profile_url') }, { path: LIVE_ENRICH_PATH }),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 400, 404, 401, 200]);
    for (const answer of answers) expect(answer.headers['x-credits-used']).toMatch(/^\d+$/);
    expect(answers.map((answer) => Number(answer.headers['x-credits-used']))).toEqual([1, 1 + LIVE_EXTRA_CREDITS, 0, 0, 0, 1 + LIVE_EXTRA_CREDITS]);
    expect(api.requestLog().map((entry) => entry.endpoint)).toEqual(['enrich', 'live', 'live', null, 'live', 'live']);
  });
});
