// The column catalog: field groups and dot-paths from the spec, their columns and costs.
import type { FieldSelection } from './types';

/** STUB: owned by the core-data work. */
export function parseFieldSelection(input: string | string[] | null | undefined): FieldSelection {
  throw new Error('parseFieldSelection: not implemented');
}
