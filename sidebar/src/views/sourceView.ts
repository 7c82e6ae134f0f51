// Source section: which column holds the identifiers (from the selection or found by header
// name), which rows, and whether the first row is a header. Editable by hand.
import type { SourceGuess, SourceRange } from '../../../src/common/contract';
import { button, el, replaceChildren, uniqueId } from '../dom';
import { columnToLetter, letterToColumn, parsePositiveInt, plural } from '../format';

export interface SourceViewActions {
  /** Asks the server for the current selection; resolves to the new guess or null. */
  useSelection(): Promise<SourceGuess | null>;
  changed(source: SourceRange | null): void;
}

export interface SourceView {
  root: HTMLElement;
  update(sheetName: string, guess: SourceGuess | null): void;
  current(): SourceRange | null;
}

/** Reads the form into a SourceRange, or says what is wrong with it. */
export function parseSource(
  sheetName: string,
  values: { column: string; firstRow: string; lastRow: string; hasHeader: boolean },
): { source: SourceRange } | { error: string } {
  const column = letterToColumn(values.column);
  if (column === null) return { error: 'Type a column letter, such as A or BC.' };
  const firstRow = parsePositiveInt(values.firstRow, 10_000_000);
  const lastRow = parsePositiveInt(values.lastRow, 10_000_000);
  if (firstRow === null || lastRow === null) return { error: 'Rows must be whole numbers from 1.' };
  if (lastRow < firstRow) return { error: 'The last row comes before the first.' };
  if (values.hasHeader && lastRow === firstRow) return { error: 'Only the header row is chosen: add data rows.' };
  return { source: { sheetName, column, firstRow, lastRow, hasHeader: values.hasHeader } };
}

export function describeGuess(guess: SourceGuess | null): string {
  if (!guess || guess.foundBy === 'none') return 'No identifier column found. Select the column in the sheet and press Use selection, or type it below.';
  const rows = plural(guess.dataRows, 'data row');
  if (guess.foundBy === 'selection') return `From your selection: column ${guess.columnLetter}, ${rows}.`;
  const header = guess.headerText ? `“${guess.headerText}”` : 'its header';
  return `Found column ${guess.columnLetter} by ${header}, ${rows}.`;
}

export function sourceView(actions: SourceViewActions): SourceView {
  const headingId = uniqueId('h');
  let sheetName = '';
  const note = el('p', { className: 'gray note', attrs: { 'aria-live': 'polite' } });
  const sheetLine = el('p', { className: 'sheet-line' });
  const error = el('p', { className: 'error', attrs: { role: 'alert' } });

  const columnInput = el('input', {
    id: uniqueId('col'),
    className: 'narrow',
    attrs: { type: 'text', maxlength: 3, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': null },
    on: { input: () => emit(), change: () => (columnInput.value = columnInput.value.trim().toUpperCase()) },
  });
  const firstInput = el('input', {
    id: uniqueId('first'),
    className: 'narrow',
    attrs: { type: 'number', min: 1, step: 1, inputmode: 'numeric' },
    on: { input: () => emit() },
  });
  const lastInput = el('input', {
    id: uniqueId('last'),
    className: 'narrow',
    attrs: { type: 'number', min: 1, step: 1, inputmode: 'numeric' },
    on: { input: () => emit() },
  });
  const headerId = uniqueId('cb');
  const headerInput = el('input', { id: headerId, attrs: { type: 'checkbox' }, on: { change: () => emit() } });
  const headerLabel = el('label', { attrs: { for: headerId }, text: 'First row is a header' });

  const selectionButton = button('Use selection', () => void useSelection(), '', {
    title: 'Take the column and rows selected in the sheet',
  });

  const root = el('section', { className: 'block', attrs: { 'aria-labelledby': headingId } }, [
    el('h2', { id: headingId, text: 'Source' }),
    note,
    sheetLine,
    el('div', { className: 'inline-fields' }, [
      el('div', { className: 'form-group' }, [el('label', { attrs: { for: columnInput.id }, text: 'Column' }), columnInput]),
      el('div', { className: 'form-group' }, [el('label', { attrs: { for: firstInput.id }, text: 'From row' }), firstInput]),
      el('div', { className: 'form-group' }, [el('label', { attrs: { for: lastInput.id }, text: 'To row' }), lastInput]),
    ]),
    el('div', { className: 'check' }, [headerInput, headerLabel]),
    error,
    el('div', { className: 'buttons' }, [selectionButton]),
  ]);

  function read(): SourceRange | null {
    const parsed = parseSource(sheetName, {
      column: columnInput.value,
      firstRow: firstInput.value,
      lastRow: lastInput.value,
      hasHeader: headerInput.checked,
    });
    if ('error' in parsed) {
      const empty = !columnInput.value && !firstInput.value && !lastInput.value;
      error.textContent = empty ? '' : parsed.error;
      return null;
    }
    error.textContent = '';
    return parsed.source;
  }

  function emit(): void {
    actions.changed(read());
  }

  function fill(guess: SourceGuess | null): void {
    note.textContent = describeGuess(guess);
    if (guess && guess.foundBy !== 'none') {
      sheetName = guess.sheetName || sheetName;
      columnInput.value = guess.columnLetter || columnToLetter(guess.column);
      firstInput.value = String(guess.firstRow);
      lastInput.value = String(guess.lastRow);
      headerInput.checked = guess.hasHeader;
    }
    replaceChildren(sheetLine, ['Sheet: ', el('strong', { text: sheetName })]);
  }

  async function useSelection(): Promise<void> {
    selectionButton.disabled = true;
    const guess = await actions.useSelection();
    selectionButton.disabled = false;
    if (guess) {
      fill(guess);
      emit();
    }
  }

  return {
    root,
    update(nextSheetName, guess) {
      sheetName = nextSheetName;
      fill(guess);
    },
    current: read,
  };
}
