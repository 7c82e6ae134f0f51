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

/** Every property store of one script, plus the daily quota counter. */
export class PropertyStores {
  readonly script = new PropertyStore();
  readonly document = new PropertyStore();
  private readonly users = new Map<string, PropertyStore>();
  private quotaDay = '';
  private quotaUsed = 0;

  constructor(readonly dailyQuota = PROPERTY_DAILY_QUOTA) {}

  user(email: string): PropertyStore {
    let store = this.users.get(email);
    if (!store) this.users.set(email, (store = new PropertyStore()));
    return store;
  }

  /** Counts one read or write against the day's quota (UTC day of the emulator clock). */
  useQuota(nowMs: number): void {
    const day = new Date(nowMs).toISOString().slice(0, 10);
    if (day !== this.quotaDay) {
      this.quotaDay = day;
      this.quotaUsed = 0;
    }
    if (++this.quotaUsed > this.dailyQuota) throw new ServiceError('Service invoked too many times for one day: properties.');
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

export function createPropertiesService(exec: Execution, stores: PropertyStores) {
  return {
    getUserProperties(): Properties {
      exec.enter('PropertiesService.getUserProperties');
      return new Properties(exec, stores, stores.user(exec.user));
    },
    getDocumentProperties(): Properties {
      exec.enter('PropertiesService.getDocumentProperties');
      return new Properties(exec, stores, stores.document);
    },
    getScriptProperties(): Properties {
      exec.enter('PropertiesService.getScriptProperties');
      return new Properties(exec, stores, stores.script);
    },
  };
}
