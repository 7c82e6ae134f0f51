// Typing into the playground's grid and its Extensions menu, through the backend the page calls:
// the real bundle's custom function runs in the emulator (with its cache and messages), arrays
// spill or show #REF! as in Sheets, edits recalculate the formulas that read them, and menu
// items get their prompts and alerts answered by the page's user.
import { createEmulatorBackend, type EmulatorBackend } from '../../../dev/playground/emulatorBackend';
import type { GridSelection } from '../../../dev/playground/backend';
import { samplePeople } from '../../../dev/mock-api/dataset';

const people = samplePeople().slice(0, 6);
const SHEET = 'Leads';
let backend: EmulatorBackend;

function cells(row: number, column: number, numRows = 1, numColumns = 1): GridSelection {
  return { row, column, numRows, numColumns };
}
function shown(row: number, column: number) {
  return backend.grid(SHEET).cells[row - 1]?.[column - 1] ?? { v: '' };
}
function customFunctionRuns(): number {
  return backend.emulator.executions.filter((e) => e.mode === 'CUSTOM_FUNCTION').length;
}
async function setDemoKey(): Promise<void> {
  backend.useDemoKey!();
}

beforeEach(() => {
  backend = createEmulatorBackend({
    mockRequestsPerMinute: 600,
    speed: 10_000,
    mockLatencyMs: 200,
    rows: ['LinkedIn profile', ...people.map((p) => p.profileUrl)],
  });
});
afterEach(async () => {
  await backend.close();
});

test('a formula typed in one cell runs the custom function and spills its row to the right', async () => {
  await setDemoKey();
  expect(await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2)')).toBe(1);
  const formulaCell = shown(2, 2);
  expect(formulaCell.f).toBe('=CRUSTDATA_ENRICH(A2)');
  expect(formulaCell.v).not.toMatch(/^(Not found|#|No Crustdata)/);
  expect(formulaCell.v.length).toBeGreaterThan(1);
  // Spilled cells hold values, not formulas; the headline column is filled too.
  expect(shown(2, 3).f).toBeUndefined();
  expect(shown(2, 3).v.length).toBeGreaterThan(0);
  expect(shown(3, 2).v).toBe('');
});

test('without a key the cell says how to set one', async () => {
  await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2)');
  expect(shown(2, 2).v).toBe('#ERROR!');
  expect(shown(2, 2).m).toMatch(/^No API key for formulas in this spreadsheet: open Extensions → Crustdata → Open sidebar and share a key/);
});

test('a range formula fills one row per input row', async () => {
  await setDemoKey();
  await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2:A7)');
  const names = [2, 3, 4, 5, 6, 7].map((row) => shown(row, 2).v);
  expect(names.every((name) => name && !name.startsWith('#') && name !== 'Not found')).toBe(true);
  expect(new Set(names).size).toBe(6);
  expect(backend.emulator.fetches).toHaveLength(1);
});

test('filled down (Ctrl+D) the references move, and the column is fetched in one request', async () => {
  await setDemoKey();
  await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2)');
  const before = backend.emulator.fetches.length;
  expect(await backend.fillDown(SHEET, cells(2, 2, 6, 1))).toBe(5);
  expect([3, 4, 7].map((row) => shown(row, 2).f)).toEqual(['=CRUSTDATA_ENRICH(A3)', '=CRUSTDATA_ENRICH(A4)', '=CRUSTDATA_ENRICH(A7)']);
  const names = [2, 3, 4, 5, 6, 7].map((row) => shown(row, 2).v);
  expect(new Set(names).size).toBe(6);
  expect(names.some((name) => name.startsWith('#'))).toBe(false);
  // The first cell fetched its neighbours' rows too: the others answered from the cache.
  expect(backend.emulator.fetches.length - before).toBeLessThanOrEqual(1);
});

test('one formula typed over a range (Ctrl+Enter, or pasted) is adjusted for each cell', async () => {
  await setDemoKey();
  expect(await backend.edit(SHEET, cells(2, 2, 3, 1), '=CRUSTDATA_ENRICH(A2)')).toBe(3);
  expect([2, 3, 4].map((row) => shown(row, 2).f)).toEqual(['=CRUSTDATA_ENRICH(A2)', '=CRUSTDATA_ENRICH(A3)', '=CRUSTDATA_ENRICH(A4)']);
});

test('an array blocked by data shows #REF! with Sheets message, and spills once the cell is emptied', async () => {
  await setDemoKey();
  await backend.edit(SHEET, cells(3, 4), 'in the way');
  await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2:A3)');
  expect(shown(2, 2)).toMatchObject({ v: '#REF!', m: 'Array result was not expanded because it would overwrite data in D3.' });
  const runs = customFunctionRuns();
  await backend.edit(SHEET, cells(3, 4), '');
  expect(shown(2, 2).v).not.toBe('#REF!');
  expect(shown(2, 2).m).toBeUndefined();
  expect(shown(3, 4).v.length).toBeGreaterThan(0);
  // Sheets keeps the result for the same arguments: nothing ran again.
  expect(customFunctionRuns()).toBe(runs);
  // Typing into the spilled area blocks it again.
  await backend.edit(SHEET, cells(2, 3), 'typed over');
  expect(shown(2, 2)).toMatchObject({ v: '#REF!', m: 'Array result was not expanded because it would overwrite data in C2.' });
});

test('editing a referenced cell recalculates the formula; other edits do not', async () => {
  await setDemoKey();
  await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2)');
  const first = shown(2, 2).v;
  const runs = customFunctionRuns();
  await backend.edit(SHEET, cells(10, 1), 'unrelated');
  expect(customFunctionRuns()).toBe(runs);
  await backend.edit(SHEET, cells(2, 1), people[5].profileUrl);
  expect(customFunctionRuns()).toBe(runs + 1);
  expect(shown(2, 2).v).not.toBe(first);
  await backend.edit(SHEET, cells(7, 2), '=CRUSTDATA_ENRICH(A7)');
  expect(shown(2, 2).v).toBe(shown(7, 2).v);
});

test('overwriting a formula removes what it spilled', async () => {
  await setDemoKey();
  await backend.edit(SHEET, cells(2, 2), '=CRUSTDATA_ENRICH(A2:A3)');
  expect(shown(3, 3).v).not.toBe('');
  await backend.edit(SHEET, cells(2, 2), 'plain');
  expect(shown(2, 2)).toEqual({ v: 'plain' });
  expect(shown(3, 3).v).toBe('');
});

test('an unknown function is #NAME?, text Sheets cannot read is #ERROR!', async () => {
  await backend.edit(SHEET, cells(2, 2), '=VLOOKUPP(A2)');
  expect(shown(2, 2)).toMatchObject({ v: '#NAME?', m: "Unknown function: 'VLOOKUPP'." });
  await backend.edit(SHEET, cells(3, 2), '=CRUSTDATA_ENRICH(A2');
  expect(shown(3, 2)).toMatchObject({ v: '#ERROR!' });
  expect(shown(3, 2).m).toMatch(/^Formula parse error/);
});

test('Set API key… asks in a prompt; the answer given in the page is what the add-on stores', async () => {
  expect(backend.menu().filter((e) => 'caption' in e).map((e) => ('caption' in e ? e.caption : ''))).toEqual([
    'Open sidebar',
    'Enrich selected rows',
    'Refresh now',
    'Set API key…',
    'Help',
  ]);
  const asked = await backend.runMenuItem('Set API key…', []);
  expect(asked).toMatchObject({ status: 'ask', dialog: { kind: 'prompt', title: 'Crustdata API key', buttons: 'OK_CANCEL' } });
  expect(backend.apiKeyIsSet()).toBe(false);
  if (asked.status !== 'ask') throw new Error('no prompt');
  const cancelled = await backend.runMenuItem('Set API key…', [{ dialog: asked.dialog, button: 'CANCEL', text: 'demo-key' }]);
  expect(cancelled).toEqual({ status: 'done', ok: true, error: null, alerts: [], sidebarOpened: false });
  expect(backend.apiKeyIsSet()).toBe(false);
  const keyAnswer = { dialog: asked.dialog, button: 'OK', text: 'demo-key' } as const;
  // Saved as the user's own key; then a second question: share it with the formulas?
  const share = await backend.runMenuItem('Set API key…', [keyAnswer]);
  expect(share).toMatchObject({ status: 'ask', dialog: { kind: 'alert', title: "Share it with this spreadsheet's formulas?", buttons: 'YES_NO' } });
  if (share.status !== 'ask') throw new Error('no share question');
  expect(backend.apiKeyIsSet()).toBe(true);
  const saved = await backend.runMenuItem('Set API key…', [keyAnswer, { dialog: share.dialog, button: 'YES' }]);
  expect(saved).toMatchObject({
    status: 'done',
    ok: true,
    alerts: [{ kind: 'alert', prompt: expect.stringMatching(/^Your API key .* is saved\. Formulas in this spreadsheet use the shared key .*\(shared by you\)/) }],
  });
});

test('Enrich selected rows confirms first: No changes nothing, Yes enriches and reports', async () => {
  await setDemoKey();
  backend.select(SHEET, cells(1, 1, 7, 1));
  const asked = await backend.runMenuItem('Enrich selected rows', []);
  if (asked.status !== 'ask') throw new Error('expected the confirmation');
  expect(asked.dialog).toMatchObject({ kind: 'alert', title: 'Enrich selected rows?', buttons: 'YES_NO' });
  expect(await backend.runMenuItem('Enrich selected rows', [{ dialog: asked.dialog, button: 'NO' }])).toMatchObject({ status: 'done', alerts: [] });
  expect(backend.emulator.fetches).toHaveLength(0);
  const done = await backend.runMenuItem('Enrich selected rows', [{ dialog: asked.dialog, button: 'YES' }]);
  expect(done).toMatchObject({ status: 'done', ok: true, alerts: [{ prompt: expect.stringMatching(/^Done: 6 rows\. 6 enriched/) }] });
  expect(backend.grid(SHEET).cells[0].map((c) => c.v)).toContain('Name');
});

test('Open sidebar opens it, Help and Refresh now answer with alerts', async () => {
  expect(await backend.runMenuItem('Open sidebar', [])).toMatchObject({ status: 'done', ok: true, sidebarOpened: true });
  expect(await backend.runMenuItem('Help', [])).toMatchObject({ status: 'done', alerts: [{ title: 'Crustdata for Google Sheets' }] });
  const refresh = await backend.runMenuItem('Refresh now', []);
  expect(refresh).toMatchObject({ status: 'done', alerts: [{ title: 'Refresh now' }] });
});
