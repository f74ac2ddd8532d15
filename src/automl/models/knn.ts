/**
 * k-nearest neighbours: ml-knn's k-d tree vote for classification; for
 * regression (which ml-knn lacks) the mean, or the inverse-distance-weighted
 * mean, of the k nearest targets by brute force.
 */
import type KNNType from 'ml-knn';
import { cjsDefault, type FitContext, type FittedModel, type HyperParam, importOptional, type ModelFamily, num, oneHot, str } from './model.js';

interface KnnRegressionState {
  readonly kind: 'knn-regression';
  readonly k: number;
  readonly weights: 'uniform' | 'distance';
  readonly x: number[][];
  readonly y: number[];
}

function regressionModel(s: KnnRegressionState): FittedModel {
  return {
    predict: (q) =>
      q.map((row) => {
        const dist = s.x.map((xi, i) => {
          let d = 0;
          for (let j = 0; j < row.length; j++) d += ((row[j] as number) - (xi[j] as number)) ** 2;
          return [Math.sqrt(d), i] as const;
        });
        dist.sort((a, b) => a[0] - b[0]);
        const near = dist.slice(0, Math.min(s.k, dist.length));
        if (s.weights === 'distance') {
          const exact = near.find(([d]) => d === 0);
          if (exact) return s.y[exact[1]] as number;
          let wsum = 0;
          let acc = 0;
          for (const [d, i] of near) {
            wsum += 1 / d;
            acc += (s.y[i] as number) / d;
          }
          return acc / wsum;
        }
        return near.reduce((a, [, i]) => a + (s.y[i] as number), 0) / near.length;
      }),
    toJSON: () => s,
  };
}

async function knnClass(): Promise<typeof KNNType> {
  return cjsDefault(await importOptional('ml-knn'));
}

function classifier(model: KNNType, ctx: FitContext): FittedModel {
  return {
    predict: (x) => model.predict(x as number[][]),
    predictProba: (x) => oneHot(model.predict(x as number[][]), ctx.nClasses),
    toJSON: () => JSON.parse(JSON.stringify(model.toJSON())),
  };
}

export const knnFamily: ModelFamily = {
  name: 'knn',
  tasks: ['classification', 'regression'],
  scale: true,
  space: (task): readonly HyperParam[] => [
    { kind: 'int', name: 'k', low: 1, high: 50, log: true },
    ...(task === 'regression' ? [{ kind: 'categorical', name: 'weights', choices: ['uniform', 'distance'] } as const] : []),
  ],
  async fit(x, y, p, ctx) {
    const k = Math.min(num(p, 'k'), x.length);
    if (ctx.task === 'regression') {
      const w = str(p, 'weights');
      return regressionModel({ kind: 'knn-regression', k, weights: w === 'distance' ? 'distance' : 'uniform', x, y });
    }
    const KNN = await knnClass();
    return classifier(new KNN(x, y, { k }), ctx);
  },
  async load(state, ctx) {
    if (ctx.task === 'regression') return regressionModel(state as KnnRegressionState);
    const KNN = await knnClass();
    return classifier(KNN.load(state), ctx);
  },
};
