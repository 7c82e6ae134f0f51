// Guards on the tree itself: the core stays free of Apps Script globals (so it runs in jest,
// the emulator and Apps Script alike), and nothing secret-looking is committed.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const APPS_SCRIPT_GLOBALS = [
  'SpreadsheetApp', 'UrlFetchApp', 'PropertiesService', 'CacheService', 'LockService', 'Utilities',
  'ScriptApp', 'HtmlService', 'Session', 'Logger', 'DriveApp', 'GoogleAppsScript',
];

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : [full];
  });
}

/** Source text without comments, so a comment may name a service. */
function codeOf(file: string): string {
  return fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

test('src/core uses no Apps Script global', () => {
  const offenders: string[] = [];
  for (const file of filesUnder(path.join(root, 'src/core')).filter((f) => f.endsWith('.ts'))) {
    const code = codeOf(file);
    for (const name of APPS_SCRIPT_GLOBALS) {
      if (new RegExp(`\\b${name}\\b`).test(code)) offenders.push(`${path.relative(root, file)}: ${name}`);
    }
  }
  expect(offenders).toEqual([]);
});

test('the check above would catch a global', () => {
  expect(/\bUrlFetchApp\b/.test(codeOf(__filename).replace('APPS_SCRIPT_GLOBALS', ''))).toBe(true);
});

test('no committed file holds a key-shaped secret or a package registry host', () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  const suspicious: string[] = [];
  const registryHost = new RegExp(['registry', 'npmjs'].join('\\.') + '|' + ['registry', 'yarnpkg'].join('\\.'));
  for (const file of tracked) {
    const full = path.join(root, file);
    if (!fs.existsSync(full) || /\.(png|jpg|ico)$/.test(file)) continue;
    const text = fs.readFileSync(full, 'utf8');
    if (registryHost.test(text)) suspicious.push(`${file}: registry host`);
    // Long opaque tokens after "Bearer" or in an api-key assignment look like real keys.
    if (/Bearer\s+[A-Za-z0-9_-]{32,}/.test(text)) suspicious.push(`${file}: bearer token`);
  }
  expect(suspicious).toEqual([]);
});

/** A reference to material outside the repository, or to a tracker number a reader cannot open. */
const OUTSIDE_REFERENCE = new RegExp(
  ['\\.\\./' + 'shared', '\\bshared/(spec|PLATFORM|TOOLCHAIN|STYLE|GOOGLE)', '\\b[Ii]ssue #?\\d+', '\\bissue\\s+#\\d+'].join('|'),
);

test('the repository speaks for itself: no file points outside it or at tracker numbers', () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  const offenders: string[] = [];
  for (const file of tracked) {
    const full = path.join(root, file);
    if (file === 'package-lock.json' || !fs.existsSync(full) || /\.(png|jpg|ico)$/.test(file)) continue;
    fs.readFileSync(full, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        if (OUTSIDE_REFERENCE.test(line)) offenders.push(`${file}:${index + 1}`);
      });
  }
  expect(offenders).toEqual([]);
});

test('the check above would catch such a reference', () => {
  // Built from parts, so this file does not hold what it looks for.
  expect(OUTSIDE_REFERENCE.test(`see ${['..', 'shared', 'PLATFORM.md'].join('/')}`)).toBe(true);
  expect(OUTSIDE_REFERENCE.test(`as ${['Issue', '3'].join(' ')} asks`)).toBe(true);
  expect(OUTSIDE_REFERENCE.test('a cell shows #REF!')).toBe(false);
});
