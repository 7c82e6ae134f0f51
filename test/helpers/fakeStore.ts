// An in-memory property store (the core's KeyValueStore port) with PropertiesService's 9 KB limit
// per value, counting its writes, for every unit test that keeps state in properties.
import type { KeyValueStore } from '../../src/core/ports';

/** PropertiesService's limit on one value: https://developers.google.com/apps-script/guides/services/quotas */
export const MAX_PROPERTY_VALUE_CHARS = 9 * 1024;

export class FakeStore implements KeyValueStore {
  readonly values = new Map<string, string>();
  writes = 0;
  get(key: string): string | null {
    return this.values.get(key) ?? null;
  }
  set(key: string, value: string): void {
    if (value.length > MAX_PROPERTY_VALUE_CHARS) throw new Error('Argument too large: value');
    this.writes++;
    this.values.set(key, value);
  }
  delete(key: string): void {
    this.values.delete(key);
  }
  keys(): string[] {
    return [...this.values.keys()];
  }
}
