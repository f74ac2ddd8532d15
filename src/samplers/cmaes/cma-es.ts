/**
 * CMA-ES on the unit cube [0, 1]ⁿ with ask/tell: box handling by
 * resampling, discrete coordinates with the margin of CMA-ES with Margin,
 * and IPOP restarts (Auger & Hansen, "A Restart CMA Evolution Strategy With
 * Increasing Population Size", CEC 2005): when a run meets a termination
 * criterion, a new one starts at a uniformly random mean with the population
 * multiplied by `incPopsize`.
 *
 * A candidate is a pure function of the engine's state and the Rng passed to
 * `ask`, and the state a pure function of the told generations (and the
 * restart stream), so a sampler can rebuild it by replaying its history.
 */
import { Rng } from '../../math/rng.js';
import { CmaState, defaultPopsize } from './cma.js';
import { applyMargin, type Discretization } from './margin.js';

export interface CmaEsOptions {
  readonly dim: number;
  /** Initial mean in [0, 1]ⁿ (default the centre). */
  readonly mean?: ArrayLike<number>;
  /** Initial step size in unit-cube coordinates (default 1/6). */
  readonly sigma?: number;
  /** Initial covariance (n×n row-major, default I). */
  readonly cov?: ArrayLike<number>;
  /** λ of the first run (default 4 + ⌊3 ln n⌋). */
  readonly popsize?: number;
  readonly separable?: boolean;
  /** Per coordinate: how a discrete coordinate is cut into cells, or null for a continuous one. */
  readonly discrete?: readonly (Discretization | null)[];
  /** Margin α for discrete coordinates: a number, false to switch it off, or default 1/(nλ). */
  readonly margin?: number | false;
  readonly restart?: { readonly strategy: 'none' | 'ipop'; readonly incPopsize?: number; readonly seed?: number };
  /** Candidates drawn before one outside the box is clipped (default 10n, as Optuna). */
  readonly maxResample?: number;
  /** Termination tolerances for restarts (defaults of the tutorial). */
  readonly tolFun?: number;
  readonly tolX?: number;
}

export interface Candidate {
  /** The raw Gaussian point, to tell back. */
  readonly x: Float64Array;
  /** The point to evaluate: in [0, 1]ⁿ, discrete coordinates at their cell's centre. */
  readonly u: Float64Array;
}

export interface Solution {
  readonly x: ArrayLike<number>;
  readonly value: number;
}

export class CmaEs {
  readonly dim: number;
  state: CmaState;
  /** Margin stretch of each coordinate (1 for continuous ones). */
  readonly A: Float64Array;
  /** Number of restarts so far. */
  restarts = 0;
  /** Generations told across all runs. */
  totalGenerations = 0;
  private readonly discrete: readonly (Discretization | null)[];
  private readonly hasDiscrete: boolean;
  private readonly marginOption: number | false | undefined;
  private readonly separable: boolean;
  private readonly sigma0: number;
  private readonly restartStrategy: 'none' | 'ipop';
  private readonly incPopsize: number;
  private readonly restartRng: Rng;
  private readonly maxResample: number;
  private readonly tol: { tolFun?: number; tolX?: number };

  constructor(options: CmaEsOptions) {
    const n = options.dim;
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`CmaEs: dim must be a positive integer, got ${n}`);
    this.dim = n;
    this.discrete = options.discrete ?? new Array<null>(n).fill(null);
    if (this.discrete.length !== n) throw new RangeError(`CmaEs: discrete must have ${n} entries`);
    this.hasDiscrete = this.discrete.some((d) => d !== null);
    this.marginOption = options.margin;
    this.separable = options.separable ?? false;
    this.sigma0 = options.sigma ?? 1 / 6;
    this.restartStrategy = options.restart?.strategy ?? 'none';
    this.incPopsize = options.restart?.incPopsize ?? 2;
    this.restartRng = new Rng(options.restart?.seed ?? 0);
    this.maxResample = options.maxResample ?? 10 * n;
    this.tol = {
      ...(options.tolFun !== undefined ? { tolFun: options.tolFun } : {}),
      ...(options.tolX !== undefined ? { tolX: options.tolX } : {}),
    };
    const mean = options.mean ? Float64Array.from(options.mean) : new Float64Array(n).fill(0.5);
    if (mean.length !== n) throw new RangeError(`CmaEs: mean must have ${n} entries`);
    this.state = new CmaState({
      mean,
      sigma: this.sigma0,
      popsize: options.popsize ?? defaultPopsize(n),
      separable: this.separable,
      ...(options.cov ? { cov: options.cov } : {}),
    });
    this.A = new Float64Array(n).fill(1);
  }

  get popsize(): number {
    return this.state.popsize;
  }

  /** The margin α in use (0 without discrete coordinates or with the margin off). */
  get alpha(): number {
    if (!this.hasDiscrete || this.marginOption === false) return 0;
    return this.marginOption ?? 1 / (this.dim * this.state.popsize);
  }

  /**
   * Draws one candidate with `rng` (the first draw from `firstZ` when given, e.g. a quasi-random
   * normal vector); continuous coordinates outside [0, 1] are redrawn, then clipped.
   */
  ask(rng: Rng, firstZ?: ArrayLike<number>): Candidate {
    const n = this.dim;
    const x = new Float64Array(n);
    for (let attempt = 0; ; attempt++) {
      this.state.sample(rng, x, attempt === 0 ? firstZ : undefined);
      if (this.feasible(x)) break;
      if (attempt >= this.maxResample) {
        for (let i = 0; i < n; i++) if (!this.discrete[i]) x[i] = Math.min(1, Math.max(0, x[i] as number));
        break;
      }
    }
    return { x, u: this.encode(x) };
  }

  private feasible(x: Float64Array): boolean {
    for (let i = 0; i < this.dim; i++) {
      if (this.discrete[i]) continue;
      const v = x[i] as number;
      if (!(v >= 0 && v <= 1)) return false;
    }
    return true;
  }

  /** The evaluation point of a raw candidate: discrete coordinates go to the centre of the cell of m + A(x − m). */
  encode(x: ArrayLike<number>): Float64Array {
    const u = Float64Array.from(x);
    if (!this.hasDiscrete) return u;
    const m = this.state.mean;
    for (let i = 0; i < this.dim; i++) {
      const d = this.discrete[i];
      if (!d) continue;
      const v = (m[i] as number) + (this.A[i] as number) * ((x[i] as number) - (m[i] as number));
      u[i] = d.center(d.cellOf(v));
    }
    return u;
  }

  /**
   * The raw point for an evaluated point `u` that this engine did not draw
   * (discrete coordinates undo the margin stretch), pulled to within a few
   * standard deviations of the mean.
   */
  inject(u: ArrayLike<number>): Float64Array {
    const x = Float64Array.from(u);
    const m = this.state.mean;
    for (let i = 0; i < this.dim; i++) {
      if (this.discrete[i]) x[i] = (m[i] as number) + ((x[i] as number) - (m[i] as number)) / (this.A[i] as number);
    }
    return this.state.clipInjected(x);
  }

  /** One generation of exactly `popsize` solutions; returns true when it triggered a restart. */
  tell(solutions: readonly Solution[]): boolean {
    this.state.update(
      solutions.map((s) => s.x),
      solutions.map((s) => s.value),
    );
    this.totalGenerations++;
    const alpha = this.alpha;
    if (alpha > 0) applyMargin(this.state, this.discrete, this.A, alpha);
    if (this.restartStrategy === 'ipop' && this.state.shouldStop(this.tol)) {
      this.restart();
      return true;
    }
    return false;
  }

  private restart(): void {
    const n = this.dim;
    const mean = new Float64Array(n);
    for (let i = 0; i < n; i++) mean[i] = this.restartRng.random();
    this.state = new CmaState({ mean, sigma: this.sigma0, popsize: this.state.popsize * this.incPopsize, separable: this.separable });
    this.A.fill(1);
    this.restarts++;
  }
}
