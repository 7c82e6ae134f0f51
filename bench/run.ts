// `npm run bench`: runs the benchmark scenarios against the mock API, the emulator and the real
// dist/Code.js, prints each as a table with its targets, and exits 1 when a target is missed.
// It leaves the working tree as it found it unless asked to record the run:
//   --write      rewrite bench/RESULTS.md with this run (`npm run bench -- --write`)
//   --only=1,4   run some sections
//   --smoke      tiny sizes (what test/bench runs)
//   --lenient    exit 0 even when a target is missed
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allChecks, renderMarkdown, renderSummary, renderText, type RunInfo, type Section } from './report';
import { callEconomySection } from './scenarios/callEconomy';
import { cpuMemorySection } from './scenarios/cpuMemory';
import { faultToleranceSection } from './scenarios/faultTolerance';
import { likelyCreditsSection } from './scenarios/likelyCredits';
import { parallelCellsSection } from './scenarios/parallelCells';
import { requestsPerRowSection } from './scenarios/requestsPerRow';
import { throughputSection } from './scenarios/throughput';
import { FULL_SIZES, SMOKE_SIZES, type BenchSizes } from './sizes';

export const SECTIONS: Record<number, (sizes: BenchSizes) => Promise<Section> | Section> = {
  1: throughputSection,
  2: requestsPerRowSection,
  3: callEconomySection,
  4: cpuMemorySection,
  5: faultToleranceSection,
  6: parallelCellsSection,
  7: likelyCreditsSection,
};

export const RESULTS_FILE = path.join(__dirname, 'RESULTS.md');

/** Runs the chosen sections in order; a section that throws becomes a failed row, not a crash. */
export async function runSections(sizes: BenchSizes, ids: number[] = Object.keys(SECTIONS).map(Number), log: (line: string) => void = () => undefined): Promise<Section[]> {
  const sections: Section[] = [];
  for (const id of ids) {
    const started = Date.now();
    log(`running ${id}…`);
    try {
      const section = await SECTIONS[id](sizes);
      section.realMs ??= Date.now() - started;
      sections.push(section);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      sections.push({
        id,
        title: `Section ${id} failed to run`,
        tables: [{ title: 'Error', headers: ['What', 'Result'], rows: [['section ran to the end', { value: message.split('\n')[0], target: 'no error', pass: false }]] }],
        notes: ['```', ...message.split('\n').slice(0, 12), '```'],
        realMs: Date.now() - started,
      });
    }
    log(`  ${id} done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  return sections;
}

export function runInfo(sizes: BenchSizes): RunInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: path.resolve(__dirname, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return '';
    }
  };
  const commit = git('rev-parse', '--short', 'HEAD') || 'unknown';
  const dirty = git('status', '--porcelain', '--untracked-files=no', '--', 'src', 'dev', 'bench', 'sidebar', 'scripts') ? ' (with uncommitted changes)' : '';
  const cpus = os.cpus();
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    node: process.version,
    commit: `${commit}${dirty}`,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}`,
    sizes: sizes.label,
  };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flag = (name: string) => args.includes(`--${name}`);
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
  const ids = only ? only.split(',').map(Number).filter((n) => SECTIONS[n]) : Object.keys(SECTIONS).map(Number);
  const sizes = flag('smoke') ? SMOKE_SIZES : FULL_SIZES;
  const write = flag('write');

  const started = Date.now();
  const sections = await runSections(sizes, ids, (line) => process.stderr.write(`${line}\n`));
  const info = runInfo(sizes);
  process.stdout.write(`Crustdata add-on benchmarks — ${info.date}, node ${info.node}, commit ${info.commit}, ${sizes.label} sizes\n`);
  process.stdout.write(`${renderText(sections)}\n\n${renderSummary(sections)}\n`);
  process.stdout.write(`(${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  if (write) {
    fs.writeFileSync(RESULTS_FILE, renderMarkdown(info, sections));
    process.stdout.write(`wrote ${path.relative(process.cwd(), RESULTS_FILE)}\n`);
  }
  const missed = allChecks(sections).filter((c) => !c.check.pass).length;
  if (missed) process.stdout.write(`${missed} target${missed === 1 ? '' : 's'} missed\n`);
  process.exitCode = missed && !flag('lenient') ? 1 : 0;
}

// Run as a script (scripts/run-ts.mjs sets argv[1] to this file), not when the smoke test imports it.
if (process.argv[1] && path.resolve(process.argv[1]) === __filename) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 2;
  });
}
