import { describe, expect, it } from 'vitest';
import { greedyHypervolumeSubset, hypervolume, hypervolumeContributions, nadirReference } from './hypervolume.js';
import { Rng } from './rng.js';

const hv = (pts: number[][], ref: number[]): number => hypervolume(pts, ref);
const contrib = (pts: number[][], ref: number[]): number[] => Array.from(hypervolumeContributions(pts, ref));

/** Brute force: Σ over non-empty subsets T of (−1)^(|T|+1) · vol(box of max(T)). */
function inclusionExclusion(pts: number[][], ref: number[]): number {
  const inside = pts.filter((p) => p.every((v, k) => v < (ref[k] as number)));
  let total = 0;
  for (let mask = 1; mask < 1 << inside.length; mask++) {
    let bits = 0;
    let vol = 1;
    for (let k = 0; k < ref.length; k++) {
      let hi = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < inside.length; i++) if (mask & (1 << i)) hi = Math.max(hi, (inside[i] as number[])[k] as number);
      vol *= (ref[k] as number) - hi;
    }
    for (let i = 0; i < inside.length; i++) if (mask & (1 << i)) bits++;
    total += (bits % 2 === 1 ? 1 : -1) * vol;
  }
  return total;
}

/** Integer points: the number of unit cells [c, c + 1) that some point weakly dominates. */
function cellCount(pts: number[][], side: number, m: number): number {
  let count = 0;
  const cell = new Array<number>(m).fill(0);
  for (let c = 0; c < side ** m; c++) {
    let x = c;
    for (let k = 0; k < m; k++) {
      cell[k] = x % side;
      x = Math.floor(x / side);
    }
    if (pts.some((p) => p.every((v, k) => v <= (cell[k] as number)))) count++;
  }
  return count;
}

function randomPoints(rng: Rng, n: number, m: number): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: m }, () => rng.random()));
}

describe('hypervolume', () => {
  it('matches hand-computed volumes', () => {
    expect(hv([[1, 2]], [3, 3])).toBe(2);
    expect(
      hv(
        [
          [1, 2],
          [2, 1],
        ],
        [3, 3],
      ),
    ).toBe(3);
    expect(
      hv(
        [
          [1, 2],
          [2, 1],
          [2.5, 2.5],
          [1, 2],
        ],
        [3, 3],
      ),
    ).toBe(3);
    expect(
      hv(
        [
          [3, 0],
          [0, 3],
          [4, 4],
        ],
        [3, 3],
      ),
    ).toBe(0);
    expect(hv([], [1, 1, 1])).toBe(0);
    expect(hv([[0.5, 0.25, 0]], [1, 1, 2])).toBe(0.75);
    // Three unit points on the axes in the 2×2×2 box: 3 boxes of 4, pairwise overlaps of 2, a triple overlap of 1.
    expect(
      hv(
        [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ],
        [2, 2, 2],
      ),
    ).toBe(7);
    expect(hv([[0.5, 0.5, 0.5, 0.5]], [1, 1, 1, 1])).toBe(0.0625);
    expect(
      hv(
        [
          [0.5, Number.NaN],
          [0.5, 0.5],
          [Number.NEGATIVE_INFINITY, 0.1],
        ],
        [1, 1],
      ),
    ).toBe(0.25);
    expect(hv([[0.2], [0.7]], [1])).toBeCloseTo(0.8, 15);
    // The ZDT1 front sampled densely approaches 1.21 − 1/3 from below.
    const n = 20001;
    const front = Array.from({ length: n }, (_, i) => [i / (n - 1), 1 - Math.sqrt(i / (n - 1))]);
    const gap = 1.21 - 1 / 3 - hv(front, [1.1, 1.1]);
    expect(gap).toBeGreaterThanOrEqual(0);
    expect(gap).toBeLessThan(1e-4);
  });

  it('agrees with inclusion–exclusion on random sets in 2, 3 and 4 objectives', () => {
    const rng = new Rng(12345);
    for (const m of [2, 3, 4]) {
      for (let c = 0; c < 40; c++) {
        const pts = randomPoints(rng, 1 + rng.int(9), m);
        const ref = Array.from({ length: m }, () => 1 + 0.2 * rng.random());
        const want = inclusionExclusion(pts, ref);
        expect(Math.abs(hv(pts, ref) - want), `m=${m} case ${c}`).toBeLessThan(1e-12);
      }
    }
  });

  it('counts cells exactly on integer grids with ties in every coordinate', () => {
    const rng = new Rng(7);
    for (const [m, side, n] of [
      [2, 30, 60],
      [3, 12, 80],
      [3, 8, 200],
      [4, 6, 40],
    ] as const) {
      for (let c = 0; c < 4; c++) {
        const pts = Array.from({ length: n }, () => Array.from({ length: m }, () => rng.int(side)));
        expect(hv(pts, new Array(m).fill(side)), `m=${m} n=${n} case ${c}`).toBe(cellCount(pts, side, m));
      }
    }
  });

  it('agrees with a Monte-Carlo estimate for 150 points in 3 and 4 objectives', () => {
    const rng = new Rng(99);
    for (const m of [3, 4]) {
      // Points near the sphere octant, so the front is rich.
      const pts = Array.from({ length: 150 }, () => {
        const v = Array.from({ length: m }, () => Math.abs(rng.normal()));
        const norm = Math.hypot(...v);
        return v.map((x) => (x / norm) * (0.9 + 0.2 * rng.random()));
      });
      const ref = new Array(m).fill(1.1);
      const exact = hv(pts, ref);
      const samples = 200_000;
      let hits = 0;
      const y = new Array<number>(m);
      for (let s = 0; s < samples; s++) {
        for (let k = 0; k < m; k++) y[k] = 1.1 * rng.random();
        if (pts.some((p) => p.every((v, k) => v <= (y[k] as number)))) hits++;
      }
      const boxVol = 1.1 ** m;
      const frac = hits / samples;
      const estimate = boxVol * frac;
      const sigma = boxVol * Math.sqrt((frac * (1 - frac)) / samples);
      expect(Math.abs(exact - estimate), `m=${m}: exact ${exact}, Monte Carlo ${estimate} ± ${sigma}`).toBeLessThan(4 * sigma);
    }
  });

  it('rejects a reference point of the wrong size', () => {
    expect(() => hypervolume([[1, 2]], [3])).toThrow(RangeError);
  });
});

describe('hypervolumeContributions', () => {
  it('gives the exclusive rectangles of a 2-d staircase, and 0 to dominated and duplicate points', () => {
    // Staircase (1,3), (2,2), (3,1) in the box (4,4): each owns one unit square.
    expect(
      contrib(
        [
          [1, 3],
          [2, 2],
          [3, 1],
        ],
        [4, 4],
      ),
    ).toEqual([1, 1, 1]);
    expect(
      contrib(
        [
          [1, 3],
          [2, 2],
          [3, 3],
          [3, 1],
          [5, 0],
        ],
        [4, 4],
      ),
    ).toEqual([1, 1, 0, 1, 0]);
    // A duplicated step: neither copy owns anything; the neighbours are unaffected.
    expect(
      contrib(
        [
          [1, 3],
          [2, 2],
          [2, 2],
          [3, 1],
        ],
        [4, 4],
      ),
    ).toEqual([1, 0, 0, 1]);
    expect(contrib([[0, 0, 0]], [1, 2, 3])).toEqual([6]);
  });

  it('equals HV(S) − HV(S without p) for random sets with duplicates, in 2, 3 and 4 objectives', () => {
    const rng = new Rng(5);
    for (const m of [2, 3, 4]) {
      for (let c = 0; c < 15; c++) {
        const pts = randomPoints(rng, 2 + rng.int(30), m);
        pts.push((pts[0] as number[]).slice());
        pts.push(pts[1]!.map((v) => v + 0.05));
        const ref = new Array(m).fill(1.05);
        const total = hv(pts, ref);
        const got = contrib(pts, ref);
        pts.forEach((_, i) => {
          const without = hv(
            pts.filter((_, j) => j !== i),
            ref,
          );
          expect(Math.abs((got[i] as number) - (total - without)), `m=${m} case ${c} point ${i}`).toBeLessThan(1e-12);
        });
      }
    }
  });
});

describe('greedyHypervolumeSubset', () => {
  /** The best HV among all k-subsets. */
  function bestSubset(pts: number[][], ref: number[], k: number): number {
    let best = 0;
    for (let mask = 0; mask < 1 << pts.length; mask++) {
      const sub = pts.filter((_, i) => mask & (1 << i));
      if (sub.length === k) best = Math.max(best, hv(sub, ref));
    }
    return best;
  }

  it('starts with the largest box, then adds the largest contribution each time', () => {
    const pts = [
      [1, 3],
      [2, 2],
      [3, 1],
      [1.5, 2.6],
    ];
    // Boxes in (4, 4): 3, 4, 3, 3.5 -> (2, 2) first; then (1, 3) and (3, 1) each add 1, (1.5, 2.6) adds 0.7.
    expect(greedyHypervolumeSubset(pts, [4, 4], 2)).toEqual([1, 0]);
    expect(greedyHypervolumeSubset(pts, [4, 4], 0)).toEqual([]);
  });

  it('reaches at least (1 − 1/e) of the best subset, and the 2-d fast path matches the general one', () => {
    const rng = new Rng(21);
    for (const m of [2, 3]) {
      for (let c = 0; c < 20; c++) {
        // Mutually non-dominated points: on a noisy simplex.
        const n = 4 + rng.int(7);
        const pts = Array.from({ length: n }, () => {
          const v = Array.from({ length: m }, () => rng.random() + 1e-3);
          const s = v.reduce((a, b) => a + b, 0);
          return v.map((x) => x / s);
        });
        const ref = new Array(m).fill(1.1);
        const k = 1 + rng.int(n - 1);
        const picked = greedyHypervolumeSubset(pts, ref, k);
        expect(new Set(picked).size).toBe(k);
        const got = hv(
          picked.map((i) => pts[i] as number[]),
          ref,
        );
        expect(got).toBeGreaterThanOrEqual((1 - 1 / Math.E) * bestSubset(pts, ref, k) - 1e-12);
        if (m === 2) {
          // The general path runs when a dominated point is present; add one far outside so it is never useful.
          const withDominated = [...pts, [1.09, 1.09]];
          const general = greedyHypervolumeSubset(withDominated, ref, k);
          const hvGeneral = hv(
            general.map((i) => withDominated[i] as number[]),
            ref,
          );
          expect(Math.abs(hvGeneral - got)).toBeLessThan(1e-12);
        }
      }
    }
  });
});

describe('nadirReference', () => {
  it('pushes the worst value out by 10% and replaces 0 by 1e-12', () => {
    expect(
      nadirReference([
        [1, -2, 0],
        [3, -4, 0],
      ]),
    ).toEqual([3.3000000000000003, -1.8, 1e-12]);
    expect(nadirReference([[-1, -2]])).toEqual([-0.9, -1.8]);
  });
});
