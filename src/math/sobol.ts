/**
 * Sobol' low-discrepancy sequence, scrambled and seeded like
 * `scipy.stats.qmc.Sobol(d, scramble=True, seed=...)`, which Optuna's QMCSampler uses.
 *
 * Notation: point i (0-based) has coordinate x_ij = XOR of v_jk over the set bits k of
 * g(i) = i ^ (i >> 1), the Gray code of i, so the order of points is scipy's. The
 * direction numbers v_jk = m_jk / 2^k come from Joe & Kuo (2008), "Constructing Sobol
 * sequences with better two-dimensional projections", SIAM J. Sci. Comput. 30:2635-2654
 * (table new-joe-kuo-6.21201), extended by the recurrence of dimension j's primitive
 * polynomial; dimension 1 is van der Corput (all m = 1).
 *
 * Scrambling is Matoušek's (1998) linear matrix scramble plus a digital shift: dimension
 * j's generator matrix C_j becomes L_j C_j, with L_j a random lower-triangular binary
 * matrix with unit diagonal, and every point is XORed with a random e_j. Each scrambled
 * point is uniform on [0,1)^d while every block of 2^k points keeps the net structure of
 * the unscrambled sequence. The random bits come from `Rng(seed)`, so scrambled points
 * match scipy's in distribution, not bit for bit; unscrambled points match exactly.
 *
 * Digits are 32-bit (uint32). At most 2^30 points, as scipy allows.
 */
import { Rng } from './rng.js';
import { JOE_KUO_MAX_DIM, joeKuoRow } from './sobol-direction-numbers.js';

/** Largest supported dimension: the Joe & Kuo rows shipped with the package. */
export const maxSobolDim: number = JOE_KUO_MAX_DIM;

const BITS = 32;
const MAX_POINTS = 2 ** 30;
const TWO_POW_32 = 4294967296;

export class SobolEngine {
  readonly dim: number;
  /** Direction number k (0-based, scrambled if asked) of dimension j at v[k * dim + j]. */
  private readonly v: Uint32Array;
  /** The digital shift: point 0 of the sequence. */
  private readonly shift: Uint32Array;
  /** Digits of the point `cursor`. */
  private readonly x: Uint32Array;
  private cursor = 0;

  constructor(dim: number, options: { scramble?: boolean; seed?: number } = {}) {
    if (!Number.isInteger(dim) || dim < 1 || dim > maxSobolDim) {
      throw new RangeError(`Sobol dimension must be an integer from 1 to ${maxSobolDim}, got ${dim}`);
    }
    this.dim = dim;
    this.v = directionNumbers(dim);
    this.shift = new Uint32Array(dim);
    if (options.scramble ?? true) scramble(this.v, this.shift, dim, new Rng(options.seed));
    this.x = this.shift.slice();
  }

  /** Next point in [0,1)^dim as a new Float64Array. */
  next(): Float64Array {
    if (this.cursor >= MAX_POINTS) {
      throw new RangeError(`Sobol sequence exhausted: at most 2^30 (${MAX_POINTS}) points`);
    }
    const out = toUnit(this.x);
    const n = this.cursor + 1;
    // Gray codes of n - 1 and n differ in exactly the lowest set bit of n.
    const k = 31 - Math.clz32(n & -n);
    const x = this.x;
    const v = this.v;
    const dim = this.dim;
    const base = k * dim;
    for (let j = 0; j < dim; j++) x[j] ^= v[base + j];
    this.cursor = n;
    return out;
  }

  /** Jump so that the next point returned is point number `index` (0-based) of the sequence. */
  fastForward(index: number): void {
    checkIndex(index);
    this.digitsOf(index, this.x);
    this.cursor = index;
  }

  /** Point number `index` (0-based) directly, without changing the cursor. */
  point(index: number): Float64Array {
    checkIndex(index);
    return toUnit(this.digitsOf(index, new Uint32Array(this.dim)));
  }

  private digitsOf(index: number, out: Uint32Array): Uint32Array {
    out.set(this.shift);
    const v = this.v;
    const dim = this.dim;
    let g = index ^ (index >>> 1);
    while (g !== 0) {
      const base = (31 - Math.clz32(g & -g)) * dim;
      for (let j = 0; j < dim; j++) out[j] ^= v[base + j];
      g &= g - 1;
    }
    return out;
  }
}

function checkIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_POINTS) {
    throw new RangeError(`Sobol point index must be an integer from 0 to 2^30 - 1, got ${index}`);
  }
}

function toUnit(x: Uint32Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let j = 0; j < x.length; j++) out[j] = x[j] / TWO_POW_32;
  return out;
}

/** The BITS direction numbers of each dimension, left-aligned in 32 bits. */
function directionNumbers(dim: number): Uint32Array {
  const v = new Uint32Array(BITS * dim);
  for (let k = 0; k < BITS; k++) v[k * dim] = 2 ** (31 - k);
  const col = new Uint32Array(BITS);
  for (let j = 1; j < dim; j++) {
    const { degree: s, coeffs: a, m } = joeKuoRow(j + 1);
    for (let k = 0; k < s && k < BITS; k++) col[k] = m[k] * 2 ** (31 - k);
    for (let k = s; k < BITS; k++) {
      let w = col[k - s] ^ (col[k - s] >>> s);
      for (let i = 1; i < s; i++) {
        if ((a >>> (s - 1 - i)) & 1) w ^= col[k - i];
      }
      col[k] = w;
    }
    for (let k = 0; k < BITS; k++) v[k * dim + j] = col[k];
  }
  return v;
}

/**
 * Replace each dimension's direction numbers by L_j v and draw the shifts, in place.
 * The shifts are drawn first and then the matrices, dimension by dimension, as scipy does.
 */
function scramble(v: Uint32Array, shift: Uint32Array, dim: number, rng: Rng): void {
  for (let j = 0; j < dim; j++) shift[j] = rng.uint32();
  // rows[p] is row p of L_j (p = 0 is the most significant digit): unit diagonal, random left of it.
  const rows = new Uint32Array(BITS);
  rows[0] = 0x80000000;
  for (let j = 0; j < dim; j++) {
    for (let p = 1; p < BITS; p++) rows[p] = (rng.uint32() & (-1 << (BITS - p))) | (1 << (31 - p));
    for (let k = 0; k < BITS; k++) {
      const d = v[k * dim + j];
      let y = 0;
      for (let p = 0; p < BITS; p++) y |= parity(rows[p] & d) << (31 - p);
      v[k * dim + j] = y;
    }
  }
}

function parity(x: number): number {
  x ^= x >>> 16;
  x ^= x >>> 8;
  x ^= x >>> 4;
  return (0x6996 >>> (x & 0xf)) & 1;
}
