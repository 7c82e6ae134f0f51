// The emulator runs scripts as Apps Script does: top-level functions only, a fresh global scope per
// execution, the script's own realm, virtual time, auth modes, scopes and the 6-minute limit.
import { AppsScriptEmulator, EmulatorError, ScriptError, SidebarDataError, VirtualClock } from '../../../dev/emulator';
import { CRUSTDATA_MANIFEST } from './helpers';

function emulatorWith(source: string, options: ConstructorParameters<typeof AppsScriptEmulator>[0] = {}) {
  return new AppsScriptEmulator(options).loadSource(source);
}

describe('what Apps Script can call', () => {
  const emu = emulatorWith(`
    function visible(a, b) { return a + b; }
    var expression = function () { return 'not a declaration'; };
    function private_() { return 'hidden'; }
  `);

  it('lists top-level function declarations with their parameter names', () => {
    expect(emu.functions.map((f) => [f.name, f.params])).toEqual([
      ['visible', ['a', 'b']],
      ['private_', []],
    ]);
  });

  it('runs a declared function and returns plain host data', () => {
    expect(emu.run('visible', [2, 3])).toMatchObject({ ok: true, value: 5, mode: 'FULL', user: 'owner@example.com' });
  });

  it('does not run function expressions or private functions', () => {
    expect(emu.run('expression').error).toBe('Script function not found: expression');
    expect(emu.run('private_').error).toBe('Script function not found: private_');
  });

  it('call() throws ScriptError carrying the result', () => {
    const failing = emulatorWith('function fails() { throw new Error("no luck"); }');
    expect(() => failing.call('fails')).toThrow(ScriptError);
    expect(() => failing.call('fails')).toThrow('fails failed: no luck');
  });

  it('refuses to run before a script is loaded', () => {
    expect(() => new AppsScriptEmulator().run('x')).toThrow(EmulatorError);
  });
});

describe('each execution starts from a fresh global scope', () => {
  it('re-runs the top level and forgets globals set by an earlier execution', () => {
    const emu = emulatorWith(`
      var counter = 0;
      function bump() { counter += 1; return counter; }
    `);
    expect(emu.call('bump')).toBe(1);
    expect(emu.call('bump')).toBe(1);
  });

  it('records service calls made by the top level at load time', () => {
    const emu = emulatorWith(`
      var cache = CacheService.getScriptCache();
      function noop() {}
    `);
    expect(emu.loadCalls).toEqual({ 'CacheService.getScriptCache': 1 });
    expect(emulatorWith('function clean() {}').loadCalls).toEqual({});
  });

  it('a top-level service call breaks onOpen in AuthMode.NONE', () => {
    const emu = emulatorWith(`
      var props = PropertiesService.getUserProperties();
      function onOpen(e) { SpreadsheetApp.getUi().createAddonMenu().addItem('Go', 'go').addToUi(); }
    `);
    const result = emu.openDocument('NONE');
    expect(result.ok).toBe(false);
    expect(result.error).toBe('You do not have permission to call PropertiesService.getUserProperties');
  });

  it('reports a script that fails to load', () => {
    expect(() => emulatorWith('function broken( {')).toThrow('Code.js failed to load: Unexpected end of input');
    expect(() => emulatorWith('throw new Error("top level")')).toThrow('Code.js failed to load: top level');
  });
});

describe('the script realm', () => {
  const emu = emulatorWith(`
    function shapes() {
      var digest = Utilities.computeDigest(Utilities.DigestAlgorithm.MD5, 'x');
      return { array: digest instanceof Array, object: Utilities.DigestAlgorithm instanceof Object };
    }
    function catchService() {
      try { CacheService.getScriptCache().put('', 'v'); } catch (e) { return [e instanceof Error, e.name, e.message, String(e)]; }
    }
  `);

  it('gives scripts arrays and objects of their own realm', () => {
    expect(emu.call('shapes')).toEqual({ array: true, object: true });
  });

  it('throws service errors as catchable Errors named Exception', () => {
    expect(emu.call('catchService')).toEqual([true, 'Exception', 'Invalid argument: key', 'Exception: Invalid argument: key']);
  });

  it('Date reads the virtual clock; explicit dates are untouched', () => {
    const clock = new VirtualClock(Date.UTC(2030, 5, 1));
    const timed = emulatorWith(
      'function dates() { return [Date.now(), new Date().getTime(), new Date(0).toISOString(), typeof Date(), new Date() instanceof Date]; }',
      { clock },
    );
    expect(timed.call('dates')).toEqual([Date.UTC(2030, 5, 1), Date.UTC(2030, 5, 1), '1970-01-01T00:00:00.000Z', 'string', true]);
  });

  it('Utilities.sleep advances the clock the script sees', () => {
    const clock = new VirtualClock(1_000_000);
    const timed = emulatorWith('function sleepThenNow() { Utilities.sleep(2500); return Date.now(); }', { clock });
    expect(timed.call('sleepThenNow')).toBe(1_002_500);
    expect(clock.now()).toBe(1_002_500);
  });
});

describe('the 6-minute execution limit', () => {
  const source = `
    function sleeps(n) { for (var i = 0; i < n; i++) Utilities.sleep(60000); return 'done'; }
    function swallows() {
      try { for (;;) Utilities.sleep(100000); } catch (e) {}
      return 'pretended to finish';
    }
    function spins() { for (;;) {} }
  `;

  it('lets an execution use 6 minutes', () => {
    const emu = emulatorWith(source);
    expect(emu.run('sleeps', [6])).toMatchObject({ ok: true, value: 'done', elapsedMs: 360_000 });
  });

  it('stops it at 6 minutes with "Exceeded maximum execution time"', () => {
    const emu = emulatorWith(source);
    const result = emu.run('sleeps', [7]);
    expect(result).toMatchObject({ ok: false, error: 'Exceeded maximum execution time', timedOut: true, elapsedMs: 360_000 });
  });

  it('cannot be caught by the script', () => {
    const emu = emulatorWith(source);
    expect(emu.run('swallows')).toMatchObject({ ok: false, error: 'Exceeded maximum execution time' });
  });

  it('a real-time watchdog stops endless loops', () => {
    const emu = emulatorWith(source, { realTimeoutMs: 100 });
    expect(emu.run('spins').error).toMatch(/more than 100 ms of real time/);
  });
});

describe('auth modes', () => {
  const source = `
    function readProps() { return PropertiesService.getDocumentProperties().getProperty('k'); }
    function fetchSomething() { return UrlFetchApp.fetch('https://api.crustdata.com/x').getResponseCode(); }
    function showSidebar() { SpreadsheetApp.getUi().showSidebar(HtmlService.createHtmlOutput('<b>hi</b>')); }
    function buildMenu() { SpreadsheetApp.getUi().createAddonMenu().addItem('Open', 'showSidebar').addToUi(); return Utilities.base64Encode('ok'); }
    function makeTrigger() { ScriptApp.newTrigger('readProps').timeBased().everyHours(1).create(); }
  `;

  it('NONE: menus and Utilities only; Properties refused', () => {
    const emu = emulatorWith(source);
    expect(emu.run('buildMenu', [], { authMode: 'NONE' })).toMatchObject({ ok: true, value: 'b2s=' });
    expect(emu.run('readProps', [], { authMode: 'NONE' }).error).toBe(
      'You do not have permission to call PropertiesService.getDocumentProperties',
    );
  });

  it('LIMITED: Properties allowed; UrlFetch, sidebar and triggers refused', () => {
    const emu = emulatorWith(source);
    expect(emu.run('readProps', [], { authMode: 'LIMITED' })).toMatchObject({ ok: true, value: null });
    expect(emu.run('fetchSomething', [], { authMode: 'LIMITED' }).error).toBe('You do not have permission to call UrlFetchApp.fetch');
    expect(emu.run('showSidebar', [], { authMode: 'LIMITED' }).error).toBe('You do not have permission to call Ui.showSidebar');
    expect(emu.run('makeTrigger', [], { authMode: 'LIMITED' }).error).toBe('You do not have permission to call ScriptApp.newTrigger');
  });

  it('FULL: everything, within the manifest scopes', () => {
    const emu = emulatorWith(source);
    expect(emu.run('showSidebar').ok).toBe(true);
    const narrow = new AppsScriptEmulator().loadSource(source, {
      manifest: { ...CRUSTDATA_MANIFEST, oauthScopes: CRUSTDATA_MANIFEST.oauthScopes.filter((s) => !s.endsWith('container.ui')) },
    });
    expect(narrow.run('showSidebar').error).toBe(
      'You do not have permission to call SpreadsheetApp.getUi. Required permissions: https://www.googleapis.com/auth/script.container.ui',
    );
  });

  it('openDocument() runs onOpen with the event object in the chosen mode', () => {
    const emu = emulatorWith(`function onOpen(e) { SpreadsheetApp.getUi().createAddonMenu().addItem('Go', 'go').addToUi(); return e.authMode; }
      function go() { return 'went'; }`);
    expect(emu.openDocument('NONE')).toMatchObject({ ok: true, value: 'NONE', mode: 'NONE' });
    expect(emu.ui.addOnMenu?.entries).toEqual([{ caption: 'Go', functionName: 'go' }]);
    expect(emu.clickMenuItem('Go')).toMatchObject({ ok: true, value: 'went', mode: 'FULL' });
  });
});

describe('google.script.run calls from the sidebar', () => {
  const emu = emulatorWith(`
    function echo(request) { return { got: request, kind: typeof request.when }; }
    function givesDate() { return { at: new Date() }; }
    function givesUndefined() {}
    function fails() { throw new Error('Please set an API key first.'); }
  `);

  it('passes plain data both ways as JSON', () => {
    expect(emu.callFromSidebar('echo', { when: '2025-01-01', list: [1, 'a', null], nested: { ok: true } })).toEqual({
      got: { when: '2025-01-01', list: [1, 'a', null], nested: { ok: true } },
      kind: 'string',
    });
    expect(emu.callFromSidebar('givesUndefined')).toBeNull();
  });

  it('refuses Dates and functions in arguments and results', () => {
    expect(() => emu.callFromSidebar('echo', { when: new Date() })).toThrow(SidebarDataError);
    expect(() => emu.callFromSidebar('echo', { fn: () => 1 })).toThrow(/a function at args\[0\]\.fn/);
    expect(() => emu.callFromSidebar('givesDate')).toThrow(/a Date at value\.at/);
  });

  it('hands script errors to the failure handler', () => {
    expect(emu.runFromSidebar('fails')).toMatchObject({ ok: false, error: 'Please set an API key first.' });
    expect(() => emu.callFromSidebar('fails')).toThrow('Please set an API key first.');
  });
});

describe('logs and call counts', () => {
  const emu = emulatorWith(`
    function chatty(key) {
      Logger.log('calling with %s rows', 3);
      console.warn('careful', { rows: 3 });
      CacheService.getScriptCache().get('a');
      CacheService.getScriptCache().get('b');
      return 'ok';
    }
  `);

  it('captures Logger.log and console.* with level and execution', () => {
    emu.run('chatty');
    expect(emu.logs.map((l) => [l.source, l.level, l.message])).toEqual([
      ['Logger', 'log', 'calling with 3 rows'],
      ['console', 'warn', 'careful { rows: 3 }'],
    ]);
    expect(emu.logText()).toContain('calling with 3 rows');
  });

  it('counts calls per execution and in total until reset', () => {
    emu.resetCalls();
    const first = emu.run('chatty');
    emu.run('chatty');
    expect(first.calls['CacheService.Cache.get']).toBe(2);
    expect(emu.calls['CacheService.Cache.get']).toBe(4);
    emu.resetCalls();
    expect(emu.calls).toEqual({});
  });
});
