// `npm run demo` end to end: its main function runs the real dist/Code.js in the emulator against
// the mock API and writes the CSV; the CLI exits non-zero when something fails. Needs the build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runDemo, sampleColumn } from '../../dev/demo';
import { SPECIAL } from '../../dev/mock-api/dataset';

const ROOT = path.resolve(__dirname, '..', '..');

/** A minimal CSV reader for what SpreadsheetModel.toCsv writes (quoted fields, doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  return rows;
}

describe('npm run demo', () => {
  const outFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'demo-')), 'demo.csv');
  const lines: string[] = [];
  const summary = runDemo({ outFile, log: (line) => lines.push(line) });
  const csv = parseCsv(fs.readFileSync(outFile, 'utf8'));
  const column = sampleColumn(200);

  test('enriches the ~200-row sample through the sidebar calls and prints a summary', () => {
    expect(summary.rows).toBe(200);
    expect(summary.enriched + summary.notFound + summary.invalid + summary.failed + summary.skipped).toBe(200);
    expect(summary.failed).toBe(0);
    expect(summary.invalid).toBeGreaterThan(0);
    expect(summary.notFound).toBeGreaterThan(0);
    expect(summary.requests).toBe(summary.estimate.requests);
    expect(summary.sidebarCalls).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(/^Estimate: 200 rows/);
    expect(lines.some((line) => /^Done: 200 rows: \d+ enriched, \d+ not found, \d+ invalid, 0 failed/.test(line) && /virtual minutes/.test(line))).toBe(true);
  });

  test('the CSV holds the sheet: identifiers, a status per row, the columns of the default fields', () => {
    expect(csv[0].slice(0, 3)).toEqual([column[0], 'Crustdata status', 'Name']);
    expect(csv).toHaveLength(201);
    for (let i = 1; i <= 200; i++) {
      expect(csv[i][0]).toBe(column[i]);
      expect(csv[i][1]).toMatch(/^(Enriched \d{4}-\d{2}-\d{2}|Not found|Invalid identifier: .+|)$/);
    }
    const statuses = csv.slice(1).map((row) => row[1]);
    expect(statuses.filter((status) => status.startsWith('Enriched')).length).toBe(summary.enriched);
  });

  test('hostile values arrive as the text the API sent', () => {
    const row = csv.find((cells) => cells[0] === SPECIAL.hostileHeadline.profileUrl)!;
    expect(row).toBeDefined();
    expect(row[3]).toBe(String(SPECIAL.hostileHeadline.data.basic_profile?.headline));
  });

  test('the CLI writes out/demo.csv and exits 0; a missing bundle exits non-zero', () => {
    const ok = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'dev/demo.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Wrote out[\\/]demo\.csv/);
    expect(fs.existsSync(path.join(ROOT, 'out', 'demo.csv'))).toBe(true);
    const broken = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'dev/demo.ts', '--bundle', 'no/such/Code.js', '--out', path.join(path.dirname(outFile), 'x.csv')], { cwd: ROOT, encoding: 'utf8' });
    expect(broken.status).not.toBe(0);
    expect(broken.stderr).toMatch(/demo failed: .*npm run build/);
  });
});
