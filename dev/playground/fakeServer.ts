// A dev-only, in-memory stand-in for the sidebar's server functions (SidebarServer): fast and
// predictable, for iterating on the sidebar UI and for tests of the sidebar alone. It is not the
// add-on: the playground and browser tests use the emulator running dist/Code.js by default.
import type {
  ApiKeyStatus,
  ConnectionResult,
  ControlJobRequest,
  Estimate,
  EstimateRequest,
  FieldGroupInfo,
  FieldPathInfo,
  JobProgress,
  JobRef,
  KeyScope,
  SaveApiKeyRequest,
  ScheduleRequest,
  ScheduleStatus,
  SelectFailedResult,
  SidebarServer,
  SidebarState,
  SourceGuess,
  StartJobRequest,
  StartJobResponse,
} from '../../src/server/sidebarContract';
import { personByBusinessEmail, personBySlug } from '../mock-api/dataset';
import { allFieldPaths, FIELD_GROUPS } from '../mock-api/fieldPaths';
import type { GridCell, GridSelection, GridSnapshot, PlaygroundBackend, SidebarFunctionName } from './backend';
import { SAMPLE_SHEET_NAME, sampleIdentifierRows } from './sampleSheet';

const GROUP_TEXT: Record<string, [string, string, number]> = {
  basic_profile: ['Basic profile', 'Name, headline, current title, location, summary', 0],
  professional_network: ['Network profile', 'Followers, connections, open-to cards, picture', 0],
  skills: ['Skills', 'Listed professional skills', 0],
  contact: ['Contact', 'Business and personal emails, phones, websites', 5],
  social_handles: ['Social handles', 'Profile and social identifiers', 0],
  experience: ['Experience', 'Current and past employers and titles', 0],
  education: ['Education', 'Schools, degrees, fields of study', 0],
  certifications: ['Certifications', 'Certificates and issuers (needs permission)', 0],
  honors: ['Honors', 'Awards and honors (needs permission)', 0],
  dev_platform_profiles: ['Developer platforms', 'Developer platform profiles', 1],
};

const FAKE_HEADERS = ['Name', 'Headline', 'Current title', 'Employer', 'Location', 'Crustdata status'];
const BATCH_ROWS = 25;

function classify(raw: string): { kind: 'blank' } | { kind: 'invalid' } | { kind: 'url' | 'email'; key: string } {
  const text = raw.trim();
  if (!text) return { kind: 'blank' };
  const slug = /linkedin\.com\/in\/([^/?#\s]+)/i.exec(text);
  if (slug) return { kind: 'url', key: slug[1].toLowerCase() };
  if (/^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i.test(text)) return { kind: 'email', key: text.toLowerCase() };
  return { kind: 'invalid' };
}

interface FakeJob extends JobProgress {
  source: EstimateRequest['source'];
  targetColumn: number;
}

export interface FakeServerOptions {
  /** Real milliseconds each continue call takes, so progress is visible. */
  sliceDelayMs?: number;
  rows?: string[];
}

export class FakeSidebarServer implements SidebarServer {
  readonly sheets = new Map<string, string[][]>();
  activeSheet = SAMPLE_SHEET_NAME;
  selection: GridSelection | null = null;
  private apiKey: { key: string; scope: KeyScope } | null = null;
  private rpm = 15;
  private settings = { fields: ['basic_profile', 'experience'], reenrich: false };
  private job: FakeJob | null = null;
  private schedule: ScheduleStatus = { enabled: false, settings: null, nextRunAt: null, lastRun: null, pausedReason: null };
  /** Columns the add-on wrote, per sheet (stands in for developer metadata). */
  private readonly ownColumns = new Map<string, Set<number>>();
  private version = 0;

  constructor(options: FakeServerOptions = {}) {
    const rows = options.rows ?? sampleIdentifierRows();
    this.sheets.set(SAMPLE_SHEET_NAME, rows.map((value) => [value]));
  }

  sidebarGetState(): SidebarState {
    return {
      sheetName: this.activeSheet,
      apiKey: this.keyStatus(),
      requestsPerMinute: this.rpm,
      groups: FIELD_GROUPS.map((name): FieldGroupInfo => {
        const [label, description, extra] = GROUP_TEXT[name];
        return {
          name,
          label,
          description,
          extraCredits: extra,
          costNote: extra ? `+${extra} credits` : 'included',
          isDefault: name === 'basic_profile',
        };
      }),
      paths: allFieldPaths()
        .filter((path) => path.includes('.'))
        .map((path): FieldPathInfo => ({ path, group: path.split('.')[0], header: path.split('.').slice(1).join(' ') })),
      settings: this.settings,
      source: this.guessFromHeaders(),
      job: this.job ? this.progress() : null,
      schedule: this.schedule,
    };
  }

  sidebarSaveApiKey(request: SaveApiKeyRequest): ApiKeyStatus {
    this.apiKey = request.apiKey ? { key: request.apiKey, scope: request.scope } : null;
    if (request.requestsPerMinute) this.rpm = request.requestsPerMinute;
    return this.keyStatus();
  }

  sidebarTestConnection(): ConnectionResult {
    if (!this.apiKey) return { ok: false, message: 'No API key is set.', rateLimitPerMinute: null, remaining: null };
    if (this.apiKey.key.startsWith('bad')) return { ok: false, message: 'The API key was rejected (401).', rateLimitPerMinute: null, remaining: null };
    return { ok: true, message: 'The key works.', rateLimitPerMinute: this.rpm, remaining: this.rpm - 1 };
  }

  sidebarDetectSource(): SourceGuess | null {
    if (!this.selection) return null;
    const rows = this.rows(this.activeSheet);
    const s = this.selection;
    const single = s.numRows === 1;
    const firstRow = single ? 1 : s.row;
    const lastRow = single ? rows.length : s.row + s.numRows - 1;
    const headerText = rows[firstRow - 1]?.[s.column - 1] ?? null;
    const hasHeader = firstRow === 1 && classify(headerText ?? '').kind === 'invalid';
    return {
      sheetName: this.activeSheet,
      column: s.column,
      columnLetter: letter(s.column),
      firstRow,
      lastRow,
      hasHeader,
      headerText: hasHeader ? headerText : null,
      foundBy: 'selection',
      dataRows: lastRow - firstRow + 1 - (hasHeader ? 1 : 0),
    };
  }

  sidebarEstimate(request: EstimateRequest): Estimate {
    const values = this.sourceValues(request.source);
    const kinds = values.map(classify);
    const unique = new Map<string, 'url' | 'email'>();
    for (const k of kinds) if (k.kind === 'url' || k.kind === 'email') unique.set(`${k.kind}:${k.key}`, k.kind);
    const profileUrls = [...unique.values()].filter((k) => k === 'url').length;
    const emails = unique.size - profileUrls;
    const requests = Math.ceil(profileUrls / 25) + Math.ceil(emails / 25);
    const extra = request.settings.fields.reduce((sum, f) => sum + (GROUP_TEXT[f]?.[2] ?? 0), 0);
    const target = request.source.column + 1;
    return {
      rows: values.length,
      blank: kinds.filter((k) => k.kind === 'blank').length,
      invalid: kinds.filter((k) => k.kind === 'invalid').length,
      uniqueIdentifiers: unique.size,
      profileUrls,
      emails,
      cached: 0,
      alreadyEnriched: 0,
      toFetch: unique.size,
      requests,
      creditsMax: unique.size * Math.min(7, 1 + extra),
      minutes: requests / this.rpm,
      headers: FAKE_HEADERS,
      targetRange: `${request.source.sheetName}!${letter(target)}${request.source.firstRow}:${letter(target + FAKE_HEADERS.length - 1)}${request.source.lastRow}`,
      conflictCells: this.conflicts(request.source, target).length,
    };
  }

  sidebarStartJob(request: StartJobRequest): StartJobResponse {
    if (!this.apiKey) return { ok: false, reason: 'no_api_key', message: 'Set an API key first.' };
    if (this.job && (this.job.state === 'running' || this.job.state === 'paused')) {
      return { ok: false, reason: 'job_running', job: this.progress() };
    }
    let target = request.targetColumn ?? request.source.column + 1;
    const conflicts = this.conflicts(request.source, target);
    if (conflicts.length && !request.onConflict) {
      return {
        ok: false,
        reason: 'conflict',
        targetRange: `${request.source.sheetName}!${letter(target)}:${letter(target + FAKE_HEADERS.length - 1)}`,
        conflictCells: conflicts.length,
        sample: conflicts.slice(0, 3),
      };
    }
    if (conflicts.length && request.onConflict === 'insert') {
      for (const row of this.rows(request.source.sheetName)) row.splice(target - 1, 0, ...FAKE_HEADERS.map(() => ''));
    }
    if (request.onConflict === 'elsewhere' && request.targetColumn) target = request.targetColumn;
    this.settings = request.settings;
    const total = request.source.lastRow - request.source.firstRow + 1 - (request.source.hasHeader ? 1 : 0);
    this.job = {
      jobId: `job-${Date.now()}`,
      sheetName: request.source.sheetName,
      state: 'running',
      total,
      processed: 0,
      counts: { enriched: 0, notFound: 0, invalid: 0, failed: 0, skipped: 0 },
      startedAt: Date.now(),
      updatedAt: Date.now(),
      etaSeconds: null,
      message: null,
      continueInBackground: false,
      source: request.source,
      targetColumn: target,
    };
    if (request.source.hasHeader) FAKE_HEADERS.forEach((h, i) => this.write(request.source.sheetName, request.source.firstRow, target + i, h));
    return { ok: true, job: this.progress() };
  }

  sidebarContinueJob(request: JobRef): JobProgress {
    const job = this.requireJob(request.jobId);
    if (job.state !== 'running') return this.progress();
    const firstData = job.source.firstRow + (job.source.hasHeader ? 1 : 0);
    const end = Math.min(job.total, job.processed + BATCH_ROWS * 2);
    for (let i = job.processed; i < end; i++) {
      const row = firstData + i;
      const raw = this.rows(job.source.sheetName)[row - 1]?.[job.source.column - 1] ?? '';
      const kind = classify(raw);
      let out: string[];
      if (kind.kind === 'blank') {
        job.counts.skipped++;
        out = FAKE_HEADERS.map(() => '');
      } else if (kind.kind === 'invalid') {
        job.counts.invalid++;
        out = ['', '', '', '', '', 'invalid identifier'];
      } else {
        const person = kind.kind === 'url' ? personBySlug(kind.key) : personByBusinessEmail(kind.key);
        if (!person) {
          job.counts.notFound++;
          out = ['', '', '', '', '', 'not found'];
        } else {
          job.counts.enriched++;
          const data = person.data as Record<string, any>;
          const current = data.experience?.employment_details?.current?.[0];
          out = [
            String(data.basic_profile?.name ?? ''),
            String(data.basic_profile?.headline ?? ''),
            String(data.basic_profile?.current_title ?? ''),
            String(current?.name ?? ''),
            String(data.basic_profile?.location?.raw ?? ''),
            'enriched 2025-11-01',
          ];
        }
      }
      out.forEach((value, c) => this.write(job.source.sheetName, row, job.targetColumn + c, value));
    }
    job.processed = end;
    job.updatedAt = Date.now();
    job.etaSeconds = Math.ceil(((job.total - job.processed) / BATCH_ROWS / this.rpm) * 60);
    if (job.processed >= job.total) {
      job.state = 'done';
      job.etaSeconds = null;
    }
    return this.progress();
  }

  sidebarControlJob(request: ControlJobRequest): JobProgress {
    const job = this.requireJob(request.jobId);
    if (request.continueInBackground !== undefined) job.continueInBackground = request.continueInBackground;
    if (request.action === 'pause' && (job.state === 'running' || job.state === 'paused')) {
      job.state = 'paused';
      job.message = job.continueInBackground ? 'Paused; an hourly run carries on in the background.' : null;
    }
    if (request.action === 'resume' && (job.state === 'paused' || job.state === 'error')) {
      job.state = 'running';
      job.message = null;
    }
    if (request.action === 'cancel' && job.state !== 'done') job.state = 'cancelled';
    return this.progress();
  }

  sidebarJobStatus(request: JobRef): JobProgress | null {
    return this.job && this.job.jobId === request.jobId ? this.progress() : null;
  }

  sidebarSelectFailedRows(request: JobRef): SelectFailedResult {
    const job = this.requireJob(request.jobId);
    const rows = this.rows(job.source.sheetName);
    const statusColumn = job.targetColumn + FAKE_HEADERS.length - 1;
    const failed = rows.map((r, i) => ({ i, s: r[statusColumn - 1] ?? '' })).filter((x) => x.s === 'invalid identifier' || x.s.startsWith('error'));
    if (!failed.length) return { rows: 0, rangeA1: null };
    const first = failed[0].i + 1;
    const last = failed[failed.length - 1].i + 1;
    this.selection = { row: first, column: job.source.column, numRows: last - first + 1, numColumns: 1 };
    this.version++;
    return { rows: failed.length, rangeA1: `${letter(job.source.column)}${first}:${letter(job.source.column)}${last}` };
  }

  sidebarSetSchedule(request: ScheduleRequest): ScheduleStatus {
    const next = new Date();
    next.setHours(request.hour, 0, 0, 0);
    if (next.getTime() <= Date.now()) next.setDate(next.getDate() + 1);
    this.schedule = { ...this.schedule, enabled: true, settings: request, nextRunAt: next.getTime(), pausedReason: null };
    return this.schedule;
  }

  sidebarStopSchedule(): ScheduleStatus {
    this.schedule = { ...this.schedule, enabled: false, nextRunAt: null, pausedReason: null };
    return this.schedule;
  }

  sidebarScheduleStatus(): ScheduleStatus {
    return this.schedule;
  }

  /** For demos and tests: pretend a scheduled run happened. */
  recordRefresh(summary: ScheduleStatus['lastRun']): void {
    this.schedule = { ...this.schedule, lastRun: summary };
  }

  write(sheetName: string, row: number, column: number, value: string): void {
    const rows = this.rows(sheetName);
    while (rows.length < row) rows.push([]);
    const cells = rows[row - 1];
    while (cells.length < column) cells.push('');
    cells[column - 1] = value;
    let own = this.ownColumns.get(sheetName);
    if (!own) this.ownColumns.set(sheetName, (own = new Set()));
    own.add(column);
    this.version++;
  }

  /** Writes as the user would (not add-on data). */
  writeUser(sheetName: string, row: number, column: number, value: string): void {
    this.write(sheetName, row, column, value);
    this.ownColumns.get(sheetName)?.delete(column);
  }

  snapshotVersion(): number {
    return this.version;
  }

  private rows(sheetName: string): string[][] {
    let rows = this.sheets.get(sheetName);
    if (!rows) this.sheets.set(sheetName, (rows = []));
    return rows;
  }

  private sourceValues(source: EstimateRequest['source']): string[] {
    const rows = this.rows(source.sheetName);
    const first = source.firstRow + (source.hasHeader ? 1 : 0);
    const values: string[] = [];
    for (let r = first; r <= source.lastRow; r++) values.push(rows[r - 1]?.[source.column - 1] ?? '');
    return values;
  }

  private conflicts(source: EstimateRequest['source'], target: number): string[] {
    const own = this.ownColumns.get(source.sheetName) ?? new Set<number>();
    const found: string[] = [];
    const rows = this.rows(source.sheetName);
    for (let r = source.firstRow; r <= source.lastRow; r++) {
      for (let c = target; c < target + FAKE_HEADERS.length; c++) {
        const value = rows[r - 1]?.[c - 1] ?? '';
        if (value !== '' && !own.has(c)) found.push(value);
      }
    }
    return found;
  }

  private guessFromHeaders(): SourceGuess | null {
    const rows = this.rows(this.activeSheet);
    const header = rows[0] ?? [];
    const column = header.findIndex((h) => /linkedin|profile|email/i.test(h)) + 1;
    if (column === 0) return null;
    return {
      sheetName: this.activeSheet,
      column,
      columnLetter: letter(column),
      firstRow: 1,
      lastRow: rows.length,
      hasHeader: true,
      headerText: header[column - 1],
      foundBy: 'header',
      dataRows: rows.length - 1,
    };
  }

  private keyStatus(): ApiKeyStatus {
    if (!this.apiKey) return { isSet: false, masked: null, scope: null };
    return { isSet: true, masked: `••••${this.apiKey.key.slice(-4)}`, scope: this.apiKey.scope };
  }

  private requireJob(jobId: string): FakeJob {
    if (!this.job || this.job.jobId !== jobId) throw new Error('No such job on this sheet.');
    return this.job;
  }

  private progress(): JobProgress {
    const { source: _source, targetColumn: _target, ...progress } = this.job!;
    return JSON.parse(JSON.stringify(progress));
  }
}

function letter(column: number): string {
  let rest = column;
  let out = '';
  while (rest > 0) {
    out = String.fromCharCode(65 + ((rest - 1) % 26)) + out;
    rest = Math.floor((rest - 1) / 26);
  }
  return out;
}

/** The fake as a playground backend. */
export function fakeBackend(options: FakeServerOptions = {}): PlaygroundBackend & { server: FakeSidebarServer } {
  const server = new FakeSidebarServer(options);
  const delay = options.sliceDelayMs ?? 300;
  return {
    description: 'in-memory fake server (not the add-on)',
    server,
    now: () => Date.now(),
    async call(name: SidebarFunctionName, args: unknown[]) {
      if (name === 'sidebarContinueJob') await new Promise((resolve) => setTimeout(resolve, delay));
      const fn = server[name] as (...a: unknown[]) => unknown;
      return JSON.parse(JSON.stringify(fn.apply(server, args) ?? null));
    },
    grid(sheetName = server.activeSheet): GridSnapshot {
      const rows = server.sheets.get(sheetName) ?? [];
      const columns = Math.max(8, ...rows.map((r) => r.length + 1));
      const cells: GridCell[][] = rows.map((r) => Array.from({ length: columns }, (_, c) => ({ v: r[c] ?? '' })));
      return {
        sheets: [...server.sheets.keys()],
        sheetName,
        rows: rows.length,
        columns,
        cells,
        selection: server.selection,
        version: `${server.snapshotVersion()}`,
      };
    },
    select(sheetName, selection) {
      server.activeSheet = sheetName;
      server.selection = selection;
    },
    async close() {},
  };
}
