import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { categoricalDistribution, contains, type Distribution, floatDistribution, intDistribution } from '../../space/distributions.js';
import { type BandwidthRule, DEFAULT_PARZEN_OPTIONS, kernelDomain, ParzenEstimator, type ParzenEstimatorOptions } from './parzen-estimator.js';

const RULES: BandwidthRule[] = ['optuna', 'scott', 'hyperopt'];

function estimator(d: Distribution, obs: number[], options: Partial<ParzenEstimatorOptions> = {}, weights?: number[]): ParzenEstimator {
  return new ParzenEstimator([kernelDomain(d)], [Float64Array.from(obs)], Float64Array.from(weights ?? obs.map(() => 1)), {
    ...DEFAULT_PARZEN_OPTIONS,
    ...options,
  });
}

/** Trapezoid rule of exp(log p) over n + 1 points of [a, b], each mapped by `toValue`. */
function integrate(pe: ParzenEstimator, a: number, b: number, toValue: (y: number) => number, n = 20000): number {
  const ys = Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
  const lp = pe.logPdf([Float64Array.from(ys, toValue)], n + 1);
  let s = 0;
  for (let i = 0; i < n; i++) s += 0.5 * (Math.exp(lp[i] as number) + Math.exp(lp[i + 1] as number)) * ((b - a) / n);
  return s;
}

function totalMass(pe: ParzenEstimator, values: number[]): number {
  const lp = pe.logPdf([Float64Array.from(values)], values.length);
  return lp.reduce((s, v) => s + Math.exp(v), 0);
}

describe('ParzenEstimator', () => {
  it('a float mixture integrates to 1 over its domain, kernels at the edges included', () => {
    const d = floatDistribution('x', -5, 10);
    for (const bandwidth of RULES) {
      for (const obs of [[], [-5], [-5, 10, 10, 2.5], [0.1, 0.11, 0.12, 9.9, 3]]) {
        const pe = estimator(d, obs, { bandwidth });
        expect(
          integrate(pe, -5, 10, (y) => y),
          `${bandwidth} ${JSON.stringify(obs)}`,
        ).toBeCloseTo(1, 6);
      }
    }
  });

  it('a log-float mixture integrates to 1 on the log scale', () => {
    const d = floatDistribution('lr', 1e-5, 1e-1, { log: true });
    const pe = estimator(d, [1e-5, 3e-4, 2e-2], { bandwidth: 'hyperopt' });
    expect(integrate(pe, Math.log(1e-5), Math.log(1e-1), Math.exp)).toBeCloseTo(1, 6);
  });

  it('int, log-int, stepped-float and categorical masses sum to 1', () => {
    const int = intDistribution('n', -3, 17);
    const logInt = intDistribution('k', 1, 1024, { log: true });
    const stepped = floatDistribution('q', 0, 2, { step: 0.25 });
    const cat = categoricalDistribution('c', ['a', 'b', 'c', 'd']);
    const range = (lo: number, hi: number, step = 1) => Array.from({ length: Math.round((hi - lo) / step) + 1 }, (_, i) => lo + i * step);
    for (const bandwidth of RULES) {
      expect(totalMass(estimator(int, [-3, 0, 17, 17], { bandwidth }), range(-3, 17))).toBeCloseTo(1, 10);
      expect(totalMass(estimator(logInt, [1, 2, 700], { bandwidth }), range(1, 1024))).toBeCloseTo(1, 10);
      expect(totalMass(estimator(stepped, [0, 0.25, 2], { bandwidth }), range(0, 2, 0.25))).toBeCloseTo(1, 10);
    }
    expect(totalMass(estimator(cat, [0, 0, 3]), [0, 1, 2, 3])).toBeCloseTo(1, 12);
    expect(totalMass(estimator(cat, [1, 2], { categoricalPriorWeight: 0.2 }), [0, 1, 2, 3])).toBeCloseTo(1, 12);
    expect(totalMass(estimator(cat, []), [0, 1, 2, 3])).toBeCloseTo(1, 12);
  });

  it('draws stay inside the domain and on its grid, and follow the masses', () => {
    const rng = new Rng(20);
    const dists: Distribution[] = [
      floatDistribution('x', 0, 1),
      floatDistribution('lr', 1e-5, 1e-1, { log: true }),
      intDistribution('n', 1, 6),
      intDistribution('k', 1, 1024, { log: true }),
      intDistribution('s', 0, 30, { step: 3 }),
      floatDistribution('q', 0, 2, { step: 0.25 }),
      categoricalDistribution('c', ['a', 'b', 'c']),
    ];
    const obs = [
      [0, 1, 1],
      [1e-5, 1e-1, 1e-3],
      [1, 6, 6],
      [1, 1024, 2],
      [0, 30, 27],
      [0, 2, 0.25],
      [0, 2, 2],
    ];
    const pe = new ParzenEstimator(
      dists.map(kernelDomain),
      obs.map((o) => Float64Array.from(o)),
      Float64Array.of(1, 1, 1),
      DEFAULT_PARZEN_OPTIONS,
    );
    const m = 4000;
    const cols = pe.sample(rng, m);
    dists.forEach((d, j) => {
      for (const v of cols[j] as Float64Array) {
        const external = d.kind === 'categorical' ? d.choices[v] : v;
        expect(contains(d, external), `${d.kind} ${v}`).toBe(true);
      }
    });
    // Frequencies of n ∈ {1..6} against the estimator's own masses (marginal of a product mixture).
    const single = estimator(dists[2] as Distribution, [1, 6, 6]);
    const draws = single.sample(new Rng(21), m)[0] as Float64Array;
    const lp = single.logPdf([Float64Array.of(1, 2, 3, 4, 5, 6)], 6);
    for (let v = 1; v <= 6; v++) {
      const freq = draws.filter((x) => x === v).length / m;
      expect(Math.abs(freq - Math.exp(lp[v - 1] as number)), `n=${v}`).toBeLessThan(0.03);
    }
  });

  it('draws of a float kernel follow its truncated density', () => {
    const pe = estimator(floatDistribution('x', 0, 10), [0.5, 9.8], { bandwidth: 'optuna' });
    const draws = pe.sample(new Rng(3), 20000)[0] as Float64Array;
    for (let k = 0; k < 10; k++) {
      const freq = draws.filter((x) => x >= k && x < k + 1).length / draws.length;
      expect(Math.abs(freq - integrate(pe, k, k + 1, (y) => y, 2000)), `bin ${k}`).toBeLessThan(0.015);
    }
  });

  it('weights shift mass towards the heavier observation; the prior keeps every value possible', () => {
    const d = floatDistribution('x', 0, 1);
    const pe = estimator(d, [0.1, 0.9], { bandwidth: 'optuna' }, [9, 1]);
    const lp = pe.logPdf([Float64Array.of(0.1, 0.9, 0.5)], 3);
    expect(lp[0]).toBeGreaterThan(lp[1] as number);
    expect(Number.isFinite(lp[2])).toBe(true);
    // Many identical observations: the magic clip keeps the density finite.
    const tight = estimator(d, Array(50).fill(0.3));
    expect(Number.isFinite(tight.logPdf([Float64Array.of(0.3)], 1)[0])).toBe(true);
  });
});
