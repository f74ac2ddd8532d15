import { describe, expect, it } from 'vitest';
import { gbdtProba, gbdtRaw, trainGbdt } from './gbdt.js';

const base = { minChildWeight: 0, lambda: 0, seed: 1 } as const;

describe('trainGbdt', () => {
  it('one stump with learning rate 1 and λ = 0 splits a step at the midpoint with the two means as leaves', () => {
    const x = [0, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 1].map((v) => [v]);
    const y = [1, 1, 1, 1, 5, 5, 5, 5];
    const { state } = trainGbdt(x, y, { ...base, loss: 'squared', nRounds: 1, learningRate: 1, maxDepth: 1 });
    const tree = state.trees[0]?.[0];
    expect(tree?.feature[0]).toBe(0);
    expect(tree?.threshold[0]).toBeCloseTo(0.5, 12);
    expect(Array.from(gbdtRaw(state, [[0.4], [0.6]]))).toEqual([1, 5]);
  });

  it('squared loss: the training loss never increases and fits y = x² closely', () => {
    const x = Array.from({ length: 101 }, (_, i) => [-1 + i / 50]);
    const y = x.map(([v]) => (v as number) ** 2);
    const { state, trainLoss } = trainGbdt(x, y, { ...base, loss: 'squared', nRounds: 200, learningRate: 0.2, maxDepth: 3 });
    for (let r = 1; r < trainLoss.length; r++) expect(trainLoss[r]).toBeLessThanOrEqual((trainLoss[r - 1] as number) + 1e-12);
    const q = Array.from({ length: 50 }, (_, i) => [-0.99 + i / 25]);
    const pred = gbdtRaw(state, q);
    const rmse = Math.sqrt(q.reduce((a, [v], i) => a + ((pred[i] as number) - (v as number) ** 2) ** 2, 0) / q.length);
    expect(rmse).toBeLessThan(0.03);
  });

  it('logistic loss learns XOR, with the loss falling each round', () => {
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 200; i++) {
      const a = (i * 0.618) % 1;
      const b = (i * 0.414) % 1;
      x.push([a, b]);
      y.push(a < 0.5 !== b < 0.5 ? 1 : 0);
    }
    const { state, trainLoss } = trainGbdt(x, y, { ...base, lambda: 1, loss: 'logistic', nRounds: 50, learningRate: 0.3, maxDepth: 2 });
    for (let r = 1; r < trainLoss.length; r++) expect(trainLoss[r]).toBeLessThan(trainLoss[r - 1] as number);
    const acc = gbdtProba(state, x).filter((p, i) => (p[1] as number) > 0.5 === (y[i] === 1)).length / x.length;
    expect(acc).toBe(1);
  });

  it('softmax: three classes separated by one feature are learned; probabilities sum to 1', () => {
    const x = Array.from({ length: 90 }, (_, i) => [i % 3, (i * 7) % 11]);
    const y = x.map(([a]) => a as number);
    const { state, trainLoss } = trainGbdt(x, y, {
      ...base,
      lambda: 1,
      loss: 'softmax',
      nClasses: 3,
      nRounds: 30,
      learningRate: 0.3,
      maxDepth: 2,
      subsample: 0.8,
      colsample: 0.5,
    });
    expect(trainLoss[29]).toBeLessThan((trainLoss[0] as number) / 5);
    const p = gbdtProba(state, [
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    p.forEach((row, c) => {
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(row.indexOf(Math.max(...row))).toBe(c);
    });
  });
});
