// What `clasp push` would send, asked of the pinned clasp itself (`clasp status --json` works
// offline and without a login): exactly the bundle, the manifest and the sidebar's HTML from dist/.
// .clasp.json is not committed (`npm run setup` writes it), so the test links a copy of the project
// the way setup does: a temp folder with this .claspignore, a copy of dist/ and setup's .clasp.json.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeClaspConfig } from '../../scripts/setup';

const ROOT = path.resolve(__dirname, '..', '..');
const PUSHED = ['Code.js', 'Sidebar.html', 'appsscript.json'];

let project: string;

beforeAll(() => {
  for (const file of PUSHED) {
    if (!fs.existsSync(path.join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'clasp-project-'));
  fs.cpSync(path.join(ROOT, 'dist'), path.join(project, 'dist'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, '.claspignore'), path.join(project, '.claspignore'));
  writeClaspConfig(project, '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcdefghijklmnopqrs');
});

afterAll(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

function filesToPush(): string[] {
  const clasp = path.join(ROOT, 'node_modules', '.bin', 'clasp');
  const home = path.join(project, 'home');
  const output = execFileSync(clasp, ['status', '--json', '--project', project], {
    cwd: project,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: home, clasp_config_auth: path.join(home, '.clasprc.json') },
  });
  const status = JSON.parse(output.slice(output.indexOf('{')));
  return [...status.filesToPush].sort();
}

it('clasp would push exactly dist/Code.js, dist/Sidebar.html and dist/appsscript.json', () => {
  expect(filesToPush()).toEqual(PUSHED.map((file) => `dist/${file}`).sort());
});

it('anything else that lands in dist/ stays behind (.claspignore)', () => {
  const extras = ['dist/Code.js.map', 'dist/notes.html', 'dist/old/Code.js', 'dist/appsscript.local.json'];
  for (const extra of extras) {
    fs.mkdirSync(path.dirname(path.join(project, extra)), { recursive: true });
    fs.writeFileSync(path.join(project, extra), '// not part of the add-on\n');
  }
  try {
    expect(filesToPush()).toEqual(PUSHED.map((file) => `dist/${file}`).sort());
  } finally {
    for (const extra of extras) fs.rmSync(path.join(project, extra), { force: true });
  }
});
