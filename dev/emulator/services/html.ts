// HtmlService: outputs and templates, reading files pushed beside the bundle (dist/Sidebar.html).
// Templates run their scriptlets in the script's own vm, as Apps Script runs them in the script.
import fs from 'node:fs';
import path from 'node:path';
import type { Execution } from '../execution';
import { ServiceError } from '../execution';

export const SandboxMode = { IFRAME: 'IFRAME', NATIVE: 'NATIVE', EMULATED: 'EMULATED' } as const;
export const XFrameOptionsMode = { ALLOWALL: 'ALLOWALL', DEFAULT: 'DEFAULT' } as const;

export interface HtmlFiles {
  /** The HTML file's text by its Apps Script name ("Sidebar"), or null. */
  read(name: string): string | null;
}

export function directoryHtmlFiles(dir: string): HtmlFiles {
  return {
    read(name) {
      const file = path.join(dir, name.endsWith('.html') ? name : `${name}.html`);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    },
  };
}

/** Runs compiled template code in the script's vm with the template's variables in scope. */
export type TemplateRunner = (functionSource: string, variables: Record<string, unknown>) => string;

export class HtmlOutput {
  private title = '';
  private width = 300;
  private height = 500;
  private readonly metaTags: Array<{ name: string; content: string }> = [];

  constructor(
    private readonly exec: Execution,
    private content: string,
  ) {}

  private step(method: string) {
    this.exec.enter(`HtmlService.HtmlOutput.${method}`);
  }

  getContent(): string {
    this.step('getContent');
    return this.content;
  }
  setContent(content: string): this {
    this.step('setContent');
    this.content = String(content);
    return this;
  }
  append(addedContent: string): this {
    this.step('append');
    this.content += String(addedContent);
    return this;
  }
  appendUntrusted(addedContent: string): this {
    this.step('appendUntrusted');
    this.content += escapeHtml(String(addedContent));
    return this;
  }
  getTitle(): string {
    this.step('getTitle');
    return this.title;
  }
  setTitle(title: string): this {
    this.step('setTitle');
    this.title = String(title);
    return this;
  }
  getWidth(): number {
    this.step('getWidth');
    return this.width;
  }
  setWidth(width: number): this {
    this.step('setWidth');
    this.width = Number(width);
    return this;
  }
  getHeight(): number {
    this.step('getHeight');
    return this.height;
  }
  setHeight(height: number): this {
    this.step('setHeight');
    this.height = Number(height);
    return this;
  }
  setSandboxMode(mode: string): this {
    this.step('setSandboxMode');
    return this;
  }
  setXFrameOptionsMode(mode: string): this {
    this.step('setXFrameOptionsMode');
    return this;
  }
  addMetaTag(name: string, content: string): this {
    this.step('addMetaTag');
    this.metaTags.push({ name: String(name), content: String(content) });
    return this;
  }
  setFaviconUrl(url: string): this {
    this.step('setFaviconUrl');
    return this;
  }

  /** Host-side view for the Ui recorder (not an Apps Script method, not counted). */
  snapshot(): { title: string; width: number; height: number; content: string } {
    return { title: this.title, width: this.width, height: this.height, content: this.content };
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Compiles `<? code ?>`, `<?= escaped ?>` and `<?!= raw ?>` into a function of the variables. */
export function compileTemplate(source: string): string {
  let body = '';
  const pattern = /<\?(!?=)?([\s\S]*?)\?>/g;
  let last = 0;
  for (let match = pattern.exec(source); match; match = pattern.exec(source)) {
    if (match.index > last) body += `__out += ${JSON.stringify(source.slice(last, match.index))};\n`;
    const [, kind, code] = match;
    if (kind === '=') body += `__out += __escape(${code});\n`;
    else if (kind === '!=') body += `__out += String(${code});\n`;
    else body += `${code}\n`;
    last = pattern.lastIndex;
  }
  if (last < source.length) body += `__out += ${JSON.stringify(source.slice(last))};\n`;
  const escape = `function __escape(v) { return String(v).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; }); }`;
  return `(function (__vars) { ${escape} with (__vars) { var __out = '';\n${body} return __out; } })`;
}

export class HtmlTemplate {
  readonly #exec: Execution;
  readonly #source: string;
  readonly #run: TemplateRunner;

  constructor(exec: Execution, source: string, run: TemplateRunner) {
    this.#exec = exec;
    this.#source = source;
    this.#run = run;
  }

  getCode(): string {
    this.#exec.enter('HtmlService.HtmlTemplate.getCode');
    return compileTemplate(this.#source);
  }

  getRawContent(): string {
    this.#exec.enter('HtmlService.HtmlTemplate.getRawContent');
    return this.#source;
  }

  evaluate(): HtmlOutput {
    this.#exec.enter('HtmlService.HtmlTemplate.evaluate');
    const variables: Record<string, unknown> = {};
    for (const key of Object.keys(this)) variables[key] = (this as Record<string, unknown>)[key];
    return new HtmlOutput(this.#exec, this.#run(compileTemplate(this.#source), variables));
  }
}

export function createHtmlService(exec: Execution, files: HtmlFiles, runTemplate: TemplateRunner) {
  const readFile = (name: string) => {
    const text = files.read(String(name));
    if (text === null) throw new ServiceError(`No HTML file named ${name} was found.`);
    return text;
  };
  return {
    SandboxMode,
    XFrameOptionsMode,
    createHtmlOutput(html?: string): HtmlOutput {
      exec.enter('HtmlService.createHtmlOutput');
      return new HtmlOutput(exec, html === undefined ? '' : String(html));
    },
    createHtmlOutputFromFile(filename: string): HtmlOutput {
      exec.enter('HtmlService.createHtmlOutputFromFile');
      return new HtmlOutput(exec, readFile(filename));
    },
    createTemplate(html: string): HtmlTemplate {
      exec.enter('HtmlService.createTemplate');
      return new HtmlTemplate(exec, String(html), runTemplate);
    },
    createTemplateFromFile(filename: string): HtmlTemplate {
      exec.enter('HtmlService.createTemplateFromFile');
      return new HtmlTemplate(exec, readFile(filename), runTemplate);
    },
  };
}
