/**
 * Studies the browser tests look at, written through the public library into
 * a real SQLite file. Everything a page should show is known in advance and
 * returned, so tests can count marks exactly.
 */
import { NOTE_ATTR } from '../../src/dashboard/api.js';
import { createStudy, enqueueBaselines, floatDistribution, MemoryArtifactStore, RandomSampler, runPbt, type Study } from '../../src/index.js';
import { encodeAttr } from '../../src/json.js';

export interface SeededStudies {
  /** Single objective (minimize), 4 params, folds, every state, ±Infinity. */
  readonly main: {
    readonly name: string;
    readonly complete: number;
    readonly completeFinite: number;
    readonly pruned: number;
    readonly failed: number;
    readonly running: number;
    readonly waiting: number;
    readonly total: number;
    readonly withReports: number;
    readonly folds: readonly number[];
    readonly infTrial: number;
    readonly logTrial: number;
    readonly bestValue: number;
    readonly bestNumber: number;
    /** Trial 0 runs the established baseline adam-default@1 (lr = 1e-3, the rest sampled). */
    readonly baseline: { readonly ref: string; readonly number: number; readonly value: number };
  };
  readonly pareto2: { readonly name: string; readonly complete: number; readonly front: number };
  readonly pareto3: { readonly name: string; readonly complete: number; readonly front: number };
  /** Maximize, best value +Infinity. */
  readonly infBest: { readonly name: string };
  /** Population-based training: `members` members × `segments / members` segments. */
  readonly pbt: { readonly name: string; readonly members: number; readonly segments: number };
}

export const MAIN_NOTE = [
  '# Findings',
  '',
  'The **learning rate** matters most; see [the docs](https://example.com/docs).',
  '',
  '- depth above 4 overfits',
  '- `gelu` is as good as `relu`',
].join('\n');

/** Objective of the main study: x and lr matter, with an x·depth interaction. */
function mainObjective(x: number, lr: number, act: string, depth: number): number {
  return (x - 1) ** 2 + 0.5 * (Math.log10(lr) + 2.5) ** 2 + (act === 'tanh' ? 0.3 : 0) + 0.2 * x * (depth - 3);
}

function dominates(a: readonly number[], b: readonly number[]): boolean {
  let strictly = false;
  for (let k = 0; k < a.length; k++) {
    if (a[k]! > b[k]!) return false;
    if (a[k]! < b[k]!) strictly = true;
  }
  return strictly;
}

function frontSize(points: readonly (readonly number[])[]): number {
  return points.filter((p, i) => !points.some((q, j) => j !== i && dominates(q, p))).length;
}

async function seedMain(storage: string, name: string): Promise<SeededStudies['main']> {
  const study = await createStudy({ studyName: name, storage, direction: 'minimize', sampler: new RandomSampler({ seed: 7 }) });
  let complete = 0;
  let completeFinite = 0;
  let pruned = 0;
  let failed = 0;
  let withReports = 0;
  let best = Number.POSITIVE_INFINITY;
  let bestNumber = -1;
  let baselineValue = Number.NaN;
  let infTrial = -1;
  let logTrial = -1;
  const N = 48;
  const [baseline] = await enqueueBaselines(study, ['adam-default@1'], { space: { lr: floatDistribution('lr', 1e-4, 1e-1, { log: true }) } });
  for (let i = 0; i < N; i++) {
    const t = await study.ask();
    const x = t.suggestFloat('x', -3, 3);
    const lr = t.suggestFloat('lr', 1e-4, 1e-1, { log: true });
    const act = t.suggestCategorical('act', ['relu', 'tanh', 'gelu']);
    const depth = t.suggestInt('depth', 1, 6);
    const value = mainObjective(x, lr, act, depth);
    t.setUserAttr('epoch_time', 1 + (i % 5));
    if (i % 3 === 0) {
      // Cross-validated learning curves: folds 0 and 1, 6 steps each.
      for (let fold = 0; fold < 2; fold++) for (let step = 0; step < 6; step++) t.report(value + 1 / (step + 1) + 0.1 * fold, step, { fold });
      withReports++;
    } else if (i % 3 === 1) {
      for (let step = 0; step < 8; step++) t.report(value + 2 / (step + 1), step);
      withReports++;
    }
    if (i === 9) {
      await study.tell(t, { state: 'FAIL' });
      failed++;
    } else if (i === 13 || i === 22) {
      await study.tell(t, { state: 'PRUNED' });
      pruned++;
    } else if (i === 17) {
      infTrial = t.number;
      await study.tell(t, Number.POSITIVE_INFINITY); // a diverged run
      complete++;
    } else {
      if (i === 5) {
        // A CLI trial's captured output, as the runner stores it (system attributes `dials:log…`).
        logTrial = t.number;
        await t.flush();
        await study.storage.updateTrial(t.trialId, t.leaseId, {
          attrs: [{ kind: 'system', key: 'dials:log:stdout', json: attrJson('epoch 1 loss 0.9\nepoch 2 loss 0.5\n<b>not bold</b>\n') }],
        });
      }
      await study.tell(t, value);
      complete++;
      completeFinite++;
      if (value < best) {
        best = value;
        bestNumber = t.number;
      }
      if (t.number === baseline!.number) baselineValue = value;
    }
  }
  const running = await study.ask();
  running.suggestFloat('x', -3, 3);
  running.report(3, 0);
  await running.flush();
  await study.enqueueTrial({ x: 0.5, lr: 0.001, act: 'relu', depth: 2 });
  await study.setSystemAttr(NOTE_ATTR, { markdown: MAIN_NOTE, version: 1, updatedAt: Date.now() });
  await study.setUserAttr('dataset', 'mnist');
  return {
    name,
    complete,
    completeFinite,
    pruned,
    failed,
    running: 1,
    waiting: 1,
    total: N + 2,
    withReports,
    folds: [0, 1],
    infTrial,
    logTrial,
    bestValue: best,
    bestNumber,
    baseline: { ref: baseline!.ref, number: baseline!.number, value: baselineValue },
  };
}

async function seedPareto(storage: string, name: string, nObj: 2 | 3, n: number): Promise<{ name: string; complete: number; front: number }> {
  const study = await createStudy({ studyName: name, storage, directions: Array(nObj).fill('minimize'), sampler: new RandomSampler({ seed: 3 }) });
  const points: number[][] = [];
  for (let i = 0; i < n; i++) {
    const t = await study.ask();
    const a = t.suggestFloat('a', 0, 1);
    const b = t.suggestFloat('b', 0, 1);
    // b only adds to every objective, so trials with a large b are dominated.
    const v = nObj === 2 ? [a, (1 - Math.sqrt(a)) * (1 + b)] : [a + b, (1 - a) * (1 + b), Math.abs(a - 0.5) + b];
    points.push(v);
    await study.tell(t, v);
  }
  return { name, complete: n, front: frontSize(points) };
}

export async function seedStudies(
  storage: string,
  names: { main?: string; pareto2?: string; pareto3?: string; infBest?: string; pbt?: string } = {},
): Promise<SeededStudies> {
  const main = await seedMain(storage, names.main ?? 'quadratic');
  const pareto2 = await seedPareto(storage, names.pareto2 ?? 'pareto-2', 2, 40);
  const pareto3 = await seedPareto(storage, names.pareto3 ?? 'pareto-3', 3, 30);
  const infName = names.infBest ?? 'diverges';
  const inf: Study = await createStudy({ studyName: infName, storage, direction: 'maximize', sampler: new RandomSampler({ seed: 1 }) });
  for (const v of [1, Number.POSITIVE_INFINITY, 2]) {
    const t = await inf.ask();
    t.suggestFloat('p', 0, 1);
    await inf.tell(t, v);
  }
  const pbt = await seedPbt(storage, names.pbt ?? 'pbt-toy');
  return { main, pareto2, pareto3, infBest: { name: infName }, pbt };
}

/** The toy problem of the PBT paper: maximize 1.2 − (θ₀² + θ₁²) by gradient ascent on a surrogate weighted by h. */
async function seedPbt(storage: string, name: string): Promise<SeededStudies['pbt']> {
  const study = await createStudy({ studyName: name, storage, direction: 'maximize' });
  const population = 4;
  const readyEvery = 4;
  const totalSteps = 16;
  await runPbt({
    study,
    space: { h0: { kind: 'float', low: 0, high: 1 }, h1: { kind: 'float', low: 0, high: 1 } },
    population,
    readyEvery,
    totalSteps,
    seed: 5,
    artifacts: new MemoryArtifactStore(),
    member: {
      init: () => [0.9, 0.9],
      step: (theta: number[], p: { h0: number; h1: number }) => {
        theta[0] = theta[0]! - 0.02 * p.h0 * theta[0]!;
        theta[1] = theta[1]! - 0.02 * p.h1 * theta[1]!;
        return 1.2 - (theta[0]! ** 2 + theta[1]! ** 2);
      },
      save: (theta: number[]) => theta.slice(),
      load: (state) => (state as number[]).slice(),
    },
  });
  return { name, members: population, segments: population * (totalSteps / readyEvery) };
}

/** Attribute JSON as storage writes it (used to plant system attributes such as logs). */
export function attrJson(value: unknown): string {
  return encodeAttr(value, 'attribute');
}
