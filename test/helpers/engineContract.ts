// The engine's observable rules, as one suite that runs against the real engine and against each
// fake that stands in for it, so a fake cannot drift from what it fakes: one outcome per cell in
// order, the deadline rule (no request starts that could not finish by the deadline), and the
// fatal codes (taken from the source's FATAL_CODES) failing every row that was not answered.
import { parseFieldSelection } from '../../src/core/catalog';
import { DEFAULT_MAX_REQUEST_MS, type EnrichOptions, type EnrichResult } from '../../src/core/enrich';
import { FATAL_CODES, type ErrorCode } from '../../src/core/errors';
import { classifyIdentifier } from '../../src/core/identifiers';

/** An engine under the contract, with the levers the suite needs on the API behind it. */
export interface ContractEngine {
  /** The clock the engine runs on. */
  now(): number;
  enrich(cells: unknown[], options: EnrichOptions): EnrichResult;
  /** Normalized identifiers sent to the API so far. */
  sent(): string[];
  /** From now on every request is answered as the API answers a key in this state. */
  rejectKey(code: ErrorCode): void;
}

/** A fresh engine; the API behind it knows everyone but `notFound` (normalized identifiers). */
export type MakeContractEngine = (notFound: ReadonlySet<string>) => ContractEngine;

const URL_1 = 'https://www.linkedin.com/in/contract-person-1';
const URL_UNKNOWN = 'https://www.linkedin.com/in/contract-nobody';
const EMAIL_2 = 'contract2@example.com';
/** Every kind of row, and a duplicate of URL_1 in another pasted form. */
const CELLS: unknown[] = [URL_1, '', 'not an identifier', EMAIL_2.toUpperCase(), `${URL_1}/?utm_source=sheet`, URL_UNKNOWN, 42];
const EXPECTED_STATUSES = ['matched', 'blank', 'invalid', 'matched', 'matched', 'not_found', 'invalid'];
const IDENTIFIER_ROWS = [0, 3, 4, 5];

function normalized(cell: unknown): string {
  const id = classifyIdentifier(cell);
  if (id.kind !== 'profile_url' && id.kind !== 'business_email') throw new Error(`${String(cell)} is no identifier`);
  return id.normalized;
}

export function describeEngineContract(name: string, make: MakeContractEngine): void {
  describe(`the engine contract: ${name}`, () => {
    const selection = parseFieldSelection('basic_profile');
    const fresh = () => make(new Set([normalized(URL_UNKNOWN)]));
    const HOUR = 3_600_000;

    test('one outcome per cell, in order: blank, invalid, matched, not found; a duplicate shares its answer', () => {
      const engine = fresh();
      const result = engine.enrich(CELLS, { selection, deadline: engine.now() + HOUR });
      expect(result.outcomes.map((o) => o.status)).toEqual(EXPECTED_STATUSES);
      const identifiers = result.outcomes.map((o) => ('identifier' in o ? o.identifier : null));
      expect(identifiers).toEqual(CELLS.map((cell, i) => (IDENTIFIER_ROWS.includes(i) ? normalized(cell) : null)));
      expect(result.fatal).toBeUndefined();
      // Each identifier is asked for once, whatever form it was pasted in.
      expect([...engine.sent()].sort()).toEqual([normalized(URL_1), normalized(EMAIL_2), normalized(URL_UNKNOWN)].sort());
    });

    test('past the deadline minus the request budget nothing is sent: identifier rows stay pending, the others are classified', () => {
      for (const maxRequestMs of [undefined, 12_000]) {
        const engine = fresh();
        const budget = maxRequestMs ?? DEFAULT_MAX_REQUEST_MS;
        const result = engine.enrich(CELLS, { selection, deadline: engine.now() + budget - 1, maxRequestMs });
        expect(result.outcomes.map((o) => o.status)).toEqual(EXPECTED_STATUSES.map((status, i) => (IDENTIFIER_ROWS.includes(i) ? 'pending' : status)));
        expect(engine.sent()).toEqual([]);
        expect(result.fatal).toBeUndefined();
      }
    });

    test('a request that can finish by the deadline is sent: the latest start is the deadline minus the budget, inclusive', () => {
      for (const maxRequestMs of [undefined, 12_000]) {
        const engine = fresh();
        const budget = maxRequestMs ?? DEFAULT_MAX_REQUEST_MS;
        const result = engine.enrich(CELLS, { selection, deadline: engine.now() + budget, maxRequestMs });
        expect(result.outcomes.map((o) => o.status)).toEqual(EXPECTED_STATUSES);
        expect(engine.sent().length).toBeGreaterThan(0);
      }
    });

    test.each([...FATAL_CODES])('a key answered with %s fails every identifier row with that code and stops the run', (code) => {
      const engine = fresh();
      engine.rejectKey(code);
      const result = engine.enrich(CELLS, { selection, deadline: engine.now() + HOUR });
      expect(result.fatal?.code).toBe(code);
      expect(result.fatal?.message).toMatch(/\w/);
      result.outcomes.forEach((outcome, i) => {
        if (IDENTIFIER_ROWS.includes(i)) expect(outcome).toMatchObject({ status: 'failed', identifier: normalized(CELLS[i]), code });
        else expect(outcome.status).toBe(EXPECTED_STATUSES[i]);
      });
    });
  });
}
