/**
 * Optuna's own unit tests for its pruners (tests/pruners_tests in optuna),
 * replayed through Dials' study API: the same reports must give the same
 * decisions.
 */
import { describe, expect, it } from 'vitest';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import { MemoryStorage } from '../storage/memory/memory-storage.js';
import { createStudy } from '../study/create-study.js';
import type { StudyDirection } from '../trial/state.js';
import { MedianPruner, PercentilePruner } from './percentile-pruner.js';
import type { Pruner } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving-pruner.js';
import { ThresholdPruner } from './threshold-pruner.js';

const study = (pruner: Pruner, direction: StudyDirection = 'minimize') =>
  createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 0 }), pruner, direction });

describe('MedianPruner (optuna tests/pruners_tests/test_median.py)', () => {
  it('is not activated at a first trial', async () => {
    const s = await study(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }));
    const t = await s.ask();
    t.report(1, 1);
    expect(t.shouldPrune()).toBe(false);
  });

  for (const [direction, value] of [
    ['minimize', 2],
    ['maximize', 0.5],
  ] as const) {
    it(`prunes a worse intermediate value (${direction})`, async () => {
      const s = await study(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }), direction);
      const t0 = await s.ask();
      t0.report(1, 1);
      await s.tell(t0, 1);
      const t1 = await s.ask();
      expect(t1.shouldPrune()).toBe(false); // no intermediate value yet
      t1.report(value, 1);
      expect(t1.shouldPrune()).toBe(true);
    });
  }

  it('handles NaN as Optuna does', async () => {
    const s = await study(new MedianPruner({ nStartupTrials: 0, nWarmupSteps: 0 }));
    let t = await s.ask();
    t.report(Number.NaN, 1);
    expect(t.shouldPrune()).toBe(false); // no previous trial
    await s.tell(t, -1);
    t = await s.ask();
    t.report(Number.NaN, 1);
    expect(t.shouldPrune()).toBe(true); // its best intermediate value is NaN
    await s.tell(t, -1);
    t = await s.ask();
    t.report(1, 1);
    expect(t.shouldPrune()).toBe(false); // the median is NaN
  });

  it('waits for n_startup_trials', async () => {
    const s = await study(new MedianPruner({ nStartupTrials: 2, nWarmupSteps: 0 }));
    let t = await s.ask();
    t.report(1, 1);
    await s.tell(t, 1);
    t = await s.ask();
    t.report(2, 1);
    expect(t.shouldPrune()).toBe(false);
    await s.tell(t, 2);
    t = await s.ask();
    t.report(3, 1);
    expect(t.shouldPrune()).toBe(true);
  });
});

describe('PercentilePruner (optuna tests/pruners_tests/test_percentile.py)', () => {
  it('waits for n_warmup_steps', async () => {
    const s = await study(new PercentilePruner(25, { nStartupTrials: 1, nWarmupSteps: 1, intervalSteps: 1, nMinTrials: 1 }));
    let t = await s.ask();
    t.report(1, 0);
    t.report(1, 1);
    await s.tell(t, 1);
    t = await s.ask();
    t.report(2, 0);
    expect(t.shouldPrune()).toBe(false);
    t.report(2, 1);
    expect(t.shouldPrune()).toBe(true);
  });

  const cases: [number, number, number, number[]][] = [
    [0, 1, 1, [0, 1, 2, 3, 4, 5]],
    [1, 1, 1, [1, 2, 3, 4, 5]],
    [1, 2, 1, [1, 3, 5]],
    [0, 3, 10, Array.from({ length: 29 }, (_, i) => i)],
    [2, 3, 10, Array.from({ length: 19 }, (_, i) => i + 10)],
    [0, 10, 3, [0, 1, 2, 12, 13, 14, 21, 22, 23]],
    [2, 10, 3, [3, 4, 5, 12, 13, 14, 24, 25, 26]],
  ];
  for (const [nWarmupSteps, intervalSteps, reportSteps, expected] of cases) {
    it(`interval steps: warm-up ${nWarmupSteps}, interval ${intervalSteps}, a report every ${reportSteps} steps`, async () => {
      const s = await study(new PercentilePruner(0, { nStartupTrials: 0, nWarmupSteps, intervalSteps }));
      const last = Math.max(...expected) + 1;
      let t = await s.ask();
      for (let i = 0; i < last; i++) t.report(0, i);
      await s.tell(t, 0);
      t = await s.ask();
      const pruned: number[] = [];
      for (let i = 0; i < last; i++) {
        if (i % reportSteps === 0) t.report(2, i);
        if (t.shouldPrune()) pruned.push(i);
      }
      expect(pruned).toEqual(expected);
    });
  }
});

describe('ThresholdPruner (optuna tests/pruners_tests/test_threshold.py)', () => {
  it('prunes above upper and below lower', async () => {
    const s = await study(new ThresholdPruner({ upper: 2, nWarmupSteps: 0, intervalSteps: 1 }));
    const t = await s.ask();
    t.report(1, 1);
    expect(t.shouldPrune()).toBe(false);
    t.report(3, 2);
    expect(t.shouldPrune()).toBe(true);
    const s2 = await study(new ThresholdPruner({ lower: 2, nWarmupSteps: 0, intervalSteps: 1 }));
    const t2 = await s2.ask();
    t2.report(3, 1);
    expect(t2.shouldPrune()).toBe(false);
    t2.report(1, 2);
    expect(t2.shouldPrune()).toBe(true);
  });
});

describe('SuccessiveHalvingPruner (optuna tests/pruners_tests/test_successive_halving.py)', () => {
  it('rung check: how far each trial climbs', async () => {
    const s = await study(new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0 }));
    const climb = async (value: number): Promise<string[]> => {
      const t = await s.ask();
      t.report(value, 7);
      t.shouldPrune();
      await t.flush();
      const stored = (await s.getTrials()).find((x) => x.number === t.number);
      return Object.keys(stored?.systemAttrs ?? {}).filter((k) => k.startsWith('completed_rung_'));
    };
    for (let i = 0; i < 7; i++) await climb(0.1 * (i + 1));
    expect(await climb(0.75)).toEqual(['completed_rung_0']);
    expect(await climb(0.25)).toEqual(['completed_rung_0', 'completed_rung_1']);
    expect(await climb(0.05)).toEqual(['completed_rung_0', 'completed_rung_1', 'completed_rung_2']);
  });

  it('reduction factor and min early stopping rate place the first rung', async () => {
    for (const [options, firstRungStep] of [
      [{ minResource: 1, reductionFactor: 2, minEarlyStoppingRate: 0 }, 1],
      [{ minResource: 1, reductionFactor: 3, minEarlyStoppingRate: 1 }, 3],
      [{ minResource: 2, reductionFactor: 2, minEarlyStoppingRate: 2 }, 8],
    ] as const) {
      const s = await study(new SuccessiveHalvingPruner(options));
      const t = await s.ask();
      t.report(1, firstRungStep - 1);
      t.shouldPrune();
      await t.flush();
      expect((await s.getTrials())[0]?.systemAttrs).toEqual({});
      t.report(1, firstRungStep);
      t.shouldPrune();
      await t.flush();
      expect((await s.getTrials())[0]?.systemAttrs).toEqual({ completed_rung_0: 1 });
    }
  });
});
