// Identifier rules: every form a user pastes, what is sent, and what is refused with which message.
import { classifyIdentifier, dedupeIdentifiers, MESSAGES, normalizeEmail, normalizeProfileUrl } from '../../src/core/identifiers';

const ADA = 'https://www.linkedin.com/in/ada-lovelace';

describe('profile URLs: every pasted form becomes https://www.linkedin.com/in/<slug>', () => {
  const cases: [string, string][] = [
    ['https://www.linkedin.com/in/ada-lovelace', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/', ADA],
    ['https://www.linkedin.com/in/ada-lovelace?utm_source=share&utm_medium=member_desktop', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/?miniProfileUrn=urn%3Ali%3Afs_miniProfile%3AACoAAA', ADA],
    ['https://www.linkedin.com/in/ada-lovelace#experience', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/#', ADA],
    ['www.linkedin.com/in/ada-lovelace', ADA],
    ['linkedin.com/in/ada-lovelace', ADA],
    ['//www.linkedin.com/in/ada-lovelace', ADA],
    ['http://www.linkedin.com/in/ada-lovelace', ADA],
    ['HTTPS://WWW.LINKEDIN.COM/IN/ADA-LOVELACE', ADA],
    ['https://www.LinkedIn.com/in/Ada-Lovelace/', ADA],
    ['https://uk.linkedin.com/in/ada-lovelace', ADA],
    ['https://de.linkedin.com/in/ada-lovelace/', ADA],
    ['https://in.linkedin.com/in/ada-lovelace', ADA],
    ['https://m.linkedin.com/in/ada-lovelace', ADA],
    ['https://mobile.linkedin.com/in/ada-lovelace', ADA],
    ['https://www.linkedin.com/mwlite/in/ada-lovelace', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/details/experience/', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/details/skills/?detailScreenTabIndex=0', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/recent-activity/all/', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/overlay/contact-info/', ADA],
    ['https://www.linkedin.com/in/ada-lovelace/en', ADA],
    ['https://www.linkedin.com//in//ada-lovelace//', ADA],
    ['https://www.linkedin.com:443/in/ada-lovelace', ADA],
    ['https://www.linkedin.com./in/ada-lovelace', ADA],
    ['   https://www.linkedin.com/in/ada-lovelace   ', ADA],
    ['\thttps://www.linkedin.com/in/ada-lovelace\n', ADA],
    ['\u200Bhttps://www.linkedin.com/in/ada-lovelace\u00A0', ADA],
    ['<https://www.linkedin.com/in/ada-lovelace>', ADA],
    ['"https://www.linkedin.com/in/ada-lovelace"', ADA],
    ['https://www.linkedin.com/in/ada-lovelace-9b1a2c3d', 'https://www.linkedin.com/in/ada-lovelace-9b1a2c3d'],
    ['https://www.linkedin.com/in/a_b-c', 'https://www.linkedin.com/in/a_b-c'],
    // Percent-encoded unicode slugs are decoded and kept as unicode.
    ['https://www.linkedin.com/in/jos%C3%A9-garc%C3%ADa', 'https://www.linkedin.com/in/josé-garcía'],
    ['https://www.linkedin.com/in/José-García/', 'https://www.linkedin.com/in/josé-garcía'],
    ['https://www.linkedin.com/in/%E5%BC%A0%E4%BC%9F-12345', 'https://www.linkedin.com/in/张伟-12345'],
    ['https://www.linkedin.com/in/ada%2Dlovelace', ADA],
  ];
  test.each(cases)('%j -> %s', (cell, expected) => {
    expect(classifyIdentifier(cell)).toEqual({ kind: 'profile_url', normalized: expected });
  });

  test('a slug with characters the API refuses (a dot) is invalid here, not a 400 for its batch', () => {
    expect(classifyIdentifier('https://www.linkedin.com/in/a_b.c').kind).toBe('invalid');
  });

  test('the normalized form is a fixed point', () => {
    for (const [, expected] of cases) expect(normalizeProfileUrl(expected)).toEqual({ ok: true, value: expected });
  });

  test('nothing normalized carries a query, fragment, trailing slash, space or member id', () => {
    for (const [cell] of cases) {
      const result = classifyIdentifier(cell);
      if (result.kind !== 'profile_url') throw new Error(`not a profile: ${cell}`);
      expect(result.normalized).toMatch(/^https:\/\/www\.linkedin\.com\/in\/[^/?#%\s]+$/u);
      expect(result.normalized).not.toMatch(/ACoAA/i);
    }
  });
});

describe('URLs that are refused, with a message for the cell', () => {
  const cases: [unknown, string][] = [
    ['https://www.linkedin.com/in/', MESSAGES.noSlug],
    ['https://www.linkedin.com/in', MESSAGES.noSlug],
    ['linkedin.com/in/?trk=x', MESSAGES.noSlug],
    ['https://www.linkedin.com/in/ACoAAAB1c2UBmXyz123456789', MESSAGES.memberId],
    ['ACoAAAB1c2UBmXyz123456789', MESSAGES.memberId],
    ['https://www.linkedin.com/company/crustdata/', 'Not a profile URL (company page)'],
    ['https://www.linkedin.com/school/oxford/', 'Not a profile URL (school page)'],
    ['https://www.linkedin.com/showcase/x/', 'Not a profile URL (showcase page)'],
    ['https://www.linkedin.com/jobs/view/123/', 'Not a profile URL (job posting)'],
    ['https://www.linkedin.com/posts/ada_activity-1', 'Not a profile URL (post)'],
    ['https://www.linkedin.com/feed/update/urn:li:activity:1/', 'Not a profile URL (post)'],
    ['https://www.linkedin.com/pulse/some-article', 'Not a profile URL (article)'],
    ['https://www.linkedin.com/groups/12345/', 'Not a profile URL (group)'],
    ['https://www.linkedin.com/', MESSAGES.notProfile],
    ['https://www.linkedin.com/feedback', MESSAGES.notProfile],
    ['https://www.linkedin.com/sales/lead/ACwAAAB1c2UB,NAME_SEARCH,abc', MESSAGES.salesNavigator],
    ['https://www.linkedin.com/talent/profile/AEMAAA', MESSAGES.recruiter],
    ['https://www.linkedin.com/pub/ada-lovelace/12/345/678', MESSAGES.oldPub],
    ['https://lnkd.in/abc123', MESSAGES.shortLink],
    ['https://github.com/ada', MESSAGES.notLinkedIn],
    ['https://linkedin.com.evil.example/in/ada', MESSAGES.notLinkedIn],
    ['https://notlinkedin.com/in/ada', MESSAGES.notLinkedIn],
    ['https://business.linkedin.com/in/ada', MESSAGES.invalidUrl],
    ['ftp://www.linkedin.com/in/ada', MESSAGES.invalidUrl],
    ['javascript:alert(1)//www.linkedin.com/in/ada', MESSAGES.notIdentifier],
    ['https://user@www.linkedin.com/in/ada', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/ada lovelace', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/ada%20lovelace', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/ada%2Flovelace', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/ada%E0%A4%A', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/<script>', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/ada"lovelace', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/../company/x', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/%2E%2E/', MESSAGES.invalidUrl],
    ['https://www.linkedin.com/in/-_-', MESSAGES.invalidUrl],
    [`https://www.linkedin.com/in/${'a'.repeat(101)}`, MESSAGES.invalidUrl],
    [`https://www.linkedin.com/in/${'a'.repeat(3000)}`, MESSAGES.tooLong],
    ['Ada Lovelace', MESSAGES.notIdentifier],
    ['ada-lovelace', MESSAGES.notIdentifier],
    ['n/a', MESSAGES.notIdentifier],
    ['=HYPERLINK("https://www.linkedin.com/in/ada")', MESSAGES.notIdentifier],
  ];
  test.each(cases)('%j -> %s', (cell, message) => {
    expect(classifyIdentifier(cell)).toEqual({ kind: 'invalid', message });
  });
});

describe('business emails', () => {
  const valid: [string, string][] = [
    ['ada@engines.example', 'ada@engines.example'],
    ['  Ada@Engines.Example  ', 'ada@engines.example'],
    ['mailto:ada@engines.example', 'ada@engines.example'],
    ['MAILTO:Ada@Engines.Example?subject=Hello', 'ada@engines.example'],
    ['mailto:ada%2Bsales@engines.example', 'ada+sales@engines.example'],
    ['Ada Lovelace <ada@engines.example>', 'ada@engines.example'],
    ['"Lovelace, Ada" <ada@engines.example>', 'ada@engines.example'],
    ['<ada@engines.example>', 'ada@engines.example'],
    ['first.last+tag@sub.engines.co.uk', 'first.last+tag@sub.engines.co.uk'],
    ["o'brien@engines.example", "o'brien@engines.example"],
    ['ada@xn--mller-kva.example', 'ada@xn--mller-kva.example'],
    ['ada@engines.xn--p1ai', 'ada@engines.xn--p1ai'],
  ];
  test.each(valid)('%j -> %s', (cell, expected) => {
    expect(classifyIdentifier(cell)).toEqual({ kind: 'business_email', normalized: expected });
  });

  const invalid: string[] = [
    'ada@',
    '@engines.example',
    'ada@engines',
    'ada@@engines.example',
    'ada@eng@ines.example',
    'ada..lovelace@engines.example',
    '.ada@engines.example',
    'ada.@engines.example',
    'ada lovelace@engines.example',
    'ada@engines..example',
    'ada@-engines.example',
    'ada@engines.example.',
    'ada@engines.c0m',
    'ada@müller.example',
    'ada@engines.example, bob@engines.example',
    `${'a'.repeat(65)}@engines.example`,
    `ada@${'a'.repeat(250)}.example`,
    'mailto:',
    'Ada <ada@engines.example',
  ];
  test.each(invalid)('%j is an invalid email', (cell) => {
    expect(classifyIdentifier(cell)).toEqual({ kind: 'invalid', message: MESSAGES.invalidEmail });
  });

  test('normalizeEmail is a fixed point on its output', () => {
    for (const [, expected] of valid) expect(normalizeEmail(expected)).toEqual({ ok: true, value: expected });
  });
});

describe('blank and non-text cells', () => {
  test.each([[''], ['   '], ['\t\n'], ['\u00A0'], ['\u200B\uFEFF'], [null], [undefined]])('%j is blank', (cell) => {
    expect(classifyIdentifier(cell)).toEqual({ kind: 'blank' });
  });

  const nonText: [unknown, string][] = [
    [42, MESSAGES.number],
    [0, MESSAGES.number],
    [Number.NaN, MESSAGES.number],
    [true, MESSAGES.boolean],
    [false, MESSAGES.boolean],
    [new Date('2024-01-01T00:00:00Z'), MESSAGES.date],
    [{ url: ADA }, MESSAGES.notIdentifier],
    [[ADA], MESSAGES.notIdentifier],
  ];
  test.each(nonText)('%p -> %s', (cell, message) => {
    expect(classifyIdentifier(cell)).toEqual({ kind: 'invalid', message });
  });

  test('a Date from another realm (the emulator runs scripts in a vm) is still a date', () => {
    const vm = require('node:vm') as typeof import('node:vm');
    const foreignDate = vm.runInNewContext('new Date(0)');
    expect(foreignDate instanceof Date).toBe(false);
    expect(classifyIdentifier(foreignDate)).toEqual({ kind: 'invalid', message: MESSAGES.date });
  });

  test('every message is short and cannot be read as a formula', () => {
    for (const message of Object.values(MESSAGES)) {
      expect(message.length).toBeLessThanOrEqual(80);
      expect(message).not.toMatch(/^[=+\-@]/);
    }
  });
});

describe('dedupeIdentifiers', () => {
  test('groups rows by normalized identifier in first-seen order and keeps every classification', () => {
    const cells = [
      'https://www.linkedin.com/in/ada-lovelace/',
      '',
      'ada@engines.example',
      'linkedin.com/in/ADA-LOVELACE?utm_source=x',
      'https://www.linkedin.com/company/x',
      'https://uk.linkedin.com/in/grace-hopper',
      'ADA@engines.example ',
      null,
      'https://www.linkedin.com/in/ada-lovelace#top',
    ];
    const { classified, unique } = dedupeIdentifiers(cells);
    expect(classified).toHaveLength(cells.length);
    expect(classified[1]).toEqual({ kind: 'blank' });
    expect(classified[4]).toEqual({ kind: 'invalid', message: 'Not a profile URL (company page)' });
    expect(classified[7]).toEqual({ kind: 'blank' });
    expect(unique).toEqual([
      { kind: 'profile_url', normalized: ADA, rows: [0, 3, 8] },
      { kind: 'business_email', normalized: 'ada@engines.example', rows: [2, 6] },
      { kind: 'profile_url', normalized: 'https://www.linkedin.com/in/grace-hopper', rows: [5] },
    ]);
  });

  test('an empty column gives nothing to send', () => {
    expect(dedupeIdentifiers([])).toEqual({ classified: [], unique: [] });
    expect(dedupeIdentifiers(['', null, 12]).unique).toEqual([]);
  });

  test('every row of a valid identifier is listed exactly once across unique entries', () => {
    const cells = Array.from({ length: 500 }, (_, i) => (i % 7 === 0 ? '' : `https://www.linkedin.com/in/p${i % 37}/`));
    const { classified, unique } = dedupeIdentifiers(cells);
    const rows = unique.flatMap((entry) => entry.rows).sort((a, b) => a - b);
    const validRows = classified.flatMap((c, i) => (c.kind === 'profile_url' ? [i] : []));
    expect(rows).toEqual(validRows);
    expect(unique).toHaveLength(37);
  });
});
