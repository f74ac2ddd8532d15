/**
 * Regularized evolution as Real et al. 2019 describe it: the population is
 * the P most recent models (the oldest leaves), the tournament takes the best
 * of S drawn members, the child differs from its parent in exactly one
 * choice; plus the sampler contract (conformance suite) and determinism.
 */
import { describe, expect, it } from 'vitest';
import { createStudy, MemoryStorage, RandomSampler, TrialPruned } from '../index.js';
import type { Trial } from '../study/trial.js';
import { runSamplerConformance } from '../samplers/conformance.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { agingPopulation, RegularizedEvolutionSampler, tournament } from './regularized-evolution-sampler.js';

runSamplerConformance(
  { describe, it },
  { name: 'RegularizedEvolutionSampler', make: (seed) => new RegularizedEvolutionSampler({ seed, populationSize: 10, sampleSize: 3 }) },
);

/** A toy "architecture": 8 categorical choices and a depth with per-block choices; the target is hidden. */
const TARGET = ['c', 'a', 'd', 'b', 'b', 'c', 'a', 'd'];
function toyArchitecture(trial: Trial): number {
  let score = 0;
  for (let i = 0; i < TARGET.length; i++) if (trial.suggestCategorical(`op${i}`, ['a', 'b', 'c', 'd']) === TARGET[i]) score++;
  const depth = trial.suggestInt('depth', 1, 3);
  for (let b = 0; b < depth; b++) score += trial.suggestInt(`block${b}.width`, 1, 8) / 8;
  score -= Math.abs(Math.log10(trial.suggestFloat('lr', 1e-4, 1e-1, { log: true })) + 2.5) / 2;
  return score;
}

async function run(sampler: RegularizedEvolutionSampler | RandomSampler, nTrials: number, objective = toyArchitecture) {
  const study = await createStudy({ storage: new MemoryStorage(), sampler, direction: 'maximize' });
  await study.optimize(objective, { nTrials, catch: true });
  return study.getTrials();
}

const differing = (a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): string[] =>
  Object.keys(a).filter((k) => Object.hasOwn(b, k) && a[k] !== b[k]);

describe('RegularizedEvolutionSampler', () => {
  it('ages the population: the P most recent COMPLETE trials, the oldest removed first; failed and pruned trials never join', async () => {
    const sampler = new RegularizedEvolutionSampler({ seed: 1, populationSize: 5, sampleSize: 2 });
    const trials = await run(sampler, 20, (t) => {
      const v = toyArchitecture(t);
      if (t.number % 7 === 3) throw new TrialPruned();
      if (t.number % 7 === 5) throw new Error('broken architecture');
      return v;
    });
    const complete = trials.filter((t) => t.state === 'COMPLETE').map((t) => t.number);
    expect(complete).toHaveLength(20 - 6);
    for (let n = 1; n <= trials.length; n++) {
      const history = trials.slice(0, n);
      const expected = history
        .filter((t) => t.state === 'COMPLETE')
        .map((t) => t.number)
        .slice(-5);
      expect(agingPopulation(history, 5).map((t) => t.number)).toEqual(expected);
    }
    // One more complete trial pushes out exactly the oldest member.
    const before = agingPopulation(trials.slice(0, 18), 5).map((t) => t.number);
    const after = agingPopulation(trials, 5).map((t) => t.number);
    expect(after.slice(0, -1)).toEqual(before.slice(1));
  });

  it('picks the best member of the tournament sample as the parent, and the child changes exactly one of its choices', async () => {
    const sampler = new RegularizedEvolutionSampler({ seed: 3, populationSize: 8, sampleSize: 3 });
    const trials = await run(sampler, 60);
    let mutatedDepth = 0;
    for (const child of trials.slice(8)) {
      const plan = sampler.plan(trials.slice(0, child.number), child.number, ['maximize']);
      expect(plan, `trial ${child.number}`).not.toBeNull();
      if (plan === null) continue;
      const population = plan.population.map((t) => t.number);
      expect(population).toEqual(
        trials
          .slice(0, child.number)
          .map((t) => t.number)
          .slice(-8),
      );
      expect(plan.sample).toHaveLength(3);
      expect(new Set(plan.sample.map((t) => t.number)).size).toBe(3);
      for (const m of plan.sample) expect(population).toContain(m.number);
      const best = Math.max(...plan.sample.map((t) => t.value as number));
      expect(plan.parent.value).toBe(best);
      // Exactly one choice differs from the parent, and it is the planned one.
      expect(differing(child.params, plan.parent.params)).toEqual([plan.mutated]);
      expect(child.params[plan.mutated as string]).toBe(plan.value);
      if (plan.mutated === 'depth') {
        mutatedDepth++;
        // Blocks the parent did not have are new; blocks it had are inherited.
        const depth = child.params.depth as number;
        for (let b = 0; b < depth; b++)
          if (Object.hasOwn(plan.parent.params, `block${b}.width`)) expect(child.params[`block${b}.width`]).toBe(plan.parent.params[`block${b}.width`]);
      }
    }
    expect(mutatedDepth).toBeGreaterThan(0);
  });

  it('tournament: a minimizing study takes the lowest value; with two objectives, a member no other dominates', () => {
    const t = (number: number, values: number[]) => ({ number, values, value: values[0] ?? null }) as unknown as FrozenTrial;
    expect(tournament([t(0, [3]), t(1, [1]), t(2, [2])], ['minimize']).number).toBe(1);
    expect(tournament([t(0, [3]), t(1, [1]), t(2, [2])], ['maximize']).number).toBe(0);
    // (acc, params): trial 1 dominates 0; 1 and 2 are mutually non-dominated, so the earlier draw (1) wins.
    const mo = [t(0, [0.8, 500]), t(1, [0.9, 400]), t(2, [0.7, 100])];
    expect(tournament(mo, ['maximize', 'minimize']).number).toBe(1);
    expect(tournament([mo[0] as FrozenTrial, mo[2] as FrozenTrial], ['maximize', 'minimize']).number).toBe(0);
  });

  it('is deterministic by seed and differs between seeds', async () => {
    const params = async (seed: number) => (await run(new RegularizedEvolutionSampler({ seed, populationSize: 6, sampleSize: 2 }), 30)).map((t) => t.params);
    const a = await params(11);
    expect(await params(11)).toEqual(a);
    expect(await params(12)).not.toEqual(a);
  });

  it('beats random search on a combinatorial toy architecture space (mean best of 6 seeds, 120 trials)', async () => {
    let evo = 0;
    let rnd = 0;
    for (let seed = 0; seed < 6; seed++) {
      const best = (ts: readonly FrozenTrial[]) => Math.max(...ts.map((t) => t.value ?? -Infinity));
      evo += best(await run(new RegularizedEvolutionSampler({ seed, populationSize: 20, sampleSize: 5 }), 120));
      rnd += best(await run(new RandomSampler({ seed }), 120));
    }
    // Measured: 10.2 against 6.8 (the maximum is 11).
    expect(evo / 6, `evolution ${evo / 6}, random ${rnd / 6}`).toBeGreaterThan(rnd / 6 + 2);
  });

  it('rejects a sample larger than the population, naming the bound', () => {
    expect(() => new RegularizedEvolutionSampler({ populationSize: 4, sampleSize: 5 })).toThrow(/sampleSize must be an integer in \[1, populationSize = 4\]/);
    expect(() => new RegularizedEvolutionSampler({ populationSize: 0 })).toThrow(/populationSize must be an integer >= 1/);
  });
});
