/**
 * The model families automl searches, their default configurations (one
 * table, also meant for a baselines registry), and the conditional search
 * space: `family` is a categorical parameter and each family's own
 * parameters are named `<family>.<param>`, so they exist only in the trials
 * of that family (TPE models such conditional spaces per group).
 */
import type { ParamValue } from '../space/distributions.js';
import type { Trial } from '../study/trial.js';
import { gbdtFamily } from './models/gbdt.js';
import { knnFamily } from './models/knn.js';
import { linearFamily } from './models/linear.js';
import { mlpFamily } from './models/mlp.js';
import { FAMILY_NAMES, type FamilyName, type ModelFamily, type ModelParams, type Task } from './models/model.js';
import { naiveBayesFamily } from './models/naive-bayes.js';
import { svmFamily } from './models/svm.js';
import { decisionTreeFamily, randomForestFamily, UNLIMITED_DEPTH } from './models/tree-models.js';

export const MODEL_FAMILIES: Readonly<Record<FamilyName, ModelFamily>> = {
  gbdt: gbdtFamily,
  random_forest: randomForestFamily,
  decision_tree: decisionTreeFamily,
  knn: knnFamily,
  linear: linearFamily,
  naive_bayes: naiveBayesFamily,
  svm: svmFamily,
  mlp: mlpFamily,
};

export type ImputeChoice = 'mean' | 'median' | 'knn';
/** The imputations searched when the data has missing values (without any, imputation does nothing and only 'mean' is offered). */
export const IMPUTE_CHOICES: readonly ImputeChoice[] = ['mean', 'median', 'knn'];

/** One pipeline configuration: the family, its parameters (unprefixed), the imputation. */
export interface PipelineConfig {
  readonly family: FamilyName;
  readonly impute: ImputeChoice;
  readonly params: ModelParams;
}

/**
 * Each family's default configuration per task: the library's own defaults
 * where it has them (scikit-learn's or XGBoost's otherwise; the forest and
 * the tree are scikit-learn's RandomForest* and DecisionTree* defaults, an
 * unlimited depth being UNLIMITED_DEPTH); logistic regression is scikit-learn's
 * lbfgs with C = 1 and max_iter = 100).
 */
export const DEFAULT_CONFIGS: Readonly<Record<FamilyName, Partial<Record<Task, ModelParams>>>> = {
  gbdt: {
    classification: { nRounds: 100, learningRate: 0.1, maxDepth: 6, minChildWeight: 1, lambda: 1, subsample: 1, colsample: 1 },
    regression: { nRounds: 100, learningRate: 0.1, maxDepth: 6, minChildWeight: 1, lambda: 1, subsample: 1, colsample: 1 },
  },
  random_forest: {
    classification: {
      nEstimators: 100,
      splitter: 'best',
      maxFeatures: 'sqrt',
      maxDepth: UNLIMITED_DEPTH,
      minSamplesLeaf: 1,
      bootstrap: true,
      criterion: 'gini',
    },
    regression: { nEstimators: 100, splitter: 'best', maxFeatures: '1', maxDepth: UNLIMITED_DEPTH, minSamplesLeaf: 1, bootstrap: true },
  },
  decision_tree: {
    classification: { maxDepth: UNLIMITED_DEPTH, minSamplesLeaf: 1, criterion: 'gini' },
    regression: { maxDepth: UNLIMITED_DEPTH, minSamplesLeaf: 1 },
  },
  knn: {
    classification: { k: 5, weights: 'uniform' },
    regression: { k: 5, weights: 'uniform' },
  },
  linear: {
    classification: { C: 1 },
    regression: { alpha: 1 },
  },
  naive_bayes: {
    classification: { varSmoothing: 1e-9 },
  },
  svm: {
    classification: { kernel: 'rbf', cost: 1, gammaScale: 1 },
    regression: { kernel: 'rbf', cost: 1, gammaScale: 1, epsilon: 0.1 },
  },
  mlp: {
    classification: { layers: 1, units: 100, activation: 'relu', learningRate: 1e-3, epochs: 50, batchSize: 32 },
    regression: { layers: 1, units: 100, activation: 'relu', learningRate: 1e-3, epochs: 50, batchSize: 32 },
  },
};

/**
 * A portfolio tried right after the defaults, as auto-sklearn 2.0 and FLAML
 * start from configurations that did well across many datasets: per task,
 * strong alternatives to the defaults (extra-trees, a wider and a softer
 * SVM, weaker and stronger penalties, a slower boosting, distance-weighted
 * neighbours), cheapest first. Every value lies in its family's space.
 */
export const PORTFOLIO_CONFIGS: Readonly<Record<Task, readonly { readonly family: FamilyName; readonly params: ModelParams }[]>> = {
  classification: [
    { family: 'linear', params: { C: 0.1 } },
    { family: 'knn', params: { k: 10, weights: 'distance' } },
    {
      family: 'random_forest',
      params: { nEstimators: 200, splitter: 'random', maxFeatures: 'sqrt', maxDepth: UNLIMITED_DEPTH, minSamplesLeaf: 1, bootstrap: false, criterion: 'gini' },
    },
    { family: 'svm', params: { kernel: 'rbf', cost: 10, gammaScale: 1 } },
    { family: 'linear', params: { C: 10 } },
    { family: 'svm', params: { kernel: 'rbf', cost: 100, gammaScale: 0.3 } },
    { family: 'gbdt', params: { nRounds: 200, learningRate: 0.05, maxDepth: 4, minChildWeight: 1, lambda: 1, subsample: 0.8, colsample: 0.8 } },
  ],
  regression: [
    { family: 'linear', params: { alpha: 10 } },
    { family: 'knn', params: { k: 15, weights: 'distance' } },
    {
      family: 'random_forest',
      params: { nEstimators: 200, splitter: 'random', maxFeatures: '1', maxDepth: UNLIMITED_DEPTH, minSamplesLeaf: 5, bootstrap: false },
    },
    {
      family: 'random_forest',
      params: { nEstimators: 200, splitter: 'best', maxFeatures: '0.5', maxDepth: UNLIMITED_DEPTH, minSamplesLeaf: 5, bootstrap: true },
    },
    { family: 'svm', params: { kernel: 'rbf', cost: 10, gammaScale: 0.3, epsilon: 0.1 } },
    { family: 'gbdt', params: { nRounds: 200, learningRate: 0.03, maxDepth: 3, minChildWeight: 5, lambda: 1, subsample: 0.8, colsample: 0.8 } },
    { family: 'svm', params: { kernel: 'linear', cost: 0.1, gammaScale: 1, epsilon: 0.3 } },
  ],
};

/** The portfolio configurations of `task` among `families`. */
export function portfolioConfigs(task: Task, families: readonly FamilyName[]): PipelineConfig[] {
  return PORTFOLIO_CONFIGS[task].filter((c) => families.includes(c.family)).map((c) => ({ family: c.family, impute: 'mean', params: c.params }));
}

/** Families that can learn `task`, in table order. */
export function familiesFor(task: Task): FamilyName[] {
  return FAMILY_NAMES.filter((f) => MODEL_FAMILIES[f].tasks.includes(task));
}

/** The default configuration of a family, or undefined when it does not do `task`. */
export function defaultConfig(family: FamilyName, task: Task): PipelineConfig | undefined {
  const params = DEFAULT_CONFIGS[family][task];
  return params === undefined ? undefined : { family, impute: 'mean', params };
}

/** The flat trial parameters of a configuration (for enqueueTrial). */
export function toTrialParams(config: PipelineConfig): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = { family: config.family, impute: config.impute };
  for (const [k, v] of Object.entries(config.params)) out[`${config.family}.${k}`] = v;
  return out;
}

/** Samples a pipeline configuration in a trial: family first, then that family's space. */
export function suggestPipeline(
  trial: Pick<Trial, 'suggestCategorical' | 'suggestFloat' | 'suggestInt'>,
  task: Task,
  families: readonly FamilyName[],
  imputeChoices: readonly ImputeChoice[] = IMPUTE_CHOICES,
): PipelineConfig {
  const family = trial.suggestCategorical('family', families) as FamilyName;
  const impute = trial.suggestCategorical('impute', imputeChoices) as ImputeChoice;
  const params: Record<string, ParamValue> = {};
  for (const h of MODEL_FAMILIES[family].space(task)) {
    const name = `${family}.${h.name}`;
    if (h.kind === 'int') params[h.name] = trial.suggestInt(name, h.low, h.high, { log: h.log ?? false });
    else if (h.kind === 'float') params[h.name] = trial.suggestFloat(name, h.low, h.high, { log: h.log ?? false });
    else params[h.name] = trial.suggestCategorical(name, h.choices);
  }
  return { family, impute, params };
}
