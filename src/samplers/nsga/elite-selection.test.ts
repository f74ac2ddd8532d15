import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { selectNsga2Elite, selectNsga3Elite } from './elite-selection.js';
import { associate, dasDennisCount, dasDennisPoints, defaultDivisions, nichePreservingSelection, normalizeLosses } from './reference-points.js';

const candidates = (pts: number[][], violation: number[] | null = null) => ({
  losses: Float64Array.from(pts.flat()),
  m: (pts[0] as number[]).length,
  n: pts.length,
  violation: violation === null ? null : Float64Array.from(violation),
});

describe('selectNsga2Elite', () => {
  it('takes whole fronts, then the least crowded of the front that does not fit', () => {
    const pts = [
      [0, 10], // 0 front 0, extreme
      [10, 0], // 1 front 0, extreme
      [4.9, 5.1], // 2 front 0: neighbours (2, 8) and (5, 5), distance 0.3 + 0.3
      [5, 5], // 3 front 0: neighbours (4.9, 5.1) and (10, 0), distance 0.51 + 0.51
      [2, 8], // 4 front 0: distance 0.49 + 0.49
      [11, 11], // 5 front 1
    ];
    const e = selectNsga2Elite(candidates(pts), 4);
    expect([...e.members].sort()).toEqual([0, 1, 3, 4]);
    expect(Array.from(e.rank)).toEqual([0, 0, 0, 0]);
    // A population larger than the candidates keeps them all, best front first.
    const all = selectNsga2Elite(candidates(pts), 10);
    expect(all.members).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(all.rank)).toEqual([0, 0, 0, 0, 0, 1]);
  });

  it('never prefers an infeasible candidate to a feasible one', () => {
    const rng = new Rng(8);
    for (let c = 0; c < 30; c++) {
      const n = 10 + rng.int(30);
      const pts = Array.from({ length: n }, () => [rng.random(), rng.random()]);
      const violation = pts.map(() => (rng.random() < 0.5 ? 0 : rng.random()));
      const size = 1 + rng.int(n);
      const e = selectNsga2Elite(candidates(pts, violation), size);
      const feasible = violation.filter((v) => v === 0).length;
      const chosenFeasible = e.members.filter((i) => violation[i] === 0).length;
      expect(chosenFeasible).toBe(Math.min(size, feasible));
      // Ranks put every feasible member before every infeasible one.
      const worstFeasible = Math.max(-1, ...e.members.map((i, k) => (violation[i] === 0 ? (e.rank[k] as number) : -1)));
      const bestInfeasible = Math.min(
        Number.POSITIVE_INFINITY,
        ...e.members.map((i, k) => (violation[i] !== 0 ? (e.rank[k] as number) : Number.POSITIVE_INFINITY)),
      );
      expect(worstFeasible).toBeLessThan(bestInfeasible);
    }
  });
});

describe('NSGA-III reference points and niching', () => {
  it('builds the Das–Dennis points on the simplex', () => {
    const pts = dasDennisPoints(3, 4);
    expect(pts).toHaveLength(15);
    expect(dasDennisCount(3, 4)).toBe(15);
    expect(dasDennisCount(3, 12)).toBe(91);
    for (const p of pts) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    expect(new Set(pts.map((p) => p.join(','))).size).toBe(15);
    expect(dasDennisPoints(2, 2)).toEqual([
      [1, 0],
      [0.5, 0.5],
      [0, 1],
    ]);
    expect(defaultDivisions(3, 50)).toBe(8); // 45 points; p = 9 would give 55
    expect(defaultDivisions(2, 50)).toBe(49);
    expect(defaultDivisions(1, 50)).toBe(1);
  });

  it('normalizes by the hyperplane through the extreme points', () => {
    // Points on the plane f1/2 + f2/4 + f3/8 = 1, shifted by the ideal point (1, 1, 1).
    const pts = [
      [3, 1, 1],
      [1, 5, 1],
      [1, 1, 9],
      [2, 2, 3],
    ];
    const f = normalizeLosses(Float64Array.from(pts.flat()), 3, [0, 1, 2, 3]);
    const rows = [0, 1, 2, 3].map((i) => Array.from(f.subarray(i * 3, i * 3 + 3)));
    expect(rows[0]).toEqual([1, 0, 0]);
    expect(rows[1]).toEqual([0, 1, 0]);
    expect(rows[2]).toEqual([0, 0, 1]);
    expect((rows[3] as number[]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('associates points with the nearest reference line', () => {
    const refs = dasDennisPoints(2, 2); // directions (1,0), (1,1), (0,1)
    const { line, distance } = associate(Float64Array.from([2, 0.1, 1, 1.2, 0, 3]), 2, refs);
    expect(Array.from(line)).toEqual([0, 1, 2]);
    expect(distance[0]).toBeCloseTo(0.1, 12);
    expect(distance[1]).toBeCloseTo(0.2 / Math.SQRT2, 12);
    expect(distance[2]).toBe(0);
  });

  it('fills empty niches first, each with its nearest candidate', () => {
    // Two selected members on line 0; the last front has two candidates on line 0 and two on line 2 (one nearer).
    const line = Int32Array.from([0, 0, 0, 0, 2, 2]);
    const distance = Float64Array.from([0, 0, 0.1, 0.2, 0.5, 0.3]);
    const chosen = nichePreservingSelection(line, distance, 2, 1, 3, new Rng(1));
    expect(chosen).toEqual([3]); // position 3 of the last front = candidate at distance 0.3 on line 2
    const three = nichePreservingSelection(line, distance, 2, 3, 3, new Rng(1));
    // Line 2 (one member now) before line 0 (two); then line 2 is used up and line 0 takes one at random.
    expect(three.slice(0, 2)).toEqual([3, 2]);
    expect([0, 1]).toContain(three[2]);
  });

  it('selectNsga3Elite keeps spread-out members of the front that does not fit', () => {
    // A front of 12 points on the unit simplex's edge f1 + f2 = 1, 9 of them crowded near (0.5, 0.5).
    const pts = [[0, 1], [1, 0], [0.25, 0.75], ...Array.from({ length: 9 }, (_, i) => [0.45 + 0.01 * i, 0.55 - 0.01 * i])];
    const e = selectNsga3Elite(candidates(pts), 4, dasDennisPoints(2, 4), new Rng(3));
    const chosen = e.members.map((i) => (pts[i] as number[])[0] as number).sort((a, b) => a - b);
    // One per niche: both extremes, 0.25, and one from the crowded middle.
    expect(chosen.slice(0, 2)).toEqual([0, 0.25]);
    expect(chosen[3]).toBe(1);
    expect(chosen[2]).toBeGreaterThanOrEqual(0.45);
    expect(chosen[2]).toBeLessThanOrEqual(0.53);
  });
});
