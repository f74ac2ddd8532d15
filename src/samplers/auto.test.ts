import { describe, expect, it } from 'vitest';
import { createStudy, MemoryStorage, type StudyView } from '../index.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { AUTO_SAMPLER_ATTR, AutoSampler, chooseSampler } from './auto.js';
import { runSamplerConformance } from './conformance.js';

runSamplerConformance({ describe, it }, { name: 'AutoSampler', make: (seed) => new AutoSampler({ seed }), nTrials: 25 });

function view(trials: Partial<FrozenTrial>[], directions: ('minimize' | 'maximize')[] = ['minimize']): StudyView {
  const full = trials.map((t, i) => ({ number: i, state: 'COMPLETE', distributions: {}, systemAttrs: {}, ...t }) as FrozenTrial);
  return { studyName: 's', directions, getTrials: (states) => (states ? full.filter((t) => states.includes(t.state)) : full) };
}
const f = { kind: 'float', low: 0, high: 1, log: false, step: null } as const;
const c = { kind: 'categorical', choices: ['a', 'b'] } as const;
const opts = { gpMaxTrials: 200, nsgaMinTrials: 1000 };

describe('AutoSampler: the choice', () => {
  it('takes the GP for a flat continuous or mixed space on a small budget', () => {
    expect(chooseSampler(view([]), opts).sampler).toBe('GpSampler');
    expect(chooseSampler(view(Array(50).fill({ distributions: { x: f, y: f, k: c } })), opts).sampler).toBe('GpSampler');
  });
  it('takes the GP for a conditional space too (it models each branch), TPE once the run is long', () => {
    const branches = [{ distributions: { x: f } }, { distributions: { x: f, y: f } }];
    expect(chooseSampler(view(branches), opts)).toEqual({ sampler: 'GpSampler', reason: expect.stringMatching(/^conditional space/) });
    expect(chooseSampler(view(Array(100).fill(branches).flat()), opts).sampler).toBe('TpeSampler');
  });
  it('takes TPE for mostly categorical or constrained spaces, and for long runs', () => {
    expect(chooseSampler(view([{ distributions: { k: c, j: c, x: f } }]), opts).reason).toMatch(/2 of 3 parameters are categorical/);
    expect(chooseSampler(view([{ distributions: { x: f }, systemAttrs: { 'dials:constraints': [1] } }]), opts).reason).toMatch(/constrained/);
    expect(chooseSampler(view(Array(200).fill({ distributions: { x: f } })), opts).reason).toMatch(/200 finished trials/);
  });
  it('takes the GP for two objectives on a small budget, TPE for three or more and later, NSGA-II on very long runs', () => {
    const two: ('minimize' | 'maximize')[] = ['minimize', 'maximize'];
    expect(chooseSampler(view([], two), opts)).toEqual({ sampler: 'GpSampler', reason: expect.stringMatching(/^2 objectives, continuous space/) });
    expect(chooseSampler(view(Array(99).fill({ distributions: { x: f, k: c } }), two), opts).sampler).toBe('GpSampler');
    expect(chooseSampler(view(Array(100).fill({ distributions: { x: f } }), two), opts).sampler).toBe('TpeSampler');
    expect(chooseSampler(view([{ distributions: { k: c, j: c, x: f } }], two), opts).sampler).toBe('TpeSampler');
    expect(chooseSampler(view([], ['minimize', 'minimize', 'minimize']), opts).sampler).toBe('TpeSampler');
    expect(chooseSampler(view(Array(1000).fill({ distributions: { x: f } }), ['minimize', 'maximize']), opts).sampler).toBe('NsgaIISampler');
  });
});

describe('AutoSampler options', () => {
  it('rejects a bad trial count, naming the option', () => {
    expect(() => new AutoSampler({ gpMaxTrials: -1 })).toThrow(/gpMaxTrials must be a whole number of trials ≥ 0, got -1/);
    expect(() => new AutoSampler({ moGpMaxTrials: 1.5 })).toThrow(/moGpMaxTrials/);
  });
});

describe('AutoSampler in a study', () => {
  it('records its choice and why, and switches when the study grows', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new AutoSampler({ seed: 2, gpMaxTrials: 14 }) });
    await study.optimize((t) => (t.suggestFloat('x', -3, 3) - 1) ** 2 + t.suggestFloat('y', 0, 1), { nTrials: 12 });
    expect((await study.systemAttrs())[AUTO_SAMPLER_ATTR]).toEqual({ sampler: 'GpSampler', reason: expect.stringMatching(/Gaussian process/), sinceTrial: 0 });
    await study.optimize((t) => (t.suggestFloat('x', -3, 3) - 1) ** 2 + t.suggestFloat('y', 0, 1), { nTrials: 6 });
    expect((await study.systemAttrs())[AUTO_SAMPLER_ATTR]).toEqual({
      sampler: 'TpeSampler',
      reason: expect.stringMatching(/14 finished trials/),
      sinceTrial: 14,
    });
  });

  it('is the default sampler and converges on a smooth function', async () => {
    expect((await createStudy({ storage: new MemoryStorage() })).sampler.name).toBe('AutoSampler');
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new AutoSampler({ seed: 5 }) });
    await study.optimize((t) => (t.suggestFloat('x', -5, 5) - 1.5) ** 2 + (t.suggestFloat('y', -5, 5) + 0.5) ** 2, { nTrials: 30 });
    expect(await study.bestValue()).toBeLessThan(1e-2);
  });
});
