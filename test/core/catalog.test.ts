// The column catalog: paths match the person_data schema, selections parse strictly, columns are
// a function of the selection alone, and the credit estimate follows the pricing.
import {
  ALL_COLUMNS,
  apiFieldsOf,
  COMPUTED_COLUMNS,
  COMPUTED_FIELD_PATHS,
  COMPUTED_GROUPS,
  COMPUTED_PATHS,
  isComputedPath,
  isKnownPath,
  MATCH_ONLY_API_FIELDS,
  selectionEntries,
  columnsFor,
  creditsPerMatch,
  DEFAULT_FIELDS,
  FIELD_GROUPS,
  FIELD_PATHS,
  GROUP_NAMES,
  KNOWN_PATHS,
  parseFieldSelection,
  pathInfo,
  selectionKey,
  suggestPath,
} from '../../src/core/catalog';
import { EnrichError } from '../../src/core/errors';
import { RENDERED_COMPUTED_COLUMNS, RENDERED_ENTRY_COLUMNS } from '../../src/core/flatten';
import { allFieldPaths, FIELD_GROUPS as MOCK_GROUPS, isKnownFieldPath } from '../../dev/mock-api/fieldPaths';

describe('catalog paths against the schema', () => {
  test('the ten groups of the spec, each once', () => {
    expect([...GROUP_NAMES].sort()).toEqual([...MOCK_GROUPS].sort());
    expect(FIELD_GROUPS.map((group) => group.name)).toEqual(GROUP_NAMES);
  });

  test('every known path names properties of person_data (the mock accepts it)', () => {
    for (const path of KNOWN_PATHS) expect([path, isKnownFieldPath(path)]).toEqual([path, true]);
  });

  test('every schema property outside array items is a known path', () => {
    const arrayPaths = KNOWN_PATHS.filter((path) => pathInfo(path)!.kind === 'entries');
    const insideArray = (path: string) => arrayPaths.some((array) => path.startsWith(array + '.'));
    const expected = allFieldPaths().filter((path) => !insideArray(path) && !['crustdata_person_id', 'updated_at'].includes(path));
    expect([...KNOWN_PATHS].sort()).toEqual(expected.sort());
  });

  // Types read off the OpenAPI schema: arrays of objects are whole paths, arrays of strings are lists.
  const kinds: [string, string][] = [
    ['basic_profile', 'object'],
    ['basic_profile.name', 'value'],
    ['basic_profile.location', 'object'],
    ['basic_profile.location.raw', 'value'],
    ['basic_profile.normalized_title.similarity', 'value'],
    ['basic_profile.languages', 'list'],
    ['professional_network.verifications', 'list'],
    ['professional_network.open_to_cards', 'list'],
    ['professional_network.metadata.last_scraped_source', 'value'],
    ['skills.professional_network_skills', 'list'],
    ['contact.business_emails', 'entries'],
    ['contact.personal_emails', 'entries'],
    ['contact.phone_numbers', 'list'],
    ['contact.websites', 'list'],
    ['social_handles.twitter_identifier.slug', 'value'],
    ['dev_platform_profiles', 'entries'],
    ['experience.employment_details', 'object'],
    ['experience.employment_details.current', 'entries'],
    ['experience.employment_details.past', 'entries'],
    ['education.schools', 'entries'],
    ['certifications', 'entries'],
    ['honors', 'entries'],
  ];
  test.each(kinds)('%s is a %s', (path, kind) => {
    expect(pathInfo(path)?.kind).toBe(kind);
  });

  test('the sidebar picker lists every path below group level with its group and a header', () => {
    expect(FIELD_PATHS.length).toBe(KNOWN_PATHS.length - GROUP_NAMES.length);
    for (const info of FIELD_PATHS) {
      expect(info.path.startsWith(info.group + '.')).toBe(true);
      expect(info.header).not.toBe('');
    }
  });
});

describe('field groups and costs', () => {
  test('extra credits follow the pricing: contact up to +5, developer profiles +1, others 0', () => {
    const extras = Object.fromEntries(FIELD_GROUPS.map((group) => [group.name, group.extraCredits]));
    expect(extras).toEqual({
      basic_profile: 0,
      experience: 0,
      education: 0,
      skills: 0,
      contact: 5,
      social_handles: 0,
      dev_platform_profiles: 1,
      professional_network: 0,
      certifications: 0,
      honors: 0,
    });
  });

  test('certifications and honors need permission, nothing else does', () => {
    expect(FIELD_GROUPS.filter((group) => group.needsPermission).map((group) => group.name)).toEqual(['certifications', 'honors']);
  });

  test('each group has a label, a one-line description and a cost note', () => {
    for (const group of FIELD_GROUPS) {
      expect(group.label).not.toBe('');
      expect(group.description).not.toMatch(/\n/);
      expect(group.description.length).toBeLessThanOrEqual(90);
      expect(group.costNote).toMatch(group.extraCredits > 0 ? /\+\d credit/ : /No extra credits/);
    }
  });

  test('the groups the default draws on are marked', () => {
    expect(FIELD_GROUPS.filter((group) => group.isDefault).map((group) => group.name)).toEqual([
      'basic_profile',
      'experience',
      'social_handles',
    ]);
  });

  const credits: [string, number][] = [
    ['basic_profile', 1],
    ['basic_profile, experience, education, skills, social_handles, professional_network', 1],
    ['contact', 6],
    ['contact.business_emails', 2],
    ['contact.personal_emails', 3],
    ['contact.phone_numbers', 3],
    ['contact.websites', 1],
    ['contact.business_emails, contact.phone_numbers', 4],
    ['contact, contact.phone_numbers', 6],
    ['dev_platform_profiles', 2],
    ['contact, dev_platform_profiles, basic_profile', 7],
    ['certifications, honors', 1],
  ];
  test.each(credits)('%s costs 1 to %i credits per match', (fields, max) => {
    expect(creditsPerMatch(parseFieldSelection(fields))).toEqual({ min: 1, max });
  });

  test('the default costs exactly 1 credit per match', () => {
    expect(creditsPerMatch(parseFieldSelection(null))).toEqual({ min: 1, max: 1 });
  });
});

describe('parseFieldSelection', () => {
  test('nothing given: the compact default, made of schema paths', () => {
    for (const input of [null, undefined, '', '  ', ' , \n ', [], ['', '  ']]) {
      expect(parseFieldSelection(input as string | string[] | null | undefined)).toEqual({ fields: [...DEFAULT_FIELDS] });
    }
    for (const field of DEFAULT_FIELDS) expect(KNOWN_PATHS).toContain(field);
    expect(parseFieldSelection(DEFAULT_FIELDS.join(','))).toEqual({ fields: [...DEFAULT_FIELDS] });
  });

  const cases: [string | string[], string[]][] = [
    ['basic_profile', ['basic_profile']],
    ['basic_profile, experience', ['basic_profile', 'experience']],
    ['experience, basic_profile', ['basic_profile', 'experience']],
    ['experience\nbasic_profile', ['basic_profile', 'experience']],
    ['experience;basic_profile', ['basic_profile', 'experience']],
    ['BASIC_PROFILE , Experience', ['basic_profile', 'experience']],
    ['basic profile', ['basic_profile']],
    ['dev-platform-profiles', ['dev_platform_profiles']],
    ['"basic_profile.name"', ['basic_profile.name']],
    ['person_data.basic_profile.name', ['basic_profile.name']],
    ['basic_profile . name', ['basic_profile.name']],
    ['basic_profile.name, basic_profile.name, BASIC_PROFILE.NAME', ['basic_profile.name']],
    ['basic_profile.name, basic_profile', ['basic_profile']],
    ['basic_profile.location.city, basic_profile.location', ['basic_profile.location']],
    ['contact.phone_numbers, contact, skills', ['skills', 'contact']],
    ['basic_profile.headline, basic_profile.name', ['basic_profile.name', 'basic_profile.headline']],
    [['basic_profile.name', 'experience, education'], ['basic_profile.name', 'experience', 'education']],
    [['basic_profile.name', ''], ['basic_profile.name']],
  ];
  test.each(cases)('%j -> %j', (input, fields) => {
    expect(parseFieldSelection(input)).toEqual({ fields });
  });

  test('a range of cells (2-D, with numbers and blanks) is read like a list', () => {
    const range = [['basic_profile'], [''], ['skills']] as unknown as string[];
    expect(parseFieldSelection(range)).toEqual({ fields: ['basic_profile', 'skills'] });
  });

  const unknown: [string, string, string | null][] = [
    ['basic_profil', 'basic_profil', 'basic_profile'],
    ['basic_profile, experiance', 'experiance', 'experience'],
    ['name', 'name', 'basic_profile.name'],
    ['headline', 'headline', 'basic_profile.headline'],
    ['Current employer', 'Current employer', 'experience.employment_details.current'],
    ['experience.employment_details.current.title', 'experience.employment_details.current.title', 'experience.employment_details.current'],
    ['contact.business_emails.email', 'contact.business_emails.email', 'contact.business_emails'],
    ['crustdata_person_id', 'crustdata_person_id', null],
    ['zzzzzzzz', 'zzzzzzzz', null],
  ];
  test.each(unknown)('%j is refused naming %j (suggesting %j)', (input, named, suggestion) => {
    let error: unknown;
    try {
      parseFieldSelection(input);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(EnrichError);
    const { code, message } = error as EnrichError;
    expect(code).toBe('unknown_field');
    expect(message).toContain(`Unknown field "${named}".`);
    expect(message).toContain('Valid groups: basic_profile, experience, education');
    if (suggestion) expect(message).toContain(`Did you mean "${suggestion}"?`);
    else expect(message).not.toContain('Did you mean');
  });

  test('suggestPath never suggests something unknown', () => {
    for (const input of ['basic', 'locaton', 'skils', 'phone', 'emails', 'x']) {
      const suggestion = suggestPath(input);
      if (suggestion !== null) expect(KNOWN_PATHS).toContain(suggestion);
    }
  });
});

describe('selectionKey', () => {
  test('independent of order and case, different for different selections', () => {
    const a = selectionKey({ fields: ['experience', 'basic_profile'] });
    expect(selectionKey({ fields: ['basic_profile', 'experience'] })).toBe(a);
    expect(selectionKey({ fields: ['Basic_Profile', 'experience', 'experience'] })).toBe(a);
    expect(selectionKey({ fields: ['basic_profile'] })).not.toBe(a);
    expect(selectionKey(parseFieldSelection('education, skills'))).toBe(selectionKey(parseFieldSelection('skills\neducation')));
  });
});

describe('columnsFor', () => {
  test('the default gives a compact row, in this order', () => {
    expect(columnsFor(parseFieldSelection(null)).map((column) => column.header)).toEqual([
      'Name',
      'Headline',
      'Current title',
      'Location',
      'Current employer',
      'Current company domain',
      'Current start date',
      'Other current roles',
      'Profile URL',
    ]);
  });

  test('one selection always gives the same columns, however it was typed', () => {
    const a = columnsFor(parseFieldSelection('experience, basic_profile.name, contact'));
    const b = columnsFor(parseFieldSelection('contact\nBASIC_PROFILE.NAME, experience, contact.websites'));
    const c = columnsFor({ fields: ['contact', 'experience', 'basic_profile.name'] });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
  });

  test('every group gives its columns, each with an id, a header and its group', () => {
    const all = columnsFor(parseFieldSelection(GROUP_NAMES.join(',')));
    expect(all.map((column) => column.id)).toEqual(
      ALL_COLUMNS.filter((spec) => spec.id !== 'experience.employment_details.current#title').map((spec) => spec.id),
    );
    for (const column of all) expect(Object.keys(column).sort()).toEqual(['group', 'header', 'id']);
  });

  test('headers are unique across the whole catalog', () => {
    const headers = ALL_COLUMNS.map((spec) => spec.header);
    const duplicates = headers.filter((header, i) => headers.indexOf(header) !== i);
    // The one repeat is the current title, which a selection never shows twice (next test).
    expect(duplicates).toEqual(['Current title']);
  });

  test('"Current title" comes once: from basic_profile when selected, else from current employment', () => {
    const headers = (fields: string) => columnsFor(parseFieldSelection(fields)).map((column) => column.header);
    expect(headers('experience')).toEqual(['Current employer', 'Current title', 'Current company domain', 'Current start date', 'Other current roles', 'Past employers']);
    expect(headers('basic_profile.name, experience')).toContain('Current title');
    expect(columnsFor(parseFieldSelection('basic_profile, experience')).filter((c) => c.header === 'Current title')).toEqual([
      { id: 'basic_profile.current_title', header: 'Current title', group: 'basic_profile' },
    ]);
    expect(headers('basic_profile.current_title, experience.employment_details.current')).toEqual([
      'Current title',
      'Current employer',
      'Current company domain',
      'Current start date',
      'Other current roles',
    ]);
  });

  test('objects expand to their properties, arrays of objects to their readable columns', () => {
    const columns = (fields: string) => columnsFor(parseFieldSelection(fields)).map((column) => `${column.id} = ${column.header}`);
    expect(columns('basic_profile.location')).toEqual([
      'basic_profile.location.raw = Location',
      'basic_profile.location.city = City',
      'basic_profile.location.state = State',
      'basic_profile.location.country = Country',
      'basic_profile.location.continent = Continent',
    ]);
    expect(columns('contact')).toEqual([
      'contact.business_emails#best = Business email',
      'contact.business_emails#all = Business emails',
      'contact.personal_emails#best = Personal email',
      'contact.personal_emails#all = Personal emails',
      'contact.phone_numbers = Phone numbers',
      'contact.websites = Websites',
    ]);
    expect(columns('education, certifications, honors, dev_platform_profiles, skills')).toEqual([
      'education.schools#schools = Education',
      'skills.professional_network_skills = Skills',
      'dev_platform_profiles#urls = Developer profiles',
      'certifications#names = Certifications',
      'honors#names = Honors & awards',
    ]);
  });

  test('every column made from an array of objects has a renderer in flatten.ts', () => {
    const entryColumns = ALL_COLUMNS.filter((spec) => spec.kind === 'entries').map((spec) => spec.id);
    expect([...RENDERED_ENTRY_COLUMNS].sort()).toEqual(entryColumns.sort());
  });

  test('a hand-built selection with an unknown path is refused', () => {
    expect(() => columnsFor({ fields: ['basic_profile.nope'] })).toThrow(EnrichError);
  });

  test('callers get their own copy: changing it does not change the next answer', () => {
    const first = columnsFor(parseFieldSelection('skills'));
    first.push({ id: 'x', header: 'X', group: 'x' });
    expect(columnsFor(parseFieldSelection('skills'))).toHaveLength(1);
  });
});

describe('the match group: columns computed from the answer, never sent to the API', () => {
  test('match and its paths are valid in fields, and every one of them stays out of fields', () => {
    for (const input of ['match', 'match.confidence_score', 'Match . Candidate count', 'basic_profile, match.match_type, match.ambiguous']) {
      const selection = parseFieldSelection(input);
      expect(selection.fields.some(isComputedPath)).toBe(false);
      expect(selection.computed!.length).toBeGreaterThan(0);
      for (const field of selection.fields) expect(isKnownFieldPath(field)).toBe(true);
    }
    expect(parseFieldSelection('basic_profile, match')).toEqual({ fields: ['basic_profile'], computed: ['match'] });
    expect(parseFieldSelection('match.ambiguous, experience, match.confidence_score')).toEqual({
      fields: ['experience'],
      computed: ['match.confidence_score', 'match.ambiguous'],
    });
    expect(parseFieldSelection('match.confidence_score, match')).toEqual({ fields: [...MATCH_ONLY_API_FIELDS], computed: ['match'] });
  });

  test('match alone also asks for the name, so a request has fields and the score can be judged', () => {
    const selection = parseFieldSelection('match');
    expect(selection).toEqual({ fields: ['basic_profile.name'], computed: ['match'] });
    expect(columnsFor(selection).map((column) => column.header)).toEqual(['Name', 'Match confidence', 'Match type', 'Match candidates', 'Match ambiguous']);
  });

  test('without match, a selection is exactly what it was (no computed property, same key)', () => {
    expect(parseFieldSelection('basic_profile, experience')).toEqual({ fields: ['basic_profile', 'experience'] });
    expect(selectionKey(parseFieldSelection('experience, basic_profile'))).toBe('basic_profile,experience');
  });

  test('match columns come after every API column, in catalog order, whatever the order typed', () => {
    const ids = columnsFor(parseFieldSelection('match.candidate_count, skills, match.confidence_score')).map((column) => column.id);
    expect(ids).toEqual(['skills.professional_network_skills', 'match.confidence_score', 'match.candidate_count']);
  });

  test('the key differs with match columns, and a selection survives being stored as its entries', () => {
    const withMatch = parseFieldSelection('basic_profile, match');
    expect(selectionKey(withMatch)).not.toBe(selectionKey(parseFieldSelection('basic_profile')));
    expect(selectionEntries(withMatch)).toEqual(['basic_profile', 'match']);
    expect(parseFieldSelection(selectionEntries(withMatch))).toEqual(withMatch);
    expect(columnsFor(withMatch)).toEqual(columnsFor(parseFieldSelection(selectionEntries(withMatch))));
  });

  test('apiFieldsOf strips computed paths from a hand-built selection (stored settings, older callers)', () => {
    expect(apiFieldsOf({ fields: ['basic_profile', 'match', 'Match.Confidence_Score'] })).toEqual(['basic_profile']);
    expect(columnsFor({ fields: ['basic_profile.name', 'match.ambiguous'] }).map((column) => column.id)).toEqual(['basic_profile.name', 'match.ambiguous']);
  });

  test('not an API path: out of KNOWN_PATHS, FIELD_PATHS, ALL_COLUMNS, FIELD_GROUPS and the credit estimate', () => {
    expect(COMPUTED_PATHS).toEqual(['match', 'match.confidence_score', 'match.match_type', 'match.candidate_count', 'match.ambiguous']);
    for (const path of COMPUTED_PATHS) {
      expect(isKnownPath(path)).toBe(false);
      expect(isKnownFieldPath(path)).toBe(false);
      expect(KNOWN_PATHS).not.toContain(path);
    }
    expect(FIELD_GROUPS.map((group) => group.name)).not.toContain('match');
    expect(ALL_COLUMNS.some((spec) => spec.group === 'match')).toBe(false);
    expect(creditsPerMatch(parseFieldSelection('basic_profile, match'))).toEqual(creditsPerMatch(parseFieldSelection('basic_profile')));
    expect(COMPUTED_GROUPS).toEqual([expect.objectContaining({ name: 'match', extraCredits: 0, needsPermission: false, isDefault: false })]);
    expect(COMPUTED_FIELD_PATHS.map((info) => info.path)).toEqual(COMPUTED_PATHS.slice(1));
  });

  test('every computed column has a renderer in flatten.ts; headers do not clash with API columns', () => {
    expect([...RENDERED_COMPUTED_COLUMNS].sort()).toEqual(COMPUTED_COLUMNS.map((spec) => spec.id).sort());
    const apiHeaders = new Set(ALL_COLUMNS.map((spec) => spec.header));
    for (const spec of COMPUTED_COLUMNS) expect(apiHeaders.has(spec.header)).toBe(false);
  });

  test('typos get a suggestion from the match group too; the error names it', () => {
    expect(suggestPath('match.confidense_score')).toBe('match.confidence_score');
    expect(suggestPath('match.confidense_score')).toBe('match.confidence_score');
    expect(() => parseFieldSelection('match.score')).toThrow(/and match for match-quality columns/);
  });
});
