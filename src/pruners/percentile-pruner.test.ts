import { describe, expect, it } from 'vitest';
import { curves, running, trial, view } from '../../test/helpers/pruning-history.js';
import { InvalidArgumentError } from '../errors.js';
import { MedianPruner, PercentilePruner } from './percentile-pruner.js';

// Expected decisions follow Optuna's PercentilePruner.prune step by step:
// best value over the trial's steps vs np.nanpercentile of COMPLETE trials at the last step.

describe('MedianPruner', () => {
  const history = curves(0, [5, 1], [5, 2], [5, 3], [5, 4], [5, 5]);

  it('prunes a trial whose best value is worse than the median at its step', () => {
    const p = new MedianPruner();
    expect(p.prune(view([...history, running(5, [[1, 3.5]])]), running(5, [[1, 3.5]]))).toBe(true);
    expect(p.prune(view(history), running(5, [[1, 3]]))).toBe(false); // equal to the median is kept
    expect(p.prune(view(history), running(5, [[1, 2.5]]))).toBe(false);
  });

  it('uses the best value over all steps, as Optuna does', () => {
    // step 0 gave 1.0, better than anyone's; step 1 gave 10: best = 1.0 < median 3 at step 1.
    expect(
      new MedianPruner().prune(
        view(history),
        running(5, [
          [0, 1],
          [1, 10],
        ]),
      ),
    ).toBe(false);
  });

  it('flips for maximization', () => {
    const p = new MedianPruner();
    const v = view(history, ['maximize']);
    expect(p.prune(v, running(5, [[1, 2.5]]))).toBe(true);
    expect(p.prune(v, running(5, [[1, 3.5]]))).toBe(false);
  });

  it('waits for nStartupTrials COMPLETE trials (pruned and failed ones do not count)', () => {
    const four = history.slice(0, 4);
    const extra = [trial(10, { state: 'PRUNED', reports: [[1, 0]] }), trial(11, { state: 'FAIL' })];
    expect(new MedianPruner().prune(view([...four, ...extra]), running(5, [[1, 100]]))).toBe(false);
    expect(new MedianPruner({ nStartupTrials: 4 }).prune(view(four), running(5, [[1, 100]]))).toBe(true);
    expect(new MedianPruner({ nStartupTrials: 0 }).prune(view([]), running(5, [[1, 100]]))).toBe(false); // no COMPLETE trial at all
  });

  it('does not prune before nWarmupSteps', () => {
    const long = curves(0, ...[1, 2, 3, 4, 5].map((v) => [v, v, v, v, v]));
    const p = new MedianPruner({ nWarmupSteps: 3 });
    expect(
      p.prune(
        view(long),
        running(9, [
          [0, 9],
          [1, 9],
          [2, 9],
        ]),
      ),
    ).toBe(false);
    expect(
      p.prune(
        view(long),
        running(9, [
          [0, 9],
          [1, 9],
          [2, 9],
          [3, 9],
        ]),
      ),
    ).toBe(true);
  });

  it('checks only the first report in each interval after the warm-up', () => {
    const long = curves(0, ...[1, 2, 3, 4, 5].map((v) => Array.from({ length: 12 }, () => v)));
    const p = new MedianPruner({ nWarmupSteps: 2, intervalSteps: 3 });
    const reportsTo = (last: number): [number, number][] => Array.from({ length: last + 1 }, (_, s) => [s, 9]);
    // pruning steps are 2, 5, 8, 11
    const decided = [2, 3, 4, 5, 6, 7, 8].map((s) => p.prune(view(long), running(9, reportsTo(s))));
    expect(decided).toEqual([true, false, false, true, false, false, true]);
    // sparse reports: step 7 follows step 0, so the interval [5, 8) has its first report at 7
    expect(
      p.prune(
        view(long),
        running(9, [
          [0, 9],
          [7, 9],
        ]),
      ),
    ).toBe(true);
    expect(
      p.prune(
        view(long),
        running(9, [
          [0, 9],
          [5, 9],
          [7, 9],
        ]),
      ),
    ).toBe(false);
  });

  it('needs nMinTrials COMPLETE trials at the same step', () => {
    const h = [...curves(0, [1], [1], [1], [1]), ...curves(4, [1, 1, 1, 1])];
    expect(new MedianPruner({ nStartupTrials: 1 }).prune(view(h), running(9, [[3, 9]]))).toBe(true);
    expect(new MedianPruner({ nStartupTrials: 1, nMinTrials: 2 }).prune(view(h), running(9, [[3, 9]]))).toBe(false);
  });

  it('prunes NaN', () => {
    expect(new MedianPruner().prune(view(history), running(5, [[1, Number.NaN]]))).toBe(true);
  });
});

describe('PercentilePruner', () => {
  it('interpolates the percentile linearly (numpy)', () => {
    const h = curves(0, [1], [2], [3], [4], [40]);
    // np.nanpercentile([1,2,3,4,40], 25) = 2.0; 75th = 4.0
    const p25 = new PercentilePruner(25);
    expect(p25.prune(view(h), running(9, [[0, 2.01]]))).toBe(true);
    expect(p25.prune(view(h), running(9, [[0, 2]]))).toBe(false);
    const h4 = curves(0, [1], [2], [3], [4]);
    // np.nanpercentile([1,2,3,4], 25) = 1.75
    const p = new PercentilePruner(25, { nStartupTrials: 4 });
    expect(p.prune(view(h4), running(9, [[0, 1.8]]))).toBe(true);
    expect(p.prune(view(h4), running(9, [[0, 1.7]]))).toBe(false);
    // maximize keeps the top 25%: threshold is the 75th percentile, 3.25
    expect(p.prune(view(h4, ['maximize']), running(9, [[0, 3.2]]))).toBe(true);
    expect(p.prune(view(h4, ['maximize']), running(9, [[0, 3.3]]))).toBe(false);
  });

  it('percentile 0 and 100 are the extremes', () => {
    const h = curves(0, [1], [2], [3], [4], [5]);
    expect(new PercentilePruner(100).prune(view(h), running(9, [[0, 5]]))).toBe(false);
    expect(new PercentilePruner(100).prune(view(h), running(9, [[0, 5.1]]))).toBe(true);
    expect(new PercentilePruner(0).prune(view(h), running(9, [[0, 1.1]]))).toBe(true);
  });

  it('rejects bad options with the option named', () => {
    const bad: [() => unknown, string][] = [
      [() => new PercentilePruner(120), 'percentile'],
      [() => new PercentilePruner(Number.NaN), 'percentile'],
      [() => new MedianPruner({ intervalSteps: 0 }), 'intervalSteps'],
      [() => new MedianPruner({ nStartupTrials: -1 }), 'nStartupTrials'],
      [() => new MedianPruner({ nWarmupSteps: 1.5 }), 'nWarmupSteps'],
      [() => new MedianPruner({ nMinTrials: 0 }), 'nMinTrials'],
    ];
    for (const [make, name] of bad) {
      try {
        make();
        expect.fail(`${name} should be rejected`);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidArgumentError);
        expect((e as InvalidArgumentError).path).toEqual([name]);
        expect((e as Error).message).toContain(name);
      }
    }
  });
});

describe('racing over folds', () => {
  // Five COMPLETE trials with five folds each (step 0); their means over the first two folds are 1.5, 2.5, 3.5, 4.5, 5.5.
  const folds = (xs: number[]) => xs.map((v, f) => [0, v, f] as const);
  const h = [1, 2, 3, 4, 5].map((b, i) => trial(i, { value: b + 0.5, reports: folds([b, b + 1, b, b + 1, b]) }));

  it('compares the mean over the folds seen so far with the other trials on the same folds', () => {
    const p = new MedianPruner();
    // fold 0 alone: 3.2 > median 3 → pruned
    expect(p.prune(view(h), running(9, folds([3.2])))).toBe(true);
    // folds 0-1: mean (2 + 4.5)/2 = 3.25 < median 3.5 → kept, though fold 1 alone (4.5) is worse than the fold-1 median (4)
    expect(p.prune(view(h), running(9, folds([2, 4.5])))).toBe(false);
    // folds 0-1: mean (3 + 4.2)/2 = 3.6 > 3.5 → pruned
    expect(p.prune(view(h), running(9, folds([3, 4.2])))).toBe(true);
  });

  it('holds back until nWarmupFolds', () => {
    const p = new MedianPruner({ nWarmupFolds: 1 });
    expect(p.prune(view(h), running(9, folds([9])))).toBe(false);
    expect(p.prune(view(h), running(9, folds([9, 9])))).toBe(true);
  });
});

describe('several objectives', () => {
  const h = [
    trial(0, { value: [1, 1], reports: [[0, [1, 1]]] }),
    trial(1, { value: [2, 2], reports: [[0, [2, 2]]] }),
    trial(2, { value: [3, 3], reports: [[0, [3, 3]]] }),
    trial(3, { value: [0.5, 4], reports: [[0, [0.5, 4]]] }),
  ];
  const v = view(h, ['minimize', 'minimize']);

  it('prunes a trial with more than (percentile)% of the COMPLETE trials in Pareto fronts ahead of it', () => {
    const p = new MedianPruner({ nStartupTrials: 1 });
    // fronts: {(1,1), (0.5,4)}, {(2,2)}, {(3,3)}
    expect(p.prune(v, running(9, [[0, [1.5, 3.5]]]))).toBe(false); // 2 of 4 ahead
    expect(p.prune(v, running(9, [[0, [2.5, 2.5]]]))).toBe(true); // 3 of 4 ahead
    expect(p.prune(v, running(9, [[0, [3.5, 3.5]]]))).toBe(true); // 4 of 4
    expect(p.prune(v, running(9, [[0, [0.1, 9]]]))).toBe(false); // on the front
    expect(p.prune(v, running(9, [[0, [Number.NaN, 0]]]))).toBe(true);
  });

  it('respects each objective direction', () => {
    const p = new PercentilePruner(25, { nStartupTrials: 1 });
    const mixed = view(h, ['minimize', 'maximize']);
    // maximizing the second objective: (3,3) is dominated only by (0.5, 4)
    expect(p.prune(mixed, running(9, [[0, [3, 3]]]))).toBe(false);
    expect(p.prune(mixed, running(9, [[0, [3.5, 0.5]]]))).toBe(true);
  });
});
