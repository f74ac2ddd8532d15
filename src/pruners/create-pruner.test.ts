import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { createPruner } from './create-pruner.js';
import type { HyperbandPruner } from './hyperband-pruner.js';
import { PatientPruner } from './patient-pruner.js';
import { MedianPruner, type PercentilePruner } from './percentile-pruner.js';
import { NopPruner } from './pruner.js';
import { SuccessiveHalvingPruner } from './successive-halving-pruner.js';
import { ThresholdPruner } from './threshold-pruner.js';
import { WilcoxonPruner } from './wilcoxon-pruner.js';

describe('createPruner', () => {
  it('builds every pruner by name, with camelCase or snake_case options', () => {
    const m = createPruner({ type: 'median', n_startup_trials: 3, nWarmupSteps: 2 }) as MedianPruner;
    expect(m).toBeInstanceOf(MedianPruner);
    expect([m.nStartupTrials, m.nWarmupSteps, m.percentile]).toEqual([3, 2, 50]);
    expect((createPruner({ type: 'percentile', percentile: 25 }) as PercentilePruner).percentile).toBe(25);
    expect(createPruner({ type: 'threshold', upper: 1 })).toBeInstanceOf(ThresholdPruner);
    expect(createPruner({ type: 'successive_halving', min_resource: 1, reduction_factor: 3 })).toBeInstanceOf(SuccessiveHalvingPruner);
    expect(createPruner({ type: 'asha' })).toBeInstanceOf(SuccessiveHalvingPruner);
    expect(createPruner({ type: 'SuccessiveHalvingPruner' })).toBeInstanceOf(SuccessiveHalvingPruner);
    expect((createPruner({ type: 'hyperband', max_resource: 81 }) as HyperbandPruner).nBrackets).toBe(5);
    const hb = createPruner({ type: 'hyperband', max_resource: 27, n_brackets: 2, rank_by: 'extrapolated' }) as HyperbandPruner;
    expect([hb.nBrackets, hb.rankBy]).toEqual([2, 'extrapolated']);
    const sha = createPruner({ type: 'asha', min_resource: 3, rank_by: 'extrapolated', max_resource: 27 }) as SuccessiveHalvingPruner;
    expect(sha.rankBy).toBe('extrapolated');
    expect(createPruner({ type: 'wilcoxon', p_threshold: 0.05 })).toBeInstanceOf(WilcoxonPruner);
    expect(createPruner('nop')).toBeInstanceOf(NopPruner);
    expect(createPruner({ type: 'none' })).toBeInstanceOf(NopPruner);
    const p = createPruner({ type: 'patient', patience: 3, wrapped: { type: 'median' } }) as PatientPruner;
    expect(p).toBeInstanceOf(PatientPruner);
    expect(p.wrapped).toBeInstanceOf(MedianPruner);
    expect((createPruner({ type: 'patient', patience: 3 }) as PatientPruner).wrapped).toBeNull();
  });

  it('explains unknown types and options, with the path of the offending key', () => {
    const err = (spec: unknown): InvalidArgumentError => {
      try {
        createPruner(spec);
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidArgumentError);
        return e as InvalidArgumentError;
      }
      throw new Error('expected an error');
    };
    expect(err({ type: 'medain' }).message).toMatch(/unknown pruner type "medain"; use one of nop, median, percentile/);
    expect(err({ type: 'median', n_startup: 3 }).message).toMatch(/no option "n_startup"; its options are: nStartupTrials, nWarmupSteps/);
    expect(err({ type: 'median', n_startup: 3 }).path).toEqual(['pruner', 'n_startup']);
    expect(err({ type: 'median', interval_steps: 0 }).path).toEqual(['pruner', 'intervalSteps']);
    expect(err({ type: 'patient', patience: 1, wrapped: { type: 'median', bogus: 1 } }).path).toEqual(['pruner', 'wrapped', 'bogus']);
    expect(err({ nStartupTrials: 3 }).path).toEqual(['pruner', 'type']);
    expect(err(42).message).toMatch(/\{ type: \.\.\., options\.\.\. \}/);
  });
});
