import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { decisionTreeFamily, randomForestFamily } from './tree-models.js';

const require = createRequire(import.meta.url);
const x = Array.from({ length: 40 }, (_, i) => [i % 10, (i * 7) % 5]);
const y = x.map(([a]) => ((a as number) < 5 ? 0 : 1));
const ctx = { task: 'classification', nClasses: 2, seed: 0 } as const;

describe('model files saved before the histogram trees', () => {
  it('ml-random-forest and ml-cart states still load and predict as those libraries do', async () => {
    const { RandomForestClassifier } = require('ml-random-forest');
    const { DecisionTreeClassifier } = require('ml-cart');
    const rf = new RandomForestClassifier({ nEstimators: 3, seed: 1, noOOB: true });
    rf.train(x, y);
    const cart = new DecisionTreeClassifier({ gainFunction: 'gini' });
    cart.train(x, y);
    const loadedRf = await randomForestFamily.load(JSON.parse(JSON.stringify(rf.toJSON())), ctx);
    const loadedCart = await decisionTreeFamily.load(JSON.parse(JSON.stringify(cart.toJSON())), ctx);
    expect(await loadedRf.predict(x)).toEqual(rf.predict(x));
    expect(await loadedCart.predict(x)).toEqual(cart.predict(x));
  });

  it('new fits save histogram-forest state that loads back to the same predictions', async () => {
    const fitted = await randomForestFamily.fit(
      x,
      y,
      { nEstimators: 5, splitter: 'random', maxFeatures: 'sqrt', maxDepth: 50, minSamplesLeaf: 1, bootstrap: false, criterion: 'entropy' },
      ctx,
    );
    const state = JSON.parse(JSON.stringify(fitted.toJSON())) as { kind: string };
    expect(state.kind).toBe('histogram-forest');
    const loaded = await randomForestFamily.load(state, ctx);
    expect(await loaded.predictProba?.(x)).toEqual(await fitted.predictProba?.(x));
    expect((await fitted.predict(x)).filter((p, i) => p === y[i]).length).toBe(40);
  });
});
