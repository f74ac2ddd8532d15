/**
 * A small multilayer perceptron classifier on tfjs-layers, trained
 * reproducibly: seeded initializers, `fit` with `shuffle: false` on rows we
 * permute ourselves with a seeded generator (tfjs shuffles with Math.random),
 * and a checkpoint that holds the weights *and* the optimizer's state
 * (Adam's moments), so training continues exactly where it stopped, with
 * whatever learning rate the caller gives.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { PbtMember } from '../pbt/run-pbt.js';
import type { Dataset, Split } from './datasets.js';
import type { Tfjs } from './load-tfjs.js';

type Optimizer = ReturnType<Tfjs['tf']['train']['adam']>;
type Tensor = ReturnType<Tfjs['tf']['tensor']>;

export interface MlpSpec {
  readonly inputs: number;
  readonly classes: number;
  /** Units of each hidden layer (may be empty: logistic regression). */
  readonly hidden: readonly number[];
  readonly activation?: 'relu' | 'tanh' | 'sigmoid';
  /** Seeds the initial weights. */
  readonly seed: number;
}

export interface Evaluation {
  readonly accuracy: number;
  /** Mean cross-entropy. */
  readonly loss: number;
}

const MAGIC = 'DIALS-MLP-1\n';

export class MlpClassifier {
  private constructor(
    private readonly tfjs: Tfjs,
    readonly spec: MlpSpec,
    readonly model: LayersModel,
    private optimizer: Optimizer,
    private lr: number,
  ) {}

  /** A fresh network; `lr` is Adam's learning rate. */
  static create(tfjs: Tfjs, spec: MlpSpec, lr: number): MlpClassifier {
    checkSpec(spec);
    checkLr(lr);
    const { tfl, tf } = tfjs;
    const model = tfl.sequential();
    const activation = spec.activation ?? 'relu';
    let seed = spec.seed >>> 0;
    spec.hidden.forEach((units, i) => {
      model.add(
        tfl.layers.dense({
          units,
          activation,
          ...(i === 0 ? { inputShape: [spec.inputs] } : {}),
          kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }),
          biasInitializer: 'zeros',
        }),
      );
    });
    model.add(
      tfl.layers.dense({
        units: spec.classes,
        activation: 'softmax',
        ...(spec.hidden.length === 0 ? { inputShape: [spec.inputs] } : {}),
        kernelInitializer: tfl.initializers.glorotUniform({ seed: seed++ }),
        biasInitializer: 'zeros',
      }),
    );
    const optimizer = tf.train.adam(lr);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    return new MlpClassifier(tfjs, spec, model, optimizer, lr);
  }

  /** A network from `save()`'s bytes, continuing with learning rate `lr` (not the saved one). */
  static async load(tfjs: Tfjs, spec: MlpSpec, bytes: Uint8Array, lr: number): Promise<MlpClassifier> {
    const net = MlpClassifier.create(tfjs, spec, lr);
    const { weights, optimizer } = decode(bytes);
    const { tf } = tfjs;
    const ws = net.model.getWeights();
    if (ws.length !== weights.length || ws.some((w, i) => w.size !== (weights[i] as { data: Float32Array }).data.length)) {
      net.dispose();
      throw new InvalidArgumentError('the checkpoint does not fit this network (different layer sizes); load it with the spec it was saved with', ['spec']);
    }
    const tensors = weights.map((w, i) => tf.tensor(w.data, (ws[i] as Tensor).shape));
    net.model.setWeights(tensors);
    for (const t of tensors) t.dispose();
    if (optimizer.length > 0) {
      await net.optimizer.setWeights(optimizer.map((w) => ({ name: w.name, tensor: tf.tensor(w.data, w.shape) })));
    }
    return net;
  }

  get learningRate(): number {
    return this.lr;
  }

  /** One pass over `data` in a seeded random order; returns the mean training loss. */
  async fitEpoch(data: Dataset, options: { batchSize: number; seed: number }): Promise<number> {
    const { tf } = this.tfjs;
    const order = new Rng(options.seed).shuffled(data.x.map((_, i) => i));
    const { xs, ys } = datasetTensors(this.tfjs, data, order);
    try {
      const h = await this.model.fit(xs, ys, { epochs: 1, batchSize: options.batchSize, shuffle: false, verbose: 0 });
      return (h.history.loss?.[0] as number) ?? Number.NaN;
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  /** Accuracy and mean cross-entropy on `data`. */
  evaluate(data: Dataset): Evaluation {
    const { tf } = this.tfjs;
    const { xs, ys } = datasetTensors(this.tfjs, data, null);
    try {
      const probs = (this.model.predict(xs) as Tensor).dataSync();
      const truth = data.y;
      const k = this.spec.classes;
      let correct = 0;
      let loss = 0;
      for (let i = 0; i < truth.length; i++) {
        let arg = 0;
        for (let c = 1; c < k; c++) if ((probs[i * k + c] as number) > (probs[i * k + arg] as number)) arg = c;
        if (arg === truth[i]) correct++;
        loss -= Math.log(Math.max(1e-7, probs[i * k + (truth[i] as number)] as number));
      }
      return { accuracy: correct / truth.length, loss: loss / truth.length };
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  /** Weights and optimizer state. */
  async save(): Promise<Uint8Array> {
    const weights = this.model.getWeights().map((t, i) => ({ name: `w${i}`, shape: t.shape as number[], data: t.dataSync() as Float32Array }));
    const opt = (await this.optimizer.getWeights()).map((w) => ({
      name: w.name,
      shape: w.tensor.shape as number[],
      data: w.tensor.dataSync() as Float32Array,
    }));
    return encode(weights, opt);
  }

  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
  }
}

function checkSpec(spec: MlpSpec): void {
  if (!Number.isSafeInteger(spec.inputs) || spec.inputs < 1)
    throw new InvalidArgumentError(`inputs must be a positive integer, got ${spec.inputs}`, ['inputs']);
  if (!Number.isSafeInteger(spec.classes) || spec.classes < 2)
    throw new InvalidArgumentError(`classes must be an integer ≥ 2, got ${spec.classes}`, ['classes']);
  for (const u of spec.hidden)
    if (!Number.isSafeInteger(u) || u < 1) throw new InvalidArgumentError(`hidden layer sizes must be positive integers, got ${u}`, ['hidden']);
}

function checkLr(lr: number): void {
  if (typeof lr !== 'number' || !(lr > 0) || !Number.isFinite(lr))
    throw new InvalidArgumentError(`the learning rate must be a positive number, got ${lr}`, ['lr']);
}

/** The dataset as tensors (rows in `order`, or as stored), labels one-hot. */
export function datasetTensors(tfjs: Tfjs, data: Dataset, order: readonly number[] | null): { xs: Tensor; ys: Tensor } {
  const n = data.x.length;
  const d = data.nFeatures;
  const k = data.nClasses;
  const xb = new Float32Array(n * d);
  const yb = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    const i = order === null ? r : (order[r] as number);
    xb.set(data.x[i] as Float32Array, r * d);
    yb[r * k + (data.y[i] as number)] = 1;
  }
  return { xs: tfjs.tf.tensor2d(xb, [n, d]), ys: tfjs.tf.tensor2d(yb, [n, k]) };
}

interface Stored {
  name: string;
  shape: number[];
  data: Float32Array;
}

function encode(weights: Stored[], optimizer: Stored[]): Uint8Array {
  const all = [...weights, ...optimizer];
  const header = JSON.stringify({ weights: weights.map((w) => [w.name, w.shape]), optimizer: optimizer.map((w) => [w.name, w.shape]) });
  const head = new TextEncoder().encode(`${MAGIC}${header}\n`);
  const pad = (4 - (head.length % 4)) % 4;
  const total = all.reduce((s, w) => s + w.data.length, 0);
  const out = new Uint8Array(head.length + pad + 4 * total);
  out.set(head, 0);
  out.fill(32, head.length, head.length + pad);
  const f = new Float32Array(out.buffer, head.length + pad, total);
  let off = 0;
  for (const w of all) {
    f.set(w.data, off);
    off += w.data.length;
  }
  return out;
}

function decode(bytes: Uint8Array): { weights: Stored[]; optimizer: Stored[] } {
  const text = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 65536)));
  if (!text.startsWith(MAGIC)) throw new InvalidArgumentError('not an MlpClassifier checkpoint (bad header)', ['checkpoint']);
  const nl = text.indexOf('\n', MAGIC.length);
  const header = JSON.parse(text.slice(MAGIC.length, nl)) as { weights: [string, number[]][]; optimizer: [string, number[]][] };
  const headLen = new TextEncoder().encode(text.slice(0, nl + 1)).length;
  let off = headLen + ((4 - (headLen % 4)) % 4);
  const copy = bytes.slice(off);
  off = 0;
  const floats = new Float32Array(copy.buffer, copy.byteOffset, copy.length / 4);
  const read = ([name, shape]: [string, number[]]): Stored => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = floats.slice(off, off + size);
    off += size;
    return { name, shape, data };
  };
  const weights = header.weights.map(read);
  const optimizer = header.optimizer.map(read);
  return { weights, optimizer };
}

/** Hyperparameters of the MLP PBT member: Adam's learning rate, and optionally the batch size. */
export interface MlpPbtParams {
  lr: number;
  batchSize?: number;
}

/**
 * A PBT member that trains an MlpClassifier one epoch per step and scores it
 * on the validation rows ('accuracy', maximize; or 'loss', minimize).
 * @example await runPbt({ study, member: mlpPbtMember(tfjs, { split, hidden: [32] }), space: { lr: { kind: 'float', low: 1e-4, high: 1e-1, log: true } }, … });
 */
export function mlpPbtMember<P extends MlpPbtParams>(
  tfjs: Tfjs,
  options: { split: Split; hidden: readonly number[]; activation?: 'relu' | 'tanh' | 'sigmoid'; batchSize?: number; score?: 'accuracy' | 'loss' },
): PbtMember<P, MlpClassifier> {
  const { split } = options;
  const spec = (seed: number): MlpSpec => ({
    inputs: split.train.nFeatures,
    classes: split.train.nClasses,
    hidden: options.hidden,
    ...(options.activation ? { activation: options.activation } : {}),
    seed,
  });
  const score = options.score ?? 'accuracy';
  return {
    init: (p, ctx) => MlpClassifier.create(tfjs, spec(ctx.seed), p.lr),
    load: (bytes, p, ctx) => MlpClassifier.load(tfjs, spec(ctx.seed), bytes as Uint8Array, p.lr),
    async step(net, p, ctx) {
      await net.fitEpoch(split.train, { batchSize: p.batchSize ?? options.batchSize ?? 32, seed: ctx.seed });
      const e = net.evaluate(split.validation);
      return score === 'accuracy' ? e.accuracy : e.loss;
    },
    save: (net) => net.save(),
    dispose: (net) => net.dispose(),
  };
}
