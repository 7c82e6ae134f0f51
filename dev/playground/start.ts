// `npm start`: checks PORT and that the port is free (before anything slow), builds dist/, serves
// the playground, then watches src/, sidebar/ and the page script: each change rebuilds dist/
// (node scripts/build.mjs), loads the new bundle into the emulator (the sheet, properties and
// caches stay) and tells open pages to reload. A failed rebuild keeps the last good bundle.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { checkPortFree, parsePort, PortError } from './port';

const root = path.resolve(__dirname, '../..');
const WATCHED = ['src', 'sidebar', 'appsscript.json', 'dev/playground/page.ts'];
const DEBOUNCE_MS = 300;

function build(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => resolve(code === 0));
    child.on('error', () => resolve(false));
  });
}

function watch(onChange: (file: string) => void): () => void {
  const watchers = WATCHED.map((entry) => path.join(root, entry))
    .filter((file) => fs.existsSync(file))
    .map((file) =>
      fs.watch(file, { recursive: fs.statSync(file).isDirectory() }, (_event, name) => onChange(name ? path.join(file, String(name)) : file)),
    );
  return () => watchers.forEach((watcher) => watcher.close());
}

async function main(): Promise<void> {
  const port = parsePort(process.env.PORT);
  await checkPortFree(port);
  const started = Date.now();
  if (!(await build())) throw new Error('The build failed (see above); fix it and run npm start again.');
  // Loaded after the check and the build: the server pulls in the emulator and the mock API.
  const { createBackend } = require('./backends') as typeof import('./backends');
  const { startPlayground } = require('./server') as typeof import('./server');
  const backend = createBackend(process.env);
  const playground = await startPlayground({ port, backend });
  console.log(`Playground: ${playground.url}  (${backend.description}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log('Watching src/ and sidebar/: a change rebuilds and reloads the page. Ctrl+C stops it.');

  let timer: NodeJS.Timeout | null = null;
  let building: Promise<void> = Promise.resolve();
  const rebuild = () => {
    building = building.then(async () => {
      console.log('Change seen: rebuilding…');
      if (!(await build())) {
        console.log('The build failed: the playground keeps the last good bundle.');
        return;
      }
      try {
        await playground.reload();
        console.log('Reloaded the bundle; open pages reload.');
      } catch (error) {
        console.log(`The new bundle did not load: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  };
  const stopWatching = watch((file) => {
    if (/(^|[\\/])(\.|node_modules)/.test(path.relative(root, file))) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(rebuild, DEBOUNCE_MS);
  });
  const stop = () => {
    stopWatching();
    void playground.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error) => {
  console.error(error instanceof PortError || error instanceof Error ? error.message : error);
  process.exit(1);
});
