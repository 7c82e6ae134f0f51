// UrlFetchApp on the virtual clock: fetchAll in parallel, the 60 s timeout, muteHttpExceptions,
// the manifest's allowlist and the daily quota.
import { AppsScriptEmulator, inProcessTransport, VirtualClock, type Transport } from '../../../../dev/emulator';
import { CRUSTDATA_MANIFEST, scriptedTransport } from '../helpers';

const SOURCE = `
var BASE = 'https://api.crustdata.com/person/enrich';
function one(path, mute) {
  var response = UrlFetchApp.fetch(BASE + (path || ''), { method: 'post', contentType: 'application/json', payload: '{"a":1}', muteHttpExceptions: !!mute, headers: { Authorization: 'Bearer k' } });
  return [response.getResponseCode(), response.getContentText(), response.getAllHeaders()['x-ratelimit-remaining'] || null];
}
function three(paths, mute) {
  var started = Date.now();
  var responses = UrlFetchApp.fetchAll(paths.map(function (p) { return { url: BASE + p, method: 'post', payload: '{}', contentType: 'application/json', muteHttpExceptions: !!mute }; }));
  return { codes: responses.map(function (r) { return r.getResponseCode(); }), tookMs: Date.now() - started };
}
function sequential(n) {
  var started = Date.now();
  for (var i = 0; i < n; i++) UrlFetchApp.fetch(BASE + '?i=' + i, { muteHttpExceptions: true });
  return Date.now() - started;
}
function elsewhere() { return UrlFetchApp.fetch('https://example.com/steal').getResponseCode(); }
function form() { return UrlFetchApp.fetch(BASE, { method: 'post', payload: { a: 'x y', b: 2 } }).getResponseCode(); }
function many(n) { for (var i = 0; i < n; i++) UrlFetchApp.fetch(BASE, { muteHttpExceptions: true }); return n; }
`;

function setup(transport: Transport, manifest = CRUSTDATA_MANIFEST) {
  const clock = new VirtualClock(1_000_000);
  const emu = new AppsScriptEmulator({ clock, transport }).loadSource(SOURCE, { manifest });
  return { emu, clock };
}

/** 1 s per request; path decides the status or the latency. */
const byPath = scriptedTransport((request) => {
  if (request.url.endsWith('/429')) return { status: 429, body: '{"error":{"type":"rate_limited"}}', headers: { 'retry-after': '7' } };
  if (request.url.endsWith('/slow')) return { latencyMs: 5000 };
  if (request.url.endsWith('/hang')) return { latencyMs: 60_000 };
  return { status: 200, body: '{"ok":true}', headers: { 'x-ratelimit-remaining': '14' } };
});

describe('fetchAll runs in parallel on the virtual clock', () => {
  it('three 1-second requests take 1 second, not 3', () => {
    const { emu } = setup(byPath);
    expect(emu.call('three', ['/a', '/b', '/c'])).toEqual({ codes: [200, 200, 200], tookMs: 1000 });
    expect(emu.call('sequential', 3)).toBe(3000);
  });

  it('all start at the same virtual time, and the call lasts as long as the slowest', () => {
    const transport = scriptedTransport((request) => ({ latencyMs: request.url.endsWith('/slow') ? 5000 : 1000 }));
    const { emu, clock } = setup(transport);
    const startedAt = clock.now();
    expect(emu.call('three', ['/a', '/slow', '/c'])).toMatchObject({ tookMs: 5000 });
    expect(transport.batches).toHaveLength(1);
    expect(transport.batches[0].nowMs).toBe(startedAt);
    expect(emu.fetches.map((f) => f.startedAtMs)).toEqual([startedAt, startedAt, startedAt]);
    expect(emu.calls['UrlFetchApp.fetchAll']).toBe(1);
  });
});

describe('HTTP errors', () => {
  it('without muteHttpExceptions a code >= 400 throws', () => {
    const { emu } = setup(byPath);
    expect(emu.run('one', ['/429']).error).toBe(
      'Request failed for https://api.crustdata.com returned code 429. Truncated server response: {"error":{"type":"rate_limited"}} (use muteHttpExceptions option to examine full response)',
    );
    expect(emu.run('three', [['/a', '/429']]).error).toMatch(/^Request failed for https:\/\/api\.crustdata\.com returned code 429/);
  });

  it('with muteHttpExceptions the code and body are readable', () => {
    const { emu } = setup(byPath);
    expect(emu.call('one', '/429', true)).toEqual([429, '{"error":{"type":"rate_limited"}}', null]);
    expect(emu.call('three', ['/a', '/429'], true)).toMatchObject({ codes: [200, 429] });
    expect(emu.call('one', '', true)).toEqual([200, '{"ok":true}', '14']);
  });

  it('a request that takes 60 s times out, failing the whole fetchAll after 60 s', () => {
    const { emu } = setup(byPath);
    const single = emu.run('one', ['/hang', true]);
    expect(single).toMatchObject({ ok: false, error: 'Timeout: https://api.crustdata.com/person/enrich/hang', elapsedMs: 60_000 });
    const batch = emu.run('three', [['/a', '/hang'], true]);
    expect(batch).toMatchObject({ ok: false, elapsedMs: 60_000 });
    expect(batch.error).toMatch(/^Timeout: /);
  });
});

describe('what may be fetched', () => {
  it('refuses a URL outside the manifest urlFetchWhitelist', () => {
    const { emu } = setup(byPath);
    expect(emu.run('elsewhere').error).toBe("UrlFetch calls to https://example.com/steal are not permitted by your manifest's urlFetchWhitelist.");
    expect(byPath.batches.some((b) => b.requests.some((r) => r.url.includes('example.com')))).toBe(false);
  });

  it('needs the external_request scope', () => {
    const { emu } = setup(byPath, { ...CRUSTDATA_MANIFEST, oauthScopes: CRUSTDATA_MANIFEST.oauthScopes.slice(0, 1) });
    expect(emu.run('one').error).toBe(
      'You do not have permission to call UrlFetchApp.fetch. Required permissions: https://www.googleapis.com/auth/script.external_request',
    );
  });

  it('counts requests against the daily quota', () => {
    const clock = new VirtualClock(Date.UTC(2025, 0, 6, 23, 0));
    const emu = new AppsScriptEmulator({ clock, transport: scriptedTransport(), urlFetchDailyQuota: 5 }).loadSource(SOURCE);
    expect(emu.run('many', [5]).ok).toBe(true);
    expect(emu.urlFetchCountToday()).toBe(5);
    expect(emu.run('many', [1]).error).toBe('Service invoked too many times for one day: urlfetch.');
    clock.setTime(Date.UTC(2025, 0, 7, 0, 0));
    expect(emu.run('many', [1]).ok).toBe(true);
  });

  it('sends what the script asked for: method, headers, payload, content type', () => {
    const transport = scriptedTransport();
    const { emu } = setup(transport);
    emu.call('one', '', true);
    emu.call('form');
    expect(transport.batches[0].requests[0]).toEqual({
      url: 'https://api.crustdata.com/person/enrich',
      method: 'POST',
      headers: { Authorization: 'Bearer k', 'Content-Type': 'application/json' },
      body: '{"a":1}',
    });
    expect(transport.batches[1].requests[0]).toMatchObject({
      body: 'a=x%20y&b=2',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    });
  });
});

describe('inProcessTransport', () => {
  it('hands the mock handler the path, lower-cased headers, body and the virtual time', () => {
    const seen: unknown[] = [];
    const api = {
      handle(request: { method: string; path: string; headers: Record<string, string>; body: string }, nowMs: number) {
        seen.push({ ...request, nowMs });
        return { status: 200, headers: { 'X-Credits-Used': 1 }, body: '{"ok":1}', latencyMs: 800 };
      },
    };
    const { emu, clock } = setup(inProcessTransport(api, { baseUrl: 'https://api.crustdata.com' }));
    const before = clock.now();
    expect(emu.call('one', '', true)).toEqual([200, '{"ok":1}', null]);
    expect(seen).toEqual([
      {
        method: 'POST',
        path: '/person/enrich',
        headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
        body: '{"a":1}',
        nowMs: before,
      },
    ]);
    expect(clock.now()).toBe(before + 800);
  });

  it('a mock latency of 60 s or more is a timeout', () => {
    const api = { handle: () => ({ status: 200, headers: {}, body: '', latencyMs: 61_000 }) };
    const { emu } = setup(inProcessTransport(api));
    expect(emu.run('one').error).toBe('Timeout: https://api.crustdata.com/person/enrich');
  });
});
