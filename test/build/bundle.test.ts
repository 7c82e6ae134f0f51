// dist/Code.js as Apps Script loads it: in a node:vm context, every entry point of src/entrypoints.ts
// must be a top-level function with its parameter names, CRUSTDATA_ENRICH must keep its JSDoc, and
// loading the file must touch no Apps Script service. Also checks the manifest pushed beside it.
// `npm test` builds dist/ first.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { AppsScriptEmulator, topLevelFunctions, type TopLevelFunction } from '../../dev/emulator';

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const SERVICES = [
  'SpreadsheetApp',
  'PropertiesService',
  'CacheService',
  'LockService',
  'UrlFetchApp',
  'Utilities',
  'ScriptApp',
  'HtmlService',
  'Session',
  'Logger',
  'console',
  'DriveApp',
  'MailApp',
  'Browser',
];

interface EntryPoint {
  name: string;
  params: string[];
  jsDoc: string;
}

function distFile(name: string): string {
  const file = path.join(DIST, name);
  if (!fs.existsSync(file)) throw new Error(`${path.relative(ROOT, file)} is missing: run \`npm run build\` first (\`npm test\` does).`);
  return fs.readFileSync(file, 'utf8');
}

/** The entry points as the build reads them (scripts/build.mjs's own reader, not a copy of it). */
function readEntryPoints(): EntryPoint[] {
  const buildScript = pathToFileURL(path.join(ROOT, 'scripts/build.mjs')).href;
  const code = `import { readEntryPoints } from ${JSON.stringify(buildScript)};
    process.stdout.write(JSON.stringify(readEntryPoints(${JSON.stringify(path.join(ROOT, 'src/entrypoints.ts'))})));`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' }));
}

let code: string;
let entries: EntryPoint[];
let declared: Map<string, TopLevelFunction>;

beforeAll(() => {
  code = distFile('Code.js');
  entries = readEntryPoints();
  declared = new Map(topLevelFunctions(code).map((f) => [f.name, f]));
});

describe('dist/Code.js in a node:vm context', () => {
  /** Service globals that record any touch (property read or call) and then throw. */
  function trapContext() {
    const touched: string[] = [];
    const globals: Record<string, unknown> = {};
    for (const name of SERVICES) {
      globals[name] = new Proxy(function service() {}, {
        get(_target, prop) {
          touched.push(`${name}.${String(prop)}`);
          throw new Error(`${name}.${String(prop)} touched at load time`);
        },
        apply() {
          touched.push(`${name}()`);
          throw new Error(`${name} called at load time`);
        },
      });
    }
    return { context: vm.createContext(globals), touched };
  }

  it('loads without touching any Apps Script service', () => {
    const { context, touched } = trapContext();
    new vm.Script(code, { filename: 'Code.js' }).runInContext(context);
    expect(touched).toEqual([]);
  });

  it('has a callable top-level function for every entry point of src/entrypoints.ts', () => {
    expect(entries.length).toBeGreaterThan(0);
    const { context } = trapContext();
    new vm.Script(code, { filename: 'Code.js' }).runInContext(context);
    for (const entry of entries) {
      expect({ name: entry.name, type: typeof context[entry.name] }).toEqual({ name: entry.name, type: 'function' });
      expect({ name: entry.name, params: declared.get(entry.name)?.params }).toEqual({ name: entry.name, params: entry.params });
    }
  });

  it('declares the lifecycle, custom function, sidebar and trigger entry points', () => {
    for (const name of ['onOpen', 'onInstall', 'CRUSTDATA_ENRICH', 'sidebarGetState', 'onScheduledRun']) {
      expect(declared.has(name)).toBe(true);
    }
  });

  it('keeps CRUSTDATA_ENRICH\'s JSDoc: @customfunction and a @param line per parameter', () => {
    const enrich = declared.get('CRUSTDATA_ENRICH')!;
    expect(enrich.params).toEqual(['identifiers', 'fields', 'header', 'options']);
    expect(enrich.customFunction).toBe(true);
    for (const param of ['identifiers', 'fields', 'header', 'options']) {
      expect(enrich.jsDoc).toMatch(new RegExp(`@param \\{[^}]*\\} ${param} \\S`));
    }
    expect(enrich.jsDoc).toBe(entries.find((e) => e.name === 'CRUSTDATA_ENRICH')!.jsDoc);
  });

  it('no other top-level function claims to be a custom function', () => {
    expect([...declared.values()].filter((f) => f.customFunction).map((f) => f.name)).toEqual(['CRUSTDATA_ENRICH']);
  });

  it('runs in the emulator: no service call at load, and onOpen builds the menu in AuthMode.NONE', () => {
    const emu = new AppsScriptEmulator().load();
    expect(emu.loadCalls).toEqual({});
    const result = emu.openDocument('NONE');
    expect(result.error).toBeUndefined();
    expect(emu.ui.addOnMenu?.entries.length).toBeGreaterThan(0);
  });
});

describe('dist/appsscript.json', () => {
  const manifest = () => JSON.parse(distFile('appsscript.json'));

  it('uses the V8 runtime', () => {
    expect(manifest().runtimeVersion).toBe('V8');
  });

  it('asks for exactly the four narrow scopes', () => {
    expect([...manifest().oauthScopes].sort()).toEqual(
      [
        'https://www.googleapis.com/auth/script.container.ui',
        'https://www.googleapis.com/auth/script.external_request',
        'https://www.googleapis.com/auth/script.scriptapp',
        'https://www.googleapis.com/auth/spreadsheets.currentonly',
      ].sort(),
    );
  });

  it('allows fetches to the Crustdata API only, as an https prefix with a host and a path', () => {
    const { urlFetchWhitelist } = manifest();
    expect(urlFetchWhitelist).toEqual(['https://api.crustdata.com/']);
    for (const prefix of urlFetchWhitelist) {
      const url = new URL(prefix);
      expect([url.protocol, url.hostname.length > 0, url.pathname.length > 0]).toEqual(['https:', true, true]);
    }
  });

  it('is the manifest from the repository root', () => {
    expect(manifest()).toEqual(JSON.parse(fs.readFileSync(path.join(ROOT, 'appsscript.json'), 'utf8')));
  });
});
