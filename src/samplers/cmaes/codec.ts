/**
 * The map between a search space of float and int parameters and the unit
 * cube CMA-ES searches: one coordinate per parameter, in name order; log
 * parameters are uniform in log space. A discrete parameter (int, or float
 * with a step) gets one cell per value over [low − step/2, high + step/2],
 * so every value owns an equal share of its coordinate (in log space for a
 * log int, where the cell of v is [ln(v − ½), ln(v + ½)), matching rounding).
 */
import { type FloatDistribution, type IntDistribution, type ParamValue, type SearchSpace, snap } from '../../space/distributions.js';
import type { Discretization } from './margin.js';

type NumericDistribution = FloatDistribution | IntDistribution;

interface Coordinate {
  readonly name: string;
  readonly distribution: NumericDistribution;
  readonly discrete: Discretization | null;
  encode(v: number): number;
  decode(u: number): number;
}

export class UnitCubeCodec {
  readonly names: readonly string[];
  readonly dim: number;
  /** Per coordinate, its cells (discrete parameters) or null. */
  readonly discrete: readonly (Discretization | null)[];
  private readonly coords: readonly Coordinate[];

  /** `space` must hold float and int distributions only, none of them single-valued. */
  constructor(space: SearchSpace) {
    const coords: Coordinate[] = [];
    for (const name of Object.keys(space).sort()) {
      const d = space[name];
      if (!d || d.kind === 'categorical') throw new TypeError(`UnitCubeCodec: ${name} is not a float or int parameter`);
      coords.push(coordinate(name, d));
    }
    this.coords = coords;
    this.names = coords.map((c) => c.name);
    this.dim = coords.length;
    this.discrete = coords.map((c) => c.discrete);
  }

  /** External values (all names present) → a point of [0, 1]ⁿ. */
  encode(params: Readonly<Record<string, ParamValue>>): Float64Array {
    const u = new Float64Array(this.dim);
    for (let i = 0; i < this.dim; i++) {
      const c = this.coords[i] as Coordinate;
      u[i] = c.encode(params[c.name] as number);
    }
    return u;
  }

  /** One external value → its coordinate. */
  encodeCoordinate(i: number, v: number): number {
    return (this.coords[i] as Coordinate).encode(v);
  }

  /** A point (clipped to the cube) → external values on each distribution's grid. */
  decode(u: ArrayLike<number>): Record<string, number> {
    const out: Record<string, number> = {};
    for (let i = 0; i < this.dim; i++) {
      const c = this.coords[i] as Coordinate;
      out[c.name] = c.decode(u[i] as number);
    }
    return out;
  }

  /** True when `params` holds exactly `values` for every coordinate. */
  same(params: Readonly<Record<string, ParamValue>>, values: Readonly<Record<string, number>>): boolean {
    for (const name of this.names) if (params[name] !== values[name]) return false;
    return true;
  }
}

function coordinate(name: string, d: NumericDistribution): Coordinate {
  const step = d.kind === 'int' ? d.step : d.step;
  if (step === null) {
    const t = d.log ? Math.log : (x: number) => x;
    const inv = d.log ? Math.exp : (x: number) => x;
    const lo = t(d.low);
    const width = t(d.high) - lo;
    return {
      name,
      distribution: d,
      discrete: null,
      encode: (v) => (width > 0 ? (t(v) - lo) / width : 0.5),
      decode: (u) => Math.min(d.high, Math.max(d.low, inv(lo + Math.min(1, Math.max(0, u)) * width))),
    };
  }
  const cells = Math.round((d.high - d.low) / step) + 1;
  const valueAt = (k: number): number => snap(d, d.low + k * step);
  const indexOf = (v: number): number => Math.min(cells - 1, Math.max(0, Math.round((v - d.low) / step)));
  let discrete: Discretization;
  if (d.log) {
    // Log int (step 1): the cell of v is [ln(v − ½), ln(v + ½)).
    const lo = Math.log(d.low - 0.5);
    const width = Math.log(d.high + 0.5) - lo;
    const toU = (x: number): number => (Math.log(x) - lo) / width;
    discrete = {
      cells,
      cellOf: (u) => {
        const x = Math.exp(lo + Math.min(1, Math.max(0, u)) * width);
        return Math.min(cells - 1, Math.max(0, Math.floor(x - d.low + 0.5)));
      },
      threshold: (j) => toU(d.low + j + 0.5),
      center: (k) => toU(d.low + k),
    };
  } else {
    discrete = {
      cells,
      cellOf: (u) => Math.min(cells - 1, Math.max(0, Math.floor(u * cells))),
      threshold: (j) => (j + 1) / cells,
      center: (k) => (k + 0.5) / cells,
    };
  }
  return {
    name,
    distribution: d,
    discrete,
    encode: (v) => discrete.center(indexOf(v)),
    decode: (u) => valueAt(discrete.cellOf(u)),
  };
}
