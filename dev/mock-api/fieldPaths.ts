// The property tree of person_data, transcribed from Crustdata's OpenAPI schema (docs/CRUSTDATA-API.md), so the
// mock can tell a valid `fields` entry from an unknown one and cut a person down to a selection.
// Rule: a field path is valid when every segment names a property in the schema, walking
// through objects and through the item objects of arrays (experience.employment_details.current.title).

/** A leaf is a scalar, an array of scalars, or a value the mock never splits further. */
export const LEAF = null;
export type FieldNode = { readonly [property: string]: FieldNode } | null;

const location: FieldNode = { city: LEAF, state: LEAF, country: LEAF, continent: LEAF, raw: LEAF };

const employmentDetails: FieldNode = {
  name: LEAF,
  professional_network_id: LEAF,
  title: LEAF,
  description: LEAF,
  location: { raw: LEAF },
  employment_type: LEAF,
  start_date: LEAF,
  end_date: LEAF,
  is_default: LEAF,
  crustdata_company_id: LEAF,
  company_website_domain: LEAF,
  company_profile_picture_permalink: LEAF,
  company_professional_network_profile_url: LEAF,
  seniority_level: LEAF,
  function_category: LEAF,
  years_at_company: LEAF,
  years_at_company_raw: LEAF,
  company_headcount_latest: LEAF,
  company_headcount_range: LEAF,
  company_industries: LEAF,
  company_professional_network_industry: LEAF,
  company_type: LEAF,
  company_website: LEAF,
  company_headquarters_country: LEAF,
  company_hq_location: LEAF,
  company_hq_location_address_components: LEAF,
  position_id: LEAF,
  business_email_verified: LEAF,
  // Not in the OpenAPI schema, but the reference page documents the path
  // experience.employment_details.current.company_name ("the person's current company name").
  // The mock accepts it and answers it from `name` under the key `company_name`.
  company_name: LEAF,
};

/** Property names that the mock answers from another property of the same object. */
export const FIELD_ALIASES: Readonly<Record<string, string>> = { company_name: 'name' };

const emailRecord: FieldNode = { email: LEAF, status: LEAF, last_updated: LEAF };

export const PERSON_FIELD_TREE: { readonly [group: string]: FieldNode } = {
  crustdata_person_id: LEAF,
  basic_profile: {
    name: LEAF,
    headline: LEAF,
    first_name: LEAF,
    last_name: LEAF,
    current_title: LEAF,
    professional_network_name: LEAF,
    normalized_title: { matched_title: LEAF, department: LEAF, sub_department: LEAF, similarity: LEAF, confident: LEAF },
    summary: LEAF,
    languages: LEAF,
    last_updated: LEAF,
    profile_picture_permalink: LEAF,
    location,
  },
  professional_network: {
    profile_picture_url: LEAF,
    profile_picture_permalink: LEAF,
    name: LEAF,
    pronoun: LEAF,
    headline: LEAF,
    current_title: LEAF,
    summary: LEAF,
    location,
    connections: LEAF,
    followers: LEAF,
    joined_date: LEAF,
    verifications: LEAF,
    open_to_cards: LEAF,
    metadata: { last_scraped_source: LEAF },
  },
  skills: { professional_network_skills: LEAF },
  contact: {
    business_emails: { ...emailRecord, crustdata_company_id: LEAF },
    personal_emails: emailRecord,
    phone_numbers: LEAF,
    websites: LEAF,
  },
  social_handles: {
    professional_network_identifier: { profile_url: LEAF },
    dev_platform_identifier: { profile_url: LEAF },
    twitter_identifier: { slug: LEAF },
  },
  dev_platform_profiles: {
    account_type: LEAF,
    profile_url: LEAF,
    name: LEAF,
    email: LEAF,
    location: { raw: LEAF },
    company_text: LEAF,
    bio: LEAF,
    website_url: LEAF,
    profile_picture_url: LEAF,
    is_hireable: LEAF,
    is_site_admin: LEAF,
    confidence_score: LEAF,
    public_repo_count: LEAF,
    followers: LEAF,
    following: LEAF,
    declared_handles: { provider: LEAF, url: LEAF, created_at: LEAF, last_updated: LEAF },
    org_memberships: {
      organization_id: LEAF,
      organization_github_id: LEAF,
      organization_login: LEAF,
      created_at: LEAF,
      last_updated: LEAF,
    },
    metadata: { created_at: LEAF, last_scraped_source: LEAF, last_updated: LEAF },
  },
  experience: { employment_details: { current: employmentDetails, past: employmentDetails } },
  certifications: {
    name: LEAF,
    issuing_organization: LEAF,
    issue_date: LEAF,
    expiration_date: LEAF,
    credential_id: LEAF,
    credential_url: LEAF,
    source: LEAF,
  },
  honors: {
    title: LEAF,
    issued_date: LEAF,
    description: LEAF,
    issuer: LEAF,
    media_urls: LEAF,
    associated_organization: LEAF,
    associated_organization_professional_network_id: LEAF,
  },
  education: {
    schools: {
      school: LEAF,
      degree: LEAF,
      field_of_study: LEAF,
      description: LEAF,
      location,
      start_year: LEAF,
      end_year: LEAF,
      activities_and_societies: LEAF,
      institute_logo_permalink: LEAF,
      institute_logo_url: LEAF,
      professional_network_id: LEAF,
    },
  },
  updated_at: LEAF,
};

/** The section groups the API documents for `fields`. */
export const FIELD_GROUPS = [
  'basic_profile',
  'professional_network',
  'skills',
  'contact',
  'social_handles',
  'experience',
  'education',
  'certifications',
  'honors',
  'dev_platform_profiles',
] as const;
export type FieldGroup = (typeof FIELD_GROUPS)[number];

/** What the API returns when `fields` is absent. */
export const DEFAULT_FIELD_GROUPS: readonly FieldGroup[] = ['basic_profile', 'social_handles'];

/** Groups a key needs field-level permission for. */
export const PERMISSIONED_GROUPS = ['certifications', 'honors'] as const;
export type PermissionedGroup = (typeof PERMISSIONED_GROUPS)[number];

export function isKnownFieldPath(path: string): boolean {
  if (path === '') return false;
  let node: FieldNode = { ...PERSON_FIELD_TREE };
  for (const segment of path.split('.')) {
    if (node === null || !Object.prototype.hasOwnProperty.call(node, segment)) return false;
    node = node[segment];
  }
  return true;
}

/** Every valid path, depth first, in schema order: for tests and for anyone building a catalog. */
export function allFieldPaths(): string[] {
  const out: string[] = [];
  const walk = (node: FieldNode, prefix: string) => {
    if (node === null) return;
    for (const key of Object.keys(node)) {
      const path = prefix ? `${prefix}.${key}` : key;
      out.push(path);
      walk(node[key], path);
    }
  };
  walk(PERSON_FIELD_TREE, '');
  return out;
}

/**
 * A selection as a tree: `true` keeps the whole value at that point. Built from validated
 * paths; a shorter path wins over a longer one under it (["contact", "contact.websites"] = contact).
 */
export type SelectionTree = { [property: string]: SelectionTree | true };

export function selectionTreeOf(paths: readonly string[]): SelectionTree {
  const root: SelectionTree = {};
  for (const path of paths) {
    const segments = path.split('.');
    let node = root;
    for (let i = 0; i < segments.length; i++) {
      const segment = segments[i];
      const existing = node[segment];
      if (existing === true) break;
      if (i === segments.length - 1) {
        node[segment] = true;
      } else {
        if (existing === undefined) node[segment] = {};
        node = node[segment] as SelectionTree;
      }
    }
  }
  return root;
}

/**
 * Cuts a value down to a selection, keeping the data's own key order; arrays are walked item
 * by item, nulls stay null, absent stays absent.
 */
export function project(value: unknown, selection: SelectionTree): unknown {
  if (value === null || value === undefined) return value;
  if (Array.isArray(value)) return value.map((item) => project(item, selection));
  if (typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(source)) {
    const sub = Object.prototype.hasOwnProperty.call(selection, key) ? selection[key] : undefined;
    if (sub !== undefined) out[key] = sub === true ? source[key] : project(source[key], sub);
  }
  for (const [key, sub] of Object.entries(selection)) {
    const sourceKey = FIELD_ALIASES[key];
    if (key in out || sourceKey === undefined || !Object.prototype.hasOwnProperty.call(source, sourceKey)) continue;
    out[key] = sub === true ? source[sourceKey] : project(source[sourceKey], sub);
  }
  return out;
}

/** True when the selection asks for anything under `path` (or for `path` as a whole or an ancestor). */
export function selectionTouches(selection: SelectionTree, path: string): boolean {
  let node: SelectionTree | true = selection;
  for (const segment of path.split('.')) {
    if (node === true) return true;
    const next: SelectionTree | true | undefined = node[segment];
    if (next === undefined) return false;
    node = next;
  }
  return true;
}
