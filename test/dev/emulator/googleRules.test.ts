// The emulator takes Google's documented answer, or the pessimistic one where the docs are silent,
// for the rules the add-on depends on: whose user properties a custom function reads, which
// triggers getUserTriggers lists, what a trigger run without its document gets, what several
// spreadsheets of one script share, and which cache entries go first when a cache is full.
// Each test fails under the emulator's earlier, friendlier answers.
import { AppsScriptEmulator, VirtualClock } from '../../../dev/emulator';

const SOURCE = `
function saveMyKey(key) { PropertiesService.getUserProperties().setProperty('key', key); }
function READ_KEY() { return PropertiesService.getUserProperties().getProperty('key') || 'none'; }
function hourly() { return ScriptApp.newTrigger('tick').timeBased().everyHours(1).create().getUniqueId(); }
function onEditTrigger() { return ScriptApp.newTrigger('tick').forSpreadsheet(SpreadsheetApp.getActiveSpreadsheet()).onEdit().create().getUniqueId(); }
function listHere() { return ScriptApp.getUserTriggers(SpreadsheetApp.getActiveSpreadsheet()).map(function (t) { return String(t.getEventType()); }); }
function listProject() { return ScriptApp.getProjectTriggers().map(function (t) { return t.getUniqueId(); }); }
function deleteById(id) {
  ScriptApp.getProjectTriggers().forEach(function (t) { if (t.getUniqueId() === id) ScriptApp.deleteTrigger(t); });
}
function tick(e) {
  var seen = {
    spreadsheet: SpreadsheetApp.getActiveSpreadsheet() === null ? null : 'there',
    lock: LockService.getDocumentLock() === null ? null : 'there',
    properties: PropertiesService.getDocumentProperties() === null ? null : 'there',
    cache: CacheService.getDocumentCache() === null ? null : 'there',
    user: PropertiesService.getUserProperties().getProperty('key'),
  };
  try { SpreadsheetApp.getUi(); seen.ui = 'there'; } catch (error) { seen.ui = error.message; }
  PropertiesService.getUserProperties().setProperty('seen', JSON.stringify(seen));
}
function cachePut(kind, key, value, ttl) { (kind === 'script' ? CacheService.getScriptCache() : CacheService.getDocumentCache()).put(key, value, ttl); }
function cacheGet(kind, key) { return (kind === 'script' ? CacheService.getScriptCache() : CacheService.getDocumentCache()).get(key); }
function docProp(value) { var p = PropertiesService.getDocumentProperties(); if (value) p.setProperty('v', value); return p.getProperty('v'); }
function holdScriptLock(ms) { var lock = LockService.getScriptLock(); var got = lock.tryLock(ms); return got; }
`;

const HOUR = 3_600_000;
const OWNER = 'owner@example.com';
const EDITOR = 'editor@example.com';

function setup(options: ConstructorParameters<typeof AppsScriptEmulator>[0] = {}) {
  const clock = new VirtualClock();
  const emu = new AppsScriptEmulator({ clock, triggerJitterMs: 0, users: [OWNER, EDITOR], ...options }).loadSource(SOURCE);
  emu.model.addSheet('Sheet1');
  return { emu, clock };
}

describe('a custom function reads the spreadsheet owner’s user properties', () => {
  it('an editor’s formula does not see the editor’s own key', () => {
    const { emu } = setup();
    emu.run('saveMyKey', ['editor-key'], { user: EDITOR });
    expect(emu.runCustomFunction('B1', 'READ_KEY', [], { user: EDITOR }).values).toEqual([['none']]);
  });

  it('an editor’s formula sees the owner’s key', () => {
    const { emu } = setup();
    emu.run('saveMyKey', ['owner-key'], { user: OWNER });
    expect(emu.runCustomFunction('B1', 'READ_KEY', [], { user: EDITOR }).values).toEqual([['owner-key']]);
    // Outside a custom function each user still reads their own store.
    expect(emu.run('READ_KEY', [], { user: EDITOR }).value).toBe('none');
  });
});

describe('triggers of one user across the spreadsheets of one script', () => {
  it('getUserTriggers(spreadsheet) leaves time-driven triggers out; getProjectTriggers lists them', () => {
    const { emu } = setup();
    const id = emu.call('hourly') as string;
    emu.call('onEditTrigger');
    expect(emu.call('listHere')).toEqual(['ON_EDIT']);
    expect(emu.call('listProject')).toContain(id);
  });

  it('lists every spreadsheet’s triggers in getProjectTriggers, and the one-per-document rule is per document', () => {
    const { emu } = setup();
    const other = emu.openAnotherSpreadsheet();
    const here = emu.call('hourly') as string;
    const there = other.call('hourly') as string;
    expect(here).not.toBe(there);
    expect((emu.call('listProject') as string[]).sort()).toEqual([here, there].sort());
    other.call('deleteById', there);
    expect(emu.call('listProject')).toEqual([here]);
  });

  it('runs each trigger in the spreadsheet that created it', () => {
    const { emu, clock } = setup();
    const other = emu.openAnotherSpreadsheet();
    other.call('hourly');
    other.run('docProp', ['from the other spreadsheet']);
    const runs = emu.runDueTriggers(clock.now() + HOUR + 1);
    expect(runs).toHaveLength(1);
    expect(JSON.parse(emu.properties.user(OWNER).values.get('seen')!)).toMatchObject({ spreadsheet: 'there', properties: 'there' });
    expect(other.executions.at(-1)?.functionName).toBe('tick');
    expect(emu.executions.some((run) => run.functionName === 'tick')).toBe(false);
  });
});

describe('what several spreadsheets of one script share', () => {
  it('shares the script cache and user properties, not the document cache or document properties', () => {
    const { emu } = setup();
    const other = emu.openAnotherSpreadsheet({ users: [EDITOR] });
    emu.run('cachePut', ['script', 'k', 'from one', 600]);
    emu.run('cachePut', ['document', 'k', 'from one', 600]);
    emu.run('docProp', ['one']);
    expect(other.call('cacheGet', 'script', 'k')).toBe('from one');
    expect(other.call('cacheGet', 'document', 'k')).toBeNull();
    expect(other.call('docProp', '')).toBeNull();
    emu.run('saveMyKey', ['shared by the user'], { user: EDITOR });
    expect(other.run('READ_KEY', [], { user: EDITOR }).value).toBe('shared by the user');
  });

  it('shares the script lock: another user in another spreadsheet waits for it', () => {
    const { emu, clock } = setup();
    const other = emu.openAnotherSpreadsheet({ users: [EDITOR] });
    emu.holdLock('script', clock.now() + 5_000);
    const start = clock.now();
    expect(other.run('holdScriptLock', [10_000], { user: EDITOR }).value).toBe(true);
    expect(clock.now() - start).toBeGreaterThanOrEqual(5_000);
  });
});

describe('a time-driven trigger without its document', () => {
  for (const mode of ['attached', 'detached'] as const) {
    it(`${mode}: ${mode === 'detached' ? 'no spreadsheet, document lock, properties or cache' : 'the document is there'}; getUi() throws either way`, () => {
      const { emu, clock } = setup({ triggerDocument: mode });
      emu.call('saveMyKey', 'mine');
      emu.call('hourly');
      emu.runDueTriggers(clock.now() + HOUR + 1);
      const seen = JSON.parse(emu.properties.user(OWNER).values.get('seen')!);
      const there = mode === 'attached' ? 'there' : null;
      expect(seen).toEqual({
        spreadsheet: there,
        lock: there,
        properties: there,
        cache: there,
        user: 'mine',
        ui: 'Cannot call SpreadsheetApp.getUi() from this context.',
      });
    });
  }
});

describe('a full cache keeps the 900 items farthest from expiration', () => {
  it('drops the short-lived entries first, however recently they were written', () => {
    const { emu } = setup();
    emu.run('cachePut', ['script', 'pacing', 'short-lived', 60]);
    for (let i = 0; i < 1000; i++) emu.caches.script.write(`result-${i}`, 'v', emu.clock.now() + 6 * HOUR, emu.clock.now());
    expect(emu.call('cacheGet', 'script', 'pacing')).toBeNull();
    expect(emu.call('cacheGet', 'script', 'result-999')).toBe('v');
    expect(emu.caches.script.size(emu.clock.now())).toBe(900);
  });
});
