/**
 * The unit-cube encoding a Gaussian process works in.
 *
 * Each parameter of the relative search space is one coordinate u:
 *  - a float without step: u = (v − low)/(high − low), in log space for log scales;
 *  - an int or a stepped float: the same map on cells [low − step/2, high + step/2]
 *    (log: [ln(low − ½), ln(high + ½)]), so each value owns an equal cell as in
 *    `fromUnit`, and u is the centre of its cell: a finite grid;
 *  - a categorical: u = the choice index; the kernel compares indices by equality
 *    (Hamming distance), so their order means nothing.
 * Suggestions are always decoded from a grid point or a clipped float, so the
 * value is one the distribution contains.
 */
import { contains, type Distribution, type ParamValue, type SearchSpace, snap, toInternal } from '../../space/distributions.js';

export type GpDimensionKind = 'continuous' | 'discrete' | 'categorical';

/** Grids larger than this are optimized as continuous and rounded when decoded. */
export const MAX_GRID_SIZE = 4096;

export interface GpDimension {
  readonly name: string;
  readonly distribution: Distribution;
  readonly kind: GpDimensionKind;
  /** For 'discrete': the encoded grid, ascending. For 'categorical': the indices 0..k−1. */
  readonly grid: Float64Array | null;
}

interface Scale {
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
}

function scaleOf(d: Distribution): Scale | null {
  if (d.kind === 'categorical') return null;
  const step = d.kind === 'int' ? d.step : d.step;
  if (step === null) return d.log ? { lo: Math.log(d.low), hi: Math.log(d.high), log: true } : { lo: d.low, hi: d.high, log: false };
  if (d.log) return { lo: Math.log(d.low - 0.5 * step), hi: Math.log(d.high + 0.5 * step), log: true };
  return { lo: d.low - 0.5 * step, hi: d.high + 0.5 * step, log: false };
}

function normalize(s: Scale, v: number): number {
  const x = s.log ? Math.log(v) : v;
  return s.hi === s.lo ? 0.5 : (x - s.lo) / (s.hi - s.lo);
}

function unnormalize(s: Scale, u: number): number {
  const x = s.lo + u * (s.hi - s.lo);
  return s.log ? Math.exp(x) : x;
}

export class GpSearchSpace {
  readonly dims: readonly GpDimension[];
  readonly dim: number;
  /** 1 where the coordinate is categorical. */
  readonly isCategorical: Uint8Array;
  /** The parameter names, sorted, joined: identifies the space. */
  readonly key: string;
  private readonly scales: (Scale | null)[];

  constructor(space: SearchSpace) {
    const names = Object.keys(space).sort();
    this.scales = names.map((n) => scaleOf(space[n] as Distribution));
    this.dims = names.map((name, i) => {
      const d = space[name] as Distribution;
      if (d.kind === 'categorical') return { name, distribution: d, kind: 'categorical' as const, grid: Float64Array.from(d.choices, (_, k) => k) };
      const step = d.step;
      if (step === null) return { name, distribution: d, kind: 'continuous' as const, grid: null };
      const count = Math.round((d.high - d.low) / step) + 1;
      if (count > MAX_GRID_SIZE) return { name, distribution: d, kind: 'continuous' as const, grid: null };
      const s = this.scales[i] as Scale;
      const grid = new Float64Array(count);
      for (let k = 0; k < count; k++) grid[k] = normalize(s, snap(d, d.low + k * step));
      return { name, distribution: d, kind: 'discrete' as const, grid };
    });
    this.dim = names.length;
    this.isCategorical = Uint8Array.from(this.dims, (d) => (d.kind === 'categorical' ? 1 : 0));
    this.key = JSON.stringify(names.map((n) => [n, space[n]]));
  }

  /** Writes the encoding of `params` at out[offset…]; false if a parameter is missing or outside its distribution. */
  encode(params: Readonly<Record<string, ParamValue>>, out: Float64Array, offset = 0): boolean {
    for (let i = 0; i < this.dim; i++) {
      const dim = this.dims[i] as GpDimension;
      if (!Object.hasOwn(params, dim.name)) return false;
      const u = this.encodeOne(i, params[dim.name] as ParamValue);
      if (u === null) return false;
      out[offset + i] = u;
    }
    return true;
  }

  /** The encoding of one value of coordinate i, or null if the distribution does not contain it. */
  encodeOne(i: number, v: ParamValue): number | null {
    const dim = this.dims[i] as GpDimension;
    if (!contains(dim.distribution, v)) return null;
    if (dim.kind === 'categorical') return toInternal(dim.distribution, v);
    return normalize(this.scales[i] as Scale, v as number);
  }

  /** Index of the grid point nearest to u (for 'discrete' and 'categorical' coordinates). */
  nearestIndex(i: number, u: number): number {
    const grid = (this.dims[i] as GpDimension).grid as Float64Array;
    let lo = 0;
    let hi = grid.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if ((grid[mid] as number) <= u) lo = mid;
      else hi = mid;
    }
    return Math.abs(u - (grid[lo] as number)) <= Math.abs((grid[hi] as number) - u) ? lo : hi;
  }

  /** Moves every grid coordinate of x (length dim) onto its nearest grid point, and clips the rest to [0, 1]. */
  snapInPlace(x: Float64Array, offset = 0): void {
    for (let i = 0; i < this.dim; i++) {
      const dim = this.dims[i] as GpDimension;
      const u = x[offset + i] as number;
      if (dim.kind === 'continuous') x[offset + i] = Math.min(1, Math.max(0, u));
      else x[offset + i] = (dim.grid as Float64Array)[this.nearestIndex(i, u)] as number;
    }
  }

  /** Maps a uniform point of [0, 1)^dim onto the space (a categorical takes choice ⌊u·k⌋, a grid the cell u falls in). */
  fromUniformInPlace(x: Float64Array, offset = 0): void {
    for (let i = 0; i < this.dim; i++) {
      const dim = this.dims[i] as GpDimension;
      const u = Math.min(1, Math.max(0, x[offset + i] as number));
      if (dim.kind === 'continuous') x[offset + i] = u;
      else if (dim.kind === 'categorical') x[offset + i] = Math.min((dim.grid as Float64Array).length - 1, Math.floor(u * (dim.grid as Float64Array).length));
      else x[offset + i] = (dim.grid as Float64Array)[this.nearestIndex(i, u)] as number;
    }
  }

  /** The parameter values (external form) of an encoded point. */
  decode(x: ArrayLike<number>, offset = 0): Record<string, ParamValue> {
    const out: Record<string, ParamValue> = {};
    for (let i = 0; i < this.dim; i++) {
      const dim = this.dims[i] as GpDimension;
      const d = dim.distribution;
      const u = x[offset + i] as number;
      if (d.kind === 'categorical') {
        out[dim.name] = d.choices[Math.min(d.choices.length - 1, Math.max(0, Math.round(u)))] as ParamValue;
        continue;
      }
      if (dim.kind === 'discrete') {
        const k = this.nearestIndex(i, u);
        out[dim.name] = snap(d, d.low + k * (d.step as number));
        continue;
      }
      const v = unnormalize(this.scales[i] as Scale, Math.min(1, Math.max(0, u)));
      out[dim.name] = d.kind === 'int' || d.step !== null ? snap(d, v) : Math.min(d.high, Math.max(d.low, v));
    }
    return out;
  }
}
