/**
 * The standard normal distribution function, its inverse, and the quantile
 * of the chi-squared distribution with one degree of freedom, as the margin
 * correction of CMA-ES with Margin needs them. Accurate to about 1e-14
 * relative in the range the margin uses (tail probabilities down to 1e-10).
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT2 = Math.SQRT2;

/** erfc(x) for x >= 0: a positive-term series of erf below 2.5, a continued fraction above. */
function erfcNonNegative(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/√π · e^{-x²} · Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x2) * sum;
  }
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated backwards.
  let k = x;
  for (let j = 60; j >= 1; j--) k = x + j / 2 / k;
  return Math.exp(-x * x) / (SQRT_PI * k);
}

/** P(X <= x) for X ~ N(0, 1). */
export function normalCdf(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  const t = Math.abs(x) / SQRT2;
  const upper = 0.5 * erfcNonNegative(t);
  return x >= 0 ? 1 - upper : upper;
}

/** The z with P(X > z) = p, for 0 < p <= 0.5 (Abramowitz–Stegun 26.2.23 start, then Halley steps). */
function upperQuantile(p: number): number {
  const t = Math.sqrt(-2 * Math.log(p));
  let x = t - (2.515517 + 0.802853 * t + 0.010328 * t * t) / (1 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
  for (let i = 0; i < 6; i++) {
    const q = 0.5 * erfcNonNegative(Math.abs(x) / SQRT2);
    const upper = x >= 0 ? q : 1 - q;
    const pdf = Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
    const u = (upper - p) / pdf;
    const step = u / (1 - (x * u) / 2);
    x += step;
    if (Math.abs(step) < 1e-15 * Math.max(1, Math.abs(x))) break;
  }
  return x;
}

/** The x with P(X <= x) = q, for X ~ N(0, 1) and 0 < q < 1. */
export function normalQuantile(q: number): number {
  if (!(q > 0 && q < 1)) {
    if (q === 0) return Number.NEGATIVE_INFINITY;
    if (q === 1) return Number.POSITIVE_INFINITY;
    return Number.NaN;
  }
  return q < 0.5 ? -upperQuantile(q) : q === 0.5 ? 0 : upperQuantile(1 - q);
}

/** The quantile of the chi-squared distribution with one degree of freedom: P(Z² <= x) = q. */
export function chi2Quantile1(q: number): number {
  const z = normalQuantile((1 + q) / 2);
  return z * z;
}
