/**
 * Maximizing an acquisition function over the encoded space (mixed
 * continuous, grid and categorical coordinates), as Optuna's
 * `optuna/_gp/optim_mixed.py` does:
 *   1. score a scrambled Sobol sample of the space (grid coordinates on the grid);
 *   2. start local searches from the best sample, from samples drawn with
 *      probability ∝ exp(a(x) − max a) (roulette), and from given points
 *      (the best trials and their neighbourhoods);
 *   3. each local search alternates L-BFGS-B on the continuous coordinates,
 *      preconditioned by the lengthscales (z_j = x_j/ℓ_j, so every direction
 *      looks alike to the optimizer), with a discrete search of each grid or
 *      categorical coordinate: all values when there are at most 16, else
 *      steps of ±1, ±2, ±4, … grid points from the current one; until a full
 *      round changes nothing.
 * Grid and categorical coordinates only ever take grid values, so the result
 * decodes to values the distributions contain.
 *
 * With `exclude` (the encoded points already evaluated, for a noise-free
 * objective, where evaluating one again teaches nothing) the result is the
 * best point not excluded: over every grid point when all free coordinates
 * are grid or categorical ones with at most ENUMERATE_LIMIT combinations
 * (exact, as BoTorch's optimize_acqf_discrete), else among the local
 * searches' optima and the preliminary samples.
 */
import { minimizeLbfgsb } from '../../math/lbfgsb.js';
import type { Rng } from '../../math/rng.js';
import { SobolEngine } from '../../math/sobol.js';
import type { Acquisition } from './acquisition.js';
import type { GpSearchSpace } from './search-space.js';

export interface OptimizeAcquisitionOptions {
  readonly rng: Rng;
  /** Sobol points scored before the local searches (Optuna: 2048). */
  readonly nPreliminary?: number;
  /** Local searches in all, including the given starts (Optuna: 10). */
  readonly nLocalSearch?: number;
  /** Encoded points that always start a local search (on the grid already). */
  readonly starts?: readonly Float64Array[];
  /** ℓ_j for the preconditioning (default 1). */
  readonly lengthscales?: Float64Array;
  /** L-BFGS-B's projected-gradient tolerance in the scaled coordinates. */
  readonly pgtol?: number;
  /** Coordinates held at given encoded values (parameters already decided). */
  readonly fixed?: ReadonlyMap<number, number>;
  /**
   * A box inside the unit cube that bounds the search of the continuous
   * coordinates (a trust region; other coordinates should span [0, 1]);
   * default the whole cube.
   */
  readonly box?: SearchBox;
  /** Encoded points not to return (keys: pointKey), unless every candidate is one. */
  readonly exclude?: ReadonlySet<string>;
}

/** The key of an encoded point in `exclude`. */
export function pointKey(x: ArrayLike<number>, offset = 0, dim = x.length - offset): string {
  let k = '';
  for (let j = 0; j < dim; j++) k += `${j === 0 ? '' : ','}${x[offset + j]}`;
  return k;
}

/** All-grid spaces with at most this many points are searched point by point when points are excluded. */
export const ENUMERATE_LIMIT = 4096;

export interface SearchBox {
  readonly lower: Float64Array;
  readonly upper: Float64Array;
}

/** Grids up to this size are searched exhaustively. */
const EXHAUSTIVE_LIMIT = 16;

export interface AcquisitionOptimum {
  readonly x: Float64Array;
  readonly value: number;
}

/** The encoded point of the highest acquisition value found. */
export function optimizeAcquisition(acq: Acquisition, space: GpSearchSpace, options: OptimizeAcquisitionOptions): AcquisitionOptimum {
  const exclude = options.exclude;
  if (exclude !== undefined && exclude.size > 0) {
    const exact = enumerateGrid(acq, space, options.fixed ?? new Map<number, number>(), exclude);
    if (exact !== undefined) return exact ?? optimizeAcquisition(acq, space, { ...options, exclude: new Set() });
  }
  const d = space.dim;
  const m = Math.max(1, options.nPreliminary ?? 2048);
  const nLocal = Math.max(1, options.nLocalSearch ?? 10);
  const rng = options.rng;
  const sobol = new SobolEngine(d, { seed: rng.uint32() });
  const xs = new Float64Array(m * d);
  const fixed = options.fixed ?? new Map<number, number>();
  const pin = (x: Float64Array, offset = 0): void => {
    for (const [j, v] of fixed) x[offset + j] = v;
  };
  const box = options.box;
  for (let i = 0; i < m; i++) {
    xs.set(sobol.next(), i * d);
    if (box !== undefined)
      for (let j = 0; j < d; j++) xs[i * d + j] = (box.lower[j] as number) + (xs[i * d + j] as number) * ((box.upper[j] as number) - (box.lower[j] as number));
    space.fromUniformInPlace(xs, i * d);
    pin(xs, i * d);
  }
  const f = new Float64Array(m);
  acq.values(xs, m, f);
  const iMax = argmax(f, m);
  const starts: Float64Array[] = [xs.slice(iMax * d, iMax * d + d)];
  const given = (options.starts ?? []).slice(0, Math.max(0, nLocal - 1));
  const nRoulette = nLocal - 1 - given.length;
  if (nRoulette > 0) {
    // Roulette over exp(a − max a) without replacement, the best sample excluded.
    const fMax = f[iMax] as number;
    const w = new Float64Array(m);
    let total = 0;
    for (let i = 0; i < m; i++) {
      const v = i === iMax || !Number.isFinite(f[i] as number) ? 0 : Math.exp((f[i] as number) - fMax);
      w[i] = v;
      total += v;
    }
    for (let k = 0; k < nRoulette && total > 0; k++) {
      let r = rng.random() * total;
      let pick = -1;
      for (let i = 0; i < m; i++) {
        const wi = w[i] as number;
        if (wi <= 0) continue;
        pick = i;
        r -= wi;
        if (r <= 0) break;
      }
      if (pick < 0) break;
      total -= w[pick] as number;
      w[pick] = 0;
      starts.push(xs.slice(pick * d, pick * d + d));
    }
  }
  for (const s of given) {
    const x = s.slice();
    if (box !== undefined)
      space.dims.forEach((dim, j) => {
        if (dim.kind === 'continuous') x[j] = Math.min(box.upper[j] as number, Math.max(box.lower[j] as number, x[j] as number));
      });
    space.snapInPlace(x);
    pin(x);
    starts.push(x);
  }
  let best: AcquisitionOptimum = { x: starts[0] as Float64Array, value: f[iMax] as number };
  const search = new LocalSearch(acq, space, options.lengthscales, options.pgtol ?? 1e-2, fixed, box);
  const optima: AcquisitionOptimum[] = [];
  for (const s of starts) {
    const r = search.run(s);
    optima.push(r);
    if (r.value > best.value || !Number.isFinite(best.value)) best = r;
  }
  if (exclude === undefined || exclude.size === 0 || !exclude.has(pointKey(best.x))) return best;
  // The optimum was evaluated already: the best other point the search saw.
  let other: AcquisitionOptimum | null = null;
  for (const r of optima) if (!exclude.has(pointKey(r.x)) && (other === null || r.value > other.value)) other = r;
  for (let i = 0; i < m; i++) {
    const v = f[i] as number;
    if (Number.isFinite(v) && (other === null || v > other.value) && !exclude.has(pointKey(xs, i * d, d))) other = { x: xs.slice(i * d, i * d + d), value: v };
  }
  return other ?? best;
}

/**
 * The best grid point not in `exclude`, scoring every combination of the free
 * coordinates' grid values (the fixed ones pinned): undefined when a free
 * coordinate is continuous or there are more than ENUMERATE_LIMIT
 * combinations; null when every point is excluded.
 */
function enumerateGrid(
  acq: Acquisition,
  space: GpSearchSpace,
  fixed: ReadonlyMap<number, number>,
  exclude: ReadonlySet<string>,
): AcquisitionOptimum | null | undefined {
  const d = space.dim;
  const free: number[] = [];
  let count = 1;
  for (const [j, dim] of space.dims.entries()) {
    if (fixed.has(j)) continue;
    if (dim.grid === null) return undefined;
    free.push(j);
    count *= dim.grid.length;
    if (count > ENUMERATE_LIMIT) return undefined;
  }
  const xs = new Float64Array(count * d);
  const digit = new Array<number>(free.length).fill(0);
  let n = 0;
  const x = new Float64Array(d);
  for (const [j, v] of fixed) x[j] = v;
  for (let c = 0; c < count; c++) {
    for (const [k, j] of free.entries()) x[j] = (space.dims[j] as { grid: Float64Array }).grid[digit[k] as number] as number;
    if (!exclude.has(pointKey(x))) {
      xs.set(x, n * d);
      n++;
    }
    for (let k = 0; k < free.length; k++) {
      const j = free[k] as number;
      digit[k] = (digit[k] as number) + 1;
      if ((digit[k] as number) < (space.dims[j] as { grid: Float64Array }).grid.length) break;
      digit[k] = 0;
    }
  }
  if (n === 0) return null;
  const f = new Float64Array(n);
  acq.values(xs, n, f);
  const iMax = argmax(f, n);
  return { x: xs.slice(iMax * d, iMax * d + d), value: f[iMax] as number };
}

/** Index of the largest of f[0..n), a non-finite value losing to any later one. */
function argmax(f: Float64Array, n: number): number {
  let iMax = 0;
  for (let i = 1; i < n; i++) if ((f[i] as number) > (f[iMax] as number) || !Number.isFinite(f[iMax] as number)) iMax = i;
  return iMax;
}

/** The mixed local search of one start. */
class LocalSearch {
  private readonly continuous: number[] = [];
  private readonly discrete: number[] = [];
  private readonly scale: Float64Array;
  private readonly grad: Float64Array;
  private readonly one = new Float64Array(1);
  private readonly batch: Float64Array;
  private readonly batchValues: Float64Array;

  constructor(
    private readonly acq: Acquisition,
    private readonly space: GpSearchSpace,
    lengthscales: Float64Array | undefined,
    private readonly pgtol: number,
    fixed: ReadonlyMap<number, number>,
    private readonly box: SearchBox | undefined,
  ) {
    const d = space.dim;
    let maxGrid = 0;
    space.dims.forEach((dim, i) => {
      if (fixed.has(i)) return;
      if (dim.kind === 'continuous') this.continuous.push(i);
      else {
        this.discrete.push(i);
        maxGrid = Math.max(maxGrid, dim.grid?.length ?? 0);
      }
    });
    this.scale = Float64Array.from(this.continuous, (i) => {
      const l = lengthscales?.[i] ?? 1;
      return Number.isFinite(l) && l > 0 ? l : 1;
    });
    this.grad = new Float64Array(d);
    const rows = Math.max(EXHAUSTIVE_LIMIT, 2 * Math.ceil(Math.log2(maxGrid + 1)) + 2);
    this.batch = new Float64Array(rows * d);
    this.batchValues = new Float64Array(rows);
  }

  private value(x: Float64Array): number {
    this.acq.values(x, 1, this.one);
    return this.one[0] as number;
  }

  run(start: Float64Array): AcquisitionOptimum {
    let x: Float64Array = start.slice();
    let fx = this.value(x);
    if (!Number.isFinite(fx)) fx = Number.NEGATIVE_INFINITY;
    const CONTINUOUS = -1;
    let lastChanged: number | null = null;
    for (let round = 0; round < 100; round++) {
      if (this.continuous.length > 0) {
        if (lastChanged === CONTINUOUS) break;
        const r = this.gradientAscent(x, fx);
        if (r.value > fx) {
          x = r.x;
          fx = r.value;
          lastChanged = CONTINUOUS;
        }
      }
      let stop = false;
      for (const i of this.discrete) {
        if (lastChanged === i) {
          stop = true;
          break;
        }
        const v = this.discreteSearch(x, fx, i);
        if (v > fx) {
          fx = v;
          lastChanged = i;
        }
      }
      if (stop || lastChanged === null) break;
    }
    return { x, value: fx };
  }

  /** L-BFGS-B over the continuous coordinates in z = x/ℓ. */
  private gradientAscent(x0: Float64Array, f0: number): AcquisitionOptimum {
    const idx = this.continuous;
    const k = idx.length;
    const scale = this.scale;
    const x = x0.slice();
    const z0 = new Float64Array(k);
    const lower = new Float64Array(k);
    const upper = new Float64Array(k);
    const box = this.box;
    for (let a = 0; a < k; a++) {
      z0[a] = (x[idx[a] as number] as number) / (scale[a] as number);
      if (box === undefined) upper[a] = 1 / (scale[a] as number);
      else {
        lower[a] = (box.lower[idx[a] as number] as number) / (scale[a] as number);
        upper[a] = (box.upper[idx[a] as number] as number) / (scale[a] as number);
      }
    }
    const grad = this.grad;
    const r = minimizeLbfgsb(
      (z, g) => {
        for (let a = 0; a < k; a++) x[idx[a] as number] = (z[a] as number) * (scale[a] as number);
        const v = this.acq.valueAndGrad(x, grad);
        for (let a = 0; a < k; a++) g[a] = -(grad[idx[a] as number] as number) * (scale[a] as number);
        return Number.isFinite(v) ? -v : Number.POSITIVE_INFINITY;
      },
      z0,
      { lower, upper, pgtol: this.pgtol, maxIterations: 200, maxEvaluations: 150 },
    );
    if (!(-r.f > f0) || r.iterations === 0) return { x: x0, value: f0 };
    for (let a = 0; a < k; a++) {
      const i = idx[a] as number;
      x[i] = Math.min(
        box === undefined ? 1 : (box.upper[i] as number),
        Math.max(box === undefined ? 0 : (box.lower[i] as number), (r.x[a] as number) * (scale[a] as number)),
      );
    }
    return { x, value: -r.f };
  }

  /**
   * Best value of coordinate i with the others fixed: every grid value for a
   * small grid, else a pattern search in index steps ±1, ±2, ±4, … repeated
   * from each improvement. Updates x in place; returns the new value.
   */
  private discreteSearch(x: Float64Array, fx: number, i: number): number {
    const grid = (this.space.dims[i] as { grid: Float64Array }).grid;
    const d = this.space.dim;
    const size = grid.length;
    if (size <= 1) return fx;
    let f = fx;
    for (let pass = 0; pass < 64; pass++) {
      const cur = this.space.nearestIndex(i, x[i] as number);
      const cands: number[] = [];
      if (size <= EXHAUSTIVE_LIMIT) {
        for (let c = 0; c < size; c++) if (c !== cur) cands.push(c);
      } else {
        for (let s = 1; s < size; s *= 2) {
          if (cur - s >= 0) cands.push(cur - s);
          if (cur + s < size) cands.push(cur + s);
        }
      }
      const rows = cands.length;
      for (let r = 0; r < rows; r++) {
        this.batch.set(x, r * d);
        this.batch[r * d + i] = grid[cands[r] as number] as number;
      }
      this.acq.values(this.batch, rows, this.batchValues);
      let bestR = -1;
      let bestV = f;
      for (let r = 0; r < rows; r++) {
        const v = this.batchValues[r] as number;
        if (v > bestV) {
          bestV = v;
          bestR = r;
        }
      }
      if (bestR < 0) break;
      x[i] = grid[cands[bestR] as number] as number;
      f = bestV;
      if (size <= EXHAUSTIVE_LIMIT) break;
    }
    return f;
  }
}
