import { describe, expect, it } from 'vitest';
import { GridSampler } from '../../index.js';
import { runSamplerConformance, SAMPLER_SUITE_SPACE } from '../conformance.js';

runSamplerConformance({ describe, it }, { name: 'GridSampler', make: (seed) => new GridSampler(SAMPLER_SUITE_SPACE, { seed }) });

describe('GridSampler', () => {
  it('maps indices 0..size-1 onto every point exactly once, in a seeded order', () => {
    const grid = { a: [1, 2, 3, 4], b: ['x', 'y', 'z'], c: [true, false] };
    for (const seed of [undefined, 1, 2, 99]) {
      const g = new GridSampler(grid, seed === undefined ? {} : { seed });
      expect(g.gridSize).toBe(24);
      const seen = new Set(Array.from({ length: 24 }, (_, i) => JSON.stringify(g.point(i))));
      expect(seen.size).toBe(24);
    }
    const unseeded = new GridSampler(grid);
    expect(unseeded.point(0)).toEqual({ a: 1, b: 'x', c: true });
    expect(new GridSampler(grid, { seed: 1 }).point(0)).not.toEqual(new GridSampler(grid, { seed: 2 }).point(0));
  });
});
