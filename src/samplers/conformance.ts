/**
 * The sampler conformance suite, run by every sampler with a few lines:
 *
 *   runSamplerConformance({ describe, it }, { name: 'random', make: (seed) => new RandomSampler({ seed }) });
 *
 * Checks: values in bounds, on the step, log ranges respected, categorical
 * choices returned as given, conditional parameters, empty / all-failed /
 * NaN-valued histories, same seed and history → same suggestions, and the
 * history never mutated. Exported from 'dials/testing'.
 */
import assert from 'node:assert/strict';
import { contains, type Distribution, type ParamValue } from '../space/distributions.js';
import { MemoryStorage } from '../storage/memory/memory-storage.js';
import { createStudy } from '../study/create-study.js';
import type { Trial } from '../study/trial.js';
import type { TestApi } from '../storage/conformance.js';
import type { Sampler } from './sampler.js';

export interface SamplerConformanceOptions {
  readonly name: string;
  readonly make: (seed: number) => Sampler;
  /** Trials per check (default 40). */
  readonly nTrials?: number;
  readonly skip?: readonly { readonly reason: string; readonly tests: readonly string[] }[];
}

/** The parameters the suite's objective asks for, so a grid can be built over them. */
export const SAMPLER_SUITE_SPACE: Readonly<Record<string, readonly ParamValue[]>> = {
  x: [-5, 0, 5],
  lr: [1e-5, 1e-3],
  q: [0, 0.25, 2],
  n: [1, 10],
  k: [1, 1024],
  s: [0, 30],
  c: ['a', 'b', 'c'],
  flag: [true, false],
  opt: ['on', null],
  y: [0, 1],
};

/** Seeded objective over mixed, conditional, log and stepped parameters. */
export function suiteObjective(trial: Trial): number {
  const x = trial.suggestFloat('x', -5, 5);
  const lr = trial.suggestFloat('lr', 1e-5, 1e-3, { log: true });
  const q = trial.suggestFloat('q', 0, 2, { step: 0.25 });
  const n = trial.suggestInt('n', 1, 10);
  const k = trial.suggestInt('k', 1, 1024, { log: true });
  const s = trial.suggestInt('s', 0, 30, { step: 3 });
  const c = trial.suggestCategorical('c', ['a', 'b', 'c']);
  const flag = trial.suggestCategorical('flag', [true, false]);
  const opt = trial.suggestCategorical('opt', ['on', null]);
  let y = 0;
  if (c === 'a') y = trial.suggestFloat('y', 0, 1);
  return (x - 1) ** 2 + Math.log10(lr) ** 2 / 10 + q + n / 10 + Math.log2(k) / 10 + s / 30 + (flag ? 0 : 0.5) + (opt === null ? 0.1 : 0) + y;
}

function checkTrialValues(params: Readonly<Record<string, ParamValue>>, dists: Readonly<Record<string, Distribution>>): void {
  for (const [name, v] of Object.entries(params)) {
    const d = dists[name] as Distribution;
    assert.ok(contains(d, v), `${name}=${String(v)} is outside ${JSON.stringify(d)}`);
    if (d.kind === 'categorical') assert.ok(d.choices.some((c) => Object.is(c, v)), `${name}=${String(v)} is not one of the choices as given`);
    if (d.kind === 'int') assert.ok(Number.isInteger(v), `${name}=${String(v)} is not an integer`);
  }
  if (params.c === 'a') assert.ok('y' in params, 'conditional y missing when c=a');
  else assert.ok(!('y' in params), 'conditional y present when c!=a');
}

export function runSamplerConformance(api: TestApi, options: SamplerConformanceOptions): void {
  const n = options.nTrials ?? 40;
  const skipped = new Map<string, string>();
  for (const s of options.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const test = (name: string, fn: () => Promise<void>): void => {
    const reason = skipped.get(name);
    if (reason !== undefined) api.it(`${name} (skipped: ${reason})`, () => {});
    else api.it(name, fn, 60_000);
  };
  const run = async (seed: number, objective: (t: Trial) => number, trials = n) => {
    const study = await createStudy({ storage: new MemoryStorage(), sampler: options.make(seed) });
    await study.optimize(objective, { nTrials: trials, catch: true });
    return study.getTrials();
  };

  api.describe(`sampler conformance: ${options.name}`, () => {
    test('keeps every value in bounds, on its step and among its choices, with conditional params', async () => {
      const trials = await run(11, suiteObjective);
      assert.ok(trials.length > 0);
      for (const t of trials) {
        assert.equal(t.state, 'COMPLETE', `trial ${t.number} is ${t.state}: ${t.failReason}`);
        checkTrialValues(t.params, t.distributions);
      }
    });

    test('spreads log-scale values over the decades', async () => {
      const trials = await run(12, suiteObjective, Math.max(n, 40));
      const decades = new Set(trials.map((t) => Math.floor(Math.log10(t.params.lr as number))));
      assert.ok(decades.size >= 2, `log-scale lr stayed in decades ${[...decades].join(',')}`);
    });

    test('gives the same suggestions for the same seed and history', async () => {
      const a = await run(7, suiteObjective);
      const b = await run(7, suiteObjective);
      assert.deepEqual(
        a.map((t) => t.params),
        b.map((t) => t.params),
      );
    });

    test('copes with an all-failed history', async () => {
      const trials = await run(13, (t) => {
        suiteObjective(t);
        throw new Error('always fails');
      });
      assert.equal(trials.length, n);
      for (const t of trials) {
        assert.equal(t.state, 'FAIL');
        checkTrialValues(t.params, t.distributions);
      }
    });

    test('copes with NaN and infinite objective values', async () => {
      const trials = await run(14, (t) => {
        const v = suiteObjective(t);
        return t.number % 3 === 0 ? Number.NaN : t.number % 3 === 1 ? Number.POSITIVE_INFINITY : v;
      });
      assert.equal(trials.length, n);
      assert.ok(trials.some((t) => t.state === 'FAIL' && t.failReason?.includes('NaN')));
      for (const t of trials) checkTrialValues(t.params, t.distributions);
    });

    test('never mutates the history it reads', async () => {
      const storage = new MemoryStorage();
      const study = await createStudy({ storage, sampler: options.make(15) });
      await study.optimize(suiteObjective, { nTrials: Math.floor(n / 2) });
      const before = JSON.stringify(await study.getTrials());
      // Frozen snapshots throw on mutation in strict mode; the JSON check catches deep changes.
      await study.optimize(suiteObjective, { nTrials: Math.floor(n / 2) });
      const after = (await study.getTrials()).slice(0, Math.floor(n / 2));
      assert.equal(JSON.stringify(after), before);
    });
  });
}
