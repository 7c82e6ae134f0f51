// Identifier rules: classify a cell as profile URL, business email, blank or invalid, and
// normalize it to the one form sent to the API (see README, "Identifiers").
//
// Rules (the README quotes them):
// - Blank: null, undefined, '' or only whitespace (zero-width spaces and no-break spaces included).
// - Numbers, booleans, dates and other non-text cells are invalid, each with its own message.
// - Surrounding whitespace, quotes and <angle brackets> are dropped first.
// - Business email: anything with an "@" and no "/" (or starting with "mailto:"). "mailto:" and any
//   "?subject=…" after it are dropped, "Name <a@b.com>" keeps the address, the result is lower-cased
//   and must be a plain address: ASCII local part (no leading, trailing or double dot, at most 64
//   characters), a domain of at least two ASCII labels ending in a letter TLD, at most 254 characters.
// - Profile URL, always sent as https://www.linkedin.com/in/<slug>:
//   - scheme optional; http and https only; "//host/…" accepted;
//   - host linkedin.com or one subdomain of it: www, m, mobile, touch or a two-letter country code
//     (uk., de., in., …), case folded, port and trailing dot dropped;
//   - query string, fragment, trailing slash and every segment after the slug (/details/experience/,
//     /recent-activity/, /overlay/…, a locale such as /en) are dropped; so is a /mwlite prefix;
//   - the slug is percent-decoded (a unicode slug stays unicode, readable and sent as such), then
//     lower-cased; after decoding it may hold only letters, marks, digits, "-" and "_", 1 to
//     100 characters with at least one letter or digit, else the URL is invalid (so nothing the API
//     would reject with 400 is sent);
//   - a member id (ACoAA…, ACwAA…) in place of the slug, or alone in the cell, is invalid: the API
//     rejects it with a 400 that fails the whole batch;
//   - /company/, /school/, /showcase/, /jobs/, /posts/, /feed/, /pulse/, /groups/ pages, Sales
//     Navigator and Recruiter links, old /pub/ URLs and lnkd.in short links are invalid, each with
//     a message saying what to paste instead.
import type { ClassifiedIdentifier, IdentifierKind } from './types';

export const PROFILE_URL_PREFIX = 'https://www.linkedin.com/in/';

export const MESSAGES = {
  invalidUrl: 'Invalid LinkedIn URL',
  noSlug: 'Invalid LinkedIn URL (no profile name after /in/)',
  memberId: 'LinkedIn member id (ACoAA…) not supported: use the /in/ profile URL',
  salesNavigator: 'Sales Navigator URL not supported: use the /in/ profile URL',
  recruiter: 'Recruiter URL not supported: use the /in/ profile URL',
  oldPub: 'Old /pub/ URL not supported: open it and paste the /in/ URL it leads to',
  shortLink: 'Short link (lnkd.in) not supported: open it and paste the /in/ URL',
  notLinkedIn: 'Not a LinkedIn URL',
  notProfile: 'Not a profile URL',
  invalidEmail: 'Invalid email',
  notIdentifier: 'Not a LinkedIn URL or email',
  number: 'A number, not a LinkedIn URL or email',
  boolean: 'TRUE/FALSE, not a LinkedIn URL or email',
  date: 'A date, not a LinkedIn URL or email',
  tooLong: 'Too long for a LinkedIn URL or email',
} as const;

/** Pages under linkedin.com that are not people, with the word a user recognizes. */
const NON_PROFILE_PAGES: Record<string, string> = {
  company: 'company page',
  school: 'school page',
  showcase: 'showcase page',
  jobs: 'job posting',
  job: 'job posting',
  posts: 'post',
  feed: 'post',
  pulse: 'article',
  groups: 'group',
  events: 'event',
  learning: 'course',
  search: 'search page',
  newsletters: 'newsletter',
};

const MAX_CELL_IDENTIFIER_LENGTH = 2000;
const MAX_SLUG_LENGTH = 100;

// Trim() leaves these alone; they arrive with text copied from web pages.
const INVISIBLE_CHARS = /[\u200B-\u200D\u2060\uFEFF]/g;
const MEMBER_ID = /^AC[a-zA-Z0-9_-]AA[A-Za-z0-9_-]{10,}$/;
// LinkedIn slugs are letters (any script, with their marks), digits, "-" and "_"; the API
// refuses anything else with a 400 for the whole batch, so such a cell is invalid here.
const SLUG_CHARS = /^[\p{L}\p{M}\p{N}_-]+$/u;
const SLUG_HAS_LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
const LINKEDIN_SUBDOMAIN = /^(www|m|mobile|touch|[a-z]{2})$/;

type Normalized = { ok: true; value: string } | { ok: false; message: string };

const invalid = (message: string): ClassifiedIdentifier => ({ kind: 'invalid', message });

export function classifyIdentifier(cell: unknown): ClassifiedIdentifier {
  if (cell === null || cell === undefined) return { kind: 'blank' };
  if (typeof cell === 'number' || typeof cell === 'bigint') return invalid(MESSAGES.number);
  if (typeof cell === 'boolean') return invalid(MESSAGES.boolean);
  // Apps Script hands date cells over as Date objects, possibly from another realm (the emulator's vm).
  if (Object.prototype.toString.call(cell) === '[object Date]') return invalid(MESSAGES.date);
  if (typeof cell !== 'string') return invalid(MESSAGES.notIdentifier);

  const text = unwrap(cell.replace(INVISIBLE_CHARS, '').trim());
  if (text === '') return { kind: 'blank' };
  if (text.length > MAX_CELL_IDENTIFIER_LENGTH) return invalid(MESSAGES.tooLong);

  const kind = guessKind(text);
  const result = kind === 'business_email' ? normalizeEmail(text) : normalizeProfileUrl(text);
  return result.ok ? { kind, normalized: result.value } : invalid(result.message);
}

function guessKind(text: string): IdentifierKind {
  if (/^mailto:/i.test(text)) return 'business_email';
  return text.includes('@') && !text.includes('/') ? 'business_email' : 'profile_url';
}

/** Drops one layer of surrounding quotes or angle brackets: "…", '…', <…>. */
function unwrap(text: string): string {
  const first = text[0];
  const last = text[text.length - 1];
  const paired = (first === '"' && last === '"') || (first === "'" && last === "'") || (first === '<' && last === '>');
  return paired && text.length >= 2 ? text.slice(1, -1).trim() : text;
}

/** The API form of a profile URL, or why there is none. */
export function normalizeProfileUrl(input: string): Normalized {
  const text = unwrap(input.replace(INVISIBLE_CHARS, '').trim());
  const fail = (message: string): Normalized => ({ ok: false, message });
  if (text === '') return fail(MESSAGES.invalidUrl);
  if (MEMBER_ID.test(text)) return fail(MESSAGES.memberId);

  let rest = text;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const name = scheme[1].toLowerCase();
    if (name !== 'http' && name !== 'https') return fail(MESSAGES.invalidUrl);
    rest = rest.slice(scheme[0].length);
  } else if (rest.startsWith('//')) {
    rest = rest.slice(2);
  }
  if (/\s/.test(rest)) return fail(/linkedin\./i.test(rest) ? MESSAGES.invalidUrl : MESSAGES.notIdentifier);

  const hostEnd = rest.search(/[/?#]/);
  const hostPart = hostEnd === -1 ? rest : rest.slice(0, hostEnd);
  const afterHost = hostEnd === -1 ? '' : rest.slice(hostEnd);
  if (hostPart.includes('@')) return fail(MESSAGES.invalidUrl);
  const host = hostPart.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase();

  if (host === 'lnkd.in' || host === 'www.lnkd.in') return fail(MESSAGES.shortLink);
  if (!host.includes('.')) {
    // Text with no host at all: a bare word, a name, a stray slug.
    return fail(MESSAGES.notIdentifier);
  }
  if (host !== 'linkedin.com') {
    if (!host.endsWith('.linkedin.com')) return fail(MESSAGES.notLinkedIn);
    const subdomain = host.slice(0, -'.linkedin.com'.length);
    if (!LINKEDIN_SUBDOMAIN.test(subdomain)) return fail(MESSAGES.invalidUrl);
  }

  const pathEnd = afterHost.search(/[?#]/);
  const path = pathEnd === -1 ? afterHost : afterHost.slice(0, pathEnd);
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.length > 0 && segments[0].toLowerCase() === 'mwlite') segments.shift();
  if (segments.length === 0) return fail(MESSAGES.notProfile);

  const section = segments[0].toLowerCase();
  if (section === 'pub') return fail(MESSAGES.oldPub);
  if (section === 'sales') return fail(MESSAGES.salesNavigator);
  if (section === 'talent' || section === 'recruiter') return fail(MESSAGES.recruiter);
  if (section !== 'in') {
    const page = NON_PROFILE_PAGES[section];
    return fail(page ? `${MESSAGES.notProfile} (${page})` : MESSAGES.notProfile);
  }
  if (segments.length < 2) return fail(MESSAGES.noSlug);

  const slug = decodeSlug(segments[1]);
  if (slug === null) return fail(MESSAGES.invalidUrl);
  if (MEMBER_ID.test(slug)) return fail(MESSAGES.memberId);
  const wellFormed = slug.length <= MAX_SLUG_LENGTH && SLUG_CHARS.test(slug) && SLUG_HAS_LETTER_OR_DIGIT.test(slug);
  if (!wellFormed) return fail(MESSAGES.invalidUrl);
  return { ok: true, value: PROFILE_URL_PREFIX + slug.toLowerCase() };
}

/** Percent-decodes a slug; null when the encoding is broken. */
function decodeSlug(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

const EMAIL_LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL_DOMAIN = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/** The API form of a business email (trimmed, lower-case, plain address), or why there is none. */
export function normalizeEmail(input: string): Normalized {
  const fail: Normalized = { ok: false, message: MESSAGES.invalidEmail };
  let text = unwrap(input.replace(INVISIBLE_CHARS, '').trim());
  if (/^mailto:/i.test(text)) {
    text = text.slice('mailto:'.length);
    const query = text.indexOf('?');
    if (query !== -1) text = text.slice(0, query);
    text = safeDecode(text) ?? text;
  }
  // "Ada Lovelace <ada@example.com>", as copied from a mail client: the address is unambiguous.
  const named = /^[^<>]*<([^<>]+)>$/.exec(text);
  if (named) text = named[1];
  const address = text.trim().toLowerCase();

  if (address.length > 254) return fail;
  const at = address.lastIndexOf('@');
  if (at <= 0 || address.indexOf('@') !== at) return fail;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || !EMAIL_LOCAL.test(local)) return fail;
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return fail;
  if (!TOP_LEVEL_DOMAIN.test(labels[labels.length - 1])) return fail;
  return { ok: true, value: address };
}

function safeDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

export interface UniqueIdentifier {
  kind: IdentifierKind;
  normalized: string;
  /** Indexes into the input cells holding this identifier, ascending. */
  rows: number[];
}

/**
 * Classifies every cell and groups the valid ones by normalized identifier, in first-seen order,
 * so one request answers every row that holds the same person.
 */
export function dedupeIdentifiers(cells: unknown[]): { classified: ClassifiedIdentifier[]; unique: UniqueIdentifier[] } {
  const classified: ClassifiedIdentifier[] = new Array(cells.length);
  const unique: UniqueIdentifier[] = [];
  const byKey = new Map<string, UniqueIdentifier>();
  for (let row = 0; row < cells.length; row++) {
    const identifier = classifyIdentifier(cells[row]);
    classified[row] = identifier;
    if (identifier.kind !== 'profile_url' && identifier.kind !== 'business_email') continue;
    const key = identifier.kind + ' ' + identifier.normalized;
    const seen = byKey.get(key);
    if (seen) {
      seen.rows.push(row);
    } else {
      const entry: UniqueIdentifier = { kind: identifier.kind, normalized: identifier.normalized, rows: [row] };
      byKey.set(key, entry);
      unique.push(entry);
    }
  }
  return { classified, unique };
}
