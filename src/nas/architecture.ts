/**
 * The NAS vocabulary: an architecture is plain data (JSON), drawn
 * define-by-run from a trial. Parameter names are stable and hierarchical —
 * `family`, then `conv.nBlocks`, `conv.block0.filters`, `conv.block0.kernel`,
 * … or `dense.nBlocks`, `dense.block1.units`, …, then `optimizer`, `lr`,
 * `sgd.momentum` — so a parameter exists exactly when its branch is taken and
 * samplers that group conditional branches (TPE) model each one.
 *
 * Every choice builds: convolutions pad 'same', pooling pads 'same' (a 1×1 map
 * stays 1×1), a residual add whose shapes differ goes through a projection (a
 * 1×1 convolution or a linear dense layer, as ResNet's projection shortcut),
 * and concatenation joins along the channel/feature axis.
 */
import { InvalidArgumentError } from '../errors.js';
import type { ParamValue } from '../space/distributions.js';

export type NasActivation = 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'selu' | 'swish';
export type NasNorm = 'none' | 'batch' | 'layer';
/** 'add': residual sum with the block's input (projected when shapes differ); 'concat': the input joined to the output. */
export type NasSkip = 'none' | 'add' | 'concat';
export type NasFamily = 'dense' | 'conv';
export type NasOptimizerKind = 'adam' | 'sgd' | 'rmsprop';

export interface DenseBlock {
  readonly kind: 'dense';
  readonly units: number;
  readonly activation: NasActivation;
  readonly norm: NasNorm;
  readonly dropout: number;
  readonly skip: NasSkip;
}

export interface ConvBlock {
  readonly kind: 'conv';
  readonly filters: number;
  readonly kernelSize: number;
  readonly activation: NasActivation;
  readonly norm: NasNorm;
  readonly dropout: number;
  readonly skip: NasSkip;
  /** 2×2 max pooling after the block ('same' padding). */
  readonly pool: 'none' | 'max';
}

export type NasBlock = DenseBlock | ConvBlock;

export type NasOptimizer =
  | { readonly kind: 'adam'; readonly lr: number }
  | { readonly kind: 'sgd'; readonly lr: number; readonly momentum: number }
  | { readonly kind: 'rmsprop'; readonly lr: number };

export interface Architecture {
  readonly family: NasFamily;
  readonly blocks: readonly NasBlock[];
  /** How convolutional features reach the classifier: flattened, or global average pooling. Always 'flatten' for dense. */
  readonly head: 'flatten' | 'gap';
  readonly optimizer: NasOptimizer;
  /** Set when the space searches the batch size. */
  readonly batchSize?: number;
}

/** What the search may choose from; every list must be non-empty. Defaults in brackets. */
export interface NasSpaceOptions {
  /** Block families ['dense', 'conv'] ('conv' only when the input has an image shape). */
  readonly families?: readonly NasFamily[];
  /** Number of blocks, [1, 3]. */
  readonly blocks?: readonly [number, number];
  /** Units of a dense block, log-uniform integers in [8, 128]. */
  readonly units?: readonly [number, number];
  /** Filters of a convolutional block, log-uniform integers in [4, 32]. */
  readonly filters?: readonly [number, number];
  /** Convolution kernel sizes [1, 3, 5]. */
  readonly kernelSizes?: readonly number[];
  /** Activations ['relu', 'elu', 'tanh']. */
  readonly activations?: readonly NasActivation[];
  /** Normalizations of dense blocks ['none', 'batch', 'layer']. */
  readonly norms?: readonly NasNorm[];
  /**
   * Normalizations of convolutional blocks ['none', 'batch']: tfjs-layers'
   * layer normalization over feature maps costs seconds per batch, so it is
   * left out unless asked for.
   */
  readonly convNorms?: readonly NasNorm[];
  /** Dropout rates, uniform in [0, maxDropout] (0.5); 0 drops the parameter. */
  readonly maxDropout?: number;
  /** Skip connections ['none', 'add', 'concat']. */
  readonly skips?: readonly NasSkip[];
  /** Pooling after convolutional blocks ['none', 'max']. */
  readonly pools?: readonly ('none' | 'max')[];
  /** Convolutional heads ['flatten', 'gap']. */
  readonly heads?: readonly ('flatten' | 'gap')[];
  /** Optimizers ['adam', 'sgd', 'rmsprop']. */
  readonly optimizers?: readonly NasOptimizerKind[];
  /** Learning rate, log-uniform in [1e-4, 3e-2]. */
  readonly lr?: readonly [number, number];
  /** Momentum of SGD, uniform in [0, 0.95]. */
  readonly momentum?: readonly [number, number];
  /** Batch sizes to search (default: not searched). */
  readonly batchSizes?: readonly number[];
}

/** What `suggestArchitecture` needs of a trial: the three suggest methods. */
export interface ParamSource {
  suggestInt(name: string, low: number, high: number, options?: { log?: boolean }): number;
  suggestFloat(name: string, low: number, high: number, options?: { log?: boolean }): number;
  suggestCategorical<const T extends ParamValue>(name: string, choices: readonly T[]): T;
}

function nonEmpty<T>(list: readonly T[] | undefined, fallback: readonly NoInfer<T>[], name: string): readonly T[] {
  const l = list ?? fallback;
  if (!Array.isArray(l) || l.length === 0) throw new InvalidArgumentError(`space.${name} must be a non-empty array`, ['space', name]);
  return l;
}

function range(r: readonly [number, number] | undefined, fallback: readonly [number, number], name: string, integer: boolean): readonly [number, number] {
  const [lo, hi] = r ?? fallback;
  const ok = typeof lo === 'number' && typeof hi === 'number' && lo > 0 && lo <= hi && (!integer || (Number.isSafeInteger(lo) && Number.isSafeInteger(hi)));
  if (!ok)
    throw new InvalidArgumentError(`space.${name} must be [low, high] with 0 < low <= high${integer ? ', integers' : ''}, got ${JSON.stringify(r)}`, [
      'space',
      name,
    ]);
  return [lo, hi];
}

/**
 * Draws an architecture from the trial, define-by-run.
 * `imageShape` ([height, width, channels]) enables convolutional blocks.
 * @example const arch = suggestArchitecture(trial, { imageShape: [8, 8, 1], space: { blocks: [1, 2] } });
 */
export function suggestArchitecture(trial: ParamSource, options: { imageShape?: readonly number[]; space?: NasSpaceOptions } = {}): Architecture {
  const s = options.space ?? {};
  const canConv = options.imageShape !== undefined;
  const families = nonEmpty(s.families, canConv ? ['dense', 'conv'] : ['dense'], 'families');
  if (!canConv && families.includes('conv')) {
    throw new InvalidArgumentError(
      "convolutional blocks need the input's imageShape (for example [8, 8, 1]); pass imageShape or set space.families to ['dense']",
      ['imageShape'],
    );
  }
  const [minBlocks, maxBlocks] = range(s.blocks, [1, 3], 'blocks', true);
  const activations = nonEmpty(s.activations, ['relu', 'elu', 'tanh'], 'activations');
  const norms = nonEmpty(s.norms, ['none', 'batch', 'layer'], 'norms');
  const convNorms = nonEmpty(s.convNorms, ['none', 'batch'], 'convNorms');
  const skips = nonEmpty(s.skips, ['none', 'add', 'concat'], 'skips');
  const maxDropout = s.maxDropout ?? 0.5;
  if (!(maxDropout >= 0 && maxDropout < 1)) throw new InvalidArgumentError(`space.maxDropout must be in [0, 1), got ${maxDropout}`, ['space', 'maxDropout']);

  const family = trial.suggestCategorical('family', families);
  const nBlocks = trial.suggestInt(`${family}.nBlocks`, minBlocks, maxBlocks);
  const blocks: NasBlock[] = [];
  for (let i = 0; i < nBlocks; i++) {
    const p = `${family}.block${i}`;
    const common = () => ({
      activation: trial.suggestCategorical(`${p}.activation`, activations),
      norm: trial.suggestCategorical(`${p}.norm`, family === 'conv' ? convNorms : norms),
      dropout: maxDropout > 0 ? trial.suggestFloat(`${p}.dropout`, 0, maxDropout) : 0,
      skip: trial.suggestCategorical(`${p}.skip`, skips),
    });
    if (family === 'dense') {
      const [lo, hi] = range(s.units, [8, 128], 'units', true);
      const units = trial.suggestInt(`${p}.units`, lo, hi, { log: true });
      blocks.push({ kind: 'dense', units, ...common() });
    } else {
      const [lo, hi] = range(s.filters, [4, 32], 'filters', true);
      const filters = trial.suggestInt(`${p}.filters`, lo, hi, { log: true });
      const kernels = nonEmpty(s.kernelSizes, [1, 3, 5], 'kernelSizes');
      if (kernels.some((k) => !Number.isSafeInteger(k) || k < 1))
        throw new InvalidArgumentError('space.kernelSizes must be positive integers', ['space', 'kernelSizes']);
      const kernelSize = trial.suggestCategorical(`${p}.kernel`, kernels);
      const c = common();
      const pool = trial.suggestCategorical(`${p}.pool`, nonEmpty(s.pools, ['none', 'max'], 'pools'));
      blocks.push({ kind: 'conv', filters, kernelSize, ...c, pool });
    }
  }
  const head = family === 'conv' ? trial.suggestCategorical('conv.head', nonEmpty(s.heads, ['flatten', 'gap'], 'heads')) : 'flatten';
  const kind = trial.suggestCategorical('optimizer', nonEmpty(s.optimizers, ['adam', 'sgd', 'rmsprop'], 'optimizers'));
  const [lrLo, lrHi] = range(s.lr, [1e-4, 3e-2], 'lr', false);
  const lr = trial.suggestFloat('lr', lrLo, lrHi, { log: true });
  let optimizer: NasOptimizer;
  if (kind === 'sgd') {
    const [mLo, mHi] = s.momentum ?? [0, 0.95];
    if (!(mLo >= 0 && mLo <= mHi && mHi < 1))
      throw new InvalidArgumentError(`space.momentum must be [low, high] within [0, 1), got ${JSON.stringify(s.momentum)}`, ['space', 'momentum']);
    optimizer = { kind, lr, momentum: trial.suggestFloat('sgd.momentum', mLo, mHi) };
  } else optimizer = { kind, lr };
  const arch: Architecture = { family, blocks, head, optimizer };
  if (s.batchSizes !== undefined) return { ...arch, batchSize: trial.suggestCategorical('batchSize', nonEmpty(s.batchSizes, [32], 'batchSizes')) };
  return arch;
}

/**
 * The architecture a finished trial's parameters describe (for example the
 * best trial's), with the same space options it was searched with.
 * @example const arch = architectureFromParams((await study.bestTrial()).params, { imageShape: [8, 8, 1] });
 */
export function architectureFromParams(
  params: Readonly<Record<string, ParamValue>>,
  options: { imageShape?: readonly number[]; space?: NasSpaceOptions } = {},
): Architecture {
  const take = (name: string): ParamValue => {
    if (!Object.hasOwn(params, name)) {
      throw new InvalidArgumentError(`the parameters have no ${JSON.stringify(name)}; pass the params of a trial searched with the same space options`, [name]);
    }
    return params[name] as ParamValue;
  };
  const source: ParamSource = {
    suggestInt: (name) => take(name) as number,
    suggestFloat: (name) => take(name) as number,
    suggestCategorical: <const T extends ParamValue>(name: string, choices: readonly T[]): T => {
      const v = take(name);
      if (!choices.some((c) => c === v)) throw new InvalidArgumentError(`${name}=${JSON.stringify(v)} is not one of ${JSON.stringify(choices)}`, [name]);
      return v as T;
    },
  };
  return suggestArchitecture(source, options);
}

/** A short human-readable description, e.g. "conv[16k3 bn relu +add pool, 8k5] gap adam lr=0.003". */
export function describeArchitecture(a: Architecture): string {
  const blocks = a.blocks.map((b) => {
    const parts = [b.kind === 'conv' ? `${b.filters}k${b.kernelSize}` : `${b.units}`];
    if (b.norm !== 'none') parts.push(b.norm === 'batch' ? 'bn' : 'ln');
    parts.push(b.activation);
    if (b.skip !== 'none') parts.push(`+${b.skip}`);
    if (b.kind === 'conv' && b.pool === 'max') parts.push('pool');
    if (b.dropout > 0) parts.push(`do${b.dropout.toFixed(2)}`);
    return parts.join(' ');
  });
  const opt = a.optimizer.kind === 'sgd' ? `sgd(m=${a.optimizer.momentum.toFixed(2)})` : a.optimizer.kind;
  return `${a.family}[${blocks.join(', ')}]${a.family === 'conv' ? ` ${a.head}` : ''} ${opt} lr=${a.optimizer.lr.toPrecision(2)}`;
}
