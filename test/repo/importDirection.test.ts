// The layers hold: common <- core <- adapters <- server <- entrypoints, and the sidebar sees only
// common. Each file's imports (static, type-only, re-exports and import() types alike) are read
// with the TypeScript scanner and checked against what its layer may import.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '../..');

/** Which folders (relative to the repository) a file in each layer may import from. */
const ALLOWED: Array<{ layer: string; may: string[] }> = [
  { layer: 'src/common/', may: ['src/common/'] },
  { layer: 'src/core/', may: ['src/common/', 'src/core/'] },
  { layer: 'src/adapters/', may: ['src/common/', 'src/core/', 'src/adapters/'] },
  { layer: 'src/server/', may: ['src/common/', 'src/core/', 'src/adapters/', 'src/server/'] },
  { layer: 'src/entrypoints.ts', may: ['src/'] },
  { layer: 'sidebar/src/', may: ['src/common/', 'sidebar/src/'] },
];

/** Packages each layer may use at all; the sidebar's bundle must stay free of zod and server code. */
const PACKAGES: Record<string, 'any' | 'types-only'> = {
  'src/common/': 'any',
  'src/core/': 'any',
  'src/adapters/': 'any',
  'src/server/': 'any',
  'src/entrypoints.ts': 'any',
  'sidebar/src/': 'types-only',
};

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(full) : full.endsWith('.ts') ? [full] : [];
  });
}

interface ImportOf {
  specifier: string;
  typeOnly: boolean;
}

/** Every module a source text names: imports, re-exports, require and import() (values or types). */
export function importsOf(fileName: string, text: string): ImportOf[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2020, true);
  const found: ImportOf[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly = Boolean(clause?.isTypeOnly) || Boolean(clause && !clause.name && clause.namedBindings && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      found.push({ specifier: node.argument.literal.text, typeOnly: true });
    } else if (ts.isCallExpression(node) && node.arguments.length === 1 && ts.isStringLiteral(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require')) {
        found.push({ specifier: (node.arguments[0] as ts.StringLiteral).text, typeOnly: false });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

function layerOf(file: string): string | null {
  return ALLOWED.find(({ layer }) => file === layer || (layer.endsWith('/') && file.startsWith(layer)))?.layer ?? null;
}

/** The offences of one file (path relative to the repository), given its text. */
export function offences(file: string, text: string): string[] {
  const layer = layerOf(file);
  if (!layer) return [];
  const may = ALLOWED.find((rule) => rule.layer === layer)!.may;
  const out: string[] = [];
  for (const { specifier, typeOnly } of importsOf(file, text)) {
    if (!specifier.startsWith('.')) {
      const packages = PACKAGES[layer];
      if (packages === 'types-only' && !typeOnly) out.push(`${file} imports the package ${specifier}`);
      continue;
    }
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
    const withExtension = target.endsWith('.ts') ? target : `${target}.ts`;
    if (!may.some((allowed) => withExtension.startsWith(allowed) || target + '/' === allowed)) out.push(`${file} imports ${target}`);
  }
  return out;
}

test('every source file imports only from the layers below it (or its own)', () => {
  const files = [...filesUnder(path.join(root, 'src')), ...filesUnder(path.join(root, 'sidebar/src'))];
  const all = files.flatMap((full) => {
    const file = path.relative(root, full).split(path.sep).join('/');
    return offences(file, fs.readFileSync(full, 'utf8'));
  });
  expect(all).toEqual([]);
  // It looked at every layer.
  expect(new Set(files.map((full) => layerOf(path.relative(root, full).split(path.sep).join('/')))).size).toBe(ALLOWED.length);
});

describe('the check above would catch', () => {
  it('core importing from server, even for a type', () => {
    expect(offences('src/core/jobState.ts', "import type { JobProgress } from '../server/sidebarApi';")).toEqual(['src/core/jobState.ts imports src/server/sidebarApi']);
  });

  it('core importing an adapter through a re-export or an import() type', () => {
    expect(offences('src/core/x.ts', "export { jobDeps } from '../adapters/deps';")).toHaveLength(1);
    expect(offences('src/core/x.ts', "type T = typeof import('../adapters/deps');")).toHaveLength(1);
  });

  it('common importing anything of ours outside common', () => {
    expect(offences('src/common/contract.ts', "import { EnrichError } from '../core/errors';")).toHaveLength(1);
    expect(offences('src/common/contract.ts', "import type { X } from './requests';")).toEqual([]);
  });

  it('the sidebar importing server code, or zod as a value', () => {
    expect(offences('sidebar/src/client.ts', "import type { X } from '../../src/server/validation';")).toHaveLength(1);
    expect(offences('sidebar/src/client.ts', "import * as z from 'zod/mini';")).toHaveLength(1);
    expect(offences('sidebar/src/views/a.ts', "import type { Estimate } from '../../../src/common/contract';")).toEqual([]);
  });

  it('server importing the entry points, while the entry points may import anything', () => {
    expect(offences('src/server/menu.ts', "import type * as E from '../entrypoints';")).toHaveLength(1);
    expect(offences('src/entrypoints.ts', "import * as menu from './server/menu';")).toEqual([]);
  });
});
