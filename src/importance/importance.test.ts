import { describe, expect, it } from 'vitest';
import {
  createStudy,
  DialsError,
  evaluateParamImportances,
  FanovaEvaluator,
  getParamImportances,
  getParamInteractions,
  InvalidArgumentError,
  MeanDecreaseImpurityEvaluator,
  MemoryStorage,
  PedAnovaEvaluator,
  RandomSampler,
  type Study,
} from '../index.js';
import { buildImportanceData } from './dataset.js';
import { frozenTrial } from './test-helpers.js';

const ACT_COST: Record<string, number> = { relu: 0, tanh: 2, gelu: 4 };

/** lr (log), act (categorical) matter; layers (int), dropout (float) and width (stepped int) do not. */
async function mixedStudy(n: number, seed: number): Promise<Study> {
  const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed }) });
  await study.optimize(
    (t) => {
      const lr = t.suggestFloat('lr', 1e-5, 1e-1, { log: true });
      t.suggestInt('layers', 1, 8);
      const act = t.suggestCategorical('act', ['relu', 'tanh', 'gelu']) as string;
      const dropout = t.suggestFloat('dropout', 0, 0.5);
      t.suggestInt('width', 16, 256, { step: 16 });
      return (Math.log10(lr) + 3) ** 2 + (ACT_COST[act] as number) + 0.01 * dropout;
    },
    { nTrials: n },
  );
  return study;
}

describe('getParamImportances on a study with log, int, stepped and categorical parameters', () => {
  it('ranks lr and act first with every evaluator, normalized to sum 1', async () => {
    const study = await mixedStudy(250, 7);
    for (const evaluator of [new FanovaEvaluator({ nTrees: 32 }), new MeanDecreaseImpurityEvaluator({ nTrees: 32 }), new PedAnovaEvaluator()]) {
      const imp = await getParamImportances(study, { evaluator });
      const names = Object.keys(imp);
      expect(names.slice(0, 2).sort(), evaluator.name).toEqual(['act', 'lr']);
      expect(names.sort()).toEqual(['act', 'dropout', 'layers', 'lr', 'width']);
      expect(Object.values(imp).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      const values = Object.values(imp);
      expect(values).toEqual([...values].sort((a, b) => b - a));
    }
  });

  it('takes evaluator names, restricts to `params`, and gives raw fANOVA shares with normalize: false', async () => {
    const study = await mixedStudy(120, 3);
    const byName = await getParamImportances(study, { evaluator: 'mdi', params: ['lr', 'layers'] });
    expect(Object.keys(byName).sort()).toEqual(['layers', 'lr']);
    const raw = await getParamImportances(study, { normalize: false });
    const report = evaluateParamImportances(await study.getTrials(), study.directions, { normalize: false });
    expect(raw).toEqual(report.mainEffects);
    const sum = Object.values(raw).reduce((a, b) => a + b, 0);
    expect(sum).toBeGreaterThan(0.5);
    expect(sum).toBeLessThanOrEqual(1 + 1e-12);
  });

  it('gives a parameter of one value importance 0', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize((t) => t.suggestFloat('x', 0, 1) + t.suggestFloat('c', 2, 2) + t.suggestInt('k', 3, 3), { nTrials: 30 });
    const imp = await getParamImportances(study);
    expect(imp).toEqual({ x: 1, c: 0, k: 0 });
    const pairs = await getParamInteractions(study);
    expect(pairs.map((p) => p.params)).toEqual([
      ['c', 'k'],
      ['x', 'c'],
      ['x', 'k'],
    ]);
    expect(pairs.every((p) => p.importance === 0)).toBe(true);
  });
});

describe('conditional parameters', () => {
  it('scores a parameter present in only some trials, through an "inactive" value', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 5 }) });
    await study.optimize(
      (t) => {
        const opt = t.suggestCategorical('optimizer', ['sgd', 'adam']);
        if (opt === 'sgd') return 10 * (t.suggestFloat('momentum', 0, 1) - 0.9) ** 2;
        t.suggestInt('beta', 1, 10);
        return 1;
      },
      { nTrials: 200 },
    );
    const trials = await study.getTrials();
    const data = buildImportanceData(trials, study.directions);
    const momentum = data.features.find((f) => f.name === 'momentum');
    const sgdShare = trials.filter((t) => t.params.optimizer === 'sgd').length / trials.length;
    expect(momentum?.inactiveShare).toBeCloseTo(1 - sgdShare, 12);
    expect(momentum?.lo).toBe(-1);
    for (const evaluator of ['fanova', 'ped-anova', 'mdi'] as const) {
      const imp = await getParamImportances(study, { evaluator });
      expect(Object.keys(imp).sort(), evaluator).toEqual(['beta', 'momentum', 'optimizer']);
      expect(imp.momentum, evaluator).toBeGreaterThan(imp.beta as number);
    }
    const fanova = await getParamImportances(study);
    expect(fanova.beta).toBeLessThan(0.1);
  });

  it('merges the ranges of a parameter whose distribution changed between trials', () => {
    const a = { kind: 'float', low: 0, high: 1, log: false, step: null } as const;
    const b = { kind: 'float', low: 0, high: 2, log: false, step: null } as const;
    const trials = Array.from({ length: 40 }, (_, i) => {
      const x = (i % 20) / 10;
      return frozenTrial(i, { x, z: i % 3 }, { x: x <= 1 && i < 20 ? a : b, z: { kind: 'int', low: 0, high: 2, log: false, step: 1 } }, [x * x]);
    });
    const data = buildImportanceData(trials, ['minimize']);
    expect(data.features[0]?.distribution).toEqual(b);
    expect(Object.keys(evaluateParamImportances(trials, ['minimize']).importances)[0]).toBe('x');
    const mixed = [...trials, frozenTrial(40, { x: 'a', z: 0 }, { x: { kind: 'categorical', choices: ['a'] }, z: trials[0]!.distributions.z! }, [0])];
    expect(() => buildImportanceData(mixed, ['minimize'])).toThrow(/"x" was suggested as different kinds/);
  });
});

describe('which trials count', () => {
  it('uses COMPLETE trials only: PRUNED trials with values, FAIL and non-finite values are left out', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 2 }) });
    for (let i = 0; i < 60; i++) {
      const t = await study.ask();
      const x = t.suggestFloat('x', 0, 1);
      const y = t.suggestFloat('y', 0, 1);
      if (i % 4 === 1) await study.tell(t, { state: 'PRUNED', values: 1000 * y });
      else if (i % 4 === 2) await study.tell(t, { state: 'FAIL' });
      else if (i === 3) await study.tell(t, Number.POSITIVE_INFINITY);
      else await study.tell(t, x);
    }
    const trials = await study.getTrials();
    const report = evaluateParamImportances(trials, study.directions, { evaluator: 'mdi' });
    expect(report.nTrials).toBe(29); // 30 COMPLETE, one of them +Infinity
    const onlyComplete = trials.filter((t) => t.state === 'COMPLETE' && Number.isFinite(t.value));
    expect(evaluateParamImportances(onlyComplete, study.directions, { evaluator: 'mdi' })).toEqual(report);
    expect(report.ranked[0]?.param).toBe('x');
  });

  it('needs at least 2 counted trials, and says what the study holds', async () => {
    const study = await createStudy({ storage: new MemoryStorage() });
    await expect(getParamImportances(study)).rejects.toThrow(/at least 2 COMPLETE trials/);
    const t = await study.ask();
    t.suggestFloat('x', 0, 1);
    await study.tell(t, 1);
    const p = await study.ask();
    p.suggestFloat('x', 0, 1);
    await study.tell(p, { state: 'PRUNED', values: 2 });
    const err = await getParamImportances(study).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DialsError);
    expect((err as DialsError).code).toBe('NO_TRIALS');
    expect((err as Error).message).toMatch(/has 1 \(1 COMPLETE, 0 of them with a NaN or infinite target; 1 PRUNED and 0 FAIL/);
  });
});

describe('large studies', () => {
  it('uses a seeded subset of maxTrials trials, the same on every call', () => {
    const trials = Array.from({ length: 300 }, (_, i) =>
      frozenTrial(
        i,
        { x: (i * 37) % 100, y: i % 7 },
        { x: { kind: 'int', low: 0, high: 99, log: false, step: 1 }, y: { kind: 'int', low: 0, high: 6, log: false, step: 1 } },
        [((i * 37) % 100) ** 2],
      ),
    );
    const a = buildImportanceData(trials, ['minimize'], { maxTrials: 100 });
    const b = buildImportanceData(trials, ['minimize'], { maxTrials: 100 });
    expect(a.n).toBe(100);
    expect(a.trialNumbers).toEqual(b.trialNumbers);
    expect(a.trialNumbers).toEqual([...a.trialNumbers].sort((p, q) => p - q));
    expect(new Set(a.trialNumbers).size).toBe(100);
    const report = evaluateParamImportances(trials, ['minimize'], { maxTrials: 100 });
    expect([report.nTrials, report.nEligible]).toEqual([100, 300]);
    expect(buildImportanceData(trials, ['minimize'], { maxTrials: Number.POSITIVE_INFINITY }).n).toBe(300);
    expect(() => buildImportanceData(trials, ['minimize'], { maxTrials: 1 })).toThrow(/maxTrials must be an integer >= 2/);
  });
});

describe('multi-objective studies and targets', () => {
  async function twoObjectives(): Promise<Study> {
    const study = await createStudy({ storage: new MemoryStorage(), directions: ['minimize', 'maximize'], sampler: new RandomSampler({ seed: 4 }) });
    await study.optimize((t) => [t.suggestFloat('a', 0, 1), 3 * t.suggestFloat('b', 0, 1) + 0.1 * t.suggestFloat('a2', 0, 1)], { nTrials: 80 });
    return study;
  }

  it('asks for a target, and explains the objective it names', async () => {
    const study = await twoObjectives();
    await expect(getParamImportances(study)).rejects.toThrow(InvalidArgumentError);
    await expect(getParamImportances(study)).rejects.toThrow(/2 objectives; say which to explain with target/);
    expect(Object.keys(await getParamImportances(study, { target: 0 }))[0]).toBe('a');
    expect(Object.keys(await getParamImportances(study, { target: 1, evaluator: 'ped-anova' }))[0]).toBe('b');
    expect(Object.keys(await getParamImportances(study, { target: (t) => (t.values?.[1] as number) * -1, evaluator: 'ped-anova' }))[0]).toBe('b');
    await expect(getParamImportances(study, { target: 2 })).rejects.toThrow(/target 2 is not an objective index/);
    await expect(getParamImportances(study, { target: (t) => t.values?.[0] as number, direction: 'up' as 'maximize' })).rejects.toThrow(/direction must be/);
  });
});

describe('argument errors', () => {
  it('names an unknown parameter, an unknown evaluator, and pairs asked of a first-order evaluator', async () => {
    const study = await mixedStudy(20, 1);
    await expect(getParamImportances(study, { params: ['nope'] })).rejects.toThrow(/no counted trial has a parameter named "nope"/);
    await expect(getParamImportances(study, { evaluator: 'shap' as 'mdi' })).rejects.toThrow(/evaluator must be 'fanova', 'ped-anova', 'mdi'/);
    expect(() => evaluateParamImportances([], ['minimize'], { evaluator: 'ped-anova', pairs: true })).toThrow(/interactions come from fANOVA/);
    expect(() => new FanovaEvaluator({ nTrees: 0 }).evaluate(buildImportanceData([], ['minimize']))).toThrow();
  });
});
