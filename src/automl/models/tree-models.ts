/** Random forest (ml-random-forest) and a single CART tree (ml-cart). */
import type * as RandomForestModule from 'ml-random-forest';
import type * as CartModule from 'ml-cart';
import { cjsDefault, type FitContext, type FittedModel, type HyperParam, importOptional, type ModelFamily, type ModelParams, num, oneHot } from './model.js';

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
  space: (): readonly HyperParam[] => [
    { kind: 'int', name: 'nEstimators', low: 5, high: 60, log: true },
    { kind: 'float', name: 'maxFeatures', low: 0.1, high: 1 },
    { kind: 'int', name: 'maxDepth', low: 2, high: 20, log: true },
    { kind: 'int', name: 'minNumSamples', low: 2, high: 20, log: true },
  ],
  async fit(x, y, p: ModelParams, ctx) {
    const { RandomForestClassifier, RandomForestRegression } = await rfModule();
    const d = x[0]?.length ?? 1;
    const options = {
      nEstimators: num(p, 'nEstimators'),
      maxFeatures: Math.max(1, Math.min(d, Math.round(num(p, 'maxFeatures') * d))),
      replacement: true,
      useSampleBagging: true,
      noOOB: true,
      seed: ctx.seed,
      treeOptions: { maxDepth: num(p, 'maxDepth'), minNumSamples: num(p, 'minNumSamples') },
    };
    const model = ctx.task === 'classification' ? new RandomForestClassifier(options) : new RandomForestRegression(options);
    model.train(x, y);
    return forestModel(model, ctx);
  },
  async load(state, ctx) {
    const { RandomForestClassifier, RandomForestRegression } = await rfModule();
    const model =
      ctx.task === 'classification'
        ? RandomForestClassifier.load(state as Parameters<typeof RandomForestClassifier.load>[0])
        : RandomForestRegression.load(state as Parameters<typeof RandomForestRegression.load>[0]);
    return forestModel(model, ctx);
  },
};

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
  space: (): readonly HyperParam[] => [
    { kind: 'int', name: 'maxDepth', low: 1, high: 30, log: true },
    { kind: 'int', name: 'minNumSamples', low: 2, high: 40, log: true },
  ],
  async fit(x, y, p, ctx) {
    const { DecisionTreeClassifier, DecisionTreeRegression } = await cartModule();
    const options = { maxDepth: num(p, 'maxDepth'), minNumSamples: num(p, 'minNumSamples') };
    const model = ctx.task === 'classification' ? new DecisionTreeClassifier({ ...options, gainFunction: 'gini' }) : new DecisionTreeRegression(options);
    model.train(x, y);
    return treeModel(model, ctx);
  },
  async load(state, ctx) {
    const { DecisionTreeClassifier, DecisionTreeRegression } = await cartModule();
    return treeModel(ctx.task === 'classification' ? DecisionTreeClassifier.load(state) : DecisionTreeRegression.load(state), ctx);
  },
};
