import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { categoricalDistribution, floatDistribution, intDistribution } from '../../space/distributions.js';
import type { Acquisition } from './acquisition.js';
import { ENUMERATE_LIMIT, optimizeAcquisition, pointKey } from './optimize-acqf.js';
import { GpSearchSpace } from './search-space.js';

/** A smooth acquisition with a known maximum: −Σ w_j (x_j − c_j)², categorical coordinates scored by a table. */
function quadratic(center: number[], catScore: (v: number) => number, catIndex: number): Acquisition {
  const d = center.length;
  const value = (x: ArrayLike<number>, o: number): number => {
    let v = catScore(x[o + catIndex] as number);
    for (let j = 0; j < d; j++) if (j !== catIndex) v -= (j + 1) * ((x[o + j] as number) - (center[j] as number)) ** 2;
    return v;
  };
  return {
    dim: d,
    values(xs, m, out) {
      for (let i = 0; i < m; i++) out[i] = value(xs, i * d);
    },
    valueAndGrad(x, grad) {
      for (let j = 0; j < d; j++) grad[j] = j === catIndex ? 0 : -2 * (j + 1) * ((x[j] as number) - (center[j] as number));
      return value(x, 0);
    },
  };
}

describe('optimizeAcquisition', () => {
  const space = new GpSearchSpace({
    a: floatDistribution('a', 0, 1),
    b: floatDistribution('b', 0, 1),
    c: categoricalDistribution('c', ['x', 'y', 'z']),
    k: intDistribution('k', 0, 100),
  });
  // Coordinates: a, b, c (categorical), k (grid of 101).
  const kGrid = space.dims[3]?.grid as Float64Array;
  const acq = quadratic([0.3, 0.85, 0, kGrid[37] as number], (v) => (v === 2 ? 0 : -1), 2);

  it('finds the maximum, with the categorical and the grid coordinate exactly on their values', () => {
    const r = optimizeAcquisition(acq, space, { rng: new Rng(1), nPreliminary: 256 });
    expect(r.x[0]).toBeCloseTo(0.3, 5);
    expect(r.x[1]).toBeCloseTo(0.85, 5);
    expect(r.x[2]).toBe(2);
    expect(r.x[3]).toBe(kGrid[37]);
    expect(space.decode(r.x)).toMatchObject({ c: 'z', k: 37 });
  });

  it('holds fixed coordinates at their values', () => {
    const r = optimizeAcquisition(acq, space, {
      rng: new Rng(2),
      nPreliminary: 128,
      fixed: new Map([
        [0, 0.9],
        [2, 1],
      ]),
    });
    expect(r.x[0]).toBe(0.9);
    expect(r.x[2]).toBe(1);
    expect(r.x[1]).toBeCloseTo(0.85, 5);
  });

  it('is deterministic for a given stream', () => {
    const a = optimizeAcquisition(acq, space, { rng: new Rng(5), nPreliminary: 64, nLocalSearch: 3 });
    const b = optimizeAcquisition(acq, space, { rng: new Rng(5), nPreliminary: 64, nLocalSearch: 3 });
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
  });

  it('keeps the continuous coordinates inside a given box (a trust region), on its edge when the maximum lies outside', () => {
    const box = { lower: Float64Array.of(0.5, 0.2, 0, 0), upper: Float64Array.of(0.7, 0.6, 1, 1) };
    const r = optimizeAcquisition(acq, space, { rng: new Rng(3), nPreliminary: 128, box, starts: [Float64Array.of(0.1, 0.9, 1, 0.5)] });
    expect(r.x[0]).toBeCloseTo(0.5, 6);
    expect(r.x[1]).toBeCloseTo(0.6, 6);
    expect(r.x[0]).toBeGreaterThanOrEqual(0.5);
    expect(r.x[1]).toBeLessThanOrEqual(0.6);
    expect(r.x[2]).toBe(2);
    expect(r.x[3]).toBe(kGrid[37]);
  });

  it('with excluded points returns the best point not excluded: exactly on small all-grid spaces, else among the points it saw', () => {
    const grid = new GpSearchSpace({ c: categoricalDistribution('c', ['x', 'y', 'z']), k: intDistribution('k', 0, 100) });
    const g = grid.dims[1]?.grid as Float64Array;
    const target = quadratic([0, g[37] as number], (v) => (v === 2 ? 0 : -1), 0);
    const top = optimizeAcquisition(target, grid, { rng: new Rng(4), nPreliminary: 64 });
    expect(grid.decode(top.x)).toEqual({ c: 'z', k: 37 });
    // 303 points: enumerated; the best is excluded, so its nearer neighbour (k = 36 and 38 tie; 36 comes first) wins.
    const next = optimizeAcquisition(target, grid, { rng: new Rng(4), nPreliminary: 64, exclude: new Set([pointKey(top.x)]) });
    expect(grid.decode(next.x)).toMatchObject({ c: 'z' });
    expect([36, 38]).toContain(grid.decode(next.x).k);
    // Every point excluded: the search answers as without exclusions.
    const all = new Set<string>();
    for (let c = 0; c < 3; c++) for (const u of g) all.add(pointKey([c, u]));
    expect(grid.decode(optimizeAcquisition(target, grid, { rng: new Rng(4), nPreliminary: 64, exclude: all }).x)).toEqual({ c: 'z', k: 37 });
    expect(3 * g.length).toBeLessThanOrEqual(ENUMERATE_LIMIT);
    // With continuous coordinates (not enumerable) the excluded optimum gives way to another point the search saw.
    const best = optimizeAcquisition(acq, space, { rng: new Rng(1), nPreliminary: 256 });
    const other = optimizeAcquisition(acq, space, { rng: new Rng(1), nPreliminary: 256, exclude: new Set([pointKey(best.x)]) });
    expect(pointKey(other.x)).not.toBe(pointKey(best.x));
    expect(other.value).toBeLessThanOrEqual(best.value);
  });
});
