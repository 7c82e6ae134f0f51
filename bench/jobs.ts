// The identifier columns the scenarios enrich: generated people the mock API knows
// (dev/mock-api/dataset.ts), deterministic for a given size and seed.
import { syntheticBusinessEmail, syntheticProfileUrl } from '../dev/mock-api/dataset';
import { seededRandom } from '../src/core/retry';

/** `count` distinct profile URLs of generated people. */
export function uniqueProfileUrls(count: number, start = 0): string[] {
  return Array.from({ length: count }, (_, i) => syntheticProfileUrl(start + i));
}

/**
 * The mixed job: 65% unique identifiers (URLs and emails alternating), 30% duplicates of them
 * in other pasted forms (trailing slash, utm query, uk. subdomain in capitals, no scheme with a
 * /details/ suffix; emails in capitals, padded, mailto:), 5% invalid, shuffled.
 */
export function mixedJob(rows: number, seed = 11): unknown[] {
  const random = seededRandom(seed);
  const uniqueCount = Math.round(rows * 0.65);
  const unique = Array.from({ length: uniqueCount }, (_, i) => (i % 2 === 0 ? syntheticProfileUrl(i) : syntheticBusinessEmail(i)));
  const variants = (id: string): string[] =>
    id.includes('@')
      ? [id.toUpperCase(), ` ${id} `, `mailto:${id}`]
      : [`${id}/`, `${id}?utm_source=sheet`, id.replace('https://www.', 'http://uk.').toUpperCase(), id.replace('https://', '') + '/details/experience/'];
  const cells: unknown[] = [...unique];
  for (let i = 0; i < Math.round(rows * 0.3); i++) {
    const forms = variants(unique[Math.floor(random() * unique.length)]);
    cells.push(forms[Math.floor(random() * forms.length)]);
  }
  const junk = ['not a url', 'https://www.linkedin.com/company/acme', 'someone@', 42, 'https://example.com/in/x', 'ACoAAB1234567890abcdef'];
  while (cells.length < rows) cells.push(junk[cells.length % junk.length]);
  for (let i = cells.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [cells[i], cells[j]] = [cells[j], cells[i]];
  }
  return cells;
}

/**
 * The mixed job's injected faults, at fixed places in the request stream: two 5xx, an HTML 502, a 429
 * with Retry-After, and one request hung past UrlFetch's 60 s (which fails its whole fetchAll).
 */
export function injectedFaults() {
  return new Map([
    [3, { type: '500' as const }],
    [17, { type: '429' as const, retryAfterSeconds: 5 }],
    [20, { type: '502' as const }],
    [33, { type: 'slow' as const }],
    [41, { type: '503' as const }],
  ]);
}
