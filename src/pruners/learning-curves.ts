/**
 * Simulated learning curves for testing and benchmarking pruners: a
 * documented parametric model, cheap enough to run thousands of trials.
 *
 * A configuration is (lr, width, reg), lr log-uniform in [1e-4, 1], width
 * and reg uniform in [0, 1]. With u = log10(lr):
 *
 *   loss(t) = a + b·(t + 1)^(−c) + ε_t,   t = 0, 1, ..., epochs − 1
 *   a = 0.05 + 0.06·(u + 2)² + 0.12·(width − 0.7)² + 0.04·reg   (asymptote; best at lr = 0.01, width = 0.7, reg = 0)
 *   c = 0.25 + 0.6·(u + 4)/4                                     (rate: a larger lr converges faster…)
 *   b = 1 + 0.5·reg                                              (…and regularization slows the start)
 *   ε_t ~ N(0, (σ·(a + b·(t + 1)^(−c)))²)                         (relative noise, σ = 0.01 by default)
 *
 * Curves cross: a large learning rate leads early and loses at the end,
 * which is what makes early stopping non-trivial. The noise of a trial is a
 * pure function of (seed, trial number, epoch).
 */
import { Rng } from '../math/rng.js';

export interface CurveConfig {
  readonly lr: number;
  readonly width: number;
  readonly reg: number;
}

export function curveParameters(x: CurveConfig): { a: number; b: number; c: number } {
  const u = Math.log10(x.lr);
  return {
    a: 0.05 + 0.06 * (u + 2) ** 2 + 0.12 * (x.width - 0.7) ** 2 + 0.04 * x.reg,
    b: 1 + 0.5 * x.reg,
    c: 0.25 + (0.6 * (u + 4)) / 4,
  };
}

/** A noisy curve: call `at(t)` for epoch t (t ascending or not; each value is fixed). */
export function learningCurve(x: CurveConfig, seed: number, trialNumber: number, noise = 0.01): (t: number) => number {
  const { a, b, c } = curveParameters(x);
  return (t: number) => {
    const mean = a + b * (t + 1) ** -c;
    const eps = new Rng((seed * 1_000_003 + trialNumber * 7919 + t) >>> 0).normal();
    return mean * (1 + noise * eps);
  };
}
