// The playground page's browser script: draws the emulator's sheet as a grid (text only, never
// parsed as HTML), lets the user select a range (click a column or row header, drag over cells)
// which becomes the spreadsheet's active selection, and redraws after every sidebar call.
import type { GridSelection, GridSnapshot } from './backend';

const gridHost = document.getElementById('grid') as HTMLElement;
const tabs = document.getElementById('tabs') as HTMLElement;
const selectionLabel = document.getElementById('selection') as HTMLElement;
let snapshot: GridSnapshot | null = null;
let sheetName: string | null = null;
let anchor: { row: number; column: number } | null = null;
let dragging = false;
let pending: GridSelection | null = null;

function columnLetter(column: number): string {
  let rest = column;
  let out = '';
  while (rest > 0) {
    out = String.fromCharCode(65 + ((rest - 1) % 26)) + out;
    rest = Math.floor((rest - 1) / 26);
  }
  return out;
}

function a1(selection: GridSelection): string {
  const start = `${columnLetter(selection.column)}${selection.row}`;
  if (selection.numRows === 1 && selection.numColumns === 1) return start;
  return `${start}:${columnLetter(selection.column + selection.numColumns - 1)}${selection.row + selection.numRows - 1}`;
}

async function load(force = false): Promise<void> {
  const query = sheetName ? `?sheet=${encodeURIComponent(sheetName)}` : '';
  const response = await fetch(`/api/grid${query}`);
  if (!response.ok) return;
  const next = (await response.json()) as GridSnapshot;
  if (!force && snapshot && next.version === snapshot.version && next.sheetName === snapshot.sheetName) return;
  snapshot = next;
  sheetName = next.sheetName;
  draw();
}

function drawTabs(): void {
  if (!snapshot) return;
  tabs.textContent = '';
  for (const name of snapshot.sheets) {
    const tab = document.createElement('button');
    tab.type = 'button';
    tab.className = name === snapshot.sheetName ? 'tab active' : 'tab';
    tab.textContent = name;
    tab.addEventListener('click', () => {
      sheetName = name;
      void load(true);
    });
    tabs.appendChild(tab);
  }
}

function inSelection(selection: GridSelection | null, row: number, column: number): boolean {
  return (
    selection !== null &&
    row >= selection.row &&
    row < selection.row + selection.numRows &&
    column >= selection.column &&
    column < selection.column + selection.numColumns
  );
}

function draw(): void {
  if (!snapshot) return;
  drawTabs();
  const selection = pending ?? snapshot.selection;
  selectionLabel.textContent = selection ? `Selection: ${snapshot.sheetName}!${a1(selection)}` : 'No selection';
  const table = document.createElement('table');
  table.className = 'sheet';
  const head = table.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.className = 'corner';
  head.appendChild(corner);
  for (let c = 1; c <= snapshot.columns; c++) {
    const th = document.createElement('th');
    th.textContent = columnLetter(c);
    th.dataset.column = String(c);
    th.className = 'col-head';
    th.title = `Select column ${columnLetter(c)}`;
    head.appendChild(th);
  }
  const body = table.createTBody();
  const rowCount = Math.max(snapshot.rows + 5, 30);
  for (let r = 1; r <= rowCount; r++) {
    const tr = body.insertRow();
    const th = document.createElement('th');
    th.textContent = String(r);
    th.dataset.row = String(r);
    th.className = 'row-head';
    tr.appendChild(th);
    const cells = snapshot.cells[r - 1] ?? [];
    for (let c = 1; c <= snapshot.columns; c++) {
      const td = tr.insertCell();
      const cell = cells[c - 1];
      td.dataset.row = String(r);
      td.dataset.column = String(c);
      if (cell) {
        td.textContent = cell.f ? cell.f : cell.v;
        if (cell.v.length > 24 || cell.n) td.title = cell.n ? `${cell.v}\n\nNote: ${cell.n}` : cell.v;
        if (cell.b) td.style.background = cell.b;
        if (cell.n) td.classList.add('has-note');
        if (cell.f) td.classList.add('formula');
      }
      if (inSelection(selection, r, c)) td.classList.add('selected');
    }
  }
  const scroll = { top: gridHost.scrollTop, left: gridHost.scrollLeft };
  gridHost.textContent = '';
  gridHost.appendChild(table);
  gridHost.scrollTop = scroll.top;
  gridHost.scrollLeft = scroll.left;
}

/** Marks the selected cells without rebuilding the table (cheap enough for every mouse move). */
function paintSelection(selection: GridSelection): void {
  for (const td of Array.from(gridHost.querySelectorAll('td'))) {
    td.classList.toggle('selected', inSelection(selection, Number(td.dataset.row), Number(td.dataset.column)));
  }
  if (snapshot) selectionLabel.textContent = `Selection: ${snapshot.sheetName}!${a1(selection)}`;
}

async function commitSelection(selection: GridSelection): Promise<void> {
  if (!snapshot) return;
  pending = selection;
  draw();
  await fetch('/api/select', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sheetName: snapshot.sheetName, selection }),
  });
  pending = null;
  await load(true);
}

function rectangle(from: { row: number; column: number }, to: { row: number; column: number }): GridSelection {
  const row = Math.min(from.row, to.row);
  const column = Math.min(from.column, to.column);
  return { row, column, numRows: Math.abs(from.row - to.row) + 1, numColumns: Math.abs(from.column - to.column) + 1 };
}

function cellOf(target: EventTarget | null): { row: number; column: number } | null {
  const element = target instanceof Element ? target.closest('td') : null;
  if (!element || !(element instanceof HTMLElement)) return null;
  return { row: Number(element.dataset.row), column: Number(element.dataset.column) };
}

gridHost.addEventListener('mousedown', (event) => {
  if (!snapshot) return;
  const target = event.target instanceof Element ? event.target : null;
  const columnHead = target?.closest('th.col-head') as HTMLElement | null;
  const rowHead = target?.closest('th.row-head') as HTMLElement | null;
  if (columnHead) {
    const column = Number(columnHead.dataset.column);
    void commitSelection({ row: 1, column, numRows: Math.max(1, snapshot.rows), numColumns: 1 });
    return;
  }
  if (rowHead) {
    const row = Number(rowHead.dataset.row);
    void commitSelection({ row, column: 1, numRows: 1, numColumns: snapshot.columns });
    return;
  }
  const cell = cellOf(event.target);
  if (!cell) return;
  event.preventDefault();
  anchor = event.shiftKey && snapshot.selection ? { row: snapshot.selection.row, column: snapshot.selection.column } : cell;
  dragging = true;
  pending = rectangle(anchor, cell);
  paintSelection(pending);
});

gridHost.addEventListener('mouseover', (event) => {
  if (!dragging || !anchor) return;
  const cell = cellOf(event.target);
  if (!cell) return;
  pending = rectangle(anchor, cell);
  paintSelection(pending);
});

window.addEventListener('mouseup', () => {
  if (!dragging || !pending) return;
  dragging = false;
  void commitSelection(pending);
});

// The sidebar's shim posts after each call: redraw at once rather than wait for the poll.
window.addEventListener('message', (event) => {
  if (event.data && event.data.playground === 'rpc-done') void load();
});

const clock = document.getElementById('clock') as HTMLElement;
const timeControls = document.getElementById('time-controls') as HTMLElement;
const eventLine = document.getElementById('event') as HTMLElement;

async function showClock(): Promise<void> {
  const response = await fetch('/api/clock');
  if (!response.ok) return;
  const { now, canAdvance } = (await response.json()) as { now: number; canAdvance: boolean };
  const at = new Date(now);
  const pad = (n: number) => String(n).padStart(2, '0');
  clock.textContent = `Add-on time ${at.toDateString().slice(0, 10)} ${pad(at.getHours())}:${pad(at.getMinutes())}`;
  timeControls.hidden = !canAdvance;
}

for (const button of Array.from(document.querySelectorAll<HTMLButtonElement>('[data-advance]'))) {
  button.addEventListener('click', async () => {
    button.disabled = true;
    const response = await fetch('/api/advance', { method: 'POST', body: JSON.stringify({ ms: Number(button.dataset.advance) }) });
    button.disabled = false;
    if (response.ok) {
      const report = (await response.json()) as { triggerRuns: number; failedRuns: string[] };
      eventLine.textContent = `${report.triggerRuns} trigger run(s)${report.failedRuns.length ? `, ${report.failedRuns.length} failed` : ''}`;
    }
    await Promise.all([showClock(), load(true)]);
  });
}

document.getElementById('churn')?.addEventListener('click', async () => {
  const response = await fetch('/api/churn', { method: 'POST' });
  if (response.ok) eventLine.textContent = `${((await response.json()) as { changed: number }).changed} people changed in the mock data`;
});

document.getElementById('reopen')?.addEventListener('click', () => {
  const frame = document.getElementById('sidebar') as HTMLIFrameElement;
  frame.src = '/sidebar';
});

setInterval(() => void load(), 1500);
setInterval(() => void showClock(), 5000);
void showClock();
void load(true);
