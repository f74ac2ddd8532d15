/**
 * The targets a Gaussian process is fitted to: objective values, signed so
 * that higher is better, with infinities clipped to the finite extremes (as
 * Optuna's `warn_and_convert_inf`) and standardized to mean 0, variance 1.
 */

export interface Targets {
  /** The standardized targets, one per observation. */
  readonly y: Float64Array;
  /** The same map applied to another raw value (e.g. a constraint's threshold). */
  transform(v: number): number;
}

/** Standard deviations below this count as zero (every target alike). */
const EPS = 1e-10;

export function standardizeTargets(raw: readonly number[]): Targets {
  const n = raw.length;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const v of raw) {
    if (Number.isFinite(v)) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  if (lo > hi) {
    lo = 0;
    hi = 0;
  }
  const clipped = Float64Array.from(raw, (v) => (Number.isNaN(v) ? lo : Math.min(hi, Math.max(lo, v))));
  let mean = 0;
  for (const v of clipped) mean += v;
  mean = n > 0 ? mean / n : 0;
  let sd = 0;
  for (const v of clipped) sd += (v - mean) * (v - mean);
  sd = n > 0 ? Math.sqrt(sd / n) : 0;
  const scale = Math.max(sd, EPS);
  const transform = (v: number): number => (Math.min(hi, Math.max(lo, v)) - mean) / scale;
  return { y: Float64Array.from(clipped, (v) => (v - mean) / scale), transform };
}

/**
 * Warped targets for heavy-tailed objectives (Rosenbrock's values span six
 * decades, and a few huge ones would flatten a standardized GP everywhere
 * else). With s the standardized signed values (higher is better),
 * r_i = max s − s_i ≥ 0 is each trial's gap to the best and u_i = r_i + c,
 * c the median gap, so that gaps well below the median stay nearly linear
 * (no spike at the best trial) while the tail of bad values is compressed.
 * The Box-Cox map T_λ(u) = (u^λ − 1)/λ (log u at λ = 0; Box & Cox 1964)
 * takes the λ ∈ {0, 0.05, …, 1} maximizing the normal likelihood of the
 * transformed gaps, Jacobian (λ − 1)·Σ log u_i included: λ → 0 for a long
 * tail, λ = 1 (no warping) for well-spread values. The targets are −T_λ(u),
 * standardized; the map is monotone, so the best trial stays the best.
 */
export function warpTargets(raw: readonly number[]): Targets {
  const base = standardizeTargets(raw);
  const n = raw.length;
  const s = base.y;
  if (n < 3) return base;
  let sMax = Number.NEGATIVE_INFINITY;
  for (const v of s) sMax = Math.max(sMax, v);
  const gaps = Array.from(s, (v) => sMax - v).sort((a, b) => a - b);
  const c = gaps[Math.floor(n / 2)] as number;
  if (!(c > 1e-12)) return base;
  const u = Float64Array.from(s, (v) => sMax - v + c);
  let sumLog = 0;
  for (const v of u) sumLog += Math.log(v);
  const boxCox = (v: number, lambda: number): number => (lambda === 0 ? Math.log(v) : (v ** lambda - 1) / lambda);
  let bestLambda = 1;
  let bestLl = Number.NEGATIVE_INFINITY;
  const t = new Float64Array(n);
  for (let k = 0; k <= 20; k++) {
    const lambda = k / 20;
    let mean = 0;
    for (let i = 0; i < n; i++) {
      t[i] = boxCox(u[i] as number, lambda);
      mean += t[i] as number;
    }
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += ((t[i] as number) - mean) ** 2;
    variance /= n;
    if (!(variance > 0)) continue;
    const ll = -0.5 * n * Math.log(variance) + (lambda - 1) * sumLog;
    if (ll > bestLl) {
      bestLl = ll;
      bestLambda = lambda;
    }
  }
  const warped = Array.from(u, (v) => -boxCox(v, bestLambda));
  const std = standardizeTargets(warped);
  return {
    y: std.y,
    transform: (v: number) => std.transform(-boxCox(Math.max(sMax - base.transform(v), 0) + c, bestLambda)),
  };
}
