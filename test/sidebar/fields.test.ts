// The field choice: groups subsume their paths, order is the catalog's, the filter finds paths.
import { describeChoice, filterPaths, isPathChosen, normalizeFields, toggleGroup, togglePath } from '../../sidebar/src/fields';
import type { FieldCatalog } from '../../sidebar/src/fields';

const catalog: FieldCatalog = {
  groups: [
    { name: 'basic_profile', label: 'Basic profile', description: '', extraCredits: 0, costNote: 'included', isDefault: true },
    { name: 'contact', label: 'Contact', description: '', extraCredits: 5, costNote: '+5', isDefault: false },
    { name: 'experience', label: 'Experience', description: '', extraCredits: 0, costNote: 'included', isDefault: false },
  ],
  paths: [
    { path: 'basic_profile.name', group: 'basic_profile', header: 'Name' },
    { path: 'basic_profile.headline', group: 'basic_profile', header: 'Headline' },
    { path: 'contact.business_emails', group: 'contact', header: 'Business emails' },
    { path: 'contact.phone_numbers', group: 'contact', header: 'Phone numbers' },
  ],
};

test('normalize keeps catalog order, drops unknown entries and paths of whole groups', () => {
  expect(normalizeFields(catalog, ['contact.phone_numbers', 'experience', 'nope', 'basic_profile.name', 'basic_profile'])).toEqual([
    'basic_profile',
    'experience',
    'contact.phone_numbers',
  ]);
});

test('ticking a group swallows its single paths; unticking leaves the others', () => {
  let fields = togglePath(catalog, [], 'contact.business_emails', true);
  fields = togglePath(catalog, fields, 'basic_profile.name', true);
  expect(fields).toEqual(['basic_profile.name', 'contact.business_emails']);
  fields = toggleGroup(catalog, fields, 'contact', true);
  expect(fields).toEqual(['contact', 'basic_profile.name']);
  expect(isPathChosen(fields, catalog.paths[3])).toBe(true);
  fields = toggleGroup(catalog, fields, 'contact', false);
  expect(fields).toEqual(['basic_profile.name']);
  expect(isPathChosen(fields, catalog.paths[3])).toBe(false);
});

test('the filter matches every word against path, header and group', () => {
  expect(filterPaths(catalog.paths, 'EMAIL').map((p) => p.path)).toEqual(['contact.business_emails']);
  expect(filterPaths(catalog.paths, 'contact phone').map((p) => p.path)).toEqual(['contact.phone_numbers']);
  expect(filterPaths(catalog.paths, '  ')).toHaveLength(4);
  expect(filterPaths(catalog.paths, 'zzz')).toHaveLength(0);
});

test('the choice is summarised in words', () => {
  expect(describeChoice(catalog, [])).toBe('nothing');
  expect(describeChoice(catalog, ['contact', 'basic_profile.name', 'basic_profile.headline'])).toBe('1 group and 2 fields');
});
