// Extensions → Crustdata in the playground. A menu item is one synchronous execution in the
// emulator, and its Ui.prompt/Ui.alert need an answer before it can go on, while the page's user
// answers later, in another HTTP request. So a question is answered by replay: the item runs;
// at the first question nobody has answered yet, the execution is stopped and the question goes
// to the page; when the user answers, the item runs again from the start with the answers so far,
// each given back to the same question (same kind, title and text). The add-on asks before it
// changes anything (Set API key… asks first; Enrich selected rows confirms before it starts), so a
// stopped run has done nothing. An alert with only an OK button needs no decision: it is answered
// OK at once and shown to the user after the run.
import type { AppsScriptEmulator } from '../emulator';
import type { Dialog } from '../emulator/services/ui';

export interface MenuItem {
  caption: string;
}

export type MenuEntryView = { caption: string } | { separator: true };

/** A question the page shows, and the user's answer to it. */
export interface AnsweredDialog {
  dialog: Dialog;
  button: string;
  text?: string;
}

export type MenuOutcome =
  | { status: 'ask'; dialog: Dialog }
  | { status: 'done'; ok: boolean; error: string | null; alerts: Dialog[]; sidebarOpened: boolean };

class WaitingForUser extends Error {
  constructor() {
    super('Waiting for the user to answer a dialog');
    this.name = 'WaitingForUser';
  }
}

function sameDialog(a: Dialog, b: Dialog): boolean {
  return a.kind === b.kind && a.title === b.title && a.prompt === b.prompt && a.buttons === b.buttons;
}

/** The add-on menu's items as the page lists them (submenus flattened: the add-on has none). */
export function menuEntries(emulator: AppsScriptEmulator): MenuEntryView[] {
  const menu = emulator.ui.addOnMenu;
  if (!menu) return [];
  return menu.entries.map((entry) => ('separator' in entry ? { separator: true as const } : { caption: entry.caption }));
}

/** Runs a menu item with the answers given so far; see the file comment. */
export function runMenuItem(emulator: AppsScriptEmulator, caption: string, answers: AnsweredDialog[]): MenuOutcome {
  const alerts: Dialog[] = [];
  let asked: Dialog | null = null;
  let next = 0;
  const shownBefore = emulator.ui.shown.length;
  const previous = emulator.ui.handler;
  emulator.ui.handler = (dialog) => {
    const given = answers[next];
    if (given && sameDialog(given.dialog, dialog)) {
      next++;
      return { button: given.button as never, text: given.text ?? '' };
    }
    if (dialog.kind === 'alert' && dialog.buttons === 'OK') {
      alerts.push(dialog);
      return 'OK';
    }
    asked = dialog;
    throw new WaitingForUser();
  };
  try {
    const result = emulator.clickMenuItem(caption);
    if (asked) return { status: 'ask', dialog: asked };
    const sidebarOpened = emulator.ui.shown.slice(shownBefore).some((item) => item.kind === 'sidebar');
    return { status: 'done', ok: result.ok, error: result.ok ? null : (result.error ?? 'The add-on failed.'), alerts, sidebarOpened };
  } finally {
    emulator.ui.handler = previous;
  }
}
