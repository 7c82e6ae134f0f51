// The mock's dataset: deterministic, covering every schema path, and carrying the hostile values
// the add-on must survive (formula prefixes, HTML, newlines, >50,000 characters, number-like text).
import {
  businessEmailOf, LONG_SUMMARY_LENGTH, MockDataset, personByBusinessEmail, personBySlug, profileUrlOf, SAMPLE_SIZE,
  samplePeople, SPECIAL, SPECIAL_NAMES, syntheticBusinessEmail, syntheticCompany, syntheticIdentifiers, syntheticPerson,
  syntheticProfileUrl, type MockPerson,
} from '../../../dev/mock-api/dataset';
import { allFieldPaths, FIELD_ALIASES } from '../../../dev/mock-api/fieldPaths';

/** Every value found at a dot-path, walking through arrays. */
function valuesAt(value: unknown, path: string): unknown[] {
  let current: unknown[] = [value];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const item of current) {
      const items = Array.isArray(item) ? item : [item];
      for (const entry of items) {
        if (entry && typeof entry === 'object' && segment in (entry as object)) next.push((entry as Record<string, unknown>)[segment]);
      }
    }
    current = next;
  }
  return current;
}

function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => allStrings(item, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => allStrings(item, out));
  return out;
}

const people = samplePeople();
const everyString = people.flatMap((person) => allStrings(person.data));

describe('determinism', () => {
  test('a fresh load builds the same people, without Math.random', () => {
    const random = jest.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random used');
    });
    try {
      let fresh: readonly MockPerson[] = [];
      let freshSynthetic: MockPerson | undefined;
      jest.isolateModules(() => {
        const module = require('../../../dev/mock-api/dataset') as typeof import('../../../dev/mock-api/dataset');
        fresh = module.samplePeople();
        freshSynthetic = module.personBySlug('synthetic-9876');
      });
      expect(JSON.stringify(fresh)).toBe(JSON.stringify(people));
      expect(freshSynthetic).toEqual(personBySlug('synthetic-9876'));
    } finally {
      random.mockRestore();
    }
  });

  test('a pinned fingerprint: changing the generator is a visible decision', () => {
    const first = people[0];
    expect(people).toHaveLength(SAMPLE_SIZE);
    expect(first.slug).toMatch(/^[a-z0-9-]+$/);
    expect(first.data.crustdata_person_id).toBe(1000);
    // Same slug in, same person out, every time.
    expect(personBySlug(first.slug)).toBe(first);
    expect(syntheticPerson(5)).toEqual(syntheticPerson(5));
  });
});

describe('identity', () => {
  test('unique slugs, emails and ids; canonical profile URLs; the business email is in the contact data', () => {
    expect(new Set(people.map((p) => p.slug)).size).toBe(people.length);
    expect(new Set(people.map((p) => p.businessEmail)).size).toBe(people.length);
    expect(new Set(people.map((p) => p.data.crustdata_person_id)).size).toBe(people.length);
    for (const person of people) {
      expect(profileUrlOf(person)).toBe(`https://www.linkedin.com/in/${person.slug}`);
      expect(person.slug).toBe(person.slug.toLowerCase());
      expect(businessEmailOf(person)).toMatch(/^[^\s@A-Z]+@[a-z0-9-]+\.example$/);
      expect(person.data.contact?.business_emails?.map((record) => record.email.replace(/^[=+\-@]/, ''))).toContain(person.businessEmail);
      expect(personByBusinessEmail(person.businessEmail.toUpperCase())).toBe(person);
      expect(personBySlug(person.slug.toUpperCase())).toBe(person);
    }
  });

  test('generated people: any synthetic-<n> resolves, email on its employer domain, 10,000+ unique', () => {
    const urls = syntheticIdentifiers(10_000, 'profile_url');
    const emails = syntheticIdentifiers(10_000, 'business_email');
    expect(new Set(urls).size).toBe(10_000);
    expect(new Set(emails).size).toBe(10_000);
    expect(urls[123]).toBe('https://www.linkedin.com/in/synthetic-123');
    expect(syntheticIdentifiers(2, 'business_email', 500)).toEqual([syntheticBusinessEmail(500), syntheticBusinessEmail(501)]);
    const person = personBySlug('synthetic-123')!;
    expect(person.profileUrl).toBe(syntheticProfileUrl(123));
    expect(person.businessEmail).toBe(emails[123]);
    expect(personByBusinessEmail(emails[123])).toBe(person);
    expect(person.data.experience!.employment_details!.current![0].name).toBe(syntheticCompany(123).name);
    expect(emails[123].endsWith('@' + syntheticCompany(123).domain)).toBe(true);
    expect(personBySlug('synthetic-999999999')).toBeDefined();
  });

  test('nobody answers to missing-*, unknown emails, or near-miss synthetic identifiers', () => {
    for (const slug of ['missing-1', 'missing-synthetic-1', 'synthetic-007', 'synthetic-', 'synthetic-1x', 'synthetic--1', 'nobody']) {
      expect([slug, personBySlug(slug)]).toEqual([slug, undefined]);
    }
    for (const email of ['nobody@acme-analytics.example', 'synthetic-1@acme-analytics.example', 'synthetic-0@acme-analytics.example.com']) {
      expect([email, personByBusinessEmail(email)]).toEqual([email, undefined]);
    }
    expect(personByBusinessEmail('SYNTHETIC-0@ACME-ANALYTICS.EXAMPLE')).toBe(personBySlug('synthetic-0'));
  });
});

describe('coverage of the schema', () => {
  const paths = allFieldPaths().filter((path) => !(path.split('.').pop()! in FIELD_ALIASES));

  test.each(paths)('some sample person has a real value at %s', (path) => {
    const present = people.flatMap((person) => valuesAt(person.data, path)).filter((value) =>
      value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0));
    expect(present.length).toBeGreaterThan(0);
  });

  test.each([
    'basic_profile.location', 'basic_profile.normalized_title', 'basic_profile.professional_network_name', 'basic_profile.last_updated',
    'dev_platform_profiles', 'updated_at', 'experience.employment_details.current.end_date', 'education.schools.degree',
    'honors.title', 'professional_network.connections', 'social_handles.dev_platform_identifier.profile_url',
  ])('some person has null at %s', (path) => {
    expect(people.some((person) => valuesAt(person.data, path).includes(null))).toBe(true);
  });

  test('empty arrays and absent groups occur too', () => {
    expect(people.some((person) => Array.isArray(person.data.dev_platform_profiles) && person.data.dev_platform_profiles.length === 0)).toBe(true);
    expect(people.some((person) => person.data.contact?.phone_numbers?.length === 0)).toBe(true);
    expect(Object.keys(SPECIAL.sparse.data).sort()).toEqual(['basic_profile', 'contact', 'crustdata_person_id']);
  });

  test('long arrays', () => {
    const data = SPECIAL.longArrays.data;
    expect(data.skills!.professional_network_skills!.length).toBeGreaterThanOrEqual(100);
    expect(data.experience!.employment_details!.past!.length).toBeGreaterThanOrEqual(30);
    expect(data.certifications!.length).toBeGreaterThanOrEqual(25);
    expect(data.education!.schools!.length).toBeGreaterThanOrEqual(10);
    expect(data.dev_platform_profiles!.length).toBeGreaterThanOrEqual(5);
  });
});

describe('hostile values', () => {
  test.each(['=', '+', '-', '@'])('text starting with %s', (prefix) => {
    expect(everyString.filter((text) => text.startsWith(prefix)).length).toBeGreaterThan(3);
  });

  test('the named hostile people carry what their names say', () => {
    expect(SPECIAL.hostileHeadline.data.basic_profile!.headline).toBe('=HYPERLINK("http://evil.example","x")');
    expect(SPECIAL.hostileHeadline.data.basic_profile!.summary).toBe('-5');
    expect(SPECIAL.hostileHeadline.data.experience!.employment_details!.current![0].name!.startsWith('=')).toBe(true);
    expect(SPECIAL.htmlHeadline.data.basic_profile!.headline).toBe('<img src=x onerror=alert(1)>');
    expect(SPECIAL.longSummary.data.basic_profile!.summary!.length).toBe(LONG_SUMMARY_LENGTH);
    expect(LONG_SUMMARY_LENGTH).toBeGreaterThan(60_000);
    expect(SPECIAL.longSummary.data.basic_profile!.summary!.endsWith('END-OF-SUMMARY')).toBe(true);
    expect(SPECIAL.leadingZeros.slug).toBe('00123');
    expect(allStrings(SPECIAL.leadingZeros.data)).toEqual(expect.arrayContaining(['00123', '000456', '007']));
    expect(SPECIAL.plusPhone.data.contact!.phone_numbers).toEqual(expect.arrayContaining(['+14155550100', '+1 555 0100', '-5']));
    expect(SPECIAL.numberLike.data.basic_profile).toMatchObject({ name: 'TRUE', headline: '1e10', current_title: '#N/A', summary: '50%' });
    expect(SPECIAL.newlines.data.basic_profile!.headline).toContain('\n');
    expect(SPECIAL.newlines.data.basic_profile!.summary).toContain('\r\n');
    const hostileEverywhere = allStrings(SPECIAL.hostileEverywhere.data).filter((text) => !text.includes('hostile-everywhere') && !text.includes('hostile.everywhere'));
    expect(hostileEverywhere.length).toBeGreaterThan(50);
    expect(hostileEverywhere.every((text) => /^[=+\-@]/.test(text))).toBe(true);
  });

  test('phone numbers in E.164 and other number-like text are common, not only in the specials', () => {
    const ordinary = people.filter((person) => !SPECIAL_NAMES.some((name) => SPECIAL[name] === person));
    expect(ordinary.flatMap((person) => person.data.contact?.phone_numbers ?? []).filter((phone) => /^\+\d{10,}$/.test(phone)).length).toBeGreaterThan(30);
  });

  test('unicode: names beyond Latin-1, emoji, combining marks, right-to-left text', () => {
    const names = people.map((person) => person.data.basic_profile?.name ?? '');
    expect(names.filter((name) => /[^\u0000-\u00ff]/.test(name)).length).toBeGreaterThan(30);
    expect(names.some((name) => /[\u0400-\u04ff]/.test(name))).toBe(true);
    expect(names.some((name) => /[\u4e00-\u9fff]/.test(name))).toBe(true);
    expect(SPECIAL.unicode.data.basic_profile!.name).toContain('🚀');
    expect(SPECIAL.unicode.data.basic_profile!.headline).toMatch(/[\u0600-\u06ff]/);
    expect(SPECIAL.unicode.data.basic_profile!.summary).toContain('\u0301');
  });

  test('SPECIAL lists every special person, each a sample person with its URL and email', () => {
    expect(Object.keys(SPECIAL).sort()).toEqual([...SPECIAL_NAMES].sort());
    for (const name of SPECIAL_NAMES) {
      const person = SPECIAL[name];
      expect(people).toContain(person);
      expect(personBySlug(person.slug)).toBe(person);
      expect(person.profileUrl).toBe(`https://www.linkedin.com/in/${person.slug}`);
    }
  });
});

describe('MockDataset: edits, removal and churn', () => {
  test('updatePerson edits a copy; the pristine person and other datasets are untouched', () => {
    const dataset = new MockDataset();
    const original = JSON.stringify(SPECIAL.unicode.data);
    const edited = dataset.updatePerson(SPECIAL.unicode.slug, (data) => ({ ...data, updated_at: 'changed' }));
    expect(edited.data.updated_at).toBe('changed');
    expect(dataset.findBySlug(SPECIAL.unicode.slug)!.data.updated_at).toBe('changed');
    expect(dataset.findByBusinessEmail(SPECIAL.unicode.businessEmail)!.data.updated_at).toBe('changed');
    expect(JSON.stringify(SPECIAL.unicode.data)).toBe(original);
    expect(new MockDataset().findBySlug(SPECIAL.unicode.slug)).toBe(SPECIAL.unicode);
    expect(() => dataset.updatePerson('missing-x', () => undefined)).toThrow(/missing-x/);
  });

  test('removePerson hides a person by slug and by email; restorePerson brings them back', () => {
    const dataset = new MockDataset();
    dataset.removePerson('synthetic-3');
    expect(dataset.findBySlug('synthetic-3')).toBeUndefined();
    expect(dataset.findByBusinessEmail(syntheticBusinessEmail(3))).toBeUndefined();
    dataset.restorePerson('synthetic-3');
    expect(dataset.findBySlug('synthetic-3')).toEqual(personBySlug('synthetic-3'));
  });

  test("churn decides per person from (seed, slug): a person's fate does not depend on who else is considered", () => {
    const options = { seed: 9, employerChange: 0.2, titleChange: 0.2, disappear: 0.1 };
    const slugs = samplePeople().map((person) => person.slug);
    const whole = new MockDataset().applyChurn({ ...options, slugs });
    const half = new MockDataset().applyChurn({ ...options, slugs: slugs.slice(0, 150) });
    expect(half.changes).toEqual(whole.changes.filter((change) => slugs.slice(0, 150).includes(change.slug)));
    // Rates are roughly what was asked (300 people).
    expect(whole.disappeared.length).toBeGreaterThan(10);
    expect(whole.disappeared.length).toBeLessThan(60);
    expect(whole.employerChanged.length).toBeGreaterThan(25);
    expect(whole.titleChanged.length).toBeGreaterThan(15);
    // A second round over the same dataset builds on the first: the removed stay removed.
    const dataset = new MockDataset();
    const first = dataset.applyChurn({ ...options, slugs });
    const second = dataset.applyChurn({ ...options, seed: 10 });
    expect(second.changes.some((change) => first.disappeared.includes(change.slug))).toBe(false);
    expect(second.considered).toBe(300 - first.disappeared.length);
  });

  test('an employer change moves the old job to past with an end date', () => {
    const dataset = new MockDataset();
    const slug = 'synthetic-77';
    const before = personBySlug(slug)!.data.experience!.employment_details!;
    const report = dataset.applyChurn({ seed: 1, employerChange: 1, slugs: [slug], asOf: '2026-02-01' });
    expect(report.changes).toHaveLength(1);
    const after = dataset.findBySlug(slug)!.data;
    expect(after.experience!.employment_details!.past![0]).toMatchObject({ name: before.current![0].name, end_date: '2026-02-01' });
    expect(after.experience!.employment_details!.current![0]).toMatchObject({ start_date: '2026-02-01', end_date: null, title: before.current![0].title });
    expect(after.experience!.employment_details!.current![0].name).not.toBe(before.current![0].name);
    expect(after.updated_at).toBe('2026-02-01T00:00:00Z');
  });
});
