// Change tracking's texts and comparisons: what counts as a change, the Changes cell, the note
// on a changed cell, and the sentence the sidebar shows for a run.
import {
  changeLine,
  changeNote,
  comparableText,
  describeChanges,
  describePass,
  diffTracked,
  formatCount,
  isEmployerColumn,
  prependChangeLine,
  trackedColumnsOf,
} from '../../src/core/changeTracking';
import { columnsFor, parseFieldSelection } from '../../src/core/catalog';
import { emptyPassCounts } from '../../src/core/refreshState';

const columns = columnsFor(parseFieldSelection(['basic_profile', 'experience']));

describe('tracked columns', () => {
  it('are the selection columns whose header is tracked, whatever the case', () => {
    const tracked = trackedColumnsOf(columns, ['current employer', 'Current Title', 'Not a column']);
    expect(tracked.map((column) => column.id)).toEqual(['basic_profile.current_title', 'experience.employment_details.current#employer']);
    expect(tracked.map(isEmployerColumn)).toEqual([false, true]);
  });
});

describe('diffTracked', () => {
  const tracked = trackedColumnsOf(columns, ['Current employer', 'Current title']);
  it('compares what Sheets shows: the text marker, surrounding space and number types do not count', () => {
    expect(diffTracked(tracked, ['Engineer', 'Acme'], ['Engineer', 'Acme'])).toEqual([]);
    expect(diffTracked(tracked, ['0012', ' Acme '], ['0012', 'Acme'])).toEqual([]);
    expect(diffTracked(tracked, [42, 'Acme'], ['42', 'Acme'])).toEqual([]);
    expect(comparableText(new Date(Date.UTC(2026, 0, 2)))).toBe('2026-01-02T00:00:00.000Z');
  });
  it('reports each changed cell with its header, including to and from blank', () => {
    expect(diffTracked(tracked, ['Engineer', 'Acme'], ['Manager', 'Globex'])).toEqual([
      { columnId: 'basic_profile.current_title', header: 'Current title', before: 'Engineer', after: 'Manager' },
      { columnId: 'experience.employment_details.current#employer', header: 'Current employer', before: 'Acme', after: 'Globex' },
    ]);
    expect(diffTracked(tracked, ['', 'Acme'], ['CTO', ''])).toHaveLength(2);
  });
});

describe('the texts', () => {
  it('writes one dated line per change, newest first, with a cap', () => {
    const line = changeLine('2026-01-05', [
      { columnId: 'a', header: 'Current employer', before: 'Acme', after: 'Globex' },
      { columnId: 'b', header: 'Current title', before: '', after: 'Line one\nline two' },
    ]);
    expect(line).toBe('2026-01-05: Current employer: Acme → Globex; Current title: (blank) → Line one / line two');
    expect(prependChangeLine('', 'new')).toBe('new');
    expect(prependChangeLine('older\n\nolder still', 'new')).toBe('new\nolder\nolder still');
    const many = Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n');
    expect(prependChangeLine(many, 'new').split('\n')).toHaveLength(10);
    expect(prependChangeLine('x'.repeat(10_000), 'new').length).toBeLessThanOrEqual(5_000);
    expect(changeLine('2026-01-05', [{ columnId: 'a', header: 'H', before: 'y'.repeat(500), after: 'z' }]).length).toBeLessThan(160);
  });

  it('notes the old value and the date on the cell, keeping earlier notes', () => {
    expect(changeNote('', '2026-01-05', 'Acme')).toBe('Changed 2026-01-05. Was: Acme');
    expect(changeNote('Met at the fair', '2026-01-05', '')).toBe('Changed 2026-01-05. Was: (blank)\nMet at the fair');
    expect(changeNote('n'.repeat(5_000), '2026-01-05', 'Acme').length).toBe(2_000);
    // Redone after a killed run: not noted twice.
    expect(changeNote('Changed 2026-01-05. Was: Acme\nMet at the fair', '2026-01-05', 'Acme')).toBe('Changed 2026-01-05. Was: Acme\nMet at the fair');
  });

  it('summarises a run in words', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(describeChanges({ 'Current employer': 14, 'Current title': 1, Location: 2 }, ['Current employer', 'Current title'])).toBe(
      '14 people changed jobs, 1 person changed title, Location changed for 2 people',
    );
    const counts = { ...emptyPassCounts(), due: 1500, refreshed: 1497, notFound: 3, lost: 3, changed: 14, changedBy: { 'Current employer': 14 } };
    expect(describePass(counts, ['Current employer', 'Current title'], 'done', 'Leads')).toBe(
      '“Leads”: refreshed 1,500 rows: 14 people changed jobs; 3 people no longer found (their old data is kept and flagged).',
    );
    expect(describePass({ ...counts, refreshed: 597 }, ['Current employer'], 'continues', 'Leads')).toMatch(/^“Leads”: 600 of 1,500 rows refreshed so far: 14 people changed jobs; .* It carries on at the next hourly run\.$/);
    expect(describePass({ ...emptyPassCounts(), refreshed: 5, due: 5 }, [], 'done', 'Leads')).toBe('“Leads”: refreshed 5 rows: no changes.');
    expect(describePass(emptyPassCounts(), [], 'done', 'Leads')).toBe('“Leads”: nothing was older than the refresh threshold.');
    // Only rows that had data are "no longer found".
    expect(describePass({ ...emptyPassCounts(), refreshed: 2, notFound: 3, lost: 1 }, [], 'done', 'Leads')).toBe(
      '“Leads”: refreshed 5 rows: no changes; 1 person no longer found (their old data is kept and flagged); 2 still not found.',
    );
    expect(describePass({ ...emptyPassCounts(), notFound: 2, lost: 0 }, [], 'done', 'Leads')).toBe('“Leads”: refreshed 2 rows: 2 still not found.');
  });
});
