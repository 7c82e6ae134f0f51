// CacheService keeps Apps Script's limits and expires entries on the virtual clock.
import { AppsScriptEmulator, VirtualClock } from '../../../../dev/emulator';

const SOURCE = `
function cache(kind) {
  return kind === 'user' ? CacheService.getUserCache() : kind === 'document' ? CacheService.getDocumentCache() : CacheService.getScriptCache();
}
function put(kind, key, value, ttl) { cache(kind).put(key, value, ttl); }
function get(kind, key) { return cache(kind).get(key); }
function putAll(values, ttl) { cache('script').putAll(values, ttl); }
function getAll(keys) { return cache('script').getAll(keys); }
function remove(key) { cache('script').remove(key); }
function removeAll(keys) { cache('script').removeAll(keys); }
function text(size) { return new Array(size + 1).join('x'); }
function putSized(size) { cache('script').put('big', text(size)); }
function putKey(length) { cache('script').put(text(length), 'v'); }
`;

function setup(options: ConstructorParameters<typeof AppsScriptEmulator>[0] = {}) {
  const clock = new VirtualClock();
  const emu = new AppsScriptEmulator({ clock, users: ['ada@example.com', 'bob@example.com'], ...options }).loadSource(SOURCE);
  return { emu, clock };
}

describe('CacheService limits', () => {
  it('accepts a value of 100 KB and refuses one byte more', () => {
    const { emu } = setup();
    expect(emu.run('putSized', [100 * 1024]).ok).toBe(true);
    expect(emu.run('putSized', [100 * 1024 + 1]).error).toBe('Argument too large: value');
  });

  it('accepts a key of 250 characters and refuses 251', () => {
    const { emu } = setup();
    expect(emu.run('putKey', [250]).ok).toBe(true);
    expect(emu.run('putKey', [251]).error).toBe('Argument too large: key');
  });

  it('accepts an expiration of 1 to 21,600 seconds only', () => {
    const { emu } = setup();
    expect(emu.run('put', ['script', 'k', 'v', 21600]).ok).toBe(true);
    expect(emu.run('put', ['script', 'k', 'v', 21601]).error).toMatch(/^Invalid argument: expirationInSeconds/);
    expect(emu.run('put', ['script', 'k', 'v', 0]).error).toMatch(/^Invalid argument: expirationInSeconds/);
    expect(emu.run('putAll', [{ a: '1' }, 30000]).ok).toBe(false);
  });

  it('checks every entry of putAll before writing any', () => {
    const { emu } = setup();
    expect(emu.run('putAll', [{ ok: 'v', ['k'.repeat(251)]: 'v' }]).error).toBe('Argument too large: key');
    expect(emu.call('get', 'script', 'ok')).toBeNull();
  });
});

describe('expiry on the virtual clock', () => {
  it('keeps an entry until its expiration, then forgets it', () => {
    const { emu, clock } = setup();
    emu.call('put', 'script', 'k', 'v', 60);
    clock.advance(59_999);
    expect(emu.call('get', 'script', 'k')).toBe('v');
    clock.advance(1);
    expect(emu.call('get', 'script', 'k')).toBeNull();
  });

  it('defaults to 600 seconds', () => {
    const { emu, clock } = setup();
    emu.call('put', 'script', 'k', 'v');
    clock.advance(599_000);
    expect(emu.call('get', 'script', 'k')).toBe('v');
    clock.advance(1_000);
    expect(emu.call('get', 'script', 'k')).toBeNull();
  });

  it('6 hours is the longest anything stays', () => {
    const { emu, clock } = setup();
    emu.call('put', 'script', 'k', 'v', 21600);
    clock.advance(6 * 3600_000);
    expect(emu.call('get', 'script', 'k')).toBeNull();
  });
});

describe('scopes, batches and eviction', () => {
  it('keeps user caches apart and shares document and script caches', () => {
    const { emu } = setup();
    emu.run('put', ['user', 'k', 'ada'], { user: 'ada@example.com' });
    emu.run('put', ['document', 'k', 'doc'], { user: 'ada@example.com' });
    expect(emu.run('get', ['user', 'k'], { user: 'bob@example.com' }).value).toBeNull();
    expect(emu.run('get', ['document', 'k'], { user: 'bob@example.com' }).value).toBe('doc');
  });

  it('putAll and getAll are one call each; getAll returns only what it found', () => {
    const { emu } = setup();
    const put = emu.run('putAll', [{ a: '1', b: '2', c: '3' }]);
    expect(put.calls['CacheService.Cache.putAll']).toBe(1);
    const got = emu.run('getAll', [['a', 'c', 'missing']]);
    expect(got.value).toEqual({ a: '1', c: '3' });
    expect(got.calls['CacheService.Cache.getAll']).toBe(1);
    emu.call('removeAll', ['a', 'b']);
    emu.call('remove', 'c');
    expect(emu.call('getAll', ['a', 'b', 'c'])).toEqual({});
  });

  it('keeps the 90% farthest from expiration when a cache is full (written earlier breaks ties)', () => {
    const { emu, clock } = setup({ cache: { maxItems: 100 } });
    const values: Record<string, string> = {};
    for (let i = 0; i < 101; i++) values[`k${i}`] = String(i);
    emu.call('putAll', values);
    expect(emu.caches.script.size(clock.now())).toBe(90);
    expect(emu.call('getAll', ['k0', 'k10', 'k11', 'k100'])).toEqual({ k11: '11', k100: '100' });
  });

  it('a test can empty a cache early, as Apps Script may', () => {
    const { emu } = setup();
    emu.call('put', 'script', 'k', 'v');
    emu.caches.script.clear();
    expect(emu.call('get', 'script', 'k')).toBeNull();
  });
});
