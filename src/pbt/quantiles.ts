/**
 * PBT's split of a population into a bottom and a top share by score, as
 * Ray Tune's PopulationBasedTraining does it: q = ceil(n·fraction) members
 * in each share, at most floor(n/2), none when fewer than two members have a
 * score. Ties are broken by member id, so the split is deterministic.
 */
import type { StudyDirection } from '../trial/state.js';

export interface Scored {
  readonly member: number;
  readonly score: number;
}

/** Members ordered worst first: for 'maximize' low scores first, for 'minimize' high scores first. */
export function rankWorstFirst(scored: readonly Scored[], direction: StudyDirection): Scored[] {
  const sign = direction === 'maximize' ? 1 : -1;
  // Equal scores (including two infinite ones, whose difference is NaN) fall back to the member id.
  return scored.slice().sort((a, b) => sign * (a.score - b.score) || a.member - b.member);
}

export function quantiles(scored: readonly Scored[], fraction: number, direction: StudyDirection): { bottom: number[]; top: number[] } {
  if (scored.length <= 1) return { bottom: [], top: [] };
  const ranked = rankWorstFirst(scored, direction);
  let q = Math.ceil(ranked.length * fraction);
  if (q > ranked.length / 2) q = Math.floor(ranked.length / 2);
  return { bottom: ranked.slice(0, q).map((s) => s.member), top: ranked.slice(ranked.length - q).map((s) => s.member) };
}
