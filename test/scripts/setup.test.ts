// `npm run setup`, as far as it goes without a Google login: linking an existing script writes the
// right .clasp.json, creating without a login stops with "run npx clasp login first" (no stack
// trace), and a create that clasp answers is turned into a .clasp.json with rootDir dist.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  checkLinked, claspCreateArgs, type ClaspRunner, nextSteps, parseSetupArgs, pinnedClasp, runSetup, scriptIdFrom, SetupError,
  spreadsheetIdFrom, USAGE,
} from '../../scripts/setup';

const ROOT = path.resolve(__dirname, '..', '..');
const SCRIPT_ID = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdefghijklmnopqrs';
const SHEET_ID = '1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210_-zyxwvutsrq';

let dir: string;
let home: string;
let savedEnv: Record<string, string | undefined>;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-root-'));
  // clasp reads its login from $HOME/.clasprc.json or $clasp_config_auth: point both at an empty place.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'setup-home-'));
  savedEnv = { HOME: process.env.HOME, clasp_config_auth: process.env.clasp_config_auth };
  process.env.HOME = home;
  process.env.clasp_config_auth = path.join(home, '.clasprc.json');
});

afterEach(() => {
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.rmSync(home, { recursive: true, force: true });
});

function readConfig(): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(dir, '.clasp.json'), 'utf8'));
}

/** A clasp stand-in for the paths that need a Google account; records what it was asked. */
function fakeClasp(answers: { loggedIn: boolean; create?: { status: number; stdout: string } }): ClaspRunner & { calls: string[][] } {
  const calls: string[][] = [];
  const run = ((args: string[]) => {
    calls.push(args);
    if (args[0] === 'show-authorized-user') return { status: 0, stdout: JSON.stringify({ loggedIn: answers.loggedIn }) };
    if (args[0] === 'create') return answers.create ?? { status: 1, stdout: '' };
    throw new Error(`unexpected clasp ${args.join(' ')}`);
  }) as ClaspRunner & { calls: string[][] };
  run.calls = calls;
  return run;
}

describe('arguments', () => {
  test('no option creates a new spreadsheet titled Crustdata; --title renames it', () => {
    expect(parseSetupArgs([])).toEqual({ kind: 'create', title: 'Crustdata' });
    expect(parseSetupArgs(['--title', 'Leads enrichment'])).toEqual({ kind: 'create', title: 'Leads enrichment' });
    expect(parseSetupArgs(['--standalone'])).toEqual({ kind: 'standalone', title: 'Crustdata' });
  });

  test('--script-id and --spreadsheet take a bare ID or the URL from the browser, with = or a space', () => {
    expect(parseSetupArgs(['--script-id', SCRIPT_ID])).toEqual({ kind: 'link', scriptId: SCRIPT_ID });
    expect(parseSetupArgs([`--script-id=https://script.google.com/d/${SCRIPT_ID}/edit`])).toEqual({ kind: 'link', scriptId: SCRIPT_ID });
    expect(scriptIdFrom(`https://script.google.com/home/projects/${SCRIPT_ID}/edit`)).toBe(SCRIPT_ID);
    expect(parseSetupArgs(['--spreadsheet', `https://docs.google.com/spreadsheets/d/${SHEET_ID}/edit#gid=0`])).toEqual({
      kind: 'bind', title: 'Crustdata', spreadsheetId: SHEET_ID,
    });
    expect(spreadsheetIdFrom(SHEET_ID)).toBe(SHEET_ID);
  });

  test('bad input is refused in plain words', () => {
    expect(() => parseSetupArgs(['--script-id', 'REPLACE_ME'])).toThrow(/is not a script ID. Open the script/);
    expect(() => parseSetupArgs(['--spreadsheet', 'my sheet'])).toThrow(/is not a spreadsheet ID/);
    expect(() => parseSetupArgs(['--script-id'])).toThrow(/--script-id needs a value/);
    expect(() => parseSetupArgs(['--scriptId', SCRIPT_ID])).toThrow(/Unknown option --scriptId/);
    expect(() => parseSetupArgs(['--script-id', SCRIPT_ID, '--spreadsheet', SHEET_ID])).toThrow(/Choose one/);
    expect(() => parseSetupArgs(['--standalone', '--spreadsheet', SHEET_ID])).toThrow(/Choose one/);
    expect(parseSetupArgs(['--help'])).toEqual({ kind: 'help' });
  });

  test('the clasp create call: a new Sheets-bound script, one bound to the given spreadsheet, or a standalone one; content in dist', () => {
    expect(claspCreateArgs({ kind: 'standalone', title: 'Crustdata' }, '/r')).toEqual([
      'create', '--type', 'standalone', '--title', 'Crustdata', '--rootDir', 'dist', '--json', '--project', '/r',
    ]);
    expect(claspCreateArgs({ kind: 'create', title: 'Crustdata' }, '/r')).toEqual([
      'create', '--type', 'sheets', '--title', 'Crustdata', '--rootDir', 'dist', '--json', '--project', '/r',
    ]);
    expect(claspCreateArgs({ kind: 'bind', title: 'X', spreadsheetId: SHEET_ID }, '/r')).toEqual([
      'create', '--parentId', SHEET_ID, '--title', 'X', '--rootDir', 'dist', '--json', '--project', '/r',
    ]);
  });
});

describe('linking an existing script (no login needed)', () => {
  test('--script-id writes .clasp.json with the ID and rootDir dist, and nothing else', () => {
    const clasp = fakeClasp({ loggedIn: false });
    expect(runSetup({ kind: 'link', scriptId: SCRIPT_ID }, dir, clasp)).toEqual({ kind: 'link', scriptId: SCRIPT_ID, spreadsheetId: null });
    expect(readConfig()).toEqual({ scriptId: SCRIPT_ID, rootDir: 'dist' });
    expect(clasp.calls).toEqual([]);
    expect(checkLinked(dir)).toBe(SCRIPT_ID);
  });

  test('the old committed placeholder counts as not linked and is replaced', () => {
    fs.writeFileSync(path.join(dir, '.clasp.json'), JSON.stringify({ scriptId: 'REPLACE_WITH_YOUR_SCRIPT_ID', rootDir: 'dist' }));
    expect(() => checkLinked(dir)).toThrow(/not linked to an Apps Script project yet. Run npm run setup first/);
    runSetup({ kind: 'link', scriptId: SCRIPT_ID }, dir, fakeClasp({ loggedIn: false }));
    expect(readConfig()).toEqual({ scriptId: SCRIPT_ID, rootDir: 'dist' });
  });

  test('a folder linked to another script is left alone, with what to do', () => {
    fs.writeFileSync(path.join(dir, '.clasp.json'), JSON.stringify({ scriptId: 'x'.repeat(40), rootDir: 'dist' }));
    expect(() => runSetup({ kind: 'link', scriptId: SCRIPT_ID }, dir, fakeClasp({ loggedIn: true }))).toThrow(
      /already linked to script x{40}.*delete \.clasp\.json/,
    );
    expect(readConfig().scriptId).toBe('x'.repeat(40));
  });
});

test('npm run push checks the link before it builds or calls clasp', () => {
  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')).scripts;
  expect(scripts.push.split(' && ')).toEqual(['node scripts/run-ts.mjs scripts/setup.ts --check', 'npm run build', 'clasp push --force']);
  expect(scripts.setup).toBe('node scripts/run-ts.mjs scripts/setup.ts');
});

describe('creating a script', () => {
  test('without a login, the real pinned clasp says so and setup asks for `npx clasp login` first', () => {
    const clasp = pinnedClasp(ROOT);
    expect(() => runSetup({ kind: 'create', title: 'Crustdata' }, dir, clasp)).toThrow(
      new SetupError('You are not logged in to clasp. Run npx clasp login first (it opens a browser to sign in with your Google account), then run npm run setup again.'),
    );
    expect(fs.existsSync(path.join(dir, '.clasp.json'))).toBe(false);
  });

  test('`npm run setup` without a login: that message on stderr, exit 1, no stack trace', () => {
    const result = spawnSync('npm', ['run', '--silent', 'setup'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env } });
    expect(result.status).toBe(1);
    // A developer's own clone may already be linked; a fresh clone is not.
    expect(result.stderr).toMatch(/Run npx clasp login first|already linked to script/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  test('`npm run setup -- --help` prints the usage', () => {
    const result = spawnSync('npm', ['run', '--silent', 'setup', '--', '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(USAGE);
  });

  test('logged in: clasp create runs, and .clasp.json ends with the new ID and rootDir dist', () => {
    fs.writeFileSync(path.join(dir, '.clasp.json'), JSON.stringify({ scriptId: 'REPLACE_WITH_YOUR_SCRIPT_ID', rootDir: 'dist' }));
    const clasp = fakeClasp({
      loggedIn: true,
      create: { status: 0, stdout: JSON.stringify({ scriptId: SCRIPT_ID, parentId: SHEET_ID, files: ['dist/appsscript.json'] }) },
    });
    // What clasp itself does on create: it refuses when .clasp.json exists, else writes its own.
    const withClaspBehaviour: ClaspRunner = (args) => {
      if (args[0] === 'create') {
        if (fs.existsSync(path.join(dir, '.clasp.json'))) return { status: 1, stdout: '' };
        fs.writeFileSync(path.join(dir, '.clasp.json'), JSON.stringify({ scriptId: SCRIPT_ID, rootDir: 'dist', parentId: SHEET_ID }));
      }
      return clasp(args);
    };
    const outcome = runSetup({ kind: 'create', title: 'Crustdata' }, dir, withClaspBehaviour);
    expect(outcome).toEqual({ kind: 'create', scriptId: SCRIPT_ID, spreadsheetId: SHEET_ID });
    expect(nextSteps(outcome)).toBe(
      [
        `Linked to script https://script.google.com/d/${SCRIPT_ID}/edit (.clasp.json, rootDir "dist").`,
        `Its spreadsheet: https://docs.google.com/spreadsheets/d/${SHEET_ID}/edit`,
        'Next: npm run push   (builds, then sends Code.js, Sidebar.html and appsscript.json to the script)',
        'Then reload the spreadsheet and use Extensions > Crustdata > Set API key...',
      ].join('\n'),
    );
    expect(clasp.calls.map((args) => args[0])).toEqual(['show-authorized-user', 'create']);
    expect(readConfig()).toEqual({ scriptId: SCRIPT_ID, rootDir: 'dist', parentId: SHEET_ID });
  });

  test('a standalone script: no spreadsheet, and the next step is a test deployment', () => {
    const clasp = fakeClasp({ loggedIn: true, create: { status: 0, stdout: JSON.stringify({ scriptId: SCRIPT_ID, files: [] }) } });
    const outcome = runSetup({ kind: 'standalone', title: 'Crustdata' }, dir, clasp);
    expect(outcome).toEqual({ kind: 'standalone', scriptId: SCRIPT_ID, spreadsheetId: null });
    expect(clasp.calls[1]).toEqual(claspCreateArgs({ kind: 'standalone', title: 'Crustdata' }, dir));
    expect(readConfig()).toEqual({ scriptId: SCRIPT_ID, rootDir: 'dist' });
    expect(nextSteps(outcome)).toMatch(/npm run push[\s\S]*npx clasp open-script, and in the editor Deploy > Test deployments/);
  });

  test('logged in but clasp fails (e.g. the Apps Script API is off): where to switch it on', () => {
    const clasp = fakeClasp({ loggedIn: true, create: { status: 1, stdout: '' } });
    expect(() => runSetup({ kind: 'bind', title: 'Crustdata', spreadsheetId: SHEET_ID }, dir, clasp)).toThrow(
      /clasp could not create the script .* https:\/\/script\.google\.com\/home\/usersettings/,
    );
    expect(clasp.calls[1]).toEqual(claspCreateArgs({ kind: 'bind', title: 'Crustdata', spreadsheetId: SHEET_ID }, dir));
    expect(fs.existsSync(path.join(dir, '.clasp.json'))).toBe(false);
  });
});
