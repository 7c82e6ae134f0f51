// Flattening: one person_data object into one row of cells, for the columns of a selection
// (catalog.ts). Pure and deterministic: the same person and columns always give the same row.
//
// Column rules (the README quotes them):
// - The columns come from the selection alone (catalog.ts columnsFor), never from the data: a
//   missing, null or mistyped value gives '' in its column, and no column appears or moves.
// - Nested objects become one column per scalar property, headed in words (basic_profile.location.city
//   -> "City"). Numbers stay numbers and booleans stay booleans; text stays text.
// - Arrays of scalars join into one cell with ", " (skills, languages, phone numbers, websites,
//   verifications, open-to signals).
// - Arrays of objects become readable columns; entries within a cell are joined with a newline,
//   in the order the API sent them:
//   - current employment: "Current employer", "Current title", "Current company domain" and
//     "Current start date" of the primary current entry (the first with is_default true, else
//     the first); every other current entry in "Other current roles";
//   - past employment: "Past employers", every entry as "Title at Company (2019-01 – 2021-06)";
//     a current entry reads "(2019-01 – present)", an unknown date "?", dates shown as YYYY-MM;
//     with only a title or only a company, that one alone;
//   - education: "Education", every school as "Degree, Field — School (2005–2009)";
//   - business and personal emails: "Business email" / "Personal email" holds the first verified
//     address (else the first), "Business emails" / "Personal emails" every address with its
//     status: "a@b.com (verified), c@b.com (unverified)";
//   - developer profiles: their profile URLs, joined with ", ";
//   - certifications and honors: "Name (Issuer)" per entry.
// - Match columns (match.*) come from the match facts the person record carries (matches.ts):
//   "Match confidence" the best score (a number), "Match type" in words ("Business email",
//   "Profile URL", "… (live)"), "Match candidates" a number, "Match ambiguous" TRUE/FALSE. A record
//   without match facts (cached before they existed) gives '' in each.
// - An object found where text was expected (the API is untrusted) is written as compact JSON.
// - A cell never exceeds 50,000 characters: longer text is cut to 49,980 characters followed by
//   "… [truncated]".
// - Flattening does not protect text from Sheets' parsing: Range.setValues callers apply
//   cellText.toSheetValue, while custom-function results are returned as they are.
import { columnSpec, type Column, type ColumnSpec } from './catalog';
import { truncateCellText } from './cellText';
import { matchInfoOf, matchTypeText, type MatchInfo } from './matches';
import type { CellValue, PersonData } from './types';

export const ENTRY_SEPARATOR = '\n';
export const LIST_SEPARATOR = ', ';

type Extractor = (person: PersonData) => CellValue;
type Entry = Record<string, unknown>;

export function headersFor(columns: readonly Column[]): string[] {
  return columns.map((column) => column.header);
}

/** One row of cells for this person, one cell per column. */
export function flattenPerson(person: PersonData, columns: readonly Column[]): CellValue[] {
  return compileFlattener(columns)(person);
}

const compiledByColumns = new WeakMap<readonly Column[], (person: PersonData) => CellValue[]>();

/** The row builder for a list of columns, built once per list and reused for every person. */
export function compileFlattener(columns: readonly Column[]): (person: PersonData) => CellValue[] {
  let compiled = compiledByColumns.get(columns);
  if (!compiled) {
    const extractors = columns.map((column) => extractorFor(column.id));
    const count = extractors.length;
    compiled = (person: PersonData): CellValue[] => {
      const row: CellValue[] = new Array(count);
      const safe = isObject(person) ? person : {};
      for (let i = 0; i < count; i++) row[i] = extractors[i](safe);
      return row;
    };
    compiledByColumns.set(columns, compiled);
  }
  return compiled;
}

const extractorCache = new Map<string, Extractor>();

function extractorFor(id: string): Extractor {
  let extractor = extractorCache.get(id);
  if (!extractor) {
    const spec = columnSpec(id);
    extractor = spec ? buildExtractor(spec) : () => '';
    extractorCache.set(id, extractor);
  }
  return extractor;
}

function buildExtractor(spec: ColumnSpec): Extractor {
  if (spec.kind === 'computed') {
    const render = MATCH_RENDERERS[spec.id];
    if (!render) throw new Error(`No renderer for column ${spec.id}`);
    return (person) => {
      const info = matchInfoOf(person);
      return info ? render(info) : '';
    };
  }
  const read = pathReader(spec.path);
  if (spec.kind === 'value') return (person) => cellOf(read(person));
  if (spec.kind === 'list') return (person) => listCell(read(person));
  const render = ENTRY_RENDERERS[spec.id];
  if (!render) throw new Error(`No renderer for column ${spec.id}`);
  return (person) => truncateCellText(render(entriesOf(read(person))));
}

function pathReader(path: string): (person: PersonData) => unknown {
  const keys = path.split('.');
  return (person) => {
    let current: unknown = person;
    for (let i = 0; i < keys.length; i++) {
      if (!isObject(current)) return undefined;
      current = current[keys[i]];
    }
    return current;
  };
}

// ---- Cells from values ---------------------------------------------------------------------

function cellOf(value: unknown): CellValue {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return truncateCellText(value);
  if (typeof value === 'number') return Number.isFinite(value) ? value : '';
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return listCell(value);
  return truncateCellText(jsonText(value));
}

function listCell(value: unknown): CellValue {
  if (!Array.isArray(value)) return cellOf(value);
  const parts: string[] = [];
  for (const item of value) {
    const text = isObject(item) || Array.isArray(item) ? jsonText(item) : textOf(item);
    if (text !== '') parts.push(text);
  }
  return truncateCellText(parts.join(LIST_SEPARATOR));
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Text of a scalar from an entry; anything else reads as missing. */
function textOf(value: unknown): string {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  return '';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The objects of an array (strings stand for an entry holding just that text); anything else is empty. */
function entriesOf(value: unknown): Entry[] {
  if (!Array.isArray(value)) return [];
  const out: Entry[] = [];
  for (const item of value) {
    if (isObject(item)) out.push(item);
    else if (typeof item === 'string' && item.trim() !== '') out.push({ [STRING_ENTRY]: item.trim() });
  }
  return out;
}

/** Where entriesOf keeps a bare string found in an array of objects. */
const STRING_ENTRY = '\u0000text';

// ---- Arrays of objects -------------------------------------------------------------------

function primaryIndex(current: Entry[]): number {
  const index = current.findIndex((entry) => entry.is_default === true);
  return index === -1 ? 0 : index;
}

function primaryField(field: string) {
  return (current: Entry[]): string => (current.length === 0 ? '' : textOf(current[primaryIndex(current)][field]));
}

/** "2019-01-15" -> "2019-01"; "2019" stays; anything else as given. */
export function shortDate(value: unknown): string {
  const text = textOf(value);
  const month = /^(\d{4})-(\d{2})/.exec(text);
  return month ? `${month[1]}-${month[2]}` : text;
}

export function roleText(entry: Entry, isCurrent: boolean): string {
  const title = textOf(entry.title) || textOf(entry[STRING_ENTRY]);
  const company = textOf(entry.name);
  const what = title && company ? `${title} at ${company}` : title || company;
  if (what === '') return '';
  const start = shortDate(entry.start_date);
  const end = isCurrent ? 'present' : shortDate(entry.end_date);
  if (!start && (isCurrent || !end)) return what;
  return `${what} (${start || '?'} – ${end || '?'})`;
}

export function schoolText(entry: Entry): string {
  const school = textOf(entry.school) || textOf(entry[STRING_ENTRY]);
  const studied = [textOf(entry.degree), textOf(entry.field_of_study)].filter((part) => part !== '').join(', ');
  const what = studied && school ? `${studied} — ${school}` : studied || school;
  if (what === '') return '';
  const start = textOf(entry.start_year);
  const end = textOf(entry.end_year);
  const years = start && end ? `${start}–${end}` : start ? `${start}–` : end;
  return years ? `${what} (${years})` : what;
}

function emailOf(entry: Entry): string {
  return textOf(entry.email) || textOf(entry[STRING_ENTRY]);
}

function bestEmail(emails: Entry[]): string {
  const verified = emails.find((entry) => entry.status === 'verified' && emailOf(entry) !== '');
  const chosen = verified ?? emails.find((entry) => emailOf(entry) !== '');
  return chosen ? emailOf(chosen) : '';
}

function allEmails(emails: Entry[]): string {
  const parts: string[] = [];
  for (const entry of emails) {
    const address = emailOf(entry);
    if (address === '') continue;
    const status = textOf(entry.status);
    parts.push(status ? `${address} (${status})` : address);
  }
  return parts.join(LIST_SEPARATOR);
}

function namedWithIssuer(nameField: string, issuerField: string) {
  return (items: Entry[]): string =>
    joinEntries(items, (entry) => {
      const name = textOf(entry[nameField]) || textOf(entry[STRING_ENTRY]);
      const issuer = textOf(entry[issuerField]);
      return name && issuer ? `${name} (${issuer})` : name;
    });
}

function joinEntries(items: Entry[], render: (entry: Entry) => string, separator = ENTRY_SEPARATOR): string {
  const parts: string[] = [];
  for (const entry of items) {
    const text = render(entry);
    if (text !== '') parts.push(text);
  }
  return parts.join(separator);
}

/** How each column made from an array of objects reads that array; keyed by column id. */
const ENTRY_RENDERERS: Record<string, (items: Entry[]) => string> = {
  'experience.employment_details.current#employer': primaryField('name'),
  'experience.employment_details.current#title': primaryField('title'),
  'experience.employment_details.current#domain': primaryField('company_website_domain'),
  'experience.employment_details.current#start_date': primaryField('start_date'),
  'experience.employment_details.current#others': (current) => {
    const primary = primaryIndex(current);
    return joinEntries(
      current.filter((_, index) => index !== primary),
      (entry) => roleText(entry, true),
    );
  },
  'experience.employment_details.past#roles': (past) => joinEntries(past, (entry) => roleText(entry, false)),
  'education.schools#schools': (schools) => joinEntries(schools, schoolText),
  'contact.business_emails#best': bestEmail,
  'contact.business_emails#all': allEmails,
  'contact.personal_emails#best': bestEmail,
  'contact.personal_emails#all': allEmails,
  'dev_platform_profiles#urls': (profiles) =>
    joinEntries(profiles, (entry) => textOf(entry.profile_url), LIST_SEPARATOR),
  'certifications#names': namedWithIssuer('name', 'issuing_organization'),
  'honors#names': namedWithIssuer('title', 'issuer'),
};

/** Column ids that have a renderer; the catalog test checks every entries column is here. */
export const RENDERED_ENTRY_COLUMNS: readonly string[] = Object.keys(ENTRY_RENDERERS);

/** How each match column reads the match facts; keyed by column id. */
const MATCH_RENDERERS: Record<string, (info: MatchInfo) => CellValue> = {
  'match.confidence_score': (info) => info.confidenceScore ?? '',
  'match.match_type': matchTypeText,
  'match.candidate_count': (info) => info.candidateCount,
  'match.ambiguous': (info) => info.ambiguous,
};

/** Column ids of computed columns that have a renderer; the catalog test checks every one is here. */
export const RENDERED_COMPUTED_COLUMNS: readonly string[] = Object.keys(MATCH_RENDERERS);
