// Credits actually charged: every answer of the API carries x-credits-used (docs/CRUSTDATA-API.md).
// The counter a job shows is the sum of these headers, never an estimate; an answer whose header
// is missing or unreadable counts 0 and says why, so the total is honest about what it could not read.

export const CREDITS_HEADER = 'x-credits-used';

export type CreditsReading =
  | { credits: number; problem: null }
  | { credits: 0; problem: 'missing' | 'unreadable' | 'negative'; raw: string | null };

/** Header lookup by name in any case (UrlFetchApp keeps the server's case; the mock sends lower case). */
function headerValue(headers: Record<string, string | string[] | undefined>, name: string): string | string[] | undefined {
  if (name in headers) return headers[name];
  const wanted = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === wanted) return headers[key];
  return undefined;
}

/**
 * The credits one answer charged. A plain non-negative number (decimals allowed: some Crustdata
 * endpoints price in fractions) is read as is; anything else is 0 with the reason.
 */
export function readCreditsUsed(headers: Record<string, string | string[] | undefined> | null | undefined): CreditsReading {
  const value = headers ? headerValue(headers, CREDITS_HEADER) : undefined;
  if (value === undefined || value === null) return { credits: 0, problem: 'missing', raw: null };
  // A repeated header arrives as an array (or joined with ", "): it is not one figure.
  const raw = Array.isArray(value) ? value.join(', ') : String(value);
  const text = raw.trim();
  if (text === '') return { credits: 0, problem: 'missing', raw };
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return { credits: 0, problem: 'unreadable', raw };
  const credits = Number(text);
  if (credits < 0) return { credits: 0, problem: 'negative', raw };
  return { credits, problem: null };
}

/** A running total of charged credits, with how many answers could not be read. */
export interface CreditsTally {
  credits: number;
  answers: number;
  unreadable: number;
}

export function emptyCreditsTally(): CreditsTally {
  return { credits: 0, answers: 0, unreadable: 0 };
}

/** The tally after one more answer (pure: returns a new tally). */
export function addCredits(tally: CreditsTally, reading: CreditsReading): CreditsTally {
  return {
    credits: tally.credits + reading.credits,
    answers: tally.answers + 1,
    unreadable: tally.unreadable + (reading.problem === null ? 0 : 1),
  };
}
