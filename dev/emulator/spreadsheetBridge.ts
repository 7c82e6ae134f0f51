// Where the emulator gets its fake SpreadsheetApp: dev/emulator/spreadsheet (its own work) when it
// is there; until then a minimal stand-in over the same SpreadsheetModel (values only).
import type { SpreadsheetModel } from './spreadsheet/model';

export interface ServiceGuard {
  call(name: string, mutates: boolean): void;
}

export type SpreadsheetAppFactory = (model: SpreadsheetModel, guard: ServiceGuard, ui: () => unknown) => object;

export function defaultSpreadsheetAppFactory(): SpreadsheetAppFactory {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const real = require('./spreadsheet/index') as { createSpreadsheetApp?: SpreadsheetAppFactory };
    if (typeof real.createSpreadsheetApp === 'function') return real.createSpreadsheetApp;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
  }
  return standInSpreadsheetApp;
}

type Sheet = ReturnType<SpreadsheetModel['findSheet']> & object;

/** Values-only stand-in: enough for the emulator's own tests before the real fake lands. */
export const standInSpreadsheetApp: SpreadsheetAppFactory = (model, guard, ui) => {
  class StandInRange {
    constructor(
      readonly sheet: Sheet,
      readonly row: number,
      readonly column: number,
      readonly numRows: number,
      readonly numColumns: number,
    ) {}
    getValues(): unknown[][] {
      guard.call('Range.getValues', false);
      return Array.from({ length: this.numRows }, (_, r) =>
        Array.from({ length: this.numColumns }, (_, c) => this.sheet.cell(this.row + r, this.column + c).value),
      );
    }
    getValue(): unknown {
      guard.call('Range.getValue', false);
      return this.sheet.cell(this.row, this.column).value;
    }
    setValues(values: unknown[][]): this {
      guard.call('Range.setValues', true);
      if (values.length !== this.numRows || values.some((line) => line.length !== this.numColumns)) {
        throw new Error(
          `The number of rows in the data does not match the number of rows in the range. The data has ${values.length} but the range has ${this.numRows}.`,
        );
      }
      this.sheet.setValues(this.row, this.column, values);
      return this;
    }
    setValue(value: unknown): this {
      guard.call('Range.setValue', true);
      this.sheet.setValues(this.row, this.column, [[value]]);
      return this;
    }
    getRow() {
      guard.call('Range.getRow', false);
      return this.row;
    }
    getColumn() {
      guard.call('Range.getColumn', false);
      return this.column;
    }
    getNumRows() {
      guard.call('Range.getNumRows', false);
      return this.numRows;
    }
    getNumColumns() {
      guard.call('Range.getNumColumns', false);
      return this.numColumns;
    }
    getSheet() {
      guard.call('Range.getSheet', false);
      return new StandInSheet(this.sheet);
    }
  }
  class StandInSheet {
    constructor(readonly sheet: Sheet) {}
    getName() {
      guard.call('Sheet.getName', false);
      return this.sheet.name;
    }
    getLastRow() {
      guard.call('Sheet.getLastRow', false);
      return this.sheet.lastRow();
    }
    getLastColumn() {
      guard.call('Sheet.getLastColumn', false);
      return this.sheet.lastColumn();
    }
    getRange(a1OrRow: string | number, column?: number, numRows = 1, numColumns = 1) {
      guard.call('Sheet.getRange', false);
      if (typeof a1OrRow === 'string') {
        const { range } = model.resolve(a1OrRow, this.sheet);
        const rect = this.sheet.rectOf(range);
        return new StandInRange(this.sheet, rect.row, rect.column, rect.numRows, rect.numColumns);
      }
      return new StandInRange(this.sheet, a1OrRow, column ?? 1, numRows, numColumns);
    }
  }
  const activeRange = () => {
    const { sheet, range } = model.activeRange();
    const rect = sheet.rectOf(range);
    return new StandInRange(sheet, rect.row, rect.column, rect.numRows, rect.numColumns);
  };
  const spreadsheet = {
    getId() {
      guard.call('Spreadsheet.getId', false);
      return model.id;
    },
    getActiveSheet() {
      guard.call('Spreadsheet.getActiveSheet', false);
      return new StandInSheet(model.requireActiveSheet());
    },
    getSheetByName(name: string) {
      guard.call('Spreadsheet.getSheetByName', false);
      const sheet = model.findSheet(name);
      return sheet ? new StandInSheet(sheet) : null;
    },
    getActiveRange() {
      guard.call('Spreadsheet.getActiveRange', false);
      return activeRange();
    },
    getSpreadsheetTimeZone() {
      guard.call('Spreadsheet.getSpreadsheetTimeZone', false);
      return model.timeZone;
    },
  };
  return {
    getActiveSpreadsheet() {
      guard.call('SpreadsheetApp.getActiveSpreadsheet', false);
      return spreadsheet;
    },
    getActiveSheet() {
      guard.call('SpreadsheetApp.getActiveSheet', false);
      return new StandInSheet(model.requireActiveSheet());
    },
    getActiveRange() {
      guard.call('SpreadsheetApp.getActiveRange', false);
      return activeRange();
    },
    openById(id: string) {
      guard.call('SpreadsheetApp.openById', false);
      return spreadsheet;
    },
    getUi() {
      guard.call('SpreadsheetApp.getUi', false);
      return ui();
    },
  };
};
