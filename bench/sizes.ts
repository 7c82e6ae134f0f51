// How big each scenario runs: the full sizes for `npm run bench`, tiny ones for the
// smoke test (test/bench), which only proves the figures are computed and the targets evaluated.

export interface BenchSizes {
  label: string;
  /** Scenario 1: unique identifiers per bulk job, each at every rate. */
  throughputJobs: number[];
  rates: number[];
  /** Scenario 1: the mixed job (30% duplicates, 5% invalid, injected faults). */
  faultyJobRows: number;
  /** Scenario 2: rows of the column every way of use enriches. */
  perRowRows: number;
  /** Scenario 3: two bulk-job sizes whose calls per block are compared. */
  economyJobs: [number, number];
  /** Scenario 4: profiles flattened and formatted; cold loads of the bundle timed. */
  profiles: number;
  loadRuns: number;
  /** Scenario 5: rows of the job under injected faults, and the fault share. */
  faultRows: number;
  faultShare: number;
  /** Scenario 6: rows recalculated once as filled-down formulas, 30 cells at once. */
  parallelRows: number;
  /** Scenario 6: unique identifiers of the shuffled column filled down (packs need > 750). */
  parallelUniqueColumn: number;
  /** Scenario 7: rows of the column whose credits are estimated, and the top rows a first job enriches. */
  likelyRows: number;
  likelySampleRows: number;
}

export const FULL_SIZES: BenchSizes = {
  label: 'full',
  throughputJobs: [500, 2_000, 10_000],
  rates: [15, 60],
  faultyJobRows: 2_000,
  perRowRows: 300,
  economyJobs: [2_000, 10_000],
  profiles: 10_000,
  loadRuns: 9,
  faultRows: 10_000,
  faultShare: 0.1,
  parallelRows: 300,
  parallelUniqueColumn: 5_000,
  likelyRows: 2_000,
  likelySampleRows: 200,
};

export const SMOKE_SIZES: BenchSizes = {
  label: 'smoke',
  throughputJobs: [60],
  rates: [15],
  faultyJobRows: 120,
  perRowRows: 30,
  economyJobs: [800, 1_600],
  profiles: 50,
  loadRuns: 2,
  faultRows: 150,
  // High enough that a tiny job meets every kind of fault.
  faultShare: 0.5,
  parallelRows: 30,
  parallelUniqueColumn: 250,
  likelyRows: 150,
  likelySampleRows: 50,
};
