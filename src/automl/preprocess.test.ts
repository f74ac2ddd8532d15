import { describe, expect, it } from 'vitest';
import { frameFromRecords } from './csv.js';
import { fitPreprocessor, transform } from './preprocess.js';

const rows = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('knn imputation', () => {
  it('fills a missing number with the mean of the k nearest rows that have it, every row tied with the k-th counted', () => {
    // y = 10·x; the row with x = 7 lacks y. Nearest by x: 6, 8 (1 away), 5, 9 (2), then 4 and 10 tie at 3: all six count.
    const data = frameFromRecords([...rows(20).map((x) => ({ x, y: x === 7 ? null : 10 * x }))]);
    const knn = fitPreprocessor(data, ['x', 'y'], rows(20), { impute: 'knn', scale: false });
    expect(transform(knn, data, [7])).toEqual([[7, 70]]);
    // The mean imputation fills the column mean instead.
    const mean = fitPreprocessor(data, ['x', 'y'], rows(20), { impute: 'mean', scale: false });
    const colMean =
      rows(20)
        .filter((x) => x !== 7)
        .reduce((a, x) => a + 10 * x, 0) / 19;
    expect(transform(mean, data, [7])[0]?.[1]).toBeCloseTo(colMean, 12);
  });

  it('a row whose only known feature is a category takes the mean of every row of that category', () => {
    // Penguins' case: the island known, every measurement missing.
    const recs = [
      ...rows(6).map((i) => ({ island: 'A', mass: 1 + i / 10, bill: 20 })),
      ...rows(12).map((i) => ({ island: 'B', mass: 10 + i / 10, bill: 40 })),
      { island: 'B', mass: null, bill: null },
    ];
    const data = frameFromRecords(recs);
    const state = fitPreprocessor(data, ['island', 'mass', 'bill'], rows(18), { impute: 'knn', scale: false });
    const [out] = transform(state, data, [18]);
    // One-hot island (A, B), then mass and bill: the mean over all twelve B rows, not the first five.
    expect(out?.slice(0, 2)).toEqual([0, 1]);
    expect(out?.[2]).toBeCloseTo(10 + 0.55, 12);
    expect(out?.[3]).toBe(40);
  });

  it('fills a missing category with the most frequent among the nearest rows; a row sharing no known feature gets the fallback', () => {
    const recs = [
      ...rows(10).map((i) => ({ sex: i < 5 ? 'F' : 'M', mass: i < 5 ? 3000 + i : 5000 + i })),
      { sex: null, mass: 5002.5 },
      { sex: null, mass: null },
    ];
    const data = frameFromRecords(recs);
    const state = fitPreprocessor(data, ['sex', 'mass'], rows(10), { impute: 'knn', scale: true });
    const [near, none] = transform(state, data, [10, 11]);
    expect(near?.slice(0, 2)).toEqual([0, 1]); // M
    // Nothing known: the most frequent category (a tie, the first in order) and the mean, scaled to 0.
    expect(none?.slice(0, 2)).toEqual([1, 0]);
    expect(none?.[2]).toBeCloseTo(0, 12);
  });

  it('the fitted state is plain JSON and transforms the same after a round trip', () => {
    const data = frameFromRecords(rows(30).map((i) => ({ a: i % 7 === 0 ? null : i, b: i % 5 === 0 ? null : Math.sin(i), c: i % 3 ? 'u' : null })));
    const state = fitPreprocessor(data, ['a', 'b', 'c'], rows(20), { impute: 'knn', scale: true });
    const copy = JSON.parse(JSON.stringify(state));
    expect(transform(copy, data)).toEqual(transform(state, data));
    expect(transform(state, data).flat().every(Number.isFinite)).toBe(true);
    expect(state.donors).toHaveLength(20);
  });
});
