import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recorder, running, trial, view } from '../../test/helpers/pruning-history.js';
import { InvalidArgumentError, TrialPruned } from '../errors.js';
import { RandomSampler } from '../samplers/random/random-sampler.js';
import { createStudy, loadStudy } from '../study/create-study.js';

import { rungKey, SuccessiveHalvingPruner } from './successive-halving-pruner.js';

const rungs = (...vs: number[]) => Object.fromEntries(vs.map((v, k) => [rungKey(k), v]));

describe('SuccessiveHalvingPruner', () => {
  it('records the rung value and promotes the first trial', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const ctx = recorder();
    expect(p.prune(view([]), running(0, [[0, 1]]), ctx)).toBe(false); // step 0 < rung 0 at step 1
    expect(ctx.attrs).toEqual({});
    expect(p.prune(view([]), running(0, [[1, 1]]), ctx)).toBe(false);
    expect(ctx.attrs).toEqual({ completed_rung_0: 1 });
  });

  it('promotes the best 1/η of the values recorded at the rung', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const h = [
      trial(0, { systemAttrs: rungs(0.5) }),
      trial(1, { state: 'PRUNED', systemAttrs: rungs(0.7) }),
      trial(2, { state: 'RUNNING', systemAttrs: rungs(2.0) }),
    ];
    // competing = [0.5, 0.7, 2.0, v]: ⌊4/2⌋ = 2 are promoted, so v must be ≤ 0.7
    expect(p.prune(view(h), running(3, [[1, 1.0]]))).toBe(true);
    expect(p.prune(view(h), running(3, [[1, 0.7]]))).toBe(false);
    expect(p.prune(view(h), running(3, [[1, 0.6]]))).toBe(false);
    // maximize: must be ≥ the second largest, 0.7
    expect(p.prune(view(h, ['maximize']), running(3, [[1, 0.6]]))).toBe(true);
    expect(p.prune(view(h, ['maximize']), running(3, [[1, 1.0]]))).toBe(false);
  });

  it('climbs several rungs in one call and stops at the first it fails', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    // rungs at steps 1, 2, 4, 8
    const h = [trial(0, { systemAttrs: rungs(1, 1, 1) }), trial(1, { systemAttrs: rungs(2, 2, 0.1) })];
    const ctx = recorder();
    // value 0.5 at step 4: rung 0 [1, 2, .5] ok, rung 1 [1, 2, .5] ok, rung 2 [1, .1, .5]: ⌊3/2⌋ = 1 promoted → .1 wins → pruned
    expect(p.prune(view(h), running(2, [[4, 0.5]]), ctx)).toBe(true);
    expect(ctx.attrs).toEqual(rungs(0.5, 0.5, 0.5));
    // A trial that already holds rungs 0 and 1 continues from rung 2.
    const ctx2 = recorder();
    expect(p.prune(view(h), running(2, [[4, 0.05]], rungs(9, 9)), ctx2)).toBe(false);
    expect(ctx2.attrs).toEqual({ completed_rung_2: 0.05 });
  });

  it('starts at minResource·η^minEarlyStoppingRate', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 2, reductionFactor: 3, minEarlyStoppingRate: 1 });
    const h = [trial(0, { systemAttrs: rungs(0) }), trial(1, { systemAttrs: rungs(0) }), trial(2, { systemAttrs: rungs(0) })];
    expect(p.prune(view(h), running(3, [[5, 9]]))).toBe(false); // first rung at step 6
    expect(p.prune(view(h), running(3, [[6, 9]]))).toBe(true);
  });

  it('needs more than bootstrapCount values at a rung before promoting', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2, bootstrapCount: 2 });
    expect(p.prune(view([trial(0, { systemAttrs: rungs(5) })]), running(1, [[1, 0]]))).toBe(true);
    expect(p.prune(view([trial(0, { systemAttrs: rungs(5) }), trial(1, { systemAttrs: rungs(6) })]), running(2, [[1, 0]]))).toBe(false);
  });

  it("estimates minResource 'auto' from the first COMPLETE trial: max(1, ⌊last step / 100⌋)", () => {
    const p = new SuccessiveHalvingPruner({ reductionFactor: 2 });
    expect(p.prune(view([]), running(0, [[50, 1]]))).toBe(false);
    expect(p.resolvedMinResource).toBeNull();
    const done = trial(0, {
      reports: [
        [0, 1],
        [299, 1],
      ],
      value: 1,
    });
    expect(p.prune(view([done]), running(1, [[1, 1]]))).toBe(false);
    expect(p.resolvedMinResource).toBe(2);
  });

  it('prunes NaN at a rung', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1 });
    expect(p.prune(view([]), running(0, [[1, Number.NaN]]))).toBe(true);
  });

  it('promotes by Pareto rank with several objectives', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 });
    const points = [
      [1, 3],
      [3, 1],
      [4, 4],
      [5, 5],
      [6, 6],
      [7, 7],
    ];
    const h = points.map((v, i) => trial(i, { systemAttrs: { completed_rung_0: v } }));
    const v = view(h, ['minimize', 'minimize']);
    // n = 7 with the new trial → fewer than ⌊7/2⌋ = 3 may lie in fronts ahead of it
    expect(p.prune(v, running(9, [[1, [0.5, 4]]]))).toBe(false); // first front
    expect(p.prune(v, running(9, [[1, [3.5, 3.5]]]))).toBe(false); // second front: 2 ahead
    expect(p.prune(v, running(9, [[1, [4.5, 4.5]]]))).toBe(true); // third front: 3 ahead
    expect(p.prune(v, running(9, [[1, [Number.NaN, 0]]]))).toBe(true);
    // maximizing the second objective turns the order of the diagonal around
    expect(p.prune(view(h, ['minimize', 'maximize']), running(9, [[1, [4.5, 4.5]]]))).toBe(false);
  });

  it('rejects bad options', () => {
    expect(() => new SuccessiveHalvingPruner({ reductionFactor: 1 })).toThrow(/reductionFactor must be an integer ≥ 2/);
    expect(() => new SuccessiveHalvingPruner({ minResource: 0 })).toThrow(InvalidArgumentError);
    expect(() => new SuccessiveHalvingPruner({ bootstrapCount: 1 })).toThrow(/set minResource/);
    expect(() => new SuccessiveHalvingPruner({ minEarlyStoppingRate: -1 })).toThrow(/minEarlyStoppingRate/);
    expect(() => new SuccessiveHalvingPruner({ rankBy: 'smoothed' as 'value' })).toThrow(/rankBy must be one of 'value', 'extrapolated', got "smoothed"/);
    expect(() => new SuccessiveHalvingPruner({ maxResource: 27 })).toThrow(/maxResource is only used with rankBy 'extrapolated'/);
    expect(() => new SuccessiveHalvingPruner({ rankBy: 'extrapolated', maxResource: 0 })).toThrow(/maxResource must be an integer ≥ 1/);
  });
});

/**
 * Crossing curves, 27 steps. Three fast configurations level off by step 3
 * and then overfit (their loss climbs); a slow starter is behind at step 3 but
 * still falling steeply, and ends far ahead.
 */
const fast = (k: number) => (s: number) => 0.19 + 0.005 * k + 0.3 * Math.exp(-1.5 * s) + 0.008 * Math.max(0, s - 3);
const slow = (s: number) => 0.02 + 0.6 * (s + 1) ** -0.8;
const CROSSING = [fast(0), fast(1), fast(2), slow];

async function runCrossing(pruner: SuccessiveHalvingPruner): Promise<{ states: string[]; best: number; rungs: unknown[] }> {
  const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }), pruner });
  await study.optimize(
    (trial) => {
      const curve = CROSSING[trial.number] as (s: number) => number;
      for (let s = 0; s < 27; s++) {
        trial.report(curve(s), s);
        if (trial.shouldPrune()) throw new TrialPruned();
      }
      return curve(26);
    },
    { nTrials: CROSSING.length },
  );
  const trials = await study.getTrials();
  const best = (await study.bestTrial()).number;
  await study.close();
  return { states: trials.map((t) => t.state), best, rungs: trials.map((t) => t.systemAttrs.completed_rung_0) };
}

describe("rankBy: 'extrapolated'", () => {
  it('promotes the slow starter with the steeper tail, which ranking by the current value prunes', async () => {
    // At the first rung (step 3): fast 0.193, 0.198, 0.203, slow 0.218.
    const byValue = await runCrossing(new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3 }));
    expect(byValue.states).toEqual(['COMPLETE', 'PRUNED', 'PRUNED', 'PRUNED']);
    expect(byValue.best).toBe(0); // final loss 0.37, against 0.06 for the slow starter
    const extrapolated = await runCrossing(new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated', maxResource: 27 }));
    expect(extrapolated.states).toEqual(['COMPLETE', 'PRUNED', 'PRUNED', 'COMPLETE']);
    expect(extrapolated.best).toBe(3);
    // The rung records the prediction: below the slow starter's value at step 3, and below the fast ones'.
    const [f0, , , s3] = extrapolated.rungs as number[];
    expect(s3).toBeLessThan(slow(3));
    expect(s3).toBeLessThan(f0 as number);
  });

  it("with maxResource 'auto', prunes nothing until a trial completes, then predicts at its last step", () => {
    const p = new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated' });
    const curve = (f: (s: number) => number, n: number) => Array.from({ length: n }, (_, s) => [s, f(s)] as const);
    expect(p.prune(view([]), running(1, curve(slow, 4)))).toBe(false);
    const done = trial(0, { value: fast(0)(26), reports: curve(fast(0), 27), systemAttrs: { completed_rung_0: fast(0)(3) } });
    const ctx = recorder();
    // n = 2 at the rung: only the best is promoted; the slow starter's prediction beats the fast one's recorded value
    expect(p.prune(view([done]), running(1, curve(slow, 4)), ctx)).toBe(false);
    expect(ctx.attrs.completed_rung_0).toBeLessThan(fast(0)(3));
  });

  it('records the prediction in the study’s direction when maximizing', () => {
    const p = new SuccessiveHalvingPruner({ minResource: 3, reductionFactor: 3, rankBy: 'extrapolated', maxResource: 27 });
    const ctx = recorder();
    const accuracy = [0.5, 0.7, 0.8, 0.85];
    expect(
      p.prune(
        view([], ['maximize']),
        running(
          0,
          accuracy.map((v, s) => [s, v] as const),
        ),
        ctx,
      ),
    ).toBe(false);
    const recorded = ctx.attrs.completed_rung_0 as number;
    expect(recorded).toBeGreaterThan(0.85); // still rising: predicted higher than the last value
    expect(recorded).toBeLessThanOrEqual(0.85 + (0.85 - 0.8) + 1e-12); // at most the second half's gain again
  });
});

describe('SuccessiveHalvingPruner in a study', () => {
  it('decides as Optuna does for two concurrent trials, and stores the rungs on the trial', async () => {
    // Optuna's test_successive_halving_pruner_intermediate_values.
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }), pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    const t0 = await study.ask();
    t0.report(1, 1);
    expect(t0.shouldPrune()).toBe(false); // the first trial is promoted
    await t0.flush();
    const t1 = await study.ask();
    expect(t1.shouldPrune()).toBe(false); // no report yet
    t1.report(2, 1);
    expect(t1.shouldPrune()).toBe(true); // [1, 2] at rung 0: only the best is promoted
    await study.tell(t0, 1);
    await study.tell(t1, { state: 'PRUNED' });
    const [a, b] = await study.getTrials();
    expect(a?.systemAttrs).toMatchObject({ completed_rung_0: 1 });
    expect(b?.systemAttrs).toMatchObject({ completed_rung_0: 2 });
    expect(b?.state).toBe('PRUNED');
    expect(b?.value).toBe(2);
    await study.close();
  });
});

describe('asynchronous successive halving across concurrent trials', () => {
  it('a running trial sees the rungs other running trials recorded after it started', async () => {
    const study = await createStudy({ sampler: new RandomSampler({ seed: 0 }), pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }) });
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const decisions = new Map<number, boolean>();
    // Both trials start before either reports. Trial 0 reaches rung 0 (step 1) first with a good value;
    // trial 1 reaches it later with a worse one and must be compared with trial 0's rung value.
    await study.optimize(
      async (trial) => {
        const good = trial.number === 0;
        trial.report(good ? 1 : 5, 0);
        await sleep(good ? 10 : 400);
        trial.report(good ? 0.5 : 4, 1);
        await sleep(50);
        decisions.set(trial.number, trial.shouldPrune());
        return good ? 0.5 : 4;
      },
      { nTrials: 2, concurrency: 2 },
    );
    expect(decisions.get(0)).toBe(false);
    expect(decisions.get(1)).toBe(true);
    await study.close();
  });
});

describe('rungs in a SQLite file', () => {
  it('survive the process: a study loaded again judges against the stored rungs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dials-sha-'));
    const storage = `sqlite:${join(dir, 'study.db')}`;
    try {
      const first = await createStudy({
        studyName: 'sha',
        storage,
        sampler: new RandomSampler({ seed: 0 }),
        pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }),
      });
      const t0 = await first.ask();
      t0.report(0.3, 0);
      t0.report(0.2, 1);
      expect(t0.shouldPrune()).toBe(false);
      await first.tell(t0, 0.1);
      await first.close();

      const again = await loadStudy({
        studyName: 'sha',
        storage,
        sampler: new RandomSampler({ seed: 0 }),
        pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 2 }),
      });
      const t1 = await again.ask();
      t1.report(0.9, 0);
      t1.report(0.8, 1);
      expect(t1.shouldPrune()).toBe(true);
      await again.tell(t1, { state: 'PRUNED' });
      const stored = await again.getTrials();
      expect(stored.map((t) => [t.state, t.systemAttrs.completed_rung_0])).toEqual([
        ['COMPLETE', 0.2],
        ['PRUNED', 0.8],
      ]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
