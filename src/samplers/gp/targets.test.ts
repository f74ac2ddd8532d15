import { describe, expect, it } from 'vitest';
import { standardizeTargets, warpTargets } from './targets.js';

describe('GP targets', () => {
  it('standardizes to mean 0 and variance 1, clipping infinities to the finite extremes', () => {
    const t = standardizeTargets([1, 2, 3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    const y = Array.from(t.y);
    expect(y.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
    expect(y.reduce((a, b) => a + b * b, 0) / y.length).toBeCloseTo(1, 12);
    expect(y[3]).toBe(y[2]);
    expect(y[4]).toBe(y[0]);
    expect(t.transform(2)).toBeCloseTo(y[1] as number, 12);
    expect(Array.from(standardizeTargets([5, 5, 5]).y)).toEqual([0, 0, 0]);
    expect(Array.from(standardizeTargets([Number.NaN, Number.POSITIVE_INFINITY]).y)).toEqual([0, 0]);
  });

  it('warps a heavy tail monotonically and keeps the order of the trials', () => {
    // Signed values of a minimization with a few huge losses (to maximize: −loss).
    const losses = [0.1, 0.3, 0.5, 1, 2, 5, 20, 1e3, 1e5, 1e6];
    const t = warpTargets(losses.map((v) => -v));
    const y = Array.from(t.y);
    for (let i = 1; i < y.length; i++) expect(y[i] as number).toBeLessThan(y[i - 1] as number);
    // The plain standardization puts the eight best trials within 0.01 of each other; the warp spreads them out.
    const plain = Array.from(standardizeTargets(losses.map((v) => -v)).y);
    expect((plain[0] as number) - (plain[7] as number)).toBeLessThan(0.01);
    expect((y[0] as number) - (y[7] as number)).toBeGreaterThan(1);
    expect(t.transform(-0.1)).toBeCloseTo(y[0] as number, 12);
  });

  it('leaves well-spread values nearly linear', () => {
    const values = Array.from({ length: 50 }, (_, i) => Math.sin(i) * 3);
    const w = Array.from(warpTargets(values).y);
    const s = Array.from(standardizeTargets(values).y);
    let maxDiff = 0;
    for (let i = 0; i < w.length; i++) maxDiff = Math.max(maxDiff, Math.abs((w[i] as number) - (s[i] as number)));
    expect(maxDiff).toBeLessThan(0.3);
  });
});
