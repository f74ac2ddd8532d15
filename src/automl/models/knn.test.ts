import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { knnFamily } from './knn.js';

const x = [[0], [1], [2], [10], [11], [12]];
const y = [0, 0, 1, 1, 1, 1];
const ctx = { task: 'classification', nClasses: 2, seed: 0 } as const;

describe('k-nearest neighbours', () => {
  it('votes among the k nearest rows, uniformly or by 1/distance', async () => {
    const uniform = await knnFamily.fit(x, y, { k: 3, weights: 'uniform' }, ctx);
    // Nearest to 0.9: 1, 0, 2 → classes 0, 0, 1.
    expect(await uniform.predictProba?.([[0.9]])).toEqual([[2 / 3, 1 / 3]]);
    const weighted = await knnFamily.fit(x, y, { k: 3, weights: 'distance' }, ctx);
    const [row] = (await weighted.predictProba?.([[1.9]])) ?? [];
    // Distances 0.1 (class 1), 0.9 and 1.9 (class 0).
    const w = [1 / 0.9 + 1 / 1.9, 1 / 0.1];
    expect(row?.[1]).toBeCloseTo((w[1] as number) / ((w[0] as number) + (w[1] as number)), 12);
    expect(await weighted.predict([[1.9], [0.2], [11.4]])).toEqual([1, 0, 1]);
    // An exact match takes all the weight.
    expect(await weighted.predictProba?.([[2]])).toEqual([[0, 1]]);
  });

  it('regression averages the k nearest targets', async () => {
    const m = await knnFamily.fit(x, [1, 2, 3, 10, 20, 30], { k: 2, weights: 'uniform' }, { task: 'regression', nClasses: 0, seed: 0 });
    expect(await m.predict([[0.4], [11.6]])).toEqual([1.5, 25]);
  });

  it('a classifier saved from ml-knn still loads', async () => {
    const KNN = createRequire(import.meta.url)('ml-knn');
    const legacy = new KNN(x, y, { k: 1 });
    const loaded = await knnFamily.load(JSON.parse(JSON.stringify(legacy.toJSON())), ctx);
    expect(await loaded.predict([[0.2], [1.8], [11]])).toEqual([0, 1, 1]);
  });
});
