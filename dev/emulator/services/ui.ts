// SpreadsheetApp.getUi(): menus, sidebars and dialogs. Nothing is displayed; the UiRecorder keeps
// what the script built or showed, and answers alert/prompt from answers a test scripted in advance
// (or from a handler, for the playground).
import type { Execution } from '../execution';
import { ServiceError } from '../execution';
import { HtmlOutput } from './html';

export const ButtonSet = { OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO', YES_NO_CANCEL: 'YES_NO_CANCEL' } as const;
export const Button = { CLOSE: 'CLOSE', OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO' } as const;
export type ButtonName = keyof typeof Button;

export type MenuEntry = { caption: string; functionName: string } | { separator: true } | { caption: string; submenu: MenuEntry[] };

export interface RecordedMenu {
  caption: string;
  addOn: boolean;
  entries: MenuEntry[];
}

export interface ShownHtml {
  kind: 'sidebar' | 'modal' | 'modeless';
  title: string;
  content: string;
  width: number;
  height: number;
  executionId: number;
}

export interface Dialog {
  kind: 'alert' | 'prompt';
  title: string;
  prompt: string;
  buttons: keyof typeof ButtonSet;
}

/** A scripted answer: a button, or for a prompt the text typed and the button pressed (default OK). */
export type UiAnswer = ButtonName | { button?: ButtonName; text?: string };

export class UiRecorder {
  /** Menus added with addToUi(), latest last. */
  readonly menus: RecordedMenu[] = [];
  readonly shown: ShownHtml[] = [];
  readonly dialogs: Array<Dialog & { answer: { button: ButtonName; text: string } }> = [];
  private readonly answers: UiAnswer[] = [];
  /** Answers a dialog when no scripted answer is queued (the playground asks its user). */
  handler: ((dialog: Dialog) => UiAnswer) | null = null;

  constructor(readonly addOnName: string) {}

  answerNext(...answers: UiAnswer[]): this {
    this.answers.push(...answers);
    return this;
  }

  /** The menu the add-on built last (what the user sees under Extensions). */
  get addOnMenu(): RecordedMenu | undefined {
    return [...this.menus].reverse().find((menu) => menu.addOn);
  }

  get sidebar(): ShownHtml | undefined {
    return [...this.shown].reverse().find((item) => item.kind === 'sidebar');
  }

  answer(dialog: Dialog): { button: ButtonName; text: string } {
    const raw = this.answers.length ? this.answers.shift()! : this.handler?.(dialog);
    if (raw === undefined) {
      throw new Error(`Emulator: no scripted answer for Ui.${dialog.kind}("${dialog.prompt}"); call emulator.ui.answerNext(...) first.`);
    }
    const answer = typeof raw === 'string' ? { button: raw, text: '' } : { button: raw.button ?? 'OK', text: raw.text ?? '' };
    if (!(answer.button in Button)) throw new Error(`Emulator: ${answer.button} is not a Ui.Button`);
    this.dialogs.push({ ...dialog, answer });
    return answer;
  }
}

class Menu {
  readonly entries: MenuEntry[] = [];
  constructor(
    private readonly exec: Execution,
    private readonly recorder: UiRecorder,
    readonly caption: string,
    private readonly addOn: boolean,
  ) {}
  addItem(caption: string, functionName: string): this {
    this.exec.enter('Menu.addItem');
    if (typeof functionName !== 'string' || !functionName) throw new ServiceError('Invalid argument: functionName');
    this.entries.push({ caption: String(caption), functionName });
    return this;
  }
  addSeparator(): this {
    this.exec.enter('Menu.addSeparator');
    this.entries.push({ separator: true });
    return this;
  }
  addSubMenu(menu: Menu): this {
    this.exec.enter('Menu.addSubMenu');
    this.entries.push({ caption: menu.caption, submenu: menu.entries });
    return this;
  }
  addToUi(): void {
    this.exec.enter('Menu.addToUi');
    this.recorder.menus.push({ caption: this.caption, addOn: this.addOn, entries: [...this.entries] });
  }
}

class PromptResponse {
  constructor(
    private readonly exec: Execution,
    private readonly answer: { button: ButtonName; text: string },
  ) {}
  getResponseText(): string {
    this.exec.enter('Ui.PromptResponse.getResponseText');
    return this.answer.text;
  }
  getSelectedButton(): string {
    this.exec.enter('Ui.PromptResponse.getSelectedButton');
    return this.answer.button;
  }
}

/** alert(prompt) / alert(prompt, buttons) / alert(title, prompt, buttons); prompt() alike. */
function dialogArgs(kind: Dialog['kind'], args: unknown[]): Dialog {
  if (args.length >= 3) return { kind, title: String(args[0]), prompt: String(args[1]), buttons: String(args[2]) as Dialog['buttons'] };
  if (args.length === 2) return { kind, title: '', prompt: String(args[0]), buttons: String(args[1]) as Dialog['buttons'] };
  return { kind, title: '', prompt: String(args[0] ?? ''), buttons: 'OK' };
}

export function createUi(exec: Execution, recorder: UiRecorder, isAddOn: boolean) {
  const show = (kind: ShownHtml['kind'], output: unknown, title?: string) => {
    if (!(output instanceof HtmlOutput)) throw new ServiceError('Invalid argument: userInterface');
    const snap = output.snapshot();
    recorder.shown.push({
      kind,
      title: title ?? snap.title,
      content: snap.content,
      // Sidebars are 300 px wide whatever setWidth says.
      width: kind === 'sidebar' ? 300 : snap.width,
      height: snap.height,
      executionId: exec.id,
    });
  };
  return {
    ButtonSet,
    Button,
    createAddonMenu(): Menu {
      exec.enter('Ui.createAddonMenu');
      return new Menu(exec, recorder, recorder.addOnName, isAddOn);
    },
    createMenu(caption: string): Menu {
      exec.enter('Ui.createMenu');
      return new Menu(exec, recorder, String(caption), false);
    },
    showSidebar(userInterface: unknown): void {
      exec.enter('Ui.showSidebar');
      show('sidebar', userInterface);
    },
    showModalDialog(userInterface: unknown, title: string): void {
      exec.enter('Ui.showModalDialog');
      show('modal', userInterface, String(title));
    },
    showModelessDialog(userInterface: unknown, title: string): void {
      exec.enter('Ui.showModelessDialog');
      show('modeless', userInterface, String(title));
    },
    alert(...args: unknown[]): string {
      exec.enter('Ui.alert');
      return recorder.answer(dialogArgs('alert', args)).button;
    },
    prompt(...args: unknown[]): PromptResponse {
      exec.enter('Ui.prompt');
      return new PromptResponse(exec, recorder.answer(dialogArgs('prompt', args)));
    },
  };
}
