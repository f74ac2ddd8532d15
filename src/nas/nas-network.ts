/**
 * An Architecture built as a tfjs-layers functional model and trained
 * reproducibly where tfjs allows it: seeded initializers and a seeded row
 * order per epoch (`fit` with `shuffle: false`). Dropout masks come from
 * tfjs's own generator (a seeded dropout layer would reuse one mask for
 * every batch), so runs with dropout differ slightly.
 *
 * Inputs are flat rows (a Dataset's Float32Arrays); convolutional
 * architectures reshape them to `imageShape` first.
 */
import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs-layers';
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../math/rng.js';
import type { Dataset } from '../tfjs/datasets.js';
import type { Tfjs } from '../tfjs/load-tfjs.js';
import { datasetTensors } from '../tfjs/mlp-classifier.js';
import { type Architecture, type NasBlock, type NasSpaceOptions, type ParamSource, suggestArchitecture } from './architecture.js';
import { ensureConv2dGradients } from './wasm-kernels.js';

type Optimizer = InstanceType<Tfjs['tf']['Optimizer']>;
type Tensor = ReturnType<Tfjs['tf']['tensor']>;

export interface NasInput {
  /** Features per row. */
  readonly inputs: number;
  /** [height, width, channels] with height·width·channels = inputs; needed by convolutional architectures. */
  readonly imageShape?: readonly number[];
  readonly nClasses: number;
  /** Seeds the initial weights. */
  readonly seed: number;
}

export interface NasEvaluation {
  readonly accuracy: number;
  /** Mean cross-entropy. */
  readonly loss: number;
}

/**
 * Number of weights of a tfjs-layers model: every weight (batch-norm moving
 * statistics included, as Keras's `count_params`), or only the trainable ones.
 * @example countParams(net.model) // 2410 for 64 → 32 → 10
 */
export function countParams(model: LayersModel, options: { trainableOnly?: boolean } = {}): number {
  const weights = options.trainableOnly ? model.trainableWeights : model.weights;
  let n = 0;
  for (const w of weights) n += w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
  return n;
}

export class NasNetwork {
  private constructor(
    private readonly tfjs: Tfjs,
    readonly architecture: Architecture,
    readonly model: LayersModel,
    private readonly optimizer: Optimizer,
    readonly nClasses: number,
  ) {}

  /**
   * Builds and compiles the model of `architecture`.
   * @example const net = NasNetwork.create(tfjs, arch, { inputs: 64, imageShape: [8, 8, 1], nClasses: 10, seed: 1 });
   */
  static create(tfjs: Tfjs, architecture: Architecture, input: NasInput): NasNetwork {
    const { tfl, tf } = tfjs;
    if (!Number.isSafeInteger(input.inputs) || input.inputs < 1)
      throw new InvalidArgumentError(`inputs must be a positive integer, got ${input.inputs}`, ['inputs']);
    if (!Number.isSafeInteger(input.nClasses) || input.nClasses < 2)
      throw new InvalidArgumentError(`nClasses must be an integer >= 2, got ${input.nClasses}`, ['nClasses']);
    if (architecture.family === 'conv') {
      const shape = input.imageShape;
      if (shape === undefined || shape.length !== 3 || shape.reduce((a, b) => a * b, 1) !== input.inputs) {
        throw new InvalidArgumentError(
          `a convolutional architecture needs imageShape [height, width, channels] whose product is inputs (${input.inputs}), got ${JSON.stringify(shape)}`,
          ['imageShape'],
        );
      }
    }
    ensureConv2dGradients(tfjs);
    let seed = input.seed >>> 0;
    const init = () => tfl.initializers.glorotUniform({ seed: seed++ });
    const x0 = tfl.input({ shape: [input.inputs] });
    let x: SymbolicTensor =
      architecture.family === 'conv' ? (tfl.layers.reshape({ targetShape: [...(input.imageShape as number[])] }).apply(x0) as SymbolicTensor) : x0;
    const channels = (t: SymbolicTensor): number => t.shape[t.shape.length - 1] as number;
    for (const block of architecture.blocks) {
      const from = x;
      let y = mainPath(tfjs, block, from, init);
      if (block.skip === 'add') {
        const width = block.kind === 'conv' ? block.filters : block.units;
        const shortcut =
          channels(from) === width
            ? from
            : block.kind === 'conv'
              ? (tfl.layers.conv2d({ filters: width, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init() }).apply(from) as SymbolicTensor)
              : (tfl.layers.dense({ units: width, useBias: false, kernelInitializer: init() }).apply(from) as SymbolicTensor);
        y = tfl.layers.add().apply([y, shortcut]) as SymbolicTensor;
      } else if (block.skip === 'concat') {
        y = tfl.layers.concatenate({ axis: -1 }).apply([y, from]) as SymbolicTensor;
      }
      if (block.kind === 'conv' && block.pool === 'max') y = tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same' }).apply(y) as SymbolicTensor;
      if (block.dropout > 0) y = tfl.layers.dropout({ rate: block.dropout }).apply(y) as SymbolicTensor;
      x = y;
    }
    if (architecture.family === 'conv') {
      x = (architecture.head === 'gap' ? tfl.layers.globalAveragePooling2d({}) : tfl.layers.flatten()).apply(x) as SymbolicTensor;
    }
    const out = tfl.layers.dense({ units: input.nClasses, activation: 'softmax', kernelInitializer: init() }).apply(x) as SymbolicTensor;
    const model = tfl.model({ inputs: x0, outputs: out });
    const o = architecture.optimizer;
    if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new InvalidArgumentError(`the learning rate must be a positive number, got ${o.lr}`, ['optimizer', 'lr']);
    const optimizer = o.kind === 'adam' ? tf.train.adam(o.lr) : o.kind === 'rmsprop' ? tf.train.rmsprop(o.lr) : tf.train.momentum(o.lr, o.momentum);
    model.compile({ optimizer, loss: 'categoricalCrossentropy' });
    return new NasNetwork(tfjs, architecture, model, optimizer, input.nClasses);
  }

  /** Weights of the model (see countParams). */
  countParams(options: { trainableOnly?: boolean } = {}): number {
    return countParams(this.model, options);
  }

  /** One pass over `data` in a seeded random order; returns the mean training loss. */
  async fitEpoch(data: Dataset, options: { batchSize: number; seed: number }): Promise<number> {
    const order = new Rng(options.seed).shuffled(data.x.map((_, i) => i));
    const { xs, ys } = datasetTensors(this.tfjs, data, order);
    try {
      const h = await this.model.fit(xs, ys, { epochs: 1, batchSize: options.batchSize, shuffle: false, verbose: 0 });
      return (h.history.loss?.[0] as number) ?? Number.NaN;
    } finally {
      this.tfjs.tf.dispose([xs, ys]);
    }
  }

  /** Accuracy and mean cross-entropy on `data` (inference mode: no dropout, batch-norm moving statistics). */
  evaluate(data: Dataset): NasEvaluation {
    const { tf } = this.tfjs;
    const { xs, ys } = datasetTensors(this.tfjs, data, null);
    try {
      const probs = tf.tidy(() => (this.model.predict(xs) as Tensor).dataSync());
      const k = this.nClasses;
      let correct = 0;
      let loss = 0;
      for (let i = 0; i < data.y.length; i++) {
        const truth = data.y[i] as number;
        let arg = 0;
        for (let c = 1; c < k; c++) if ((probs[i * k + c] as number) > (probs[i * k + arg] as number)) arg = c;
        if (arg === truth) correct++;
        const p = probs[i * k + truth] as number;
        loss -= Math.log(Number.isFinite(p) ? Math.max(1e-7, p) : 1e-7);
      }
      return { accuracy: correct / data.y.length, loss: loss / data.y.length };
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  /**
   * Inference time of one batch (`data`'s first `batchSize` rows, default
   * 256), in milliseconds: the median of `repeats` (5) timed predictions after
   * one warm-up. Wall-clock, so it varies with the machine's load.
   */
  measureLatency(data: Dataset, options: { batchSize?: number; repeats?: number } = {}): number {
    const { tf } = this.tfjs;
    const n = Math.min(data.x.length, options.batchSize ?? 256);
    const { xs, ys } = datasetTensors(this.tfjs, { ...data, x: data.x.slice(0, n), y: data.y.slice(0, n) }, null);
    try {
      const once = (): number => {
        const t0 = performance.now();
        tf.tidy(() => (this.model.predict(xs) as Tensor).dataSync());
        return performance.now() - t0;
      };
      once();
      const times = Array.from({ length: options.repeats ?? 5 }, once).sort((a, b) => a - b);
      return times[Math.floor(times.length / 2)] as number;
    } finally {
      tf.dispose([xs, ys]);
    }
  }

  /** Frees the weights and the optimizer's state. */
  dispose(): void {
    this.model.dispose();
    this.optimizer.dispose();
    // tfjs-core 4.22's MomentumOptimizer.dispose() skips its parent's, so the learning-rate scalar `c` would leak.
    const c = (this.optimizer as unknown as { c?: Tensor }).c;
    if (c !== undefined && !c.isDisposed) c.dispose();
  }
}

/**
 * Draws an architecture from the trial (define-by-run) and builds it: the
 * one-call form of `suggestArchitecture` + `NasNetwork.create`. The caller
 * disposes the network.
 * @example const net = buildModel(tfjs, trial, { inputs: 64, imageShape: [8, 8, 1], nClasses: 10, seed: trial.number });
 */
export function buildModel(tfjs: Tfjs, trial: ParamSource, options: NasInput & { readonly space?: NasSpaceOptions }): NasNetwork {
  const architecture = suggestArchitecture(trial, {
    ...(options.imageShape ? { imageShape: options.imageShape } : {}),
    ...(options.space ? { space: options.space } : {}),
  });
  return NasNetwork.create(tfjs, architecture, options);
}

function mainPath(tfjs: Tfjs, block: NasBlock, from: SymbolicTensor, init: () => ReturnType<Tfjs['tfl']['initializers']['glorotUniform']>): SymbolicTensor {
  const { tfl } = tfjs;
  let y =
    block.kind === 'conv'
      ? (tfl.layers.conv2d({ filters: block.filters, kernelSize: block.kernelSize, padding: 'same', kernelInitializer: init() }).apply(from) as SymbolicTensor)
      : (tfl.layers.dense({ units: block.units, kernelInitializer: init() }).apply(from) as SymbolicTensor);
  if (block.norm === 'batch') y = tfl.layers.batchNormalization({}).apply(y) as SymbolicTensor;
  else if (block.norm === 'layer') y = tfl.layers.layerNormalization({}).apply(y) as SymbolicTensor;
  return tfl.layers.activation({ activation: block.activation }).apply(y) as SymbolicTensor;
}
