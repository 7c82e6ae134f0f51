// The playground grid's formula reader: one function call with the argument forms
// =CRUSTDATA_ENRICH is used with, and the reference moves of fill-down and paste.
import { FormulaParseError, parseFormula, referenceCovers, shiftFormula } from '../../../dev/playground/formula';

test('reads a function call with a cell, a range, a string, a boolean, a number and an empty argument', () => {
  expect(parseFormula('=crustdata_enrich(A2:A20, "basic_profile, experience", TRUE)')).toEqual({
    name: 'CRUSTDATA_ENRICH',
    args: [
      { kind: 'reference', a1: 'A2:A20', sheetName: null, row: 2, column: 1, endRow: 20, endColumn: 1 },
      { kind: 'string', value: 'basic_profile, experience' },
      { kind: 'boolean', value: true },
    ],
  });
  expect(parseFormula('=CRUSTDATA_ENRICH($A$2,,false)').args).toEqual([
    { kind: 'reference', a1: '$A$2', sheetName: null, row: 2, column: 1, endRow: 2, endColumn: 1 },
    { kind: 'empty' },
    { kind: 'boolean', value: false },
  ]);
  expect(parseFormula('=F(1.5, -2, "say ""hi"", then go")').args).toEqual([
    { kind: 'number', value: 1.5 },
    { kind: 'number', value: -2 },
    { kind: 'string', value: 'say "hi", then go' },
  ]);
  expect(parseFormula('=NOW()')).toEqual({ name: 'NOW', args: [] });
});

test('reads sheet-qualified references, quoted names included, and normalises reversed ranges', () => {
  expect(parseFormula("=F('My ''best'' leads'!B3:A1, Leads!C5)").args).toEqual([
    { kind: 'reference', a1: "'My ''best'' leads'!B3:A1", sheetName: "My 'best' leads", row: 1, column: 1, endRow: 3, endColumn: 2 },
    { kind: 'reference', a1: 'Leads!C5', sheetName: 'Leads', row: 5, column: 3, endRow: 5, endColumn: 3 },
  ]);
});

test('anything else is a parse error, as Sheets shows one', () => {
  for (const text of ['=A1', '=1+2', '=F(A1', '=F(G(A1))', '=F("open)', '=F({1,2})', '=F(A1 B2)', 'F(A1)', '=F("a"b")']) {
    expect(() => parseFormula(text)).toThrow(FormulaParseError);
  }
});

test('a reference covers the cells of its range on its sheet only', () => {
  const [range] = parseFormula('=F(A2:A20)').args;
  expect(referenceCovers(range, null, 2, 1)).toBe(true);
  expect(referenceCovers(range, null, 20, 1)).toBe(true);
  expect(referenceCovers(range, null, 21, 1)).toBe(false);
  expect(referenceCovers(range, null, 5, 2)).toBe(false);
  expect(referenceCovers(range, 'Other', 5, 1)).toBe(false);
});

test('fill-down and paste move relative parts of references and leave $ parts, names and text alone', () => {
  expect(shiftFormula('=CRUSTDATA_ENRICH(A2)', 3, 0)).toBe('=CRUSTDATA_ENRICH(A5)');
  expect(shiftFormula('=CRUSTDATA_ENRICH(A2:A20, "A1 stays", TRUE)', 1, 1)).toBe('=CRUSTDATA_ENRICH(B3:B21, "A1 stays", TRUE)');
  expect(shiftFormula('=CRUSTDATA_ENRICH($A2, A$2, $A$2)', 4, 2)).toBe('=CRUSTDATA_ENRICH($A6, C$2, $A$2)');
  expect(shiftFormula("=F('Sheet A1'!B2, Leads!B2)", 1, 0)).toBe("=F('Sheet A1'!B3, Leads!B3)");
  expect(shiftFormula('=LOG10(A1)', 1, 0)).toBe('=LOG10(A2)');
  expect(shiftFormula('=F(A2)', -2, 0)).toBe('=F(#REF!)');
});
