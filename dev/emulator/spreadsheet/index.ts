// Google Sheets for the emulator: an in-memory spreadsheet (SpreadsheetModel, test-facing) and the fake
// SpreadsheetApp global the runtime installs in the script's vm context. Parsing decisions: README.md here.

export type { ServiceGuard, ScriptRealm, SpreadsheetAppOptions } from './service';
export {
  createSpreadsheetApp,
  isMutatingMethod,
  DeveloperMetadataLocationType,
  DeveloperMetadataVisibility,
  Dimension,
  EnumValue,
} from './service';
export {
  SpreadsheetModel,
  SheetModel,
  SheetsException,
  csvField,
  DEFAULT_MAX_ROWS,
  DEFAULT_MAX_COLUMNS,
  DEFAULT_BACKGROUND,
  MAX_METADATA_CHARS,
  OUT_OF_GRID_MESSAGE,
} from './model';
export type {
  AddSheetOptions,
  CellState,
  CsvOptions,
  MetadataSnapshot,
  RangeRef,
  SpillOutcome,
  SpreadsheetModelOptions,
  Toast,
} from './model';
export {
  UNEVALUATED_FORMULA_VALUE,
  FORMULA_PARSE_ERROR_VALUE,
  DEFAULT_NUMBER_FORMAT,
  PLAIN_TEXT_FORMAT,
  MAX_CELL_CHARS,
  CELL_TOO_LONG_MESSAGE,
  interpretInput,
  displayValue,
} from './values';
export type { CellValue, InterpretedInput } from './values';
export { parseA1, formatA1, columnToLetters, lettersToColumn, quoteSheetName, RANGE_NOT_FOUND } from './a1';
export type { A1Reference } from './a1';
