/**
 * Established baselines: named, versioned configurations that a study can
 * start from (enqueued first) and that every report compares the best trial
 * against. `adam-default@1` always means the same values; a changed
 * configuration gets a new version, so a study's record of which baseline it
 * ran stays meaningful.
 */
import { InvalidArgumentError } from '../errors.js';
import { contains, type Distribution, type ParamValue, type SearchSpace, validateName } from '../space/distributions.js';

export interface Baseline {
  /** Lowercase words joined by '-', e.g. 'adam-default'. */
  readonly name: string;
  /** A positive integer; a new version for any change of values. */
  readonly version: number;
  /** Model family or training set-up it belongs to, e.g. 'optimizer', 'random-forest'. */
  readonly family: string;
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Where the values come from (library default, paper). */
  readonly source: string;
  readonly description?: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9._-]*$/;

const BUILTIN: readonly Baseline[] = [
  {
    name: 'adam-default',
    version: 1,
    family: 'optimizer',
    params: { optimizer: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
    source: 'Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization", Algorithm 1 defaults; tf.train.adam / torch.optim.Adam defaults',
  },
  {
    name: 'sgd-momentum',
    version: 1,
    family: 'optimizer',
    params: { optimizer: 'sgd', lr: 0.01, momentum: 0.9 },
    source: 'Sutskever et al. 2013, "On the importance of initialization and momentum in deep learning" (μ = 0.9); Keras SGD default lr 0.01',
  },
  {
    name: 'rmsprop-default',
    version: 1,
    family: 'optimizer',
    params: { optimizer: 'rmsprop', lr: 1e-3, rho: 0.9, epsilon: 1e-7 },
    source: 'Hinton, Coursera lecture 6e (decay 0.9); Keras RMSprop defaults',
  },
  {
    name: 'adamw-default',
    version: 1,
    family: 'optimizer',
    params: { optimizer: 'adamw', lr: 1e-3, beta1: 0.9, beta2: 0.999, weightDecay: 0.01 },
    source: 'Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization"; torch.optim.AdamW defaults',
  },
  {
    name: 'mlp-small',
    version: 1,
    family: 'tfjs-mlp',
    params: { layers: 1, units: 64, activation: 'relu', dropout: 0, optimizer: 'adam', lr: 1e-3, batchSize: 32, epochs: 20 },
    source: 'A one-hidden-layer ReLU MLP with Adam at its defaults, the common first model in the TensorFlow.js and Keras tutorials',
  },
  {
    name: 'mlp-sklearn-default',
    version: 1,
    family: 'tfjs-mlp',
    params: { layers: 1, units: 100, activation: 'relu', alpha: 1e-4, optimizer: 'adam', lr: 1e-3, batchSize: 200, epochs: 200 },
    source: 'scikit-learn 1.5 MLPClassifier defaults (hidden_layer_sizes=(100,), alpha=1e-4, learning_rate_init=1e-3, batch_size=min(200, n), max_iter=200)',
  },
  {
    name: 'mlp-two-layer-dropout',
    version: 1,
    family: 'tfjs-mlp',
    params: { layers: 2, units: 128, activation: 'relu', dropout: 0.2, optimizer: 'adam', lr: 1e-3, batchSize: 32, epochs: 20 },
    source: 'Two 128-unit ReLU layers with dropout 0.2 and Adam: the Keras "Basic classification" tutorial set-up',
  },
  {
    name: 'random-forest-sklearn',
    version: 1,
    family: 'random-forest',
    params: { model: 'random-forest', nEstimators: 100, maxFeatures: 'sqrt', maxDepth: null, minSamplesSplit: 2, minSamplesLeaf: 1, bootstrap: true },
    source: 'scikit-learn 1.5 RandomForestClassifier defaults (n_estimators=100, max_features="sqrt", max_depth=None)',
  },
  {
    name: 'decision-tree-sklearn',
    version: 1,
    family: 'decision-tree',
    params: { model: 'decision-tree', maxDepth: null, minSamplesSplit: 2, minSamplesLeaf: 1, criterion: 'gini' },
    source: 'scikit-learn 1.5 DecisionTreeClassifier defaults',
  },
  {
    name: 'xgboost-default',
    version: 1,
    family: 'gradient-boosting',
    params: { model: 'gbdt', nEstimators: 100, learningRate: 0.3, maxDepth: 6, minChildWeight: 1, subsample: 1, colsampleByTree: 1, lambda: 1, alpha: 0 },
    source: 'XGBoost 2.x parameter defaults (eta=0.3, max_depth=6, min_child_weight=1, lambda=1); n_estimators=100 as in xgboost.XGBClassifier',
  },
  {
    name: 'lightgbm-default',
    version: 1,
    family: 'gradient-boosting',
    params: { model: 'gbdt', nEstimators: 100, learningRate: 0.1, numLeaves: 31, minChildSamples: 20, subsample: 1, colsampleByTree: 1, lambda: 0 },
    source: 'LightGBM 4.x parameter defaults (learning_rate=0.1, num_leaves=31, min_data_in_leaf=20, num_iterations=100)',
  },
  {
    name: 'svm-rbf-default',
    version: 1,
    family: 'svm',
    params: { model: 'svm', kernel: 'rbf', C: 1, gamma: 'scale' },
    source: 'scikit-learn 1.5 SVC defaults (C=1, kernel="rbf", gamma="scale" = 1/(n_features·Var X))',
  },
  {
    name: 'knn-default',
    version: 1,
    family: 'knn',
    params: { model: 'knn', k: 5, weights: 'uniform', metric: 'euclidean' },
    source: 'scikit-learn 1.5 KNeighborsClassifier defaults (n_neighbors=5, weights="uniform", Minkowski p=2)',
  },
  {
    name: 'logistic-regression-default',
    version: 1,
    family: 'logistic-regression',
    params: { model: 'logistic-regression', C: 1, penalty: 'l2', maxIter: 100 },
    source: 'scikit-learn 1.5 LogisticRegression defaults (C=1, penalty="l2", max_iter=100)',
  },
  {
    name: 'naive-bayes-default',
    version: 1,
    family: 'naive-bayes',
    params: { model: 'naive-bayes', varSmoothing: 1e-9 },
    source: 'scikit-learn 1.5 GaussianNB defaults (var_smoothing=1e-9)',
  },
];

const registry = new Map<string, Map<number, Baseline>>();
for (const b of BUILTIN) add(b, false);

function add(b: Baseline, replace: boolean): Baseline {
  const byVersion = registry.get(b.name) ?? new Map<number, Baseline>();
  const existing = byVersion.get(b.version);
  if (existing !== undefined && !replace && JSON.stringify(existing) !== JSON.stringify(b)) {
    throw new InvalidArgumentError(
      `baseline ${b.name}@${b.version} is already registered with other values; register a new version (${b.name}@${latestVersion(byVersion) + 1}) instead of changing this one`,
      ['version'],
    );
  }
  const frozen = Object.freeze({ ...b, params: Object.freeze({ ...b.params }) });
  byVersion.set(b.version, frozen);
  registry.set(b.name, byVersion);
  return frozen;
}

function latestVersion(m: Map<number, Baseline>): number {
  let v = 0;
  for (const k of m.keys()) v = Math.max(v, k);
  return v;
}

/**
 * Adds a user baseline. Registering the same name and version again with the
 * same values is a no-op; with other values it is an error (make a new version).
 * @example registerBaseline({ name: 'my-cnn', version: 1, family: 'tfjs-cnn', params: { lr: 3e-4 }, source: 'team wiki, 2025-06' })
 */
export function registerBaseline(b: Baseline): Baseline {
  if (b === null || typeof b !== 'object') throw new InvalidArgumentError('registerBaseline() takes { name, version, family, params, source }');
  if (typeof b.name !== 'string' || !NAME_RE.test(b.name)) {
    throw new InvalidArgumentError(`baseline name ${JSON.stringify(b.name)} must be lowercase letters, digits, '.', '_' or '-' (e.g. 'my-cnn')`, ['name']);
  }
  if (!Number.isSafeInteger(b.version) || b.version < 1) {
    throw new InvalidArgumentError(`baseline ${b.name}: version must be a positive integer, got ${String(b.version)}`, ['version']);
  }
  if (typeof b.family !== 'string' || b.family.length === 0)
    throw new InvalidArgumentError(`baseline ${b.name}: family must be a non-empty string`, ['family']);
  if (typeof b.source !== 'string' || b.source.trim().length === 0) {
    throw new InvalidArgumentError(`baseline ${b.name}: give a source (where the values come from: a library default, a paper, a report)`, ['source']);
  }
  if (b.params === null || typeof b.params !== 'object' || Array.isArray(b.params) || Object.keys(b.params).length === 0) {
    throw new InvalidArgumentError(`baseline ${b.name}: params must be a non-empty object of parameter values`, ['params']);
  }
  for (const [k, v] of Object.entries(b.params)) {
    validateName(k, 'parameter name');
    const ok = v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
    if (!ok)
      throw new InvalidArgumentError(`baseline ${b.name}: parameter ${JSON.stringify(k)} = ${String(v)} is not a finite number, string, boolean or null`, [
        'params',
        k,
      ]);
  }
  return add(b, false);
}

/** Parses 'name@3' or 'name' (the latest version). */
export function parseBaselineRef(ref: string): { name: string; version: number | null } {
  if (typeof ref !== 'string') throw new InvalidArgumentError(`a baseline reference is a string like 'adam-default@1', got ${String(ref)}`);
  const m = /^([^@\s]+)(?:@(\d+))?$/.exec(ref.trim());
  if (m === null) throw new InvalidArgumentError(`${JSON.stringify(ref)} is not a baseline reference; write 'name@version', e.g. 'adam-default@1'`);
  return { name: m[1] as string, version: m[2] === undefined ? null : Number(m[2]) };
}

/**
 * The baseline `name@version` (or the latest version of `name`).
 * @example getBaseline('adam-default@1').params.lr // 0.001
 */
export function getBaseline(ref: string): Baseline {
  const { name, version } = parseBaselineRef(ref);
  const byVersion = registry.get(name);
  if (byVersion === undefined) {
    const known = [...registry.keys()].sort().join(', ');
    throw new InvalidArgumentError(`no baseline named ${JSON.stringify(name)}; known: ${known}. Add your own with registerBaseline()`);
  }
  const v = version ?? latestVersion(byVersion);
  const b = byVersion.get(v);
  if (b === undefined) {
    throw new InvalidArgumentError(`baseline ${name} has no version ${v}; versions: ${[...byVersion.keys()].sort((a, c) => a - c).join(', ')}`);
  }
  return b;
}

/** Every registered baseline (all versions), optionally of one family, sorted by name and version. */
export function listBaselines(options: { family?: string } = {}): Baseline[] {
  const out: Baseline[] = [];
  for (const byVersion of registry.values()) for (const b of byVersion.values()) if (options.family === undefined || b.family === options.family) out.push(b);
  return out.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
}

/** `name@version` of a baseline. */
export function baselineRef(b: Baseline): string {
  return `${b.name}@${b.version}`;
}

export interface BaselineFitOptions {
  /** Study parameter name per baseline parameter name (e.g. { lr: 'learning_rate' }). */
  readonly rename?: Readonly<Record<string, string>>;
  /**
   * What to do with a value outside the space: 'error' (default) or 'map'
   * (clip a number into the range and snap it to the step or log grid; a
   * categorical value that is not a choice is still an error).
   */
  readonly outOfRange?: 'error' | 'map';
  /**
   * Baseline parameters the space lacks: 'drop' (default; a baseline for a
   * bigger set-up fits a smaller space) or 'error'.
   */
  readonly extra?: 'drop' | 'error';
}

/**
 * The baseline's values as the study's space names and allows them. Space
 * parameters the baseline lacks are left to the sampler (the trial suggests them).
 */
export function fitBaselineToSpace(b: Baseline, space: SearchSpace, options: BaselineFitOptions = {}): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  const ref = baselineRef(b);
  for (const [k0, v] of Object.entries(b.params)) {
    const k = options.rename?.[k0] ?? k0;
    const d = space[k];
    if (d === undefined) {
      if (options.extra === 'error') {
        throw new InvalidArgumentError(
          `baseline ${ref}: parameter ${JSON.stringify(k)} is not in the study's space (${Object.keys(space).join(', ')}); rename it with { rename: { ${k0}: '…' } } or drop it`,
          [k],
        );
      }
      continue;
    }
    out[k] = fitValue(ref, k, d, v, options.outOfRange ?? 'error');
  }
  return out;
}

function fitValue(ref: string, k: string, d: Distribution, v: ParamValue, mode: 'error' | 'map'): ParamValue {
  if (contains(d, v)) return v;
  if (d.kind === 'categorical') {
    throw new InvalidArgumentError(
      `baseline ${ref}: ${k} = ${JSON.stringify(v)} is not one of the choices ${JSON.stringify(d.choices)}; add it to the choices or rename the parameter`,
      [k],
    );
  }
  if (typeof v !== 'number') {
    throw new InvalidArgumentError(`baseline ${ref}: ${k} = ${JSON.stringify(v)} is not a number, but the space's ${k} is ${d.kind} in [${d.low}, ${d.high}]`, [
      k,
    ]);
  }
  if (mode === 'error') {
    throw new InvalidArgumentError(
      `baseline ${ref}: ${k} = ${v} is outside the space's ${d.kind} range [${d.low}, ${d.high}]${d.step !== null ? ` step ${d.step}` : ''}; widen the range, or pass { outOfRange: 'map' } to clip it`,
      [k],
    );
  }
  let x = Math.min(d.high, Math.max(d.low, v));
  if (d.step !== null) {
    x = d.low + Math.round((x - d.low) / d.step) * d.step;
    if (x > d.high) x -= d.step;
    x = Number(x.toPrecision(15));
  } else if (d.kind === 'int') {
    x = Math.round(x);
  }
  return x;
}
