import { describe, expect, it } from 'vitest';
import { type BenchParams, crCos, crLog, isActive, loadProblems, loadSuite, NoiseStream } from './problems.js';

const suite = loadSuite();
const problems = loadProblems();

/** |a - b| <= 1e-12 * max(|a|, |b|), or <= 1e-12 absolute near 0. */
function close(actual: number, expected: number, tol = 1e-12): boolean {
  return Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(actual), Math.abs(expected));
}

describe('benchmark problems (../shared/bench/problems.json)', () => {
  it('loads all 14 problems in file order', () => {
    expect(suite.suite_version).toBe(1);
    expect(problems.map((p) => p.name)).toEqual(suite.problems.map((p) => p.name));
    expect(problems).toHaveLength(14);
    expect(problems.filter((p) => p.noisy).map((p) => p.name)).toEqual(['hartmann6_noisy']);
  });

  for (const [i, problem] of problems.entries()) {
    const json = suite.problems[i]!;
    describe(problem.name, () => {
      it.each(json.test_vectors.map((tv, k) => [k, tv] as const))('test vector %i', (_k, tv) => {
        const got = problem.evaluate(tv.params);
        if (!close(got, tv.value)) expect.fail(`${problem.name}(${JSON.stringify(tv.params)}) = ${got}, expected ${tv.value}`);
      });

      it('evaluate(optimum_params) equals the optimum', () => {
        const got = problem.evaluate(json.optimum_params);
        // The optima are themselves rounded to 16-17 digits (hartmann, styblinski_tang at a rounded x*).
        if (!close(got, problem.optimum, 1e-12)) expect.fail(`${problem.name}: f(x*) = ${got}, optimum ${problem.optimum}`);
      });

      it('test vectors use only active, in-range parameters of the space', () => {
        for (const tv of json.test_vectors) {
          const seen: BenchParams = {};
          for (const e of problem.space) {
            if (!isActive(e, seen)) {
              expect(tv.params).not.toHaveProperty(e.name);
              continue;
            }
            const v = tv.params[e.name];
            if (e.type === 'categorical') expect(e.choices).toContain(v);
            else {
              expect(typeof v).toBe('number');
              expect(v as number).toBeGreaterThanOrEqual(e.low);
              expect(v as number).toBeLessThanOrEqual(e.high);
              if (e.type === 'int') expect(Number.isInteger(v)).toBe(true);
            }
            seen[e.name] = v as BenchParams[string];
          }
          expect(Object.keys(tv.params).sort()).toEqual(Object.keys(seen).sort());
        }
      });
    });
  }
});

describe('noise stream (SplitMix64 -> Box-Muller)', () => {
  it.each(suite.noise_rng_test_vectors.map((v) => [v.seed, v] as const))('seed %i reproduces the reference bit-exactly', (_seed, v) => {
    expect(new NoiseStream(v.seed).nextUint64().toString()).toBe(v.first_uint64);
    expect(new NoiseStream(v.seed).nextUniform()).toBe(v.first_uniform);
    const s = new NoiseStream(v.seed);
    expect(v.gaussians.map(() => s.nextGaussian())).toEqual(v.gaussians);
  });

  it('crLog / crCos (correctly rounded, used by the stream) stay within one ulp of Math.log / Math.cos', () => {
    const s = new NoiseStream(7);
    const ulp = (x: number) => Math.max(Number.MIN_VALUE, Math.abs(x) * Number.EPSILON);
    for (let i = 0; i < 20000; i++) {
      const u = 1 - s.nextUniform();
      expect(Math.abs(crLog(u) - Math.log(u))).toBeLessThanOrEqual(ulp(Math.log(u)));
      const t = 2 * Math.PI * s.nextUniform();
      expect(Math.abs(crCos(t) - Math.cos(t))).toBeLessThanOrEqual(ulp(Math.cos(t)));
    }
    // Values where V8's Math.log is one ulp off and glibc (the reference) is not.
    expect(crLog(0.7144913156030334)).toBe(-0.33618443619548205);
    expect(crLog(0.6600689610829794)).toBe(-0.4154109629306361);
  });

  it('the noisy problem adds sigma * (i-th gaussian of the run-seed stream) to the i-th evaluation', () => {
    const problem = problems.find((p) => p.name === 'hartmann6_noisy')!;
    const sigma = suite.problems.find((p) => p.name === 'hartmann6_noisy')!.noise!.sigma;
    expect(sigma).toBe(0.1);
    for (const v of suite.noise_rng_test_vectors) {
      const observe = problem.makeNoisyEvaluator!(v.seed);
      for (const [i, z] of v.gaussians.entries()) {
        const x: BenchParams = Object.fromEntries(Array.from({ length: 6 }, (_, j) => [`x${j}`, (((i + 1) * (j + 2)) % 7) / 7]));
        expect(observe(x)).toBe(problem.evaluate(x) + sigma * z);
      }
    }
    expect(problems.find((p) => p.name === 'hartmann6')!.makeNoisyEvaluator).toBeUndefined();
  });
});
