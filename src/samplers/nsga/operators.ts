/**
 * Variation operators on genomes in [0, 1]^d (see genome.ts): crossover of
 * two parents into one child, and mutation of one coordinate.
 *
 * uniform   each coordinate from the second parent with probability
 *           `swappingProb`, else from the first.
 * sbx       simulated binary crossover, bounded (Deb & Agrawal, Complex
 *           Systems 9, 1995; the bounded form of Deb's NSGA-II C code): per
 *           coordinate, with probability 1/2, a child spread around the
 *           parents with a polynomial density of index η; else a parent's value.
 * blxalpha  blend crossover (Eshelman & Schaffer, FOGA 1992): uniform on the
 *           parents' interval widened by α times its length on each side,
 *           cut to [0, 1].
 * polynomial mutation (Deb & Goyal 1996, as in the NSGA-II C code rev. 1.1.6):
 *           a perturbation with a polynomial density of index η that stays in [0, 1].
 * Arrays in, arrays out; randomness from the caller's Rng.
 */
import type { Rng } from '../../math/rng.js';

export type CrossoverKind = 'uniform' | 'sbx' | 'blxalpha';

/** A crossover by name, or with its parameter. */
export type CrossoverOption =
  | CrossoverKind
  | { readonly kind: 'uniform' }
  | { readonly kind: 'sbx'; readonly eta?: number }
  | { readonly kind: 'blxalpha'; readonly alpha?: number };

export type MutationOption = 'uniform' | 'polynomial' | { readonly kind: 'uniform' } | { readonly kind: 'polynomial'; readonly eta?: number };

export function uniformCrossover(a: Float64Array, b: Float64Array, swappingProb: number, rng: Rng): Float64Array {
  const child = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) child[i] = rng.random() < swappingProb ? (b[i] as number) : (a[i] as number);
  return child;
}

export function sbxCrossover(a: Float64Array, b: Float64Array, eta: number, rng: Rng): Float64Array {
  const child = new Float64Array(a.length);
  const power = 1 / (eta + 1);
  for (let i = 0; i < a.length; i++) {
    const x1 = Math.min(a[i] as number, b[i] as number);
    const x2 = Math.max(a[i] as number, b[i] as number);
    const crossing = rng.random() < 0.5;
    const u = rng.random();
    const pickSecond = rng.random() < 0.5;
    if (!crossing || x2 - x1 < 1e-14) {
      child[i] = pickSecond ? (b[i] as number) : (a[i] as number);
      continue;
    }
    // The spread factor β_q, with the density cut where a child would leave [0, 1].
    const spread = (beta: number): number => {
      const alpha = 2 - beta ** -(eta + 1);
      return u <= 1 / alpha ? (u * alpha) ** power : (1 / (2 - u * alpha)) ** power;
    };
    const c1 = 0.5 * (x1 + x2 - spread(1 + (2 * x1) / (x2 - x1)) * (x2 - x1));
    const c2 = 0.5 * (x1 + x2 + spread(1 + (2 * (1 - x2)) / (x2 - x1)) * (x2 - x1));
    child[i] = Math.min(1, Math.max(0, pickSecond ? c2 : c1));
  }
  return child;
}

export function blxAlphaCrossover(a: Float64Array, b: Float64Array, alpha: number, rng: Rng): Float64Array {
  const child = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x1 = Math.min(a[i] as number, b[i] as number);
    const x2 = Math.max(a[i] as number, b[i] as number);
    const lo = Math.max(0, x1 - alpha * (x2 - x1));
    const hi = Math.min(1, x2 + alpha * (x2 - x1));
    child[i] = lo + (hi - lo) * rng.random();
  }
  return child;
}

export function polynomialMutation(x: number, eta: number, rng: Rng): number {
  const u = rng.random();
  const power = 1 / (eta + 1);
  let delta: number;
  if (u <= 0.5) {
    const xy = 1 - x;
    delta = (2 * u + (1 - 2 * u) * xy ** (eta + 1)) ** power - 1;
  } else {
    const xy = x;
    delta = 1 - (2 * (1 - u) + 2 * (u - 0.5) * xy ** (eta + 1)) ** power;
  }
  return Math.min(1, Math.max(0, x + delta));
}
