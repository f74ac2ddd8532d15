/**
 * The random forest (with extra-trees as its 'random' splitter) and the
 * single decision tree families, both on the histogram trees of forest.ts.
 * Models saved before those existed hold ml-random-forest / ml-cart state;
 * `load` still reads them through those packages.
 */
import { InvalidArgumentError } from '../../errors.js';
import type * as CartModule from 'ml-cart';
import type * as RandomForestModule from 'ml-random-forest';
import { type ForestState, forestOutputs, trainForest } from './forest.js';
import {
  argmax,
  checkDeadline,
  cjsDefault,
  type FitContext,
  type FittedModel,
  type HyperParam,
  importOptional,
  type ModelFamily,
  type ModelParams,
  num,
  oneHot,
  str,
} from './model.js';

function isForestState(state: unknown): state is ForestState {
  return typeof state === 'object' && state !== null && (state as { kind?: unknown }).kind === 'histogram-forest';
}

function histogramModel(state: ForestState, ctx: FitContext): FittedModel {
  const K = state.nOutputs;
  const proba = (x: readonly (readonly number[])[]): number[][] => {
    const out = forestOutputs(state, x);
    return x.map((_, i) => Array.from(out.subarray(i * K, (i + 1) * K)));
  };
  return {
    predict: (x) => (ctx.task === 'classification' ? proba(x).map(argmax) : Array.from(forestOutputs(state, x))),
    ...(ctx.task === 'classification' ? { predictProba: proba } : {}),
    toJSON: () => state,
  };
}

/**
 * maxFeatures: 'sqrt' / 'log2' of the number of features (scikit-learn's
 * names), or a fraction of them, written as a string in the search space
 * (a categorical's choices are of one type) and as a number in older
 * configurations.
 */
function featureCount(p: ModelParams, d: number): number {
  const v = p.maxFeatures;
  const fraction = typeof v === 'string' ? Number(v) : num(p, 'maxFeatures');
  if (v !== 'sqrt' && v !== 'log2' && !(fraction > 0 && fraction <= 1))
    throw new InvalidArgumentError(`random_forest maxFeatures must be 'sqrt', 'log2' or a fraction in (0, 1], got ${JSON.stringify(v)}`, ['maxFeatures']);
  const count = v === 'sqrt' ? Math.sqrt(d) : v === 'log2' ? Math.log2(d) : fraction * d;
  return Math.max(1, Math.min(d, Math.floor(count)));
}

const criterionOf = (p: ModelParams, ctx: FitContext): 'gini' | 'entropy' =>
  ctx.task === 'classification' && str(p, 'criterion') === 'entropy' ? 'entropy' : 'gini';

/** Trees deeper than this are not grown: in practice "unlimited" for tabular data (2^50 leaves). */
export const UNLIMITED_DEPTH = 50;

/** Legacy (ml-random-forest) state. */
async function rfModule(): Promise<typeof RandomForestModule> {
  return cjsDefault(await importOptional('ml-random-forest'));
}
async function cartModule(): Promise<typeof CartModule> {
  return cjsDefault(await importOptional('ml-cart'));
}

interface Predictor {
  predict(x: number[][]): number[];
  toJSON(): unknown;
}

/** Vote shares of the forest's trees, per row. */
function voteShares(forest: RandomForestModule.RandomForestClassifier, x: number[][], nClasses: number): number[][] {
  const votes = forest.predictionValues(x);
  const out: number[][] = [];
  for (let i = 0; i < votes.rows; i++) {
    const row = new Array<number>(nClasses).fill(0);
    const v = votes.getRow(i);
    for (const c of v) row[c] = (row[c] as number) + 1 / v.length;
    out.push(row);
  }
  return out;
}

function forestModel(model: Predictor, ctx: FitContext): FittedModel {
  const classifier = ctx.task === 'classification';
  return {
    predict: (x) => model.predict(x as number[][]),
    ...(classifier
      ? { predictProba: (x: readonly (readonly number[])[]) => voteShares(model as RandomForestModule.RandomForestClassifier, x as number[][], ctx.nClasses) }
      : {}),
    toJSON: () => JSON.parse(JSON.stringify(model.toJSON())),
  };
}

export const randomForestFamily: ModelFamily = {
  name: 'random_forest',
  tasks: ['classification', 'regression'],
  scale: false,
  space: (task): readonly HyperParam[] => [
    { kind: 'int', name: 'nEstimators', low: 10, high: 300, log: true },
    { kind: 'categorical', name: 'splitter', choices: ['best', 'random'] },
    { kind: 'categorical', name: 'maxFeatures', choices: ['sqrt', 'log2', '0.1', '0.2', '0.35', '0.5', '0.75', '1'] },
    { kind: 'int', name: 'maxDepth', low: 2, high: UNLIMITED_DEPTH, log: true },
    { kind: 'int', name: 'minSamplesLeaf', low: 1, high: 20, log: true },
    { kind: 'categorical', name: 'bootstrap', choices: [true, false] },
    ...(task === 'classification' ? [{ kind: 'categorical', name: 'criterion', choices: ['gini', 'entropy'] } as const] : []),
  ],
  async fit(x, y, p: ModelParams, ctx) {
    const state = trainForest(x, y, {
      task: ctx.task,
      nClasses: ctx.nClasses,
      nEstimators: num(p, 'nEstimators'),
      maxFeatures: featureCount(p, x[0]?.length ?? 1),
      maxDepth: num(p, 'maxDepth'),
      minSamplesLeaf: num(p, 'minSamplesLeaf'),
      criterion: criterionOf(p, ctx),
      bootstrap: p.bootstrap === true,
      splitter: str(p, 'splitter') === 'random' ? 'random' : 'best',
      seed: ctx.seed,
      beforeTree: (done, total) => checkDeadline(ctx, 'random_forest', () => `after ${done} of ${total} trees`),
    });
    return histogramModel(state, ctx);
  },
  async load(state, ctx) {
    if (isForestState(state)) return histogramModel(state, ctx);
    const { RandomForestClassifier, RandomForestRegression } = await rfModule();
    const model =
      ctx.task === 'classification'
        ? RandomForestClassifier.load(state as Parameters<typeof RandomForestClassifier.load>[0])
        : RandomForestRegression.load(state as Parameters<typeof RandomForestRegression.load>[0]);
    return forestModel(model, ctx);
  },
};

/** Legacy (ml-cart) state. */
function treeModel(model: Predictor, ctx: FitContext): FittedModel {
  return {
    predict: (x) => model.predict(x as number[][]),
    ...(ctx.task === 'classification' ? { predictProba: (x: readonly (readonly number[])[]) => oneHot(model.predict(x as number[][]), ctx.nClasses) } : {}),
    toJSON: () => JSON.parse(JSON.stringify(model.toJSON())),
  };
}

export const decisionTreeFamily: ModelFamily = {
  name: 'decision_tree',
  tasks: ['classification', 'regression'],
  scale: false,
  space: (task): readonly HyperParam[] => [
    { kind: 'int', name: 'maxDepth', low: 1, high: UNLIMITED_DEPTH, log: true },
    { kind: 'int', name: 'minSamplesLeaf', low: 1, high: 40, log: true },
    ...(task === 'classification' ? [{ kind: 'categorical', name: 'criterion', choices: ['gini', 'entropy'] } as const] : []),
  ],
  async fit(x, y, p, ctx) {
    const state = trainForest(x, y, {
      task: ctx.task,
      nClasses: ctx.nClasses,
      nEstimators: 1,
      maxFeatures: x[0]?.length ?? 1,
      maxDepth: num(p, 'maxDepth'),
      minSamplesLeaf: num(p, 'minSamplesLeaf'),
      criterion: criterionOf(p, ctx),
      bootstrap: false,
      splitter: 'best',
      seed: ctx.seed,
    });
    return histogramModel(state, ctx);
  },
  async load(state, ctx) {
    if (isForestState(state)) return histogramModel(state, ctx);
    const { DecisionTreeClassifier, DecisionTreeRegression } = await cartModule();
    return treeModel(ctx.task === 'classification' ? DecisionTreeClassifier.load(state) : DecisionTreeRegression.load(state), ctx);
  },
};
