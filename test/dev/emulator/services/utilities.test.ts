// Utilities behaves like Apps Script's: signed digest bytes, base64, SimpleDateFormat patterns in a
// time zone, sleep on the virtual clock, reproducible UUIDs.
import crypto from 'node:crypto';
import { AppsScriptEmulator, formatDate, VirtualClock } from '../../../../dev/emulator';

const SOURCE = `
function digest(algorithm, value) { return Utilities.computeDigest(Utilities.DigestAlgorithm[algorithm], value, Utilities.Charset.UTF_8); }
function hex(value) {
  return Utilities.computeDigest(Utilities.DigestAlgorithm.SHA_256, value)
    .map(function (b) { return ((b + 256) % 256).toString(16); })
    .map(function (h) { return h.length === 1 ? '0' + h : h; }).join('');
}
function b64(text) { return [Utilities.base64Encode(text), Utilities.base64EncodeWebSafe('??>'), Utilities.base64Decode(Utilities.base64Encode(text))]; }
function blob(text) { return Utilities.newBlob(text).getDataAsString(); }
function format(ms, tz, pattern) { return Utilities.formatDate(new Date(ms), tz, pattern); }
function sleep(ms) { Utilities.sleep(ms); return Date.now(); }
function uuids() { return [Utilities.getUuid(), Utilities.getUuid()]; }
function fmt() { return Utilities.formatString('%s has %d rows (%.1f%%)', 'Sheet1', 12.7, 99.44); }
`;

const emulator = (seed = 1) => new AppsScriptEmulator({ clock: new VirtualClock(0), seed }).loadSource(SOURCE);

describe('computeDigest', () => {
  const emu = emulator();

  it('returns SIGNED bytes, as Java does', () => {
    const bytes = emu.call('digest', 'SHA_256', 'abc') as number[];
    const expected = [...crypto.createHash('sha256').update('abc').digest()].map((b) => (b > 127 ? b - 256 : b));
    expect(bytes).toEqual(expected);
    expect(bytes[0]).toBe(-70); // 0xba
    expect(Math.min(...bytes)).toBeLessThan(0);
  });

  it('MD5 too, and hex-encoding with +256 gives the usual digest', () => {
    expect((emu.call('digest', 'MD5', 'abc') as number[]).length).toBe(16);
    expect(emu.call('hex', 'héllo')).toBe(crypto.createHash('sha256').update('héllo', 'utf8').digest('hex'));
  });
});

describe('base64 and blobs', () => {
  it('encodes UTF-8, web-safe, and decodes to signed bytes', () => {
    const emu = emulator();
    const [plain, webSafe, decoded] = emu.call('b64', 'é') as [string, string, number[]];
    expect(plain).toBe('w6k=');
    expect(webSafe).toBe('Pz8-');
    expect(decoded).toEqual([-61, -87]);
    expect(emu.call('blob', 'naïve')).toBe('naïve');
  });
});

describe('formatDate', () => {
  const at = Date.UTC(2025, 0, 6, 14, 5, 9, 7); // Monday

  it.each([
    ['yyyy-MM-dd HH:mm:ss', 'Etc/UTC', '2025-01-06 14:05:09'],
    ["yyyy-MM-dd'T'HH:mm:ss.SSSXXX", 'America/New_York', '2025-01-06T09:05:09.007-05:00'],
    ['EEE, d MMM yyyy h:mm a', 'Asia/Kolkata', 'Mon, 6 Jan 2025 7:35 PM'],
    ['EEEE MMMM dd yy Z', 'Europe/Paris', 'Monday January 06 25 +0100'],
    ["'week' u, 'it''s' k:mm", 'Etc/UTC', "week 1, it's 14:05"],
  ])('%s in %s', (pattern, tz, expected) => {
    expect(formatDate(at, tz, pattern)).toBe(expected);
    expect(emulator().call('format', at, tz, pattern)).toBe(expected);
  });

  it('refuses an unknown pattern letter as Apps Script does', () => {
    expect(emulator().run('format', [at, 'Etc/UTC', 'yyyy-qq']).error).toMatch(/^Invalid argument: Illegal pattern character 'q'/);
  });
});

describe('sleep, getUuid, formatString', () => {
  it('sleep advances the virtual clock and refuses more than 5 minutes', () => {
    const emu = emulator();
    expect(emu.call('sleep', 1500)).toBe(1500);
    expect(emu.run('sleep', [300_001]).error).toMatch(/^Invalid argument: milliseconds/);
  });

  it('getUuid is a v4-shaped UUID, the same sequence for the same seed', () => {
    const [a, b] = emulator(7).call('uuids') as string[];
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(emulator(7).call('uuids')).toEqual([a, b]);
    expect(emulator(8).call('uuids')).not.toEqual([a, b]);
  });

  it('formatString substitutes like sprintf', () => {
    expect(emulator().call('fmt')).toBe('Sheet1 has 12 rows (99.4%)');
  });
});
