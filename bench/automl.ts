/**
 * AutoML benchmark: on seven real datasets, automl() at a time budget (default
 * 60 s) against every model family with its default settings. Aim: automl
 * better than the best default on every dataset.
 *
 * Fair comparison: the search picks its pipeline by CV on folds split with
 * --seed (and confirms its leaders on splits seed + 1, seed + 2, …); its
 * best CV mean there is optimistic (the maximum over many noisy
 * estimates). So the pipeline it chose, and every default, are scored again
 * by 5-fold CV on fresh folds (--eval-repeats splits, default 10 on up to
 * 1,000 rows and 3 above, with seeds --eval-seed, +1, …; default
 * seed + 1000), the same folds for all; that is the compared figure (mean
 * over all 50 or 15 folds). The best default there is
 * picked in hindsight (on the evaluation folds); the default a user would
 * pick, the best by CV on the search folds, is reported beside it. With
 * --nested, automl is also rerun inside each fold of the first evaluation
 * split on the training rows alone and scored on the held-out rows (nested
 * CV: no selection bias at all; 5× the time).
 *
 * The search's model is an ensemble (ensemble selection) unless it did not
 * beat the best single pipeline on the out-of-fold predictions it was
 * selected on;
 * both come from the one search and are scored on the same evaluation
 * folds: the ensemble by refitting every member on each fold's training
 * rows and averaging their predictions on its held-out rows
 * (crossValidateEnsemble), exactly as the single pipeline and the defaults
 * are refitted. --reuse-defaults takes the defaults' scores from the
 * results file of an earlier run with the same seeds and repeats (they do
 * not depend on the search or the load) instead of recomputing them.
 *
 * When the held-out check rejects the ensemble, the ensemble selection
 * chose is scored on the same folds too (`rejectedEnsemble`), so that
 * bench/automl-ensemble-rule.ts can say what each keep-rule would have
 * scored. `--datasets heldout` runs the five real datasets no rule or
 * threshold was chosen on (HELDOUT_DATASETS); `--defaults-from FILE` reuses
 * another results file's defaults (same --eval-seed; another --seed's
 * search-fold CV is rerun).
 *
 *   npm run bench:automl                    # 60 s per dataset, all seven
 *   npx tsx bench/automl.ts --budget 20 --datasets iris,wine [--nested]
 *   npx tsx bench/automl.ts --datasets heldout --out bench/results/automl-heldout.json
 *
 * Writes bench/results/automl.json (automl-nested.json with --nested; or --out FILE) and prints a Markdown table (for bench/README.md).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { automl, crossValidatePipeline, cvFolds } from '../src/automl/automl.js';
import { type Frame, frameRows } from '../src/automl/csv.js';
import { AUTOML_DATASETS, type AutomlDatasetName, HELDOUT_DATASETS, loadAutomlDataset } from '../src/automl/datasets.js';
import { crossValidateEnsemble } from '../src/automl/ensemble.js';
import { defaultConfig, familiesFor, type PipelineConfig } from '../src/automl/families.js';
import { score } from '../src/automl/metrics.js';
import { modelFromJson, predict } from '../src/automl/model-file.js';
import type { FamilyName, Task } from '../src/automl/models/model.js';
import { encodeTarget, inferTask } from '../src/automl/pipeline.js';
import { summarize } from '../src/cv/cross-validate.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

const budgetS = Number(arg('budget', '60'));
// `--datasets heldout`: the datasets no rule was chosen on (HELDOUT_DATASETS).
const datasetsArg = arg('datasets', AUTOML_DATASETS.join(','));
const datasets = (datasetsArg === 'heldout' ? HELDOUT_DATASETS.join(',') : datasetsArg).split(',') as AutomlDatasetName[];
for (const d of datasets)
  if (![...AUTOML_DATASETS, ...HELDOUT_DATASETS].includes(d))
    throw new Error(`--datasets: unknown dataset ${d}; known: ${[...AUTOML_DATASETS, ...HELDOUT_DATASETS].join(', ')} (or heldout)`);
const seed = Number(arg('seed', '0'));
const evalSeed = Number(arg('eval-seed', String(seed + 1000)));
const evalRepeatsArg = arg('eval-repeats', '');
/** Evaluation splits: more on small data, where one row is a large step of the metric and splits differ most. */
const repeatsFor = (frame: Frame): number => (evalRepeatsArg !== '' ? Number(evalRepeatsArg) : frame.nRows > 1000 ? 3 : 10);
const nested = process.argv.includes('--nested');
// --defaults-from FILE: reuse the defaults of another results file (e.g. another search seed's, same --eval-seed).
const defaultsFrom = arg('defaults-from', '');
const reuseDefaults = process.argv.includes('--reuse-defaults') || defaultsFrom !== '';

interface Score {
  mean: number;
  std: number;
}

interface Row {
  dataset: string;
  rows: number;
  features: number;
  task: string;
  metric: string;
  /** 5-fold splits the defaults and automl's choice were scored on. */
  evalRepeats: number;
  /** 1-minute load average when the dataset's search started (the budget is wall clock). */
  load: number;
  /** Each default on the evaluation folds. */
  defaults: Partial<Record<FamilyName, Score & { firstSplit: number; search: number; seconds: number }>>;
  /** The default best on the evaluation folds themselves: chosen in hindsight, so an optimistic bar. */
  bestDefault: { family: FamilyName; mean: number };
  /** The default a user would pick: best by CV on the search folds, scored on the evaluation folds. */
  cvChosenDefault?: { family: FamilyName; mean: number };
  automl: {
    /** The chosen pipeline on the evaluation folds: the compared figure. */
    eval: Score;
    /** The search's own best CV mean on its folds (optimistic). */
    search: Score;
    family: FamilyName;
    /** Its imputation (mean, median or knn). */
    impute?: string;
    params: Record<string, unknown>;
    trials: number;
    complete: number;
    pruned: number;
    searchSeconds: number;
    /** The whole automl() call (search, confirmation, ensemble selection, final refit), against the budget. */
    totalSeconds: number;
  };
  /** The ensemble the same search built, on the evaluation folds (absent when the search kept a single pipeline). */
  ensemble?: {
    eval: Score;
    /** Its score on the search's out-of-fold predictions (selected on them: optimistic). */
    search: number;
    members: { family: FamilyName; weight: number; params: Record<string, unknown> }[];
    candidates: number;
    /** Fold splits whose out-of-fold predictions the selection used (the confirmation's fresh splits, or 1: the search's). */
    splits?: number;
    selectSeconds: number;
    refitSeconds: number;
  };
  /** Ensemble selection's gain per fold over the best single candidate (held out on the fresh splits, else on the predictions it selected on), its standard error, splits and candidates (also when the single pipeline was kept). */
  ensembleGain?: {
    gain: number;
    stdErr: number;
    heldOut: boolean;
    splits: number;
    candidates: number;
    leftOutForTime: number;
    fitsBudget: boolean;
    kept?: boolean;
  };
  /** The ensemble selection chose but the held-out check rejected, on the same evaluation folds (what keeping it would have scored). */
  rejectedEnsemble?: { eval: Score; members: { family: FamilyName; weight: number; params: Record<string, unknown> }[] };
  /** automl rerun inside each fold of the first evaluation split, against the best default on that split. */
  nested?: Score & { bestDefault: number; families: FamilyName[]; trials: number[] };
}

const here = dirname(fileURLToPath(import.meta.url));
const fams: FamilyName[] = ['gbdt', 'random_forest', 'decision_tree', 'knn', 'linear', 'naive_bayes', 'svm', 'mlp'];
const f3 = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const signed = (v: number): string => (v >= 0 ? '+' : '') + v.toFixed(3);
const meanStd = (xs: readonly number[]): Score => {
  const { mean, std } = summarize(xs, xs.length, false);
  return { mean, std };
};

/** Mean and spread over the evaluation splits' folds. */
async function evaluate(frame: Frame, task: Task, config: PipelineConfig, evalRepeats: number): Promise<Score & { firstSplit: number }> {
  const scores: number[] = [];
  for (let r = 0; r < evalRepeats; r++)
    scores.push(...(await crossValidatePipeline({ data: frame, target: 'target', task, config, seed: evalSeed + r })).scores);
  // The first split's folds are the outer folds of --nested.
  return { ...meanStd(scores), firstSplit: meanStd(scores.slice(0, scores.length / evalRepeats)).mean };
}

/** Results so far, as JSON in bench/results/automl.json and as a Markdown table. */
function write(results: readonly Row[]): string {
  mkdirSync(join(here, 'results'), { recursive: true });
  writeFileSync(resultsFile, `${JSON.stringify({ budgetSeconds: budgetS, seed, evalSeed, results }, null, 2)}\n`);
  const lines = [
    `| dataset (rows × features, metric) | ${fams.join(' | ')} | best default (hindsight) | CV-chosen default | automl ${budgetS} s: best single pipeline (family) | Δ vs hindsight / CV-chosen | automl ensemble (members, distinct) | Δ vs hindsight / CV-chosen | search's own estimate (single / ensemble) | trials (complete / pruned), load${nested ? ' | nested CV: automl vs best default (first split), Δ' : ''} |`,
    `|---|${fams.map(() => '---:').join('|')}|---:|---:|---:|---:|---:|---:|---:|---:${nested ? '|---:' : ''}|`,
    ...results.map((r) => {
      const cells = [
        `${r.dataset} (${r.rows} × ${r.features}, ${r.metric}; ${r.evalRepeats ?? 3} × 5 folds)`,
        ...fams.map((f) => f3(r.defaults[f]?.mean)),
        `${f3(r.bestDefault.mean)} (${r.bestDefault.family})`,
        r.cvChosenDefault ? `${f3(r.cvChosenDefault.mean)} (${r.cvChosenDefault.family})` : '–',
        `**${f3(r.automl.eval.mean)}** ± ${f3(r.automl.eval.std)} (${r.automl.family})`,
        `${signed(r.automl.eval.mean - r.bestDefault.mean)} / ${r.cvChosenDefault ? signed(r.automl.eval.mean - r.cvChosenDefault.mean) : '–'}`,
        r.ensemble
          ? `**${f3(r.ensemble.eval.mean)}** ± ${f3(r.ensemble.eval.std)} (${r.ensemble.members.length}: ${[...new Set(r.ensemble.members.map((m) => m.family))].join(', ')})`
          : '– (single kept)',
        r.ensemble
          ? `${signed(r.ensemble.eval.mean - r.bestDefault.mean)} / ${r.cvChosenDefault ? signed(r.ensemble.eval.mean - r.cvChosenDefault.mean) : '–'}`
          : '–',
        `${f3(r.automl.search.mean)} / ${r.ensemble ? f3(r.ensemble.search) : '–'}`,
        `${r.automl.trials} (${r.automl.complete} / ${r.automl.pruned}), ${r.load.toFixed(1)}`,
        ...(nested ? [r.nested ? `${f3(r.nested.mean)} vs ${f3(r.nested.bestDefault)}, ${signed(r.nested.mean - r.nested.bestDefault)}` : '–'] : []),
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
  return lines.join('\n');
}

/** automl inside each evaluation fold, on its training rows only, scored on the held-out rows. */
async function nestedCv(frame: Frame, bestDefault: number): Promise<NonNullable<Row['nested']>> {
  const target = encodeTarget(frame, 'target');
  const scores: number[] = [];
  const families: FamilyName[] = [];
  const trials: number[] = [];
  for (const [k, fold] of cvFolds(frame, 'target', { seed: evalSeed }).entries()) {
    const r = await automl({ data: frameRows(frame, fold.trainIndex), target: 'target', task: target.task, timeMs: budgetS * 1000, seed });
    const model = await modelFromJson(r.model);
    const { predictions } = await predict(model, frameRows(frame, fold.testIndex));
    const truth = fold.testIndex.map((i) => target.y[i] as number);
    const pred = target.task === 'classification' ? predictions.map((p) => target.classes.indexOf(p)) : (predictions as number[]);
    scores.push(score(r.metric, truth, pred, undefined, target.classes.length));
    families.push(r.best.family);
    trials.push(r.leaderboard.length);
    process.stderr.write(`  nested fold ${k}: ${r.best.family} ${scores[k]?.toFixed(4)} (${r.leaderboard.length} trials)\n`);
  }
  return { ...meanStd(scores), bestDefault, families, trials };
}

// Rows of other datasets from an earlier run with the same settings are kept (one dataset can be rerun alone).
const resultsFile = arg('out', join(here, 'results', nested ? 'automl-nested.json' : 'automl.json'));
const earlier: Row[] = (() => {
  try {
    const old = JSON.parse(readFileSync(resultsFile, 'utf8')) as {
      budgetSeconds: number;
      seed: number;
      evalSeed?: number;
      results: Row[];
    };
    const same = old.budgetSeconds === budgetS && old.seed === seed && old.evalSeed === evalSeed;
    return same ? old.results.filter((r) => !datasets.includes(r.dataset as AutomlDatasetName)) : [];
  } catch {
    return [];
  }
})();
const results: Row[] = [...earlier];
const oldDefaults = new Map<string, Row['defaults']>();
/** Whether the reused defaults' search-fold CV (the CV-chosen default's criterion) was run on this seed's folds. */
let sameSearchSeed = true;
if (reuseDefaults) {
  const from = defaultsFrom || resultsFile;
  const old = JSON.parse(readFileSync(from, 'utf8')) as { budgetSeconds: number; seed: number; evalSeed?: number; evalRepeats?: number; results: Row[] };
  if (old.evalSeed !== evalSeed)
    throw new Error(
      `--reuse-defaults: ${from} was scored on other evaluation folds (--eval-seed ${old.evalSeed}); pass --eval-seed ${old.evalSeed} or run without it`,
    );
  // The evaluation folds depend on --eval-seed alone; the search folds on --seed, so another seed's search-fold CV is rerun.
  sameSearchSeed = old.seed === seed;
  // A dataset scored on other repeats than this run's is scored again.
  for (const r of old.results) oldDefaults.set(`${r.dataset}/${r.evalRepeats ?? old.evalRepeats ?? 3}`, r.defaults);
}
for (const name of datasets) {
  const frame = loadAutomlDataset(name);
  const task = inferTask(frame, 'target');
  const evalRepeats = repeatsFor(frame);
  // Every family's default on the evaluation folds, without racing or budget.
  const defaults: Row['defaults'] = {};
  let best: Row['bestDefault'] | undefined;
  for (const family of familiesFor(task)) {
    const config = defaultConfig(family, task);
    if (!config) continue;
    const reused = oldDefaults.get(`${name}/${evalRepeats}`)?.[family];
    if (reused) {
      defaults[family] = sameSearchSeed
        ? reused
        : { ...reused, search: (await crossValidatePipeline({ data: frame, target: 'target', task, config, seed })).mean };
      if (!best || reused.mean > best.mean) best = { family, mean: reused.mean };
      continue;
    }
    const t0 = Date.now();
    const cv = await evaluate(frame, task, config, evalRepeats);
    const seconds = (Date.now() - t0) / 1000;
    const search = (await crossValidatePipeline({ data: frame, target: 'target', task, config, seed })).mean;
    defaults[family] = { ...cv, search, seconds };
    if (!best || cv.mean > best.mean) best = { family, mean: cv.mean };
  }
  if (!best) throw new Error(`no default completed on ${name}`);
  const picked = (Object.entries(defaults) as [FamilyName, NonNullable<Row['defaults'][FamilyName]>][]).reduce((a, b) => (b[1].search > a[1].search ? b : a));
  const cvChosenDefault = { family: picked[0], mean: picked[1].mean };
  const load = loadavg()[0] as number;
  const r = await automl({ data: frame, target: 'target', task, timeMs: budgetS * 1000, seed });
  const chosen = await evaluate(frame, task, r.bestConfig, evalRepeats);
  const evalEnsemble = async (members: NonNullable<typeof r.ensemble>['members']): Promise<Score> => {
    const scores: number[] = [];
    for (let k = 0; k < evalRepeats; k++)
      scores.push(...(await crossValidateEnsemble({ data: frame, target: 'target', task, members, seed: evalSeed + k })).scores);
    return meanStd(scores);
  };
  let ensemble: Row['ensemble'];
  let rejectedEnsemble: Row['rejectedEnsemble'];
  const members = (ms: NonNullable<typeof r.ensemble>['members']) =>
    ms.map((m) => ({ family: m.config.family, weight: m.weight, params: { ...m.config.params } }));
  if (!r.ensemble && r.ensembleGain && r.ensembleGain.selected.length > 1)
    rejectedEnsemble = { eval: await evalEnsemble(r.ensembleGain.selected), members: members(r.ensembleGain.selected) };
  if (r.ensemble) {
    ensemble = {
      eval: await evalEnsemble(r.ensemble.members),
      search: r.ensemble.score,
      members: members(r.ensemble.members),
      candidates: r.ensemble.candidates,
      splits: r.ensemble.splits,
      selectSeconds: r.ensemble.selectSeconds,
      refitSeconds: r.ensemble.refitSeconds,
    };
  }
  const row: Row = {
    dataset: name,
    rows: frame.nRows,
    features: frame.names.length - 1,
    task,
    metric: r.metric,
    evalRepeats,
    load,
    defaults,
    bestDefault: best,
    cvChosenDefault,
    automl: {
      eval: { mean: chosen.mean, std: chosen.std },
      search: { mean: r.best.mean, std: r.best.std },
      family: r.best.family,
      impute: r.best.impute,
      params: { ...r.best.params },
      trials: r.leaderboard.length,
      complete: r.leaderboard.filter((e) => e.state === 'COMPLETE').length,
      pruned: r.leaderboard.filter((e) => e.state === 'PRUNED').length,
      searchSeconds: r.searchSeconds,
      totalSeconds: r.totalSeconds,
    },
    ...(ensemble ? { ensemble } : {}),
    ...(r.ensembleGain ? { ensembleGain: (({ selected: _s, ...g }) => g)(r.ensembleGain) } : {}),
    ...(rejectedEnsemble ? { rejectedEnsemble } : {}),
    ...(nested ? { nested: await nestedCv(frame, Math.max(...Object.values(defaults).map((d) => d.firstSplit))) } : {}),
  };
  results.push(row);
  write(results);
  process.stderr.write(
    `${name}: best default ${best.family} ${best.mean.toFixed(4)}; automl chose ${r.best.family} ${JSON.stringify(r.best.params)}: ${chosen.mean.toFixed(4)} on fresh folds${ensemble ? `, ensemble of ${ensemble.members.length} ${ensemble.eval.mean.toFixed(4)}` : ''} (search estimate ${r.best.mean.toFixed(4)}; ${row.automl.trials} trials, ${row.automl.pruned} pruned, search ${r.searchSeconds.toFixed(1)} s, total ${r.totalSeconds.toFixed(1)} s, load ${load.toFixed(1)})${row.nested ? `; nested ${row.nested.mean.toFixed(4)}` : ''}\n`,
  );
}

process.stdout.write(`${write(results)}\n`);
