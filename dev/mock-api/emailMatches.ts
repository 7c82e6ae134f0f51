// How the mock answers a business-email reverse lookup: the API may return several candidates,
// each with a confidence_score (0–1, 1.0 exact), in no guaranteed order (docs/CRUSTDATA-API.md).
// Which shape a person's lookup takes, the scores and the order depend only on the person's slug,
// so every run gives the same answers. The person the email belongs to is always the best
// candidate, so "take the best" finds the same person as before candidates existed.
import { Prng, unitFrom } from './prng';
import {
  liveOnlyPersonBySlug, liveOnlySlug, samplePeople, SPECIAL_NAMES, syntheticSlug, type MockPerson,
} from './dataset';

/**
 * - exact: one candidate, score 1 (the email is on file);
 * - fuzzy: one candidate, score 0.55–0.95 (a lower min_similarity_score keeps it, a higher one drops it);
 * - several: the person (0.80–0.97) and one or two clearly weaker candidates (0.15–0.45 lower);
 * - ambiguous: the person (0.70–0.90) and one candidate 0.005–0.03 lower: too close to call.
 */
export type EmailMatchShape = 'exact' | 'fuzzy' | 'several' | 'ambiguous';

/** Share of ordinary and generated people per shape. The special edge-case people are always exact. */
export const EMAIL_MATCH_SHARES: Readonly<Record<EmailMatchShape, number>> = Object.freeze({
  exact: 0.6,
  fuzzy: 0.15,
  several: 0.15,
  ambiguous: 0.1,
});

/** The widest gap between the two best candidates of an ambiguous lookup (the narrowest is 0.005). */
export const AMBIGUOUS_MAX_GAP = 0.03;
/** The narrowest gap between the person and the next candidate of a "several" lookup. */
export const SEVERAL_MIN_GAP = 0.15;

export interface ScoredCandidate {
  person: MockPerson;
  score: number;
}

const SYNTHETIC = /^synthetic-(\d+)$/;
const LIVE_ONLY = /^live-only-(\d+)$/;
/** Generated indices stay below 10^9; a multiple of 40 keeps the employer (COMPANIES[n % 40]). */
const INDEX_SPACE = 1_000_000_000;

let specialSlugs: Set<string> | null = null;
let ordinaryByDomain: Map<string, MockPerson[]> | null = null;

function isSpecial(person: MockPerson): boolean {
  specialSlugs ??= new Set(samplePeople().slice(-SPECIAL_NAMES.length).map((special) => special.slug));
  return specialSlugs.has(person.slug);
}

function domainOf(email: string): string {
  return email.slice(email.indexOf('@') + 1);
}

export function emailMatchShape(person: MockPerson): EmailMatchShape {
  if (isSpecial(person)) return 'exact';
  const u = unitFrom('email-match-shape', person.slug);
  let floor = 0;
  for (const shape of ['exact', 'fuzzy', 'several'] as const) {
    floor += EMAIL_MATCH_SHARES[shape];
    if (u < floor) return shape;
  }
  return 'ambiguous';
}

/**
 * The candidates the API returns for this person's email, in answer order (shuffled), before
 * min_similarity_score. `lookup` gives the current state of another person by slug (removed
 * people are not candidates).
 */
export function emailCandidates(person: MockPerson, lookup: (slug: string) => MockPerson | undefined): ScoredCandidate[] {
  const shape = emailMatchShape(person);
  if (shape === 'exact') return [{ person, score: 1 }];
  const rng = new Prng(`email-match:${person.slug}`);
  const round = (score: number) => Math.round(score * 1000) / 1000;
  if (shape === 'fuzzy') return [{ person, score: round(0.55 + 0.4 * rng.next()) }];

  const best = shape === 'several' ? round(0.8 + 0.17 * rng.next()) : round(0.7 + 0.2 * rng.next());
  const otherCount = shape === 'several' ? rng.int(1, 2) : 1;
  const candidates: ScoredCandidate[] = [{ person, score: best }];
  otherSlugs(person, otherCount, rng).forEach((slug) => {
    const other = lookup(slug);
    if (!other) return;
    const gap = shape === 'several' ? SEVERAL_MIN_GAP + 0.3 * rng.next() : 0.005 + (AMBIGUOUS_MAX_GAP - 0.005) * rng.next();
    candidates.push({ person: other, score: Math.max(0.01, round(best - gap)) });
  });
  // No guaranteed order: sometimes the best comes first, sometimes not.
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  return candidates;
}

/** Other people who could plausibly hold a similar address: same family, same employer where possible. */
function otherSlugs(person: MockPerson, count: number, rng: Prng): string[] {
  const generated = SYNTHETIC.exec(person.slug) ?? LIVE_ONLY.exec(person.slug);
  if (generated) {
    const n = Number(generated[1]);
    const slugOf = person.slug.startsWith('synthetic-') ? syntheticSlug : liveOnlySlug;
    const out: string[] = [];
    for (let k = 1; k <= count; k++) out.push(slugOf((n + 40 * (rng.int(1, 1_000_000) * 7 + k)) % INDEX_SPACE));
    return out;
  }
  if (!ordinaryByDomain) {
    ordinaryByDomain = new Map();
    for (const sample of samplePeople().slice(0, -SPECIAL_NAMES.length)) {
      const domain = domainOf(sample.businessEmail);
      const list = ordinaryByDomain.get(domain) ?? [];
      list.push(sample);
      ordinaryByDomain.set(domain, list);
    }
  }
  const colleagues = (ordinaryByDomain.get(domainOf(person.businessEmail)) ?? []).filter((other) => other.slug !== person.slug);
  const pool = colleagues.length >= count ? colleagues : samplePeople().slice(0, -SPECIAL_NAMES.length).filter((other) => other.slug !== person.slug);
  return rng.sample(pool, count).map((other) => other.slug);
}

/** A lookup for candidates of the live-only family, which the cached dataset does not know. */
export function withLiveOnly(lookup: (slug: string) => MockPerson | undefined): (slug: string) => MockPerson | undefined {
  return (slug) => lookup(slug) ?? liveOnlyPersonBySlug(slug);
}
