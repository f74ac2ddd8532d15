import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, TrialPruned } from '../errors.js';
import { MedianPruner } from '../pruners/percentile-pruner.js';
import { WilcoxonPruner } from '../pruners/wilcoxon-pruner.js';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import { createStudy } from '../study/create-study.js';
import { crossValidate } from './cross-validate.js';
import { KFold } from './k-fold.js';

// A fold's score: the configuration's quality plus a fold effect shared by all configurations (as real folds are).
const foldEffect = [0.03, -0.02, 0.01, 0.0, -0.01, 0.02, -0.03, 0.01, 0.0, -0.01];
const score = (quality: number, k: number) => quality + (foldEffect[k] as number);

describe('crossValidate', () => {
  it('evaluates every fold, reports each with its fold, returns the mean and keeps scores and spread', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    const seen: [number, number, number][] = [];
    await study.optimize(
      (trial) =>
        crossValidate(trial, {
          splitter: new KFold({ nSplits: 4, seed: 2 }),
          data: 20,
          evaluate: (k, train, test) => {
            seen.push([k, train.length, test.length]);
            return [1, 2, 3, 6][k] as number;
          },
        }),
      { nTrials: 1 },
    );
    expect(seen).toEqual([
      [0, 15, 5],
      [1, 15, 5],
      [2, 15, 5],
      [3, 15, 5],
    ]);
    const [t] = await study.getTrials();
    expect(t?.value).toBe(3);
    expect(t?.intermediateValues.map((iv) => [iv.fold, iv.step, iv.values[0]])).toEqual([
      [0, 0, 1],
      [1, 0, 2],
      [2, 0, 3],
      [3, 0, 6],
    ]);
    expect(t?.userAttrs.cv).toEqual({ scores: [1, 2, 3, 6], mean: 3, std: Math.sqrt(14 / 3), min: 1, max: 6, foldsDone: 4, nFolds: 4, pruned: false });
    await study.close();
  });

  it('evaluate() may stop the trial itself (TrialPruned, e.g. a time limit): the folds done stay on record', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }) });
    await study.optimize(
      (trial) =>
        crossValidate(trial, {
          splitter: new KFold({ nSplits: 4, seed: 2 }),
          data: 20,
          evaluate: (k) => {
            if (k === 2) throw new TrialPruned(`trial ${trial.number} stopped after 2 folds: out of time`);
            return [1, 2][k] as number;
          },
        }),
      { nTrials: 1 },
    );
    const [t] = await study.getTrials();
    expect(t?.state).toBe('PRUNED');
    expect(t?.userAttrs.cv).toEqual({ scores: [1, 2], mean: 1.5, std: Math.SQRT1_2, min: 1, max: 2, foldsDone: 2, nFolds: 4, pruned: true });
    await study.close();
  });

  it('races: the median pruner stops poor configurations after a few folds', async () => {
    const study = await createStudy({
      direction: 'maximize',
      sampler: new RandomSampler({ seed: 1 }),
      pruner: new MedianPruner({ nStartupTrials: 3, nWarmupFolds: 1 }),
    });
    const qualities = [0.9, 0.8, 0.85, 0.6, 0.95, 0.5, 0.82, 0.7];
    for (const q of qualities) await study.enqueueTrial({ q });
    const folds = new KFold({ nSplits: 10 }).split(100);
    let evaluations = 0;
    await study.optimize(
      (trial) => {
        const q = trial.suggestFloat('q', 0, 1);
        return crossValidate(trial, {
          folds,
          evaluate: (k) => {
            evaluations++;
            return score(q, k);
          },
        });
      },
      { nTrials: qualities.length },
    );
    const trials = await study.getTrials();
    const byQ = (q: number) => trials.find((t) => t.params.q === q);
    // the first three run every fold; later ones below the median of the COMPLETE trials stop at fold 1
    for (const q of [0.6, 0.5, 0.7, 0.82]) {
      expect(byQ(q)?.state).toBe('PRUNED');
      expect(byQ(q)?.userAttrs.cv).toMatchObject({ foldsDone: 2, nFolds: 10, pruned: true });
    }
    expect(byQ(0.95)?.state).toBe('COMPLETE');
    expect((await study.bestTrial()).params.q).toBe(0.95);
    expect(evaluations).toBe(4 * 10 + 4 * 2);
    await study.close();
  });

  it('races with the Wilcoxon pruner against the best trial', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 1 }), pruner: new WilcoxonPruner({ pThreshold: 0.1 }) });
    for (const q of [0.2, 0.5, 0.1, 0.3]) await study.enqueueTrial({ q });
    const folds = new KFold({ nSplits: 10 }).split(100);
    const used: number[] = [];
    await study.optimize(
      (trial) => {
        const q = trial.suggestFloat('q', 0, 1);
        let n = 0;
        const p = crossValidate(trial, {
          folds,
          evaluate: (k) => {
            n++;
            return score(q, k);
          },
        });
        return p.finally(() => used.push(n));
      },
      { nTrials: 4, catch: false },
    );
    // 0.5 and 0.3 are worse than 0.2 on every fold: p = 2^-n < 0.1 from the 4th fold on
    expect(used).toEqual([10, 4, 10, 4]);
    await study.close();
  });

  it('explains bad input', async () => {
    const trial = { number: 0, report() {}, shouldPrune: () => false, setUserAttr() {} };
    await expect(crossValidate(trial, { evaluate: () => 1 })).rejects.toThrow(/needs folds or a splitter/);
    await expect(crossValidate(trial, { splitter: new KFold(), evaluate: () => 1 })).rejects.toThrow(/a splitter needs data/);
    await expect(crossValidate(trial, { folds: [], evaluate: () => 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(crossValidate(trial, { folds: new KFold().split(10), evaluate: () => 'x' as unknown as number })).rejects.toThrow(/returned "x" for fold 0/);
    await expect(crossValidate(trial, {} as never)).rejects.toThrow(/needs \{ evaluate/);
  });
});
