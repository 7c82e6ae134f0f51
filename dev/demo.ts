// `npm run demo`: a bulk job headless, offline. The real dist/Code.js runs in the Apps Script
// emulator on a virtual clock against the mock API in-process; the job goes through the same
// server functions the sidebar calls (estimate, start, continue until done). Prints a summary and
// writes the enriched sheet to out/demo.csv. Exits non-zero when anything fails.
import fs from 'node:fs';
import path from 'node:path';
import { AppsScriptEmulator, inProcessTransport, REPO_ROOT, VirtualClock } from './emulator';
import { SPECIAL } from './mock-api/dataset';
import { DEMO_API_KEY, MockCrustdataApi } from './mock-api/handler';
import { SAMPLE_SHEET_NAME, sampleIdentifierRows } from './playground/sampleSheet';
import type { Estimate, JobProgress, SourceRange, StartJobResponse } from '../src/common/contract';

export interface DemoOptions {
  /** Data rows in the sample column (default 200). */
  rows?: number;
  /** Where the CSV goes (default out/demo.csv under the repository). */
  outFile?: string;
  /** Where progress lines go (default stdout); pass () => {} to keep quiet. */
  log?: (line: string) => void;
  /** The bundle to run (default dist/Code.js, built by `npm run build`). */
  bundlePath?: string;
}

export interface DemoSummary {
  rows: number;
  enriched: number;
  notFound: number;
  invalid: number;
  failed: number;
  skipped: number;
  requests: number;
  creditsUsed: number;
  sidebarCalls: number;
  virtualMinutes: number;
  estimate: Estimate;
  outFile: string;
}

/** People whose data Sheets would misread or run as a formula: the demo shows they stay text. */
const HOSTILE = [SPECIAL.hostileHeadline, SPECIAL.hostileEverywhere, SPECIAL.leadingZeros, SPECIAL.plusPhone, SPECIAL.numberLike];

export function sampleColumn(rows: number): string[] {
  const [header, ...cells] = sampleIdentifierRows(rows);
  // Hostile people near the top, replacing ordinary rows so the count stays.
  HOSTILE.forEach((person, i) => {
    cells[10 + i * 7] = i % 2 ? person.businessEmail : person.profileUrl;
  });
  return [header, ...cells.slice(0, rows)];
}

export function runDemo(options: DemoOptions = {}): DemoSummary {
  const log = options.log ?? ((line: string) => console.log(line));
  const rows = options.rows ?? 200;
  const outFile = options.outFile ?? path.join(REPO_ROOT, 'out', 'demo.csv');

  const clock = new VirtualClock();
  const api = new MockCrustdataApi();
  const emulator = new AppsScriptEmulator({ clock, transport: inProcessTransport(api), bundlePath: options.bundlePath }).load();
  const column = sampleColumn(rows);
  const sheet = emulator.model.addSheet(SAMPLE_SHEET_NAME, column.map((cell) => [cell]));
  emulator.model.activateSheet(sheet);
  emulator.model.select(`${SAMPLE_SHEET_NAME}!A1`);
  const startedAt = clock.now();

  emulator.callFromSidebar('sidebarSaveApiKey', { apiKey: DEMO_API_KEY, scope: 'user' });
  const source: SourceRange = { sheetName: SAMPLE_SHEET_NAME, column: 1, firstRow: 1, lastRow: rows + 1, hasHeader: true };
  const settings = { fields: [] as string[], reenrich: false }; // the default selection
  const estimate = emulator.callFromSidebar('sidebarEstimate', { source, settings }) as Estimate;
  log(
    `Estimate: ${estimate.rows} rows, ${estimate.uniqueIdentifiers} unique (${estimate.profileUrls} URLs, ${estimate.emails} emails), ` +
      `${estimate.invalid} invalid, ${estimate.blank} blank; ${estimate.requests} requests, at most ${estimate.creditsMax} credits, ` +
      `about ${estimate.minutes} min; results in ${estimate.targetRange}`,
  );

  const started = emulator.callFromSidebar('sidebarStartJob', { source, settings }) as StartJobResponse;
  if (!started.ok) throw new Error(`The job did not start: ${JSON.stringify(started)}`);
  let progress: JobProgress = started.job;
  let calls = 0;
  while (progress.state === 'running') {
    if (++calls > 500) throw new Error('The job did not finish in 500 sidebar calls.');
    progress = emulator.callFromSidebar('sidebarContinueJob', { jobId: progress.jobId }) as JobProgress;
    const minutes = ((clock.now() - startedAt) / 60_000).toFixed(1);
    log(`  ${progress.processed}/${progress.total} rows, ${progress.counts.enriched} enriched  (${minutes} virtual min)`);
  }
  if (progress.state !== 'done') throw new Error(`The job stopped: ${progress.state} ${progress.message ?? ''}`);

  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, emulator.model.toCsv(SAMPLE_SHEET_NAME));
  const stats = api.stats();
  const summary: DemoSummary = {
    rows: progress.total,
    ...progress.counts,
    requests: stats.requests,
    creditsUsed: stats.creditsUsed,
    sidebarCalls: calls,
    virtualMinutes: Math.round(((clock.now() - startedAt) / 60_000) * 10) / 10,
    estimate,
    outFile,
  };
  log(
    `Done: ${summary.rows} rows: ${summary.enriched} enriched, ${summary.notFound} not found, ${summary.invalid} invalid, ` +
      `${summary.failed} failed, ${summary.skipped} blank; ${summary.requests} requests, ${summary.creditsUsed} credits, ` +
      `${summary.sidebarCalls} sidebar calls, ${summary.virtualMinutes} virtual minutes.`,
  );
  log(`Wrote ${path.relative(process.cwd(), outFile) || outFile}`);
  return summary;
}

// Run only as the entry file (scripts/run-ts.mjs puts it in argv[1]), so tests can import runDemo.
// Optional: --rows N, --out FILE, --bundle FILE.
if (/[\\/]dev[\\/]demo\.ts$/.test(process.argv[1] ?? '')) {
  try {
    const args = process.argv.slice(2);
    const flag = (name: string) => {
      const at = args.indexOf(name);
      return at >= 0 ? args[at + 1] : undefined;
    };
    const rows = flag('--rows');
    if (rows !== undefined && !(Number(rows) >= 1 && Number(rows) <= 100_000)) throw new Error('--rows takes a number from 1 to 100000');
    runDemo({ rows: rows === undefined ? undefined : Number(rows), outFile: flag('--out'), bundlePath: flag('--bundle') });
  } catch (error) {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
