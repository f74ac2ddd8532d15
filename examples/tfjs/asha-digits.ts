/**
 * Asynchronous successive halving on a TensorFlow.js MLP learning the
 * hand-written digits: settings that are behind after 1 or 3 epochs stop.
 *
 *   npm run build && npx tsx examples/tfjs/asha-digits.ts
 */
import { createStudy, loadDataset, loadTfjs, MlpClassifier, standardize, SuccessiveHalvingPruner, TrialPruned, trainValidationSplit } from 'dials';

const tfjs = await loadTfjs();
const split = standardize(trainValidationSplit(loadDataset('digits'), { validationFraction: 0.25, seed: 1 }));

const study = await createStudy({ direction: 'maximize', pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }) });
await study.optimize(
  async (trial) => {
    const lr = trial.suggestFloat('lr', 1e-5, 0.1, { log: true });
    const hidden = trial.suggestInt('hidden', 8, 64, { log: true });
    const batchSize = trial.suggestCategorical('batchSize', [32, 64, 128]);
    const net = MlpClassifier.create(tfjs, { inputs: 64, classes: 10, hidden: [hidden], seed: trial.number }, lr);
    try {
      let accuracy = 0;
      for (let epoch = 1; epoch <= 9; epoch++) {
        await net.fitEpoch(split.train, { batchSize, seed: trial.number * 1000 + epoch });
        accuracy = net.evaluate(split.validation).accuracy;
        trial.report(accuracy, epoch);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return accuracy;
    } finally {
      net.dispose();
    }
  },
  { nTrials: 30 },
);
const trials = await study.getTrials();
console.log(`${trials.filter((t) => t.state === 'PRUNED').length} of ${trials.length} settings stopped early`);
console.log('best:', (await study.bestTrial()).value, await study.bestParams());
