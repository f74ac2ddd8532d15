import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../errors.js';
import { createStudy, MemoryStorage, RandomSampler, type Sampler, type StudyDirection, type Trial } from '../../index.js';
import { hypervolume } from '../../math/hypervolume.js';
import { contains, type Distribution } from '../../space/distributions.js';
import { runSamplerConformance, suiteObjective } from '../conformance.js';
import { NsgaIISampler } from './nsga2-sampler.js';

runSamplerConformance(
  { describe, it },
  { name: 'NsgaIISampler (single objective: a genetic algorithm)', make: (seed) => new NsgaIISampler({ seed, populationSize: 8 }) },
);
runSamplerConformance(
  { describe, it },
  {
    name: 'NsgaIISampler (uniform crossover, uniform mutation)',
    make: (seed) => new NsgaIISampler({ seed, populationSize: 6, crossover: 'uniform', mutation: 'uniform' }),
  },
);
runSamplerConformance(
  { describe, it },
  { name: 'NsgaIISampler (BLX-α)', make: (seed) => new NsgaIISampler({ seed, populationSize: 6, crossover: { kind: 'blxalpha', alpha: 0.3 } }) },
);

/** ZDT1 in 10 dimensions (Zitzler, Deb & Thiele 2000). */
function zdt1(t: Trial): [number, number] {
  const x = Array.from({ length: 10 }, (_, i) => t.suggestFloat(`x${i}`, 0, 1));
  let s = 0;
  for (let i = 1; i < 10; i++) s += x[i] as number;
  const g = 1 + (9 * s) / 9;
  const f1 = x[0] as number;
  return [f1, g * (1 - Math.sqrt(f1 / g))];
}

async function run(sampler: Sampler, objective: (t: Trial) => number | number[], nTrials: number, directions: StudyDirection[] = ['minimize', 'minimize']) {
  const study = await createStudy({ storage: new MemoryStorage(), sampler, directions });
  await study.optimize(objective, { nTrials });
  return study.getTrials();
}

describe('NsgaIISampler', () => {
  it('samples generation 0 exactly as the random sampler with the same seed', async () => {
    const a = await run(new NsgaIISampler({ seed: 5, populationSize: 10 }), suiteObjective, 10, ['minimize']);
    const b = await run(new RandomSampler({ seed: 5 }), suiteObjective, 10, ['minimize']);
    expect(a.map((t) => t.params)).toEqual(b.map((t) => t.params));
  });

  it('keeps two-objective suggestions valid over the mixed, conditional space', async () => {
    const trials = await run(new NsgaIISampler({ seed: 2, populationSize: 6 }), (t) => [suiteObjective(t), (t.params.x as number) ** 2], 60);
    for (const t of trials) {
      expect(t.state).toBe('COMPLETE');
      for (const [name, v] of Object.entries(t.params)) expect(contains(t.distributions[name] as Distribution, v), `${name}=${String(v)}`).toBe(true);
      expect('y' in t.params).toBe(t.params.c === 'a');
    }
  });

  it('without crossover and mutation, every child copies a trial of an earlier generation', async () => {
    const sampler = new NsgaIISampler({ seed: 3, populationSize: 6, crossoverProb: 0, mutationProb: 0 });
    const trials = await run(sampler, (t) => [suiteObjective(t), t.suggestInt('n', 1, 10)], 36);
    const key = (p: object) => JSON.stringify(Object.entries(p).sort());
    for (const t of trials.slice(6)) {
      const earlier = trials.filter((u) => sampler.generationOf(u.number) < sampler.generationOf(t.number)).map((u) => key(u.params));
      expect(earlier, `trial ${t.number}`).toContain(key(t.params));
    }
  });

  it('gives a trial the same suggestions whether or not its generation-mates finished first (parallel workers)', async () => {
    const objective = (t: Trial): [number, number] => zdt1(t);
    const P = 8;
    // Sequential: each trial sees every earlier one finished.
    const sequential = await run(new NsgaIISampler({ seed: 12, populationSize: P }), objective, 3 * P);
    // Parallel: generations 1 and 2 are asked all at once, before any of their trials is told.
    const study = await createStudy({
      storage: new MemoryStorage(),
      sampler: new NsgaIISampler({ seed: 12, populationSize: P }),
      directions: ['minimize', 'minimize'],
    });
    await study.optimize(objective, { nTrials: P });
    for (let g = 1; g < 3; g++) {
      const asked = [];
      for (let i = 0; i < P; i++) asked.push(await study.ask());
      const values = asked.map((t) => objective(t));
      for (const [i, t] of asked.entries()) await study.tell(t, values[i] as number[]);
    }
    expect((await study.getTrials()).map((t) => t.params)).toEqual(sequential.map((t) => t.params));
  });

  it('treats a maximized objective as its negation', async () => {
    const a = await run(new NsgaIISampler({ seed: 4, populationSize: 8 }), zdt1, 40);
    const b = await run(new NsgaIISampler({ seed: 4, populationSize: 8 }), (t) => zdt1(t).map((v) => -v), 40, ['maximize', 'maximize']);
    expect(b.map((t) => t.params)).toEqual(a.map((t) => t.params));
  });

  it('prefers feasible trials: constraint values from constraintsFunc or trial.setConstraints give the same run', async () => {
    // Feasible when x0 + x1 <= 0.4 (8% of the square); the objectives pull towards x0 = 1 or x1 = 1.
    const constraint = (x0: number, x1: number) => [x0 + x1 - 0.4];
    const objective = (t: Trial) => {
      const x0 = t.suggestFloat('x0', 0, 1);
      const x1 = t.suggestFloat('x1', 0, 1);
      return [1 - x0, 1 - x1];
    };
    const withFunc = await run(
      new NsgaIISampler({ seed: 9, populationSize: 10, constraintsFunc: (t) => constraint(t.params.x0 as number, t.params.x1 as number) }),
      objective,
      100,
    );
    const withAttr = await run(
      new NsgaIISampler({ seed: 9, populationSize: 10 }),
      (t) => {
        const v = objective(t);
        t.setConstraints(constraint(t.params.x0 as number, t.params.x1 as number));
        return v;
      },
      100,
    );
    expect(withAttr.map((t) => t.params)).toEqual(withFunc.map((t) => t.params));
    const unconstrained = await run(new NsgaIISampler({ seed: 9, populationSize: 10 }), objective, 100);
    const feasibleShare = (ts: typeof withFunc) => ts.slice(50).filter((t) => (t.params.x0 as number) + (t.params.x1 as number) <= 0.4).length / 50;
    expect(feasibleShare(withFunc)).toBeGreaterThan(0.5);
    expect(feasibleShare(unconstrained)).toBeLessThan(0.2);
  });

  it('beats random search on ZDT1 (10-d) after 300 trials with populationSize 20, for each of 5 seeds', async () => {
    const ref = [11, 11];
    for (const seed of [0, 1, 2, 3, 4]) {
      const hvOf = async (sampler: Sampler) =>
        hypervolume(
          (await run(sampler, zdt1, 300)).map((t) => t.values as number[]),
          ref,
        );
      const nsga = await hvOf(new NsgaIISampler({ seed, populationSize: 20 }));
      const random = await hvOf(new RandomSampler({ seed }));
      expect(nsga, `seed ${seed}: NSGA-II HV ${nsga}, random ${random}`).toBeGreaterThan(random);
    }
  });

  it('improves on random search as a single-objective genetic algorithm', async () => {
    const sphere = (t: Trial) => {
      let s = 0;
      for (let i = 0; i < 5; i++) s += (t.suggestFloat(`x${i}`, -5, 5) - 1) ** 2;
      return s;
    };
    let wins = 0;
    for (const seed of [0, 1, 2, 3, 4]) {
      const best = async (sampler: Sampler) => Math.min(...(await run(sampler, sphere, 200, ['minimize'])).map((t) => t.value as number));
      if ((await best(new NsgaIISampler({ seed, populationSize: 20 }))) < (await best(new RandomSampler({ seed })))) wins++;
    }
    expect(wins).toBe(5);
  });

  it('rejects invalid options with the option named', () => {
    const bad: [object, string][] = [
      [{ populationSize: 1 }, 'populationSize'],
      [{ populationSize: 2.5 }, 'populationSize'],
      [{ mutationProb: 1.5 }, 'mutationProb'],
      [{ crossoverProb: -0.1 }, 'crossoverProb'],
      [{ swappingProb: Number.NaN }, 'swappingProb'],
      [{ crossover: 'spx' }, 'crossover'],
      [{ crossover: { kind: 'sbx', eta: -1 } }, 'crossover.eta'],
      [{ mutation: 'gaussian' }, 'mutation'],
      [{ constraintsFunc: 3 }, 'constraintsFunc'],
      [{ seed: -1 }, 'seed'],
    ];
    for (const [options, path] of bad) {
      let error: unknown;
      try {
        new NsgaIISampler(options as never);
      } catch (e) {
        error = e;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).path).toEqual([path]);
    }
  });
});
