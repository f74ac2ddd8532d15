/**
 * AutoML benchmark: on six real datasets, the 5-fold CV score of automl()
 * at a time budget (default 60 s) against every model family with its
 * default settings on the same folds. Aim: automl better than the best
 * default on every dataset.
 *
 *   npm run bench:automl                    # 60 s per dataset, all six
 *   npx tsx bench/automl.ts --budget 20 --datasets iris,wine
 *
 * Writes bench/results/automl.json and prints a Markdown table (for bench/README.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { automl } from '../src/automl/automl.js';
import { AUTOML_DATASETS, type AutomlDatasetName, loadAutomlDataset } from '../src/automl/datasets.js';
import { familiesFor } from '../src/automl/families.js';
import type { FamilyName } from '../src/automl/models/model.js';
import { inferTask } from '../src/automl/pipeline.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const budgetS = Number(arg('budget', '60'));
const datasets = arg('datasets', AUTOML_DATASETS.join(',')).split(',') as AutomlDatasetName[];
const seed = Number(arg('seed', '0'));

interface Row {
  dataset: string;
  rows: number;
  features: number;
  task: string;
  metric: string;
  defaults: Partial<Record<FamilyName, { mean: number; std: number; seconds: number }>>;
  bestDefault: { family: FamilyName; mean: number };
  automl: { mean: number; std: number; family: FamilyName; trials: number; pruned: number; searchSeconds: number };
}

const here = dirname(fileURLToPath(import.meta.url));
const fams: FamilyName[] = ['gbdt', 'random_forest', 'decision_tree', 'knn', 'linear', 'naive_bayes', 'svm', 'mlp'];
const f4 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));

/** Results so far, as JSON in bench/results/automl.json and as a Markdown table. */
function write(results: readonly Row[]): string {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify({ budgetSeconds: budgetS, seed, results }, null, 2)}\n`);
  const lines = [
    `| dataset (rows × features, metric) | ${fams.join(' | ')} | best default | automl ${budgetS} s (family, trials) | Δ |`,
    `|---|${fams.map(() => '---:').join('|')}|---:|---:|---:|`,
    ...results.map(
      (r) =>
        `| ${r.dataset} (${r.rows} × ${r.features}, ${r.metric}) | ${fams.map((f) => f4(r.defaults[f]?.mean)).join(' | ')} | ${f4(r.bestDefault.mean)} | **${f4(r.automl.mean)}** ± ${f4(r.automl.std)} (${r.automl.family}, ${r.automl.trials}) | ${(r.automl.mean - r.bestDefault.mean >= 0 ? '+' : '') + (r.automl.mean - r.bestDefault.mean).toFixed(3)} |`,
    ),
  ];
  return lines.join('\n');
}

// Rows of other datasets from an earlier run at the same budget are kept (one dataset can be rerun alone).
const resultsFile = join(here, 'results', 'automl.json');
const earlier: Row[] = (() => {
  try {
    const old = JSON.parse(readFileSync(resultsFile, 'utf8')) as { budgetSeconds: number; seed: number; results: Row[] };
    return old.budgetSeconds === budgetS && old.seed === seed ? old.results.filter((r) => !datasets.includes(r.dataset as AutomlDatasetName)) : [];
  } catch {
    return [];
  }
})();
const results: Row[] = [...earlier];
for (const name of datasets) {
  const frame = loadAutomlDataset(name);
  const task = inferTask(frame, 'target');
  const families = familiesFor(task);
  // Every family's default on the same folds: exactly the trials automl enqueues first, here without racing or budget.
  const d = await automl({ data: frame, target: 'target', trials: families.length, pruner: 'none', seed });
  const defaults: Row['defaults'] = {};
  for (const e of d.leaderboard) defaults[e.family] = { mean: e.mean, std: e.std, seconds: e.seconds };
  const best = d.leaderboard[0];
  if (!best) throw new Error(`no default completed on ${name}`);
  const r = await automl({ data: frame, target: 'target', timeMs: budgetS * 1000, seed });
  const row: Row = {
    dataset: name,
    rows: frame.nRows,
    features: frame.names.length - 1,
    task,
    metric: r.metric,
    defaults,
    bestDefault: { family: best.family, mean: best.mean },
    automl: {
      mean: r.best.mean,
      std: r.best.std,
      family: r.best.family,
      trials: r.leaderboard.length,
      pruned: r.leaderboard.filter((e) => e.state === 'PRUNED').length,
      searchSeconds: r.searchSeconds,
    },
  };
  results.push(row);
  write(results);
  process.stderr.write(
    `${name}: best default ${best.family} ${best.mean.toFixed(4)}; automl ${r.best.family} ${r.best.mean.toFixed(4)} (${row.automl.trials} trials, ${row.automl.pruned} pruned, ${r.searchSeconds.toFixed(0)} s)\n`,
  );
}

process.stdout.write(`${write(results)}\n`);
