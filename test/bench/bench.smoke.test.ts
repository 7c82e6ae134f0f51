// The benchmarks at tiny sizes (bench/sizes.ts SMOKE_SIZES): every section runs against the real
// dist/Code.js, its figures are computed, and every target is evaluated to a pass or a fail. The
// full sizes run only in `npm run bench`; this keeps the bench itself from rotting in CI.
import fs from 'node:fs';
import { RESULTS_FILE, runInfo, runSections } from '../../bench/run';
import { allChecks, atLeast, atMost, exactly, isChecked, renderMarkdown, renderSummary, renderText, type Section } from '../../bench/report';
import { SMOKE_SIZES } from '../../bench/sizes';
import { categoryOf, linearFit, perBlockMatches, perBlockSample } from '../../bench/scenarios/callEconomy';
import { mixedJob } from '../../bench/jobs';
import { dedupeIdentifiers } from '../../src/core/identifiers';

const numberIn = (text: string) => Number(text.replace(/[^\d.-]/g, ''));
const cellValue = (cell: unknown) => (isChecked(cell as never) ? (cell as { value: string }).value : String(cell));

describe('the bench at smoke sizes', () => {
  let sections: Section[];
  let resultsBefore: string | null;

  beforeAll(async () => {
    resultsBefore = fs.existsSync(RESULTS_FILE) ? fs.readFileSync(RESULTS_FILE, 'utf8') : null;
    sections = await runSections(SMOKE_SIZES);
  });

  it('runs all seven sections without an error section', () => {
    expect(sections.map((s) => s.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const section of sections) {
      expect(section.title).not.toMatch(/failed to run/);
      expect(section.tables.length).toBeGreaterThan(0);
      for (const table of section.tables) {
        expect(table.rows.length).toBeGreaterThan(0);
        for (const row of table.rows) expect(row).toHaveLength(table.headers.length);
      }
    }
  });

  it('evaluates targets in every section, each to a boolean beside its target text', () => {
    const checks = allChecks(sections);
    for (const id of [1, 2, 3, 4, 5, 6, 7]) expect(checks.some((c) => c.where.startsWith(`${id}. `))).toBe(true);
    for (const { check } of checks) {
      expect(typeof check.pass).toBe('boolean');
      expect(check.target).toMatch(/^(≥|≤|=|matches|\|Δ\|)/);
      expect(check.value).not.toMatch(/NaN|undefined/);
    }
  });

  it('throughput: requests were sent and the floor ratio computed from them', () => {
    const table = sections[0].tables[0];
    const header = (name: string) => table.headers.indexOf(name);
    for (const row of table.rows) {
      const requests = numberIn(cellValue(row[header('Requests (min)')]));
      expect(requests).toBe(Math.ceil(SMOKE_SIZES.throughputJobs[0] / 25));
      const floor = numberIn(cellValue(row[header('Floor min')]));
      expect(floor).toBe(Math.ceil(requests / SMOKE_SIZES.rates[0]));
      expect(numberIn(cellValue(row[header('Floor / actual')]))).toBeGreaterThan(0);
    }
    // Both ways of driving it appear: the sidebar on the real bundle, and the engine alone.
    expect(table.rows.map((row) => cellValue(row[1]))).toEqual([expect.stringMatching(/^sidebar \(\d+ calls\)$/), 'engine']);
  });

  it('requests per row: the naive function sends far more requests than the range formula', () => {
    const [ways] = sections[1].tables;
    const requests = ways.rows.map((row) => numberIn(cellValue(row[1])));
    expect(requests[0]).toBeGreaterThan(0);
    expect(requests[2]).toBeGreaterThanOrEqual(SMOKE_SIZES.perRowRows);
    expect(requests[2]).toBeGreaterThan(requests[0] * 5);
  });

  it('call economy: every call category of a bulk job is counted, sheet writes among them', () => {
    const [calls] = sections[2].tables;
    const names = calls.rows.map((row) => cellValue(row[0]));
    expect(names).toEqual(expect.arrayContaining(['sheet reads', 'sheet writes', 'properties', 'cache', 'lock', 'urlfetch', 'all calls']));
    const writes = calls.rows.find((row) => row[0] === 'sheet writes')!;
    // Per block at least one setValues for the values and one for the status column (the row
    // anchors add their metadata writes); what matters is that the count per block is the same
    // at both sizes, within the bench's tolerance.
    expect(numberIn(cellValue(writes[5]))).toBeGreaterThanOrEqual(2);
    expect(writes[6]).toMatchObject({ pass: true });
    expect(calls.rows.find((row) => row[0] === 'all calls')![6]).toMatchObject({ pass: true });
  });

  it('CPU and memory: timings, heap and the bundle figures are measured', () => {
    const [cpu, memory, bundle] = sections[3].tables;
    expect(numberIn(cellValue(cpu.rows[0][1]))).toBeGreaterThan(0);
    expect(numberIn(cellValue(memory.rows[0][1]))).toBeGreaterThan(0);
    expect(numberIn(cellValue(bundle.rows[0][1]))).toBeGreaterThan(10); // KB
    expect(numberIn(cellValue(bundle.rows[1][1]))).toBeGreaterThan(0); // ms
  });

  it('fault tolerance: faults were injected and every identifier answered exactly once', () => {
    const [runs, once] = sections[4].tables;
    const retries = runs.rows.filter((row) => /run 1/.test(cellValue(row[0]))).map((row) => numberIn(cellValue(row[2])));
    expect(Math.max(...retries)).toBeGreaterThan(0);
    for (const row of once.rows) {
      expect(row[1]).toMatchObject({ pass: true });
      expect(row[2]).toMatchObject({ pass: true });
    }
  });

  it('formula cells in parallel: both ways sent requests, and every cell of the long column ended showing its person', () => {
    const [one, long] = sections[5].tables;
    const figure = (table: typeof one, name: RegExp) => table.rows.find((row) => name.test(cellValue(row[0])))![1];
    expect(numberIn(cellValue(figure(one, /^requests, one range formula/)))).toBeGreaterThan(0);
    expect(numberIn(cellValue(figure(one, /filled-down formulas$/)))).toBeGreaterThan(0);
    expect(figure(long, /^rows showing their person/)).toMatchObject({ value: String(SMOKE_SIZES.parallelUniqueColumn), pass: true });
    expect(numberIn(cellValue(figure(long, /^cell executions$/)))).toBeGreaterThanOrEqual(SMOKE_SIZES.parallelUniqueColumn);
  });

  it('renders the tables with run facts, and leaves RESULTS.md alone', () => {
    const info = runInfo(SMOKE_SIZES);
    const markdown = renderMarkdown(info, sections);
    expect(markdown).toContain(`Node: ${process.version}`);
    expect(markdown).toMatch(/Commit: [0-9a-f]{4,}|Commit: unknown/);
    expect(markdown).toMatch(/Date: \d{4}-\d\d-\d\dT/);
    for (const section of sections) expect(markdown).toContain(`## ${section.id}. ${section.title}`);
    expect(renderText(sections)).toContain('== 1. Throughput against the rate limit ==');
    expect(renderSummary(sections)).toMatch(/^Targets met: \d+ of \d+/);
    const resultsNow = fs.existsSync(RESULTS_FILE) ? fs.readFileSync(RESULTS_FILE, 'utf8') : null;
    expect(resultsNow).toBe(resultsBefore);
  });
});

describe('bench building blocks', () => {
  it('marks a missed target as a fail in both renderings', () => {
    const section: Section = { id: 9, title: 'T', tables: [{ title: 'x', headers: ['Figure', 'Value'], rows: [['ratio', atLeast(0.9, 0.97)], ['429s', exactly(0, 0)], ['ms', atMost(3, 2)]] }] };
    expect(allChecks([section]).map((c) => c.check.pass)).toEqual([false, true, false]);
    expect(renderText([section])).toContain('0.90 (≥ 0.97) FAIL');
    expect(renderMarkdown(runInfo(SMOKE_SIZES), [section])).toContain('❌ **FAIL**');
    expect(renderSummary([section])).toMatch(/Targets met: 1 of 3/);
  });

  it('sorts Apps Script call names into the categories the economy table reports', () => {
    expect(categoryOf('Range.setValues')).toBe('sheet writes');
    expect(categoryOf('Range.getValues')).toBe('sheet reads');
    expect(categoryOf('Sheet.getRange')).toBe('other spreadsheet');
    expect(categoryOf('PropertiesService.Properties.setProperty')).toBe('properties');
    expect(categoryOf('CacheService.Cache.getAll')).toBe('cache');
    expect(categoryOf('LockService.Lock.tryLock')).toBe('lock');
    expect(categoryOf('UrlFetchApp.fetchAll')).toBe('urlfetch');
    expect(categoryOf('UrlFetchApp.HTTPResponse.getContentText')).toBe('other');
  });

  it('fits calls per block and compares two sizes with a tolerance', () => {
    expect(linearFit([[1, 12], [3, 16], [7, 24]])).toEqual({ perCall: 10, perBlock: 2 });
    expect(perBlockMatches(2, 2.15)).toBe(true);
    expect(perBlockMatches(8.9, 10.5)).toBe(false);
    expect(perBlockMatches(0, 0.05)).toBe(true);
  });

  it("fits per block over a job's continue calls but its first and last, which carry the job's once-only work", () => {
    const calls = [8, 1, 7, 1, 7, 1, 3].map((blocks) => ({ blocks }));
    expect(perBlockSample(calls)).toEqual(calls.slice(1, -1));
    // Too few calls in between to fit a line: all of them.
    expect(perBlockSample([{ blocks: 8 }, { blocks: 1 }])).toHaveLength(2);
    expect(perBlockSample([{ blocks: 8 }, { blocks: 1 }, { blocks: 1 }, { blocks: 2 }])).toHaveLength(4);
  });

  it("builds the mixed job: 30% duplicates and 5% invalid rows", () => {
    const cells = mixedJob(2_000);
    const { classified, unique } = dedupeIdentifiers(cells);
    expect(cells).toHaveLength(2_000);
    expect(unique).toHaveLength(1_300);
    expect(classified.filter((c) => c.kind === 'invalid')).toHaveLength(100);
  });
});
