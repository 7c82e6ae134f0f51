// Shared set-up for the spreadsheet emulator tests: a model, a guard that counts calls (and can play
// custom-function mode), and the fake SpreadsheetApp typed as the real one so the tests check real signatures.
/// <reference types="google-apps-script" />
import { createSpreadsheetApp, SpreadsheetModel, type ServiceGuard, type SpreadsheetModelOptions } from '../../../../dev/emulator/spreadsheet';

export class CountingGuard implements ServiceGuard {
  readonly calls: { name: string; mutates: boolean }[] = [];
  readOnly = false;

  call(name: string, mutates: boolean): void {
    this.calls.push({ name, mutates });
    if (this.readOnly && mutates) throw new Error(`You do not have permission to call ${name.split('.')[1]}`);
  }

  count(name: string): number {
    return this.calls.filter((c) => c.name === name).length;
  }

  reset(): void {
    this.calls.length = 0;
  }
}

export function setup(rows: unknown[][] = [], options: SpreadsheetModelOptions & { maxRows?: number; maxColumns?: number } = {}) {
  const model = new SpreadsheetModel({ now: () => Date.UTC(2025, 0, 6, 12), ...options });
  model.addSheet('Sheet1', rows, { maxRows: options.maxRows, maxColumns: options.maxColumns });
  const guard = new CountingGuard();
  const app = createSpreadsheetApp(model, guard, () => 'the ui') as unknown as GoogleAppsScript.Spreadsheet.SpreadsheetApp;
  const sheet = app.getActiveSheet();
  guard.reset();
  return { model, guard, app, sheet };
}
