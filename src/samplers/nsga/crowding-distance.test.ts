import { describe, expect, it } from 'vitest';
import { crowdingDistance } from './crowding-distance.js';

describe('crowdingDistance', () => {
  it('sums the normalized neighbour gaps and gives the extremes Infinity', () => {
    // f1 range 4: (1, 3.5) has neighbours 0 and 3 -> 0.75; f2 range 4: neighbours 1 and 4 -> 0.75.
    // (3, 1): f1 neighbours 1 and 4 -> 0.75; f2 neighbours 0 and 3.5 -> 0.875.
    const losses = Float64Array.from([0, 4, 1, 3.5, 3, 1, 4, 0]);
    const d = crowdingDistance(losses, 2, [0, 1, 2, 3]);
    expect(Array.from(d)).toEqual([Number.POSITIVE_INFINITY, 1.5, 1.625, Number.POSITIVE_INFINITY]);
    // Only the listed members count, in their order.
    expect(Array.from(crowdingDistance(losses, 2, [2, 1]))).toEqual([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY]);
  });

  it('ignores an objective on which the front is constant, and copes with infinite values', () => {
    // Objective 2 is constant: only objective 1 counts.
    const d = crowdingDistance(Float64Array.from([0, 7, 1, 7, 3, 7]), 2, [0, 1, 2]);
    expect(Array.from(d)).toEqual([Number.POSITIVE_INFINITY, 1, Number.POSITIVE_INFINITY]);
    // Range from finite values only; Infinity - Infinity counts as 0.
    const inf = Number.POSITIVE_INFINITY;
    const e = crowdingDistance(Float64Array.from([0, 1, 2, inf, inf]), 1, [0, 1, 2, 3, 4]);
    expect(e[1]).toBe(1); // (2 - 0) / 2
    expect(e[2]).toBe(inf); // neighbour above is Infinity
    expect(e[3]).toBe(inf); // 2 below, Infinity above
    expect(e[4]).toBe(0); // the extreme, but its neighbour below is the same Infinity
    expect(Array.from(crowdingDistance(Float64Array.from([5]), 1, [0]))).toEqual([0]);
  });
});
