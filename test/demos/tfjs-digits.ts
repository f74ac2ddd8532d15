/**
 * The tfjs demonstration task shared by the demo tests, the examples and
 * bench/pbt.ts: a one-hidden-layer MLP (32 ReLU units, softmax output,
 * Adam) classifying the 8×8 hand-written digits of data/digits.csv.gz,
 * 75% of the rows for training and 25% (stratified, seeded) for validation,
 * features standardized with the training statistics. One step = one epoch.
 */
import { loadDataset, type Split, standardize, trainValidationSplit } from '../../src/tfjs/datasets.js';
import { loadTfjs, type Tfjs } from '../../src/tfjs/load-tfjs.js';
import { MlpClassifier } from '../../src/tfjs/mlp-classifier.js';

export const DIGITS_HIDDEN = [32] as const;

export async function digitsTask(seed = 1): Promise<{ tfjs: Tfjs; split: Split }> {
  const tfjs = await loadTfjs();
  const split = standardize(trainValidationSplit(loadDataset('digits'), { validationFraction: 0.25, seed }));
  return { tfjs, split };
}

/** Validation accuracy after each epoch of a fixed setting. */
export async function fixedRun(tfjs: Tfjs, split: Split, opts: { lr: number; batchSize: number; epochs: number; seed: number }): Promise<number[]> {
  const net = MlpClassifier.create(tfjs, { inputs: split.train.nFeatures, classes: split.train.nClasses, hidden: DIGITS_HIDDEN, seed: opts.seed }, opts.lr);
  const acc: number[] = [];
  try {
    for (let e = 0; e < opts.epochs; e++) {
      await net.fitEpoch(split.train, { batchSize: opts.batchSize, seed: opts.seed * 1000 + e });
      acc.push(net.evaluate(split.validation).accuracy);
    }
  } finally {
    net.dispose();
  }
  return acc;
}

/** The tfjs PBT run of the kill -9 demo: a small MLP on breast cancer, 4 members, 2 generations of 2 epochs. */
export const TFJS_CRASH_RUN = {
  space: { lr: { kind: 'float', low: 1e-4, high: 0.1, log: true } },
  population: 4,
  readyEvery: 2,
  totalSteps: 4,
  concurrency: 4,
  seed: 3,
} as const;

export function tfjsCrashSplit(): Split {
  return standardize(trainValidationSplit(loadDataset('breast_cancer'), { validationFraction: 0.2, seed: 2 }));
}
