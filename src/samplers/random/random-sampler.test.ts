import { describe, expect, it } from 'vitest';
import { createStudy, MemoryStorage, RandomSampler } from '../../index.js';
import { runSamplerConformance } from '../conformance.js';

runSamplerConformance({ describe, it }, { name: 'RandomSampler', make: (seed) => new RandomSampler({ seed }) });

describe('RandomSampler', () => {
  it('draws uniformly: each tenth of [0, 1) gets its share of 5,000 draws', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 9 }) });
    await study.optimize((t) => t.suggestFloat('u', 0, 1), { nTrials: 5000 });
    const bins = new Array(10).fill(0);
    for (const t of await study.getTrials()) bins[Math.floor((t.params.u as number) * 10)]++;
    // Chi-square with 9 degrees of freedom: 27.9 is the 0.1% tail.
    const chi2 = bins.reduce((s, b) => s + (b - 500) ** 2 / 500, 0);
    expect(chi2).toBeLessThan(27.9);
  });

  it('draws log-uniformly and covers every integer of a small range', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed: 10 }) });
    await study.optimize(
      (t) => {
        t.suggestFloat('lr', 1e-6, 1, { log: true });
        return t.suggestInt('n', 1, 6);
      },
      { nTrials: 3000 },
    );
    const trials = await study.getTrials();
    const below1e3 = trials.filter((t) => (t.params.lr as number) < 1e-3).length / trials.length;
    expect(below1e3).toBeGreaterThan(0.45);
    expect(below1e3).toBeLessThan(0.55);
    const counts = new Map<number, number>();
    for (const t of trials) counts.set(t.params.n as number, (counts.get(t.params.n as number) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const c of counts.values()) expect(c).toBeGreaterThan(400);
  });

  it('differs between seeds and rejects a non-integer seed', async () => {
    const run = async (seed: number) => {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new RandomSampler({ seed }) });
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 5 });
      return (await study.getTrials()).map((t) => t.params.x);
    };
    expect(await run(1)).not.toEqual(await run(2));
    expect(() => new RandomSampler({ seed: 1.5 })).toThrow(/seed must be an integer in \[0, 2\^32\)/);
  });
});
