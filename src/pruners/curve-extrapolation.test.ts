import { describe, expect, it } from 'vitest';
import { extrapolateCurve, MIN_EXTRAPOLATION_POINTS } from './curve-extrapolation.js';

const steps = (n: number) => Array.from({ length: n }, (_, s) => s);

describe('extrapolateCurve', () => {
  it('predicts a power law from its first 16 steps at step 26 within 1% of the truth', () => {
    const f = (s: number) => 0.1 + (s + 1) ** -0.5;
    const pred = extrapolateCurve(steps(16), steps(16).map(f), 26);
    expect(Math.abs(pred - f(26)) / f(26)).toBeLessThan(0.01);
    // the last value (0.35) is 20% above the truth (0.292): the prediction is not the fallback
    expect(f(15) - pred).toBeGreaterThan(0.05);
  });

  it('extrapolates a curve that has begun to climb (overfitting) upwards, never below its last value', () => {
    const climbing = [0.5, 0.3, 0.22, 0.2, 0.21, 0.23, 0.26, 0.29, 0.33, 0.36];
    expect(extrapolateCurve(steps(10), climbing, 26)).toBeGreaterThanOrEqual(0.36);
  });

  it('predicts no more improvement than the second half of the observed curve made', () => {
    // a steep exponential start: the fit would run far below, the clamp keeps it within 0.6 − 0.5 of the last value
    const ys = [4, 2, 1, 0.6, 0.5];
    expect(extrapolateCurve(steps(5), ys, 100)).toBeGreaterThanOrEqual(0.5 - (1 - 0.5) - 1e-12);
  });

  it('falls back to the last value for short, flat, non-finite or poorly fitted curves, and at the target', () => {
    expect(extrapolateCurve(steps(MIN_EXTRAPOLATION_POINTS - 1), [1, 0.5, 0.3], 26)).toBe(0.3);
    expect(extrapolateCurve(steps(5), [1, 1, 1, 1, 1], 26)).toBe(1);
    expect(extrapolateCurve(steps(5), [1, 0.5, Number.POSITIVE_INFINITY, 0.4, 0.3], 26)).toBe(0.3);
    // a noisy plateau: no family explains three quarters of its variance
    expect(extrapolateCurve(steps(8), [0.3, 0.5, 0.2, 0.45, 0.25, 0.5, 0.2, 0.4], 26)).toBe(0.4);
    expect(extrapolateCurve(steps(5), [1, 0.8, 0.7, 0.65, 0.6], 4)).toBe(0.6);
  });
});
