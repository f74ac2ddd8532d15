/**
 * Learning-curve extrapolation for promotion decisions: predict the value a
 * partial curve will reach at the last step, after Domhan, Springenberg and
 * Hutter, "Speeding up Automatic Hyperparameter Optimization of Deep Neural
 * Networks by Extrapolation of Learning Curves" (IJCAI 2015), reduced to a
 * small, fast and deterministic subset of their parametric families.
 *
 * Notation: x = step + 1 (so the first report is at x = 1), y the value to be
 * minimized, X the step + 1 to predict at. Families, each linear in (c, a)
 * once its shape parameter θ is fixed (variable projection: θ on a grid,
 * (c, a) by least squares):
 *
 *   pow3:  y = c + a·x^(−θ)          θ ∈ [0.05, 3]   (Domhan's pow3)
 *   log:   y = c + a·ln x                           (log-power's limit, θ → 0)
 *   exp3:  y = c + a·exp(−θ·x / x_n)  θ ∈ [0.1, 10]   (Domhan's exponential)
 *
 * a may have either sign, so a curve that climbs again (overfitting) is
 * extrapolated upwards. The families are averaged with weights
 * ∝ (SSE / n)^(−n/2) (their Gaussian likelihoods at the least-squares noise
 * level). The prediction falls back to the last observed value when the
 * curve has fewer than MIN_EXTRAPOLATION_POINTS reports or when the
 * weighted fits leave more than a quarter of the curve's variance unexplained
 * (a poor fit: a noisy plateau, a curve that falls and climbs again). It is
 * clamped so that the predicted improvement beyond the last value is at most
 * the improvement over the second half of the observed curve (reports
 * ⌊n/2⌋ … n−1): a guard against the wild long-horizon extrapolations that
 * Domhan et al. exclude with their prior. On short curves the clamp usually
 * binds, and the prediction is then the last value minus its recent
 * improvement; a curve that has stopped improving keeps its last value and
 * one that climbs again is extrapolated upwards.
 */

/** Reports needed before a curve is extrapolated (fewer: the last value is used). */
export const MIN_EXTRAPOLATION_POINTS = 4;

const POW_GRID = geometricGrid(0.05, 3, 24);
const EXP_GRID = geometricGrid(0.1, 10, 24);

function geometricGrid(lo: number, hi: number, n: number): Float64Array {
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = lo * (hi / lo) ** (i / (n - 1));
  return g;
}

/** Least squares y ≈ c + a·f over the points; returns [sse, c, a] (a = 0 when f is constant). */
function fitLinear(f: Float64Array, y: Float64Array): [number, number, number] {
  const n = y.length;
  let mf = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mf += f[i] as number;
    my += y[i] as number;
  }
  mf /= n;
  my /= n;
  let sff = 0;
  let sfy = 0;
  for (let i = 0; i < n; i++) {
    const df = (f[i] as number) - mf;
    sff += df * df;
    sfy += df * ((y[i] as number) - my);
  }
  const a = sff > 0 ? sfy / sff : 0;
  const c = my - a * mf;
  let sse = 0;
  for (let i = 0; i < n; i++) sse += ((y[i] as number) - c - a * (f[i] as number)) ** 2;
  return [sse, c, a];
}

interface Fit {
  readonly sse: number;
  readonly prediction: number;
}

/** The best θ of one family: basis(x, θ) evaluated at the points and at X. */
function fitFamily(x: Float64Array, y: Float64Array, target: number, grid: readonly number[] | Float64Array, basis: (x: number, theta: number) => number): Fit {
  const f = new Float64Array(x.length);
  let best: Fit = { sse: Number.POSITIVE_INFINITY, prediction: Number.NaN };
  for (const theta of grid) {
    for (let i = 0; i < x.length; i++) f[i] = basis(x[i] as number, theta);
    const [sse, c, a] = fitLinear(f, y);
    if (sse < best.sse) best = { sse, prediction: c + a * basis(target, theta) };
  }
  return best;
}

/**
 * The predicted value at `targetStep` of a curve given by its reports
 * (`steps` ascending, `values` to be minimized, same length). Returns the last
 * value when the curve is too short, already at or past the target, or
 * poorly fitted.
 */
export function extrapolateCurve(steps: readonly number[], values: readonly number[], targetStep: number): number {
  const n = values.length;
  const last = values[n - 1] as number;
  if (n < MIN_EXTRAPOLATION_POINTS || !values.every(Number.isFinite)) return last;
  const lastStep = steps[n - 1] as number;
  if (targetStep <= lastStep) return last;
  const x = Float64Array.from(steps, (s) => s + 1);
  const y = Float64Array.from(values);
  const X = targetStep + 1;
  const xn = lastStep + 1;
  const fits = [
    fitFamily(x, y, X, POW_GRID, (t, th) => t ** -th),
    fitFamily(x, y, X, [0], (t) => Math.log(t)),
    fitFamily(x, y, X, EXP_GRID, (t, th) => Math.exp((-th * t) / xn)),
  ];
  let mean = 0;
  for (const v of values) mean += v / n;
  let sst = 0;
  for (const v of values) sst += (v - mean) ** 2;
  if (sst === 0) return last;
  // Weights ∝ (SSE/n)^(−n/2), computed in logs relative to the best fit.
  const floor = sst * 1e-12;
  const logLik = fits.map((f) => (-n / 2) * Math.log(Math.max(f.sse, floor) / n));
  const top = Math.max(...logLik);
  let wsum = 0;
  let pred = 0;
  let sse = 0;
  for (let i = 0; i < fits.length; i++) {
    const w = Math.exp((logLik[i] as number) - top);
    wsum += w;
    pred += w * (fits[i] as Fit).prediction;
    sse += w * (fits[i] as Fit).sse;
  }
  pred /= wsum;
  sse /= wsum;
  if (!Number.isFinite(pred) || sse > 0.25 * sst) return last;
  const recentGain = Math.max((values[Math.floor(n / 2)] as number) - last, 0);
  return Math.max(pred, last - recentGain);
}
