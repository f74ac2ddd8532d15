import { describe, expect, it } from 'vitest';
import { loadProblems } from '../../../bench/problems.js';
import { createStudy, MemoryStorage, RandomSampler, type Sampler, type StudyView, type Trial, TpeSampler } from '../../index.js';
import type { FrozenTrial } from '../../trial/frozen-trial.js';
import type { TrialState } from '../../trial/state.js';
import { runSamplerConformance } from '../conformance.js';
import { CmaEsSampler } from './cmaes-sampler.js';

runSamplerConformance({ describe, it }, { name: 'CmaEsSampler', make: (seed) => new CmaEsSampler({ seed, onWarning: () => {} }) });

const quiet = { onWarning: () => {} };

function sphere(t: Trial, dim = 5, shift = 1.3): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += (t.suggestFloat(`x${i}`, -5, 5) - shift) ** 2;
  return s;
}

async function run(sampler: Sampler, objective: (t: Trial) => number, nTrials: number, direction: 'minimize' | 'maximize' = 'minimize') {
  const study = await createStudy({ storage: new MemoryStorage(), sampler, direction });
  await study.optimize(objective, { nTrials });
  return { study, trials: await study.getTrials() };
}

/** A history view as the study builds it, over a fixed list of trials. */
function view(trials: readonly FrozenTrial[], direction: 'minimize' | 'maximize' = 'minimize'): StudyView {
  return {
    studyName: 'view',
    directions: [direction],
    getTrials: (states?: readonly TrialState[]) => (states ? trials.filter((t) => states.includes(t.state)) : trials),
  };
}

function relativeFor(sampler: CmaEsSampler, v: StudyView, number: number): Readonly<Record<string, unknown>> {
  const trial = { number, gridIndex: null, fixedParams: {}, params: {} };
  return sampler.sampleRelative(v, trial, sampler.inferRelativeSearchSpace(v));
}

describe('CmaEsSampler', () => {
  it('gives the same suggestions for the same seed, and different ones for another seed', async () => {
    const a = await run(new CmaEsSampler({ seed: 3 }), sphere, 40);
    const b = await run(new CmaEsSampler({ seed: 3 }), sphere, 40);
    const c = await run(new CmaEsSampler({ seed: 4 }), sphere, 40);
    expect(b.trials.map((t) => t.params)).toEqual(a.trials.map((t) => t.params));
    expect(c.trials.map((t) => t.params)).not.toEqual(a.trials.map((t) => t.params));
  });

  it.each([true, false])(
    'rebuilds its state from the history alone: a fresh instance suggests what the running one does (quasiRandom %s)',
    async (quasiRandom) => {
      const sampler = new CmaEsSampler({ seed: 5, quasiRandom });
      const { trials } = await run(sampler, sphere, 57);
      expect(sampler.state?.generations).toBeGreaterThan(5);
      for (const cut of [10, 33, 57]) {
        const history = trials.slice(0, cut);
        const warm = relativeFor(sampler, view(history), cut);
        const fresh = relativeFor(new CmaEsSampler({ seed: 5, quasiRandom }), view(history), cut);
        expect(fresh).toEqual(warm);
      }
      // Replaying the recorded history reproduces each recorded trial (trial n drew its values from the state before it).
      for (const t of trials.slice(20)) {
        expect(relativeFor(new CmaEsSampler({ seed: 5, quasiRandom }), view(trials.slice(0, t.number)), t.number)).toEqual(t.params);
      }
    },
  );

  it('copes with out-of-order completions and several workers: all agree on the next suggestion', async () => {
    const storage = new MemoryStorage();
    const sampler = new CmaEsSampler({ seed: 8 });
    const study = await createStudy({ storage, sampler });
    for (let round = 0; round < 12; round++) {
      const open = [];
      for (let k = 0; k < 5; k++) open.push(await study.ask());
      // Tell in reverse, so completion order differs from trial order.
      for (const t of open.reverse()) await study.tell(t, sphere(t));
    }
    const trials = await study.getTrials();
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
    const best = Math.min(...trials.map((t) => t.value as number));
    expect(best).toBeLessThan(Math.min(...trials.slice(0, 10).map((t) => t.value as number)));
    const next = trials.length;
    const a = relativeFor(sampler, view(trials), next);
    const b = relativeFor(new CmaEsSampler({ seed: 8 }), view(trials), next);
    expect(b).toEqual(a);
    await expect(
      (async () => {
        const s = await createStudy({ storage: new MemoryStorage(), sampler: new CmaEsSampler({ seed: 9 }) });
        await s.optimize(sphere, { nTrials: 60, concurrency: 4 });
        return (await s.getTrials()).filter((t) => t.state === 'COMPLETE').length;
      })(),
    ).resolves.toBe(60);
  });

  it('keeps no stale state when one instance serves two studies of the same name', async () => {
    const sampler = new CmaEsSampler({ seed: 3, ...quiet });
    const a = await createStudy({ storage: new MemoryStorage(), sampler, studyName: 'same' });
    await a.optimize((t) => sphere(t, 3), { nTrials: 20 });
    expect(sampler.state?.params).toEqual(['x0', 'x1', 'x2']);
    const b = await createStudy({ storage: new MemoryStorage(), sampler, studyName: 'same' });
    await b.optimize((t) => (t.suggestFloat('y', 0, 1) - 0.5) ** 2 + (t.suggestInt('k', 0, 9) - 4) ** 2, { nTrials: 20 });
    expect(sampler.state?.params).toEqual(['k', 'y']);
    const fresh = new CmaEsSampler({ seed: 3, ...quiet });
    const c = await createStudy({ storage: new MemoryStorage(), sampler: fresh, studyName: 'same' });
    await c.optimize((t) => (t.suggestFloat('y', 0, 1) - 0.5) ** 2 + (t.suggestInt('k', 0, 9) - 4) ** 2, { nTrials: 20 });
    expect((await c.getTrials()).map((t) => t.params)).toEqual((await b.getTrials()).map((t) => t.params));
  });

  it('maximizes: suggestions for maximizing −f equal those for minimizing f', async () => {
    const min = await run(new CmaEsSampler({ seed: 2 }), sphere, 40);
    const max = await run(new CmaEsSampler({ seed: 2 }), (t) => -sphere(t), 40, 'maximize');
    expect(max.trials.map((t) => t.params)).toEqual(min.trials.map((t) => t.params));
  });

  it('starts from x0 with step sigma0, and from the best of warmStartTrials', async () => {
    // Trial 0 is the random startup trial; trials 1-8 are the first CMA-ES generation.
    const near = (trials: readonly FrozenTrial[], target: number, width: number) =>
      [0, 1, 2, 3, 4].every((i) => Math.abs(trials.slice(1, 9).reduce((s, t) => s + (t.params[`x${i}`] as number), 0) / 8 - target) < width);
    const x0 = Object.fromEntries([0, 1, 2, 3, 4].map((i) => [`x${i}`, -4]));
    const fromX0 = await run(new CmaEsSampler({ seed: 1, x0, sigma0: 0.02 }), sphere, 9);
    expect(near(fromX0.trials, -4, 0.3)).toBe(true);
    expect(near(fromX0.trials, 0, 3)).toBe(false);

    const source = await run(new CmaEsSampler({ seed: 1 }), (t) => sphere(t, 5, 3), 200);
    const sourceBest = await source.study.bestValue();
    expect(sourceBest).toBeLessThan(0.5);
    const warm = await run(new CmaEsSampler({ seed: 1, warmStartTrials: source.trials }), (t) => sphere(t, 5, 3), 9);
    expect(near(warm.trials, 3, 1.5)).toBe(true); // σ = α = 0.1 of the range (1 here): the mean of 8 draws lies within 4 standard errors
    expect(() => new CmaEsSampler({ warmStartTrials: source.trials, sigma0: 0.1 })).toThrow(/drop x0 and sigma0/);
    expect(() => new CmaEsSampler({ warmStartTrials: [] })).toThrow(/no COMPLETE trial/);
  });

  it('hands parameters it does not model to a univariate TPE by default, not to random search', () => {
    const sampler = new CmaEsSampler({ seed: 4 });
    expect(sampler.independentSampler).toBeInstanceOf(TpeSampler);
    expect((sampler.independentSampler as TpeSampler).multivariate).toBe(false);
  });

  it('hands categorical and conditional parameters to the independent sampler, saying so once per parameter', async () => {
    const messages: string[] = [];
    const sampler = new CmaEsSampler({ seed: 4, onWarning: (m) => messages.push(m), independentSampler: new RandomSampler({ seed: 1 }) });
    await run(
      sampler,
      (t) => {
        const c = t.suggestCategorical('c', ['a', 'b']);
        const y = c === 'a' ? t.suggestFloat('y', 0, 1) : 0;
        return sphere(t, 2) + y + (c === 'a' ? 0 : 1);
      },
      30,
    );
    expect([...sampler.independentParams].sort()).toEqual(['c', 'y']);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toMatch(/"c" is sampled independently by RandomSampler because CMA-ES models float and int parameters only/);
    expect(sampler.state?.params).toEqual(['x0', 'x1']);
  });

  it('finds the optimum of an integer problem thanks to the margin', async () => {
    const objective = (t: Trial) => [0, 1, 2].reduce((s, i) => s + (t.suggestInt(`n${i}`, 0, 20) - 13) ** 2, 0) + (t.suggestInt('k', 1, 4) - 3) ** 2;
    for (const seed of [0, 1, 2]) {
      const { study } = await run(new CmaEsSampler({ seed }), objective, 150);
      expect(await study.bestValue(), `seed ${seed}`).toBe(0);
    }
  });

  it('restarts with a doubled population under IPOP once a run has converged', async () => {
    const sampler = new CmaEsSampler({ seed: 6, restartStrategy: 'ipop', ...quiet });
    await run(sampler, (t) => (t.suggestFloat('x', -1, 1) - 0.3) ** 2 + (t.suggestFloat('y', -1, 1) + 0.2) ** 2, 1200);
    expect(sampler.state?.restarts).toBeGreaterThanOrEqual(1);
    expect(sampler.state?.popsize).toBe(6 * 2 ** (sampler.state?.restarts ?? 0));
  });

  it("switches to separable CMA above 40 dimensions with useSeparableCma: 'auto' (the default)", async () => {
    const objective = (dim: number) => (t: Trial) => sphere(t, dim);
    const auto = new CmaEsSampler({ seed: 1 });
    await run(auto, objective(41), 40);
    expect(auto.state).toMatchObject({ separable: true, popsize: 4 + Math.floor(3 * Math.log(41)) });
    const small = new CmaEsSampler({ seed: 1 });
    await run(small, objective(40), 5);
    expect(small.state?.separable).toBe(false);
    const forced = new CmaEsSampler({ seed: 1, useSeparableCma: true });
    await run(forced, objective(3), 5);
    expect(forced.state?.separable).toBe(true);
  });

  it('beats random search clearly on levy6 and ackley5 (median regret, 5 seeds, 100 trials)', async () => {
    const problems = loadProblems().filter((p) => p.name === 'levy6' || p.name === 'ackley5');
    for (const problem of problems) {
      const regrets = async (make: (seed: number) => Sampler) => {
        const out: number[] = [];
        for (let seed = 0; seed < 5; seed++) {
          const { study } = await run(
            make(seed),
            (t) =>
              problem.evaluate(
                Object.fromEntries(problem.space.map((e) => [e.name, t.suggestFloat(e.name, (e as { low: number }).low, (e as { high: number }).high)])),
              ),
            100,
          );
          out.push((await study.bestValue()) - problem.optimum);
        }
        return out.sort((a, b) => a - b)[2] as number;
      };
      const cma = await regrets((seed) => new CmaEsSampler({ seed }));
      const random = await regrets((seed) => new RandomSampler({ seed }));
      // "Clearly": at least a third of a decade lower than random search.
      expect(Math.log10(cma), `${problem.name}: CMA-ES ${cma}, random ${random}`).toBeLessThan(Math.log10(random) - 0.33);
    }
  });

  it('spends well under 1.5 ms per trial at 100 trials on a 5-d objective (in-memory storage)', async () => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new CmaEsSampler({ seed: 1 }) });
    await study.optimize(sphere, { nTrials: 90 });
    const t0 = performance.now();
    await study.optimize(sphere, { nTrials: 20 });
    const perTrial = (performance.now() - t0) / 20;
    expect(perTrial).toBeLessThan(1.5);
  });

  it('rejects invalid options and multi-objective studies', async () => {
    expect(() => new CmaEsSampler({ popsize: 1 })).toThrow(/popsize/);
    expect(() => new CmaEsSampler({ sigma0: 0 })).toThrow(/sigma0/);
    expect(() => new CmaEsSampler({ nStartupTrials: -1 })).toThrow(/nStartupTrials/);
    expect(() => new CmaEsSampler({ restartStrategy: 'bipop' as 'ipop' })).toThrow(/restartStrategy/);
    expect(() => new CmaEsSampler({ incPopsize: 1 })).toThrow(/incPopsize/);
    const study = await createStudy({ storage: new MemoryStorage(), sampler: new CmaEsSampler({ seed: 1 }), directions: ['minimize', 'minimize'] });
    await expect(study.ask()).rejects.toThrow(/single objective/);
  });
});
