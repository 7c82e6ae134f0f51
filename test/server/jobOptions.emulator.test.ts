// The sidebar's match and freshness options on the real dist/Code.js in the emulator, against the
// mock API: each option reaches the request body only where it belongs (min_similarity_score with
// business-email batches only, force_fetch when asked), live requests go only for rows the cached
// endpoint did not find and only when opted in, ambiguous email matches are written per the
// sheet's choice, and the match columns fill for email rows. Needs `npm run build` first.
import { ScriptError } from '../../dev/emulator';
import { emailMatchShape } from '../../dev/mock-api/emailMatches';
import { liveOnlyBusinessEmail, liveOnlyProfileUrl, syntheticBusinessEmail, syntheticPerson, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import type { JobProgress, SidebarState, StartJobResponse } from '../../src/common/contract';
import { driveJob, jobWorld, withSheet, type JobWorld } from './jobHarness';

const LIVE_PATH = '/person/professional_network/enrich/live';
const CACHED_PATH = '/person/enrich';

/** The first n synthetic people whose email lookup has this shape. */
function peopleShaped(shape: string, count: number): number[] {
  const found: number[] = [];
  for (let n = 0; found.length < count; n++) if (emailMatchShape(syntheticPerson(n)) === shape) found.push(n);
  return found;
}

const ambiguous = peopleShaped('ambiguous', 3);
const exact = peopleShaped('exact', 6);

/** Profile URLs, emails (exact and ambiguous), people only the live endpoint has, and nobody. */
function mixedColumn(): string[] {
  return [
    ...[0, 1, 2, 3, 4, 5, 6, 7].map(syntheticProfileUrl),
    ...exact.map(syntheticBusinessEmail),
    ...ambiguous.map(syntheticBusinessEmail),
    liveOnlyProfileUrl(1),
    liveOnlyProfileUrl(2),
    liveOnlyBusinessEmail(3),
    'https://www.linkedin.com/in/nobody-anywhere-1',
  ];
}

interface Sent {
  path: string;
  body: Record<string, unknown>;
  identifiers: string[];
}

function sentRequests(world: JobWorld): Sent[] {
  return world.emu.fetches.map((record) => {
    const body = JSON.parse(record.request.body ?? '{}') as Record<string, unknown>;
    return {
      path: new URL(record.request.url).pathname,
      body,
      identifiers: ((body.professional_network_profile_urls ?? body.business_emails ?? []) as string[]).map((id) => id.toLowerCase()),
    };
  });
}

function startJob(world: JobWorld, request: unknown): JobProgress {
  const response = world.emu.callFromSidebar('sidebarStartJob', request) as StartJobResponse;
  if (!response.ok) throw new Error(`start failed: ${JSON.stringify(response)}`);
  return response.job;
}

/** The sheet's rows as the user sees them, keyed by the identifier in column A. */
function rowsByIdentifier(world: JobWorld): Map<string, Record<string, string>> {
  const grid = world.emu.model.sheet('Leads').displayValues();
  const headers = grid[0];
  const rows = new Map<string, Record<string, string>>();
  for (const row of grid.slice(1)) rows.set(String(row[0]).toLowerCase(), Object.fromEntries(headers.map((header, i) => [header, row[i]])));
  return rows;
}

const FIELDS = ['basic_profile.name', 'match'];

describe('the bulk job with match and freshness options', () => {
  test('min score with email batches only, live only for rows not found, ambiguous rows left to check, match columns filled', () => {
    const world = jobWorld({ requestsPerMinute: 60 });
    const column = mixedColumn();
    const source = withSheet(world, 'Leads', column);
    const job = startJob(world, {
      source,
      settings: { fields: FIELDS, reenrich: false, options: { minScore: 0.5, ambiguity: 'leave_for_review', forceFetch: false, live: true } },
    });
    const { progress } = driveJob(world, job.jobId);
    expect(progress.state).toBe('done');

    const sent = sentRequests(world).filter((request) => request.path === CACHED_PATH || request.path === LIVE_PATH);
    const cached = sent.filter((request) => request.path === CACHED_PATH);
    const live = sent.filter((request) => request.path === LIVE_PATH);
    // min_similarity_score: every email batch, no profile-URL batch, on both endpoints.
    for (const request of sent) {
      if ('business_emails' in request.body) expect(request.body.min_similarity_score).toBe(0.5);
      else expect(request.body).not.toHaveProperty('min_similarity_score');
      expect(request.body).not.toHaveProperty('force_fetch');
    }
    expect(cached.some((request) => 'business_emails' in request.body)).toBe(true);

    // Live: exactly the rows the cached endpoint did not find, each once.
    const liveSent = live.flatMap((request) => request.identifiers).sort();
    const notFoundOnCache = [liveOnlyProfileUrl(1), liveOnlyProfileUrl(2), liveOnlyBusinessEmail(3), 'https://www.linkedin.com/in/nobody-anywhere-1'].map((id) => id.toLowerCase()).sort();
    expect(liveSent).toEqual(notFoundOnCache);

    const rows = rowsByIdentifier(world);
    // Found live: enriched, and the match type says so.
    for (const id of [liveOnlyProfileUrl(1), liveOnlyBusinessEmail(3)]) {
      expect(rows.get(id.toLowerCase())?.['Crustdata status']).toMatch(/^Enriched \d{4}-\d{2}-\d{2}$/);
      expect(rows.get(id.toLowerCase())?.['Match type']).toMatch(/\(live\)$/);
    }
    expect(rows.get('https://www.linkedin.com/in/nobody-anywhere-1')?.['Crustdata status']).toBe('Not found');
    // Ambiguous emails: a readable status, no guess written.
    for (const n of ambiguous) {
      const row = rows.get(syntheticBusinessEmail(n).toLowerCase())!;
      expect(row['Crustdata status']).toMatch(/^Ambiguous: 2 people match with close scores \(0\.\d+ and 0\.\d+\)\. Check this row by hand/);
      expect(row.Name).toBe('');
    }
    // Exact emails: the match columns filled and right.
    for (const n of exact) {
      const row = rows.get(syntheticBusinessEmail(n).toLowerCase())!;
      expect(row['Crustdata status']).toMatch(/^Enriched/);
      expect(row['Match confidence']).toBe('1');
      expect(row['Match type']).toBe('Business email');
      expect(row['Match candidates']).toBe('1');
    }
    expect(progress.counts.ambiguous).toBe(ambiguous.length);
    expect(progress.counts.failed).toBe(0);
    // The live pass's cost, shown apart: what the mock charged on its live endpoint.
    const charged = world.api.stats().perEndpoint.live;
    expect(charged.creditsUsed).toBeGreaterThan(0);
    expect(progress.live).toEqual({ requests: charged.requests, credits: charged.creditsUsed });
    expect(progress.live?.requests).toBe(live.length);
  });

  test('off by default: no live request, no min score, "take the best" writes the top candidate', () => {
    const world = jobWorld({ requestsPerMinute: 60 });
    const source = withSheet(world, 'Leads', mixedColumn());
    const job = startJob(world, { source, settings: { fields: FIELDS, reenrich: false } });
    const { progress } = driveJob(world, job.jobId);
    expect(progress.state).toBe('done');
    const sent = sentRequests(world);
    expect(sent.some((request) => request.path === LIVE_PATH)).toBe(false);
    expect(sent.some((request) => 'min_similarity_score' in request.body)).toBe(false);
    const rows = rowsByIdentifier(world);
    for (const n of ambiguous) {
      const row = rows.get(syntheticBusinessEmail(n).toLowerCase())!;
      expect(row['Crustdata status']).toMatch(/^Enriched/);
      expect(row.Name).toBe(syntheticPerson(n).data.basic_profile?.name);
      expect(row['Match ambiguous']).toBe('TRUE');
    }
    expect(rows.get(liveOnlyProfileUrl(1).toLowerCase())?.['Crustdata status']).toBe('Not found');
    expect(progress.live).toBeUndefined();
  });

  test('force_fetch as a job option: sent with every batch', () => {
    const world = jobWorld({ requestsPerMinute: 60 });
    const source = withSheet(world, 'Leads', mixedColumn().slice(0, 10));
    const job = startJob(world, { source, settings: { fields: FIELDS, reenrich: false, options: { minScore: null, ambiguity: 'take_best', forceFetch: true, live: false } } });
    expect(driveJob(world, job.jobId).progress.state).toBe('done');
    const sent = sentRequests(world).filter((request) => request.path === CACHED_PATH);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect(request.body.force_fetch).toBe(true);
  });

  test('a minimum score outside 0–1 is refused with a clear message before any request', () => {
    const world = jobWorld();
    const source = withSheet(world, 'Leads', mixedColumn());
    const before = world.emu.fetches.length;
    for (const minScore of [1.5, -0.2]) {
      let message = '';
      try {
        world.emu.callFromSidebar('sidebarStartJob', { source, settings: { fields: FIELDS, reenrich: false, options: { minScore, ambiguity: 'take_best', forceFetch: false, live: false } } });
      } catch (error) {
        if (!(error instanceof ScriptError)) throw error;
        message = error.result.error ?? '';
      }
      expect(message).toMatch(/The minimum match score: must be a number from 0 to 1, such as 0\.8/);
    }
    expect(world.emu.fetches.length).toBe(before);
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).job).toBeNull();
  });

  test('the options are kept per sheet, and an email column starts with the match columns', () => {
    const world = jobWorld({ requestsPerMinute: 60 });
    withSheet(world, 'Emails', exact.map(syntheticBusinessEmail), 'Email');
    const fresh = world.emu.callFromSidebar('sidebarGetState') as SidebarState;
    expect(fresh.settings.fields).toContain('match');
    expect(fresh.settings.options).toEqual({ minScore: null, ambiguity: 'take_best', forceFetch: false, live: false });

    const source = withSheet(world, 'Leads', [0, 1, 2].map(syntheticProfileUrl));
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).settings.fields).not.toContain('match');
    const options = { minScore: 0.75, ambiguity: 'leave_for_review', forceFetch: true, live: true };
    const job = startJob(world, { source, settings: { fields: FIELDS, reenrich: false, options } });
    driveJob(world, job.jobId);
    expect((world.emu.callFromSidebar('sidebarGetState') as SidebarState).settings).toEqual({ fields: FIELDS, reenrich: false, options });
  });
});
