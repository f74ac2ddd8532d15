/**
 * The Matérn-5/2 kernel with automatic relevance determination (ARD).
 *
 * Notation (Rasmussen & Williams, "Gaussian Processes for Machine Learning",
 * 2006, eq. 4.17): for points x, x' of the encoded unit cube,
 *   r²(x, x') = Σ_j θ_j·δ_j(x, x'),  δ_j = (x_j − x'_j)² for a numeric coordinate,
 *                                     δ_j = [x_j ≠ x'_j] for a categorical one (Hamming),
 *   k(x, x') = σ²·M(r²),  M(r²) = (1 + √5·r + 5r²/3)·exp(−√5·r),
 * with θ_j = 1/ℓ_j² the inverse squared lengthscales and σ² the signal
 * variance; observations add the noise variance σ_n² on the diagonal. M is
 * differentiated in r², M'(r²) = −(5/6)(1 + √5·r)·exp(−√5·r), which stays
 * finite at r = 0.
 */

export interface KernelParams {
  /** θ_j = 1/ℓ_j², one per coordinate. */
  readonly invSqLengthscales: Float64Array;
  /** σ². */
  readonly signalVar: number;
  /** σ_n². */
  readonly noiseVar: number;
}

const SQRT5 = Math.sqrt(5);

/** M(r²). */
export function matern52(r2: number): number {
  const s = SQRT5 * Math.sqrt(r2);
  return (1 + s + (5 / 3) * r2) * Math.exp(-s);
}

/** dM/d(r²). */
export function matern52Deriv(r2: number): number {
  const s = SQRT5 * Math.sqrt(r2);
  return (-5 / 6) * (1 + s) * Math.exp(-s);
}

/** r² between row a of xa and row b of xb (both with d columns). */
export function squaredDistance(xa: Float64Array, a: number, xb: Float64Array, b: number, d: number, theta: Float64Array, isCategorical: Uint8Array): number {
  const oa = a * d;
  const ob = b * d;
  let r2 = 0;
  for (let j = 0; j < d; j++) {
    const diff = (xa[oa + j] as number) - (xb[ob + j] as number);
    r2 += (theta[j] as number) * (isCategorical[j] ? (diff === 0 ? 0 : 1) : diff * diff);
  }
  return r2;
}

/** K(X, X) without noise: n×n, row-major. */
export function kernelMatrix(
  x: Float64Array,
  n: number,
  d: number,
  isCategorical: Uint8Array,
  params: KernelParams,
  out: Float64Array = new Float64Array(n * n),
): Float64Array {
  const s2 = params.signalVar;
  const theta = params.invSqLengthscales;
  for (let a = 0; a < n; a++) {
    out[a * n + a] = s2;
    for (let b = 0; b < a; b++) {
      const k = s2 * matern52(squaredDistance(x, a, x, b, d, theta, isCategorical));
      out[a * n + b] = k;
      out[b * n + a] = k;
    }
  }
  return out;
}

/** k(x, X_a) for every row a of X (x is row `row` of `xs`). */
export function kernelVector(
  xs: Float64Array,
  row: number,
  x: Float64Array,
  n: number,
  d: number,
  isCategorical: Uint8Array,
  params: KernelParams,
  out: Float64Array,
): Float64Array {
  const s2 = params.signalVar;
  const theta = params.invSqLengthscales;
  for (let a = 0; a < n; a++) out[a] = s2 * matern52(squaredDistance(xs, row, x, a, d, theta, isCategorical));
  return out;
}
