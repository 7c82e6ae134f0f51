// The worker both long-running jobs share (src/core/jobWorker.ts): the lease and commit protocol,
// failures in a row, the cut at the first unanswered row, the digest that finds a killed block
// written, and the status texts (the one place they are written and read).
import { FakeLock } from './fakes';
import {
  answeredPrefix,
  cellsDigest,
  claimLease,
  commitUnderLease,
  holdsLease,
  identityOf,
  isLeaseFree,
  isSettled,
  nextFailure,
  notFoundStatus,
  parseRefreshStatus,
  parseStatus,
  protectRead,
  releaseLease,
  requestableKey,
  statusText,
  storedForm,
  type Lease,
} from '../../src/core/jobWorker';
import { classifyIdentifier } from '../../src/core/identifiers';
import { STATUS_HEADER } from '../../src/core/sheetTarget';
import type { RowOutcome } from '../../src/core/types';

interface Record {
  lease: Lease | null;
  n: number;
}

function store(initial: Record | null) {
  let saved: Record | null = initial;
  let saves = 0;
  return {
    io: { load: () => (saved ? { ...saved } : null), save: (record: Record) => ((saved = { ...record }), saves++) },
    get: () => saved,
    saves: () => saves,
  };
}

describe('lease', () => {
  test('claimed when free or expired, refused while another execution holds it', () => {
    const record: Record = { lease: null, n: 0 };
    expect(isLeaseFree(record, 1_000)).toBe(true);
    expect(claimLease(record, 'a', 1_000, 5_000)).toBe(true);
    expect(holdsLease(record, 'a')).toBe(true);
    expect(claimLease(record, 'b', 4_999, 9_000)).toBe(false);
    expect(record.lease).toEqual({ token: 'a', until: 5_000 });
    // A killed execution's lease expires on its own.
    expect(claimLease(record, 'b', 5_000, 9_000)).toBe(true);
    expect(holdsLease(record, 'a')).toBe(false);
    expect(holdsLease(null, 'a')).toBe(false);
  });

  test('a commit saves only while its token holds the lease, and says so when the lease was lost', () => {
    const lock = new FakeLock();
    const s = store({ lease: { token: 'a', until: 10 }, n: 0 });
    const saved = commitUnderLease(lock, 1_000, s.io, 'a', (latest) => ({ save: { ...latest, n: latest.n + 1 }, value: latest.n + 1 }));
    expect(saved).toEqual({ kind: 'saved', value: 1 });
    expect(s.get()!.n).toBe(1);
    const lost = commitUnderLease(lock, 1_000, s.io, 'b', (latest) => ({ save: { ...latest, n: 99 }, value: 0 }));
    expect(lost).toEqual({ kind: 'lost' });
    expect(s.get()!.n).toBe(1);
    expect(lock.held).toBe(false);
  });

  test('a lock that stays busy is reported, never a write without it', () => {
    const lock = new FakeLock();
    lock.failNext = 1; // another execution holds the document lock past the wait
    const s = store({ lease: { token: 'a', until: 10 }, n: 0 });
    expect(commitUnderLease(lock, 1_000, s.io, 'a', (latest) => ({ save: { ...latest, n: 5 }, value: 0 }))).toEqual({ kind: 'busy' });
    expect(s.saves()).toBe(0);
  });

  test('release lets go of its own lease only, and survives a killed execution', () => {
    const lock = new FakeLock();
    const s = store({ lease: { token: 'a', until: 10 }, n: 0 });
    releaseLease(lock, 1_000, s.io, 'b');
    expect(s.get()!.lease).toEqual({ token: 'a', until: 10 });
    releaseLease(lock, 1_000, s.io, 'a');
    expect(s.get()!.lease).toBeNull();
    const killed = { load: () => { throw new Error('killed'); }, save: () => undefined };
    expect(() => releaseLease(new FakeLock(), 1_000, killed, 'a')).not.toThrow();
  });
});

describe('failures in a row', () => {
  test('pause at the maximum, not before', () => {
    expect(nextFailure(0, 3)).toEqual({ inARow: 1, pause: false });
    expect(nextFailure(1, 3)).toEqual({ inARow: 2, pause: false });
    expect(nextFailure(2, 3)).toEqual({ inARow: 3, pause: true });
  });
});

describe('the cut', () => {
  const matched: RowOutcome = { status: 'matched', identifier: 'a', person: {}, fetchedAt: 0, fromCache: false };
  const notFound: RowOutcome = { status: 'not_found', identifier: 'b', fetchedAt: 0, fromCache: false };
  const failed: RowOutcome = { status: 'failed', identifier: 'c', code: 'server_error', message: 'boom' };
  const pending: RowOutcome = { status: 'pending', identifier: 'd', message: 'later' };
  const noCredits: RowOutcome = { status: 'failed', identifier: 'e', code: 'insufficient_credits', message: 'No credits' };

  test('stops at the first row not reached, keeping the rows before it', () => {
    expect(answeredPrefix([matched, failed, pending, matched])).toEqual({ cut: 2, fatal: null });
  });

  test('stops at the first row refused for a reason that stops every request, and names it', () => {
    expect(answeredPrefix([notFound, noCredits, matched])).toEqual({ cut: 1, fatal: { code: 'insufficient_credits', message: 'No credits' } });
  });

  test('a failure that spoils only its own row does not stop the block', () => {
    expect(answeredPrefix([failed, matched, notFound])).toEqual({ cut: 3, fatal: null });
  });

  test("the engine's own fatal problem wins over one found in the rows", () => {
    const fatal = { code: 'invalid_api_key' as const, message: 'Key rejected' };
    expect(answeredPrefix([pending], fatal)).toEqual({ cut: 0, fatal });
  });
});

describe('identifiers and cells', () => {
  test('keys name requestable identifiers only; identities tell every reading apart', () => {
    const url = classifyIdentifier('https://www.linkedin.com/in/ada');
    expect(requestableKey(url)).toBe(`profile_url ${url.kind === 'profile_url' ? url.normalized : ''}`);
    expect(requestableKey(classifyIdentifier(''))).toBeNull();
    expect(requestableKey(classifyIdentifier('not an id'))).toBeNull();
    expect(identityOf(classifyIdentifier(''))).toBe('blank');
    expect(identityOf(classifyIdentifier('not an id'))).toMatch(/^invalid /);
    expect(identityOf(url)).toBe(requestableKey(url));
  });

  test('values read back are protected again, dates stay dates', () => {
    expect(protectRead('=1+1')).toBe("'=1+1");
    expect(protectRead('00123')).toBe("'00123");
    const date = new Date(0);
    expect(protectRead(date)).toBe(date);
    expect(storedForm('=1+1')).toBe('=1+1');
    expect(storedForm("'quoted")).toBe("'quoted");
  });

  test('a digest of what is written matches the same cells read back, and nothing else', () => {
    const written = [['Enriched 2026-01-05', '=HYPERLINK("x")', '00123', 42, true, null], ['Not found', "'quoted", '', 0, false, 'x']];
    const readBack = [['Enriched 2026-01-05', '=HYPERLINK("x")', '00123', 42, true, ''], ['Not found', "'quoted", '', 0, false, 'x']];
    expect(cellsDigest(readBack, 'read')).toBe(cellsDigest(written, 'written'));
    expect(cellsDigest(readBack, 'read')).toMatch(/^[0-9a-f]{16}$/);
    // One cell different, a number read as text, rows split otherwise: all differ.
    const changed = readBack.map((row) => [...row]);
    changed[1][5] = 'y';
    expect(cellsDigest(changed, 'read')).not.toBe(cellsDigest(written, 'written'));
    expect(cellsDigest([['42']], 'read')).not.toBe(cellsDigest([[42]], 'read'));
    expect(cellsDigest([['a', 'b']], 'read')).not.toBe(cellsDigest([['a'], ['b']], 'read'));
    expect(cellsDigest([['ab', '']], 'read')).not.toBe(cellsDigest([['a', 'b']], 'read'));
  });
});

describe('row statuses', () => {
  test("the bulk job's own statuses read back as written", () => {
    expect(parseStatus(statusText({ kind: 'enriched', date: '2025-01-06' }))).toEqual({ kind: 'enriched', date: '2025-01-06' });
    expect(parseStatus('Not found')).toEqual({ kind: 'not_found' });
    expect(parseStatus('Invalid identifier: not a profile URL')).toEqual({ kind: 'invalid', message: 'not a profile URL' });
    expect(parseStatus('Error: the API timed out')).toEqual({ kind: 'error', message: 'the API timed out' });
    expect(parseStatus('')).toEqual({ kind: 'none' });
    expect(parseStatus(42)).toEqual({ kind: 'none' });
  });

  test("the refresh's dated Not found, with or without kept data, is settled", () => {
    for (const text of ['Not found 2025-02-03; kept data from 2025-01-06', 'Not found 2025-02-03', 'Not found 2025-02-03; kept earlier data', '  Not found 2025-02-03; kept data from 2025-01-06 ']) {
      expect({ text, status: parseStatus(text) }).toEqual({ text, status: { kind: 'not_found' } });
      expect(isSettled(parseStatus(text))).toBe(true);
    }
  });

  test('look-alikes are not settled: a user note starting the same way is not the add-on\'s status', () => {
    for (const text of ['Not found yet', 'Not found 2025-02-03 maybe', 'Not found 2025-2-3', 'Not found 2025-02-03; kept data from', 'not found 2025-02-03', 'Enriched yesterday']) {
      expect({ text, settled: isSettled(parseStatus(text)) }).toEqual({ text, settled: false });
    }
  });

  test('a row left for review reads back as such: not settled, not failed, and Keep fresh leaves it alone', () => {
    const text = statusText({ kind: 'review', message: 'Ambiguous: 2 people match with close scores (0.81 and 0.8). Check this row by hand.' });
    expect(text).toBe('Ambiguous: 2 people match with close scores (0.81 and 0.8). Check this row by hand.');
    expect(parseStatus(text)).toEqual({ kind: 'review', message: text });
    expect(isSettled(parseStatus(text))).toBe(false);
    expect(parseRefreshStatus(text).kind).toBe('none');
    // A message without the prefix gets it, so it always reads back as a review.
    expect(parseStatus(statusText({ kind: 'review', message: 'close call' })).kind).toBe('review');
  });

  it('reads the bulk job statuses and its own dated "Not found"', () => {
    expect(parseRefreshStatus('Enriched 2026-01-02')).toEqual({ kind: 'enriched', date: '2026-01-02' });
    expect(parseRefreshStatus('Not found')).toEqual({ kind: 'not_found', checked: null, keptFrom: null, keptData: false });
    expect(parseRefreshStatus('Not found 2026-01-09; kept data from 2026-01-02')).toEqual({ kind: 'not_found', checked: '2026-01-09', keptFrom: '2026-01-02', keptData: true });
    expect(parseRefreshStatus('Not found 2026-01-09; kept earlier data')).toEqual({ kind: 'not_found', checked: '2026-01-09', keptFrom: null, keptData: true });
    expect(parseRefreshStatus('Error: boom').kind).toBe('error');
    expect(parseRefreshStatus('Invalid identifier: x').kind).toBe('invalid');
    expect(parseRefreshStatus(STATUS_HEADER).kind).toBe('none');
    expect(parseRefreshStatus(42).kind).toBe('none');
  });

  it('says a row not found kept its data and since when', () => {
    expect(notFoundStatus('2026-01-09', { kind: 'enriched', date: '2026-01-02' }, true)).toBe('Not found 2026-01-09; kept data from 2026-01-02');
    expect(notFoundStatus('2026-01-16', parseRefreshStatus('Not found 2026-01-09; kept data from 2026-01-02'), true)).toBe('Not found 2026-01-16; kept data from 2026-01-02');
    expect(notFoundStatus('2026-01-09', { kind: 'error' }, true)).toBe('Not found 2026-01-09; kept earlier data');
    expect(notFoundStatus('2026-01-09', { kind: 'not_found', checked: null, keptFrom: null, keptData: false }, false)).toBe('Not found 2026-01-09');
  });
});
