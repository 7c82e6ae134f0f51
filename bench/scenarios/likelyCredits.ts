// Scenario 7: the estimate's likely credits against what the run is then charged. On a sheet of
// generated people (URLs and emails, some nobody knows), a first job enriches the top rows; the
// sidebar's estimate for the whole column then says how many credits the rest will likely cost,
// from the match and contact-data rates those answers showed; the job runs, and the mock's
// x-credits-used answers are added up. Per field selection, since contact data is priced per piece.
import { syntheticBusinessEmail, syntheticProfileUrl } from '../../dev/mock-api/dataset';
import type { Estimate, JobProgress, StartJobResponse } from '../../src/common/contract';
import { atMost, check, fmt, type Cell, type Section } from '../report';
import type { BenchSizes } from '../sizes';
import { emulatorWorld, type EmulatorWorld } from '../world';

/** The likely figure within this share of the charge. */
export const LIKELY_TOLERANCE = 0.15;
const SHEET = 'Leads';
const REQUESTS_PER_MINUTE = 60;

export const SELECTIONS: Array<{ label: string; fields: string[] }> = [
  { label: 'default fields', fields: [] },
  { label: 'basic + contact', fields: ['basic_profile', 'contact'] },
  { label: 'contact + developer profiles', fields: ['basic_profile.name', 'contact', 'dev_platform_profiles'] },
];

/** Generated people, every fourth an email, every ninth nobody the API knows. */
export function likelyColumn(rows: number): string[] {
  return Array.from({ length: rows }, (_, n) => {
    if (n % 9 === 4) return `https://www.linkedin.com/in/nobody-${n}`;
    return n % 4 === 1 ? syntheticBusinessEmail(n) : syntheticProfileUrl(n);
  });
}

function runJob(world: EmulatorWorld, request: unknown): JobProgress {
  const started = world.emu.callFromSidebar('sidebarStartJob', request) as StartJobResponse;
  if (!started.ok) throw new Error(`the job was refused: ${JSON.stringify(started)}`);
  let progress = started.job;
  for (let calls = 0; progress.state === 'running'; calls++) {
    if (calls > 5_000) throw new Error('the job was still running after 5,000 sidebar calls');
    const result = world.emu.runFromSidebar('sidebarContinueJob', { jobId: progress.jobId });
    if (result.ok) progress = result.value as JobProgress;
    else world.clock.advance(2_000);
  }
  return progress;
}

export interface LikelyFigures {
  label: string;
  /** Before any job: the typical rates' guess for the whole column, and what the whole column then costs. */
  likely: number;
  basis: Estimate['likelyBasis'];
  max: number;
  charged: number;
  jobCredits: number;
}

export function measureLikely(rows: number, sampleRows: number, selection: { label: string; fields: string[] }): LikelyFigures {
  const column = likelyColumn(rows);
  const world = emulatorWorld({ requestsPerMinute: REQUESTS_PER_MINUTE }, { name: SHEET, rows: [['Identifier'], ...column.map((id) => [id])] });
  const source = { sheetName: SHEET, column: 1, firstRow: 1, lastRow: rows + 1, hasHeader: true };
  const settings = { fields: selection.fields, reenrich: false };
  runJob(world, { source: { ...source, lastRow: sampleRows + 1 }, settings });
  const estimate = world.emu.callFromSidebar('sidebarEstimate', { source, settings }) as Estimate;
  const before = world.recorded.deliveredCredits;
  const job = runJob(world, { source, settings });
  if (job.state !== 'done') throw new Error(`the job ended ${job.state}: ${job.message}`);
  return {
    label: selection.label,
    likely: estimate.creditsLikely,
    basis: estimate.likelyBasis,
    max: estimate.creditsMax,
    charged: world.recorded.deliveredCredits - before,
    jobCredits: job.creditsUsed,
  };
}

export function likelyCreditsSection(sizes: BenchSizes): Section {
  const rows: Cell[][] = SELECTIONS.map((selection) => {
    const f = measureLikely(sizes.likelyRows, sizes.likelySampleRows, selection);
    const error = f.charged > 0 ? Math.abs(f.likely - f.charged) / f.charged : f.likely === 0 ? 0 : 1;
    return [
      f.label,
      fmt(f.likely),
      f.basis,
      fmt(f.charged),
      atMost(error * 100, LIKELY_TOLERANCE * 100, (n) => `${fmt(n, 1)} %`),
      atMost(f.charged, f.max),
      check(fmt(f.jobCredits), `= ${fmt(f.charged)}`, f.jobCredits === f.charged),
    ];
  });
  return {
    id: 7,
    title: 'Likely credits: the estimate against the charge',
    tables: [
      {
        title: 'Likely credits per field selection',
        headers: ['Fields', 'Likely (estimate)', 'Basis', 'Charged (x-credits-used)', 'Off by', 'Upper bound', 'Job shows'],
        rows,
        notes: [
          `A first job enriches the top ${fmt(sizes.likelySampleRows)} rows; the estimate for all ${fmt(sizes.likelyRows)} rows then uses the rates its answers showed (basis "sheet").`,
          'Charged: the x-credits-used answers of the second job that reached the add-on. Upper bound: the estimate\'s "up to" (every identifier matched with every priced field found).',
          '"Job shows" is the job\'s own credits counter, which must equal the charge.',
        ],
      },
    ],
    notes: [`Mock API at ${REQUESTS_PER_MINUTE} requests/minute, virtual clock, the real bundle in the emulator.`],
  };
}
