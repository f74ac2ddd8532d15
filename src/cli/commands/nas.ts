/**
 * `dials nas`: neural architecture search on a CSV or a bundled dataset —
 * regularized evolution (or TPE, or random search) over the NAS vocabulary,
 * Hyperband over epochs, scored by validation accuracy; prints the best
 * architectures.
 */
import type { Command } from 'commander';
import type { Frame } from '../../automl/csv.js';
import { type AutomlDatasetName, loadAutomlDataset } from '../../automl/datasets.js';
import { readCsvFile } from '../../automl/model-file.js';
import { InvalidArgumentError } from '../../errors.js';
import { architectureFromParams, describeArchitecture } from '../../nas/architecture.js';
import { type NasTrialRecord, nasObjective } from '../../nas/nas-objective.js';
import { RegularizedEvolutionSampler } from '../../nas/regularized-evolution-sampler.js';
import { HyperbandPruner } from '../../pruners/hyperband-pruner.js';
import { RandomSampler } from '../../samplers/random/random-sampler.js';
import type { Sampler } from '../../samplers/sampler.js';
import { TpeSampler } from '../../samplers/tpe/tpe-sampler.js';
import { createStudy } from '../../study/create-study.js';
import { type Dataset, standardize, trainValidationSplit } from '../../tfjs/datasets.js';
import { loadTfjs } from '../../tfjs/load-tfjs.js';
import { printJson, printTable, show } from '../output.js';
import { addStorageOptions, storageUrl } from '../storage-option.js';
import { int, timeOption } from './automl.js';

/** Bundled classification datasets, and the image shape of their rows when they are images. */
const BUNDLED: Readonly<Record<string, { readonly imageShape?: readonly number[] }>> = {
  digits: { imageShape: [8, 8, 1] },
  breast_cancer: {},
  iris: {},
  wine: {},
};

/** A target with more distinct values than this is not a class label. */
const MAX_CLASSES = 100;

interface NasCliOptions {
  target?: string;
  trials?: string;
  time?: string;
  epochs: string;
  eta: string;
  sampler: string;
  population?: string;
  validation: string;
  imageShape?: string;
  seed: string;
  study?: string;
  top: string;
  storage?: string;
  storageFile?: string;
  json?: boolean;
}

/** The frame's numeric feature columns and its target as class indices (classes in sorted order). */
export function frameToDataset(frame: Frame, target: string, name: string): Dataset & { readonly classes: readonly (string | number)[] } {
  const t = frame.names.indexOf(target);
  if (t < 0)
    throw new InvalidArgumentError(`${name} has no column ${JSON.stringify(target)}; its columns are ${frame.names.map((n) => JSON.stringify(n)).join(', ')}`);
  const labels = frame.columns[t] as Float64Array | readonly (string | null)[];
  const values: (string | number)[] = [];
  for (let r = 0; r < frame.nRows; r++) {
    const v = labels[r];
    if (v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v))) {
      throw new InvalidArgumentError(`${name}: the target ${JSON.stringify(target)} is missing in row ${r + 2}; drop those rows`);
    }
    values.push(v);
  }
  const classes = [...new Set(values)].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  if (classes.length < 2) throw new InvalidArgumentError(`${name}: the target ${JSON.stringify(target)} has a single value; nas needs at least two classes`);
  if (classes.length > MAX_CLASSES || classes.some((c) => typeof c === 'number' && !Number.isInteger(c))) {
    throw new InvalidArgumentError(
      `${name}: the target ${JSON.stringify(target)} looks continuous (${classes.length} distinct values); nas searches classifiers — use dials automl --task regression`,
    );
  }
  const features: number[] = [];
  frame.names.forEach((n, j) => {
    if (j === t) return;
    if (frame.kinds[j] !== 'numeric') {
      throw new InvalidArgumentError(
        `${name}: column ${JSON.stringify(n)} is not numeric; nas needs numeric features (one-hot encode it, or use dials automl)`,
      );
    }
    const col = frame.columns[j] as Float64Array;
    const missing = col.reduce((s, v) => s + (Number.isNaN(v) ? 1 : 0), 0);
    if (missing > 0)
      throw new InvalidArgumentError(`${name}: column ${JSON.stringify(n)} has ${missing} missing value(s); impute them first, or use dials automl`);
    features.push(j);
  });
  if (features.length === 0) throw new InvalidArgumentError(`${name} has no feature column besides the target ${JSON.stringify(target)}`);
  const index = new Map(classes.map((c, i) => [c, i]));
  const x = Array.from({ length: frame.nRows }, (_, r) => Float32Array.from(features, (j) => (frame.columns[j] as Float64Array)[r] as number));
  return { name, x, y: values.map((v) => index.get(v) as number), nFeatures: features.length, nClasses: classes.length, classes };
}

function parseImageShape(text: string, nFeatures: number): number[] {
  const dims = text.split(/[x,]/).map((s) => Number(s.trim()));
  if (dims.length !== 3 || dims.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new InvalidArgumentError(`--image-shape must be HxWxC (three positive integers), e.g. 8x8x1, got ${JSON.stringify(text)}`);
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== nFeatures) throw new InvalidArgumentError(`--image-shape ${text} has ${size} values per row, but the data has ${nFeatures} features`);
  return dims;
}

function loadData(data: string, target: string | undefined): { dataset: Dataset & { classes: readonly (string | number)[] }; imageShape?: readonly number[] } {
  const bundled = BUNDLED[data];
  if (bundled !== undefined) {
    const frame = loadAutomlDataset(data as AutomlDatasetName);
    const dataset = frameToDataset(frame, target ?? 'target', data);
    return { dataset, ...(bundled.imageShape ? { imageShape: bundled.imageShape } : {}) };
  }
  if (!/\.(csv|txt)$/i.test(data) && !data.includes('/') && !data.includes('\\')) {
    throw new InvalidArgumentError(
      `${JSON.stringify(data)} is neither a bundled dataset (${Object.keys(BUNDLED).join(', ')}) nor a CSV path; give a file such as ./data.csv`,
    );
  }
  if (target === undefined) throw new InvalidArgumentError(`--target <column> is required for a CSV file (the class column of ${data})`);
  return { dataset: frameToDataset(readCsvFile(data), target, data) };
}

function makeSampler(kind: string, seed: number, population: number): Sampler {
  if (kind === 'evolution') return new RegularizedEvolutionSampler({ seed, populationSize: population, sampleSize: Math.max(2, Math.round(population / 3)) });
  if (kind === 'tpe') return new TpeSampler({ seed });
  if (kind === 'random') return new RandomSampler({ seed });
  throw new InvalidArgumentError(`--sampler must be evolution, tpe or random, got ${JSON.stringify(kind)}`);
}

export function registerNas(program: Command): void {
  addStorageOptions(
    program
      .command('nas')
      .description('search neural network architectures (tfjs) for a classification CSV or a bundled dataset; Hyperband over epochs')
      .argument('<data>', `CSV file with a header line, or a bundled dataset: ${Object.keys(BUNDLED).join(', ')}`)
      .option('--target <column>', 'the class column (required for a CSV; bundled datasets use "target")')
      .option('--trials <n>', 'trial budget (default 20 unless --time)')
      .option('--time <duration>', 'start no trial after this long, e.g. 90s or 5m')
      .option('--epochs <n>', 'epochs of a trial that is never pruned (Hyperband’s maximum resource)', '9')
      .option('--eta <n>', 'Hyperband’s reduction factor η', '3')
      .option('--sampler <name>', 'evolution (regularized evolution), tpe or random', 'evolution')
      .option('--population <n>', 'regularized evolution’s population P (default: a third of the trials, 4 to 20)')
      .option('--validation <fraction>', 'share of the rows held out (stratified) to score architectures', '0.2')
      .option('--image-shape <HxWxC>', 'the rows are images of this shape (allows convolutional blocks; digits: 8x8x1)')
      .option('--seed <n>', 'seed of the split, the sampler and the weights', '0')
      .option('--study <name>', 'study name (default nas-<data>-<time>)')
      .option('--top <n>', 'architectures to print', '10')
      .option('--json', 'JSON output'),
  ).action(async (data: string, opts: NasCliOptions) => {
    const trials = opts.trials === undefined ? (opts.time === undefined ? 20 : undefined) : int(opts.trials, '--trials', 1);
    const timeMs = timeOption(opts.time);
    const epochs = int(opts.epochs, '--epochs', 1);
    const eta = int(opts.eta, '--eta', 2);
    const seed = int(opts.seed, '--seed', 0);
    const top = int(opts.top, '--top', 1);
    const validation = Number(opts.validation);
    if (!(validation > 0 && validation < 1))
      throw new InvalidArgumentError(`--validation must be a fraction in (0, 1), got ${JSON.stringify(opts.validation)}`);
    const population = opts.population === undefined ? Math.max(4, Math.min(20, Math.floor((trials ?? 60) / 3))) : int(opts.population, '--population', 2);
    const sampler = makeSampler(opts.sampler, seed, population);

    const loaded = loadData(data, opts.target);
    const { dataset } = loaded;
    const imageShape = opts.imageShape !== undefined ? parseImageShape(opts.imageShape, dataset.nFeatures) : loaded.imageShape;
    const minClass = Math.min(...Array.from({ length: dataset.nClasses }, (_, c) => dataset.y.filter((y) => y === c).length));
    if (Math.round(minClass * validation) < 1 || minClass - Math.round(minClass * validation) < 1) {
      throw new InvalidArgumentError(`${data}: a class has only ${minClass} row(s), too few to hold out ${validation} of each class for validation`);
    }
    const split = standardize(trainValidationSplit(dataset, { validationFraction: validation, seed }));

    const tfjs = await loadTfjs();
    const label = data.replace(/^.*[\\/]/, '').replace(/\.[^.]*$/, '');
    const studyName = opts.study ?? `nas-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    const study = await createStudy({
      studyName,
      storage: storageUrl(opts),
      direction: 'maximize',
      sampler,
      pruner: new HyperbandPruner({ minResource: 1, maxResource: epochs, reductionFactor: eta }),
    });
    try {
      const progress = !opts.json && process.stderr.isTTY;
      const t0 = Date.now();
      await study.optimize(nasObjective(tfjs, { split, epochs, seed, ...(imageShape ? { imageShape } : {}) }), {
        ...(trials === undefined ? {} : { nTrials: trials }),
        ...(timeMs === undefined ? {} : { timeoutMs: timeMs }),
        ...(progress
          ? {
              callbacks: [
                (_s, t) => {
                  const rec = t.userAttrs.nas as unknown as NasTrialRecord | undefined;
                  process.stderr.write(`trial ${t.number} ${t.state} ${t.value ?? '-'} ${rec?.description ?? ''}\n`);
                },
              ],
            }
          : {}),
      });
      const searchSeconds = (Date.now() - t0) / 1000;
      const all = await study.getTrials();
      const rows = all
        .filter((t) => t.state === 'COMPLETE' || t.state === 'PRUNED')
        .map((t) => {
          const rec = t.userAttrs.nas as unknown as NasTrialRecord | undefined;
          const accuracies = rec?.accuracies ?? [];
          return {
            trial: t.number,
            state: t.state,
            accuracy: t.state === 'COMPLETE' ? (t.value as number) : (accuracies[accuracies.length - 1] ?? Number.NaN),
            epochs: accuracies.length,
            weights: rec?.params ?? 0,
            description: rec?.description ?? describeArchitecture(architectureFromParams(t.params, imageShape ? { imageShape } : {})),
          };
        })
        .sort((a, b) => Number(b.state === 'COMPLETE') - Number(a.state === 'COMPLETE') || b.accuracy - a.accuracy || a.trial - b.trial);
      const complete = rows.filter((r) => r.state === 'COMPLETE');
      const best = complete[0];
      if (best === undefined) {
        throw new InvalidArgumentError(
          `no trial of study ${JSON.stringify(studyName)} trained for all ${epochs} epochs within the budget; raise --trials or --time, or lower --epochs`,
        );
      }
      const bestTrial = all.find((t) => t.number === best.trial);
      const architecture = architectureFromParams(bestTrial?.params ?? {}, imageShape ? { imageShape } : {});
      const epochsTrained = rows.reduce((s, r) => s + r.epochs, 0);
      const summary = {
        study: studyName,
        data,
        rows: dataset.x.length,
        features: dataset.nFeatures,
        classes: dataset.classes,
        validationRows: split.validation.x.length,
        sampler: sampler.name,
        trials: all.length,
        complete: complete.length,
        pruned: rows.length - complete.length,
        epochsTrained,
        epochsUnpruned: all.length * epochs,
        searchSeconds,
        backend: tfjs.backend,
      };
      if (opts.json) {
        printJson({
          ...summary,
          best: { trial: best.trial, accuracy: best.accuracy, weights: best.weights, description: best.description, architecture },
          leaderboard: rows,
        });
        return;
      }
      process.stdout.write(
        `study ${show(studyName)}: ${show(data)} (${summary.rows} rows, ${summary.features} features, ${dataset.nClasses} classes; ${summary.validationRows} validation rows), ` +
          `${summary.trials} trials (${summary.complete} complete, ${summary.pruned} pruned), ${epochsTrained} of ${summary.epochsUnpruned} epochs trained, ${searchSeconds.toFixed(1)} s\n`,
      );
      printTable([
        ['RANK', 'TRIAL', 'STATE', 'VAL ACC', 'EPOCHS', 'WEIGHTS', 'ARCHITECTURE'],
        ...rows
          .slice(0, top)
          .map((r, i) => [String(i + 1), String(r.trial), r.state, r.accuracy.toFixed(4), String(r.epochs), String(r.weights), show(r.description)]),
      ]);
      process.stdout.write(`best: trial ${best.trial}, validation accuracy ${best.accuracy.toFixed(4)}: ${show(best.description)}\n`);
    } finally {
      await study.close();
    }
  });
}
