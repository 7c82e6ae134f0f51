// The playground's real backend: the Apps Script emulator running dist/Code.js, each sidebar call
// an execution in FULL mode (emulator.runFromSidebar), against the mock Crustdata API in-process
// or against the real API over HTTP when a key is given.
//
// Time, with the mock: a virtual clock that never falls behind the wall clock, and each call's
// answer is held back (without blocking Node) until the wall clock has caught up with the
// virtual time the execution used, divided by `speed`. So at speed 1 a call that paced itself for
// 30 s under the rate limit takes 30 s, as in Apps Script, while the HTTP server, the grid and
// the other calls stay responsive. With the real API, time is the real clock (sleeps block).
import { AppsScriptEmulator, httpTransport, inProcessTransport, realClock, SpreadsheetModel, VirtualClock, type TriggerDocument } from '../emulator';
import type { HttpTransport } from '../emulator';
import { quoteSheetName } from '../emulator/spreadsheet/a1';
import { DEMO_API_KEY, MockCrustdataApi } from '../mock-api/handler';
import type { AdvanceReport, GridCell, GridSelection, GridSnapshot, PlaygroundBackend, SidebarFunctionName } from './backend';
import { menuEntries, runMenuItem } from './menuRunner';
import { SAMPLE_SHEET_NAME, sampleIdentifierRows } from './sampleSheet';
import { SheetFormulas } from './sheetFormulas';

export interface EmulatorBackendOptions {
  /** The mock API's limit for its demo key (requests per minute). Default 15, like the real API. */
  mockRequestsPerMinute?: number;
  /**
   * How much faster than the wall clock virtual time may run (mock only). Default 1; Infinity
   * holds no answer back (the browser tests, which move the page's clock instead of waiting).
   */
  speed?: number;
  /** Use the real API with this key (stored as the user's key at start; never sent to the page). */
  realApiKey?: string;
  /** Rows of the sample sheet's identifier column (header first). */
  rows?: string[];
  /** Mock latency per answer (ms); default the mock's realistic model. */
  mockLatencyMs?: number;
  /**
   * Whether the hourly trigger runs with the spreadsheet ('attached', the default) or without it
   * ('detached'): Google does not say, so the add-on must cope with both. The emulator's field
   * `triggerDocument` may also be switched later.
   */
  triggerDocument?: TriggerDocument;
}

export interface EmulatorBackend extends PlaygroundBackend {
  advance?(ms: number): AdvanceReport;
  readonly emulator: AppsScriptEmulator;
  readonly model: SpreadsheetModel;
  /** Present with the mock API. */
  readonly api: MockCrustdataApi | null;
  /**
   * From the (afterCalls+1)-th call of these functions on, calls wait until releaseCalls(): tests
   * use it to act between two continue calls deterministically.
   */
  holdCalls(names: SidebarFunctionName[], afterCalls?: number): void;
  releaseCalls(): void;
}

const GRID_MIN_COLUMNS = 8;

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

export function createEmulatorBackend(options: EmulatorBackendOptions = {}): EmulatorBackend {
  const real = Boolean(options.realApiKey);
  const speed = Math.max(0.01, options.speed ?? 1);
  const virtual = new VirtualClock(Date.now());
  const clock = real ? realClock : virtual;
  const model = new SpreadsheetModel({ now: () => clock.now(), name: 'Crustdata playground' });
  const rows = options.rows ?? sampleIdentifierRows();
  // parse=false: identifiers stay the text they were pasted as.
  model.addSheet(SAMPLE_SHEET_NAME, rows.map((value) => [value]), { parse: false });
  model.select(`${quoteSheetName(SAMPLE_SHEET_NAME)}!A1`);

  let api: MockCrustdataApi | null = null;
  let http: HttpTransport | null = null;
  if (real) {
    http = httpTransport();
  } else {
    api = new MockCrustdataApi({
      keys: { [DEMO_API_KEY]: { label: 'demo', requestsPerMinute: options.mockRequestsPerMinute ?? 15 } },
      latency: options.mockLatencyMs === undefined ? undefined : { baseMs: options.mockLatencyMs, perIdentifierMs: 0, errorMs: options.mockLatencyMs },
    });
  }
  const emulator = new AppsScriptEmulator({
    clock,
    model,
    transport: http ?? inProcessTransport(api!),
    triggerJitterMs: 0,
    triggerDocument: options.triggerDocument,
  }).load();
  emulator.openDocument('LIMITED');
  if (options.realApiKey) {
    const saved = emulator.runFromSidebar('sidebarSaveApiKey', { apiKey: options.realApiKey, scope: 'user' });
    if (!saved.ok) throw new Error(`Could not store the API key in the emulator: ${saved.error}`);
  }

  const formulas = new SheetFormulas(emulator, model);
  let churns = 0;
  let held = new Set<SidebarFunctionName>();
  let passesLeft = 0;
  let gate: Promise<void> = Promise.resolve();
  let openGate: () => void = () => undefined;

  const waitRealTime = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  /**
   * Runs executions at once (they are synchronous), then holds the answer back until the wall
   * clock has caught up with the virtual time they used, divided by speed (see the file comment).
   */
  async function paced<T>(work: () => T): Promise<T> {
    const realStart = Date.now();
    if (!real && virtual.now() < realStart) virtual.setTime(realStart);
    const virtualStart = clock.now();
    const value = work();
    if (!real) {
      const due = realStart + (clock.now() - virtualStart) / speed;
      if (due > Date.now()) await waitRealTime(due - Date.now());
    }
    return value;
  }

  return {
    description: real ? 'dist/Code.js in the emulator · REAL Crustdata API' : `dist/Code.js in the emulator · mock API, key ${DEMO_API_KEY}`,
    emulator,
    model,
    api,
    async call(name: SidebarFunctionName, args: unknown[]) {
      if (held.has(name)) {
        if (passesLeft > 0) passesLeft--;
        else await gate;
      }
      const result = await paced(() => emulator.runFromSidebar(name, ...args));
      if (!result.ok) throw new Error(result.error ?? 'The add-on failed.');
      return result.value;
    },
    grid(sheetName?: string): GridSnapshot {
      const live = model.sheets.filter((s) => !s.deleted);
      const sheet = (sheetName && live.find((s) => s.name === sheetName)) || model.activeSheet || live[0];
      const lastRow = sheet.lastRow();
      const columns = Math.max(GRID_MIN_COLUMNS, sheet.lastColumn() + 2);
      const cells: GridCell[][] = [];
      for (let r = 1; r <= lastRow; r++) {
        const line: GridCell[] = [];
        for (let c = 1; c <= columns; c++) {
          const cell = sheet.cellAt(r, c);
          const out: GridCell = { v: sheet.display(cell) };
          if (cell?.note) out.n = cell.note;
          if (cell?.background && cell.background !== '#ffffff') out.b = cell.background;
          if (cell?.formula) {
            out.f = cell.formula;
            const message = formulas.messageAt(sheet, r, c);
            if (message) out.m = message;
          }
          line.push(out);
        }
        cells.push(line);
      }
      const range = sheet.selection.range;
      const selection: GridSelection = {
        row: range.row,
        column: range.column,
        numRows: (range.endRow ?? Math.max(lastRow, range.row)) - range.row + 1,
        numColumns: (range.endColumn ?? columns) - range.column + 1,
      };
      const snapshot = {
        sheets: live.map((s) => s.name),
        sheetName: sheet.name,
        rows: lastRow,
        columns,
        cells,
        selection: model.activeSheet === sheet ? selection : null,
      };
      return { ...snapshot, version: `${model.revision}.${hash(JSON.stringify(snapshot))}` };
    },
    select(sheetName, s) {
      const end = { row: s.row + s.numRows - 1, column: s.column + s.numColumns - 1 };
      const letters = (column: number) => {
        let out = '';
        for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
        return out;
      };
      model.select(`${quoteSheetName(sheetName)}!${letters(s.column)}${s.row}:${letters(end.column)}${end.row}`);
    },
    now: () => clock.now(),
    edit: (sheetName, selection, text) => paced(() => formulas.enter(sheetName, selection, text)),
    fillDown: (sheetName, selection) => paced(() => formulas.fillDown(sheetName, selection)),
    menu: () => menuEntries(emulator),
    runMenuItem: (caption, answers) => paced(() => runMenuItem(emulator, caption, answers)),
    apiKeyIsSet() {
      const state = emulator.runFromSidebar('sidebarGetState');
      return Boolean(state.ok && (state.value as { apiKey?: { isSet?: boolean } }).apiKey?.isSet);
    },
    useDemoKey() {
      if (real) throw new Error('The demo key works with the mock API only.');
      // Shared with the spreadsheet, so the grid's formulas can use it too: formulas read only a
      // key shared with the spreadsheet. It is the mock's key, so nobody's credits are at stake.
      const saved = emulator.runFromSidebar('sidebarSaveApiKey', { apiKey: DEMO_API_KEY, scope: 'document' });
      if (!saved.ok) throw new Error(saved.error ?? 'The add-on could not store the key.');
    },
    reloadBundle() {
      emulator.load();
    },
    ...(real
      ? {}
      : {
          advance(ms: number): AdvanceReport {
            if (!(ms > 0)) throw new Error('advance: the step must be positive');
            if (virtual.now() < Date.now()) virtual.setTime(Date.now());
            const runs = emulator.runDueTriggers(virtual.now() + ms);
            return {
              now: virtual.now(),
              triggerRuns: runs.length,
              failedRuns: runs.filter((run) => !run.result.ok).map((run) => `${run.handler}: ${run.result.error}`),
            };
          },
          churn() {
            const report = api!.applyChurn({ seed: `playground-${++churns}`, employerChange: 0.08, titleChange: 0.05, disappear: 0.01 });
            return { changed: report.changes.length };
          },
        }),
    holdCalls(names, afterCalls = 0) {
      held = new Set(names);
      passesLeft = afterCalls;
      gate = new Promise<void>((resolve) => (openGate = resolve));
    },
    releaseCalls() {
      held = new Set();
      openGate();
    },
    async close() {
      openGate();
      await http?.close();
    },
  };
}
