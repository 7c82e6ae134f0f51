// What the playground page needs from whatever runs the server side: run a sidebar call, show
// the sheet, and let the grid set the active selection. Implemented by the emulator
// running dist/Code.js (emulatorBackend.ts), so the playground is the real add-on.
import type { SidebarServer } from '../../src/common/contract';
import type { AnsweredDialog, MenuEntryView, MenuOutcome } from './menuRunner';

export interface GridCell {
  /** The displayed text (the page escapes it; it is never parsed as HTML). */
  v: string;
  /** Cell note, e.g. the old value marked by a refresh. */
  n?: string;
  /** Background colour, when not white. */
  b?: string;
  /** A formula, when the cell holds one (shown so a reviewer sees nothing became a formula). */
  f?: string;
  /** Sheets' message for an error value (#REF!, #ERROR!, #NAME?), shown on hover. */
  m?: string;
}

export interface GridSelection {
  row: number;
  column: number;
  numRows: number;
  numColumns: number;
}

export interface GridSnapshot {
  sheets: string[];
  sheetName: string;
  rows: number;
  columns: number;
  cells: GridCell[][];
  selection: GridSelection | null;
  /** Changes whenever the sheet changes, so the page redraws only then. */
  version: string;
}

export type SidebarFunctionName = keyof SidebarServer;

/** What happened when the playground moved time forward. */
export interface AdvanceReport {
  now: number;
  triggerRuns: number;
  failedRuns: string[];
}

export interface PlaygroundBackend {
  readonly description: string;
  /** Moves time forward, running the add-on's time-driven triggers that fall due (mock only). */
  advance?(ms: number): AdvanceReport;
  /** Some people in the mock data change employer or title, so a refresh has news (mock only). */
  churn?(): { changed: number };
  /** The emulator's time, for the page's clock. */
  now(): number;
  call(name: SidebarFunctionName, args: unknown[]): Promise<unknown>;
  grid(sheetName?: string): GridSnapshot;
  select(sheetName: string, selection: GridSelection): void;
  /** Types text (a value or a formula) into every cell of the selection; resolves with the formulas run. */
  edit(sheetName: string, selection: GridSelection, text: string): Promise<number>;
  /** Copies the selection's top row down through it (Ctrl+D), formulas adjusted. */
  fillDown(sheetName: string, selection: GridSelection): Promise<number>;
  /** The add-on menu (Extensions → Crustdata) as onOpen built it. */
  menu(): MenuEntryView[];
  /** Clicks a menu item; a question for the user comes back as status 'ask' (see menuRunner.ts). */
  runMenuItem(caption: string, answers: AnsweredDialog[]): Promise<MenuOutcome>;
  apiKeyIsSet(): boolean;
  /** Stores the mock API's demo key as the user's key (mock only). */
  useDemoKey?(): void;
  /** Loads dist/Code.js again after a rebuild (state in properties, caches and the sheet stays). */
  reloadBundle(): void;
  close(): Promise<void>;
}
