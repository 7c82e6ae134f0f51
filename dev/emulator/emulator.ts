// AppsScriptEmulator: runs a script bundle (dist/Code.js) as Apps Script does. Every execution gets
// a fresh node:vm context in which the bundle's top level runs again, with fake services as
// globals, an auth mode, a user and a time limit on the emulator's clock. State that outlives an
// execution (properties, caches, locks, triggers, the spreadsheet) lives here, as it lives in
// Google's services. Used by the tests, the playground, the demo and the benchmarks.
import fs from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { types } from 'node:util';
import { VirtualClock, type EmulatorClock } from './clock';
import {
  ADD_ON_CUSTOM_FUNCTION_TIMEOUT_MESSAGE,
  CUSTOM_FUNCTION_LIMIT_MS,
  EXCEEDED_MESSAGE,
  EXECUTION_LIMIT_MS,
  Execution,
  ServiceError,
  type AuthMode,
  type ExecutionMode,
} from './execution';
import { ParallelScheduler } from './parallel/scheduler';
import { Realm } from './realm';
import { sheetsShape, type CellValue } from './customFunction';
import { topLevelFunctions, type TopLevelFunction } from './scriptInfo';
import { CacheStores, createCacheService, type CacheOptions } from './services/cache';
import { createHtmlService, directoryHtmlFiles, type HtmlFiles } from './services/html';
import { createLockService, LockTable, type LockName, type UnflushedLockRelease } from './services/lock';
import { createLogging, type LogEntry } from './services/logging';
import { createPropertiesService, PropertyStores } from './services/properties';
import { clockEvent, createScriptApp, TriggerTable, type TriggerRecord } from './services/scriptApp';
import { createSession } from './services/session';
import { createUi, UiRecorder, type MenuEntry } from './services/ui';
import { createUrlFetchApp, URL_FETCH_DAILY_QUOTA, UrlFetchState, type FetchRecord } from './services/urlFetch';
import { createUtilities, UuidSource } from './services/utilities';
import { defaultSpreadsheetAppFactory, type SpreadsheetAppFactory } from './spreadsheetBridge';
import { SpreadsheetModel } from './spreadsheet/model';
import type { Transport } from './transport';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The parts of appsscript.json the emulator enforces. */
export interface Manifest {
  timeZone?: string;
  runtimeVersion?: string;
  oauthScopes?: string[];
  urlFetchWhitelist?: string[];
}

export interface EmulatorOptions {
  /** Default: a VirtualClock at Monday 6 January 2025, 09:00 UTC. */
  clock?: EmulatorClock;
  /** Where UrlFetchApp's requests go; default: none (every request fails as unreachable). */
  transport?: Transport;
  /** The bound spreadsheet; default: an empty one on the emulator's clock. */
  model?: SpreadsheetModel;
  /** Add-on rules (hourly triggers, one trigger per type per user per document). Default true. */
  isAddOn?: boolean;
  /** The script's time zone; default: the manifest's, else Etc/UTC. */
  timeZone?: string;
  /** The bundle load() reads; relative paths are from the repository root. Default dist/Code.js. */
  bundlePath?: string;
  /** Users of the document; the first is the spreadsheet's owner and the default user. */
  users?: string[];
  /**
   * Whether a time-driven trigger's execution runs with its document. Google does not document it
   * (the event object has no `source`), so both are offered: 'detached' gives the handler no
   * active spreadsheet, document lock, document properties or document cache (all null).
   * Default 'attached'.
   */
  triggerDocument?: TriggerDocument;
  /** The add-on menu's caption (Sheets shows the add-on's name). */
  addOnName?: string;
  cache?: CacheOptions;
  urlFetchDailyQuota?: number;
  /** Daily total of trigger run time per user (consumer: 90 min). */
  triggerRuntimeQuotaMs?: number;
  /** Largest random delay of a clock trigger (default 15 min; 0: exact times). */
  triggerJitterMs?: number;
  /** Seeds trigger jitter and getUuid. */
  seed?: number;
  /** Real-time watchdog per execution against endless loops (default 60 s). */
  realTimeoutMs?: number;
  /** Also print script logs to stderr. */
  echoLogs?: boolean;
  /** Replaces the fake SpreadsheetApp (default: dev/emulator/spreadsheet). */
  spreadsheetApp?: SpreadsheetAppFactory;
}

export interface LoadSourceOptions {
  /** Manifest to enforce (scopes, urlFetchWhitelist, time zone); default none: nothing checked. */
  manifest?: Manifest;
  /** HTML files by name ("Sidebar") for HtmlService. */
  htmlFiles?: Record<string, string>;
  fileName?: string;
}

export type TriggerDocument = 'attached' | 'detached';

export interface AnotherSpreadsheetOptions {
  /** Default: an empty spreadsheet with its own id. */
  model?: SpreadsheetModel;
  /** Users of that spreadsheet; the first is its owner. Default: this emulator's users. */
  users?: string[];
}

export interface RunOptions {
  authMode?: AuthMode;
  /** Who runs it; default the owner (users[0]). */
  user?: string;
}

export interface ExecutionResult {
  ok: boolean;
  /** The return value as plain host data (arrays, objects, Dates rebuilt outside the vm). */
  value: unknown;
  /** The message Apps Script would show, e.g. "Exceeded maximum execution time". */
  error?: string;
  errorName?: string;
  /** The execution hit its time limit. */
  timedOut: boolean;
  elapsedMs: number;
  /** Service calls this execution made, by name ("UrlFetchApp.fetchAll", "Range.setValues"). */
  calls: Record<string, number>;
  executionId: number;
  functionName: string;
  mode: ExecutionMode;
  user: string;
  startMs: number;
}

export interface CustomFunctionResult extends ExecutionResult {
  /** What the cells show: the returned grid, or the error code alone. */
  values: CellValue[][];
  sheetsError?: { code: '#ERROR!' | '#REF!' | '#NAME?' | '#NUM!' | '#VALUE!'; message: string };
}

export interface CustomFunctionOptions {
  /** Write the result into the sheet (formula cell + spill) as Sheets displays it. */
  spill?: boolean;
  user?: string;
}

/** One formula cell of a parallel recalculation (runCustomFunctionsInParallel). */
export interface ParallelCell {
  cell: string;
  functionName: string;
  args?: unknown[];
  user?: string;
}

export interface ParallelOptions {
  /** Executions in flight at once (Apps Script: 30 simultaneous executions per user). Default 30. */
  concurrency?: number;
  /** Write each result into the sheet once the whole recalculation has ended (cells read "Loading..." until then). */
  spill?: boolean;
}

/** Apps Script's quota of simultaneous executions per user. */
export const SIMULTANEOUS_EXECUTIONS = 30;
/** What a formula cell shows while its custom function runs. */
export const LOADING_TEXT = 'Loading...';

export interface TriggerRun {
  triggerId: string;
  handler: string;
  user: string;
  atMs: number;
  result: ExecutionResult;
}

/** The emulator was used wrongly (not a script error). */
export class EmulatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorError';
  }
}

/** Thrown by call()/callFromSidebar() when the script failed; the result is attached. */
export class ScriptError extends Error {
  constructor(readonly result: ExecutionResult) {
    super(`${result.functionName} failed: ${result.error}`);
    this.name = 'ScriptError';
  }
}

/** What one script keeps across the documents it runs in (shared by openAnotherSpreadsheet). */
interface ScriptProject {
  clock: EmulatorClock;
  triggers: TriggerTable;
  locks: LockTable;
  uuids: UuidSource;
  /** Trigger run time per user and UTC day. */
  triggerRuntime: Map<string, number>;
  /** Every document's emulator, by spreadsheet id, so a trigger runs in the document that made it. */
  documents: Map<string, AppsScriptEmulator>;
  nextExecutionId: number;
  /** The execution running now, in any document: the emulator runs one at a time. */
  current: Execution | null;
  urlFetch: UrlFetchState | null;
  allCalls: Record<string, number>;
}

interface LoadedScript {
  script: vm.Script;
  source: string;
  fileName: string;
  functions: Map<string, TopLevelFunction>;
  manifest: Manifest | null;
  htmlFiles: HtmlFiles;
}

const MINUTE = 60_000;

export class AppsScriptEmulator {
  readonly clock: EmulatorClock;
  readonly model: SpreadsheetModel;
  readonly isAddOn: boolean;
  readonly users: string[];
  readonly properties: PropertyStores;
  readonly caches: CacheStores;
  readonly locks: LockTable;
  readonly triggers: TriggerTable;
  /** See EmulatorOptions.triggerDocument; may be switched between runs. */
  triggerDocument: TriggerDocument;
  readonly ui: UiRecorder;
  /** Everything scripts logged (Logger.log, console.*), in order. */
  readonly logs: LogEntry[] = [];
  /** One line per execution, in order. */
  readonly executions: Array<Omit<ExecutionResult, 'value' | 'calls'>> = [];
  /** Service calls made while load() ran the bundle's top level (must stay empty). */
  loadCalls: Record<string, number> = {};

  private transport: Transport;
  private readonly options: EmulatorOptions;
  private readonly spreadsheetApp: SpreadsheetAppFactory;
  private readonly project: ScriptProject;
  private loaded: LoadedScript | null = null;

  constructor(options: EmulatorOptions = {}, sharedWith?: AppsScriptEmulator) {
    this.options = options;
    this.isAddOn = options.isAddOn ?? true;
    this.users = options.users?.length ? [...options.users] : ['owner@example.com'];
    this.ui = new UiRecorder(options.addOnName ?? 'Crustdata');
    this.transport = options.transport ?? unconfiguredTransport;
    this.spreadsheetApp = options.spreadsheetApp ?? defaultSpreadsheetAppFactory();
    this.triggerDocument = options.triggerDocument ?? 'attached';
    if (sharedWith) {
      this.project = sharedWith.project;
      this.clock = this.project.clock;
      this.properties = sharedWith.properties.forAnotherDocument();
      this.caches = sharedWith.caches.forAnotherDocument();
    } else {
      this.clock = options.clock ?? new VirtualClock();
      this.properties = new PropertyStores();
      this.caches = new CacheStores(options.cache);
      this.project = {
        clock: this.clock,
        triggers: new TriggerTable({
          isAddOn: this.isAddOn,
          timeZone: options.timeZone ?? 'Etc/UTC',
          maxJitterMs: options.triggerJitterMs,
          seed: options.seed,
        }),
        locks: new LockTable(),
        uuids: new UuidSource(String(options.seed ?? 1)),
        triggerRuntime: new Map(),
        documents: new Map(),
        nextExecutionId: 1,
        current: null,
        urlFetch: null,
        allCalls: {},
      };
    }
    this.triggers = this.project.triggers;
    this.locks = this.project.locks;
    this.model = options.model ?? new SpreadsheetModel({ now: () => this.clock.now() });
    if (this.project.documents.has(this.model.id)) throw new EmulatorError(`A spreadsheet with id ${this.model.id} is already open in this script`);
    this.project.documents.set(this.model.id, this);
  }

  /** The spreadsheet's owner (users[0]): a custom function reads the owner's user properties. */
  get owner(): string {
    return this.users[0];
  }

  /**
   * Another spreadsheet the same script (the published add-on) runs in: its own model, document
   * properties, document cache and document lock; the same clock, script and user properties,
   * script and user caches, script and user locks, triggers and UrlFetch quota. The script is
   * loaded there too.
   */
  openAnotherSpreadsheet(options: AnotherSpreadsheetOptions = {}): AppsScriptEmulator {
    const index = this.project.documents.size + 1;
    const model =
      options.model ??
      new SpreadsheetModel({ now: () => this.clock.now(), id: `1EmuLaT0r-Spr3adsh33t-Id-${String(index).padStart(18, '0')}`, name: `Spreadsheet ${index}` });
    const other = new AppsScriptEmulator({ ...this.options, model, users: options.users ?? this.users, clock: this.clock }, this);
    other.transport = this.transport;
    if (this.loaded) {
      other.loaded = this.loaded;
      other.loadCalls = this.loadCalls;
    }
    return other;
  }

  private get urlFetch(): UrlFetchState | null {
    return this.project.urlFetch;
  }

  // ---- loading ----

  /** Loads the bundle (default dist/Code.js) with the manifest and HTML files beside it. */
  load(): this {
    const bundle = path.resolve(REPO_ROOT, this.options.bundlePath ?? 'dist/Code.js');
    if (!fs.existsSync(bundle)) throw new EmulatorError(`${bundle} does not exist: run \`npm run build\` first`);
    const dir = path.dirname(bundle);
    const manifestFile = path.join(dir, 'appsscript.json');
    const manifest = fs.existsSync(manifestFile) ? (JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest) : null;
    return this.install(fs.readFileSync(bundle, 'utf8'), path.basename(bundle), manifest, directoryHtmlFiles(dir));
  }

  /** Loads a hand-written script instead of the bundle (emulator tests, experiments). */
  loadSource(source: string, options: LoadSourceOptions = {}): this {
    const html = options.htmlFiles ?? {};
    const files: HtmlFiles = { read: (name) => html[name.replace(/\.html$/, '')] ?? null };
    return this.install(source, options.fileName ?? 'Code.js', options.manifest ?? null, files);
  }

  private install(source: string, fileName: string, manifest: Manifest | null, htmlFiles: HtmlFiles): this {
    let script: vm.Script;
    try {
      script = new vm.Script(source, { filename: fileName });
    } catch (error) {
      throw new EmulatorError(`${fileName} failed to load: ${describeError(error).message}`);
    }
    const functions = new Map(topLevelFunctions(source, fileName).map((f) => [f.name, f]));
    this.loaded = { script, source, fileName, functions, manifest, htmlFiles };
    this.project.urlFetch = new UrlFetchState(this.transport, manifest?.urlFetchWhitelist ?? null, this.options.urlFetchDailyQuota ?? URL_FETCH_DAILY_QUOTA);
    // Run the top level once, counting service calls: it runs again before every execution, in
    // that execution's auth mode, so a call there would break onOpen in AuthMode.NONE.
    const probe = this.newExecution('(load)', 'FULL', this.users[0], EXECUTION_LIMIT_MS, () => undefined);
    const realm = this.newRealm(probe);
    this.project.current = probe;
    try {
      realm.run(script, this.realTimeoutMs());
    } catch (error) {
      throw new EmulatorError(`${fileName} failed to load: ${describeError(error).message}`);
    } finally {
      this.project.current = null;
      this.locks.releaseAll(probe);
    }
    this.loadCalls = { ...probe.calls };
    return this;
  }

  /** The script's top-level function declarations (what Apps Script can call). */
  get functions(): TopLevelFunction[] {
    return [...this.requireLoaded().functions.values()];
  }

  get manifest(): Manifest | null {
    return this.requireLoaded().manifest;
  }

  get timeZone(): string {
    return this.options.timeZone ?? this.loaded?.manifest?.timeZone ?? 'Etc/UTC';
  }

  /** Swaps where UrlFetchApp's requests go (e.g. a mock with different faults). */
  setTransport(transport: Transport): void {
    this.transport = transport;
    if (this.loaded && this.urlFetch) {
      this.project.urlFetch = new UrlFetchState(transport, this.urlFetch.whitelist, this.urlFetch.dailyQuota);
    }
  }

  // ---- executions ----

  /** One execution of a top-level function. Script errors come back in the result; nothing throws. */
  run(functionName: string, args: unknown[] = [], options: RunOptions = {}): ExecutionResult {
    return this.execute(functionName, args, options.authMode ?? 'FULL', this.userOf(options.user), EXECUTION_LIMIT_MS);
  }

  /** Runs in FULL mode and returns the value; throws ScriptError if the script failed. */
  call(functionName: string, ...args: unknown[]): unknown {
    const result = this.run(functionName, args);
    if (!result.ok) throw new ScriptError(result);
    return result.value;
  }

  /**
   * A google.script.run call from the sidebar: FULL mode, arguments and result must be plain data
   * (a Date or a function anywhere throws SidebarDataError, as the real bridge refuses or drops
   * them) and both cross as JSON. Script errors come back in the result.
   */
  runFromSidebar(functionName: string, ...args: unknown[]): ExecutionResult {
    checkPlainData(args, 'arguments');
    const result = this.run(functionName, JSON.parse(JSON.stringify(args)) as unknown[]);
    if (result.ok) {
      checkPlainData(result.value, `the value ${functionName} returned`);
      result.value = result.value === undefined ? null : JSON.parse(JSON.stringify(result.value));
    }
    return result;
  }

  /** runFromSidebar that returns the value, or throws ScriptError (what withFailureHandler gets). */
  callFromSidebar(functionName: string, ...args: unknown[]): unknown {
    const result = this.runFromSidebar(functionName, ...args);
    if (!result.ok) throw new ScriptError(result);
    return result.value;
  }

  /** Opens the document: runs onOpen({authMode}) in that mode (LIMITED: add-on in use here; NONE: installed elsewhere). */
  openDocument(authMode: AuthMode = 'LIMITED', user?: string): ExecutionResult {
    return this.run('onOpen', [{ authMode, user: this.userOf(user) }], { authMode, user });
  }

  /** Clicks an item of the add-on menu (built by onOpen) by its caption: a FULL execution. */
  clickMenuItem(caption: string, user?: string): ExecutionResult {
    const menu = this.ui.addOnMenu;
    if (!menu) throw new EmulatorError('No add-on menu yet: call openDocument() first');
    const find = (entries: MenuEntry[]): string | undefined => {
      for (const entry of entries) {
        if ('functionName' in entry && entry.caption === caption) return entry.functionName;
        if ('submenu' in entry) {
          const inner = find(entry.submenu);
          if (inner) return inner;
        }
      }
      return undefined;
    };
    const functionName = find(menu.entries);
    if (!functionName) throw new EmulatorError(`The add-on menu has no item "${caption}"`);
    return this.run(functionName, [], { user });
  }

  /**
   * A custom function in a cell (`'Sheet1!B2'` or `'B2'` on the active sheet), as Sheets runs it:
   * getActiveRange() is that cell, the spreadsheet is read-only, only Cache/HTML/Lock/Properties/
   * Spreadsheet/UrlFetch/Utilities are allowed, 30 s limit (past it, an add-on's cell shows
   * "Internal error executing the custom function.", a bound script's "Exceeded maximum execution
   * time"). Pass args as Sheets does: a value for
   * one cell, a 2-D array for a range (see argsFrom()).
   */
  runCustomFunction(cell: string, functionName: string, args: unknown[] = [], options: CustomFunctionOptions = {}): CustomFunctionResult {
    const { sheet, range } = this.model.resolve(cell);
    const loaded = this.requireLoaded();
    const user = this.userOf(options.user);
    let result: CustomFunctionResult;
    if (!loaded.functions.has(functionName) || functionName.endsWith('_')) {
      result = customFunctionFailure(this.notRun(functionName, 'CUSTOM_FUNCTION', user), '#NAME?', `Unknown function: '${functionName}'.`);
    } else {
      const previousSheet = this.model.activeSheet;
      const previousSelection = sheet.selection;
      this.model.setActiveCell(`${quoteSheet(sheet.name)}!${columnLetters(range.column)}${range.row}`);
      let base: ExecutionResult;
      try {
        base = this.execute(functionName, args, 'CUSTOM_FUNCTION', user, CUSTOM_FUNCTION_LIMIT_MS);
      } finally {
        sheet.selection = previousSelection;
        this.model.activeSheet = previousSheet;
      }
      result = shapeCustomFunctionResult(base, functionName, this.isAddOn);
    }
    return options.spill ? this.spill(cell, functionName, result) : result;
  }

  /**
   * A recalculation as Sheets runs it: every cell is its own execution and up to `concurrency`
   * (default 30, Apps Script's simultaneous executions per user) run at once on the virtual clock,
   * interleaved whenever one waits (sleep, fetch, lock); the next cell starts when one ends. Each
   * keeps its own 30 s limit. Results come back in the order of `cells`. Needs a VirtualClock.
   * With `spill`, the cells read "Loading..." while any of them runs and get their results at the end.
   */
  runCustomFunctionsInParallel(cells: ParallelCell[], options: ParallelOptions = {}): CustomFunctionResult[] {
    const clock = this.virtualClock('runCustomFunctionsInParallel');
    const loaded = this.requireLoaded();
    const running = this.project.current;
    if (running) throw new EmulatorError(`An execution (${running.functionName}) is already running`);
    const results: CustomFunctionResult[] = new Array(cells.length);
    const targets = cells.map(({ cell }) => {
      const { sheet, range } = this.model.resolve(cell);
      return { sheet, a1: `${quoteSheet(sheet.name)}!${columnLetters(range.column)}${range.row}` };
    });
    const previousSheet = this.model.activeSheet;
    const previousSelections = new Map(targets.map(({ sheet }) => [sheet, sheet.selection]));
    if (options.spill) {
      cells.forEach(({ functionName }, i) => {
        const { a1 } = targets[i];
        if (!this.model.cell(a1).formula) this.model.setValues(a1, [[`=${functionName}()`]]);
        this.model.setFormulaResult(a1, LOADING_TEXT);
      });
    }
    const scheduler = new ParallelScheduler({
      clock,
      locks: this.locks,
      source: loaded.source,
      fileName: loaded.fileName,
      concurrency: options.concurrency ?? SIMULTANEOUS_EXECUTIONS,
      realTimeoutMs: this.realTimeoutMs(),
    });
    const tasks = cells.flatMap(({ functionName, args = [], user: who }, i) => {
      const user = this.userOf(who);
      if (!loaded.functions.has(functionName) || functionName.endsWith('_')) {
        results[i] = customFunctionFailure(this.notRun(functionName, 'CUSTOM_FUNCTION', user), '#NAME?', `Unknown function: '${functionName}'.`);
        return [];
      }
      let exec: Execution;
      return [
        {
          start: () => {
            exec = this.newExecution(functionName, 'CUSTOM_FUNCTION', user, CUSTOM_FUNCTION_LIMIT_MS, (name) => {
              this.project.allCalls[name] = (this.project.allCalls[name] ?? 0) + 1;
            });
            const unsupported = () => {
              throw new EmulatorError('HtmlService templates are not supported in the parallel mode');
            };
            return { exec, functionName, args, globals: this.serviceGlobals(exec, unsupported, FORMULA_CONTEXT) };
          },
          resume: () => this.model.setActiveCell(targets[i].a1),
          end: (outcome: { ok: true; value: unknown } | { ok: false; name: string; message: string }) => {
            const failure = outcome.ok ? null : { name: outcome.name, message: outcome.message };
            const base = this.executionResult(exec, outcome.ok ? outcome.value : undefined, failure, CUSTOM_FUNCTION_LIMIT_MS);
            results[i] = shapeCustomFunctionResult(base, functionName, this.isAddOn);
          },
        },
      ];
    });
    try {
      scheduler.run(tasks);
    } finally {
      for (const [sheet, selection] of previousSelections) sheet.selection = selection;
      this.model.activeSheet = previousSheet;
    }
    return options.spill ? results.map((result, i) => this.spill(targets[i].a1, cells[i].functionName, result)) : results;
  }

  /** Writes a custom function's result into the sheet (formula cell + spill) as Sheets shows it. */
  private spill(cell: string, functionName: string, result: CustomFunctionResult): CustomFunctionResult {
    const { sheet, range } = this.model.resolve(cell);
    const a1 = `${quoteSheet(sheet.name)}!${columnLetters(range.column)}${range.row}`;
    if (!this.model.cell(a1).formula) this.model.setValues(a1, [[`=${functionName}()`]]);
    const outcome = this.model.setFormulaResult(a1, result.sheetsError ? result.sheetsError.code : result.values);
    return outcome.ok ? result : customFunctionFailure({ ...result, error: undefined }, outcome.error, outcome.message);
  }

  /** Custom-function arguments as Sheets passes them: one cell's value, or a range's 2-D array. */
  argsFrom(...a1Ranges: string[]): unknown[] {
    return a1Ranges.map((a1) => {
      const { sheet, range } = this.model.resolve(a1);
      const rect = sheet.rectOf(range);
      const grid = Array.from({ length: rect.numRows }, (_, r) =>
        Array.from({ length: rect.numColumns }, (_, c) => sheet.cell(rect.row + r, rect.column + c).value),
      );
      return rect.numRows === 1 && rect.numColumns === 1 ? grid[0][0] : grid;
    });
  }

  /**
   * Moves the clock to untilMs, running every time-driven trigger due on the way as a FULL
   * execution of its owner, with Apps Script's event object. Needs a VirtualClock.
   */
  runDueTriggers(untilMs: number): TriggerRun[] {
    const clock = this.virtualClock('runDueTriggers');
    const runs: TriggerRun[] = [];
    for (let guard = 0; guard < 1_000_000; guard++) {
      const trigger = this.triggers.nextDue(untilMs);
      if (!trigger) break;
      if (trigger.nextRunMs! > clock.now()) clock.setTime(trigger.nextRunMs!);
      const atMs = clock.now();
      const event = clockEvent(trigger, atMs);
      // Schedule the next run first, so a handler may delete or replace its own trigger.
      this.triggers.advance(trigger);
      // A trigger runs in the document that created it (whichever emulator of the script is asked).
      const home = (trigger.documentId && this.project.documents.get(trigger.documentId)) || this;
      runs.push({ triggerId: trigger.id, handler: trigger.handler, user: trigger.user, atMs, result: home.runTrigger(trigger, event) });
    }
    if (clock.now() < untilMs) clock.setTime(untilMs);
    return runs;
  }

  private runTrigger(trigger: TriggerRecord, event: Record<string, unknown>): ExecutionResult {
    const quota = this.options.triggerRuntimeQuotaMs ?? 90 * MINUTE;
    const runtime = this.project.triggerRuntime;
    const key = `${trigger.user}|${new Date(this.clock.now()).toISOString().slice(0, 10)}`;
    if ((runtime.get(key) ?? 0) >= quota) {
      return { ...this.notRun(trigger.handler, 'FULL', trigger.user), error: 'Service using too much computer time for one day' };
    }
    if (trigger.handler.endsWith('_')) return this.notRun(trigger.handler, 'FULL', trigger.user);
    const detached = trigger.eventType === 'CLOCK' && this.triggerDocument === 'detached';
    const result = this.execute(trigger.handler, [event], 'FULL', trigger.user, EXECUTION_LIMIT_MS, { trigger: true, hasDocument: !detached });
    runtime.set(key, (runtime.get(key) ?? 0) + result.elapsedMs);
    return result;
  }

  // ---- simulated other executions and inspection ----

  /** Another execution holds this lock until untilMs (LockService waits advance the clock). */
  holdLock(lock: 'script' | 'document' | { user: string }, untilMs: number): void {
    const name: LockName = lock === 'document' ? `document:${this.model.id}` : typeof lock === 'string' ? lock : `user:${lock.user}`;
    this.locks.holdUntil(name, untilMs);
  }

  /**
   * Every Lock.releaseLock() made with spreadsheet changes not yet flushed, which Google says to
   * flush first (see services/lock.ts). Locks freed when an execution ends are not counted: Apps
   * Script commits the execution's changes then.
   */
  get unflushedLockReleases(): readonly UnflushedLockRelease[] {
    return this.locks.unflushedReleases;
  }

  /** Service calls of every execution since the last resetCalls(), by name. */
  get calls(): Record<string, number> {
    return this.project.allCalls;
  }

  resetCalls(): void {
    this.project.allCalls = {};
  }

  /** Every HTTP request UrlFetchApp sent, with its virtual start time and outcome. */
  get fetches(): FetchRecord[] {
    return this.urlFetch?.log ?? [];
  }

  urlFetchCountToday(user?: string): number {
    return this.urlFetch?.usedToday(this.userOf(user), this.clock.now()) ?? 0;
  }

  /** All log messages, one per line. */
  logText(): string {
    return this.logs.map((entry) => entry.message).join('\n');
  }

  // ---- internals ----

  private execute(
    functionName: string,
    args: unknown[],
    mode: ExecutionMode,
    user: string,
    limitMs: number,
    context: ExecutionContext = { trigger: false, hasDocument: true },
  ): ExecutionResult {
    const loaded = this.requireLoaded();
    if (!loaded.functions.has(functionName) || functionName.endsWith('_')) {
      return this.notRun(functionName, mode, user);
    }
    const running = this.project.current;
    if (running) throw new EmulatorError(`An execution (${running.functionName}) is already running: the sequential mode runs one at a time (runCustomFunctionsInParallel runs cells at once)`);
    const exec = this.newExecution(functionName, mode, user, limitMs, (name) => {
      this.project.allCalls[name] = (this.project.allCalls[name] ?? 0) + 1;
    });
    const realm = this.newRealm(exec, context);
    this.project.current = exec;
    let value: unknown;
    let failure: { message: string; name: string } | null = null;
    try {
      realm.run(loaded.script, this.realTimeoutMs());
      value = realm.callGlobal(functionName, args, this.realTimeoutMs());
      if (types.isPromise(value)) throw new EmulatorError(`${functionName} returned a Promise; Apps Script entry points are synchronous here`);
      value = realm.toHost(value);
    } catch (error) {
      failure = describeError(error);
      if (/Script execution timed out/.test(failure.message)) {
        failure = { name: 'EmulatorError', message: `${functionName} ran for more than ${this.realTimeoutMs()} ms of real time (an endless loop?)` };
      }
    } finally {
      this.project.current = null;
      this.locks.releaseAll(exec);
    }
    return this.executionResult(exec, value, failure, limitMs);
  }

  /** How an execution ended, recorded in `executions`. */
  private executionResult(exec: Execution, value: unknown, failure: { message: string; name: string } | null, limitMs: number): ExecutionResult {
    // Apps Script ends the execution at the limit, whatever the script caught.
    const timedOut = exec.killed || exec.elapsedMs() > limitMs;
    if (timedOut) failure = { name: 'Exception', message: EXCEEDED_MESSAGE };
    const result: ExecutionResult = {
      ok: failure === null,
      value: failure ? undefined : value,
      error: failure?.message,
      errorName: failure?.name,
      timedOut,
      elapsedMs: exec.elapsedMs(),
      calls: { ...exec.calls },
      executionId: exec.id,
      functionName: exec.functionName,
      mode: exec.mode,
      user: exec.user,
      startMs: exec.startMs,
    };
    const { value: _value, calls: _calls, ...summary } = result;
    this.executions.push(summary);
    return result;
  }

  /** A function Apps Script cannot see (not a top-level declaration, or private): it never starts. */
  private notRun(functionName: string, mode: ExecutionMode, user: string): ExecutionResult {
    const result: ExecutionResult = {
      ok: false,
      value: undefined,
      error: `Script function not found: ${functionName}`,
      errorName: 'Exception',
      timedOut: false,
      elapsedMs: 0,
      calls: {},
      executionId: this.project.nextExecutionId++,
      functionName,
      mode,
      user,
      startMs: this.clock.now(),
    };
    const { value: _value, calls: _calls, ...summary } = result;
    this.executions.push(summary);
    return result;
  }

  private newExecution(functionName: string, mode: ExecutionMode, user: string, limitMs: number, onCall: (name: string) => void): Execution {
    return new Execution({
      id: this.project.nextExecutionId++,
      functionName,
      mode,
      user,
      clock: this.clock,
      limitMs,
      oauthScopes: this.loaded?.manifest?.oauthScopes ?? null,
      onCall,
    });
  }

  private newRealm(exec: Execution, context: ExecutionContext = { trigger: false, hasDocument: true }): Realm {
    const realm = new Realm(() => this.clock.now());
    const runTemplate = (source: string, variables: Record<string, unknown>) => {
      const render = vm.runInContext(source, realm.context) as (vars: unknown) => unknown;
      return String(render(realm.toScript(variables)));
    };
    for (const [name, value] of Object.entries(this.serviceGlobals(exec, runTemplate, context))) realm.defineGlobal(name, value);
    return realm;
  }

  /** The services an execution sees as globals. */
  private serviceGlobals(
    exec: Execution,
    runTemplate: (source: string, variables: Record<string, unknown>) => string,
    context: ExecutionContext,
  ): Record<string, object> {
    const loaded = this.requireLoaded();
    const guard = { call: (name: string, mutates: boolean) => exec.enter(name, mutates) };
    let ui: object | null = null;
    const uiFor = () => {
      // Seen in trigger runs: "Exception: Cannot call SpreadsheetApp.getUi() from this context."
      if (context.trigger) throw new ServiceError('Cannot call SpreadsheetApp.getUi() from this context.');
      return (ui ??= createUi(exec, this.ui, this.isAddOn));
    };
    const scopes = loaded.manifest?.oauthScopes;
    return {
      SpreadsheetApp: this.spreadsheetApp(this.model, guard, uiFor, { detached: !context.hasDocument }),
      PropertiesService: createPropertiesService(exec, this.properties, { owner: this.owner, hasDocument: context.hasDocument }),
      CacheService: createCacheService(exec, this.caches, context),
      LockService: createLockService(exec, this.locks, { documentId: this.model.id, hasDocument: context.hasDocument }),
      Utilities: createUtilities(exec, this.project.uuids),
      Session: createSession(exec, {
        timeZone: this.timeZone,
        locale: 'en',
        emailVisible: !scopes || scopes.includes('https://www.googleapis.com/auth/userinfo.email'),
      }),
      UrlFetchApp: createUrlFetchApp(exec, this.urlFetch!),
      ScriptApp: createScriptApp(exec, this.triggers, { scriptId: 'emulated-script-id', documentId: context.hasDocument ? this.model.id : null }),
      HtmlService: createHtmlService(exec, loaded.htmlFiles, runTemplate),
      ...createLogging(exec, this.logs, this.options.echoLogs ?? false),
    };
  }

  private requireLoaded(): LoadedScript {
    if (!this.loaded) throw new EmulatorError('No script loaded: call load() or loadSource() first');
    return this.loaded;
  }

  private userOf(user?: string): string {
    if (user === undefined) return this.users[0];
    if (!this.users.includes(user)) this.users.push(user);
    return user;
  }

  private realTimeoutMs(): number {
    return this.options.realTimeoutMs ?? 60_000;
  }

  private virtualClock(what: string): VirtualClock {
    if (!(this.clock instanceof VirtualClock)) throw new EmulatorError(`${what} needs a VirtualClock`);
    return this.clock;
  }
}

/** Where an execution runs: a trigger (no Ui), with or without its document. */
interface ExecutionContext {
  trigger: boolean;
  hasDocument: boolean;
}

const unconfiguredTransport: Transport = {
  send: (requests) =>
    requests.map((request) => ({ failure: 'unreachable', message: `Address unavailable: ${request.url} (the emulator has no transport)`, latencyMs: 0 })),
};

function customFunctionFailure(
  base: ExecutionResult,
  code: NonNullable<CustomFunctionResult['sheetsError']>['code'],
  message: string,
): CustomFunctionResult {
  return { ...base, ok: false, error: base.error ?? message, values: [[code]], sheetsError: { code, message } };
}

/** An execution's outcome as the formula cell shows it; an add-on's cell past 30 s says "Internal error…". */
function shapeCustomFunctionResult(base: ExecutionResult, functionName: string, isAddOn: boolean): CustomFunctionResult {
  if (base.timedOut && isAddOn) return customFunctionFailure({ ...base, error: ADD_ON_CUSTOM_FUNCTION_TIMEOUT_MESSAGE }, '#ERROR!', ADD_ON_CUSTOM_FUNCTION_TIMEOUT_MESSAGE);
  if (!base.ok) return customFunctionFailure(base, '#ERROR!', base.error ?? 'Error');
  const shaped = sheetsShape(base.value, functionName);
  return 'values' in shaped ? { ...base, values: shaped.values } : customFunctionFailure(base, shaped.code, shaped.message);
}

/** A formula cell's execution: not a trigger, and in its document. */
const FORMULA_CONTEXT: ExecutionContext = { trigger: false, hasDocument: true };

function describeError(error: unknown): { message: string; name: string } {
  if (types.isNativeError(error)) return { message: (error as Error).message, name: (error as Error).name };
  return { message: String(error), name: 'Error' };
}

function columnLetters(column: number): string {
  let letters = '';
  for (let n = column; n > 0; n = Math.floor((n - 1) / 26)) letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  return letters;
}

function quoteSheet(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? name : `'${name.replace(/'/g, "''")}'`;
}

/** google.script.run's rule: primitives, arrays and plain objects only. */
export class SidebarDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SidebarDataError';
  }
}

function checkPlainData(value: unknown, where: string): void {
  const visit = (v: unknown, at: string, depth: number) => {
    if (depth > 100) throw new SidebarDataError(`${where}: nested too deep at ${at}`);
    if (v === null || v === undefined || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return;
    if (typeof v === 'function') throw new SidebarDataError(`${where}: a function at ${at} cannot cross google.script.run`);
    if (typeof v !== 'object') throw new SidebarDataError(`${where}: a ${typeof v} at ${at} cannot cross google.script.run`);
    if (types.isDate(v)) throw new SidebarDataError(`${where}: a Date at ${at} cannot cross google.script.run (send an ISO string or a number)`);
    if (Array.isArray(v)) {
      v.forEach((item, i) => visit(item, `${at}[${i}]`, depth + 1));
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== null && proto !== Object.prototype && Object.getPrototypeOf(proto) !== null) {
      throw new SidebarDataError(`${where}: a ${proto?.constructor?.name ?? 'non-plain'} object at ${at} cannot cross google.script.run`);
    }
    for (const [key, item] of Object.entries(v)) visit(item, `${at}.${key}`, depth + 1);
  };
  visit(value, where === 'arguments' ? 'args' : 'value', 0);
}
