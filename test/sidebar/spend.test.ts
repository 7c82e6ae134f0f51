import { creditsLine, parseCreditCap, parseRaisedCap, suggestedCap } from '../../sidebar/src/spend';
import type { JobProgress } from '../../src/common/contract';

const job = (overrides: Partial<JobProgress> = {}): JobProgress => ({
  jobId: 'j',
  sheetName: 'S',
  state: 'paused',
  total: 10,
  processed: 4,
  counts: { enriched: 4, notFound: 0, invalid: 0, failed: 0, skipped: 0 },
  startedAt: 0,
  updatedAt: 0,
  etaSeconds: null,
  message: null,
  pausedBy: 'problem',
  continueInBackground: false,
  waitingUntil: null,
  creditsUsed: 96,
  creditCap: 100,
  problemCode: 'credit_cap',
  ...overrides,
});

test('a cap is empty (none) or a whole number of credits from 1', () => {
  expect(parseCreditCap('')).toEqual({ ok: true, cap: null });
  expect(parseCreditCap(' 1,500 ')).toEqual({ ok: true, cap: 1500 });
  for (const bad of ['0', '-5', '12.5', 'ten', '1e3']) expect(parseCreditCap(bad)).toMatchObject({ ok: false, message: expect.stringMatching(/whole number/) });
});

test('the raised cap must be above the credits already charged', () => {
  expect(parseRaisedCap('96', job())).toMatchObject({ ok: false, message: expect.stringMatching(/above the 96 credits/) });
  expect(parseRaisedCap('97', job())).toEqual({ ok: true, cap: 97 });
  expect(parseRaisedCap('', job())).toEqual({ ok: true, cap: null });
  expect(suggestedCap(job())).toBe(200);
  expect(suggestedCap(job({ creditCap: null, creditsUsed: 0 }))).toBe(1);
});

test('the credits line says what was charged, and the cap when there is one', () => {
  expect(creditsLine(job())).toBe('Credits charged: 96 (cap 100)');
  expect(creditsLine(job({ creditCap: null, creditsUsed: 1234 }))).toBe('Credits charged: 1,234');
});
