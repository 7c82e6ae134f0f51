// `npm run typecheck`: strict type-check of the three projects (Apps Script server, sidebar in the
// browser, and node-side dev/test/bench), whose global types clash and so cannot share one
// tsconfig. Incremental: each keeps its build info under node_modules/.cache, so a second run
// only re-checks what changed. Runs them side by side and fails if any fails.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cache = path.join(root, 'node_modules/.cache/typecheck');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
const PROJECTS = { server: 'tsconfig.json', sidebar: 'sidebar/tsconfig.json', dev: 'tsconfig.dev.json' };

fs.mkdirSync(cache, { recursive: true });
const started = Date.now();
const runs = Object.entries(PROJECTS).map(
  ([name, project]) =>
    new Promise((resolve) => {
      const args = [tsc, '--noEmit', '--incremental', '--tsBuildInfoFile', path.join(cache, `${name}.tsbuildinfo`), '-p', project, '--pretty'];
      const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('close', (code) => resolve({ project, code, output }));
    }),
);
const results = await Promise.all(runs);
for (const { project, code, output } of results) if (code !== 0) process.stderr.write(`\n${project}:\n${output}`);
const failed = results.filter((r) => r.code !== 0).map((r) => r.project);
if (failed.length) {
  process.stderr.write(`\ntype errors in ${failed.join(', ')}\n`);
  process.exit(1);
}
process.stdout.write(`type-checked ${results.length} projects in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
