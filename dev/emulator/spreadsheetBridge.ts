// The fake SpreadsheetApp the emulator installs (dev/emulator/spreadsheet), behind a factory type
// so a test or tool can swap in its own.
import { createSpreadsheetApp, type ServiceGuard, type SpreadsheetAppOptions } from './spreadsheet';
import type { SpreadsheetModel } from './spreadsheet/model';

export type { ServiceGuard };

export type SpreadsheetAppFactory = (model: SpreadsheetModel, guard: ServiceGuard, ui: () => unknown, options?: Pick<SpreadsheetAppOptions, 'detached'>) => object;

export function defaultSpreadsheetAppFactory(): SpreadsheetAppFactory {
  return (model, guard, ui, options) => createSpreadsheetApp(model, guard, ui, options);
}
