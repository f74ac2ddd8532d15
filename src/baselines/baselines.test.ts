import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { floatDistribution, categoricalDistribution, intDistribution } from '../space/distributions.js';
import { createStudy, loadStudy } from '../study/create-study.js';
import {
  BASELINE_ATTR,
  enqueueBaselines,
  fitBaselineToSpace,
  formatImprovement,
  getBaseline,
  improvementOverBaseline,
  listBaselines,
  registerBaseline,
} from './index.js';

const tmp = mkdtempSync(join(tmpdir(), 'dials-baselines-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('baseline registry', () => {
  it('looks baselines up by name and version, with their source', () => {
    const adam = getBaseline('adam-default@1');
    expect(adam.params).toEqual({ optimizer: 'adam', lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });
    expect(adam.source).toMatch(/Kingma/);
    for (const ref of ['sgd-momentum@1', 'random-forest-sklearn@1', 'xgboost-default@1', 'svm-rbf-default@1', 'knn-default@1', 'mlp-small@1']) {
      expect(getBaseline(ref).source.length).toBeGreaterThan(10);
    }
    expect(getBaseline('knn-default').params.k).toBe(5);
    expect(() => getBaseline('adam-default@7')).toThrow(/has no version 7; versions: 1/);
    expect(() => getBaseline('nope@1')).toThrow(/no baseline named "nope"; known: .*adam-default/);
    expect(() => getBaseline('adam default')).toThrow(/not a baseline reference/);
    expect(listBaselines({ family: 'optimizer' }).map((b) => b.name)).toContain('sgd-momentum');
  });

  it('registers user baselines; a version never changes its values', () => {
    registerBaseline({ name: 'team-cnn', version: 1, family: 'tfjs-cnn', params: { lr: 3e-4 }, source: 'team report 2025-06' });
    registerBaseline({ name: 'team-cnn', version: 1, family: 'tfjs-cnn', params: { lr: 3e-4 }, source: 'team report 2025-06' });
    expect(() => registerBaseline({ name: 'team-cnn', version: 1, family: 'tfjs-cnn', params: { lr: 1e-3 }, source: 'x' })).toThrow(
      /register a new version \(team-cnn@2\)/,
    );
    registerBaseline({ name: 'team-cnn', version: 2, family: 'tfjs-cnn', params: { lr: 1e-3 }, source: 'team report 2025-09' });
    expect(getBaseline('team-cnn').params.lr).toBe(1e-3);
    expect(getBaseline('team-cnn@1').params.lr).toBe(3e-4);
    expect(() => registerBaseline({ name: 'Bad Name', version: 1, family: 'x', params: { a: 1 }, source: 's' })).toThrow(InvalidArgumentError);
    expect(() => registerBaseline({ name: 'nosrc', version: 1, family: 'x', params: { a: 1 }, source: ' ' })).toThrow(/give a source/);
    expect(() => registerBaseline({ name: 'nan', version: 1, family: 'x', params: { a: Number.NaN }, source: 's' })).toThrow(/not a finite number/);
  });

  it('validates against the space: renames, drops extras, errors or maps values that do not fit', () => {
    const adam = getBaseline('adam-default@1');
    const space = {
      optimizer: categoricalDistribution('optimizer', ['adam', 'sgd']),
      learningRate: floatDistribution('learningRate', 1e-5, 1e-1, { log: true }),
    };
    expect(fitBaselineToSpace(adam, space, { rename: { lr: 'learningRate' } })).toEqual({ optimizer: 'adam', learningRate: 1e-3 });
    expect(() => fitBaselineToSpace(adam, space, { rename: { lr: 'learningRate' }, extra: 'error' })).toThrow(/"beta1" is not in the study's space/);
    const narrow = { lr: floatDistribution('lr', 1e-2, 1e-1, { log: true }) };
    expect(() => fitBaselineToSpace(adam, narrow)).toThrow(/lr = 0.001 is outside the space's float range \[0.01, 0.1\].*outOfRange: 'map'/);
    expect(fitBaselineToSpace(adam, narrow, { outOfRange: 'map' })).toEqual({ lr: 1e-2 });
    const knn = getBaseline('knn-default@1');
    expect(fitBaselineToSpace(knn, { k: intDistribution('k', 10, 50, { step: 4 }) }, { outOfRange: 'map' })).toEqual({ k: 10 });
    expect(() => fitBaselineToSpace(adam, { optimizer: categoricalDistribution('optimizer', ['sgd']) })).toThrow(/"adam" is not one of the choices/);
  });
});

const objective = (t: import('../study/trial.js').Trial): number => {
  const lr = t.suggestFloat('lr', 1e-5, 1, { log: true });
  const opt = t.suggestCategorical('optimizer', ['adam', 'sgd']);
  return (Math.log10(lr) + 2.5) ** 2 + (opt === 'adam' ? 0 : 0.5);
};

describe('baselines in a study', () => {
  it('runs the baselines first, marked, and states the improvement over them per direction', async () => {
    const study = await createStudy({
      baselines: {
        use: ['adam-default@1', 'sgd-momentum@1'],
        space: { lr: floatDistribution('lr', 1e-5, 1, { log: true }), optimizer: categoricalDistribution('optimizer', ['adam', 'sgd']) },
      },
    });
    expect(await improvementOverBaseline(study)).toBeNull();
    await study.optimize(objective, { nTrials: 30 });
    const trials = await study.getTrials();
    expect(trials.slice(0, 2).map((t) => t.systemAttrs[BASELINE_ATTR])).toEqual(['adam-default@1', 'sgd-momentum@1']);
    expect(trials.slice(0, 2).map((t) => t.params)).toEqual([
      { lr: 1e-3, optimizer: 'adam' },
      { lr: 0.01, optimizer: 'sgd' },
    ]);
    expect(trials.slice(2).every((t) => t.systemAttrs[BASELINE_ATTR] === undefined)).toBe(true);
    const imp = await improvementOverBaseline(study);
    const best = await study.bestTrial();
    // adam: (−3 + 2.5)² = 0.25; sgd: (−2 + 2.5)² + 0.5 = 0.75; the best baseline is adam.
    expect(imp?.baseline).toEqual({ ref: 'adam-default@1', number: 0, value: 0.25 });
    expect(imp?.best.value).toBe(best.value);
    expect(imp?.absolute).toBeCloseTo(0.25 - (best.value as number), 12);
    expect(imp?.relative).toBeCloseTo((0.25 - (best.value as number)) / 0.25, 12);
    expect(imp?.absolute).toBeGreaterThan(0);
    expect(formatImprovement(imp)).toMatch(/^improvement over baseline adam-default@1 \(trial 0, 0.2500\): 0\.\d+ \(\d+\.\d% lower\)$/);
    // Enqueueing again changes nothing.
    const again = await study.enqueueBaselines(['adam-default@1']);
    expect(again[0]?.created).toBe(false);
  });

  it('maximization: the improvement is how much higher the best trial is', async () => {
    const study = await createStudy({ direction: 'maximize' });
    await study.enqueueBaselines(['knn-default@1']);
    await study.optimize((t) => -((t.suggestInt('k', 1, 40) - 17) ** 2) + 100, { nTrials: 25 });
    const imp = await improvementOverBaseline(study);
    // k = 5: 100 − 144 = −44.
    expect(imp?.baseline.value).toBe(-44);
    expect(imp?.absolute).toBe((imp?.best.value as number) + 44);
    expect(imp?.relative).toBeCloseTo((imp?.absolute as number) / 44, 12);
  });

  it('rejects a baseline that shares nothing with the space, enqueueing none', async () => {
    const study = await createStudy();
    await expect(enqueueBaselines(study, ['adam-default@1', 'knn-default@1'], { space: { lr: floatDistribution('lr', 1e-4, 1e-1) } })).rejects.toThrow(
      /knn-default@1 shares no parameter/,
    );
    expect(await study.getTrials()).toHaveLength(0);
  });

  it('two processes on one SQLite file enqueue each baseline exactly once', async () => {
    const db = join(tmp, 'two.db');
    const script = join(tmp, 'worker.mts');
    writeFileSync(
      script,
      `import { createStudy } from ${JSON.stringify(resolve(import.meta.dirname, '../study/create-study.ts'))};
const study = await createStudy({ studyName: 'shared', storage: ${JSON.stringify(`sqlite:${db}`)}, loadIfExists: true, baselines: ['adam-default@1', 'sgd-momentum@1', 'rmsprop-default@1'] });
await study.optimize((t) => (t.suggestFloat('lr', 1e-5, 1, { log: true }) - 0.01) ** 2 + (t.suggestCategorical('optimizer', ['adam', 'sgd', 'rmsprop']) === 'adam' ? 0 : 1), { nTrials: 6 });
await study.close();
`,
    );
    const run = () =>
      new Promise<number>((ok, fail) => {
        const p = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d) => {
          err += String(d);
        });
        p.on('error', fail);
        p.on('exit', (code) => (code === 0 ? ok(code) : fail(new Error(`worker exited ${code}: ${err}`))));
      });
    await Promise.all([run(), run()]);
    const study = await loadStudy({ studyName: 'shared', storage: `sqlite:${db}` });
    const trials = await study.getTrials();
    await study.close();
    expect(trials).toHaveLength(12);
    const marks = trials.map((t) => t.systemAttrs[BASELINE_ATTR]).filter((v) => v !== undefined);
    expect(marks.sort()).toEqual(['adam-default@1', 'rmsprop-default@1', 'sgd-momentum@1']);
    // Baselines ran first: they hold the lowest numbers.
    expect(
      trials
        .filter((t) => t.systemAttrs[BASELINE_ATTR] !== undefined)
        .map((t) => t.number)
        .sort(),
    ).toEqual([0, 1, 2]);
    expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
  }, 30_000);
});
