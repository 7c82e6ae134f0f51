// Flattening: each column rule on realistic person_data, fixed columns whatever the data, and speed.
import { columnsFor, GROUP_NAMES, parseFieldSelection, type Column } from '../../src/core/catalog';
import { MAX_CELL_CHARS, TRUNCATION_MARK } from '../../src/core/cellText';
import { compileFlattener, flattenPerson, headersFor, roleText, schoolText, shortDate } from '../../src/core/flatten';
import { pickMatch } from '../../src/core/matches';
import type { EnrichResultEntry } from '../../src/core/schemas';
import type { CellValue, PersonData } from '../../src/core/types';
import { fullPerson, hostilePerson, sparsePerson } from './fixtures/person';

/** The row as header -> cell, for readable assertions. */
function rowByHeader(person: PersonData, fields: string | null): Record<string, CellValue> {
  const columns = columnsFor(parseFieldSelection(fields));
  const row = flattenPerson(person, columns);
  return Object.fromEntries(columns.map((column, i) => [column.header, row[i]]));
}

const ALL_GROUPS = GROUP_NAMES.join(',');

describe('the default selection on a full profile', () => {
  test('gives the compact row', () => {
    expect(rowByHeader(fullPerson(), null)).toEqual({
      Name: 'Ada Lovelace',
      Headline: 'Founder at Analytical Engines | Mathematician',
      'Current title': 'Founder & CEO',
      Location: 'London, England, United Kingdom',
      'Current employer': 'Analytical Engines',
      'Current company domain': 'engines.example',
      'Current start date': '2019-01-15',
      'Other current roles': 'Advisor at Royal Society (2020-02 – present)',
      'Profile URL': 'https://www.linkedin.com/in/ada-lovelace',
    });
  });
});

describe('every group on a full profile', () => {
  const row = rowByHeader(fullPerson(), ALL_GROUPS);

  test('nested objects: one column per property; numbers and booleans keep their type', () => {
    expect(row).toMatchObject({
      'First name': 'Ada',
      'Last name': 'Lovelace',
      City: 'London',
      State: 'England',
      Country: 'United Kingdom',
      Continent: 'Europe',
      'Normalized title': 'Co-Founder, CEO',
      Department: 'Executive Leadership',
      'Normalized title similarity': 0.6012,
      'Normalized title confident': true,
      Connections: 500,
      Followers: 12034,
      'LinkedIn location': 'London',
      'LinkedIn data fetched': '2025-09-30T00:00:00Z',
      'Twitter handle': 'ada_l',
      'Developer profile URL': 'https://github.com/ada',
    });
  });

  test('arrays of scalars: joined with ", "', () => {
    expect(row).toMatchObject({
      Languages: 'English, French',
      Skills: 'Mathematics, Python, Machine Learning',
      'Phone numbers': '+14155550100, +442071234567',
      Websites: 'https://ada.example, https://engines.example',
      Verifications: 'IDENTITY, WORKPLACE',
      'Open to': 'HIRING_MANAGER',
    });
  });

  test('current employment: the is_default entry first, the others as roles', () => {
    expect(row).toMatchObject({
      'Current employer': 'Analytical Engines',
      'Current company domain': 'engines.example',
      'Current start date': '2019-01-15',
      'Other current roles': 'Advisor at Royal Society (2020-02 – present)',
    });
  });

  test('past employment: in the order sent, one entry per line', () => {
    expect(row['Past employers']).toBe(
      ['Analyst at Babbage & Co (2015-06 – 2018-12)', 'University of London (2013-09 – 2015-05)', 'Tutor (? – 2013-06)'].join('\n'),
    );
  });

  test('education, emails, developer profiles, certifications, honors', () => {
    expect(row).toMatchObject({
      Education: 'Bachelor of Arts (B.A.), Mathematics — University of London (2009–2013)\nHome schooling (2008)',
      'Business email': 'ada@engines.example',
      'Business emails': 'ada@oldco.example (unverified), ada@engines.example (verified)',
      'Personal email': 'ada.lovelace@mail.example',
      'Personal emails': 'ada.lovelace@mail.example (verified)',
      'Developer profiles': 'https://github.com/ada, https://gitlab.com/ada',
      Certifications: 'AWS Certified Solutions Architect (Amazon Web Services)\nMathematics, Advanced',
      'Honors & awards': "Dean's List (University of London)",
    });
  });

  test('no cell is undefined, null or an object', () => {
    for (const [header, cell] of Object.entries(row)) {
      expect([header, ['string', 'number', 'boolean'].includes(typeof cell)]).toEqual([header, true]);
    }
  });
});

describe('columns depend on the selection, never on the data', () => {
  const columns = columnsFor(parseFieldSelection(ALL_GROUPS));

  test.each([
    ['full', fullPerson()],
    ['sparse', sparsePerson()],
    ['hostile', hostilePerson()],
    ['empty', {}],
    ['not an object', null as unknown as PersonData],
  ])('a %s profile gives exactly one cell per column', (_, person) => {
    expect(flattenPerson(person, columns)).toHaveLength(columns.length);
  });

  test('missing, null and empty values give empty cells', () => {
    const row = rowByHeader(sparsePerson(), ALL_GROUPS);
    expect(row.Name).toBe('Grace Hopper');
    const nonEmpty = Object.entries(row).filter(([, cell]) => cell !== '');
    expect(nonEmpty).toEqual([['Name', 'Grace Hopper']]);
  });

  test('the same input always gives the same row', () => {
    expect(flattenPerson(fullPerson(), columns)).toEqual(flattenPerson(fullPerson(), columns));
  });

  test('headersFor lists the headers in column order', () => {
    expect(headersFor(columns.slice(0, 3))).toEqual(['Name', 'First name', 'Last name']);
  });

  test('a column id the catalog does not know gives empty cells rather than failing', () => {
    const odd: Column[] = [{ id: 'basic_profile.name', header: 'Name', group: 'basic_profile' }, { id: 'nope', header: 'Nope', group: 'x' }];
    expect(flattenPerson(fullPerson(), odd)).toEqual(['Ada Lovelace', '']);
  });
});

describe('untrusted data', () => {
  const row = rowByHeader(hostilePerson(), ALL_GROUPS);

  test('text comes through as text (protection happens when writing, not here)', () => {
    expect(row.Name).toBe('=HYPERLINK("http://evil.example","click")');
    expect(row.Headline).toBe('<img src=x onerror=alert(1)>');
  });

  test('wrong types: an object where text belongs becomes JSON, a string where a list belongs stays', () => {
    expect(row['Current title']).toBe('{"nested":"object where text belongs"}');
    expect(row.Languages).toBe('English');
    expect(row.Location).toBe('');
    expect(row.Connections).toBe('many');
    expect(row.Followers).toBe('');
  });

  test('arrays of objects skip what is not an entry; a number where text belongs reads as its digits', () => {
    expect(row['Current employer']).toBe('');
    expect(row['Past employers']).toBe('+1 Manager at @Acme');
    expect(row['Business email']).toBe('plain@acme.example');
    expect(row['Business emails']).toBe('plain@acme.example, 7');
    expect(row['Phone numbers']).toBe('+14155550100');
    expect(row.Certifications).toBe('');
  });

  test('a cell over 50,000 characters is cut visibly', () => {
    const summary = row.Summary as string;
    expect(summary.length).toBeLessThanOrEqual(MAX_CELL_CHARS);
    expect(summary.endsWith(TRUNCATION_MARK)).toBe(true);
  });

  test('long joined lists are cut too', () => {
    const person = { skills: { professional_network_skills: Array.from({ length: 20_000 }, (_, i) => `skill${i}`) } };
    const [cell] = flattenPerson(person, columnsFor(parseFieldSelection('skills')));
    expect((cell as string).length).toBeLessThanOrEqual(MAX_CELL_CHARS);
    expect(cell as string).toMatch(/^skill0, skill1, .*… \[truncated\]$/s);
  });
});

describe('entry formats', () => {
  const roles: [Record<string, unknown>, boolean, string][] = [
    [{ title: 'CEO', name: 'Acme', start_date: '2019-01-01', end_date: '2021-06-30' }, false, 'CEO at Acme (2019-01 – 2021-06)'],
    [{ title: 'CEO', name: 'Acme', start_date: '2019-01-01', end_date: null }, false, 'CEO at Acme (2019-01 – ?)'],
    [{ title: 'CEO', name: 'Acme', start_date: null, end_date: '2021' }, false, 'CEO at Acme (? – 2021)'],
    [{ title: 'CEO', name: 'Acme' }, false, 'CEO at Acme'],
    [{ title: 'CEO', name: 'Acme', start_date: '2019-01-01' }, true, 'CEO at Acme (2019-01 – present)'],
    [{ title: 'CEO', name: 'Acme' }, true, 'CEO at Acme'],
    [{ name: 'Acme', start_date: 'Jan 2019', end_date: 'Mar 2020' }, false, 'Acme (Jan 2019 – Mar 2020)'],
    [{ title: '  CTO ', name: '' }, false, 'CTO'],
    [{ start_date: '2019-01-01' }, false, ''],
  ];
  test.each(roles)('role %j (current: %s) -> %j', (entry, isCurrent, text) => {
    expect(roleText(entry, isCurrent)).toBe(text);
  });

  const schools: [Record<string, unknown>, string][] = [
    [{ school: 'Oxford', degree: 'BA', field_of_study: 'PPE', start_year: 2005, end_year: 2009 }, 'BA, PPE — Oxford (2005–2009)'],
    [{ school: 'Oxford', degree: 'BA', start_year: 2005 }, 'BA — Oxford (2005–)'],
    [{ school: 'Oxford', field_of_study: 'PPE', end_year: 2009 }, 'PPE — Oxford (2009)'],
    [{ school: 'Oxford' }, 'Oxford'],
    [{ degree: 'MBA' }, 'MBA'],
    [{ description: 'nothing else' }, ''],
  ];
  test.each(schools)('school %j -> %j', (entry, text) => {
    expect(schoolText(entry)).toBe(text);
  });

  test.each([
    ['2019-01-15', '2019-01'],
    ['2019-01', '2019-01'],
    ['2019', '2019'],
    ['Present', 'Present'],
    [null, ''],
  ])('shortDate(%j) -> %j', (input, output) => {
    expect(shortDate(input)).toBe(output);
  });

  test('without an is_default entry the first current entry is the employer', () => {
    const person = {
      experience: { employment_details: { current: [{ name: 'First', title: 'A' }, { name: 'Second', title: 'B', start_date: '2020-05-01' }] } },
    };
    const row = rowByHeader(person, 'experience.employment_details.current');
    expect(row).toEqual({
      'Current employer': 'First',
      'Current title': 'A',
      'Current company domain': '',
      'Current start date': '',
      'Other current roles': 'B at Second (2020-05 – present)',
    });
  });
});

describe('speed', () => {
  test('10,000 full profiles with every group flatten in well under a few seconds', () => {
    const columns = columnsFor(parseFieldSelection(ALL_GROUPS));
    const flatten = compileFlattener(columns);
    const people = Array.from({ length: 10_000 }, () => fullPerson());
    const rows = people.map((person) => flatten(person));
    expect(rows).toHaveLength(10_000);
    expect(rows[9_999]).toEqual(rows[0]);
  });
});

describe('match columns', () => {
  const answer = (matches: unknown[], matchType = 'business_email') => ({ matched_on: 'ada@engines.example', match_type: matchType, matches }) as EnrichResultEntry;

  test('filled from the match facts of the chosen person, next to the data', () => {
    const { person } = pickMatch(answer([
      { confidence_score: 0.61, person_data: sparsePerson() },
      { confidence_score: 0.87, person_data: fullPerson() },
      { confidence_score: 0.85, person_data: hostilePerson() },
    ]));
    expect(rowByHeader(person!, 'basic_profile.name, match')).toEqual({
      Name: 'Ada Lovelace',
      'Match confidence': 0.87,
      'Match type': 'Business email',
      'Match candidates': 3,
      'Match ambiguous': true,
    });
  });

  test('a profile URL found live: score 1, one candidate, not ambiguous', () => {
    const { person } = pickMatch(answer([{ confidence_score: 1, person_data: fullPerson() }], 'professional_network_profile_url'), 'live');
    expect(rowByHeader(person!, 'match')).toMatchObject({ 'Match confidence': 1, 'Match type': 'Profile URL (live)', 'Match candidates': 1, 'Match ambiguous': false });
  });

  test('a person without match facts (cached before they existed) gives empty match cells, the data unchanged', () => {
    expect(rowByHeader(fullPerson(), 'basic_profile.name, match')).toEqual({
      Name: 'Ada Lovelace', 'Match confidence': '', 'Match type': '', 'Match candidates': '', 'Match ambiguous': '',
    });
  });

  test('the facts do not leak into any API column, even with every group selected', () => {
    const { person } = pickMatch(answer([{ confidence_score: 0.9, person_data: fullPerson() }]));
    const columns = columnsFor(parseFieldSelection(ALL_GROUPS));
    expect(flattenPerson(person!, columns)).toEqual(flattenPerson(fullPerson(), columns));
  });
});
