import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { constrainedFronts, dominatesRow, nonDominatedFronts } from './non-dominated-sort.js';

const flat = (pts: number[][]): Float64Array => Float64Array.from(pts.flat());
const all = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('nonDominatedFronts', () => {
  it('sorts a hand example into its fronts', () => {
    // 0 (1,4), 1 (2,2), 2 (4,1) are non-dominated; 3 (3,3) is dominated by 1; 4 (4,4) by 3 too; 5 equals 1.
    const pts = [
      [1, 4],
      [2, 2],
      [4, 1],
      [3, 3],
      [4, 4],
      [2, 2],
    ];
    expect(nonDominatedFronts(flat(pts), 2, all(6))).toEqual([[0, 1, 2, 5], [3], [4]]);
    // Only the listed members take part, in their order.
    expect(nonDominatedFronts(flat(pts), 2, [4, 3])).toEqual([[3], [4]]);
    // `limit` stops once enough points are ranked.
    expect(nonDominatedFronts(flat(pts), 2, all(6), 4)).toEqual([[0, 1, 2, 5]]);
  });

  it('groups equal values of a single objective and handles infinities', () => {
    const losses = Float64Array.from([3, 1, Number.POSITIVE_INFINITY, 1, Number.NEGATIVE_INFINITY, 2]);
    expect(nonDominatedFronts(losses, 1, all(6))).toEqual([[4], [1, 3], [5], [0], [2]]);
  });

  it('satisfies the definition on random points with ties, in 2 to 4 objectives (seed 3)', () => {
    const rng = new Rng(3);
    for (const m of [2, 3, 4]) {
      for (let c = 0; c < 20; c++) {
        const n = 1 + rng.int(40);
        const losses = Float64Array.from({ length: n * m }, () => rng.int(5));
        const fronts = nonDominatedFronts(losses, m, all(n));
        expect(fronts.flat().sort((a, b) => a - b)).toEqual(all(n));
        fronts.forEach((front, r) => {
          for (const p of front) {
            // Nobody in this or a later front dominates p ...
            for (const later of fronts.slice(r)) for (const q of later) expect(dominatesRow(losses, m, q, p)).toBe(false);
            // ... and someone in the previous front does.
            if (r > 0) expect((fronts[r - 1] as number[]).some((q) => dominatesRow(losses, m, q, p))).toBe(true);
          }
        });
      }
    }
  });
});

describe('constrainedFronts', () => {
  it('puts every feasible point before every infeasible one, infeasible ones by violation, unknown ones last', () => {
    // The infeasible points dominate the feasible ones in the objectives.
    const pts = [
      [5, 5], // 0 feasible
      [6, 4], // 1 feasible
      [0, 0], // 2 violation 2
      [1, 1], // 3 violation 0.5
      [0, 1], // 4 violation 2
      [9, 9], // 5 feasible, dominated by 0
      [-1, -1], // 6 no constraint values
    ];
    const violation = Float64Array.from([0, 0, 2, 0.5, 2, 0, Number.NaN]);
    expect(constrainedFronts(flat(pts), 2, all(7), violation)).toEqual([[0, 1], [5], [3], [2, 4], [6]]);
    expect(constrainedFronts(flat(pts), 2, all(7), null)).toEqual([[6], [2], [4], [3], [0, 1], [5]]);
  });
});
