import { describe, expect, it } from 'vitest';
import { createStudy, MemoryStorage, RandomSampler, SobolSampler } from '../../index.js';
import { runSamplerConformance } from '../conformance.js';

runSamplerConformance({ describe, it }, { name: 'SobolSampler', make: (seed) => new SobolSampler({ seed }) });

describe('SobolSampler', () => {
  /** Worst gap from a grid of test points to the nearest trial in [0,1]^2 (smaller is more even). */
  async function dispersion(sampler: RandomSampler | SobolSampler): Promise<number> {
    const study = await createStudy({ storage: new MemoryStorage(), sampler });
    await study.optimize((t) => t.suggestFloat('a', 0, 1) + t.suggestFloat('b', 0, 1), { nTrials: 129 });
    const pts = (await study.getTrials()).slice(1).map((t) => [t.params.a as number, t.params.b as number]);
    let worst = 0;
    for (let i = 0; i <= 20; i++) {
      for (let j = 0; j <= 20; j++) {
        const d = Math.min(...pts.map(([a, b]) => Math.hypot((a as number) - i / 20, (b as number) - j / 20)));
        worst = Math.max(worst, d);
      }
    }
    return worst;
  }

  it('covers the space more evenly than random points after the first trial fixes the space', async () => {
    let sobol = 0;
    let random = 0;
    for (const seed of [1, 2, 3, 4, 5]) {
      sobol += await dispersion(new SobolSampler({ seed }));
      random += await dispersion(new RandomSampler({ seed }));
    }
    expect(sobol).toBeLessThan(0.8 * random);
  });

  it('gives every trial of a parallel run a distinct point', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new SobolSampler({ seed: 3 }) });
    await study.optimize((t) => t.suggestFloat('a', 0, 1), { nTrials: 1 });
    await study.optimize(
      async (t) => {
        await new Promise((r) => setTimeout(r, 1));
        return t.suggestFloat('a', 0, 1);
      },
      { nTrials: 64, concurrency: 8 },
    );
    const values = (await study.getTrials()).map((t) => t.params.a);
    expect(new Set(values).size).toBe(65);
  });
});

describe('SobolSampler seeds', () => {
  it('accepts every 32-bit seed, including those whose derived seeds have the top bit set', async () => {
    for (const seed of [0, 0xffffffff, 0x80000000, 0xdab0b86e]) {
      const study = await createStudy({ storage: new MemoryStorage(), sampler: new SobolSampler({ seed }) });
      await study.optimize((t) => t.suggestFloat('x', 0, 1), { nTrials: 3 });
      expect((await study.getTrials()).every((t) => t.state === 'COMPLETE')).toBe(true);
    }
  });
});
