import { describe, expect, it } from 'vitest';
import { erfc, logGaussMass, logNdtr, ndtr, ndtri, truncNormFromUniform } from './truncnorm.js';

// Reference values from scipy.special (erfc, log_ndtr, ndtri) and scipy.stats' _log_gauss_mass.
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('truncnorm', () => {
  it('erfc matches the reference to ~1e-15 across its range', () => {
    const cases: [number, number][] = [
      [-3, 1.9999779095030015],
      [-0.25, 1.276326390168237],
      [0.3, 0.6713732405408726],
      [1, 0.15729920705028516],
      [2.5, 0.00040695201744495886],
      [6, 2.1519736712498913e-17],
      [10, 2.0884875837625446e-45],
    ];
    for (const [x, want] of cases) expect(rel(erfc(x), want), `erfc(${x})`).toBeLessThan(1e-14);
    expect(erfc(0)).toBe(1);
  });

  it('log Φ stays accurate far into the lower tail', () => {
    const cases: [number, number][] = [
      [-40, -804.6084420137539],
      [-10, -53.23128515051248],
      [-1, -1.8410216450092634],
      [0, -Math.LN2],
      [2, -0.023012909328963476],
    ];
    for (const [z, want] of cases) expect(rel(logNdtr(z), want), `logNdtr(${z})`).toBeLessThan(1e-13);
    expect(Number.isFinite(logNdtr(-1e4))).toBe(true);
  });

  it('log of the mass between two points, in the centre and in both tails', () => {
    expect(rel(logGaussMass(-1, 1), -0.38171514630212616)).toBeLessThan(1e-14);
    expect(rel(logGaussMass(30, 31), -454.3212439563433)).toBeLessThan(1e-12);
    expect(rel(logGaussMass(-31, -30), -454.3212439563433)).toBeLessThan(1e-12);
    expect(rel(logGaussMass(2, 2.001), -9.827693812103167)).toBeLessThan(1e-9);
    expect(logGaussMass(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY)).toBeCloseTo(0, 15);
  });

  it('Φ⁻¹ inverts Φ, tails included', () => {
    expect(rel(ndtri(1e-10), -6.361340902404056)).toBeLessThan(1e-14);
    expect(rel(ndtri(0.025), -1.9599639845400545)).toBeLessThan(1e-14);
    expect(rel(ndtri(0.975), 1.959963984540054)).toBeLessThan(1e-14);
    expect(ndtri(0.5)).toBe(0);
    for (const z of [-30, -8, -2, -0.1, 0.7, 5]) expect(Math.abs(ndtri(ndtr(z)) - z), `z=${z}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(z)));
  });

  it('truncated draws stay in [a, b] and follow the truncated CDF', () => {
    for (const [a, b] of [
      [-1, 1],
      [2, 3],
      [-40, -39],
      [-0.5, 50],
    ] as const) {
      for (const r of [0, 1e-12, 0.25, 0.5, 0.999999, 1 - 2 ** -53]) {
        const z = truncNormFromUniform(a, b, r);
        expect(z, `a=${a} b=${b} r=${r}`).toBeGreaterThanOrEqual(a);
        expect(z).toBeLessThanOrEqual(b);
      }
      // The r-quantile: mass on [a, z] is r of the mass on [a, b].
      const z = truncNormFromUniform(a, b, 0.3);
      expect(Math.exp(logGaussMass(a, z) - logGaussMass(a, b))).toBeCloseTo(0.3, 8);
    }
  });
});
