// The column catalog: field groups and dot-paths from the spec, their columns and costs.
// Derived by hand from PersonEnrich in Crustdata's OpenAPI description 2025-11-01 (docs/CRUSTDATA-API.md); test/core/catalog.test.ts
// checks every path against that schema.
//
// Rules (the README quotes them):
// - A field is one of the ten groups or a dot-path below it. Objects are followed down to their
//   scalar properties (basic_profile.location.city); an array is a path as a whole
//   (experience.employment_details.current, contact.phone_numbers): the API answers with the
//   whole array, so its items have no paths of their own.
// - `fields` text is split on commas, semicolons and newlines; each entry is trimmed and
//   lower-cased, spaces and hyphens become "_", a leading "person_data." is dropped. Duplicates
//   go, and a path inside another selected path (basic_profile.name with basic_profile) is
//   absorbed by it. Nothing given: DEFAULT_FIELDS. Anything unknown is an error naming the entry,
//   a close match when there is one, and the valid groups.
// - A selection's columns follow the catalog order below, never the data or the order typed, so
//   one selection always gives the same columns in the same order.
// - "Current title" from experience.employment_details.current is left out when the selection
//   also holds basic_profile.current_title (or all of basic_profile): it is the same title.
// - `match` (and match.confidence_score, match.match_type, match.candidate_count, match.ambiguous)
//   are columns computed from the answer itself (matches.ts), never sent to the API: a
//   selection keeps them apart in `computed`, so `fields` holds only what the API accepts. Their
//   columns come after every API column. `match` alone also asks for basic_profile.name
//   (MATCH_ONLY_API_FIELDS): a request needs fields, and a score without a name cannot be judged.
import { EnrichError } from './errors';
import type { FieldSelection } from './types';

export interface Column {
  /** The dot-path of a value, or `<array path>#<part>` for a column made from an array of objects. */
  id: string;
  header: string;
  /** The field group it belongs to. */
  group: string;
}

export interface FieldGroup {
  name: string;
  label: string;
  description: string;
  /** Credits per matched profile on top of the 1-credit base, when the data is there (a maximum). */
  extraCredits: number;
  /** The API key needs field-level permission for this group. */
  needsPermission: boolean;
  costNote: string;
  /** The default selection draws on this group. */
  isDefault: boolean;
}

/** How a path becomes cells; flatten.ts implements each kind. `computed`: from the answer, not person_data. */
export type PathKind = 'object' | 'value' | 'list' | 'entries' | 'computed';

export interface PathInfo {
  path: string;
  group: string;
  kind: PathKind;
  /** The column header for a value or list, a readable name for an object or array of objects. */
  header: string;
}

export interface ColumnSpec extends Column {
  /** The path the value is read from (for entries columns, the array). */
  path: string;
  kind: 'value' | 'list' | 'entries' | 'computed';
  /** For entries columns: which rendering of the array (see flatten.ts). */
  part?: string;
  /** Left out of a selection that also covers this path (same data under another name). */
  omitWhenSelected?: string;
}

// ---- The schema, in catalog order ----------------------------------------------------------

type Node =
  | { kind: 'value'; header: string }
  | { kind: 'computed'; header: string }
  | { kind: 'list'; header: string }
  | { kind: 'object'; label: string; children: Record<string, Node> }
  | { kind: 'entries'; label: string; columns: EntryColumn[] };

interface EntryColumn {
  part: string;
  header: string;
  omitWhenSelected?: string;
}

const value = (header: string): Node => ({ kind: 'value', header });
const list = (header: string): Node => ({ kind: 'list', header });
const computed = (header: string): Node => ({ kind: 'computed', header });
const object = (label: string, children: Record<string, Node>): Node => ({ kind: 'object', label, children });
const entries = (label: string, columns: EntryColumn[]): Node => ({ kind: 'entries', label, columns });

const location = (label: string, prefix: string, rawHeader: string): Node =>
  object(label, {
    raw: value(rawHeader),
    city: value(`${prefix}City`),
    state: value(`${prefix}State`),
    country: value(`${prefix}Country`),
    continent: value(`${prefix}Continent`),
  });

interface GroupDefinition {
  label: string;
  description: string;
  extraCredits: number;
  needsPermission: boolean;
  costNote: string;
  node: Node;
}

const NO_EXTRA = 'No extra credits';

// Group order is the column order: who the person is and where they work first.
const GROUP_DEFINITIONS: Record<string, GroupDefinition> = {
  basic_profile: {
    label: 'Basic profile',
    description: 'Name, headline, current title, location, summary, languages',
    extraCredits: 0,
    needsPermission: false,
    costNote: NO_EXTRA,
    node: object('Basic profile', {
      name: value('Name'),
      first_name: value('First name'),
      last_name: value('Last name'),
      headline: value('Headline'),
      current_title: value('Current title'),
      location: location('Location (all parts)', '', 'Location'),
      summary: value('Summary'),
      languages: list('Languages'),
      normalized_title: object('Normalized title (all parts)', {
        matched_title: value('Normalized title'),
        department: value('Department'),
        sub_department: value('Sub-department'),
        similarity: value('Normalized title similarity'),
        confident: value('Normalized title confident'),
      }),
      professional_network_name: value('LinkedIn display name'),
      profile_picture_permalink: value('Photo URL'),
      last_updated: value('Profile updated'),
    }),
  },
  experience: {
    label: 'Experience',
    description: 'Current employer, title and company domain; past employers in order',
    extraCredits: 0,
    needsPermission: false,
    costNote: NO_EXTRA,
    node: object('Experience', {
      employment_details: object('Employment (current and past)', {
        current: entries('Current employment', [
          { part: 'employer', header: 'Current employer' },
          { part: 'title', header: 'Current title', omitWhenSelected: 'basic_profile.current_title' },
          { part: 'domain', header: 'Current company domain' },
          { part: 'start_date', header: 'Current start date' },
          { part: 'others', header: 'Other current roles' },
        ]),
        past: entries('Past employment', [{ part: 'roles', header: 'Past employers' }]),
      }),
    }),
  },
  education: {
    label: 'Education',
    description: 'Schools with degree, field of study and years',
    extraCredits: 0,
    needsPermission: false,
    costNote: NO_EXTRA,
    node: object('Education', {
      schools: entries('Schools', [{ part: 'schools', header: 'Education' }]),
    }),
  },
  skills: {
    label: 'Skills',
    description: 'Skills listed on the profile',
    extraCredits: 0,
    needsPermission: false,
    costNote: NO_EXTRA,
    node: object('Skills', { professional_network_skills: list('Skills') }),
  },
  contact: {
    label: 'Contact',
    description: 'Business and personal emails, phone numbers, websites',
    extraCredits: 5,
    needsPermission: false,
    costNote: 'Up to +5 credits per match, only when found: business email +1, personal email +2, phone +2',
    node: object('Contact', {
      business_emails: entries('Business emails', [
        { part: 'best', header: 'Business email' },
        { part: 'all', header: 'Business emails' },
      ]),
      personal_emails: entries('Personal emails', [
        { part: 'best', header: 'Personal email' },
        { part: 'all', header: 'Personal emails' },
      ]),
      phone_numbers: list('Phone numbers'),
      websites: list('Websites'),
    }),
  },
  social_handles: {
    label: 'Social handles',
    description: 'LinkedIn profile URL, developer-platform URL, Twitter handle',
    extraCredits: 0,
    needsPermission: false,
    costNote: NO_EXTRA,
    node: object('Social handles', {
      professional_network_identifier: object('LinkedIn identifier', { profile_url: value('Profile URL') }),
      dev_platform_identifier: object('Developer-platform identifier', { profile_url: value('Developer profile URL') }),
      twitter_identifier: object('Twitter identifier', { slug: value('Twitter handle') }),
    }),
  },
  dev_platform_profiles: {
    label: 'Developer profiles',
    description: 'Developer-platform accounts (such as GitHub) linked to the person',
    extraCredits: 1,
    needsPermission: false,
    costNote: '+1 credit per match, only when found',
    node: entries('Developer profiles', [{ part: 'urls', header: 'Developer profiles' }]),
  },
  professional_network: {
    label: 'LinkedIn details',
    description: 'Photo, pronouns, connections, followers, member since, open-to signals',
    extraCredits: 0,
    needsPermission: false,
    costNote: NO_EXTRA,
    node: object('LinkedIn details', {
      name: value('LinkedIn name'),
      headline: value('LinkedIn headline'),
      current_title: value('LinkedIn current title'),
      pronoun: value('Pronouns'),
      location: location('LinkedIn location (all parts)', 'LinkedIn ', 'LinkedIn location'),
      summary: value('LinkedIn summary'),
      connections: value('Connections'),
      followers: value('Followers'),
      joined_date: value('LinkedIn member since'),
      verifications: list('Verifications'),
      open_to_cards: list('Open to'),
      profile_picture_url: value('LinkedIn photo URL'),
      profile_picture_permalink: value('LinkedIn photo permalink'),
      metadata: object('LinkedIn metadata', { last_scraped_source: value('LinkedIn data fetched') }),
    }),
  },
  certifications: {
    label: 'Certifications',
    description: 'Certifications with their issuers (needs permission on your API key)',
    extraCredits: 0,
    needsPermission: true,
    costNote: 'No extra credits; your API key needs permission for this group',
    node: entries('Certifications', [{ part: 'names', header: 'Certifications' }]),
  },
  honors: {
    label: 'Honors & awards',
    description: 'Honors and awards with their issuers (needs permission on your API key)',
    extraCredits: 0,
    needsPermission: true,
    costNote: 'No extra credits; your API key needs permission for this group',
    node: entries('Honors & awards', [{ part: 'names', header: 'Honors & awards' }]),
  },
};

/** The group of columns computed from the answer (matches.ts); never sent to the API as a field. */
export const MATCH_GROUP = 'match';

const COMPUTED_GROUP_DEFINITIONS: Record<string, GroupDefinition> = {
  [MATCH_GROUP]: {
    label: 'Match quality',
    description: 'How sure the match is: confidence score, match type, number of candidates, ambiguous or not (worked out from the answer)',
    extraCredits: 0,
    needsPermission: false,
    costNote: 'No extra credits: worked out from the answer, not asked of Crustdata',
    node: object('Match quality', {
      confidence_score: computed('Match confidence'),
      match_type: computed('Match type'),
      candidate_count: computed('Match candidates'),
      ambiguous: computed('Match ambiguous'),
    }),
  },
};

/** What a selection of computed columns only asks of the API (see the rules above). */
export const MATCH_ONLY_API_FIELDS: readonly string[] = Object.freeze(['basic_profile.name']);

/** Per-match extras below group level (docs/CRUSTDATA-API.md, pricing). The group's own figure is their sum. */
const PATH_EXTRA_CREDITS: Record<string, number> = {
  contact: 5,
  'contact.business_emails': 1,
  'contact.personal_emails': 2,
  'contact.phone_numbers': 2,
  dev_platform_profiles: 1,
};

const BASE_CREDITS = 1;
const MAX_CREDITS_PER_MATCH = 7;

/**
 * The compact default of the custom function: name, headline, current title, current employer
 * (with its domain and start date), location and profile URL. The current employer only comes as
 * the whole current-employment array, so that array is asked for whole.
 */
export const DEFAULT_FIELDS: readonly string[] = Object.freeze([
  'basic_profile.name',
  'basic_profile.headline',
  'basic_profile.current_title',
  'basic_profile.location.raw',
  'experience.employment_details.current',
  'social_handles.professional_network_identifier.profile_url',
]);

// ---- Derived tables ---------------------------------------------------------------------

const pathInfos: PathInfo[] = [];
const pathIndex = new Map<string, number>();
const columnSpecsByPath = new Map<string, ColumnSpec[]>();

function walk(path: string, group: string, node: Node): ColumnSpec[] {
  const info: PathInfo = {
    path,
    group,
    kind: node.kind,
    header: node.kind === 'value' || node.kind === 'list' || node.kind === 'computed' ? node.header : node.label,
  };
  pathIndex.set(path, pathInfos.length);
  pathInfos.push(info);
  let columns: ColumnSpec[];
  if (node.kind === 'value' || node.kind === 'list' || node.kind === 'computed') {
    columns = [{ id: path, header: node.header, group, path, kind: node.kind }];
  } else if (node.kind === 'entries') {
    columns = node.columns.map((column) => ({
      id: `${path}#${column.part}`,
      header: column.header,
      group,
      path,
      kind: 'entries' as const,
      part: column.part,
      ...(column.omitWhenSelected ? { omitWhenSelected: column.omitWhenSelected } : {}),
    }));
  } else {
    columns = [];
    for (const [key, child] of Object.entries(node.children)) columns.push(...walk(`${path}.${key}`, group, child));
  }
  columnSpecsByPath.set(path, columns);
  return columns;
}

for (const [name, definition] of Object.entries(GROUP_DEFINITIONS)) walk(name, name, definition.node);
// Computed groups after the API's: their paths sort, and their columns come, after every API column.
const apiPathCount = pathInfos.length;
for (const [name, definition] of Object.entries(COMPUTED_GROUP_DEFINITIONS)) walk(name, name, definition.node);

export const GROUP_NAMES: readonly string[] = Object.freeze(Object.keys(GROUP_DEFINITIONS));

/** Every field the API accepts, groups included, in catalog order. */
export const KNOWN_PATHS: readonly string[] = Object.freeze(pathInfos.slice(0, apiPathCount).map((info) => info.path));

/** Every computed path (`match` and the paths below it), in catalog order. */
export const COMPUTED_PATHS: readonly string[] = Object.freeze(pathInfos.slice(apiPathCount).map((info) => info.path));
const computedPathSet = new Set(COMPUTED_PATHS);

/** Every path below group level, for the sidebar's advanced picker. */
export const FIELD_PATHS: readonly PathInfo[] = Object.freeze(pathInfos.slice(0, apiPathCount).filter((info) => info.path.includes('.')));

/** Every column the catalog can produce from person_data, in catalog order. */
export const ALL_COLUMNS: readonly ColumnSpec[] = Object.freeze(GROUP_NAMES.flatMap((name) => columnSpecsByPath.get(name)!));

/** The computed columns (the match group), in catalog order. */
export const COMPUTED_COLUMNS: readonly ColumnSpec[] = Object.freeze(Object.keys(COMPUTED_GROUP_DEFINITIONS).flatMap((name) => columnSpecsByPath.get(name)!));

const columnSpecsById = new Map([...ALL_COLUMNS, ...COMPUTED_COLUMNS].map((spec) => [spec.id, spec]));

export function columnSpec(id: string): ColumnSpec | undefined {
  return columnSpecsById.get(id);
}

export function pathInfo(path: string): PathInfo | undefined {
  const index = pathIndex.get(path);
  return index === undefined ? undefined : pathInfos[index];
}

/** A field the API accepts (computed paths are not). */
export function isKnownPath(path: string): boolean {
  return pathIndex.has(path) && !computedPathSet.has(path);
}

/** `match` or a path below it: a column computed from the answer, never sent as a field. */
export function isComputedPath(path: string): boolean {
  return computedPathSet.has(path);
}

function isSelectablePath(path: string): boolean {
  return pathIndex.has(path);
}

const defaultGroups = new Set(DEFAULT_FIELDS.map((field) => field.split('.')[0]));

export const FIELD_GROUPS: readonly FieldGroup[] = Object.freeze(
  GROUP_NAMES.map((name) => {
    const { label, description, extraCredits, needsPermission, costNote } = GROUP_DEFINITIONS[name];
    return { name, label, description, extraCredits, needsPermission, costNote, isDefault: defaultGroups.has(name) };
  }),
);

/** The computed groups (match), described like the API's for the sidebar's picker. */
export const COMPUTED_GROUPS: readonly FieldGroup[] = Object.freeze(
  Object.entries(COMPUTED_GROUP_DEFINITIONS).map(([name, { label, description, extraCredits, needsPermission, costNote }]) => ({
    name, label, description, extraCredits, needsPermission, costNote, isDefault: false,
  })),
);

/** Paths below the computed groups, for the sidebar's advanced picker. */
export const COMPUTED_FIELD_PATHS: readonly PathInfo[] = Object.freeze(pathInfos.slice(apiPathCount).filter((info) => info.path.includes('.')));

// ---- Selections --------------------------------------------------------------------------

/** `fields` as the custom function or the sidebar gives them, validated into API fields. */
export function parseFieldSelection(input: string | string[] | null | undefined): FieldSelection {
  const entries = splitEntries(input);
  if (entries.length === 0) return { fields: [...DEFAULT_FIELDS] };
  const chosen = new Set<string>();
  for (const entry of entries) {
    const path = canonicalPath(entry);
    if (!isSelectablePath(path)) throw unknownField(entry, path);
    chosen.add(path);
  }
  const ordered = orderAndAbsorb(chosen);
  const computedPaths = ordered.filter(isComputedPath);
  if (computedPaths.length === 0) return { fields: ordered };
  const apiFields = ordered.filter((path) => !isComputedPath(path));
  return { fields: apiFields.length ? apiFields : [...MATCH_ONLY_API_FIELDS], computed: computedPaths };
}

/** What a request's `fields` may hold: the selection's API fields, computed paths left out whatever their origin. */
export function apiFieldsOf(selection: FieldSelection): string[] {
  return selection.fields.filter((field) => !isComputedPath(field.trim().toLowerCase()));
}

/** Every entry of a selection, API and computed, for storing it and parsing it back. */
export function selectionEntries(selection: FieldSelection): string[] {
  return [...selection.fields, ...(selection.computed ?? [])];
}

function splitEntries(input: unknown): string[] {
  const out: string[] = [];
  const visit = (item: unknown): void => {
    if (item === null || item === undefined) return;
    if (Array.isArray(item)) {
      item.forEach(visit);
      return;
    }
    for (const piece of String(item).split(/[,;\r\n]+/)) {
      const trimmed = piece.trim();
      if (trimmed !== '') out.push(trimmed);
    }
  };
  visit(input);
  return out;
}

function canonicalPath(entry: string): string {
  return entry
    .replace(/^["'`]+|["'`]+$/g, '')
    .trim()
    .toLowerCase()
    .replace(/\s*\.\s*/g, '.')
    .replace(/[\s-]+/g, '_')
    .replace(/^person_data\./, '');
}

/** Catalog order, with every path dropped that lies inside another chosen path. */
function orderAndAbsorb(chosen: Iterable<string>): string[] {
  const set = new Set(chosen);
  const kept = [...set].filter((path) => !ancestorsOf(path).some((ancestor) => set.has(ancestor)));
  return kept.sort((a, b) => pathIndex.get(a)! - pathIndex.get(b)!);
}

function ancestorsOf(path: string): string[] {
  const out: string[] = [];
  for (let dot = path.indexOf('.'); dot !== -1; dot = path.indexOf('.', dot + 1)) out.push(path.slice(0, dot));
  return out;
}

function unknownField(entry: string, canonical: string): EnrichError {
  const suggestion = suggestPath(canonical);
  const hint = suggestion ? ` Did you mean "${suggestion}"?` : '';
  return new EnrichError(
    'unknown_field',
    `Unknown field "${entry}".${hint} Valid groups: ${GROUP_NAMES.join(', ')} (or dot-paths such as basic_profile.name), ` +
      `and ${MATCH_GROUP} for match-quality columns.`,
  );
}

/** The known path a mistyped entry most likely meant, or null. */
export function suggestPath(canonical: string): string | null {
  // Inside an array: experience.employment_details.current.title -> the array itself.
  for (let end = canonical.lastIndexOf('.'); end > 0; end = canonical.lastIndexOf('.', end - 1)) {
    const prefix = canonical.slice(0, end);
    if (isKnownPath(prefix) && pathInfo(prefix)!.kind !== 'object') return prefix;
  }
  // A column header typed as a field: "Current employer", "Match confidence".
  for (const spec of [...ALL_COLUMNS, ...COMPUTED_COLUMNS]) {
    if (canonicalPath(spec.header) === canonical) return spec.path;
  }
  const selectable = [...KNOWN_PATHS, ...COMPUTED_PATHS];
  // A property name without its parents: "headline".
  const byLastSegment = selectable.find((path) => path.slice(path.lastIndexOf('.') + 1) === canonical);
  if (byLastSegment) return byLastSegment;

  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(canonical.length / 4)) + 1;
  for (const path of selectable) {
    const lastSegment = path.slice(path.lastIndexOf('.') + 1);
    const distance = Math.min(editDistance(canonical, path), editDistance(canonical, lastSegment));
    if (distance < bestDistance) {
      best = path;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/** A stable, order-independent key for caching results per selection (computed columns included). */
export function selectionKey(selection: FieldSelection): string {
  return [...new Set(selectionEntries(selection).map((field) => field.trim().toLowerCase()))].sort().join(',');
}

const columnsCache = new Map<string, ColumnSpec[]>();

/** The columns of a selection, in catalog order; the same selection always gives the same columns. */
export function columnsFor(selection: FieldSelection): Column[] {
  return columnSpecsFor(selection).map(({ id, header, group }) => ({ id, header, group }));
}

/** columnsFor with what flatten.ts needs to read each column. */
export function columnSpecsFor(selection: FieldSelection): ColumnSpec[] {
  const key = selectionKey(selection);
  let specs = columnsCache.get(key);
  if (!specs) {
    const fields = key === '' ? [] : key.split(',');
    for (const field of fields) {
      if (!isSelectablePath(field)) throw unknownField(field, field);
    }
    const chosen = new Set(fields);
    const covers = (path: string) => chosen.has(path) || ancestorsOf(path).some((ancestor) => chosen.has(ancestor));
    specs = orderAndAbsorb(fields)
      .flatMap((field) => columnSpecsByPath.get(field)!)
      .filter((spec) => !spec.omitWhenSelected || !covers(spec.omitWhenSelected));
    columnsCache.set(key, specs);
  }
  return specs;
}

/** Credits one matched profile can cost with this selection: 1, plus the extras if the data is there. */
export function creditsPerMatch(selection: FieldSelection): { min: number; max: number } {
  const fields = orderAndAbsorb(selection.fields.map((field) => field.trim().toLowerCase()).filter(isKnownPath));
  let extra = 0;
  for (const field of fields) extra += extraCreditsOf(field);
  return { min: BASE_CREDITS, max: Math.min(MAX_CREDITS_PER_MATCH, BASE_CREDITS + extra) };
}

/** A path's own price, else the sum of the priced paths directly inside it (none nest below contact). */
function extraCreditsOf(path: string): number {
  if (path in PATH_EXTRA_CREDITS) return PATH_EXTRA_CREDITS[path];
  let sum = 0;
  for (const [priced, credits] of Object.entries(PATH_EXTRA_CREDITS)) {
    if (priced.startsWith(path + '.')) sum += credits;
  }
  return sum;
}
