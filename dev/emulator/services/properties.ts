// PropertiesService: user (per user), document and script stores, with Apps Script's limits
// (9 KB per value, 500 KB per store, a daily read/write quota).
// https://developers.google.com/apps-script/guides/services/quotas
import type { Execution } from '../execution';
import { ServiceError } from '../execution';

export const PROPERTY_VALUE_LIMIT_BYTES = 9 * 1024;
export const PROPERTY_STORE_LIMIT_BYTES = 500 * 1024;
export const PROPERTY_DAILY_QUOTA = 50_000;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');

export class PropertyStore {
  readonly values = new Map<string, string>();

  sizeBytes(): number {
    let total = 0;
    for (const [key, value] of this.values) total += bytes(key) + bytes(value);
    return total;
  }

  toObject(): Record<string, string> {
    return Object.fromEntries(this.values);
  }
}

/** What one script keeps whatever document it runs in: script and user stores, and the quota. */
class ProjectProperties {
  readonly script = new PropertyStore();
  readonly users = new Map<string, PropertyStore>();
  quotaDay = '';
  quotaUsed = 0;
  constructor(readonly dailyQuota: number) {}
}

/**
 * The property stores one document sees: its own document store, and the script and user stores
 * of the script, shared with every other document the script runs in (`forAnotherDocument`).
 */
export class PropertyStores {
  readonly document = new PropertyStore();
  private readonly project: ProjectProperties;

  constructor(dailyQuota = PROPERTY_DAILY_QUOTA, project?: ProjectProperties) {
    this.project = project ?? new ProjectProperties(dailyQuota);
  }

  /** The stores of another document of the same script: same script and user stores, its own document store. */
  forAnotherDocument(): PropertyStores {
    return new PropertyStores(this.project.dailyQuota, this.project);
  }

  get script(): PropertyStore {
    return this.project.script;
  }

  get dailyQuota(): number {
    return this.project.dailyQuota;
  }

  user(email: string): PropertyStore {
    let store = this.project.users.get(email);
    if (!store) this.project.users.set(email, (store = new PropertyStore()));
    return store;
  }

  /** Counts one read or write against the day's quota (UTC day of the emulator clock). */
  useQuota(nowMs: number): void {
    const day = new Date(nowMs).toISOString().slice(0, 10);
    if (day !== this.project.quotaDay) {
      this.project.quotaDay = day;
      this.project.quotaUsed = 0;
    }
    if (++this.project.quotaUsed > this.project.dailyQuota) throw new ServiceError('Service invoked too many times for one day: properties.');
  }
}

/** Apps Script's Properties class over one store. */
export class Properties {
  constructor(
    private readonly exec: Execution,
    private readonly stores: PropertyStores,
    private readonly store: PropertyStore,
  ) {}

  private enter(method: string, mutates: boolean) {
    this.exec.enter(`PropertiesService.Properties.${method}`, mutates);
    this.stores.useQuota(this.exec.clock.now());
  }

  getProperty(key: string): string | null {
    this.enter('getProperty', false);
    return this.store.values.get(String(key)) ?? null;
  }

  getProperties(): Record<string, string> {
    this.enter('getProperties', false);
    return this.store.toObject();
  }

  getKeys(): string[] {
    this.enter('getKeys', false);
    return [...this.store.values.keys()];
  }

  setProperty(key: string, value: unknown): this {
    this.enter('setProperty', true);
    this.write({ [String(key)]: value }, false);
    return this;
  }

  setProperties(properties: Record<string, unknown>, deleteAllOthers = false): this {
    this.enter('setProperties', true);
    this.write(properties, deleteAllOthers);
    return this;
  }

  deleteProperty(key: string): this {
    this.enter('deleteProperty', true);
    this.store.values.delete(String(key));
    return this;
  }

  deleteAllProperties(): this {
    this.enter('deleteAllProperties', true);
    this.store.values.clear();
    return this;
  }

  /** All-or-nothing, like the real store: a refused write leaves it unchanged. */
  private write(properties: Record<string, unknown>, deleteAllOthers: boolean) {
    if (properties === null || typeof properties !== 'object') throw new ServiceError('Invalid argument: properties');
    const next = new Map(deleteAllOthers ? [] : this.store.values);
    for (const [key, raw] of Object.entries(properties)) {
      if (raw === null || raw === undefined) throw new ServiceError(`Invalid argument: value for property ${key}`);
      const value = String(raw);
      if (bytes(value) > PROPERTY_VALUE_LIMIT_BYTES) throw new ServiceError('Argument too large: value');
      next.set(key, value);
    }
    let total = 0;
    for (const [key, value] of next) total += bytes(key) + bytes(value);
    if (total > PROPERTY_STORE_LIMIT_BYTES) {
      throw new ServiceError('You have exceeded the property storage quota. Please remove some properties and try again.');
    }
    this.store.values.clear();
    for (const [key, value] of next) this.store.values.set(key, value);
  }
}

export interface PropertiesContext {
  /** The spreadsheet's owner: a custom function's user properties are theirs. */
  owner: string;
  /** false: the execution has no containing document (a detached trigger run). */
  hasDocument: boolean;
}

export function createPropertiesService(exec: Execution, stores: PropertyStores, context: PropertiesContext) {
  return {
    getUserProperties(): Properties {
      exec.enter('PropertiesService.getUserProperties');
      // "getUserProperties() only gets the properties of the spreadsheet owner. Spreadsheet editors
      // can't set user properties in a custom function." (Custom functions guide, services table)
      const user = exec.mode === 'CUSTOM_FUNCTION' ? context.owner : exec.user;
      return new Properties(exec, stores, stores.user(user));
    },
    getDocumentProperties(): Properties | null {
      exec.enter('PropertiesService.getDocumentProperties');
      // "When document properties are not available this method returns null." (PropertiesService reference)
      if (!context.hasDocument) return null;
      return new Properties(exec, stores, stores.document);
    },
    getScriptProperties(): Properties {
      exec.enter('PropertiesService.getScriptProperties');
      return new Properties(exec, stores, stores.script);
    },
  };
}
