import { describe, expect, it } from 'vitest';
import { Rng } from '../../math/rng.js';
import { type ForestOptions, type ForestState, forestOutputs, trainForest } from './forest.js';

const tree = { nEstimators: 1, bootstrap: false, splitter: 'best', maxDepth: 50, minSamplesLeaf: 1, seed: 1 } as const;

/** Two informative features (class = which side of x0 + x1 = 1) and `noise` uninformative ones. */
function blobs(n: number, noise: number, seed: number): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = [rng.random(), rng.random(), ...Array.from({ length: noise }, () => rng.random())];
    x.push(row);
    y.push((row[0] as number) + (row[1] as number) > 1 ? 1 : 0);
  }
  return { x, y };
}

function accuracy(state: ForestState, x: number[][], y: number[]): number {
  const out = forestOutputs(state, x);
  const K = state.nOutputs;
  let right = 0;
  y.forEach((c, i) => {
    let best = 0;
    for (let k = 1; k < K; k++) if ((out[i * K + k] as number) > (out[i * K + best] as number)) best = k;
    if (best === c) right++;
  });
  return right / y.length;
}

/** Rows (of the training set, no bootstrap) reaching each leaf of a one-tree forest. */
function leafCounts(state: ForestState, x: number[][]): number[] {
  const t = state.trees[0] as ForestState['trees'][number];
  const counts = new Map<number, number>();
  for (const row of x) {
    let node = 0;
    while ((t.feature[node] as number) >= 0)
      node = (row[t.feature[node] as number] as number) <= (t.threshold[node] as number) ? (t.left[node] as number) : (t.right[node] as number);
    counts.set(node, (counts.get(node) ?? 0) + 1);
  }
  return [...counts.values()];
}

describe('trainForest', () => {
  it('a regression stump splits a step at the midpoint and predicts the two means', () => {
    const x = [0, 0.1, 0.2, 0.3, 0.7, 0.8, 0.9, 1].map((v) => [v]);
    const y = [1, 1, 2, 2, 5, 5, 6, 6];
    const state = trainForest(x, y, { ...tree, task: 'regression', maxFeatures: 1, maxDepth: 1 });
    const t = state.trees[0];
    expect(t?.feature[0]).toBe(0);
    expect(t?.threshold[0]).toBeCloseTo(0.5, 12);
    expect(Array.from(forestOutputs(state, [[0.4], [0.6]]))).toEqual([1.5, 5.5]);
  });

  it('an unlimited tree fits distinct training rows exactly; minSamplesLeaf bounds every leaf', () => {
    const { x, y } = blobs(200, 2, 3);
    for (const criterion of ['gini', 'entropy'] as const) {
      const full = trainForest(x, y, { ...tree, task: 'classification', nClasses: 2, maxFeatures: 4, criterion });
      expect(accuracy(full, x, y)).toBe(1);
      const pruned = trainForest(x, y, { ...tree, task: 'classification', nClasses: 2, maxFeatures: 4, criterion, minSamplesLeaf: 15 });
      const counts = leafCounts(pruned, x);
      expect(Math.min(...counts)).toBeGreaterThanOrEqual(15);
      expect(counts.reduce((a, b) => a + b, 0)).toBe(200);
    }
  });

  it('random forests and extra-trees generalise on held-out rows with noise features; class shares sum to 1', () => {
    const train = blobs(400, 6, 4);
    const test = blobs(400, 6, 5);
    const base: ForestOptions = {
      task: 'classification',
      nClasses: 2,
      nEstimators: 50,
      maxFeatures: 3,
      maxDepth: 50,
      minSamplesLeaf: 1,
      bootstrap: true,
      splitter: 'best',
      seed: 2,
    };
    for (const o of [base, { ...base, splitter: 'random', bootstrap: false } as const]) {
      const state = trainForest(train.x, train.y, o);
      expect(accuracy(state, test.x, test.y)).toBeGreaterThan(0.9);
      const out = forestOutputs(state, test.x);
      for (let i = 0; i < test.x.length; i++) expect((out[2 * i] as number) + (out[2 * i + 1] as number)).toBeCloseTo(1, 12);
    }
  });

  it('features are drawn per split: with maxFeatures 1 the roots differ between trees, with all features they do not', () => {
    const { x, y } = blobs(150, 4, 6);
    const roots = (maxFeatures: number): Set<number> =>
      new Set(trainForest(x, y, { ...tree, task: 'classification', nClasses: 2, nEstimators: 20, maxFeatures }).trees.map((t) => t.feature[0] as number));
    expect(roots(1).size).toBeGreaterThan(1);
    expect(roots(6).size).toBe(1);
  });

  it('the same seed gives the same forest, another seed another one', () => {
    const { x } = blobs(120, 3, 7);
    const y = x.map((r) => 3 * (r[0] as number) - (r[2] as number));
    const o: ForestOptions = { task: 'regression', nEstimators: 5, maxFeatures: 2, maxDepth: 6, minSamplesLeaf: 2, bootstrap: true, splitter: 'best', seed: 9 };
    expect(trainForest(x, y, o)).toEqual(trainForest(x, y, o));
    expect(trainForest(x, y, { ...o, seed: 10 })).not.toEqual(trainForest(x, y, o));
  });
});
