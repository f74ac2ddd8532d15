/**
 * Survival: which P of the candidates (the previous elite plus the newest
 * generation) become the next elite, the parents of the next generation.
 *
 * NSGA-II (Deb et al. 2002, §III-C): whole fronts while they fit, then the
 * least crowded members of the front that does not fit.
 * NSGA-III (Deb & Jain 2014, §IV): the same fronts, but the front that does
 * not fit is cut by niching on reference lines instead of crowding.
 * Arrays in, arrays out.
 */
import type { Rng } from '../../math/rng.js';
import { crowdingDistance } from './crowding-distance.js';
import { constrainedFronts } from './non-dominated-sort.js';
import { associate, nichePreservingSelection, normalizeLosses } from './reference-points.js';

export interface EliteCandidates {
  /** n × m losses, row-major, every objective minimized. */
  readonly losses: Float64Array;
  readonly m: number;
  readonly n: number;
  /** Total constraint violation per candidate (0 = feasible, NaN = none recorded), or null without constraints. */
  readonly violation: Float64Array | null;
}

export interface Elite {
  /** Indices of the chosen candidates, best front first. */
  readonly members: readonly number[];
  /** Front of each member (0 = non-dominated). */
  readonly rank: Int32Array;
  /** Crowding distance of each member within its front (NSGA-II; 0 for NSGA-III). */
  readonly crowding: Float64Array;
}

function allIndices(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** NSGA-II survival: non-dominated sorting, then crowding distance on the last front. */
export function selectNsga2Elite(c: EliteCandidates, size: number): Elite {
  const fronts = constrainedFronts(c.losses, c.m, allIndices(c.n), c.violation, size);
  const members: number[] = [];
  const rank: number[] = [];
  const crowding: number[] = [];
  for (let r = 0; r < fronts.length && members.length < size; r++) {
    const front = fronts[r] as number[];
    const dist = crowdingDistance(c.losses, c.m, front);
    let order = front.map((_, i) => i);
    if (members.length + front.length > size) {
      // Most isolated first; equal distances keep candidate order.
      order.sort((a, b) => (dist[b] as number) - (dist[a] as number) || a - b);
      order = order.slice(0, size - members.length);
    }
    for (const i of order) {
      members.push(front[i] as number);
      rank.push(r);
      crowding.push(dist[i] as number);
    }
  }
  return { members, rank: Int32Array.from(rank), crowding: Float64Array.from(crowding) };
}

/** NSGA-III survival: non-dominated sorting, then reference-line niching on the last front. */
export function selectNsga3Elite(c: EliteCandidates, size: number, references: readonly (readonly number[])[], rng: Rng): Elite {
  const fronts = constrainedFronts(c.losses, c.m, allIndices(c.n), c.violation, size);
  const members: number[] = [];
  const rank: number[] = [];
  for (let r = 0; r < fronts.length && members.length < size; r++) {
    const front = fronts[r] as number[];
    if (members.length + front.length <= size) {
      for (const p of front) {
        members.push(p);
        rank.push(r);
      }
      continue;
    }
    // S_t = the members so far plus the whole last front: normalize and associate them together.
    const st = members.concat(front);
    const normalized = normalizeLosses(c.losses, c.m, st);
    const { line, distance } = associate(normalized, c.m, references);
    const chosen = nichePreservingSelection(line, distance, members.length, size - members.length, references.length, rng);
    for (const pos of chosen) {
      members.push(front[pos] as number);
      rank.push(r);
    }
  }
  return { members, rank: Int32Array.from(rank), crowding: new Float64Array(members.length) };
}
