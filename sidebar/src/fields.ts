// The field choice as a pure value: whole groups, plus single dot-paths from groups not chosen
// whole. Kept in catalog order so the same choice always sends the same `fields` list.
import type { FieldGroupInfo, FieldPathInfo } from '../../src/common/contract';

export interface FieldCatalog {
  groups: FieldGroupInfo[];
  paths: FieldPathInfo[];
}

/** Drops unknown entries and paths already covered by a chosen group; catalog order. */
export function normalizeFields(catalog: FieldCatalog, chosen: Iterable<string>): string[] {
  const wanted = new Set(chosen);
  const groups = catalog.groups.filter((g) => wanted.has(g.name)).map((g) => g.name);
  const wholeGroups = new Set(groups);
  const paths = catalog.paths.filter((p) => wanted.has(p.path) && !wholeGroups.has(p.group)).map((p) => p.path);
  return [...groups, ...paths];
}

export function toggleGroup(catalog: FieldCatalog, fields: string[], group: string, on: boolean): string[] {
  const rest = fields.filter((f) => f !== group);
  return normalizeFields(catalog, on ? [...rest, group] : rest);
}

export function togglePath(catalog: FieldCatalog, fields: string[], path: string, on: boolean): string[] {
  const rest = fields.filter((f) => f !== path);
  return normalizeFields(catalog, on ? [...rest, path] : rest);
}

/** A path shows as chosen when it is listed or its whole group is. */
export function isPathChosen(fields: string[], path: FieldPathInfo): boolean {
  return fields.includes(path.path) || fields.includes(path.group);
}

/** Paths whose path, header or group contains every word of the filter (case-insensitive). */
export function filterPaths(paths: FieldPathInfo[], filter: string): FieldPathInfo[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return paths;
  return paths.filter((p) => {
    const haystack = `${p.path} ${p.header} ${p.group}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}

export function defaultFields(catalog: FieldCatalog): string[] {
  return catalog.groups.filter((g) => g.isDefault).map((g) => g.name);
}

/** "3 groups and 2 fields". */
export function describeChoice(catalog: FieldCatalog, fields: string[]): string {
  const groupNames = new Set(catalog.groups.map((g) => g.name));
  const groups = fields.filter((f) => groupNames.has(f)).length;
  const paths = fields.length - groups;
  const parts: string[] = [];
  if (groups) parts.push(`${groups} ${groups === 1 ? 'group' : 'groups'}`);
  if (paths) parts.push(`${paths} ${paths === 1 ? 'field' : 'fields'}`);
  return parts.length ? parts.join(' and ') : 'nothing';
}
