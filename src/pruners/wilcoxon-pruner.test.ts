import { describe, expect, it } from 'vitest';
import { running, trial, view } from '../../test/helpers/pruning-history.js';
import { WilcoxonPruner } from './wilcoxon-pruner.js';
import { rankData, wilcoxonSignedRank } from './wilcoxon-test.js';

describe('wilcoxonSignedRank', () => {
  // The example of scipy.stats.wilcoxon's documentation (Fisher's data): exact distribution, n = 15.
  const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];

  it('matches scipy on its documented example', () => {
    expect(wilcoxonSignedRank(d)).toEqual({ statistic: 24, pValue: 0.041259765625, method: 'exact' });
    expect(wilcoxonSignedRank(d, 'greater')).toEqual({ statistic: 96, pValue: 0.0206298828125, method: 'exact' });
    expect(
      wilcoxonSignedRank(
        d.map((x) => -x),
        'less',
      ).pValue,
    ).toBe(0.0206298828125);
  });

  it('gives 2^-n for n differences of one sign', () => {
    expect(wilcoxonSignedRank([1, 2, 3], 'greater').pValue).toBe(0.125);
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5], 'greater').pValue).toBe(1 / 32);
    expect(wilcoxonSignedRank([1, 2, 3, 4, 5], 'less').pValue).toBe(1);
  });

  it('splits zeros and uses the normal approximation with tie correction (zsplit)', () => {
    const a = wilcoxonSignedRank([0, 1, 2, -3, 4], 'greater');
    expect(a.method).toBe('approx');
    expect(a.statistic).toBe(10.5);
    expect(a.pValue).toBeCloseTo(0.2092461167234099, 12);
    const t = wilcoxonSignedRank([1, 1, 2, -2, 3, 0], 'greater');
    expect(t.statistic).toBe(16);
    expect(t.pValue).toBeCloseTo(0.12312584984626351, 12);
    expect(wilcoxonSignedRank([1, 1, 2, -2, 3, 0]).pValue).toBeCloseTo(0.24625169969252703, 12);
    expect(wilcoxonSignedRank([0, 0, 0], 'greater').pValue).toBe(0.5);
  });

  it('ranks ties by their mean rank', () => {
    expect(rankData([3, 1, 4, 1, 5])).toEqual([3, 1.5, 4, 1.5, 5]);
  });
});

describe('WilcoxonPruner', () => {
  const best = trial(0, { value: 1, reports: [0, 1, 2, 3, 4].map((f) => [0, 1 + f / 100, f] as const) });
  const other = trial(1, { value: 5, reports: [0, 1, 2, 3, 4].map((f) => [0, 5, f] as const) });
  const h = view([best, other]);
  const folds = (...vs: number[]) => vs.map((v, f) => [0, v, f] as const);

  it('prunes when the one-sided p-value against the best trial is below the threshold', () => {
    // 3 folds all worse: p = 1/8
    expect(new WilcoxonPruner({ pThreshold: 0.2 }).prune(h, running(2, folds(2, 2, 2)))).toBe(true);
    expect(new WilcoxonPruner({ pThreshold: 0.1 }).prune(h, running(2, folds(2, 2, 2)))).toBe(false);
    // 4 folds all worse: p = 1/16 < 0.1
    expect(new WilcoxonPruner({ pThreshold: 0.1 }).prune(h, running(2, folds(2, 2, 2, 2)))).toBe(true);
    // better than the best: never pruned
    expect(new WilcoxonPruner({ pThreshold: 0.9 }).prune(h, running(2, folds(0.5, 0.5, 0.5, 0.5)))).toBe(false);
  });

  it('pairs reports step by step too, and flips for maximization', () => {
    const b = trial(0, { value: 10, reports: [0, 1, 2, 3].map((s) => [s, 10] as const) });
    const steps = (...vs: number[]) => vs.map((v, s) => [s, v] as const);
    expect(new WilcoxonPruner().prune(view([b], ['maximize']), running(1, steps(9, 9, 9, 9)))).toBe(true);
    expect(new WilcoxonPruner().prune(view([b], ['maximize']), running(1, steps(11, 11, 11, 11)))).toBe(false);
  });

  it('waits for max(2, nStartupSteps) pairs', () => {
    expect(new WilcoxonPruner({ pThreshold: 0.6, nStartupSteps: 0 }).prune(h, running(2, folds(3)))).toBe(false);
    expect(new WilcoxonPruner({ pThreshold: 0.3, nStartupSteps: 0 }).prune(h, running(2, folds(3, 3)))).toBe(true); // p = 1/4
    expect(new WilcoxonPruner({ pThreshold: 0.3, nStartupSteps: 3 }).prune(h, running(2, folds(3, 3)))).toBe(false);
  });

  it('does not prune while the trial’s mean is still better than the best trial’s mean (Optuna’s safety check)', () => {
    // folds 0-1 slightly worse than the best's folds 0-1, but the best's mean over its 5 folds (1.02) is worse than 1.015
    const p = new WilcoxonPruner({ pThreshold: 0.3 });
    expect(p.prune(h, running(2, folds(1.01, 1.02)))).toBe(false);
  });

  it('does not prune with non-finite values or without a best trial', () => {
    const p = new WilcoxonPruner({ pThreshold: 0.5 });
    expect(p.prune(h, running(2, folds(2, Number.POSITIVE_INFINITY, 2)))).toBe(false);
    expect(p.prune(view([]), running(2, folds(2, 2, 2)))).toBe(false);
  });

  it('explains that it needs one objective', () => {
    expect(() => new WilcoxonPruner().prune(view([], ['minimize', 'minimize']), running(0, [[0, [1, 1]]]))).toThrow(/MedianPruner or SuccessiveHalvingPruner/);
  });

  it('rejects bad options', () => {
    expect(() => new WilcoxonPruner({ pThreshold: 1.5 })).toThrow(/pThreshold must be a number in \[0, 1\]/);
    expect(() => new WilcoxonPruner({ nStartupSteps: -1 })).toThrow(/nStartupSteps/);
  });
});
