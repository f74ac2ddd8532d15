/**
 * Real demonstrations on a real dataset: a tfjs-layers MLP (wasm backend)
 * learning the hand-written digits of data/digits.csv.gz, tuned
 * (1) with asynchronous successive halving (SuccessiveHalvingPruner) and
 * (2) with population-based training. Small budgets, real outcomes: the
 * tuned model beats a poor fixed setting, ASHA stops bad settings early,
 * PBT's lineage in the SQLite storage is complete and its exploits carried
 * the good learning rate to the members that started with bad ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TrialPruned } from '../../src/errors.js';
import { learnedSchedule } from '../../src/pbt/records.js';
import { pbtSegments, runPbt } from '../../src/pbt/run-pbt.js';
import { SuccessiveHalvingPruner } from '../../src/pruners/successive-halving-pruner.js';
import { RandomSampler } from '../../src/samplers/random/random-sampler.js';
import { createStudy } from '../../src/study/create-study.js';
import type { Split } from '../../src/tfjs/datasets.js';
import type { Tfjs } from '../../src/tfjs/load-tfjs.js';
import { MlpClassifier, mlpPbtMember } from '../../src/tfjs/mlp-classifier.js';
import { checkLineage } from './pbt-lineage.js';
import { killChildren, spawnTs } from './spawn-ts.js';
import { DIGITS_HIDDEN, digitsTask, fixedRun, TFJS_CRASH_RUN, tfjsCrashSplit } from './tfjs-digits.js';

const tmp = mkdtempSync(join(tmpdir(), 'dials-tfjs-demo-'));
let tfjs: Tfjs;
let split: Split;
/** A poor fixed setting: Adam with a learning rate far too small for 8 epochs. */
let poorAccuracy: number;
const EPOCHS = 8;

beforeAll(async () => {
  ({ tfjs, split } = await digitsTask(1));
  poorAccuracy = (await fixedRun(tfjs, split, { lr: 1e-5, batchSize: 64, epochs: EPOCHS, seed: 1 })).at(-1) as number;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(killChildren);

describe('tfjs digits tuned with asynchronous successive halving', () => {
  it('finds a learning rate far better than a poor one, stopping most settings after one or three epochs', async () => {
    const study = await createStudy({
      storage: `sqlite:${join(tmp, 'asha.db')}`,
      direction: 'maximize',
      sampler: new RandomSampler({ seed: 3 }),
      pruner: new SuccessiveHalvingPruner({ minResource: 1, reductionFactor: 3 }),
    });
    let epochs = 0;
    await study.optimize(
      async (trial) => {
        const lr = trial.suggestFloat('lr', 1e-5, 0.1, { log: true });
        const batchSize = trial.suggestCategorical('batchSize', [32, 64, 128]);
        const net = MlpClassifier.create(tfjs, { inputs: 64, classes: 10, hidden: DIGITS_HIDDEN, seed: trial.number }, lr);
        try {
          let acc = 0;
          for (let e = 0; e < EPOCHS + 1; e++) {
            await net.fitEpoch(split.train, { batchSize, seed: trial.number * 1000 + e });
            epochs++;
            acc = net.evaluate(split.validation).accuracy;
            trial.report(acc, e + 1);
            if (trial.shouldPrune()) throw new TrialPruned();
          }
          return acc;
        } finally {
          net.dispose();
        }
      },
      { nTrials: 12 },
    );
    const trials = await study.getTrials();
    const pruned = trials.filter((t) => t.state === 'PRUNED');
    expect(pruned.length).toBeGreaterThanOrEqual(6);
    expect(epochs).toBeLessThan(0.5 * 12 * (EPOCHS + 1));
    const best = await study.bestTrial();
    expect(best.value as number).toBeGreaterThan(0.9);
    expect(best.value as number).toBeGreaterThan(poorAccuracy + 0.4);
    // Rungs at 1, 3 and 9 epochs: a pruned trial stopped right at a rung.
    for (const t of pruned) expect([1, 3]).toContain(t.intermediateValues.at(-1)?.step);
    await study.close();
  });
});

describe('tfjs digits tuned with population-based training', () => {
  it('exploits carry the good learning rate to the poorly started members; the lineage is complete', async () => {
    const study = await createStudy({ storage: `sqlite:${join(tmp, 'pbt.db')}`, direction: 'maximize' });
    const result = await runPbt({
      study,
      space: { lr: { kind: 'float', low: 1e-5, high: 0.1, log: true } },
      member: mlpPbtMember(tfjs, { split, hidden: DIGITS_HIDDEN, batchSize: 64 }),
      population: 4,
      readyEvery: 2,
      totalSteps: EPOCHS,
      seed: 7,
      quantile: 0.5,
      // Three members start poorly, one well.
      initialParams: [{ lr: 1e-5 }, { lr: 2e-5 }, { lr: 5e-5 }, { lr: 3e-3 }],
    });
    const segments = await pbtSegments(study);
    checkLineage(segments, 4, 2, EPOCHS);
    expect(result.best.score).toBeGreaterThan(poorAccuracy + 0.4);
    // At the first boundary the bottom half by accuracy copies the top half; the well-started member is in the top.
    const atTwo = segments.filter((s) => s.state === 'COMPLETE' && s.end === 2).sort((a, b) => (a.score as number) - (b.score as number));
    const bottom = atTwo.slice(0, 2).map((s) => s.member);
    const top = atTwo.slice(2).map((s) => s.member);
    expect(top).toContain(3);
    const firstExploits = segments.filter((s) => s.state === 'COMPLETE' && s.start === 2 && s.exploit !== null);
    expect(firstExploits.map((s) => s.member).sort()).toEqual(bottom.sort());
    for (const s of firstExploits) expect(top).toContain(s.exploit?.fromMember);
    // Every member ends with a learning rate at least 20 times its poor start's.
    for (const m of result.members) expect(m.params.lr).toBeGreaterThan(1e-3 / 4);
    // The best member's learned schedule runs from a fresh model at epoch 0 to epoch 8.
    const schedule = learnedSchedule(segments, result.best.trialNumber);
    expect(schedule[0]?.start).toBe(0);
    expect(schedule.at(-1)?.end).toBe(EPOCHS);
    await study.close();
  });
});

describe('tfjs PBT after kill -9', () => {
  it('resumes from the checkpoints with the exploited member’s perturbed learning rate and ends like an uninterrupted run', async () => {
    const expected = await runPbt({
      study: await createStudy({ storage: 'memory:', direction: 'minimize' }),
      ...TFJS_CRASH_RUN,
      member: mlpPbtMember(tfjs, { split: tfjsCrashSplit(), hidden: [8], batchSize: 64, score: 'loss' }),
    });
    const db = join(tmp, 'tfjs-crash.db');
    const first = spawnTs('test/demos/workers/pbt-tfjs-worker.ts', [JSON.stringify({ db, delayMs: 100 })]);
    // Kill once every member has started the second generation (epochs 2 to 4, the last).
    await first.waitFor(() => new Set(first.lines.filter((l) => l.step === 2).map((l) => l.member)).size === 4, 60_000);
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const second = spawnTs('test/demos/workers/pbt-tfjs-worker.ts', [JSON.stringify({ db, delayMs: 0 })]);
    expect((await second.exited).code, second.stderr()).toBe(0);
    const done = second.lines.find((l) => l.done === true) as { resumed: boolean; members: { score: number; params: unknown }[] };
    expect(done.resumed).toBe(true);
    expect(done.members).toEqual(expected.members.map((m) => ({ score: m.score, params: m.params })));
    // The exploited member's interrupted segment was run again with the same perturbed learning rate, from the copied checkpoint.
    const study = await createStudy({ studyName: 'tfjs', storage: `sqlite:${db}`, direction: 'minimize', loadIfExists: true });
    const segments = await pbtSegments(study);
    checkLineage(segments, 4, 2, 4);
    const reruns = segments.filter((s) => s.rerunOf !== null);
    expect(reruns.length).toBeGreaterThan(0);
    const exploitRerun = reruns.find((s) => s.exploit !== null);
    expect(exploitRerun).toBeDefined();
    const killed = segments.find((s) => s.trialNumber === exploitRerun?.rerunOf);
    expect(killed?.state).toBe('FAIL');
    expect(exploitRerun?.params).toEqual(killed?.params);
    expect(exploitRerun?.params.lr).not.toBe(exploitRerun?.exploit?.paramsCopied.lr);
    expect(exploitRerun?.checkpointIn).toBe(killed?.checkpointIn);
    // The lines printed after the restart show the rerun training with that learning rate.
    expect(second.lines.some((l) => l.member === exploitRerun?.member && l.step === 2 && l.lr === exploitRerun?.params.lr)).toBe(true);
    await study.close();
  });
});
