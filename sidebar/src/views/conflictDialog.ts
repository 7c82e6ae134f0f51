// The question asked when the target columns hold data the add-on did not write: insert new
// columns, write somewhere else, or overwrite. A modal inside the sidebar, keyboard-operable.
import { button, el, replaceChildren, uniqueId } from '../dom';
import { letterToColumn, plural } from '../format';

export interface ConflictInfo {
  targetRange: string;
  conflictCells: number;
  sample: string[];
}

export type ConflictAnswer =
  | { choice: 'insert' }
  | { choice: 'overwrite' }
  | { choice: 'elsewhere'; targetColumn: number }
  | null;

const SAMPLE_LENGTH = 60;

export function conflictDialog(host: HTMLElement): { ask(info: ConflictInfo): Promise<ConflictAnswer> } {
  const titleId = uniqueId('dlg');
  const descId = uniqueId('dlgd');
  const description = el('p', { id: descId });
  const samples = el('ul', { className: 'samples' });
  const columnInput = el('input', {
    className: 'narrow',
    attrs: { type: 'text', maxlength: 3, autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. K' },
  });
  const columnError = el('p', { className: 'error', attrs: { role: 'alert' } });
  let resolveAnswer: ((answer: ConflictAnswer) => void) | null = null;
  let returnFocus: HTMLElement | null = null;

  const insertButton = button('Insert new columns', () => finish({ choice: 'insert' }), 'action');
  const elsewhereButton = button('Choose another place', () => {
    elsewhere.hidden = false;
    columnInput.focus();
  });
  const overwriteButton = button('Overwrite', () => finish({ choice: 'overwrite' }), 'danger');
  const cancelButton = button('Cancel', () => finish(null));
  const writeThere = el('button', { className: 'action', text: 'Write there', attrs: { type: 'submit' } });
  const elsewhereId = uniqueId('col');
  columnInput.id = elsewhereId;
  const elsewhere = el(
    'form',
    {
      className: 'elsewhere',
      on: {
        submit: (event) => {
          event.preventDefault();
          const column = letterToColumn(columnInput.value);
          if (column === null) {
            columnError.textContent = 'Type a column letter, such as K.';
            columnInput.focus();
            return;
          }
          finish({ choice: 'elsewhere', targetColumn: column });
        },
      },
    },
    [
      el('label', { attrs: { for: elsewhereId }, text: 'First column to write to' }),
      el('div', { className: 'buttons' }, [columnInput, writeThere]),
      columnError,
    ],
  );

  const panel = el(
    'div',
    {
      className: 'dialog',
      attrs: { role: 'alertdialog', 'aria-modal': 'true', 'aria-labelledby': titleId, 'aria-describedby': descId },
    },
    [
      el('h2', { id: titleId, text: 'Those columns hold other data' }),
      description,
      samples,
      el('div', { className: 'stacked-buttons' }, [insertButton, elsewhereButton, elsewhere, overwriteButton, cancelButton]),
    ],
  );
  const overlay = el('div', { className: 'overlay', attrs: { hidden: true } }, [panel]);
  overlay.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      finish(null);
    } else if (event.key === 'Tab') {
      trapFocus(event);
    }
  });
  host.appendChild(overlay);

  function focusable(): HTMLElement[] {
    return Array.from(panel.querySelectorAll<HTMLElement>('button, input')).filter((node) => node.offsetParent !== null);
  }

  function trapFocus(event: KeyboardEvent): void {
    const nodes = focusable();
    if (nodes.length === 0) return;
    const first = nodes[0];
    const last = nodes[nodes.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  }

  function finish(answer: ConflictAnswer): void {
    overlay.hidden = true;
    const resolve = resolveAnswer;
    resolveAnswer = null;
    returnFocus?.focus();
    resolve?.(answer);
  }

  return {
    ask(info) {
      if (resolveAnswer) resolveAnswer(null);
      returnFocus = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      description.textContent = `${plural(info.conflictCells, 'cell')} in ${info.targetRange} hold data the add-on did not write. Nothing has been changed yet.`;
      replaceChildren(
        samples,
        info.sample.slice(0, 3).map((value) =>
          el('li', { className: 'mono', text: value.length > SAMPLE_LENGTH ? `${value.slice(0, SAMPLE_LENGTH)}…` : value }),
        ),
      );
      samples.hidden = info.sample.length === 0;
      elsewhere.hidden = true;
      columnInput.value = '';
      columnError.textContent = '';
      overlay.hidden = false;
      insertButton.focus();
      return new Promise<ConflictAnswer>((resolve) => {
        resolveAnswer = resolve;
      });
    },
  };
}
