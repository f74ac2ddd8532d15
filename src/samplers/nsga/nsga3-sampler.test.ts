import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { createStudy, MemoryStorage, RandomSampler, type Sampler, type Trial } from '../../index.js';
import { hypervolume } from '../../math/hypervolume.js';
import { runSamplerConformance } from '../conformance.js';
import { NsgaIIISampler } from './nsga3-sampler.js';

runSamplerConformance(
  { describe, it },
  { name: 'NsgaIIISampler (single objective: a genetic algorithm)', make: (seed) => new NsgaIIISampler({ seed, populationSize: 8 }) },
);

/** DTLZ2 with 3 objectives and 7 variables (Deb, Thiele, Laumanns & Zitzler 2002). */
function dtlz2(t: Trial): number[] {
  const x = Array.from({ length: 7 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
  let g = 0;
  for (let i = 2; i < 7; i++) g += ((x[i] as number) - 0.5) ** 2;
  const a = ((x[0] as number) * Math.PI) / 2;
  const b = ((x[1] as number) * Math.PI) / 2;
  return [(1 + g) * Math.cos(a) * Math.cos(b), (1 + g) * Math.cos(a) * Math.sin(b), (1 + g) * Math.sin(a)];
}

async function hv(sampler: Sampler, nTrials: number): Promise<number> {
  const study = await createStudy({ storage: new MemoryStorage(), sampler, directions: ['minimize', 'minimize', 'minimize'] });
  await study.optimize(dtlz2, { nTrials });
  return hypervolume(
    (await study.getTrials()).map((t) => t.values as number[]),
    [1.1, 1.1, 1.1],
  );
}

describe('NsgaIIISampler', () => {
  it('beats random search on DTLZ2 (3 objectives) after 300 trials with populationSize 20, for each of 5 seeds', async () => {
    for (const seed of [0, 1, 2, 3, 4]) {
      const nsga = await hv(new NsgaIIISampler({ seed, populationSize: 20 }), 300);
      const random = await hv(new RandomSampler({ seed }), 300);
      expect(nsga, `seed ${seed}: NSGA-III HV ${nsga}, random ${random}`).toBeGreaterThan(random);
    }
  });

  it('uses Das–Dennis points sized to the population, or the ones given', () => {
    expect(new NsgaIIISampler({ populationSize: 50 }).referencePointsFor(3)).toHaveLength(45);
    expect(new NsgaIIISampler({ populationSize: 92, dividingParameter: 12 }).referencePointsFor(3)).toHaveLength(91);
    const given = [
      [1, 0, 0],
      [0, 1, 1],
    ];
    const s = new NsgaIIISampler({ referencePoints: given });
    expect(s.referencePointsFor(3)).toEqual(given);
    expect(() => s.referencePointsFor(2)).toThrow(/referencePoints have 3 coordinates but the study has 2 objectives/);
  });

  it('rejects invalid reference points and divisions', () => {
    expect(() => new NsgaIIISampler({ referencePoints: [] })).toThrow(InvalidArgumentError);
    expect(() => new NsgaIIISampler({ referencePoints: [[1, 0], [1]] })).toThrow(InvalidArgumentError);
    expect(() => new NsgaIIISampler({ referencePoints: [[0, 0]] })).toThrow(InvalidArgumentError);
    expect(() => new NsgaIIISampler({ dividingParameter: 0 })).toThrow(InvalidArgumentError);
  });
});
