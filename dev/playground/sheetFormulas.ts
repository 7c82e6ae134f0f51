// Typing into the playground's grid, as in Sheets: text is stored as Sheets stores typed input,
// a formula `=NAME(args)` runs the bundle's custom function in the emulator (30 s limit, cache,
// messages) and its array spills; a blocked spill shows #REF! with Sheets' message. Editing a
// cell re-runs the formulas whose references cover it, and re-expands arrays that a removed
// value had blocked (Sheets keeps a custom function's result for the same arguments).
import type { AppsScriptEmulator } from '../emulator';
import type { CellValue } from '../emulator/customFunction';
import { columnToLetters, quoteSheetName } from '../emulator/spreadsheet/a1';
import type { SheetModel, SpreadsheetModel } from '../emulator/spreadsheet/model';
import { FormulaParseError, parseFormula, referenceCovers, shiftFormula, type FormulaArgument, type ParsedFormula } from './formula';
import type { GridSelection } from './backend';

interface FormulaOutcome {
  /** The message Sheets shows on hover, for an error value. */
  message: string | null;
  /** The last good result, re-shown when a blocked spill is freed. */
  values: CellValue[][] | null;
}

type CellKey = string;

export class SheetFormulas {
  private readonly outcomes = new Map<CellKey, FormulaOutcome>();

  constructor(
    private readonly emulator: AppsScriptEmulator,
    private readonly model: SpreadsheetModel,
  ) {}

  /**
   * Types `text` into every cell of the selection (Ctrl+Enter, or pasting one cell over a range):
   * a formula's relative references move with each cell. Returns how many formulas ran.
   */
  enter(sheetName: string, selection: GridSelection, text: string): number {
    const sheet = this.model.sheet(sheetName);
    const inputs: string[][] = [];
    for (let r = 0; r < selection.numRows; r++) {
      inputs.push([]);
      for (let c = 0; c < selection.numColumns; c++) inputs[r].push(text.startsWith('=') ? shiftFormula(text, r, c) : text);
    }
    return this.write(sheet, selection.row, selection.column, inputs);
  }

  /** Ctrl+D: the top row of the selection copied down through it, formulas adjusted. */
  fillDown(sheetName: string, selection: GridSelection): number {
    if (selection.numRows < 2) return 0;
    const sheet = this.model.sheet(sheetName);
    const top = Array.from({ length: selection.numColumns }, (_, c) => {
      const cell = sheet.cellAt(selection.row, selection.column + c);
      if (!cell) return '';
      if (cell.formula) return cell.formula;
      return cell.spillOwner ? '' : cell.value;
    });
    const inputs = Array.from({ length: selection.numRows - 1 }, (_, r) =>
      top.map((input) => (typeof input === 'string' && input.startsWith('=') ? shiftFormula(input, r + 1, 0) : input)),
    );
    return this.write(sheet, selection.row + 1, selection.column, inputs);
  }

  /** Sheets' message for an error shown in this cell (#REF!, #ERROR!, #NAME?), if any. */
  messageAt(sheet: SheetModel, row: number, column: number): string | null {
    return this.outcomes.get(key(sheet, row, column))?.message ?? null;
  }

  private write(sheet: SheetModel, row: number, column: number, inputs: unknown[][]): number {
    // Overwriting a formula removes what it spilled, as in Sheets.
    inputs.forEach((line, r) =>
      line.forEach((_, c) => {
        const cell = sheet.cellAt(row + r, column + c);
        if (cell?.formula && cell.spill) this.model.setFormulaResult(this.a1(sheet, row + r, column + c), '');
        this.outcomes.delete(key(sheet, row + r, column + c));
      }),
    );
    sheet.ensureSize(row + inputs.length - 1, column + Math.max(...inputs.map((line) => line.length)) - 1);
    sheet.writeInputs(row, column, inputs);
    const edited: Array<[number, number]> = [];
    inputs.forEach((line, r) => line.forEach((_, c) => edited.push([row + r, column + c])));
    return this.recalculate(sheet, edited);
  }

  /** Runs the edited formulas and those that read an edited cell; re-shows arrays an edit blocked or freed. */
  private recalculate(sheet: SheetModel, edited: Array<[number, number]>): number {
    const editedSet = new Set(edited.map(([r, c]) => `${r}:${c}`));
    const formulas = this.formulaCells(sheet);
    let runs = 0;
    for (const { row, column, formula } of formulas) {
      const isEdited = editedSet.has(`${row}:${column}`);
      let parsed: ParsedFormula | null = null;
      try {
        parsed = parseFormula(formula);
      } catch (error) {
        if (!(error instanceof FormulaParseError)) throw error;
      }
      const reads = parsed?.args.some((arg) => edited.some(([r, c]) => this.covers(arg, sheet, r, c))) ?? false;
      if (isEdited || reads) {
        this.run(sheet, row, column, parsed);
        runs++;
        continue;
      }
      // An array that an edit blocked, or that was blocked and may fit now.
      const outcome = this.outcomes.get(key(sheet, row, column));
      const cell = sheet.cellAt(row, column);
      if (!outcome?.values || !cell) continue;
      const spill = cell.spill ?? { rows: outcome.values.length, columns: outcome.values[0]?.length ?? 1 };
      const touched = edited.some(([r, c]) => r >= row && r < row + spill.rows && c >= column && c < column + spill.columns);
      if (touched || cell.value === '#REF!') this.show(sheet, row, column, outcome.values);
    }
    return runs;
  }

  private covers(arg: FormulaArgument, sheet: SheetModel, row: number, column: number): boolean {
    if (arg.kind !== 'reference') return false;
    return referenceCovers({ ...arg, sheetName: arg.sheetName ?? sheet.name }, sheet.name, row, column);
  }

  private formulaCells(sheet: SheetModel): Array<{ row: number; column: number; formula: string }> {
    const out: Array<{ row: number; column: number; formula: string }> = [];
    sheet.rows.forEach((cells, r) =>
      cells?.forEach((cell, c) => {
        if (cell?.formula) out.push({ row: r + 1, column: c + 1, formula: cell.formula });
      }),
    );
    return out;
  }

  private run(sheet: SheetModel, row: number, column: number, parsed: ParsedFormula | null): void {
    const a1 = this.a1(sheet, row, column);
    if (!parsed) {
      this.model.setFormulaResult(a1, '#ERROR!');
      this.outcomes.set(key(sheet, row, column), { message: 'Formula parse error. The playground evaluates one function call, e.g. =CRUSTDATA_ENRICH(A2:A20).', values: null });
      return;
    }
    let args: unknown[];
    try {
      args = parsed.args.map((arg) => this.argumentValue(sheet, arg));
    } catch {
      this.model.setFormulaResult(a1, '#REF!');
      this.outcomes.set(key(sheet, row, column), { message: 'Reference does not exist.', values: null });
      return;
    }
    const declared = this.emulator.functions.find((f) => f.name.toUpperCase() === parsed.name);
    // Run without the emulator's spill, then show the result here, so a blocked array's values are
    // kept and shown once the cells in the way are emptied.
    const result = this.emulator.runCustomFunction(a1, declared?.name ?? parsed.name, args);
    if (result.sheetsError) {
      this.model.setFormulaResult(a1, result.sheetsError.code);
      this.outcomes.set(key(sheet, row, column), { message: result.sheetsError.message, values: null });
      return;
    }
    this.show(sheet, row, column, result.values);
  }

  /** Re-shows a kept result (the custom function is not run again: its arguments did not change). */
  private show(sheet: SheetModel, row: number, column: number, values: CellValue[][]): void {
    const outcome = this.model.setFormulaResult(this.a1(sheet, row, column), values);
    this.outcomes.set(key(sheet, row, column), { message: outcome.ok ? null : outcome.message, values });
  }

  private argumentValue(sheet: SheetModel, arg: FormulaArgument): unknown {
    switch (arg.kind) {
      case 'empty':
        return '';
      case 'reference': {
        const range = `${columnToLetters(arg.column)}${arg.row}:${columnToLetters(arg.endColumn)}${arg.endRow}`;
        return this.emulator.argsFrom(`${quoteSheetName(arg.sheetName ?? sheet.name)}!${range}`)[0];
      }
      default:
        return arg.value;
    }
  }

  private a1(sheet: SheetModel, row: number, column: number): string {
    return `${quoteSheetName(sheet.name)}!${columnToLetters(column)}${row}`;
  }
}

function key(sheet: SheetModel, row: number, column: number): CellKey {
  return `${sheet.sheetId}:${row}:${column}`;
}
