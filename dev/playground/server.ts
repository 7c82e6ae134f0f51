// The local playground (`npm start`, see start.ts). A node:http server on localhost with a page showing the
// spreadsheet (the emulator's in-memory sheet) and the REAL dist/Sidebar.html beside it in an
// iframe, whose google.script.run is a shim that POSTs here; each call runs through the backend
// (by default the emulator running dist/Code.js in FULL mode against the mock API).
import { build } from 'esbuild';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DEMO_API_KEY } from '../mock-api/handler';
import type { GridSelection, PlaygroundBackend, SidebarFunctionName } from './backend';
import type { AnsweredDialog } from './menuRunner';
import { shimScript } from './shim';
import { SIDEBAR_CALLS } from './sidebarCalls';

const root = path.resolve(__dirname, '../..');
const SIDEBAR_FILE = path.join(root, 'dist/Sidebar.html');
const MAX_BODY_BYTES = 1_000_000;
/** A typed or filled range larger than this is refused (each formula is one execution). */
const MAX_EDIT_CELLS = 2_000;

export interface PlaygroundOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  backend: PlaygroundBackend;
  /** Function names the shim offers; default: every sidebar function of src/entrypoints.ts. */
  functionNames?: readonly string[];
}

export interface Playground {
  url: string;
  backend: PlaygroundBackend;
  /** After a rebuild: loads the new bundle and page script, and tells open pages to reload. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

function pageHtml(description: string, demoKey: boolean): string {
  const escaped = description.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Crustdata for Google Sheets: playground</title>
<style>
  html, body { margin: 0; height: 100%; font-family: Arial, sans-serif; font-size: 13px; color: #202124; }
  body { display: flex; flex-direction: column; }
  .bar { display: flex; align-items: center; gap: 10px; padding: 8px 12px; border-bottom: 1px solid #dadce0; background: #f8f9fa; white-space: nowrap; overflow: hidden; }
  .bar h1 { font-size: 16px; margin: 0; font-weight: normal; }
  .bar > * { flex: none; }
  .bar .description { flex: 0 1 auto; overflow: hidden; text-overflow: ellipsis; }
  .bar .gray { color: #5f6368; }
  .bar .spacer { flex: 1 1 0; }
  .bar button { font: inherit; border: 1px solid #dadce0; background: #fff; border-radius: 4px; padding: 3px 8px; cursor: pointer; }
  main { flex: 1 1 auto; display: grid; grid-template-columns: 1fr 300px; min-height: 0; }
  .sheet-pane { display: grid; grid-template-rows: auto 1fr auto; min-width: 0; min-height: 0; }
  .formula-bar { padding: 4px 8px; border-bottom: 1px solid #dadce0; color: #5f6368; }
  #grid { overflow: auto; min-height: 0; user-select: none; }
  table.sheet { border-collapse: collapse; table-layout: fixed; }
  table.sheet th, table.sheet td { border: 1px solid #e2e3e3; height: 20px; padding: 0 4px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 180px; width: 140px; }
  table.sheet th { background: #f8f9fa; color: #5f6368; font-weight: normal; position: sticky; top: 0; z-index: 1; cursor: pointer; text-align: center; }
  table.sheet th.row-head { position: sticky; left: 0; width: 36px; min-width: 36px; z-index: 0; }
  table.sheet th.corner { width: 36px; left: 0; z-index: 2; }
  table.sheet td.selected { background: #e8f0fe !important; outline: 1px solid #1a73e8; outline-offset: -1px; }
  table.sheet td.has-note { box-shadow: inset -6px 6px 0 -4px #f9ab00; }
  table.sheet td.error { color: #d93025; box-shadow: inset 6px 6px 0 -4px #d93025; }
  table.sheet td.loading { color: #5f6368; font-style: italic; }
  .formula-bar { display: flex; align-items: center; gap: 8px; }
  .formula-bar #formula-input { flex: 1; font: 13px monospace; border: 1px solid #dadce0; border-radius: 3px; padding: 2px 6px; }
  .formula-bar .fx { color: #5f6368; font-style: italic; }
  .formula-bar .cell-message { color: #d93025; max-width: 45%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  .menus { position: relative; }
  .menus [role=menu] { position: fixed; z-index: 10; background: #fff; border: 1px solid #dadce0; box-shadow: 0 2px 6px rgba(0,0,0,.2); padding: 4px 0; min-width: 220px; }
  .menus [role=menu] .heading { padding: 4px 16px; color: #5f6368; }
  .menus [role=menuitem] { display: block; width: 100%; text-align: left; border: 0; background: none; padding: 6px 24px; font: inherit; cursor: pointer; }
  .menus [role=menuitem]:hover, .menus [role=menuitem]:focus { background: #f1f3f4; }
  .menus hr { border: 0; border-top: 1px solid #dadce0; margin: 4px 0; }
  #key-hint { padding: 6px 12px; background: #fef7e0; border-bottom: 1px solid #f9ab00; }
  #key-hint code { background: #fff; padding: 0 4px; border: 1px solid #dadce0; border-radius: 3px; }
  dialog#ui-dialog { border: 0; border-radius: 8px; box-shadow: 0 4px 16px rgba(0,0,0,.3); padding: 20px 24px; max-width: 520px; font-family: Arial, sans-serif; }
  dialog#ui-dialog h2 { font-size: 18px; font-weight: normal; margin: 0 0 12px; }
  dialog#ui-dialog p { white-space: pre-wrap; margin: 0 0 12px; line-height: 1.4; }
  dialog#ui-dialog input { width: 100%; box-sizing: border-box; font: inherit; padding: 4px 6px; margin-bottom: 12px; }
  dialog#ui-dialog .buttons { display: flex; justify-content: flex-end; gap: 8px; }
  dialog#ui-dialog button { font: inherit; border: 1px solid #dadce0; background: #fff; border-radius: 4px; padding: 4px 14px; cursor: pointer; }
  dialog#ui-dialog button.primary { background: #1a73e8; color: #fff; border-color: #1a73e8; }
  #tabs { display: flex; gap: 2px; padding: 4px 8px; border-top: 1px solid #dadce0; background: #f8f9fa; }
  .tab { border: 0; background: none; padding: 4px 12px; cursor: pointer; font-size: 13px; }
  .tab.active { background: #e8f0fe; color: #1a73e8; font-weight: bold; border-radius: 4px; }
  aside { border-left: 1px solid #dadce0; display: grid; grid-template-rows: auto 1fr; min-height: 0; }
  aside .title { padding: 10px 12px; font-size: 15px; border-bottom: 1px solid #dadce0; }
  aside iframe { border: 0; width: 300px; height: 100%; }
</style>
</head>
<body>
  <div class="bar">
    <h1>Crustdata for Google Sheets</h1>
    <span class="menus">
      <button type="button" id="extensions" aria-haspopup="menu" aria-expanded="false">Extensions</button>
      <div role="menu" id="addon-menu" aria-label="Crustdata" hidden></div>
    </span>
    <span class="gray description" title="${escaped}">playground · ${escaped}</span>
    <span class="spacer"></span>
    <span id="clock" class="gray" aria-live="polite"></span>
    <span id="time-controls" hidden>
      <button type="button" data-advance="3600000" title="Let an hour pass: due triggers run">+1 hour</button>
      <button type="button" data-advance="86400000" title="Let a day pass: due triggers run">+1 day</button>
      <button type="button" data-advance="604800000" title="Let a week pass: due triggers run (Keep fresh's default is data older than 7 days)">+1 week</button>
      <button type="button" id="churn" title="Some people in the mock data change employer or title">People change jobs</button>
    </span>
    <button type="button" id="reopen" title="Close and reopen the sidebar">Reopen sidebar</button>
    <span id="event" class="gray" aria-live="polite"></span>
  </div>
  <div id="key-hint" role="status" hidden>${
    demoKey
      ? `No API key yet. The mock API here takes the demo key <code>${DEMO_API_KEY}</code>:
    <button type="button" id="use-demo-key">Use the demo key</button>
    <span class="gray">(or paste it in the sidebar, or Extensions → Crustdata → Set API key…)</span>`
      : 'No API key yet: paste yours in the sidebar, or Extensions → Crustdata → Set API key…'
  }</div>
  <main>
    <section class="sheet-pane" aria-label="Spreadsheet">
      <div class="formula-bar"><span id="selection">No selection</span><span class="fx">fx</span>
        <input id="formula-input" aria-label="Cell content" autocomplete="off" spellcheck="false" placeholder="Type a value or =CRUSTDATA_ENRICH(A2), Enter to save; Ctrl+Enter fills the selection; Ctrl+D fills down">
        <span id="cell-message" class="cell-message" role="status" hidden></span></div>
      <div id="grid" aria-label="Sheet cells" tabindex="0"></div>
      <div id="tabs" aria-label="Sheets"></div>
    </section>
    <aside aria-label="Add-on sidebar">
      <div class="title">Crustdata</div>
      <iframe id="sidebar" title="Crustdata sidebar" src="/sidebar"></iframe>
    </aside>
  </main>
  <dialog id="ui-dialog" aria-labelledby="ui-dialog-title">
    <form method="dialog">
      <h2 id="ui-dialog-title"></h2>
      <p id="ui-dialog-text"></p>
      <input id="ui-dialog-input" aria-label="Answer" autocomplete="off" hidden>
      <div class="buttons" id="ui-dialog-buttons"></div>
    </form>
  </dialog>
  <script src="/page.js"></script>
</body>
</html>`;
}

/** The real built sidebar, with the google.script.run shim placed before any of its scripts. */
export function sidebarWithShim(sidebarHtml: string, functionNames: readonly string[]): string {
  const shim = `<script>${shimScript(functionNames).replace(/<\/script/gi, '<\\/script')}</script>`;
  const at = sidebarHtml.search(/<head[^>]*>/i);
  if (at < 0) return shim + sidebarHtml;
  const end = sidebarHtml.indexOf('>', at) + 1;
  return sidebarHtml.slice(0, end) + shim + sidebarHtml.slice(end);
}

async function pageScript(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(__dirname, 'page.ts')],
    bundle: true,
    format: 'iife',
    target: 'es2019',
    platform: 'browser',
    write: false,
    logLevel: 'warning',
  });
  return result.outputFiles[0].text;
}

function readBody(request: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request too large'));
        request.destroy();
      } else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: http.ServerResponse, status: number, type: string, body: string): void {
  response.writeHead(status, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
  response.end(body);
}

function isAnswer(value: unknown): value is AnsweredDialog {
  const a = value as AnsweredDialog;
  return !!a && typeof a === 'object' && typeof a.button === 'string' && (a.text === undefined || typeof a.text === 'string') && !!a.dialog && typeof a.dialog.prompt === 'string';
}

function isSelection(value: unknown): value is GridSelection {
  const s = value as GridSelection;
  return (
    !!s &&
    [s.row, s.column, s.numRows, s.numColumns].every((n) => Number.isInteger(n) && n >= 1 && n <= 1_000_000)
  );
}

export async function startPlayground(options: PlaygroundOptions): Promise<Playground> {
  const { backend } = options;
  const functionNames = options.functionNames ?? SIDEBAR_CALLS;
  const allowed = new Set<string>(functionNames);
  let script = await pageScript();
  const page = pageHtml(backend.description, Boolean(backend.useDemoKey));
  const listeners = new Set<http.ServerResponse>();

  const server = http.createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    try {
      if (request.method === 'GET' && url.pathname === '/') return send(response, 200, 'text/html', page);
      if (request.method === 'GET' && url.pathname === '/page.js') return send(response, 200, 'text/javascript', script);
      if (request.method === 'GET' && url.pathname === '/sidebar') {
        if (!fs.existsSync(SIDEBAR_FILE)) return send(response, 500, 'text/plain', 'dist/Sidebar.html is missing: run npm run build');
        return send(response, 200, 'text/html', sidebarWithShim(fs.readFileSync(SIDEBAR_FILE, 'utf8'), functionNames));
      }
      if (request.method === 'GET' && url.pathname === '/api/grid') {
        return send(response, 200, 'application/json', JSON.stringify(backend.grid(url.searchParams.get('sheet') ?? undefined)));
      }
      if (request.method === 'POST' && url.pathname === '/api/select') {
        const body = JSON.parse(await readBody(request)) as { sheetName?: unknown; selection?: unknown };
        if (typeof body.sheetName !== 'string' || !isSelection(body.selection)) return send(response, 400, 'text/plain', 'bad selection');
        backend.select(body.sheetName, body.selection);
        return send(response, 200, 'application/json', '{"ok":true}');
      }
      if (request.method === 'GET' && url.pathname === '/api/clock') {
        return send(response, 200, 'application/json', JSON.stringify({ now: backend.now(), canAdvance: Boolean(backend.advance) }));
      }
      if (request.method === 'POST' && url.pathname === '/api/advance' && backend.advance) {
        const body = JSON.parse(await readBody(request)) as { ms?: unknown };
        const ms = Number(body.ms);
        if (!(ms > 0 && ms <= 31 * 86_400_000)) return send(response, 400, 'text/plain', 'bad step');
        return send(response, 200, 'application/json', JSON.stringify(backend.advance(ms)));
      }
      if (request.method === 'POST' && url.pathname === '/api/churn' && backend.churn) {
        return send(response, 200, 'application/json', JSON.stringify(backend.churn()));
      }
      if (request.method === 'POST' && (url.pathname === '/api/edit' || url.pathname === '/api/fill')) {
        const body = JSON.parse(await readBody(request)) as { sheetName?: unknown; selection?: unknown; text?: unknown };
        if (typeof body.sheetName !== 'string' || !isSelection(body.selection)) return send(response, 400, 'text/plain', 'bad selection');
        if (body.selection.numRows * body.selection.numColumns > MAX_EDIT_CELLS) return send(response, 400, 'text/plain', 'select fewer cells');
        if (url.pathname === '/api/edit' && (typeof body.text !== 'string' || body.text.length > 50_000)) return send(response, 400, 'text/plain', 'bad text');
        const runs =
          url.pathname === '/api/edit'
            ? await backend.edit(body.sheetName, body.selection, body.text as string)
            : await backend.fillDown(body.sheetName, body.selection);
        return send(response, 200, 'application/json', JSON.stringify({ ok: true, formulasRun: runs }));
      }
      if (request.method === 'GET' && url.pathname === '/api/menu') {
        return send(response, 200, 'application/json', JSON.stringify(backend.menu()));
      }
      if (request.method === 'POST' && url.pathname === '/api/menu') {
        const body = JSON.parse(await readBody(request)) as { caption?: unknown; answers?: unknown };
        if (typeof body.caption !== 'string' || !Array.isArray(body.answers) || !body.answers.every(isAnswer)) {
          return send(response, 400, 'text/plain', 'bad menu request');
        }
        if (!backend.menu().some((entry) => 'caption' in entry && entry.caption === body.caption)) {
          return send(response, 400, 'text/plain', `The add-on menu has no item "${body.caption}"`);
        }
        return send(response, 200, 'application/json', JSON.stringify(await backend.runMenuItem(body.caption, body.answers)));
      }
      if (request.method === 'GET' && url.pathname === '/api/status') {
        return send(response, 200, 'application/json', JSON.stringify({ apiKeySet: backend.apiKeyIsSet(), demoKey: backend.useDemoKey ? DEMO_API_KEY : null }));
      }
      if (request.method === 'POST' && url.pathname === '/api/demo-key' && backend.useDemoKey) {
        backend.useDemoKey();
        return send(response, 200, 'application/json', '{"ok":true}');
      }
      if (request.method === 'GET' && url.pathname === '/api/events') {
        // Server-sent events: "reload" after a rebuild (npm start watches the sources).
        response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
        response.write(': connected\n\n');
        listeners.add(response);
        request.on('close', () => listeners.delete(response));
        return;
      }
      if (request.method === 'POST' && url.pathname === '/rpc') {
        const body = JSON.parse(await readBody(request)) as { name?: unknown; args?: unknown };
        if (typeof body.name !== 'string' || !allowed.has(body.name) || !Array.isArray(body.args)) {
          return send(response, 400, 'application/json', JSON.stringify({ ok: false, error: `Script function not found: ${String(body.name)}` }));
        }
        try {
          const value = await backend.call(body.name as SidebarFunctionName, body.args);
          return send(response, 200, 'application/json', JSON.stringify({ ok: true, value: value ?? null }));
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return send(response, 200, 'application/json', JSON.stringify({ ok: false, error: message }));
        }
      }
      send(response, 404, 'text/plain', 'not found');
    } catch (error) {
      send(response, 500, 'text/plain', error instanceof Error ? error.message : String(error));
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/`,
    backend,
    async reload() {
      backend.reloadBundle();
      script = await pageScript();
      for (const listener of listeners) listener.write('event: reload\ndata: {}\n\n');
    },
    async close() {
      for (const listener of listeners) listener.end();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await backend.close();
    },
  };
}
