/**
 * Warm starting CMA-ES from the trials of a similar, earlier task (Nomura,
 * Watanabe, Akimoto, Ozaki & Onishi, "Warm Starting CMA-ES for
 * Hyperparameter Optimization", AAAI 2021): fit a Gaussian to the best γ of
 * the source solutions, widened by a prior α²I, and start from it.
 *
 * Notation: x_1..x_k the top-γ points (k = max(1, ⌊γN⌋)), μ their mean,
 * Σ = α²I + (1/k) Σ x_i x_iᵀ − μ μᵀ; the start is m = μ, σ = det(Σ)^{1/(2n)},
 * C = Σ / det(Σ)^{1/n}, so that σ²C = Σ with det C = 1.
 */
import { symmetricEigen } from './eigen.js';

export interface WarmStart {
  readonly mean: Float64Array;
  readonly sigma: number;
  /** n×n row-major, determinant 1. */
  readonly cov: Float64Array;
}

export function warmStartDistribution(
  solutions: readonly { readonly x: ArrayLike<number>; readonly value: number }[],
  options: { gamma?: number; alpha?: number } = {},
): WarmStart {
  const gamma = options.gamma ?? 0.1;
  const alpha = options.alpha ?? 0.1;
  if (solutions.length === 0) throw new RangeError('warmStartDistribution: no source solutions');
  if (!(gamma > 0 && gamma <= 1)) throw new RangeError(`warmStartDistribution: gamma must be in (0, 1], got ${gamma}`);
  const n = (solutions[0] as { x: ArrayLike<number> }).x.length;
  const sorted = solutions.slice().sort((a, b) => a.value - b.value);
  const k = Math.max(1, Math.floor(sorted.length * gamma));
  const mean = new Float64Array(n);
  const sigmaM = new Float64Array(n * n);
  for (let s = 0; s < k; s++) {
    const x = (sorted[s] as { x: ArrayLike<number> }).x;
    for (let i = 0; i < n; i++) {
      mean[i] = (mean[i] as number) + (x[i] as number) / k;
      for (let j = 0; j < n; j++) sigmaM[i * n + j] = (sigmaM[i * n + j] as number) + ((x[i] as number) * (x[j] as number)) / k;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) sigmaM[i * n + j] = (sigmaM[i * n + j] as number) - (mean[i] as number) * (mean[j] as number) + (i === j ? alpha * alpha : 0);
  }
  const { values } = symmetricEigen(sigmaM, n);
  let logDet = 0;
  for (const v of values) logDet += Math.log(Math.max(v, alpha * alpha * 1e-6));
  const sigma = Math.exp(logDet / (2 * n));
  const scale = Math.exp(-logDet / n);
  const cov = sigmaM.map((v) => v * scale);
  return { mean, sigma, cov };
}
