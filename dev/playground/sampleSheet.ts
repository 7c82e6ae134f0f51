// The playground's sample sheet: ~300 identifiers from the mock dataset as people paste them
// (profile URLs in several forms, business emails), with duplicates, blanks, invalid entries and
// the person whose headline is `<img src=x onerror=alert(1)>`. Deterministic.
import { samplePeople, SPECIAL } from '../mock-api/dataset';

export const SAMPLE_SHEET_NAME = 'Leads';
export const SAMPLE_HEADER = 'LinkedIn profile';

/** Pasted forms of one profile URL; index picks one so the sheet mixes them. */
function urlForm(slug: string, index: number): string {
  switch (index % 7) {
    case 0:
      return `https://www.linkedin.com/in/${slug}/`;
    case 1:
      return `https://www.linkedin.com/in/${slug}`;
    case 2:
      return `linkedin.com/in/${slug}`;
    case 3:
      return `https://www.linkedin.com/in/${slug}?utm_source=share&utm_medium=member_desktop`;
    case 4:
      return `http://uk.linkedin.com/in/${slug}/`;
    case 5:
      return `www.linkedin.com/in/${slug}#experience`;
    default:
      return `https://www.linkedin.com/in/${slug.toUpperCase()}/`;
  }
}

const INVALID_ENTRIES = [
  'not a profile',
  'https://www.linkedin.com/company/umbra-design/',
  'ACoAABcDeFgHiJkLmNoPqRsTuVwXyZ',
  'jane.doe@',
  'https://example.com/in/someone',
  '12345',
];

/**
 * Rows of the identifier column, header first. `count` data rows (default 300): every 9th row
 * an email, every 23rd a duplicate of an earlier row, every 31st blank, six invalid entries
 * spread through, a few people the API does not know, and the hostile headline near the top.
 */
export function sampleIdentifierRows(count = 300): string[] {
  const people = samplePeople();
  const rows: string[] = [];
  let personIndex = 0;
  let invalidIndex = 0;
  for (let i = 0; i < count; i++) {
    const row = i + 2;
    if (i === 4) {
      rows.push(SPECIAL.htmlHeadline.profileUrl);
    } else if (i > 0 && i % 31 === 0) {
      rows.push('');
    } else if (i > 0 && i % 23 === 0) {
      rows.push(rows[Math.floor(i / 2)] || urlForm(people[0].slug, 0));
    } else if (i % 47 === 20 && invalidIndex < INVALID_ENTRIES.length) {
      rows.push(INVALID_ENTRIES[invalidIndex++]);
    } else if (i % 61 === 40) {
      rows.push(`https://www.linkedin.com/in/missing-person-${row}`);
    } else {
      const person = people[personIndex++ % people.length];
      rows.push(i % 9 === 8 ? person.businessEmail : urlForm(person.slug, i));
    }
  }
  return [SAMPLE_HEADER, ...rows];
}
