/**
 * A multilayer perceptron on TensorFlow.js: for classification the
 * library's MlpClassifier (seeded, reproducible epochs); for regression a
 * small dense network with a linear output trained on the standardised
 * target by mean squared error. The saved state holds the weights as plain
 * arrays.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { Rng } from '../../math/rng.js';
import { loadTfjs, type Tfjs } from '../../tfjs/load-tfjs.js';
import { MlpClassifier } from '../../tfjs/mlp-classifier.js';
import { argmax, type FitContext, FitTimeoutError, type FittedModel, type HyperParam, type ModelFamily, type ModelParams, num, str } from './model.js';

interface MlpState {
  readonly inputs: number;
  readonly outputs: number;
  readonly hidden: number[];
  readonly activation: 'relu' | 'tanh';
  readonly weights: { shape: number[]; data: number[] }[];
  readonly yMean: number;
  readonly yStd: number;
}

type Tensor = ReturnType<Tfjs['tf']['tensor']>;

function regressionNet(tfjs: Tfjs, inputs: number, hidden: readonly number[], activation: 'relu' | 'tanh', seed: number, lr: number): LayersModel {
  const { tfl, tf } = tfjs;
  const model = tfl.sequential();
  let s = seed >>> 0;
  hidden.forEach((units, i) => {
    model.add(
      tfl.layers.dense({ units, activation, ...(i === 0 ? { inputShape: [inputs] } : {}), kernelInitializer: tfl.initializers.glorotUniform({ seed: s++ }) }),
    );
  });
  model.add(
    tfl.layers.dense({ units: 1, ...(hidden.length === 0 ? { inputShape: [inputs] } : {}), kernelInitializer: tfl.initializers.glorotUniform({ seed: s++ }) }),
  );
  model.compile({ optimizer: tf.train.adam(lr), loss: 'meanSquaredError' });
  return model;
}

function fitted(tfjs: Tfjs, model: LayersModel, state: () => MlpState, ctx: FitContext, y: { mean: number; std: number }): FittedModel {
  const { tf } = tfjs;
  const raw = (x: readonly (readonly number[])[]): { data: Float32Array; k: number } => {
    const d = model.inputs[0]?.shape[1] as number;
    const xs = tf.tensor2d(Float32Array.from(x.flat()), [x.length, d]);
    try {
      const out = model.predict(xs) as Tensor;
      const data = out.dataSync() as Float32Array;
      const k = out.shape[1] as number;
      out.dispose();
      return { data, k };
    } finally {
      xs.dispose();
    }
  };
  const proba = (x: readonly (readonly number[])[]): number[][] => {
    const { data, k } = raw(x);
    return x.map((_, i) => Array.from(data.subarray(i * k, (i + 1) * k)));
  };
  return {
    predict: (x) => (ctx.task === 'classification' ? proba(x).map(argmax) : Array.from(raw(x).data, (v) => v * y.std + y.mean)),
    ...(ctx.task === 'classification' ? { predictProba: proba } : {}),
    toJSON: state,
    dispose: () => {
      // The model owns its layers' weights; Adam's moments live in the optimizer.
      model.optimizer?.dispose();
      model.dispose();
    },
  };
}

function snapshot(model: LayersModel, base: Omit<MlpState, 'weights'>): MlpState {
  return { ...base, weights: model.getWeights().map((w) => ({ shape: w.shape as number[], data: Array.from(w.dataSync()) })) };
}

function oneHotRow(c: number, k: number): number[] {
  const r = new Array<number>(k).fill(0);
  r[c] = 1;
  return r;
}

/** Floats per fit() call: epochs are stacked into few calls, since each call costs far more than a batch. */
const CHUNK_FLOATS = 4_000_000;

/**
 * Trains for `epochs` passes, each over the rows in a fresh seeded order
 * (tfjs's own shuffle uses Math.random). Several epochs' orders are stacked
 * into one fit() call of one pass.
 */
async function train(
  tfjs: Tfjs,
  model: LayersModel,
  x: readonly (readonly number[])[],
  target: (i: number) => number[],
  k: number,
  o: { epochs: number; batchSize: number; seed: number },
  ctx: FitContext,
): Promise<void> {
  const { tf } = tfjs;
  const n = x.length;
  const d = x[0]?.length ?? 0;
  const rng = new Rng(o.seed);
  const perChunk = Math.max(1, Math.floor(CHUNK_FLOATS / Math.max(1, n * (d + k))));
  for (let e = 0; e < o.epochs; e += perChunk) {
    const m = Math.min(perChunk, o.epochs - e);
    const xb = new Float32Array(m * n * d);
    const yb = new Float32Array(m * n * k);
    let r = 0;
    for (let c = 0; c < m; c++) {
      for (const i of rng.shuffled(x.map((_, j) => j))) {
        xb.set(x[i] as number[], r * d);
        yb.set(target(i), r * k);
        r++;
      }
    }
    const xs = tf.tensor2d(xb, [m * n, d]);
    const ys = tf.tensor2d(yb, [m * n, k]);
    // Past the deadline the fit stops after its current batch (tfjs checks stopTraining between batches).
    const deadline = ctx.deadline;
    let late = false;
    const callbacks =
      deadline === undefined
        ? undefined
        : {
            onBatchEnd: () => {
              late = Date.now() > deadline;
              if (late) model.stopTraining = true;
            },
          };
    try {
      await model.fit(xs, ys, { epochs: 1, batchSize: o.batchSize, shuffle: false, verbose: 0, ...(callbacks ? { callbacks } : {}) });
    } finally {
      tf.dispose([xs, ys]);
    }
    if (late) throw new FitTimeoutError('mlp', `in epochs ${e + 1}-${e + m} of ${o.epochs}`, deadline as number);
  }
}

/** Runs the training; a fit that throws (a time limit) frees its model's weights first. */
async function disposeOnThrow(model: LayersModel, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (e) {
    model.dispose();
    throw e;
  }
}

function hiddenOf(p: ModelParams): number[] {
  return Array.from({ length: num(p, 'layers') }, () => num(p, 'units'));
}

export const mlpFamily: ModelFamily = {
  name: 'mlp',
  tasks: ['classification', 'regression'],
  scale: true,
  space: (): readonly HyperParam[] => [
    { kind: 'int', name: 'layers', low: 1, high: 3 },
    { kind: 'int', name: 'units', low: 16, high: 256, log: true },
    { kind: 'categorical', name: 'activation', choices: ['relu', 'tanh'] },
    { kind: 'float', name: 'learningRate', low: 1e-4, high: 3e-2, log: true },
    { kind: 'int', name: 'epochs', low: 10, high: 200, log: true },
    { kind: 'int', name: 'batchSize', low: 16, high: 128, log: true },
  ],
  async fit(x, y, p, ctx) {
    const tfjs = await loadTfjs();
    const activation = str(p, 'activation') === 'tanh' ? 'tanh' : 'relu';
    const hidden = hiddenOf(p);
    const inputs = x[0]?.length ?? 0;
    const epochs = num(p, 'epochs');
    const batchSize = num(p, 'batchSize');
    const lr = num(p, 'learningRate');
    if (ctx.task === 'classification') {
      const net = MlpClassifier.create(tfjs, { inputs, classes: ctx.nClasses, hidden, activation, seed: ctx.seed }, lr);
      await disposeOnThrow(net.model, () =>
        train(tfjs, net.model, x, (i) => oneHotRow(y[i] as number, ctx.nClasses), ctx.nClasses, { epochs, batchSize, seed: ctx.seed }, ctx),
      );
      const base = { inputs, outputs: ctx.nClasses, hidden, activation, yMean: 0, yStd: 1 } as const;
      return fitted(tfjs, net.model, () => snapshot(net.model, base), ctx, { mean: 0, std: 1 });
    }
    const mean = y.reduce((a, b) => a + b, 0) / y.length;
    const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length) || 1;
    const model = regressionNet(tfjs, inputs, hidden, activation, ctx.seed, lr);
    await disposeOnThrow(model, () => train(tfjs, model, x, (i) => [((y[i] as number) - mean) / std], 1, { epochs, batchSize, seed: ctx.seed }, ctx));
    const base = { inputs, outputs: 1, hidden, activation, yMean: mean, yStd: std } as const;
    return fitted(tfjs, model, () => snapshot(model, base), ctx, { mean, std });
  },
  async load(state, ctx) {
    const tfjs = await loadTfjs();
    const s = state as MlpState;
    const model =
      ctx.task === 'classification'
        ? MlpClassifier.create(tfjs, { inputs: s.inputs, classes: s.outputs, hidden: s.hidden, activation: s.activation, seed: 0 }, 1e-3).model
        : regressionNet(tfjs, s.inputs, s.hidden, s.activation, 0, 1e-3);
    const tensors = s.weights.map((w) => tfjs.tf.tensor(w.data, w.shape));
    model.setWeights(tensors);
    for (const t of tensors) t.dispose();
    return fitted(tfjs, model, () => s, ctx, { mean: s.yMean, std: s.yStd });
  },
};
