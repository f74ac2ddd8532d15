/**
 * TensorFlow.js offline (wasm backend from node_modules), the bundled
 * datasets, and reproducible training: same seed, same network; a network
 * saved and loaded between two epochs ends exactly where uninterrupted
 * training ends (weights and Adam's moments both restored).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, standardize, trainValidationSplit } from './datasets.js';
import { loadTfjs, type Tfjs } from './load-tfjs.js';
import { MlpClassifier } from './mlp-classifier.js';

let tfjs: Tfjs;
beforeAll(async () => {
  tfjs = await loadTfjs();
});

describe('loadTfjs', () => {
  it('runs tfjs-layers on the wasm backend without the network', () => {
    expect(tfjs.fallbackReason).toBeNull();
    expect(tfjs.backend).toBe('wasm');
    expect(tfjs.tf.getBackend()).toBe('wasm');
  });
});

describe('datasets', () => {
  it('reads breast cancer and digits with their documented shapes and classes', () => {
    const bc = loadDataset('breast_cancer');
    expect([bc.x.length, bc.nFeatures, bc.nClasses]).toEqual([569, 30, 2]);
    expect(bc.y.filter((c) => c === 0)).toHaveLength(212); // malignant
    expect(bc.x[0]?.[0]).toBeCloseTo(17.99, 5);
    const digits = loadDataset('digits');
    expect([digits.x.length, digits.nFeatures, digits.nClasses]).toEqual([1797, 64, 10]);
    expect(Math.max(...digits.x.flatMap((r) => [...r]))).toBe(16);
    expect(() => loadDataset('digits', '/nonexistent')).toThrow(/datasets are in the repository's data\/ folder/);
  });

  it('splits each class in the same proportion, the same way for the same seed, and standardizes with training statistics', () => {
    const bc = loadDataset('breast_cancer');
    const s = trainValidationSplit(bc, { validationFraction: 0.2, seed: 3 });
    expect(s.validation.x.length).toBe(Math.round(212 * 0.2) + Math.round(357 * 0.2));
    expect(s.train.x.length + s.validation.x.length).toBe(569);
    expect(trainValidationSplit(bc, { validationFraction: 0.2, seed: 3 }).validation.y).toEqual(s.validation.y);
    const z = standardize(s);
    const col = z.train.x.map((r) => r[0] as number);
    const mean = col.reduce((a, b) => a + b, 0) / col.length;
    expect(Math.abs(mean)).toBeLessThan(1e-5);
  });
});

describe('MlpClassifier', () => {
  const data = () => standardize(trainValidationSplit(loadDataset('breast_cancer'), { validationFraction: 0.2, seed: 1 }));
  const spec = { inputs: 30, classes: 2, hidden: [16], seed: 7 };

  it('learns breast cancer, and the same seed gives the same network', async () => {
    const split = data();
    const a = MlpClassifier.create(tfjs, spec, 0.01);
    const b = MlpClassifier.create(tfjs, spec, 0.01);
    const before = a.evaluate(split.validation);
    for (let e = 0; e < 3; e++) {
      await a.fitEpoch(split.train, { batchSize: 32, seed: e });
      await b.fitEpoch(split.train, { batchSize: 32, seed: e });
    }
    const ea = a.evaluate(split.validation);
    expect(ea).toEqual(b.evaluate(split.validation));
    expect(ea.accuracy).toBeGreaterThan(0.9);
    expect(ea.loss).toBeLessThan(before.loss);
    a.dispose();
    b.dispose();
  });

  it('continues where it stopped after save and load, and takes the learning rate it is given', async () => {
    const split = data();
    const straight = MlpClassifier.create(tfjs, spec, 0.01);
    await straight.fitEpoch(split.train, { batchSize: 32, seed: 1 });
    await straight.fitEpoch(split.train, { batchSize: 32, seed: 2 });
    const stopped = MlpClassifier.create(tfjs, spec, 0.01);
    await stopped.fitEpoch(split.train, { batchSize: 32, seed: 1 });
    const bytes = await stopped.save();
    stopped.dispose();
    const resumed = await MlpClassifier.load(tfjs, spec, bytes, 0.01);
    await resumed.fitEpoch(split.train, { batchSize: 32, seed: 2 });
    // Equal up to float32 rounding (Adam recomputes beta^t on load instead of accumulating it).
    const r = resumed.evaluate(split.validation);
    const st = straight.evaluate(split.validation);
    expect(r.accuracy).toBe(st.accuracy);
    expect(r.loss).toBeCloseTo(st.loss, 6);
    const faster = await MlpClassifier.load(tfjs, spec, bytes, 0.05);
    expect(faster.learningRate).toBe(0.05);
    await faster.fitEpoch(split.train, { batchSize: 32, seed: 2 });
    expect(faster.evaluate(split.validation).loss).not.toBe(straight.evaluate(split.validation).loss);
    await expect(MlpClassifier.load(tfjs, { ...spec, hidden: [8] }, bytes, 0.01)).rejects.toThrow(/does not fit this network/);
    for (const n of [straight, resumed, faster]) n.dispose();
  });
});
