/**
 * k-nearest neighbours by brute force (a k-d tree does not help at the tens
 * of dimensions of tabular data): the vote shares (classification) or the
 * mean (regression) of the k nearest training rows, uniform or weighted by
 * 1/distance as scikit-learn's KNeighbors*. Classifiers saved from the
 * earlier ml-knn version still load.
 */
import type KNNType from 'ml-knn';
import { argmax, cjsDefault, type FitContext, type FittedModel, type HyperParam, importOptional, type ModelFamily, num, oneHot, str } from './model.js';

interface KnnRegressionState {
  readonly kind: 'knn-regression';
  readonly k: number;
  readonly weights: 'uniform' | 'distance';
  readonly x: number[][];
  readonly y: number[];
}

export interface KnnClassifierState {
  readonly kind: 'knn-classifier';
  readonly k: number;
  readonly weights: 'uniform' | 'distance';
  readonly nClasses: number;
  readonly x: number[][];
  readonly y: number[];
}

/**
 * The k nearest training rows of each query row (Euclidean), nearest first,
 * by brute force over a flat copy of the training rows: O(n·d) per query,
 * and a bounded insertion list of k.
 */
function neighbours(train: readonly (readonly number[])[], queries: readonly (readonly number[])[], k: number): { index: Int32Array; dist: Float64Array } {
  const n = train.length;
  const d = n > 0 ? (train[0] as readonly number[]).length : 0;
  const flat = new Float64Array(n * d);
  train.forEach((row, i) => {
    for (let j = 0; j < d; j++) flat[i * d + j] = row[j] as number;
  });
  const kk = Math.min(k, n);
  const index = new Int32Array(queries.length * kk);
  const dist = new Float64Array(queries.length * kk);
  const q = new Float64Array(d);
  const bestD = new Float64Array(kk);
  const bestI = new Int32Array(kk);
  queries.forEach((row, r) => {
    for (let j = 0; j < d; j++) q[j] = row[j] as number;
    let filled = 0;
    for (let i = 0; i < n; i++) {
      let s = 0;
      const off = i * d;
      for (let j = 0; j < d; j++) {
        const t = (q[j] as number) - (flat[off + j] as number);
        s += t * t;
      }
      if (filled === kk && s >= (bestD[kk - 1] as number)) continue;
      let at = filled < kk ? filled++ : kk - 1;
      while (at > 0 && (bestD[at - 1] as number) > s) {
        bestD[at] = bestD[at - 1] as number;
        bestI[at] = bestI[at - 1] as number;
        at--;
      }
      bestD[at] = s;
      bestI[at] = i;
    }
    for (let a = 0; a < kk; a++) {
      index[r * kk + a] = bestI[a] as number;
      dist[r * kk + a] = Math.sqrt(bestD[a] as number);
    }
  });
  return { index, dist };
}

/** Neighbour weights: 1, or 1/distance (an exact match takes all the weight, as in scikit-learn). */
function weightsOf(dist: Float64Array, from: number, kk: number, mode: 'uniform' | 'distance'): Float64Array {
  const w = new Float64Array(kk);
  if (mode === 'uniform') return w.fill(1);
  let exact = false;
  for (let a = 0; a < kk; a++) if ((dist[from + a] as number) === 0) exact = true;
  for (let a = 0; a < kk; a++) {
    const dd = dist[from + a] as number;
    w[a] = exact ? (dd === 0 ? 1 : 0) : 1 / dd;
  }
  return w;
}

function regressionModel(s: KnnRegressionState): FittedModel {
  return {
    predict: (q) => {
      const kk = Math.min(s.k, s.x.length);
      const { index, dist } = neighbours(s.x, q, kk);
      return q.map((_, r) => {
        const w = weightsOf(dist, r * kk, kk, s.weights);
        let acc = 0;
        let wsum = 0;
        for (let a = 0; a < kk; a++) {
          acc += (w[a] as number) * (s.y[index[r * kk + a] as number] as number);
          wsum += w[a] as number;
        }
        return acc / wsum;
      });
    },
    toJSON: () => s,
  };
}

function classifierModel(s: KnnClassifierState): FittedModel {
  const proba = (q: readonly (readonly number[])[]): number[][] => {
    const kk = Math.min(s.k, s.x.length);
    const { index, dist } = neighbours(s.x, q, kk);
    return q.map((_, r) => {
      const w = weightsOf(dist, r * kk, kk, s.weights);
      const row = new Array<number>(s.nClasses).fill(0);
      let wsum = 0;
      for (let a = 0; a < kk; a++) {
        const c = s.y[index[r * kk + a] as number] as number;
        row[c] = (row[c] as number) + (w[a] as number);
        wsum += w[a] as number;
      }
      return row.map((v) => v / wsum);
    });
  };
  return { predict: (q) => proba(q).map(argmax), predictProba: proba, toJSON: () => s };
}

/** The legacy (ml-knn) classifier, for models saved with it. */
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
  space: (): readonly HyperParam[] => [
    { kind: 'int', name: 'k', low: 1, high: 50, log: true },
    { kind: 'categorical', name: 'weights', choices: ['uniform', 'distance'] },
  ],
  async fit(x, y, p, ctx) {
    const k = Math.min(num(p, 'k'), x.length);
    const weights = str(p, 'weights') === 'distance' ? 'distance' : 'uniform';
    if (ctx.task === 'regression') return regressionModel({ kind: 'knn-regression', k, weights, x, y });
    return classifierModel({ kind: 'knn-classifier', k, weights, nClasses: ctx.nClasses, x, y });
  },
  async load(state, ctx) {
    if (ctx.task === 'regression') return regressionModel(state as KnnRegressionState);
    if ((state as { kind?: unknown } | null)?.kind === 'knn-classifier') return classifierModel(state as KnnClassifierState);
    const KNN = await knnClass();
    return classifier(KNN.load(state), ctx);
  },
};
