/**
 * The margin of CMA-ES with Margin (Hamano, Saito, Nomura & Shirakawa,
 * "CMA-ES with Margin: Lower-Bounding Marginal Probability for
 * Mixed-Integer Black-Box Optimization", GECCO 2022).
 *
 * A discrete coordinate i is cut into cells by thresholds; the candidate's
 * cell is that of m_i + A_i (x_i − m_i). After each update the margin keeps
 * the probability of leaving the mean's cell, on each side, at least α/2
 * (α = 1/(nλ) by default) by moving m_i and stretching A_i, so the search
 * never freezes on one integer while σ shrinks.
 *
 * Notation: m mean, σ step size, C_ii the variance of coordinate i, A the
 * diagonal stretch of discrete coordinates, α the margin, Φ the standard
 * normal distribution function, t_j the threshold between cells j and j+1.
 */
import { chi2Quantile1, normalCdf } from './normal.js';

/** How one coordinate of the unit cube is cut into the cells of a discrete parameter. */
export interface Discretization {
  /** Number of cells (values); at least 2. */
  readonly cells: number;
  /** The cell of u (any real number; beyond the ends, the end cells). */
  cellOf(u: number): number;
  /** t_j, the boundary between cells j and j + 1, for 0 <= j < cells − 1. */
  threshold(j: number): number;
  /** A representative point of cell k (where a value of that cell is encoded). */
  center(k: number): number;
}

/** Equal cells over [0, 1]: value k of `cells` sits at (k + ½) / cells. */
export function uniformCells(cells: number): Discretization {
  if (!Number.isSafeInteger(cells) || cells < 2) throw new RangeError(`uniformCells: need at least 2 cells, got ${cells}`);
  return {
    cells,
    cellOf: (u) => Math.min(cells - 1, Math.max(0, Math.floor(u * cells))),
    threshold: (j) => (j + 1) / cells,
    center: (k) => (k + 0.5) / cells,
  };
}

export interface MarginInput {
  readonly mean: Float64Array;
  readonly sigma: number;
  /** C_ii for coordinate i. */
  variance(i: number): number;
}

/**
 * Applies the margin correction in place to `mean` and `A` for every discrete
 * coordinate (`dims[i]` non-null), after a CMA update.
 */
export function applyMargin(state: MarginInput, dims: readonly (Discretization | null)[], A: Float64Array, alpha: number): void {
  const sigma = state.sigma;
  const mean = state.mean;
  let zMargin = Number.NaN;
  for (let i = 0; i < dims.length; i++) {
    const dim = dims[i];
    if (!dim) continue;
    const m = mean[i] as number;
    const k = dim.cellOf(m);
    // Thresholds around the mean's cell; at an end cell both are the one inner threshold.
    const limLow = dim.threshold(Math.min(dim.cells - 2, Math.max(0, k - 1)));
    const limUp = dim.threshold(Math.min(dim.cells - 2, Math.max(0, k)));
    const sdC = Math.sqrt(state.variance(i));
    const scale = sigma * (A[i] as number) * sdC;
    if (!(scale > 0) || !Number.isFinite(scale)) continue;
    let lowCdf = normalCdf((limLow - m) / scale);
    let upCdf = 1 - normalCdf((limUp - m) / scale);
    const midCdf = 1 - lowCdf - upCdf;
    if (Math.max(lowCdf, upCdf) > 0.5) {
      // The mean sits in an end cell: pull it towards the inner threshold until P(cross) = α.
      if (Math.min(lowCdf, upCdf) < alpha) {
        if (Number.isNaN(zMargin)) zMargin = Math.sqrt(chi2Quantile1(1 - 2 * alpha));
        const sign = Math.sign(m - limUp);
        mean[i] = limUp + sign * sigma * (A[i] as number) * zMargin * sdC;
      }
      continue;
    }
    // An inner cell: raise both tail probabilities to at least α/2, then solve for m_i and A_i.
    lowCdf = Math.max(lowCdf, alpha / 2);
    upCdf = Math.max(upCdf, alpha / 2);
    const excess = 1 - lowCdf - upCdf - midCdf;
    const denom = lowCdf + midCdf + upCdf - (3 * alpha) / 2;
    const clip = (p: number): number => Math.min(0.5 - 1e-10, Math.max(1e-10, p));
    const modLow = clip(lowCdf + (excess * (lowCdf - alpha / 2)) / denom);
    const modUp = clip(upCdf + (excess * (upCdf - alpha / 2)) / denom);
    const chiLow = Math.sqrt(chi2Quantile1(1 - 2 * modLow));
    const chiUp = Math.sqrt(chi2Quantile1(1 - 2 * modUp));
    A[i] = (limUp - limLow) / ((chiLow + chiUp) * sigma * sdC);
    mean[i] = (limLow * chiUp + limUp * chiLow) / (chiLow + chiUp);
  }
}
