// What `clasp push` would send, asked of clasp itself (`clasp status --json` works offline and
// without a login): exactly the bundle, the manifest and the sidebar's HTML from dist/.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

it('clasp would push exactly dist/Code.js, dist/Sidebar.html and dist/appsscript.json', () => {
  for (const file of ['Code.js', 'Sidebar.html', 'appsscript.json']) {
    if (!fs.existsSync(path.join(ROOT, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` first (\`npm test\` does).`);
  }
  const clasp = path.join(ROOT, 'node_modules', '.bin', 'clasp');
  const output = execFileSync(clasp, ['status', '--json'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const status = JSON.parse(output.slice(output.indexOf('{')));
  expect([...status.filesToPush].sort()).toEqual(['dist/Code.js', 'dist/Sidebar.html', 'dist/appsscript.json'].sort());
});
