import { describe, expect, it } from 'vitest';
import { recorder, running, trial, view } from '../../test/helpers/pruning-history.js';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import type { Sampler, StudyView, TrialView } from '../samplers/sampler.js';
import type { Distribution } from '../space/distributions.js';
import { createStudy } from '../study/create-study.js';
import { crc32 } from './crc32.js';
import { HyperbandPruner } from './hyperband-pruner.js';

// Bracket ids computed with Optuna's formula in Python:
// binascii.crc32(f"hb-study_{k}".encode()) % 143 walked through budgets [81, 34, 15, 8, 5].
const OPTUNA_BRACKETS = [1, 0, 0, 0, 0, 0, 1, 0, 1, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 4, 4, 3, 1, 0, 1, 1];

describe('HyperbandPruner', () => {
  it('crc32 is the zlib checksum', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('')).toBe(0);
  });

  it('lays out brackets and budgets as Optuna does (R = 81, η = 3)', () => {
    const p = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    expect(p.nBrackets).toBe(5);
    expect(p.bracketBudgets).toEqual([81, 34, 15, 8, 5]);
    expect(OPTUNA_BRACKETS.map((_, k) => p.bracketOf('hb-study', k))).toEqual(OPTUNA_BRACKETS);
  });

  it('judges a trial only against trials of its own bracket, with that bracket’s first rung', () => {
    const p = new HyperbandPruner({ minResource: 1, maxResource: 81, reductionFactor: 3 });
    // trials 1-5 are in bracket 0 (rungs at 1, 3, 9, ...), trial 0 and 6 in bracket 1 (rungs at 3, 9, ...)
    const h = [
      trial(0, { systemAttrs: { completed_rung_0: 0.01 } }),
      trial(1, { systemAttrs: { completed_rung_0: 0.5 } }),
      trial(2, { systemAttrs: { completed_rung_0: 0.6 } }),
    ];
    const ctx = recorder();
    // trial 3 (bracket 0) at step 1 with 0.55: competing in bracket 0 = [0.5, 0.6, 0.55] → ⌊3/3⌋ = 1 promoted → 0.5 wins
    expect(p.prune(view(h, ['minimize'], 'hb-study'), running(3, [[1, 0.55]]), ctx)).toBe(true);
    expect(ctx.attrs).toEqual({ completed_rung_0: 0.55 });
    // the same value for trial 4 (bracket 0) but best in the bracket: kept, though trial 0 of bracket 1 is better
    expect(p.prune(view(h, ['minimize'], 'hb-study'), running(4, [[1, 0.4]]))).toBe(false);
    // trial 6 is in bracket 1: nothing happens before step 3
    expect(p.prune(view(h, ['minimize'], 'hb-study'), running(6, [[1, 99]]))).toBe(false);
    expect(p.prune(view(h, ['minimize'], 'hb-study'), running(6, [[3, 99]]))).toBe(true);
  });

  it("with maxResource 'auto', waits for a COMPLETE trial, then uses its last step + 1", () => {
    const p = new HyperbandPruner({ reductionFactor: 3 });
    expect(p.prune(view([]), running(0, [[5, 1]]))).toBe(false);
    expect(p.nBrackets).toBe(0);
    const done = trial(0, { value: 1, reports: Array.from({ length: 27 }, (_, s) => [s, 1] as const) });
    p.prune(view([done]), running(1, [[0, 1]]));
    // R = 27: ⌊log3 27⌋ + 1 = 4 brackets
    expect(p.nBrackets).toBe(4);
    expect(p.bracketBudgets).toEqual([27, 12, 6, 4]);
  });

  it('gives the sampler only the trials of the new trial’s bracket', async () => {
    const pruner = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    const seen: { trial: number; history: number[] }[] = [];
    const inner = new RandomSampler({ seed: 3 });
    const sampler: Sampler = {
      name: 'RecordingSampler',
      usesHistory: true,
      inferRelativeSearchSpace(study: StudyView, t: TrialView) {
        seen.push({ trial: t.number, history: study.getTrials().map((x) => x.number) });
        return {};
      },
      sampleRelative: () => ({}),
      sampleIndependent: (study: StudyView, t: TrialView, name: string, d: Distribution) => inner.sampleIndependent(study, t, name, d),
    };
    const study = await createStudy({ studyName: 'hb-view', sampler, pruner });
    await study.optimize(
      (t) => {
        const x = t.suggestFloat('x', 0, 1);
        for (let s = 0; s < 27; s++) {
          t.report(x + 1 / (s + 1), s);
          if (t.shouldPrune()) return x;
        }
        return x;
      },
      { nTrials: 40 },
    );
    expect(seen).toHaveLength(40);
    const bracketsUsed = new Set<number>();
    for (const { trial: n, history } of seen) {
      const b = pruner.bracketOf('hb-view', n);
      bracketsUsed.add(b);
      for (const m of history) expect(pruner.bracketOf('hb-view', m)).toBe(b);
      // and nothing of its bracket is hidden
      const expected = Array.from({ length: n + 1 }, (_, m) => m).filter((m) => pruner.bracketOf('hb-view', m) === b);
      expect(history).toEqual(expected);
    }
    expect(bracketsUsed.size).toBeGreaterThan(1);
    await study.close();
  });

  it('with nBrackets, keeps only the most aggressive brackets, each with its budget', () => {
    const all = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3 });
    const two = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, nBrackets: 2 });
    expect(all.bracketBudgets).toEqual([27, 12, 6, 4]);
    expect(two.nBrackets).toBe(2);
    expect(two.bracketBudgets).toEqual([27, 12]);
    // More brackets than ⌊log_η(R/r)⌋ + 1 change nothing.
    expect(new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, nBrackets: 9 }).bracketBudgets).toEqual([27, 12, 6, 4]);
    const brackets = Array.from({ length: 200 }, (_, k) => two.bracketOf('hb-study', k));
    expect(new Set(brackets)).toEqual(new Set([0, 1]));
    // Bracket 1 (first rung at step 3) never prunes at step 1; bracket 0 does.
    const k1 = brackets.indexOf(1);
    const k0 = brackets.indexOf(0);
    const other0 = brackets.indexOf(0, k0 + 1);
    const h = [trial(other0, { systemAttrs: { completed_rung_0: 0.1 } })];
    expect(two.prune(view(h, ['minimize'], 'hb-study'), running(k1, [[1, 9]]))).toBe(false);
    expect(two.prune(view(h, ['minimize'], 'hb-study'), running(k0, [[1, 9]]))).toBe(true);
  });

  it("passes rankBy 'extrapolated' to its brackets, predicting at maxResource − 1", () => {
    const p = new HyperbandPruner({ minResource: 1, maxResource: 27, reductionFactor: 3, rankBy: 'extrapolated' });
    const k0 = Array.from({ length: 50 }, (_, k) => k).find((k) => p.bracketOf('hb-study', k) === 0) as number;
    const ctx = recorder();
    const falling = [0.8, 0.6, 0.45, 0.35];
    p.prune(
      view([], ['minimize'], 'hb-study'),
      running(
        k0,
        falling.map((v, s) => [s, v] as const),
      ),
      ctx,
    );
    // rung 0 (step 1) has 2 reports: the last value; rung 1 (step 3) has 4: a prediction below the last value
    expect(ctx.attrs.completed_rung_0).toBe(0.6);
    expect(ctx.attrs.completed_rung_1).toBeLessThan(0.35);
  });

  it('rejects bad options', () => {
    expect(() => new HyperbandPruner({ nBrackets: 0 })).toThrow(/nBrackets must be an integer ≥ 1/);
    expect(() => new HyperbandPruner({ rankBy: 'best' as 'value' })).toThrow(/rankBy must be one of/);
    expect(() => new HyperbandPruner({ minResource: 10, maxResource: 5 })).toThrow(/maxResource \(5\) must be ≥ minResource/);
    expect(() => new HyperbandPruner({ bootstrapCount: 2 })).toThrow(/set maxResource/);
    expect(() => new HyperbandPruner({ reductionFactor: 1.5 })).toThrow(/reductionFactor/);
  });
});
