// The contract between the sidebar (browser) and the server functions it calls through
// google.script.run: what each call answers. What each call is sent comes from the zod schemas
// that validate it (src/common/requests.ts). Types only, so sidebar/src can import it for a typed
// client. Everything crosses as plain data: timestamps are epoch milliseconds, never Date.
// src/entrypoints.ts checks at build time that it has exactly these sidebar functions.
import type {
  ControlJobRequest,
  EstimateRequest,
  JobRef,
  JobSettings,
  KeyScope,
  SaveApiKeyRequest,
  ScheduleRequest,
  SourceRange,
  StartJobRequest,
} from './requests';
import type { ErrorCode } from './messages';

export type { ErrorCode } from './messages';
export type {
  ConflictChoice,
  ControlJobRequest,
  EstimateRequest,
  JobOptionsSettings,
  JobRef,
  JobSettings,
  KeyScope,
  SaveApiKeyRequest,
  ScheduleRequest,
  SourceRange,
  StartJobRequest,
} from './requests';

/** The key =CRUSTDATA_ENRICH uses in this spreadsheet: only ever the one shared with it. */
export interface FormulaKeyStatus {
  /** At most the last 4 characters. */
  masked: string;
  /** Whether this user shared it, or another editor did. */
  sharedByYou: boolean;
  /** It is this user's own key too. */
  isYourKey: boolean;
}

export interface ApiKeyStatus {
  /** A key this user's sidebar and menu jobs can use: their own first, else the shared one. */
  isSet: boolean;
  /** That key, at most the last 4 characters, e.g. "••••a1b2". */
  masked: string | null;
  /** Where that key comes from. */
  scope: KeyScope | null;
  /** This user has a key of their own (which formulas never use). */
  hasOwnKey: boolean;
  /** The key formulas in this spreadsheet use, or null: formulas have none. */
  formulas: FormulaKeyStatus | null;
}

export interface FieldGroupInfo {
  name: string;
  label: string;
  description: string;
  /** Credits per matched profile on top of the 1-credit base (contact +5 at most, dev platform +1). */
  extraCredits: number;
  costNote: string;
  /** Part of the default selection. */
  isDefault: boolean;
}

export interface FieldPathInfo {
  path: string;
  group: string;
  header: string;
}

export interface SourceGuess extends SourceRange {
  columnLetter: string;
  headerText: string | null;
  /** How it was found. */
  foundBy: 'selection' | 'header' | 'none';
  dataRows: number;
}

export interface SidebarState {
  sheetName: string;
  apiKey: ApiKeyStatus;
  requestsPerMinute: number;
  groups: FieldGroupInfo[];
  paths: FieldPathInfo[];
  /** The last choice on this sheet, or the defaults. */
  settings: JobSettings;
  source: SourceGuess | null;
  job: JobProgress | null;
  schedule: ScheduleStatus;
}

export interface ConnectionResult {
  ok: boolean;
  message: string;
  rateLimitPerMinute: number | null;
  remaining: number | null;
}

export interface Estimate {
  rows: number;
  blank: number;
  invalid: number;
  uniqueIdentifiers: number;
  profileUrls: number;
  emails: number;
  cached: number;
  alreadyEnriched: number;
  toFetch: number;
  requests: number;
  /** Credits if every identifier matched (no-match costs nothing). */
  creditsMax: number;
  /**
   * The credits the job will likely be charged: matches times their likely price, from what this
   * sheet's earlier answers showed (basis 'sheet'), else typical rates (basis 'typical', a rough guess).
   */
  creditsLikely: number;
  likelyBasis: 'sheet' | 'typical';
  /**
   * With the live second pass on, its own charge, apart from the figures above (which bound the
   * cached pass alone): its upper bound, and its likely figure when this sheet's answers tell how
   * many rows will come back Not found (else null). Both null when the live pass is off.
   */
  liveCreditsMax: number | null;
  liveCreditsLikely: number | null;
  minutes: number;
  headers: string[];
  /** A1 notation of where the results would go, e.g. "Sheet1!B1:H301". */
  targetRange: string;
  /** Non-empty cells in the target range that the add-on did not write. */
  conflictCells: number;
}

export type StartJobResponse =
  | { ok: true; job: JobProgress }
  | { ok: false; reason: 'conflict'; targetRange: string; conflictCells: number; sample: string[] }
  | { ok: false; reason: 'job_running'; job: JobProgress }
  | { ok: false; reason: 'no_api_key' | 'invalid'; message: string };

export type JobState = 'running' | 'paused' | 'done' | 'cancelled' | 'error';

export interface JobCounts {
  enriched: number;
  notFound: number;
  invalid: number;
  failed: number;
  /** Already enriched with the same fields, or blank. */
  skipped: number;
  /** Left for the user to check: two candidates too close to call ("leave it for me to check"). */
  ambiguous?: number;
}

export interface JobProgress {
  jobId: string;
  sheetName: string;
  state: JobState;
  /** Data rows in the job. */
  total: number;
  /** Rows written so far (the cursor). */
  processed: number;
  counts: JobCounts;
  startedAt: number;
  updatedAt: number;
  etaSeconds: number | null;
  /** Why it is paused or in error, in words a user can act on. */
  message: string | null;
  /**
   * What the message is about, as a code of src/common/messages.ts: the sidebar picks its advice
   * by it. Null when the message has no code (or there is none).
   */
  problemCode: ErrorCode | null;
  /** Who paused it: the user, or a problem (rejected key, no credits, repeated failures) to fix first. */
  pausedBy: 'user' | 'problem' | null;
  /** Credits charged so far: the sum of the API's x-credits-used answers. */
  creditsUsed: number;
  /** The most this job may be charged; null: no cap. */
  creditCap: number | null;
  /** Let the hourly trigger carry on while the sidebar is closed. */
  continueInBackground: boolean;
  /** The live second pass for "Not found" rows: its requests and the credits they charged; absent: none sent. */
  live?: { requests: number; credits: number };
  /**
   * While running: no request may go before this time (epoch ms, the server's clock), because the
   * key's rate limit (or Crustdata's Retry-After) holds it back; null when requests are going out.
   */
  waitingUntil: number | null;
}

export interface SelectFailedResult {
  rows: number;
  rangeA1: string | null;
}

export interface LastRunSummary {
  at: number;
  refreshed: number;
  changed: number;
  notFound: number;
  failed: number;
  /** Credits charged in this run (sum of x-credits-used); absent in runs recorded before it was counted. */
  creditsUsed?: number;
  summary: string;
}

export interface ScheduleTarget {
  sheetName: string;
  /** A1 notation of the rows kept fresh, e.g. "Leads!A1:K1501". */
  rangeA1: string;
}

export interface ScheduleStatus {
  enabled: boolean;
  /** What is (or would be) kept fresh; null when there is nothing enriched to refresh. */
  target: ScheduleTarget | null;
  settings: ScheduleRequest | null;
  nextRunAt: number | null;
  lastRun: LastRunSummary | null;
  /** The last few runs, newest first (the last run included); absent from older servers. */
  recentRuns?: LastRunSummary[];
  /** Set when the schedule paused itself (key rejected, credits exhausted). */
  pausedReason: string | null;
  /** The code of that reason (src/common/messages.ts); null when it has none or the schedule runs. */
  pausedCode: ErrorCode | null;
  /**
   * Set when this user's hourly trigger ran without the spreadsheet and removed itself: what
   * happened and what still works, in words (refreshControl.noDocumentNotice).
   */
  triggerNotice: string | null;
}

/** Every server function the sidebar may call, for the typed google.script.run client. */
export interface SidebarServer {
  sidebarGetState(): SidebarState;
  sidebarSaveApiKey(request: SaveApiKeyRequest): ApiKeyStatus;
  sidebarTestConnection(): ConnectionResult;
  sidebarDetectSource(): SourceGuess | null;
  sidebarEstimate(request: EstimateRequest): Estimate;
  sidebarStartJob(request: StartJobRequest): StartJobResponse;
  sidebarContinueJob(request: JobRef): JobProgress;
  sidebarControlJob(request: ControlJobRequest): JobProgress;
  sidebarJobStatus(request: JobRef): JobProgress | null;
  sidebarSelectFailedRows(request: JobRef): SelectFailedResult;
  sidebarSetSchedule(request: ScheduleRequest): ScheduleStatus;
  sidebarStopSchedule(): ScheduleStatus;
  sidebarScheduleStatus(): ScheduleStatus;
}
