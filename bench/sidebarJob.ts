// A bulk job as the open sidebar runs it: sidebarStartJob, then the sidebar's own JobDriver
// (sidebar/src/jobDriver.ts: one sidebarContinueJob in flight, idle back-off when no row moved)
// calling the real bundle in the emulator, with the driver's waits passed on the virtual clock.
import { DEFAULT_FIELDS } from '../src/core/catalog';
import type { JobProgress, StartJobResponse } from '../src/common/contract';
import { JobDriver, type JobDriverServer } from '../sidebar/src/jobDriver';
import type { EmulatorWorld } from './world';

export interface SidebarExecution {
  functionName: string;
  calls: Record<string, number>;
  /** Rows the call moved the cursor by. */
  rowsWritten: number;
  elapsedMs: number;
  /** Cells of the job's sheet this call read and wrote. */
  cellsRead: number;
  cellsWritten: number;
}

export interface SidebarJobRun {
  progress: JobProgress;
  executions: SidebarExecution[];
  /** Virtual time from sidebarStartJob to the last answer. */
  virtualMs: number;
  /** Start of the job on the virtual clock. */
  startMs: number;
  /** What the driver reported last (a failed call after its retries), if anything. */
  problem: string | null;
}

export interface SidebarJobOptions {
  sheetName: string;
  column?: number;
  /** Last row of the column, header included. */
  lastRow: number;
  fields?: string[];
  /** Gives up (throws) past this many executions: a job that never ends is a bug, not a figure. */
  maxExecutions?: number;
}

export async function runSidebarJob(world: EmulatorWorld, options: SidebarJobOptions): Promise<SidebarJobRun> {
  const { emu, clock } = world;
  const executions: SidebarExecution[] = [];
  const maxExecutions = options.maxExecutions ?? 50_000;
  let processed = 0;
  const call = <T>(functionName: string, request: unknown): T => {
    if (executions.length >= maxExecutions) throw new Error(`the job was still running after ${maxExecutions} sidebar calls`);
    const before = { ...world.cells };
    const result = emu.runFromSidebar(functionName, request);
    const value = (result.ok ? result.value : null) as { processed?: number; job?: JobProgress } | null;
    const after = value?.processed ?? value?.job?.processed ?? processed;
    executions.push({
      functionName,
      calls: result.calls,
      rowsWritten: Math.max(0, after - processed),
      elapsedMs: result.elapsedMs,
      cellsRead: world.cells.read - before.read,
      cellsWritten: world.cells.written - before.written,
    });
    processed = Math.max(processed, after);
    if (!result.ok) throw new Error(result.error ?? `${functionName} failed`);
    return result.value as T;
  };

  const startMs = clock.now();
  const started = call<StartJobResponse>('sidebarStartJob', {
    source: { sheetName: options.sheetName, column: options.column ?? 1, firstRow: 1, lastRow: options.lastRow, hasHeader: true },
    settings: { fields: options.fields ?? [...DEFAULT_FIELDS], reenrich: false },
  });
  if (!started.ok) throw new Error(`sidebarStartJob refused the job: ${JSON.stringify(started)}`);

  const server: JobDriverServer = {
    sidebarContinueJob: async (request) => call<JobProgress>('sidebarContinueJob', request),
    sidebarControlJob: async (request) => call<JobProgress>('sidebarControlJob', request),
    sidebarJobStatus: async (request) => call<JobProgress | null>('sidebarJobStatus', request),
  };
  let last: { job: JobProgress | null; problem: string | null } = { job: started.job, problem: null };
  await new Promise<void>((resolve) => {
    let begun = false;
    const driver = new JobDriver(
      server,
      (snapshot) => {
        last = { job: snapshot.job, problem: snapshot.problem };
        if (begun && !snapshot.driving) resolve();
      },
      { sleep: async (ms) => clock.advance(ms) },
    );
    begun = true;
    driver.start(started.job);
    if (started.job.state !== 'running') resolve();
  });
  if (last.problem && executions.length >= maxExecutions) throw new Error(last.problem);
  return { progress: last.job ?? started.job, executions, virtualMs: clock.now() - startMs, startMs, problem: last.problem };
}
