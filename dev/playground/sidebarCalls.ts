// The sidebar's server calls, as the one entry-point list declares them: every exported sidebar*
// function of src/entrypoints.ts (which the build checks against the contract the client is typed
// from). Read as text: the dev project does not type-check the Apps Script server code.
import fs from 'node:fs';
import path from 'node:path';

const ENTRYPOINTS_FILE = path.resolve(__dirname, '../../src/entrypoints.ts');

export function sidebarCallNames(entrySource = fs.readFileSync(ENTRYPOINTS_FILE, 'utf8')): string[] {
  return [...entrySource.matchAll(/^export function (sidebar\w+)\(/gm)].map((match) => match[1]);
}

export const SIDEBAR_CALLS: readonly string[] = sidebarCallNames();
