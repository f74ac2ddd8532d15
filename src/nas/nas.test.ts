/**
 * NAS on the digits images (8×8, 10 classes) with tiny budgets: every
 * sampled architecture builds and trains, memory stays flat, the search beats
 * a deliberately poor fixed network, Hyperband over epochs prunes, and the
 * two-objective search returns a Pareto front of accuracy against weights.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createStudy, HyperbandPruner, MemoryStorage, NsgaIISampler, RandomSampler } from '../index.js';
import { type Dataset, loadDataset, type Split, standardize, trainValidationSplit } from '../tfjs/datasets.js';
import { loadTfjs, type Tfjs } from '../tfjs/load-tfjs.js';
import { type Architecture, architectureFromParams, type DenseBlock, suggestArchitecture } from './architecture.js';
import { buildModel, countParams, NasNetwork } from './nas-network.js';
import { type NasTrialRecord, nasObjective, trainArchitecture } from './nas-objective.js';
import { RegularizedEvolutionSampler } from './regularized-evolution-sampler.js';

const IMAGE = [8, 8, 1] as const;
let tfjs: Tfjs;
let split: Split;
const head = (d: Dataset, n: number): Dataset => ({ ...d, x: d.x.slice(0, n), y: d.y.slice(0, n) });
const subset = (nTrain: number, nVal: number): Split => ({ train: head(split.train, nTrain), validation: head(split.validation, nVal) });
const dense = (units: number, o: Partial<DenseBlock> = {}): DenseBlock => ({
  kind: 'dense',
  units,
  activation: 'relu',
  norm: 'none',
  dropout: 0,
  skip: 'none',
  ...o,
});

beforeAll(async () => {
  tfjs = await loadTfjs();
  split = standardize(trainValidationSplit(loadDataset('digits'), { validationFraction: 0.3, seed: 0 }));
});

describe('NAS vocabulary', () => {
  it('counts weights exactly: 64→32→10 has 2,410; batch norm adds 4 per unit (2 trainable); conv 8k3 + gap + softmax has 170', () => {
    const make = (a: Architecture) => NasNetwork.create(tfjs, a, { inputs: 64, imageShape: IMAGE, nClasses: 10, seed: 1 });
    const adam = { kind: 'adam', lr: 1e-3 } as const;
    const mlp = make({ family: 'dense', head: 'flatten', blocks: [dense(32)], optimizer: adam });
    const bn = make({ family: 'dense', head: 'flatten', blocks: [dense(32, { norm: 'batch' })], optimizer: adam });
    const conv = make({
      family: 'conv',
      head: 'gap',
      blocks: [{ kind: 'conv', filters: 8, kernelSize: 3, activation: 'relu', norm: 'none', dropout: 0, skip: 'none', pool: 'none' }],
      optimizer: adam,
    });
    try {
      expect(countParams(mlp.model)).toBe(64 * 32 + 32 + 32 * 10 + 10);
      expect(bn.countParams()).toBe(2410 + 4 * 32);
      expect(bn.countParams({ trainableOnly: true })).toBe(2410 + 2 * 32);
      expect(conv.countParams()).toBe(3 * 3 * 8 + 8 + 8 * 10 + 10);
    } finally {
      for (const n of [mlp, bn, conv]) n.dispose();
    }
  });

  it('builds and trains every sampled architecture, names parameters hierarchically, and keeps the tensor count flat', async () => {
    const data = subset(32, 32);
    const objective = nasObjective(tfjs, { split: data, imageShape: IMAGE, epochs: 1, batchSize: 32, space: { blocks: [1, 4] } });
    const search = async () => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 5 }), direction: 'maximize' });
      await study.optimize(objective, { nTrials: 8 });
      return study.getTrials();
    };
    // The first run fills tfjs's one-off caches (constants per layer type); the same eight networks again leave no tensor behind.
    await search();
    const tensors = tfjs.tf.memory().numTensors;
    const trials = await search();
    expect(tfjs.tf.memory().numTensors).toBe(tensors);
    const families = new Set<string>();
    for (const t of trials) {
      expect(t.state, `trial ${t.number}: ${t.failReason}`).toBe('COMPLETE');
      expect(t.value).toBeGreaterThanOrEqual(0);
      const rec = t.userAttrs.nas as unknown as NasTrialRecord;
      expect(rec.accuracies).toHaveLength(1);
      expect(rec.params).toBeGreaterThan(0);
      families.add(rec.architecture.family);
      expect(architectureFromParams(t.params, { imageShape: IMAGE, space: { blocks: [1, 4] } })).toEqual(rec.architecture);
      for (const name of Object.keys(t.params))
        expect(name).toMatch(
          /^(family|optimizer|lr|sgd\.momentum|conv\.head|(dense|conv)\.(nBlocks|block\d\.(units|filters|kernel|activation|norm|dropout|skip|pool)))$/,
        );
    }
    expect([...families].sort()).toEqual(['conv', 'dense']);
  });

  it('builds the extremes: pooling past 1×1, residual adds through projections, concatenations', async () => {
    const data = subset(32, 32);
    const block = (o: object) =>
      ({ kind: 'conv', filters: 4, kernelSize: 5, activation: 'elu', norm: 'batch', dropout: 0.2, skip: 'add', pool: 'max', ...o }) as const;
    const arch: Architecture = {
      family: 'conv',
      head: 'flatten',
      blocks: [block({ filters: 6 }), block({ skip: 'concat' }), block({ kernelSize: 1 }), block({ skip: 'concat', filters: 3 })],
      optimizer: { kind: 'sgd', lr: 0.01, momentum: 0.9 },
    };
    const net = await trainArchitecture(tfjs, arch, { train: data.train, epochs: 1, imageShape: IMAGE, seed: 2 });
    try {
      expect(net.model.outputs[0]?.shape).toEqual([null, 10]);
      expect(Number.isFinite(net.evaluate(data.validation).loss)).toBe(true);
    } finally {
      net.dispose();
    }
    // buildModel: the trial's draw, built in one call.
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 9 }) });
    const trial = await study.ask();
    const built = buildModel(tfjs, trial, { inputs: 64, imageShape: IMAGE, nClasses: 10, seed: 3, space: { families: ['conv'] } });
    try {
      expect(built.architecture).toEqual(architectureFromParams(trial.params, { imageShape: IMAGE, space: { families: ['conv'] } }));
      expect(built.architecture.family).toBe('conv');
      expect(built.model.outputs[0]?.shape).toEqual([null, 10]);
    } finally {
      built.dispose();
    }
    expect(() =>
      suggestArchitecture({ suggestInt: () => 1, suggestFloat: () => 0, suggestCategorical: (_n, c) => c[0] as never }, { space: { families: ['conv'] } }),
    ).toThrow(/convolutional blocks need the input's imageShape/);
  });
});

describe('NAS search', () => {
  it('regularized evolution beats a deliberately poor fixed architecture at the same epochs', async () => {
    const data = subset(200, 100);
    const poor: Architecture = {
      family: 'dense',
      head: 'flatten',
      blocks: [dense(8, { activation: 'sigmoid' })],
      optimizer: { kind: 'sgd', lr: 1e-4, momentum: 0 },
    };
    const net = await trainArchitecture(tfjs, poor, { train: data.train, epochs: 2, seed: 0 });
    const poorAccuracy = net.evaluate(data.validation).accuracy;
    net.dispose();
    const study = await createStudy({
      storage: new MemoryStorage(),
      sampler: new RegularizedEvolutionSampler({ seed: 1, populationSize: 3, sampleSize: 2 }),
      direction: 'maximize',
    });
    await study.optimize(nasObjective(tfjs, { split: data, epochs: 2, space: { families: ['dense'], blocks: [1, 2] } }), { nTrials: 6 });
    const best = (await study.bestValue()) as number;
    expect(best, `poor ${poorAccuracy}, best ${best}`).toBeGreaterThan(poorAccuracy + 0.3);
  });

  it('Hyperband over epochs prunes some trials after fewer epochs', async () => {
    const data = subset(100, 60);
    const study = await createStudy({
      storage: new MemoryStorage(),
      sampler: new RandomSampler({ seed: 2 }),
      pruner: new HyperbandPruner({ minResource: 1, maxResource: 9, reductionFactor: 3 }),
      direction: 'maximize',
      studyName: 'nas-hyperband',
    });
    await study.optimize(nasObjective(tfjs, { split: data, epochs: 9, batchSize: 50, space: { families: ['dense'], blocks: [1, 2] } }), { nTrials: 12 });
    const trials = await study.getTrials();
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThan(0);
    expect(trials.some((t) => t.state === 'COMPLETE')).toBe(true);
    for (const t of pruned) expect((t.userAttrs.nas as unknown as NasTrialRecord).accuracies.length).toBeLessThan(9);
  });

  it('two objectives (accuracy, weights) give a Pareto front that dominates every other trial', async () => {
    const data = subset(150, 90);
    const study = await createStudy({
      storage: new MemoryStorage(),
      sampler: new NsgaIISampler({ seed: 3, populationSize: 4 }),
      directions: ['maximize', 'minimize'],
    });
    await study.optimize(
      nasObjective(tfjs, { split: data, epochs: 1, batchSize: 50, objectives: ['accuracy', 'params'], space: { families: ['dense'], blocks: [1, 2] } }),
      {
        nTrials: 8,
      },
    );
    const trials = (await study.getTrials()).filter((t) => t.state === 'COMPLETE');
    const front = await study.bestTrials();
    expect(front.length).toBeGreaterThan(0);
    const dominates = (a: readonly number[], b: readonly number[]) =>
      (a[0] as number) >= (b[0] as number) &&
      (a[1] as number) <= (b[1] as number) &&
      ((a[0] as number) > (b[0] as number) || (a[1] as number) < (b[1] as number));
    for (const f of front) {
      expect(f.values?.[1]).toBe((f.userAttrs.nas as unknown as NasTrialRecord).params);
      for (const t of trials) expect(dominates(t.values as number[], f.values as number[])).toBe(false);
    }
    const frontNumbers = new Set(front.map((f) => f.number));
    // Latency instead of weights: the measured milliseconds are the second value.
    const lat = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 4 }), directions: ['maximize', 'minimize'] });
    await lat.optimize(nasObjective(tfjs, { split: data, epochs: 1, batchSize: 50, objectives: ['accuracy', 'latency'], space: { families: ['dense'] } }), {
      nTrials: 2,
    });
    for (const t of await lat.getTrials()) {
      const rec = t.userAttrs.nas as unknown as NasTrialRecord;
      expect(rec.latencyMs).toBeGreaterThan(0);
      expect(t.values?.[1]).toBe(rec.latencyMs);
    }
    for (const t of trials) if (!frontNumbers.has(t.number)) expect(front.some((f) => dominates(f.values as number[], t.values as number[]))).toBe(true);
  });
});
