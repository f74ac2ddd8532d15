import { describe, expect, it } from 'vitest';
import { curves, running, view } from '../../test/helpers/pruning-history.js';
import { InvalidArgumentError } from '../errors.js';
import { PatientPruner } from './patient-pruner.js';
import { MedianPruner } from './percentile-pruner.js';
import { ThresholdPruner } from './threshold-pruner.js';

const steps = (...vs: number[]): [number, number][] => vs.map((v, s) => [s, v]);

describe('PatientPruner', () => {
  const v = view([]);

  it('prunes (without a wrapped pruner) once `patience` steps bring no improvement', () => {
    const p = new PatientPruner(null, { patience: 2 });
    expect(p.usesHistory).toBe(false);
    expect(p.prune(v, running(0, steps(1, 1.1, 1.2)))).toBe(false); // 3 reports ≤ patience + 1
    expect(p.prune(v, running(0, steps(1, 1.1, 1.2, 1.3)))).toBe(true); // best before 1.0 < best after 1.1
    expect(p.prune(v, running(0, steps(1, 1.1, 0.9, 1.3)))).toBe(false); // improved to 0.9
    expect(p.prune(v, running(0, steps(1, 1.1, 1.0, 1.3)))).toBe(false); // equal is not worse
  });

  it('counts an improvement only beyond minDelta, in the study direction', () => {
    const p = new PatientPruner(null, { patience: 1, minDelta: 0.1 });
    expect(p.prune(v, running(0, steps(1, 0.95, 0.95)))).toBe(false); // 1 + 0.1 < 0.95 is false: not stalled by Optuna's rule
    expect(p.prune(v, running(0, steps(1, 1.2, 1.15)))).toBe(true);
    const max = view([], ['maximize']);
    expect(p.prune(max, running(0, steps(1, 0.85, 0.8)))).toBe(true);
    expect(p.prune(max, running(0, steps(1, 0.95, 0.8)))).toBe(false);
  });

  it('defers to the wrapped pruner when stalled', () => {
    const lenient = new PatientPruner(new ThresholdPruner({ upper: 100 }), { patience: 1 });
    expect(lenient.prune(v, running(0, steps(1, 2, 3)))).toBe(false);
    const strict = new PatientPruner(new ThresholdPruner({ upper: 2.5 }), { patience: 1 });
    expect(strict.prune(v, running(0, steps(1, 2, 3)))).toBe(true);
    const median = new PatientPruner(new MedianPruner({ nStartupTrials: 1 }), { patience: 1 });
    expect(median.usesHistory).toBe(true);
    const h = curves(0, [0.5, 0.4, 0.3]);
    expect(median.prune(view(h), running(1, steps(1, 2, 3)))).toBe(true);
    expect(median.prune(view(h), running(1, steps(1, 0.9, 0.2)))).toBe(false); // improving: median not asked
  });

  it('rejects bad options', () => {
    expect(() => new PatientPruner(null, { patience: -1 })).toThrow(InvalidArgumentError);
    expect(() => new PatientPruner(null, { patience: 1, minDelta: -0.1 })).toThrow(/minDelta/);
    expect(() => new PatientPruner({} as never, { patience: 1 })).toThrow(/wrapped/);
  });
});
