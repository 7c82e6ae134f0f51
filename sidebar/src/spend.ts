// The sidebar's words and checks for spend: the credit cap typed in a field, and the credits line
// of a job (charged so far, and the cap). Pure, tested without a DOM.
import type { JobProgress } from '../../src/common/contract';
import { formatCount, plural } from './format';

export type CapInput = { ok: true; cap: number | null } | { ok: false; message: string };

/** A cap from its field: empty is no cap; otherwise a whole number of credits, at least 1 (commas allowed). */
export function parseCreditCap(text: string): CapInput {
  const trimmed = text.trim().replace(/[,\s]/g, '');
  if (trimmed === '') return { ok: true, cap: null };
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1 || Number(trimmed) > 100_000_000) {
    return { ok: false, message: 'The credit cap must be a whole number of credits, at least 1 (or empty for no cap).' };
  }
  return { ok: true, cap: Number(trimmed) };
}

/** The higher cap Resume needs after a job paused at its cap: above what it has been charged. */
export function parseRaisedCap(text: string, job: JobProgress): CapInput {
  const parsed = parseCreditCap(text);
  if (!parsed.ok) return parsed;
  if (parsed.cap !== null && parsed.cap <= job.creditsUsed) {
    return { ok: false, message: `The new cap must be above the ${plural(job.creditsUsed, 'credit')} already charged, or empty for no cap.` };
  }
  return parsed;
}

/** A suggestion for the new cap: twice the old one. */
export function suggestedCap(job: JobProgress): number {
  return Math.max(job.creditsUsed + 1, (job.creditCap ?? job.creditsUsed) * 2);
}

/** "Credits charged: 42 (cap 100)". */
export function creditsLine(job: JobProgress): string {
  const cap = job.creditCap !== null ? ` (cap ${formatCount(job.creditCap)})` : '';
  return `Credits charged: ${formatCount(job.creditsUsed)}${cap}`;
}
