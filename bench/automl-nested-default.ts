/**
 * The fair counterpart of `bench/automl.ts --nested`: the default a user would
 * pick without hindsight, inside the same outer folds. For each outer fold of
 * the first evaluation split (seed --eval-seed, default 1000), every family's
 * default is scored by 5-fold CV on that fold's training rows alone (seed
 * --seed, the folds automl's search uses there), the best is taken and its
 * score on the held-out fold counted. Reported beside the nested automl score
 * and the hindsight best default recorded by `bench/automl.ts --nested`
 * (bench/results/automl-nested.json).
 *
 *   npx tsx bench/automl-nested-default.ts [--datasets iris,wine] [--families a,b]
 *
 * Writes bench/results/automl-nested-default.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crossValidatePipeline, cvFolds } from '../src/automl/automl.js';
import { frameRows } from '../src/automl/csv.js';
import { type AutomlDatasetName, loadAutomlDataset } from '../src/automl/datasets.js';
import { defaultConfig, familiesFor, type PipelineConfig } from '../src/automl/families.js';
import type { FamilyName } from '../src/automl/models/model.js';
import { encodeTarget } from '../src/automl/pipeline.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const here = dirname(fileURLToPath(import.meta.url));
const seed = Number(arg('seed', '0'));
const evalSeed = Number(arg('eval-seed', String(seed + 1000)));
const datasets = arg('datasets', 'iris,wine,breast_cancer,diabetes,penguins,cars').split(',') as AutomlDatasetName[];
const familiesArg = arg('families', '');
const nestedFile = join(here, 'results', 'automl-nested.json');
const nestedRows = new Map<string, { mean: number; bestDefault: number }>();
try {
  const old = JSON.parse(readFileSync(nestedFile, 'utf8')) as { results: { dataset: string; nested?: { mean: number; bestDefault: number } }[] };
  for (const r of old.results) if (r.nested) nestedRows.set(r.dataset, r.nested);
} catch {
  // Without the nested run's file only the chosen defaults are reported.
}

const out: Record<string, unknown>[] = [];
for (const name of datasets) {
  const frame = loadAutomlDataset(name);
  const task = encodeTarget(frame, 'target').task;
  // Every family with a default for the task (naive Bayes has none for regression).
  const configs = new Map<FamilyName, PipelineConfig>();
  for (const f of (familiesArg ? familiesArg.split(',') : familiesFor(task)) as FamilyName[]) {
    const c = defaultConfig(f, task);
    if (c !== undefined) configs.set(f, c);
  }
  const families = [...configs.keys()];
  const t0 = Date.now();
  // Each default's score on every outer fold (the same folds as the nested run's).
  const outer = new Map<FamilyName, number[]>();
  for (const f of families)
    outer.set(f, (await crossValidatePipeline({ data: frame, target: 'target', task, config: configs.get(f) as PipelineConfig, seed: evalSeed })).scores);
  const chosen: FamilyName[] = [];
  const scores: number[] = [];
  for (const [k, fold] of cvFolds(frame, 'target', { task, seed: evalSeed }).entries()) {
    const train = frameRows(frame, fold.trainIndex);
    let best: { family: FamilyName; mean: number } | null = null;
    for (const f of families) {
      const { mean } = await crossValidatePipeline({ data: train, target: 'target', task, config: configs.get(f) as PipelineConfig, seed });
      if (best === null || mean > best.mean) best = { family: f, mean };
    }
    const pick = (best as { family: FamilyName }).family;
    chosen.push(pick);
    scores.push((outer.get(pick) as number[])[k] as number);
  }
  const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
  const nested = nestedRows.get(name);
  const row = {
    dataset: name,
    cvChosenDefault: { mean, families: chosen, scores },
    nestedAutoml: nested?.mean ?? null,
    hindsightBestDefault: nested?.bestDefault ?? null,
    seconds: (Date.now() - t0) / 1000,
  };
  out.push(row);
  process.stderr.write(
    `${name}: CV-chosen default ${mean.toFixed(4)} (${chosen.join(', ')})${nested ? `; nested automl ${nested.mean.toFixed(4)} (${nested.mean - mean >= 0 ? '+' : ''}${(nested.mean - mean).toFixed(4)}); hindsight best default ${nested.bestDefault.toFixed(4)}` : ''}; ${row.seconds.toFixed(0)} s\n`,
  );
  writeFileSync(
    join(here, 'results', 'automl-nested-default.json'),
    `${JSON.stringify({ date: new Date().toISOString(), seed, evalSeed, results: out }, null, 2)}\n`,
  );
}
