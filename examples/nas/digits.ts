/**
 * Neural architecture search on the hand-written digits (8×8 images) with
 * TensorFlow.js:
 *   1. regularized (aging) evolution with Hyperband over epochs, on dense or
 *      convolutional networks, then the best architecture retrained and
 *      scored on held-out rows;
 *   2. the same vocabulary inside your own objective (define-by-run);
 *   3. accuracy against the number of weights: a Pareto front with NSGA-II.
 *
 *   npm run build && npx tsx examples/nas/digits.ts [--trials 20]
 */
import { parseArgs } from 'node:util';
import {
  architectureFromParams,
  createStudy,
  describeArchitecture,
  HyperbandPruner,
  loadDataset,
  loadTfjs,
  NasNetwork,
  type NasTrialRecord,
  nasObjective,
  NsgaIISampler,
  RegularizedEvolutionSampler,
  standardize,
  suggestArchitecture,
  TrialPruned,
  trainArchitecture,
  trainValidationSplit,
} from 'dials';

const { values } = parseArgs({ options: { trials: { type: 'string', default: '20' } } });
const nTrials = Number(values.trials);
const IMAGE = [8, 8, 1];

const tfjs = await loadTfjs();
const outer = standardize(trainValidationSplit(loadDataset('digits'), { validationFraction: 0.25, seed: 0 }));
const split = trainValidationSplit(outer.train, { validationFraction: 0.2, seed: 1 });

// 1. Regularized evolution + Hyperband: trials report validation accuracy each epoch; weak ones stop early.
const study = await createStudy({
  direction: 'maximize',
  sampler: new RegularizedEvolutionSampler({ seed: 0, populationSize: 8, sampleSize: 3 }),
  pruner: new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 }),
});
await study.optimize(nasObjective(tfjs, { split, imageShape: IMAGE, epochs: 9, space: { blocks: [1, 3] } }), { nTrials });
const best = await study.bestTrial();
console.log(`best validation accuracy ${best.value?.toFixed(4)}: ${(best.userAttrs.nas as unknown as NasTrialRecord).description}`);
const arch = architectureFromParams(best.params, { imageShape: IMAGE, space: { blocks: [1, 3] } });
const net = await trainArchitecture(tfjs, arch, { train: outer.train, epochs: 15, imageShape: IMAGE, seed: 0 });
console.log(`retrained on all training rows: test accuracy ${net.evaluate(outer.validation).accuracy.toFixed(4)} with ${net.countParams()} weights`);
net.dispose();

// 2. Your own objective: the vocabulary is define-by-run, so add anything (here, a search over epochs-per-trial budgets is left to the pruner).
const custom = await createStudy({ direction: 'maximize' });
await custom.optimize(
  async (trial) => {
    const a = suggestArchitecture(trial, { imageShape: IMAGE, space: { families: ['conv'], blocks: [1, 2], kernelSizes: [3, 5] } });
    const n = NasNetwork.create(tfjs, a, { inputs: 64, imageShape: IMAGE, nClasses: 10, seed: trial.number });
    try {
      let accuracy = 0;
      for (let epoch = 0; epoch < 5; epoch++) {
        await n.fitEpoch(split.train, { batchSize: 32, seed: epoch });
        accuracy = n.evaluate(split.validation).accuracy;
        trial.report(accuracy, epoch);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      trial.setUserAttr('architecture', describeArchitecture(a));
      return accuracy;
    } finally {
      n.dispose();
    }
  },
  { nTrials: Math.max(4, Math.floor(nTrials / 2)) },
);
console.log(`custom conv search: ${(await custom.bestValue())?.toFixed(4)} (${(await custom.bestTrial()).userAttrs.architecture})`);

// 3. Two objectives: validation accuracy (maximize) and number of weights (minimize).
const mo = await createStudy({ directions: ['maximize', 'minimize'], sampler: new NsgaIISampler({ seed: 0, populationSize: 8 }) });
await mo.optimize(nasObjective(tfjs, { split, imageShape: IMAGE, epochs: 5, objectives: ['accuracy', 'params'] }), { nTrials });
console.log('Pareto front (accuracy, weights):');
for (const t of (await mo.bestTrials()).sort((a, b) => (a.values?.[1] as number) - (b.values?.[1] as number))) {
  console.log(`  ${t.values?.[0]?.toFixed(4)}  ${t.values?.[1]}  ${(t.userAttrs.nas as unknown as NasTrialRecord).description}`);
}
