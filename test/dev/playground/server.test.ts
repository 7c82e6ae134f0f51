// The playground server: serves the real sidebar with the google.script.run shim, runs only the
// sidebar's server functions through the emulator, and lets the grid set the selection.
import fs from 'node:fs';
import path from 'node:path';
import { createEmulatorBackend, EmulatorBackend } from '../../../dev/playground/emulatorBackend';
import { SAMPLE_SHEET_NAME, sampleIdentifierRows } from '../../../dev/playground/sampleSheet';
import { Playground, sidebarWithShim, startPlayground } from '../../../dev/playground/server';

const distSidebar = path.resolve(__dirname, '../../../dist/Sidebar.html');
let playground: Playground;
let backend: EmulatorBackend;

beforeAll(async () => {
  if (!fs.existsSync(distSidebar)) throw new Error('dist/ is missing: run `npm run build` before the tests');
  backend = createEmulatorBackend({ mockRequestsPerMinute: 600, speed: 1000, mockLatencyMs: 100 });
  playground = await startPlayground({ port: 0, backend });
});

afterAll(async () => {
  await playground?.close();
});

const rpc = (name: string, args: unknown[] = []) =>
  fetch(new URL('/rpc', playground.url), { method: 'POST', body: JSON.stringify({ name, args }) }).then(async (r) => ({ status: r.status, body: await r.json() }));

test('the sample sheet mixes URL forms, emails, blanks, duplicates, invalid entries and the hostile headline', () => {
  const rows = sampleIdentifierRows();
  expect(rows).toHaveLength(301);
  const data = rows.slice(1);
  expect(data.filter((v) => v === '').length).toBeGreaterThan(5);
  expect(data.filter((v) => v.includes('@') && !v.includes('linkedin')).length).toBeGreaterThan(20);
  expect(new Set(data.filter(Boolean)).size).toBeLessThan(data.filter(Boolean).length);
  expect(data.some((v) => v.includes('?utm_source'))).toBe(true);
  expect(data).toContain('not a profile');
  expect(data).toContain('https://www.linkedin.com/in/html-headline');
  expect(sampleIdentifierRows()).toEqual(rows);
});

test('the page frames the built sidebar, whose shim comes before its script and holds no key', async () => {
  const page = await (await fetch(playground.url)).text();
  expect(page).toContain('<iframe id="sidebar"');
  const sidebar = await (await fetch(new URL('/sidebar', playground.url))).text();
  const shimAt = sidebar.indexOf('window.google =');
  expect(shimAt).toBeGreaterThan(0);
  expect(shimAt).toBeLessThan(sidebar.indexOf('<div id="app"'));
  expect(sidebar).toContain('"sidebarContinueJob"');
  expect(sidebar).not.toContain('demo-key');
  expect(sidebarWithShim('<html><head></head><body></body></html>', ['f'])).toMatch(/^<html><head><script>/);
});

test('only sidebar functions run; their errors come back as messages', async () => {
  expect((await rpc('onOpen')).status).toBe(400);
  expect((await rpc('CRUSTDATA_ENRICH', ['x'])).body).toEqual({ ok: false, error: 'Script function not found: CRUSTDATA_ENRICH' });
  const state = await rpc('sidebarGetState');
  expect(state.body.ok).toBe(true);
  expect(state.body.value.sheetName).toBe(SAMPLE_SHEET_NAME);
  const bad = await rpc('sidebarEstimate', [{ source: 'everything' }]);
  expect(bad.body.ok).toBe(false);
  expect(typeof bad.body.error).toBe('string');
});

test('a range picked in the grid becomes the active selection the add-on sees', async () => {
  const response = await fetch(new URL('/api/select', playground.url), {
    method: 'POST',
    body: JSON.stringify({ sheetName: SAMPLE_SHEET_NAME, selection: { row: 2, column: 1, numRows: 40, numColumns: 1 } }),
  });
  expect(response.status).toBe(200);
  const guess = (await rpc('sidebarDetectSource')).body.value;
  expect(guess).toMatchObject({ foundBy: 'selection', column: 1, firstRow: 2, lastRow: 41 });
  const grid = await (await fetch(new URL('/api/grid', playground.url))).json();
  expect(grid.selection).toEqual({ row: 2, column: 1, numRows: 40, numColumns: 1 });
  expect(grid.cells[0][0].v).toBe('LinkedIn profile');
  const refused = await fetch(new URL('/api/select', playground.url), { method: 'POST', body: JSON.stringify({ sheetName: SAMPLE_SHEET_NAME, selection: { row: 0 } }) });
  expect(refused.status).toBe(400);
});

test('held calls wait at the gate until released', async () => {
  backend.holdCalls(['sidebarScheduleStatus']);
  let answered = false;
  const pending = rpc('sidebarGetState').then(() => rpc('sidebarJobStatus', [{ jobId: 'none' }]));
  const held = backend.call('sidebarScheduleStatus', []).then(
    () => (answered = true),
    () => (answered = true),
  );
  await pending;
  expect(answered).toBe(false);
  backend.releaseCalls();
  await held;
  expect(answered).toBe(true);
});

test('the page API: typing, the menu and the key status check what they are sent', async () => {
  const post = (route: string, body: unknown) => fetch(new URL(route, playground.url), { method: 'POST', body: JSON.stringify(body) });
  const one = { row: 3, column: 6, numRows: 1, numColumns: 1 };
  expect((await post('/api/edit', { sheetName: SAMPLE_SHEET_NAME, selection: one, text: 'typed' })).status).toBe(200);
  expect(backend.model.cell(`${SAMPLE_SHEET_NAME}!F3`).value).toBe('typed');
  expect((await post('/api/edit', { sheetName: SAMPLE_SHEET_NAME, selection: one, text: 42 })).status).toBe(400);
  expect((await post('/api/edit', { sheetName: SAMPLE_SHEET_NAME, selection: { ...one, numRows: 5000 }, text: 'x' })).status).toBe(400);
  expect((await post('/api/fill', { sheetName: SAMPLE_SHEET_NAME, selection: { row: 0 } })).status).toBe(400);

  const menu = await (await fetch(new URL('/api/menu', playground.url))).json();
  expect(menu).toContainEqual({ caption: 'Set API key…' });
  expect((await post('/api/menu', { caption: 'Delete everything', answers: [] })).status).toBe(400);
  expect((await post('/api/menu', { caption: 'Help', answers: [{ button: 'OK' }] })).status).toBe(400);
  await expect((await post('/api/menu', { caption: 'Help', answers: [] })).json()).resolves.toMatchObject({ status: 'done', alerts: [{ title: 'Crustdata for Google Sheets' }] });

  const status = await (await fetch(new URL('/api/status', playground.url))).json();
  expect(status).toEqual({ apiKeySet: expect.any(Boolean), demoKey: 'demo-key' });
});
