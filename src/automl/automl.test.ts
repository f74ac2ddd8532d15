import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { loadStudy } from '../study/create-study.js';
import { automl } from './automl.js';
import { loadAutomlDataset } from './datasets.js';
import { modelFromJson, predict } from './model-file.js';

// Fast families and a trial budget keep this deterministic and quick; the benchmark runs them all on a time budget.
const fast = ['gbdt', 'decision_tree', 'knn', 'linear', 'naive_bayes', 'svm'] as const;

describe('automl', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dials-automl-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('iris: beats the majority class by a wide margin; every family default is on the leaderboard; the study is stored', async () => {
    const storage = `sqlite:${join(dir, 'iris.db')}`;
    const r = await automl({ data: loadAutomlDataset('iris'), target: 'target', trials: 9, families: [...fast], seed: 1, storage, studyName: 'iris' });
    expect(r.task).toBe('classification');
    expect(r.baselineScore).toBeCloseTo(1 / 3, 12);
    expect(r.best.mean).toBeGreaterThan(0.93);
    expect(r.leaderboard).toHaveLength(9);
    for (const f of fast) expect(r.leaderboard.some((e) => e.family === f)).toBe(true);
    // Best first.
    const complete = r.leaderboard.filter((e) => e.state === 'COMPLETE').map((e) => e.mean);
    expect(complete).toEqual(complete.slice().sort((a, b) => b - a));
    const study = await loadStudy({ studyName: 'iris', storage });
    expect((await study.getTrials()).length).toBe(9);
    await study.close();
    // The refitted model predicts the training data well.
    const model = await modelFromJson(JSON.parse(JSON.stringify(r.model)));
    const frame = loadAutomlDataset('iris');
    const { predictions } = await predict(model, frame);
    const truth = Array.from(frame.columns[frame.names.indexOf('target')] as Float64Array);
    expect(predictions.filter((p, i) => p === truth[i]).length / truth.length).toBeGreaterThan(0.93);
  }, 60_000);

  it('breast cancer: beats the majority class by a wide margin, racing folds with the Wilcoxon pruner', async () => {
    const r = await automl({
      data: loadAutomlDataset('breast_cancer'),
      target: 'target',
      trials: 6,
      families: ['knn', 'naive_bayes', 'svm'],
      pruner: 'wilcoxon',
      seed: 2,
    });
    expect(r.baselineScore).toBeCloseTo(357 / 569, 2);
    expect(r.best.mean).toBeGreaterThan(0.93);
    expect(r.best.mean - r.baselineScore).toBeGreaterThan(0.3);
  }, 60_000);

  it('regression is inferred from a continuous target and scored by r2 (diabetes)', async () => {
    const r = await automl({ data: loadAutomlDataset('diabetes'), target: 'target', trials: 4, families: ['linear', 'knn'], folds: 3 });
    expect(r.task).toBe('regression');
    expect(r.metric).toBe('r2');
    expect(r.baselineScore).toBeLessThan(0);
    expect(r.best.mean).toBeGreaterThan(0.4);
  }, 60_000);

  it('says what is wrong with bad input', async () => {
    const csv = (name: string, text: string): string => {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    };
    const rows = 'a,b,y\n1,2,x\n3,4,x\n5,6,x\n7,8,x\n9,1,x\n2,3,x\n';
    await expect(automl({ csvPath: csv('ok.csv', rows), target: 'label', trials: 1 })).rejects.toThrow(
      /target column "label" is not in the data; its columns are "a", "b", "y"/,
    );
    await expect(automl({ csvPath: csv('empty.csv', ''), target: 'y', trials: 1 })).rejects.toThrow(/empty.csv is empty/);
    await expect(automl({ csvPath: csv('one.csv', rows), target: 'y', trials: 1 })).rejects.toThrow(
      /only one class \("x"\); classification needs at least two/,
    );
    await expect(automl({ csvPath: csv('ok2.csv', rows), target: 'y', task: 'regression', trials: 1 })).rejects.toThrow(/cannot be regressed/);
    await expect(automl({ data: loadAutomlDataset('iris'), target: 'target', metric: 'rmse', trials: 1 })).rejects.toThrow(InvalidArgumentError);
    await expect(automl({ data: loadAutomlDataset('iris'), target: 'target', folds: 1, trials: 1 })).rejects.toThrow(/folds must be an integer ≥ 2/);
  });
});
