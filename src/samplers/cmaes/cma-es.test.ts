import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { CmaEs, type CmaEsOptions } from './cma-es.js';
import { CmaState } from './cma.js';
import { uniformCells } from './margin.js';

interface RunResult {
  best: number;
  evals: number;
  restarts: number;
  popsizes: number[];
}

/** Plain ask/tell until `target` or `budget` evaluations. */
function minimize(f: (u: Float64Array) => number, options: CmaEsOptions, budget: number, seed: number, target = Number.NEGATIVE_INFINITY): RunResult {
  const es = new CmaEs(options);
  const rng = new Rng(seed);
  let best = Number.POSITIVE_INFINITY;
  let evals = 0;
  const popsizes = [es.popsize];
  while (evals < budget && best > target) {
    const solutions = [];
    for (let k = 0; k < es.popsize; k++) {
      const c = es.ask(rng);
      for (const v of c.u) if (!(v >= 0 && v <= 1)) throw new Error(`seed ${seed}: candidate ${Array.from(c.u)} leaves the unit cube`);
      const value = f(c.u);
      evals++;
      best = Math.min(best, value);
      solutions.push({ x: c.x, value });
    }
    if (es.tell(solutions)) popsizes.push(es.popsize);
  }
  return { best, evals, restarts: es.restarts, popsizes };
}

const scale = (u: number, lo: number, hi: number): number => lo + (hi - lo) * u;
const sphere5 = (u: Float64Array): number => u.reduce((s, v) => s + (scale(v, -5, 5) - 1.7) ** 2, 0);
const rosenbrock4 = (u: Float64Array): number => {
  const x = Array.from(u, (v) => scale(v, -5, 10));
  let s = 0;
  for (let i = 0; i < x.length - 1; i++) s += 100 * ((x[i + 1] as number) - (x[i] as number) ** 2) ** 2 + (1 - (x[i] as number)) ** 2;
  return s;
};
const rastrigin5 = (u: Float64Array): number =>
  u.reduce((s, v) => {
    const x = scale(v, -5.12, 5.12);
    return s + 10 + x * x - 10 * Math.cos(2 * Math.PI * x);
  }, 0);

describe('CmaEs (the core, plain ask/tell)', () => {
  it('converges on a shifted 5-d sphere to 1e-12 within 2,500 evaluations (seeds 0-4, full and separable)', () => {
    for (const separable of [false, true]) {
      for (let seed = 0; seed < 5; seed++) {
        const r = minimize(sphere5, { dim: 5, separable }, 2500, seed, 1e-12);
        expect(r.best, `seed ${seed}, separable ${separable}`).toBeLessThan(1e-12);
      }
    }
  });

  it('solves Rosenbrock-4 on [-5, 10]⁴ to 1e-8 within 8,000 evaluations in at least 4 of 5 seeds', () => {
    const results = [0, 1, 2, 3, 5].map((seed) => minimize(rosenbrock4, { dim: 4 }, 8000, seed, 1e-8));
    const solved = results.filter((r) => r.best < 1e-8).length;
    expect(solved, JSON.stringify(results.map((r) => r.best))).toBeGreaterThanOrEqual(4);
  });

  it('reaches the optimum of a 5-d integer sphere (21 values per coordinate)', () => {
    const cells = uniformCells(21);
    const f = (u: Float64Array): number => u.reduce((s, v) => s + (cells.cellOf(v) - 10 - 3) ** 2, 0);
    for (let seed = 0; seed < 5; seed++) {
      const r = minimize(f, { dim: 5, discrete: new Array(5).fill(cells) }, 1000, seed, 0);
      expect(r.best, `seed ${seed}`).toBe(0);
    }
  });

  it('with the margin, integer coordinates keep moving while σ shrinks on the continuous ones (without it some seeds stall)', () => {
    const cells = uniformCells(21);
    // An ellipsoid on 3 continuous coordinates drives σ down fast; 2 integers must still reach 7.
    const f = (u: Float64Array): number => {
      let s = 0;
      for (let i = 0; i < 3; i++) s += 10 ** i * (scale(u[i] as number, -5, 5) - 1) ** 2;
      for (let i = 3; i < 5; i++) s += (cells.cellOf(u[i] as number) - 10 - 7) ** 2;
      return s;
    };
    const discrete = [null, null, null, cells, cells];
    const seeds = [0, 1, 2, 3, 4, 5, 6, 7];
    const intPart = (r: RunResult): number => Math.round(r.best);
    const withMargin = seeds.map((seed) => minimize(f, { dim: 5, discrete }, 3000, seed));
    const without = seeds.map((seed) => minimize(f, { dim: 5, discrete, margin: false }, 3000, seed));
    expect(withMargin.map(intPart)).toEqual(seeds.map(() => 0));
    expect(without.filter((r) => intPart(r) > 0).length).toBeGreaterThan(0);
  });

  it('IPOP restarts on Rastrigin-5, doubling the population each time, and finds a better optimum than the first run', () => {
    const first = minimize(rastrigin5, { dim: 5 }, 3000, 1);
    const r = minimize(rastrigin5, { dim: 5, restart: { strategy: 'ipop', seed: 1 } }, 30000, 1);
    expect(r.restarts).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < r.popsizes.length; i++) expect(r.popsizes[i]).toBe(2 * (r.popsizes[i - 1] as number));
    expect(r.best).toBeLessThan(first.best);
    expect(r.best).toBeLessThan(1.5);
  });

  it('draws a candidate as a pure function of the state and the stream', () => {
    const a = new CmaEs({ dim: 3 });
    const b = new CmaEs({ dim: 3 });
    expect(Array.from(a.ask(new Rng(5)).x)).toEqual(Array.from(b.ask(new Rng(5)).x));
    expect(Array.from(a.ask(new Rng(5)).x)).not.toEqual(Array.from(a.ask(new Rng(6)).x));
  });
});

describe('CmaState', () => {
  it('uses the tutorial defaults: λ = 4 + ⌊3 ln n⌋, positive weights summing to 1, c1 + cμ <= 1', () => {
    for (const n of [1, 2, 5, 10, 40]) {
      for (const separable of [false, true]) {
        const s = new CmaState({ mean: new Float64Array(n), sigma: 0.3, separable });
        expect(s.popsize).toBe(4 + Math.floor(3 * Math.log(n)));
        let pos = 0;
        for (let i = 0; i < s.mu; i++) pos += s.weights[i] as number;
        expect(pos).toBeCloseTo(1, 12);
        expect(s.c1 + s.cmu).toBeLessThanOrEqual(1);
        expect(s.cSigma).toBeLessThan(1);
      }
    }
  });

  it('pulls an injected far-away solution to within √n + 2n/(n+2) standard deviations', () => {
    const s = new CmaState({ mean: [0.5, 0.5, 0.5], sigma: 0.01 });
    const x = s.clipInjected(Float64Array.from([1, 0, 1]));
    expect(s.mahalanobis(x)).toBeCloseTo(Math.sqrt(3) + 6 / 5, 9);
    const near = Float64Array.from([0.505, 0.5, 0.5]);
    expect(Array.from(s.clipInjected(near.slice()))).toEqual(Array.from(near));
  });
});
