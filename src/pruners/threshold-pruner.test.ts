import { describe, expect, it } from 'vitest';
import { running, view } from '../../test/helpers/pruning-history.js';
import { InvalidArgumentError } from '../errors.js';
import { ThresholdPruner } from './threshold-pruner.js';

describe('ThresholdPruner', () => {
  const v = view([]);

  it('prunes values outside [lower, upper] and NaN, at the latest step only', () => {
    const p = new ThresholdPruner({ lower: 0, upper: 1 });
    expect(p.usesHistory).toBe(false);
    expect(p.prune(v, running(0, [[0, 0.5]]))).toBe(false);
    expect(p.prune(v, running(0, [[0, 1.5]]))).toBe(true);
    expect(p.prune(v, running(0, [[0, -0.1]]))).toBe(true);
    expect(p.prune(v, running(0, [[0, Number.NaN]]))).toBe(true);
    expect(
      p.prune(
        v,
        running(0, [
          [0, 5],
          [1, 0.5],
        ]),
      ),
    ).toBe(false); // only the latest counts
    expect(p.prune(v, running(0, []))).toBe(false);
    expect(new ThresholdPruner({ upper: 1 }).prune(v, running(0, [[0, Number.NEGATIVE_INFINITY]]))).toBe(false);
  });

  it('honours warm-up and interval like Optuna', () => {
    const p = new ThresholdPruner({ upper: 1, nWarmupSteps: 2, intervalSteps: 2 });
    const upTo = (last: number): [number, number][] => Array.from({ length: last + 1 }, (_, s) => [s, 5]);
    expect([0, 1, 2, 3, 4, 5].map((s) => p.prune(v, running(0, upTo(s))))).toEqual([false, false, true, false, true, false]);
  });

  it('takes per-objective bounds with several objectives', () => {
    const p = new ThresholdPruner({ upper: [1, 10] });
    const v2 = view([], ['minimize', 'minimize']);
    expect(p.prune(v2, running(0, [[0, [0.5, 9]]]))).toBe(false);
    expect(p.prune(v2, running(0, [[0, [0.5, 11]]]))).toBe(true);
  });

  it('rejects missing or crossed bounds', () => {
    expect(() => new ThresholdPruner({})).toThrow(/lower, upper or both/);
    expect(() => new ThresholdPruner({ lower: 2, upper: 1 })).toThrow(InvalidArgumentError);
    expect(() => new ThresholdPruner({ lower: Number.NaN })).toThrow(/lower must be a number/);
    expect(() => new ThresholdPruner({ upper: 1, intervalSteps: 0 })).toThrow(/intervalSteps/);
  });
});
