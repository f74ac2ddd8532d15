import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy, loadStudy } from '../study/create-study.js';
import { META_FEATURES_ATTR } from '../transfer/meta-features.js';
import { WARM_START_ATTR } from '../transfer/warm-start.js';
import type { FrozenTrial } from '../trial/frozen-trial.js';
import { type AutomlOptions, automl } from './automl.js';
import { loadAutomlDataset } from './datasets.js';
import { defaultConfig, type PipelineConfig, suggestPipeline, toTrialParams } from './families.js';
import type { FamilyName } from './models/model.js';
import { encodeTarget } from './pipeline.js';
import { AUTOML_ATTR, AUTOML_WARM_START_ATTR, type AutomlWarmStartInfo, frameMetaFeatures } from './warm-start.js';

const families: FamilyName[] = ['naive_bayes', 'decision_tree', 'knn', 'linear'];
const base = { target: 'target', trials: 10, families, seed: 0 } satisfies Partial<AutomlOptions>;

async function trialsOf(storage: string, studyName: string): Promise<{ trials: FrozenTrial[]; attrs: Record<string, unknown> }> {
  const study = await loadStudy({ studyName, storage });
  try {
    return { trials: await study.getTrials(), attrs: await study.systemAttrs() };
  } finally {
    await study.close();
  }
}

function bestParams(trials: readonly FrozenTrial[]): string {
  const done = trials.filter((t) => t.state === 'COMPLETE').sort((a, b) => (b.value as number) - (a.value as number) || a.number - b.number);
  return JSON.stringify(done[0]?.params);
}

describe('automl meta-learning warm start (SQLite)', () => {
  let dir: string;
  let storage: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dials-automl-ws-'));
    storage = `sqlite:${join(dir, 'automl.db')}`;
    // The earlier runs: wine (classification) and diabetes (regression).
    await automl({ ...base, data: loadAutomlDataset('wine'), storage, studyName: 'wine' });
    await automl({ ...base, trials: 4, families: ['knn', 'linear'], data: loadAutomlDataset('diabetes'), storage, studyName: 'diabetes' });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records the meta-features, task, metric and target on the study', async () => {
    const { attrs } = await trialsOf(storage, 'wine');
    expect(attrs[AUTOML_ATTR]).toMatchObject({ task: 'classification', metric: 'accuracy', direction: 'maximize', target: 'target', rows: 178, features: 13 });
    expect(attrs[META_FEATURES_ATTR]).toMatchObject({ task: 'classification', nClasses: 3 });
    expect(attrs[AUTOML_WARM_START_ATTR]).toBeUndefined();
  });

  it('a later run on iris tries the wine study best configuration first, seeds the TPE and records the study used; the regression study is not used', async () => {
    const wineBest = bestParams((await trialsOf(storage, 'wine')).trials);
    const seen: AutomlWarmStartInfo[] = [];
    await automl({ ...base, data: loadAutomlDataset('iris'), storage, studyName: 'iris-warm', onWarmStart: (i) => seen.push(i) });
    const { trials, attrs } = await trialsOf(storage, 'iris-warm');
    const first = trials.find((t) => t.number === 0) as FrozenTrial;
    expect(JSON.stringify(first.params)).toBe(wineBest);
    expect(first.userAttrs.warm_start).toBe(true);
    const info = attrs[AUTOML_WARM_START_ATTR] as AutomlWarmStartInfo;
    expect(info.studies.map((s) => s.study)).toEqual(['wine']);
    expect(info.configs).toBeGreaterThanOrEqual(1);
    expect(seen).toEqual([info]);
    expect((attrs[WARM_START_ATTR] as { sources: { study: string }[] }).sources.map((s) => s.study)).toEqual(['wine']);
    // No configuration runs twice: the warm configurations are dropped from the defaults and portfolio behind them.
    const keys = trials.filter((t) => t.userAttrs.warm_start || t.userAttrs.default || t.userAttrs.portfolio).map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(keys.length);
  }, 60_000);

  it('warmStart: false runs cold: the cheapest default first, no warm-start attribute', async () => {
    await automl({ ...base, data: loadAutomlDataset('iris'), storage, studyName: 'iris-cold', warmStart: false, onWarmStart: () => expect.unreachable() });
    const { trials, attrs } = await trialsOf(storage, 'iris-cold');
    expect(trials.find((t) => t.number === 0)?.params.family).toBe('naive_bayes');
    expect(trials.some((t) => t.userAttrs.warm_start)).toBe(false);
    expect(attrs[AUTOML_WARM_START_ATTR]).toBeUndefined();
    expect(attrs[WARM_START_ATTR]).toBeUndefined();
  }, 60_000);

  it('a regression run uses only the regression study; naming a study of the other task is an error', async () => {
    const seen: AutomlWarmStartInfo[] = [];
    const data = loadAutomlDataset('diabetes');
    await automl({ ...base, trials: 3, families: ['knn', 'linear'], data, storage, studyName: 'diabetes-2', onWarmStart: (i) => seen.push(i) });
    expect(seen.map((i) => i.studies.map((s) => s.study))).toEqual([['diabetes']]);
    await expect(automl({ ...base, trials: 1, families: ['knn'], data, storage, studyName: 'diabetes-3', warmStart: { studies: ['wine'] } })).rejects.toThrow(
      /warm-start study "wine" is a classification study; this run is regression/,
    );
    await expect(automl({ ...base, trials: 1, families: ['knn'], data, storage, studyName: 'diabetes-4', warmStart: { studies: ['nope'] } })).rejects.toThrow(
      /nope/,
    );
  }, 60_000);

  it('is off by default with the default in-process memory storage (runs of one process do not learn from each other unasked)', async () => {
    const data = loadAutomlDataset('iris');
    const seen: AutomlWarmStartInfo[] = [];
    await automl({ ...base, trials: 2, data, onWarmStart: (i) => seen.push(i) });
    await automl({ ...base, trials: 2, data, onWarmStart: (i) => seen.push(i) });
    expect(seen).toEqual([]);
    await automl({ ...base, trials: 2, data, storage: 'memory:', warmStart: true, onWarmStart: (i) => seen.push(i) });
    expect(seen).toHaveLength(1);
  }, 60_000);

  it('on data without missing values an earlier imputation becomes the mean before duplicates are dropped: no configuration runs twice', async () => {
    // An earlier study on data with missing values (penguins) whose best two are the knn default with median and with knn imputation.
    const penguins = loadAutomlDataset('penguins');
    const target = encodeTarget(penguins, 'target');
    const features = penguins.names.filter((n) => n !== 'target');
    const knn = defaultConfig('knn', 'classification') as PipelineConfig;
    const earlier = await createStudy({ studyName: 'penguins-impute', storage, direction: 'maximize' });
    try {
      await earlier.setSystemAttr(AUTOML_ATTR, {
        task: 'classification',
        metric: 'accuracy',
        direction: 'maximize',
        target: 'target',
        rows: target.rows.length,
        features: features.length,
      });
      await earlier.setSystemAttr(META_FEATURES_ATTR, frameMetaFeatures(penguins, features, target));
      for (const impute of ['median', 'knn'] as const) await earlier.enqueueTrial(toTrialParams({ ...knn, impute }));
      await earlier.optimize((t) => (suggestPipeline(t, 'classification', ['knn']).impute === 'median' ? 0.99 : 0.98), { nTrials: 2 });
    } finally {
      await earlier.close();
    }
    const seen: AutomlWarmStartInfo[] = [];
    const data = loadAutomlDataset('iris');
    const families: FamilyName[] = ['knn', 'naive_bayes'];
    await automl({
      ...base,
      trials: 4,
      families,
      data,
      storage,
      studyName: 'iris-impute',
      warmStart: { studies: ['penguins-impute'] },
      onWarmStart: (i) => seen.push(i),
    });
    const { trials } = await trialsOf(storage, 'iris-impute');
    // Iris has no missing values: both earlier configurations are the knn default with the mean, tried once, first.
    expect(seen[0]?.configs).toBe(1);
    expect(trials.find((t) => t.number === 0)?.params).toEqual(toTrialParams(knn));
    const keys = trials.map((t) => JSON.stringify(t.params));
    expect(new Set(keys).size).toBe(keys.length);
  }, 60_000);

  it('skips earlier configurations of a family the run does not search', async () => {
    const seen: AutomlWarmStartInfo[] = [];
    await automl({
      ...base,
      trials: 3,
      families: ['naive_bayes'],
      data: loadAutomlDataset('iris'),
      storage,
      studyName: 'iris-nb',
      warmStart: { studies: ['wine'] },
      onWarmStart: (i) => seen.push(i),
    });
    const { trials } = await trialsOf(storage, 'iris-nb');
    expect(trials.every((t) => t.params.family === 'naive_bayes')).toBe(true);
    expect(seen[0]?.studies.map((s) => s.study)).toEqual(['wine']);
  }, 60_000);
});
