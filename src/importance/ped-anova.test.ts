import { describe, expect, it } from 'vitest';
import { buildImportanceData } from './dataset.js';
import { evaluateParamImportances } from './importance.js';
import { discretize, PedAnovaEvaluator, scottParzenPmf } from './ped-anova.js';
import { frozenTrial, uniformTrials } from './test-helpers.js';

const featureOf = (dist: Parameters<typeof frozenTrial>[2][string], values: number[]) => {
  const trials = values.map((v, i) => frozenTrial(i, { p: v }, { p: dist }, [i]));
  const data = buildImportanceData(trials, ['minimize']);
  return { f: data.features[0] as NonNullable<(typeof data.features)[0]>, raw: data.raw };
};

describe('PED-ANOVA discretization (Optuna grid)', () => {
  it('rounds a float to the nearest of 50 points of its range', () => {
    const h = 10 / 49;
    const { f, raw } = featureOf({ kind: 'float', low: 0, high: 10, log: false, step: null }, [0, 10, 0.49 * h, 0.51 * h, 5]);
    const { bins, size } = discretize(f, raw, 50);
    expect(size).toBe(50);
    expect([...bins]).toEqual([0, 49, 0, 1, 24]);
  });

  it('uses fewer points for ints, log ints and stepped floats', () => {
    const li = featureOf({ kind: 'int', low: 1, high: 1000, log: true, step: 1 }, [1, 1000, 31]);
    expect(discretize(li.f, li.raw, 50).size).toBe(11); // ceil(log2 1000) + 1
    expect([...discretize(li.f, li.raw, 50).bins]).toEqual([0, 10, 5]);
    const ii = featureOf({ kind: 'int', low: 0, high: 4, log: false, step: 1 }, [0, 3, 4]);
    expect(discretize(ii.f, ii.raw, 50)).toEqual({ bins: Int32Array.from([0, 3, 4]), size: 5 });
    const sf = featureOf({ kind: 'float', low: 0, high: 1, log: false, step: 0.25 }, [0.5, 0.75]);
    expect(discretize(sf.f, sf.raw, 50)).toEqual({ bins: Int32Array.from([2, 3]), size: 5 });
  });
});

describe('Scott Parzen estimator on the grid', () => {
  it("matches Optuna's categorical kernel on a hand-computed case", () => {
    // counts [2, 0, 1], prior weight 1: kernels [2/3, 1/6, 1/6], [1/6, 1/6, 2/3], prior uniform; weights 2/4, 1/4, 1/4.
    const pmf = scottParzenPmf(Float64Array.from([2, 0, 1]), 1, true);
    expect(pmf[0]).toBeCloseTo(11 / 24, 14);
    expect(pmf[1]).toBeCloseTo(5 / 24, 14);
    expect(pmf[2]).toBeCloseTo(8 / 24, 14);
  });

  it('is a probability mass function peaked where the trials are', () => {
    const pmf = scottParzenPmf(Float64Array.from([0, 0, 5, 0, 0]), 1, false);
    expect(pmf.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(pmf[2]).toBeGreaterThan(0.75);
    expect(pmf[1]).toBeCloseTo(pmf[3] as number, 12);
    const flat = scottParzenPmf(new Float64Array(7), 1, false);
    expect(flat.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });
});

describe('PedAnovaEvaluator', () => {
  const f = (x: Float64Array) => ((x[3] as number) - 0.3) ** 2 + ((x[7] as number) - 0.6) ** 2;

  it('ranks the 2 relevant of 10 parameters first, locally and globally', () => {
    for (const seed of [1, 2]) {
      const trials = uniformTrials(400, 10, seed, f);
      for (const evaluateOnLocal of [true, false]) {
        const r = evaluateParamImportances(trials, ['minimize'], { evaluator: new PedAnovaEvaluator({ evaluateOnLocal }) });
        expect(
          r.ranked
            .slice(0, 2)
            .map((p) => p.param)
            .sort(),
          `seed ${seed} local ${evaluateOnLocal}`,
        ).toEqual(['x3', 'x7']);
      }
    }
  });

  it('takes the top quantile from the right end for a maximized objective', () => {
    const trials = uniformTrials(200, 3, 4, (x) => -f(Float64Array.from([0, 0, 0, x[0] as number, 0, 0, 0, x[1] as number])));
    const data = buildImportanceData(trials, ['maximize']);
    const ev = new PedAnovaEvaluator({ baselineQuantile: 0.1 });
    const top = ev.topRows(data);
    expect(top.reduce((a, b) => a + b, 0)).toBe(20);
    const cutoff = Math.min(...[...data.y].filter((_, i) => top[i]));
    expect([...data.y].filter((v) => v >= cutoff)).toHaveLength(20);
    const r = evaluateParamImportances(trials, ['maximize'], { evaluator: ev });
    expect((r.ranked[2] as { param: string }).param).toBe('x2');
  });

  it('gives equal importances when there are no more trials than the minimum top set', () => {
    const trials = uniformTrials(2, 3, 1, (x) => (x[0] as number) + (x[1] as number));
    expect(evaluateParamImportances(trials, ['minimize'], { evaluator: 'ped-anova' }).importances).toEqual({ x0: 1 / 3, x1: 1 / 3, x2: 1 / 3 });
  });

  it('rejects options outside their range', () => {
    expect(() => new PedAnovaEvaluator({ baselineQuantile: 0 })).toThrow(/baselineQuantile/);
    expect(() => new PedAnovaEvaluator({ nSteps: 1 })).toThrow(/nSteps/);
  });
});
