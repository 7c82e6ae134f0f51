// The playground page's browser script: draws the emulator's sheet as a grid (text only, never
// parsed as HTML), lets the user select a range (click a column or row header, drag over cells)
// which becomes the spreadsheet's active selection, lets them type values and formulas (Enter,
// Ctrl+Enter over a range, Ctrl+D to fill down, paste), offers the add-on menu with its dialogs,
// and redraws after every sidebar call.
import type { GridSelection, GridSnapshot } from './backend';
import type { AnsweredDialog, MenuEntryView, MenuOutcome } from './menuRunner';

type Dialog = AnsweredDialog['dialog'];

const gridHost = document.getElementById('grid') as HTMLElement;
const tabs = document.getElementById('tabs') as HTMLElement;
const selectionLabel = document.getElementById('selection') as HTMLElement;
let snapshot: GridSnapshot | null = null;
let sheetName: string | null = null;
let anchor: { row: number; column: number } | null = null;
let dragging = false;
let pending: GridSelection | null = null;
/** Cells whose formulas are being computed (shown as "Loading…", as Sheets does). */
let loading: GridSelection | null = null;
/** While an edit or a menu item runs, the poll does not redraw half-done state. */
let busy = 0;
const formulaInput = document.getElementById('formula-input') as HTMLInputElement;

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
  if (busy && !force) return;
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
  showCellContent(selection);
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
        td.textContent = cell.v;
        const tips = [cell.v.length > 24 ? cell.v : '', cell.m ? `Error: ${cell.m}` : '', cell.n ? `Note: ${cell.n}` : ''].filter(Boolean);
        if (tips.length) td.title = tips.join('\n\n');
        if (cell.b) td.style.background = cell.b;
        if (cell.n) td.classList.add('has-note');
        if (cell.f) td.classList.add('formula');
        if (cell.m) td.classList.add('error');
      }
      if (loading && inSelection(loading, r, c)) {
        td.textContent = 'Loading…';
        td.classList.add('loading');
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
  showCellContent(selection);
}

/** Counts selection changes, so an older one finishing does not undo a newer one. */
let selectionSeq = 0;

async function commitSelection(selection: GridSelection): Promise<void> {
  if (!snapshot) return;
  const seq = ++selectionSeq;
  pending = selection;
  draw();
  await fetch('/api/select', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sheetName: snapshot.sheetName, selection }),
  });
  await load(true);
  // Until the server's snapshot has it, the pending selection is the one keys act on.
  if (seq === selectionSeq) {
    pending = null;
    draw();
  }
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
  gridHost.focus();
  selectionSeq++;
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
  if (event.data && event.data.playground === 'rpc-done') {
    void load();
    if (!keyHint.hidden) void showKeyHint();
  }
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
    tellSidebarToLookAgain();
  });
}

document.getElementById('churn')?.addEventListener('click', async () => {
  const response = await fetch('/api/churn', { method: 'POST' });
  if (response.ok) eventLine.textContent = `${((await response.json()) as { changed: number }).changed} people changed in the mock data`;
});

document.getElementById('reopen')?.addEventListener('click', () => reloadSidebar());

// ---- Typing into cells ------------------------------------------------------------------

function activeSelection(): GridSelection | null {
  return pending ?? snapshot?.selection ?? null;
}

/** The formula bar shows the active cell's formula, or its value (unless the user is typing there). */
function showCellContent(selection: GridSelection | null): void {
  const cell = selection ? snapshot?.cells[selection.row - 1]?.[selection.column - 1] : undefined;
  // An error's message (e.g. why an array did not spill) beside the bar, as Sheets shows on hover.
  const message = document.getElementById('cell-message') as HTMLElement;
  message.textContent = cell?.m ? `${cell.v}: ${cell.m}` : '';
  message.title = message.textContent;
  message.hidden = !cell?.m;
  if (document.activeElement === formulaInput) return;
  formulaInput.value = cell ? (cell.f ?? cell.v) : '';
}

async function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Sends an edit; the cells show "Loading…" until the formulas in them have run. */
async function sendEdit(url: '/api/edit' | '/api/fill', selection: GridSelection, text?: string): Promise<void> {
  if (!snapshot) return;
  busy++;
  loading = url === '/api/fill' ? { ...selection, row: selection.row + 1, numRows: selection.numRows - 1 } : selection;
  if (typeof text === 'string' && !text.startsWith('=')) loading = null;
  draw();
  try {
    const response = await post(url, { sheetName: snapshot.sheetName, selection, text });
    if (!response.ok) eventLine.textContent = await response.text();
  } finally {
    busy--;
    loading = null;
  }
  await load(true);
}

async function commitTyping(wholeSelection: boolean): Promise<void> {
  const selection = activeSelection();
  if (!selection) return;
  const target = wholeSelection ? selection : { row: selection.row, column: selection.column, numRows: 1, numColumns: 1 };
  const text = formulaInput.value;
  gridHost.focus();
  await sendEdit('/api/edit', target, text);
  if (!wholeSelection) await commitSelection({ row: selection.row + 1, column: selection.column, numRows: 1, numColumns: 1 });
}

function startTyping(initial: string | null): void {
  if (initial !== null) formulaInput.value = initial;
  formulaInput.focus();
  const end = formulaInput.value.length;
  formulaInput.setSelectionRange(end, end);
}

formulaInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter') {
    event.preventDefault();
    void commitTyping(event.ctrlKey || event.metaKey);
  } else if (event.key === 'Escape') {
    event.preventDefault();
    gridHost.focus();
    showCellContent(activeSelection());
  }
});

gridHost.addEventListener('dblclick', (event) => {
  if (cellOf(event.target)) startTyping(null);
});

gridHost.addEventListener('keydown', (event) => {
  const selection = activeSelection();
  if (!selection || !snapshot) return;
  const ctrl = event.ctrlKey || event.metaKey;
  if (ctrl && event.key.toLowerCase() === 'd') {
    event.preventDefault();
    void sendEdit('/api/fill', selection);
  } else if (event.key === 'Delete' || event.key === 'Backspace') {
    event.preventDefault();
    void sendEdit('/api/edit', selection, '');
  } else if (event.key === 'Enter' || event.key === 'F2') {
    event.preventDefault();
    startTyping(null);
  } else if (event.key.startsWith('Arrow')) {
    event.preventDefault();
    const row = Math.max(1, selection.row + (event.key === 'ArrowDown' ? 1 : event.key === 'ArrowUp' ? -1 : 0));
    const column = Math.max(1, selection.column + (event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0));
    void commitSelection({ row, column, numRows: 1, numColumns: 1 });
  } else if (event.key.length === 1 && !ctrl && !event.altKey) {
    event.preventDefault();
    startTyping(event.key);
  }
});

// Pasting one cell's text over a selection fills it, relative references adjusted (as Sheets
// does); a block (tabs, lines) goes cell by cell from the active cell.
gridHost.addEventListener('paste', (event) => {
  const selection = activeSelection();
  const text = event.clipboardData?.getData('text/plain');
  if (!selection || text === undefined) return;
  event.preventDefault();
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/).map((line) => line.split('\t'));
  if (lines.length === 1 && lines[0].length === 1) {
    void sendEdit('/api/edit', selection, lines[0][0]);
    return;
  }
  void (async () => {
    for (const [r, line] of lines.entries()) {
      for (const [c, value] of line.entries()) {
        await sendEdit('/api/edit', { row: selection.row + r, column: selection.column + c, numRows: 1, numColumns: 1 }, value);
      }
    }
  })();
});

// ---- Extensions → Crustdata, and its dialogs -------------------------------------------

const menuButton = document.getElementById('extensions') as HTMLButtonElement;
const menuPanel = document.getElementById('addon-menu') as HTMLElement;
const dialogBox = document.getElementById('ui-dialog') as HTMLDialogElement;

const BUTTONS: Record<string, Array<[string, string]>> = {
  OK: [['OK', 'OK']],
  OK_CANCEL: [['CANCEL', 'Cancel'], ['OK', 'OK']],
  YES_NO: [['NO', 'No'], ['YES', 'Yes']],
  YES_NO_CANCEL: [['CANCEL', 'Cancel'], ['NO', 'No'], ['YES', 'Yes']],
};

/** Shows Ui.alert / Ui.prompt as Sheets does; closing it (Escape) is the CLOSE button. */
function askUser(dialog: Dialog): Promise<{ button: string; text: string }> {
  (document.getElementById('ui-dialog-title') as HTMLElement).textContent = dialog.title || 'Crustdata';
  (document.getElementById('ui-dialog-text') as HTMLElement).textContent = dialog.prompt;
  const input = document.getElementById('ui-dialog-input') as HTMLInputElement;
  input.hidden = dialog.kind !== 'prompt';
  input.value = '';
  const buttons = document.getElementById('ui-dialog-buttons') as HTMLElement;
  buttons.textContent = '';
  const choices = BUTTONS[dialog.buttons] ?? BUTTONS.OK;
  for (const [value, label] of choices) {
    const button = document.createElement('button');
    button.value = value;
    button.textContent = label;
    if (value === choices[choices.length - 1][0]) button.className = 'primary';
    buttons.appendChild(button);
  }
  return new Promise((resolve) => {
    dialogBox.returnValue = '';
    dialogBox.addEventListener(
      'close',
      () => resolve({ button: dialogBox.returnValue || 'CLOSE', text: input.value }),
      { once: true },
    );
    dialogBox.showModal();
    if (!input.hidden) input.focus();
  });
}

async function runMenu(caption: string): Promise<void> {
  busy++;
  eventLine.textContent = `Running script: ${caption.replace(/…$/, '')}…`;
  const answers: AnsweredDialog[] = [];
  try {
    for (;;) {
      const response = await post('/api/menu', { caption, answers });
      if (!response.ok) {
        eventLine.textContent = await response.text();
        return;
      }
      const outcome = (await response.json()) as MenuOutcome;
      if (outcome.status === 'ask') {
        const answer = await askUser(outcome.dialog);
        answers.push({ dialog: outcome.dialog, ...answer });
        continue;
      }
      eventLine.textContent = outcome.ok ? `${caption}: done` : '';
      if (outcome.sidebarOpened) reloadSidebar();
      else tellSidebarToLookAgain();
      for (const alert of outcome.alerts) await askUser(alert);
      if (!outcome.ok) await askUser({ kind: 'alert', title: 'Error', prompt: outcome.error ?? 'The script failed.', buttons: 'OK' });
      return;
    }
  } finally {
    busy--;
    await Promise.all([load(true), showKeyHint()]);
  }
}

async function showMenu(): Promise<void> {
  const response = await fetch('/api/menu');
  const entries = response.ok ? ((await response.json()) as MenuEntryView[]) : [];
  menuPanel.textContent = '';
  const heading = document.createElement('div');
  heading.className = 'heading';
  heading.textContent = 'Crustdata';
  menuPanel.appendChild(heading);
  for (const entry of entries) {
    if ('separator' in entry) {
      menuPanel.appendChild(document.createElement('hr'));
      continue;
    }
    const item = document.createElement('button');
    item.type = 'button';
    item.setAttribute('role', 'menuitem');
    item.textContent = entry.caption;
    item.addEventListener('click', () => {
      hideMenu();
      void runMenu(entry.caption);
    });
    menuPanel.appendChild(item);
  }
  if (!entries.length) heading.textContent = 'Crustdata (no menu: onOpen did not run)';
  // Fixed, below the button: the bar clips what overflows it.
  const at = menuButton.getBoundingClientRect();
  menuPanel.style.left = `${at.left}px`;
  menuPanel.style.top = `${at.bottom + 2}px`;
  menuPanel.hidden = false;
  menuButton.setAttribute('aria-expanded', 'true');
}

function hideMenu(): void {
  menuPanel.hidden = true;
  menuButton.setAttribute('aria-expanded', 'false');
}

menuButton.addEventListener('click', () => (menuPanel.hidden ? void showMenu() : hideMenu()));
document.addEventListener('mousedown', (event) => {
  if (!menuPanel.hidden && event.target instanceof Node && !menuPanel.contains(event.target) && event.target !== menuButton) hideMenu();
});

// ---- The API key hint ---------------------------------------------------------------------

const keyHint = document.getElementById('key-hint') as HTMLElement;

async function showKeyHint(): Promise<void> {
  const response = await fetch('/api/status');
  if (!response.ok) return;
  const status = (await response.json()) as { apiKeySet: boolean };
  keyHint.hidden = status.apiKeySet;
}

document.getElementById('use-demo-key')?.addEventListener('click', async () => {
  const response = await fetch('/api/demo-key', { method: 'POST' });
  if (!response.ok) {
    eventLine.textContent = await response.text();
    return;
  }
  keyHint.hidden = true;
  eventLine.textContent = 'Demo key saved as your API key';
  // The open sidebar read "no key" when it opened: open it again, as after Set API key… in Sheets.
  reloadSidebar();
});

function reloadSidebar(): void {
  const frame = document.getElementById('sidebar') as HTMLIFrameElement;
  frame.src = '/sidebar';
}

/**
 * Tells the open sidebar that the add-on ran outside it (triggers after time moved, a menu item),
 * so it looks again without reopening.
 */
function tellSidebarToLookAgain(): void {
  const frame = document.getElementById('sidebar') as HTMLIFrameElement;
  frame.contentWindow?.postMessage({ playground: 'look-again' }, location.origin);
}

// npm start rebuilds on change and tells the page to reload.
if (typeof EventSource !== 'undefined') {
  const events = new EventSource('/api/events');
  events.addEventListener('reload', () => location.reload());
}

setInterval(() => void load(), 1500);
setInterval(() => void showClock(), 5000);
void showClock();
void showKeyHint();
void load(true);
