// Runs in its own process (`node --expose-gc scripts/run-ts.mjs cpuMemoryProbe.ts <profiles>`,
// started by cpuMemory.ts) so heap figures start from a clean heap with a forced gc, untouched by
// the other scenarios: flatten + format, then parse + validate + flatten + format. Prints one JSON line.
import { performance } from 'node:perf_hooks';
import { syntheticPerson } from '../../dev/mock-api/dataset';
import { columnsFor, GROUP_NAMES, parseFieldSelection } from '../../src/core/catalog';
import { toSheetValue } from '../../src/core/cellText';
import { interpretResponse } from '../../src/core/crustdataClient';
import { compileFlattener } from '../../src/core/flatten';
import type { PersonData } from '../../src/core/types';

export interface EngineProbe {
  profiles: number;
  columns: number;
  gcExposed: boolean;
  /** Flatten + toSheetValue of every profile (objects already parsed). */
  flattenMs: number;
  /** JSON.parse + zod check of 25-person answers, then flatten + format. */
  pipelineMs: number;
  /** heapUsed after a forced gc, before the run. */
  heapBeforeBytes: number;
  /** Highest heapUsed seen while flattening (sampled every 250 profiles), rows kept. */
  heapPeakBytes: number;
  /** heapUsed after a forced gc with every output row still held. */
  heapRetainedBytes: number;
  /** Characters of the JSON the API sent for these profiles. */
  jsonChars: number;
  /** Peak resident set of the probe process. */
  maxRssBytes: number;
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc;
const heap = () => {
  gc?.();
  return process.memoryUsage().heapUsed;
};

function probeEngine(count: number): EngineProbe {
  const people: PersonData[] = Array.from({ length: count }, (_, n) => syntheticPerson(n).data as unknown as PersonData);
  // The answers as the API sends them, 25 people each, so parsing is measured on real text.
  const bodies: string[] = [];
  for (let i = 0; i < count; i += 25) {
    bodies.push(
      JSON.stringify(
        people.slice(i, i + 25).map((person, j) => ({
          matched_on: `https://www.linkedin.com/in/synthetic-${i + j}`,
          match_type: 'professional_network_profile_url',
          matches: [{ confidence_score: 1, person_data: person }],
        })),
      ),
    );
  }
  const columns = columnsFor(parseFieldSelection([...GROUP_NAMES]));
  const flatten = compileFlattener(columns);

  const heapBeforeBytes = heap();
  let heapPeakBytes = heapBeforeBytes;
  const rows: unknown[][] = new Array(count);
  let t0 = performance.now();
  for (let i = 0; i < count; i++) {
    rows[i] = flatten(people[i]).map(toSheetValue);
    if (i % 250 === 249) heapPeakBytes = Math.max(heapPeakBytes, process.memoryUsage().heapUsed);
  }
  const flattenMs = performance.now() - t0;
  heapPeakBytes = Math.max(heapPeakBytes, process.memoryUsage().heapUsed);
  const heapRetainedBytes = heap();
  if (rows.length !== count || !rows.every((row) => row.length === columns.length)) throw new Error('flattening lost rows');

  t0 = performance.now();
  let produced = 0;
  for (const body of bodies) {
    const verdict = interpretResponse({ status: 200, headers: {}, body }, 0);
    if (verdict.kind !== 'ok') throw new Error(`a generated answer did not parse: ${verdict.kind}`);
    for (const entry of verdict.entries) {
      const match = entry.matches?.[0];
      if (match?.person_data) {
        flatten(match.person_data as PersonData).map(toSheetValue);
        produced++;
      }
    }
  }
  const pipelineMs = performance.now() - t0;
  if (produced !== count) throw new Error(`the pipeline produced ${produced} rows of ${count}`);

  return {
    profiles: count,
    columns: columns.length,
    gcExposed: gc !== undefined,
    flattenMs,
    pipelineMs,
    heapBeforeBytes,
    heapPeakBytes,
    heapRetainedBytes,
    jsonChars: bodies.reduce((sum, body) => sum + body.length, 0),
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

if (process.argv[1] && process.argv[1] === __filename) {
  process.stdout.write(`${JSON.stringify(probeEngine(Number(process.argv[2])))}\n`);
}
