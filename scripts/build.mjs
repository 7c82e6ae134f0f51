// Builds what clasp pushes into dist/:
//   Code.js        src/ bundled as one IIFE (global CrustdataAddon), followed by a top-level
//                  wrapper for every function exported from src/entrypoints.ts, with its
//                  JSDoc and parameter names copied, because Apps Script only sees top-level
//                  function declarations (https://developers.google.com/apps-script/guides/sheets/functions).
//   Sidebar.html   sidebar/Sidebar.html with the compiled sidebar script inlined.
//   appsscript.json
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const GLOBAL_NAME = 'CrustdataAddon';

/** Reads the exported functions of the entry file: name, parameter names, JSDoc text. */
export function readEntryPoints(entryFile) {
  const source = ts.createSourceFile(entryFile, fs.readFileSync(entryFile, 'utf8'), ts.ScriptTarget.ES2020, true);
  const entries = [];
  for (const statement of source.statements) {
    if (!ts.isFunctionDeclaration(statement) || !statement.name) continue;
    const exported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    if (!exported) continue;
    const jsDoc = (statement.jsDoc ?? []).map((doc) => doc.getFullText().trim()).pop() ?? '';
    entries.push({
      name: statement.name.text,
      params: statement.parameters.map((p) => p.name.getText(source)),
      jsDoc,
    });
  }
  return entries;
}

export function wrapperSource(entries) {
  return entries
    .map(({ name, params, jsDoc }) => {
      const list = params.join(', ');
      return `${jsDoc ? jsDoc + '\n' : ''}function ${name}(${list}) {\n  return ${GLOBAL_NAME}.${name}(${list});\n}\n`;
    })
    .join('\n');
}

async function buildServer() {
  const entryFile = path.join(root, 'src/entrypoints.ts');
  const entries = readEntryPoints(entryFile);
  if (entries.length === 0) throw new Error('src/entrypoints.ts exports no function');
  const result = await build({
    entryPoints: [entryFile],
    bundle: true,
    format: 'iife',
    globalName: GLOBAL_NAME,
    target: 'es2020',
    platform: 'neutral',
    mainFields: ['module', 'main'],
    minify: false,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const banner = '// Crustdata for Google Sheets. Built by scripts/build.mjs from src/; do not edit.\n';
  const code = banner + result.outputFiles[0].text + '\n// ---- Entry points Apps Script can see ----\n\n' + wrapperSource(entries);
  fs.writeFileSync(path.join(dist, 'Code.js'), code);
  return entries.length;
}

async function buildSidebar() {
  const template = fs.readFileSync(path.join(root, 'sidebar/Sidebar.html'), 'utf8');
  const result = await build({
    entryPoints: [path.join(root, 'sidebar/src/main.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2019',
    platform: 'browser',
    minify: false,
    write: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const script = result.outputFiles[0].text.replace(/<\/script/gi, '<\\/script');
  const marker = '<!-- SIDEBAR_SCRIPT -->';
  if (!template.includes(marker)) throw new Error(`sidebar/Sidebar.html lacks ${marker}`);
  fs.writeFileSync(path.join(dist, 'Sidebar.html'), template.replace(marker, () => `<script>\n${script}</script>`));
}

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  fs.mkdirSync(dist, { recursive: true });
  const count = await buildServer();
  await buildSidebar();
  fs.copyFileSync(path.join(root, 'appsscript.json'), path.join(dist, 'appsscript.json'));
  const size = fs.statSync(path.join(dist, 'Code.js')).size;
  console.log(`built dist/Code.js (${(size / 1024).toFixed(0)} KB, ${count} entry points), dist/Sidebar.html, dist/appsscript.json`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error.message || error);
    process.exit(1);
  });
}
