/**
 * PB2's explore step (Parker-Holder, Nguyen & Roberts, "Provably Efficient
 * Online Hyperparameter Optimization with Population-Based Bandits",
 * NeurIPS 2020): instead of perturbing at random, pick the hyperparameters
 * that maximize an upper confidence bound of a time-varying Gaussian process
 * fitted to how much each past segment improved the score.
 *
 * Notation (as in the paper and Ray Tune's pb2.py):
 *   a segment ran hyperparameters x (in the unit cube) from time t−Δ to t,
 *   starting from score R_before; its reward y = (R_after − R_before)/Δ,
 *   oriented so that larger is better, standardized and clipped to ±2.
 *   Inputs z = (t, R_before, x); t and R_before are scaled to [0, 1] by the
 *   data's range.
 *   Kernel (TV-SE, Bogunovic et al. 2016):
 *     k(z, z') = σ² · exp(−‖(R,x) − (R',x')‖² / ℓ) · (1 − ε)^{|t − t'|/2},
 *   with (ℓ, ε, noise) maximizing the marginal likelihood on a small grid.
 *   Acquisition: UCB(x) = μ(t*, R*, x) + κ·σ(t*, R*, x), κ = √max(0.25, 0.2·log(0.4·n)),
 *   where (t*, R*) are the time and score of the checkpoint being copied, and
 *   σ also conditions on the points already chosen for members now running
 *   (so two members do not get the same choice).
 * Arrays in, arrays out: no study, no storage.
 */
import { choleskyWithJitter, logDetFromCholesky, solveLower } from '../math/linalg.js';
import type { Rng } from '../math/rng.js';

export interface Pb2Observation {
  readonly t: number;
  readonly rBefore: number;
  /** Hyperparameters in the unit cube. */
  readonly x: readonly number[];
  /** Improvement per step (larger is better). */
  readonly y: number;
}

export interface Pb2Fit {
  readonly lengthscale: number;
  readonly epsilon: number;
  readonly noise: number;
}

const LENGTHSCALES = [0.02, 0.05, 0.1, 0.2, 0.5, 1];
const EPSILONS = [0, 0.05, 0.1, 0.2, 0.35, 0.5];
const NOISES = [1e-3, 1e-2, 0.1, 0.3];
/** Most recent observations the GP sees (Ray keeps the last 1,000; a small window keeps each choice fast). */
export const PB2_MAX_OBSERVATIONS = 120;

function kernel(a: Float64Array, b: Float64Array, d: number, fit: Pb2Fit): number {
  // a, b: [t, R, x...]
  let r2 = 0;
  for (let i = 1; i < d; i++) {
    const diff = (a[i] as number) - (b[i] as number);
    r2 += diff * diff;
  }
  const dt = Math.abs((a[0] as number) - (b[0] as number));
  return Math.exp(-r2 / fit.lengthscale) * (1 - fit.epsilon) ** (dt / 2);
}

function gram(z: Float64Array[], d: number, fit: Pb2Fit, noise: number): Float64Array {
  const n = z.length;
  const k = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = kernel(z[i] as Float64Array, z[j] as Float64Array, d, fit);
      k[i * n + j] = v;
      k[j * n + i] = v;
    }
    k[i * n + i] = (k[i * n + i] as number) + noise;
  }
  return k;
}

/** Log marginal likelihood of standardized y under the kernel, or -Infinity when K does not factor. */
export function logMarginalLikelihood(z: Float64Array[], y: Float64Array, d: number, fit: Pb2Fit): number {
  const n = z.length;
  const chol = choleskyWithJitter(gram(z, d, fit, fit.noise), n);
  if (chol === null) return Number.NEGATIVE_INFINITY;
  const alpha = solveLower(chol.l, n, y);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += (alpha[i] as number) ** 2;
  return -0.5 * quad - 0.5 * logDetFromCholesky(chol.l, n) - 0.5 * n * Math.log(2 * Math.PI);
}

function scale01(v: number, lo: number, hi: number): number {
  return hi > lo ? (v - lo) / (hi - lo) : 0.5;
}

/**
 * Chooses hyperparameters (unit cube, `dim` coordinates) for a member that
 * has just copied a checkpoint of time `now.t` and score `now.rBefore`.
 * Returns null when there are fewer than two observations to fit.
 */
export function pb2Select(
  observations: readonly Pb2Observation[],
  now: { readonly t: number; readonly rBefore: number },
  pending: readonly (readonly number[])[],
  dim: number,
  rng: Rng,
): { x: number[]; fit: Pb2Fit; ucb: number } | null {
  const obs = observations.slice(-PB2_MAX_OBSERVATIONS);
  const n = obs.length;
  if (n < 2) return null;
  const d = 2 + dim;
  let tLo = Number.POSITIVE_INFINITY;
  let tHi = Number.NEGATIVE_INFINITY;
  let rLo = Number.POSITIVE_INFINITY;
  let rHi = Number.NEGATIVE_INFINITY;
  for (const o of obs) {
    tLo = Math.min(tLo, o.t);
    tHi = Math.max(tHi, o.t);
    rLo = Math.min(rLo, o.rBefore);
    rHi = Math.max(rHi, o.rBefore);
  }
  const point = (t: number, r: number, x: readonly number[]): Float64Array => {
    const z = new Float64Array(d);
    z[0] = scale01(t, tLo, tHi);
    z[1] = scale01(r, rLo, rHi);
    for (let i = 0; i < dim; i++) z[2 + i] = Math.min(1, Math.max(0, x[i] as number));
    return z;
  };
  const z = obs.map((o) => point(o.t, o.rBefore, o.x));
  // Standardize the rewards, clipped to ±2 as Ray does, so one outlier cannot dominate.
  let mean = 0;
  for (const o of obs) mean += o.y;
  mean /= n;
  let sd = 0;
  for (const o of obs) sd += (o.y - mean) ** 2;
  sd = Math.sqrt(sd / n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.min(2, Math.max(-2, ((obs[i] as Pb2Observation).y - mean) / (sd + 1e-8)));

  // Fit (ℓ, ε, noise) by the marginal likelihood.
  let fit: Pb2Fit = { lengthscale: 1, epsilon: 0.1, noise: 0.01 };
  let bestLml = Number.NEGATIVE_INFINITY;
  for (const lengthscale of LENGTHSCALES) {
    for (const epsilon of EPSILONS) {
      for (const noise of NOISES) {
        const f = { lengthscale, epsilon, noise };
        const lml = logMarginalLikelihood(z, y, d, f);
        if (lml > bestLml) {
          bestLml = lml;
          fit = f;
        }
      }
    }
  }

  // Posterior mean from the data; posterior variance also from the pending points (their labels do not matter).
  const cholData = choleskyWithJitter(gram(z, d, fit, fit.noise), n);
  if (cholData === null) return null;
  const alpha = solveLower(cholData.l, n, y);
  const zVar = z.concat(pending.map((x) => point(now.t, now.rBefore, x)));
  const m = zVar.length;
  const cholVar = choleskyWithJitter(gram(zVar, d, fit, fit.noise), m);
  if (cholVar === null) return null;
  const kappa = Math.sqrt(Math.max(0.25, 0.2 * Math.log(0.4 * n)));
  const kData = new Float64Array(n);
  const kVar = new Float64Array(m);
  const ucb = (x: readonly number[]): number => {
    const q = point(now.t, now.rBefore, x);
    for (let i = 0; i < n; i++) kData[i] = kernel(q, z[i] as Float64Array, d, fit);
    const v = solveLower(cholData.l, n, kData);
    let mu = 0;
    for (let i = 0; i < n; i++) mu += (v[i] as number) * (alpha[i] as number);
    for (let i = 0; i < m; i++) kVar[i] = kernel(q, zVar[i] as Float64Array, d, fit);
    const w = solveLower(cholVar.l, m, kVar);
    let explained = 0;
    for (let i = 0; i < m; i++) explained += (w[i] as number) ** 2;
    const variance = Math.max(0, 1 - explained);
    return mu + kappa * Math.sqrt(variance);
  };

  // Maximize: random points of the cube, then Gaussian steps around the best few.
  const candidates: number[][] = [];
  for (let i = 0; i < 256; i++) candidates.push(Array.from({ length: dim }, () => rng.random()));
  let scored = candidates.map((x) => ({ x, v: ucb(x) }));
  for (let round = 0; round < 3; round++) {
    scored.sort((a, b) => b.v - a.v);
    const seeds = scored.slice(0, 4);
    const step = 0.1 / (round + 1);
    const local: { x: number[]; v: number }[] = [];
    for (const s of seeds) {
      for (let k = 0; k < 16; k++) {
        const x = s.x.map((c) => Math.min(1, Math.max(0, c + step * rng.normal())));
        local.push({ x, v: ucb(x) });
      }
    }
    scored = seeds.concat(local);
  }
  scored.sort((a, b) => b.v - a.v);
  const best = scored[0] as { x: number[]; v: number };
  return { x: best.x, fit, ucb: best.v };
}
