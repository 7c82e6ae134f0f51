// Shared set-up for the server tests of the bulk job: the real dist/Code.js in the emulator, the
// mock API in-process on the virtual clock, a transport that logs which identifiers each request
// carried, and a SpreadsheetApp whose execution can be killed at a chosen Sheets call.
import { AppsScriptEmulator, inProcessTransport, VirtualClock, type ExecutionResult, type Transport, type TriggerDocument } from '../../dev/emulator';
import { createSpreadsheetApp } from '../../dev/emulator/spreadsheet';
import { EXECUTION_LIMIT_MS } from '../../dev/emulator/execution';
import { MockCrustdataApi } from '../../dev/mock-api/handler';
import type { JobProgress, SourceRange, StartJobRequest } from '../../src/common/contract';

/** Key-shaped and unique, so a search for it in cells, logs, caches and properties means something. */
export const TEST_KEY = 'cd_test_4f9a1c7e2b8d6a3f0e5c9b1d';

export interface SentRequest {
  identifiers: string[];
  /** 200 with a well-formed body (the identifiers got their answer). */
  answered: boolean;
  status: number | 'timeout' | 'unreachable';
  atMs: number;
}

export interface JobWorld {
  emu: AppsScriptEmulator;
  api: MockCrustdataApi;
  clock: VirtualClock;
  sent: SentRequest[];
  /** Kills the execution when the Sheets call with this number (counted from now) starts. */
  killAtSheetsCall(n: number | null): void;
  /** Kills the execution when the n-th request from now is in flight (a hung fetch at the limit). */
  killAtRequest(n: number | null): void;
  /** Requests carrying any of these identifiers get a 500, every time (a row that keeps failing). */
  alwaysFailing: Set<string>;
  /** Runs `action` while the next request is in flight: the user editing the sheet mid-slice. */
  duringNextRequest(action: () => void): void;
}

/** Both ways a time-driven trigger may run (Google does not say): every trigger test runs in each. */
export const TRIGGER_DOCUMENTS: readonly TriggerDocument[] = ['attached', 'detached'];

export function jobWorld(options: { requestsPerMinute?: number; triggerDocument?: TriggerDocument; users?: string[] } = {}): JobWorld {
  const clock = new VirtualClock();
  const api = new MockCrustdataApi({ keys: { [TEST_KEY]: { label: 'test', requestsPerMinute: options.requestsPerMinute ?? 15 } } });
  const sent: SentRequest[] = [];
  let sheetsCallsLeft: number | null = null;
  let requestsLeft: number | null = null;
  const inner = inProcessTransport(api);
  const alwaysFailing = new Set<string>();
  let inFlight: (() => void) | null = null;
  const transport: Transport = {
    send(requests, nowMs) {
      const action = inFlight;
      inFlight = null;
      action?.();
      const results = inner.send(requests, nowMs).map((result, i) =>
        [...alwaysFailing].some((id) => (requests[i].body ?? '').includes(JSON.stringify(id)))
          ? { status: 500, headers: { 'content-type': 'application/json' }, body: '{"error":{"type":"internal_error","message":"boom"}}', latencyMs: 200 }
          : result,
      );
      // A fetchAll that outlasts the execution: the emulator stops it at the 6-minute limit, and
      // the script sees none of its answers.
      const killed = requestsLeft !== null && requestsLeft < requests.length;
      if (requestsLeft !== null) requestsLeft = killed ? null : requestsLeft - requests.length;
      // One request past UrlFetch's 60 s timeout fails the whole fetchAll.
      const timedOut = results.some((result) => 'failure' in result || result.latencyMs >= 60_000);
      return results.map((result, i) => {
        const body = JSON.parse(requests[i].body ?? '{}') as Record<string, unknown>;
        const identifiers = ((body.professional_network_profile_urls ?? body.business_emails ?? []) as string[]).slice();
        const status = 'failure' in result ? result.failure : result.status;
        const answered = !killed && !timedOut && !('failure' in result) && result.status === 200 && isArrayBody(result.body);
        sent.push({ identifiers, answered, status, atMs: nowMs });
        return killed ? { ...result, latencyMs: EXECUTION_LIMIT_MS } : result;
      });
    },
  };
  const emu = new AppsScriptEmulator({
    clock,
    transport,
    triggerDocument: options.triggerDocument,
    users: options.users,
    spreadsheetApp: (model, guard, ui, appOptions) =>
      createSpreadsheetApp(
        model,
        {
          call: (name, mutates) => {
            if (sheetsCallsLeft !== null && --sheetsCallsLeft < 0) {
              sheetsCallsLeft = null;
              clock.advance(EXECUTION_LIMIT_MS); // the limit passes; the guard stops the execution
            }
            return guard.call(name, mutates);
          },
        },
        ui,
        appOptions,
      ),
  }).load();
  return {
    emu,
    api,
    clock,
    sent,
    killAtSheetsCall: (n) => {
      sheetsCallsLeft = n;
    },
    killAtRequest: (n) => {
      requestsLeft = n;
    },
    alwaysFailing,
    duringNextRequest: (action) => {
      inFlight = action;
    },
  };
}

function isArrayBody(body: string): boolean {
  try {
    return Array.isArray(JSON.parse(body));
  } catch {
    return false;
  }
}

/** A sheet with the identifiers in column A under a header, active, with the key set. */
export function withSheet(world: JobWorld, name: string, column: unknown[], header = 'LinkedIn'): SourceRange {
  const sheet = world.emu.model.addSheet(name, [[header], ...column.map((cell) => [cell])]);
  world.emu.model.activateSheet(sheet);
  world.emu.model.select(`${name}!A1`);
  world.emu.callFromSidebar('sidebarSaveApiKey', { apiKey: TEST_KEY, scope: 'user' });
  return { sheetName: name, column: 1, firstRow: 1, lastRow: column.length + 1, hasHeader: true };
}

export interface DriveResult {
  progress: JobProgress;
  calls: ExecutionResult[];
}

/** The sidebar's loop: sidebarContinueJob until the job stops running; failed calls are retried. */
export function driveJob(world: JobWorld, jobId: string, maxCalls = 400): DriveResult {
  const calls: ExecutionResult[] = [];
  let progress: JobProgress | null = null;
  for (let i = 0; i < maxCalls; i++) {
    const result = world.emu.runFromSidebar('sidebarContinueJob', { jobId });
    calls.push(result);
    if (result.ok) {
      progress = result.value as JobProgress;
      if (progress.state !== 'running') return { progress, calls };
    } else {
      world.clock.advance(2_000); // the sidebar's retry delay
    }
  }
  throw new Error(`job ${jobId} still running after ${maxCalls} calls: ${JSON.stringify(progress)}`);
}

export function startRequest(source: SourceRange, fields: string[], extra: Partial<StartJobRequest> = {}): StartJobRequest {
  return { source, settings: { fields, reenrich: false }, ...extra };
}

/** Every cell's formula on a sheet (empty when nothing became a formula). */
export function formulasOf(world: JobWorld, sheetName: string): string[] {
  const sheet = world.emu.model.sheet(sheetName);
  const out: string[] = [];
  const lastRow = sheet.lastRow();
  const lastColumn = sheet.lastColumn();
  for (let r = 1; r <= lastRow; r++) {
    for (let c = 1; c <= lastColumn; c++) {
      const formula = sheet.cellAt(r, c)?.formula;
      if (formula) out.push(formula);
    }
  }
  return out;
}
