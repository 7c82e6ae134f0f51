// `npm run setup`: links this folder to an Apps Script project by writing .clasp.json with
// "rootDir": "dist", so `npm run push` sends the built add-on there. Four ways:
//   npm run setup                              a new spreadsheet with a new script bound to it
//   npm run setup -- --spreadsheet <ID|URL>    a new script bound to a spreadsheet you already have
//   npm run setup -- --standalone              a new standalone script: what test deployments and
//                                              publishing as an Editor add-on need
//   npm run setup -- --script-id <ID|URL>      a script that already exists (no clasp call at all)
// All but the last call the pinned clasp (`clasp create`), which needs `npx clasp login` first.
// .clasp.json is not committed: it names one person's script, and clasp refuses `create` while
// one exists.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const DEFAULT_TITLE = 'Crustdata';
/** The folder `npm run build` writes and clasp pushes. */
export const ROOT_DIR = 'dist';
/** What .clasp.json held when it was committed; it means "not linked yet". */
const OLD_PLACEHOLDER = 'REPLACE_WITH_YOUR_SCRIPT_ID';

export const USAGE = [
  'usage: npm run setup [-- options]',
  '  (no option)                 create a new spreadsheet with the add-on\'s script bound to it',
  '  --spreadsheet <ID or URL>   bind a new script to a spreadsheet you already have',
  '  --standalone                a new standalone script, for test deployments and publishing',
  '  --script-id <ID or URL>     link a script that already exists (its editor URL, or',
  '                              Project Settings > IDs > Script ID in the Apps Script editor)',
  `  --title <title>             the new script's (and spreadsheet's) name; default "${DEFAULT_TITLE}"`,
  '  --help                      this text',
  'Creating needs a Google login first: npx clasp login',
  'Then: npm run push',
].join('\n');

export type SetupRequest =
  | { kind: 'help' }
  | { kind: 'create'; title: string }
  | { kind: 'bind'; title: string; spreadsheetId: string }
  | { kind: 'standalone'; title: string }
  | { kind: 'link'; scriptId: string };

/** A problem the user can fix; printed as is, without a stack trace. */
export class SetupError extends Error {}

const DRIVE_ID = /^[A-Za-z0-9_-]{20,}$/;

/**
 * The ID in an Apps Script editor URL (`script.google.com/d/<ID>/edit`,
 * `script.google.com/home/projects/<ID>/edit`) or a bare script ID.
 */
export function scriptIdFrom(text: string): string {
  const trimmed = text.trim();
  const fromUrl = /script\.google\.com\/(?:macros\/)?(?:d|home\/projects)\/([A-Za-z0-9_-]+)/.exec(trimmed)?.[1];
  const id = fromUrl ?? trimmed;
  if (!DRIVE_ID.test(id)) {
    throw new SetupError(
      `"${text}" is not a script ID. Open the script (Extensions > Apps Script in its spreadsheet), ` +
        'then Project Settings > IDs > Script ID, and copy it, or paste the editor\'s URL.',
    );
  }
  return id;
}

/** The ID in a spreadsheet URL (`docs.google.com/spreadsheets/d/<ID>/edit`) or a bare ID. */
export function spreadsheetIdFrom(text: string): string {
  const trimmed = text.trim();
  const fromUrl = /docs\.google\.com\/spreadsheets\/(?:u\/\d+\/)?d\/([A-Za-z0-9_-]+)/.exec(trimmed)?.[1];
  const id = fromUrl ?? trimmed;
  if (!DRIVE_ID.test(id)) {
    throw new SetupError(`"${text}" is not a spreadsheet ID. Paste the spreadsheet's URL from the browser's address bar.`);
  }
  return id;
}

export function parseSetupArgs(argv: readonly string[]): SetupRequest {
  let title = DEFAULT_TITLE;
  let scriptId: string | null = null;
  let spreadsheetId: string | null = null;
  let standalone = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return { kind: 'help' };
    if (argv[i] === '--standalone') {
      standalone = true;
      continue;
    }
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = inline ?? argv[++i];
    if (!['--script-id', '--spreadsheet', '--title'].includes(flag)) throw new SetupError(`Unknown option ${flag}.\n${USAGE}`);
    if (value === undefined || value.trim() === '') throw new SetupError(`${flag} needs a value.\n${USAGE}`);
    if (flag === '--script-id') scriptId = scriptIdFrom(value);
    else if (flag === '--spreadsheet') spreadsheetId = spreadsheetIdFrom(value);
    else title = value.trim();
  }
  if ([scriptId, spreadsheetId, standalone || null].filter(Boolean).length > 1) {
    throw new SetupError(
      'Choose one: --script-id (a script that exists), --spreadsheet (a new script bound to that spreadsheet) or --standalone (a new standalone script).',
    );
  }
  if (scriptId) return { kind: 'link', scriptId };
  if (spreadsheetId) return { kind: 'bind', title, spreadsheetId };
  if (standalone) return { kind: 'standalone', title };
  return { kind: 'create', title };
}

type CreateRequest = Extract<SetupRequest, { kind: 'create' | 'bind' | 'standalone' }>;

/**
 * The `clasp create` arguments for a request (clasp 3.4's `create-script`): `--type sheets` makes
 * a new spreadsheet and binds the script to it; `--parentId` binds to an existing file (the Apps
 * Script API's projects.create parentId); `--type standalone` makes a script of its own.
 * `--project <root>` stops clasp from adopting a .clasp.json found in a parent folder.
 */
export function claspCreateArgs(request: CreateRequest, root: string): string[] {
  const placement =
    request.kind === 'create' ? ['--type', 'sheets'] : request.kind === 'bind' ? ['--parentId', request.spreadsheetId] : ['--type', 'standalone'];
  return ['create', ...placement, '--title', request.title, '--rootDir', ROOT_DIR, '--json', '--project', root];
}

export const CLASP_LOGIN_CHECK_ARGS = ['show-authorized-user', '--json'];

export function claspConfigPath(root: string): string {
  return path.join(root, '.clasp.json');
}

/** The script ID .clasp.json links to, or null when there is none (or only the old placeholder). */
export function linkedScriptId(root: string): string | null {
  const file = claspConfigPath(root);
  if (!fs.existsSync(file)) return null;
  let config: { scriptId?: unknown };
  try {
    config = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    throw new SetupError(`${file} is not valid JSON. Delete it, then run npm run setup again.`);
  }
  return typeof config.scriptId === 'string' && config.scriptId !== OLD_PLACEHOLDER ? config.scriptId : null;
}

/** Writes .clasp.json for an existing script; keeps clasp's other settings if the file has them. */
export function writeClaspConfig(root: string, scriptId: string): void {
  const file = claspConfigPath(root);
  let previous: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      previous = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      previous = {};
    }
  }
  const config = { ...previous, scriptId, rootDir: ROOT_DIR };
  fs.writeFileSync(file, JSON.stringify(config, null, 2) + '\n');
}

export interface ClaspRun {
  status: number | null;
  stdout: string;
}

/** Runs the pinned clasp in root: stdout is captured, stderr goes to the user (clasp's own reasons). */
export type ClaspRunner = (args: string[]) => ClaspRun;

export function pinnedClasp(root: string): ClaspRunner {
  const bin = path.join(root, 'node_modules', '.bin', process.platform === 'win32' ? 'clasp.cmd' : 'clasp');
  return (args) => {
    if (!fs.existsSync(bin)) throw new SetupError('clasp is not installed here. Run npm ci first.');
    const result = spawnSync(bin, args, { cwd: root, encoding: 'utf8', stdio: ['inherit', 'pipe', 'inherit'] });
    if (result.error) throw new SetupError(`Could not start clasp: ${result.error.message}`);
    return { status: result.status, stdout: result.stdout };
  };
}

function lastJsonObject(text: string): Record<string, unknown> | null {
  const start = text.indexOf('{');
  if (start < 0) return null;
  try {
    return JSON.parse(text.slice(start));
  } catch {
    return null;
  }
}

export interface SetupOutcome {
  kind: Exclude<SetupRequest['kind'], 'help'>;
  scriptId: string;
  /** The spreadsheet the script is bound to, when this run created or bound it. */
  spreadsheetId: string | null;
}

/** Does what the request asks in root; returns what was linked, or throws SetupError. */
export function runSetup(request: Exclude<SetupRequest, { kind: 'help' }>, root: string, clasp: ClaspRunner): SetupOutcome {
  const linked = linkedScriptId(root);
  if (linked && !(request.kind === 'link' && request.scriptId === linked)) {
    throw new SetupError(
      `This folder is already linked to script ${linked} (.clasp.json). ` +
        'To use another script, delete .clasp.json, then run npm run setup again. To update that script: npm run push',
    );
  }
  if (request.kind === 'link') {
    writeClaspConfig(root, request.scriptId);
    return { kind: 'link', scriptId: request.scriptId, spreadsheetId: null };
  }

  const login = lastJsonObject(clasp(CLASP_LOGIN_CHECK_ARGS).stdout);
  if (login?.loggedIn !== true) {
    throw new SetupError(
      'You are not logged in to clasp. Run npx clasp login first (it opens a browser to sign in with your Google account), ' +
        'then run npm run setup again.',
    );
  }
  // clasp refuses to create while any .clasp.json exists, the old placeholder included.
  fs.rmSync(claspConfigPath(root), { force: true });
  const created = clasp(claspCreateArgs(request, root));
  const answer = lastJsonObject(created.stdout);
  if (created.status !== 0 || typeof answer?.scriptId !== 'string') {
    throw new SetupError(
      'clasp could not create the script (its reason is above). If it mentions the Apps Script API, turn it on at ' +
        'https://script.google.com/home/usersettings, wait a minute, then run npm run setup again.',
    );
  }
  // clasp wrote .clasp.json with rootDir dist; make sure of it, since `npm run push` depends on it.
  writeClaspConfig(root, answer.scriptId);
  const spreadsheetId = request.kind === 'bind' ? request.spreadsheetId : typeof answer.parentId === 'string' ? answer.parentId : null;
  return { kind: request.kind, scriptId: answer.scriptId, spreadsheetId };
}

export function nextSteps(outcome: SetupOutcome): string {
  const lines = [`Linked to script https://script.google.com/d/${outcome.scriptId}/edit (.clasp.json, rootDir "${ROOT_DIR}").`];
  if (outcome.spreadsheetId) lines.push(`Its spreadsheet: https://docs.google.com/spreadsheets/d/${outcome.spreadsheetId}/edit`);
  lines.push('Next: npm run push   (builds, then sends Code.js, Sidebar.html and appsscript.json to the script)');
  if (outcome.kind === 'standalone') {
    lines.push('Then: npx clasp open-script, and in the editor Deploy > Test deployments (README: "Try it as an add-on").');
  } else if (outcome.spreadsheetId) {
    lines.push('Then reload the spreadsheet and use Extensions > Crustdata > Set API key...');
  }
  return lines.join('\n');
}

/** For `npm run push`: stops early, in plain words, when setup has not been run. */
export function checkLinked(root: string): string {
  const linked = linkedScriptId(root);
  if (!linked) throw new SetupError('This folder is not linked to an Apps Script project yet. Run npm run setup first (see the README).');
  return linked;
}

function main(): void {
  const root = path.resolve(__dirname, '..');
  const argv = process.argv.slice(2);
  try {
    if (argv[0] === '--check') {
      checkLinked(root);
      return;
    }
    const request = parseSetupArgs(argv);
    if (request.kind === 'help') {
      console.log(USAGE);
      return;
    }
    console.log(nextSteps(runSetup(request, root, pinnedClasp(root))));
  } catch (error) {
    if (!(error instanceof SetupError)) throw error;
    console.error(error.message);
    process.exitCode = 1;
  }
}

// Run only as the entry file (scripts/run-ts.mjs puts it in argv[1]), so tests can import it.
if (/[\\/]scripts[\\/]setup\.ts$/.test(process.argv[1] ?? '')) main();
