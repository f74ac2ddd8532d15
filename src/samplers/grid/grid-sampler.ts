/**
 * Exhaustive search over a finite grid. Grid indices are claimed through the
 * storage (a per-study cursor under the study's row lock, backed by a unique
 * index), so with any number of workers each point runs exactly once, and
 * `optimize` stops when the grid is exhausted. A seed visits the points in a
 * seeded order (an affine permutation of the indices) instead of row-major.
 */
import { InvalidArgumentError } from '../../errors.js';
import { categoricalDistribution, type Distribution, type ParamValue, type SearchSpace } from '../../space/distributions.js';
import { Rng } from '../../math/rng.js';
import { checkSeed } from '../random/random-sampler.js';
import type { Sampler, StudyView, TrialView } from '../sampler.js';

/** Largest grid accepted, in points. */
export const MAX_GRID_POINTS = 10_000_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export class GridSampler implements Sampler {
  readonly name = 'GridSampler';
  readonly usesHistory = false;
  readonly gridSize: number;
  private readonly names: string[];
  private readonly values: ParamValue[][];
  private readonly perm: { a: number; b: number };

  /** @example new GridSampler({ lr: [0.001, 0.01, 0.1], layers: [1, 2, 3] }) */
  constructor(grid: Readonly<Record<string, readonly ParamValue[]>>, options: { seed?: number } = {}) {
    if (grid === null || typeof grid !== 'object' || Array.isArray(grid)) {
      throw new InvalidArgumentError('the grid must be an object mapping each parameter name to its list of values', ['grid']);
    }
    this.names = Object.keys(grid).sort();
    if (this.names.length === 0) throw new InvalidArgumentError('the grid has no parameters; give at least one name with its values', ['grid']);
    this.values = this.names.map((n) => {
      const vs = grid[n] as readonly ParamValue[];
      // Reuses the categorical validator: non-empty, distinct, JSON-safe values.
      categoricalDistribution(n, vs);
      return vs.slice();
    });
    let size = 1;
    for (const vs of this.values) {
      size *= vs.length;
      if (size > MAX_GRID_POINTS) {
        throw new InvalidArgumentError(`the grid has more than ${MAX_GRID_POINTS} points; use RandomSampler or SobolSampler for a space this large`, ['grid']);
      }
    }
    this.gridSize = size;
    const seed = checkSeed(options.seed);
    if (seed === undefined) {
      this.perm = { a: 1, b: 0 };
    } else {
      const rng = new Rng(seed);
      let a = size <= 1 ? 1 : 1 + rng.int(size - 1);
      while (gcd(a, size) !== 1) a = (a % (size - 1)) + 1;
      this.perm = { a, b: size <= 1 ? 0 : rng.int(size) };
    }
  }

  /** The parameter values of grid point `index` (0 ≤ index < gridSize). */
  point(index: number): Record<string, ParamValue> {
    let p = Number((BigInt(this.perm.a) * BigInt(index) + BigInt(this.perm.b)) % BigInt(this.gridSize));
    const out: Record<string, ParamValue> = {};
    for (let i = this.names.length - 1; i >= 0; i--) {
      const vs = this.values[i] as ParamValue[];
      out[this.names[i] as string] = vs[p % vs.length] as ParamValue;
      p = Math.floor(p / vs.length);
    }
    return out;
  }

  inferRelativeSearchSpace(): SearchSpace {
    return {};
  }

  sampleRelative(): Readonly<Record<string, ParamValue>> {
    return {};
  }

  sampleIndependent(_study: StudyView, trial: TrialView, name: string, _distribution: Distribution): ParamValue {
    const i = this.names.indexOf(name);
    if (i < 0) {
      throw new InvalidArgumentError(
        `parameter ${JSON.stringify(name)} is not in the grid (which has ${this.names.map((n) => JSON.stringify(n)).join(', ')}); add its values to the GridSampler`,
        [name],
      );
    }
    if (trial.gridIndex === null) {
      throw new InvalidArgumentError(`trial ${trial.number} claimed no grid point; GridSampler needs a study started through optimize() or ask()`, [name]);
    }
    return this.point(trial.gridIndex)[name] as ParamValue;
  }
}
