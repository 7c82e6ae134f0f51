// CRUSTDATA_ENRICH: placeholder until the custom-function issue lands.
export function crustdataEnrich(identifiers: unknown, fields?: unknown, header?: unknown): unknown {
  throw new Error('CRUSTDATA_ENRICH is not ready yet.');
}
