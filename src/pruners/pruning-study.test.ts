import { describe, expect, it } from 'vitest';
import { TrialPruned } from '../errors.js';
import { hypervolume } from '../math/hypervolume.js';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import { MemoryStorage } from '../storage/memory/memory-storage.js';
import { createStudy } from '../study/create-study.js';
import { HyperbandPruner } from './hyperband-pruner.js';
import { learningCurve } from './learning-curves.js';
import { MedianPruner } from './percentile-pruner.js';
import { NopPruner, type Pruner } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving-pruner.js';

const EPOCHS = 27;
const SEED = 5;

/** Runs 60 configurations of the simulated curve problem; returns the best final loss and the epochs trained. */
async function run(pruner: Pruner): Promise<{ best: number; epochs: number; pruned: number }> {
  // A fixed name: Hyperband's brackets hash it with the trial number.
  const study = await createStudy({ studyName: `curves-${pruner.name}`, storage: new MemoryStorage(), sampler: new RandomSampler({ seed: SEED }), pruner });
  let epochs = 0;
  await study.optimize(
    (trial) => {
      const curve = learningCurve(
        { lr: trial.suggestFloat('lr', 1e-4, 1, { log: true }), width: trial.suggestFloat('width', 0, 1), reg: trial.suggestFloat('reg', 0, 1) },
        SEED,
        trial.number,
      );
      let loss = Number.NaN;
      for (let t = 0; t < EPOCHS; t++) {
        epochs++;
        loss = curve(t);
        trial.report(loss, t);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return loss;
    },
    { nTrials: 60 },
  );
  const trials = await study.getTrials();
  const best = await study.bestValue();
  await study.close();
  return { best, epochs, pruned: trials.filter((t) => t.state === 'PRUNED').length };
}

describe('pruning saves work on a learning-curve problem', () => {
  it('successive halving and Hyperband train far fewer epochs and keep the best configuration', async () => {
    const full = await run(new NopPruner());
    expect(full.epochs).toBe(60 * EPOCHS);
    const sha = await run(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }));
    const hb = await run(new HyperbandPruner({ minResource: 1, maxResource: EPOCHS, reductionFactor: 3 }));
    const median = await run(new MedianPruner({ nStartupTrials: 5, nWarmupSteps: 3 }));
    // Measured: all three find the same best configuration, with about 25%, 45% and 50% of the epochs.
    for (const [r, share] of [
      [sha, 0.3],
      [hb, 0.5],
      [median, 0.6],
    ] as const) {
      expect(r.pruned).toBeGreaterThan(30);
      expect(r.epochs).toBeLessThan(share * full.epochs);
      expect(r.best).toBeLessThanOrEqual(full.best * 1.01);
    }
  });
});

describe('multi-objective pruning saves work', () => {
  /** Two objectives per epoch: the simulated loss, and a cost that grows with width and shrinks as training settles. */
  async function runMo(pruner: Pruner): Promise<{ front: number[][]; epochs: number; pruned: number }> {
    const study = await createStudy({
      studyName: `mo-${pruner.name}`,
      storage: new MemoryStorage(),
      directions: ['minimize', 'minimize'],
      sampler: new RandomSampler({ seed: SEED }),
      pruner,
    });
    let epochs = 0;
    await study.optimize(
      (trial) => {
        const width = trial.suggestFloat('width', 0, 1);
        const curve = learningCurve({ lr: trial.suggestFloat('lr', 1e-4, 1, { log: true }), width, reg: trial.suggestFloat('reg', 0, 1) }, SEED, trial.number);
        let values: number[] = [];
        for (let t = 0; t < EPOCHS; t++) {
          epochs++;
          values = [curve(t), 0.2 + width + 1 / (t + 2)];
          trial.report(values, t);
          if (trial.shouldPrune()) throw new TrialPruned();
        }
        return values;
      },
      { nTrials: 60 },
    );
    const front = (await study.bestTrials()).map((t) => t.values as number[]);
    const pruned = (await study.getTrials()).filter((t) => t.state === 'PRUNED').length;
    await study.close();
    return { front, epochs, pruned };
  }

  it('successive halving by Pareto rank keeps the Pareto front with far fewer epochs', async () => {
    const full = await runMo(new NopPruner());
    const sha = await runMo(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }));
    const reference = [2, 2];
    const hvFull = hypervolume(full.front, reference);
    const hvSha = hypervolume(sha.front, reference);
    // Measured: the same front (same hypervolume) with 37% of the epochs.
    expect(sha.pruned).toBeGreaterThan(30);
    expect(sha.epochs).toBeLessThan(0.45 * full.epochs);
    expect(hvSha).toBeGreaterThan(0.99 * hvFull);
  });
});
