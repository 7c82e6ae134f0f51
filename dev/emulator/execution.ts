// One Apps Script execution: who runs it, in which auth mode, until when, and which service calls it
// made. Every fake service method enters through Execution.enter(), which counts the call, stops an
// execution past its time limit and refuses what the auth mode or the manifest's scopes forbid.
import type { EmulatorClock } from './clock';

/** ScriptApp.AuthMode values an execution can run in. */
export type AuthMode = 'NONE' | 'LIMITED' | 'FULL';
/** A custom function runs in its own restricted mode (read-only spreadsheet, a few services). */
export type ExecutionMode = AuthMode | 'CUSTOM_FUNCTION';

export const EXECUTION_LIMIT_MS = 6 * 60_000;
export const CUSTOM_FUNCTION_LIMIT_MS = 30_000;
export const EXCEEDED_MESSAGE = 'Exceeded maximum execution time';
/**
 * What a cell shows when an add-on's custom function passes 30 s: "Custom functions that don't
 * complete in under 30 seconds fail with an `Internal error executing the custom function` error."
 * (https://developers.google.com/workspace/add-ons/editors/sheets). A bound script's custom
 * function shows EXCEEDED_MESSAGE instead.
 */
export const ADD_ON_CUSTOM_FUNCTION_TIMEOUT_MESSAGE = 'Internal error executing the custom function.';

/** Thrown (host side) when an execution passes its time limit; the vm sees it as an Exception. */
export class ExecutionKilledError extends Error {
  constructor() {
    super(EXCEEDED_MESSAGE);
    this.name = 'Exception';
  }
}

/** An Apps Script service error ("Exception: ..." in Apps Script's logs). */
export class ServiceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Exception';
  }
}

export function permissionError(name: string, scope?: string): ServiceError {
  return new ServiceError(
    scope ? `You do not have permission to call ${name}. Required permissions: ${scope}` : `You do not have permission to call ${name}`,
  );
}

export const SCOPES = {
  spreadsheetsCurrentOnly: 'https://www.googleapis.com/auth/spreadsheets.currentonly',
  spreadsheets: 'https://www.googleapis.com/auth/spreadsheets',
  externalRequest: 'https://www.googleapis.com/auth/script.external_request',
  containerUi: 'https://www.googleapis.com/auth/script.container.ui',
  scriptApp: 'https://www.googleapis.com/auth/script.scriptapp',
  userinfoEmail: 'https://www.googleapis.com/auth/userinfo.email',
} as const;

/** The service a call name belongs to; names not listed here belong to the Spreadsheet service. */
export type ServiceKind =
  | 'Cache'
  | 'Properties'
  | 'Lock'
  | 'Utilities'
  | 'UrlFetch'
  | 'ScriptApp'
  | 'Html'
  | 'Ui'
  | 'Session'
  | 'Logging'
  | 'Spreadsheet';

const KIND_BY_PREFIX: Record<string, ServiceKind> = {
  CacheService: 'Cache',
  PropertiesService: 'Properties',
  LockService: 'Lock',
  Utilities: 'Utilities',
  UrlFetchApp: 'UrlFetch',
  ScriptApp: 'ScriptApp',
  HtmlService: 'Html',
  Ui: 'Ui',
  Menu: 'Ui',
  Session: 'Session',
  Logger: 'Logging',
  console: 'Logging',
};

export function serviceKindOf(name: string): ServiceKind {
  if (name === 'SpreadsheetApp.getUi') return 'Ui';
  const dot = name.indexOf('.');
  return KIND_BY_PREFIX[dot < 0 ? name : name.slice(0, dot)] ?? 'Spreadsheet';
}

/** https://developers.google.com/apps-script/guides/sheets/functions#using_apps_script_services */
const CUSTOM_FUNCTION_SERVICES = new Set<ServiceKind>(['Cache', 'Html', 'Lock', 'Properties', 'Spreadsheet', 'UrlFetch', 'Utilities', 'Logging']);
const OPENS_OTHER_SPREADSHEETS = /^SpreadsheetApp\.(openById|openByUrl|open|create)$/;
/** Ui calls that only build the menu: all AuthMode.NONE allows besides unrestricted services. */
const MENU_BUILDING = /^(SpreadsheetApp\.getUi|Ui\.(createAddonMenu|createMenu)|Menu\..*)$/;
/** Ui calls that show something: not from onOpen in NONE/LIMITED (no sidebar, no dialog). */
const SHOWS_UI = /^Ui\.(showSidebar|showModalDialog|showModelessDialog|showDialog|alert|prompt)$/;
const SESSION_USER = /^Session\.(getActiveUser|getEffectiveUser)$/;

/** Why this call is refused in this mode, or null when it is allowed. */
export function modeRefusal(mode: ExecutionMode, name: string, mutates: boolean): ServiceError | null {
  const kind = serviceKindOf(name);
  switch (mode) {
    case 'FULL':
      return null;
    case 'CUSTOM_FUNCTION':
      if (!CUSTOM_FUNCTION_SERVICES.has(kind)) return permissionError(name);
      if (kind === 'Spreadsheet' && (mutates || OPENS_OTHER_SPREADSHEETS.test(name))) return permissionError(name);
      return null;
    case 'LIMITED':
      // LIMITED reaches the bound document and properties, but nothing that needs user data or shows UI.
      if (kind === 'UrlFetch' || kind === 'ScriptApp' || SHOWS_UI.test(name)) return permissionError(name);
      if (kind === 'Spreadsheet' && OPENS_OTHER_SPREADSHEETS.test(name)) return permissionError(name);
      return null;
    case 'NONE':
      if (kind === 'Utilities' || kind === 'Logging' || kind === 'Html') return null;
      if (kind === 'Session' && !SESSION_USER.test(name)) return null;
      if (MENU_BUILDING.test(name)) return null;
      return permissionError(name);
  }
}

/** The OAuth scope a call needs, checked against the manifest's oauthScopes. */
export function requiredScopes(name: string): string[] | null {
  const kind = serviceKindOf(name);
  if (kind === 'UrlFetch') return [SCOPES.externalRequest];
  if (kind === 'Ui') return [SCOPES.containerUi];
  if (kind === 'ScriptApp' && /^ScriptApp\.(newTrigger|getProjectTriggers|getUserTriggers|deleteTrigger|getScriptTriggers)$/.test(name)) {
    return [SCOPES.scriptApp];
  }
  if (kind === 'Spreadsheet') {
    return OPENS_OTHER_SPREADSHEETS.test(name) ? [SCOPES.spreadsheets] : [SCOPES.spreadsheetsCurrentOnly, SCOPES.spreadsheets];
  }
  return null;
}

export interface ExecutionInit {
  id: number;
  functionName: string;
  mode: ExecutionMode;
  user: string;
  clock: EmulatorClock;
  limitMs: number;
  /** null: no manifest, so scopes are not checked (hand-written test scripts). */
  oauthScopes: readonly string[] | null;
  /** Counts every call into the emulator-wide tally too. */
  onCall: (name: string) => void;
}

export class Execution {
  readonly id: number;
  readonly functionName: string;
  readonly mode: ExecutionMode;
  readonly user: string;
  readonly clock: EmulatorClock;
  readonly startMs: number;
  readonly deadlineMs: number;
  readonly calls: Record<string, number> = {};
  /** Set once the time limit has passed: the execution is over, whatever the script catches. */
  killed = false;
  /** Names of locks this execution holds, released when it ends. */
  readonly heldLocks = new Set<string>();
  /** Spreadsheet changes made since the last SpreadsheetApp.flush() (Lock.releaseLock checks it). */
  unflushedSheetWrites = 0;
  /**
   * Parallel mode (runCustomFunctionsInParallel): time does not pass inside a service call; the
   * call's answer is held back until this virtual time instead, while other executions run.
   */
  deferTime = false;
  /** In parallel mode: when the current service call's answer is due (null: now). */
  answerDueMs: number | null = null;
  private readonly oauthScopes: readonly string[] | null;
  private readonly onCall: (name: string) => void;

  constructor(init: ExecutionInit) {
    this.id = init.id;
    this.functionName = init.functionName;
    this.mode = init.mode;
    this.user = init.user;
    this.clock = init.clock;
    this.startMs = init.clock.now();
    this.deadlineMs = this.startMs + init.limitMs;
    this.oauthScopes = init.oauthScopes;
    this.onCall = init.onCall;
  }

  /** Called before every fake service method. */
  enter(name: string, mutates = false): void {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    this.onCall(name);
    this.checkTime();
    const refusal = modeRefusal(this.mode, name, mutates);
    if (refusal) throw refusal;
    const scopes = requiredScopes(name);
    if (scopes && this.oauthScopes && !scopes.some((scope) => this.oauthScopes!.includes(scope))) {
      throw permissionError(name, scopes[scopes.length - 1]);
    }
    if (name === 'SpreadsheetApp.flush') this.unflushedSheetWrites = 0;
    else if (mutates && serviceKindOf(name) === 'Spreadsheet') this.unflushedSheetWrites++;
  }

  checkTime(): void {
    if (this.killed) throw new ExecutionKilledError();
    if (this.clock.now() >= this.deadlineMs) this.kill();
  }

  kill(): never {
    this.killed = true;
    throw new ExecutionKilledError();
  }

  /** Lets ms pass inside this execution (sleep, a lock wait, a fetch); stops it at the deadline. */
  passTime(ms: number): void {
    this.checkTime();
    if (this.deferTime) {
      // The scheduler parks the execution until then; past the deadline it dies at the deadline.
      const due = (this.answerDueMs ?? this.clock.now()) + Math.max(0, ms);
      if (due > this.deadlineMs) {
        this.answerDueMs = this.deadlineMs;
        this.kill();
      }
      this.answerDueMs = due;
      return;
    }
    const room = this.deadlineMs - this.clock.now();
    if (ms > room) {
      this.clock.advance(Math.max(0, room));
      this.kill();
    }
    this.clock.advance(Math.max(0, ms));
  }

  elapsedMs(): number {
    return this.clock.now() - this.startMs;
  }
}
