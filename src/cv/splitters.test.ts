import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { GroupKFold } from './group-k-fold.js';
import { KFold } from './k-fold.js';
import { RepeatedKFold, RepeatedStratifiedKFold } from './repeated-k-fold.js';
import type { Fold } from './splitter.js';
import { StratifiedKFold } from './stratified-k-fold.js';

/** Every index is tested exactly once per repeat, train and test are disjoint and cover everything. */
function expectPartition(folds: readonly Fold[], n: number): void {
  const tested = new Array<number>(n).fill(0);
  for (const { trainIndex, testIndex } of folds) {
    expect(trainIndex.length + testIndex.length).toBe(n);
    const test = new Set(testIndex);
    expect(test.size).toBe(testIndex.length);
    for (const i of trainIndex) expect(test.has(i)).toBe(false);
    expect(new Set([...trainIndex, ...testIndex]).size).toBe(n);
    expect([...testIndex]).toEqual([...testIndex].sort((a, b) => a - b));
    for (const i of testIndex) tested[i] = (tested[i] as number) + 1;
  }
  expect(tested.every((c) => c === 1)).toBe(true);
}

describe('KFold', () => {
  it('cuts contiguous folds, the first n mod k one larger (as scikit-learn)', () => {
    const folds = new KFold({ nSplits: 3 }).split(10);
    expect(folds.map((f) => f.testIndex)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6],
      [7, 8, 9],
    ]);
    expectPartition(folds, 10);
  });

  it('shuffles by seed, reproducibly', () => {
    const a = new KFold({ nSplits: 5, seed: 7 }).split(103);
    expectPartition(a, 103);
    expect(a.map((f) => f.testIndex.length)).toEqual([21, 21, 21, 20, 20]);
    expect(new KFold({ nSplits: 5, seed: 7 }).split({ nSamples: 103 })).toEqual(a);
    expect(new KFold({ nSplits: 5, seed: 8 }).split(103)).not.toEqual(a);
    expect(a[0]?.testIndex).not.toEqual(Array.from({ length: 21 }, (_, i) => i));
  });

  it('rejects bad options and inputs clearly', () => {
    expect(() => new KFold({ nSplits: 1 })).toThrow(/nSplits must be an integer ≥ 2/);
    expect(() => new KFold({ nSplits: 5 }).split(3)).toThrow(/cannot make 5 folds of 3 samples/);
    expect(() => new KFold().split(-1)).toThrow(InvalidArgumentError);
    expect(() => new KFold({ seed: 1.5 })).toThrow(/seed must be an integer/);
    expect(() => new KFold().split({ nSamples: 10, labels: [1, 2] })).toThrow(/labels has 2 entries but there are 10 samples/);
  });
});

describe('StratifiedKFold', () => {
  // 60 / 30 / 10 samples of three classes, interleaved
  const labels: string[] = [];
  for (let i = 0; i < 100; i++) labels.push(i % 10 === 0 ? 'c' : i % 10 < 4 ? 'b' : 'a');

  it('keeps each fold’s class counts within one of the overall ratio', () => {
    for (const seed of [undefined, 1, 2]) {
      const folds = new StratifiedKFold({ nSplits: 5, ...(seed === undefined ? {} : { seed }) }).split({ labels });
      expectPartition(folds, 100);
      for (const f of folds) {
        const count = (c: string) => f.testIndex.filter((i) => labels[i] === c).length;
        expect([count('a'), count('b'), count('c')]).toEqual([12, 6, 2]);
      }
    }
  });

  it('matches scikit-learn’s allocation on an uneven example', () => {
    // scikit-learn's rule worked by hand for StratifiedKFold(3) and y = [0,0,0,0,1,1,1,0,0,1]
    const y = [0, 0, 0, 0, 1, 1, 1, 0, 0, 1];
    const folds = new StratifiedKFold({ nSplits: 3 }).split({ labels: y });
    expectPartition(folds, 10);
    // class 0 (6 samples) → 2, 2, 2; class 1 (4 samples) → 2, 1, 1 (dealing the sorted labels round-robin)
    expect(folds.map((f) => f.testIndex)).toEqual([
      [0, 1, 4, 5],
      [2, 3, 6],
      [7, 8, 9],
    ]);
  });

  it('is reproducible by seed and errors when every class is too small', () => {
    const a = new StratifiedKFold({ nSplits: 4, seed: 3 }).split({ labels });
    expect(new StratifiedKFold({ nSplits: 4, seed: 3 }).split({ labels })).toEqual(a);
    expect(() => new StratifiedKFold({ nSplits: 5 }).split({ labels: [1, 1, 2, 2, 3, 3] })).toThrow(/more than the number of samples in every class/);
    expect(() => new StratifiedKFold().split(10)).toThrow(/needs \{ labels \}/);
  });
});

describe('GroupKFold', () => {
  const groups = ['p1', 'p1', 'p1', 'p2', 'p2', 'p3', 'p4', 'p4', 'p4', 'p4', 'p5', 'p6'];

  it('never splits a group and balances fold sizes (largest group first)', () => {
    for (const seed of [undefined, 1, 2, 3]) {
      const folds = new GroupKFold({ nSplits: 3, ...(seed === undefined ? {} : { seed }) }).split({ groups });
      expectPartition(folds, groups.length);
      for (const f of folds) {
        const testGroups = new Set(f.testIndex.map((i) => groups[i]));
        for (const i of f.trainIndex) expect(testGroups.has(groups[i] as string)).toBe(false);
      }
      expect(folds.map((f) => f.testIndex.length).sort()).toEqual([4, 4, 4]);
    }
  });

  it('needs at least nSplits groups', () => {
    expect(() => new GroupKFold({ nSplits: 7 }).split({ groups })).toThrow(/6 groups cannot fill 7 folds/);
    expect(() => new GroupKFold().split(12)).toThrow(/needs \{ groups \}/);
  });
});

describe('RepeatedKFold', () => {
  it('repeats shuffled k-fold with derived seeds; each repeat is a partition', () => {
    const r = new RepeatedKFold({ nSplits: 4, nRepeats: 3, seed: 11 });
    const folds = r.split(50);
    expect(r.nFolds).toBe(12);
    expect(folds).toHaveLength(12);
    for (let k = 0; k < 3; k++) expectPartition(folds.slice(4 * k, 4 * k + 4), 50);
    expect(folds.slice(0, 4)).not.toEqual(folds.slice(4, 8));
    expect(new RepeatedKFold({ nSplits: 4, nRepeats: 3, seed: 11 }).split(50)).toEqual(folds);
    expect(() => new RepeatedKFold({ nRepeats: 0 })).toThrow(/nRepeats must be an integer ≥ 1/);
  });

  it('stratified repeats keep class ratios', () => {
    const labels = Array.from({ length: 40 }, (_, i) => (i < 30 ? 0 : 1));
    const folds = new RepeatedStratifiedKFold({ nSplits: 5, nRepeats: 2, seed: 5 }).split({ labels });
    expect(folds).toHaveLength(10);
    for (const f of folds) expect(f.testIndex.filter((i) => labels[i] === 1).length).toBe(2);
    expectPartition(folds.slice(5), 40);
  });
});
