/** `dials automl`: search model families and hyperparameters for a CSV, print the leaderboard, save the model (an ensemble or the best pipeline). */
import type { Command } from 'commander';
import { type AutomlPruner, type AutomlResult, automl, type LeaderboardEntry } from '../../automl/automl.js';
import { CLASSIFICATION_METRICS, type MetricName, REGRESSION_METRICS } from '../../automl/metrics.js';
import { isFamilyDefault } from '../../automl/warm-start.js';
import { saveModel } from '../../automl/model-file.js';
import { FAMILY_NAMES, type FamilyName, type Task } from '../../automl/models/model.js';
import type { AutomlWarmStart, AutomlWarmStartInfo } from '../../automl/warm-start.js';
import { parseDuration } from '../../config/duration.js';
import { InvalidArgumentError } from '../../errors.js';
import { printJson, printTable, show } from '../output.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';

interface AutomlCliOptions {
  target: string;
  task?: string;
  time?: string;
  trials?: string;
  metric?: string;
  folds: string;
  seed: string;
  out?: string;
  study?: string;
  families?: string;
  pruner: string;
  top: string;
  storage?: string;
  storageFile?: string;
  json?: boolean;
  warmStart: boolean;
  warmStartFrom?: string;
  warmStartK?: string;
}

/** An integer option's value, at least `min` (shared with `dials nas`). */
export function int(value: string, flag: string, min: number): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${flag} must be an integer >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

/** The --time option in milliseconds (undefined when not given; shared with `dials nas`). */
export function timeOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = parseDuration(text);
  if (t === null || t <= 0) throw new InvalidArgumentError(`--time must be a duration such as 90s, 5m or 1h, got ${JSON.stringify(text)}`);
  return t;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? v.toFixed(4) : '-';
}

function paramsText(e: LeaderboardEntry): string {
  return Object.entries(e.params)
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(3)) : v}`)
    .join(' ');
}

/** One line naming the earlier studies a run learned from. */
export function warmStartLine(w: AutomlWarmStartInfo): string {
  const studies = w.studies.map((s) => `${show(s.study)} (distance ${s.distance.toFixed(2)})`).join(', ');
  return `warm start from ${w.studies.length} earlier ${w.studies.length === 1 ? 'study' : 'studies'} nearest by dataset meta-features: ${studies}; ${w.configs} of their best configurations tried first`;
}

export function registerAutoml(program: Command): void {
  addStorageOptions(
    program
      .command('automl')
      .description('find the best model family, preprocessing and hyperparameters for a CSV by cross-validation; save the model')
      .argument('<data>', 'CSV file with a header line')
      .requiredOption('--target <column>', 'the column to predict')
      .option('--task <task>', 'classification or regression (default: inferred from the target)')
      .option('--time <duration>', 'search budget, e.g. 90s or 5m (default 1m unless --trials)')
      .option('--trials <n>', 'trial budget')
      .option('--metric <name>', `${CLASSIFICATION_METRICS.join(', ')} (classification) or ${REGRESSION_METRICS.join(', ')} (regression)`)
      .option('--folds <n>', 'cross-validation folds', '5')
      .option('--seed <n>', 'seed of the sampler, the folds and the models', '0')
      .option('--out <path>', 'write the model (the ensemble or the best pipeline), refitted on all rows, to this model file (JSON)')
      .option('--study <name>', 'study name (default automl-<target>-<time>)')
      .option('--families <names>', `comma-separated model families (default all): ${FAMILY_NAMES.join(', ')}`)
      .option('--pruner <name>', 'fold racing: median, wilcoxon or none', 'median')
      .option('--top <n>', 'leaderboard rows to print', '15')
      .option(
        '--no-warm-start',
        'do not learn from earlier automl studies in the storage (by default the nearest by dataset meta-features choose the first trials)',
      )
      .option('--warm-start-from <studies>', 'comma-separated earlier automl studies to learn from (default: the nearest in the storage)')
      .option('--warm-start-k <n>', 'how many of the nearest earlier studies to learn from (default 3)')
      .option('--json', 'JSON output'),
  ).action(async (data: string, opts: AutomlCliOptions) => {
    if (opts.task !== undefined && opts.task !== 'classification' && opts.task !== 'regression') {
      throw new InvalidArgumentError(`--task must be classification or regression, got ${JSON.stringify(opts.task)}`);
    }
    const timeMs = timeOption(opts.time);
    if (!['median', 'wilcoxon', 'none'].includes(opts.pruner))
      throw new InvalidArgumentError(`--pruner must be median, wilcoxon or none, got ${JSON.stringify(opts.pruner)}`);
    const families = opts.families
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0) as FamilyName[] | undefined;
    const top = int(opts.top, '--top', 1);
    const progress = !opts.json && process.stderr.isTTY;
    const from = opts.warmStartFrom
      ?.split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (!opts.warmStart && (from !== undefined || opts.warmStartK !== undefined))
      throw new InvalidArgumentError('--no-warm-start cannot go with --warm-start-from or --warm-start-k; drop one');
    const warmStart: AutomlWarmStart =
      opts.warmStart && (from !== undefined || opts.warmStartK !== undefined)
        ? { ...(from ? { studies: from } : {}), ...(opts.warmStartK === undefined ? {} : { k: int(opts.warmStartK, '--warm-start-k', 1) }) }
        : opts.warmStart;
    let warm: AutomlWarmStartInfo | undefined;
    const result = await automl({
      csvPath: data,
      target: opts.target,
      ...(opts.task ? { task: opts.task as Task } : {}),
      ...(timeMs === undefined ? {} : { timeMs }),
      ...(opts.trials === undefined ? {} : { trials: int(opts.trials, '--trials', 1) }),
      ...(opts.metric === undefined ? {} : { metric: opts.metric as MetricName }),
      folds: int(opts.folds, '--folds', 2),
      seed: int(opts.seed, '--seed', 0),
      storage: storageUrl(opts),
      ...(opts.study ? { studyName: opts.study } : {}),
      ...(families ? { families } : {}),
      pruner: opts.pruner as AutomlPruner,
      warmStart,
      onWarmStart: (info) => {
        warm = info;
      },
      ...(progress
        ? { onTrial: (e: LeaderboardEntry) => process.stderr.write(`trial ${e.trial} ${e.family} ${e.state} ${fmt(e.mean)} (${e.seconds.toFixed(1)} s)\n`) }
        : {}),
    });
    if (opts.out) saveModel(result.model, opts.out);
    if (opts.json) {
      printJson({
        study: result.studyName,
        task: result.task,
        metric: result.metric,
        direction: result.direction,
        folds: result.folds,
        baseline: result.baselineScore,
        best: result.best,
        bestDefault: bestDefault(result),
        ensemble: result.ensemble ?? null,
        ensembleGain: result.ensembleGain ?? null,
        leaderboard: result.leaderboard,
        searchSeconds: result.searchSeconds,
        totalSeconds: result.totalSeconds,
        warmStart: warm ?? null,
        ...(opts.out ? { model: opts.out } : {}),
      });
      return;
    }
    const lb = result.leaderboard;
    process.stdout.write(
      `study ${show(result.studyName)}: ${result.task}, ${result.metric} (${result.direction === 'maximize' ? 'higher' : 'lower'} is better), ${result.folds}-fold CV, ${lb.length} trials in ${result.searchSeconds.toFixed(1)} s\n`,
    );
    if (warm) process.stdout.write(`${warmStartLine(warm)}\n`);
    printTable([
      ['RANK', 'TRIAL', 'FAMILY', 'STATE', 'CV MEAN', '± STD', 'FOLDS', 'TIME', 'PARAMS'],
      ...lb
        .slice(0, top)
        .map((e, i) => [
          String(i + 1),
          String(e.trial),
          e.family,
          e.state,
          fmt(e.mean),
          fmt(e.std),
          String(e.foldsDone),
          `${e.seconds.toFixed(1)}s`,
          show(`impute=${e.impute} ${paramsText(e)}`),
        ]),
    ]);
    process.stdout.write(
      `best: trial ${result.best.trial}, ${result.best.family}, ${result.metric} ${fmt(result.best.mean)} ± ${fmt(result.best.std)} (constant baseline ${fmt(result.baselineScore)})\n`,
    );
    const def = bestDefault(result);
    if (def !== null) {
      const gain = result.direction === 'maximize' ? result.best.mean - def.mean : def.mean - result.best.mean;
      process.stdout.write(
        `improvement over the best default (the established baseline: ${def.family} with its default settings, trial ${def.trial}, ${fmt(def.mean)}): ${gain >= 0 ? '+' : ''}${fmt(gain)}${def.splits === result.best.splits && def.splits > 1 ? ` (both on the same ${def.splits} ${result.folds}-fold splits)` : ''}\n`,
      );
    }
    if (result.ensemble !== undefined) {
      const members = result.ensemble.members.map((m) => `${m.config.family} #${m.trial} × ${m.weight.toFixed(2)}`).join(', ');
      process.stdout.write(
        `model: an ensemble of ${result.ensemble.members.length} pipelines (${members}); ${result.metric} ${fmt(result.ensemble.score)} on ${result.ensemble.splits > 1 ? `${result.ensemble.splits} fresh ${result.folds}-fold splits` : "the search's folds"} (the predictions it was selected on) against ${fmt(result.ensemble.bestMemberScore)} for its best member\n`,
      );
    }
    const eg = result.ensembleGain;
    if (eg !== undefined && eg.leftOutForTime > 0)
      process.stdout.write(
        `${eg.leftOutForTime} of the ${eg.candidates + eg.leftOutForTime} ensemble candidates were left out: with them the members would not have refitted on all rows within the time budget${eg.fitsBudget ? '' : ' (nor without them: the best single pipeline is kept)'}\n`,
      );
    if (result.ensemble === undefined && eg !== undefined && eg.candidates > 1 && eg.fitsBudget) {
      process.stdout.write(
        eg.rejected === 'below a candidate left out'
          ? `model: the best single pipeline; the ensemble that refits in time (without the ${eg.leftOutForTime} candidates left out) does not beat the best candidate alone\n`
          : eg.heldOut
            ? `model: the best single pipeline; an ensemble of the ${eg.candidates} confirmed candidates gained ${fmt(eg.gain)} ± ${fmt(eg.stdErr)} per fold over the best of them on ${eg.splits} fresh splits it was not selected on, ${eg.rejected === 'held-out gain' ? 'not enough to keep it' : 'but selection on all the splits chose one pipeline'}\n`
            : `model: the best single pipeline; no weighted average of the ${eg.candidates} best pipelines beat it on the search's folds\n`,
      );
    }
    if (opts.out) process.stdout.write(`model refitted on all rows and saved to ${show(opts.out)}\n`);
    process.stdout.write(`total ${result.totalSeconds.toFixed(1)} s${timeMs !== undefined ? ` (time budget ${timeMs / 1000} s)` : ''}\n`);
  });
}

/** The best COMPLETE trial that ran a family's default settings (the established baseline AutoML must beat), or null. */
/** The best family default; among those scored on the same fold splits as the best pipeline when there are any (the confirmation re-scores the leading default). */
function bestDefault(result: AutomlResult): LeaderboardEntry | null {
  // A default may have run as a warm-start configuration (an earlier study's best): it is the baseline all the same.
  const defaults = result.leaderboard.filter(
    (e) => (e.source === 'default' || isFamilyDefault(e, result.task)) && e.state === 'COMPLETE' && !Number.isNaN(e.mean),
  );
  const same = defaults.filter((e) => e.splits === result.best.splits);
  let best: LeaderboardEntry | null = null;
  for (const e of same.length > 0 ? same : defaults) {
    if (best === null || (result.direction === 'maximize' ? e.mean > best.mean : e.mean < best.mean)) best = e;
  }
  return best;
}
