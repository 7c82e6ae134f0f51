// Scenario 4: CPU and memory on this machine's real clock. Flattening and formatting run in a
// child process with --expose-gc (a clean heap, a forced gc before and after); each cold load of
// dist/Code.js runs in a fresh node process, as every Apps Script execution compiles the file anew.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { atMost, fmt, type Section } from '../report';
import type { BenchSizes } from '../sizes';
import { bundlePath } from '../world';
import type { EngineProbe } from './cpuMemoryProbe';

/**
 * Budgets the bench sets (no outside requirement names one): flattening a block of 50 rows must stay small
 * beside one API answer (about 1.1 s), and every custom-function cell pays the bundle's load.
 */
export const BUDGETS = {
  flattenMsPerProfile: 1,
  pipelineMsPerProfile: 2,
  heapGrowthMbPer1000Rows: 16,
  bundleKb: 256,
  coldLoadMs: 50,
};

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const MB = 1024 * 1024;

function runProbe(profiles: number): EngineProbe {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(REPO_ROOT, 'scripts/run-ts.mjs'), path.join(__dirname, 'cpuMemoryProbe.ts'), String(profiles)], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as EngineProbe;
}

/** One cold load: read, compile, run the top level in an empty context, in a fresh process. */
const LOAD_SCRIPT = `
const fs = require('fs'), vm = require('vm'), { performance } = require('perf_hooks');
const source = fs.readFileSync(process.argv[1], 'utf8');
const t0 = performance.now();
const script = new vm.Script(source, { filename: 'Code.js' });
const t1 = performance.now();
script.runInContext(vm.createContext({}));
const t2 = performance.now();
const t3 = performance.now();
new vm.Script(source, { filename: 'Code.js' }).runInContext(vm.createContext({}));
const t4 = performance.now();
process.stdout.write(JSON.stringify({ compileMs: t1 - t0, runMs: t2 - t1, totalMs: t2 - t0, warmMs: t4 - t3 }));
`;

interface LoadRun {
  compileMs: number;
  runMs: number;
  totalMs: number;
  /** The same source loaded again in the same process (V8's compilation cache helps). */
  warmMs: number;
}

function coldLoads(bundle: string, runs: number): LoadRun[] {
  return Array.from({ length: runs }, () => JSON.parse(execFileSync(process.execPath, ['-e', LOAD_SCRIPT, bundle], { encoding: 'utf8' })) as LoadRun);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const ms = (n: number) => fmt(n, 1);
const mb = (bytes: number) => fmt(bytes / MB, 1);

export function cpuMemorySection(sizes: BenchSizes): Section {
  const started = Date.now();
  const probe = runProbe(sizes.profiles);
  const perProfile = (total: number) => total / probe.profiles;
  const growth = Math.max(0, probe.heapPeakBytes - probe.heapBeforeBytes);
  const retained = Math.max(0, probe.heapRetainedBytes - probe.heapBeforeBytes);

  const bundle = bundlePath();
  const bundleBytes = fs.statSync(bundle).size;
  const loads = coldLoads(bundle, sizes.loadRuns);
  const medianOf = (key: keyof LoadRun) => median(loads.map((run) => run[key]));

  return {
    id: 4,
    title: 'CPU and memory (real clock, Node)',
    notes: [
      `${fmt(probe.profiles)} generated profiles with every field group (${probe.columns} columns), ${mb(probe.jsonChars)} MB of answer JSON. Heap figures after a forced gc: ${probe.gcExposed ? 'yes (child process with --expose-gc)' : 'no (gc not exposed: figures include garbage)'}.`,
      'Targets here are the bench\'s own budgets (no outside requirement names one): a block of 50 rows must cost little beside one API answer (about 1.1 s), and every custom-function cell pays the bundle\'s load before it does anything.',
    ],
    tables: [
      {
        title: 'Flatten and format in the engine',
        headers: ['Work', 'Total ms', 'ms per profile', 'Per block of 50 rows (ms)'],
        rows: [
          [
            'flatten + toSheetValue (parsed objects)',
            ms(probe.flattenMs),
            atMost(perProfile(probe.flattenMs), BUDGETS.flattenMsPerProfile, (n) => fmt(n, 3)),
            ms(perProfile(probe.flattenMs) * 50),
          ],
          [
            'JSON.parse + zod check + flatten + toSheetValue',
            ms(probe.pipelineMs),
            atMost(perProfile(probe.pipelineMs), BUDGETS.pipelineMsPerProfile, (n) => fmt(n, 3)),
            ms(perProfile(probe.pipelineMs) * 50),
          ],
        ],
      },
      {
        title: 'Memory while flattening (heap, MB)',
        headers: ['Figure', 'MB', 'MB per 1,000 rows'],
        rows: [
          ['heap before (inputs held: profiles and their JSON)', mb(probe.heapBeforeBytes), '—'],
          ['peak heap while flattening', mb(probe.heapPeakBytes), '—'],
          ['peak growth over the inputs', mb(growth), atMost(growth / MB / (probe.profiles / 1000), BUDGETS.heapGrowthMbPer1000Rows, (n) => fmt(n, 2))],
          ['retained after gc (every output row still held)', mb(retained), fmt(retained / MB / (probe.profiles / 1000), 2)],
          ['peak resident set of the probe process', mb(probe.maxRssBytes), '—'],
        ],
        notes: ['Peak heap is sampled every 250 profiles. The bulk job holds one block of output rows at a time and a custom function a few hundred, so the per-1,000-rows figure is the one that scales.'],
      },
      {
        title: 'dist/Code.js: size and cold load',
        headers: ['Figure', 'Value'],
        rows: [
          ['size (KB)', atMost(bundleBytes / 1024, BUDGETS.bundleKb, (n) => fmt(n, 1))],
          [`cold load, median of ${loads.length} fresh processes (ms)`, atMost(medianOf('totalMs'), BUDGETS.coldLoadMs, (n) => fmt(n, 1))],
          ['  of which compile (ms)', ms(medianOf('compileMs'))],
          ['  of which running the top level (ms)', ms(medianOf('runMs'))],
          ['  fastest of the cold loads (ms)', ms(Math.min(...loads.map((run) => run.totalMs)))],
          ['load again in the same process (ms, V8 compile cache warm)', ms(medianOf('warmMs'))],
        ],
        notes: [
          'A cold load is `new vm.Script(source)` plus running it in a fresh `vm` context, timed inside a new node process so no compilation cache helps; Apps Script\'s own start-up comes on top.',
          'Real-clock figures move with the machine\'s load (other processes on a 2-core machine): compare medians across runs, not single loads.',
        ],
      },
    ],
    realMs: Date.now() - started,
  };
}
