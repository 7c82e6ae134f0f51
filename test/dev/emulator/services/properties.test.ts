// PropertiesService keeps Apps Script's scopes and limits: per-user stores, 9 KB per value,
// 500 KB per store, all-or-nothing writes.
import { AppsScriptEmulator } from '../../../../dev/emulator';

const SOURCE = `
function store(kind) {
  return kind === 'user' ? PropertiesService.getUserProperties()
    : kind === 'document' ? PropertiesService.getDocumentProperties() : PropertiesService.getScriptProperties();
}
function put(kind, key, value) { store(kind).setProperty(key, value); return store(kind).getProperty(key); }
function get(kind, key) { return store(kind).getProperty(key); }
function putMany(kind, values, deleteOthers) { store(kind).setProperties(values, deleteOthers); return store(kind).getProperties(); }
function keys(kind) { return store(kind).getKeys().sort(); }
function remove(kind, key) { store(kind).deleteProperty(key); return store(kind).getKeys(); }
function clear(kind) { store(kind).deleteAllProperties(); return store(kind).getKeys().length; }
function fill(kind, count, size) {
  var value = new Array(size + 1).join('v');
  for (var i = 0; i < count; i++) store(kind).setProperty('key' + i, value);
}
`;

const emulator = () => new AppsScriptEmulator({ users: ['ada@example.com', 'bob@example.com'] }).loadSource(SOURCE);

describe('PropertiesService', () => {
  it('keeps user properties per user, document and script properties shared', () => {
    const emu = emulator();
    emu.run('put', ['user', 'k', 'ada-secret'], { user: 'ada@example.com' });
    emu.run('put', ['document', 'k', 'shared'], { user: 'ada@example.com' });
    expect(emu.run('get', ['user', 'k'], { user: 'bob@example.com' }).value).toBeNull();
    expect(emu.run('get', ['document', 'k'], { user: 'bob@example.com' }).value).toBe('shared');
    expect(emu.run('get', ['user', 'k'], { user: 'ada@example.com' }).value).toBe('ada-secret');
    expect(emu.properties.user('ada@example.com').toObject()).toEqual({ k: 'ada-secret' });
  });

  it('stores strings, lists keys, deletes', () => {
    const emu = emulator();
    expect(emu.call('put', 'script', 'n', 42)).toBe('42');
    expect(emu.call('putMany', 'script', { a: '1', b: '2' }, false)).toEqual({ n: '42', a: '1', b: '2' });
    expect(emu.call('putMany', 'script', { c: '3' }, true)).toEqual({ c: '3' });
    expect(emu.call('keys', 'script')).toEqual(['c']);
    expect(emu.call('remove', 'script', 'c')).toEqual([]);
    emu.call('fill', 'script', 3, 10);
    expect(emu.call('clear', 'script')).toBe(0);
  });

  it('refuses a value over 9 KB', () => {
    const emu = emulator();
    expect(emu.run('fill', ['user', 1, 9 * 1024]).ok).toBe(true);
    expect(emu.run('fill', ['user', 1, 9 * 1024 + 1]).error).toBe('Argument too large: value');
  });

  it('counts bytes, not characters', () => {
    const emu = emulator();
    expect(emu.run('put', ['user', 'k', 'é'.repeat(4700)]).error).toBe('Argument too large: value');
  });

  it('refuses to grow a store past 500 KB, and leaves it unchanged', () => {
    const emu = emulator();
    expect(emu.run('fill', ['document', 55, 9000]).ok).toBe(true);
    const result = emu.run('fill', ['document', 60, 9000]);
    expect(result.error).toBe('You have exceeded the property storage quota. Please remove some properties and try again.');
    expect(emu.properties.document.values.size).toBe(56);
    expect(emu.properties.document.sizeBytes()).toBeLessThanOrEqual(500 * 1024);
  });

  it('counts every read and write as a call', () => {
    const emu = emulator();
    const result = emu.run('put', ['user', 'k', 'v']);
    expect(result.calls).toEqual({
      'PropertiesService.getUserProperties': 2,
      'PropertiesService.Properties.setProperty': 1,
      'PropertiesService.Properties.getProperty': 1,
    });
  });
});
